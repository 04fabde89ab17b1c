package orderlog

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
)

// Defaults for a zero Options field.
const (
	// DefaultBuffer is how many bytes of rows may wait for the writer:
	// about 14,000 orders of two lines.
	DefaultBuffer = 4 << 20
	// DefaultRemember is how many of the latest order ids a Log
	// remembers, to record each order once.
	DefaultRemember = 100_000
	// DefaultFlushInterval is how often the writer writes what was
	// recorded since it last did.
	DefaultFlushInterval = 100 * time.Millisecond
	// DefaultWriteTimeout bounds one Write of a Sink.
	DefaultWriteTimeout = 10 * time.Second
)

// What happened to a recorded order, as omniroute_order_log_orders_total
// counts it.
const (
	// ResultWritten: the order is in its day's file (or the database).
	ResultWritten = "written"
	// ResultDuplicate: an order of the same id was recorded before (by
	// this server, or in the database by another).
	ResultDuplicate = "duplicate"
	// ResultDropped: the buffer was full, or the log closed.
	ResultDropped = "dropped"
	// ResultFailed: the file (or the database) could not be written.
	ResultFailed = "failed"
)

// A Sink keeps the orders a Log's writer takes from its buffer, a batch
// at a time: Files, or the database's order_log table (NewDB). Its
// methods are called by the writer alone.
type Sink interface {
	// Write keeps the batch's orders and returns how many of them it
	// held already (an order id another server recorded). b and its
	// slices are the writer's again once Write returns.
	Write(ctx context.Context, b *Batch) (held int, err error)
	// Trim forgets the orders recorded before before, as far as the sink
	// can tell them apart (a file a day: the days that ended by then),
	// and returns how many files or orders it let go.
	Trim(ctx context.Context, before time.Time) (int, error)
	// Close releases what the sink holds, after its last Write.
	Close() error
}

// Batch is the orders recorded since the writer last took them.
type Batch struct {
	// At is when the writer took them (Options.Now).
	At time.Time
	// Rows are the orders' rows of an orders file, under
	// simulate.OrderHeader; Orders[i]'s are Rows[Orders[i].Start:
	// Orders[i].End].
	Rows   []byte
	Orders []Entry
}

// Entry is one order of a Batch.
type Entry struct {
	ID         string
	CreatedAt  time.Time
	Start, End int
}

// Options tune a Log; the zero value is usable.
type Options struct {
	// Buffer is how many bytes of rows may wait for the writer
	// (DefaultBuffer when 0); an order recorded while more wait is
	// dropped. It should hold the orders of a FlushInterval at the
	// busiest.
	Buffer int
	// FlushInterval is how often the writer takes the rows waiting and
	// hands them to the sink (DefaultFlushInterval when 0): a route never
	// waits for a file or the database, and a crash loses at most this
	// much.
	FlushInterval time.Duration
	// WriteTimeout bounds each Write of the sink (DefaultWriteTimeout
	// when 0).
	WriteTimeout time.Duration
	// Remember is how many of the latest order ids are remembered
	// (DefaultRemember when 0).
	Remember int
	// Keep, when above 0, is how long the sink keeps what it holds: the
	// writer trims what is older (Sink.Trim) when it starts and then
	// hourly. 0 keeps everything.
	Keep time.Duration
	// Now tells the time, whose UTC day names the file the rows go to
	// when they are written (time.Now when nil).
	Now func() time.Time
	// Logger receives what went wrong with the sink (discarded when nil).
	Logger *slog.Logger
	// Registerer receives omniroute_order_log_orders_total{result}
	// (nothing is registered when nil).
	Registerer prometheus.Registerer
}

// Log records the orders a server routes into a Sink. Record and Flush
// are safe for concurrent use; Close once, after the last Record.
type Log struct {
	sink   Sink
	now    func() time.Time
	log    *slog.Logger
	counts *prometheus.CounterVec
	// stockCounts is omniroute_order_log_stock_total{result};
	// receiptCounts omniroute_order_log_receipts_total{result}.
	stockCounts, receiptCounts *prometheus.CounterVec
	every                      time.Duration
	timeout                    time.Duration
	limit                      int           // Options.Buffer
	keep                       int           // Options.Remember
	retain                     time.Duration // Options.Keep
	seed                       maphash.Seed

	mu     sync.Mutex // guards what follows, up to the writer's own
	closed bool
	// seen holds the hashes of the latest ids recorded, ring the same in
	// the order they came (next is the oldest once it is full): integers,
	// which the garbage collector does not scan.
	seen     map[uint64]struct{}
	ring     []uint64
	next     int
	rows     []byte    // the rows waiting for the writer
	orders   []Entry   // the orders they hold
	receipts []Receipt // the receipts waiting
	// receiptBytes is about what they take, toward Options.Buffer.
	receiptBytes int

	stockSrc atomic.Pointer[StockSource] // WatchStock's

	flushes chan chan struct{} // Flush's requests
	quit    chan struct{}      // closed by Close
	done    chan struct{}      // closed by the writer when it is done

	// The writer's own (one goroutine).
	spare         []byte
	spareOrders   []Entry
	spareReceipts []Receipt
	trimmed       time.Time // when the writer last trimmed the sink
	stockDay      time.Time // the day whose stock the sink holds
	stockNext     time.Time // after a failure, when to try again
	lastErr       time.Time
	err           error // the first failure, for Close
}

// Open starts a Log writing into the day files of dir (Files): it fails
// when another process writes the directory.
func Open(dir string, opt Options) (*Log, error) {
	f, err := OpenFiles(dir)
	if err != nil {
		return nil, err
	}
	if lg := opt.Logger; lg != nil {
		f.Warn = func(path string) { lg.Warn("order log: a file of another header is left as it is", "file", path) }
	}
	l, err := New(f, opt)
	if err != nil {
		f.Close()
		return nil, err
	}
	return l, nil
}

// New starts a Log writing into sink, which it closes at Close.
func New(sink Sink, opt Options) (*Log, error) {
	if opt.Buffer <= 0 {
		opt.Buffer = DefaultBuffer
	}
	if opt.Remember <= 0 {
		opt.Remember = DefaultRemember
	}
	if opt.FlushInterval <= 0 {
		opt.FlushInterval = DefaultFlushInterval
	}
	if opt.WriteTimeout <= 0 {
		opt.WriteTimeout = DefaultWriteTimeout
	}
	l := &Log{
		sink: sink, now: opt.Now, log: opt.Logger, every: opt.FlushInterval, timeout: opt.WriteTimeout,
		limit: opt.Buffer, keep: opt.Remember, retain: opt.Keep, seed: maphash.MakeSeed(),
		seen: make(map[uint64]struct{}, min(opt.Remember, 1<<16)), ring: make([]uint64, 0, min(opt.Remember, 1<<16)),
		flushes: make(chan chan struct{}), quit: make(chan struct{}), done: make(chan struct{}),
		counts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omniroute_order_log_orders_total",
			Help: "Orders recorded in the order log by result: written, duplicate (the id was recorded before), dropped (the buffer was full), failed (the file or the database could not be written).",
		}, []string{"result"}),
		receiptCounts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omniroute_order_log_receipts_total",
			Help: "Stock receipts (units a stock update brought in, or took away: a fall) recorded in the order log by result: written, dropped (the buffer was full), failed (the file or the database could not be written).",
		}, []string{"result"}),
		stockCounts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omniroute_order_log_stock_total",
			Help: "The stock a day started with, by result: written, held (kept already, before a restart or by another replica), failed (tried again a minute later).",
		}, []string{"result"}),
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	for _, r := range []string{ResultWritten, ResultDuplicate, ResultDropped, ResultFailed} {
		l.counts.WithLabelValues(r)
	}
	for _, r := range []string{StockWritten, StockHeld, StockFailed} {
		l.stockCounts.WithLabelValues(r)
	}
	for _, r := range []string{ResultWritten, ResultDropped, ResultFailed} {
		l.receiptCounts.WithLabelValues(r)
	}
	if opt.Registerer != nil {
		for _, c := range []prometheus.Collector{l.counts, l.stockCounts, l.receiptCounts} {
			if err := opt.Registerer.Register(c); err != nil {
				return nil, fmt.Errorf("order log: %w", err)
			}
		}
	}
	go l.run()
	return l, nil
}

// FileName is the name of the file of t's UTC day: orders-YYYY-MM-DD.csv.
func FileName(t time.Time) string { return "orders-" + t.UTC().Format(time.DateOnly) + ".csv" }

// Count is how many recorded orders had result (ResultWritten, ...).
func (l *Log) Count(result string) prometheus.Counter { return l.counts.WithLabelValues(result) }

// Record adds o's rows to those waiting for the writer, without waiting
// for the sink: an id recorded before (among the latest Remember), a full
// buffer or a closed log leave it out (counted). Its times are written in
// UTC, so that the rows of several logs sort by created_at as text; what
// the order fetched (Live) is not written.
func (l *Log) Record(o *network.Order) {
	if l == nil || o == nil {
		return
	}
	h := maphash.String(l.seed, o.ID)
	c := *o
	c.CreatedAt, c.PromiseBy = c.CreatedAt.UTC(), c.PromiseBy.UTC()
	result := ResultDropped
	l.mu.Lock()
	if _, dup := l.seen[h]; dup {
		result = ResultDuplicate
	} else if !l.closed && len(l.rows)+l.receiptBytes < l.limit {
		result = ""
		l.remember(h)
		start := len(l.rows)
		l.rows = simulate.AppendOrder(l.rows, &c)
		l.orders = append(l.orders, Entry{ID: c.ID, CreatedAt: c.CreatedAt, Start: start, End: len(l.rows)})
	}
	l.mu.Unlock()
	if result != "" {
		l.counts.WithLabelValues(result).Inc()
	}
}

// RecordReceipt adds a receipt (units of sku came into node's on hand at
// at; left it, when negative: a fall) to those waiting for the writer,
// without waiting for the sink, when the sink keeps receipts (a
// ReceiptSink: Files, DB); a full buffer or a closed log leave it out
// (counted). adjustment marks a fall that is not demand (a recount, a
// write-off). It implements router.ReceiptRecorder.
func (l *Log) RecordReceipt(at time.Time, node, sku string, units int32, adjustment bool) {
	if l == nil || units == 0 {
		return
	}
	if _, ok := l.sink.(ReceiptSink); !ok {
		return
	}
	l.mu.Lock()
	ok := !l.closed && len(l.rows)+l.receiptBytes < l.limit
	if ok {
		l.receipts = append(l.receipts, Receipt{At: at, Node: node, SKU: sku, Units: units, Adjustment: adjustment && units < 0})
		l.receiptBytes += receiptSize + len(node) + len(sku)
	}
	l.mu.Unlock()
	if !ok {
		l.receiptCounts.WithLabelValues(ResultDropped).Inc()
	}
}

// remember adds h to the ids recorded, forgetting the oldest beyond
// Remember. l.mu is held.
func (l *Log) remember(h uint64) {
	if len(l.ring) < l.keep {
		l.ring = append(l.ring, h)
	} else {
		delete(l.seen, l.ring[l.next])
		l.ring[l.next] = h
		l.next = (l.next + 1) % len(l.ring)
	}
	l.seen[h] = struct{}{}
}

// Flush hands the rows waiting to the sink now, rather than at the
// writer's next turn, and returns once it has them (or failed).
func (l *Log) Flush() {
	done := make(chan struct{})
	select {
	case l.flushes <- done:
		<-done
	case <-l.done:
	}
}

// Close writes what waits and closes the sink. It returns the first
// failure to write, if any.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	close(l.quit)
	<-l.done
	return errors.Join(l.err, l.sink.Close())
}

// run is the writer: every FlushInterval, at a Flush and once more at
// Close, it hands the rows waiting to the sink.
func (l *Log) run() {
	defer close(l.done)
	t := time.NewTicker(l.every)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			l.write()
		case done := <-l.flushes:
			l.write()
			close(done)
		case <-l.quit:
			l.write()
			return
		}
	}
}

// trimEvery is how often the writer trims the sink (Options.Keep).
const trimEvery = time.Hour

// trim lets the sink forget what is older than Options.Keep, when an hour
// has passed since the last time.
func (l *Log) trim() {
	if l.retain <= 0 {
		return
	}
	now := l.now()
	if !l.trimmed.IsZero() && now.Sub(l.trimmed) < trimEvery {
		return
	}
	l.trimmed = now
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	if n, err := l.sink.Trim(ctx, now.Add(-l.retain)); err != nil {
		l.fail(fmt.Errorf("trim: %w", err), 0)
	} else if n > 0 {
		l.log.Info("order log: trimmed", "before", now.Add(-l.retain).UTC().Format(time.RFC3339), "let_go", n)
	}
}

// write takes the rows waiting and hands them to the sink, after the
// day's stock when a day began (WatchStock).
func (l *Log) write() {
	l.trim()
	l.mu.Lock()
	b := Batch{Rows: l.rows, Orders: l.orders}
	l.rows, l.orders = l.spare[:0], l.spareOrders[:0]
	receipts := l.receipts
	l.receipts, l.receiptBytes = l.spareReceipts[:0], 0
	l.mu.Unlock()
	l.spare, l.spareOrders, l.spareReceipts = b.Rows, b.Orders, receipts
	b.At = l.now()
	last := l.stockDay
	l.takeStock(b.At)
	if !last.IsZero() && b.At.Sub(last) >= 24*time.Hour {
		// Recorded before the stock of b.At's day was taken (at this
		// write, or not yet: it failed, and is tried again a minute
		// later): the rows go with the last stock kept, which a replay
		// of them starts from, into the last moment of its day.
		b.At = last.Add(24*time.Hour - time.Nanosecond)
	}
	l.writeReceipts(receipts, b.At)
	clear(receipts) // the spare holds no request's strings
	n := len(b.Orders)
	if n == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	held, err := l.sink.Write(ctx, &b)
	cancel()
	if err != nil {
		l.fail(err, n)
		return
	}
	l.counts.WithLabelValues(ResultWritten).Add(float64(n - held))
	if held > 0 {
		l.counts.WithLabelValues(ResultDuplicate).Add(float64(held))
	}
}

// writeReceipts hands the receipts to the sink, taken at at.
func (l *Log) writeReceipts(rs []Receipt, at time.Time) {
	n := len(rs)
	if n == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	err := l.sink.(ReceiptSink).WriteReceipts(ctx, at, rs)
	cancel()
	if err != nil {
		l.receiptCounts.WithLabelValues(ResultFailed).Add(float64(n))
		l.fail(fmt.Errorf("receipts: %w", err), 0)
		return
	}
	l.receiptCounts.WithLabelValues(ResultWritten).Add(float64(n))
}

// fail counts n orders failed and logs err, at most once a minute.
func (l *Log) fail(err error, n int) {
	if n > 0 {
		l.counts.WithLabelValues(ResultFailed).Add(float64(n))
	}
	if l.err == nil {
		l.err = err
	}
	if now := time.Now(); now.Sub(l.lastErr) >= time.Minute {
		l.lastErr = now
		l.log.Error("order log", "err", err)
	}
}
