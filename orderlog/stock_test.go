package orderlog

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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
