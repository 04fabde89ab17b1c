package solver_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/solver/solvertest"
)

// networkLike builds a problem shaped like the ones the network builder
// makes for a replayed order on a city network (lean: eligible options
// only): warehouses first (one or two in the city, the rest far away,
// stock in depth), then dark stores with one or two courier partners
// (fixed cost by distance, weight limit), then stores shipping parcels (one
// fixed cost for all of them, unit cost by distance, sparse stock: each
// holds each SKU with probability density). Options come in node order, as
// the builder gives them; lines may be split into 3 shipments at most with
// a split penalty of 1.5.
func networkLike(r *rand.Rand, options, lines int, density float64) *solver.Problem {
	m := solvertest.DefaultCostModel()
	p := &solver.Problem{MaxShipments: 3, SplitLines: true, SplitPenalty: 1.5, PromiseMinutes: 5 * 24 * 60}
	for l := 0; l < lines; l++ {
		q := int32(1)
		switch k := r.IntN(20); {
		case k == 0:
			q = 3
		case k < 4:
			q = 2
		}
		p.Lines = append(p.Lines, solver.Line{SKU: fmt.Sprintf("SKU-%05d", r.IntN(1000)*max(lines, 4)+l), Quantity: q, UnitWeightKg: round(0.1+r.Float64()*3, 3)})
	}
	warehouses := min(10, max(1, options/20))
	darkOpts := options / 10
	node := int32(0)
	add := func(id string, method solver.Method, partner string, fixed, perUnit float64, capacity int32, maxW float64, eta int32, km float64, atp []int32) {
		if len(p.Options) >= options {
			return
		}
		p.Options = append(p.Options, solver.Option{Node: node, NodeID: id, Method: method, Partner: partner,
			FixedCost: round(fixed, 4), CapacityUnits: capacity, MaxWeightKg: maxW, ETAMinutes: eta, DistanceKm: round(km, 2)})
		p.Available = append(p.Available, atp...)
		for range lines {
			p.UnitCost = append(p.UnitCost, perUnit)
		}
	}
	stock := func(prob float64, lo, hi int) []int32 {
		atp := make([]int32, lines)
		for l := range atp {
			if r.Float64() < prob {
				atp[l] = int32(lo + r.IntN(hi-lo+1))
			}
		}
		return atp
	}
	for k := 0; k < warehouses; k++ {
		km := 5 + 25*r.Float64()
		if k >= 2 {
			km = 300 + 1400*r.Float64()
		}
		add(fmt.Sprintf("wh-%d", node), solver.WarehouseShip, "", m.PickFixed(true)+m.ParcelFixed(km),
			m.PickPerUnit(true)+m.ParcelPerItem(km), int32(80+r.IntN(70)), 0, m.ParcelETAMinutes(km), km, stock(0.9, 1, 40))
		node++
	}
	for len(p.Options) < warehouses+darkOpts {
		km := 0.5 + 14*r.Float64()
		atp := stock(0.6, 1, 8)
		add(fmt.Sprintf("dark-%d", node), solver.Courier, "glovo", m.PickFixed(false)+m.CourierFixed(km), 0.2,
			20, 20, m.CourierETAMinutes(km), km, atp)
		if r.IntN(2) == 0 {
			add(fmt.Sprintf("dark-%d", node), solver.Courier, "wolt", m.PickFixed(false)+0.9*m.CourierFixed(km), 0.2,
				20, 15, m.CourierETAMinutes(km)-5, km, atp)
		}
		node++
	}
	for len(p.Options) < options {
		km := 0.5 + 25*r.Float64()
		add(fmt.Sprintf("store-%d", node), solver.ShipFromStore, "", m.PickFixed(false)+m.ParcelFixed(km),
			round(m.PickPerUnit(false)+m.ParcelPerItem(km), 6), int32(5+r.IntN(16)), 0, m.ParcelETAMinutes(km), km, stock(density, 1, 5))
		node++
	}
	return p
}

// networkLikeMix returns n problems as a replay meets them: 30-200 options,
// 1-3 lines (mean 1.8), store stock density 0.05-0.8.
func networkLikeMix(seed uint64, n int) []*solver.Problem {
	r := rand.New(rand.NewPCG(seed, 0x6e65746c696b65))
	ps := make([]*solver.Problem, n)
	for i := range ps {
		lines := 1
		switch k := r.IntN(20); {
		case k >= 15:
			lines = 3
		case k >= 9:
			lines = 2
		}
		ps[i] = networkLike(r, 30+r.IntN(171), lines, 0.05+0.75*r.Float64())
	}
	return ps
}

// benchCycle solves the problems in turn with one workspace.
func benchCycle(b *testing.B, ps []*solver.Problem, s solver.Settings) {
	w := solver.NewWorkspace()
	nodes, optimal := 0, 0
	for _, p := range ps {
		pl, err := w.Solve(p, s)
		require.NoError(b, err)
		nodes += pl.Stats.Nodes
		if pl.Stats.Optimal {
			optimal++
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	i := 0
	for b.Loop() {
		if _, err := w.Solve(ps[i], s); err != nil {
			b.Fatal(err)
		}
		if i++; i == len(ps) {
			i = 0
		}
	}
	reportCPU(b, cpu0)
	b.ReportMetric(float64(optimal)/float64(len(ps)), "optimal")
	b.ReportMetric(float64(nodes)/float64(len(ps)), "search-nodes")
}

// BenchmarkSolveNetworkLike: the simulator's problems (see networkLike),
// 16 of each size solved in turn, without alternatives as a replay asks.
func BenchmarkSolveNetworkLike(b *testing.B) {
	for _, n := range []int{30, 100, 200, 400} {
		for _, l := range []int{1, 2, 3} {
			b.Run(fmt.Sprintf("options=%d/lines=%d", n, l), func(b *testing.B) {
				r := rand.New(rand.NewPCG(uint64(n), uint64(l)))
				ps := make([]*solver.Problem, 16)
				for i := range ps {
					ps[i] = networkLike(r, n, l, 0.3)
				}
				benchCycle(b, ps, solver.Settings{Alternatives: -1})
			})
		}
	}
}

// BenchmarkSolveNetworkLikeMix: a replay's mix of orders (networkLikeMix),
// without alternatives and with the router's default of 3.
func BenchmarkSolveNetworkLikeMix(b *testing.B) {
	ps := networkLikeMix(1, 64)
	b.Run("alternatives=0", func(b *testing.B) { benchCycle(b, ps, solver.Settings{Alternatives: -1}) })
	b.Run("alternatives=3", func(b *testing.B) { benchCycle(b, ps, solver.Settings{}) })
}

// BenchmarkSolveNetworkLikeLostSale: the replay's mix of orders
// (networkLikeMix) with lost-sale prices (AddLostSaleCosts, 4 per unit on
// average and 4 per order), without alternatives as a replay asks.
func BenchmarkSolveNetworkLikeLostSale(b *testing.B) {
	ps := networkLikeMix(1, 64)
	for i, p := range ps {
		solvertest.AddLostSaleCosts(p, int64(i), 4)
	}
	benchCycle(b, ps, solver.Settings{Alternatives: -1})
}

// round rounds v to digits decimals.
func round(v float64, digits int) float64 {
	s := math.Pow(10, float64(digits))
	return math.Round(v*s) / s
}
