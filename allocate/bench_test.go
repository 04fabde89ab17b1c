package allocate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/stock"
)

// benchInput generates a dataset of the given size and plans at its
// third week for the fourth.
func benchInput(b *testing.B, cfg dataset.Config) Input {
	b.Helper()
	dir := b.TempDir()
	if _, err := dataset.Generate(context.Background(), cfg, dir); err != nil {
		b.Fatal(err)
	}
	net, err := network.Load(filepath.Join(dir, dataset.NetworkFile))
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, dataset.StockFile))
	if err != nil {
		b.Fatal(err)
	}
	table, err := stock.ReadCSV(f, "stock.csv", net)
	f.Close()
	if err != nil {
		b.Fatal(err)
	}
	arrivals, err := simulate.ReadArrivals(simulate.FileSource(filepath.Join(dir, dataset.ReplenishmentsFile)), net)
	if err != nil {
		b.Fatal(err)
	}
	return Input{
		Network: net, Stock: table, History: simulate.FileSource(filepath.Join(dir, dataset.OrdersFile)),
		Arrivals: arrivals, At: dataset.DefaultConfig().Start.AddDate(0, 0, 21), Horizon: DefaultHorizon,
	}
}

// BenchmarkPlan: a whole allocation (forecast, pricing, LPs, repair,
// evaluation) on generated networks of 50 and 300 nodes, 500 SKUs, a
// 7-day horizon after three weeks of history.
func BenchmarkPlan(b *testing.B) {
	for _, size := range []struct{ stores, warehouses, dark, orders int }{{40, 4, 6, 20_000}, {250, 10, 40, 100_000}} {
		nodes := size.stores + size.warehouses + size.dark
		b.Run(fmt.Sprintf("nodes=%d/skus=500/horizon=7d", nodes), func(b *testing.B) {
			in := benchInput(b, dataset.Config{Seed: 1, Stores: size.stores, Warehouses: size.warehouses, DarkStores: size.dark, SKUs: 500, Orders: size.orders, Days: 28})
			var res *Result
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				var err error
				if res, err = Plan(context.Background(), in); err != nil {
					b.Fatal(err)
				}
			}
			if res.ExpectedCostAfter > res.ExpectedCostBefore || res.Cols == 0 {
				b.Fatalf("a plan that costs more than none: %+v", res)
			}
			b.ReportMetric(float64(res.Cols), "cols")
			b.ReportMetric(float64(res.Rows), "rows")
			b.ReportMetric(float64(res.UnitsMoved), "units_moved")
		})
	}
}
