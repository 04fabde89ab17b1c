package router

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"
	"google.golang.org/protobuf/encoding/protojson"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

// The HTTP/JSON routes are the gRPC methods, mapped by
// api/omniroute/v1/omniroute_http.yaml (and documented in
// omniroute.swagger.json):
//
//	POST /v1/route                                  RoutingService.Route
//	POST /v1/route:batch                            RoutingService.RouteBatch
//	POST /v1/options                                RoutingService.Options
//	POST /v1/reservations/{reservation_id}:commit   RoutingService.CommitReservation
//	POST /v1/reservations/{reservation_id}:release  RoutingService.ReleaseReservation
//	GET  /v1/reservations/{reservation_id}          RoutingService.GetReservation
//	POST /v1/stock                                  InventoryService.UpdateStock
//	GET  /v1/availability?skus=A&skus=B&node_ids=N  InventoryService.GetAvailability
//	     (or &position.lat=..&position.lon=..&radius_km=..&limit=..)
//	GET  /v1/network                                NetworkService.GetNetwork
//	POST /v1/network:reload                         NetworkService.ReloadNetwork
//	GET  /healthz                                   grpc.health.v1.Health.Check

// gatewayBufferBytes is the size of each direction's buffer of the
// in-memory connection between the gateway and the gRPC server.
const gatewayBufferBytes = 1 << 20

// GatewayOptions tune the HTTP/JSON gateway.
type GatewayOptions struct {
	// MaxBodyBytes bounds a request body; 0 means four times the gRPC
	// server's largest message (JSON is wordier than protobuf).
	MaxBodyBytes int64
}

// Gateway is the HTTP/JSON front of a Server, made by grpc-gateway from
// the API's HTTP routes. It does not call the Service directly: every
// request becomes a gRPC call to the Server's own *grpc.Server over a
// private in-memory connection, so each interceptor of that server
// (panic recovery, metrics, authentication and roles, audit) applies to
// HTTP calls exactly as to gRPC ones, and errors keep their codes: an
// InvalidArgument is a 400 whose JSON body has the message naming the
// field.
//
// Bodies are protobuf JSON. Answers use the proto field names
// ("order_id", "excluded_total"), as the gRPC JSON of `omniroute route`
// and grpcurl does; requests may use proto or lowerCamel names. Unknown
// fields are refused.
//
// Of the HTTP request's headers only Authorization is passed on, as the
// gRPC metadata "authorization"; Grpc-Metadata-* headers and a client's
// X-Forwarded-For and X-Forwarded-Host are dropped, so nothing a client
// sends can pose as metadata the server trusts. The gateway adds
// x-forwarded-for (the remote address) and x-forwarded-host (the Host).
//
// A Gateway is an http.Handler, safe for concurrent use. It serves no
// listener of its own: put it behind an http.Server (with TLS if
// wanted). Close it before shutting the Server down.
type Gateway struct {
	mux     *runtime.ServeMux
	json    runtime.Marshaler
	conn    *grpc.ClientConn
	lis     *bufconn.Listener
	maxBody int64

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
	served    chan struct{} // closed when the in-memory Serve returns
}

// Gateway starts serving s's gRPC server on a private in-memory listener
// and returns the HTTP/JSON gateway that calls it. ctx bounds the
// registration only.
func (s *Server) Gateway(ctx context.Context, o GatewayOptions) (*Gateway, error) {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 4 * int64(s.maxRecv)
	}
	lis := bufconn.Listen(gatewayBufferBytes)
	g := &Gateway{lis: lis, maxBody: o.MaxBodyBytes, served: make(chan struct{})}
	go func() {
		defer close(g.served)
		// Serve returns when the listener is closed (Close) or the server
		// stops (Shutdown); either ends the in-memory connection.
		_ = s.inproc.Serve(lis)
	}()
	conn, err := grpc.NewClient("passthrough:///omniroute-in-process",
		grpc.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxGatewayAnswerBytes)),
	)
	if err != nil {
		lis.Close()
		<-g.served
		return nil, fmt.Errorf("gateway: %w", err)
	}
	g.conn = conn
	g.json = &compactJSONPb{runtime.JSONPb{
		MarshalOptions:   protojson.MarshalOptions{UseProtoNames: true},
		UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
	}}
	g.mux = runtime.NewServeMux(
		runtime.WithMarshalerOption(runtime.MIMEWildcard, g.json),
		// Authorization is always passed on (as "authorization"); no other
		// header becomes metadata.
		runtime.WithIncomingHeaderMatcher(func(string) (string, bool) { return "", false }),
		// The client certificate the HTTPS handshake verified (mutual TLS)
		// identifies the caller as it does over gRPC.
		runtime.WithMetadata(forwardCert),
		runtime.WithHealthzEndpoint(healthpb.NewHealthClient(conn)),
	)
	for _, register := range []func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error{
		pb.RegisterRoutingServiceHandler,
		pb.RegisterInventoryServiceHandler,
		pb.RegisterNetworkServiceHandler,
		pb.RegisterPlanningServiceHandler,
	} {
		if err := register(ctx, g.mux, conn); err != nil {
			g.Close()
			return nil, fmt.Errorf("gateway: %w", err)
		}
	}
	return g, nil
}

// compactJSONPb is protobuf JSON without the spaces protojson scatters at
// random (on purpose, so that nobody relies on its bytes), ending with a
// newline: the same answer is the same bytes from every build, one line on
// a terminal.
type compactJSONPb struct{ runtime.JSONPb }

// Marshal implements runtime.Marshaler.
func (j *compactJSONPb) Marshal(v any) ([]byte, error) {
	raw, err := j.JSONPb.Marshal(v)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(raw) + 1)
	if err := json.Compact(&buf, raw); err != nil {
		return nil, fmt.Errorf("gateway: compact json: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// maxGatewayAnswerBytes bounds one answer the gateway takes from the gRPC
// server (an availability of every node, a batch of plans with their
// exclusions).
const maxGatewayAnswerBytes = 256 << 20

// ServeHTTP implements http.Handler. After Close it answers 503.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.closed.Load() {
		runtime.HTTPError(r.Context(), g.mux, g.json, w, r, status.Error(codes.Unavailable, "the server is shutting down"))
		return
	}
	// The gateway sets these from the connection itself.
	r.Header.Del("X-Forwarded-For")
	r.Header.Del("X-Forwarded-Host")
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, g.maxBody)
	}
	g.mux.ServeHTTP(w, r)
}

// Close ends the in-memory connection; calls in flight fail. It is safe to
// call more than once.
func (g *Gateway) Close() error {
	g.closeOnce.Do(func() {
		g.closed.Store(true)
		err := g.conn.Close()
		if lerr := g.lis.Close(); lerr != nil && !errors.Is(lerr, net.ErrClosed) {
			err = errors.Join(err, lerr)
		}
		<-g.served
		if err != nil {
			g.closeErr = fmt.Errorf("gateway: close: %w", err)
		}
	})
	return g.closeErr
}
