package router

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/auth"
	"github.com/omniroute/omniroute/auth/authtest"
)

// tokens of the test clients, one per role and one with two roles.
type tokens struct {
	route, inventory, admin, both string
}

// testAuth writes an auth file with a client per role (checkout: route,
// wms: inventory, ops: admin, store-app: route and inventory), pos-feed
// and edge by certificate, and returns it parsed with the tokens.
func testAuth(t testing.TB, extra string) (*auth.Authenticator, tokens) {
	t.Helper()
	var tk tokens
	var sums [4]string
	tk.route, sums[0] = authtest.Token(t)
	tk.inventory, sums[1] = authtest.Token(t)
	tk.admin, sums[2] = authtest.Token(t)
	tk.both, sums[3] = authtest.Token(t)
	file := fmt.Sprintf(`clients:
  - name: checkout
    token_sha256: %s
    cert_cn: checkout-prod
    roles: [route]
  - name: wms
    token_sha256: %s
    roles: [inventory]
  - name: ops
    token_sha256: %s
    roles: [admin]
  - name: store-app
    token_sha256: %s
    roles: [route, inventory]
%s`, sums[0], sums[1], sums[2], sums[3], extra)
	a, err := auth.Parse([]byte(file), "auth.yaml")
	require.NoError(t, err)
	return a, tk
}

// secureEnv is a service behind a real gRPC server on 127.0.0.1 over TCP.
type secureEnv struct {
	svc   *Service
	srv   *Server
	addr  string
	clock *fakeClock
	audit *syncBuffer
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines returns the JSON log lines whose msg is msg.
func (s *syncBuffer) lines(t testing.TB, msg string) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), l)
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// newSecureEnv serves the demo network and stock with o; the audit log
// is captured as JSON and the rate limiter runs on the env's fake clock.
func newSecureEnv(t testing.TB, o ServerOptions) *secureEnv {
	t.Helper()
	return newSecureEnvWith(t, o, nil)
}

// newSecureEnvWith is newSecureEnv that lets register add services to the
// gRPC server before it serves.
func newSecureEnvWith(t testing.TB, o ServerOptions, register func(*grpc.Server)) *secureEnv {
	t.Helper()
	n := demoNetwork(t)
	clock := newFakeClock()
	svc, err := New(Config{Network: n, NetworkSource: "demo", Stock: demoStock(t, n), Clock: clock, ReapInterval: -1})
	require.NoError(t, err)
	e := &secureEnv{svc: svc, clock: clock, audit: &syncBuffer{}}
	if o.AuditLogger == nil {
		o.AuditLogger = slog.New(slog.NewJSONHandler(e.audit, nil))
	}
	if o.Clock == nil {
		o.Clock = clock
	}
	e.srv = NewServer(svc, o)
	if register != nil {
		register(e.srv.GRPC())
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	e.addr = lis.Addr().String()
	go e.srv.Serve(lis)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		e.srv.Shutdown(ctx)
		assert.NoError(t, svc.Close())
	})
	return e
}

// dial connects to the env: plaintext unless tlsConf is set; token, when
// not empty, goes with every call.
func (e *secureEnv) dial(t testing.TB, token string, tlsConf *tls.Config) *grpc.ClientConn {
	t.Helper()
	opts := []grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}
	if tlsConf != nil {
		opts[0] = grpc.WithTransportCredentials(credentials.NewTLS(tlsConf))
	}
	if token != "" {
		opts = append(opts, grpc.WithPerRPCCredentials(auth.Bearer{Token: token, AllowPlaintext: tlsConf == nil}))
	}
	conn, err := grpc.NewClient(e.addr, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn
}

// callAny calls method with an empty request, whatever its kind, and
// returns the call's status code. Empty requests are refused by every
// omniroute handler as invalid or change nothing, so the table can call
// every method with every role.
func callAny(ctx context.Context, conn *grpc.ClientConn, method string, m grpc.MethodInfo) codes.Code {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if !m.IsClientStream && !m.IsServerStream {
		return status.Code(conn.Invoke(ctx, method, &emptypb.Empty{}, &emptypb.Empty{}))
	}
	cs, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: m.IsServerStream, ClientStreams: m.IsClientStream}, method)
	if err != nil {
		return status.Code(err)
	}
	if !m.IsClientStream {
		if err := cs.SendMsg(&emptypb.Empty{}); err != nil && !errors.Is(err, io.EOF) {
			return status.Code(err)
		}
	}
	if err := cs.CloseSend(); err != nil {
		return status.Code(err)
	}
	err = cs.RecvMsg(&emptypb.Empty{})
	if errors.Is(err, io.EOF) {
		return codes.OK
	}
	return status.Code(err)
}

// serviceNeeds is the specification the table checks: the role each
// service needs ("open": nobody needs to authenticate; "any": any
// authenticated client). A service not listed needs admin.
var serviceNeeds = map[string]string{
	"omniroute.v1.RoutingService":              "route",
	"omniroute.v1.InventoryService":            "inventory",
	"omniroute.v1.NetworkService":              "admin",
	"grpc.health.v1.Health":                    "open",
	"grpc.reflection.v1.ServerReflection":      "any",
	"grpc.reflection.v1alpha.ServerReflection": "any",
}

// TestEveryRoleEveryMethod calls every method of every service the server
// registers (so methods and services added later are covered) as every
// kind of caller, and checks OK, PermissionDenied or Unauthenticated
// against serviceNeeds.
func TestEveryRoleEveryMethod(t *testing.T) {
	a, tk := testAuth(t, "")
	e := newSecureEnvWith(t, ServerOptions{Auth: a, Reflection: true}, registerProbe)
	callers := []struct {
		name  string
		token string
		roles []string // nil: not authenticated
	}{
		{"no token", "", nil},
		{"wrong token", "not-a-known-token", nil},
		{"route", tk.route, []string{"route"}},
		{"inventory", tk.inventory, []string{"inventory"}},
		{"admin", tk.admin, []string{"admin"}},
		{"route+inventory", tk.both, []string{"route", "inventory"}},
	}
	services := e.srv.GRPC().GetServiceInfo()
	require.Contains(t, services, "omniroute.v1.RoutingService")
	require.Contains(t, services, "omniroute.test.Probe", "a service the API does not name needs admin")
	methods := 0
	for svcName, info := range services {
		need, listed := serviceNeeds[svcName]
		if !listed {
			need = "admin"
		}
		for _, m := range info.Methods {
			methods++
			full := "/" + svcName + "/" + m.Name
			for _, c := range callers {
				want := codes.OK
				switch {
				case need == "open":
				case c.roles == nil:
					want = codes.Unauthenticated
				case need == "any":
				default:
					want = codes.PermissionDenied
					for _, r := range c.roles {
						if r == need || r == "admin" {
							want = codes.OK
						}
					}
				}
				got := callAny(ctx(t), e.dial(t, c.token, nil), full, m)
				if want == codes.OK {
					assert.NotContains(t, []codes.Code{codes.Unauthenticated, codes.PermissionDenied, codes.Unimplemented, codes.ResourceExhausted}, got,
						"%s calls %s: got %s, want the handler's answer", c.name, full, got)
				} else {
					assert.Equal(t, want, got, "%s calls %s", c.name, full)
				}
			}
		}
	}
	assert.GreaterOrEqual(t, methods, 16, "every omniroute, health, reflection and probe method")
}

// TestTokenProblems: each way of getting the token wrong is
// Unauthenticated with a message saying which; health stays open.
func TestTokenProblems(t *testing.T) {
	a, tk := testAuth(t, "")
	e := newSecureEnv(t, ServerOptions{Auth: a})
	conn := e.dial(t, "", nil)
	rc := pb.NewRoutingServiceClient(conn)
	req := &pb.RouteRequest{Order: demoOrder("tok-1")}
	for _, tc := range []struct {
		name string
		md   []string
		code codes.Code
		msg  string
	}{
		{"missing", nil, codes.Unauthenticated, "no credentials"},
		{"wrong", []string{"authorization", "Bearer wrong"}, codes.Unauthenticated, "unknown token"},
		{"not bearer", []string{"authorization", "Basic " + tk.route}, codes.Unauthenticated, "malformed authorization header"},
		{"no scheme", []string{"authorization", tk.route}, codes.Unauthenticated, "malformed authorization header"},
		{"empty", []string{"authorization", ""}, codes.Unauthenticated, "empty authorization header"},
		{"twice", []string{"authorization", "Bearer " + tk.route, "authorization", "Bearer " + tk.route}, codes.Unauthenticated, "2 authorization headers"},
		{"right", []string{"authorization", "Bearer " + tk.route}, codes.OK, ""},
		{"scheme in lower case", []string{"authorization", "bearer " + tk.route}, codes.OK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := metadata.AppendToOutgoingContext(ctx(t), tc.md...)
			_, err := rc.Route(c, req)
			assert.Equal(t, tc.code, status.Code(err), "%v", err)
			if tc.msg != "" {
				assert.Contains(t, status.Convert(err).Message(), tc.msg)
				assert.NotContains(t, status.Convert(err).Message(), tk.route, "the token is never echoed")
			}
			h, err := healthpb.NewHealthClient(conn).Check(c, &healthpb.HealthCheckRequest{})
			require.NoError(t, err, "health is open whatever the credentials")
			assert.Equal(t, healthpb.HealthCheckResponse_SERVING, h.Status)
		})
	}
}

// TestReflectionOnlyWhenAsked: reflection is not offered by default; with
// Reflection it lists the services to an authenticated caller only.
func TestReflectionOnlyWhenAsked(t *testing.T) {
	a, tk := testAuth(t, "")
	list := func(conn *grpc.ClientConn) ([]string, error) {
		rc, err := rpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx(t))
		if err != nil {
			return nil, err
		}
		if err := rc.Send(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_ListServices{}}); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		} // on io.EOF the stream has ended: Recv tells why
		r, err := rc.Recv()
		if err != nil {
			return nil, err
		}
		var names []string
		for _, s := range r.GetListServicesResponse().GetService() {
			names = append(names, s.Name)
		}
		return names, rc.CloseSend()
	}
	off := newSecureEnv(t, ServerOptions{Auth: a})
	_, err := list(off.dial(t, tk.admin, nil))
	assert.Equal(t, codes.Unimplemented, status.Code(err), "%v", err)

	on := newSecureEnv(t, ServerOptions{Auth: a, Reflection: true})
	names, err := list(on.dial(t, tk.route, nil))
	require.NoError(t, err)
	assert.Contains(t, names, "omniroute.v1.InventoryService")
	_, err = list(on.dial(t, "", nil))
	assert.Equal(t, codes.Unauthenticated, status.Code(err), "%v", err)
}

// TestRateLimit: a client with a burst of one gets ResourceExhausted on
// its second call at the same instant and is let through again when the
// (fake) clock has moved on by one interval; other clients and health are
// not affected.
func TestRateLimit(t *testing.T) {
	a, tk := testAuth(t, "")
	limits, err := auth.RateLimits(a, map[string]auth.Limit{"checkout": {PerSecond: 1, Burst: 1}})
	require.NoError(t, err)
	e := newSecureEnv(t, ServerOptions{Auth: a, RateLimits: limits})
	checkout := pb.NewRoutingServiceClient(e.dial(t, tk.route, nil))
	other := pb.NewRoutingServiceClient(e.dial(t, tk.both, nil))
	req := &pb.RouteRequest{Order: demoOrder("rl-1")}

	_, err = checkout.Route(ctx(t), req)
	require.NoError(t, err)
	_, err = checkout.Route(ctx(t), req)
	require.Equal(t, codes.ResourceExhausted, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), `client "checkout" is over its rate limit of 1/s (burst 1)`)
	for range 3 {
		_, err = other.Route(ctx(t), req)
		require.NoError(t, err, "a client without a limit")
	}
	_, err = healthpb.NewHealthClient(e.dial(t, tk.route, nil)).Check(ctx(t), &healthpb.HealthCheckRequest{})
	require.NoError(t, err, "health is not limited")

	e.clock.Advance(time.Second)
	_, err = checkout.Route(ctx(t), req)
	require.NoError(t, err, "a second later the limit lets one more through")
	_, err = checkout.Route(ctx(t), req)
	require.Equal(t, codes.ResourceExhausted, status.Code(err))
	assert.Equal(t, 2.0, counterValue(e.svc.m.rateLimited.WithLabelValues("checkout")))
}

// TestRateLimitDefault: "*" gives every client without its own entry
// its own bucket, also the anonymous caller when authentication is off.
func TestRateLimitDefault(t *testing.T) {
	e := newSecureEnv(t, ServerOptions{RateLimits: map[string]auth.Limit{"*": {PerSecond: 1, Burst: 2}}})
	rc := pb.NewRoutingServiceClient(e.dial(t, "", nil))
	req := &pb.RouteRequest{Order: demoOrder("rl-2")}
	for range 2 {
		_, err := rc.Route(ctx(t), req)
		require.NoError(t, err)
	}
	_, err := rc.Route(ctx(t), req)
	assert.Equal(t, codes.ResourceExhausted, status.Code(err))
	assert.Contains(t, status.Convert(err).Message(), `client "anonymous"`)
}

// TestDeadline: a call without a deadline, or with a later one, gets the
// server's; an earlier one is kept.
func TestDeadline(t *testing.T) {
	g := &guard{maxCall: 2 * time.Second}
	seen := func(ctx context.Context) (time.Time, bool) {
		var d time.Time
		var ok bool
		_, err := g.deadlineUnary(ctx, nil, &grpc.UnaryServerInfo{}, func(ctx context.Context, _ any) (any, error) {
			d, ok = ctx.Deadline()
			return nil, nil
		})
		require.NoError(t, err)
		return d, ok
	}
	before := time.Now()
	d, ok := seen(context.Background())
	after := time.Now()
	require.True(t, ok, "no deadline of its own: the server's")
	assert.False(t, d.Before(before.Add(2*time.Second)))
	assert.False(t, d.After(after.Add(2*time.Second)))

	long, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	d, _ = seen(long)
	assert.True(t, d.Before(time.Now().Add(3*time.Second)), "a later deadline is cut to the server's")

	short, cancel2 := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel2()
	want, _ := short.Deadline()
	d, _ = seen(short)
	assert.Equal(t, want, d, "an earlier deadline is kept")

	g.maxCall = -1
	_, ok = seen(context.Background())
	assert.False(t, ok, "none when turned off")
}

// probeService is a service the omniroute API does not have: Deadline
// answers how long the call has left before its deadline (zero when it
// has none), Panic panics. It stands for any service added later.
var probeService = grpc.ServiceDesc{
	ServiceName: "omniroute.test.Probe",
	HandlerType: (*any)(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "Deadline",
		Handler: func(_ any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(emptypb.Empty)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(ctx context.Context, _ any) (any, error) {
				d, ok := ctx.Deadline()
				if !ok {
					return durationpb.New(0), nil
				}
				return durationpb.New(time.Until(d)), nil
			}
			return interceptor(ctx, in, &grpc.UnaryServerInfo{FullMethod: "/omniroute.test.Probe/Deadline"}, h)
		},
	}, {
		MethodName: "Panic",
		Handler: func(_ any, ctx context.Context, dec func(any) error, interceptor grpc.UnaryServerInterceptor) (any, error) {
			in := new(emptypb.Empty)
			if err := dec(in); err != nil {
				return nil, err
			}
			h := func(context.Context, any) (any, error) { panic("probe panics") }
			return interceptor(ctx, in, &grpc.UnaryServerInfo{FullMethod: "/omniroute.test.Probe/Panic"}, h)
		},
	}},
}

func registerProbe(s *grpc.Server) { s.RegisterService(&probeService, struct{}{}) }

// TestDeadlineReachesHandler: over a real connection the handler sees the
// server's deadline when the client sets none or a later one, and the
// client's when it is earlier.
func TestDeadlineReachesHandler(t *testing.T) {
	e := newSecureEnvWith(t, ServerOptions{MaxCallDuration: time.Hour}, registerProbe)
	conn := e.dial(t, "", nil)
	left := func(ctx context.Context) time.Duration {
		out := new(durationpb.Duration)
		require.NoError(t, conn.Invoke(ctx, "/omniroute.test.Probe/Deadline", &emptypb.Empty{}, out))
		return out.AsDuration()
	}
	d := left(context.Background())
	assert.True(t, d > 59*time.Minute && d <= time.Hour, "no client deadline: the server's hour, %v left", d)
	long, cancel := context.WithTimeout(context.Background(), 100*time.Hour)
	defer cancel()
	d = left(long)
	assert.True(t, d > 59*time.Minute && d <= time.Hour, "a later client deadline is cut to the hour: %v left", d)
	short, cancel2 := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel2()
	d = left(short)
	assert.True(t, d > 0 && d <= 10*time.Minute, "an earlier client deadline stays: %v left", d)
}

// TestAuditLog: every mutating call is logged with the client, the
// method, the outcome and its ids; refused calls too, whatever the
// method; reading calls are not.
func TestAuditLog(t *testing.T) {
	a, tk := testAuth(t, "")
	e := newSecureEnv(t, ServerOptions{Auth: a})
	checkout := e.dial(t, tk.route, nil)
	wms := e.dial(t, tk.inventory, nil)
	anon := e.dial(t, "", nil)

	resp, err := pb.NewRoutingServiceClient(checkout).Route(ctx(t), &pb.RouteRequest{Order: demoOrder("audit-1"), Reserve: true})
	require.NoError(t, err)
	rsv := resp.Reservation.GetId()
	require.NotEmpty(t, rsv)
	_, err = pb.NewRoutingServiceClient(checkout).Route(ctx(t), &pb.RouteRequest{Order: demoOrder("audit-read")})
	require.NoError(t, err)
	_, err = pb.NewRoutingServiceClient(checkout).CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: rsv})
	require.NoError(t, err)
	_, err = pb.NewInventoryServiceClient(checkout).UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		{NodeId: "alm-s01", Sku: "MILK-1L", Seq: 99, Change: &pb.StockUpdate_OnHand{OnHand: 0}}}})
	require.Equal(t, codes.PermissionDenied, status.Code(err))
	_, err = pb.NewInventoryServiceClient(wms).UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		{NodeId: "alm-s01", Sku: "MILK-1L", Seq: 99, Change: &pb.StockUpdate_OnHand{OnHand: 7}}}})
	require.NoError(t, err)
	_, err = pb.NewInventoryServiceClient(wms).GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"MILK-1L"}})
	require.NoError(t, err)
	stream, err := pb.NewInventoryServiceClient(wms).StreamStock(ctx(t))
	require.NoError(t, err)
	for i := range 3 {
		require.NoError(t, stream.Send(&pb.StockUpdate{NodeId: "alm-s02", Sku: "MILK-1L", Seq: uint64(100 + i), Change: &pb.StockUpdate_Delta{Delta: 1}}))
	}
	_, err = stream.CloseAndRecv()
	require.NoError(t, err)
	_, err = pb.NewRoutingServiceClient(anon).ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: rsv})
	require.Equal(t, codes.Unauthenticated, status.Code(err))
	_, err = pb.NewNetworkServiceClient(wms).GetNetwork(ctx(t), &pb.GetNetworkRequest{})
	require.Equal(t, codes.PermissionDenied, status.Code(err))

	lines := e.audit.lines(t, "audit")
	type line struct{ client, method, code string }
	var got []line
	for _, l := range lines {
		got = append(got, line{l["client"].(string), l["method"].(string), l["code"].(string)})
		if l["method"] != pb.NetworkService_GetNetwork_FullMethodName {
			assert.Contains(t, l, "took", "a mutating call is timed")
		} else {
			assert.NotContains(t, l, "took", "a reading one is not")
		}
		assert.Contains(t, l["peer"], "127.0.0.1:")
	}
	assert.Equal(t, []line{
		{"checkout", "/omniroute.v1.RoutingService/Route", "OK"},
		{"checkout", "/omniroute.v1.RoutingService/CommitReservation", "OK"},
		{"checkout", "/omniroute.v1.InventoryService/UpdateStock", "PermissionDenied"},
		{"wms", "/omniroute.v1.InventoryService/UpdateStock", "OK"},
		{"wms", "/omniroute.v1.InventoryService/StreamStock", "OK"},
		{"", "/omniroute.v1.RoutingService/ReleaseReservation", "Unauthenticated"},
		{"wms", "/omniroute.v1.NetworkService/GetNetwork", "PermissionDenied"},
	}, got)
	require.Len(t, lines, 7)
	assert.Equal(t, "audit-1", lines[0]["order"])
	assert.Equal(t, rsv, lines[0]["reservation"])
	assert.Equal(t, "token", lines[0]["via"])
	assert.Equal(t, rsv, lines[1]["reservation"])
	assert.Equal(t, "audit-1", lines[1]["order"])
	assert.Equal(t, "RESERVATION_STATE_COMMITTED", lines[1]["state"])
	assert.Contains(t, lines[2]["error"], "needs role inventory")
	assert.Equal(t, 1.0, lines[3]["applied"])
	assert.Equal(t, 3.0, lines[4]["messages"])
	assert.Equal(t, rsv, lines[5]["reservation"])
	assert.Contains(t, lines[5]["error"], "no credentials")
}

// TestAuthOff: without an authenticator every caller may call everything
// and is audited as "anonymous".
func TestAuthOff(t *testing.T) {
	e := newSecureEnv(t, ServerOptions{})
	conn := e.dial(t, "", nil)
	_, err := pb.NewInventoryServiceClient(conn).UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		{NodeId: "alm-s01", Sku: "X", Seq: 1, Change: &pb.StockUpdate_OnHand{OnHand: 1}}}})
	require.NoError(t, err)
	lines := e.audit.lines(t, "audit")
	require.Len(t, lines, 1)
	assert.Equal(t, "anonymous", lines[0]["client"])
	assert.Equal(t, "none", lines[0]["via"])
}

// TestSetAccess: reading the auth file again replaces the tokens: the old
// one is refused, the new one works, calls need no restart.
func TestSetAccess(t *testing.T) {
	a, tk := testAuth(t, "")
	e := newSecureEnv(t, ServerOptions{Auth: a})
	old := pb.NewRoutingServiceClient(e.dial(t, tk.route, nil))
	_, err := old.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("sa-1")})
	require.NoError(t, err)

	b, tk2 := testAuth(t, "")
	e.srv.SetAccess(b, nil)
	_, err = old.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("sa-1")})
	assert.Equal(t, codes.Unauthenticated, status.Code(err))
	_, err = pb.NewRoutingServiceClient(e.dial(t, tk2.route, nil)).Route(ctx(t), &pb.RouteRequest{Order: demoOrder("sa-1")})
	require.NoError(t, err)
}

// TestMutualTLS over real TCP with certificates made here: a client
// without a certificate, or with one from another CA, is refused in the
// handshake; a certificate whose CN the auth file maps to checkout (role
// route) may Route and is denied UpdateStock; a certificate from the
// right CA that no client claims is Unauthenticated.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	ca := authtest.NewCA(t, "omniroute test CA")
	other := authtest.NewCA(t, "someone else's CA")
	certFile, keyFile := ca.Server(t).Write(t, dir, "server")
	caFile := ca.WriteCA(t, dir, "ca.crt")
	stls, err := auth.LoadServerTLS(certFile, keyFile, caFile)
	require.NoError(t, err)
	require.True(t, stls.MutualTLS())
	a, tk := testAuth(t, "")
	e := newSecureEnv(t, ServerOptions{Auth: a, TLS: stls.Config("h2")})

	client := func(cert *authtest.Cert) *tls.Config {
		c := &tls.Config{RootCAs: ca.Pool(), ServerName: "localhost", MinVersion: tls.VersionTLS12}
		if cert != nil {
			c.Certificates = []tls.Certificate{cert.TLS(t)}
		}
		return c
	}
	order := &pb.RouteRequest{Order: demoOrder("mtls-1")}
	update := &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{{NodeId: "alm-s01", Sku: "X", Seq: 1, Change: &pb.StockUpdate_OnHand{OnHand: 1}}}}

	for _, tc := range []struct {
		name string
		conf *tls.Config
	}{
		{"no client certificate", client(nil)},
		{"certificate from another CA", client(other.Client(t, "checkout-prod"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pb.NewRoutingServiceClient(e.dial(t, "", tc.conf)).Route(ctx(t), order)
			assert.Equal(t, codes.Unavailable, status.Code(err), "refused in the handshake: %v", err)
			_, err = healthpb.NewHealthClient(e.dial(t, "", tc.conf)).Check(ctx(t), &healthpb.HealthCheckRequest{})
			assert.Error(t, err, "no certificate, no connection: health too")
		})
	}

	mapped := e.dial(t, "", client(ca.Client(t, "checkout-prod")))
	_, err = pb.NewRoutingServiceClient(mapped).Route(ctx(t), order)
	require.NoError(t, err, "the certificate of checkout may route")
	_, err = pb.NewInventoryServiceClient(mapped).UpdateStock(ctx(t), update)
	assert.Equal(t, codes.PermissionDenied, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), `client "checkout"`)

	stranger := e.dial(t, "", client(ca.Client(t, "stranger")))
	_, err = pb.NewRoutingServiceClient(stranger).Route(ctx(t), order)
	assert.Equal(t, codes.Unauthenticated, status.Code(err))
	assert.Contains(t, status.Convert(err).Message(), `no client has cert_cn "stranger"`)

	// A token decides over the certificate it travels with.
	withToken := e.dial(t, tk.inventory, client(ca.Client(t, "stranger")))
	_, err = pb.NewInventoryServiceClient(withToken).UpdateStock(ctx(t), update)
	require.NoError(t, err)

	lines := e.audit.lines(t, "audit")
	require.NotEmpty(t, lines)
	assert.Equal(t, "checkout", lines[0]["client"])
	assert.Equal(t, "certificate", lines[0]["via"])
}

// TestServerTLSOnly: TLS without client certificates; a plaintext client
// cannot talk to it, a client trusting the CA can, with a token.
func TestServerTLSOnly(t *testing.T) {
	dir := t.TempDir()
	ca := authtest.NewCA(t, "omniroute test CA")
	certFile, keyFile := ca.Server(t).Write(t, dir, "server")
	stls, err := auth.LoadServerTLS(certFile, keyFile, "")
	require.NoError(t, err)
	a, tk := testAuth(t, "")
	e := newSecureEnv(t, ServerOptions{Auth: a, TLS: stls.Config("h2")})
	_, err = pb.NewRoutingServiceClient(e.dial(t, "", nil)).Route(ctx(t), &pb.RouteRequest{Order: demoOrder("tls-1")})
	assert.Equal(t, codes.Unavailable, status.Code(err), "plaintext to a TLS server: %v", err)
	conf, err := auth.ClientTLS(ca.WriteCA(t, dir, "ca.crt"), "", "", "localhost")
	require.NoError(t, err)
	_, err = pb.NewRoutingServiceClient(e.dial(t, tk.route, conf)).Route(ctx(t), &pb.RouteRequest{Order: demoOrder("tls-1")})
	require.NoError(t, err)
}

// TestMaxConcurrentStreams: with one stream allowed per connection, a
// call waits while a StockStream is open on the same connection (it
// cannot finish before its deadline) and goes through once the stream
// ends.
func TestMaxConcurrentStreams(t *testing.T) {
	e := newSecureEnv(t, ServerOptions{MaxConcurrentStreams: 1})
	conn := e.dial(t, "", nil)
	// A first call settles the connection, so the client knows the limit.
	_, err := healthpb.NewHealthClient(conn).Check(ctx(t), &healthpb.HealthCheckRequest{})
	require.NoError(t, err)
	stream, err := pb.NewInventoryServiceClient(conn).StreamStock(ctx(t))
	require.NoError(t, err)
	require.NoError(t, stream.Send(&pb.StockUpdate{NodeId: "alm-s01", Sku: "MILK-1L", Seq: 500, Change: &pb.StockUpdate_Delta{Delta: 1}}))
	rc := pb.NewRoutingServiceClient(conn)
	short, cancel := context.WithTimeout(ctx(t), 300*time.Millisecond)
	defer cancel()
	_, err = rc.Route(short, &pb.RouteRequest{Order: demoOrder("cs-1")})
	assert.Equal(t, codes.DeadlineExceeded, status.Code(err), "the second stream waits for the first: %v", err)
	sum, err := stream.CloseAndRecv()
	require.NoError(t, err)
	assert.Equal(t, int64(1), sum.Applied)
	_, err = rc.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("cs-1")})
	require.NoError(t, err)
}

// TestAuditRecordsPanics: a call whose handler panics is answered
// Internal, is in the audit log as Internal, and the server goes on.
func TestAuditRecordsPanics(t *testing.T) {
	e := newSecureEnvWith(t, ServerOptions{}, registerProbe)
	conn := e.dial(t, "", nil)
	err := conn.Invoke(ctx(t), "/omniroute.test.Probe/Panic", &emptypb.Empty{}, &emptypb.Empty{})
	assert.Equal(t, codes.Internal, status.Code(err), "%v", err)
	lines := e.audit.lines(t, "audit")
	require.Len(t, lines, 1)
	assert.Equal(t, "/omniroute.test.Probe/Panic", lines[0]["method"])
	assert.Equal(t, "Internal", lines[0]["code"])
	assert.Equal(t, "anonymous", lines[0]["client"])
	_, err = pb.NewRoutingServiceClient(conn).Route(ctx(t), &pb.RouteRequest{Order: demoOrder("after")})
	require.NoError(t, err)
}
