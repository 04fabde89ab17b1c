package joint

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/solver"
)

// TestLagrangianBetweenTheLPAndEveryRouting: on random small instances
// (arrivals, shared and per-option capacity, weight limits, unpriced
// lines, per-order lost-sale costs) the Lagrangian bound converges, is at
// most the cost of routing the orders one after another in every order,
// and at least the joint linear programme's bound: its orders' plans are
// whole.
func TestLagrangianBetweenTheLPAndEveryRouting(t *testing.T) {
	tighter := 0
	for seed := uint64(1); seed <= 150; seed++ {
		inst := randomInstance(seed, false, false)
		rel, err := Solve(context.Background(), inst, Settings{})
		require.NoError(t, err)
		require.Equal(t, lp.StatusOptimal, rel.Status, "seed %d", seed)
		lag, err := Lagrangian(context.Background(), inst, LagrangeSettings{})
		require.NoError(t, err)
		require.True(t, lag.Converged, "seed %d", seed)
		best := bestSequential(t, inst)
		assert.LessOrEqual(t, lag.Bound, best+1e-6, "seed %d", seed)
		assert.GreaterOrEqual(t, lag.Bound, rel.Bound-1e-6*max(1, rel.Bound), "seed %d", seed)
		assert.LessOrEqual(t, lag.Bound, lag.Master+1e-6*max(1, lag.Master), "seed %d", seed)
		if lag.Bound > rel.Bound+1e-6 {
			tighter++
		}
	}
	// Whole plans close part of the relaxation's slack on some instances.
	assert.Positive(t, tighter)
}

// TestLagrangianEqualsExactWithoutCompetition: with stock for everyone
// the orders do not compete, and the bound is the sum of their exact
// costs, reached in one round of plans.
func TestLagrangianEqualsExactWithoutCompetition(t *testing.T) {
	for seed := uint64(1); seed <= 50; seed++ {
		inst := randomInstance(seed, true, true)
		lag, err := Lagrangian(context.Background(), inst, LagrangeSettings{})
		require.NoError(t, err)
		exact := exactAlone(t, inst)
		assert.InDelta(t, exact, lag.Bound, 1e-6*max(1, exact), "seed %d", seed)
		assert.True(t, lag.Converged)
		assert.LessOrEqual(t, lag.Rounds, 2, "seed %d", seed)
	}
}

// TestTwoOrdersCompeteForOneUnitLagrangian is TestTwoOrdersCompeteForOneUnit
// bounded by Lagrangian: a ships from node 0 for 5 or node 1 for 6, b only
// from node 0, one unit at each. One after another costs 105; the bound
// is 11, a from node 1 and b from node 0, and the caller's problems are
// left as they were.
func TestTwoOrdersCompeteForOneUnitLagrangian(t *testing.T) {
	a := oneLine("S", 1, 100, 1, [3]float64{0, 5, 0}, [3]float64{1, 6, 0})
	b := oneLine("S", 1, 100, 1, [3]float64{0, 5, 0})
	inst := &Instance{
		Orders: []Order{{Problem: a, At: t0}, {Problem: b, At: t0}},
		Supply: []Supply{{Node: 0, SKU: "S", Start: 1}, {Node: 1, SKU: "S", Start: 1}},
	}
	lag, err := Lagrangian(context.Background(), inst, LagrangeSettings{})
	require.NoError(t, err)
	assert.InDelta(t, 11, lag.Bound, 1e-6)
	assert.InDelta(t, 11, lag.Master, 1e-6)
	assert.True(t, lag.Converged)
	assert.Equal(t, 2, lag.Rows, "the stock rows the plans drew on")
	assert.Equal(t, []int32{1, 1}, a.Available)
	assert.Equal(t, []float64{0, 0}, a.UnitCost)
}

// TestLagrangianWorkersAgree: the bound, its rounds and its master do not
// depend on how many goroutines solve the orders.
func TestLagrangianWorkersAgree(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		inst := randomInstance(seed, false, false)
		one, err := Lagrangian(context.Background(), inst, LagrangeSettings{Workers: 1})
		require.NoError(t, err)
		three, err := Lagrangian(context.Background(), inst, LagrangeSettings{Workers: 3})
		require.NoError(t, err)
		assert.Equal(t, one, three, "seed %d", seed)
	}
}

// TestLagrangianStopsEarly: one round gives a weaker bound, still below
// the converged one; a cancelled context gives its error; an invalid
// instance names its field.
func TestLagrangianStopsEarly(t *testing.T) {
	inst := randomInstance(3, false, false)
	full, err := Lagrangian(context.Background(), inst, LagrangeSettings{})
	require.NoError(t, err)
	first, err := Lagrangian(context.Background(), inst, LagrangeSettings{Rounds: 1})
	require.NoError(t, err)
	assert.Equal(t, 1, first.Rounds)
	assert.LessOrEqual(t, first.Bound, full.Bound+1e-9)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Lagrangian(ctx, inst, LagrangeSettings{})
	assert.True(t, errors.Is(err, context.Canceled), "%v", err)

	bad := &Instance{Orders: []Order{{}}}
	_, err = Lagrangian(context.Background(), bad, LagrangeSettings{})
	assert.ErrorIs(t, err, ErrInvalidInstance)
	assert.ErrorContains(t, err, "orders[0].problem")
}

// TestLagrangianOnHeuristicOrders: orders of more lines than the exact
// search takes are planned by the heuristic, whose lower bound counts in
// the bound instead of its plan's cost; the bound stays below routing the
// orders one after another.
func TestLagrangianOnHeuristicOrders(t *testing.T) {
	const lines = 14
	inst := &Instance{}
	for n := 0; n < 3; n++ {
		for l := 0; l < lines; l++ {
			inst.Supply = append(inst.Supply, Supply{Node: int32(n), SKU: fmt.Sprintf("S%d", l), Start: int64(1 + (n+l)%2)})
		}
	}
	for o := 0; o < 3; o++ {
		p := &solver.Problem{SplitLines: true, LostSaleCostPerOrder: 5}
		for l := 0; l < lines; l++ {
			p.Lines = append(p.Lines, solver.Line{SKU: fmt.Sprintf("S%d", l), Quantity: 1, LostSaleCost: 20})
		}
		for n := 0; n < 3; n++ {
			p.Options = append(p.Options, solver.Option{Node: int32(n), NodeID: fmt.Sprintf("n%d", n), Method: solver.WarehouseShip,
				FixedCost: float64(3 + n), CapacityUnits: -1, ETAMinutes: 60})
			for l := 0; l < lines; l++ {
				p.Available = append(p.Available, 1000)
				p.UnitCost = append(p.UnitCost, float64((n*l+o)%4))
			}
		}
		inst.Orders = append(inst.Orders, Order{Problem: p, At: t0})
	}
	plan, err := solver.Solve(inst.Orders[0].Problem, solver.Settings{ExactMaxLines: 8, Alternatives: -1})
	require.NoError(t, err)
	require.False(t, plan.Stats.Exact, "the heuristic plans it")
	lag, err := Lagrangian(context.Background(), inst, LagrangeSettings{Solver: solver.Settings{ExactMaxLines: 8}})
	require.NoError(t, err)
	assert.Positive(t, lag.Bound)
	assert.LessOrEqual(t, lag.Bound, sequential(t, inst)+1e-6)
	assert.LessOrEqual(t, lag.Bound, lag.Master+1e-6*lag.Master)
}

// TestKeepWithTheCheaperRepair: of the dived relaxation's repair and the
// Lagrangian master's, KeepWith keeps the cheaper: on the 300-order batch
// the master's (1,626 against 1,661), on the 100-order one the
// relaxation's (580 against 592); either way the kept values repair to
// the cost returned.
func TestKeepWithTheCheaperRepair(t *testing.T) {
	ss := solver.Settings{Alternatives: -1}
	for _, c := range []struct {
		orders       int
		lp, lag      float64
		masterIsKept bool
	}{{300, 1661, 1626, true}, {100, 580, 592, false}} {
		inst := benchInstance(c.orders)
		rel, err := Solve(context.Background(), inst, Settings{Dive: DefaultDive})
		require.NoError(t, err)
		lag, err := Lagrangian(context.Background(), inst, LagrangeSettings{})
		require.NoError(t, err)
		alone, err := lag.Route(context.Background(), inst, ss)
		require.NoError(t, err)
		assert.InDelta(t, c.lag, alone.Cost, 1e-6)

		b, err := rel.KeepWith(context.Background(), inst, lag, ss)
		require.NoError(t, err)
		assert.InDelta(t, min(c.lp, c.lag), b.Cost, 1e-6, "orders %d", c.orders)
		assert.True(t, b.Optimized)
		assert.Same(t, rel, b.Relaxation)
		if c.masterIsKept {
			assert.Equal(t, lag.Orders, rel.Orders)
		} else {
			assert.NotEqual(t, lag.Orders, rel.Orders)
		}
		again := &Batch{Relaxation: rel, Optimized: true}
		require.NoError(t, again.repair(context.Background(), inst, ss))
		assert.InDelta(t, b.Cost, again.Cost, 1e-6, "the kept values repair to the cost returned")
	}
}

// TestLagrangianGroupsOrdersAlike: an instance whose orders each come
// twice, the second sharing the first's Problem, is bounded as the same
// instance with a copy of each problem: the same bound (the same linear
// programme), from a master with half the subproblems, and the two
// orders of a pair take equal parts of their mix.
func TestLagrangianGroupsOrdersAlike(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		base := randomInstance(seed, false, false)
		shared := &Instance{Supply: base.Supply, Capacity: base.Capacity}
		copied := &Instance{Supply: base.Supply, Capacity: base.Capacity}
		for _, o := range base.Orders {
			p := *o.Problem
			dup := o
			dup.Problem = &p
			shared.Orders = append(shared.Orders, o, o)
			copied.Orders = append(copied.Orders, o, dup)
		}
		one, err := Lagrangian(context.Background(), shared, LagrangeSettings{})
		require.NoError(t, err)
		two, err := Lagrangian(context.Background(), copied, LagrangeSettings{})
		require.NoError(t, err)
		require.True(t, one.Converged && two.Converged, "seed %d", seed)
		assert.InDelta(t, two.Bound, one.Bound, 1e-6*max(1, two.Bound), "seed %d", seed)
		assert.Less(t, one.Columns, two.Columns, "seed %d: one subproblem per pair", seed)
		require.Len(t, one.Orders, len(shared.Orders))
		for o := 0; o < len(shared.Orders); o += 2 {
			assert.Equal(t, one.Orders[o], one.Orders[o+1], "seed %d, order %d", seed, o)
		}
	}
}

// TestLagrangianCapacityValues: node 0 picks one unit a day and both
// nodes hold stock for both orders; a ships from node 0 for 5 or node 1
// for 6, b only from node 0 for 5, else loses 40. The day's unit of
// capacity goes to b, and is worth between what it saves a (1) and what
// it saves b (35); with capacity for both it is worth nothing.
func TestLagrangianCapacityValues(t *testing.T) {
	a := oneLine("S", 1, 100, 5, [3]float64{0, 5, 0}, [3]float64{1, 6, 0})
	b := oneLine("S", 1, 40, 5, [3]float64{0, 5, 0})
	inst := &Instance{
		Orders:   []Order{{Problem: a, At: t0, Day: 1}, {Problem: b, At: t0, Day: 1}},
		Supply:   []Supply{{Node: 0, SKU: "S", Start: 5}, {Node: 1, SKU: "S", Start: 5}},
		Capacity: []Capacity{{Node: 0, Day: 1, Units: 1}},
	}
	lag, err := Lagrangian(context.Background(), inst, LagrangeSettings{})
	require.NoError(t, err)
	require.True(t, lag.Converged)
	assert.InDelta(t, 11, lag.Bound, 1e-6, "a from node 1, b from node 0")
	require.Len(t, lag.CapacityValues, 1)
	v := lag.CapacityValues[0]
	assert.GreaterOrEqual(t, v, 1-1e-6)
	assert.LessOrEqual(t, v, 35+1e-6)
	assert.Zero(t, lag.StockValues[0], "stock is ample: the capacity is what binds")

	inst.Capacity[0].Units = 2
	lag, err = Lagrangian(context.Background(), inst, LagrangeSettings{})
	require.NoError(t, err)
	assert.InDelta(t, 10, lag.Bound, 1e-6)
	assert.InDelta(t, 0, lag.CapacityValues[0], 1e-9)
}

// TestLagrangianStart: prices to start from change the rounds, not the
// bound. On random instances (arrivals, so several epochs a supply, and
// shared capacity) a start at the values of a first solve, at none, at
// ten times them and at random prices converges on the same bound, and
// the first round of a start is a bound in its own right. Started at its
// own values a solve takes at most one round more (the start's own) and
// fewer on some instances. Past its time limit a started solve still
// solves one master. A start not aligned with the instance is refused.
func TestLagrangianStart(t *testing.T) {
	fewer := 0
	for seed := uint64(1); seed <= 60; seed++ {
		inst := randomInstance(seed, false, false)
		cold, err := Lagrangian(context.Background(), inst, LagrangeSettings{})
		require.NoError(t, err)
		require.True(t, cold.Converged, "seed %d", seed)
		r := rand.New(rand.NewPCG(seed, 7))
		scaled := func(f func(v float64) float64) *LagrangeStart {
			st := &LagrangeStart{StockValues: make([]float64, len(cold.StockValues)), CapacityValues: make([]float64, len(cold.CapacityValues))}
			for i, v := range cold.StockValues {
				st.StockValues[i] = f(v)
			}
			for i, v := range cold.CapacityValues {
				st.CapacityValues[i] = f(v)
			}
			return st
		}
		starts := map[string]*LagrangeStart{
			"own":    scaled(func(v float64) float64 { return v }),
			"none":   {},
			"ten":    scaled(func(v float64) float64 { return 10 * v }),
			"random": scaled(func(float64) float64 { return 20*r.Float64() - 2 }),
		}
		for _, name := range []string{"own", "none", "ten", "random"} {
			first, err := Lagrangian(context.Background(), inst, LagrangeSettings{Start: starts[name], Rounds: 1})
			require.NoError(t, err)
			assert.LessOrEqual(t, first.Bound, cold.Bound+1e-6*max(1, cold.Bound), "seed %d %s: the start's round", seed, name)
			warm, err := Lagrangian(context.Background(), inst, LagrangeSettings{Start: starts[name]})
			require.NoError(t, err)
			require.True(t, warm.Converged, "seed %d %s", seed, name)
			assert.InDelta(t, cold.Bound, warm.Bound, 1e-6*max(1, cold.Bound), "seed %d %s", seed, name)
			if name == "own" {
				assert.LessOrEqual(t, warm.Rounds, cold.Rounds+1, "seed %d", seed)
				if warm.Rounds < cold.Rounds {
					fewer++
				}
			}
		}
	}
	assert.Positive(t, fewer, "a start at the optimum's values saves rounds")

	// Past its time limit a started solve still solves one master: its
	// values are the master's, not the start's.
	inst := randomInstance(5, false, false)
	lag, err := Lagrangian(context.Background(), inst, LagrangeSettings{Start: &LagrangeStart{}, TimeLimit: time.Nanosecond})
	require.NoError(t, err)
	assert.Equal(t, 2, lag.Rounds)
	assert.NotNil(t, lag.Orders, "a master was solved")

	inst = randomInstance(3, false, false)
	_, err = Lagrangian(context.Background(), inst, LagrangeSettings{Start: &LagrangeStart{StockValues: make([]float64, len(inst.Supply)+1)}})
	assert.ErrorContains(t, err, "stock values")
	_, err = Lagrangian(context.Background(), inst, LagrangeSettings{Start: &LagrangeStart{CapacityValues: make([]float64, len(inst.Capacity)+1)}})
	assert.ErrorContains(t, err, "capacity values")
}

// TestBestPricedIsTheCheapestPlanInTheMaster: a boxed master's plans are
// bounded by their order's count, so an optimum may leave a plan at that bound
// with a negative reduced cost, and its order's convexity dual is then
// above every plan the order has. The reference a new plan must beat is
// the cheapest of the order's plans at the shared rows' prices, computed
// here from the model; the masters of the merged 300-order batch and of
// random instances, in the rounds and the dive, have such plans, and
// none holds the same plan twice; the bound is the unboxed master's.
func TestBestPricedIsTheCheapestPlanInTheMaster(t *testing.T) {
	insts := []*Instance{benchInstance(300)}
	for seed := uint64(1); seed <= 30; seed++ {
		insts = append(insts, randomInstance(seed, false, false))
	}
	above, masters := 0, 0
	for i, inst := range insts {
		check := func(ms *master, res *lp.Result) {
			masters++
			m := make([]float64, len(ms.limit))
			ms.rowPrices(res.Dual, m)
			priced := make([]float64, ms.lp.NumVars())
			for j := range priced {
				priced[j] = ms.lp.Cost(j)
			}
			for r, row := range ms.row {
				if row < 0 {
					continue
				}
				cols, vals := ms.lp.Row(row)
				for k, j := range cols {
					priced[j] += vals[k] * m[r]
				}
			}
			want := make([]float64, len(ms.convex))
			for o := range want {
				want[o] = math.Inf(1)
			}
			for j, o := range ms.colOrder {
				want[o] = min(want[o], priced[j])
			}
			best := ms.bestPriced(res)
			for o, w := range want {
				require.InDelta(t, w, best[o], 1e-6*max(1, math.Abs(w)), "instance %d, order %d", i, o)
				if best[o] < res.Dual[ms.convex[o]]-1e-6 {
					above++
				}
			}
			seen := map[string]bool{}
			for j, o := range ms.colOrder {
				key := fmt.Sprint(o, ms.colUse[j])
				require.False(t, seen[key], "instance %d: order %d holds plan %v twice", i, o, ms.colUse[j])
				seen[key] = true
			}
		}
		boxed, err := Lagrangian(context.Background(), inst, LagrangeSettings{Dive: true, Boxed: true, onMaster: check})
		require.NoError(t, err)
		unboxed, err := Lagrangian(context.Background(), inst, LagrangeSettings{Dive: true})
		require.NoError(t, err)
		require.True(t, boxed.Converged && unboxed.Converged, "instance %d", i)
		assert.InDelta(t, unboxed.Bound, boxed.Bound, 1e-6*max(1, math.Abs(unboxed.Bound)), "instance %d: the same bound boxed", i)
	}
	assert.Positive(t, masters)
	assert.Positive(t, above, "some order's convexity dual is above its cheapest plan")
}
