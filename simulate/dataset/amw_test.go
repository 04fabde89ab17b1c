package dataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// smallAMW is a small amil-makhdoumi-wei dataset's config.
func smallAMW() Config {
	cfg := AmilMakhdoumiWeiConfig()
	cfg.Orders, cfg.Regions, cfg.HistoryDays = 800, 40, 2
	return cfg
}

// TestAmilMakhdoumiWeiProfile: warehouses only, shipping parcels at the
// Jasin & Sinha rates; the files load with the network, stock and order
// readers; every order is one of at most 25 types of 1 to 5 SKUs, one
// unit each; the stock is the expected demand rounded up at the carrying
// warehouses; lost sales are priced as a dummy warehouse at twice the
// costs; the same seed gives the same bytes.
func TestAmilMakhdoumiWeiProfile(t *testing.T) {
	cfg := smallAMW()
	a, b := t.TempDir(), t.TempDir()
	sum, err := Generate(context.Background(), cfg, a)
	require.NoError(t, err)
	_, err = Generate(context.Background(), cfg, b)
	require.NoError(t, err)
	assert.Equal(t, hashes(t, a), hashes(t, b))
	assert.Equal(t, fileSum(t, filepath.Join(a, HistoryFile)), fileSum(t, filepath.Join(b, HistoryFile)))
	assert.Equal(t, 10, sum.Nodes)
	assert.Equal(t, 20, sum.SKUs)
	assert.Equal(t, 800, sum.Orders)
	assert.Equal(t, 229, sum.HistoryOrders, "800 orders in 7 days: 229 in 2")
	assert.Zero(t, sum.Replenishments)
	rep, err := os.ReadFile(filepath.Join(a, ReplenishmentsFile))
	require.NoError(t, err)
	assert.Equal(t, "at,node,sku,qty\n", string(rep))

	net, err := network.Load(filepath.Join(a, NetworkFile))
	require.NoError(t, err)
	for _, n := range net.Nodes {
		assert.Equal(t, network.Warehouse, n.Kind)
		assert.Equal(t, []solver.Method{solver.WarehouseShip}, n.Methods)
	}
	require.Len(t, net.Carriers, 1)
	c := net.Carriers[0]
	assert.Equal(t, network.JasinSinhaPerPackage, c.PerPackage)
	assert.Equal(t, network.JasinSinhaPerItem, c.PerItem)
	assert.Equal(t, network.JasinSinhaPerItemPerMile, c.PerItemPerMile)
	assert.Equal(t, jsParcelCarrier().Transit, c.Transit)
	assert.Equal(t, 5, net.Policy.DefaultMaxShipment)
	assert.Equal(t, int(jsTZ.Minutes()), net.Policy.TZOffsetMinutes)
	assert.InDelta(t, 17.518, net.Policy.LostSaleCostPerOrder, 1e-12)

	// Stock: the expected units of the horizon, each carrier's share
	// rounded up.
	f, err := os.Open(filepath.Join(a, StockFile))
	require.NoError(t, err)
	defer f.Close()
	table, err := stock.ReadCSV(f, StockFile, net)
	require.NoError(t, err)
	rows := table.Snapshot()
	assert.Len(t, rows, sum.StockRows)
	var units float64
	stocked := map[string]bool{}
	for _, r := range rows {
		units += float64(r.OnHand)
		assert.Positive(t, r.OnHand)
		stocked[r.SKU] = true
	}
	m, err := newAMWModel(cfg)
	require.NoError(t, err)
	var perOrder float64
	inTypes := map[string]bool{}
	for _, ty := range m.types {
		perOrder += ty.prob * float64(len(ty.skus))
		for _, s := range ty.skus {
			inTypes[m.skus[s].id] = true
		}
	}
	expected := float64(cfg.Orders) * perOrder
	assert.GreaterOrEqual(t, units, expected-1e-6, "stock covers the expected units")
	assert.LessOrEqual(t, units, expected+float64(len(rows)), "each row rounded up once")
	assert.Equal(t, inTypes, stocked, "every SKU of a type is stocked, and no other")

	// Orders: the types, their lines and their lost sales.
	of, err := os.Open(filepath.Join(a, OrdersFile))
	require.NoError(t, err)
	defer of.Close()
	or, err := simulate.NewOrderReader(of, OrdersFile, false)
	require.NoError(t, err)
	types := map[string]bool{}
	sizes := map[int]map[string]bool{}
	lo, hi := 2*network.JasinSinhaPerItem, 2*(network.JasinSinhaPerItem+network.JasinSinhaPerItemPerMile*5000)
	orders, lines := 0, 0
	for {
		o, err := or.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		orders++
		_, err = net.ValidateOrder(o)
		require.NoError(t, err, o.ID)
		assert.True(t, strings.HasPrefix(o.ID, "A"), o.ID)
		assert.True(t, o.AllowSplit)
		assert.True(t, o.PromiseBy.IsZero())
		require.NotEmpty(t, o.Lines)
		require.LessOrEqual(t, len(o.Lines), 5)
		var ids []string
		for _, l := range o.Lines {
			lines++
			assert.Equal(t, int32(1), l.Quantity)
			assert.Positive(t, l.UnitWeightKg)
			assert.GreaterOrEqual(t, l.LostSaleCost, lo, o.ID)
			assert.LessOrEqual(t, l.LostSaleCost, hi, o.ID)
			assert.Equal(t, o.Lines[0].LostSaleCost, l.LostSaleCost, "one city, one price: %s", o.ID)
			ids = append(ids, l.SKU)
		}
		require.True(t, slices.IsSorted(ids), o.ID)
		require.Len(t, slices.Compact(slices.Clone(ids)), len(ids), "distinct SKUs: %s", o.ID)
		key := strings.Join(ids, "+")
		types[key] = true
		if sizes[len(ids)] == nil {
			sizes[len(ids)] = map[string]bool{}
		}
		sizes[len(ids)][key] = true
	}
	assert.Equal(t, 800, orders)
	assert.Equal(t, sum.Lines, lines)
	assert.LessOrEqual(t, len(types), 25)
	assert.Greater(t, len(types), 15, "most types are ordered")
	for n, set := range sizes {
		assert.LessOrEqual(t, len(set), 5, "types of size %d", n)
	}
	assert.Greater(t, float64(lines)/float64(orders), 1.5, "multi-item orders")
}

// TestAmilMakhdoumiWeiTypes: five distinct sets per size of 1 to 5 SKUs,
// all of them when there are fewer, with probabilities summing to one.
func TestAmilMakhdoumiWeiTypes(t *testing.T) {
	for _, tc := range []struct {
		skus  int
		sizes []int // types of each size 1..5
	}{
		{20, []int{5, 5, 5, 5, 5}},
		{6, []int{5, 5, 5, 5, 5}},
		{5, []int{5, 5, 5, 5, 1}},
		{4, []int{4, 5, 4, 1, 0}},
		{3, []int{3, 3, 1, 0, 0}},
		{1, []int{1, 0, 0, 0, 0}},
	} {
		cfg := AmilMakhdoumiWeiConfig()
		types := amwDrawTypes(cfg.rng(amwTypeStream), tc.skus, AMWDefaultShape())
		got := make([]int, 5)
		seen := map[string]bool{}
		var total float64
		for _, ty := range types {
			got[len(ty.skus)-1]++
			assert.True(t, slices.IsSorted(ty.skus))
			assert.Len(t, slices.Compact(slices.Clone(ty.skus)), len(ty.skus))
			assert.GreaterOrEqual(t, ty.skus[0], 0)
			assert.Less(t, ty.skus[len(ty.skus)-1], tc.skus)
			key := fmt.Sprint(ty.skus)
			assert.False(t, seen[key], "type %v twice", ty.skus)
			seen[key] = true
			assert.Positive(t, ty.prob)
			total += ty.prob
		}
		assert.Equal(t, tc.sizes, got, "%d SKUs", tc.skus)
		assert.InDelta(t, 1, total, 1e-9)
	}
}

// TestAmilMakhdoumiWeiStock: each SKU of a type is stocked for its
// expected units over the horizon, up to a rounding per row, at
// warehouses each the nearest of them to some city; a city's lost-sale
// cost is twice a unit's cost from its farthest warehouse.
func TestAmilMakhdoumiWeiStock(t *testing.T) {
	cfg := smallAMW()
	m, err := newAMWModel(cfg)
	require.NoError(t, err)
	rows := m.stock(cfg.rng(amwStockStream), cfg.Orders)
	require.True(t, slices.IsSortedFunc(rows, func(a, b stockRow) int {
		if a.node != b.node {
			return a.node - b.node
		}
		return a.sku - b.sku
	}))
	perSKU := map[int]float64{}
	rowsOf := map[int]int{}
	at := map[int][]int{}
	for _, r := range rows {
		perSKU[r.sku] += float64(r.qty)
		rowsOf[r.sku]++
		at[r.sku] = append(at[r.sku], r.node)
	}
	// A warehouse given demand is the nearest carrier of some city, so
	// the nearest of the stocked ones to that city.
	for s, nodes := range at {
		for _, w := range nodes {
			nearest := false
			for _, c := range m.cities {
				best := slices.MinFunc(nodes, func(a, b int) int {
					da := geo.DistanceKm(c.lat, c.lon, m.net.Nodes[a].Lat, m.net.Nodes[a].Lon)
					db := geo.DistanceKm(c.lat, c.lon, m.net.Nodes[b].Lat, m.net.Nodes[b].Lon)
					switch {
					case da < db:
						return -1
					case da > db:
						return 1
					}
					return a - b
				})
				nearest = nearest || best == w
			}
			assert.True(t, nearest, "SKU %d at warehouse %d, the nearest to no city", s, w)
		}
	}
	for _, ty := range m.types {
		for _, s := range ty.skus {
			var d float64
			for _, u := range m.types {
				if slices.Contains(u.skus, s) {
					d += u.prob
				}
			}
			want := float64(cfg.Orders) * d
			assert.GreaterOrEqual(t, perSKU[s], want-1e-6, "SKU %d", s)
			assert.LessOrEqual(t, perSKU[s], want+float64(rowsOf[s]), "SKU %d", s)
		}
	}
	for c, city := range m.cities {
		var far float64
		for _, nd := range m.net.Nodes {
			far = max(far, geo.DistanceKm(city.lat, city.lon, nd.Lat, nd.Lon)/geo.KmPerMile)
		}
		assert.InDelta(t, 2*(0.423+0.000541*far), m.lostSale[c], 1e-4)
	}
}

// TestAmilMakhdoumiWeiShape: the larger published setup, 100 SKUs in
// ten types of each size from 1 to 10, each warehouse carrying a SKU with
// probability 0.25 and holding half a standard deviation above the mean:
// the types, the network's most parcels an order may ship in, fewer
// carriers than at the profile's 0.75, and more stock at each carrier
// than the mean demand rounded up. A shape is refused for another
// profile and out of range.
func TestAmilMakhdoumiWeiShape(t *testing.T) {
	base := smallAMW()
	base.SKUs = 100
	big := base
	big.Shape = AMWShape{MaxSize: 10, TypesPerSize: 10, Carry: 0.25, SafetyZ: 0.5}
	m, err := newAMWModel(big)
	require.NoError(t, err)
	assert.Equal(t, 10, m.net.Policy.DefaultMaxShipment)
	sizes := make([]int, 10)
	for _, ty := range m.types {
		sizes[len(ty.skus)-1]++
	}
	assert.Equal(t, []int{10, 10, 10, 10, 10, 10, 10, 10, 10, 10}, sizes)

	// The same draws at a safety of 0: the mean rounded up at each row.
	mean := big
	mean.Shape.SafetyZ = 0
	m0, err := newAMWModel(mean)
	require.NoError(t, err)
	rows := m.stock(big.rng(amwStockStream), big.Orders)
	rows0 := m0.stock(mean.rng(amwStockStream), mean.Orders)
	require.Len(t, rows, len(rows0), "the same carriers")
	for i := range rows {
		require.Equal(t, rows0[i].node, rows[i].node)
		require.Equal(t, rows0[i].sku, rows[i].sku)
		assert.GreaterOrEqual(t, rows[i].qty, rows0[i].qty, "row %d", i)
	}
	var total, total0 int
	for i := range rows {
		total, total0 = total+rows[i].qty, total0+rows0[i].qty
	}
	assert.Greater(t, total, total0)

	wide := base
	wide.Shape = AMWShape{MaxSize: 10, TypesPerSize: 10}
	mw, err := newAMWModel(wide)
	require.NoError(t, err)
	assert.Less(t, len(rows), len(mw.stock(wide.rng(amwStockStream), wide.Orders)), "carry 0.25 stocks fewer (warehouse, SKU) than 0.75")

	for _, bad := range []Config{
		func() Config { c := JasinSinhaConfig(); c.Shape.Carry = 0.5; return c }(),
		func() Config { c := base; c.Shape.Carry = 1.5; return c }(),
		func() Config { c := base; c.Shape.SafetyZ = -1; return c }(),
		func() Config { c := base; c.Shape.MaxSize = -1; return c }(),
	} {
		assert.ErrorIs(t, bad.check(), ErrConfig, "%+v", bad.Shape)
	}
}

// TestAmilMakhdoumiWeiHistory: the history is drawn from a stream of its
// own, so writing it changes none of the replay's files; its orders come
// before the replay, at the replay's daily rate.
func TestAmilMakhdoumiWeiHistory(t *testing.T) {
	cfg := smallAMW()
	a, none := t.TempDir(), t.TempDir()
	_, err := Generate(context.Background(), cfg, a)
	require.NoError(t, err)
	cfg.HistoryDays = 0
	_, err = Generate(context.Background(), cfg, none)
	require.NoError(t, err)
	assert.Equal(t, hashes(t, none), hashes(t, a), "the replay's files do not depend on the history")
	assert.NoFileExists(t, filepath.Join(none, HistoryFile))

	h, err := os.ReadFile(filepath.Join(a, HistoryFile))
	require.NoError(t, err)
	o, err := os.ReadFile(filepath.Join(a, OrdersFile))
	require.NoError(t, err)
	hr := strings.Split(strings.TrimSpace(string(h)), "\n")[1:]
	or := strings.Split(strings.TrimSpace(string(o)), "\n")[1:]
	last, first := strings.Split(hr[len(hr)-1], ",")[1], strings.Split(or[0], ",")[1]
	assert.Less(t, last, first, "the history ends before the replay starts")
	assert.True(t, strings.HasPrefix(hr[0], "H"))

	// The seed decides everything.
	cfg.Seed = 2
	other := t.TempDir()
	_, err = Generate(context.Background(), cfg, other)
	require.NoError(t, err)
	for f, h := range hashes(t, other) {
		if f != ReplenishmentsFile {
			assert.NotEqual(t, hashes(t, none)[f], h, "%s is the same for seeds 1 and 2", f)
		}
	}

	cfg.Warehouses = 0
	cfg.Stores = 3
	_, err = Generate(context.Background(), cfg, t.TempDir())
	assert.ErrorIs(t, err, ErrConfig, "no warehouse")
}

// jasinSinhaGolden is the sha256 of the small jasin-sinha dataset of
// TestJasinSinhaUnchanged as the code wrote it before the
// amil-makhdoumi-wei profile shared its helpers.
const jasinSinhaGolden = "b83cc2fb46ea62238e11e56079e356c9b3fee1ecd5731649184e7e4eb6a6ca57"

// TestJasinSinhaUnchanged: the jasin-sinha profile writes the same bytes
// as before the amil-makhdoumi-wei profile was added. The floating-point
// results may differ where the compiler fuses multiply-adds (arm64,
// ppc64, s390x), so the hash is checked on amd64 only.
func TestJasinSinhaUnchanged(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the golden hash was recorded on amd64, not %s", runtime.GOARCH)
	}
	cfg := JasinSinhaConfig()
	cfg.Orders, cfg.SKUs, cfg.Regions, cfg.HistoryDays = 300, 40, 30, 2
	dir := t.TempDir()
	_, err := Generate(context.Background(), cfg, dir)
	require.NoError(t, err)
	h := sha256.New()
	for _, f := range []string{NetworkFile, StockFile, OrdersFile, HistoryFile, ReplenishmentsFile} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		require.NoError(t, err)
		h.Write([]byte(f))
		h.Write(b)
	}
	assert.Equal(t, jasinSinhaGolden, hex.EncodeToString(h.Sum(nil)))
}

// fileSum is the sha256 of a file, in hex.
func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
