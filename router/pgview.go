package router

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

// The view of a replica on the PostgreSQL ledger is kept fresh by a feed.
//
// Invariant: every committed change to a stock or capacity row reaches
// the view, in at most one poll interval when notifications are lost and
// at once when they are not. Every change sets the row's changed_xid to
// its transaction's id (a trigger does, however the change is made). A
// read first takes the oldest transaction id still running (the xmin of
// a snapshot), then reads the rows with changed_xid at or above the xmin
// of the previous read: a transaction below that xmin had ended before
// the previous read began, so it was seen then or it rolled back; any
// other is read now, or again next time. Rows enter the view only when
// their version is newer (see pgLedger.apply), so reading a row twice is
// harmless.
//
// Notifications only say "read now": the triggers send one on the
// omniroute_ledger channel per changing statement, delivered when its
// transaction commits; under load the feed reads at most once every
// minRefreshGap, so one read takes many commits. The feed listens on a connection of its own; when
// that connection is lost it polls every poll interval and connects
// again. A read that fails marks the database down (health NOT_SERVING,
// omniroute_ledger_up 0) until one succeeds.

// pgSnapshot is what one read of the feed returns.
type pgSnapshot struct {
	// xmin is the oldest transaction still running when the read began:
	// the next read starts there.
	xmin     int64
	day      int64 // the capacity day by the database's clock
	stock    []pgRow
	capacity []pgCap // of day
}

// fetch reads the stock and capacity rows changed by transactions at or
// above since (every row when since is 0), in one round trip.
func (l *pgLedger) fetch(ctx context.Context, since int64) (pgSnapshot, error) {
	var snap pgSnapshot
	b := &pgx.Batch{}
	b.Queue(`SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, omniroute_day($1)`, l.tz())
	b.Queue(`SELECT node_id, sku, on_hand, reserved, safety, seq, version FROM stock WHERE changed_xid >= $1`, since)
	b.Queue(`SELECT node_id, day, used, version FROM capacity WHERE day = omniroute_day($2) AND changed_xid >= $1`, since, l.tz())
	br := l.pool.SendBatch(ctx, b)
	defer br.Close()
	if err := br.QueryRow().Scan(&snap.xmin, &snap.day); err != nil {
		return snap, err
	}
	q, err := br.Query()
	if err != nil {
		return snap, err
	}
	if snap.stock, err = scanStockRows(q); err != nil {
		return snap, err
	}
	if snap.capacity, err = scanCaps(br); err != nil {
		return snap, err
	}
	return snap, br.Close()
}

// pgFeed keeps the view of a pgLedger fresh (see above). Its goroutine
// runs until the service's background context ends; done closes then.
type pgFeed struct {
	l    *pgLedger
	done chan struct{}

	// watermark is where the next read starts; only run touches it.
	watermark int64
	// lastOK is when a read last succeeded (unix nanoseconds).
	lastOK atomic.Int64
	// up says whether the last read succeeded; mu orders its changes
	// with the health hooks they run.
	mu sync.Mutex
	up bool
}

func newPGFeed(l *pgLedger) *pgFeed {
	f := &pgFeed{l: l, done: make(chan struct{}), up: true, watermark: l.loadedAt}
	f.lastOK.Store(time.Now().UnixNano())
	l.s.m.ledgerUp.Set(1)
	age := f.age
	l.s.m.viewAge.Store(&age)
	return f
}

// age is how long ago the view was last known to be current.
func (f *pgFeed) age() float64 {
	return time.Since(time.Unix(0, f.lastOK.Load())).Seconds()
}

// serving reports whether the last read of the database succeeded.
func (f *pgFeed) serving() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.up
}

func (f *pgFeed) run(ctx context.Context) {
	defer close(f.done)
	var lc *pgx.Conn
	defer func() {
		if lc != nil {
			lc.Close(context.Background())
		}
	}()
	trigger := "poll"
	var last time.Time
	for ctx.Err() == nil {
		if lc == nil {
			lc = f.listen(ctx)
		}
		if gap := time.Until(last.Add(minRefreshGap)); trigger == "notify" && gap > 0 {
			// Under load every commit notifies: one read a gap takes
			// what the notifications of the gap announced.
			t := time.NewTimer(gap)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
		}
		last = time.Now()
		f.refresh(ctx, trigger)
		trigger, lc = f.wait(ctx, lc)
	}
}

// minRefreshGap is the shortest time between two reads of the feed that
// notifications start.
const minRefreshGap = 10 * time.Millisecond

// listen opens the notification connection; nil when it cannot.
func (f *pgFeed) listen(ctx context.Context) *pgx.Conn {
	cctx, cancel := context.WithTimeout(ctx, f.l.cfg.Timeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(cctx, f.l.pool.Config().ConnConfig.Copy())
	if err == nil {
		if _, err = conn.Exec(cctx, "LISTEN "+pgx.Identifier{f.l.cfg.listenChannel}.Sanitize()); err != nil {
			conn.Close(context.Background())
		}
	}
	if err != nil {
		f.l.s.m.ledgerListening.Set(0)
		return nil
	}
	f.l.s.m.ledgerListening.Set(1)
	return conn
}

// wait returns when a notification comes (trigger "notify"), when the
// poll interval has passed ("poll") or when ctx ends. It returns the
// notification connection, nil once it was lost.
func (f *pgFeed) wait(ctx context.Context, lc *pgx.Conn) (string, *pgx.Conn) {
	poll := f.l.cfg.PollInterval
	if lc == nil {
		t := time.NewTimer(poll)
		defer t.Stop()
		select {
		case <-ctx.Done():
		case <-t.C:
		}
		return "poll", nil
	}
	wctx, cancel := context.WithTimeout(ctx, poll)
	defer cancel()
	_, err := lc.WaitForNotification(wctx)
	switch {
	case err == nil:
		return "notify", lc
	case wctx.Err() != nil && !lc.IsClosed():
		return "poll", lc
	}
	lc.Close(context.Background())
	f.l.s.m.ledgerListening.Set(0)
	if ctx.Err() == nil {
		f.l.s.log.Warn("database notifications lost; polling until they are back", "err", err, "poll", poll)
	}
	return "poll", nil
}

// refresh reads what changed since the last read into the view.
func (f *pgFeed) refresh(ctx context.Context, trigger string) {
	l := f.l
	rctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	snap, err := l.fetch(rctx, f.watermark)
	cancel()
	if err != nil {
		if ctx.Err() == nil {
			f.setUp(false, err)
		}
		return
	}
	l.apply(snap.stock, snap.capacity, snap.day)
	f.watermark = snap.xmin
	f.lastOK.Store(time.Now().UnixNano())
	l.s.m.ledgerRefreshes.WithLabelValues(trigger).Inc()
	l.s.m.ledgerRows.Add(float64(len(snap.stock) + len(snap.capacity)))
	f.setUp(true, nil)
}

// setUp records whether the database answers and tells the health hooks
// when that changes.
func (f *pgFeed) setUp(up bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.up == up {
		return
	}
	f.up = up
	s := f.l.s
	if up {
		s.m.ledgerUp.Set(1)
		s.log.Info("database reachable again: serving")
	} else {
		s.m.ledgerUp.Set(0)
		s.log.Error("database unreachable: not serving until it is back", "err", err)
	}
	s.healthChanged(up)
}
