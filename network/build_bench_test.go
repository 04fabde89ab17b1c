package network_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// datasetNetwork generates a network and stock like `omniroute gen` does
// (Kazakhstan's cities, 500 SKUs) with the given node counts.
func datasetNetwork(tb testing.TB, stores, warehouses, darkStores int) (*network.Network, *stock.Table) {
	tb.Helper()
	dir := tb.TempDir()
	cfg := dataset.Config{Seed: 1, Stores: stores, Warehouses: warehouses, DarkStores: darkStores, SKUs: 500, Orders: 1, Days: 1}
	if _, err := dataset.Generate(context.Background(), cfg, dir); err != nil {
		tb.Fatal(err)
	}
	net, err := network.Load(filepath.Join(dir, dataset.NetworkFile))
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, dataset.StockFile))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	st, err := stock.ReadCSV(f, dataset.StockFile, net)
	if err != nil {
		tb.Fatal(err)
	}
	return net, st
}

// tableSKUs lists the SKUs the table has rows for, sorted.
func tableSKUs(st *stock.Table) []string {
	var skus []string
	seen := map[string]bool{}
	for _, r := range st.Snapshot() {
		if !seen[r.SKU] {
			seen[r.SKU] = true
			skus = append(skus, r.SKU)
		}
	}
	slices.Sort(skus)
	return skus
}

// BenchmarkBuildModes compares Build with BuildEligible and with
// BuildExplained listing the 20 nearest exclusions (a route's default) over a fixed mix
// of 256 random orders (delivery, pickup, express promises) on the demo
// network and on generated networks of 300 and 1,000 nodes. ns/op is per
// order.
func BenchmarkBuildModes(b *testing.B) {
	dn, dst := demo(b)
	n300, st300 := datasetNetwork(b, 250, 10, 40)
	n1000, st1000 := datasetNetwork(b, 850, 30, 120)
	for _, c := range []struct {
		name string
		net  *network.Network
		st   *stock.Table
	}{{"demo", dn, dst}, {"gen300", n300, st300}, {"gen1000", n1000, st1000}} {
		rng := rand.New(rand.NewPCG(7, 7))
		skus := tableSKUs(c.st)
		orders := make([]*network.Order, 256)
		for i := range orders {
			orders[i] = randomOrder(rng, c.net, skus, i)
		}
		for _, mode := range []string{"full", "lean", "explained"} {
			b.Run(fmt.Sprintf("net=%s/nodes=%d/mode=%s", c.name, len(c.net.Nodes), mode), func(b *testing.B) {
				bl := network.NewBuilder(c.net, nil)
				build := bl.Build
				var ex network.Explanation
				switch mode {
				case "lean":
					build = bl.BuildEligible
				case "explained":
					build = func(o *network.Order, st network.StockView, capa network.CapacityView, p *solver.Problem) error {
						return bl.BuildExplained(o, st, capa, p, 20, &ex)
					}
				}
				var p solver.Problem
				for _, o := range orders {
					require.NoError(b, build(o, c.st, c.st, &p))
				}
				var options int
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					if err := build(orders[i%len(orders)], c.st, c.st, &p); err != nil {
						b.Fatal(err)
					}
					options += len(p.Options)
					i++
				}
				b.ReportMetric(float64(options)/float64(i), "options/order")
			})
		}
	}
}
