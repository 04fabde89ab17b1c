package planning_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// BenchmarkPlan builds and solves the expected-demand LP of a generated
// dataset (the forecast from its whole history, a 24h horizon), in sizes.
func BenchmarkPlan(b *testing.B) {
	for _, size := range []struct {
		name string
		cfg  dataset.Config
	}{
		{"nodes=39/skus=100/orders=5000", dataset.Config{Seed: 2, Stores: 30, Warehouses: 3, DarkStores: 6, SKUs: 100, Orders: 5000, Days: 14}},
		{"nodes=146/skus=500/orders=50000", dataset.Config{Seed: 1, Stores: 120, Warehouses: 6, DarkStores: 20, SKUs: 500, Orders: 50000, Days: 28}},
	} {
		b.Run(size.name, func(b *testing.B) {
			in := benchInput(b, size.cfg)
			res, _, err := planning.Solve(context.Background(), in, lp.Settings{})
			if err != nil || res.Status != "optimal" {
				b.Fatalf("plan: %v", err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := planning.Solve(context.Background(), in, lp.Settings{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Rows), "rows")
			b.ReportMetric(float64(res.Cols), "cols")
		})
	}
}

func benchInput(b testing.TB, cfg dataset.Config) *planning.Input {
	b.Helper()
	cfg.Start = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	dir, net, table := generated(b, cfg)
	regions := forecast.NewRegions(net)
	est := forecast.NewEstimator(net, regions)
	if err := simulate.ObserveHistory(simulate.FileSource(filepath.Join(dir, dataset.OrdersFile)), false, est); err != nil {
		b.Fatal(err)
	}
	d := est.Estimate(time.Time{})
	return &planning.Input{Network: net, Regions: regions, Stock: table, Demand: d, At: d.To, Horizon: 24 * time.Hour}
}

// generated generates the dataset of cfg into a temporary directory and
// returns it with its network and stock.
func generated(b testing.TB, cfg dataset.Config) (string, *network.Network, *stock.Table) {
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
	defer f.Close()
	table, err := stock.ReadCSV(f, dataset.StockFile, net)
	if err != nil {
		b.Fatal(err)
	}
	return dir, net, table
}

// history is a generated dataset (generated) with its week of history
// seen: the orders seen (Seen, the latest first in Latest), the
// history's end and its rate of orders a day.
type history struct {
	dir    string
	net    *network.Network
	table  *stock.Table
	seen   planning.OrderWindow
	latest []network.Order
	end    time.Time
	rate   float64
}

// seenHistory generates cfg's dataset and observes its history.
func seenHistory(b testing.TB, cfg dataset.Config) *history {
	b.Helper()
	h := &history{}
	h.dir, h.net, h.table = generated(b, cfg)
	est := forecast.NewEstimator(h.net, forecast.NewRegions(h.net))
	observe := func(o *network.Order) { est.Observe(o); h.seen.Observe(o) }
	if err := simulate.ObserveOrders(simulate.FileSource(filepath.Join(h.dir, dataset.HistoryFile)), false, observe); err != nil {
		b.Fatal(err)
	}
	d := est.Estimate(time.Time{})
	h.end, h.rate, h.latest = d.To, float64(d.Orders)/d.Days, h.seen.Latest(nil)
	return h
}

// BenchmarkReplan solves the next plan of a replay, six hours on over
// stock that has sold (TestStartFromTheLastPlan's), cold and started from
// the last plan's basis (Model.StartFrom), the model built anew each time
// or rebuilt in place as a planner does (Model.Rebuild).
func BenchmarkReplan(b *testing.B) {
	in := benchInput(b, dataset.Config{Seed: 2, Stores: 30, Warehouses: 3, DarkStores: 6, SKUs: 100, Orders: 5000, Days: 14})
	first, _, err := planning.Solve(context.Background(), in, lp.Settings{})
	if err != nil {
		b.Fatal(err)
	}
	next := *in
	next.At = in.At.Add(6 * time.Hour)
	next.Stock = sold{in.Stock}
	for _, c := range []struct {
		name        string
		warm, reuse bool
	}{{"start=cold", false, false}, {"start=last", true, false}, {"start=last/rebuild", true, true}} {
		warm := c.warm
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var iterations int
			var kept planning.Model
			for b.Loop() {
				m := &kept
				var err error
				if c.reuse {
					err = m.Rebuild(&next)
				} else {
					m, err = planning.Build(&next)
				}
				if err != nil {
					b.Fatal(err)
				}
				var s lp.Settings
				if warm {
					s.Start = m.StartFrom(first)
				}
				res, err := m.Solve(context.Background(), &next, s)
				if err != nil {
					b.Fatal(err)
				}
				iterations = res.Iterations
			}
			b.ReportMetric(float64(iterations), "iterations")
		})
	}
}

// BenchmarkOrdersPlan prices the stock of a published-style dataset by a
// sample of its week of history (planning.ModelOrders): at the history's
// end, for the orders its rate says will come in the week after (at most
// planning.MaxPlanOrders, the stock scaled down), on the amil-makhdoumi-wei
// profile (25 order types), the jasin-sinha one (baskets drawn freely
// from 200 SKUs) and the larger amil-makhdoumi-wei setup (100 types of up
// to ten SKUs); its samples after the first solved one at a time and two
// at a time (OrderPlanner.Workers).
func BenchmarkOrdersPlan(b *testing.B) {
	for _, c := range []struct {
		name string
		cfg  dataset.Config
	}{
		{"profile=amil-makhdoumi-wei", dataset.AmilMakhdoumiWeiConfig()},
		{"profile=jasin-sinha", dataset.JasinSinhaConfig()},
		{"profile=amil-makhdoumi-wei-large", largeAMW()},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := seenHistory(b, c.cfg)
			for _, workers := range []int{1, 2} {
				b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
					op := planning.NewOrderPlanner(h.net)
					op.Workers = workers
					var plan *planning.OrdersPlan
					var err error
					b.ReportAllocs()
					for b.Loop() {
						if plan, err = op.Plan(context.Background(), h.table, h.latest, nil, h.end, h.end.Add(7*24*time.Hour), h.rate); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(plan.Orders), "orders")
					b.ReportMetric(float64(plan.Rounds), "rounds")
				})
			}
		})
	}
}

// largeAMW is the amil-makhdoumi-wei profile in the literature's larger
// setup: 100 SKUs in ten order types of each size from 1 to 10, carried
// with probability 0.5 and stocked half a standard deviation above the
// mean, 5,000 orders a week.
func largeAMW() dataset.Config {
	cfg := dataset.AmilMakhdoumiWeiConfig()
	cfg.SKUs, cfg.Orders = 100, 5000
	cfg.Shape = dataset.AMWShape{MaxSize: 10, TypesPerSize: 10, Carry: 0.5, SafetyZ: 0.5}
	return cfg
}

// BenchmarkOrdersReplan solves the plan by orders that follows another
// six hours on, as a replay's and a server's planners do: the history's
// week priced at its end, then the replay's first six hours of orders
// shipped (each line from the first node that holds it) and seen, and
// the next plan priced. Its first sample starts from no prices
// (start=none, OrderPlanner.Forget) or at the values the last plan's
// first sample ended on (start=last, the planner's default); two workers.
func BenchmarkOrdersReplan(b *testing.B) {
	for _, c := range []struct {
		name string
		cfg  dataset.Config
	}{
		{"profile=amil-makhdoumi-wei", dataset.AmilMakhdoumiWeiConfig()},
		{"profile=jasin-sinha", dataset.JasinSinhaConfig()},
	} {
		b.Run(c.name, func(b *testing.B) {
			h := seenHistory(b, c.cfg)
			table := h.table
			until := h.end.Add(7 * 24 * time.Hour)
			base := planning.NewOrderPlanner(h.net)
			base.Workers = 2
			if _, err := base.Plan(context.Background(), table, h.latest, nil, h.end, until, h.rate); err != nil {
				b.Fatal(err)
			}
			next := h.end.Add(6 * time.Hour)
			shipped := 0
			err := simulate.ObserveOrders(simulate.FileSource(filepath.Join(h.dir, dataset.OrdersFile)), false, func(o *network.Order) {
				if !o.CreatedAt.Before(next) {
					return
				}
				for _, l := range o.Lines {
					from := -1
					table.EachATP(l.SKU, func(node int, atp int32) {
						if from < 0 && atp >= l.Quantity {
							from = node
						}
					})
					if from >= 0 {
						if _, err := table.Ship(from, l.SKU, l.Quantity); err != nil {
							b.Fatal(err)
						}
						shipped += int(l.Quantity)
					}
				}
				h.seen.Observe(o)
			})
			if err != nil {
				b.Fatal(err)
			}
			latest := h.seen.Latest(nil)
			for _, start := range []string{"none", "last"} {
				b.Run("start="+start, func(b *testing.B) {
					var plan *planning.OrdersPlan
					b.ReportAllocs()
					for b.Loop() {
						op := *base
						if start == "none" {
							op.Forget()
						}
						var err error
						if plan, err = op.Plan(context.Background(), table, latest, nil, next, until, h.rate); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(plan.Rounds), "rounds")
					b.ReportMetric(float64(shipped), "shipped")
				})
			}
		})
	}
}

// pickOutlookInput is BenchmarkPickOutlook's network, its week of orders
// observed, the time it plans at and its arrivals.
func pickOutlookInput() (*network.Network, *planning.BoundPicks, time.Time, []planning.Arrival) {
	net := &network.Network{Policy: network.Policy{LostSaleCostPerUnit: 20, LostSaleCostPerOrder: 5}}
	for i := range 300 {
		net.Nodes = append(net.Nodes, network.Node{ID: fmt.Sprintf("s%03d", i), Kind: network.Store, Enabled: true,
			Methods: []solver.Method{solver.Pickup, solver.Courier}, CapacityPerDay: 10 + 10*(i%2), PickCostPerUnit: 0.35})
	}
	bp := &planning.BoundPicks{}
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for k := range 5000 {
		o := network.Order{CreatedAt: start.Add(time.Duration(k) * 7 * 24 * time.Hour / 5000),
			Lines: []solver.Line{{SKU: fmt.Sprintf("k%02d", k%50), Quantity: int32(1 + k%4)}, {SKU: "t", Quantity: 1}}}
		if k%10 == 0 {
			o.PickupNodeID = net.Nodes[(k*7)%300].ID
		}
		bp.Observe(&o)
	}
	at := start.Add(7*24*time.Hour + 9*time.Hour)
	var arrivals []planning.Arrival
	for _, after := range []time.Duration{6 * time.Hour, 30 * time.Hour} {
		for node := range 300 {
			for k := range 50 {
				arrivals = append(arrivals, planning.Arrival{At: at.Add(after), Node: node, SKU: fmt.Sprintf("k%02d", k), Qty: 4})
			}
		}
	}
	return net, bp, at, arrivals
}

// arrivalCase is a named set of arrivals of a benchmark.
type arrivalCase struct {
	name     string
	arrivals []planning.Arrival
}

// arrivalCases are the benchmarks' cases: no arrival, and arrivals.
func arrivalCases(arrivals []planning.Arrival) []arrivalCase {
	return []arrivalCase{{"arrivals=0", nil}, {fmt.Sprintf("arrivals=%d", len(arrivals)), arrivals}}
}

// BenchmarkPickOutlook prices the picks of the day of 300 stores that
// pick 10 or 20 units a day, after a week of 5,000 orders of 50 SKUs, one
// in ten a pickup naming one of them, and their stock over the 48 hours planned
// for: what each plan adds. With arrivals, each store gets 50 SKUs twice
// over those hours (30,000 arrivals), which end the spans of their stock.
func BenchmarkPickOutlook(b *testing.B) {
	net, bp, at, arrivals := pickOutlookInput()
	for _, c := range arrivalCases(arrivals) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if bp.Outlook(net, at, at.Add(48*time.Hour), c.arrivals) == nil {
					b.Fatal("no outlook")
				}
			}
		})
	}
}

// BenchmarkStockValue prices a unit of a store's stock, as a route does
// for each option and line, on the outlook of BenchmarkPickOutlook: with
// arrivals, most of its stores' SKUs have an entry of their own.
func BenchmarkStockValue(b *testing.B) {
	net, bp, at, arrivals := pickOutlookInput()
	for _, c := range arrivalCases(arrivals) {
		b.Run(c.name, func(b *testing.B) {
			out := bp.Outlook(net, at, at.Add(48*time.Hour), c.arrivals)
			skus := make([]string, 64)
			for k := range skus {
				skus[k] = fmt.Sprintf("k%02d", k)
			}
			b.ReportAllocs()
			var sum float64
			i := 0
			for b.Loop() {
				sum += out.StockValue(i%300, skus[i%64], int32(1+i%5), 1)
				i++
			}
			if sum < 0 {
				b.Fatal("negative value")
			}
		})
	}
}
