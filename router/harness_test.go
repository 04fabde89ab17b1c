package router

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/stock"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// env is a service behind a real gRPC server on an in-memory listener.
type env struct {
	t       testing.TB
	svc     *Service
	srv     *Server
	conn    *grpc.ClientConn
	clock   *fakeClock
	route   pb.RoutingServiceClient
	inv     pb.InventoryServiceClient
	net     pb.NetworkServiceClient
	health  healthpb.HealthClient
	lis     *bufconn.Listener
	stopped bool
}

func demoNetwork(t testing.TB) *network.Network {
	t.Helper()
	n, err := network.Demo()
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func demoStock(t testing.TB, n *network.Network) *stock.Table {
	t.Helper()
	tb, err := stock.ReadCSV(bytes.NewReader(network.DemoStock()), network.DemoStockFile, n)
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// newEnv starts a service on the demo network and stock; edit adjusts the
// config first.
func newEnv(t testing.TB, edit func(*Config)) *env {
	t.Helper()
	return newEnvWith(t, edit, ServerOptions{})
}

// newEnvWith is newEnv with the gRPC server's options.
func newEnvWith(t testing.TB, edit func(*Config), sopts ServerOptions) *env {
	t.Helper()
	n := demoNetwork(t)
	clock := newFakeClock()
	cfg := Config{
		Network: n, NetworkSource: "demo", Stock: demoStock(t, n),
		Clock: clock, ReapInterval: -1,
	}
	if edit != nil {
		edit(&cfg)
	}
	svc, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, svc: svc, clock: clock}
	e.serveWith(sopts)
	t.Cleanup(e.stop)
	return e
}

func (e *env) serveWith(sopts ServerOptions) {
	e.lis = bufconn.Listen(1 << 20)
	// Reflection is on, and calls get a minute, not the default 5 s:
	// contention tests under the race detector on a busy machine take
	// longer, and must not be cut.
	sopts.Reflection = true
	if sopts.MaxCallDuration == 0 {
		sopts.MaxCallDuration = time.Minute
	}
	e.srv = NewServer(e.svc, sopts)
	go e.srv.Serve(e.lis)
	conn, err := grpc.NewClient("passthrough:///bufnet",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return e.lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		e.t.Fatal(err)
	}
	e.conn = conn
	e.route = pb.NewRoutingServiceClient(conn)
	e.inv = pb.NewInventoryServiceClient(conn)
	e.net = pb.NewNetworkServiceClient(conn)
	e.health = healthpb.NewHealthClient(conn)
}

func (e *env) stop() {
	if e.stopped {
		return
	}
	e.stopped = true
	e.conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	e.srv.Shutdown(ctx)
	if err := e.svc.Close(); err != nil {
		e.t.Error(err)
	}
}

// local is the service's local ledger (memory or data directory).
func (e *env) local() *localLedger { return e.svc.led.(*localLedger) }

// demoOrder is the README's order: central Almaty, delivered, split allowed.
func demoOrder(id string) *pb.Order {
	created := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	return &pb.Order{
		Id:        id,
		CreatedAt: timestamppb.New(created),
		Customer:  &pb.LatLng{Lat: 43.2389, Lon: 76.8897},
		Lines: []*pb.OrderLine{
			{Sku: "MILK-1L", Quantity: 2, UnitWeightKg: 1.03},
			{Sku: "BREAD-WHITE", Quantity: 1, UnitWeightKg: 0.5},
			{Sku: "PHONE-X12", Quantity: 1, UnitWeightKg: 0.4},
		},
		Preference: pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_DELIVERY,
		PromiseBy:  timestamppb.New(created.Add(24 * time.Hour)),
		AllowSplit: true,
	}
}

// oneLine is an order of qty units of one SKU to central Almaty.
func oneLine(id, sku string, qty int32) *pb.Order {
	o := demoOrder(id)
	o.Lines = []*pb.OrderLine{{Sku: sku, Quantity: qty, UnitWeightKg: 0.2}}
	return o
}

func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}
