package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

func TestTakeableWeightLimit(t *testing.T) {
	p := &solver.Problem{
		Lines:     []solver.Line{{SKU: "A", Quantity: 5, UnitWeightKg: 1e-9}, {SKU: "B", Quantity: 5, UnitWeightKg: 4}},
		Options:   []solver.Option{{Node: 0, CapacityUnits: -1, MaxWeightKg: 15}},
		Available: []int32{5, 5},
		UnitCost:  []float64{1, 1},
	}
	// 15 kg holds 1.5e10 units of A: the ATP limits it, not the weight.
	assert.EqualValues(t, 5, takeableAlone(p, 0, 0))
	// 15 kg holds three units of B.
	assert.EqualValues(t, 3, takeableAlone(p, 0, 1))

	// Added to a shipment: A still fits whole; B fits twice beside 5 kg,
	// and not at all beside 15 kg.
	p.SplitLines = true
	assert.EqualValues(t, 5, takeable(p, 0, 0, 5, 0, 0))
	assert.EqualValues(t, 2, takeable(p, 0, 1, 5, 1, 5))
	assert.EqualValues(t, 0, takeable(p, 0, 1, 5, 1, 15))
}

// TestWhyIsTheSolversReason: every policy excludes an option for the
// reason the solver gives it, also when several apply (late and out of
// capacity is MISSES_PROMISE for both).
func TestWhyIsTheSolversReason(t *testing.T) {
	p := &solver.Problem{
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
	want, err := solver.Solve(p, solver.Settings{})
	require.NoError(t, err)
	byOption := map[int]solver.Reason{}
	for _, e := range want.Excluded {
		byOption[e.Option] = e.Reason
	}
	require.Len(t, byOption, 4)
	assert.Equal(t, solver.ReasonMissesPromise, byOption[0])
	for o := range p.Options {
		assert.Equal(t, byOption[o], Why(p, o), "option %d", o)
		assert.Equal(t, byOption[o] == solver.ReasonNone, Usable(p, o), "option %d", o)
	}
	net, err := network.Demo()
	require.NoError(t, err)
	for _, name := range []string{Nearest, FewestSplits, Priority} {
		pol, err := DefaultRegistry().New(name, net)
		require.NoError(t, err)
		pl, err := pol.Choose(p, solver.Settings{})
		require.NoError(t, err, name)
		assert.ElementsMatch(t, want.Excluded, pl.Excluded, name)
	}
}
