package router

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/auth"
	"github.com/omniroute/omniroute/auth/authtest"
	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/orderlog"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/stock"
)

// bigNetwork grows the demo network to n nodes: copies of the demo nodes
// scattered up to ~10 km around the originals, each with its original's
// stock.
func bigNetwork(b testing.TB, n int) (*network.Network, *stock.Table) {
	base := demoNetwork(b)
	baseStock := demoStock(b, base)
	net := base.Clone()
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]int, 0, n)
	for i := range base.Nodes {
		src = append(src, i)
	}
	for i := 0; len(net.Nodes) < n; i++ {
		j := i % len(base.Nodes)
		nd := base.Nodes[j]
		nd.ID = fmt.Sprintf("%s-g%04d", nd.ID, i)
		nd.Lat += (rng.Float64() - 0.5) * 0.18
		nd.Lon += (rng.Float64() - 0.5) * 0.24
		net.Nodes = append(net.Nodes, nd)
		src = append(src, j)
	}
	if err := net.Init(); err != nil {
		b.Fatal(err)
	}
	rows := map[int][]stock.Row{}
	for _, r := range baseStock.Snapshot() {
		rows[r.Node] = append(rows[r.Node], r)
	}
	t := stock.New(net)
	for i, j := range src {
		for _, r := range rows[j] {
			if err := t.Set(i, r.SKU, r); err != nil {
				b.Fatal(err)
			}
		}
	}
	return net, t
}

// tcpEnv serves a service on 127.0.0.1 over real TCP; dataDir may be "".
func tcpEnv(b *testing.B, net0 *network.Network, st *stock.Table, dataDir string) (*grpc.ClientConn, func()) {
	return tcpEnvWith(b, net0, st, dataDir, ServerOptions{})
}

// tcpEnvWith is tcpEnv with server options.
func tcpEnvWith(b *testing.B, net0 *network.Network, st *stock.Table, dataDir string, o ServerOptions) (*grpc.ClientConn, func()) {
	svc, err := New(Config{Network: net0, Stock: st, Clock: newFakeClock(), ReapInterval: -1, DataDir: dataDir})
	if err != nil {
		b.Fatal(err)
	}
	srv := NewServer(svc, o)
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go srv.Serve(lis)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		b.Fatal(err)
	}
	return conn, func() {
		conn.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		svc.Close()
	}
}

// measure calls fn b.N times in sequence and reports throughput and the
// 50th and 99th percentile latency.
func measure(b *testing.B, fn func() error) {
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for range b.N {
		t0 := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	total := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1e3 }
	b.ReportMetric(float64(b.N)/total.Seconds(), "calls/s")
	b.ReportMetric(pct(0.50), "p50-µs")
	b.ReportMetric(pct(0.99), "p99-µs")
}

// BenchmarkLoopback measures Route over loopback gRPC (one connection,
// one call at a time) on the demo network and on a 1,000-node network,
// beside an empty call (health Check) on the same connection.
func BenchmarkLoopback(b *testing.B) {
	nets := []struct {
		name  string
		build func() (*network.Network, *stock.Table)
	}{
		{"demo", func() (*network.Network, *stock.Table) { n := demoNetwork(b); return n, demoStock(b, n) }},
		{"nodes=1000", func() (*network.Network, *stock.Table) { return bigNetwork(b, 1000) }},
	}
	for _, nc := range nets {
		n, st := nc.build()
		conn, stop := tcpEnv(b, n, st, "")
		rc := pb.NewRoutingServiceClient(conn)
		hc := healthpb.NewHealthClient(conn)
		ctx := context.Background()
		b.Run(fmt.Sprintf("network=%s/empty-call", nc.name), func(b *testing.B) {
			measure(b, func() error {
				_, err := hc.Check(ctx, &healthpb.HealthCheckRequest{})
				return err
			})
		})
		b.Run(fmt.Sprintf("network=%s/route", nc.name), func(b *testing.B) {
			req := &pb.RouteRequest{Order: demoOrder("bench")}
			var cands int32
			measure(b, func() error {
				resp, err := rc.Route(ctx, req)
				if err == nil {
					cands = resp.Plan.Stats.GetCandidates()
					if len(resp.Plan.Shipments) == 0 {
						return fmt.Errorf("empty plan: %v", resp.Plan)
					}
				}
				return err
			})
			b.ReportMetric(float64(cands), "candidates")
		})
		b.Run(fmt.Sprintf("network=%s/route-parallel", nc.name), func(b *testing.B) {
			req := &pb.RouteRequest{Order: demoOrder("bench")}
			b.ReportAllocs()
			b.SetParallelism(4)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := rc.Route(ctx, req); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
		})
		stop()
	}
}

// BenchmarkRouteVsEmpty measures the targets of a Route's latency: its
// p50 as a multiple of an empty call's (health Check) on the same
// connection, over loopback TCP, on the demo network and on 1,000 nodes,
// with the server's default stream workers and without any (a fresh
// goroutine per call). Each iteration makes one call of each, one after
// the other, so that both see the same machine: on a shared machine the
// ratio (p50-ratio) holds where two separate runs' p50s would not.
func BenchmarkRouteVsEmpty(b *testing.B) {
	nets := []struct {
		name  string
		build func() (*network.Network, *stock.Table)
	}{
		{"demo", func() (*network.Network, *stock.Table) { n := demoNetwork(b); return n, demoStock(b, n) }},
		{"nodes=1000", func() (*network.Network, *stock.Table) { return bigNetwork(b, 1000) }},
	}
	workers := []struct {
		name string
		n    int
	}{{"default", 0}, {"none", -1}}
	for _, nc := range nets {
		n, st := nc.build()
		for _, w := range workers {
			conn, stop := tcpEnvWith(b, n, st, "", ServerOptions{StreamWorkers: w.n})
			rc := pb.NewRoutingServiceClient(conn)
			hc := healthpb.NewHealthClient(conn)
			ctx := context.Background()
			req := &pb.RouteRequest{Order: demoOrder("bench")}
			b.Run(fmt.Sprintf("network=%s/workers=%s", nc.name, w.name), func(b *testing.B) {
				routeLat := make([]time.Duration, 0, b.N)
				emptyLat := make([]time.Duration, 0, b.N)
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					t0 := time.Now()
					if _, err := hc.Check(ctx, &healthpb.HealthCheckRequest{}); err != nil {
						b.Fatal(err)
					}
					t1 := time.Now()
					resp, err := rc.Route(ctx, req)
					if err != nil || len(resp.Plan.Shipments) == 0 {
						b.Fatalf("route: %v %v", resp.GetPlan(), err)
					}
					emptyLat = append(emptyLat, t1.Sub(t0))
					routeLat = append(routeLat, time.Since(t1))
				}
				b.StopTimer()
				pct := func(lat []time.Duration, p float64) float64 {
					slices.Sort(lat)
					return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1e3
				}
				r50, e50 := pct(routeLat, 0.50), pct(emptyLat, 0.50)
				b.ReportMetric(r50, "route-p50-µs")
				b.ReportMetric(e50, "empty-p50-µs")
				b.ReportMetric(r50/e50, "p50-ratio")
			})
			stop()
		}
	}
}

// BenchmarkReserveLoopback measures a reserving Route over loopback gRPC,
// in memory and with a data directory (one fsynced bbolt transaction per
// reservation).
func BenchmarkReserveLoopback(b *testing.B) {
	for _, durable := range []bool{false, true} {
		b.Run(fmt.Sprintf("durable=%v", durable), func(b *testing.B) {
			// No daily pick limit, so that b.N reservations fit.
			n := demoNetwork(b).Clone()
			for i := range n.Nodes {
				n.Nodes[i].CapacityPerDay = 0
			}
			if err := n.Init(); err != nil {
				b.Fatal(err)
			}
			dir := ""
			if durable {
				dir = b.TempDir()
			}
			conn, stop := tcpEnv(b, n, demoStock(b, n), dir)
			defer stop()
			ctx := context.Background()
			_, err := pb.NewInventoryServiceClient(conn).UpdateStock(ctx, &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
				{NodeId: "alm-s16", Sku: "BENCH", Seq: 1, Change: &pb.StockUpdate_OnHand{OnHand: 1_000_000}},
			}})
			if err != nil {
				b.Fatal(err)
			}
			rc := pb.NewRoutingServiceClient(conn)
			i := 0
			b.Run("parallel=16", func(b *testing.B) {
				var seq atomic.Int64
				b.ReportAllocs()
				b.SetParallelism(8) // x GOMAXPROCS=2
				start := time.Now()
				b.RunParallel(func(p *testing.PB) {
					for p.Next() {
						o := demoOrder(fmt.Sprintf("par-%d", seq.Add(1)))
						o.Lines = []*pb.OrderLine{{Sku: "BENCH", Quantity: 1, UnitWeightKg: 0.2}}
						if _, err := rc.Route(ctx, &pb.RouteRequest{Order: o, Reserve: true}); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "calls/s")
			})
			b.Run("sequential", func(b *testing.B) {
				measure(b, func() error {
					i++
					o := demoOrder(fmt.Sprintf("bench-%d", i))
					o.Lines = []*pb.OrderLine{{Sku: "BENCH", Quantity: 1, UnitWeightKg: 0.2}}
					resp, err := rc.Route(ctx, &pb.RouteRequest{Order: o, Reserve: true})
					if err == nil && resp.Reservation == nil {
						return fmt.Errorf("no reservation: %v", resp.Plan)
					}
					return err
				})
			})
		})
	}
}

// BenchmarkServiceRoute measures the server's own work for one Route
// (validate, build, solve, convert) without gRPC, and the process CPU
// time it takes (cpu-µs/op: steadier than wall time on a shared machine).
func BenchmarkServiceRoute(b *testing.B) {
	for _, size := range []int{46, 1000} {
		b.Run(fmt.Sprintf("nodes=%d", size), func(b *testing.B) {
			var n *network.Network
			var st *stock.Table
			if size == 46 {
				n = demoNetwork(b)
				st = demoStock(b, n)
			} else {
				n, st = bigNetwork(b, size)
			}
			svc, err := New(Config{Network: n, Stock: st, Clock: newFakeClock(), ReapInterval: -1})
			if err != nil {
				b.Fatal(err)
			}
			defer svc.Close()
			req := &pb.RouteRequest{Order: demoOrder("bench")}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				if _, err := svc.Route(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu0)
		})
	}
}

// BenchmarkServiceRouteOrderLog is BenchmarkServiceRoute on the demo
// network with a new order id each call, without and with the order log
// (Config.OrderLog): what recording each order costs a route, the
// background writer's CPU included in cpu-µs/op; dropped/op counts the
// orders the writer could not keep up with.
func BenchmarkServiceRouteOrderLog(b *testing.B) {
	for _, logged := range []bool{false, true} {
		b.Run(fmt.Sprintf("log=%v", logged), func(b *testing.B) {
			n := demoNetwork(b)
			cfg := Config{Network: n, Stock: demoStock(b, n), Clock: newFakeClock(), ReapInterval: -1}
			var olog *orderlog.Log
			if logged {
				var err error
				if olog, err = orderlog.Open(b.TempDir(), orderlog.Options{}); err != nil {
					b.Fatal(err)
				}
				cfg.OrderLog = olog
			}
			svc, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			defer svc.Close()
			ids := make([]string, b.N)
			for i := range ids {
				ids[i] = fmt.Sprintf("bench-%d", i)
			}
			req := &pb.RouteRequest{Order: demoOrder("bench")}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := range b.N {
				req.Order.Id = ids[i]
				if _, err := svc.Route(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			if olog != nil {
				if err := olog.Close(); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(testutil.ToFloat64(olog.Count(orderlog.ResultDropped))/float64(b.N), "dropped/op")
			}
			reportCPU(b, cpu0)
		})
	}
}

// BenchmarkLoopbackSecure measures Route on the demo network over
// loopback TCP (one connection, one call at a time) through the security
// chain: authentication off (the demo), a bearer token with a rate limit,
// TLS with a token, and mutual TLS with the client named by its
// certificate.
func BenchmarkLoopbackSecure(b *testing.B) {
	dir := b.TempDir()
	ca := authtest.NewCA(b, "bench CA")
	certFile, keyFile := ca.Server(b).Write(b, dir, "server")
	serverTLS, err := auth.LoadServerTLS(certFile, keyFile, "")
	if err != nil {
		b.Fatal(err)
	}
	mutualTLS, err := auth.LoadServerTLS(certFile, keyFile, ca.WriteCA(b, dir, "ca.crt"))
	if err != nil {
		b.Fatal(err)
	}
	a, tk := testAuth(b, "")
	limits := map[string]auth.Limit{auth.AnyClient: {PerSecond: 1e9, Burst: 1e9}}
	clientTLS := func(certs ...tls.Certificate) *tls.Config {
		return &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", Certificates: certs, MinVersion: tls.VersionTLS12}
	}
	for _, mode := range []struct {
		name   string
		server ServerOptions
		token  string
		client *tls.Config
	}{
		{"none", ServerOptions{}, "", nil},
		{"token", ServerOptions{Auth: a, RateLimits: limits}, tk.route, nil},
		{"tls+token", ServerOptions{Auth: a, RateLimits: limits, TLS: serverTLS.Config("h2")}, tk.route, clientTLS()},
		{"mtls", ServerOptions{Auth: a, RateLimits: limits, TLS: mutualTLS.Config("h2")}, "", clientTLS(ca.Client(b, "checkout-prod").TLS(b))},
	} {
		b.Run("security="+mode.name, func(b *testing.B) {
			e := newSecureEnv(b, mode.server)
			rc := pb.NewRoutingServiceClient(e.dial(b, mode.token, mode.client))
			req := &pb.RouteRequest{Order: demoOrder("bench")}
			ctx := context.Background()
			measure(b, func() error {
				resp, err := rc.Route(ctx, req)
				if err == nil && len(resp.Plan.Shipments) == 0 {
					return fmt.Errorf("empty plan: %v", resp.Plan)
				}
				return err
			})
		})
	}
}

// BenchmarkGuard measures the security chain alone, in process: the five
// interceptors around an empty handler for a reading Route call, with
// authentication off, with a bearer token, and with a token and a rate
// limit. It is what the chain adds to every call, without the network's
// noise.
func BenchmarkGuard(b *testing.B) {
	a, tk := testAuth(b, "")
	limits := map[string]auth.Limit{auth.AnyClient: {PerSecond: 1e9, Burst: 1e9}}
	info := &grpc.UnaryServerInfo{FullMethod: pb.RoutingService_Route_FullMethodName}
	req := &pb.RouteRequest{Order: demoOrder("bench")}
	for _, mode := range []struct {
		name   string
		auth   *auth.Authenticator
		limits map[string]auth.Limit
		token  string
	}{
		{"auth=off", nil, nil, ""},
		{"auth=token", a, nil, tk.route},
		{"auth=token+rate-limit", a, limits, tk.route},
	} {
		b.Run(mode.name, func(b *testing.B) {
			g := &guard{audit: slog.New(slog.DiscardHandler), clock: systemClock{}, m: NewMetrics(),
				maxCall: DefaultMaxCallDuration, maxStream: DefaultMaxStreamDuration}
			g.access.Store(newAccess(mode.auth, mode.limits))
			chain := []grpc.UnaryServerInterceptor{g.authenticateUnary, g.auditUnary, g.authorizeUnary, g.rateLimitUnary, g.deadlineUnary}
			var call func(i int, ctx context.Context, req any) (any, error)
			call = func(i int, ctx context.Context, req any) (any, error) {
				if i == len(chain) {
					if auth.FromContext(ctx) == nil {
						return nil, errors.New("no principal")
					}
					return req, nil
				}
				return chain[i](ctx, req, info, func(ctx context.Context, req any) (any, error) { return call(i+1, ctx, req) })
			}
			ctx := peer.NewContext(context.Background(), &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 40000}})
			if mode.token != "" {
				ctx = metadata.NewIncomingContext(ctx, metadata.Pairs("authorization", "Bearer "+mode.token))
			}
			if _, err := call(0, ctx, req); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := call(0, ctx, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// checkoutCart is the demo cart as a checkout asks about it: any method.
func checkoutCart(id string) *pb.Order {
	o := demoOrder(id)
	o.Preference = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_ANY
	return o
}

// BenchmarkServiceCheckout measures the server's own work for an Options
// call beside a Route of the same cart (any method), without gRPC, on the
// demo network and on 1,000 nodes; cpu-µs/op is the process's CPU time per
// call (garbage collection included).
func BenchmarkServiceCheckout(b *testing.B) {
	for _, size := range []int{46, 1000} {
		var n *network.Network
		var st *stock.Table
		if size == 46 {
			n = demoNetwork(b)
			st = demoStock(b, n)
		} else {
			n, st = bigNetwork(b, size)
		}
		svc, err := New(Config{Network: n, Stock: st, Clock: newFakeClock(), ReapInterval: -1})
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		b.Run(fmt.Sprintf("nodes=%d/call=route", size), func(b *testing.B) {
			req := &pb.RouteRequest{Order: checkoutCart("bench")}
			resp, err := svc.Route(ctx, req)
			if err != nil || len(resp.Plan.Shipments) == 0 {
				b.Fatalf("route: %v %v", resp, err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				if _, err := svc.Route(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu0)
		})
		b.Run(fmt.Sprintf("nodes=%d/call=options", size), func(b *testing.B) {
			req := &pb.OptionsRequest{Order: checkoutCart("")}
			resp, err := svc.Options(ctx, req)
			if err != nil || availableOffers(resp) < 4 {
				b.Fatalf("options: %v %v", resp, err)
			}
			b.ReportMetric(float64(availableOffers(resp)), "offers")
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := cpuTime()
			for range b.N {
				if _, err := svc.Options(ctx, req); err != nil {
					b.Fatal(err)
				}
			}
			reportCPU(b, cpu0)
		})
		svc.Close()
	}
}

// cpuTime is the CPU time (user + system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports the CPU time per operation since cpu0: on a shared
// machine wall time depends on the neighbours, CPU time much less.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/1e3/float64(b.N), "cpu-µs/op")
}

func availableOffers(r *pb.OptionsResponse) int {
	n := 0
	for _, o := range r.GetOffers() {
		if o.Available {
			n++
		}
	}
	return n
}

// BenchmarkCheckoutLoopback measures Options beside Route of the same cart
// (any method) over loopback gRPC on one connection, on the demo network
// and on 1,000 nodes. Each iteration makes one call of each, one after the
// other, so that both see the same machine: on a shared machine their
// latencies compare, where two separate runs would not. It reports the
// p50 and p99 of each and the ratio of the p50s.
func BenchmarkCheckoutLoopback(b *testing.B) {
	nets := []struct {
		name  string
		build func() (*network.Network, *stock.Table)
	}{
		{"demo", func() (*network.Network, *stock.Table) { n := demoNetwork(b); return n, demoStock(b, n) }},
		{"nodes=1000", func() (*network.Network, *stock.Table) { return bigNetwork(b, 1000) }},
	}
	for _, nc := range nets {
		n, st := nc.build()
		conn, stop := tcpEnv(b, n, st, "")
		rc := pb.NewRoutingServiceClient(conn)
		ctx := context.Background()
		route := &pb.RouteRequest{Order: checkoutCart("bench")}
		options := &pb.OptionsRequest{Order: checkoutCart("")}
		b.Run("network="+nc.name, func(b *testing.B) {
			routeLat := make([]time.Duration, 0, b.N)
			optionsLat := make([]time.Duration, 0, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				t0 := time.Now()
				resp, err := rc.Route(ctx, route)
				if err != nil || len(resp.Plan.Shipments) == 0 {
					b.Fatalf("route: %v %v", resp.GetPlan(), err)
				}
				t1 := time.Now()
				offers, err := rc.Options(ctx, options)
				if err != nil || availableOffers(offers) < 4 {
					b.Fatalf("options: %v %v", offers, err)
				}
				routeLat = append(routeLat, t1.Sub(t0))
				optionsLat = append(optionsLat, time.Since(t1))
			}
			b.StopTimer()
			pct := func(lat []time.Duration, p float64) float64 {
				slices.Sort(lat)
				return float64(lat[int(p*float64(len(lat)-1))].Nanoseconds()) / 1e3
			}
			r50, o50 := pct(routeLat, 0.50), pct(optionsLat, 0.50)
			b.ReportMetric(r50, "route-p50-µs")
			b.ReportMetric(o50, "options-p50-µs")
			b.ReportMetric(pct(routeLat, 0.99), "route-p99-µs")
			b.ReportMetric(pct(optionsLat, 0.99), "options-p99-µs")
			b.ReportMetric(o50/r50, "p50-ratio")
		})
		stop()
	}
}

// TestWriteBigNetwork writes the 1,000-node network of the benchmarks
// (bigNetwork) and its stock as network.yaml and stock.csv into the
// directory OMNIROUTE_BIG_DIR, for a server that ghz loads; it is skipped
// when that is not set.
func TestWriteBigNetwork(t *testing.T) {
	dir := os.Getenv("OMNIROUTE_BIG_DIR")
	if dir == "" {
		t.Skip("OMNIROUTE_BIG_DIR not set")
	}
	n, st := bigNetwork(t, 1000)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	var nb, sb bytes.Buffer
	require.NoError(t, n.WriteYAML(&nb))
	require.NoError(t, st.WriteCSV(&sb))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "network.yaml"), nb.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stock.csv"), sb.Bytes(), 0o644))
}

// TestServeForGhz serves the demo network (or, with OMNIROUTE_GHZ_NODES
// set, the benchmarks' bigNetwork of that many nodes) at
// OMNIROUTE_GHZ_ADDR for OMNIROUTE_GHZ_SECONDS (60), with reflection, for
// ghz to measure; it is skipped when the address is not set. With
// OMNIROUTE_GHZ_REPLAY set, every Route after the first answers the first
// one's answer without routing: the same bytes on the wire as a real
// Route, but no server work beyond receiving and sending them. The ratio
// ghz measures against it is the least any server could reach for that
// answer, on that machine.
func TestServeForGhz(t *testing.T) {
	addr := os.Getenv("OMNIROUTE_GHZ_ADDR")
	if addr == "" {
		t.Skip("OMNIROUTE_GHZ_ADDR not set")
	}
	n := demoNetwork(t)
	st := demoStock(t, n)
	if v := os.Getenv("OMNIROUTE_GHZ_NODES"); v != "" {
		nodes, err := strconv.Atoi(v)
		require.NoError(t, err, "OMNIROUTE_GHZ_NODES")
		n, st = bigNetwork(t, nodes)
	}
	seconds := 60
	if v := os.Getenv("OMNIROUTE_GHZ_SECONDS"); v != "" {
		var err error
		seconds, err = strconv.Atoi(v)
		require.NoError(t, err, "OMNIROUTE_GHZ_SECONDS")
	}
	var extra []grpc.ServerOption
	if os.Getenv("OMNIROUTE_GHZ_REPLAY") != "" {
		var mu sync.Mutex
		var first any
		replay := func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if info.FullMethod != pb.RoutingService_Route_FullMethodName {
				return h(ctx, req)
			}
			mu.Lock()
			defer mu.Unlock()
			if first != nil {
				return first, nil
			}
			resp, err := h(ctx, req)
			if err == nil {
				first = resp
			}
			return resp, err
		}
		extra = append(extra, grpc.ChainUnaryInterceptor(replay))
	}
	// On the wall clock, as omniroute serve routes, so that the answers
	// match that server's.
	svc, err := New(Config{Network: n, Stock: st, ReapInterval: -1})
	require.NoError(t, err)
	srv := NewServer(svc, ServerOptions{Reflection: true, Extra: extra})
	lis, err := net.Listen("tcp", addr)
	require.NoError(t, err)
	go srv.Serve(lis)
	time.Sleep(time.Duration(seconds) * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(ctx)
	svc.Close()
}

// BenchmarkUpdateStock applies batches of 1,000 deltas, each to a row of
// its own of the 1,000-node network (a till's sale of one unit, then the
// unit back on the next batch), on the memory ledger with the order log
// recording their receipts: what a POS feed costs the server a batch.
func BenchmarkUpdateStock(b *testing.B) {
	net, st := bigNetwork(b, 1000)
	olog, err := orderlog.Open(b.TempDir(), orderlog.Options{})
	if err != nil {
		b.Fatal(err)
	}
	svc, err := New(Config{Network: net, Stock: st, Clock: newFakeClock(), ReapInterval: -1, OrderLog: olog})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	ups := make([]*pb.StockUpdate, 0, 1000)
	for _, r := range st.Snapshot() {
		if r.OnHand > 0 && len(ups) < cap(ups) {
			ups = append(ups, &pb.StockUpdate{NodeId: net.Nodes[r.Node].ID, Sku: r.SKU})
		}
	}
	if len(ups) < cap(ups) {
		b.Fatalf("%d rows, want %d", len(ups), cap(ups))
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := range b.N {
		d := int32(-1)
		if i%2 == 1 {
			d = 1
		}
		for _, u := range ups {
			u.Seq = uint64(i + 1)
			u.Change = &pb.StockUpdate_Delta{Delta: d}
		}
		res, err := svc.UpdateStock(ctx, "updates", 0, ups)
		if err != nil {
			b.Fatal(err)
		}
		if res.Applied != int64(len(ups)) {
			b.Fatalf("applied %d of %d", res.Applied, len(ups))
		}
	}
	b.StopTimer()
	reportCPU(b, cpu0)
	if err := olog.Close(); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPlanNow makes the look-ahead planner's background plan of a
// server over the demo network grown to 1,000 nodes, each SKU it stocks
// asked for in every region of the network: one plan after another, as
// the schedule makes them, each from the last one's basis.
func BenchmarkPlanNow(b *testing.B) {
	n, st := bigNetwork(b, 1000)
	regions := forecast.NewRegions(n)
	skus := map[string]bool{}
	for _, r := range st.Snapshot() {
		skus[r.SKU] = true
	}
	demand := &forecast.Demand{}
	for _, sku := range slices.Sorted(maps.Keys(skus)) {
		for _, region := range regions.Names() {
			demand.Cells = append(demand.Cells, forecast.Cell{Region: region, SKU: sku, Method: forecast.Parcel,
				UnitsPerDay: 40, UnitsPerOrder: 1, LostSaleCost: 30})
		}
	}
	clock := newFakeClock()
	svc, err := New(Config{Network: n, Stock: st, Clock: clock, ReapInterval: -1,
		Policy: policy.Lookahead, Planning: &PlanningConfig{Demand: demand, ticks: make(chan time.Time)}})
	if err != nil {
		b.Fatal(err)
	}
	defer svc.Close()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		clock.Advance(15 * time.Minute)
		if err := svc.planner.planNow(ctx); err != nil {
			b.Fatal(err)
		}
	}
	if _, _, ok := svc.planner.board.Get(); !ok {
		b.Fatal("no prices")
	}
}
