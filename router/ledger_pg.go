package router

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/router/pgschema"
	"github.com/omniroute/omniroute/stock"
)

// Defaults of DatabaseConfig's zero fields.
const (
	// DefaultDatabasePoll is how often a replica reads the stock others
	// changed when no notification came.
	DefaultDatabasePoll = time.Second
	// DefaultDatabaseTimeout bounds one call's database work.
	DefaultDatabaseTimeout = 5 * time.Second
)

// DatabaseConfig configures the PostgreSQL ledger.
type DatabaseConfig struct {
	// URL is a PostgreSQL connection URL or key=value DSN (pgx syntax:
	// pool_max_conns and the other pool_ parameters work); empty means no
	// database.
	URL string
	// PollInterval is how often the view reads the rows other replicas
	// changed when no notification has woken it (DefaultDatabasePoll when
	// zero). It is also how soon a replica notices that the database came
	// back.
	PollInterval time.Duration
	// Timeout bounds the database work of one call (and of the start-up's
	// connection) when the call's own deadline is later or unset
	// (DefaultDatabaseTimeout when zero): a database that does not answer
	// makes calls fail with Unavailable, not hang.
	Timeout time.Duration
	// listenChannel replaces the notification channel (tests: a channel
	// nobody notifies leaves the view to polling).
	listenChannel string
}

// notifyChannel is the channel the schema's triggers notify.
const notifyChannel = "omniroute_ledger"

// startTimeout bounds a replica's start on the database: connecting,
// migrating (or waiting for another replica's migration), seeding and
// loading the view.
const startTimeout = time.Minute

// pgAttempts is how many times a reserving route plans against the
// PostgreSQL ledger before it answers Aborted: every refusal first reads
// the refused rows again, so a plan misses again only when another
// replica took the same units in the meantime.
const pgAttempts = 6

// pgTxAttempts is how many times a transaction that failed without effect
// (serialization failure, deadlock, a connection lost before anything was
// sent) is run again.
const pgTxAttempts = 3

// pgLedger keeps the ledger in PostgreSQL, shared by every replica that
// names the same database.
//
// Invariant: the database decides. Every reservation is one transaction
// whose conditional UPDATEs (reserved + q where on hand - reserved -
// safety stock >= q; used + q where used + q <= the node's capacity)
// change nothing unless every unit is there; rows are locked in (node,
// SKU) order, then capacity rows in node order, in every transaction, so
// transactions never deadlock. A call is answered only after its
// transaction committed; a commit whose outcome is unknown (the
// connection dropped) is answered Unavailable, and a retry with the same
// order id finds the reservation if it was made.
//
// The view (Service.inv) is a cache for planning: each transaction's
// RETURNING rows go into it, and the feed (pgview.go) reads what other
// replicas changed. A row enters the view only when its version is newer
// than the one the view holds, so late reads never undo fresh ones.
//
// Expiry and pruning run on every replica's reaper, by the database's
// clock; FOR UPDATE SKIP LOCKED hands each due reservation to exactly one
// of them.
type pgLedger struct {
	s        *Service
	cfg      DatabaseConfig
	pool     *pgxpool.Pool
	feed     *pgFeed
	reserver *pgReserver

	// loadedAt is where the feed's first read starts: the start-up load's
	// snapshot xmin.
	loadedAt int64
	// versions is the version of every stock row in the view, and
	// capVersions of every capacity row of the view's day, by node id;
	// guarded by s.mu.
	versions    map[stockKey]int64
	capVersions map[string]int64
}

var _ ledger = (*pgLedger)(nil)

// newPGLedger connects, migrates the schema, seeds an empty database from
// s.cfg.Stock, loads the view and starts the feed.
func newPGLedger(s *Service) (*pgLedger, error) {
	cfg := s.cfg.Database
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = DefaultDatabasePoll
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultDatabaseTimeout
	}
	if cfg.listenChannel == "" {
		cfg.listenChannel = notifyChannel
	}
	pcfg, err := pgxpool.ParseConfig(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("database URL: %w", err)
	}
	if pcfg.ConnConfig.ConnectTimeout == 0 {
		pcfg.ConnConfig.ConnectTimeout = cfg.Timeout
	}
	if _, ok := pcfg.ConnConfig.RuntimeParams["application_name"]; !ok {
		pcfg.ConnConfig.RuntimeParams["application_name"] = "omniroute"
	}
	l := &pgLedger{s: s, cfg: cfg, versions: map[stockKey]int64{}, capVersions: map[string]int64{}}
	// Start-up may wait for another replica's migration (the schema
	// lock); each connection attempt is bounded by cfg.Timeout.
	ctx, cancel := context.WithTimeout(s.bg, startTimeout)
	defer cancel()
	if l.pool, err = pgxpool.NewWithConfig(ctx, pcfg); err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	if err := l.start(ctx); err != nil {
		l.pool.Close()
		return nil, err
	}
	l.feed = newPGFeed(l)
	go l.feed.run(s.bg)
	l.reserver = newPGReserver(l)
	go l.reserver.run(s.bg)
	return l, nil
}

// start migrates, seeds and loads the view.
func (l *pgLedger) start(ctx context.Context) error {
	s := l.s
	conn, err := l.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("database %s: %w", redactURL(l.cfg.URL), err)
	}
	defer conn.Release()
	res, err := pgschema.Migrate(ctx, conn.Conn())
	if err != nil {
		return fmt.Errorf("database schema: %w", err)
	}
	if len(res.Applied) > 0 {
		s.log.Info("database schema migrated", "from", res.From, "to", res.To)
	}
	err = pgschema.WithLock(ctx, conn.Conn(), func() error {
		if err := l.seed(ctx, conn.Conn()); err != nil {
			return err
		}
		return l.restamp(ctx, conn.Conn())
	})
	if err != nil {
		return fmt.Errorf("database seed: %w", err)
	}
	snap, err := l.fetch(ctx, 0)
	if err != nil {
		return fmt.Errorf("database: load stock: %w", err)
	}
	s.inv = newInventory(s.cfg.Network, nil)
	s.inv.day = snap.day
	l.apply(snap.stock, snap.capacity, snap.day)
	l.loadedAt = snap.xmin
	s.log.Info("stock loaded from the database", "rows", len(snap.stock), "day", snap.day)
	return nil
}

// seed loads cfg.Stock into an empty database, once: the meta row
// "seeded" marks it done, and the caller holds the schema lock.
func (l *pgLedger) seed(ctx context.Context, conn *pgx.Conn) error {
	s := l.s
	var seeded string
	err := conn.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'seeded'`).Scan(&seeded)
	if err == nil {
		if s.cfg.Stock != nil {
			s.log.Info("stock comes from the database; the seed stock (file or demo) is not used")
		}
		return nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	var rows [][]any
	if s.cfg.Stock != nil {
		for _, r := range s.cfg.Stock.Snapshot() {
			rows = append(rows, []any{r.NodeID, r.SKU, r.OnHand, r.Safety, int64(r.Seq)})
		}
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"stock"}, []string{"node_id", "sku", "on_hand", "safety", "seq"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('seeded', now()::text)`)
		return err
	})
	if err != nil {
		return err
	}
	s.log.Info("stock seeded", "rows", len(rows), "database", true)
	return nil
}

// restamp gives the rows stamped by transactions of another cluster (a
// dump restored here) this cluster's transaction id, so that the feeds'
// reads, which start at transaction ids of this cluster, stop reading
// them again. It finds nothing to do on every other start.
func (l *pgLedger) restamp(ctx context.Context, conn *pgx.Conn) error {
	for _, table := range []string{"stock", "capacity"} {
		tag, err := conn.Exec(ctx, `UPDATE `+table+` SET version = version WHERE changed_xid > pg_current_xact_id()::text::bigint`)
		if err != nil {
			return fmt.Errorf("restamp %s: %w", table, err)
		}
		if n := tag.RowsAffected(); n > 0 {
			l.s.log.Info("rows from another cluster restamped", "table", table, "rows", n)
		}
	}
	return nil
}

func (l *pgLedger) err() error { return nil }

func (l *pgLedger) close() error {
	<-l.feed.done // the feed and the reserver stop with s.bg, which Close ended
	<-l.reserver.done
	l.pool.Close()
	return nil
}

func (l *pgLedger) attempts() int { return pgAttempts }

// maintain does nothing: the reaper expires in the background, and the
// calls that touch a reservation past its expiry expire it first.
func (l *pgLedger) maintain(context.Context) {}

func (l *pgLedger) rebindLocked(net *network.Network) error { return l.s.inv.rebind(net) }

// tz is the network's offset from UTC in minutes, for capacity days.
func (l *pgLedger) tz() int32 { return int32(l.s.snap.Load().net.Policy.TZOffsetMinutes) }

// pgRow is a stock row as a statement returns it.
type pgRow struct {
	key      stockKey
	onHand   int32
	reserved int32
	safety   int32
	seq      int64
	version  int64
}

func (r pgRow) stockRow() stock.Row {
	return stock.Row{NodeID: r.key.node, SKU: r.key.sku, OnHand: r.onHand, Reserved: r.reserved, Safety: r.safety, Seq: uint64(r.seq)}
}

// pgCap is a capacity row of one day.
type pgCap struct {
	node    string
	day     int64
	used    int32
	version int64
}

// apply puts rows into the view where they are newer than what it holds
// (capacity rows only for the view's day). It takes Service.mu for at
// most applyChunk rows at a time, so that a large read (after an outage,
// say) never keeps planning waiting.
func (l *pgLedger) apply(rows []pgRow, caps []pgCap, day int64) {
	s := l.s
	for first := true; first || len(rows) > 0; first = false {
		chunk := rows[:min(len(rows), applyChunk)]
		rows = rows[len(chunk):]
		s.mu.Lock()
		if first && day > s.inv.day {
			s.inv.rollDay(day)
			clear(l.capVersions)
		}
		for _, r := range chunk {
			if r.version <= l.versions[r.key] {
				continue
			}
			l.versions[r.key] = r.version
			node, ok := s.inv.node(r.key.node)
			if !ok {
				s.inv.orphans[r.key] = r.stockRow()
				continue
			}
			if err := s.inv.table.Set(node, r.key.sku, r.stockRow()); err != nil {
				s.log.Error("database row does not fit the view", "node", r.key.node, "sku", r.key.sku, "err", err)
			}
		}
		if len(rows) == 0 {
			for _, c := range caps {
				if c.day != s.inv.day || c.version <= l.capVersions[c.node] {
					continue
				}
				l.capVersions[c.node] = c.version
				if node, ok := s.inv.node(c.node); ok {
					_ = s.inv.table.SetUsed(node, c.used) // a valid index, used >= 0 by the schema
				}
			}
		}
		s.mu.Unlock()
	}
}

// applyChunk is the most rows apply puts into the view under one lock.
const applyChunk = 1024

// opContext bounds one call's database work by cfg.Timeout.
func (l *pgLedger) opContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, l.cfg.Timeout, errDatabaseTimeout)
}

var errDatabaseTimeout = errors.New("the database did not answer in time")

// tx runs fn in a transaction, again when it failed without effect. fn
// must start from scratch each time (it may run more than once). A
// status error from fn (a refusal) rolls back and is returned as is;
// other errors become gRPC statuses (see dbStatus).
func (l *pgLedger) tx(ctx context.Context, op string, fn func(ctx context.Context, tx pgx.Tx) error) error {
	ctx, cancel := l.opContext(ctx)
	defer cancel()
	start := time.Now()
	defer func() { l.s.m.ledgerTxSeconds.WithLabelValues(op).Observe(time.Since(start).Seconds()) }()
	var err error
	for attempt := 1; attempt <= pgTxAttempts; attempt++ {
		err = pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error { return fn(ctx, tx) })
		if err == nil || !txRetryable(err) {
			break
		}
	}
	if err == nil || isRefusal(err) {
		return err
	}
	return dbStatus(ctx, op, err)
}

// isRefusal reports whether err is the ledger's own answer (a status
// error such as NotFound or FailedPrecondition) rather than a failure of
// the database.
func isRefusal(err error) bool {
	var se interface{ GRPCStatus() *status.Status }
	return errors.As(err, &se)
}

// txRetryable reports whether a transaction failed without effect and
// may run again.
func txRetryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01" // serialization failure, deadlock
	}
	return pgconn.SafeToRetry(err)
}

// dbStatus turns a database error into the gRPC status a caller sees:
// the call's own deadline or cancellation as such; a database that cannot
// be reached, is shutting down or did not answer within the timeout as
// Unavailable; anything else as Internal.
func dbStatus(ctx context.Context, op string, err error) error {
	if errors.Is(context.Cause(ctx), errDatabaseTimeout) {
		return status.Errorf(codes.Unavailable, "%s: database unavailable: %v", op, errDatabaseTimeout)
	}
	if ctx.Err() != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || pgconn.Timeout(err)) {
		return status.FromContextError(ctx.Err()).Err()
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), strings.HasPrefix(pe.Code, "53"), strings.HasPrefix(pe.Code, "57P"):
			// connection exception, insufficient resources, shutting down
			return status.Errorf(codes.Unavailable, "%s: database unavailable: %s (%s)", op, pe.Message, pe.Code)
		case pe.Code == "40001" || pe.Code == "40P01":
			return status.Errorf(codes.Aborted, "%s: %s, try again", op, pe.Message)
		}
		return status.Errorf(codes.Internal, "%s: database: %s (%s)", op, pe.Message, pe.Code)
	}
	return status.Errorf(codes.Unavailable, "%s: database unavailable: %v", op, err)
}

// stateName is a reservation state as the database stores it.
func stateName(st pb.ReservationState) string {
	return strings.TrimPrefix(st.String(), "RESERVATION_STATE_")
}

func stateOf(name string) pb.ReservationState {
	return pb.ReservationState(pb.ReservationState_value["RESERVATION_STATE_"+name])
}

// reservationColumns are read by scanReservation, in order.
const reservationColumns = `id, order_id, state, fingerprint, items, quotes, plan, day, created_at, expires_at, updated_at,
	state = 'ACTIVE' AND expires_at <= now()`

// scanReservation reads reservationColumns; due is true for an ACTIVE
// reservation whose expiry the database's clock has passed.
func scanReservation(row pgx.Row) (r *reservation, due bool, err error) {
	r = new(reservation)
	var state string
	err = row.Scan(&r.ID, &r.OrderID, &state, &r.Fingerprint, &r.Items, &r.Quotes, &r.Plan, &r.Day, &r.CreatedAt, &r.ExpiresAt, &r.UpdatedAt, &due)
	if err != nil {
		return nil, false, err
	}
	r.State = stateOf(state)
	return r, due, nil
}

// itemQty is units of one (node, SKU).
type itemQty struct {
	key stockKey
	qty int32
}

// aggregate sums a reservation's items per (node, SKU), in key order: the
// order every transaction locks stock rows in.
func aggregate(items []reservedItem) []itemQty {
	sum := map[stockKey]int32{}
	for _, it := range items {
		sum[stockKey{node: it.NodeID, sku: it.SKU}] += it.Quantity
	}
	out := make([]itemQty, 0, len(sum))
	for k, q := range sum {
		out = append(out, itemQty{k, q})
	}
	slices.SortFunc(out, func(a, b itemQty) int { return compareKeys(a.key, b.key) })
	return out
}

// nodeQty is units picked at a node on a capacity day.
type nodeQty struct {
	node string
	day  int64
	qty  int32
}

// perNode sums items (in node order) per node, for day.
func perNode(items []itemQty, day int64) []nodeQty {
	var out []nodeQty
	for _, it := range items {
		if n := len(out); n > 0 && out[n-1].node == it.key.node {
			out[n-1].qty += it.qty
			continue
		}
		out = append(out, nodeQty{node: it.key.node, day: day, qty: it.qty})
	}
	return out
}

// limitOn returns the daily capacity of a node of net (0: none, or not in
// net).
func limitOn(net *network.Network) func(string) int32 {
	return func(id string) int32 {
		i, ok := net.NodeIndex(id)
		if !ok {
			return 0
		}
		return int32(min(net.Nodes[i].CapacityPerDay, math.MaxInt32))
	}
}

const returningStock = ` RETURNING node_id, sku, on_hand, reserved, safety, seq, version`

func scanStock(row pgx.Row) (pgRow, error) {
	var r pgRow
	err := row.Scan(&r.key.node, &r.key.sku, &r.onHand, &r.reserved, &r.safety, &r.seq, &r.version)
	return r, err
}

func scanStockRows(rows pgx.Rows) ([]pgRow, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (pgRow, error) { return scanStock(row) })
}

func (l *pgLedger) replay(context.Context, string, string, string) (*pb.RouteResponse, bool, *batch, error) {
	// The reserve transaction finds retries itself (the unique index on
	// live order ids), without a round trip before planning.
	return nil, false, nil, nil
}

// reserve hands r's items to the reserver, which decides them with the
// other reservations asked for meanwhile in one transaction (see
// pgreserve.go). A retry of a live order finds the first reservation; a
// refused plan reads the order's rows again and is planned again.
func (l *pgLedger) reserve(ctx context.Context, r *reserveRequest) (*pb.RouteResponse, *batch, bool, error) {
	s := l.s
	res := &reservation{
		ID: newReservationID(), OrderID: r.req.Order.Id, State: pb.ReservationState_RESERVATION_STATE_ACTIVE,
		Fingerprint: r.fp, Plan: r.plan, Items: make([]reservedItem, len(r.items)),
		// The time the order was planned at by this replica's clock (to
		// the microsecond): a retry's answer is worked out from it exactly
		// as the first one was (see Service.explainClock). Expiry goes by
		// the database's clock.
		CreatedAt: r.now,
	}
	for i, it := range r.items {
		res.Items[i] = reservedItem{NodeID: r.net.Nodes[it.Node].ID, SKU: it.SKU, Quantity: it.Qty}
	}
	res.setQuotes(r.resp.Plan)
	if len(res.Items) == 0 {
		// Nothing to hold; but a retry of a reserved order still gets
		// its first answer.
		if prev, found, err := l.replayLive(ctx, r.prefix, r.req.Order.Id, r.fp); found || err != nil {
			return prev, nil, false, err
		}
		if r.attempt == 1 && !r.final {
			// The view may not have seen stock that arrived, or units
			// and capacity given back, on another replica: plan once
			// more on the database's rows before answering "none".
			if err := l.refreshOrder(ctx, r); err != nil {
				return nil, nil, false, err
			}
			return nil, nil, true, nil
		}
		s.m.reservations.WithLabelValues(outcomeInsufficient).Inc()
		return r.resp, nil, false, nil
	}
	items := aggregate(res.Items)
	limits := map[string]int32{}
	limit := limitOn(r.net)
	for _, it := range items {
		limits[it.key.node] = limit(it.key.node)
	}
	ttl := r.ttl(s.cfg.ReservationTTL)
	for taken := 0; ; taken++ {
		if taken == pgTxAttempts {
			return nil, nil, false, status.Errorf(codes.Aborted, "%sorder.id: the order's reservation changed state while reserving; try again", r.prefix)
		}
		p := &pgPending{ctx: ctx, res: res, items: items, limits: limits, ttl: ttl, out: make(chan pgOutcome, 1)}
		o := l.reserver.submit(p)
		switch {
		case o.err != nil:
			return nil, nil, false, o.err
		case o.kind == outcomeKindTaken:
			prev, found, err := l.replayLive(ctx, r.prefix, res.OrderID, r.fp)
			if found || err != nil {
				return prev, nil, false, err
			}
			continue // the live reservation closed meanwhile: reserve again
		case o.kind == outcomeKindRefused:
			if err := l.refreshOrder(ctx, r); err != nil {
				return nil, nil, false, err
			}
			return nil, nil, true, nil
		}
		r.resp.Reservation = res.toProto()
		s.m.reservations.WithLabelValues(outcomeReserved).Inc()
		s.log.Debug("reserved", "reservation", res.ID, "order", res.OrderID, "items", len(res.Items), "expires_at", res.ExpiresAt)
		return r.resp, nil, false, nil
	}
}

// replayLive answers a retry of orderID from its live reservation; an
// ACTIVE one past its expiry is expired first (and then found is false).
func (l *pgLedger) replayLive(ctx context.Context, prefix, orderID, fp string) (*pb.RouteResponse, bool, error) {
	var r *reservation
	var due bool
	err := l.read(ctx, "reserve", func(ctx context.Context) error {
		var err error
		r, due, err = scanReservation(l.pool.QueryRow(ctx, `SELECT `+reservationColumns+`
			FROM reservations WHERE order_id = $1 AND state IN ('ACTIVE', 'COMMITTED')`, orderID))
		if errors.Is(err, pgx.ErrNoRows) {
			r, err = nil, nil
		}
		return err
	})
	if err != nil || r == nil {
		return nil, false, err
	}
	if due {
		if _, err := l.expireOne(ctx, r.ID); err != nil {
			return nil, false, err
		}
		return nil, false, nil
	}
	resp, err := replayOf(prefix, r, fp)
	if err == nil {
		l.s.m.reservations.WithLabelValues(outcomeIdempotent).Inc()
	}
	return resp, true, err
}

// read runs fn (reads outside a transaction) under the call's database
// timeout, mapping its error like tx.
func (l *pgLedger) read(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	ctx, cancel := l.opContext(ctx)
	defer cancel()
	if err := fn(ctx); err != nil && !isRefusal(err) {
		return dbStatus(ctx, op, err)
	} else if err != nil {
		return err
	}
	return nil
}

// refreshOrder reads the stock of the order's SKUs and today's capacity
// of every node again, into the view, after the database refused a plan
// made on it.
func (l *pgLedger) refreshOrder(ctx context.Context, r *reserveRequest) error {
	skus := make([]string, len(r.req.Order.Lines))
	for i, line := range r.req.Order.Lines {
		skus[i] = line.Sku
	}
	var rows []pgRow
	var caps []pgCap
	var day int64
	err := l.read(ctx, "reserve", func(ctx context.Context) error {
		b := &pgx.Batch{}
		b.Queue(`SELECT omniroute_day($1)`, l.tz())
		b.Queue(`SELECT node_id, sku, on_hand, reserved, safety, seq, version FROM stock WHERE sku = ANY($1)`, skus)
		b.Queue(`SELECT node_id, day, used, version FROM capacity WHERE day = omniroute_day($1)`, l.tz())
		br := l.pool.SendBatch(ctx, b)
		defer br.Close()
		if err := br.QueryRow().Scan(&day); err != nil {
			return err
		}
		q, err := br.Query()
		if err != nil {
			return err
		}
		if rows, err = scanStockRows(q); err != nil {
			return err
		}
		if caps, err = scanCaps(br); err != nil {
			return err
		}
		return br.Close()
	})
	if err != nil {
		return err
	}
	l.apply(rows, caps, day)
	return nil
}

func scanCaps(br pgx.BatchResults) ([]pgCap, error) {
	q, err := br.Query()
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(q, func(row pgx.CollectableRow) (pgCap, error) {
		var c pgCap
		err := row.Scan(&c.node, &c.day, &c.used, &c.version)
		return c, err
	})
}

// lockReservation reads reservation id for update; nil when there is none.
func lockReservation(ctx context.Context, tx pgx.Tx, id string) (*reservation, bool, error) {
	r, due, err := scanReservation(tx.QueryRow(ctx, `SELECT `+reservationColumns+` FROM reservations WHERE id = $1 FOR UPDATE`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	return r, due, err
}

// giveBack returns the units and capacity of ACTIVE reservations rs (rows
// locked by the caller) and marks them state, in one round trip; it
// returns the stock and capacity rows as they are now.
func giveBack(ctx context.Context, tx pgx.Tx, rs []*reservation, state pb.ReservationState) ([]pgRow, []pgCap, []time.Time, error) {
	var all []reservedItem
	type dayItems struct {
		day   int64
		items []reservedItem
	}
	var perDay []dayItems
	ids := make([]string, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
		all = append(all, r.Items...)
		perDay = append(perDay, dayItems{r.Day, r.Items})
	}
	items := aggregate(all)
	var caps []nodeQty
	for _, d := range perDay {
		caps = append(caps, perNode(aggregate(d.items), d.day)...)
	}
	slices.SortFunc(caps, func(a, b nodeQty) int { return cmp.Or(strings.Compare(a.node, b.node), cmp.Compare(a.day, b.day)) })
	b := &pgx.Batch{}
	for _, it := range items {
		b.Queue(`UPDATE stock SET reserved = reserved - least(reserved, $3) WHERE node_id = $1 AND sku = $2`+returningStock,
			it.key.node, it.key.sku, it.qty)
	}
	for _, c := range caps {
		b.Queue(`UPDATE capacity SET used = used - least(used, $3) WHERE node_id = $1 AND day = $2
			RETURNING node_id, day, used, version`, c.node, c.day, c.qty)
	}
	b.Queue(`UPDATE reservations SET state = $2, updated_at = now() WHERE id = ANY($1) RETURNING updated_at`, ids, stateName(state))
	br := tx.SendBatch(ctx, b)
	defer br.Close()
	var rows []pgRow
	for range items {
		row, err := scanStock(br.QueryRow())
		if errors.Is(err, pgx.ErrNoRows) {
			continue // a row deleted by hand: nothing to give back to
		}
		if err != nil {
			return nil, nil, nil, err
		}
		rows = append(rows, row)
	}
	var out []pgCap
	for range caps {
		var c pgCap
		err := br.QueryRow().Scan(&c.node, &c.day, &c.used, &c.version)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // no capacity counted that day
		}
		if err != nil {
			return nil, nil, nil, err
		}
		out = append(out, c)
	}
	q, err := br.Query()
	if err != nil {
		return nil, nil, nil, err
	}
	updated, err := pgx.CollectRows(q, pgx.RowTo[time.Time])
	if err != nil {
		return nil, nil, nil, err
	}
	return rows, out, updated, br.Close()
}

// expireOne expires reservation id if it is ACTIVE and due by the
// database's clock; it returns the reservation as it is afterwards.
func (l *pgLedger) expireOne(ctx context.Context, id string) (*reservation, error) {
	var r *reservation
	var rows []pgRow
	var caps []pgCap
	expired := false
	err := l.tx(ctx, "expire", func(ctx context.Context, tx pgx.Tx) error {
		rows, caps, expired = nil, nil, false
		var due bool
		var err error
		if r, due, err = lockReservation(ctx, tx, id); err != nil || r == nil || !due {
			return err
		}
		var updated []time.Time
		if rows, caps, updated, err = giveBack(ctx, tx, []*reservation{r}, pb.ReservationState_RESERVATION_STATE_EXPIRED); err != nil {
			return err
		}
		r.State, r.UpdatedAt, expired = pb.ReservationState_RESERVATION_STATE_EXPIRED, updated[0], true
		return nil
	})
	if err != nil {
		return nil, err
	}
	if expired {
		l.apply(rows, caps, math.MinInt64)
		l.s.m.reservations.WithLabelValues(outcomeExpired).Inc()
		l.s.log.Info("reservation expired", "reservation", r.ID, "order", r.OrderID)
	}
	return r, nil
}

func (l *pgLedger) get(ctx context.Context, id string) (*pb.Reservation, *batch, error) {
	var r *reservation
	var due bool
	err := l.read(ctx, "get reservation", func(ctx context.Context) error {
		var err error
		r, due, err = scanReservation(l.pool.QueryRow(ctx, `SELECT `+reservationColumns+` FROM reservations WHERE id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			r, err = nil, nil
		}
		return err
	})
	if err == nil && due {
		r, err = l.expireOne(ctx, id)
	}
	switch {
	case err != nil:
		return nil, nil, err
	case r == nil:
		return nil, nil, notFound("reservation_id", "no reservation %q", id)
	}
	return r.toProto(), nil, nil
}

// settle commits or releases reservation id in one transaction: the
// reservation row is locked first, then its stock rows, then capacity.
func (l *pgLedger) settle(ctx context.Context, id string, commit bool) (*pb.Reservation, *batch, error) {
	s := l.s
	verb, op := "released", "release"
	if commit {
		verb, op = "committed", "commit"
	}
	var (
		r       *reservation
		rows    []pgRow
		caps    []pgCap
		changed bool
		expired bool
	)
	err := l.tx(ctx, op, func(ctx context.Context, tx pgx.Tx) error {
		rows, caps, changed, expired = nil, nil, false, false
		var due bool
		var err error
		if r, due, err = lockReservation(ctx, tx, id); err != nil {
			return err
		}
		if r == nil {
			return notFound("reservation_id", "no reservation %q", id)
		}
		if due {
			var updated []time.Time
			if rows, caps, updated, err = giveBack(ctx, tx, []*reservation{r}, pb.ReservationState_RESERVATION_STATE_EXPIRED); err != nil {
				return err
			}
			r.State, r.UpdatedAt, expired = pb.ReservationState_RESERVATION_STATE_EXPIRED, updated[0], true
			return nil // commit the expiry, then refuse below
		}
		switch {
		case r.State == pb.ReservationState_RESERVATION_STATE_ACTIVE:
		case commit && r.State == pb.ReservationState_RESERVATION_STATE_COMMITTED,
			!commit && r.State != pb.ReservationState_RESERVATION_STATE_COMMITTED:
			return nil // already done: answer it as it is
		default:
			return notActive(r.ID, r.State, verb)
		}
		changed = true
		if !commit {
			var updated []time.Time
			if rows, caps, updated, err = giveBack(ctx, tx, []*reservation{r}, pb.ReservationState_RESERVATION_STATE_RELEASED); err != nil {
				return err
			}
			r.State, r.UpdatedAt = pb.ReservationState_RESERVATION_STATE_RELEASED, updated[0]
			return nil
		}
		items := aggregate(r.Items)
		b := &pgx.Batch{}
		for _, it := range items {
			b.Queue(`UPDATE stock SET on_hand = on_hand - $3, reserved = reserved - $3
				WHERE node_id = $1 AND sku = $2 AND on_hand >= $3 AND reserved >= $3`+returningStock,
				it.key.node, it.key.sku, it.qty)
		}
		b.Queue(`UPDATE reservations SET state = 'COMMITTED', updated_at = now() WHERE id = $1 RETURNING updated_at`, id)
		br := tx.SendBatch(ctx, b)
		defer br.Close()
		for _, it := range items {
			row, err := scanStock(br.QueryRow())
			if errors.Is(err, pgx.ErrNoRows) {
				return belowReserved(r.ID, fmt.Errorf("commit %d of %s at %s: %w", it.qty, it.key.sku, it.key.node, stock.ErrInsufficient))
			}
			if err != nil {
				return err
			}
			rows = append(rows, row)
		}
		if err := br.QueryRow().Scan(&r.UpdatedAt); err != nil {
			return err
		}
		r.State = pb.ReservationState_RESERVATION_STATE_COMMITTED
		return br.Close()
	})
	if err != nil {
		return nil, nil, err
	}
	l.apply(rows, caps, math.MinInt64)
	if expired {
		s.m.reservations.WithLabelValues(outcomeExpired).Inc()
		s.log.Info("reservation expired", "reservation", r.ID, "order", r.OrderID)
		if commit {
			return nil, nil, notActive(r.ID, r.State, verb)
		}
	}
	if changed {
		outcome := outcomeReleased
		if commit {
			outcome = outcomeCommitted
		}
		s.m.reservations.WithLabelValues(outcome).Inc()
		s.log.Info("reservation "+verb, "reservation", r.ID, "order", r.OrderID)
	}
	return r.toProto(), nil, nil
}

func (l *pgLedger) commit(ctx context.Context, id string) (*pb.Reservation, *batch, error) {
	return l.settle(ctx, id, true)
}

func (l *pgLedger) release(ctx context.Context, id string) (*pb.Reservation, *batch, error) {
	return l.settle(ctx, id, false)
}

// updateStock applies the batch in one transaction: the rows it touches
// are created if new and locked in key order, the updates are applied in
// request order to a scratch table holding them (the same rules as
// memory: stock.Table.Apply), and the rows that changed are written back.
func (l *pgLedger) updateStock(ctx context.Context, u *stockBatch) (stockResult, *batch, error) {
	net := l.s.snap.Load().net
	ups, err := u.resolve(net)
	if err != nil {
		return stockResult{}, nil, err
	}
	keys := make([]stockKey, 0, len(ups))
	seen := map[stockKey]bool{}
	for i, up := range ups {
		k := stockKey{node: u.updates[i].NodeId, sku: up.SKU}
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareKeys)
	nodes, skus := splitKeys(keys)
	var (
		res  stockResult
		rows []pgRow
	)
	err = l.tx(ctx, "update stock", func(ctx context.Context, tx pgx.Tx) error {
		res, rows = stockResult{}, nil
		b := &pgx.Batch{}
		b.Queue(`INSERT INTO stock (node_id, sku) SELECT * FROM unnest($1::text[], $2::text[]) AS k(n, s)
			ORDER BY n, s ON CONFLICT DO NOTHING`, nodes, skus)
		b.Queue(`SELECT node_id, sku, on_hand, reserved, safety, seq, version FROM stock
			WHERE (node_id, sku) IN (SELECT * FROM unnest($1::text[], $2::text[]))
			ORDER BY node_id, sku FOR UPDATE`, nodes, skus)
		br := tx.SendBatch(ctx, b)
		if _, err := br.Exec(); err != nil {
			br.Close()
			return err
		}
		q, err := br.Query()
		if err != nil {
			br.Close()
			return err
		}
		current, err := scanStockRows(q)
		if err != nil {
			br.Close()
			return err
		}
		if err := br.Close(); err != nil {
			return err
		}
		byKey := make(map[stockKey]stock.Row, len(current))
		for _, r := range current {
			byKey[r.key] = r.stockRow()
		}
		rowOf := func(node int, sku string) (stock.Row, bool) {
			r, ok := byKey[stockKey{node: net.Nodes[node].ID, sku: sku}]
			return r, ok
		}
		scratch, applied, deltas, err := u.applyScratch(net, ups, rowOf)
		if err != nil {
			return err
		}
		changed := map[stockKey]bool{}
		for i, ok := range applied {
			if ok {
				res.applied++
				changed[stockKey{node: u.updates[i].NodeId, sku: ups[i].SKU}] = true
			} else {
				res.ignored++
			}
		}
		wb := &pgx.Batch{}
		var written []stockKey
		for i, k := range keys {
			if !changed[k] {
				continue
			}
			node, _ := net.NodeIndex(k.node)
			r, _ := scratch.Get(node, k.sku)
			res.moved += absUnits(r.ATP() - byKey[k].ATP())
			wb.Queue(`UPDATE stock SET on_hand = $3, safety = $4, seq = $5 WHERE node_id = $1 AND sku = $2`+returningStock,
				nodes[i], skus[i], r.OnHand, r.Safety, int64(r.Seq))
			written = append(written, k)
		}
		if len(written) > 0 {
			wbr := tx.SendBatch(ctx, wb)
			defer wbr.Close()
			for range written {
				row, err := scanStock(wbr.QueryRow())
				if err != nil {
					return err
				}
				rows = append(rows, row)
				byKey[row.key] = row.stockRow()
			}
			if err := wbr.Close(); err != nil {
				return err
			}
		}
		res.below = shortfalls(net, ups, applied, rowOf)
		res.received = u.receiptsOf(ups, applied, deltas)
		return nil
	})
	if err != nil {
		return stockResult{}, nil, err
	}
	l.apply(rows, nil, math.MinInt64)
	return res, nil, nil
}

// availability reads the rows from the database, so that every replica
// answers what the ledger holds now, not what its view last saw.
func (l *pgLedger) availability(ctx context.Context, skus, nodeIDs []string) ([]*pb.NodeAvailability, error) {
	net := l.s.snap.Load().net
	nodes, explicit, err := resolveNodes(net, nodeIDs)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = net.Nodes[n].ID
	}
	var rows []pgRow
	err = l.read(ctx, "availability", func(ctx context.Context) error {
		q, err := l.pool.Query(ctx, `SELECT node_id, sku, on_hand, reserved, safety, seq, version FROM stock
			WHERE sku = ANY($1) AND node_id = ANY($2)`, skus, ids)
		if err != nil {
			return err
		}
		rows, err = scanStockRows(q)
		return err
	})
	if err != nil {
		return nil, err
	}
	byKey := make(map[stockKey]stock.Row, len(rows))
	for _, r := range rows {
		byKey[r.key] = r.stockRow()
	}
	return availabilityOf(net, nodes, explicit, skus, func(node int, sku string) (stock.Row, bool) {
		r, ok := byKey[stockKey{node: net.Nodes[node].ID, sku: sku}]
		return r, ok
	}), nil
}

// reapBatch is the most reservations one expiry transaction takes.
const reapBatch = 500

// reap expires the reservations due by the database's clock (each by
// exactly one replica: SKIP LOCKED), forgets closed ones past retention
// and old capacity days, and counts the ACTIVE reservations.
func (l *pgLedger) reap(ctx context.Context) {
	s := l.s
	for {
		n, err := l.expireDue(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("expire reservations", "err", err)
			}
			return
		}
		if n < reapBatch {
			break
		}
	}
	err := l.read(ctx, "prune", func(ctx context.Context) error {
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM reservations WHERE state <> 'ACTIVE' AND updated_at < now() - make_interval(secs => $1)`,
			s.cfg.ReservationRetention.Seconds())
		b.Queue(`DELETE FROM capacity WHERE day < omniroute_day($1) - 2`, l.tz())
		b.Queue(`SELECT count(*) FROM reservations WHERE state = 'ACTIVE'`)
		br := l.pool.SendBatch(ctx, b)
		defer br.Close()
		if _, err := br.Exec(); err != nil {
			return err
		}
		if _, err := br.Exec(); err != nil {
			return err
		}
		var active int64
		if err := br.QueryRow().Scan(&active); err != nil {
			return err
		}
		s.m.activeReserved.Set(float64(active))
		return br.Close()
	})
	if err != nil && ctx.Err() == nil {
		s.log.Warn("prune reservations", "err", err)
	}
}

// expireDue expires up to reapBatch due reservations in one transaction.
func (l *pgLedger) expireDue(ctx context.Context) (int, error) {
	var rs []*reservation
	var rows []pgRow
	var caps []pgCap
	err := l.tx(ctx, "expire", func(ctx context.Context, tx pgx.Tx) error {
		rs, rows, caps = nil, nil, nil
		q, err := tx.Query(ctx, `SELECT `+reservationColumns+` FROM reservations
			WHERE state = 'ACTIVE' AND expires_at <= now()
			ORDER BY expires_at, id LIMIT $1 FOR UPDATE SKIP LOCKED`, reapBatch)
		if err != nil {
			return err
		}
		rs, err = pgx.CollectRows(q, func(row pgx.CollectableRow) (*reservation, error) {
			r, _, err := scanReservation(row)
			return r, err
		})
		if err != nil || len(rs) == 0 {
			return err
		}
		rows, caps, _, err = giveBack(ctx, tx, rs, pb.ReservationState_RESERVATION_STATE_EXPIRED)
		return err
	})
	if err != nil {
		return 0, err
	}
	if len(rs) > 0 {
		l.apply(rows, caps, math.MinInt64)
		l.s.m.reservations.WithLabelValues(outcomeExpired).Add(float64(len(rs)))
		for _, r := range rs {
			l.s.log.Info("reservation expired", "reservation", r.ID, "order", r.OrderID)
		}
	}
	return len(rs), nil
}

// redactURL hides a password in a database URL for messages.
func redactURL(s string) string {
	cfg, err := pgconn.ParseConfig(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return fmt.Sprintf("%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}
