package simulate

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
)

type problemBuf struct{ solver.Problem }

func shippedUnits(plan *solver.Plan) int64 {
	var n int64
	for _, s := range plan.Shipments {
		for _, a := range s.Lines {
			n += int64(a.Quantity)
		}
	}
	return n
}

// requireFeasible checks a plan against the solver's model: usable options,
// one per node, stock, capacity, weight and shipment limits, whole lines
// (but for lost sales), and costs that the problem's own figures
// reproduce: shipping, lost sales by the one rule, and their sum.
func requireFeasible(t *testing.T, p *solver.Problem, plan *solver.Plan) {
	t.Helper()
	if p.MaxShipments > 0 {
		require.LessOrEqual(t, len(plan.Shipments), p.MaxShipments)
	}
	nodes := map[int32]bool{}
	covered := make([]int32, len(p.Lines))
	var total float64
	for k, s := range plan.Shipments {
		op := &p.Options[s.Option]
		require.True(t, usable(p, s.Option), "option %d not usable", s.Option)
		require.False(t, nodes[op.Node], "node %d used twice", op.Node)
		nodes[op.Node] = true
		var units int32
		var kg, cost float64
		lines := map[int]bool{}
		for _, a := range s.Lines {
			require.Positive(t, a.Quantity)
			require.LessOrEqual(t, a.Quantity, p.Available[p.At(s.Option, a.Line)])
			require.False(t, lines[a.Line])
			lines[a.Line] = true
			units += a.Quantity
			kg += float64(a.Quantity) * p.Lines[a.Line].UnitWeightKg
			cost += float64(a.Quantity) * p.UnitCost[p.At(s.Option, a.Line)]
			covered[a.Line] += a.Quantity
		}
		if op.CapacityUnits >= 0 {
			require.LessOrEqual(t, units, op.CapacityUnits)
		}
		if op.MaxWeightKg > 0 {
			require.LessOrEqual(t, kg, op.MaxWeightKg+1e-9)
		}
		cost += op.FixedCost
		if k > 0 {
			cost += p.SplitPenalty
		}
		total += cost
	}
	unfilled := make([]int32, len(p.Lines))
	for l, c := range covered {
		// Only a priced line that may be split may be filled in part (the
		// solver's lost sales).
		part := p.SplitLines && p.Lines[l].LostSaleCost > 0
		require.True(t, c == 0 || c == p.Lines[l].Quantity || part, "line %d partly covered: %d of %d", l, c, p.Lines[l].Quantity)
		unfilled[l] = p.Lines[l].Quantity - c
	}
	require.InDelta(t, total, plan.ShippingCost, 1e-9*math.Max(1, total))
	require.Equal(t, p.LostSaleCostOf(unfilled), plan.LostSaleCost)
	require.Equal(t, plan.ShippingCost+plan.LostSaleCost, plan.TotalCost)
}
