package dataset

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
