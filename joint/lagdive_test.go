package joint

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
)

// wholeUnits reports whether every order's values are whole units.
func wholeUnits(orders []OrderValues) bool {
	for _, ov := range orders {
		for _, u := range ov.Units {
			if math.Abs(u-math.Round(u)) > 1e-6 {
				return false
			}
		}
	}
	return true
}

// TestLagrangianDiveSettlesEveryOrder: on triangles of orders that the
// master mixes (only one order of each can have the store's units), the
// dive gives every order one whole plan, keeps the rounds' bound, and
// routes no dearer than its own master's optimum nor than the rounds'
// last mix, at the optimum: a triangle's best is one order whole from the
// store (5 + 2) and two from the warehouse (20 + 2 each; a unit from each
// node costs 5 + 1 + 20 + 1 + 3), 51, against a bound of 43.5.
func TestLagrangianDiveSettlesEveryOrder(t *testing.T) {
	ctx := context.Background()
	ss := solver.Settings{Alternatives: -1}
	inst := diveInstance(20)
	plain, err := Lagrangian(ctx, inst, LagrangeSettings{})
	require.NoError(t, err)
	require.False(t, wholeUnits(plain.Orders), "the rounds end on a mix")
	dived, err := Lagrangian(ctx, inst, LagrangeSettings{Dive: true})
	require.NoError(t, err)
	require.True(t, dived.Converged)
	assert.Equal(t, plain.Bound, dived.Bound, "the bound is the rounds'")
	assert.Equal(t, plain.Orders, dived.Undived)
	assert.Zero(t, dived.Fractional)
	assert.Positive(t, dived.DiveSteps)
	assert.True(t, wholeUnits(dived.Orders), "one whole plan an order")
	assert.GreaterOrEqual(t, dived.Dived, dived.Bound-1e-9)

	b, err := dived.Route(ctx, inst, ss)
	require.NoError(t, err)
	assert.LessOrEqual(t, b.Cost, dived.Dived+1e-9, "the repair keeps each order's plan or a cheaper one")
	assert.InDelta(t, 20*51.0, b.Cost, 1e-9)
	assert.InDelta(t, 20*43.5, b.Bound, 1e-9)
	assert.LessOrEqual(t, b.Bound, b.Cost+1e-9)
	checkStock(t, inst, b)
	undived, err := plain.Route(ctx, inst, ss)
	require.NoError(t, err)
	assert.LessOrEqual(t, b.Cost, undived.Cost+1e-9)
	t.Logf("bound %.2f, rounds' mix %.2f, dived %.2f (%d steps, %d masters)", b.Bound, undived.Cost, b.Cost, dived.DiveSteps, dived.DiveRounds)
}

// TestLagrangianDiveOnRandomInstances: on random instances (arrivals,
// shared and per-option capacities, weight limits, unpriced lines), a
// dived Lagrangian routes within the stock, above the bound, and never
// dearer than the rounds' mix (Route keeps the cheaper); it settles every
// order where a plan fits, or, abandoned, leaves the rounds' mix as it
// was; on some instances it routes cheaper.
func TestLagrangianDiveOnRandomInstances(t *testing.T) {
	ctx := context.Background()
	ss := solver.Settings{Alternatives: -1}
	var plainSum, divedSum float64
	cheaper, abandoned := 0, 0
	for seed := uint64(1); seed <= 150; seed++ {
		inst := randomInstance(seed, false, false)
		plain, err := Lagrangian(ctx, inst, LagrangeSettings{})
		require.NoError(t, err)
		lag, err := Lagrangian(ctx, inst, LagrangeSettings{Dive: true})
		require.NoError(t, err)
		assert.Equal(t, plain.Bound, lag.Bound, "seed %d", seed)
		if lag.DiveSteps > 0 {
			assert.GreaterOrEqual(t, lag.Dived, lag.Bound-1e-6*max(1, lag.Bound), "seed %d", seed)
		}
		switch {
		case lag.DiveAbandoned:
			abandoned++
			assert.Nil(t, lag.Undived, "seed %d", seed)
			assert.Equal(t, plain.Orders, lag.Orders, "seed %d: the rounds' mix stands", seed)
		case lag.Fractional == 0:
			assert.True(t, wholeUnits(lag.Orders), "seed %d", seed)
		}
		undived, err := plain.Route(ctx, inst, ss)
		require.NoError(t, err)
		dived, err := lag.Route(ctx, inst, ss)
		require.NoError(t, err)
		assert.LessOrEqual(t, dived.Bound, dived.Cost+1e-6, "seed %d", seed)
		assert.LessOrEqual(t, dived.Cost, undived.Cost+1e-9, "seed %d", seed)
		checkStock(t, inst, dived)
		if dived.Cost < undived.Cost-1e-6 {
			cheaper++
		}
		plainSum += undived.Cost
		divedSum += dived.Cost
	}
	t.Logf("150 random instances: the rounds' mix routes for %.2f, dived %.2f, cheaper on %d, abandoned on %d", plainSum, divedSum, cheaper, abandoned)
	assert.Positive(t, cheaper)
}

// TestLagrangianDiveIsDeterministic: the dive's values do not depend on
// the workers, and orders sharing one problem (a group) settle too, each
// order of the group taking an equal part of its whole plans.
func TestLagrangianDiveIsDeterministic(t *testing.T) {
	ctx := context.Background()
	base := diveInstance(6)
	shared := &Instance{Supply: base.Supply, Capacity: base.Capacity}
	for _, o := range base.Orders {
		shared.Orders = append(shared.Orders, o, o)
	}
	for _, inst := range []*Instance{base, shared} {
		one, err := Lagrangian(ctx, inst, LagrangeSettings{Dive: true, Workers: 1})
		require.NoError(t, err)
		two, err := Lagrangian(ctx, inst, LagrangeSettings{Dive: true, Workers: 2})
		require.NoError(t, err)
		assert.Equal(t, one.Orders, two.Orders)
		assert.Equal(t, one.Dived, two.Dived)
		assert.Zero(t, one.Fractional)
		assert.Positive(t, one.DiveSteps)
	}
}

// TestRouteWithLagrangeKeepsTheCheaper: with Settings.Lagrange, Route
// weighs the dived Lagrangian master's shares beside the relaxation's and
// keeps the cheaper routing, the bound still the relaxation's: on the
// 300-order batch the master's.
func TestRouteWithLagrangeKeepsTheCheaper(t *testing.T) {
	ctx := context.Background()
	ss := solver.Settings{Alternatives: -1}
	inst := benchInstance(300)
	plain, err := Route(ctx, inst, Settings{Dive: DefaultDive}, ss)
	require.NoError(t, err)
	lag, err := Lagrangian(ctx, inst, LagrangeSettings{Dive: true})
	require.NoError(t, err)
	master, err := lag.Route(ctx, inst, ss)
	require.NoError(t, err)
	both, err := Route(ctx, inst, Settings{Dive: DefaultDive, Lagrange: &LagrangeSettings{Dive: true}}, ss)
	require.NoError(t, err)
	require.True(t, both.Optimized)
	assert.Equal(t, plain.Bound, both.Bound)
	assert.Less(t, master.Cost, plain.Cost)
	assert.InDelta(t, min(plain.Cost, master.Cost), both.Cost, 1e-9)
	checkStock(t, inst, both)
	t.Logf("bound %.2f: the relaxation's shares %.2f, the master's %.2f, kept %.2f", both.Bound, plain.Cost, master.Cost, both.Cost)
}

// TestLagrangianReportsEachRound: OnRound hears every round in turn, the
// best bound so far never falling and never above the master, the last
// round's report the bound returned, then each step of the dive, whose
// master only rises; the reports do not change the result.
func TestLagrangianReportsEachRound(t *testing.T) {
	ctx := context.Background()
	inst := diveInstance(20)
	quiet, err := Lagrangian(ctx, inst, LagrangeSettings{Dive: true})
	require.NoError(t, err)
	var reports []RoundReport
	lag, err := Lagrangian(ctx, inst, LagrangeSettings{Dive: true, OnRound: func(r RoundReport) { reports = append(reports, r) }})
	require.NoError(t, err)
	assert.Equal(t, quiet.Bound, lag.Bound)
	assert.Equal(t, quiet.Orders, lag.Orders)

	var rounds, steps []RoundReport
	for _, r := range reports {
		if r.DiveSteps == 0 {
			require.Empty(t, steps, "the dive comes after the rounds")
			rounds = append(rounds, r)
		} else {
			steps = append(steps, r)
		}
	}
	require.Len(t, rounds, lag.Rounds)
	for i, r := range rounds {
		assert.Equal(t, i+1, r.Round)
		assert.LessOrEqual(t, r.Bound, r.Master+1e-9*max(1, r.Master))
		assert.Positive(t, r.Columns)
		assert.Positive(t, r.Rows)
		if i > 0 {
			assert.GreaterOrEqual(t, r.Bound, rounds[i-1].Bound)
		}
	}
	assert.Equal(t, lag.Bound, rounds[len(rounds)-1].Bound)
	require.Len(t, steps, lag.DiveSteps)
	for i, r := range steps {
		assert.Equal(t, i+1, r.DiveSteps)
		assert.Equal(t, lag.Rounds, r.Round)
		assert.Equal(t, lag.Bound, r.Bound)
		if i > 0 {
			assert.GreaterOrEqual(t, r.Master, steps[i-1].Master-1e-9)
		}
	}
	assert.Equal(t, lag.Dived, steps[len(steps)-1].Master)
}
