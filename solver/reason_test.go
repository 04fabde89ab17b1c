package solver_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
)

// TestTellingOrderRanksEveryReason: every reason the package defines has
// its own place in the precedence, so a new reason cannot be forgotten.
func TestTellingOrderRanksEveryReason(t *testing.T) {
	seen := map[solver.Reason]bool{}
	for _, r := range solver.TellingOrder {
		require.False(t, seen[r], "%v ranked twice", r)
		seen[r] = true
	}
	for _, r := range solver.Reasons() {
		assert.True(t, seen[r], "%v has no rank", r)
	}
	assert.Len(t, solver.TellingOrder, len(solver.Reasons()))
}

func TestMostTelling(t *testing.T) {
	cases := []struct {
		name    string
		reasons []solver.Reason
		want    solver.Reason
	}{
		{"none", nil, solver.ReasonNone},
		{"only none", []solver.Reason{solver.ReasonNone}, solver.ReasonNone},
		{"stock beats radius", []solver.Reason{solver.ReasonOutsideRadius, solver.ReasonNoStock, solver.ReasonOutsideRadius}, solver.ReasonNoStock},
		{"closed beats zone", []solver.Reason{solver.ReasonOutsideZone, solver.ReasonClosed}, solver.ReasonClosed},
		{"zone beats radius", []solver.Reason{solver.ReasonOutsideRadius, solver.ReasonOutsideZone}, solver.ReasonOutsideZone},
		{"promise beats closed", []solver.Reason{solver.ReasonClosed, solver.ReasonMissesPromise}, solver.ReasonMissesPromise},
		{"stock beats capacity", []solver.Reason{solver.ReasonCapacity, solver.ReasonNoStock}, solver.ReasonNoStock},
		{"anything beats disabled", []solver.Reason{solver.ReasonDisabled, solver.ReasonMethodNotAllowed}, solver.ReasonMethodNotAllowed},
		{"partner's answer beats closed", []solver.Reason{solver.ReasonClosed, solver.ReasonPartnerUnavailable}, solver.ReasonPartnerUnavailable},
		{"promise beats partner's answer", []solver.Reason{solver.ReasonPartnerUnavailable, solver.ReasonMissesPromise}, solver.ReasonMissesPromise},
		{"overweight first", []solver.Reason{solver.ReasonNoStock, solver.ReasonOverweight}, solver.ReasonOverweight},
		{"a reason beats none", []solver.Reason{solver.ReasonNone, solver.ReasonDisabled}, solver.ReasonDisabled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, solver.MostTelling(c.reasons...))
		})
	}
	assert.True(t, solver.MoreTelling(solver.ReasonNoStock, solver.ReasonOutsideZone))
	assert.False(t, solver.MoreTelling(solver.ReasonOutsideZone, solver.ReasonNoStock))
	assert.False(t, solver.MoreTelling(solver.ReasonNoStock, solver.ReasonNoStock))
	assert.False(t, solver.MoreTelling(solver.ReasonNone, solver.ReasonDisabled))
}

// TestOpenSets: methods and reasons are the values with a name; the
// values without a name are unknown and rejected by Validate.
func TestOpenSets(t *testing.T) {
	assert.Equal(t, []solver.Method{solver.ShipFromStore, solver.Pickup, solver.WarehouseShip, solver.Courier}, solver.Methods())
	for _, m := range solver.Methods() {
		assert.True(t, m.Known())
		assert.Less(t, int(m), solver.MethodSlots())
	}
	assert.False(t, solver.MethodUnspecified.Known())
	assert.False(t, solver.Method(solver.MethodSlots()).Known())
	assert.Contains(t, solver.Reasons(), solver.ReasonPartnerUnavailable)
	assert.NotContains(t, solver.Reasons(), solver.Reason(13), "a value without a name is no reason")
	assert.Equal(t, "PARTNER_UNAVAILABLE", solver.ReasonPartnerUnavailable.String())
	assert.Equal(t, "Reason(13)", solver.Reason(13).String())

	p := &solver.Problem{Lines: []solver.Line{{SKU: "A", Quantity: 1}}, Options: []solver.Option{{Node: 0}},
		Available: []int32{1}, UnitCost: []float64{1}}
	require.NoError(t, p.Validate())
	p.Options[0].Excluded = solver.ReasonPartnerUnavailable
	require.NoError(t, p.Validate())
	p.Options[0].Excluded = 13
	assert.ErrorContains(t, p.Validate(), "options[0].excluded: unknown Reason(13)")
	p.Options[0].Excluded = solver.ReasonNone
	p.Options[0].Method = solver.Method(solver.MethodSlots())
	assert.ErrorContains(t, p.Validate(), "options[0].method: unknown")
}

// TestUnknownSKUReason: a line the problem marks as a SKU the network never
// stocked is unfilled with UNKNOWN_SKU; the same line unmarked is NO_STOCK;
// the rest of the order is planned as before, by the exact search and the
// heuristic alike.
func TestUnknownSKUReason(t *testing.T) {
	for _, exactMax := range []int{0, -1} { // default exact search; always the heuristic
		p := goldenProblem() // UMBRELLA (line 3) is stocked nowhere
		want, err := solver.Solve(p, solver.Settings{ExactMaxLines: exactMax})
		require.NoError(t, err)
		require.Len(t, want.Unfilled, 1)
		assert.Equal(t, solver.ReasonNoStock, want.Unfilled[0].Reason)

		p.Lines[3].UnknownSKU = true
		got, err := solver.Solve(p, solver.Settings{ExactMaxLines: exactMax})
		require.NoError(t, err)
		require.Len(t, got.Unfilled, 1)
		assert.Equal(t, solver.Unfilled{Line: 3, Quantity: 1, Reason: solver.ReasonUnknownSKU}, got.Unfilled[0])
		assert.Equal(t, want.Shipments, got.Shipments, "the other lines are planned the same way")
		assert.InDelta(t, want.TotalCost, got.TotalCost, 1e-12)
	}
}

func TestReasonNames(t *testing.T) {
	assert.Equal(t, "UNKNOWN_SKU", solver.ReasonUnknownSKU.String())
	assert.Equal(t, solver.Reason(11), solver.ReasonUnknownSKU, "the value is the API's EXCLUSION_REASON_UNKNOWN_SKU")
	assert.Equal(t, "DISABLED", solver.ReasonDisabled.String())
	assert.Equal(t, "Reason(13)", solver.Reason(13).String(), "a value without a name says its number")
	assert.Equal(t, "Reason(200)", solver.Reason(200).String())
}

// exclusionProblem has one line and an option for each way to be excluded
// before the stock is looked at, alone and together: the option late and
// out of capacity is the case explanations used to disagree on.
func exclusionProblem() *solver.Problem {
	return &solver.Problem{
		PromiseMinutes: 60,
		Lines:          []solver.Line{{SKU: "A", Quantity: 1}},
		Options: []solver.Option{
			{Node: 0, CapacityUnits: 0, ETAMinutes: 90},
			{Node: 1, CapacityUnits: 0, ETAMinutes: 30},
			{Node: 2, CapacityUnits: -1, ETAMinutes: 90},
			{Node: 3, CapacityUnits: 0, ETAMinutes: 90, Excluded: solver.ReasonClosed},
			{Node: 4, CapacityUnits: 5, ETAMinutes: 30},
		},
		Available: []int32{1, 1, 1, 1, 1},
		UnitCost:  []float64{1, 1, 1, 1, 1},
	}
}

// TestExclusionReasonPrecedence: an option is excluded for the first check
// it fails (the Builder's reason, then the promise, then the capacity),
// which is the least telling of the reasons that apply, and Plan.Excluded
// says the same as Problem.ExclusionReason.
func TestExclusionReasonPrecedence(t *testing.T) {
	p := exclusionProblem()
	want := []solver.Reason{solver.ReasonMissesPromise, solver.ReasonCapacity, solver.ReasonMissesPromise, solver.ReasonClosed, solver.ReasonNone}
	for o, r := range want {
		assert.Equal(t, r, p.ExclusionReason(o), "option %d", o)
	}
	assert.True(t, solver.MoreTelling(solver.ReasonCapacity, solver.ReasonMissesPromise),
		"late and full is MISSES_PROMISE: the capacity check comes later and ranks higher")
	assert.True(t, solver.MoreTelling(solver.ReasonMissesPromise, solver.ReasonClosed))

	pl, err := solver.Solve(p, solver.Settings{})
	require.NoError(t, err)
	require.Len(t, pl.Shipments, 1)
	assert.Equal(t, 4, pl.Shipments[0].Option)
	got := make([]solver.Reason, len(p.Options))
	for _, e := range pl.Excluded {
		got[e.Option] = e.Reason
	}
	assert.Equal(t, want, got)
}
