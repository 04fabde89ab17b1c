package solver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTellingOrderRanksEveryReason: every reason the package defines has
// its own place in the precedence, so a new reason cannot be forgotten.
func TestTellingOrderRanksEveryReason(t *testing.T) {
	seen := map[Reason]bool{}
	for _, r := range tellingOrder {
		require.False(t, seen[r], "%v ranked twice", r)
		seen[r] = true
	}
	named := 0
	for r := ReasonNone + 1; int(r) < len(reasonNames); r++ {
		if reasonNames[r] == "" {
			continue // a value no reason has yet
		}
		named++
		assert.True(t, seen[r], "%v has no rank", r)
	}
	assert.Len(t, tellingOrder, named)
}

func TestMostTelling(t *testing.T) {
	cases := []struct {
		name    string
		reasons []Reason
		want    Reason
	}{
		{"none", nil, ReasonNone},
		{"only none", []Reason{ReasonNone}, ReasonNone},
		{"stock beats radius", []Reason{ReasonOutsideRadius, ReasonNoStock, ReasonOutsideRadius}, ReasonNoStock},
		{"closed beats zone", []Reason{ReasonOutsideZone, ReasonClosed}, ReasonClosed},
		{"zone beats radius", []Reason{ReasonOutsideRadius, ReasonOutsideZone}, ReasonOutsideZone},
		{"promise beats closed", []Reason{ReasonClosed, ReasonMissesPromise}, ReasonMissesPromise},
		{"stock beats capacity", []Reason{ReasonCapacity, ReasonNoStock}, ReasonNoStock},
		{"anything beats disabled", []Reason{ReasonDisabled, ReasonMethodNotAllowed}, ReasonMethodNotAllowed},
		{"overweight first", []Reason{ReasonNoStock, ReasonOverweight}, ReasonOverweight},
		{"a reason beats none", []Reason{ReasonNone, ReasonDisabled}, ReasonDisabled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, MostTelling(c.reasons...))
		})
	}
	assert.True(t, MoreTelling(ReasonNoStock, ReasonOutsideZone))
	assert.False(t, MoreTelling(ReasonOutsideZone, ReasonNoStock))
	assert.False(t, MoreTelling(ReasonNoStock, ReasonNoStock))
	assert.False(t, MoreTelling(ReasonNone, ReasonDisabled))
}

// TestUnknownSKUReason: a line the problem marks as a SKU the network never
// stocked is unfilled with UNKNOWN_SKU; the same line unmarked is NO_STOCK;
// the rest of the order is planned as before, by the exact search and the
// heuristic alike.
func TestUnknownSKUReason(t *testing.T) {
	for _, exactMax := range []int{0, -1} { // default exact search; always the heuristic
		p := goldenProblem() // UMBRELLA (line 3) is stocked nowhere
		want, err := Solve(p, Settings{ExactMaxLines: exactMax})
		require.NoError(t, err)
		require.Len(t, want.Unfilled, 1)
		assert.Equal(t, ReasonNoStock, want.Unfilled[0].Reason)

		p.Lines[3].UnknownSKU = true
		got, err := Solve(p, Settings{ExactMaxLines: exactMax})
		require.NoError(t, err)
		require.Len(t, got.Unfilled, 1)
		assert.Equal(t, Unfilled{Line: 3, Quantity: 1, Reason: ReasonUnknownSKU}, got.Unfilled[0])
		assert.Equal(t, want.Shipments, got.Shipments, "the other lines are planned the same way")
		assert.InDelta(t, want.TotalCost, got.TotalCost, 1e-12)
	}
}

func TestReasonNames(t *testing.T) {
	assert.Equal(t, "UNKNOWN_SKU", ReasonUnknownSKU.String())
	assert.Equal(t, Reason(11), ReasonUnknownSKU, "the value is the API's EXCLUSION_REASON_UNKNOWN_SKU")
	assert.Equal(t, "DISABLED", ReasonDisabled.String())
	assert.Equal(t, "Reason(10)", Reason(10).String(), "a value without a name says its number")
	assert.Equal(t, "Reason(200)", Reason(200).String())
}
