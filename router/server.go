package router

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

// DefaultMaxRecvMsgBytes bounds the size of one request message.
const DefaultMaxRecvMsgBytes = 4 << 20

// ServerOptions tune the gRPC server.
type ServerOptions struct {
	// MaxRecvMsgBytes bounds one request (DefaultMaxRecvMsgBytes when 0).
	MaxRecvMsgBytes int
	// Logger receives per-call debug logs and recovered panics.
	Logger *slog.Logger
	// Extra are more gRPC server options (tests add credentials, etc.).
	Extra []grpc.ServerOption
}

// Server is the gRPC front of a Service: the three omniroute services,
// health checking and reflection, behind panic recovery.
type Server struct {
	svc    *Service
	grpc   *grpc.Server
	health *health.Server
	log    *slog.Logger
}

// serviceNames are the services reported by health checking.
var serviceNames = []string{
	pb.RoutingService_ServiceDesc.ServiceName,
	pb.InventoryService_ServiceDesc.ServiceName,
	pb.NetworkService_ServiceDesc.ServiceName,
}

// NewServer builds the gRPC server for svc; Serve starts it.
func NewServer(svc *Service, o ServerOptions) *Server {
	if o.MaxRecvMsgBytes <= 0 {
		o.MaxRecvMsgBytes = DefaultMaxRecvMsgBytes
	}
	if o.Logger == nil {
		o.Logger = svc.log
	}
	s := &Server{svc: svc, health: health.NewServer(), log: o.Logger}
	opts := append([]grpc.ServerOption{
		grpc.MaxRecvMsgSize(o.MaxRecvMsgBytes),
		grpc.ChainUnaryInterceptor(s.recoverUnary),
		grpc.ChainStreamInterceptor(s.recoverStream),
	}, o.Extra...)
	s.grpc = grpc.NewServer(opts...)
	pb.RegisterRoutingServiceServer(s.grpc, routingServer{s: svc})
	pb.RegisterInventoryServiceServer(s.grpc, inventoryServer{s: svc})
	pb.RegisterNetworkServiceServer(s.grpc, networkServer{s: svc})
	healthpb.RegisterHealthServer(s.grpc, s.health)
	reflection.Register(s.grpc)
	svc.OnStoreFailure(func(error) { s.health.Shutdown() })
	svc.OnHealth(s.setServing)
	s.setServing(svc.serving())
	return s
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
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		s.log.Warn("graceful stop timed out; closing remaining calls")
		s.grpc.Stop()
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
