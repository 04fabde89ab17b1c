package dataset

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/stock"
)

func small(seed uint64) Config {
	return Config{Seed: seed, Stores: 30, Warehouses: 3, DarkStores: 6, SKUs: 80, Orders: 2000, Days: 7}
}

func hashes(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range []string{NetworkFile, StockFile, OrdersFile, ReplenishmentsFile} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(b)
		out[f] = hex.EncodeToString(s[:])
	}
	return out
}

func TestSameSeedSameBytes(t *testing.T) {
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, d := range []string{a, b} {
		if _, err := Generate(context.Background(), small(42), d); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := Generate(context.Background(), small(43), c); err != nil {
		t.Fatal(err)
	}
	ha, hb, hc := hashes(t, a), hashes(t, b), hashes(t, c)
	for f := range ha {
		if ha[f] != hb[f] {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
		if ha[f] == hc[f] {
			t.Errorf("%s is the same for seeds 42 and 43", f)
		}
	}
}

// TestDatasetIsUsable: the files load with the network and stock readers,
// orders are sorted by time, and the mix of requests is as designed.
func TestDatasetIsUsable(t *testing.T) {
	dir := t.TempDir()
	sum, err := Generate(context.Background(), small(1), dir)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Nodes != 39 || sum.Orders != 2000 || sum.Lines < 2000 {
		t.Fatalf("summary %+v", sum)
	}
	net, err := network.Load(filepath.Join(dir, NetworkFile))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[network.Kind]int{}
	for _, n := range net.Nodes {
		kinds[n.Kind]++
	}
	if kinds[network.Store] != 30 || kinds[network.Warehouse] != 3 || kinds[network.DarkStore] != 6 {
		t.Errorf("kinds %v", kinds)
	}
	f, err := os.Open(filepath.Join(dir, StockFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := stock.ReadCSV(f, StockFile, net); err != nil {
		t.Fatal(err)
	}
	of, err := os.Open(filepath.Join(dir, OrdersFile))
	if err != nil {
		t.Fatal(err)
	}
	defer of.Close()
	sc := bufio.NewScanner(of)
	sc.Scan()
	if sc.Text() != OrdersHeader {
		t.Fatalf("header %q", sc.Text())
	}
	methods := map[string]int{}
	prev, orders := "", 0
	lastID := ""
	for sc.Scan() {
		fs := strings.Split(sc.Text(), ",")
		if fs[1] < prev {
			t.Fatalf("orders not sorted: %s after %s", fs[1], prev)
		}
		prev = fs[1]
		if fs[0] != lastID {
			orders++
			methods[fs[6]]++
			lastID = fs[0]
		}
		if fs[6] == "pickup" && fs[7] != "" {
			if _, ok := net.NodeIndex(fs[7]); !ok {
				t.Fatalf("pickup at unknown node %q", fs[7])
			}
		}
	}
	if orders != 2000 {
		t.Errorf("%d orders", orders)
	}
	for m, lo := range map[string]float64{"pickup": 0.1, "express": 0.04, "any": 0.06, "delivery": 0.5} {
		if share := float64(methods[m]) / float64(orders); share < lo {
			t.Errorf("%s share %.3f < %.2f", m, share, lo)
		}
	}
}

func TestApportion(t *testing.T) {
	got := apportion(10, []float64{1, 1, 1})
	if got[0]+got[1]+got[2] != 10 || got[0] != 4 {
		t.Errorf("apportion(10, 1:1:1) = %v", got)
	}
}

// TestDatasetLostSales: every order line carries its SKU's lost-sale cost,
// the same for every row of a SKU, spread from groceries to electronics,
// and the network charges a per-order cost.
func TestDatasetLostSales(t *testing.T) {
	dir := t.TempDir()
	_, err := Generate(context.Background(), small(5), dir)
	require.NoError(t, err)
	net, err := network.Load(filepath.Join(dir, NetworkFile))
	require.NoError(t, err)
	assert.Equal(t, LostSaleCostPerOrder, net.Policy.LostSaleCostPerOrder)
	f, err := os.Open(filepath.Join(dir, OrdersFile))
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	require.True(t, sc.Scan())
	cols := strings.Split(sc.Text(), ",")
	require.Equal(t, "lost_sale_cost", cols[len(cols)-1])
	price := map[string]float64{}
	lo, hi := math.Inf(1), 0.0
	for sc.Scan() {
		fs := strings.Split(sc.Text(), ",")
		v, err := strconv.ParseFloat(fs[len(fs)-1], 64)
		require.NoError(t, err, sc.Text())
		require.Greater(t, v, 0.0, sc.Text())
		if p, ok := price[fs[4]]; ok {
			require.Equal(t, p, v, "SKU %s priced twice", fs[4])
		}
		price[fs[4]] = v
		lo, hi = min(lo, v), max(hi, v)
	}
	assert.Less(t, lo, 1.0, "the cheapest lost unit (groceries)")
	assert.Greater(t, hi, 20.0, "the dearest lost unit (electronics)")
}

// TestTillSales: --till-sales adds the stores' sales at the till to the
// replenishments as falls of one unit, at stores only, between 09:00 and
// 21:00 local time, every day's rows in time order; the other files, and
// the rows of the replenishments without it, are the same bytes. Another
// profile has no stores to sell at.
func TestTillSales(t *testing.T) {
	plain, tills := t.TempDir(), t.TempDir()
	cfg := small(42)
	_, err := Generate(context.Background(), cfg, plain)
	require.NoError(t, err)
	cfg.TillSales = 0.5
	sum, err := Generate(context.Background(), cfg, tills)
	require.NoError(t, err)
	hp, ht := hashes(t, plain), hashes(t, tills)
	for _, f := range []string{NetworkFile, StockFile, OrdersFile} {
		assert.Equal(t, hp[f], ht[f], f)
	}
	read := func(dir string) []string {
		b, err := os.ReadFile(filepath.Join(dir, ReplenishmentsFile))
		require.NoError(t, err)
		return strings.Split(strings.TrimSpace(string(b)), "\n")[1:]
	}
	var kept, falls []string
	last := ""
	for _, row := range read(tills) {
		f := strings.Split(row, ",")
		require.GreaterOrEqual(t, f[0], last, "in time order")
		last = f[0]
		if f[3] != "-1" {
			kept = append(kept, row)
			continue
		}
		falls = append(falls, row)
		assert.Contains(t, f[1], "-s", "a store's till: %s", row)
		at, err := time.Parse(time.RFC3339, f[0])
		require.NoError(t, err)
		local := at.Add(tzOffset)
		assert.True(t, local.Hour() >= 9 && local.Hour() < 21, "open hours: %s", row)
	}
	assert.Equal(t, read(plain), kept, "the replenishments as they were")
	assert.Equal(t, len(kept)+len(falls), sum.Replenishments)
	assert.Positive(t, len(falls))

	_, err = Generate(context.Background(), Config{Profile: ProfileJasinSinha, Seed: 1, Warehouses: 3, SKUs: 10, Orders: 10, Days: 1, TillSales: 1}, t.TempDir())
	assert.ErrorIs(t, err, ErrConfig)
}

// TestTillStocked: stores stocked for their tills hold and receive about
// 1 + TillSales times their online stock, with room on their shelves for
// it; the orders, the other nodes' stock and the falls are those of the
// stores stocked for their online demand only. Without till sales it is
// refused.
func TestTillStocked(t *testing.T) {
	online, stocked := t.TempDir(), t.TempDir()
	cfg := small(42)
	cfg.TillSales = 2
	_, err := Generate(context.Background(), cfg, online)
	require.NoError(t, err)
	cfg.TillStocked = true
	_, err = Generate(context.Background(), cfg, stocked)
	require.NoError(t, err)
	assert.Equal(t, hashes(t, online)[OrdersFile], hashes(t, stocked)[OrdersFile])

	// units sums a file's qty column (the last, or on_hand of the stock)
	// by kind of node (the id's "-s", "-d", "-w") and sign.
	units := func(dir, file string, col int) map[string]int {
		b, err := os.ReadFile(filepath.Join(dir, file))
		require.NoError(t, err)
		out := map[string]int{}
		for _, row := range strings.Split(strings.TrimSpace(string(b)), "\n")[1:] {
			f := strings.Split(row, ",")
			q, err := strconv.Atoi(f[col])
			require.NoError(t, err)
			kind := "other"
			for _, k := range []string{"-s", "-d", "-w"} {
				if strings.Contains(f[col-2], k) {
					kind = k
				}
			}
			if q < 0 {
				kind += " falls"
			}
			out[kind] += q
		}
		return out
	}
	for _, f := range []struct {
		file string
		col  int
	}{{StockFile, 2}, {ReplenishmentsFile, 3}} {
		a, b := units(online, f.file, f.col), units(stocked, f.file, f.col)
		t.Logf("%s: online %v, stocked %v", f.file, a, b)
		assert.Equal(t, a["-s falls"], b["-s falls"], f.file)
	}
	// A store's stock is at least two units and a safety unit a SKU, which
	// most SKUs' days at a store do not reach: about 1.6 times. Its
	// refills follow its days: about three times.
	a, b := units(online, StockFile, 2), units(stocked, StockFile, 2)
	assert.Greater(t, float64(b["-s"]), 1.4*float64(a["-s"]), "the stores' stock")
	assert.Equal(t, a["-d"], b["-d"], "the dark stores' stock")
	assert.Equal(t, a["other"], b["other"], "the warehouses' stock")
	a, b = units(online, ReplenishmentsFile, 3), units(stocked, ReplenishmentsFile, 3)
	assert.Greater(t, float64(b["-s"]), 2.2*float64(a["-s"]), "the stores' arrivals")
	assert.Less(t, float64(b["-s"]), 3.2*float64(a["-s"]), "the stores' arrivals")
	shelves := func(dir string) int {
		net, err := network.Load(filepath.Join(dir, NetworkFile))
		require.NoError(t, err)
		n := 0
		for _, nd := range net.Nodes {
			if nd.Kind == network.Store {
				n += nd.ShelfTotal
			}
		}
		return n
	}
	assert.Greater(t, shelves(stocked), shelves(online))

	cfg.TillSales = 0
	_, err = Generate(context.Background(), cfg, t.TempDir())
	assert.ErrorIs(t, err, ErrConfig)
}

// TestWriteOffs: --write-offs adds the stores' and dark stores' write-offs
// to the replenishments as falls of one unit marked adjustments, under a
// reason column that a replay reads; every other row is as it was, and
// the other files are the same bytes. Another profile is refused.
func TestWriteOffs(t *testing.T) {
	plain, offs := t.TempDir(), t.TempDir()
	cfg := small(42)
	cfg.TillSales = 0.5
	_, err := Generate(context.Background(), cfg, plain)
	require.NoError(t, err)
	cfg.WriteOffs = 0.2
	sum, err := Generate(context.Background(), cfg, offs)
	require.NoError(t, err)
	hp, ho := hashes(t, plain), hashes(t, offs)
	for _, f := range []string{NetworkFile, StockFile, OrdersFile} {
		assert.Equal(t, hp[f], ho[f], f)
	}
	read := func(dir string) []string {
		b, err := os.ReadFile(filepath.Join(dir, ReplenishmentsFile))
		require.NoError(t, err)
		return strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	rows := read(offs)
	assert.Equal(t, "at,node,sku,qty,reason", rows[0])
	var kept []string
	adjustments := 0
	for _, row := range rows[1:] {
		if strings.HasSuffix(row, ",-1,"+reasonAdjustment) {
			adjustments++
			f := strings.Split(row, ",")
			assert.True(t, strings.Contains(f[1], "-s") || strings.Contains(f[1], "-d"), "a store's or a dark store's: %s", row)
			continue
		}
		require.True(t, strings.HasSuffix(row, ","), row)
		kept = append(kept, strings.TrimSuffix(row, ","))
	}
	assert.Positive(t, adjustments)
	assert.Equal(t, read(plain)[1:], kept, "the other rows as they were")
	assert.Equal(t, len(rows)-1, sum.Replenishments)

	net, err := network.Load(filepath.Join(offs, NetworkFile))
	require.NoError(t, err)
	reps, err := simulate.ReadReplenishments(simulate.FileSource(filepath.Join(offs, ReplenishmentsFile)), net)
	require.NoError(t, err)
	n := 0
	for _, r := range reps {
		if r.Adjustment {
			n++
		}
	}
	assert.Equal(t, adjustments, n)
	assert.Equal(t, simulate.ReasonAdjustment, reasonAdjustment)

	_, err = Generate(context.Background(), Config{Profile: ProfileJasinSinha, Seed: 1, Warehouses: 3, SKUs: 10, Orders: 10, Days: 1, WriteOffs: 1}, t.TempDir())
	assert.ErrorIs(t, err, ErrConfig)
}
