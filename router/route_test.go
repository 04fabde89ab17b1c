package router

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/geo"
)

// atp reads the ATP of sku at node through GetAvailability.
func (e *env) atp(node, sku string) int32 {
	e.t.Helper()
	r, err := e.inv.GetAvailability(ctx(e.t), &pb.GetAvailabilityRequest{Skus: []string{sku}, NodeIds: []string{node}})
	if err != nil {
		e.t.Fatal(err)
	}
	return r.Availability[0].Atp
}

// setStock sets the absolute on hand of sku at nodes (seq 1 each, safety 0).
func (e *env) setStock(sku string, seq uint64, onHand map[string]int32) {
	e.t.Helper()
	var ups []*pb.StockUpdate
	zero := int32(0)
	for n, q := range onHand {
		ups = append(ups, &pb.StockUpdate{NodeId: n, Sku: sku, Seq: seq, Change: &pb.StockUpdate_OnHand{OnHand: q}, SafetyStock: &zero})
	}
	if _, err := e.inv.UpdateStock(ctx(e.t), &pb.UpdateStockRequest{Updates: ups}); err != nil {
		e.t.Fatal(err)
	}
}

func planUnits(p *pb.Plan) map[string]int32 {
	out := map[string]int32{}
	for _, s := range p.Shipments {
		for _, l := range s.Lines {
			out[l.Sku] += l.Quantity
		}
	}
	return out
}

func TestRouteDemoOrder(t *testing.T) {
	e := newEnv(t, nil)
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("demo-1")})
	if err != nil {
		t.Fatal(err)
	}
	p := resp.Plan
	if resp.OrderId != "demo-1" || resp.Reservation != nil {
		t.Fatalf("order id %q, reservation %v", resp.OrderId, resp.Reservation)
	}
	if len(p.Shipments) == 0 || len(p.Unfilled) != 0 {
		t.Fatalf("want a full plan, got %v", p)
	}
	units := planUnits(p)
	for _, l := range demoOrder("x").Lines {
		if units[l.Sku] != l.Quantity {
			t.Errorf("%s: planned %d, want %d", l.Sku, units[l.Sku], l.Quantity)
		}
	}
	if p.Currency != "USD" || p.TotalCost <= 0 || p.Stats.GetCandidates() == 0 {
		t.Errorf("currency %q, cost %v, stats %v", p.Currency, p.TotalCost, p.Stats)
	}
	var sum float64
	for _, s := range p.Shipments {
		if s.NodeId == "" || s.Method == pb.Method_METHOD_UNSPECIFIED || s.Cost.GetTotal() <= 0 {
			t.Errorf("bad shipment %v", s)
		}
		sum += s.Cost.Total
	}
	if d := sum - p.TotalCost; d > 1e-6 || d < -1e-6 {
		t.Errorf("shipment costs add to %v, total %v", sum, p.TotalCost)
	}
	// The same input gives the same plan.
	again, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("demo-1")})
	if err != nil {
		t.Fatal(err)
	}
	a, b := proto.Clone(p).(*pb.Plan), proto.Clone(again.Plan).(*pb.Plan)
	a.Stats.SolveTimeNs, b.Stats.SolveTimeNs = 0, 0
	if !proto.Equal(a, b) {
		t.Errorf("same order, different plans:\n%v\n%v", a, b)
	}
}

func TestReserveCommit(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5})
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("o-1", "SCARCE", 2), Reserve: true})
	if err != nil {
		t.Fatal(err)
	}
	r := resp.Reservation
	if r == nil || r.State != pb.ReservationState_RESERVATION_STATE_ACTIVE || r.Id == "" || r.OrderId != "o-1" {
		t.Fatalf("reservation %v", r)
	}
	if len(r.Items) != 1 || r.Items[0].NodeId != "alm-s01" || r.Items[0].Quantity != 2 {
		t.Fatalf("items %v", r.Items)
	}
	if want := e.clock.Now().Add(DefaultReservationTTL); !r.ExpiresAt.AsTime().Equal(want) {
		t.Errorf("expires %v, want %v", r.ExpiresAt.AsTime(), want)
	}
	if got := e.atp("alm-s01", "SCARCE"); got != 3 {
		t.Fatalf("ATP after reserve %d, want 3", got)
	}
	c, err := e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: r.Id})
	if err != nil || c.State != pb.ReservationState_RESERVATION_STATE_COMMITTED {
		t.Fatalf("commit: %v %v", c, err)
	}
	av, _ := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"SCARCE"}, NodeIds: []string{"alm-s01"}})
	if a := av.Availability[0]; a.OnHand != 3 || a.Reserved != 0 || a.Atp != 3 {
		t.Fatalf("after commit %v", a)
	}
	// Commit again: unchanged. Release a committed one: refused.
	if c2, err := e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: r.Id}); err != nil || c2.State != pb.ReservationState_RESERVATION_STATE_COMMITTED {
		t.Fatalf("second commit: %v %v", c2, err)
	}
	_, err = e.route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: r.Id})
	wantCode(t, err, codes.FailedPrecondition, "reservation_id")
	if e.atp("alm-s01", "SCARCE") != 3 {
		t.Fatal("stock changed by a refused release")
	}
}

func TestReserveRelease(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5})
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("o-1", "SCARCE", 4), Reserve: true})
	if err != nil {
		t.Fatal(err)
	}
	id := resp.Reservation.Id
	if e.atp("alm-s01", "SCARCE") != 1 {
		t.Fatal("not reserved")
	}
	rel, err := e.route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: id})
	if err != nil || rel.State != pb.ReservationState_RESERVATION_STATE_RELEASED {
		t.Fatalf("release: %v %v", rel, err)
	}
	if got := e.atp("alm-s01", "SCARCE"); got != 5 {
		t.Fatalf("ATP after release %d, want 5", got)
	}
	// Releasing again changes nothing; committing a released one is refused.
	if r2, err := e.route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: id}); err != nil || r2.State != pb.ReservationState_RESERVATION_STATE_RELEASED {
		t.Fatalf("second release: %v %v", r2, err)
	}
	_, err = e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: id})
	wantCode(t, err, codes.FailedPrecondition, "reservation_id")
	got, err := e.route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: id})
	if err != nil || got.State != pb.ReservationState_RESERVATION_STATE_RELEASED {
		t.Fatalf("get: %v %v", got, err)
	}
	_, err = e.route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: "nope"})
	wantCode(t, err, codes.NotFound, "reservation_id")
	// After release the order id may reserve again.
	again, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("o-1", "SCARCE", 4), Reserve: true})
	if err != nil || again.Reservation.GetId() == id {
		t.Fatalf("re-reserve after release: %v %v", again.GetReservation(), err)
	}
}

func TestIdempotentReserve(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5})
	req := &pb.RouteRequest{Order: oneLine("o-1", "SCARCE", 2), Reserve: true}
	first, err := e.route.Route(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		again, err := e.route.Route(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(first, again) {
			t.Fatalf("retry answered differently:\n%v\n%v", first, again)
		}
	}
	if got := e.atp("alm-s01", "SCARCE"); got != 3 {
		t.Fatalf("ATP %d after retries, want 3 (reserved once)", got)
	}
	// A different created_at is still the same order.
	o := oneLine("o-1", "SCARCE", 2)
	o.CreatedAt.Seconds += 60
	if again, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o, Reserve: true}); err != nil || again.Reservation.Id != first.Reservation.Id {
		t.Fatalf("retry with a new created_at: %v %v", again.GetReservation(), err)
	}
	// The same id with other lines is refused, naming order.id.
	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("o-1", "SCARCE", 3), Reserve: true})
	wantCode(t, err, codes.FailedPrecondition, "order.id")
	// After commit, a retry still gets the same answer, now COMMITTED.
	if _, err := e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: first.Reservation.Id}); err != nil {
		t.Fatal(err)
	}
	again, err := e.route.Route(ctx(t), req)
	if err != nil || again.Reservation.Id != first.Reservation.Id || again.Reservation.State != pb.ReservationState_RESERVATION_STATE_COMMITTED {
		t.Fatalf("retry after commit: %v %v", again.GetReservation(), err)
	}
	if got := e.atp("alm-s01", "SCARCE"); got != 3 {
		t.Fatalf("ATP %d, want 3", got)
	}
	// Other content is still refused; a committed reservation cannot be
	// released, so the message does not suggest it.
	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("o-1", "SCARCE", 3), Reserve: true})
	wantCode(t, err, codes.FailedPrecondition, "COMMITTED reservation "+first.Reservation.Id+" for different content; use a new order id")
}

func TestExpiry(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5})
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("o-1", "SCARCE", 5), Reserve: true, ReservationTtlSeconds: 60})
	if err != nil {
		t.Fatal(err)
	}
	id := resp.Reservation.Id
	e.clock.Advance(59 * time.Second)
	if got := e.atp("alm-s01", "SCARCE"); got != 0 {
		t.Fatalf("ATP %d before expiry, want 0", got)
	}
	e.clock.Advance(time.Second)
	// The lazy check expires it on the next call.
	if got := e.atp("alm-s01", "SCARCE"); got != 5 {
		t.Fatalf("ATP %d after expiry, want 5", got)
	}
	r, err := e.route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: id})
	if err != nil || r.State != pb.ReservationState_RESERVATION_STATE_EXPIRED {
		t.Fatalf("get: %v %v", r, err)
	}
	_, err = e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: id})
	wantCode(t, err, codes.FailedPrecondition, "EXPIRED")
	// The order may reserve again.
	again, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("o-1", "SCARCE", 5), Reserve: true})
	if err != nil || again.Reservation.GetState() != pb.ReservationState_RESERVATION_STATE_ACTIVE {
		t.Fatalf("reserve after expiry: %v %v", again.GetReservation(), err)
	}
}

func TestReaperExpires(t *testing.T) {
	ticks := make(chan time.Time)
	e := newEnv(t, func(c *Config) { c.reapTicks = ticks })
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5})
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("o-1", "SCARCE", 5), Reserve: true, ReservationTtlSeconds: 1})
	if err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Second)
	ticks <- time.Time{} // the reaper runs maintain once...
	ticks <- time.Time{} // ...and has finished it when it takes the next tick
	e.svc.mu.RLock()
	state := e.local().book.byID[resp.Reservation.Id].State
	e.svc.mu.RUnlock()
	if state != pb.ReservationState_RESERVATION_STATE_EXPIRED {
		t.Fatalf("state %v after reaper, want EXPIRED", state)
	}
}

func TestRouteBatchSeesEarlierOrders(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 3})
	req := &pb.RouteBatchRequest{Requests: []*pb.RouteRequest{
		{Order: oneLine("b-1", "SCARCE", 2)},                // planned, not reserved: holds 2
		{Order: oneLine("b-2", "SCARCE", 1), Reserve: true}, // takes the last one
		{Order: oneLine("b-3", "SCARCE", 1)},                // nothing left
		{Order: &pb.Order{Id: "bad"}},                       // invalid: its own error
	}}
	resp, err := e.route.RouteBatch(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	res := resp.Results
	if len(res) != 4 {
		t.Fatalf("%d results", len(res))
	}
	if u := planUnits(res[0].Response.GetPlan()); u["SCARCE"] != 2 {
		t.Errorf("b-1 planned %v", u)
	}
	if r := res[1].Response.GetReservation(); r.GetState() != pb.ReservationState_RESERVATION_STATE_ACTIVE {
		t.Errorf("b-2 reservation %v (%s)", r, res[1].Error)
	}
	if p := res[2].Response.GetPlan(); len(p.GetShipments()) != 0 || len(p.GetUnfilled()) != 1 {
		t.Errorf("b-3 should be unfilled, got %v", p)
	}
	if res[3].Code != int32(codes.InvalidArgument) || !strings.Contains(res[3].Error, "requests[3].order.") {
		t.Errorf("bad order result: %d %q", res[3].Code, res[3].Error)
	}
	// Only the reservation stays after the batch.
	if got := e.atp("alm-s01", "SCARCE"); got != 2 {
		t.Errorf("ATP after batch %d, want 2", got)
	}
}

func TestReserveNothingAvailable(t *testing.T) {
	e := newEnv(t, nil)
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("o-1", "NO-SUCH-SKU", 1), Reserve: true})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Reservation != nil || len(resp.Plan.Unfilled) != 1 || resp.Plan.Unfilled[0].Reason != pb.ExclusionReason_EXCLUSION_REASON_UNKNOWN_SKU {
		t.Fatalf("want no reservation and an unfilled line, got %v", resp)
	}
}

func wantCode(t *testing.T, err error, code codes.Code, inMsg string) {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != code || !strings.Contains(st.Message(), inMsg) {
		t.Fatalf("got %v %q, want %v mentioning %q", st.Code(), st.Message(), code, inMsg)
	}
}

func TestRouteMaxExcludedKeepsTheNearest(t *testing.T) {
	e := newEnv(t, nil)
	full, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("all"), Explain: pb.Explain_EXPLAIN_FULL})
	if err != nil {
		t.Fatal(err)
	}
	all := full.Plan.Excluded
	if len(all) < 5 || full.Plan.ExcludedTotal != int32(len(all)) {
		t.Fatalf("%d exclusions, total %d: want several, counted", len(all), full.Plan.ExcludedTotal)
	}
	capped, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("capped"), MaxExcluded: 3})
	if err != nil {
		t.Fatal(err)
	}
	got := capped.Plan.Excluded
	if len(got) != 3 || capped.Plan.ExcludedTotal != int32(len(all)) {
		t.Fatalf("%d listed of %d: want 3 of %d", len(got), capped.Plan.ExcludedTotal, len(all))
	}
	if !proto.Equal(capped.Plan.Shipments[0], full.Plan.Shipments[0]) {
		t.Errorf("the cap changed the plan: %v vs %v", capped.Plan.Shipments[0], full.Plan.Shipments[0])
	}
	// The listed ones are in the full list, and no unlisted candidate of
	// the full list is nearer than the farthest listed one.
	key := func(x *pb.Exclusion) string {
		return x.Candidate.NodeId + "/" + x.Candidate.Method.String() + "/" + x.Candidate.Partner + "/" + x.Reason.String()
	}
	inFull := map[string]bool{}
	for _, x := range all {
		inFull[key(x)] = true
	}
	listed := map[string]bool{}
	for _, x := range got {
		if !inFull[key(x)] {
			t.Errorf("%s is not among the full exclusions", key(x))
		}
		listed[key(x)] = true
	}
	dist := e.candidateDistances(t)
	farthest := 0.0
	for i, x := range got {
		d := dist[x.Candidate.NodeId]
		if i > 0 && d < dist[got[i-1].Candidate.NodeId] {
			t.Errorf("not nearest first: %s at %.3f km after %.3f km", key(x), d, dist[got[i-1].Candidate.NodeId])
		}
		farthest = max(farthest, d)
	}
	for _, x := range all {
		if !listed[key(x)] && dist[x.Candidate.NodeId] < farthest {
			t.Errorf("%s at %.3f km left out, nearer than %.3f km", key(x), dist[x.Candidate.NodeId], farthest)
		}
	}

	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("neg"), MaxExcluded: -1})
	if status.Code(err) != codes.InvalidArgument || !strings.Contains(err.Error(), "max_excluded") {
		t.Errorf("negative max_excluded: %v", err)
	}
}

// candidateDistances maps each demo node id to its distance from the demo
// order's customer, from the network the service routes over.
func (e *env) candidateDistances(t *testing.T) map[string]float64 {
	t.Helper()
	o := demoOrder("d")
	n, err := e.net.GetNetwork(ctx(t), &pb.GetNetworkRequest{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, nd := range n.Nodes {
		out[nd.Id] = geo.DistanceKm(o.Customer.Lat, o.Customer.Lon, nd.Position.Lat, nd.Position.Lon)
	}
	return out
}
