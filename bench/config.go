package bench

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc"

	omniroutev1 "github.com/omniroute/omniroute/api/omniroute/v1"
)

// Defaults applied by Run to the zero fields of a Config.
const (
	DefaultConcurrency  = 32
	DefaultTimeout      = 5 * time.Second
	DefaultReadyTimeout = 30 * time.Second
	DefaultIDPrefix     = "bench-"
)

// ErrConfig is wrapped by every error about an invalid Config.
var ErrConfig = errors.New("invalid bench config")

// Config describes one load test.
type Config struct {
	// Addr is the server's gRPC address, host:port. It is the only address
	// Run dials.
	Addr string
	// DialOptions are added to every connection after Run's own: transport
	// credentials (TLS; plaintext when none are given) and per-call
	// credentials such as a bearer token.
	DialOptions []grpc.DialOption
	// Duration is how long requests are sent after the warmup. Zero means
	// until MaxRequests have been sent (MaxRequests must then be set).
	Duration time.Duration
	// Concurrency is the number of workers, each with at most one call in
	// flight. Zero means DefaultConcurrency.
	Concurrency int
	// Connections is the number of gRPC connections the workers share
	// round-robin. Zero means one, which suits most runs; more spread the
	// client's own work when one connection limits throughput.
	Connections int
	// Rate is the open-loop request rate per second. Zero runs a closed
	// loop: each worker sends its next request when the previous one ends.
	// Above zero, request i is due at start + i/Rate and its latency is
	// measured from that intended time, not from when a worker got to it.
	Rate float64
	// Reserve asks the server to reserve the planned units.
	Reserve bool
	// Batch, above 1, makes every request one RouteBatch call of Batch
	// orders (the next templates in turn) instead of one Route call: the
	// latency is the whole batch's, and a batch counts as failed when the
	// call or any of its orders failed (with the first failed order's
	// code). Zero or 1 sends single Route calls.
	Batch int
	// Orders are the templates requests are made from, used round-robin.
	// Each request gets a copy with a unique id; a template without
	// created_at gets the request's send time.
	Orders []*omniroutev1.Order
	// MaxRequests caps the requests sent after the warmup; zero means no cap.
	MaxRequests int64
	// Timeout bounds each call. In open loop, a request not sent within
	// Timeout of its intended time is counted as missed instead. Zero means
	// DefaultTimeout.
	Timeout time.Duration
	// Warmup is sent (at the same concurrency and rate) before the measured
	// run; its results are discarded.
	Warmup time.Duration
	// ReadyTimeout bounds the wait for the server to become ready. Zero
	// means DefaultReadyTimeout.
	ReadyTimeout time.Duration
	// Progress, when set, is called about every ProgressInterval with the
	// counts so far, from one goroutine at a time, and never after Run
	// returns. It must be quick.
	Progress func(Progress)
	// ProgressInterval is how often Progress is called; zero means one
	// second.
	ProgressInterval time.Duration
	// IDPrefix starts every order id; the rest is the worker and a counter.
	// Give each run a distinct prefix when the server keeps reservations
	// between runs. Empty means DefaultIDPrefix.
	IDPrefix string
}

// Progress is a snapshot of a run under way.
type Progress struct {
	// Warmup is true during the warmup.
	Warmup bool
	// Elapsed is the time since the warmup or the measured run started.
	Elapsed time.Duration
	// Requests and Errors count the calls ended so far.
	Requests, Errors int64
}

// withDefaults returns c with defaults filled in, or an error wrapping
// ErrConfig.
func (c Config) withDefaults() (Config, error) {
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Connections == 0 {
		c.Connections = 1
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.ReadyTimeout == 0 {
		c.ReadyTimeout = DefaultReadyTimeout
	}
	if c.ProgressInterval == 0 {
		c.ProgressInterval = time.Second
	}
	if c.IDPrefix == "" {
		c.IDPrefix = DefaultIDPrefix
	}
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("no server address"))
	}
	if c.Concurrency < 0 {
		errs = append(errs, fmt.Errorf("concurrency %d is negative", c.Concurrency))
	}
	if c.Connections < 0 || c.Connections > c.Concurrency {
		errs = append(errs, fmt.Errorf("connections %d, want 1 to the concurrency %d", c.Connections, c.Concurrency))
	}
	if c.Rate < 0 {
		errs = append(errs, fmt.Errorf("rate %g is negative", c.Rate))
	}
	if c.Duration < 0 || c.Warmup < 0 || c.Timeout < 0 || c.ReadyTimeout < 0 || c.ProgressInterval < 0 {
		errs = append(errs, errors.New("durations must not be negative"))
	}
	if c.Batch < 0 {
		errs = append(errs, fmt.Errorf("batch %d is negative", c.Batch))
	}
	if c.MaxRequests < 0 {
		errs = append(errs, fmt.Errorf("max requests %d is negative", c.MaxRequests))
	}
	if c.Duration == 0 && c.MaxRequests == 0 {
		errs = append(errs, errors.New("neither a duration nor a request cap: the run would never end"))
	}
	if len(c.Orders) == 0 {
		errs = append(errs, errors.New("no orders"))
	}
	for i, o := range c.Orders {
		if o == nil {
			errs = append(errs, fmt.Errorf("order %d is nil", i))
			break
		}
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("%w: %w", ErrConfig, errors.Join(errs...))
	}
	return c, nil
}
