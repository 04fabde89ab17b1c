package bench

import (
	"context"
	"errors"
	"maps"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	omniroutev1 "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/bench/benchtest"
)

// testConfig is a small closed-loop run of n requests against addr.
func testConfig(t *testing.T, addr string, n int64) Config {
	t.Helper()
	orders, err := GenerateOrders(GenConfig{Seed: 7, Count: 50})
	require.NoError(t, err)
	return Config{
		Addr:         addr,
		Concurrency:  4,
		MaxRequests:  n,
		Orders:       orders,
		Timeout:      10 * time.Second,
		ReadyTimeout: 10 * time.Second,
		IDPrefix:     "t-",
	}
}

// mustRun runs cfg and fails the test on an error.
func mustRun(t *testing.T, ctx context.Context, cfg Config) *Result {
	t.Helper()
	res, err := Run(ctx, cfg)
	require.NoError(t, err, "Run")
	return res
}

func TestRunCountsErrorsByCode(t *testing.T) {
	srv := benchtest.Start(t, benchtest.Options{
		Handler: func(_ context.Context, n int64, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
			switch {
			case n%10 == 0:
				return nil, status.Error(codes.Unavailable, "injected")
			case n%25 == 3:
				return nil, status.Error(codes.InvalidArgument, "injected")
			}
			return benchtest.OK(req), nil
		},
	})
	cfg := testConfig(t, srv.Addr, 100)
	cfg.Reserve = true
	cfg.Connections = 2
	res := mustRun(t, t.Context(), cfg)

	if res.Requests != 100 || srv.Calls() != 100 {
		t.Errorf("requests %d, server calls %d, want 100 and 100", res.Requests, srv.Calls())
	}
	want := map[string]int64{"Unavailable": 10, "InvalidArgument": 4}
	if !maps.Equal(res.ErrorsByCode, want) || res.Errors != 14 {
		t.Errorf("errors %d %v, want 14 %v", res.Errors, res.ErrorsByCode, want)
	}
	assert.EqualValues(t, 86, res.Reserved, "reserved %d, want 86", res.Reserved)
	assert.Equal(t, 0.14, res.ErrorRate(), "error rate")
	assert.EqualValues(t, 100, res.Histogram.TotalCount(), "histogram holds")
	if res.Mode != "closed" || res.Interrupted {
		t.Errorf("mode %q interrupted %v, want closed and not interrupted", res.Mode, res.Interrupted)
	}

	err := Thresholds{MaxErrorRate: 0.1}.Check(res)
	if !errors.Is(err, ErrThreshold) || !strings.Contains(err.Error(), "error rate 14%") {
		t.Errorf("check at 10%%: %v, want a broken error-rate threshold at 14%%", err)
	}
	assert.NoError(t, (Thresholds{MaxErrorRate: 0.2}).Check(res), "check at 20%%")
}

// TestRunSendsBatches: with Batch set every request is one RouteBatch of
// that many orders, each with its own id; a batch with a failed order
// counts as a failed request under the order's code.
func TestRunSendsBatches(t *testing.T) {
	srv := benchtest.Start(t, benchtest.Options{
		RecordIDs: true,
		Handler: func(_ context.Context, n int64, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
			if n == 7 { // the second order of the third batch
				return nil, status.Error(codes.Aborted, "injected")
			}
			return benchtest.OK(req), nil
		},
	})
	cfg := testConfig(t, srv.Addr, 4)
	cfg.Concurrency = 1
	cfg.Batch = 5
	cfg.Reserve = true
	res := mustRun(t, t.Context(), cfg)
	require.Equal(t, int64(4), res.Requests)
	require.Equal(t, int64(4), srv.Batches())
	require.Equal(t, int64(20), srv.Calls())
	assert.Equal(t, int64(1), res.Errors)
	assert.Equal(t, map[string]int64{"Aborted": 1}, res.ErrorsByCode)
	assert.Equal(t, int64(19), res.Reserved, "every answered order of every batch is counted")
	ids := srv.OrderIDs()
	assert.Len(t, ids, 20)
	seen := map[string]bool{}
	for _, id := range ids {
		assert.False(t, seen[id], "order id %s sent twice", id)
		seen[id] = true
	}
}

// One call is held until 50 other calls have completed after it arrived,
// so it is the slowest by construction, whatever the machine's speed.
func TestRunLatencyOrdering(t *testing.T) {
	const slowCall = 5
	var slowArrived atomic.Bool
	var fastAfter atomic.Int64
	release := make(chan struct{})
	srv := benchtest.Start(t, benchtest.Options{
		Handler: func(ctx context.Context, n int64, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
			if n == slowCall {
				slowArrived.Store(true)
				select {
				case <-release:
				case <-ctx.Done():
					return nil, status.FromContextError(ctx.Err()).Err()
				}
				return benchtest.OK(req), nil
			}
			if slowArrived.Load() && fastAfter.Add(1) == 50 {
				close(release)
			}
			return benchtest.OK(req), nil
		},
	})
	cfg := testConfig(t, srv.Addr, 100)
	cfg.Concurrency = 2
	res := mustRun(t, t.Context(), cfg)
	require.EqualValues(t, 0, res.Errors, "requests %d errors %v, want 100 without errors", res.Requests, res.ErrorsByCode)
	require.EqualValues(t, 100, res.Requests, "requests %d errors %v, want 100 without errors", res.Requests, res.ErrorsByCode)

	l := res.Latency
	assert.True(t, l.P50 <= l.P90 && l.P90 <= l.P99 && l.P99 <= l.P999 && l.P999 <= l.Max, "percentiles out of order: %+v", l)
	assert.Less(t, l.P50, l.Max, "p50 %v not below max %v: the held call must stand out", l.P50, l.Max)
	assert.Equal(t, l.Max, l.P999, "p99.9 %v, want the held call %v (100 samples)", l.P999, l.Max)
}

func TestRunOpenLoopFollowsSchedule(t *testing.T) {
	srv := benchtest.Start(t, benchtest.Options{})
	cfg := testConfig(t, srv.Addr, 0)
	cfg.Rate = 400
	cfg.Duration = 250 * time.Millisecond
	res := mustRun(t, t.Context(), cfg)

	if res.Mode != "open" || res.Scheduled != 100 {
		t.Errorf("mode %q scheduled %d, want open and 100 (400 req/s for 250ms)", res.Mode, res.Scheduled)
	}
	assert.Equal(t, res.Scheduled, res.Requests+res.Missed, "requests %d + missed %d != scheduled %d", res.Requests, res.Missed, res.Scheduled)
	assert.Equal(t, res.Requests, srv.Calls(), "server saw %d calls, result counts %d", srv.Calls(), res.Requests)
}

// In open loop a stalled call delays the requests behind it, and their
// latency counts from when they were due: with one worker, slots 1..19 are
// due by 19ms but cannot leave before the first call returns at >= 50ms.
func TestRunOpenLoopMeasuresFromDueTime(t *testing.T) {
	const stall = 50 * time.Millisecond
	srv := benchtest.Start(t, benchtest.Options{
		Handler: func(ctx context.Context, n int64, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
			if n == 1 {
				timer := time.NewTimer(stall)
				defer timer.Stop()
				select {
				case <-timer.C:
				case <-ctx.Done():
					return nil, status.FromContextError(ctx.Err()).Err()
				}
			}
			return benchtest.OK(req), nil
		},
	})
	cfg := testConfig(t, srv.Addr, 20)
	cfg.Concurrency = 1
	cfg.Rate = 1000
	res := mustRun(t, t.Context(), cfg)

	require.EqualValues(t, 20, res.Requests, "requests %d (missed %d), want 20", res.Requests, res.Missed)
	assert.GreaterOrEqual(t, res.Latency.P50, stall-20*time.Millisecond, "p50 %v below", res.Latency.P50)
	assert.GreaterOrEqual(t, res.Latency.Max, stall, "max %v below the stall %v", res.Latency.Max, stall)
}

func TestRunGivesEveryRequestAUniqueOrderID(t *testing.T) {
	srv := benchtest.Start(t, benchtest.Options{RecordIDs: true})
	cfg := testConfig(t, srv.Addr, 200)
	cfg.Orders = cfg.Orders[:3] // far fewer templates than requests
	res := mustRun(t, t.Context(), cfg)
	require.EqualValues(t, 200, res.Requests, "requests %d, want 200", res.Requests)

	ids := srv.OrderIDs()
	require.Len(t, ids, 200, "server saw %d ids, want 200", len(ids))
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		assert.True(t, strings.HasPrefix(id, "t-"), "order id %q lacks the prefix", id)
		assert.False(t, seen[id], "duplicate order id %q", id)
		seen[id] = true
	}
}

func TestRunDiscardsWarmup(t *testing.T) {
	srv := benchtest.Start(t, benchtest.Options{RecordIDs: true})
	cfg := testConfig(t, srv.Addr, 20)
	cfg.Warmup = 30 * time.Millisecond
	res := mustRun(t, t.Context(), cfg)

	assert.EqualValues(t, 20, res.Requests, "requests %d, want 20", res.Requests)
	assert.Equal(t, res.Requests+res.WarmupRequests, srv.Calls(), "server saw %d calls, want %d measured + %d warmup", srv.Calls(), res.Requests, res.WarmupRequests)
	var warm, measured int64
	for _, id := range srv.OrderIDs() {
		if strings.HasPrefix(id, "t-w") {
			warm++
		} else {
			measured++
		}
	}
	if measured != 20 || warm != res.WarmupRequests {
		t.Errorf("ids: %d measured %d warmup, want 20 and %d", measured, warm, res.WarmupRequests)
	}
}

func TestRunCountsTimeouts(t *testing.T) {
	srv := benchtest.Start(t, benchtest.Options{
		Handler: func(ctx context.Context, _ int64, _ *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
			<-ctx.Done() // never answers
			return nil, status.FromContextError(ctx.Err()).Err()
		},
	})
	cfg := testConfig(t, srv.Addr, 4)
	cfg.Concurrency = 2
	cfg.Timeout = 20 * time.Millisecond
	res := mustRun(t, t.Context(), cfg)

	if want := map[string]int64{"DeadlineExceeded": 4}; !maps.Equal(res.ErrorsByCode, want) {
		t.Errorf("errors %v, want %v", res.ErrorsByCode, want)
	}
	assert.GreaterOrEqual(t, res.Latency.P50, cfg.Timeout, "p50 %v below the timeout %v", res.Latency.P50, cfg.Timeout)
}

func TestRunStopsAndReportsWhenInterrupted(t *testing.T) {
	for _, tc := range []struct {
		name string
		rate float64
	}{
		{"closed loop", 0},
		{"open loop", 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			srv := benchtest.Start(t, benchtest.Options{
				Handler: func(_ context.Context, n int64, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
					if n == 10 {
						cancel()
					}
					return benchtest.OK(req), nil
				},
			})
			cfg := testConfig(t, srv.Addr, 0)
			cfg.Duration = time.Minute // the interruption ends it
			cfg.Rate = tc.rate
			res := mustRun(t, ctx, cfg)

			assert.True(t, res.Interrupted, "result not marked interrupted")
			if res.Requests > srv.Calls() || res.Requests >= 1000 {
				t.Errorf("requests %d, server calls %d: the run did not stop", res.Requests, srv.Calls())
			}
			assert.EqualValues(t, 0, res.Errors, "calls cut short by the interruption counted as errors: %v", res.ErrorsByCode)
			if tc.rate > 0 && res.Scheduled != 12000 {
				t.Errorf("scheduled %d, want 12000", res.Scheduled)
			}
		})
	}
}

func TestRunWaitsForReadiness(t *testing.T) {
	t.Run("no health service", func(t *testing.T) {
		srv := benchtest.Start(t, benchtest.Options{NoHealth: true})
		if res := mustRun(t, t.Context(), testConfig(t, srv.Addr, 5)); res.Requests != 5 {
			t.Errorf("requests %d, want 5", res.Requests)
		}
	})
	t.Run("not serving", func(t *testing.T) {
		srv := benchtest.Start(t, benchtest.Options{})
		srv.Health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
		cfg := testConfig(t, srv.Addr, 5)
		cfg.ReadyTimeout = 500 * time.Millisecond
		_, err := Run(t.Context(), cfg)
		if err == nil || !strings.Contains(err.Error(), "not ready") || !strings.Contains(err.Error(), "NOT_SERVING") {
			t.Errorf("Run: %v, want a not-ready error naming NOT_SERVING", err)
		}
		assert.EqualValues(t, 0, srv.Calls(), "%d calls sent before the server was ready", srv.Calls())
	})
	t.Run("interrupted", func(t *testing.T) {
		srv := benchtest.Start(t, benchtest.Options{})
		srv.Health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := Run(ctx, testConfig(t, srv.Addr, 5)); !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v, want context.Canceled", err)
		}
	})
}

func TestRunRejectsBadConfig(t *testing.T) {
	orders, err := GenerateOrders(GenConfig{Seed: 1, Count: 1})
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no address", Config{Duration: time.Second, Orders: orders}},
		{"no end", Config{Addr: "127.0.0.1:1", Orders: orders}},
		{"no orders", Config{Addr: "127.0.0.1:1", Duration: time.Second}},
		{"negative rate", Config{Addr: "127.0.0.1:1", Duration: time.Second, Orders: orders, Rate: -1}},
		{"negative concurrency", Config{Addr: "127.0.0.1:1", Duration: time.Second, Orders: orders, Concurrency: -2}},
		{"more connections than workers", Config{Addr: "127.0.0.1:1", Duration: time.Second, Orders: orders, Concurrency: 2, Connections: 3}},
		{"nil order", Config{Addr: "127.0.0.1:1", Duration: time.Second, Orders: []*omniroutev1.Order{nil}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Run(t.Context(), tc.cfg); !errors.Is(err, ErrConfig) {
				t.Errorf("Run: %v, want ErrConfig", err)
			}
		})
	}
}

func TestNewSchedule(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rate  float64
		d     time.Duration
		max   int64
		slots int64
	}{
		{"exact", 400, 250 * time.Millisecond, 0, 100},
		{"float product rounds up", 10, 300 * time.Millisecond, 0, 3},
		{"partial interval", 3, 1100 * time.Millisecond, 0, 4},
		{"slow rate", 0.5, 3 * time.Second, 0, 2},
		{"capped", 100, time.Second, 20, 20},
		{"cap above plan", 100, time.Second, 500, 100},
		{"cap only", 1000, 0, 7, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSchedule(tc.rate, tc.d, tc.max)
			assert.Equal(t, tc.slots, s.slots, "slots %d, want %d", s.slots, tc.slots)
			for i := int64(1); i < s.slots; i++ {
				require.Less(t, s.due(i-1), s.due(i), "due(%d) %v not before due(%d) %v", i-1, s.due(i-1), i, s.due(i))
			}
			if tc.d > 0 && s.due(s.slots-1) >= tc.d {
				t.Errorf("last slot due at %v, not before %v", s.due(s.slots-1), tc.d)
			}
		})
	}
}

func TestRunReportsProgress(t *testing.T) {
	srv := benchtest.Start(t, benchtest.Options{
		Handler: func(_ context.Context, n int64, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
			if n%2 == 0 {
				return nil, status.Error(codes.Unavailable, "injected")
			}
			return benchtest.OK(req), nil
		},
	})
	var returned atomic.Bool
	var reports []Progress // one goroutine at a time writes it
	cfg := testConfig(t, srv.Addr, 0)
	cfg.Rate = 400
	cfg.Duration = 100 * time.Millisecond
	cfg.Warmup = 20 * time.Millisecond
	cfg.ProgressInterval = 5 * time.Millisecond
	cfg.Progress = func(p Progress) {
		assert.False(t, returned.Load(), "progress reported after Run returned")
		reports = append(reports, p)
	}
	res := mustRun(t, t.Context(), cfg)
	returned.Store(true)

	var last Progress
	for _, p := range reports {
		if p.Warmup != last.Warmup {
			last = Progress{} // the measured run starts from zero
		}
		if p.Requests < last.Requests || p.Errors < last.Errors || p.Errors > p.Requests {
			t.Errorf("progress went back or is inconsistent: %+v after %+v", p, last)
		}
		if !p.Warmup && p.Requests > res.Requests {
			t.Errorf("progress %d requests, more than the result's %d", p.Requests, res.Requests)
		}
		last = p
	}
}

// TestRunStopsWhenTheServerGoesAway: a server that dies during the run is
// not hammered with calls: the workers pause while one waits for it, and
// when it is not back within the ready timeout the run stops with the
// partial result and ErrServerLost.
func TestRunStopsWhenTheServerGoesAway(t *testing.T) {
	var srv *benchtest.Server
	srv = benchtest.Start(t, benchtest.Options{
		Handler: func(_ context.Context, n int64, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
			if n == 40 {
				go srv.Stop()
			}
			return benchtest.OK(req), nil
		},
	})
	cfg := testConfig(t, srv.Addr, 0)
	cfg.Duration = time.Hour // only the lost server ends this run
	cfg.ReadyTimeout = 300 * time.Millisecond
	res, err := Run(t.Context(), cfg)
	require.ErrorIs(t, err, ErrServerLost)
	assert.Contains(t, err.Error(), "not ready after 300ms")
	require.NotNil(t, res, "the partial result comes with the error")
	assert.True(t, res.ServerLost)
	assert.GreaterOrEqual(t, res.Requests, int64(40))
	// Each worker fails at most once before they all wait for the server.
	assert.LessOrEqual(t, res.Errors, int64(cfg.Concurrency), "errors by code: %v", res.ErrorsByCode)
	assert.Equal(t, res.Errors, res.ErrorsByCode["Unavailable"])
}

// TestRunWaitsForAServerThatComesBack: Unavailable answers while the server
// is not serving pause the run; once it serves again the run goes on to
// the end and succeeds.
func TestRunWaitsForAServerThatComesBack(t *testing.T) {
	var srv *benchtest.Server
	var away atomic.Bool
	srv = benchtest.Start(t, benchtest.Options{
		Handler: func(_ context.Context, n int64, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
			if n == 20 {
				// Health goes down before the calls fail and comes back
				// after they succeed, so a worker that waited for the
				// server never finds it serving while calls still fail.
				srv.Health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
				away.Store(true)
				time.AfterFunc(100*time.Millisecond, func() {
					away.Store(false)
					srv.Health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
				})
			}
			if away.Load() {
				return nil, status.Error(codes.Unavailable, "shutting down")
			}
			return benchtest.OK(req), nil
		},
	})
	cfg := testConfig(t, srv.Addr, 200)
	cfg.ReadyTimeout = time.Minute
	res, err := Run(t.Context(), cfg)
	require.NoError(t, err)
	assert.False(t, res.ServerLost)
	assert.Equal(t, int64(200), res.Requests)
	assert.LessOrEqual(t, res.Errors, int64(cfg.Concurrency), "errors by code: %v", res.ErrorsByCode)
}
