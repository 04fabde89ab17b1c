// Package benchtest is an in-process fake omniroute server for testing load
// generators: a RoutingService on a loopback listener whose answers, errors
// and delays the test decides, with a count of every call it saw.
//
// It is for tests only; it plans nothing and holds no stock.
package benchtest

import (
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	omniroutev1 "github.com/omniroute/omniroute/api/omniroute/v1"
)

// Handler decides one call. n is the call's 1-based arrival number. It
// returns the response, or an error (a status error for a gRPC code). It may
// block, but must return when ctx is done.
type Handler func(ctx context.Context, n int64, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error)

// Options configure a Server.
type Options struct {
	// Handler answers Route; nil answers every call with OK.
	Handler Handler
	// NoHealth leaves out the gRPC health service.
	NoHealth bool
	// RecordIDs keeps every order id seen (see Server.OrderIDs).
	RecordIDs bool
}

// Server is a fake RoutingService listening on 127.0.0.1.
type Server struct {
	omniroutev1.UnimplementedRoutingServiceServer

	// Addr is the host:port to dial.
	Addr string
	// Health is the health service, to change the serving status; nil with
	// Options.NoHealth.
	Health *health.Server

	opts  Options
	calls atomic.Int64
	// batches counts RouteBatch calls; their orders count in calls.
	batches atomic.Int64
	mu      sync.Mutex
	ids     []string
	grpc    *grpc.Server
}

// Start starts a Server on 127.0.0.1:0 and stops it when the test ends.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("benchtest: listen: %v", err)
	}
	s := &Server{Addr: lis.Addr().String(), opts: opts, grpc: grpc.NewServer()}
	omniroutev1.RegisterRoutingServiceServer(s.grpc, s)
	if !opts.NoHealth {
		s.Health = health.NewServer()
		healthpb.RegisterHealthServer(s.grpc, s.Health)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = s.grpc.Serve(lis) // returns when the server stops
	}()
	tb.Cleanup(func() {
		s.grpc.Stop()
		<-done
	})
	return s
}

// Stop stops the server at once, as if its process died: calls in flight
// fail and new connections are refused. It is safe to call more than once.
func (s *Server) Stop() { s.grpc.Stop() }

// Calls is the number of Route calls received so far, each order of a
// RouteBatch counting as one.
func (s *Server) Calls() int64 { return s.calls.Load() }

// OrderIDs returns the order ids received, in arrival order, when
// Options.RecordIDs is set.
func (s *Server) OrderIDs() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.ids...)
}

// Route implements omniroutev1.RoutingServiceServer.
func (s *Server) Route(ctx context.Context, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
	n := s.calls.Add(1)
	if s.opts.RecordIDs {
		s.mu.Lock()
		s.ids = append(s.ids, req.GetOrder().GetId())
		s.mu.Unlock()
	}
	if s.opts.Handler != nil {
		return s.opts.Handler(ctx, n, req)
	}
	return OK(req), nil
}

// RouteBatch implements omniroutev1.RoutingServiceServer: each order is
// one call of the Handler (and counts in Calls), in order; an order the
// Handler fails gets its error in its result.
func (s *Server) RouteBatch(ctx context.Context, req *omniroutev1.RouteBatchRequest) (*omniroutev1.RouteBatchResponse, error) {
	s.batches.Add(1)
	out := &omniroutev1.RouteBatchResponse{}
	for _, r := range req.GetRequests() {
		resp, err := s.Route(ctx, r)
		if err != nil {
			st := status.Convert(err)
			out.Results = append(out.Results, &omniroutev1.RouteBatchResult{Error: st.Message(), Code: int32(st.Code())})
			continue
		}
		out.Results = append(out.Results, &omniroutev1.RouteBatchResult{Response: resp})
	}
	return out, nil
}

// Batches is the number of RouteBatch calls received so far.
func (s *Server) Batches() int64 { return s.batches.Load() }

// OK is a minimal successful answer to req: an empty plan, and a
// reservation when one was asked for.
func OK(req *omniroutev1.RouteRequest) *omniroutev1.RouteResponse {
	resp := &omniroutev1.RouteResponse{OrderId: req.GetOrder().GetId(), Plan: &omniroutev1.Plan{Currency: "KZT"}}
	if req.GetReserve() {
		resp.Reservation = &omniroutev1.Reservation{
			Id:      "r-" + req.GetOrder().GetId(),
			OrderId: req.GetOrder().GetId(),
			State:   omniroutev1.ReservationState_RESERVATION_STATE_ACTIVE,
		}
	}
	return resp
}
