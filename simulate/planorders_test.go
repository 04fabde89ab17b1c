package simulate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/stock"
)

// TestPlanAutoChooses: PlanAuto plans over the orders on a small
// amil-makhdoumi-wei replay, whose orders come in a few types, and on a
// jasin-sinha one of 20 SKUs and 1,000 orders, whose baskets do not
// repeat but ask for each SKU often (both cheaper than planning by
// demand); and by demand on a jasin-sinha one of 200 SKUs, whose orders
// ask for each SKU a few times (the same cost as by demand, figure for
// figure).
func TestPlanAutoChooses(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("replays with plans")
	}
	amw := dataset.AmilMakhdoumiWeiConfig()
	amw.Orders, amw.Days, amw.Regions = 1000, 2, 40
	sparse := dataset.JasinSinhaConfig()
	sparse.SKUs, sparse.Orders, sparse.Days, sparse.Regions = 200, 400, 2, 40
	dense := sparse
	dense.SKUs, dense.Orders = 20, 1000
	for _, c := range []struct {
		name   string
		gen    dataset.Config
		chosen string
	}{
		{"amil-makhdoumi-wei", amw, PlanOrders},
		{"jasin-sinha, 20 SKUs", dense, PlanOrders},
		{"jasin-sinha, 200 SKUs", sparse, PlanDemand},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := genReplay(t, c.gen)
			cfg.History = historyBeside(cfg.Orders)
			cfg.SeasonAtReplayEnd, cfg.Bound = true, false
			cfg.Policies = []string{"lookahead"}
			total := map[string]float64{}
			for _, model := range []string{PlanDemand, PlanAuto} {
				cfg.PlanModel, cfg.PlanInterval, cfg.PlanSamples = model, 0, testPlanSamples
				res, err := Run(context.Background(), cfg)
				require.NoError(t, err)
				r := res.Results[0]
				total[model] = r.TotalWithLost
				if model == PlanAuto {
					assert.Equal(t, c.chosen, r.PlanModel, c.name)
				}
			}
			t.Logf("%s: %v", c.name, total)
			if c.chosen == PlanOrders {
				assert.Less(t, total[PlanAuto], total[PlanDemand], c.name)
			} else {
				assert.Equal(t, total[PlanDemand], total[PlanAuto], c.name)
			}
		})
	}
}

// TestPlanAutoCountsArrivals: on a small amil-makhdoumi-wei replay whose
// stock comes half at the start and half a day in, PlanAuto still plans
// over the orders (they repeat), counting the arrival, and costs less
// than planning by demand.
func TestPlanAutoCountsArrivals(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("replays with plans")
	}
	gen := dataset.AmilMakhdoumiWeiConfig()
	gen.Orders, gen.Days, gen.Regions = 1000, 2, 40
	dir := t.TempDir()
	_, err := dataset.Generate(context.Background(), gen, dir)
	require.NoError(t, err)
	// Half of each stock row now, the rest a day in.
	body, err := os.ReadFile(filepath.Join(dir, dataset.StockFile))
	require.NoError(t, err)
	stockCSV, reps := []string{"node,sku,on_hand,safety_stock"}, []string{"at,node,sku,qty"}
	arrive := gen.Start.Add(24 * time.Hour).UTC().Format(time.RFC3339)
	for _, row := range strings.Split(strings.TrimSpace(string(body)), "\n")[1:] {
		f := strings.Split(row, ",")
		q, err := strconv.Atoi(f[2])
		require.NoError(t, err)
		stockCSV = append(stockCSV, fmt.Sprintf("%s,%s,%d,0", f[0], f[1], q/2))
		if q-q/2 > 0 {
			reps = append(reps, fmt.Sprintf("%s,%s,%s,%d", arrive, f[0], f[1], q-q/2))
		}
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, dataset.StockFile), []byte(strings.Join(stockCSV, "\n")+"\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, dataset.ReplenishmentsFile), []byte(strings.Join(reps, "\n")+"\n"), 0o644))
	net, err := network.Load(filepath.Join(dir, dataset.NetworkFile))
	require.NoError(t, err)
	total := map[string]float64{}
	for _, model := range []string{PlanDemand, PlanAuto} {
		f, err := os.Open(filepath.Join(dir, dataset.StockFile))
		require.NoError(t, err)
		table, err := stock.ReadCSV(f, dataset.StockFile, net)
		f.Close()
		require.NoError(t, err)
		cfg := Config{Network: net, Stock: table, Orders: FileSource(filepath.Join(dir, dataset.OrdersFile)),
			Replenishments: FileSource(filepath.Join(dir, dataset.ReplenishmentsFile)), History: FileSource(filepath.Join(dir, dataset.HistoryFile)),
			SeasonAtReplayEnd: true, Policies: []string{"lookahead"}, PlanModel: model, PlanSamples: testPlanSamples}
		res, err := Run(context.Background(), cfg)
		require.NoError(t, err)
		r := res.Results[0]
		total[model] = r.TotalWithLost
		if model == PlanAuto {
			assert.Equal(t, PlanOrders, r.PlanModel, "an arrival due does not keep auto from the orders")
		}
	}
	t.Logf("%v", total)
	assert.Less(t, total[PlanAuto], total[PlanDemand])
}

// testPlanSamples is how many samples the replays of these tests average
// a plan by orders over: two, which takes the averaging's path at two
// fifths of the default's time (the race detector slows the Lagrangian
// rounds tenfold); planning's tests cover the default.
const testPlanSamples = 2
