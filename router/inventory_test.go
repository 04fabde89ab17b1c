package router

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	"google.golang.org/protobuf/proto"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

func onHand(node, sku string, seq uint64, q int32) *pb.StockUpdate {
	return &pb.StockUpdate{NodeId: node, Sku: sku, Seq: seq, Change: &pb.StockUpdate_OnHand{OnHand: q}}
}

func delta(node, sku string, seq uint64, d int32) *pb.StockUpdate {
	return &pb.StockUpdate{NodeId: node, Sku: sku, Seq: seq, Change: &pb.StockUpdate_Delta{Delta: d}}
}

func TestUpdateStockSequence(t *testing.T) {
	e := newEnv(t, nil)
	safety := int32(1)
	withSafety := onHand("alm-s02", "NEW", 1, 10)
	withSafety.SafetyStock = &safety
	resp, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		onHand("alm-s01", "NEW", 1, 10),
		delta("alm-s01", "NEW", 2, -3),  // 7
		delta("alm-s01", "NEW", 2, -3),  // repeated: ignored
		onHand("alm-s01", "NEW", 1, 99), // older: ignored
		delta("alm-s01", "NEW", 5, 4),   // 11 (gaps are fine)
		withSafety,
	}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Applied != 4 || resp.Ignored != 2 {
		t.Fatalf("applied %d ignored %d, want 4 and 2", resp.Applied, resp.Ignored)
	}
	av, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"NEW"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"alm-s01/NEW atp=11 on_hand=11 safety=0", "alm-s02/NEW atp=9 on_hand=10 safety=1"}
	if got := availability(av); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("availability\n got %v\nwant %v", got, want)
	}
	// Counted in metrics.
	m := e.svc.m
	if a, i := counterValue(m.stockUpdates.WithLabelValues("applied")), counterValue(m.stockUpdates.WithLabelValues("ignored")); a != 4 || i != 2 {
		t.Errorf("metrics applied %v ignored %v", a, i)
	}
	// The same batch again changes nothing.
	resp, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{delta("alm-s01", "NEW", 5, 4)}})
	if err != nil || resp.Applied != 0 || resp.Ignored != 1 {
		t.Fatalf("replay: %v %v", resp, err)
	}
	if got := e.atp("alm-s01", "NEW"); got != 11 {
		t.Fatalf("ATP %d after a replayed update", got)
	}
}

// TestUpdateStockAllOrNone: a batch with a bad update leaves no trace, not
// even an empty row for a SKU an earlier update of the batch introduced,
// and its sequence numbers stay unused.
func TestUpdateStockAllOrNone(t *testing.T) {
	e := newEnv(t, nil)
	before := e.atp("alm-s01", "MILK-1L")
	_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		onHand("alm-s01", "FRESH", 1, 5),
		delta("alm-s01", "MILK-1L", 1_000_000, 3),
		delta("alm-s01", "FRESH", 2, -6), // 5 - 6 < 0
	}})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "updates[2].delta: on_hand would be -1") {
		t.Fatalf("bad batch: %v, want InvalidArgument on updates[2].delta", err)
	}
	av, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"FRESH"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := availability(av); len(got) != 0 {
		t.Fatalf("a rejected batch left rows behind: %v", got)
	}
	if got := e.atp("alm-s01", "MILK-1L"); got != before {
		t.Fatalf("MILK-1L ATP %d after a rejected batch, want %d", got, before)
	}
	resp, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		onHand("alm-s01", "FRESH", 1, 5),
		delta("alm-s01", "FRESH", 2, -5),
	}})
	if err != nil || resp.Applied != 2 {
		t.Fatalf("the same sequence numbers after the rejected batch: %v %v", resp, err)
	}
}

func availability(r *pb.GetAvailabilityResponse) []string {
	var out []string
	for _, a := range r.Availability {
		out = append(out, fmt.Sprintf("%s/%s atp=%d on_hand=%d safety=%d", a.NodeId, a.Sku, a.Atp, a.OnHand, a.SafetyStock))
	}
	return out
}

func TestStreamStock(t *testing.T) {
	e := newEnv(t, nil)
	stream, err := e.inv.StreamStock(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	// 600 updates cross chunk boundaries: 300 distinct, each sent twice.
	for i := range 300 {
		for range 2 {
			if err := stream.Send(onHand("alm-s03", fmt.Sprintf("S-%03d", i), 1, int32(i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		t.Fatal(err)
	}
	if resp.Applied != 300 || resp.Ignored != 300 {
		t.Fatalf("applied %d ignored %d", resp.Applied, resp.Ignored)
	}
	if got := e.atp("alm-s03", "S-299"); got != 299 {
		t.Fatalf("ATP %d", got)
	}
	// A bad update names its position in the stream.
	stream, err = e.inv.StreamStock(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		u := onHand("alm-s03", "X", uint64(i+1), 1)
		if i == 3 {
			u.NodeId = "nowhere"
		}
		if err := stream.Send(u); err != nil {
			t.Fatal(err)
		}
	}
	_, err = stream.CloseAndRecv()
	wantCode(t, err, codes.NotFound, "updates[3].node_id")
}

func TestGetAvailability(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("A", 1, map[string]int32{"ast-s01": 4, "alm-s02": 2})
	e.setStock("B", 1, map[string]int32{"alm-s02": 7})
	av, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"B", "A"}})
	if err != nil {
		t.Fatal(err)
	}
	// Network node order, then SKUs as asked; only rows that exist.
	want := []string{"alm-s02/B atp=7 on_hand=7 safety=0", "alm-s02/A atp=2 on_hand=2 safety=0", "ast-s01/A atp=4 on_hand=4 safety=0"}
	if got := availability(av); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	// Named nodes get a row even without stock.
	av, err = e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"B"}, NodeIds: []string{"alm-s01", "alm-s02"}})
	if err != nil {
		t.Fatal(err)
	}
	want = []string{"alm-s01/B atp=0 on_hand=0 safety=0", "alm-s02/B atp=7 on_hand=7 safety=0"}
	if got := availability(av); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

// TestReserveKeepsCapacityAfterPlanning: an order planned against a
// node's remaining pick capacity does not reserve it when another order
// reserved that capacity between its planning and its reservation.
func TestReserveKeepsCapacityAfterPlanning(t *testing.T) {
	var fired atomic.Bool
	var e *env
	var second *pb.RouteResponse
	var secondErr error
	e = newEnv(t, func(c *Config) {
		c.afterPlan = func() {
			if fired.CompareAndSwap(false, true) {
				// The first order has planned; another takes the capacity.
				second, secondErr = e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("cap-2", "CAPX", 300), Reserve: true})
			}
		}
	})
	e.setStock("CAPX", 1, map[string]int32{"alm-s01": 10_000})
	node, _ := e.svc.Network().NodeIndex("alm-s01")
	e.svc.mu.RLock()
	capacity := e.svc.inv.table.Remaining(node)
	e.svc.mu.RUnlock()
	if capacity != 400 {
		t.Fatalf("alm-s01 capacity %d, the demo network gives it 400", capacity)
	}
	first, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("cap-1", "CAPX", 300), Reserve: true})
	if err != nil || secondErr != nil {
		t.Fatalf("routes: %v, %v", err, secondErr)
	}
	if second.GetReservation() == nil {
		t.Fatalf("the order that reserved first got no reservation: %v", second.GetPlan())
	}
	if first.GetReservation() != nil {
		t.Errorf("both orders reserved 300 units at a node that picks 400 a day: %v", first.GetReservation().GetItems())
	}
	if u := first.GetPlan().GetUnfilled(); len(u) != 1 || u[0].Reason != pb.ExclusionReason_EXCLUSION_REASON_CAPACITY {
		t.Errorf("first order's unfilled lines %v, want CAPX for CAPACITY", u)
	}
	e.svc.mu.RLock()
	used := e.svc.inv.table.Used(node)
	e.svc.mu.RUnlock()
	if used > capacity {
		t.Errorf("alm-s01 picks %d units today, capacity %d", used, capacity)
	}
}

// TestConcurrentReserveNeverOversells: 64 goroutines reserve the same
// scarce SKUs; the units reserved never exceed what there was.
func TestConcurrentReserveNeverOversells(t *testing.T) { concurrentReserve(t, "") }

// TestConcurrentReserveDurable does the same with group commit to a data
// directory, then crashes and restarts: the stock is as acknowledged.
func TestConcurrentReserveDurable(t *testing.T) {
	dir := t.TempDir()
	e := concurrentReserve(t, dir)
	skus := []string{"SCARCE-A", "SCARCE-B"}
	before, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: skus})
	if err != nil {
		t.Fatal(err)
	}
	e.crash()
	e2 := newEnv(t, func(c *Config) { c.DataDir = dir })
	after, err := e2.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: skus})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(before, after) {
		t.Fatalf("after restart:\n%v\n%v", availability(before), availability(after))
	}
}

func concurrentReserve(t *testing.T, dataDir string) *env {
	e := newEnv(t, func(c *Config) { c.DataDir = dataDir })
	stockOf := map[string]int32{"alm-s01": 7, "alm-s02": 5, "alm-s04": 3, "alm-d01": 2}
	e.setStock("SCARCE-A", 1, stockOf)
	e.setStock("SCARCE-B", 1, map[string]int32{"alm-s01": 4, "alm-s05": 6})
	const workers = 64
	var wg sync.WaitGroup
	reserved := make([][]*pb.ReservedItem, workers)
	errs := make(chan error, workers)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o := oneLine(fmt.Sprintf("c-%d", g), "SCARCE-A", int32(1+g%3))
			o.Lines = append(o.Lines, &pb.OrderLine{Sku: "SCARCE-B", Quantity: 1, UnitWeightKg: 0.1})
			resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o, Reserve: true})
			if err != nil {
				errs <- err
				return
			}
			reserved[g] = resp.GetReservation().GetItems()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := map[string]int32{}
	for _, items := range reserved {
		for _, it := range items {
			got[it.NodeId+"/"+it.Sku] += it.Quantity
		}
	}
	totalA, totalB := int32(0), int32(0)
	for k, q := range got {
		if strings.HasSuffix(k, "/SCARCE-A") {
			totalA += q
		} else {
			totalB += q
		}
	}
	if totalA > 17 || totalB > 10 {
		t.Fatalf("oversold: A %d of 17, B %d of 10 (%v)", totalA, totalB, got)
	}
	// The table agrees with the reservations, and ATP is never negative.
	av, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"SCARCE-A", "SCARCE-B"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range av.Availability {
		if a.Reserved != got[a.NodeId+"/"+a.Sku] || a.Atp != a.OnHand-a.Reserved || a.Atp < 0 {
			t.Errorf("%s/%s: reserved %d, reservations hold %d, ATP %d, on hand %d", a.NodeId, a.Sku, a.Reserved, got[a.NodeId+"/"+a.Sku], a.Atp, a.OnHand)
		}
	}
	if totalA == 0 {
		t.Fatal("nothing reserved at all")
	}
	t.Logf("reserved A %d/17, B %d/10; optimistic retries %v", totalA, totalB, counterValue(e.svc.m.reservations.WithLabelValues(outcomeRetried)))
	return e
}

func TestHealthReflectionMetrics(t *testing.T) {
	e := newEnv(t, nil)
	for _, svc := range append([]string{""}, serviceNames...) {
		r, err := e.health.Check(ctx(t), &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || r.Status != healthpb.HealthCheckResponse_SERVING {
			t.Fatalf("health %q: %v %v", svc, r, err)
		}
	}
	rc, err := rpb.NewServerReflectionClient(e.conn).ServerReflectionInfo(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Send(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	lr, err := rc.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range lr.GetListServicesResponse().GetService() {
		names = append(names, s.Name)
	}
	for _, want := range serviceNames {
		if !strings.Contains(strings.Join(names, ","), want) {
			t.Errorf("reflection lists %v, missing %s", names, want)
		}
	}
	rc.CloseSend()
	if _, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("m-1")}); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	e.svc.m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`omniroute_route_duration_seconds_count{code="OK"} 1`,
		"omniroute_solver_duration_seconds_count 1",
		"omniroute_route_candidates_count 1",
		`omniroute_reservations_total{outcome="reserved"} 0`,
		`omniroute_stock_updates_total{result="ignored"} 0`,
		`omniroute_network_reloads_total{result="ok"} 0`,
		`omniroute_network_reloads_total{result="error"} 0`,
		`omniroute_reservations_active 0`,
		"go_goroutines",
		"process_",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	n, err := e.net.GetNetwork(ctx(t), &pb.GetNetworkRequest{})
	if err != nil || len(n.Nodes) != 46 || n.Currency != "USD" {
		t.Fatalf("network: %d nodes, %v", len(n.GetNodes()), err)
	}
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return -1
	}
	return m.GetCounter().GetValue()
}

// TestConcurrentSameOrderReservesOnce: many retries of one order at once
// get one reservation between them.
func TestConcurrentSameOrderReservesOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 10})
	const n = 16
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("same", "SCARCE", 3), Reserve: true})
			if err != nil {
				t.Error(err)
				return
			}
			ids <- resp.GetReservation().GetId()
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]int{}
	for id := range ids {
		seen[id]++
	}
	if len(seen) != 1 {
		t.Fatalf("reservations: %v, want one", seen)
	}
	if got := e.atp("alm-s01", "SCARCE"); got != 7 {
		t.Fatalf("ATP %d, want 7", got)
	}
}
