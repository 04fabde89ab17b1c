package orderlog

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
)

// setClock tells the time it was last set to.
type setClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *setClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *setClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// stockOf is a StockSource whose on hand counts the times it was asked,
// and which fails while fail is set.
type stockOf struct {
	mu    sync.Mutex
	asked int
	fail  bool
}

func (s *stockOf) WriteFreeStock(w io.Writer) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errors.New("the stock is away")
	}
	s.asked++
	_, err := fmt.Fprintf(w, "node,sku,on_hand,safety_stock\nwh1,X,%d,0\n", s.asked)
	return err
}

func (s *stockOf) setFail(v bool) { s.mu.Lock(); s.fail = v; s.mu.Unlock() }

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

// TestTheStockEachDayStartedWith: the writer keeps the stock once a day,
// when the log starts and when a day begins; a restart the same day
// keeps the day's first; the day files of a replay are beside it.
func TestTheStockEachDayStartedWith(t *testing.T) {
	dir := t.TempDir()
	// What a crash left while writing a stock file.
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".stock-123.tmp"), []byte("node,sku"), 0o644))
	c := &setClock{t: day1}
	src := &stockOf{}
	reg := prometheus.NewRegistry()
	l, err := Open(dir, Options{Now: c.now, FlushInterval: time.Hour, Registerer: reg})
	require.NoError(t, err)
	n, err := testutil.GatherAndCount(reg, "omniroute_order_log_stock_total")
	require.NoError(t, err)
	assert.Equal(t, 3, n, "every result is exported from the start")
	l.WatchStock(src)
	l.Record(order("a", day1, "X"))
	l.Flush()
	l.Flush() // the same day: not asked again
	assert.Equal(t, "node,sku,on_hand,safety_stock\nwh1,X,1,0\n", readFile(t, filepath.Join(dir, "stock-2026-11-29.csv")))
	c.set(day1.Add(2 * time.Minute))
	l.Flush() // a new day, no order yet
	assert.Equal(t, "node,sku,on_hand,safety_stock\nwh1,X,2,0\n", readFile(t, filepath.Join(dir, StockFileName(c.now()))))
	assert.Equal(t, 2.0, testutil.ToFloat64(l.stockCounts.WithLabelValues(StockWritten)))
	require.NoError(t, l.Close())

	// Started again the same day: the day's stock is the first one.
	l, err = Open(dir, Options{Now: c.now, FlushInterval: time.Hour})
	require.NoError(t, err)
	l.WatchStock(src)
	l.Flush()
	require.NoError(t, l.Close())
	assert.Equal(t, 2, src.asked, "a day held is not taken again")
	assert.Equal(t, "node,sku,on_hand,safety_stock\nwh1,X,2,0\n", readFile(t, filepath.Join(dir, "stock-2026-11-30.csv")))
	assert.Equal(t, 1.0, testutil.ToFloat64(l.stockCounts.WithLabelValues(StockHeld)))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{".lock", "orders-2026-11-29.csv", "stock-2026-11-29.csv", "stock-2026-11-30.csv"}, names, "no temporary file left, nor the one a crash left")
}

// TestAStockThatCannotBeTakenIsTriedAgainAMinuteLater: a failure is
// counted and reported, leaves no file, and is tried again a minute later,
// not at every write; orders are written all the while.
func TestAStockThatCannotBeTakenIsTriedAgainAMinuteLater(t *testing.T) {
	dir := t.TempDir()
	c := &setClock{t: day1}
	src := &stockOf{fail: true}
	l, err := Open(dir, Options{Now: c.now, FlushInterval: time.Hour})
	require.NoError(t, err)
	l.WatchStock(src)
	l.Record(order("a", day1, "X"))
	l.Flush()
	assert.NoFileExists(t, filepath.Join(dir, "stock-2026-11-29.csv"))
	assert.Equal(t, 1.0, testutil.ToFloat64(l.stockCounts.WithLabelValues(StockFailed)))
	assert.Equal(t, 1.0, testutil.ToFloat64(l.Count(ResultWritten)))
	src.setFail(false)
	c.set(day1.Add(30 * time.Second))
	l.Flush()
	assert.NoFileExists(t, filepath.Join(dir, "stock-2026-11-29.csv"), "not before a minute")
	c.set(day1.Add(61 * time.Second)) // 00:00:01 the next day: that day's stock
	l.Flush()
	assert.FileExists(t, filepath.Join(dir, "stock-2026-11-30.csv"))
	err = l.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stock of 2026-11-29: order log: ")
	assert.Contains(t, err.Error(), "stock-2026-11-29.csv: the stock is away")
}

// TestKeepTrimsTheStockOfTheDaysOver: the stock files go with the day
// files of their days.
func TestKeepTrimsTheStockOfTheDaysOver(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"stock-2026-11-20.csv", "stock-2026-11-24.csv", "stock-x.csv"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte("node,sku,on_hand,safety_stock\n"), 0o644))
	}
	c := &setClock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}
	l, err := Open(dir, Options{Now: c.now, Keep: 72 * time.Hour, FlushInterval: time.Hour})
	require.NoError(t, err)
	l.WatchStock(&stockOf{})
	l.Flush()
	require.NoError(t, l.Close())
	assert.NoFileExists(t, filepath.Join(dir, "stock-2026-11-20.csv"))
	for _, name := range []string{"stock-2026-11-24.csv", "stock-x.csv", "stock-2026-11-25.csv"} {
		assert.FileExists(t, filepath.Join(dir, name))
	}
}

// TestReceiptsAFileADay: the receipts recorded go to the receipts file
// of the day they are written, which a replay reads as its
// replenishments, appended across restarts; Trim lets go of the days
// over.
func TestReceiptsAFileADay(t *testing.T) {
	dir := t.TempDir()
	c := &setClock{t: day1}
	reg := prometheus.NewRegistry()
	l, err := Open(dir, Options{Now: c.now, FlushInterval: time.Hour, Registerer: reg})
	require.NoError(t, err)
	l.RecordReceipt(day1.Add(-time.Hour).In(time.FixedZone("ALMT", 5*3600)), "alm-wh1", "MILK-1L", 40, false)
	l.RecordReceipt(day1, "alm-s01", "TV, 55\"", 2, true) // a SKU that needs quoting; a rise is no adjustment
	l.RecordReceipt(day1, "alm-s01", "MILK-1L", 0, false) // nothing came in
	l.RecordReceipt(day1, "alm-s01", "MILK-1L", -3, true) // three went out: a fall, by a recount
	l.Flush()
	c.set(day1.Add(2 * time.Minute))
	l.RecordReceipt(c.now(), "alm-wh1", "MILK-1L", 5, false)
	require.NoError(t, l.Close())
	assert.Equal(t, 4.0, testutil.ToFloat64(l.receiptCounts.WithLabelValues(ResultWritten)))
	n, err := testutil.GatherAndCount(reg, "omniroute_order_log_receipts_total")
	require.NoError(t, err)
	assert.Equal(t, 3, n)

	assert.Equal(t, "at,node,sku,qty,reason\n"+
		"2026-11-29T22:59:00.000000000Z,alm-wh1,MILK-1L,40,\n"+
		"2026-11-29T23:59:00.000000000Z,alm-s01,\"TV, 55\"\"\",2,\n"+
		"2026-11-29T23:59:00.000000000Z,alm-s01,MILK-1L,-3,adjustment\n", readFile(t, filepath.Join(dir, "receipts-2026-11-29.csv")))
	net, err := network.Demo()
	require.NoError(t, err)
	f, err := os.Open(filepath.Join(dir, "receipts-2026-11-30.csv"))
	require.NoError(t, err)
	defer f.Close()
	r, err := simulate.NewReplenishmentReader(f, "receipts", net, false)
	require.NoError(t, err)
	rep, err := r.Next()
	require.NoError(t, err)
	assert.Equal(t, simulate.Replenishment{At: day1.Add(2 * time.Minute), Node: mustNode(t, net, "alm-wh1"), SKU: "MILK-1L", Qty: 5}, rep)
	_, err = r.Next()
	assert.Equal(t, io.EOF, err)

	// Started again the same day: appended under the one header; the
	// days over trimmed.
	l, err = Open(dir, Options{Now: c.now, FlushInterval: time.Hour, Keep: 24 * time.Hour})
	require.NoError(t, err)
	c.set(day1.Add(25 * time.Hour))
	l.RecordReceipt(c.now(), "alm-wh1", "MILK-1L", 1, false)
	require.NoError(t, l.Close())
	assert.NoFileExists(t, filepath.Join(dir, "receipts-2026-11-29.csv"))
	assert.Equal(t, ReceiptHeader+
		"2026-11-30T00:01:00.000000000Z,alm-wh1,MILK-1L,5,\n"+
		"2026-12-01T00:59:00.000000000Z,alm-wh1,MILK-1L,1,\n", readFile(t, filepath.Join(dir, "receipts-2026-11-30.csv"))+
		strings.TrimPrefix(readFile(t, filepath.Join(dir, "receipts-2026-12-01.csv")), ReceiptHeader))
}

// TestReceiptsOnlyWhereTheSinkKeepsThem: a sink that keeps no receipts
// is given none, and a closed log drops them.
func TestReceiptsOnlyWhereTheSinkKeepsThem(t *testing.T) {
	l, err := New(ordersOnly{}, Options{FlushInterval: time.Hour})
	require.NoError(t, err)
	l.RecordReceipt(day1, "alm-wh1", "MILK-1L", 3, false)
	l.Flush()
	require.NoError(t, l.Close())
	assert.Zero(t, testutil.ToFloat64(l.receiptCounts.WithLabelValues(ResultWritten)))
	assert.Zero(t, testutil.ToFloat64(l.receiptCounts.WithLabelValues(ResultDropped)))

	l, err = Open(t.TempDir(), Options{FlushInterval: time.Hour})
	require.NoError(t, err)
	require.NoError(t, l.Close())
	l.RecordReceipt(day1, "alm-wh1", "MILK-1L", 3, false)
	assert.Equal(t, 1.0, testutil.ToFloat64(l.receiptCounts.WithLabelValues(ResultDropped)))
}

// ordersOnly is a Sink that keeps nothing but orders.
type ordersOnly struct{}

func (ordersOnly) Write(context.Context, *Batch) (int, error)   { return 0, nil }
func (ordersOnly) Trim(context.Context, time.Time) (int, error) { return 0, nil }
func (ordersOnly) Close() error                                 { return nil }

func mustNode(t *testing.T, net *network.Network, id string) int {
	t.Helper()
	i, ok := net.NodeIndex(id)
	require.True(t, ok, id)
	return i
}

// TestWhatCameBeforeADaysStockIsTheDayBefores: the orders and receipts
// waiting when a day's stock is taken were recorded before it, so they
// are written into the day before's files, even when written after
// midnight; what comes after goes into the new day's.
func TestWhatCameBeforeADaysStockIsTheDayBefores(t *testing.T) {
	dir := t.TempDir()
	c := &setClock{t: day1}
	src := &stockOf{}
	l, err := Open(dir, Options{Now: c.now, FlushInterval: time.Hour})
	require.NoError(t, err)
	l.WatchStock(src)
	require.Equal(t, 1, src.asked, "today's stock, taken before WatchStock returns")
	l.Record(order("late", day1.Add(30*time.Second), "X"))
	l.RecordReceipt(day1.Add(40*time.Second), "alm-wh1", "X", 3, false)
	c.set(day1.Add(time.Minute + 50*time.Millisecond)) // 00:00:00.05
	l.Record(order("just-after", c.now(), "X"))
	l.Flush()
	l.Record(order("early", c.now(), "X"))
	require.NoError(t, l.Close())
	assert.Equal(t, 2, src.asked)
	assert.Equal(t, []string{"late", "just-after"}, ids(readOrders(t, filepath.Join(dir, "orders-2026-11-29.csv"))))
	assert.Equal(t, []string{"early"}, ids(readOrders(t, filepath.Join(dir, "orders-2026-11-30.csv"))))
	assert.Contains(t, readFile(t, filepath.Join(dir, "receipts-2026-11-29.csv")), "alm-wh1,X,3")
	assert.Equal(t, "node,sku,on_hand,safety_stock\nwh1,X,2,0\n", readFile(t, filepath.Join(dir, "stock-2026-11-30.csv")))
}

// TestWhileADaysStockCannotBeTakenItsRowsStayWithTheLast: when the new
// day's stock cannot be taken at midnight, the orders and receipts
// recorded until the retry takes it go into the day before's files, with
// the stock a replay of them starts from; what comes after, into the new
// day's. A stock that fails through a whole day keeps that day's rows
// with the last one kept.
func TestWhileADaysStockCannotBeTakenItsRowsStayWithTheLast(t *testing.T) {
	dir := t.TempDir()
	c := &setClock{t: day1}
	src := &stockOf{}
	l, err := Open(dir, Options{Now: c.now, FlushInterval: time.Hour})
	require.NoError(t, err)
	l.WatchStock(src)
	l.Record(order("before-midnight", day1.Add(30*time.Second), "X"))
	src.setFail(true)
	c.set(day1.Add(time.Minute + 10*time.Second)) // 00:00:10: the stock fails
	l.Flush()
	l.Record(order("during-failure", c.now(), "X"))
	l.RecordReceipt(c.now(), "alm-wh1", "X", 3, false)
	c.set(day1.Add(time.Minute + 40*time.Second)) // 00:00:40: not tried yet
	l.Flush()
	src.setFail(false)
	l.Record(order("before-retry", c.now(), "X"))
	c.set(day1.Add(2*time.Minute + 20*time.Second)) // 00:01:20: taken
	l.Flush()
	l.Record(order("after-retry", c.now(), "X"))
	l.Flush()

	// The next day's stock fails all day: its rows stay with 2026-11-30's.
	src.setFail(true)
	c.set(day1.Add(24*time.Hour + time.Minute + 10*time.Second))
	l.Record(order("failed-day", c.now(), "X"))
	l.Flush()
	c.set(day1.Add(48*time.Hour + time.Minute + 10*time.Second))
	src.setFail(false)
	l.Record(order("late-failed-day", c.now().Add(-time.Second), "X"))
	l.Flush()
	l.Record(order("third-day", c.now(), "X"))
	require.Error(t, l.Close())

	assert.Equal(t, []string{"before-midnight", "during-failure", "before-retry"}, ids(readOrders(t, filepath.Join(dir, "orders-2026-11-29.csv"))))
	assert.Contains(t, readFile(t, filepath.Join(dir, "receipts-2026-11-29.csv")), "alm-wh1,X,3")
	assert.Equal(t, []string{"after-retry", "failed-day", "late-failed-day"}, ids(readOrders(t, filepath.Join(dir, "orders-2026-11-30.csv"))))
	assert.NoFileExists(t, filepath.Join(dir, "stock-2026-12-01.csv"))
	assert.NoFileExists(t, filepath.Join(dir, "orders-2026-12-01.csv"))
	assert.Equal(t, []string{"third-day"}, ids(readOrders(t, filepath.Join(dir, "orders-2026-12-02.csv"))))
	assert.Equal(t, "node,sku,on_hand,safety_stock\nwh1,X,2,0\n", readFile(t, filepath.Join(dir, "stock-2026-11-30.csv")))
	assert.Equal(t, "node,sku,on_hand,safety_stock\nwh1,X,3,0\n", readFile(t, filepath.Join(dir, "stock-2026-12-02.csv")))
}
