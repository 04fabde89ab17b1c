package orderlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/omniroute/omniroute/simulate"
)

// A day's orders are replayed from the stock the day started with: with
// a StockSource (Log.WatchStock), the writer keeps, through a sink that
// can (a StockSink: Files, DB), the stock that was free when each UTC day
// began, or when the log started if the sink held none for its day.

// StockSource tells the stock free now.
type StockSource interface {
	// WriteFreeStock writes a stock file (stock.ReadCSV's format) of
	// the stock free now: on hand less the units reserved, and safety
	// stock.
	WriteFreeStock(w io.Writer) error
}

// StockSink is a Sink that also keeps the stock each day started with.
type StockSink interface {
	// WriteStock keeps, unless it holds one for day (UTC midnight), the
	// stock file that write writes, taken at. It reports whether it
	// wrote; write is not called when it did not.
	WriteStock(ctx context.Context, day, at time.Time, write func(io.Writer) error) (bool, error)
}

// What happened to a day's stock, as omniroute_order_log_stock_total
// counts it.
const (
	// StockWritten: the day's stock is kept.
	StockWritten = "written"
	// StockHeld: the sink held the day's stock already (kept before a
	// restart, or by another replica).
	StockHeld = "held"
	// StockFailed: it could not be taken or kept; the writer tries again
	// a minute later.
	StockFailed = "failed"
)

// stockRetry is how long the writer waits to try a day's stock again
// after a failure.
const stockRetry = time.Minute

// StockFileName is the name of the stock file of t's UTC day:
// stock-YYYY-MM-DD.csv.
func StockFileName(t time.Time) string { return "stock-" + t.UTC().Format(time.DateOnly) + ".csv" }

// WatchStock has the writer keep the stock each UTC day starts with, from
// src, when the sink can (a StockSink; else nothing is kept): today's now,
// if the sink holds none, before WatchStock returns, then each day's when
// it begins. Call it once the source can answer and before the first
// order or receipt is recorded (a server: before it serves), so that a
// replay from today's stock counts none of them twice.
//
// At a day's beginning the writer takes the orders and receipts waiting,
// then the stock, and writes what it took into the day before's files:
// everything recorded before the stock was taken is outside the day the
// stock begins (but for what a route or an update still had in flight
// at that moment). While a day's stock cannot be taken (tried again a
// minute later), what is recorded goes with the last stock kept, into
// the files of its day: a day's files hold what came between its stock
// and the next one kept.
func (l *Log) WatchStock(src StockSource) {
	if l == nil || src == nil {
		return
	}
	if _, ok := l.sink.(StockSink); ok {
		l.stockSrc.Store(&src)
		l.Flush()
	}
}

// takeStock keeps the day's stock when the day changed since the writer
// last kept one, at now. The writer calls it.
func (l *Log) takeStock(now time.Time) {
	src := l.stockSrc.Load()
	if src == nil {
		return
	}
	now = now.UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if day.Equal(l.stockDay) || now.Before(l.stockNext) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	wrote, err := l.sink.(StockSink).WriteStock(ctx, day, now, (*src).WriteFreeStock)
	switch {
	case err != nil:
		l.stockNext = now.Add(stockRetry)
		l.stockCounts.WithLabelValues(StockFailed).Inc()
		l.fail(fmt.Errorf("stock of %s: %w", day.Format(time.DateOnly), err), 0)
		return
	case wrote:
		l.stockCounts.WithLabelValues(StockWritten).Inc()
	default:
		l.stockCounts.WithLabelValues(StockHeld).Inc()
	}
	l.stockDay = day
}

// WriteStock implements StockSink: stock-DAY.csv, written whole under a
// temporary name, synced, then linked in place, so that the file is
// complete whenever it exists and a day's first is never replaced.
func (fs *Files) WriteStock(_ context.Context, day, _ time.Time, write func(io.Writer) error) (bool, error) {
	path := filepath.Join(fs.dir, StockFileName(day))
	if _, err := os.Stat(path); err == nil {
		return false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return false, fmt.Errorf("order log: %w", err)
	}
	tmp, err := os.CreateTemp(fs.dir, ".stock-*.tmp")
	if err != nil {
		return false, fmt.Errorf("order log: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = write(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	switch {
	case errors.Is(err, os.ErrExist): // written since the check
		return false, nil
	case err != nil:
		return false, fmt.Errorf("order log: %s: %w", path, err)
	}
	return true, nil
}

// WriteStock implements StockSink: the day's stock file as one row of the
// stock_log table, which keeps the first replica's.
func (d *DB) WriteStock(ctx context.Context, day, at time.Time, write func(io.Writer) error) (bool, error) {
	var held bool
	err := d.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM stock_log WHERE day = $1)`, day).Scan(&held)
	if err != nil {
		return false, fmt.Errorf("order log: database: %w", err)
	}
	if held {
		return false, nil
	}
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return false, err
	}
	tag, err := d.pool.Exec(ctx, `INSERT INTO stock_log (day, taken_at, stock) VALUES ($1, $2, $3) ON CONFLICT (day) DO NOTHING`,
		day, at, b.String())
	if err != nil {
		return false, fmt.Errorf("order log: database: %w", err)
	}
	return tag.RowsAffected() == 1, nil
}

// ExportStockDB writes the stock file the table keeps for day's UTC day
// to w and returns when it was taken; ErrNoStock when it keeps none.
func ExportStockDB(ctx context.Context, pool *pgxpool.Pool, w io.Writer, day time.Time) (time.Time, error) {
	day = day.UTC()
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	var at time.Time
	var text string
	err := pool.QueryRow(ctx, `SELECT taken_at, stock FROM stock_log WHERE day = $1`, day).Scan(&at, &text)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, fmt.Errorf("%w for %s", ErrNoStock, day.Format(time.DateOnly))
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("order log: database: %w", err)
	}
	if _, err := io.WriteString(w, text); err != nil {
		return time.Time{}, err
	}
	return at, nil
}

// ErrNoStock says that no stock is kept for a day.
var ErrNoStock = errors.New("order log: no stock kept")

// Receipt is units that came into a node's on hand by a stock update, or
// left it when Units is negative (a fall: a sale at the till, a
// write-off, a recount down). Adjustment marks a fall that is not demand
// (the update's reason said so: a recount, a write-off); the receipts
// files write it as the reason "adjustment".
type Receipt struct {
	At         time.Time
	Node, SKU  string
	Units      int32
	Adjustment bool
}

// receiptSize is about what a Receipt takes beside its strings.
const receiptSize = 64

// ReceiptSink is a Sink that also keeps the receipts, from which a replay
// of the day takes its arrivals and falls.
type ReceiptSink interface {
	// WriteReceipts keeps the receipts recorded since the last call,
	// taken by the writer at at. rs is the writer's again once it
	// returns.
	WriteReceipts(ctx context.Context, at time.Time, rs []Receipt) error
}

// appendReceipt appends r's row under ReceiptHeader: its time in UTC to
// the nanosecond, so that the rows sort by time as text.
func appendReceipt(b []byte, r *Receipt) []byte {
	b = r.At.UTC().AppendFormat(b, "2006-01-02T15:04:05.000000000Z07:00")
	b = append(b, ',')
	b = appendField(b, r.Node)
	b = append(b, ',')
	b = appendField(b, r.SKU)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(r.Units), 10)
	b = append(b, ',')
	if r.Adjustment {
		b = append(b, simulate.ReasonAdjustment...)
	}
	return append(b, '\n')
}

// appendField appends s as a CSV field, quoted when it must be.
func appendField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") && strings.TrimSpace(s) == s {
		return append(b, s...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}

// WriteReceipts implements ReceiptSink: one statement inserts them into
// the receipt_log table.
func (d *DB) WriteReceipts(ctx context.Context, _ time.Time, rs []Receipt) error {
	ats := make([]time.Time, len(rs))
	nodes := make([]string, len(rs))
	skus := make([]string, len(rs))
	qtys := make([]int32, len(rs))
	adjustments := make([]bool, len(rs))
	for i := range rs {
		ats[i], nodes[i], skus[i], qtys[i], adjustments[i] = rs[i].At, rs[i].Node, rs[i].SKU, rs[i].Units, rs[i].Adjustment
	}
	_, err := d.pool.Exec(ctx, `INSERT INTO receipt_log (at, node_id, sku, qty, adjustment)
		SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::int[], $5::bool[])`, ats, nodes, skus, qtys, adjustments)
	if err != nil {
		return fmt.Errorf("order log: database: %w", err)
	}
	return nil
}

// ExportReceiptsDB writes the receipts of the receipt_log table at times
// in [from, to) to w as a replenishments file (ReceiptHeader, then the
// rows by time, those of the same time in the order they were written);
// a zero from or to leaves that end open. It returns how many it wrote.
func ExportReceiptsDB(ctx context.Context, pool *pgxpool.Pool, w io.Writer, from, to time.Time) (int, error) {
	if _, err := io.WriteString(w, ReceiptHeader); err != nil {
		return 0, err
	}
	var lo, hi *time.Time
	if !from.IsZero() {
		lo = &from
	}
	if !to.IsZero() {
		hi = &to
	}
	rs, err := pool.Query(ctx, `SELECT at, node_id, sku, qty, adjustment FROM receipt_log
		WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::timestamptz IS NULL OR at < $2) ORDER BY at, seq`, lo, hi)
	if err != nil {
		return 0, fmt.Errorf("order log: database: %w", err)
	}
	defer rs.Close()
	n := 0
	var row []byte
	for rs.Next() {
		var r Receipt
		if err := rs.Scan(&r.At, &r.Node, &r.SKU, &r.Units, &r.Adjustment); err != nil {
			return n, fmt.Errorf("order log: database: %w", err)
		}
		row = appendReceipt(row[:0], &r)
		if _, err := w.Write(row); err != nil {
			return n, err
		}
		n++
	}
	if err := rs.Err(); err != nil {
		return n, fmt.Errorf("order log: database: %w", err)
	}
	return n, nil
}
