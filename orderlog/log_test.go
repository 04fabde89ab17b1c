package orderlog

import (
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
	"github.com/omniroute/omniroute/solver"
)

var day1 = time.Date(2026, 11, 29, 23, 59, 0, 0, time.UTC)

func order(id string, at time.Time, skus ...string) *network.Order {
	o := &network.Order{ID: id, CreatedAt: at, Lat: 43.25, Lon: 76.9, Want: network.WantDelivery, AllowSplit: true}
	for _, s := range skus {
		o.Lines = append(o.Lines, solver.Line{SKU: s, Quantity: 1, LostSaleCost: 20})
	}
	return o
}

// readOrders reads a day file as a replay would.
func readOrders(t *testing.T, path string) []network.Order {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r, err := simulate.NewOrderReader(f, path, false)
	require.NoError(t, err)
	var out []network.Order
	for {
		o, err := r.Next()
		if err == io.EOF {
			return out
		}
		require.NoError(t, err)
		c := *o
		c.Lines = append([]solver.Line(nil), o.Lines...)
		out = append(out, c)
	}
}

func ids(orders []network.Order) []string {
	var s []string
	for _, o := range orders {
		s = append(s, o.ID)
	}
	return s
}

// clock answers the writer, which asks each time it writes, with the
// times given in turn, then the last one.
type clock struct {
	mu    sync.Mutex
	times []time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.times[0]
	if len(c.times) > 1 {
		c.times = c.times[1:]
	}
	return t
}

func TestRecordWritesEachOrderOnceAsAReplayReadsIt(t *testing.T) {
	dir := t.TempDir()
	reg := prometheus.NewRegistry()
	l, err := Open(dir, Options{Now: func() time.Time { return day1 }, Registerer: reg})
	require.NoError(t, err)
	a := order("a", day1, "X", "Y")
	a.Live = &network.Live{}
	l.Record(a)
	l.Record(order("a", day1, "Z")) // the same order, routed again
	l.Record(order("b", day1.Add(time.Second).In(time.FixedZone("ALMT", 5*3600)), "X"))
	require.NoError(t, l.Close())
	raw, err := os.ReadFile(filepath.Join(dir, "orders-2026-11-29.csv"))
	require.NoError(t, err)
	assert.Contains(t, string(raw), "\nb,2026-11-29T23:59:01.000000000Z,", "in UTC, to the nanosecond: rows sort by time as text")

	got := readOrders(t, filepath.Join(dir, "orders-2026-11-29.csv"))
	require.Equal(t, []string{"a", "b"}, ids(got))
	assert.Equal(t, []solver.Line{{SKU: "X", Quantity: 1, LostSaleCost: 20}, {SKU: "Y", Quantity: 1, LostSaleCost: 20}}, got[0].Lines)
	assert.Nil(t, got[0].Live)
	assert.Equal(t, 2.0, testutil.ToFloat64(l.Count(ResultWritten)))
	assert.Equal(t, 1.0, testutil.ToFloat64(l.Count(ResultDuplicate)))
	n, err := testutil.GatherAndCount(reg, "omniroute_order_log_orders_total")
	require.NoError(t, err)
	assert.Equal(t, 4, n, "every result is exported from the start")
}

func TestADayAFileAppendedAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Options{Now: func() time.Time { return day1 }})
	require.NoError(t, err)
	l.Record(order("a", day1, "X"))
	require.NoError(t, l.Close())

	// b is written before midnight, c after.
	c := &clock{times: []time.Time{day1, day1.Add(2 * time.Minute)}}
	l, err = Open(dir, Options{Now: c.now, FlushInterval: time.Hour})
	require.NoError(t, err)
	l.Record(order("b", day1, "X"))
	l.Flush()
	l.Record(order("c", day1.Add(2*time.Minute), "X"))
	require.NoError(t, l.Close())

	assert.Equal(t, []string{"a", "b"}, ids(readOrders(t, filepath.Join(dir, "orders-2026-11-29.csv"))))
	assert.Equal(t, []string{"c"}, ids(readOrders(t, filepath.Join(dir, "orders-2026-11-30.csv"))))
	b, err := os.ReadFile(filepath.Join(dir, "orders-2026-11-29.csv"))
	require.NoError(t, err)
	assert.Equal(t, 1, strings.Count(string(b), "order_id"), "one header")
}

func TestALineCutShortByACrashIsCutOff(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName(day1))
	whole := string(simulate.AppendOrder(nil, order("a", day1, "X")))
	cut := string(simulate.AppendOrder(nil, order("b", day1, "X")))
	require.NoError(t, os.WriteFile(path, []byte(simulate.OrderHeader+whole+cut[:20]), 0o644))
	l, err := Open(dir, Options{Now: func() time.Time { return day1 }})
	require.NoError(t, err)
	l.Record(order("c", day1, "X"))
	require.NoError(t, l.Close())
	assert.Equal(t, []string{"a", "c"}, ids(readOrders(t, path)))

	// A header cut short: the file is started again.
	require.NoError(t, os.WriteFile(path, []byte(simulate.OrderHeader[:10]), 0o644))
	l, err = Open(dir, Options{Now: func() time.Time { return day1 }})
	require.NoError(t, err)
	l.Record(order("d", day1, "X"))
	require.NoError(t, l.Close())
	assert.Equal(t, []string{"d"}, ids(readOrders(t, path)))
}

func TestAFileOfAnotherHeaderIsLeftAlone(t *testing.T) {
	dir := t.TempDir()
	other := "order_id,created_at,lat,lon,sku,qty\nz,2026-11-29T10:00:00Z,1,1,X,1\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "orders-2026-11-29.csv"), []byte(other), 0o644))
	l, err := Open(dir, Options{Now: func() time.Time { return day1 }})
	require.NoError(t, err)
	l.Record(order("a", day1, "X"))
	require.NoError(t, l.Close())
	b, err := os.ReadFile(filepath.Join(dir, "orders-2026-11-29.csv"))
	require.NoError(t, err)
	assert.Equal(t, other, string(b))
	assert.Equal(t, []string{"a"}, ids(readOrders(t, filepath.Join(dir, "orders-2026-11-29.1.csv"))))
}

func TestOneWriterADirectory(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Options{})
	require.NoError(t, err)
	_, err = Open(dir, Options{})
	require.ErrorContains(t, err, "another process writes this directory")
	require.NoError(t, l.Close())
	l, err = Open(dir, Options{})
	require.NoError(t, err, "the lock goes with Close")
	require.NoError(t, l.Close())
}

// TestRecordNeverWaits: with the writer not yet come for the rows, a full
// buffer drops the order rather than stall the route that records it;
// an order dropped is not remembered, so that it may be recorded again.
func TestRecordNeverWaits(t *testing.T) {
	l, err := Open(t.TempDir(), Options{Buffer: 1, FlushInterval: time.Hour, Now: func() time.Time { return day1 }})
	require.NoError(t, err)
	l.Record(order("a", day1, "X")) // fills the buffer of one byte
	l.Record(order("b", day1, "X")) // dropped
	assert.Equal(t, 1.0, testutil.ToFloat64(l.Count(ResultDropped)))
	require.NoError(t, l.Close())
	assert.Equal(t, 1.0, testutil.ToFloat64(l.Count(ResultWritten)), "Close writes what waits")
	l.Record(order("b", day1, "X")) // after Close: dropped again, not a duplicate
	assert.Equal(t, 2.0, testutil.ToFloat64(l.Count(ResultDropped)))
	assert.Zero(t, testutil.ToFloat64(l.Count(ResultDuplicate)))
}

// TestTheLatestIDsAreRemembered: an id beyond the latest Remember is
// forgotten, and recorded again.
func TestTheLatestIDsAreRemembered(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Options{Remember: 2, Now: func() time.Time { return day1 }})
	require.NoError(t, err)
	for _, id := range []string{"a", "b", "a", "c", "b", "a"} {
		l.Record(order(id, day1, "X"))
	}
	require.NoError(t, l.Close())
	// a, b; a again is a duplicate; c forgets a; b is a duplicate; a comes again.
	assert.Equal(t, []string{"a", "b", "c", "a"}, ids(readOrders(t, filepath.Join(dir, FileName(day1)))))
	assert.Equal(t, 2.0, testutil.ToFloat64(l.Count(ResultDuplicate)))
}

func TestAFileThatCannotBeWrittenIsCountedAndReported(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, FileName(day1)), 0o755)) // a directory where the file goes
	l, err := Open(dir, Options{Now: func() time.Time { return day1 }})
	require.NoError(t, err)
	l.Record(order("a", day1, "X"))
	l.Record(order("b", day1, "X"))
	err = l.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), FileName(day1))
	assert.Equal(t, 2.0, testutil.ToFloat64(l.Count(ResultFailed)))
	assert.Zero(t, testutil.ToFloat64(l.Count(ResultWritten)))
}

func TestConcurrentRecords(t *testing.T) {
	dir := t.TempDir()
	l, err := Open(dir, Options{Now: func() time.Time { return day1 }})
	require.NoError(t, err)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				id := fmt.Sprintf("o-%d-%d", g, i)
				l.Record(order(id, day1, "X", "Y"))
				l.Record(order(id, day1, "X")) // a retry
			}
		})
	}
	wg.Wait()
	require.NoError(t, l.Close())
	got := readOrders(t, filepath.Join(dir, FileName(day1)))
	assert.Len(t, got, 4000)
	assert.Equal(t, 4000.0, testutil.ToFloat64(l.Count(ResultWritten)))
	assert.Equal(t, 4000.0, testutil.ToFloat64(l.Count(ResultDuplicate)))
	for _, o := range got {
		require.Len(t, o.Lines, 2, "order %s is its first record", o.ID)
	}
}

func TestOpenErrors(t *testing.T) {
	_, err := Open("", Options{})
	require.Error(t, err)
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err = Open(file, Options{})
	require.Error(t, err)
	assert.True(t, errors.Is(err, os.ErrExist) || strings.Contains(err.Error(), "not a directory"), "%v", err)
}

// TestKeepTrimsTheDaysOver: with Keep, the writer removes the day files
// of the days over before now - Keep, when it starts and then hourly; the
// files of other names and the open day stay.
func TestKeepTrimsTheDaysOver(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"orders-2026-11-20.csv", "orders-2026-11-21.1.csv", "orders-2026-11-22.csv", "orders-2026-11-23.csv", "notes.csv", "orders-x.csv"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(simulate.OrderHeader), 0o644))
	}
	// The first write at 2026-11-25 12:00, keeping 3 days: before 11-22 12:00.
	c := &clock{times: []time.Time{
		time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 25, 12, 30, 0, 0, time.UTC), time.Date(2026, 11, 25, 12, 30, 0, 0, time.UTC),
		time.Date(2026, 11, 26, 13, 0, 0, 0, time.UTC),
	}}
	l, err := Open(dir, Options{Now: c.now, Keep: 72 * time.Hour, FlushInterval: time.Hour})
	require.NoError(t, err)
	names := func() []string {
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		var out []string
		for _, e := range entries {
			if e.Name() != ".lock" {
				out = append(out, e.Name())
			}
		}
		return out
	}
	l.Record(order("a", day1, "X"))
	l.Flush()
	assert.Equal(t, []string{"notes.csv", "orders-2026-11-22.csv", "orders-2026-11-23.csv", "orders-2026-11-25.csv", "orders-x.csv"}, names())
	l.Record(order("b", day1, "X"))
	l.Flush() // half an hour later: not trimmed again
	assert.Contains(t, names(), "orders-2026-11-22.csv")
	l.Record(order("c", day1, "X"))
	require.NoError(t, l.Close()) // a day later, before 11-23 13:00: 11-22 is over, 11-23 not
	assert.Equal(t, []string{"notes.csv", "orders-2026-11-23.csv", "orders-2026-11-25.csv", "orders-2026-11-26.csv", "orders-x.csv"}, names())
}
