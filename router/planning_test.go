package router

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/solver"
)

// TestLookaheadServesWithPrices: with --policy lookahead and a forecast in
// which Almaty's pickups want far more curd than its stores hold, the
// planner prices every store's curd at about the lost pickup; a delivery of
// curd then comes from the warehouse (whose curd no pickup can use), and
// the plan says prices were applied and when they were planned. Routes
// before the first plan apply none.
func TestLookaheadServesWithPrices(t *testing.T) {
	ticks := make(chan time.Time) // never ticks: the test plans by hand
	demand := &forecast.Demand{Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 100000, UnitsPerOrder: 1, LostSaleCost: 1000},
	}}
	e := newEnv(t, func(cfg *Config) {
		cfg.Policy = policy.Lookahead
		cfg.Planning = &PlanningConfig{Demand: demand, ticks: ticks}
	})
	p := e.svc.planner
	require.NotNil(t, p)
	o := oneLine("la0", "CURD-400G", 1)
	o.AllowSplit = false
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
	require.NoError(t, err)
	require.Len(t, resp.Plan.Shipments, 1)
	assert.True(t, strings.HasPrefix(resp.Plan.Shipments[0].NodeId, "alm-s"), "before any plan, as optimal: a store, not %s", resp.Plan.Shipments[0].NodeId)
	assert.False(t, resp.Plan.PricesApplied)
	assert.Nil(t, resp.Plan.PricesPlannedAt)

	require.NoError(t, p.planNow(ctx(t)))
	plannedAt := e.clock.Now()
	o.Id = "la1"
	resp, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
	require.NoError(t, err)
	require.Len(t, resp.Plan.Shipments, 1)
	assert.Equal(t, "alm-wh1", resp.Plan.Shipments[0].NodeId, "the stores' curd is kept for pickups")
	assert.True(t, resp.Plan.PricesApplied)
	assert.Zero(t, resp.Plan.OpportunityCost, "the warehouse's curd costs nothing to later orders")
	require.NotNil(t, resp.Plan.PricesPlannedAt)
	assert.True(t, resp.Plan.PricesPlannedAt.AsTime().Equal(plannedAt))
	assert.InDelta(t, resp.Plan.Shipments[0].Cost.GetTotal(), resp.Plan.TotalCost, 1e-9, "total_cost is the real cost")

	assert.Equal(t, 1.0, testutil.ToFloat64(p.runs.WithLabelValues("ok")))
	assert.Zero(t, testutil.ToFloat64(p.runs.WithLabelValues("error")))
	assert.Greater(t, testutil.ToFloat64(p.last), 0.0)
}

// TestPlanningFailureKeepsPrices: a plan that fails (a forecast for a region
// the network does not have) is counted and the last good prices stay.
func TestPlanningFailureKeepsPrices(t *testing.T) {
	ticks := make(chan time.Time)
	good := &forecast.Demand{Cells: []forecast.Cell{{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 100000, UnitsPerOrder: 1, LostSaleCost: 1000}}}
	e := newEnv(t, func(cfg *Config) {
		cfg.Policy = policy.Lookahead
		cfg.Planning = &PlanningConfig{Demand: good, ticks: ticks}
	})
	p := e.svc.planner
	planningHealth := func() healthpb.HealthCheckResponse_ServingStatus {
		r, err := e.health.Check(ctx(t), &healthpb.HealthCheckRequest{Service: pb.PlanningService_ServiceDesc.ServiceName})
		require.NoError(t, err)
		return r.Status
	}
	assert.Equal(t, healthpb.HealthCheckResponse_NOT_SERVING, planningHealth(), "no plan yet")
	require.NoError(t, p.planNow(ctx(t)))
	assert.Equal(t, healthpb.HealthCheckResponse_SERVING, planningHealth())
	_, before, ok := p.board.Get()
	require.True(t, ok)

	p.cfg.Demand = &forecast.Demand{Cells: []forecast.Cell{{Region: "Atlantis", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 1, UnitsPerOrder: 1}}}
	e.clock.Advance(time.Hour)
	err := p.planNow(ctx(t))
	require.Error(t, err)
	assert.True(t, strings.Contains(err.Error(), `unknown region "Atlantis"`), err.Error())
	_, after, ok := p.board.Get()
	require.True(t, ok)
	assert.Equal(t, before, after, "the last good prices stay")
	assert.Equal(t, 1.0, testutil.ToFloat64(p.runs.WithLabelValues("error")))
	assert.Equal(t, healthpb.HealthCheckResponse_NOT_SERVING, planningHealth(), "a failed plan shows in health")
	overall, err := e.health.Check(ctx(t), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	assert.Equal(t, healthpb.HealthCheckResponse_SERVING, overall.Status, "routing goes on with the last good prices")

	o := oneLine("la2", "CURD-400G", 1)
	o.AllowSplit = false
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
	require.NoError(t, err)
	assert.True(t, resp.Plan.PricesApplied)
	assert.True(t, resp.Plan.PricesPlannedAt.AsTime().Equal(before))
}

// TestPlanningServicePlan: PlanningService.Plan plans now and says what;
// a server routing with another policy refuses it.
func TestPlanningServicePlan(t *testing.T) {
	demand := &forecast.Demand{Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 100000, UnitsPerOrder: 1, LostSaleCost: 1000},
	}}
	e := newEnv(t, func(cfg *Config) {
		cfg.Policy = policy.Lookahead
		cfg.Planning = &PlanningConfig{Demand: demand, ticks: make(chan time.Time)}
	})
	e.clock.Advance(time.Minute)
	resp, err := pb.NewPlanningServiceClient(e.conn).Plan(ctx(t), &pb.PlanRequest{})
	require.NoError(t, err)
	assert.Equal(t, "optimal", resp.Status)
	assert.Positive(t, resp.Rows)
	assert.Positive(t, resp.PricedPairs, "every Almaty store's curd")
	assert.Empty(t, resp.Capacities, "the stores run out of curd long before they run out of picks")
	assert.Zero(t, testutil.ToFloat64(e.svc.planner.pricedPicks))
	assert.True(t, resp.PlannedAt.AsTime().Equal(e.clock.Now()))
	assert.InDelta(t, 2*100000, resp.ExpectedUnits, 1e-6, "a day's demand over the default horizon of two days")
	assert.Equal(t, 1.0, testutil.ToFloat64(e.svc.planner.runs.WithLabelValues("ok")))
	assert.Nil(t, resp.SeasonEnd, "no season's end")
	assert.Zero(t, resp.SkusLikelyToSellOut)
	assert.Zero(t, resp.ExpectedShortUnits)

	// With a season's end a day ahead: curd, 100,000 a day, sells out.
	end := e.clock.Now().Add(24 * time.Hour)
	e.svc.planner.cfg.SeasonEnd = end
	resp, err = pb.NewPlanningServiceClient(e.conn).Plan(ctx(t), &pb.PlanRequest{})
	require.NoError(t, err)
	assert.True(t, resp.SeasonEnd.AsTime().Equal(end))
	assert.EqualValues(t, 1, resp.SkusLikelyToSellOut)
	assert.InDelta(t, testutil.ToFloat64(e.svc.planner.seasonShort), resp.ExpectedShortUnits, 1e-9)
	assert.Greater(t, resp.ExpectedShortUnits, 90_000.0)

	plain := newEnv(t, nil)
	_, err = pb.NewPlanningServiceClient(plain.conn).Plan(ctx(t), &pb.PlanRequest{})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), err)
}

// TestPlanningPricesPickCapacity: alm-s01 holds 28 curds but picks five
// a day, and Almaty's pickups want far more: the plan prices its pick
// (about the lost pickup it saves) and says so, and its curd is priced
// at that though the plan leaves most of it on the shelf.
func TestPlanningPricesPickCapacity(t *testing.T) {
	demand := &forecast.Demand{Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 100000, UnitsPerOrder: 1, LostSaleCost: 1000},
	}}
	e := newEnv(t, func(cfg *Config) {
		i := slices.IndexFunc(cfg.Network.Nodes, func(n network.Node) bool { return n.ID == "alm-s01" })
		require.GreaterOrEqual(t, i, 0)
		cfg.Network.Nodes[i].CapacityPerDay = 5
		cfg.Policy = policy.Lookahead
		cfg.Planning = &PlanningConfig{Demand: demand, ticks: make(chan time.Time)}
	})
	resp, err := pb.NewPlanningServiceClient(e.conn).Plan(ctx(t), &pb.PlanRequest{})
	require.NoError(t, err)
	require.Len(t, resp.Capacities, 1, "only alm-s01's pick binds: the other stores sell out first")
	c := resp.Capacities[0]
	assert.Equal(t, "alm-s01", c.Node)
	assert.InDelta(t, 10, c.Units, 1e-9, "five a day over the default two days")
	assert.InDelta(t, 10, c.Used, 1e-6)
	// The lost pickup it saves (about 1,000) times the chance that the
	// last pick is needed when the plan's picks there average ten (0.54).
	assert.InDelta(t, 1000*0.542, c.Price, 5)
	prices, _, ok := e.svc.planner.board.Get()
	require.True(t, ok)
	i := slices.IndexFunc(e.svc.snap.Load().net.Nodes, func(n network.Node) bool { return n.ID == "alm-s01" })
	assert.InDelta(t, c.Price, prices.Price(i, "CURD-400G"), 1e-9, "its stock is ample for its picks: the pick is what is priced")
	assert.Equal(t, 1.0, testutil.ToFloat64(e.svc.planner.pricedPicks))
}

// TestPlanningPlanOverHTTP: POST /v1/planning:plan through the HTTP/JSON
// gateway plans now and answers the summary in JSON; under another policy
// it answers 400 (FAILED_PRECONDITION) with the reason.
func TestPlanningPlanOverHTTP(t *testing.T) {
	demand := &forecast.Demand{Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 100000, UnitsPerOrder: 1, LostSaleCost: 1000},
	}}
	h := newHTTPEnvWith(t, func(cfg *Config) {
		cfg.Policy = policy.Lookahead
		cfg.Planning = &PlanningConfig{Demand: demand, ticks: make(chan time.Time)}
	}, GatewayOptions{})
	h.clock.Advance(time.Minute)
	code, body, raw := h.do(t, http.MethodPost, "/v1/planning:plan", "{}", nil)
	require.Equal(t, http.StatusOK, code, string(raw))
	assert.Equal(t, "optimal", body["status"])
	assert.Positive(t, body["rows"])
	assert.Positive(t, body["priced_pairs"], "every Almaty store's curd")
	assert.InDelta(t, 2*100000, body["expected_units"], 1e-6)
	planned, err := time.Parse(time.RFC3339Nano, body["planned_at"].(string))
	require.NoError(t, err)
	assert.True(t, planned.Equal(h.clock.Now()))
	assert.Equal(t, 1.0, testutil.ToFloat64(h.svc.planner.runs.WithLabelValues("ok")))
	assert.Len(t, h.seen["/omniroute.v1.PlanningService/Plan"], 1, "the gateway called the gRPC method")

	plain := newHTTPEnv(t, GatewayOptions{})
	code, body, raw = plain.do(t, http.MethodPost, "/v1/planning:plan", "{}", nil)
	assert.Equal(t, http.StatusBadRequest, code, string(raw))
	assert.Equal(t, float64(codes.FailedPrecondition), body["code"])
}

// TestPlanningAfterLargeStockUpdates: stock updates that change the
// available to promise by more than PlanAfterShare of the last plan's
// supply ask for a plan ahead of the schedule, whether they come by
// UpdateStock or StreamStock; smaller ones, and updates that change
// nothing, do not.
func TestPlanningAfterLargeStockUpdates(t *testing.T) {
	demand := &forecast.Demand{Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 10, UnitsPerOrder: 1, LostSaleCost: 1000},
	}}
	e := newEnv(t, func(cfg *Config) {
		cfg.Policy = policy.Lookahead
		cfg.Planning = &PlanningConfig{Demand: demand, manual: true}
	})
	p := e.svc.planner
	require.NoError(t, p.planNow(ctx(t)))
	supply := p.supply.Load()
	require.Positive(t, supply)
	limit := int32(PlanAfterShare * float64(supply))
	kicked := func() bool {
		select {
		case <-p.kick:
			return true
		default:
			return false
		}
	}

	row := func(node string) int32 {
		r, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"CURD-400G"}, NodeIds: []string{node}})
		require.NoError(t, err)
		require.Len(t, r.Availability, 1)
		return r.Availability[0].OnHand
	}
	on := row("alm-s01")
	_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{onHand("alm-s01", "CURD-400G", 1000, on)}})
	require.NoError(t, err)
	assert.False(t, kicked(), "on hand set to what it was: nothing moved")
	assert.Zero(t, p.routed.Load())

	_, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{delta("alm-s01", "CURD-400G", 1001, limit)}})
	require.NoError(t, err)
	assert.False(t, kicked(), "%d units, no more than %.0f%% of %d", limit, 100*PlanAfterShare, supply)
	assert.EqualValues(t, limit, p.routed.Load())

	stream, err := e.inv.StreamStock(ctx(t))
	require.NoError(t, err)
	require.NoError(t, stream.Send(delta("alm-s01", "CURD-400G", 1002, -1)))
	_, err = stream.CloseAndRecv()
	require.NoError(t, err)
	assert.True(t, kicked(), "one unit more (taken away) is past the share")

	require.NoError(t, p.planNow(ctx(t)))
	assert.Zero(t, p.routed.Load(), "a plan starts the count again")
}

// TestPlanningAddsRoutedOrders: each plan adds the orders routed since
// start to the forecast, weighted by the days each covers (one each here:
// the forecast's day and the routed orders' first day), and keeps only the
// newest RecentOrders of them.
func TestPlanningAddsRoutedOrders(t *testing.T) {
	for _, c := range []struct {
		recent int
		want   float64
	}{{0, (1 + 3) / 2.0}, {2, (1 + 2) / 2.0}, {-1, 1}} {
		t.Run(fmt.Sprintf("recent=%d", c.recent), func(t *testing.T) {
			demand := &forecast.Demand{Days: 1, Orders: 1, Cells: []forecast.Cell{
				{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 1, UnitsPerOrder: 1, LostSaleCost: 1000},
			}}
			e := newEnv(t, func(cfg *Config) {
				cfg.Policy = policy.Lookahead
				cfg.Planning = &PlanningConfig{Demand: demand, manual: true, RecentOrders: c.recent, Horizon: 24 * time.Hour}
			})
			p := e.svc.planner
			out, err := p.planResult(ctx(t))
			require.NoError(t, err)
			assert.InDelta(t, 1, out.lp.ExpectedUnits, 1e-9, "the forecast alone")
			for i := range 3 {
				_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine(fmt.Sprintf("r%d", i), "CURD-400G", 1)})
				require.NoError(t, err)
			}
			out, err = p.planResult(ctx(t))
			require.NoError(t, err)
			assert.InDelta(t, c.want, out.lp.ExpectedUnits, 1e-9)
			assert.Same(t, demand, p.cfg.Demand, "the forecast itself stays as given")
			assert.InDelta(t, 1, demand.Cells[0].UnitsPerDay, 0)
		})
	}
}

// TestLookaheadServesWithPricesGivenAhead: prices given ahead (a prices
// file) are on the board from the first route: every Almaty store's curd
// priced dear sends a delivery of curd to the warehouse, and the plan says
// when the prices were planned. Without a forecast there is no planner
// (PlanningService.Plan says so); with one, its first plan replaces them.
// After a network reload the prices are matched to the nodes by id again.
func TestLookaheadServesWithPricesGivenAhead(t *testing.T) {
	at := time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC)
	fixed := func(net *network.Network) *FixedPrices {
		f := &FixedPrices{At: at}
		for _, nd := range net.Nodes {
			if strings.HasPrefix(nd.ID, "alm-s") {
				f.Prices = append(f.Prices, planning.Price{NodeID: nd.ID, SKU: "CURD-400G", Price: 1000})
			}
		}
		return f
	}
	route := func(e *env, id string) *pb.RouteResponse {
		o := oneLine(id, "CURD-400G", 1)
		o.AllowSplit = false
		resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
		require.NoError(t, err)
		require.Len(t, resp.Plan.Shipments, 1)
		return resp
	}

	// The network reloaded with its nodes in the reverse order: every
	// index changes.
	reversed := demoNetwork(t).Clone()
	slices.Reverse(reversed.Nodes)
	require.NoError(t, reversed.Init())
	alone := newEnv(t, func(cfg *Config) {
		cfg.Policy = policy.Lookahead
		cfg.FixedPrices = fixed(cfg.Network)
		cfg.LoadNetwork = func(context.Context) (*network.Network, string, error) { return reversed, "reversed.yaml", nil }
	})
	assert.Nil(t, alone.svc.planner)
	resp := route(alone, "f0")
	assert.Equal(t, "alm-wh1", resp.Plan.Shipments[0].NodeId, "the stores' curd is priced for later orders")
	assert.True(t, resp.Plan.PricesApplied)
	assert.True(t, resp.Plan.PricesPlannedAt.AsTime().Equal(at))
	assert.Zero(t, resp.Plan.OpportunityCost, "the warehouse's curd is not priced")
	assert.InDelta(t, resp.Plan.Shipments[0].Cost.GetTotal(), resp.Plan.TotalCost, 1e-9, "total_cost is the real cost")
	_, err := pb.NewPlanningServiceClient(alone.conn).Plan(ctx(t), &pb.PlanRequest{})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err))
	assert.Contains(t, status.Convert(err).Message(), "prices given ahead")

	// A reload keeps them, matched by node id.
	_, err = alone.svc.Reload(ctx(t))
	require.NoError(t, err)
	resp = route(alone, "f1")
	assert.Equal(t, "alm-wh1", resp.Plan.Shipments[0].NodeId)
	assert.True(t, resp.Plan.PricesPlannedAt.AsTime().Equal(at))

	demand := &forecast.Demand{Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 100000, UnitsPerOrder: 1, LostSaleCost: 1000},
	}}
	both := newEnv(t, func(cfg *Config) {
		cfg.Policy = policy.Lookahead
		cfg.FixedPrices = fixed(cfg.Network)
		cfg.Planning = &PlanningConfig{Demand: demand, ticks: make(chan time.Time)}
	})
	assert.True(t, route(both, "b0").Plan.PricesPlannedAt.AsTime().Equal(at), "the given prices until the first plan")
	both.clock.Advance(time.Minute)
	require.NoError(t, both.svc.planner.planNow(ctx(t)))
	assert.True(t, route(both, "b1").Plan.PricesPlannedAt.AsTime().Equal(both.clock.Now()), "then the plan's")
}

// TestPlanningSeasonEnd: with a season end the planner's prices tell the
// policy how likely each SKU is to sell out by then (planning.SellOut):
// curd, asked 100,000 times a day, surely; without a season end they say
// nothing, and a season already over says nothing either.
func TestPlanningSeasonEnd(t *testing.T) {
	demand := &forecast.Demand{Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 100000, UnitsPerOrder: 1, LostSaleCost: 1000},
	}}
	// sellOut plans with the season ending at end(now) and returns CURD's
	// probability of selling out, and the season's gauges.
	sellOut := func(end func(now time.Time) time.Time) (p, likely, short float64) {
		t.Helper()
		e := newEnv(t, func(cfg *Config) {
			cfg.Policy = policy.Lookahead
			cfg.Planning = &PlanningConfig{Demand: demand, manual: true}
		})
		e.svc.planner.cfg.SeasonEnd = end(e.clock.Now())
		require.NoError(t, e.svc.planner.planNow(ctx(t)))
		costs, _, ok := e.svc.planner.board.Get()
		require.True(t, ok)
		so, ok := costs.(policy.SellOuts)
		require.True(t, ok, "planning.Prices answer SellOutProbability")
		pl := e.svc.planner
		return so.SellOutProbability("CURD-400G"), testutil.ToFloat64(pl.seasonLikely), testutil.ToFloat64(pl.seasonShort)
	}
	p, likely, short := sellOut(func(now time.Time) time.Time { return now.Add(24 * time.Hour) })
	assert.Greater(t, p, 0.99)
	assert.Equal(t, 1.0, likely, "CURD, 100,000 a day against the demo's stock")
	assert.Greater(t, short, 90_000.0, "nearly all of a day's 100,000")
	for _, end := range []func(time.Time) time.Time{
		func(time.Time) time.Time { return time.Time{} },
		func(now time.Time) time.Time { return now.Add(-time.Hour) },
	} {
		p, likely, short := sellOut(end)
		assert.Zero(t, p)
		assert.Zero(t, likely)
		assert.Zero(t, short)
	}
}

// TestLookaheadKeepsUnitsForTheSeason: in the server, with a season end
// and a per-order lost-sale cost, an order left short of milk (more asked
// than the network holds) does not take the curd the forecast will sell
// out of: curd is UNECONOMIC. Without a season end it ships. The board
// has seen a unit shipped for 0.01 before (the rule weighs a kept unit
// by what shipping one has cost, and waits for the first).
func TestLookaheadKeepsUnitsForTheSeason(t *testing.T) {
	demand := &forecast.Demand{Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 100000, UnitsPerOrder: 1, LostSaleCost: 1000},
	}}
	for _, season := range []bool{false, true} {
		t.Run(fmt.Sprintf("season=%v", season), func(t *testing.T) {
			e := newEnv(t, func(cfg *Config) {
				cfg.Network.Policy.LostSaleCostPerOrder = 10
				cfg.Policy = policy.Lookahead
				cfg.Planning = &PlanningConfig{Demand: demand, manual: true}
			})
			if season {
				e.svc.planner.cfg.SeasonEnd = e.clock.Now().Add(24 * time.Hour)
			}
			seen := &solver.Plan{Shipments: []solver.Shipment{{Lines: []solver.Allocation{{Line: 0, Quantity: 1}}}}, ShippingCost: 0.01}
			e.svc.planner.board.Outcomes().Observe(seen)
			require.NoError(t, e.svc.planner.planNow(ctx(t)))
			o := demoOrder("season")
			o.Lines = []*pb.OrderLine{
				{Sku: "MILK-1L", Quantity: 1_000_000, UnitWeightKg: 0.001, LostSaleCost: 2},
				{Sku: "CURD-400G", Quantity: 1, UnitWeightKg: 0.4, LostSaleCost: 5},
			}
			resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
			require.NoError(t, err)
			var curd *pb.UnfilledLine
			for _, u := range resp.Plan.Unfilled {
				if u.Sku == "CURD-400G" {
					curd = u
				}
			}
			if !season {
				assert.Nil(t, curd, "curd ships")
				return
			}
			require.NotNil(t, curd, "curd is kept for the season")
			assert.Equal(t, pb.ExclusionReason_EXCLUSION_REASON_UNECONOMIC, curd.Reason)
			// The metrics show what the rule weighed it by: the unit seen and
			// the milk shipped (their shipping cost over their units), and
			// one order short of stock, by more than one unit.
			var shipped int64
			for _, sh := range resp.Plan.Shipments {
				for _, ln := range sh.Lines {
					shipped += int64(ln.Quantity)
				}
			}
			require.Positive(t, shipped)
			assert.InDelta(t, (0.01+resp.Plan.TotalCost-resp.Plan.LostSaleCost)/float64(1+shipped), testutil.ToFloat64(e.svc.planner.keepPerUnit), 1e-6)
			assert.Zero(t, testutil.ToFloat64(e.svc.planner.keepSingle))
		})
	}
}

// TestPlannerLearnsEachRoutedOrderOnce: what the planner learns from (the
// rolling demand and the board's outcomes, the season's q and m) is each
// routed order once. Options weighs offers and counts none; a reserving
// route planned again because the stock moved before its reservation
// counts once; its retry, answered from the reservation, counts none.
func TestPlannerLearnsEachRoutedOrderOnce(t *testing.T) {
	demand := &forecast.Demand{Days: 1, Orders: 1, Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 1, UnitsPerOrder: 1, LostSaleCost: 1000},
	}}
	var (
		e      *env
		plans  atomic.Int32
		stolen atomic.Bool
	)
	e = newEnv(t, func(cfg *Config) {
		cfg.Policy = policy.Lookahead
		cfg.Planning = &PlanningConfig{Demand: demand, manual: true, Horizon: 24 * time.Hour}
		cfg.afterPlan = func() {
			plans.Add(1)
			if stolen.CompareAndSwap(false, true) {
				// Between the first plan and its reservation the stock
				// falls below it: the route plans again.
				e.setStock("ONCE", 2, map[string]int32{"alm-s01": 3, "alm-s02": 10})
			}
		}
	})
	e.setStock("ONCE", 1, map[string]int32{"alm-s01": 10})
	learnt := func() (orders, outcomes int) {
		p := e.svc.planner
		p.recentMu.Lock()
		defer p.recentMu.Unlock()
		return len(p.recent), e.svc.pipe.board.Outcomes().Counted()
	}

	_, err := e.route.Options(ctx(t), &pb.OptionsRequest{Order: oneLine("opt-1", "ONCE", 5)})
	require.NoError(t, err)
	orders, outcomes := learnt()
	assert.Zero(t, orders, "Options adds no order to the demand")
	assert.Zero(t, outcomes, "Options counts no outcome")

	req := &pb.RouteRequest{Order: oneLine("once-1", "ONCE", 5), Reserve: true}
	resp, err := e.route.Route(ctx(t), req)
	require.NoError(t, err)
	require.EqualValues(t, 2, plans.Load(), "the stock moved under the first plan: planned twice")
	require.NotNil(t, resp.Reservation, "%v", resp.Plan)
	orders, outcomes = learnt()
	assert.Equal(t, 1, orders, "one order")
	assert.Equal(t, 1, outcomes, "one outcome")

	again, err := e.route.Route(ctx(t), req)
	require.NoError(t, err)
	assert.Equal(t, resp.Reservation.Id, again.Reservation.Id, "the retry gets the first answer")
	orders, outcomes = learnt()
	assert.Equal(t, 1, orders, "a retry is the same order")
	assert.Equal(t, 1, outcomes)

	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("quote-1", "ONCE", 1)})
	require.NoError(t, err)
	orders, outcomes = learnt()
	assert.Equal(t, 2, orders, "a route that does not reserve is still an order routed")
	assert.Equal(t, 2, outcomes)

	reserved, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("quote-1", "ONCE", 1), Reserve: true})
	require.NoError(t, err)
	require.NotNil(t, reserved.Reservation)
	orders, outcomes = learnt()
	assert.Equal(t, 2, orders, "the order quoted, then reserved, is one order")
	assert.Equal(t, 2, outcomes)
}

// TestPlannerWindowForgetsEvictedIDs: an order id leaves the planner's
// window with its order, and counts again when routed after that.
func TestPlannerWindowForgetsEvictedIDs(t *testing.T) {
	demand := &forecast.Demand{Days: 1, Orders: 1, Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 1, UnitsPerOrder: 1, LostSaleCost: 1000},
	}}
	e := newEnv(t, func(cfg *Config) {
		cfg.Policy = policy.Lookahead
		cfg.Planning = &PlanningConfig{Demand: demand, manual: true, RecentOrders: 2, Horizon: 24 * time.Hour}
	})
	e.setStock("ONCE", 1, map[string]int32{"alm-s01": 10})
	board := e.svc.pipe.board.Outcomes()
	for i, id := range []string{"a", "b", "a", "c", "a"} {
		_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine(id, "ONCE", 1)})
		require.NoError(t, err, "route %d", i)
	}
	// a, b; a again (in the window); c evicts a; a counts again, evicting b.
	assert.Equal(t, 4, board.Counted())
	p := e.svc.planner
	p.recentMu.Lock()
	defer p.recentMu.Unlock()
	var ids []string
	for i := range p.recent {
		ids = append(ids, p.recent[(p.next+i)%len(p.recent)].ID)
	}
	assert.Equal(t, []string{"c", "a"}, ids, "oldest first")
	assert.Len(t, p.ids, 2)
}

// TestPlanningByOrders: under planning.ModelAuto the server plans by
// demand until the orders it routed repeat their sets of SKUs, then over
// a sample of them: the one store holding both SKUs of the pairs asked
// for prices its units, the plan by orders says so, and the schedule
// keeps its prices for planning.OrdersPlanEvery intervals. An arrival
// due counts: the units it brings lower the prices. Orders whose sets no
// longer repeat send auto back to demand; ModelOrders plans by orders all
// the same.
func TestPlanningByOrders(t *testing.T) {
	demand := &forecast.Demand{Days: 1, Orders: 1, Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 1, UnitsPerOrder: 1},
	}}
	e := newEnv(t, func(cfg *Config) {
		cfg.Policy = policy.Lookahead
		cfg.Planning = &PlanningConfig{Demand: demand, manual: true, Model: planning.ModelAuto, Horizon: 24 * time.Hour}
	})
	e.setStock("PAIR-A", 1, map[string]int32{"alm-s01": 5, "alm-wh1": 100})
	e.setStock("PAIR-B", 1, map[string]int32{"alm-s01": 5})
	client := pb.NewPlanningServiceClient(e.conn)
	p := e.svc.planner

	resp, err := client.Plan(ctx(t), &pb.PlanRequest{})
	require.NoError(t, err)
	assert.Equal(t, planning.ModelDemand, resp.Model, "no order seen yet")
	assert.Zero(t, testutil.ToFloat64(p.byOrdersGauge))

	pair := func(id string) *pb.Order {
		o := demoOrder(id)
		o.Lines = []*pb.OrderLine{{Sku: "PAIR-A", Quantity: 1, UnitWeightKg: 0.2, LostSaleCost: 50}, {Sku: "PAIR-B", Quantity: 1, UnitWeightKg: 0.2, LostSaleCost: 50}}
		return o
	}
	for i := range planning.RepeatWindow {
		_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: pair(fmt.Sprintf("pair-%d", i))})
		require.NoError(t, err)
	}
	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: pair("pair-0")})
	require.NoError(t, err)
	p.recentMu.Lock()
	assert.Equal(t, planning.RepeatWindow, p.window.Len(), "each order id once")
	p.recentMu.Unlock()

	resp, err = client.Plan(ctx(t), &pb.PlanRequest{})
	require.NoError(t, err)
	assert.Equal(t, planning.ModelOrders, resp.Model, "the orders repeat")
	assert.Positive(t, resp.SampledOrders)
	assert.InDelta(t, 1, resp.StockScale, 0)
	assert.InDelta(t, 2*float64(resp.SampledOrders), resp.ExpectedUnits, 1e-9, "two units an order")
	assert.Contains(t, []string{"converged", "stopped"}, resp.Status)
	assert.Positive(t, resp.PricedPairs)
	assert.Equal(t, 1.0, testutil.ToFloat64(p.byOrdersGauge))
	assert.Equal(t, 1.0, testutil.ToFloat64(p.repeatShare), "every pair repeats")
	assert.Equal(t, float64(planning.RepeatWindow), testutil.ToFloat64(p.linesPerSKU), "a line of each of two SKUs an order")
	assert.Equal(t, 1.0, resp.OrdersRepeatShare, "what auto chose by, in the answer too")
	assert.Equal(t, float64(planning.RepeatWindow), resp.OrdersLinesPerSku)
	costs, at, ok := p.board.Get()
	require.True(t, ok)
	assert.True(t, at.Equal(e.clock.Now()))
	s01, _ := e.svc.snap.Load().net.NodeIndex("alm-s01")
	assert.Positive(t, costs.Price(s01, "PAIR-B"), "five pairs' worth for many more orders")

	assert.True(t, p.ordersPlanStays(), "the schedule keeps a plan by orders")
	e.clock.Advance(planning.OrdersPlanEvery * p.cfg.Interval)
	assert.False(t, p.ordersPlanStays())

	// Pairs arriving at the warehouse, which holds the other SKU of each
	// pair: the store's units are worth less.
	before := costs.Price(s01, "PAIR-B")
	wh1, _ := e.svc.snap.Load().net.NodeIndex("alm-wh1")
	p.cfg.Arrivals = []planning.Arrival{{At: e.clock.Now().Add(time.Second), Node: wh1, SKU: "PAIR-B", Qty: 1000}}
	resp, err = client.Plan(ctx(t), &pb.PlanRequest{})
	require.NoError(t, err)
	assert.Equal(t, planning.ModelOrders, resp.Model)
	costs, _, ok = p.board.Get()
	require.True(t, ok)
	assert.Less(t, costs.Price(s01, "PAIR-B"), before, "the arrival counts")

	// The sets stop repeating: auto plans by demand again.
	for i := range planning.RepeatWindow {
		o := demoOrder(fmt.Sprintf("mixed-%d", i))
		o.Lines = []*pb.OrderLine{{Sku: "PAIR-A", Quantity: 1, UnitWeightKg: 0.2}, {Sku: fmt.Sprintf("OTHER-%d", i), Quantity: 1, UnitWeightKg: 0.2}}
		_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
		require.NoError(t, err)
	}
	resp, err = client.Plan(ctx(t), &pb.PlanRequest{})
	require.NoError(t, err)
	assert.Equal(t, planning.ModelDemand, resp.Model)
	assert.Zero(t, testutil.ToFloat64(p.byOrdersGauge))
	assert.False(t, p.ordersPlanStays())

	p.cfg.Model = planning.ModelOrders
	resp, err = client.Plan(ctx(t), &pb.PlanRequest{})
	require.NoError(t, err)
	assert.Equal(t, planning.ModelOrders, resp.Model, "the orders model plans by orders whatever they are")
}

// TestPlanningPricesPicksOfBoundOrders: pickups that name alm-s16, in the
// history (PlanningConfig.Bound) or routed since start, make each plan's
// prices value the store's last picks of the day (policy.BoundValues): one
// pick left is worth something to the pickups still to come there, the
// store's full 400 nothing, and a pick of a store nothing names less. With
// no such pickup the prices value no pick. The same pickups value the
// store's last units of what they ask for (policy.BoundValues.StockValue).
func TestPlanningPricesPicksOfBoundOrders(t *testing.T) {
	demand := &forecast.Demand{Days: 1, Orders: 1, Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 1, UnitsPerOrder: 1, LostSaleCost: 10},
	}}
	// picks plans with bound and routed pickups naming alm-s16, an hour
	// apart up to now, and returns what one pick of it and of alm-s01 is
	// worth with one left, and one of alm-s16 with all 400 left.
	var last, far float64 // a unit of CURD at alm-s16 with one and 500 on hand
	picks := func(bound *planning.BoundPicks, routed int) (s16, full, s01 float64) {
		t.Helper()
		e := newEnv(t, func(cfg *Config) {
			cfg.Policy = policy.Lookahead
			cfg.Planning = &PlanningConfig{Demand: demand, manual: true, Bound: bound}
		})
		now := e.clock.Now()
		for i := range routed {
			o := oneLine(fmt.Sprintf("p%d", i), "CURD-400G", 2)
			o.Preference = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP
			o.PickupNodeId = "alm-s16"
			o.Lines[0].LostSaleCost = 10
			o.CreatedAt = timestamppb.New(now.Add(-time.Duration(routed-i) * time.Hour))
			_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
			require.NoError(t, err)
		}
		require.NoError(t, e.svc.planner.planNow(ctx(t)))
		costs, _, ok := e.svc.planner.board.Get()
		require.True(t, ok)
		pv, ok := costs.(policy.BoundValues)
		require.True(t, ok, "planning.Prices answer PickValue")
		net := e.svc.snap.Load().net
		i16, _ := net.NodeIndex("alm-s16")
		i01, _ := net.NodeIndex("alm-s01")
		last, far = pv.StockValue(i16, "CURD-400G", 1, 1), pv.StockValue(i16, "CURD-400G", 500, 1)
		return pv.PickValue(i16, 1, 1), pv.PickValue(i16, 400, 1), pv.PickValue(i01, 1, 1)
	}
	history := &planning.BoundPicks{}
	at := newFakeClock().Now()
	for h := range 48 {
		history.Observe(&network.Order{CreatedAt: at.Add(-time.Duration(48-h) * time.Hour), PickupNodeID: "alm-s16",
			Lines: []solver.Line{{SKU: "CURD-400G", Quantity: 2, LostSaleCost: 10}}})
	}
	for _, c := range []struct {
		name   string
		bound  *planning.BoundPicks
		routed int
	}{{"from the history", history, 0}, {"from the orders routed", nil, 24}} {
		s16, full, s01 := picks(c.bound, c.routed)
		assert.Greater(t, last, far, "%s: the store's last unit of what its pickups ask for is worth more than its 500th", c.name)
		assert.Greater(t, s16, 1.0, c.name)
		assert.Zero(t, full, c.name)
		assert.Less(t, s01, s16, c.name)
	}
	s16, _, s01 := picks(nil, 0)
	assert.Zero(t, s16, "nothing bound")
	assert.Zero(t, s01)
	free := &planning.BoundPicks{}
	free.Observe(&network.Order{CreatedAt: at.Add(-time.Hour), PickupNodeID: "alm-s16", Lines: []solver.Line{{SKU: "CURD-400G", Quantity: 2}}})
	s16, _, _ = picks(free, 0)
	assert.Zero(t, s16, "a pickup without a lost-sale cost loses nothing going short")
}

// TestPlanningKeepsStockUntilTheSeasonEnds: a store's stock is kept for
// the pickups naming it until the end of what the plan plans for: the
// horizon (48 hours), or the season's end when one is set (a week
// ahead). They ask for some thirty units a day: its 150th unit is worth
// little over the horizon and nearly all of a unit's lost sale (10) over
// the season.
func TestPlanningKeepsStockUntilTheSeasonEnds(t *testing.T) {
	demand := &forecast.Demand{Days: 1, Orders: 1, Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 1, UnitsPerOrder: 1, LostSaleCost: 10},
	}}
	at := newFakeClock().Now()
	history := &planning.BoundPicks{}
	for h := range 48 {
		history.Observe(&network.Order{CreatedAt: at.Add(-time.Duration(48-h) * time.Hour), PickupNodeID: "alm-s16",
			Lines: []solver.Line{{SKU: "CURD-400G", Quantity: 2, LostSaleCost: 10}}})
	}
	unit := func(seasonEnd time.Time) float64 {
		t.Helper()
		e := newEnv(t, func(cfg *Config) {
			cfg.Policy = policy.Lookahead
			cfg.Planning = &PlanningConfig{Demand: demand, manual: true, Bound: history, SeasonEnd: seasonEnd}
		})
		require.NoError(t, e.svc.planner.planNow(ctx(t)))
		costs, _, ok := e.svc.planner.board.Get()
		require.True(t, ok)
		net := e.svc.snap.Load().net
		i16, _ := net.NodeIndex("alm-s16")
		return costs.(policy.BoundValues).StockValue(i16, "CURD-400G", 150, 1)
	}
	horizon, season := unit(time.Time{}), unit(at.Add(7*24*time.Hour))
	assert.Less(t, horizon, 0.01)
	assert.Greater(t, season, 9.0)
}

// curdPlanner is a look-ahead server planned by hand over a day's
// forecast: ten pickups of curd a day in Almaty, each unit lost at 1,000.
func curdPlanner(t *testing.T) (*env, *planner) {
	t.Helper()
	demand := &forecast.Demand{Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 10, UnitsPerOrder: 1, LostSaleCost: 1000},
	}}
	e := newEnv(t, func(cfg *Config) {
		cfg.Policy = policy.Lookahead
		cfg.Planning = &PlanningConfig{Demand: demand, manual: true, Horizon: 24 * time.Hour}
	})
	p := e.svc.planner
	return e, p
}

// TestPlanningKeepsOutTheFallsOfStock: a stock update that lowers a row's
// on hand (three curds sold at alm-s01's till) is a fall the planner
// learns: its rate, three a day (the time observed counts a day at
// least), expects three more within the plan's day, and the next plan
// keeps them out of the supply it prices, as the metric says. A delivery
// is no fall. An order that takes a unit of the row pays what the till is
// expected to lose by it: little while three a day leave most of the
// eight (1,000 x P(D >= 8), D Poisson(3.2) over the plan's day); a lost
// curd, the forecast's 1,000, nearly, when twenty more sold make it
// twenty-three a day against the five left.
func TestPlanningKeepsOutTheFallsOfStock(t *testing.T) {
	e, p := curdPlanner(t)
	before, err := p.planResult(ctx(t))
	require.NoError(t, err)
	assert.Zero(t, before.falls)
	_, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		delta("alm-s01", "CURD-400G", 1000, -3),
		delta("alm-s05", "CURD-400G", 1000, 5),
	}})
	require.NoError(t, err)
	after, err := p.planResult(ctx(t))
	require.NoError(t, err)
	assert.EqualValues(t, 3, after.falls)
	assert.Equal(t, before.supply-3+5-3, after.supply)
	assert.Equal(t, 3.0, testutil.ToFloat64(p.fallUnits))
	resp, err := e.svc.Plan(ctx(t), &pb.PlanRequest{})
	require.NoError(t, err)
	assert.EqualValues(t, 3, resp.ExpectedFallUnits, "PlanningService.Plan says so too")

	s01, _ := e.svc.snap.Load().net.NodeIndex("alm-s01")
	price := func() float64 {
		c, _, ok := p.board.Get()
		require.True(t, ok)
		return c.Price(s01, "CURD-400G")
	}
	assert.Less(t, price(), 1000.0)
	tillLoss := func(onHand int32) float64 {
		c, _, ok := p.board.Get()
		require.True(t, ok)
		return c.(policy.BoundValues).StockValue(s01, "CURD-400G", onHand, 1)
	}
	poissonAtLeast := func(mean float64, k int) float64 {
		below, term := 0.0, math.Exp(-mean)
		for j := range k {
			below += term
			term *= mean / float64(j+1)
		}
		return 1 - below
	}
	// Three a day observed, the day weighed by the falls' decay (a week).
	perDay := 3 / (7 * (1 - math.Exp(-1.0/7)))
	assert.InDelta(t, 1000*poissonAtLeast(perDay, 8), tillLoss(8), 1e-6)
	_, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{delta("alm-s01", "CURD-400G", 1001, -20)}})
	require.NoError(t, err)
	held, err := p.planResult(ctx(t))
	require.NoError(t, err)
	assert.EqualValues(t, 29-3-20-1, held.falls, "the whole of what is left")
	assert.InDelta(t, 1000, tillLoss(5), 1)
}

// TestPlanningLearnsFromSalesOnly: a fall whose update says it is an
// adjustment (a recount down) takes stock as a sale does, so the plans
// keep the adjustments they expect out of their supply too; but it is no
// one's demand, so no order pays for what the tills would lose.
func TestPlanningLearnsFromSalesOnly(t *testing.T) {
	e, p := curdPlanner(t)
	before, err := p.planResult(ctx(t))
	require.NoError(t, err)
	recount := delta("alm-s01", "CURD-400G", 1000, -3)
	recount.Reason = pb.StockChangeReason_STOCK_CHANGE_REASON_ADJUSTMENT
	_, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{recount}})
	require.NoError(t, err)
	after, err := p.planResult(ctx(t))
	require.NoError(t, err)
	assert.EqualValues(t, 3, after.falls)
	assert.Equal(t, before.supply-3-3, after.supply)
	s01, _ := e.svc.snap.Load().net.NodeIndex("alm-s01")
	tillLoss := func() float64 {
		c, _, ok := p.board.Get()
		require.True(t, ok)
		return c.(policy.BoundValues).StockValue(s01, "CURD-400G", 1, 1)
	}
	assert.Zero(t, tillLoss())

	sale := delta("alm-s01", "CURD-400G", 1001, -2)
	sale.Reason = pb.StockChangeReason_STOCK_CHANGE_REASON_SALE
	_, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{sale}})
	require.NoError(t, err)
	after, err = p.planResult(ctx(t))
	require.NoError(t, err)
	assert.EqualValues(t, 5, after.falls)
	assert.Positive(t, tillLoss())
}
