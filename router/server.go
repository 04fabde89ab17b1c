package router

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/auth"
	// The "proto" codec with vtprotobuf's generated code for omniroute's
	// messages.
	_ "github.com/omniroute/omniroute/internal/vtcodec"
)

// Bounds and defaults of the transport limits.
const (
	// DefaultMaxRecvMsgBytes bounds the size of one request message.
	DefaultMaxRecvMsgBytes = 4 << 20
	// MinMaxRecvMsgBytes and MaxMaxRecvMsgBytes bound MaxRecvMsgBytes: a
	// smaller limit refuses ordinary orders, a larger one lets one call
	// hold a lot of memory.
	MinMaxRecvMsgBytes = 4 << 10
	MaxMaxRecvMsgBytes = 64 << 20
	// DefaultMaxConcurrentStreams bounds the calls in flight on one
	// connection.
	DefaultMaxConcurrentStreams = 1000
	// MaxMaxConcurrentStreams is the largest MaxConcurrentStreams accepted.
	MaxMaxConcurrentStreams = 1 << 20
	// MaxStreamWorkers is the largest StreamWorkers accepted.
	MaxStreamWorkers = 1 << 12
	// DefaultKeepaliveMinTime is the shortest interval between a client's
	// keepalive pings; a client pinging more often is disconnected.
	DefaultKeepaliveMinTime = 10 * time.Second
	// DefaultKeepaliveTime is how long a connection may be idle before the
	// server pings it.
	DefaultKeepaliveTime = time.Minute
	// DefaultKeepaliveTimeout is how long the server waits for the answer
	// to a ping before it closes the connection.
	DefaultKeepaliveTimeout = 20 * time.Second
)

// ServerOptions tune the gRPC server: transport, security and limits.
// The zero value serves plaintext without authentication, which suits
// tests and the local demo only.
type ServerOptions struct {
	// MaxRecvMsgBytes bounds one request (DefaultMaxRecvMsgBytes when 0).
	MaxRecvMsgBytes int
	// MaxConcurrentStreams bounds the calls in flight on one connection
	// (DefaultMaxConcurrentStreams when 0).
	MaxConcurrentStreams uint32
	// StreamWorkers is the number of goroutines kept to run calls: a call
	// runs on an idle one, whose stack has already grown, instead of on a
	// fresh goroutine (a new goroutine is still started when all are
	// busy). 0 keeps runtime.GOMAXPROCS(0) of them; a negative value
	// keeps none, starting a goroutine for every call.
	StreamWorkers int
	// Keepalive is the connection keepalive policy.
	Keepalive Keepalive
	// Logger receives per-call debug logs and recovered panics.
	Logger *slog.Logger
	// AuditLogger receives the audit log (Logger when nil).
	AuditLogger *slog.Logger
	// TLS, when set, serves over TLS with this configuration (mutual TLS
	// when it requires client certificates). Its NextProtos must offer
	// "h2".
	TLS *tls.Config
	// Auth authenticates callers. Nil turns authentication off: every
	// caller holds every role (the local demo).
	Auth *auth.Authenticator
	// RateLimits are the calls per second each client may make, by client
	// name ("*": every client without its own); see auth.RateLimits.
	RateLimits map[string]auth.Limit
	// Reflection offers gRPC server reflection (to authenticated callers).
	Reflection bool
	// MaxCallDuration bounds a unary call that has no deadline or a later
	// one (DefaultMaxCallDuration when 0, none when negative).
	MaxCallDuration time.Duration
	// MaxStreamDuration does the same for streams other than health Watch
	// (DefaultMaxStreamDuration when 0, none when negative).
	MaxStreamDuration time.Duration
	// Clock tells the rate limiter the time (the wall clock when nil).
	Clock Clock
	// Extra are more gRPC server options.
	Extra []grpc.ServerOption
}

// Keepalive is the connection keepalive policy; zero fields take their
// defaults.
type Keepalive struct {
	// MinTime is the shortest interval allowed between a client's pings
	// (DefaultKeepaliveMinTime); a client pinging more often is
	// disconnected. Pings are allowed on idle connections too.
	MinTime time.Duration
	// Time is how long a connection may stay idle before the server
	// pings it (DefaultKeepaliveTime).
	Time time.Duration
	// Timeout is how long the server waits for the answer to its ping
	// before it closes the connection (DefaultKeepaliveTimeout).
	Timeout time.Duration
	// MaxConnectionAge, when positive, closes a connection gracefully
	// after this long, so that clients reconnect and spread over the
	// replicas behind a load balancer; calls in flight get
	// MaxConnectionAgeGrace to finish.
	MaxConnectionAge      time.Duration
	MaxConnectionAgeGrace time.Duration
}

// serverOptions turns the policy into gRPC options.
func (k Keepalive) serverOptions() []grpc.ServerOption {
	if k.MinTime <= 0 {
		k.MinTime = DefaultKeepaliveMinTime
	}
	if k.Time <= 0 {
		k.Time = DefaultKeepaliveTime
	}
	if k.Timeout <= 0 {
		k.Timeout = DefaultKeepaliveTimeout
	}
	sp := keepalive.ServerParameters{Time: k.Time, Timeout: k.Timeout}
	if k.MaxConnectionAge > 0 {
		sp.MaxConnectionAge = k.MaxConnectionAge
		sp.MaxConnectionAgeGrace = k.MaxConnectionAgeGrace
	}
	return []grpc.ServerOption{
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: k.MinTime, PermitWithoutStream: true}),
		grpc.KeepaliveParams(sp),
	}
}

// streamWorkers is the number of call goroutines to keep for the
// StreamWorkers option n.
func streamWorkers(n int) uint32 {
	switch {
	case n < 0:
		return 0
	case n == 0:
		return uint32(runtime.GOMAXPROCS(0))
	default:
		return uint32(min(n, MaxStreamWorkers))
	}
}

// Server is the gRPC front of a Service: the three omniroute services,
// health checking and (optionally) reflection, behind panic recovery,
// authentication, authorisation, rate limits, deadlines and the audit log.
type Server struct {
	svc     *Service
	grpc    *grpc.Server
	health  *health.Server
	log     *slog.Logger
	guard   *guard
	maxRecv int
	// inproc serves the HTTP/JSON gateway only (see Server.Gateway).
	inproc *grpc.Server
}

// register puts the services (and, when asked, reflection) on gs.
func (s *Server) register(gs *grpc.Server, reflect bool) *grpc.Server {
	pb.RegisterRoutingServiceServer(gs, routingServer{s: s.svc})
	pb.RegisterInventoryServiceServer(gs, inventoryServer{s: s.svc})
	pb.RegisterNetworkServiceServer(gs, networkServer{s: s.svc})
	pb.RegisterPlanningServiceServer(gs, planningServer{s: s.svc})
	healthpb.RegisterHealthServer(gs, s.health)
	if reflect {
		reflection.Register(gs)
	}
	return gs
}

// serviceNames are the services reported by health checking.
var serviceNames = []string{
	pb.RoutingService_ServiceDesc.ServiceName,
	pb.InventoryService_ServiceDesc.ServiceName,
	pb.NetworkService_ServiceDesc.ServiceName,
	pb.PlanningService_ServiceDesc.ServiceName,
}

// NewServer builds the gRPC server for svc; Serve starts it.
func NewServer(svc *Service, o ServerOptions) *Server {
	if o.MaxRecvMsgBytes <= 0 {
		o.MaxRecvMsgBytes = DefaultMaxRecvMsgBytes
	}
	if o.MaxConcurrentStreams == 0 {
		o.MaxConcurrentStreams = DefaultMaxConcurrentStreams
	}
	if o.Logger == nil {
		o.Logger = svc.log
	}
	if o.AuditLogger == nil {
		o.AuditLogger = o.Logger
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.MaxCallDuration == 0 {
		o.MaxCallDuration = DefaultMaxCallDuration
	}
	if o.MaxStreamDuration == 0 {
		o.MaxStreamDuration = DefaultMaxStreamDuration
	}
	g := &guard{audit: o.AuditLogger, clock: o.Clock, m: svc.m, maxCall: o.MaxCallDuration, maxStream: o.MaxStreamDuration}
	g.access.Store(newAccess(o.Auth, o.RateLimits))
	s := &Server{svc: svc, health: health.NewServer(), log: o.Logger, guard: g, maxRecv: o.MaxRecvMsgBytes}
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(o.MaxRecvMsgBytes),
		grpc.MaxConcurrentStreams(o.MaxConcurrentStreams),
		grpc.ChainUnaryInterceptor(s.recoverUnary, g.authenticateUnary, g.auditUnary, g.authorizeUnary, g.rateLimitUnary, g.deadlineUnary),
		grpc.ChainStreamInterceptor(s.recoverStream, g.authenticateStream, g.auditStream, g.authorizeStream, g.rateLimitStream, g.deadlineStream),
	}
	opts = append(opts, o.Keepalive.serverOptions()...)
	if w := streamWorkers(o.StreamWorkers); w > 0 {
		opts = append(opts, grpc.NumStreamWorkers(w))
	}
	// The in-process server (Gateway) has the same services and
	// interceptors, no transport security (its listener is private to
	// the process) and takes the HTTP client's verified certificate from
	// the gateway (see forwardedCertUnary).
	inproc := append([]grpc.ServerOption{
		grpc.ChainUnaryInterceptor(forwardedCertUnary),
		grpc.ChainStreamInterceptor(forwardedCertStream),
	}, opts...)
	if o.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(o.TLS)))
	}
	s.grpc = s.register(grpc.NewServer(append(opts, o.Extra...)...), o.Reflection)
	s.inproc = s.register(grpc.NewServer(append(inproc, o.Extra...)...), false)
	svc.OnStoreFailure(func(error) { s.health.Shutdown() })
	svc.OnHealth(s.setServing)
	s.setServing(svc.serving())
	// PlanningService is SERVING while the look-ahead planner's last plan
	// was good (NOT_SERVING before the first and after a failed one: the
	// last good prices still apply); unknown without a planner.
	setPlanning := func(ok bool) {
		st := healthpb.HealthCheckResponse_NOT_SERVING
		if ok {
			st = healthpb.HealthCheckResponse_SERVING
		}
		s.health.SetServingStatus(pb.PlanningService_ServiceDesc.ServiceName, st)
	}
	svc.OnPlanning(setPlanning)
	return s
}

// SetAccess replaces the authenticator and the rate limits (after the
// auth file was read again). Calls in flight finish under the rules they
// started with; the rate limits start afresh. A nil authenticator turns
// authentication off.
func (s *Server) SetAccess(a *auth.Authenticator, limits map[string]auth.Limit) {
	s.guard.access.Store(newAccess(a, limits))
}

// setServing reports every service SERVING or NOT_SERVING (ignored after
// Shutdown).
func (s *Server) setServing(serving bool) {
	st := healthpb.HealthCheckResponse_NOT_SERVING
	if serving {
		st = healthpb.HealthCheckResponse_SERVING
	}
	s.health.SetServingStatus("", st)
	for _, n := range serviceNames {
		s.health.SetServingStatus(n, st)
	}
}

// GRPC returns the underlying gRPC server.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// Serve accepts connections on lis until Shutdown.
func (s *Server) Serve(lis net.Listener) error {
	if err := s.grpc.Serve(lis); err != nil {
		return fmt.Errorf("serve gRPC on %s: %w", lis.Addr(), err)
	}
	return nil
}

// Shutdown reports NOT_SERVING, stops accepting calls and waits for those
// in flight until ctx is done; then it cuts the rest. It does not close
// the Service.
func (s *Server) Shutdown(ctx context.Context) {
	s.health.Shutdown()
	done := make(chan struct{})
	go func() {
		s.grpc.GracefulStop()
		s.inproc.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn("graceful stop timed out; closing remaining calls")
		s.grpc.Stop()
		s.inproc.Stop()
		<-done
	}
}

// recoverUnary turns a panic in a handler into an Internal error.
func (s *Server) recoverUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
	start := time.Now()
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in handler", "method", info.FullMethod, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			resp, err = nil, status.Error(codes.Internal, "internal error")
		}
		if s.log.Enabled(ctx, slog.LevelDebug) {
			s.log.Debug("call", "method", info.FullMethod, "code", status.Code(err).String(), "took", time.Since(start))
		}
	}()
	return handler(ctx, req)
}

// recoverStream turns a panic in a stream handler into an Internal error.
func (s *Server) recoverStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("panic in stream handler", "method", info.FullMethod, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = status.Error(codes.Internal, "internal error")
		}
	}()
	return handler(srv, ss)
}
