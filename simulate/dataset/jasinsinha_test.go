package dataset

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// TestJasinSinhaProfile: warehouses only, shipping parcels at the Jasin &
// Sinha rates, customers in the given number of cities, multi-item orders
// with every line priced, stock a little short of demand, no
// replenishment; the same seed gives the same bytes.
func TestJasinSinhaProfile(t *testing.T) {
	cfg := JasinSinhaConfig()
	cfg.Orders, cfg.SKUs, cfg.Regions = 600, 60, 40
	a, b := t.TempDir(), t.TempDir()
	sum, err := Generate(context.Background(), cfg, a)
	require.NoError(t, err)
	_, err = Generate(context.Background(), cfg, b)
	require.NoError(t, err)
	assert.Equal(t, hashes(t, a), hashes(t, b))
	assert.Equal(t, 10, sum.Nodes)
	assert.Equal(t, 600, sum.Orders)
	assert.Zero(t, sum.Replenishments)

	net, err := network.Load(filepath.Join(a, NetworkFile))
	require.NoError(t, err)
	for _, n := range net.Nodes {
		assert.Equal(t, network.Warehouse, n.Kind)
		assert.Equal(t, []solver.Method{solver.WarehouseShip}, n.Methods)
	}
	require.Len(t, net.Carriers, 1)
	assert.Equal(t, network.JasinSinhaPerPackage, net.Carriers[0].PerPackage)
	assert.Positive(t, net.Policy.LostSaleCostPerOrder)

	f, err := os.Open(filepath.Join(a, StockFile))
	require.NoError(t, err)
	defer f.Close()
	table, err := stock.ReadCSV(f, StockFile, net)
	require.NoError(t, err)
	var units int64
	for _, r := range table.Snapshot() {
		units += int64(r.OnHand)
	}

	orders, err := os.ReadFile(filepath.Join(a, OrdersFile))
	require.NoError(t, err)
	rows := strings.Split(strings.TrimSpace(string(orders)), "\n")[1:]
	assert.Equal(t, sum.Lines, len(rows))
	assert.Greater(t, float64(sum.Lines)/float64(sum.Orders), 1.5, "multi-item orders")
	assert.Less(t, units, int64(sum.Lines), "stock is a little short of demand")
	assert.Greater(t, units, int64(sum.Lines)*8/10)
	cities := map[string]bool{}
	for _, r := range rows {
		f := strings.Split(r, ",")
		assert.Equal(t, "delivery", f[6])
		assert.Equal(t, "true", f[10])
		assert.NotEmpty(t, f[11], "every line priced")
		cities[f[2][:4]+f[3][:5]] = true
	}
	assert.Greater(t, len(cities), 10, "customers spread over many cities")

	_, err = Generate(context.Background(), Config{Profile: "other", Warehouses: 1, SKUs: 1, Days: 1}, t.TempDir())
	assert.ErrorIs(t, err, ErrConfig)
}

// TestJasinSinhaHistory: the history holds orders of the same demand at
// the same daily rate over the days before Start, every one before it;
// writing it changes none of the replay's files, and the same seed gives
// the same history.
func TestJasinSinhaHistory(t *testing.T) {
	cfg := JasinSinhaConfig()
	cfg.Orders, cfg.Days, cfg.SKUs, cfg.Regions, cfg.HistoryDays = 400, 2, 60, 40, 3
	a, b, none := t.TempDir(), t.TempDir(), t.TempDir()
	sum, err := Generate(context.Background(), cfg, a)
	require.NoError(t, err)
	assert.Equal(t, 600, sum.HistoryOrders, "400 orders in 2 days: 600 in 3")
	_, err = Generate(context.Background(), cfg, b)
	require.NoError(t, err)
	ha, err := os.ReadFile(filepath.Join(a, HistoryFile))
	require.NoError(t, err)
	hb, err := os.ReadFile(filepath.Join(b, HistoryFile))
	require.NoError(t, err)
	assert.Equal(t, ha, hb, "the same seed, the same history")

	cfg.HistoryDays = 0
	_, err = Generate(context.Background(), cfg, none)
	require.NoError(t, err)
	assert.Equal(t, hashes(t, none), hashes(t, a), "the replay's files do not depend on the history")
	assert.NoFileExists(t, filepath.Join(none, HistoryFile))

	rows := strings.Split(strings.TrimSpace(string(ha)), "\n")
	require.Equal(t, OrdersHeader, rows[0])
	ids := map[string]bool{}
	for i, row := range rows[1:] {
		f := strings.Split(row, ",")
		at, err := time.Parse(time.RFC3339, f[1])
		require.NoError(t, err, "row %d", i+2)
		assert.True(t, at.Before(cfg.Start.Add(-jsTZ)), "row %d: %s is not before the replay", i+2, f[1])
		assert.True(t, !at.Before(cfg.Start.Add(-jsTZ-72*time.Hour)), "row %d: %s is more than 3 days before", i+2, f[1])
		assert.True(t, strings.HasPrefix(f[0], "H"), "row %d", i+2)
		ids[f[0]] = true
	}
	assert.Len(t, ids, 600)

	cfg.Profile, cfg.HistoryDays = ProfileDefault, 2
	_, err = Generate(context.Background(), cfg, t.TempDir())
	assert.ErrorIs(t, err, ErrConfig, "the default profile writes no history")
}
