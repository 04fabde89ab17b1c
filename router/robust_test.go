package router

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
)

// failingStore refuses every change, as a full or broken disk would.
type failingStore struct{ memStore }

func (failingStore) Save(c *changes) error {
	if c.empty() {
		return nil
	}
	return errors.New("disk full")
}

// TestStoreFailureStopsService: once a change cannot be made durable the
// service refuses every call (fail-stop) and health says NOT_SERVING; a
// restart on the data directory finds exactly what was acknowledged.
func TestStoreFailureStopsService(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, func(c *Config) { c.DataDir = dir })
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5})
	held, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("ok", "SCARCE", 1), Reserve: true})
	if err != nil {
		t.Fatal(err)
	}
	// The disk goes away under the service.
	bs := e.local().st.(*boltStore)
	if err := bs.db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("o-1", "SCARCE", 2), Reserve: true})
	wantCode(t, err, codes.Unavailable, "could not be saved")
	for name, call := range map[string]func() error{
		"route": func() error {
			_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("x")})
			return err
		},
		"update": func() error {
			_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{onHand("alm-s01", "SCARCE", 2, 50)}})
			return err
		},
		"commit": func() error {
			_, err := e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: held.Reservation.Id})
			return err
		},
		"availability": func() error {
			_, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"SCARCE"}})
			return err
		},
	} {
		if err := call(); status.Code(err) != codes.Unavailable {
			t.Errorf("%s after store failure: %v, want Unavailable", name, err)
		}
	}
	h, err := e.health.Check(ctx(t), &healthpb.HealthCheckRequest{})
	if err != nil || h.Status != healthpb.HealthCheckResponse_NOT_SERVING {
		t.Errorf("health after store failure: %v %v", h, err)
	}
	e.stop()

	e2 := newEnv(t, func(c *Config) { c.DataDir = dir })
	av, err := e2.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"SCARCE"}, NodeIds: []string{"alm-s01"}})
	if err != nil {
		t.Fatal(err)
	}
	if a := av.Availability[0]; a.OnHand != 5 || a.Reserved != 1 {
		t.Fatalf("after restart %v, want on hand 5 with the 1 acknowledged unit reserved", a)
	}
}

// TestMemoryStoreFailure: the same fail-stop without a writer goroutine.
func TestMemoryStoreFailure(t *testing.T) {
	e := newEnv(t, nil)
	e.local().c.mu.Lock()
	e.local().c.st = failingStore{}
	e.local().c.mu.Unlock()
	_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{onHand("alm-s01", "SCARCE", 2, 50)}})
	wantCode(t, err, codes.Unavailable, "disk full")
	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("x")})
	wantCode(t, err, codes.Unavailable, "restart the service")
}

func TestRetentionPrunes(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.ReservationRetention = time.Hour })
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5})
	req := &pb.RouteRequest{Order: oneLine("p-1", "SCARCE", 1), Reserve: true}
	first, err := e.route.Route(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: first.Reservation.Id}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(59 * time.Minute)
	if again, err := e.route.Route(ctx(t), req); err != nil || again.Reservation.Id != first.Reservation.Id {
		t.Fatalf("within retention: %v %v", again.GetReservation(), err)
	}
	e.clock.Advance(time.Minute)
	_, err = e.route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: first.Reservation.Id})
	wantCode(t, err, codes.NotFound, "reservation_id")
	again, err := e.route.Route(ctx(t), req)
	if err != nil || again.Reservation.GetId() == first.Reservation.Id {
		t.Fatalf("after retention the id reserves again: %v %v", again.GetReservation(), err)
	}
}

func TestCapacityGivenBack(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5})
	node, _ := e.svc.Network().NodeIndex("alm-s01")
	used := func() int32 {
		e.svc.mu.RLock()
		defer e.svc.mu.RUnlock()
		return e.svc.inv.table.Used(node)
	}
	u0 := used()
	r, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("c-1", "SCARCE", 3), Reserve: true})
	if err != nil {
		t.Fatal(err)
	}
	if used() != u0+3 {
		t.Fatalf("capacity used %d, want %d", used(), u0+3)
	}
	if _, err := e.route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: r.Reservation.Id}); err != nil {
		t.Fatal(err)
	}
	if used() != u0 {
		t.Fatalf("capacity used %d after release, want %d", used(), u0)
	}
	// A new local day starts with full capacity.
	r, _ = e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("c-2", "SCARCE", 2), Reserve: true})
	if _, err := e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: r.Reservation.Id}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(24 * time.Hour)
	e.atp("alm-s01", "SCARCE") // any call starts the new day
	if used() != 0 {
		t.Fatalf("capacity used %d on a new day", used())
	}
}

func TestRecoveryTurnsPanicIntoInternal(t *testing.T) {
	e := newEnv(t, nil)
	info := &grpc.UnaryServerInfo{FullMethod: "/omniroute.v1.RoutingService/Route"}
	_, err := e.srv.recoverUnary(context.Background(), nil, info, func(context.Context, any) (any, error) {
		var order *pb.Order
		return order.Lines[0], nil // nil dereference: panics
	})
	if status.Code(err) != codes.Internal {
		t.Fatalf("got %v, want Internal", err)
	}
	err = e.srv.recoverStream(nil, nil, &grpc.StreamServerInfo{FullMethod: "/x"}, func(any, grpc.ServerStream) error { panic("stream boom") })
	if status.Code(err) != codes.Internal {
		t.Fatalf("stream: got %v, want Internal", err)
	}
	// The server still answers.
	if _, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("after-panic")}); err != nil {
		t.Fatal(err)
	}
}

// TestShutdownDrains: Shutdown waits for a call in flight, which then
// completes; calls after Shutdown started are refused.
func TestShutdownDrains(t *testing.T) {
	e := newEnv(t, nil)
	stream, err := e.inv.StreamStock(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(onHand("alm-s01", "DRAIN", 1, 3)); err != nil {
		t.Fatal(err)
	}
	// Make sure the server has the stream before shutting down.
	if _, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("before")}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		e.srv.Shutdown(context.Background())
		close(done)
	}()
	for {
		r, _ := e.srv.health.Check(context.Background(), &healthpb.HealthCheckRequest{})
		if r.GetStatus() == healthpb.HealthCheckResponse_NOT_SERVING {
			break
		}
		select {
		case <-done:
			t.Fatal("Shutdown returned with a call in flight")
		default:
		}
		runtime.Gosched()
	}
	select {
	case <-done:
		t.Fatal("Shutdown returned with a call in flight")
	default:
	}
	resp, err := stream.CloseAndRecv()
	if err != nil || resp.Applied != 1 {
		t.Fatalf("in-flight stream: %v %v", resp, err)
	}
	<-done
	e.stopped = true
	e.conn.Close()
	if err := e.svc.Close(); err != nil {
		t.Fatal(err)
	}
	// The update made it.
	e.svc.mu.RLock()
	defer e.svc.mu.RUnlock()
	node, _ := e.svc.Network().NodeIndex("alm-s01")
	if e.svc.inv.table.ATP(node, "DRAIN") != 3 {
		t.Fatal("drained update lost")
	}
}

// TestShutdownDeadlineCuts: past its deadline Shutdown cuts calls in flight.
func TestShutdownDeadlineCuts(t *testing.T) {
	e := newEnv(t, nil)
	stream, err := e.inv.StreamStock(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(onHand("alm-s01", "CUT", 1, 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("before")}); err != nil {
		t.Fatal(err)
	}
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	e.srv.Shutdown(expired) // returns: the stream is cut
	if _, err := stream.CloseAndRecv(); err == nil {
		t.Fatal("a cut stream answered")
	}
}

// TestRouteDuringReload: routes and reserves while the network is
// reloaded again and again; -race checks the snapshot handling.
func TestRouteDuringReload(t *testing.T) {
	base := demoNetwork(t)
	e := newEnv(t, func(c *Config) {
		c.LoadNetwork = func(context.Context) (*network.Network, string, error) {
			n := base.Clone()
			return n, "clone", n.Init()
		}
	})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 16)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder(fmt.Sprintf("rr-%d-%d", g, i)), Reserve: i%2 == 0})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 20 {
		if _, err := e.net.ReloadNetwork(ctx(t), &pb.ReloadNetworkRequest{}); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Reserved units still add up: reserved equals what ACTIVE reservations hold.
	e.svc.mu.RLock()
	defer e.svc.mu.RUnlock()
	held := map[string]int32{}
	for _, r := range e.local().book.byID {
		if r.State == pb.ReservationState_RESERVATION_STATE_ACTIVE {
			for _, it := range r.Items {
				held[it.NodeID+"/"+it.SKU] += it.Quantity
			}
		}
	}
	for _, row := range e.svc.inv.table.Snapshot() {
		if row.Reserved != held[row.NodeID+"/"+row.SKU] {
			t.Errorf("%s/%s reserved %d, reservations hold %d", row.NodeID, row.SKU, row.Reserved, held[row.NodeID+"/"+row.SKU])
		}
	}
}
