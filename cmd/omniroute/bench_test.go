package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	omniroutev1 "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/bench"
	"github.com/omniroute/omniroute/bench/benchtest"
)

// benchArgs are the flags of a short closed-loop run against addr.
func benchArgs(addr string, extra ...string) []string {
	return append([]string{"--addr", addr, "--duration", "0", "--max-requests", "50",
		"--concurrency", "4", "--gen-count", "20", "--ready-timeout", "10s"}, extra...)
}

func TestBenchGateFailsOnInjectedErrors(t *testing.T) {
	srv := benchtest.Start(t, benchtest.Options{
		Handler: func(_ context.Context, n int64, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
			if n%10 == 0 {
				return nil, status.Error(codes.Unavailable, "injected")
			}
			return benchtest.OK(req), nil
		},
	})
	var stdout, stderr bytes.Buffer
	err := runBench(t.Context(), benchArgs(srv.Addr, "--json", "--max-error-rate", "0"), &stdout, &stderr)
	if !errors.Is(err, bench.ErrThreshold) || !strings.Contains(err.Error(), "error rate 10%") {
		t.Fatalf("runBench: %v, want the error-rate threshold broken at 10%%", err)
	}

	var got map[string]json.RawMessage
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, stdout.String())
	}
	for _, k := range []string{"requests", "errors", "duration_s", "throughput_rps", "latency_ms", "errors_by_code"} {
		if _, ok := got[k]; !ok {
			t.Errorf("JSON lacks %q: %s", k, stdout.String())
		}
	}
	var byCode map[string]int64
	if err := json.Unmarshal(got["errors_by_code"], &byCode); err != nil || byCode["Unavailable"] != 5 {
		t.Errorf("errors_by_code %s, want Unavailable 5", got["errors_by_code"])
	}

	// The same run through the command dispatcher exits 1.
	stdout.Reset()
	code := run(t.Context(), append([]string{"bench"}, benchArgs(srv.Addr, "--max-error-rate", "0.05")...), &stdout, &stderr)
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
}

// Every call takes at least 2ms, so a 1ms p99 limit breaks whatever the
// machine's speed.
func TestBenchGateFailsOnSlowP99(t *testing.T) {
	srv := benchtest.Start(t, benchtest.Options{
		Handler: func(_ context.Context, _ int64, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
			time.Sleep(2 * time.Millisecond)
			return benchtest.OK(req), nil
		},
	})
	var stdout, stderr bytes.Buffer
	err := runBench(t.Context(), benchArgs(srv.Addr, "--max-p99", "1ms", "--max-error-rate", "0"), &stdout, &stderr)
	if !errors.Is(err, bench.ErrThreshold) || !strings.Contains(err.Error(), "p99 latency") ||
		!strings.Contains(err.Error(), "above the limit 1ms by") || strings.Contains(err.Error(), "error rate") {
		t.Fatalf("runBench: %v, want only the p99 threshold broken", err)
	}
	if !strings.Contains(stdout.String(), "latency p99") {
		t.Errorf("no table printed before failing:\n%s", stdout.String())
	}
}

func TestBenchPassesWithinThresholds(t *testing.T) {
	srv := benchtest.Start(t, benchtest.Options{RecordIDs: true})
	var stdout, stderr bytes.Buffer
	err := runBench(t.Context(), benchArgs(srv.Addr, "--max-error-rate", "0", "--max-p99", "1m", "--reserve", "--id-prefix", "ci-"), &stdout, &stderr)
	if err != nil {
		t.Fatalf("runBench: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"requests    50", "reservations  50"} {
		if !strings.Contains(strings.Join(strings.Fields(stdout.String()), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("table lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, id := range srv.OrderIDs() {
		if !strings.HasPrefix(id, "ci-") {
			t.Fatalf("order id %q lacks --id-prefix", id)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"orders and seed", []string{"--orders", "o.jsonl", "--gen-seed", "3"}},
		{"skus twice", []string{"--skus", "A", "--skus-file", "stock.csv"}},
		{"error rate above 1", []string{"--max-error-rate", "5"}},
		{"no workers", []string{"--concurrency", "0"}},
		{"no end", []string{"--duration", "0"}},
		{"stray argument", []string{"now"}},
		{"unknown flag", []string{"--fast"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(t.Context(), append([]string{"bench", "--ready-timeout", "1ms"}, tc.args...), &stdout, &stderr); code != 2 {
				t.Errorf("exit code %d, want 2; stderr:\n%s", code, stderr.String())
			}
		})
	}
}

// TestBenchStopsWhenTheServerDies: bench against a server that dies during
// the run prints what it measured, says the server was lost and exits 1,
// also without any --max-* gate.
func TestBenchStopsWhenTheServerDies(t *testing.T) {
	var srv *benchtest.Server
	srv = benchtest.Start(t, benchtest.Options{
		Handler: func(_ context.Context, n int64, req *omniroutev1.RouteRequest) (*omniroutev1.RouteResponse, error) {
			if n == 30 {
				go srv.Stop()
			}
			return benchtest.OK(req), nil
		},
	})
	var stdout, stderr bytes.Buffer
	args := []string{"bench", "--addr", srv.Addr, "--duration", "1h", "--concurrency", "4", "--gen-count", "20", "--ready-timeout", "300ms"}
	code := run(t.Context(), args, &stdout, &stderr)
	assert.Equal(t, 1, code, "stderr: %s", stderr.String())
	assert.Contains(t, stdout.String(), "server lost: partial results")
	assert.Contains(t, stderr.String(), "server lost during the run")
}
