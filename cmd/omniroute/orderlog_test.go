package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/internal/pgtest"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/orderlog"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/stock"
)

// loggedOrderIDs reads every day file of an order log as a replay would.
func loggedOrderIDs(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "orders-*.csv"))
	require.NoError(t, err)
	var ids []string
	for _, path := range files {
		f, err := os.Open(path)
		require.NoError(t, err)
		r, err := simulate.NewOrderReader(f, path, false)
		require.NoError(t, err)
		for {
			o, err := r.Next()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			ids = append(ids, o.ID)
		}
		f.Close()
	}
	return ids
}

// stopServe stops a server with SIGTERM and checks that it stopped
// cleanly.
func stopServe(t *testing.T, s *server) {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, <-s.done, "SIGTERM exit\n%s", s.log)
}

// TestServeOrderLog: a server with --order-log writes the orders it
// routes where a replay reads them, with the stock the day started with; a
// second server on the same directory is refused while the first runs; a
// server started again appends, and takes the log's files (a pattern,
// which at the first start matched nothing) as its look-ahead's --history.
func TestServeOrderLog(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	dir := filepath.Join(t.TempDir(), "orders")
	// A first start: the log's files, its look-ahead's history later,
	// are not there yet.
	s1 := startServe(t, "--order-log", dir, "--policy", "lookahead", "--history", filepath.Join(dir, "orders-*.csv"))
	assert.Contains(t, s1.serving, "order_log="+dir)
	rc, _ := dial(t, s1.addr)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	order := readOrderFile(t)
	_, err := rc.Route(ctx, &pb.RouteRequest{Order: order, Reserve: true})
	require.NoError(t, err)
	// A delivery of 40 litres of milk to the warehouse: a receipt; two
	// sold at a store's till: a fall.
	conn1, err := grpc.NewClient(s1.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn1.Close()
	_, err = pb.NewInventoryServiceClient(conn1).UpdateStock(ctx, &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		{NodeId: "alm-wh1", Sku: "MILK-1L", Seq: 1, Change: &pb.StockUpdate_Delta{Delta: 40}},
		{NodeId: "alm-s01", Sku: "MILK-1L", Seq: 1, Change: &pb.StockUpdate_Delta{Delta: -2}},
	}})
	require.NoError(t, err)

	var errb strings.Builder
	code := run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--metrics-addr", "", "--order-log", dir}, io.Discard, &errb)
	assert.NotZero(t, code)
	assert.Contains(t, errb.String(), "another process writes this directory")

	stopServe(t, s1)
	assert.Contains(t, s1.log.String(), "a pattern matches no file yet")
	require.Equal(t, []string{order.Id}, loggedOrderIDs(t, dir))
	checkDayStock(t, dir)

	s2 := startServe(t, "--order-log", dir, "--policy", "lookahead", "--history", filepath.Join(dir, "orders-*.csv"))
	rc, _ = dial(t, s2.addr)
	second := readOrderFile(t)
	second.Id = "second"
	resp, err := rc.Route(ctx, &pb.RouteRequest{Order: second})
	require.NoError(t, err)
	assert.NotEmpty(t, resp.Plan.Shipments)
	stopServe(t, s2)
	assert.Equal(t, []string{order.Id, "second"}, loggedOrderIDs(t, dir))
}

// checkDayStock: beside the orders of the day, the order log holds the
// stock the day started with, taken as the server started, before its
// first call: the demo stock; and the receipts and falls, which a replay
// of the day takes as its replenishments.
func checkDayStock(t *testing.T, dir string) {
	t.Helper()
	day := filepath.Base(mustGlob(t, filepath.Join(dir, "orders-*.csv"))[0])
	day = strings.TrimSuffix(strings.TrimPrefix(day, "orders-"), ".csv")
	path := filepath.Join(dir, "stock-"+day+".csv")
	assert.Equal(t, demoStockRows(t, ""), demoStockRows(t, path), "taken before the day's reservation and receipt")

	netFile := filepath.Join(t.TempDir(), "network.yaml")
	require.NoError(t, os.WriteFile(netFile, network.DemoNetworkYAML(), 0o644))
	receipts := filepath.Join(dir, "receipts-"+day+".csv")
	raw, err := os.ReadFile(receipts)
	require.NoError(t, err)
	assert.Regexp(t, `^at,node,sku,qty,reason\n\S+Z,alm-s01,MILK-1L,-2,\n\S+Z,alm-wh1,MILK-1L,40,\n$`, string(raw))
	var out, errb bytes.Buffer
	code := run(context.Background(), []string{"simulate", "--network", netFile, "--stock", path,
		"--orders", filepath.Join(dir, "orders-"+day+".csv"), "--replenishments", receipts, "--policy", "optimal", "--json"}, &out, &errb)
	require.Equal(t, 0, code, errb.String())
	assert.Contains(t, out.String(), `"orders": 1`, "the day replayed from its stock and its receipts")
}

// demoStockRows reads the stock file at path over the demo network (the
// demo stock when path is empty).
func demoStockRows(t *testing.T, path string) []stock.Row {
	t.Helper()
	net, err := network.Demo()
	require.NoError(t, err)
	var r io.Reader = bytes.NewReader(network.DemoStock())
	if path != "" {
		f, err := os.Open(path)
		require.NoError(t, err)
		defer f.Close()
		r = f
	}
	tab, err := stock.ReadCSV(r, path, net)
	require.NoError(t, err)
	return tab.Snapshot()
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	require.NoError(t, err)
	require.NotEmpty(t, m, pattern)
	return m
}

// TestSimulateOrdersFromSeveralFiles: --orders may name several files (a
// list, a pattern): their orders are merged by created_at, and the replay
// is the replay of the one file they were split from. A pattern that
// matches nothing is named.
func TestSimulateOrdersFromSeveralFiles(t *testing.T) {
	dir := t.TempDir()
	genDataset(t, dir)
	whole, err := os.ReadFile(filepath.Join(dir, "orders.csv"))
	require.NoError(t, err)
	rows := strings.Split(strings.TrimSuffix(string(whole), "\n"), "\n")
	// Split by order id, as two replicas would have: every other order.
	var parts [2]strings.Builder
	part, last := 0, ""
	for _, r := range rows[1:] {
		if id, _, _ := strings.Cut(r, ","); id != last {
			part, last = 1-part, id
		}
		parts[part].WriteString(r + "\n")
	}
	for i := range parts {
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("part-%d.csv", i)), []byte(rows[0]+"\n"+parts[i].String()), 0o644))
	}
	run := func(orders string) map[string]any {
		var out, errb bytes.Buffer
		args := []string{"--network", filepath.Join(dir, "network.yaml"), "--stock", filepath.Join(dir, "stock.csv"),
			"--orders", orders, "--replenishments", filepath.Join(dir, "replenishments.csv"), "--policy", "optimal,nearest", "--json"}
		require.NoError(t, runSimulate(context.Background(), args, &out, &errb), errb.String())
		var res map[string]any
		require.NoError(t, json.Unmarshal(out.Bytes(), &res))
		for _, r := range res["results"].([]any) {
			delete(r.(map[string]any), "solve_time_us")
		}
		return res
	}
	one := run(filepath.Join(dir, "orders.csv"))
	assert.Equal(t, one, run(filepath.Join(dir, "part-1.csv")+","+filepath.Join(dir, "part-0.csv")))
	assert.Equal(t, one, run(filepath.Join(dir, "part-*.csv")))

	var out, errb bytes.Buffer
	err = runSimulate(context.Background(), []string{"--network", filepath.Join(dir, "network.yaml"), "--stock", filepath.Join(dir, "stock.csv"),
		"--orders", filepath.Join(dir, "day-*.csv")}, &out, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no file matches")
}

// TestServeOrderLogDB: two replicas on one database record into its
// order log, each order once, and omniroute order-log exports them as an
// orders file that a replay reads; --order-log-db needs the database.
func TestServeOrderLogDB(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	url := pgtest.New(t)
	history := filepath.Join(t.TempDir(), "history.csv")
	require.NoError(t, os.WriteFile(history, []byte(simulate.OrderHeader+
		"h1,2026-11-24T09:00:00.000000000Z,43.2389,76.8897,MILK-1L,2,delivery,,1.03,,true,,,\n"+
		"h2,2026-11-24T15:00:00.000000000Z,43.2389,76.8897,PHONE-X12,1,delivery,,0.4,,true,,,\n"), 0o644))
	today := time.Now().UTC().Format(time.DateOnly)
	a := startServe(t, "--database-url", url, "--order-log-db", "--policy", "lookahead", "--history", history)
	assert.Contains(t, a.serving, "order_log=database")
	b := startServe(t, "--database-url", url, "--order-log-db")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i, s := range []*server{a, b, b} {
		rc, _ := dial(t, s.addr)
		o := readOrderFile(t)
		o.Id = fmt.Sprintf("o%d", min(i, 1)) // b routes o1 twice
		_, err := rc.Route(ctx, &pb.RouteRequest{Order: o})
		require.NoError(t, err)
	}
	connB, err := grpc.NewClient(b.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	_, err = pb.NewInventoryServiceClient(connB).UpdateStock(ctx, &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		{NodeId: "alm-wh1", Sku: "MILK-1L", Seq: 1, Change: &pb.StockUpdate_Delta{Delta: 40}},
		{NodeId: "alm-s01", Sku: "MILK-1L", Seq: 1, Change: &pb.StockUpdate_Delta{Delta: -3}},
	}})
	require.NoError(t, err)
	connB.Close()
	stopServe(t, a)
	stopServe(t, b)

	out := filepath.Join(t.TempDir(), "orders.csv")
	var errb bytes.Buffer
	require.NoError(t, runOrderLog(ctx, []string{"--database-url", url, "--out", out}, io.Discard, &errb), errb.String())
	assert.Contains(t, errb.String(), "2 orders")
	src, err := simulate.OrderFiles(out)
	require.NoError(t, err)
	var ids []string
	require.NoError(t, simulate.ObserveOrders(src, false, func(o *network.Order) { ids = append(ids, o.ID) }))
	assert.ElementsMatch(t, []string{"o0", "o1"}, ids)

	// The stock the day started with, kept once for both replicas.
	stockOut := filepath.Join(t.TempDir(), "stock.csv")
	errb.Reset()
	require.NoError(t, runOrderLog(ctx, []string{"--database-url", url, "--stock", today, "--out", stockOut}, io.Discard, &errb), errb.String())
	assert.Contains(t, errb.String(), "the stock of "+today+", taken at ")
	assert.Equal(t, demoStockRows(t, ""), demoStockRows(t, stockOut), "the demo stock: nothing was reserved")
	err = runOrderLog(ctx, []string{"--database-url", url, "--stock", "2000-01-01"}, io.Discard, io.Discard)
	assert.ErrorIs(t, err, orderlog.ErrNoStock)
	err = runOrderLog(ctx, []string{"--database-url", url, "--stock", today, "--from", "2026-11-28T00:00:00Z"}, io.Discard, io.Discard)
	assert.ErrorIs(t, err, errUsage)
	err = runOrderLog(ctx, []string{"--database-url", url, "--stock", "28.11.2026"}, io.Discard, io.Discard)
	assert.ErrorIs(t, err, errUsage)

	// The receipts, as a replenishments file.
	var rec bytes.Buffer
	errb.Reset()
	require.NoError(t, runOrderLog(ctx, []string{"--database-url", url, "--receipts"}, &rec, &errb), errb.String())
	assert.Contains(t, errb.String(), "2 receipts")
	assert.Regexp(t, `^at,node,sku,qty,reason\n\S+Z,alm-s01,MILK-1L,-3,\n\S+Z,alm-wh1,MILK-1L,40,\n$`, rec.String())
	// Their fall is what a look-ahead started with --history-days learns
	// the other channels' demand from.
	demo, err := network.Demo()
	require.NoError(t, err)
	falls, err := (&servePlanFlags{historyDays: 3650, logURL: url}).fallRates(demo)
	require.NoError(t, err)
	s01, _ := demo.NodeIndex("alm-s01")
	assert.Equal(t, 1, falls.Len())
	assert.Positive(t, falls.Expected(time.Now(), 3650*24*time.Hour).Units(s01, "MILK-1L"))
	err = runOrderLog(ctx, []string{"--database-url", url, "--receipts", "--stock", today}, io.Discard, io.Discard)
	assert.ErrorIs(t, err, errUsage)

	// A replica started again takes the recorded orders as its history.
	c := startServe(t, "--database-url", url, "--order-log-db", "--policy", "lookahead", "--history-days", "3650")
	conn, err := grpc.NewClient(c.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	plan, err := pb.NewPlanningServiceClient(conn).Plan(ctx, &pb.PlanRequest{})
	require.NoError(t, err)
	assert.Positive(t, plan.ExpectedUnits, "the recorded orders are its history")
	stopServe(t, c)
	err = runServe(ctx, []string{"--policy", "lookahead", "--history-days", "7", "--metrics-addr", ""}, io.Discard, io.Discard)
	assert.ErrorIs(t, err, errUsage, "--history-days needs --order-log-db")

	err = runOrderLog(ctx, []string{"--database-url", url, "--from", "yesterday"}, io.Discard, io.Discard)
	assert.ErrorIs(t, err, errUsage)
	err = runServe(ctx, []string{"--order-log-db", "--metrics-addr", ""}, io.Discard, io.Discard)
	assert.ErrorIs(t, err, errUsage)
	err = runServe(ctx, []string{"--order-log-keep-days", "30", "--metrics-addr", ""}, io.Discard, io.Discard)
	assert.ErrorIs(t, err, errUsage, "keep days of no order log")
	err = runServe(ctx, []string{"--order-log-db", "--database-url", url, "--order-log", t.TempDir(), "--metrics-addr", ""}, io.Discard, io.Discard)
	assert.ErrorIs(t, err, errUsage)
}
