package router

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/auth"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/stock"
)

// laneNetwork: a warehouse W and, 333 km away, a store S that hands out
// pickups; a lane W -> S.
const laneNetwork = `name: lanes
carriers:
  - {name: post, per_package: 5, per_item: 1, transit: [{max_km: 5000, days: 1}]}
nodes:
  - {id: W, kind: warehouse, lat: 0, lon: 0, methods: [warehouse_ship]}
  - {id: S, kind: store, lat: 0, lon: 3, methods: [pickup], pick_cost_per_order: 1}
  - {id: X, kind: store, lat: 0, lon: 3.1, methods: [pickup], transfers: send}
lanes:
  - {name: feed, from: W, to: S, cost_per_unit: 0.5, cost_per_shipment: 3, lead_hours: 0, min_qty: 1}
`

func newLaneEnv(t *testing.T) (*env, pb.PlanningServiceClient) {
	return newLaneEnvWith(t, nil)
}

// newLaneEnvWith is newLaneEnv with edit applied to the config after.
func newLaneEnvWith(t *testing.T, edit func(*Config)) (*env, pb.PlanningServiceClient) {
	e := newEnv(t, func(c *Config) {
		n, err := network.Parse(strings.NewReader(laneNetwork), "lanes.yaml")
		require.NoError(t, err)
		tb, err := stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nW,A,30,0\n"), "stock.csv", n)
		require.NoError(t, err)
		c.Network, c.Stock = n, tb
		if edit != nil {
			edit(c)
		}
	})
	return e, pb.NewPlanningServiceClient(e.conn)
}

// tenPickups: ten pickups of one A at S over a week.
func tenPickups() []byte {
	var b strings.Builder
	b.WriteString("order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,lost_sale_cost\n")
	for i := range 10 {
		at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * 16 * time.Hour)
		fmt.Fprintf(&b, "o%d,%s,0,3,A,1,pickup,S,20\n", i, at.Format(time.RFC3339))
	}
	return []byte(b.String())
}

func TestAllocateOverLiveStock(t *testing.T) {
	_, client := newLaneEnv(t)
	at := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	res, err := client.Allocate(context.Background(), &pb.AllocateRequest{OrdersCsv: tenPickups(), At: timestamppb.New(at), HorizonMinutes: 7 * 24 * 60})
	require.NoError(t, err)
	require.Len(t, res.Transfers, 1)
	tr := res.Transfers[0]
	assert.Equal(t, "W", tr.FromNodeId)
	assert.Equal(t, "S", tr.ToNodeId)
	assert.Equal(t, "A", tr.Sku)
	// The week's demand is 10 over 7 days of history (the last order at
	// day 6, the plan at day 7).
	assert.EqualValues(t, 10, tr.Qty)
	assert.EqualValues(t, 10, res.UnitsMoved)
	assert.InDelta(t, 3+0.5*10, res.TransferCost, 1e-9)
	assert.Equal(t, at, tr.ShipAt.AsTime())
	assert.Less(t, res.ExpectedCostAfter, res.ExpectedCostBefore)
	assert.Contains(t, res.ExpectedBy, "optimal", "judged by replays with the default policy")
	assert.Positive(t, res.ModelCostBefore)
	// Why: the one group, judged and kept by the week it saved in, and
	// that week's costs without and with the plan.
	require.Len(t, res.Windows, 1)
	w := res.Windows[0]
	assert.Equal(t, at.Add(-7*24*time.Hour), w.From.AsTime())
	assert.EqualValues(t, 10, w.Orders)
	assert.InDelta(t, res.ExpectedCostBefore, w.Before, 1e-9)
	assert.InDelta(t, res.ExpectedCostAfter, w.After, 1e-9)
	require.Len(t, res.Groups, 1)
	g := res.Groups[0]
	assert.Equal(t, "warehouse>store", g.Group)
	assert.EqualValues(t, 10, g.Units)
	assert.True(t, g.Judged)
	assert.True(t, g.Kept)
	assert.InDelta(t, w.Before-w.After, g.Saving, 1e-3)
	assert.Equal(t, []float64{g.Saving}, g.WindowSavings)
	assert.Positive(t, res.Replays)

	// Without replays the expected costs are the model's own.
	model, err := client.Allocate(context.Background(), &pb.AllocateRequest{OrdersCsv: tenPickups(), At: timestamppb.New(at),
		HorizonMinutes: 7 * 24 * 60, Policy: "nearest", Windows: -1})
	require.NoError(t, err)
	assert.Equal(t, "model", model.ExpectedBy)
	assert.Empty(t, model.Groups, "nothing replayed: no group judged")
	assert.Empty(t, model.Windows)
	assert.InDelta(t, model.ModelCostBefore, model.ExpectedCostBefore, 1e-9)
	assert.InDelta(t, model.ModelCostAfter, model.ExpectedCostAfter, 1e-9)

	// W's own customers took 25 of its A the day before (a fall after
	// the plan's start is not known): at that rate they ask for 163 within
	// the week (25 a day, the day's units and the day observed each
	// weighed by the falls' decay), each worth as much as a pickup at S,
	// and there is nothing to send.
	falls := "at,node,sku,qty\n2026-03-08T00:00:00Z,W,A,-25\n2026-03-10T00:00:00Z,W,A,-1000\n"
	taken, err := client.Allocate(context.Background(), &pb.AllocateRequest{OrdersCsv: tenPickups(), At: timestamppb.New(at),
		HorizonMinutes: 7 * 24 * 60, FallsHistoryCsv: []byte(falls)})
	require.NoError(t, err)
	assert.EqualValues(t, 163, taken.ExpectedFallUnits)
	assert.Empty(t, taken.Transfers)

	// The same 25 written off instead: no one's demand, but as many units
	// gone from W (all 30 of its A within the week), so the ten pickups at
	// S can be served from W no more, and nothing is sent.
	written := "at,node,sku,qty,reason\n2026-03-08T00:00:00Z,W,A,-25,adjustment\n"
	off, err := client.Allocate(context.Background(), &pb.AllocateRequest{OrdersCsv: tenPickups(), At: timestamppb.New(at),
		HorizonMinutes: 7 * 24 * 60, FallsHistoryCsv: []byte(written)})
	require.NoError(t, err)
	assert.Zero(t, off.ExpectedFallUnits)
	assert.EqualValues(t, 30, off.ExpectedAdjustmentUnits, "as much as W holds")
	assert.Empty(t, off.Transfers)
}

// TestAllocateTakesTurns: with one turn, a valid Allocate waits while
// another plans (omniroute_allocate_calls_waiting counts it), one whose
// deadline ends first is told what it waited for, bad input is refused at
// once all the same, and the turn passes on when the planning call ends.
func TestAllocateTakesTurns(t *testing.T) {
	gate := make(chan struct{})
	e, client := newLaneEnvWith(t, func(c *Config) { c.AllocateConcurrency, c.allocateGate = 1, gate })
	req := &pb.AllocateRequest{OrdersCsv: tenPickups(), At: timestamppb.New(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)),
		HorizonMinutes: 7 * 24 * 60}
	gauge := func(g prometheus.Gauge) func() bool {
		return func() bool { return testutil.ToFloat64(g) == 1 }
	}
	first := make(chan error, 1)
	go func() {
		_, err := client.Allocate(context.Background(), req)
		first <- err
	}()
	// A bound on a stalled test, not a measure of speed.
	require.Eventually(t, gauge(e.svc.m.allocateRunning), 30*time.Second, time.Millisecond, "the first call has its turn")

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	_, err := e.svc.Allocate(ctx, req)
	cancel()
	require.Equal(t, codes.DeadlineExceeded, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "waiting for a turn to allocate (1 at once, all taken)")
	_, err = e.svc.Allocate(context.Background(), &pb.AllocateRequest{})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "bad input does not wait")

	second := make(chan *pb.AllocateResponse, 1)
	go func() {
		res, err := client.Allocate(context.Background(), req)
		assert.NoError(t, err)
		second <- res
	}()
	require.Eventually(t, gauge(e.svc.m.allocateWaiting), 30*time.Second, time.Millisecond, "the second call waits")
	close(gate)
	require.NoError(t, <-first)
	res := <-second
	require.NotNil(t, res)
	assert.EqualValues(t, 10, res.UnitsMoved, "the second plans as the first did")
	assert.Zero(t, testutil.ToFloat64(e.svc.m.allocateRunning))
	assert.Zero(t, testutil.ToFloat64(e.svc.m.allocateWaiting))
}

func TestAllocateBadInput(t *testing.T) {
	_, client := newLaneEnv(t)
	day := timestamppb.New(time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC))
	tests := []struct {
		name string
		req  *pb.AllocateRequest
		want string
	}{
		{"no-history", &pb.AllocateRequest{}, "orders_csv: empty"},
		{"bad-row", &pb.AllocateRequest{OrdersCsv: []byte("order_id,created_at,lat,lon,sku,qty\no1,yesterday,0,3,A,1\n")}, "orders_csv:2: created_at"},
		{"negative-horizon", &pb.AllocateRequest{OrdersCsv: tenPickups(), HorizonMinutes: -5}, "horizon_minutes: -5"},
		{"unknown-policy", &pb.AllocateRequest{OrdersCsv: tenPickups(), Policy: "cheapest"}, `policy: unknown routing policy "cheapest"`},
		{"bad-fall", &pb.AllocateRequest{OrdersCsv: tenPickups(), FallsHistoryCsv: []byte("at,node,sku,qty\n2026-03-08T00:00:00Z,Z,A,-1\n")}, "falls_history_csv:2: node"},
		{"unknown-node", &pb.AllocateRequest{OrdersCsv: tenPickups(), At: day, Supply: []*pb.SupplyItem{{NodeId: "Z", Sku: "A", Qty: 1, AvailableAt: day}}}, `supply[0].node_id: unknown node "Z"`},
		{"cannot-receive", &pb.AllocateRequest{OrdersCsv: tenPickups(), At: day, Supply: []*pb.SupplyItem{{NodeId: "X", Sku: "A", Qty: 1, AvailableAt: day}}}, `supply[0].node_id: node "X" may not receive`},
		{"unknown-sku", &pb.AllocateRequest{OrdersCsv: tenPickups(), At: day, Supply: []*pb.SupplyItem{{NodeId: "W", Sku: "Q", Qty: 1, AvailableAt: day}}}, `supply[0].sku: unknown SKU "Q"`},
		{"negative-qty", &pb.AllocateRequest{OrdersCsv: tenPickups(), At: day, Supply: []*pb.SupplyItem{{NodeId: "W", Sku: "A", Qty: -3, AvailableAt: day}}}, "supply[0].qty: -3 is outside"},
		{"after-horizon", &pb.AllocateRequest{OrdersCsv: tenPickups(), At: day, Supply: []*pb.SupplyItem{{NodeId: "W", Sku: "A", Qty: 3, AvailableAt: timestamppb.New(day.AsTime().Add(8 * 24 * time.Hour))}}}, "supply[0].available_at: 2026-03-17T00:00:00Z is after the horizon ends"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := client.Allocate(context.Background(), tt.req)
			require.Error(t, err)
			assert.Equal(t, codes.InvalidArgument, status.Code(err))
			assert.Contains(t, status.Convert(err).Message(), tt.want)
		})
	}
}

// PlanningService has no role of its own: admin only.
func TestAllocateNeedsAdmin(t *testing.T) {
	assert.Equal(t, auth.RoleAdmin, auth.Require(pb.PlanningService_Allocate_FullMethodName).Role)
}

// TestAllocateOverHTTP: POST /v1/planning:allocate is PlanningService.Allocate
// over HTTP/JSON (the history as base64, as protobuf's JSON spells bytes);
// bad input is a 400 naming the field.
func TestAllocateOverHTTP(t *testing.T) {
	h := newHTTPEnvWith(t, func(c *Config) {
		n, err := network.Parse(strings.NewReader(laneNetwork), "lanes.yaml")
		require.NoError(t, err)
		tb, err := stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nW,A,30,0\n"), "stock.csv", n)
		require.NoError(t, err)
		c.Network, c.Stock = n, tb
	}, GatewayOptions{})
	req := fmt.Sprintf(`{"orders_csv": %q, "at": "2026-03-09T00:00:00Z", "horizon_minutes": 10080}`,
		base64.StdEncoding.EncodeToString(tenPickups()))
	code, body, raw := h.do(t, http.MethodPost, "/v1/planning:allocate", req, nil)
	require.Equal(t, http.StatusOK, code, string(raw))
	require.Len(t, body["transfers"], 1)
	tr := body["transfers"].([]any)[0].(map[string]any)
	assert.Equal(t, "W", tr["from_node_id"])
	assert.Equal(t, "S", tr["to_node_id"])
	assert.Less(t, body["expected_cost_after"], body["expected_cost_before"])
	require.Len(t, body["groups"], 1)
	g := body["groups"].([]any)[0].(map[string]any)
	assert.Equal(t, "warehouse>store", g["group"])
	assert.Len(t, g["window_savings"], 1, "the week's saving, as --json spells it")
	require.Len(t, body["windows"], 1)
	assert.Contains(t, body["windows"].([]any)[0], "before")
	assert.Len(t, h.seen["/omniroute.v1.PlanningService/Allocate"], 1, "the gateway called the gRPC method")

	code, body, raw = h.do(t, http.MethodPost, "/v1/planning:allocate", `{}`, nil)
	assert.Equal(t, http.StatusBadRequest, code, string(raw))
	assert.Equal(t, float64(codes.InvalidArgument), body["code"])
	assert.Contains(t, body["message"], "orders_csv")
}
