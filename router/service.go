package router

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
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
	// restarts; empty means memory only.
	DataDir string
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
	// Clock tells the time (the wall clock when nil).
	Clock Clock
	// MaxClockSkew is how far an order's created_at may be from Clock and
	// still be the time the order is planned for; further off, or
	// missing, the order is planned at Clock's time, and the answer says
	// which (DefaultMaxClockSkew when zero; negative: never the order's).
	MaxClockSkew time.Duration
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
	// afterPlan, when set, runs after a reserving route planned under the
	// read lock and before it takes the write lock to reserve (tests).
	afterPlan func()
}

// snapshot is one immutable network and what is derived from it.
type snapshot struct {
	net     *network.Network
	source  string
	version uint64
	proto   *pb.Network
	workers sync.Pool
}

func newSnapshot(net *network.Network, source string, version uint64) *snapshot {
	return &snapshot{net: net, source: source, version: version, proto: networkToProto(net)}
}

func (sn *snapshot) get() *worker {
	if w, _ := sn.workers.Get().(*worker); w != nil {
		return w
	}
	return newWorker(sn.net)
}

func (sn *snapshot) put(w *worker) { sn.workers.Put(w) }

// Service is the routing service: the network, the live stock, the
// reservations and their durable store. Its methods are safe for
// concurrent use and return gRPC status errors.
type Service struct {
	cfg   Config
	log   *slog.Logger
	clock Clock
	m     *Metrics
	st    store
	c     *committer
	// failHooks run once if the store fails (the server turns health off).
	failMu    sync.Mutex
	failHooks []func(error)

	plans    planEncoder
	snap     atomic.Pointer[snapshot]
	reloadMu sync.Mutex

	// mu guards inv and book. Planning holds it for reading; reserving,
	// committing, releasing, expiring and stock updates for writing.
	mu   sync.RWMutex
	inv  *inventory
	book *book

	stop      chan struct{}
	reaperEnd chan struct{}
	closeOnce sync.Once
	closeErr  error
}

// New starts a service: it opens the data directory (if any), restores
// the saved stock and reservations or seeds the stock from cfg.Stock, and
// starts the reaper. Close stops it.
func New(cfg Config) (*Service, error) {
	if cfg.Network == nil || !cfg.Network.Initialized() {
		return nil, errors.New("router: config needs an initialised network")
	}
	if cfg.Stock != nil && cfg.Stock.Nodes() != len(cfg.Network.Nodes) {
		return nil, fmt.Errorf("router: the stock table covers %d nodes, the network has %d", cfg.Stock.Nodes(), len(cfg.Network.Nodes))
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
	s := &Service{
		cfg: cfg, log: cfg.Logger, clock: cfg.Clock, m: cfg.Metrics,
		st: memStore{}, book: newBook(),
		stop: make(chan struct{}), reaperEnd: make(chan struct{}),
	}
	if cfg.DataDir != "" {
		bs, err := openBoltStore(cfg.DataDir)
		if err != nil {
			return nil, fmt.Errorf("router: %w", err)
		}
		s.st = bs
	}
	s.snap.Store(newSnapshot(cfg.Network, cfg.NetworkSource, 1))
	s.logNetworkWarnings(cfg.Network, cfg.NetworkSource)
	if err := s.restore(); err != nil {
		s.st.Close()
		return nil, fmt.Errorf("router: %w", err)
	}
	s.c = newCommitter(s.st, cfg.DataDir != "", s.storeFailed)
	if cfg.ReapInterval > 0 || cfg.reapTicks != nil {
		go s.reaper()
	} else {
		close(s.reaperEnd)
	}
	return s, nil
}

// restore loads the saved state, or seeds the store from cfg.Stock.
func (s *Service) restore() error {
	net := s.cfg.Network
	rows, res, ok, err := s.st.Load()
	if err != nil {
		return err
	}
	now := s.clock.Now()
	if !ok {
		s.inv = newInventory(net, s.cfg.Stock)
		s.inv.rollDay(s.dayOf(now))
		ch := &changes{seed: true}
		for _, r := range s.inv.table.Snapshot() {
			ch.putStock(stockKey{node: r.NodeID, sku: r.SKU}, stockRow{OnHand: r.OnHand, Safety: r.Safety, Seq: r.Seq})
		}
		if err := s.st.Save(ch); err != nil {
			return err
		}
		s.log.Info("stock seeded", "rows", len(ch.stock), "durable", s.cfg.DataDir != "")
		return nil
	}
	if s.cfg.Stock != nil {
		s.log.Info("stock comes from the data directory; the seed stock (file or demo) is not used", "data_dir", s.cfg.DataDir)
	}
	reserved := make(map[stockKey]int32)
	for _, r := range res {
		if r.State == pb.ReservationState_RESERVATION_STATE_ACTIVE {
			for _, it := range r.Items {
				reserved[stockKey{node: it.NodeID, sku: it.SKU}] += it.Quantity
			}
		}
	}
	s.inv = newInventory(net, nil)
	s.inv.rollDay(s.dayOf(now))
	set := func(k stockKey, r stock.Row) error {
		i, ok := net.NodeIndex(k.node)
		if !ok {
			s.inv.orphans[k] = r
			return nil
		}
		return s.inv.table.Set(i, k.sku, r)
	}
	for k, row := range rows {
		r := stock.Row{NodeID: k.node, SKU: k.sku, OnHand: row.OnHand, Safety: row.Safety, Seq: row.Seq, Reserved: reserved[k]}
		delete(reserved, k)
		if err := set(k, r); err != nil {
			return fmt.Errorf("restore stock %s/%s: %w", k.node, k.sku, err)
		}
	}
	for k, q := range reserved { // reserved where no stock row was saved
		if err := set(k, stock.Row{NodeID: k.node, SKU: k.sku, Reserved: q}); err != nil {
			return fmt.Errorf("restore stock %s/%s: %w", k.node, k.sku, err)
		}
	}
	slices.SortFunc(res, func(a, b *reservation) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	for _, r := range res {
		s.book.add(r)
		if r.State != pb.ReservationState_RESERVATION_STATE_ACTIVE {
			s.book.closedNow(r)
		}
		if r.State == pb.ReservationState_RESERVATION_STATE_ACTIVE || r.State == pb.ReservationState_RESERVATION_STATE_COMMITTED {
			items, _ := s.inv.items(r.Items)
			for _, it := range items {
				s.inv.useCapacity(it.Node, r.Day, it.Qty)
			}
		}
	}
	s.m.activeReserved.Set(float64(s.book.active))
	s.log.Info("state restored", "data_dir", s.cfg.DataDir, "stock_rows", len(rows), "reservations", len(res), "active", s.book.active)
	return nil
}

// Close stops the reaper, writes what is queued and closes the data
// directory. In-flight calls must have finished (the gRPC server drains
// them first).
func (s *Service) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.reaperEnd
		s.c.close()
		s.closeErr = s.st.Close()
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
	if err := s.c.err(); err != nil {
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
		case <-s.stop:
			return
		case <-ticks:
			s.maintain()
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

// maintain expires the reservations due by now and starts a new capacity
// day when the date has changed. It is cheap when there is nothing to do.
func (s *Service) maintain() {
	now := s.clock.Now()
	day := s.dayOf(now)
	s.mu.RLock()
	need := s.book.due(now) || s.inv.day != day || s.book.prunable(now, s.cfg.ReservationRetention) > 0
	s.mu.RUnlock()
	if !need {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inv.rollDay(day)
	s.expireLocked(now)
	s.pruneLocked(now)
}

// pruneLocked forgets the closed reservations past retention. Their order
// ids may then reserve again.
func (s *Service) pruneLocked(now time.Time) {
	n := s.book.prunable(now, s.cfg.ReservationRetention)
	if n == 0 {
		return
	}
	ch := &changes{}
	for _, r := range s.book.closed[:n] {
		ch.deleted = append(ch.deleted, r.ID)
	}
	s.book.prune(n)
	s.c.add(ch)
	s.log.Debug("reservations pruned", "count", n)
}

// expireLocked returns the units of every reservation due by now to ATP.
// Nobody waits for it to be durable: a restart before it is would expire
// the same reservations again.
func (s *Service) expireLocked(now time.Time) {
	due := s.book.popDue(now)
	if len(due) == 0 {
		return
	}
	ch := &changes{}
	for _, r := range due {
		s.releaseUnits(r)
		r.State = pb.ReservationState_RESERVATION_STATE_EXPIRED
		r.UpdatedAt = now
		ch.putReservation(r)
		s.book.closedNow(r)
	}
	s.book.active -= len(due)
	s.c.add(ch)
	s.m.activeReserved.Set(float64(s.book.active))
	s.m.reservations.WithLabelValues(outcomeExpired).Add(float64(len(due)))
	for _, r := range due {
		s.log.Info("reservation expired", "reservation", r.ID, "order", r.OrderID)
	}
}

// releaseUnits gives an ACTIVE reservation's units (and capacity) back.
func (s *Service) releaseUnits(r *reservation) {
	items, gone := s.inv.items(r.Items)
	for _, g := range gone {
		s.inv.settleOrphan(g, false)
	}
	caps := make(map[int]int32)
	for _, it := range items {
		if err := s.inv.table.Release(it.Node, it.SKU, it.Qty); err != nil {
			s.log.Error("release units", "reservation", r.ID, "err", err)
			continue
		}
		caps[it.Node] += it.Qty
	}
	s.inv.returnCapacity(caps, r.Day)
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
