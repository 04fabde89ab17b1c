package joint

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/solver"
)

// TestRepairLeavesLaterArrivalsToLaterOrders: an order routed before an
// arrival takes the unit on hand even though a later order's share is
// held, because that share comes from the arrival: the repair counts a
// share against the stock of its own order's time, not of every time.
func TestRepairLeavesLaterArrivalsToLaterOrders(t *testing.T) {
	early := oneLine("S", 1, 50, 1, [3]float64{0, 5, 0})
	late := oneLine("S", 1, 50, 1, [3]float64{0, 5, 0})
	supply := []Supply{{Node: 0, SKU: "S", Start: 1, Arrivals: []Arrival{{At: t0.Add(time.Hour), Units: 1}}}}
	inst := &Instance{Orders: []Order{{Problem: early, At: t0}, {Problem: late, At: t0.Add(2 * time.Hour)}}, Supply: supply}
	batch, err := Route(context.Background(), inst, Settings{}, solver.Settings{Alternatives: -1})
	require.NoError(t, err)
	require.True(t, batch.Optimized)
	assert.InDelta(t, 10, batch.Bound, 1e-9, "each order ships its unit at 5")
	assert.Empty(t, batch.Plans[0].Unfilled, "the unit on hand is the early order's")
	assert.Empty(t, batch.Plans[1].Unfilled, "the arrival is the late order's")
	assert.InDelta(t, 10, batch.Cost, 1e-9)
	checkStock(t, inst, batch)
}

// diveInstance is k triangles of three orders, {a,b}, {b,c} and {a,c}
// of their own SKUs, one unit each, over a cheap store (node 0) holding
// one unit of each SKU and a dear warehouse (node 1) holding plenty. Only
// one order of a triangle can ship whole from the store, but the
// relaxation ships half of every order from it: every shipment is
// fractional.
func diveInstance(k int) *Instance {
	inst := &Instance{}
	for tri := 0; tri < k; tri++ {
		sku := func(c byte) string { return fmt.Sprintf("%c%d", c, tri) }
		for _, c := range []byte("abc") {
			inst.Supply = append(inst.Supply, Supply{Node: 0, SKU: sku(c), Start: 1}, Supply{Node: 1, SKU: sku(c), Start: 100})
		}
		for _, pair := range []string{"ab", "bc", "ac"} {
			p := &solver.Problem{MaxShipments: 2, SplitLines: true, SplitPenalty: 3}
			for _, c := range []byte(pair) {
				p.Lines = append(p.Lines, solver.Line{SKU: sku(c), Quantity: 1, LostSaleCost: 60})
			}
			for node := int32(0); node < 2; node++ {
				p.Options = append(p.Options, solver.Option{Node: node, NodeID: fmt.Sprintf("n%d", node), Method: 1,
					FixedCost: 5 + 15*float64(node), CapacityUnits: -1, ETAMinutes: 60})
				p.Available = append(p.Available, 1000, 1000)
				p.UnitCost = append(p.UnitCost, 1, 1)
			}
			inst.Orders = append(inst.Orders, Order{Problem: p, At: t0})
		}
	}
	return inst
}

// TestDiveRoundsTheRelaxation: the dive leaves no shipment fractional,
// keeps the first optimum as the bound, and its routing costs no more
// than the one the plain relaxation guides on instances where the
// relaxation is fractional.
func TestDiveRoundsTheRelaxation(t *testing.T) {
	ctx := context.Background()
	ss := solver.Settings{Alternatives: -1}
	inst := diveInstance(20)
	plain, err := Route(ctx, inst, Settings{}, ss)
	require.NoError(t, err)
	dived, err := Route(ctx, inst, Settings{Dive: DefaultDive}, ss)
	require.NoError(t, err)
	require.True(t, dived.Optimized)
	assert.Equal(t, plain.Bound, dived.Bound, "the bound is the first optimum")
	assert.Zero(t, dived.Relaxation.Fractional)
	assert.Positive(t, dived.Relaxation.DiveRounds)
	assert.GreaterOrEqual(t, dived.Relaxation.Rounded, dived.Bound-1e-9)
	assert.LessOrEqual(t, dived.Cost, plain.Cost+1e-9)
	assert.LessOrEqual(t, dived.Bound, dived.Cost+1e-9)
	checkStock(t, inst, dived)
	t.Logf("bound %.2f, plain %.2f, dived %.2f (%d rounds)", dived.Bound, plain.Cost, dived.Cost, dived.Relaxation.DiveRounds)

	// Without a dive Solve says how fractional the optimum is.
	rel, err := Solve(ctx, inst, Settings{})
	require.NoError(t, err)
	assert.Zero(t, rel.DiveRounds)
	assert.Equal(t, rel.Bound, rel.Rounded)
	assert.Equal(t, len(inst.Orders), rel.Fractional, "every order is half shipped from the store")
}

// TestDiveOnRandomInstances: on random instances with arrivals, split
// rules, capacities and weight limits, a dived Route never overdraws the
// stock, stays above the bound, and costs no more than Route without a
// dive (it keeps whichever of the two roundings routes cheaper).
func TestDiveOnRandomInstances(t *testing.T) {
	ctx := context.Background()
	ss := solver.Settings{Alternatives: -1}
	var plainSum, divedSum float64
	for seed := uint64(1); seed <= 150; seed++ {
		inst := randomInstance(seed, false, false)
		plain, err := Route(ctx, inst, Settings{}, ss)
		require.NoError(t, err)
		dived, err := Route(ctx, inst, Settings{Dive: DefaultDive}, ss)
		require.NoError(t, err)
		require.Equal(t, lp.StatusOptimal, dived.Relaxation.Status)
		assert.Equal(t, plain.Bound, dived.Bound, "seed %d", seed)
		assert.LessOrEqual(t, dived.Bound, dived.Cost+1e-6, "seed %d", seed)
		assert.LessOrEqual(t, dived.Cost, plain.Cost+1e-9, "seed %d: Route keeps the cheaper rounding", seed)
		checkStock(t, inst, dived)
		plainSum += plain.Cost
		divedSum += dived.Cost
	}
	t.Logf("150 random instances: plain %.2f, dived %.2f", plainSum, divedSum)
	assert.LessOrEqual(t, divedSum, plainSum+1e-6)
}

// TestDiveWarmStartsFinish: every round of the dive on a thousand merged
// orders finishes warm (from the last round's basis); the LP engine's
// dual simplex once cycled on one of them, until the dive solved it
// again from scratch.
func TestDiveWarmStartsFinish(t *testing.T) {
	if testing.Short() {
		t.Skip("a 1,000-order dive")
	}
	inst := benchInstance(1000)
	b, err := Route(context.Background(), inst, Settings{Dive: DefaultDive}, solver.Settings{Alternatives: -1})
	require.NoError(t, err)
	require.True(t, b.Optimized)
	assert.Zero(t, b.Relaxation.DiveRestarts)
	assert.Zero(t, b.Relaxation.Fractional)
	assert.LessOrEqual(t, b.Bound, b.Cost)
	t.Logf("bound %.2f, cost %.2f, %d rounds, %d iterations", b.Bound, b.Cost, b.Relaxation.DiveRounds, b.Relaxation.Iterations)
}
