package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/term"

	omniroutev1 "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/bench"
)

// runBench load-tests a running server: omniroute bench --addr A ...
// It prints the result, then fails when the run was interrupted or broke a
// --max-* threshold, so that CI can gate on its exit status.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	addr := fs.String("addr", "127.0.0.1:50051", "server gRPC `address`, host:port")
	duration := fs.Duration("duration", 30*time.Second, "how long to send load, after the warmup (0: until --max-requests)")
	concurrency := fs.Int("concurrency", bench.DefaultConcurrency, "`workers`, each with one call in flight")
	connections := fs.Int("connections", 1, "gRPC `connections` the workers share")
	rate := fs.Float64("rate", 0, "open loop at this many `requests` per second, latency measured from each request's due time; 0 runs a closed loop")
	ordersPath := fs.String("orders", "", "`file` of protojson orders (JSON lines or a JSON array); ids are replaced by unique ones")
	genSeed := fs.Uint64("gen-seed", 1, "`seed` of the generated orders (without --orders)")
	genCount := fs.Int("gen-count", 10000, "distinct generated orders to cycle through")
	skuList := fs.String("skus", "", "comma-separated `SKUs` for generated orders, most popular first (default: built-in catalogue)")
	skuFile := fs.String("skus-file", "", "CSV `file` with a sku column, such as a stock file, for generated orders")
	reserve := fs.Bool("reserve", false, "ask the server to reserve the planned units")
	batch := fs.Int("batch", 0, "send RouteBatch calls of this many `orders` instead of single Route calls (latency is the batch's)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	maxP99 := fs.Duration("max-p99", 0, "fail when p99 latency is above this `duration` (0: no limit)")
	maxErrorRate := fs.Float64("max-error-rate", bench.NoErrorRateLimit, "fail when the `fraction` of failed requests (errors, and open-loop requests that missed their slot) is above this: 0 allows none, 0.01 allows 1% (negative: no limit)")
	warmup := fs.Duration("warmup", 0, "send load for this long first and discard its results")
	maxRequests := fs.Int64("max-requests", 0, "stop after this many requests (0: no cap)")
	timeout := fs.Duration("timeout", bench.DefaultTimeout, "timeout of each call")
	readyTimeout := fs.Duration("ready-timeout", bench.DefaultReadyTimeout, "how long to wait for the server to be ready")
	idPrefix := fs.String("id-prefix", "", "order id `prefix` (default: bench-<run id>-, unique per run)")
	dial := addDialFlags(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	dopts, err := dial.options(*addr)
	if err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if set["orders"] {
		for _, gen := range []string{"gen-seed", "gen-count", "skus", "skus-file"} {
			if set[gen] {
				return fmt.Errorf("%w: --orders and --%s exclude each other", errUsage, gen)
			}
		}
	}
	if set["skus"] && set["skus-file"] {
		return fmt.Errorf("%w: --skus and --skus-file exclude each other", errUsage)
	}
	if *maxErrorRate > 1 {
		return fmt.Errorf("%w: --max-error-rate %g is a fraction, at most 1", errUsage, *maxErrorRate)
	}
	if *batch < 0 {
		return fmt.Errorf("%w: --batch %d, want 0 (single Route calls) or more", errUsage, *batch)
	}
	if *concurrency < 1 {
		return fmt.Errorf("%w: --concurrency %d, want at least 1", errUsage, *concurrency)
	}

	orders, err := benchOrders(*ordersPath, *genSeed, *genCount, *skuList, *skuFile)
	if err != nil {
		return err
	}
	if *idPrefix == "" {
		*idPrefix = "bench-" + strconv.FormatInt(time.Now().UnixMilli(), 36) + "-"
	}
	cfg := bench.Config{
		Addr:         *addr,
		DialOptions:  dopts,
		Duration:     *duration,
		Concurrency:  *concurrency,
		Connections:  *connections,
		Rate:         *rate,
		Reserve:      *reserve,
		Batch:        *batch,
		Orders:       orders,
		MaxRequests:  *maxRequests,
		Timeout:      *timeout,
		Warmup:       *warmup,
		ReadyTimeout: *readyTimeout,
		IDPrefix:     *idPrefix,
	}
	gate := bench.Thresholds{MaxP99: *maxP99, MaxErrorRate: *maxErrorRate}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		cfg.Progress = func(p bench.Progress) {
			phase := "load"
			if p.Warmup {
				phase = "warmup"
			}
			fmt.Fprintf(f, "\r\033[K%s %5.1fs  %d requests  %.0f req/s  %d errors",
				phase, p.Elapsed.Seconds(), p.Requests, float64(p.Requests)/p.Elapsed.Seconds(), p.Errors)
		}
	}

	mode := "closed loop"
	if *rate > 0 {
		mode = fmt.Sprintf("open loop at %g req/s", *rate)
	}
	fmt.Fprintf(stderr, "bench: %s, %d workers, %v (warmup %v), %d order templates, against %s\n",
		mode, *concurrency, *duration, *warmup, len(orders), *addr)
	res, err := bench.Run(ctx, cfg)
	if cfg.Progress != nil {
		fmt.Fprint(stderr, "\r\033[K") // clear the progress line
	}
	if errors.Is(err, bench.ErrConfig) {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	lost := errors.Is(err, bench.ErrServerLost)
	if err != nil && !lost {
		return err
	}

	if *asJSON {
		if err := json.NewEncoder(stdout).Encode(res); err != nil {
			return fmt.Errorf("write result: %w", err)
		}
	} else if err := res.WriteTable(stdout); err != nil {
		return err
	}
	if res.Missed > 0 {
		fmt.Fprintf(stderr, "bench: %d requests missed their slot by more than %v: raise --concurrency or lower --rate\n",
			res.Missed, *timeout)
	}
	if lost {
		return fmt.Errorf("stopped after %.1fs: partial results: %w", res.Duration.Seconds(), err)
	}
	if res.Interrupted {
		return fmt.Errorf("interrupted after %.1fs: partial results: %w", res.Duration.Seconds(), context.Cause(ctx))
	}
	if err := gate.Check(res); err != nil {
		return err
	}
	return nil
}

// benchOrders loads the orders file, or generates orders from the seed over
// the SKU list, the SKU file or the built-in catalogue.
func benchOrders(path string, seed uint64, count int, skuList, skuFile string) ([]*omniroutev1.Order, error) {
	if path != "" {
		return bench.LoadOrders(path)
	}
	if count < 1 {
		return nil, fmt.Errorf("%w: --gen-count %d, want at least 1", errUsage, count)
	}
	var skus []bench.SKU
	var err error
	switch {
	case skuList != "":
		skus, err = bench.ParseSKUs(skuList)
	case skuFile != "":
		skus, err = bench.LoadSKUs(skuFile)
	}
	if err != nil {
		return nil, err
	}
	return bench.GenerateOrders(bench.GenConfig{Seed: seed, Count: count, SKUs: skus})
}
