package network

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
)

// TestSpellings: every method is spelled in files as its lower-case
// contract name and parsed back from either; reasons likewise.
func TestSpellings(t *testing.T) {
	for _, m := range solver.Methods() {
		got, err := ParseMethod(MethodFileName(m))
		require.NoError(t, err)
		assert.Equal(t, m, got)
		got, err = ParseMethod(m.String())
		require.NoError(t, err)
		assert.Equal(t, m, got)
	}
	assert.Equal(t, "ship_from_store", MethodFileName(solver.ShipFromStore))
	_, err := ParseMethod("Ship_From_Store")
	assert.EqualError(t, err, `unknown method "Ship_From_Store"`)
	assert.Equal(t, "ship_from_store, pickup, warehouse_ship or courier", MethodChoices())
	assert.Equal(t, "partner_unavailable", ReasonFileName(solver.ReasonPartnerUnavailable))
}
