package router

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/distance"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/quote"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// Defaults for a zero Config field.
const (
	// DefaultReservationTTL is how long a reservation holds its units.
	DefaultReservationTTL = 15 * time.Minute
	// DefaultAlternatives is how many runner-up plans a route returns.
	DefaultAlternatives = 3
	// DefaultReapInterval is how often expired reservations are reaped.
	DefaultReapInterval = time.Second
	// DefaultReservationRetention is how long a closed reservation is
	// kept (and answers idempotent retries) after it closed.
	DefaultReservationRetention = 24 * time.Hour
)

// optimisticAttempts is how many times a reserving route plans under the
// read lock before it plans and reserves under the write lock.
const optimisticAttempts = 3

// Config configures a Service.
type Config struct {
	// Network is the network to start with; it must be initialised.
	Network *network.Network
	// NetworkSource names where Network came from (a file path or "demo").
	NetworkSource string
	// LoadNetwork reads the network again for ReloadNetwork and SIGHUP and
	// names its source; nil means the network cannot be reloaded.
	LoadNetwork func(ctx context.Context) (*network.Network, string, error)
	// Stock seeds the live stock when the data directory holds none (or
	// there is no data directory). It must be a table over Network, and
	// the service takes it over: the caller must not use it afterwards.
	// Nil means no stock.
	Stock *stock.Table
	// DataDir keeps stock, sequence numbers and reservations across
	// restarts in a bbolt file; empty means memory only (unless
	// DatabaseURL is set).
	DataDir string
	// Database, when its URL is set, keeps the ledger in PostgreSQL,
	// shared by every replica that names the same database; DataDir must
	// then be empty.
	Database DatabaseConfig
	// ReservationTTL is how long a reservation holds units unless the
	// request says otherwise (DefaultReservationTTL when zero).
	ReservationTTL time.Duration
	// ReservationRetention is how long a COMMITTED, RELEASED or EXPIRED
	// reservation is kept after it closed (DefaultReservationRetention
	// when zero); then it is forgotten, and its order id may reserve
	// again.
	ReservationRetention time.Duration
	// Alternatives is how many runner-up plans a route returns unless the
	// request says otherwise (DefaultAlternatives when zero).
	Alternatives int
	// Solver tunes the solver; Alternatives is set per request.
	Solver solver.Settings
	// Policy names the routing policy of Policies that plans every order
	// (policy.Optimal when empty).
	Policy string
	// Policies holds the routing policies; nil means
	// policy.DefaultRegistry.
	Policies *policy.Registry
	// Planning, when set and the policy is a look-ahead one
	// (policy.Planned), runs its planner in the background (planning.go).
	Planning *PlanningConfig
	// FixedPrices, when set and the policy is a look-ahead one, are its
	// opportunity costs from the start: until the planner's first good
	// plan replaces them, or for good without Planning.
	FixedPrices *FixedPrices
	// OrderLog, when set, records every order the service routes, once
	// (at its first plan; see Service.solve): each Route and each order
	// of a RouteBatch, reserving or not, whatever its plan fills; not
	// Options, which weighs offers, nor a retry answered from its
	// reservation, nor an order refused as invalid. orderlog.Log writes
	// them as the files a replay reads. One that is also a
	// ReceiptRecorder is told the units stock updates bring in and take away.
	OrderLog OrderRecorder
	// HTTPClient calls the partners' quote APIs (a default client when
	// nil); Clock times their caches and breakers.
	HTTPClient *http.Client
	// Clock tells the time (the wall clock when nil).
	Clock Clock
	// MaxClockSkew is how far an order's created_at may be from Clock and
	// still be the time the order is planned for; further off, or
	// missing, the order is planned at Clock's time, and the answer says
	// which (DefaultMaxClockSkew when zero; negative: never the order's).
	MaxClockSkew time.Duration
	// BatchTimeLimit bounds the relaxation of a RouteBatch with optimize
	// (DefaultBatchTimeLimit when zero); a batch whose relaxation does not
	// finish in time is planned order after order (optimized false).
	BatchTimeLimit time.Duration
	// AllocateWorkers bounds the goroutines one PlanningService.Allocate
	// call solves and replays with; 0 means every CPU but one (at least
	// one), so that routes keep a CPU while a plan is made.
	AllocateWorkers int
	// AllocateConcurrency is how many Allocate calls plan at once
	// (DefaultAllocateConcurrency when zero); the others wait for their
	// turn, within their deadline.
	AllocateConcurrency int
	// Logger receives the service's logs (discarded when nil).
	Logger *slog.Logger
	// Metrics receives the service's metrics (a fresh set when nil).
	Metrics *Metrics
	// ReapInterval is how often expired reservations are returned to ATP
	// in the background (DefaultReapInterval when zero, never when
	// negative). Every call also expires what is due before it runs.
	ReapInterval time.Duration
	// reapTicks, when set, replaces the reaper's ticker (tests).
	reapTicks <-chan time.Time
	// batchNoDive turns off the dive of an optimised RouteBatch (tests
	// compare the two).
	batchNoDive bool
	// batchMaxVars, when positive, replaces batchMaxVars (tests route a
	// batch too large for its relaxation).
	batchMaxVars int
	// afterPlan, when set, runs after a reserving route planned under the
	// read lock and before it takes the write lock to reserve (tests).
	afterPlan func()
	// fullBuild plans every route over the full problem (Build), as
	// routes did before the lean explained build (tests compare them).
	fullBuild bool
	// allocateGate, when set, holds an Allocate call that has its turn
	// until it is closed (tests keep the turn taken).
	allocateGate chan struct{}
}

// OrderRecorder records the orders a Service routes (Config.OrderLog).
// Record is called on the request path, so it must not block, and o is
// the service's own: valid during the call only.
type OrderRecorder interface {
	Record(o *network.Order)
}

// ReceiptRecorder is an OrderRecorder that also records the units stock
// updates bring in and take away (orderlog.Log does): after each
// UpdateStock (and each message of StreamStock) applied, every row whose
// on hand it changed, by how much (its rises net of its own falls,
// negative when it fell: a sale at the till, a write-off, a recount down),
// at the service's clock; a row's falls the updates called adjustments
// (pb.StockChangeReason_STOCK_CHANGE_REASON_ADJUSTMENT: not demand) come
// apart, with adjustment set. Like Record it must not block.
type ReceiptRecorder interface {
	RecordReceipt(at time.Time, node, sku string, units int32, adjustment bool)
}

// snapshot is one immutable network and what is derived from it.
type snapshot struct {
	net     *network.Network
	source  string
	version uint64
	proto   *pb.Network
	// pipe is what routes run over this network besides the Builder and
	// the solver (pipeline.go); quotes asks its partners for quotes.
	pipe    *pipeline
	quotes  *quote.Fetcher
	roads   *distance.Fetcher // nil without a distance source
	workers sync.Pool
}

func newSnapshot(net *network.Network, source string, version uint64) *snapshot {
	return &snapshot{net: net, source: source, version: version, proto: networkToProto(net)}
}

func (sn *snapshot) get() *worker {
	if w, _ := sn.workers.Get().(*worker); w != nil {
		return w
	}
	return newWorker(sn.net, sn.pipe)
}

func (sn *snapshot) put(w *worker) {
	w.fetched = nil
	sn.workers.Put(w)
}

// Service is the routing service: the network, the live stock, the
// reservations and their durable store. Its methods are safe for
// concurrent use and return gRPC status errors.
type Service struct {
	cfg   Config
	log   *slog.Logger
	clock Clock
	m     *Metrics
	// led decides and records every change (see ledger).
	led ledger
	// failHooks run once if the store fails (the server turns health off);
	// healthHooks whenever the ledger's reachability changes.
	failMu      sync.Mutex
	failHooks   []func(error)
	healthHooks []func(serving bool)

	plans    planEncoder
	pipe     *pipeline
	snap     atomic.Pointer[snapshot]
	reloadMu sync.Mutex

	// mu guards inv (and the local ledger's reservations). Planning holds
	// it for reading, while it builds a problem; changes to the view hold
	// it for writing. Nothing holds it across I/O.
	mu  sync.RWMutex
	inv *inventory

	// bg lives until Close: background work (the reaper, the ledger's
	// feed) stops when it ends.
	bg        context.Context
	stopBg    context.CancelFunc
	reaperEnd chan struct{}
	// planner keeps a look-ahead policy's prices (nil without one).
	planner *planner
	// allocTurns holds a token for each Allocate call planning (see
	// Config.AllocateConcurrency).
	allocTurns chan struct{}
	// fixed are the prices given ahead (Config.FixedPrices; nil without
	// them, or when the policy is not a look-ahead one).
	fixed     *FixedPrices
	closeOnce sync.Once
	closeErr  error
}

// New starts a service: it opens the ledger (memory, the data directory
// or PostgreSQL), restores the saved stock and reservations or seeds the
// stock from cfg.Stock, and starts the reaper. Close stops it.
func New(cfg Config) (*Service, error) {
	if cfg.Network == nil || !cfg.Network.Initialized() {
		return nil, errors.New("router: config needs an initialised network")
	}
	if cfg.Stock != nil && cfg.Stock.Nodes() != len(cfg.Network.Nodes) {
		return nil, fmt.Errorf("router: the stock table covers %d nodes, the network has %d", cfg.Stock.Nodes(), len(cfg.Network.Nodes))
	}
	if cfg.DataDir != "" && cfg.Database.URL != "" {
		return nil, errors.New("router: a data directory and a database exclude each other")
	}
	if cfg.Planning != nil && cfg.Planning.Model != "" {
		if err := planning.CheckModel(cfg.Planning.Model); err != nil {
			return nil, fmt.Errorf("router: planning: %w", err)
		}
	}
	if cfg.ReservationTTL <= 0 {
		cfg.ReservationTTL = DefaultReservationTTL
	}
	if cfg.ReservationRetention <= 0 {
		cfg.ReservationRetention = DefaultReservationRetention
	}
	if cfg.Alternatives <= 0 {
		cfg.Alternatives = DefaultAlternatives
	}
	if cfg.ReapInterval == 0 {
		cfg.ReapInterval = DefaultReapInterval
	}
	if cfg.Clock == nil {
		cfg.Clock = systemClock{}
	}
	if cfg.MaxClockSkew == 0 {
		cfg.MaxClockSkew = DefaultMaxClockSkew
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics()
	}
	if cfg.NetworkSource == "" {
		cfg.NetworkSource = cfg.Network.Name
	}
	if cfg.AllocateConcurrency <= 0 {
		cfg.AllocateConcurrency = DefaultAllocateConcurrency
	}
	if cfg.AllocateWorkers <= 0 {
		cfg.AllocateWorkers = max(1, runtime.GOMAXPROCS(0)-1)
	}
	s := &Service{
		cfg: cfg, log: cfg.Logger, clock: cfg.Clock, m: cfg.Metrics,
		reaperEnd:  make(chan struct{}),
		allocTurns: make(chan struct{}, cfg.AllocateConcurrency),
	}
	pipe, err := newPipeline(&cfg, s.m)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	s.pipe = pipe
	first, err := s.snapshotOf(cfg.Network, cfg.NetworkSource, 1)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	s.bg, s.stopBg = context.WithCancel(context.Background())
	s.snap.Store(first)
	s.logNetworkWarnings(cfg.Network, cfg.NetworkSource)
	if cfg.Database.URL != "" {
		s.led, err = newPGLedger(s)
	} else {
		s.led, err = newLocalLedger(s)
	}
	if err != nil {
		s.led = nil
		s.stopBg()
		return nil, fmt.Errorf("router: %w", err)
	}
	if cfg.ReapInterval > 0 || cfg.reapTicks != nil {
		go s.reaper()
	} else {
		close(s.reaperEnd)
	}
	if pol, err := pipe.policies.New(pipe.policy, cfg.Network); err == nil && cfg.FixedPrices != nil {
		if _, ok := pol.(policy.Planned); ok {
			s.fixed = cfg.FixedPrices
			s.fixed.set(pipe.board, cfg.Network)
		}
	}
	if pol, err := pipe.policies.New(pipe.policy, cfg.Network); err == nil && cfg.Planning != nil {
		if _, ok := pol.(policy.Planned); ok {
			s.planner = newPlanner(s, *cfg.Planning, pipe.board)
			if cfg.Planning.manual {
				close(s.planner.done)
			} else {
				go s.planner.run(s.bg)
			}
		}
	}
	return s, nil
}

// Close stops the reaper, writes what is queued and closes the ledger. In-flight calls must have finished (the gRPC server drains them first).
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		s.stopBg()
		<-s.reaperEnd
		if s.planner != nil {
			<-s.planner.done
		}
		s.closeErr = s.led.close()
	})
	return s.closeErr
}

var errClosed = errors.New("service closed")

// OnStoreFailure registers fn to run once if the store fails; the
// service then refuses every call (see committer).
func (s *Service) OnStoreFailure(fn func(error)) {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	s.failHooks = append(s.failHooks, fn)
}

// OnHealth registers fn to run whenever the ledger becomes reachable
// (true) or unreachable (false): a replica whose database is down reports
// NOT_SERVING until it is back.
func (s *Service) OnHealth(fn func(serving bool)) {
	s.failMu.Lock()
	defer s.failMu.Unlock()
	s.healthHooks = append(s.healthHooks, fn)
}

// serving reports whether the ledger answers: the store has not failed,
// and a shared database was reachable at the last read.
func (s *Service) serving() bool {
	if s.led.err() != nil {
		return false
	}
	if l, ok := s.led.(*pgLedger); ok {
		return l.feed.serving()
	}
	return true
}

func (s *Service) healthChanged(serving bool) {
	s.failMu.Lock()
	hooks := append([]func(bool){}, s.healthHooks...)
	s.failMu.Unlock()
	for _, fn := range hooks {
		fn(serving)
	}
}

func (s *Service) storeFailed(err error) {
	s.log.Error("state store failed: refusing calls until restarted", "err", err)
	s.failMu.Lock()
	hooks := append([]func(error){}, s.failHooks...)
	s.failMu.Unlock()
	for _, fn := range hooks {
		fn(err)
	}
}

// check refuses calls once the store has failed.
func (s *Service) check() error {
	if err := s.led.err(); err != nil {
		return unavailable(err)
	}
	return nil
}

// reaper expires due reservations in the background until Close.
func (s *Service) reaper() {
	defer close(s.reaperEnd)
	ticks := s.cfg.reapTicks
	if ticks == nil {
		t := time.NewTicker(s.cfg.ReapInterval)
		defer t.Stop()
		ticks = t.C
	}
	for {
		select {
		case <-s.bg.Done():
			return
		case <-ticks:
			s.led.reap(s.bg)
		}
	}
}

// dayOf is the capacity day of t in the network's local time.
func (s *Service) dayOf(t time.Time) int64 {
	off := int64(s.snap.Load().net.Policy.TZOffsetMinutes) * 60
	sec := t.Unix() + off
	if sec < 0 {
		return (sec - 86399) / 86400
	}
	return sec / 86400
}

// unavailable is what a caller sees when the store failed.
func unavailable(err error) error {
	if errors.Is(err, errClosed) {
		return status.Error(codes.Unavailable, "service is shutting down")
	}
	return status.Errorf(codes.Unavailable, "state could not be saved: %v", err)
}

// newReservationID returns a random reservation id.
func newReservationID() string { return "rsv_" + rand.Text() }

// ctxError turns a context error into a status.
func ctxError(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return status.FromContextError(err).Err()
	}
	return nil
}
