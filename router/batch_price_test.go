package router

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/joint"
	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/stock"
)

// keepEnv is the compete network routed by the look-ahead policy, with
// one A at wh and at s1 and the only B at wh. With priced, the board
// prices s1's A at 100: the plan keeps it for expected demand there.
func keepEnv(t *testing.T, priced bool) *env {
	var n *network.Network
	e := newEnv(t, func(c *Config) {
		var err error
		n, err = network.Parse(strings.NewReader(competeNetwork), "network.yaml")
		require.NoError(t, err)
		st, err := stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nwh,A,1,0\nwh,B,1,0\ns1,A,1,0\n"), "stock.csv", n)
		require.NoError(t, err)
		c.Network, c.NetworkSource, c.Stock = n, "compete", st
		c.Policy = policy.Lookahead
	})
	if priced {
		s1 := slices.IndexFunc(n.Nodes, func(nd network.Node) bool { return nd.ID == "s1" })
		require.GreaterOrEqual(t, s1, 0)
		at := e.clock.Now()
		e.svc.pipe.board.Set(planning.NewPrices([]planning.Price{{Node: s1, NodeID: "s1", SKU: "A", Price: 100}}, len(n.Nodes), at), at)
	}
	return e
}

// keepBatch: the first order wants A (500 lost); the second wants A (30
// lost, less than s1's A is worth) and B (500 lost) in one shipment.
func keepBatch() *pb.RouteBatchRequest {
	first := demoOrder("first")
	first.Lines = []*pb.OrderLine{{Sku: "A", Quantity: 1, UnitWeightKg: 1, LostSaleCost: 500}}
	second := demoOrder("second")
	second.Lines = []*pb.OrderLine{{Sku: "A", Quantity: 1, UnitWeightKg: 1, LostSaleCost: 30}, {Sku: "B", Quantity: 1, UnitWeightKg: 1, LostSaleCost: 500}}
	second.AllowSplit = false
	return &pb.RouteBatchRequest{Optimize: true, Requests: []*pb.RouteRequest{{Order: first, Reserve: true}, {Order: second, Reserve: true}}}
}

// TestRouteBatchOptimizePricedKeepsStock: without prices the relaxation
// gives the first order s1's A (6) and the second wh's A and B (8); each
// order, seeing only its share, follows it. With s1's A priced at 100 the
// relaxation of the priced costs gives the first wh's A (7) and the
// second only wh's B (7, its A unfilled for 30): the first then ships from
// wh and s1's A stays for the demand the plan kept it for. The bound is
// the unpriced optimum (14) in both, below the real cost (14, then 44);
// the priced optimum (44) would not bound every routing.
func TestRouteBatchOptimizePricedKeepsStock(t *testing.T) {
	plain := keepEnv(t, false)
	got, err := plain.route.RouteBatch(ctx(t), keepBatch())
	require.NoError(t, err)
	require.True(t, got.Optimized)
	require.Empty(t, got.Results[0].Error)
	require.Empty(t, got.Results[1].Error)
	assert.Equal(t, []string{"s1"}, shippedFrom(got.Results[0].Response))
	assert.Equal(t, []string{"wh"}, shippedFrom(got.Results[1].Response))
	assert.Empty(t, got.Results[1].Response.Plan.Unfilled)
	assert.False(t, got.Results[0].Response.Plan.PricesApplied)
	assert.InDelta(t, 14, got.Bound, 1e-6)
	assert.InDelta(t, 0, got.Gap, 1e-6)

	e := keepEnv(t, true)
	got, err = e.route.RouteBatch(ctx(t), keepBatch())
	require.NoError(t, err)
	require.True(t, got.Optimized)
	require.Empty(t, got.Results[0].Error)
	require.Empty(t, got.Results[1].Error)
	first, second := got.Results[0].Response.Plan, got.Results[1].Response.Plan
	assert.True(t, first.PricesApplied)
	assert.Equal(t, []string{"wh"}, shippedFrom(got.Results[0].Response), "s1's A is kept")
	assert.Equal(t, []string{"wh"}, shippedFrom(got.Results[1].Response))
	require.Len(t, second.Shipments, 1)
	require.Len(t, second.Shipments[0].Lines, 1)
	assert.Equal(t, "B", second.Shipments[0].Lines[0].Sku)
	require.Len(t, second.Unfilled, 1)
	assert.Equal(t, "A", second.Unfilled[0].Sku)
	cost := first.TotalCost + second.TotalCost
	assert.InDelta(t, 44, cost, 1e-9, "real costs, no opportunity cost in them")
	assert.InDelta(t, 14, got.Bound, 1e-6, "the unpriced optimum")
	assert.LessOrEqual(t, got.Bound, cost)
	assert.InDelta(t, (cost-got.Bound)/got.Bound, got.Gap, 1e-9)

	r, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"A"}, NodeIds: []string{"s1"}})
	require.NoError(t, err)
	require.Len(t, r.Availability, 1)
	assert.Zero(t, r.Availability[0].Reserved, "nothing reserved at s1")
}

// TestRouteBatchOptimizePricedBound: on the scarce demo stock, with the
// planner's prices for pickups in Almaty of every SKU the batch asks for,
// the optimised batch's bound is the bound of the same batch on a server
// without prices (the unpriced relaxation, bit for bit) and no more than
// the real cost of its plans.
func TestRouteBatchOptimizePricedBound(t *testing.T) {
	reqs := batchOrders(t, 30)
	var cells []forecast.Cell
	seen := map[string]bool{}
	for _, r := range reqs {
		for _, l := range r.Order.Lines {
			l.LostSaleCost = 300 // above the prices (about 118): priced units ship
			if !seen[l.Sku] {
				seen[l.Sku] = true
				cells = append(cells, forecast.Cell{Region: "Almaty", SKU: l.Sku, Method: forecast.Pickup, UnitsPerDay: 50, UnitsPerOrder: 1, LostSaleCost: 200})
			}
		}
	}
	lookahead := newEnv(t, func(c *Config) {
		scarceDemo(t)(c)
		c.BatchTimeLimit = time.Hour // the test is about the answer, not the time
		c.Policy = policy.Lookahead
		c.Planning = &PlanningConfig{Demand: &forecast.Demand{Cells: cells}, manual: true}
	})
	require.NoError(t, lookahead.svc.planner.planNow(ctx(t)))
	plain := newEnv(t, func(c *Config) {
		scarceDemo(t)(c)
		c.BatchTimeLimit = time.Hour
	})

	want, err := plain.route.RouteBatch(ctx(t), &pb.RouteBatchRequest{Requests: reqs, Optimize: true})
	require.NoError(t, err)
	got, err := lookahead.route.RouteBatch(ctx(t), &pb.RouteBatchRequest{Requests: reqs, Optimize: true})
	require.NoError(t, err)
	require.True(t, want.Optimized)
	require.True(t, got.Optimized)
	assert.Positive(t, got.Bound)
	assert.Equal(t, want.Bound, got.Bound)
	var cost, opportunity float64
	for i, r := range got.Results {
		require.Empty(t, r.Error, "order %d", i)
		assert.True(t, r.Response.Plan.PricesApplied)
		cost += r.Response.Plan.TotalCost
		opportunity += r.Response.Plan.OpportunityCost
	}
	assert.Positive(t, opportunity, "the plans ship priced units")
	assert.LessOrEqual(t, got.Bound, cost+1e-6)
	assert.InDelta(t, (cost-got.Bound)/got.Bound, got.Gap, 1e-9)
}

// TestPricedRelaxationFallsBack: the priced relaxation of keepBatch gives
// the second order no A; with no time left it is not solved and the
// unpriced relaxation comes back. Either way the problems keep their
// unit costs.
func TestPricedRelaxationFallsBack(t *testing.T) {
	e := keepEnv(t, true)
	s := e.svc
	inst := &joint.Instance{}
	supplyAt, capAt := map[heldKey]int{}, map[string]int{}
	var net *network.Network
	for i, r := range keepBatch().Requests {
		p, err := s.batchProblem(fmt.Sprintf("requests[%d].", i), r, s.prefetch(ctx(t), r.Order), e.clock.Now(), inst, supplyAt, capAt, &net)
		require.NoError(t, err)
		inst.Orders = append(inst.Orders, joint.Order{Problem: p, At: e.clock.Now()})
	}
	before := [][]float64{slices.Clone(inst.Orders[0].Problem.UnitCost), slices.Clone(inst.Orders[1].Problem.UnitCost)}
	rel, err := joint.Solve(ctx(t), inst, joint.Settings{})
	require.NoError(t, err)
	require.Equal(t, lp.StatusOptimal, rel.Status)
	costs, _, ok := s.pipe.board.Get()
	require.True(t, ok)

	priced, err := pricedRelaxation(ctx(t), inst, costs, rel, time.Hour, joint.DefaultDive)
	require.NoError(t, err)
	assert.NotSame(t, rel, priced)
	assert.InDelta(t, 44, priced.Bound, 1e-6)
	assert.Len(t, rel.Shares(inst, 1), 2, "A and B")
	assert.Len(t, priced.Shares(inst, 1), 1, "only B")
	assert.Equal(t, before, [][]float64{inst.Orders[0].Problem.UnitCost, inst.Orders[1].Problem.UnitCost})

	got, err := pricedRelaxation(ctx(t), inst, costs, rel, 0, joint.DefaultDive)
	require.NoError(t, err)
	assert.Same(t, rel, got)
	assert.Equal(t, before, [][]float64{inst.Orders[0].Problem.UnitCost, inst.Orders[1].Problem.UnitCost})
}
