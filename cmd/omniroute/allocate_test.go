package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/omniroute/omniroute/allocate"
	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/stock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// smallDataset writes a small generated dataset and returns its directory.
func smallDataset(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cfg := dataset.Config{Seed: 5, Stores: 10, Warehouses: 2, DarkStores: 2, SKUs: 30, Orders: 2000, Days: 14}
	_, err := dataset.Generate(context.Background(), cfg, dir)
	require.NoError(t, err)
	return dir
}

func TestAllocateCommand(t *testing.T) {
	dir := smallDataset(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	out, lpFile := p("transfers.csv"), p("allocate.lp")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"allocate", "--network", p(dataset.NetworkFile), "--stock", p(dataset.StockFile),
		"--orders", p(dataset.OrdersFile), "--replenishments", p(dataset.ReplenishmentsFile), "--at", "2026-03-12T00:00:00Z",
		"--horizon", "7d", "--out", out, "--lp-out", lpFile, "--json"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	var js map[string]any
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &js))
	for _, k := range []string{"objective", "expected_cost_before", "expected_cost_after", "expected_by", "model_cost_before",
		"model_cost_after", "groups", "replays", "replay_ms", "units_moved", "transfer_cost", "solve_ms"} {
		assert.Contains(t, js, k)
	}
	// The data holds 11 days before --at: one week is replayed.
	assert.Regexp(t, `^replay of 1 history window of 168h0m0s \(\d+ orders in all\) with optimal$`, js["expected_by"])
	// Each group judged has its saving window by window: here the one
	// week's.
	var why struct {
		Groups  []allocate.GroupSaving `json:"groups"`
		Windows []allocate.WindowCost  `json:"windows"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &why))
	require.Len(t, why.Windows, 1)
	require.NotEmpty(t, why.Groups)
	for _, g := range why.Groups {
		if g.Judged {
			assert.Equal(t, []float64{g.Saving}, g.WindowSavings, g.Group)
		}
	}
	// The plan reads back against the network's lanes, and moves what the
	// JSON says.
	net, err := network.Load(p(dataset.NetworkFile))
	require.NoError(t, err)
	sf, err := os.Open(p(dataset.StockFile))
	require.NoError(t, err)
	table, err := stock.ReadCSV(sf, "stock.csv", net)
	sf.Close()
	require.NoError(t, err)
	f, err := os.Open(out)
	require.NoError(t, err)
	plan, err := simulate.ReadTransfers(f, out, net, table)
	f.Close()
	require.NoError(t, err)
	var moved int64
	for _, tr := range plan {
		moved += int64(tr.Qty)
	}
	assert.EqualValues(t, js["units_moved"], moved)
	lpText, err := os.ReadFile(lpFile)
	require.NoError(t, err)
	assert.Contains(t, string(lpText), "Minimize")

	// The plan replays: simulate --transfers with --allocation shows the
	// expected beside the replayed saving.
	alloc := p("allocation.json")
	require.NoError(t, os.WriteFile(alloc, stdout.Bytes(), 0o644))
	stdout.Reset()
	code = run(context.Background(), []string{"simulate", "--network", p(dataset.NetworkFile), "--stock", p(dataset.StockFile),
		"--orders", p(dataset.OrdersFile), "--policy", "optimal", "--transfers", out, "--allocation", alloc, "--json"}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	var res simulate.Results
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &res))
	require.Len(t, res.TransferSavings, 1)
	require.NotNil(t, res.TransferSavings[0].Expected)
	assert.InDelta(t, js["expected_cost_before"].(float64)-js["expected_cost_after"].(float64), *res.TransferSavings[0].Expected, 1e-9)
}

// Without --json the summary lists each group of transfers with its
// replayed saving, window by window, and whether the plan keeps it.
func TestAllocateTextListsGroups(t *testing.T) {
	dir := smallDataset(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	var stdout, stderr bytes.Buffer
	args := []string{"allocate", "--network", p(dataset.NetworkFile), "--stock", p(dataset.StockFile),
		"--orders", p(dataset.OrdersFile), "--replenishments", p(dataset.ReplenishmentsFile), "--at", "2026-03-12T00:00:00Z",
		"--horizon", "7d", "--out", p("transfers.csv")}
	require.Equal(t, 0, run(context.Background(), append(args, "--json"), &stdout, &stderr), stderr.String())
	var js struct {
		Groups []allocate.GroupSaving `json:"groups"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &js))
	require.NotEmpty(t, js.Groups)
	stdout.Reset()
	require.Equal(t, 0, run(context.Background(), args, &stdout, &stderr), stderr.String())
	for _, g := range js.Groups {
		require.True(t, g.Judged, g.Group)
		require.Len(t, g.WindowSavings, 1, g.Group)
		verdict := "kept"
		if !g.Kept {
			verdict = "dropped"
		}
		assert.Regexp(t, fmt.Sprintf(`(?m)^  %s: %d units, replayed saving %.2f a window \(%.2f\): %s$`,
			regexp.QuoteMeta(g.Group), g.Units, g.Saving, g.WindowSavings[0], verdict), stdout.String())
	}
}

// An unknown policy is a usage error, and nothing is written.
func TestAllocateUnknownPolicy(t *testing.T) {
	dir := smallDataset(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"allocate", "--network", p(dataset.NetworkFile), "--stock", p(dataset.StockFile),
		"--orders", p(dataset.OrdersFile), "--policy", "cheapest-ever", "--out", p("transfers.csv")}, &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), `--policy: unknown policy "cheapest-ever"`)
	assert.NoFileExists(t, p("transfers.csv"))
}

// Bad input is reported with file and line, and nothing is written.
func TestAllocateBadSupply(t *testing.T) {
	dir := smallDataset(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct{ name, supply, want string }{
		{"unknown-node", "node,sku,qty,available_at\nnowhere,SKU-00001,5,2026-03-12T00:00:00Z\n", `supply.csv:2: node: unknown node "nowhere"`},
		{"unknown-sku", "node,sku,qty,available_at\nwh-ala-1,NOPE,5,2026-03-12T00:00:00Z\n", `supply.csv:2: sku: unknown SKU "NOPE"`},
		{"negative", "node,sku,qty,available_at\nwh-ala-1,SKU-00001,-5,2026-03-12T00:00:00Z\n", "supply.csv:2: qty: -5 is outside 1.."},
		{"after-horizon", "node,sku,qty,available_at\nwh-ala-1,SKU-00001,5,2026-03-12T00:00:00Z\nwh-ala-1,SKU-00001,5,2026-04-12T00:00:00Z\n", "supply.csv:3: available_at: 2026-04-12T00:00:00Z is after the horizon ends (2026-03-19T00:00:00Z)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(p("supply.csv"), []byte(tt.supply), 0o644))
			out := p("transfers-" + tt.name + ".csv")
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"allocate", "--network", p(dataset.NetworkFile), "--stock", p(dataset.StockFile),
				"--orders", p(dataset.OrdersFile), "--supply", p("supply.csv"), "--at", "2026-03-12T00:00:00Z", "--out", out}, &stdout, &stderr)
			assert.Equal(t, 1, code)
			assert.Contains(t, stderr.String(), tt.want)
			_, err := os.Stat(out)
			assert.True(t, os.IsNotExist(err), "nothing written on error")
		})
	}
}

// A supply is placed: its row comes first, from empty.
func TestAllocateSupplyPlaced(t *testing.T) {
	dir := smallDataset(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	require.NoError(t, os.WriteFile(p("supply.csv"), []byte("node,sku,qty,available_at\nwh-ala-1,SKU-00001,50,2026-03-12T06:00:00Z\n"), 0o644))
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"allocate", "--network", p(dataset.NetworkFile), "--stock", p(dataset.StockFile),
		"--orders", p(dataset.OrdersFile), "--supply", p("supply.csv"), "--at", "2026-03-12T00:00:00Z", "--out", p("t.csv")}, &stdout, &stderr)
	require.Equal(t, 0, code, stderr.String())
	b, err := os.ReadFile(p("t.csv"))
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n")
	assert.Equal(t, simulate.TransferHeader, lines[0])
	assert.Equal(t, ",wh-ala-1,SKU-00001,50,2026-03-12T06:00:00Z,2026-03-12T06:00:00Z", lines[1])
}

// --forecast replaces the history's estimate; a bad row is named by file
// and line, and nothing is written.
func TestAllocateFromForecast(t *testing.T) {
	dir := smallDataset(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	net, err := network.Load(p(dataset.NetworkFile))
	require.NoError(t, err)
	region := forecast.NewRegions(net).Name(0)
	good := "region,sku,method,units_per_day\n" + region + ",SKU-00001,pickup,3\n" + region + ",SKU-00002,courier,2\n"
	require.NoError(t, os.WriteFile(p("forecast.csv"), []byte(good), 0o644))
	args := []string{"allocate", "--network", p(dataset.NetworkFile), "--stock", p(dataset.StockFile), "--orders", p(dataset.OrdersFile),
		"--forecast", p("forecast.csv"), "--at", "2026-03-12T00:00:00Z", "--out", p("t.csv"), "--json"}
	var stdout, stderr bytes.Buffer
	require.Equal(t, 0, run(context.Background(), args, &stdout, &stderr), stderr.String())
	var js map[string]any
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &js))
	assert.EqualValues(t, 2, js["skus"], "the forecast's SKUs, not the history's")

	require.NoError(t, os.WriteFile(p("forecast.csv"), []byte(good+region+",SKU-00003,teleport,1\n"), 0o644))
	args[len(args)-2] = p("t2.csv")
	stderr.Reset()
	assert.Equal(t, 1, run(context.Background(), args, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "forecast.csv:4")
	_, err = os.Stat(p("t2.csv"))
	assert.True(t, os.IsNotExist(err))
}

// allocatePlan runs allocate on dir's generated dataset with args, its
// plan written to out, and returns the plan, the JSON less its timings,
// and stderr when it failed.
func allocatePlan(t *testing.T, dir, out string, args ...string) ([]byte, map[string]any, string) {
	t.Helper()
	p := func(name string) string { return filepath.Join(dir, name) }
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), append([]string{"allocate", "--network", p(dataset.NetworkFile), "--stock", p(dataset.StockFile),
		"--orders", p(dataset.OrdersFile), "--out", out, "--json"}, args...), &stdout, &stderr)
	if code != 0 {
		return nil, nil, stderr.String()
	}
	var js map[string]any
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &js))
	delete(js, "solve_ms")
	delete(js, "replay_ms")
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	return b, js, ""
}

// The same input gives the same plan, byte for byte, and the same JSON
// but for the timings, SKUs solved and windows replayed in parallel.
func TestAllocateDeterministic(t *testing.T) {
	dir := smallDataset(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	plan := func(out string) ([]byte, map[string]any) {
		b, js, msg := allocatePlan(t, dir, out, "--replenishments", p(dataset.ReplenishmentsFile), "--at", "2026-03-15T00:00:00Z",
			"--horizon", "3d", "--workers", "2")
		require.Empty(t, msg)
		return b, js
	}
	a, ja := plan(p("a.csv"))
	b, jb := plan(p("b.csv"))
	assert.Equal(t, string(a), string(b))
	assert.Equal(t, ja, jb)
	assert.Contains(t, ja["expected_by"], "replay of 3 history windows of 72h0m0s")
}

// TestAllocateReplenishmentsFromSeveralFiles: --replenishments may name
// several files or glob patterns (the receipts of several servers' order
// logs), merged by time: the plan of the generated file split in two by
// node is the plan of the whole, byte for byte (and not the plan of one
// of the two); a bad row is named by its file and line, and no plan is
// written.
func TestAllocateReplenishmentsFromSeveralFiles(t *testing.T) {
	dir := smallDataset(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	plan := func(reps, out string) ([]byte, map[string]any, string) {
		return allocatePlan(t, dir, out, "--replenishments", reps, "--at", "2026-03-12T00:00:00Z", "--horizon", "7d")
	}
	whole, jw, msg := plan(p(dataset.ReplenishmentsFile), p("whole.csv"))
	require.Empty(t, msg)

	raw, err := os.ReadFile(p(dataset.ReplenishmentsFile))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	parts := [2]string{lines[0] + "\n", lines[0] + "\n"}
	for _, l := range lines[1:] {
		node := strings.Split(l, ",")[1]
		parts[len(node)%2] += l + "\n"
	}
	require.NoError(t, os.MkdirAll(p("receipts"), 0o755))
	for i, part := range parts {
		require.Greater(t, strings.Count(part, "\n"), 1)
		require.NoError(t, os.WriteFile(p(fmt.Sprintf("receipts/receipts-%d.csv", i)), []byte(part), 0o644))
	}
	listed, jl, msg := plan(p("receipts/receipts-0.csv")+","+p("receipts/receipts-1.csv"), p("listed.csv"))
	require.Empty(t, msg)
	globbed, jg, msg := plan(p("receipts/receipts-*.csv"), p("globbed.csv"))
	require.Empty(t, msg)
	assert.Equal(t, string(whole), string(listed))
	assert.Equal(t, string(whole), string(globbed))
	assert.Equal(t, jw, jl)
	assert.Equal(t, jw, jg)
	half, _, msg := plan(p("receipts/receipts-0.csv"), p("half.csv"))
	require.Empty(t, msg)
	assert.NotEqual(t, string(whole), string(half), "the second file's arrivals count")

	bad := p("receipts/receipts-1.csv")
	require.NoError(t, os.WriteFile(bad, []byte(parts[1]+"2026-03-15T01:00:00Z,"+strings.Split(lines[1], ",")[1]+",SKU,many\n"), 0o644))
	_, _, msg = plan(p("receipts/receipts-*.csv"), p("bad.csv"))
	assert.Contains(t, msg, fmt.Sprintf("receipts-1.csv:%d", strings.Count(parts[1], "\n")+1))
	_, err = os.Stat(p("bad.csv"))
	assert.True(t, os.IsNotExist(err))
}

// TestAllocateFallsHistory: allocate --falls-history counts the walk-in
// demand its receipts expect within the horizon: every store row's on
// hand sold at the till in the half day before --at is, at the falls'
// rate (a day observed at least, the decay of a week), about three times
// that stock in three days (a warehouse's fall after --at is not known).
// The plan sends the stores more than without, takes none from them, and
// the replayed window that held the falls replays them, shifted, as a
// server meets them: its cost without the plan rises by what the tills do
// not find, the other windows' stay. A bad row is named by file and line,
// and no plan is written.
func TestAllocateFallsHistory(t *testing.T) {
	dir := smallDataset(t)
	p := func(name string) string { return filepath.Join(dir, name) }
	net, err := network.Load(p(dataset.NetworkFile))
	require.NoError(t, err)
	f, err := os.Open(p(dataset.StockFile))
	require.NoError(t, err)
	table, err := stock.ReadCSV(f, dataset.StockFile, net)
	f.Close()
	require.NoError(t, err)
	var rows strings.Builder
	rows.WriteString("at,node,sku,qty\n")
	var onHand int64
	for _, r := range table.Snapshot() {
		if net.Nodes[r.Node].Kind == network.Store && r.OnHand > 0 {
			fmt.Fprintf(&rows, "2026-03-14T12:00:00Z,%s,%s,-%d\n", r.NodeID, r.SKU, r.OnHand)
			onHand += int64(r.OnHand)
		}
	}
	require.Positive(t, onHand)
	wh := net.Nodes[0].ID
	require.Equal(t, network.Warehouse, net.Nodes[0].Kind)
	fmt.Fprintf(&rows, "2026-03-16T00:00:00Z,%s,%s,-1000\n", wh, table.Snapshot()[0].SKU)
	require.NoError(t, os.WriteFile(p("receipts.csv"), []byte(rows.String()), 0o644))

	args := []string{"--at", "2026-03-15T00:00:00Z", "--horizon", "3d"}
	without, jw, msg := allocatePlan(t, dir, p("without.csv"), args...)
	require.Empty(t, msg)
	with, js, msg := allocatePlan(t, dir, p("with.csv"), append(args, "--falls-history", p("receipts.csv"))...)
	require.Empty(t, msg)
	// Each row's units, decayed half a day, over the week-long decay's
	// weight of the one day observed, times three days.
	perUnit := math.Exp(-0.5/7) / (7 * (1 - math.Exp(-1.0/7))) * 3
	assert.EqualValues(t, math.Round(float64(onHand)*perUnit), js["expected_fall_units"])
	assert.NotContains(t, jw, "expected_fall_units")
	assert.NotEqual(t, string(without), string(with))
	intoStores := func(plan []byte) (in int) {
		for _, line := range strings.Split(strings.TrimSpace(string(plan)), "\n")[1:] {
			f := strings.Split(line, ",")
			from, _ := net.NodeIndex(f[0])
			to, _ := net.NodeIndex(f[1])
			require.NotEqual(t, network.Store, net.Nodes[from].Kind, "a store's stock is its tills': %s", line)
			if net.Nodes[to].Kind == network.Store {
				q, err := strconv.Atoi(f[3])
				require.NoError(t, err)
				in += q
			}
		}
		return in
	}
	assert.Greater(t, intoStores(with), intoStores(without)+100)
	ww, wj := jw["windows"].([]any), js["windows"].([]any)
	require.Len(t, wj, 3)
	before := func(w []any, i int) float64 { return w[i].(map[string]any)["before"].(float64) }
	assert.Greater(t, before(wj, 0), before(ww, 0)+100, "the latest window replays the tills' falls")
	assert.Equal(t, before(ww, 1), before(wj, 1))
	assert.Equal(t, before(ww, 2), before(wj, 2))
	assert.Less(t, js["expected_cost_after"], js["expected_cost_before"])

	require.NoError(t, os.WriteFile(p("bad.csv"), []byte("at,node,sku,qty\n2026-03-14T12:00:00Z,"+wh+",X,-1\n2026-03-14T12:00:00Z,nowhere,X,-1\n"), 0o644))
	_, _, msg = allocatePlan(t, dir, p("bad-plan.csv"), append(args, "--falls-history", p("bad.csv"))...)
	assert.Contains(t, msg, "bad.csv:3: node")
	assert.NoFileExists(t, p("bad-plan.csv"))
}
