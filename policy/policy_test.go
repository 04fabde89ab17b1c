package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

func TestDefaultRegistry(t *testing.T) {
	r := DefaultRegistry()
	assert.Equal(t, []string{Nearest, FewestSplits, Priority, Optimal, Lookahead}, r.Names())
	net, err := network.Demo()
	require.NoError(t, err)
	for _, n := range r.Names() {
		p, err := r.New(n, net)
		require.NoError(t, err)
		assert.Equal(t, n, p.Name())
	}
	_, err = r.New("cheapest", net)
	assert.EqualError(t, err, `unknown policy "cheapest" (want nearest, fewest-splits, priority, optimal, lookahead)`)

	got, err := r.Parse(" optimal,nearest,optimal,")
	require.NoError(t, err)
	assert.Equal(t, []string{Optimal, Nearest}, got)
	_, err = r.Parse("nearest,cheapest")
	assert.ErrorContains(t, err, `unknown policy "cheapest" (want nearest, fewest-splits, priority, optimal, lookahead)`)
	_, err = r.Parse(" , ")
	assert.ErrorContains(t, err, "no policy given")

	// Registries are values: one does not see another's policies.
	assert.NoError(t, r.Register("mine", newNearest))
	assert.True(t, r.Has("mine"))
	assert.False(t, DefaultRegistry().Has("mine"))
}

func TestRegisterRejects(t *testing.T) {
	r := DefaultRegistry()
	assert.ErrorContains(t, r.Register(Optimal, newOptimal), "registered twice")
	assert.ErrorContains(t, r.Register("Big Name", newOptimal), "lower-case letters")
	assert.ErrorContains(t, r.Register("", newOptimal), "lower-case letters")
	assert.ErrorContains(t, r.Register("x", nil), "nil factory")
}

// TestGreedyExplains: a rule's plan lists the options it could not use,
// with the reason the solver gives them.
func TestGreedyExplains(t *testing.T) {
	p := &solver.Problem{
		Lines: []solver.Line{{SKU: "A", Quantity: 2}},
		Options: []solver.Option{
			{Node: 0, CapacityUnits: -1, DistanceKm: 1, Excluded: solver.ReasonOutsideZone},
			{Node: 1, CapacityUnits: 0, DistanceKm: 2},
			{Node: 2, CapacityUnits: -1, DistanceKm: 3, ETAMinutes: 90},
			{Node: 3, CapacityUnits: -1, DistanceKm: 4},
			{Node: 4, CapacityUnits: -1, DistanceKm: 5, FixedCost: 1},
		},
		Available:      []int32{5, 5, 5, 0, 5},
		UnitCost:       []float64{1, 1, 1, 1, 1},
		MaxShipments:   1,
		PromiseMinutes: 60,
	}
	g, err := DefaultRegistry().New(Nearest, nil)
	require.NoError(t, err)
	plan, err := g.Choose(p, solver.Settings{})
	require.NoError(t, err)
	require.Len(t, plan.Shipments, 1)
	assert.Equal(t, 4, plan.Shipments[0].Option)
	assert.InDelta(t, 3.0, plan.TotalCost, 1e-9)
	assert.Equal(t, []solver.Exclusion{
		{Option: 0, Reason: solver.ReasonOutsideZone},
		{Option: 1, Reason: solver.ReasonCapacity},
		{Option: 2, Reason: solver.ReasonMissesPromise},
		{Option: 3, Reason: solver.ReasonNoStock},
	}, plan.Excluded)
}
