package joint

import (
	"context"
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

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// oneLine is a one-line order of qty units of sku, with one option per
// entry of costs: costs[i] = {node, fixed cost, unit cost}, each holding
// avail units.
func oneLine(sku string, qty int32, lost float64, avail int32, costs ...[3]float64) *solver.Problem {
	p := &solver.Problem{
		Lines:        []solver.Line{{SKU: sku, Quantity: qty, LostSaleCost: lost}},
		MaxShipments: 1,
	}
	for _, c := range costs {
		p.Options = append(p.Options, solver.Option{
			Node: int32(c[0]), NodeID: fmt.Sprintf("n%d", int(c[0])), Method: solver.WarehouseShip,
			FixedCost: c[1], CapacityUnits: -1, ETAMinutes: 60,
		})
		p.Available = append(p.Available, avail)
		p.UnitCost = append(p.UnitCost, c[2])
	}
	return p
}

// TestTwoOrdersCompeteForOneUnit is the hand case: node 0 holds one unit,
// node 1 one more. Order A can use either (node 0 is a little cheaper),
// order B only node 0. Routed one after another, A takes node 0 and B loses
// its sale; jointly, A ships from node 1 and B from node 0.
func TestTwoOrdersCompeteForOneUnit(t *testing.T) {
	a := oneLine("S", 1, 100, 1, [3]float64{0, 5, 0}, [3]float64{1, 6, 0})
	b := oneLine("S", 1, 100, 1, [3]float64{0, 5, 0})
	inst := &Instance{
		Orders: []Order{{Problem: a, At: t0}, {Problem: b, At: t0}},
		Supply: []Supply{{Node: 0, SKU: "S", Start: 1}, {Node: 1, SKU: "S", Start: 1}},
	}
	// One after another: 5 + 100.
	seq := sequential(t, inst)
	assert.InDelta(t, 105, seq, 1e-9)

	batch, err := Route(context.Background(), inst, Settings{}, solver.Settings{Alternatives: -1})
	require.NoError(t, err)
	require.True(t, batch.Optimized)
	assert.InDelta(t, 11, batch.Bound, 1e-6)
	assert.InDelta(t, 11, batch.Cost, 1e-9)
	assert.InDelta(t, 0, batch.Gap, 1e-6)
	require.Len(t, batch.Plans[0].Shipments, 1)
	assert.Equal(t, int32(1), batch.Problems[0].Options[batch.Plans[0].Shipments[0].Option].Node, "A ships from node 1")
	require.Len(t, batch.Plans[1].Shipments, 1)
	assert.Empty(t, batch.Plans[1].Unfilled)
	// The caller's problems are left as they were.
	assert.Equal(t, []int32{1, 1}, a.Available)
}

// TestStockValues: a unit's value is what one more of it on hand saves.
// Node 0 ships for 10, node 1 for 30 and holds a unit to spare: a second
// unit at node 0 saves the 20 of a shipment from node 1, one more at node
// 1 saves nothing. With node 1 empty the second order loses its sale, and
// a unit at node 0 is worth the 100 it would save less the 10 it ships for.
// A supply no order can draw on is worth nothing.
func TestStockValues(t *testing.T) {
	mk := func() *solver.Problem {
		return oneLine("S", 1, 100, 5, [3]float64{0, 10, 0}, [3]float64{1, 30, 0})
	}
	inst := &Instance{
		Orders: []Order{{Problem: mk(), At: t0}, {Problem: mk(), At: t0}},
		Supply: []Supply{{Node: 0, SKU: "S", Start: 1}, {Node: 1, SKU: "S", Start: 2}, {Node: 2, SKU: "S", Start: 3}},
	}
	solve := func() *Relaxation {
		t.Helper()
		rel, err := Solve(context.Background(), inst, Settings{})
		require.NoError(t, err)
		require.Equal(t, lp.StatusOptimal, rel.Status)
		require.Len(t, rel.StockValues, len(inst.Supply))
		return rel
	}
	rel := solve()
	assert.InDelta(t, 40, rel.Bound, 1e-6)
	assert.InDelta(t, 20, rel.StockValues[0], 1e-6)
	assert.InDelta(t, 0, rel.StockValues[1], 1e-6)
	assert.Zero(t, rel.StockValues[2], "no order can draw on node 2")

	inst.Supply[0].Start++
	assert.InDelta(t, rel.Bound-rel.StockValues[0], solve().Bound, 1e-6, "one more unit saves its value")
	inst.Supply[0].Start--

	inst.Supply[1].Start = 0
	rel = solve()
	assert.InDelta(t, 110, rel.Bound, 1e-6)
	assert.InDelta(t, 90, rel.StockValues[0], 1e-6)
}

// TestArrivalServesOnlyLaterOrders: a unit that arrives at 10:00 cannot
// serve an order routed at 09:00, and can serve one routed at 11:00.
func TestArrivalServesOnlyLaterOrders(t *testing.T) {
	early := oneLine("S", 1, 50, 1, [3]float64{0, 5, 0})
	late := oneLine("S", 1, 50, 1, [3]float64{0, 5, 0})
	supply := []Supply{{Node: 0, SKU: "S", Start: 0, Arrivals: []Arrival{{At: t0.Add(time.Hour), Units: 1}}}}
	inst := &Instance{Orders: []Order{{Problem: early, At: t0}, {Problem: late, At: t0.Add(2 * time.Hour)}}, Supply: supply}
	rel, err := Solve(context.Background(), inst, Settings{})
	require.NoError(t, err)
	require.Equal(t, lp.StatusOptimal, rel.Status)
	assert.InDelta(t, 55, rel.Bound, 1e-6, "the early order loses its sale, the late one ships")
	assert.InDelta(t, 1, rel.Orders[0].Unfilled[0], 1e-6)
	assert.InDelta(t, 1, rel.Orders[1].Units[0], 1e-6)

	// Two units arriving, three orders after: two ship, one is lost.
	supply[0].Arrivals[0].Units = 2
	inst.Orders = append(inst.Orders, Order{Problem: oneLine("S", 1, 50, 1, [3]float64{0, 5, 0}), At: t0.Add(3 * time.Hour)})
	rel, err = Solve(context.Background(), inst, Settings{})
	require.NoError(t, err)
	assert.InDelta(t, 50+5+5, rel.Bound, 1e-6)
	batch, err := Route(context.Background(), inst, Settings{}, solver.Settings{Alternatives: -1})
	require.NoError(t, err)
	assert.InDelta(t, 60, batch.Cost, 1e-9)
	assert.NotEmpty(t, batch.Plans[0].Unfilled, "the early order cannot use what arrives later")
}

// TestSharedDailyCapacity: a node that picks one unit a day serves one of
// two orders of the same day, and both when they fall on different days.
func TestSharedDailyCapacity(t *testing.T) {
	mk := func(day int64) Order {
		return Order{Problem: oneLine("S", 1, 40, 5, [3]float64{0, 5, 1}), At: t0, Day: day}
	}
	inst := &Instance{
		Orders:   []Order{mk(1), mk(1)},
		Supply:   []Supply{{Node: 0, SKU: "S", Start: 5}},
		Capacity: []Capacity{{Node: 0, Day: 1, Units: 1}, {Node: 0, Day: 2, Units: 1}},
	}
	rel, err := Solve(context.Background(), inst, Settings{})
	require.NoError(t, err)
	assert.InDelta(t, 6+40, rel.Bound, 1e-6)
	batch, err := Route(context.Background(), inst, Settings{}, solver.Settings{Alternatives: -1})
	require.NoError(t, err)
	assert.InDelta(t, 46, batch.Cost, 1e-9)

	inst.Orders[1].Day = 2
	rel, err = Solve(context.Background(), inst, Settings{})
	require.NoError(t, err)
	assert.InDelta(t, 12, rel.Bound, 1e-6)
}

// TestInvalidInstance names the field.
func TestInvalidInstance(t *testing.T) {
	p := oneLine("S", 1, 1, 1, [3]float64{0, 1, 1})
	cases := map[string]struct {
		inst Instance
		want string
	}{
		"nil problem":     {Instance{Orders: []Order{{}}}, "orders[0].problem"},
		"supply twice":    {Instance{Orders: []Order{{Problem: p}}, Supply: []Supply{{Node: 0, SKU: "S"}, {Node: 0, SKU: "S"}}}, "supply[1]"},
		"arrival order":   {Instance{Supply: []Supply{{Arrivals: []Arrival{{At: t0.Add(time.Hour)}, {At: t0}}}}}, "supply[0].arrivals[1].at"},
		"negative units":  {Instance{Supply: []Supply{{Arrivals: []Arrival{{At: t0, Units: -1}}}}}, "supply[0].arrivals[0].units"},
		"negative cap":    {Instance{Capacity: []Capacity{{Units: -1}}}, "capacity[0].units"},
		"short available": {Instance{Orders: []Order{{Problem: &solver.Problem{Lines: p.Lines, Options: p.Options}}}}, "orders[0].problem"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Solve(context.Background(), &c.inst, Settings{})
			require.ErrorIs(t, err, ErrInvalidInstance)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestTooLarge: above MaxVars, Solve refuses and Route routes one order
// after another, without a bound; with Lagrange set, by the Lagrangian
// master's values, with its bound, as is an instance whose LP stops at a
// limit.
func TestTooLarge(t *testing.T) {
	a := oneLine("S", 1, 100, 1, [3]float64{0, 5, 0}, [3]float64{1, 6, 0})
	b := oneLine("S", 1, 100, 1, [3]float64{0, 5, 0})
	inst := &Instance{
		Orders: []Order{{Problem: a, At: t0}, {Problem: b, At: t0}},
		Supply: []Supply{{Node: 0, SKU: "S", Start: 1}, {Node: 1, SKU: "S", Start: 1}},
	}
	_, err := Solve(context.Background(), inst, Settings{MaxVars: 3})
	require.ErrorIs(t, err, ErrTooLarge)
	batch, err := Route(context.Background(), inst, Settings{MaxVars: 3}, solver.Settings{Alternatives: -1})
	require.NoError(t, err)
	assert.False(t, batch.Optimized)
	assert.Zero(t, batch.Bound)
	assert.InDelta(t, 105, batch.Cost, 1e-9)

	// With Lagrange set, the instance too large for the model is routed
	// by the Lagrangian master's values: A leaves node 0's unit to B.
	batch, err = Route(context.Background(), inst, Settings{MaxVars: 3, Lagrange: &LagrangeSettings{}}, solver.Settings{Alternatives: -1})
	require.NoError(t, err)
	assert.True(t, batch.Optimized)
	assert.InDelta(t, 11, batch.Bound, 1e-6)
	assert.InDelta(t, 11, batch.Cost, 1e-9)
	assert.Equal(t, int32(1), batch.Problems[0].Options[batch.Plans[0].Shipments[0].Option].Node, "A ships from node 1")
	assert.Equal(t, []int32{1, 1}, a.Available, "the caller's problems are left as they were")

	// So is one whose LP stops at a limit.
	stopped := Settings{LP: lp.Settings{MaxIterations: 1}}
	rel, err := Solve(context.Background(), inst, stopped)
	require.NoError(t, err)
	require.NotEqual(t, lp.StatusOptimal, rel.Status)
	stopped.Lagrange = &LagrangeSettings{}
	batch, err = Route(context.Background(), inst, stopped, solver.Settings{Alternatives: -1})
	require.NoError(t, err)
	assert.True(t, batch.Optimized)
	assert.InDelta(t, 11, batch.Cost, 1e-9)
}

// randomInstance draws a small instance: nodes x skus of stock, orders of
// 1-3 lines, each with one or two options per node (a second method with
// another price), random costs, lost-sale prices (0 for some lines), split
// rules, capacity and weight limits. ample gives every (node, SKU) more
// than all orders need; tight makes every line priced and every order one
// shipment with no option limits.
func randomInstance(seed uint64, ample, tight bool) *Instance {
	r := rand.New(rand.NewPCG(seed, 7))
	nodes, skus := 2+r.IntN(3), 1+r.IntN(3)
	inst := &Instance{}
	for n := 0; n < nodes; n++ {
		for s := 0; s < skus; s++ {
			start := int64(r.IntN(4))
			if ample {
				start = 1000
			}
			sp := Supply{Node: int32(n), SKU: fmt.Sprintf("S%d", s), Start: start}
			if !ample && r.IntN(3) == 0 {
				sp.Arrivals = []Arrival{{At: t0.Add(time.Duration(r.IntN(4)) * time.Hour), Units: int64(1 + r.IntN(3))}}
			}
			inst.Supply = append(inst.Supply, sp)
		}
	}
	if !ample && r.IntN(2) == 0 {
		inst.Capacity = append(inst.Capacity, Capacity{Node: int32(r.IntN(nodes)), Units: int64(r.IntN(4))})
	}
	orders := 2 + r.IntN(3)
	for o := 0; o < orders; o++ {
		p := &solver.Problem{SplitPenalty: float64(r.IntN(3)), LostSaleCostPerOrder: float64(r.IntN(3) * 5)}
		nl := 1 + r.IntN(min(3, skus))
		for _, s := range r.Perm(skus)[:nl] {
			price := float64(r.IntN(4) * 6)
			if tight {
				price += 6
			}
			p.Lines = append(p.Lines, solver.Line{
				SKU: fmt.Sprintf("S%d", s), Quantity: int32(1 + r.IntN(3)), UnitWeightKg: float64(r.IntN(3)),
				LostSaleCost: price,
			})
		}
		switch {
		case tight:
			p.MaxShipments, p.SplitLines = 1, true
		case r.IntN(2) == 0:
			p.SplitLines, p.MaxShipments = true, r.IntN(3)
		default:
			p.MaxShipments = 1 + r.IntN(2)
		}
		for n := 0; n < nodes; n++ {
			methods := 1 + r.IntN(2)
			for m := 0; m < methods; m++ {
				opt := solver.Option{Node: int32(n), NodeID: fmt.Sprintf("n%d", n), Method: solver.Method(1 + m),
					FixedCost: float64(1 + r.IntN(8)), CapacityUnits: -1, ETAMinutes: 60}
				if !tight && r.IntN(4) == 0 {
					opt.CapacityUnits = int32(r.IntN(4))
				}
				if !tight && r.IntN(4) == 0 {
					opt.MaxWeightKg = float64(1 + r.IntN(5))
				}
				p.Options = append(p.Options, opt)
				for range p.Lines {
					p.Available = append(p.Available, 1000)
					p.UnitCost = append(p.UnitCost, float64(r.IntN(4)))
				}
			}
		}
		inst.Orders = append(inst.Orders, Order{Problem: p, At: t0.Add(time.Duration(o) * time.Hour)})
	}
	return inst
}

// sequential routes the orders one after another in instance order with
// the exact per-order solver on the stock left: Route without shares.
func sequential(t *testing.T, inst *Instance) float64 {
	t.Helper()
	b := &Batch{}
	require.NoError(t, b.repair(context.Background(), inst, solver.Settings{Alternatives: -1}))
	return b.Cost
}

// bestSequential is the cheapest of routing the orders one after another
// (sequential) in every order of them.
func bestSequential(t *testing.T, inst *Instance) float64 {
	t.Helper()
	best := math.Inf(1)
	permutations(len(inst.Orders), func(perm []int) {
		re := &Instance{Supply: inst.Supply, Capacity: inst.Capacity}
		for _, o := range perm {
			re.Orders = append(re.Orders, inst.Orders[o])
		}
		best = min(best, sequential(t, re))
	})
	return best
}

// permutations calls fn with every order of 0..n-1.
func permutations(n int, fn func([]int)) {
	a := make([]int, n)
	for i := range a {
		a[i] = i
	}
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			fn(a)
			return
		}
		for i := k; i < n; i++ {
			a[k], a[i] = a[i], a[k]
			rec(k + 1)
			a[k], a[i] = a[i], a[k]
		}
	}
	rec(0)
}

// TestBoundBelowEveryRouting: on random small instances the bound is at
// most the cost of routing the orders one after another in every order
// (each order exact on the stock left), and at most what Route achieves;
// Route never costs more than routing them in turn (it keeps no shares
// where their rounding costs more than it saves), and its plans never
// use more stock or capacity than there is.
func TestBoundBelowEveryRouting(t *testing.T) {
	kept := 0
	for seed := uint64(1); seed <= 150; seed++ {
		inst := randomInstance(seed, false, false)
		rel, err := Solve(context.Background(), inst, Settings{})
		require.NoError(t, err)
		require.Equal(t, lp.StatusOptimal, rel.Status, "seed %d", seed)
		best := bestSequential(t, inst)
		assert.LessOrEqual(t, rel.Bound, best+1e-6, "seed %d", seed)
		batch, err := Route(context.Background(), inst, Settings{}, solver.Settings{Alternatives: -1})
		require.NoError(t, err)
		assert.LessOrEqual(t, batch.Bound, batch.Cost+1e-6, "seed %d", seed)
		inTurn := sequential(t, inst)
		assert.LessOrEqual(t, batch.Cost, inTurn+1e-9, "seed %d: never dearer than the orders in turn", seed)
		if batch.Relaxation.Orders == nil {
			kept++
			assert.Equal(t, inTurn, batch.Cost, "seed %d: in turn", seed)
		}
		checkStock(t, inst, batch)
	}
	t.Logf("150 random instances: %d routed in turn, cheaper than the shares", kept)
	assert.Positive(t, kept, "the shares' rounding costs more than it saves on some")
}

// checkStock asserts that the batch's plans ship no more of a (node, SKU)
// than reached it by each order's time, and no more than a shared
// capacity.
func checkStock(t *testing.T, inst *Instance, b *Batch) {
	t.Helper()
	used := map[supplyKey]int64{}
	capUsed := map[capKey]int64{}
	for o, plan := range b.Plans {
		p := &b.Problems[o]
		for _, sh := range plan.Shipments {
			node := p.Options[sh.Option].Node
			for _, a := range sh.Lines {
				used[supplyKey{node, p.Lines[a.Line].SKU}] += int64(a.Quantity)
				capUsed[capKey{node, inst.Orders[o].Day}] += int64(a.Quantity)
			}
		}
		for i := range inst.Supply {
			s := &inst.Supply[i]
			assert.LessOrEqual(t, used[supplyKey{s.Node, s.SKU}], s.reach(s.epoch(inst.Orders[o].At)))
		}
	}
	for _, c := range inst.Capacity {
		assert.LessOrEqual(t, capUsed[capKey{c.Node, c.Day}], c.Units)
	}
}

// TestBoundEqualsExactWithoutCompetition: with stock for everyone, the
// orders do not compete; when every option can carry the whole order in
// one shipment and every line has a lost-sale price, each order's own
// relaxation is tight, and the bound is the sum of the orders' exact
// costs. (A line without a price costs nothing unfilled, in the KPIs as in
// the bound, while the solver fills it when it can: there the bound is
// below; see TestBoundBelowEveryRouting.)
func TestBoundEqualsExactWithoutCompetition(t *testing.T) {
	for seed := uint64(1); seed <= 150; seed++ {
		inst := randomInstance(seed, true, true)
		rel, err := Solve(context.Background(), inst, Settings{})
		require.NoError(t, err)
		exact := exactAlone(t, inst)
		assert.InDelta(t, exact, rel.Bound, 1e-6*max(1, exact), "seed %d", seed)
	}
}

// exactAlone is the sum of the orders' exact costs, each solved alone on
// its own problem's stock.
func exactAlone(t *testing.T, inst *Instance) float64 {
	t.Helper()
	exact := 0.0
	for _, o := range inst.Orders {
		plan, err := solver.Solve(o.Problem, solver.Settings{Alternatives: -1})
		require.NoError(t, err)
		exact += plan.TotalCost
	}
	return exact
}

// TestWarmStartAfterRepricing: a batch solved again after its unit costs
// were priced, from the first optimum's basis, reaches the optimum a cold
// solve of the priced costs does, in fewer iterations.
func TestWarmStartAfterRepricing(t *testing.T) {
	inst := benchInstance(100)
	rel, err := Solve(context.Background(), inst, Settings{})
	require.NoError(t, err)
	require.Equal(t, lp.StatusOptimal, rel.Status)
	require.NotNil(t, rel.Basis)
	repriced(inst, 10)
	cold, err := Solve(context.Background(), inst, Settings{})
	require.NoError(t, err)
	warm, err := Solve(context.Background(), inst, Settings{LP: lp.Settings{Start: rel.Basis}})
	require.NoError(t, err)
	require.Equal(t, lp.StatusOptimal, warm.Status)
	assert.Greater(t, cold.Bound, rel.Bound, "the prices cost something")
	assert.InDelta(t, cold.Bound, warm.Bound, 1e-7*cold.Bound)
	assert.Less(t, warm.Iterations, cold.Iterations/2, "cold %d, warm %d", cold.Iterations, warm.Iterations)
}
