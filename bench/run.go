package bench

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	omniroutev1 "github.com/omniroute/omniroute/api/omniroute/v1"
)

// reconnectMaxDelay caps gRPC's reconnect backoff so that a server that
// starts late is found soon after it listens.
const reconnectMaxDelay = time.Second

// ErrServerLost is wrapped by the error Run returns when the server stopped
// answering during the run and was not ready again within
// Config.ReadyTimeout.
var ErrServerLost = errors.New("server lost")

// Run dials cfg.Addr, waits for the server to be ready, sends the warmup and
// then the measured load, and returns what it measured. When ctx is
// cancelled during the measured run, Run stops sending, waits for the calls
// in flight and returns the partial result with Interrupted set; calls cut
// short by the cancellation are not counted. Cancelled while waiting for
// the server or during the warmup, Run returns the context's error.
//
// A call that fails with Unavailable (the connection is gone, or the server
// is shutting down) pauses every worker while one of them waits for the
// server to be ready again, as at the start, for at most ReadyTimeout.
// When it comes back the run goes on; when it does not, Run stops and
// returns the partial result, with ServerLost set, and an error wrapping
// ErrServerLost. A dead server is never hammered with failing calls.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	bo := backoff.DefaultConfig
	bo.MaxDelay = reconnectMaxDelay
	conns := make([]*grpc.ClientConn, cfg.Connections)
	for i := range conns {
		opts := append([]grpc.DialOption{
			grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithConnectParams(grpc.ConnectParams{Backoff: bo, MinConnectTimeout: 5 * time.Second}),
		}, cfg.DialOptions...)
		conn, err := grpc.NewClient(cfg.Addr, opts...)
		if err != nil {
			return nil, fmt.Errorf("bench: dial %s: %w", cfg.Addr, err)
		}
		defer conn.Close()
		if err := WaitReady(ctx, conn, cfg.ReadyTimeout); err != nil {
			return nil, fmt.Errorf("bench %s: %w", cfg.Addr, err)
		}
		conns[i] = conn
	}

	var warmup int64
	if cfg.Warmup > 0 {
		wcfg := cfg
		wcfg.Duration, wcfg.MaxRequests = cfg.Warmup, 0
		w, lost := runPhase(ctx, conns, wcfg, cfg.IDPrefix+"w", true)
		if ctx.Err() != nil {
			return nil, fmt.Errorf("bench %s: warmup: %w", cfg.Addr, context.Cause(ctx))
		}
		if lost != nil {
			return nil, fmt.Errorf("bench %s: warmup: %w", cfg.Addr, lost)
		}
		warmup = w.Requests
	}
	res, lost := runPhase(ctx, conns, cfg, cfg.IDPrefix, false)
	res.WarmupRequests = warmup
	if lost != nil {
		return res, fmt.Errorf("bench %s: %w", cfg.Addr, lost)
	}
	return res, nil
}

// phase is one timed stretch of load: the warmup or the measured run.
type phase struct {
	ctx context.Context // the caller's; cancelling it interrupts
	cfg Config

	start time.Time
	// sendCtx ends when no more requests may be sent: the duration is over
	// (closed loop) or the run is interrupted.
	sendCtx context.Context
	// next counts requests claimed: against MaxRequests in closed loop,
	// slots of the schedule in open loop.
	next  atomic.Int64
	limit int64 // closed loop: MaxRequests; open loop: slots
	sched schedule
	// stopSending ends sendCtx.
	stopSending context.CancelFunc

	// gate pauses the workers while the server is away: mu guards down and
	// lost. down is open while one worker waits for the server to be ready
	// again (closed when it is done); lost is set when it did not come back.
	mu   sync.Mutex
	down chan struct{}
	lost error
}

// schedule is the open-loop plan: request i is due at i/rate seconds after
// the start, for i < slots.
type schedule struct {
	rate  float64
	slots int64
}

// newSchedule plans rate requests per second over d, capped at max when
// max > 0. With d zero the plan is max requests long.
func newSchedule(rate float64, d time.Duration, max int64) schedule {
	var slots int64
	s := schedule{rate: rate}
	if d > 0 {
		// The requests due before d: i < rate·d. The float product may
		// round up past a whole number, so trim against due itself.
		slots = int64(math.Ceil(rate * d.Seconds()))
		for slots > 0 && s.due(slots-1) >= d {
			slots--
		}
	}
	if max > 0 && (slots == 0 || max < slots) {
		slots = max
	}
	s.slots = slots
	return s
}

// due is the offset from the start at which request i is due.
func (s schedule) due(i int64) time.Duration {
	return time.Duration(float64(i) * float64(time.Second) / s.rate)
}

// worker is one sender. It owns its histogram and counters, so recording
// takes no lock; the phase merges them when every worker has stopped.
type worker struct {
	conn     *grpc.ClientConn // worker i uses connection i mod n
	client   omniroutev1.RoutingServiceClient
	prefix   string // order id prefix: run prefix + worker id + "-"
	hist     *hdrhistogram.Histogram
	requests int64
	codes    [codes.Unauthenticated + 1]int64
	other    map[codes.Code]int64 // codes beyond the known ones
	missed   int64
	unfilled int64
	reserved int64
	sent     int64 // order id counter
	tmpl     int   // next template index

	// liveRequests and liveErrors mirror requests and errors for progress
	// reports while the worker runs.
	liveRequests, liveErrors atomic.Int64
}

// runPhase sends one phase of load from cfg.Concurrency workers, order ids
// starting with prefix, and merges what the workers measured. The error,
// wrapping ErrServerLost, says the phase stopped because the server went
// away; the result then covers what was done until then.
func runPhase(ctx context.Context, conns []*grpc.ClientConn, cfg Config, prefix string, warmup bool) (*Result, error) {
	p := &phase{ctx: ctx, cfg: cfg}
	open := cfg.Rate > 0
	var cancel context.CancelFunc
	if open {
		p.sched = newSchedule(cfg.Rate, cfg.Duration, cfg.MaxRequests)
		p.limit = p.sched.slots
		p.sendCtx, cancel = context.WithCancel(ctx)
	} else {
		p.limit = cfg.MaxRequests
		if cfg.Duration > 0 {
			p.sendCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
		} else {
			p.sendCtx, cancel = context.WithCancel(ctx)
		}
	}
	defer cancel()
	p.stopSending = cancel

	workers := make([]*worker, cfg.Concurrency)
	for i := range workers {
		conn := conns[i%len(conns)]
		workers[i] = &worker{
			conn:   conn,
			client: omniroutev1.NewRoutingServiceClient(conn),
			prefix: prefix + strconv.Itoa(i) + "-",
			hist:   newHistogram(),
			tmpl:   i % len(cfg.Orders),
		}
	}
	var wg sync.WaitGroup
	p.start = time.Now()
	for _, w := range workers {
		if open {
			wg.Go(func() { p.openLoop(w) })
		} else {
			wg.Go(func() { p.closedLoop(w) })
		}
	}
	stopProgress := make(chan struct{})
	var progress sync.WaitGroup
	if cfg.Progress != nil {
		progress.Go(func() { p.report(workers, warmup, stopProgress) })
	}
	wg.Wait()
	elapsed := time.Since(p.start)
	close(stopProgress)
	progress.Wait()

	res := &Result{
		ErrorsByCode: map[string]int64{},
		Duration:     elapsed,
		Histogram:    newHistogram(),
		Mode:         "closed",
		Concurrency:  cfg.Concurrency,
		Interrupted:  ctx.Err() != nil,
		ServerLost:   p.lost != nil,
	}
	if open {
		res.Mode, res.Rate, res.Scheduled = "open", cfg.Rate, p.sched.slots
	}
	for _, w := range workers {
		res.Histogram.Merge(w.hist)
		res.Requests += w.requests
		res.Missed += w.missed
		res.Unfilled += w.unfilled
		res.Reserved += w.reserved
		for c, n := range w.codes {
			if n > 0 {
				res.ErrorsByCode[codes.Code(c).String()] += n
				res.Errors += n
			}
		}
		for c, n := range w.other {
			res.ErrorsByCode[c.String()] += n
			res.Errors += n
		}
	}
	res.summarise()
	p.mu.Lock()
	defer p.mu.Unlock()
	return res, p.lost
}

// waitForServer is called by a worker whose call failed with Unavailable.
// The first such worker waits for the server to be ready again (WaitReady,
// at most ReadyTimeout) while the others wait for it, so nothing is sent in
// the meantime; if the server does not come back, the phase stops sending
// and records why in p.lost.
func (p *phase) waitForServer(w *worker) {
	p.mu.Lock()
	if p.lost != nil {
		p.mu.Unlock()
		return
	}
	if ch := p.down; ch != nil {
		p.mu.Unlock()
		select {
		case <-ch:
		case <-p.sendCtx.Done():
		}
		return
	}
	ch := make(chan struct{})
	p.down = ch
	p.mu.Unlock()

	err := WaitReady(p.ctx, w.conn, p.cfg.ReadyTimeout)

	p.mu.Lock()
	if err != nil && p.ctx.Err() == nil {
		p.lost = fmt.Errorf("%w during the run: %w", ErrServerLost, err)
		p.stopSending()
	}
	p.down = nil
	close(ch)
	p.mu.Unlock()
}

// report calls cfg.Progress every interval until stop is closed.
func (p *phase) report(workers []*worker, warmup bool, stop <-chan struct{}) {
	ticker := time.NewTicker(p.cfg.ProgressInterval)
	defer ticker.Stop()
	for {
		select {
		case <-stop:
			return
		case <-ticker.C:
		}
		snap := Progress{Warmup: warmup, Elapsed: time.Since(p.start)}
		for _, w := range workers {
			snap.Requests += w.liveRequests.Load()
			snap.Errors += w.liveErrors.Load()
		}
		p.cfg.Progress(snap)
	}
}

// closedLoop sends back to back until the duration ends, the request cap
// is reached or the run is interrupted.
func (p *phase) closedLoop(w *worker) {
	for p.sendCtx.Err() == nil {
		if p.limit > 0 && p.next.Add(1) > p.limit {
			return
		}
		p.send(w, time.Now())
	}
}

// openLoop takes the next slot of the schedule, waits for its due time and
// sends; latency counts from the due time. A slot more than the call
// timeout late is missed rather than sent.
func (p *phase) openLoop(w *worker) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		slot := p.next.Add(1) - 1
		if slot >= p.limit {
			return
		}
		due := p.start.Add(p.sched.due(slot))
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-p.sendCtx.Done():
				return
			}
		} else if -wait > p.cfg.Timeout {
			w.missed++
			continue
		}
		if p.sendCtx.Err() != nil {
			return
		}
		p.send(w, due)
	}
}

// send makes one Route call (or one RouteBatch call) and records it
// against the time it was due.
func (p *phase) send(w *worker, due time.Time) {
	if p.cfg.Batch > 1 {
		p.sendBatch(w, due)
		return
	}
	req := &omniroutev1.RouteRequest{Order: p.nextOrder(w, due), Reserve: p.cfg.Reserve}
	callCtx, cancel := context.WithTimeout(p.ctx, p.cfg.Timeout)
	resp, err := w.client.Route(callCtx, req)
	cancel()
	latency := time.Since(due)
	if err != nil && p.ctx.Err() != nil {
		return // cut short by the interruption, not by the server
	}
	w.record(latency, err)
	w.count(resp)
	if status.Code(err) == codes.Unavailable {
		p.waitForServer(w)
	}
}

// sendBatch makes one RouteBatch call of cfg.Batch orders.
func (p *phase) sendBatch(w *worker, due time.Time) {
	req := &omniroutev1.RouteBatchRequest{Requests: make([]*omniroutev1.RouteRequest, p.cfg.Batch)}
	for i := range req.Requests {
		req.Requests[i] = &omniroutev1.RouteRequest{Order: p.nextOrder(w, due), Reserve: p.cfg.Reserve}
	}
	callCtx, cancel := context.WithTimeout(p.ctx, p.cfg.Timeout)
	resp, err := w.client.RouteBatch(callCtx, req)
	cancel()
	latency := time.Since(due)
	if err != nil && p.ctx.Err() != nil {
		return
	}
	if err == nil {
		for _, r := range resp.GetResults() {
			if r.GetError() != "" && err == nil {
				err = status.Error(codes.Code(r.GetCode()), r.GetError())
			}
			w.count(r.GetResponse())
		}
	}
	w.record(latency, err)
	if status.Code(err) == codes.Unavailable {
		p.waitForServer(w)
	}
}

// nextOrder is a copy of the worker's next template with a unique id.
func (p *phase) nextOrder(w *worker, due time.Time) *omniroutev1.Order {
	tmpl := p.cfg.Orders[w.tmpl]
	w.tmpl = (w.tmpl + p.cfg.Concurrency) % len(p.cfg.Orders)
	w.sent++
	order := proto.Clone(tmpl).(*omniroutev1.Order)
	order.Id = w.prefix + strconv.FormatInt(w.sent, 10)
	if order.CreatedAt == nil {
		order.CreatedAt = timestamppb.New(due)
	}
	return order
}

// record counts one ended call.
func (w *worker) record(latency time.Duration, err error) {
	us := min(max(latency.Microseconds(), histMinMicros), histMaxMicros)
	_ = w.hist.RecordValue(us) // within the histogram's range by construction
	w.requests++
	w.liveRequests.Store(w.requests)
	if err == nil {
		return
	}
	w.liveErrors.Add(1)
	c := status.Code(err)
	if int(c) < len(w.codes) {
		w.codes[c]++
		return
	}
	if w.other == nil {
		w.other = make(map[codes.Code]int64)
	}
	w.other[c]++
}

// count tallies one answered order (nil when it failed).
func (w *worker) count(resp *omniroutev1.RouteResponse) {
	if resp == nil {
		return
	}
	if len(resp.GetPlan().GetUnfilled()) > 0 {
		w.unfilled++
	}
	if resp.GetReservation() != nil {
		w.reserved++
	}
}
