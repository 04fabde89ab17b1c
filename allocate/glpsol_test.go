package allocate

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/stock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// glpsolObjective solves an LP file with glpsol and returns its optimum;
// it skips without glpsol unless CI is set.
func glpsolObjective(t *testing.T, path string) float64 {
	t.Helper()
	glpsol, err := exec.LookPath("glpsol")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("glpsol not found and CI is set: install glpk-utils")
		}
		t.Skip("glpsol not found: install glpk-utils to cross-check the allocation LP")
	}
	sol := path + ".sol"
	out, err := exec.Command(glpsol, "--lp", path, "-w", sol).CombinedOutput()
	require.NoError(t, err, "glpsol: %s", out)
	f, err := os.Open(sol)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fs := strings.Fields(sc.Text()); len(fs) == 7 && fs[0] == "s" && fs[1] == "bas" {
			require.Equal(t, "f", fs[4], "glpsol: not primal feasible: %s", out)
			v, err := strconv.ParseFloat(fs[6], 64)
			require.NoError(t, err)
			return v
		}
	}
	t.Fatalf("glpsol wrote no solution: %s", out)
	return 0
}

// TestModelAgainstGlpsol: the LP that --lp-out writes, every SKU of a
// generated network, has glpsol's optimum, and it is the plan's
// objective.
func TestModelAgainstGlpsol(t *testing.T) {
	dir := t.TempDir()
	cfg := dataset.Config{Seed: 3, Stores: 8, Warehouses: 2, DarkStores: 2, SKUs: 25, Orders: 2000, Days: 14}
	_, err := dataset.Generate(context.Background(), cfg, dir)
	require.NoError(t, err)
	net, err := network.Load(filepath.Join(dir, dataset.NetworkFile))
	require.NoError(t, err)
	sf, err := os.Open(filepath.Join(dir, dataset.StockFile))
	require.NoError(t, err)
	table, err := stock.ReadCSV(sf, "stock.csv", net)
	sf.Close()
	require.NoError(t, err)
	res, err := Plan(context.Background(), Input{
		Network: net, Stock: table, History: simulate.FileSource(filepath.Join(dir, dataset.OrdersFile)),
		At: dataset.DefaultConfig().Start.AddDate(0, 0, 10), KeepModel: true, Workers: 2, Windows: -1,
	})
	require.NoError(t, err)
	require.NotNil(t, res.Model)
	assert.Equal(t, res.Rows, res.Model.NumRows())
	assert.Equal(t, res.Cols, res.Model.NumVars())
	path := filepath.Join(dir, "allocate.lp")
	f, err := os.Create(path)
	require.NoError(t, err)
	require.NoError(t, res.Model.WriteLP(f))
	require.NoError(t, f.Close())
	want := glpsolObjective(t, path)
	assert.InDelta(t, want, res.Objective, 1e-6*max(1, want))
	// The plan moves something on this network, and stays within what
	// the model expected (no replay judges it here).
	assert.Positive(t, res.UnitsMoved)
	assert.LessOrEqual(t, res.ExpectedCostAfter, res.ExpectedCostBefore)
}
