package bench

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	omniroutev1 "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/bench/benchtest"
)

// BenchmarkRoute compares the generator (bench) with a bare loop of Route
// calls (raw) against the same fake server: the difference per op is the
// generator's own overhead.
func BenchmarkRoute(b *testing.B) {
	srv := benchtest.Start(b, benchtest.Options{NoHealth: true})
	conn, err := grpc.NewClient(srv.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(b, err)
	defer conn.Close()
	client := omniroutev1.NewRoutingServiceClient(conn)
	orders, err := GenerateOrders(GenConfig{Seed: 1, Count: 1000})
	require.NoError(b, err)
	for _, c := range []int{1, 8} {
		b.Run(fmt.Sprintf("raw/concurrency=%d", c), func(b *testing.B) {
			b.ReportAllocs()
			var next atomic.Int64
			var wg sync.WaitGroup
			for range c {
				wg.Go(func() {
					for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
						req := &omniroutev1.RouteRequest{Order: orders[i%int64(len(orders))]}
						if _, err := client.Route(b.Context(), req); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
		})
		b.Run(fmt.Sprintf("bench/concurrency=%d", c), func(b *testing.B) {
			b.ReportAllocs()
			cfg, err := Config{Addr: srv.Addr, Concurrency: c, MaxRequests: int64(b.N), Orders: orders}.withDefaults()
			require.NoError(b, err)
			b.ResetTimer()
			res, err := runPhase(b.Context(), []*grpc.ClientConn{conn}, cfg, "b-", false)
			require.NoError(b, err, "%d requests, errors %v (%v)", res.Requests, res.ErrorsByCode, err)
			require.Equal(b, int64(b.N), res.Requests, "%d requests, errors %v (%v)", res.Requests, res.ErrorsByCode, err)
			require.EqualValues(b, 0, res.Errors, "%d requests, errors %v (%v)", res.Requests, res.ErrorsByCode, err)
		})
	}
}

// BenchmarkRecord is the per-call bookkeeping of a worker.
func BenchmarkRecord(b *testing.B) {
	b.ReportAllocs()
	w := &worker{hist: newHistogram()}
	resp := &omniroutev1.RouteResponse{Plan: &omniroutev1.Plan{}}
	for i := 0; b.Loop(); i++ {
		w.record(time.Duration(i%5000)*time.Microsecond, nil)
		w.count(resp)
	}
}

func BenchmarkGenerateOrders(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("count=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := GenerateOrders(GenConfig{Seed: 1, Count: n}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
