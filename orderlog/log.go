package orderlog

import (
	"bytes"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
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
)

// What happened to a recorded order, as omniroute_order_log_orders_total
// counts it.
const (
	// ResultWritten: the order is in its day's file.
	ResultWritten = "written"
	// ResultDuplicate: an order of the same id was recorded before.
	ResultDuplicate = "duplicate"
	// ResultDropped: the buffer was full, or the log closed.
	ResultDropped = "dropped"
	// ResultFailed: the file could not be opened or written.
	ResultFailed = "failed"
)

// maxSuffix bounds the files of one day tried for a matching header.
const maxSuffix = 100

// Options tune a Log; the zero value is usable.
type Options struct {
	// Buffer is how many bytes of rows may wait for the writer
	// (DefaultBuffer when 0); an order recorded while more wait is
	// dropped. It should hold the orders of a FlushInterval at the
	// busiest.
	Buffer int
	// FlushInterval is how often the writer takes the rows waiting and
	// writes them to the file (DefaultFlushInterval when 0): a route never
	// waits for a file, and a crash loses at most this much.
	FlushInterval time.Duration
	// Remember is how many of the latest order ids are remembered
	// (DefaultRemember when 0).
	Remember int
	// Now tells the time, whose UTC day names the file the rows go to
	// when they are written (time.Now when nil).
	Now func() time.Time
	// Logger receives what went wrong with the files (discarded when
	// nil).
	Logger *slog.Logger
	// Registerer receives omniroute_order_log_orders_total{result}
	// (nothing is registered when nil).
	Registerer prometheus.Registerer
}

// Log writes the orders recorded into a directory of day files. Record
// and Flush are safe for concurrent use; Close once, after the last
// Record.
type Log struct {
	dir    string
	now    func() time.Time
	log    *slog.Logger
	counts *prometheus.CounterVec
	lock   *os.File
	every  time.Duration
	limit  int // Options.Buffer
	keep   int // Options.Remember
	seed   maphash.Seed

	mu     sync.Mutex // guards what follows, up to the writer's own
	closed bool
	// seen holds the hashes of the latest ids recorded, ring the same in
	// the order they came (next is the oldest once it is full): integers,
	// which the garbage collector does not scan.
	seen    map[uint64]struct{}
	ring    []uint64
	next    int
	rows    []byte // the rows waiting for the writer
	waiting int    // the orders they hold

	flushes chan chan struct{} // Flush's requests
	quit    chan struct{}      // closed by Close
	done    chan struct{}      // closed by the writer when it is done

	// The writer's own (one goroutine).
	spare   []byte
	day     string
	f       *os.File
	lastErr time.Time
	err     error // the first failure, for Close
}

// Open starts a Log writing into dir, which is created if need be. It
// fails when another process holds the directory's lock.
func Open(dir string, opt Options) (*Log, error) {
	if dir == "" {
		return nil, errors.New("order log: no directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("order log: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, fmt.Errorf("order log %s: %w", dir, err)
	}
	if opt.Buffer <= 0 {
		opt.Buffer = DefaultBuffer
	}
	if opt.Remember <= 0 {
		opt.Remember = DefaultRemember
	}
	if opt.FlushInterval <= 0 {
		opt.FlushInterval = DefaultFlushInterval
	}
	l := &Log{
		dir: dir, now: opt.Now, log: opt.Logger, lock: lock, every: opt.FlushInterval, limit: opt.Buffer, keep: opt.Remember,
		seed: maphash.MakeSeed(), seen: make(map[uint64]struct{}, min(opt.Remember, 1<<16)), ring: make([]uint64, 0, min(opt.Remember, 1<<16)),
		flushes: make(chan chan struct{}), quit: make(chan struct{}), done: make(chan struct{}),
		counts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omniroute_order_log_orders_total",
			Help: "Orders recorded in the order log by result: written, duplicate (the id was recorded before), dropped (the buffer was full), failed (the file could not be written).",
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
	if opt.Registerer != nil {
		if err := opt.Registerer.Register(l.counts); err != nil {
			lock.Close()
			return nil, fmt.Errorf("order log: %w", err)
		}
	}
	go l.run()
	return l, nil
}

// Dir is the directory the log writes.
func (l *Log) Dir() string { return l.dir }

// FileName is the name of the file of t's UTC day: orders-YYYY-MM-DD.csv.
func FileName(t time.Time) string { return "orders-" + t.UTC().Format(time.DateOnly) + ".csv" }

// Count is how many recorded orders had result (ResultWritten, ...).
func (l *Log) Count(result string) prometheus.Counter { return l.counts.WithLabelValues(result) }

// Record adds o's rows to those waiting for the writer, without waiting
// for a file: an id recorded before (among the latest Remember), a full
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
	} else if !l.closed && len(l.rows) < l.limit {
		result = ""
		l.remember(h)
		l.rows = simulate.AppendOrder(l.rows, &c)
		l.waiting++
	}
	l.mu.Unlock()
	if result != "" {
		l.counts.WithLabelValues(result).Inc()
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

// Flush writes the rows waiting now, rather than at the writer's next
// turn, and returns once they are in the file (or failed).
func (l *Log) Flush() {
	done := make(chan struct{})
	select {
	case l.flushes <- done:
		<-done
	case <-l.done:
	}
}

// Close writes what waits, syncs the file and releases the directory.
// It returns the first failure to open or write a file, if any.
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
	return errors.Join(l.err, l.lock.Close())
}

// run is the writer: every FlushInterval, at a Flush and once more at
// Close, it writes the rows waiting.
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
			l.closeFile()
			return
		}
	}
}

// write takes the rows waiting and appends them to the day's file,
// opening it when the day changed.
func (l *Log) write() {
	l.mu.Lock()
	rows, n := l.rows, l.waiting
	l.rows, l.waiting = l.spare[:0], 0
	l.mu.Unlock()
	l.spare = rows
	if n == 0 {
		return
	}
	if day := l.now().UTC().Format(time.DateOnly); day != l.day || l.f == nil {
		l.closeFile()
		if err := l.open(day); err != nil {
			l.fail(err, n)
			return
		}
	}
	if _, err := l.f.Write(rows); err != nil {
		l.fail(fmt.Errorf("write %s: %w", l.f.Name(), err), n)
		l.drop()
		return
	}
	l.counts.WithLabelValues(ResultWritten).Add(float64(n))
}

// closeFile syncs and closes the day's file.
func (l *Log) closeFile() {
	if l.f == nil {
		return
	}
	if err := l.f.Sync(); err != nil {
		l.fail(fmt.Errorf("sync %s: %w", l.f.Name(), err), 0)
	}
	l.drop()
}

// drop closes the file: after a failed write, the next write opens it
// again and cuts off what was half written.
func (l *Log) drop() {
	if l.f != nil {
		l.f.Close()
	}
	l.f, l.day = nil, ""
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

// open opens the day's file for appending: the first of
// orders-DAY.csv, orders-DAY.1.csv, ... that is empty (it gets the
// header) or starts with the header, its last line completed by cutting
// off a partial one.
func (l *Log) open(day string) error {
	base := "orders-" + day
	for n := 0; n < maxSuffix; n++ {
		name := base + ".csv"
		if n > 0 {
			name = fmt.Sprintf("%s.%d.csv", base, n)
		}
		path := filepath.Join(l.dir, name)
		f, ok, err := openAppend(path)
		if err != nil {
			return err
		}
		if !ok {
			l.log.Warn("order log: a file of another header is left as it is", "file", path)
			continue
		}
		l.f, l.day = f, day
		return nil
	}
	return fmt.Errorf("order log: %d files of %s have another header", maxSuffix, base)
}

// openAppend opens path positioned at its end, writing the header into
// an empty file. ok is false (and the file closed) when the file starts
// with another header. A last line without its line break, which a crash
// leaves, is cut off.
func openAppend(path string) (f *os.File, ok bool, err error) {
	f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("order log: %w", err)
	}
	defer func() {
		if err != nil || !ok {
			f.Close()
		}
	}()
	st, err := f.Stat()
	if err != nil {
		return nil, false, fmt.Errorf("order log: %w", err)
	}
	size := st.Size()
	if size == 0 {
		if _, err := io.WriteString(f, simulate.OrderHeader); err != nil {
			return nil, false, fmt.Errorf("order log: %w", err)
		}
		return f, true, nil
	}
	head := make([]byte, len(simulate.OrderHeader))
	n, err := f.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return nil, false, fmt.Errorf("order log: %w", err)
	}
	if !bytes.Equal(head[:n], []byte(simulate.OrderHeader)) {
		if int64(n) == size && bytes.HasPrefix([]byte(simulate.OrderHeader), head[:n]) {
			// A header cut short: the file holds nothing else.
			if err := f.Truncate(0); err != nil {
				return nil, false, fmt.Errorf("order log: %w", err)
			}
			if _, err := f.WriteAt([]byte(simulate.OrderHeader), 0); err != nil {
				return nil, false, fmt.Errorf("order log: %w", err)
			}
			_, err = f.Seek(0, io.SeekEnd)
			return f, err == nil, err
		}
		return nil, false, nil
	}
	end, err := completeLines(f, size)
	if err != nil {
		return nil, false, fmt.Errorf("order log %s: %w", path, err)
	}
	if _, err := f.Seek(end, io.SeekStart); err != nil {
		return nil, false, fmt.Errorf("order log: %w", err)
	}
	return f, true, nil
}

// completeLines returns where the file's last complete line ends,
// cutting off what follows it.
func completeLines(f *os.File, size int64) (int64, error) {
	var last [1]byte
	if _, err := f.ReadAt(last[:], size-1); err != nil {
		return 0, err
	}
	if last[0] == '\n' {
		return size, nil
	}
	chunk := make([]byte, 64<<10)
	for end := size; end > 0; {
		start := max(end-int64(len(chunk)), 0)
		b := chunk[:end-start]
		if _, err := f.ReadAt(b, start); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
			cut := start + int64(i) + 1
			return cut, f.Truncate(cut)
		}
		end = start
	}
	return 0, errors.New("no complete line")
}
