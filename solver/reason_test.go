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
	for _, r := range Reasons() {
		assert.True(t, seen[r], "%v has no rank", r)
	}
	assert.Len(t, tellingOrder, len(Reasons()))
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
		{"partner's answer beats closed", []Reason{ReasonClosed, ReasonPartnerUnavailable}, ReasonPartnerUnavailable},
		{"promise beats partner's answer", []Reason{ReasonPartnerUnavailable, ReasonMissesPromise}, ReasonMissesPromise},
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

// TestOpenSets: methods and reasons are the values with a name, each
// spelled in files as its lower-case contract name and parsed back; values
// without a name are unknown and rejected by Validate.
func TestOpenSets(t *testing.T) {
	assert.Equal(t, []Method{ShipFromStore, Pickup, WarehouseShip, Courier}, Methods())
	for _, m := range Methods() {
		assert.True(t, m.Known())
		got, err := ParseMethod(m.FileName())
		require.NoError(t, err)
		assert.Equal(t, m, got)
		got, err = ParseMethod(m.String())
		require.NoError(t, err)
		assert.Equal(t, m, got)
		assert.Less(t, int(m), MethodSlots())
	}
	assert.False(t, MethodUnspecified.Known())
	assert.False(t, Method(MethodSlots()).Known())
	assert.Contains(t, Reasons(), ReasonPartnerUnavailable)
	assert.NotContains(t, Reasons(), Reason(13), "a value without a name is no reason")
	assert.Equal(t, "PARTNER_UNAVAILABLE", ReasonPartnerUnavailable.String())
	assert.Equal(t, "partner_unavailable", ReasonPartnerUnavailable.FileName())
	assert.Equal(t, "Reason(13)", Reason(13).String())

	p := &Problem{Lines: []Line{{SKU: "A", Quantity: 1}}, Options: []Option{{Node: 0}},
		Available: []int32{1}, UnitCost: []float64{1}}
	require.NoError(t, p.Validate())
	p.Options[0].Excluded = ReasonPartnerUnavailable
	require.NoError(t, p.Validate())
	p.Options[0].Excluded = 13
	assert.ErrorContains(t, p.Validate(), "options[0].excluded: unknown Reason(13)")
	p.Options[0].Excluded = ReasonNone
	p.Options[0].Method = Method(MethodSlots())
	assert.ErrorContains(t, p.Validate(), "options[0].method: unknown")
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
	assert.Equal(t, "Reason(13)", Reason(13).String(), "a value without a name says its number")
	assert.Equal(t, "Reason(200)", Reason(200).String())
}
