package router

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	"github.com/omniroute/omniroute/auth"
)

// Defaults of the guard for zero ServerOptions fields.
const (
	// DefaultMaxCallDuration bounds a unary call that sets no deadline of
	// its own, or a later one.
	DefaultMaxCallDuration = 5 * time.Second
	// DefaultMaxStreamDuration bounds a stream (but health Watch) the same
	// way.
	DefaultMaxStreamDuration = time.Hour
)

// guard is the security of the server, as a chain of interceptors run in
// this order after panic recovery:
//
//	authenticate  who is calling (a principal, or why nobody)
//	audit         log every mutating call and every refused one
//	authorize     may they call this method (Unauthenticated, PermissionDenied)
//	rateLimit     are they within their rate (ResourceExhausted)
//	deadline      bound the call's duration
//
// Authentication never refuses by itself: it records who called or why
// nobody could be told, so that the audit log names the client of every
// refused call; authorisation refuses. The access rules (authenticator
// and rate limits) can be swapped while serving (Server.SetAccess).
type guard struct {
	audit     *slog.Logger
	clock     Clock
	m         *Metrics
	maxCall   time.Duration // <= 0: none
	maxStream time.Duration // <= 0: none
	access    atomic.Pointer[access]
}

// access is one set of access rules: who the clients are and their rate
// limits. It is replaced whole, never changed.
type access struct {
	auth   *auth.Authenticator // nil: authentication is off
	limits map[string]auth.Limit
	// limiters holds the limiter of every client of the auth file (nil
	// for a client without a limit); others (certificate names without
	// an auth file, or the anonymous caller) get one from "*" on first
	// use in extra.
	limiters map[string]*rate.Limiter
	extra    sync.Map // name -> *rate.Limiter
}

func newAccess(a *auth.Authenticator, limits map[string]auth.Limit) *access {
	ac := &access{auth: a, limits: limits, limiters: map[string]*rate.Limiter{}}
	if a != nil {
		for _, c := range a.Clients() {
			ac.limiters[c.Name] = ac.newLimiter(c.Name)
		}
	}
	return ac
}

// newLimiter returns a limiter for the client's limit (its own, else
// "*"), or nil when it has none.
func (ac *access) newLimiter(name string) *rate.Limiter {
	l, ok := ac.limits[name]
	if !ok {
		l = ac.limits[auth.AnyClient]
	}
	if l.PerSecond <= 0 {
		return nil
	}
	l = l.WithDefaultBurst()
	return rate.NewLimiter(rate.Limit(l.PerSecond), l.Burst)
}

// limiter returns the client's limiter, or nil when it has no limit.
func (ac *access) limiter(name string) *rate.Limiter {
	if lim, ok := ac.limiters[name]; ok {
		return lim
	}
	if v, ok := ac.extra.Load(name); ok {
		return v.(*rate.Limiter)
	}
	lim := ac.newLimiter(name)
	if lim == nil {
		return nil
	}
	v, _ := ac.extra.LoadOrStore(name, lim)
	return v.(*rate.Limiter)
}

// authErrorKey carries why a call could not be authenticated.
type authErrorKey struct{}

// authenticate puts the caller's principal in the context, or the reason
// there is none.
func (g *guard) authenticate(ctx context.Context) context.Context {
	ac := g.access.Load()
	creds, err := auth.FromGRPC(ctx)
	if c := forwardedCert(ctx); c != nil && creds.Certificate == nil {
		creds.Certificate = c // an HTTPS call through the gateway
	}
	var p *auth.Principal
	if err == nil {
		if ac.auth == nil {
			p = auth.Anonymous(creds)
		} else {
			p, err = ac.auth.Authenticate(creds)
		}
	}
	if err != nil {
		return context.WithValue(ctx, authErrorKey{}, err)
	}
	return auth.NewContext(ctx, p)
}

// authorize decides the call: nil, Unauthenticated or PermissionDenied.
func (g *guard) authorize(ctx context.Context, method string) error {
	p := auth.FromContext(ctx)
	err := auth.Authorize(p, method)
	if err == nil {
		return nil
	}
	if p == nil {
		if why, ok := ctx.Value(authErrorKey{}).(error); ok {
			err = why // more telling: "unknown token", "malformed ..."
		}
	}
	st := auth.GRPCError(err)
	g.m.refused.WithLabelValues(status.Code(st).String()).Inc()
	return st
}

// allow applies the caller's rate limit: nil, or ResourceExhausted.
// Open methods (health) are never limited.
func (g *guard) allow(ctx context.Context, method string) error {
	p := auth.FromContext(ctx)
	if p == nil || auth.Require(method).Open {
		return nil
	}
	ac := g.access.Load()
	lim := ac.limiter(p.Name)
	if lim == nil || lim.AllowN(g.clock.Now(), 1) {
		return nil
	}
	g.m.rateLimited.WithLabelValues(p.Name).Inc()
	return status.Errorf(codes.ResourceExhausted, "client %q is over its rate limit of %v/s (burst %d): slow down and retry",
		p.Name, float64(lim.Limit()), lim.Burst())
}

// bound returns ctx with a deadline no later than max from now; max <= 0
// leaves it as it is.
func bound(ctx context.Context, max time.Duration) (context.Context, context.CancelFunc) {
	if max <= 0 {
		return ctx, func() {}
	}
	if d, ok := ctx.Deadline(); ok && time.Until(d) <= max {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, max)
}

// Unary interceptors, in chain order.

func (g *guard) authenticateUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	return handler(g.authenticate(ctx), req)
}

func (g *guard) auditUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	mut := mutating(info.FullMethod, req)
	var start time.Time // only mutating calls are timed: reading the clock is not free
	if mut {
		start = time.Now()
		defer g.recordPanic(ctx, info.FullMethod, start, req)
	}
	resp, err := handler(ctx, req)
	if mut || refusedCall(err) {
		g.record(ctx, info.FullMethod, start, err, callFacts(req, resp, 0))
	}
	return resp, err
}

// recordPanic audits a mutating call whose handler panicked (as the
// Internal error the recovery makes of it) and lets the panic go on to
// the recovery.
func (g *guard) recordPanic(ctx context.Context, method string, start time.Time, req any) {
	if p := recover(); p != nil {
		if mutating(method, req) {
			g.record(ctx, method, start, status.Error(codes.Internal, "internal error"), callFacts(req, nil, 0))
		}
		panic(p)
	}
}

func (g *guard) authorizeUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := g.authorize(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func (g *guard) rateLimitUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := g.allow(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func (g *guard) deadlineUnary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, cancel := bound(ctx, g.maxCall)
	defer cancel()
	return handler(ctx, req)
}

// Stream interceptors, in chain order.

// guardedStream is a server stream with another context; it counts the
// messages received for the audit log.
type guardedStream struct {
	grpc.ServerStream
	ctx      context.Context
	received *int64
}

func (s *guardedStream) Context() context.Context { return s.ctx }

func (s *guardedStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil && s.received != nil {
		*s.received++
	}
	return err
}

// withContext returns ss answering ctx, keeping its message count.
func withContext(ss grpc.ServerStream, ctx context.Context) *guardedStream {
	if gs, ok := ss.(*guardedStream); ok {
		return &guardedStream{ServerStream: gs.ServerStream, ctx: ctx, received: gs.received}
	}
	return &guardedStream{ServerStream: ss, ctx: ctx}
}

func (g *guard) authenticateStream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	return handler(srv, withContext(ss, g.authenticate(ss.Context())))
}

func (g *guard) auditStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	start := time.Now()
	var received int64
	gs := withContext(ss, ss.Context())
	gs.received = &received
	defer g.recordPanic(ss.Context(), info.FullMethod, start, nil)
	err := handler(srv, gs)
	if mutating(info.FullMethod, nil) || refusedCall(err) {
		g.record(ss.Context(), info.FullMethod, start, err, callFacts(nil, nil, received))
	}
	return err
}

func (g *guard) authorizeStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := g.authorize(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return handler(srv, ss)
}

func (g *guard) rateLimitStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := g.allow(ss.Context(), info.FullMethod); err != nil {
		return err
	}
	return handler(srv, ss)
}

// healthWatch is a stream meant to stay open: it gets no deadline.
var healthWatch = "/" + healthpb.Health_ServiceDesc.ServiceName + "/Watch"

func (g *guard) deadlineStream(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if info.FullMethod == healthWatch {
		return handler(srv, ss)
	}
	ctx, cancel := bound(ss.Context(), g.maxStream)
	defer cancel()
	return handler(srv, withContext(ss, ctx))
}

// peerAddr is the caller's network address for the audit log.
func peerAddr(ctx context.Context) string {
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		return p.Addr.String()
	}
	return ""
}
