package simulate

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReplayUnknownSKU: in a replay as in the server, a SKU no node has a
// stock row of is unfilled with UNKNOWN_SKU, and a known SKU that is sold
// out with NO_STOCK, whatever the policy.
func TestReplayUnknownSKU(t *testing.T) {
	net, table := loadTiny(t, tinyNetwork, "node,sku,on_hand,safety_stock\ns1,SOLD-OUT,0,0\n")
	orders := `order_id,created_at,lat,lon,sku,qty
o1,2026-03-02T10:00:00Z,0,0.1,SOLD-OUT,1
o2,2026-03-02T11:00:00Z,0,0.1,NEVER-STOCKED,1
`
	var dec bytes.Buffer
	res, err := Run(context.Background(), Config{
		Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
		Decisions: &dec, TempDir: t.TempDir(),
	})
	require.NoError(t, err)
	want := map[string]string{"o1": "NO_STOCK", "o2": "UNKNOWN_SKU"}
	rows := strings.Split(strings.TrimSpace(dec.String()), "\n")[1:]
	require.Len(t, rows, 2*len(res.Results))
	for _, row := range rows {
		f := strings.Split(row, ",")
		assert.Equal(t, "UNFILLED", f[5], row)
		assert.Equal(t, want[f[0]], f[12], row)
	}
}
