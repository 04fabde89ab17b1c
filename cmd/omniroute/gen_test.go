package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/joint"
	"github.com/omniroute/omniroute/network"
	simulateapi "github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/simulate/dataset"
)

func genDataset(t *testing.T, dir string) {
	t.Helper()
	var out, errOut bytes.Buffer
	args := []string{"--seed", "5", "--out", dir, "--stores", "20", "--warehouses", "2", "--dark-stores", "4", "--skus", "60", "--orders", "400", "--days", "3"}
	if err := runGen(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("gen: %v\n%s", err, errOut.String())
	}
}

func fileHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// TestGenThenSimulate: gen is byte-for-byte deterministic, and simulate
// --json gives the same bytes twice once the solve times are removed.
func TestGenThenSimulate(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	genDataset(t, a)
	genDataset(t, b)
	for _, f := range []string{"network.yaml", "stock.csv", "orders.csv", "replenishments.csv"} {
		if fileHash(t, filepath.Join(a, f)) != fileHash(t, filepath.Join(b, f)) {
			t.Errorf("%s differs between two runs of gen with the same seed", f)
		}
	}
	scen := filepath.Join(a, "no-courier.yaml")
	if err := os.WriteFile(scen, []byte("name: no-courier\ndisable_methods: [courier]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	simulate := func(extra ...string) []byte {
		args := append([]string{
			"--network", filepath.Join(a, "network.yaml"), "--stock", filepath.Join(a, "stock.csv"),
			"--orders", filepath.Join(a, "orders.csv"), "--replenishments", filepath.Join(a, "replenishments.csv"),
			"--scenario", scen,
		}, extra...)
		var out, errOut bytes.Buffer
		if err := runSimulate(context.Background(), args, &out, &errOut); err != nil {
			t.Fatalf("simulate: %v\n%s", err, errOut.String())
		}
		return out.Bytes()
	}
	strip := func(js []byte) string {
		var v map[string]any
		if err := json.Unmarshal(js, &v); err != nil {
			t.Fatal(err)
		}
		for _, r := range v["results"].([]any) {
			delete(r.(map[string]any), "solve_time_us")
		}
		s, _ := json.Marshal(v)
		return string(s)
	}
	// The README's out/decisions.csv: a directory that does not exist yet.
	dec := filepath.Join(t.TempDir(), "out", "decisions.csv")
	report := filepath.Join(t.TempDir(), "report")
	first := simulate("--json", "--decisions", dec, "--report", report)
	second := simulate("--json", "--workers", "1")
	if strip(first) != strip(second) {
		t.Errorf("two runs differ:\n%s\n%s", first, second)
	}
	// Without --policy: the per-order policies, not lookahead or batch.
	assert.Equal(t, 2*(len(simulateapi.PolicyNames())-2), strings.Count(string(first), `"policy"`),
		"every per-order policy x 2 scenarios")
	assert.NotContains(t, string(first), `"policy":"lookahead"`)
	assert.NotContains(t, string(first), `"policy":"batch"`)
	if _, err := os.Stat(filepath.Join(report, "index.html")); err != nil {
		t.Error(err)
	}
	d, err := os.ReadFile(dec)
	if err != nil || !bytes.HasPrefix(d, []byte("order_id,policy,scenario,")) {
		t.Errorf("decisions file: %v %q", err, d[:min(len(d), 60)])
	}
	table := simulate("--policy", "optimal,nearest")
	if !bytes.Contains(table, []byte("cost per order")) || !bytes.Contains(table, []byte("no-courier")) {
		t.Errorf("table:\n%s", table)
	}
}

func TestSimulateUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	cases := [][]string{
		{},
		{"--network", "n", "--stock", "s", "--orders", "o", "--policy", "cheapest"},
		{"--bogus"},
		{"--network", "n", "--stock", "s", "--orders", "o", "--bound-lp-out", t.TempDir()},
		{"--network", "n", "--stock", "s", "--orders", "o", "--bound", "--bound-lp-out", "/nonexistent/lp"},
		{"--network", "n", "--stock", "s", "--orders", "o", "--bound-prices-out", t.TempDir()},
		{"--network", "n", "--stock", "s", "--orders", "o", "--bound", "--bound-prices-out", "/nonexistent/prices"},
		{"--network", "n", "--stock", "s", "--orders", "o", "--bound", "--bound-time-limit", "0s"},
		{"--network", "n", "--stock", "s", "--orders", "o", "--bound", "--bound-method", "simplex"},
		{"--network", "n", "--stock", "s", "--orders", "o", "--bound", "--bound-rounds", "0"},
		{"--network", "n", "--stock", "s", "--orders", "o", "--season-end", "next friday"},
		{"--network", "n", "--stock", "s", "--orders", "o", "--season-end", "2026-03-09T06:00:00Z", "--prices", "p.csv"},
		{"--network", "n", "--stock", "s", "--orders", "o", "--falls", "sometimes"},
	}
	for _, args := range cases {
		if err := runSimulate(context.Background(), args, &out, &errOut); !errors.Is(err, errUsage) {
			t.Errorf("simulate %q: %v, want a usage error", args, err)
		}
	}
	if err := runGen(context.Background(), []string{"--out", t.TempDir(), "--skus", "0"}, &out, &errOut); !errors.Is(err, errUsage) {
		t.Errorf("gen --skus 0: %v, want a usage error", err)
	}
}

// TestSimulateSaysWhatItSkips: with --skip-bad, each order the network
// rejects is named on stderr with its line and why, the count is the
// table's "invalid orders" row, and a network warning (a courier zone
// with lat and lon swapped) is printed before the replay.
func TestSimulateSaysWhatItSkips(t *testing.T) {
	dir := t.TempDir()
	genDataset(t, dir)
	netPath := filepath.Join(dir, "network.yaml")
	net, err := network.Load(netPath)
	require.NoError(t, err)
	net.Couriers[0].Areas = `{"type":"Polygon","coordinates":[[[43.1,76.7],[43.1,77.1],[43.4,77.1],[43.4,76.7],[43.1,76.7]]]}`
	f, err := os.Create(netPath)
	require.NoError(t, err)
	require.NoError(t, net.WriteYAML(f))
	require.NoError(t, f.Close())

	ordersPath := filepath.Join(dir, "orders.csv")
	orders, err := os.ReadFile(ordersPath)
	require.NoError(t, err)
	lines := strings.Count(string(orders), "\n")
	orders = append(orders, "Z1,2026-03-09T23:00:00Z,43.25,76.95,SKU-00001,1,pickup,no-such-store,0.5,,true\n"...)
	require.NoError(t, os.WriteFile(ordersPath, orders, 0o644))

	var stdout, stderr bytes.Buffer
	args := []string{"--network", netPath, "--stock", filepath.Join(dir, "stock.csv"), "--orders", ordersPath,
		"--policy", "optimal", "--skip-bad"}
	require.NoError(t, runSimulate(context.Background(), args, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "omniroute simulate: warning: "+netPath+": line ")
	assert.Contains(t, stderr.String(), "couriers[0] (glovo).areas: polygon 0 lies ")
	assert.Contains(t, stderr.String(), fmt.Sprintf(`omniroute simulate: %s:%d: order Z1: invalid order: pickup_node_id: unknown node "no-such-store": order skipped`, ordersPath, lines+1))
	assert.Contains(t, stderr.String(), "omniroute simulate: invalid orders skipped (--skip-bad): 1 (0 with a malformed row, the rest rejected by the network); 1 described above")
	assert.Regexp(t, `invalid orders\s+1\n`, stdout.String())

	// Without --skip-bad the same order stops the replay, naming it.
	err = runSimulate(context.Background(), args[:len(args)-1], &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), fmt.Sprintf("%s:%d: order Z1: invalid order: pickup_node_id", ordersPath, lines+1))
}

// TestGenAmilMakhdoumiWei: --profile amil-makhdoumi-wei takes the
// profile's sizes but for the flags given, writes a history, and the
// same seed gives the same bytes; an unknown profile or a network
// without warehouses is a usage error naming the profiles. Its shape
// flags change the order types, and are usage errors for another profile
// or out of range.
func TestGenAmilMakhdoumiWei(t *testing.T) {
	gen := func(dir string, extra ...string) string {
		var out, errOut bytes.Buffer
		args := append([]string{"--profile", dataset.ProfileAmilMakhdoumiWei, "--seed", "3", "--out", dir, "--orders", "300", "--regions", "25", "--history-days", "1"}, extra...)
		require.NoError(t, runGen(context.Background(), args, &out, &errOut), errOut.String())
		return out.String()
	}
	a, b := t.TempDir(), t.TempDir()
	out := gen(a)
	gen(b)
	assert.Contains(t, out, "10 nodes, 20 SKUs, ")
	assert.Contains(t, out, "300 orders (")
	assert.Contains(t, out, ", 0 replenishments\n")
	assert.Contains(t, out, filepath.Join(a, dataset.HistoryFile)+": 43 orders (")
	for _, f := range []string{dataset.NetworkFile, dataset.StockFile, dataset.OrdersFile, dataset.ReplenishmentsFile, dataset.HistoryFile} {
		assert.Equal(t, fileHash(t, filepath.Join(a, f)), fileHash(t, filepath.Join(b, f)), "%s differs between two runs with the same seed", f)
	}
	net, err := network.Load(filepath.Join(a, dataset.NetworkFile))
	require.NoError(t, err)
	assert.Equal(t, 5, net.Policy.DefaultMaxShipment)
	assert.Contains(t, gen(t.TempDir(), "--warehouses", "4", "--skus", "8"), "4 nodes, 8 SKUs, ")

	var stdout, stderr bytes.Buffer
	err = runGen(context.Background(), []string{"--profile", "amw", "--out", t.TempDir()}, &stdout, &stderr)
	require.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), dataset.ProfileAmilMakhdoumiWei)
	err = runGen(context.Background(), []string{"--profile", dataset.ProfileAmilMakhdoumiWei, "--warehouses", "0", "--stores", "2", "--out", t.TempDir()}, &stdout, &stderr)
	assert.ErrorIs(t, err, errUsage)

	// The larger shape: orders of up to ten SKUs, which may ship in as
	// many parcels.
	big := t.TempDir()
	gen(big, "--skus", "100", "--max-order-size", "10", "--types-per-size", "10", "--carry", "0.5", "--safety-z", "0.5")
	net, err = network.Load(filepath.Join(big, dataset.NetworkFile))
	require.NoError(t, err)
	assert.Equal(t, 10, net.Policy.DefaultMaxShipment)
	for _, bad := range [][]string{
		{"--profile", dataset.ProfileJasinSinha, "--carry", "0.5"},
		{"--profile", dataset.ProfileAmilMakhdoumiWei, "--carry", "0"},
		{"--profile", dataset.ProfileAmilMakhdoumiWei, "--safety-z", "-1"},
		{"--profile", dataset.ProfileAmilMakhdoumiWei, "--max-order-size", "0"},
	} {
		err = runGen(context.Background(), append(bad, "--out", t.TempDir()), &stdout, &stderr)
		assert.ErrorIs(t, err, errUsage, "%v", bad)
	}
}

// TestBoundLine: the line a terminal shows while a bound is computed
// names the scenario, the round and the two values that meet at the end,
// then the hindsight routing's dive.
func TestBoundLine(t *testing.T) {
	p := simulateapi.BoundProgress{Scenario: "baseline", RoundReport: joint.RoundReport{Round: 4, Bound: 183191.987, Master: 183250.1, Columns: 31000, Rows: 10600}}
	assert.Equal(t, "hindsight bound of baseline: round 4, 183191.99, its master 183250.10 (31000 plans)", boundLine(p))
	p.DiveSteps, p.Master = 2, 183400
	assert.Equal(t, "hindsight bound of baseline: 183191.99 after 4 rounds; routing in hindsight: step 2, 183400.00", boundLine(p))
}
