package orderlog

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/internal/pgtest"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/router/pgschema"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/solver"
)

// ledgerDB is a fresh database with omniroute's schema.
func ledgerDB(t *testing.T) (string, *pgxpool.Pool) {
	t.Helper()
	url := pgtest.New(t)
	conn, err := pgx.Connect(t.Context(), url)
	require.NoError(t, err)
	_, err = pgschema.Migrate(t.Context(), conn)
	require.NoError(t, err)
	require.NoError(t, conn.Close(context.Background()))
	pool, err := pgxpool.New(t.Context(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return url, pool
}

// dbLog is a replica's Log on the database at url.
func dbLog(t *testing.T, url string, opt Options) *Log {
	t.Helper()
	db, err := OpenDB(t.Context(), url)
	require.NoError(t, err)
	l, err := New(db, opt)
	require.NoError(t, err)
	return l
}

// TestDBKeepsEachOrderOnceForEveryReplica: two replicas' logs write into
// one table; an order both routed is kept once, the second counted as a
// duplicate; the export is an orders file in time order that a replay
// reads.
func TestDBKeepsEachOrderOnceForEveryReplica(t *testing.T) {
	url, pool := ledgerDB(t)
	a, b := dbLog(t, url, Options{FlushInterval: time.Hour}), dbLog(t, url, Options{FlushInterval: time.Hour})
	a.Record(order("o1", day1, "X", "Y"))
	a.Record(order("o3", day1.Add(2*time.Minute), "X"))
	a.Flush()
	b.Record(order("o2", day1.Add(time.Minute), "Y"))
	b.Record(order("o1", day1, "Z")) // routed by the other replica first
	require.NoError(t, a.Close())
	require.NoError(t, b.Close())
	assert.Equal(t, 2.0, testutil.ToFloat64(a.Count(ResultWritten)))
	assert.Equal(t, 1.0, testutil.ToFloat64(b.Count(ResultWritten)))
	assert.Equal(t, 1.0, testutil.ToFloat64(b.Count(ResultDuplicate)))

	var out bytes.Buffer
	n, err := ExportDB(t.Context(), pool, &out, time.Time{}, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, 3, n)
	r, err := simulate.NewOrderReader(&out, "order_log", false)
	require.NoError(t, err)
	var got []network.Order
	for {
		o, err := r.Next()
		if err != nil {
			break
		}
		c := *o
		c.Lines = append([]solver.Line(nil), o.Lines...)
		got = append(got, c)
	}
	require.Equal(t, []string{"o1", "o2", "o3"}, ids(got), "by created_at")
	assert.Len(t, got[0].Lines, 2, "the first replica's record")

	out.Reset()
	n, err = ExportDB(t.Context(), pool, &out, day1.Add(time.Minute), day1.Add(2*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 1, n, "from inclusive, to exclusive")
	assert.Contains(t, out.String(), "\no2,")

	db, err := OpenDB(t.Context(), url)
	require.NoError(t, err)
	defer db.Close()
	trimmed, err := db.Trim(t.Context(), day1.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 1, trimmed, "o1")
	out.Reset()
	n, err = ExportDB(t.Context(), pool, &out, time.Time{}, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
}

// TestDBWriteFailsWithoutTheTable: a database the ledger's schema has
// not reached fails the write, counted and reported; the log goes on.
func TestDBWriteFailsWithoutTheTable(t *testing.T) {
	db, err := OpenDB(t.Context(), pgtest.New(t))
	require.NoError(t, err)
	l, err := New(db, Options{FlushInterval: time.Hour})
	require.NoError(t, err)
	l.Record(order("o1", day1, "X"))
	err = l.Close()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "order_log")
	assert.Equal(t, 1.0, testutil.ToFloat64(l.Count(ResultFailed)))
}

// TestDBSourceIsAnOrdersFile: the table read as a Source gives the
// orders of its span as a replay reads them, and a reader closed early
// stops the stream.
func TestDBSourceIsAnOrdersFile(t *testing.T) {
	url, _ := ledgerDB(t)
	db, err := OpenDB(t.Context(), url)
	require.NoError(t, err)
	l, err := New(db, Options{FlushInterval: time.Hour})
	require.NoError(t, err)
	for i := range 300 {
		l.Record(order(fmt.Sprintf("o%03d", i), day1.Add(time.Duration(i)*time.Minute), "X"))
	}
	require.NoError(t, l.Close())

	var got []string
	src := DBSource{URL: url, From: day1.Add(100 * time.Minute)}
	require.NoError(t, simulate.ObserveOrders(src, false, func(o *network.Order) { got = append(got, o.ID) }))
	require.Len(t, got, 200)
	assert.Equal(t, "o100", got[0])
	assert.Equal(t, "o299", got[199])

	r, err := src.Open()
	require.NoError(t, err)
	var head [64]byte
	_, err = io.ReadFull(r, head[:])
	require.NoError(t, err)
	require.NoError(t, r.Close(), "closed before the end")

	_, err = DBSource{URL: "postgres://%zz"}.Open()
	assert.Error(t, err)
}

// TestDBKeepsTheFirstReplicasStock: two replicas take the day's stock;
// the table keeps the first, the export writes it, a day without one is
// ErrNoStock, and Trim lets go of the days over.
func TestDBKeepsTheFirstReplicasStock(t *testing.T) {
	url, pool := ledgerDB(t)
	c := &setClock{t: day1}
	open := func(src *stockOf) *Log {
		l := dbLog(t, url, Options{FlushInterval: time.Hour, Now: c.now})
		l.WatchStock(src)
		return l
	}
	srcA, srcB := &stockOf{}, &stockOf{asked: 10}
	a, b := open(srcA), open(srcB)
	a.Flush()
	b.Flush()
	require.NoError(t, a.Close())
	require.NoError(t, b.Close())
	assert.Equal(t, 1.0, testutil.ToFloat64(a.stockCounts.WithLabelValues(StockWritten)))
	assert.Equal(t, 1.0, testutil.ToFloat64(b.stockCounts.WithLabelValues(StockHeld)))
	assert.Equal(t, 10, srcB.asked, "the second replica does not take a stock held")

	var out bytes.Buffer
	at, err := ExportStockDB(t.Context(), pool, &out, day1.Add(-time.Hour))
	require.NoError(t, err)
	assert.Equal(t, "node,sku,on_hand,safety_stock\nwh1,X,1,0\n", out.String())
	assert.True(t, at.Equal(day1), "taken at %v", at)
	_, err = ExportStockDB(t.Context(), pool, io.Discard, day1.Add(24*time.Hour))
	assert.ErrorIs(t, err, ErrNoStock)
	assert.ErrorContains(t, err, "2026-11-30")

	db := NewDB(pool)
	n, err := db.Trim(t.Context(), day1)
	require.NoError(t, err)
	assert.Equal(t, 0, n, "2026-11-29 is not over at 23:59")
	n, err = db.Trim(t.Context(), day1.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	_, err = ExportStockDB(t.Context(), pool, io.Discard, day1)
	assert.ErrorIs(t, err, ErrNoStock)
}

// TestDBKeepsEveryReplicasReceipts: the receipts of two replicas go into
// one table, whose export is a replenishments file in time order; Trim
// lets go of those before its time.
func TestDBKeepsEveryReplicasReceipts(t *testing.T) {
	url, pool := ledgerDB(t)
	a, b := dbLog(t, url, Options{FlushInterval: time.Hour}), dbLog(t, url, Options{FlushInterval: time.Hour})
	a.RecordReceipt(day1.Add(time.Minute), "alm-wh1", "MILK-1L", 40, false)
	b.RecordReceipt(day1, "alm-s01", "TV, 55\"", 2, false)
	b.RecordReceipt(day1.Add(2*time.Minute), "alm-s01", "MILK-1L", 1, false)
	b.RecordReceipt(day1.Add(30*time.Second), "alm-s01", "MILK-1L", -2, false) // a fall (migration 6)
	b.RecordReceipt(day1.Add(40*time.Second), "alm-s01", "MILK-1L", -1, true)  // a recount down (migration 7)
	require.NoError(t, a.Close())
	require.NoError(t, b.Close())
	assert.Equal(t, 4.0, testutil.ToFloat64(b.receiptCounts.WithLabelValues(ResultWritten)))

	var out bytes.Buffer
	n, err := ExportReceiptsDB(t.Context(), pool, &out, time.Time{}, day1.Add(2*time.Minute))
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	assert.Equal(t, "at,node,sku,qty,reason\n"+
		"2026-11-29T23:59:00.000000000Z,alm-s01,\"TV, 55\"\"\",2,\n"+
		"2026-11-29T23:59:30.000000000Z,alm-s01,MILK-1L,-2,\n"+
		"2026-11-29T23:59:40.000000000Z,alm-s01,MILK-1L,-1,adjustment\n"+
		"2026-11-30T00:00:00.000000000Z,alm-wh1,MILK-1L,40,\n", out.String())

	// The replicas' planners read the falls, the adjustment marked.
	var falls []string
	_, err = NewDBReader(pool).FallsSince(t.Context(), 0, 100, func(at time.Time, node, sku string, units int32, adjustment bool) {
		falls = append(falls, fmt.Sprintf("%s %s %d %v", node, sku, units, adjustment))
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"alm-s01 MILK-1L 2 false", "alm-s01 MILK-1L 1 true"}, falls)

	n, err = NewDB(pool).Trim(t.Context(), day1.Add(90*time.Second))
	require.NoError(t, err)
	assert.Equal(t, 4, n)
	n, err = ExportReceiptsDB(t.Context(), pool, io.Discard, time.Time{}, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}
