package bench

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	omniroutev1 "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/auth"
	"github.com/omniroute/omniroute/bench/benchtest"
)

// TestRunSendsDialOptions: the per-call credentials in DialOptions reach
// the server with every request.
func TestRunSendsDialOptions(t *testing.T) {
	var withToken, without atomic.Int64
	srv := benchtest.Start(t, benchtest.Options{
		Handler: func(ctx context.Context, _ int64, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
			md, _ := metadata.FromIncomingContext(ctx)
			if v := md.Get("authorization"); len(v) == 1 && v[0] == "Bearer s3cret" {
				withToken.Add(1)
				return benchtest.OK(req), nil
			}
			without.Add(1)
			return nil, status.Error(codes.Unauthenticated, "no token")
		},
	})
	cfg := testConfig(t, srv.Addr, 20)
	cfg.DialOptions = []grpc.DialOption{grpc.WithPerRPCCredentials(auth.Bearer{Token: "s3cret", AllowPlaintext: true})}
	res, err := Run(t.Context(), cfg)
	require.NoError(t, err)
	assert.Equal(t, int64(0), res.Errors)
	assert.Equal(t, int64(20), withToken.Load())
	assert.Zero(t, without.Load())
}
