package policy

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/solver/solvertest"
)

// nodePrices prices every unit of every SKU at every node (a worst case
// for the look-up: no price is 0).
type nodePrices map[string][]float64

func (m nodePrices) Price(node int, sku string) float64 {
	row := m[sku]
	if node < 0 || node >= len(row) {
		return 0
	}
	return row[node]
}

// BenchmarkChooseLookahead compares one order's solve by optimal and by
// lookahead with a price on every (node, SKU) of generated problems.
func BenchmarkChooseLookahead(b *testing.B) {
	net, err := network.Demo()
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []struct{ nodes, lines int }{{20, 3}, {200, 5}} {
		p := solvertest.GenerateProblem(7, size.nodes, size.lines, 0.5)
		prices := nodePrices{}
		for _, ln := range p.Lines {
			row := make([]float64, size.nodes)
			for n := range row {
				row[n] = 0.01 * float64(n%7)
			}
			prices[ln.SKU] = row
		}
		s := solver.DefaultSettings()
		s.Alternatives = -1
		// The season's rule: every line priced when lost, every SKU sure
		// to sell out, so that each order is solved twice.
		season := solvertest.GenerateProblem(7, size.nodes, size.lines, 0.5)
		for i := range season.Lines {
			season.Lines[i].LostSaleCost = 30
		}
		season.LostSaleCostPerOrder = 10
		// The picks of the day: every option of a node with 20 picks left,
		// every node's picks worth something (each option charged).
		picked := solvertest.GenerateProblem(7, size.nodes, size.lines, 0.5)
		for i := range picked.Options {
			picked.Options[i].CapacityUnits = 20
		}
		for _, name := range []string{Optimal, Lookahead, Lookahead + "-season", Lookahead + "-picks"} {
			base, _, _ := strings.Cut(name, "-")
			pol, err := DefaultRegistry().New(base, net)
			if err != nil {
				b.Fatal(err)
			}
			p := p
			if pl, ok := pol.(Planned); ok {
				pl.Prices().Set(prices, time.Time{})
				switch {
				case strings.HasSuffix(name, "-season"):
					pl.Prices().Set(seasonPrices{prices}, time.Time{})
					p = season
				case strings.HasSuffix(name, "-picks"):
					pl.Prices().Set(pickedPrices{prices}, time.Time{})
					p = picked
				}
			}
			plan, err := pol.Choose(p, s)
			if err != nil || len(plan.Shipments) == 0 {
				b.Fatalf("%s: no plan (%v)", name, err)
			}
			b.Run(fmt.Sprintf("nodes=%d/lines=%d/%s", size.nodes, size.lines, name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := pol.Choose(p, s); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// seasonPrices are nodePrices with every SKU sure to sell out.
type seasonPrices struct{ nodePrices }

func (seasonPrices) SellOutProbability(string) float64 { return 0.95 }
func (seasonPrices) Seasoned() bool                    { return true }

// pickedPrices are nodePrices with every node's picks worth 0.05 a unit
// and 1 a unit more for each node index mod 3.
type pickedPrices struct{ nodePrices }

func (pickedPrices) PickValue(node int, left, units int32) float64 {
	return (0.05 + float64(node%3)) * float64(units)
}

// StockValue prices each unit 0.01 for each node index mod 5.
func (pickedPrices) StockValue(node int, _ string, _, units int32) float64 {
	return 0.01 * float64(node%5) * float64(units)
}
