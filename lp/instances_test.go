package lp

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// The instance generators below build structured LPs shared by the tests
// and the benchmarks. Each is feasible and bounded unless its name says
// otherwise; all data are integers so that objectives are easy to compare.

// transportation ships from supplies to demands: supply rows "≤ s_i",
// demand rows "= d_j" (or "≥ d_j" when ge), with total supply at least
// total demand (times slack).
func transportation(rng *rand.Rand, sources, sinks int, slack float64, ge bool) *Model {
	m := NewModel(fmt.Sprintf("transport-%dx%d", sources, sinks))
	demand := make([]float64, sinks)
	total := 0.0
	for j := range demand {
		demand[j] = float64(1 + rng.IntN(50))
		total += demand[j]
	}
	supply := make([]float64, sources)
	for i := range supply {
		supply[i] = math.Ceil(total * slack / float64(sources) * (0.5 + rng.Float64()))
	}
	// Make sure the supplies cover the demand.
	sum := 0.0
	for _, s := range supply {
		sum += s
	}
	if sum < total*slack {
		supply[0] += math.Ceil(total*slack - sum)
	}
	x := make([][]int, sources)
	for i := range x {
		x[i] = make([]int, sinks)
		for j := range x[i] {
			x[i][j] = m.AddVar(fmt.Sprintf("x_%d_%d", i, j), 0, Inf, float64(1+rng.IntN(100)))
		}
	}
	cols := make([]int, 0, max(sources, sinks))
	ones := make([]float64, max(sources, sinks))
	for k := range ones {
		ones[k] = 1
	}
	for i := range sources {
		m.AddRow(fmt.Sprintf("supply_%d", i), -Inf, supply[i], x[i], ones[:sinks])
	}
	for j := range sinks {
		cols = cols[:0]
		for i := range sources {
			cols = append(cols, x[i][j])
		}
		hi := demand[j]
		if ge {
			hi = Inf
		}
		m.AddRow(fmt.Sprintf("demand_%d", j), demand[j], hi, cols, ones[:sources])
	}
	return m
}

// assignment is the n×n assignment LP (every row and column of the
// permutation matrix an equality): highly degenerate.
func assignment(rng *rand.Rand, n int) *Model {
	m := NewModel(fmt.Sprintf("assignment-%d", n))
	x := make([][]int, n)
	for i := range x {
		x[i] = make([]int, n)
		for j := range x[i] {
			x[i][j] = m.AddVar("", 0, Inf, float64(rng.IntN(20)))
		}
	}
	ones := make([]float64, n)
	for k := range ones {
		ones[k] = 1
	}
	cols := make([]int, n)
	for i := range n {
		m.AddRow("", 1, 1, x[i], ones)
	}
	for j := range n {
		for i := range n {
			cols[i] = x[i][j]
		}
		m.AddRow("", 1, 1, cols, ones)
	}
	return m
}

// multiCommodity routes k commodities on a random directed graph whose
// arcs share capacities; each commodity's unmet demand is a priced slack,
// so the model is always feasible.
func multiCommodity(rng *rand.Rand, nodes, arcs, commodities int) *Model {
	m := NewModel(fmt.Sprintf("multicommodity-%d-%d-%d", nodes, arcs, commodities))
	type arc struct{ from, to int }
	as := make([]arc, 0, arcs)
	for i := 0; i < nodes; i++ { // a ring keeps the graph connected
		as = append(as, arc{i, (i + 1) % nodes})
	}
	for len(as) < arcs {
		a, b := rng.IntN(nodes), rng.IntN(nodes)
		if a != b {
			as = append(as, arc{a, b})
		}
	}
	flow := make([][]int, commodities)
	for k := range flow {
		flow[k] = make([]int, len(as))
		for e, a := range as {
			flow[k][e] = m.AddVar(fmt.Sprintf("f_%d_%d_%d", k, a.from, a.to), 0, Inf, float64(1+rng.IntN(10)))
		}
	}
	for k := 0; k < commodities; k++ {
		src, dst := rng.IntN(nodes), rng.IntN(nodes)
		for dst == src {
			dst = rng.IntN(nodes)
		}
		demand := float64(5 + rng.IntN(20))
		lost := m.AddVar(fmt.Sprintf("lost_%d", k), 0, demand, 1000)
		for v := 0; v < nodes; v++ {
			var cols []int
			var vals []float64
			for e, a := range as {
				if a.from == v {
					cols, vals = append(cols, flow[k][e]), append(vals, 1)
				}
				if a.to == v {
					cols, vals = append(cols, flow[k][e]), append(vals, -1)
				}
			}
			rhs := 0.0
			switch v {
			case src:
				rhs = demand
				cols, vals = append(cols, lost), append(vals, 1)
			case dst:
				rhs = -demand
				cols, vals = append(cols, lost), append(vals, -1)
			}
			m.AddRow(fmt.Sprintf("node_%d_%d", k, v), rhs, rhs, cols, vals)
		}
	}
	for e := range as {
		cols := make([]int, commodities)
		vals := make([]float64, commodities)
		for k := range cols {
			cols[k], vals[k] = flow[k][e], 1
		}
		m.AddRow(fmt.Sprintf("cap_%d", e), -Inf, float64(10+rng.IntN(30)), cols, vals)
	}
	return m
}

// planning is the expected-demand allocation model of omniroute's planner:
// stock rows per (node, SKU) "Σ shipments ≤ stock", demand rows per
// (region, SKU, method) "Σ shipments + lost = demand", shipment columns
// from the `near` nearest nodes of each region, and a lost-sale column per
// demand cell priced above any shipment.
func planning(rng *rand.Rand, nodes, skus, regions, methods, near int) *Model {
	m := NewModel(fmt.Sprintf("planning-%dn-%ds-%dr-%dm", nodes, skus, regions, methods))
	// Nodes and regions on a plane; distance drives cost.
	type pt struct{ x, y float64 }
	nodeAt := make([]pt, nodes)
	for i := range nodeAt {
		nodeAt[i] = pt{rng.Float64() * 1000, rng.Float64() * 1000}
	}
	nearest := make([][]int, regions)
	dist := make([][]float64, regions)
	for r := range nearest {
		at := pt{rng.Float64() * 1000, rng.Float64() * 1000}
		order := make([]int, nodes)
		d := make([]float64, nodes)
		for i := range order {
			order[i] = i
			d[i] = math.Hypot(at.x-nodeAt[i].x, at.y-nodeAt[i].y)
		}
		// Partial selection of the nearest, ties by index.
		k := min(near, nodes)
		for a := 0; a < k; a++ {
			best := a
			for b := a + 1; b < nodes; b++ {
				if d[order[b]] < d[order[best]] || (d[order[b]] == d[order[best]] && order[b] < order[best]) {
					best = b
				}
			}
			order[a], order[best] = order[best], order[a]
		}
		nearest[r] = append([]int(nil), order[:k]...)
		dist[r] = d
	}
	stockRows := make([][]int, nodes*skus) // columns per (node, sku)
	type cell struct {
		cols []int
		lost int
		qty  float64
	}
	var cells []cell
	for s := 0; s < skus; s++ {
		price := float64(20 + rng.IntN(200))
		for r := 0; r < regions; r++ {
			for me := 0; me < methods; me++ {
				qty := float64(rng.IntN(6))
				if qty == 0 {
					continue
				}
				c := cell{qty: qty}
				for _, n := range nearest[r] {
					cost := math.Round(dist[r][n]/10*float64(1+me)) + 1
					j := m.AddVar("", 0, Inf, cost)
					c.cols = append(c.cols, j)
					stockRows[n*skus+s] = append(stockRows[n*skus+s], j)
				}
				c.lost = m.AddVar("", 0, Inf, price)
				cells = append(cells, c)
			}
		}
	}
	ones := []float64{}
	for _, c := range cells {
		for len(ones) < len(c.cols)+1 {
			ones = append(ones, 1)
		}
		m.AddRow("", c.qty, c.qty, append(c.cols, c.lost), ones[:len(c.cols)+1])
	}
	for k, cols := range stockRows {
		if len(cols) == 0 {
			continue
		}
		for len(ones) < len(cols) {
			ones = append(ones, 1)
		}
		m.AddRow(fmt.Sprintf("stock_%d_%d", k/skus, k%skus), -Inf, float64(rng.IntN(8)), cols, ones[:len(cols)])
	}
	return m
}

// warehouses is a multi-item fulfilment network in the style of Jasin and
// Sinha: every warehouse can serve every city (cost grows with distance),
// stock rows per (warehouse, item), demand rows per (city, item) with a
// priced lost-sale column, and an outbound capacity row per warehouse that
// couples all items.
func warehouses(rng *rand.Rand, nWarehouses, cities, items int) *Model {
	m := NewModel(fmt.Sprintf("warehouses-%dw-%dc-%di", nWarehouses, cities, items))
	type pt struct{ x, y float64 }
	wAt := make([]pt, nWarehouses)
	for w := range wAt {
		wAt[w] = pt{rng.Float64() * 1000, rng.Float64() * 1000}
	}
	cAt := make([]pt, cities)
	for c := range cAt {
		cAt[c] = pt{rng.Float64() * 1000, rng.Float64() * 1000}
	}
	stock := make([][]int, nWarehouses*items)
	capacity := make([][]int, nWarehouses)
	totalDemand := 0.0
	ones := make([]float64, nWarehouses+1)
	for k := range ones {
		ones[k] = 1
	}
	for i := 0; i < items; i++ {
		price := float64(50 + rng.IntN(150))
		for c := 0; c < cities; c++ {
			qty := float64(rng.IntN(4))
			if qty == 0 {
				continue
			}
			totalDemand += qty
			cols := make([]int, 0, nWarehouses+1)
			for w := 0; w < nWarehouses; w++ {
				cost := math.Round(math.Hypot(wAt[w].x-cAt[c].x, wAt[w].y-cAt[c].y)/20) + 2
				j := m.AddVar("", 0, Inf, cost)
				cols = append(cols, j)
				stock[w*items+i] = append(stock[w*items+i], j)
				capacity[w] = append(capacity[w], j)
			}
			cols = append(cols, m.AddVar("", 0, Inf, price))
			m.AddRow("", qty, qty, cols, ones)
		}
	}
	for k, cols := range stock {
		if len(cols) == 0 {
			continue
		}
		m.AddRow(fmt.Sprintf("stock_%d_%d", k/items, k%items), -Inf, float64(rng.IntN(25)), cols, onesOf(len(cols)))
	}
	// Capacities cover 80% of the demand between them.
	for w, cols := range capacity {
		m.AddRow(fmt.Sprintf("capacity_%d", w), -Inf, math.Ceil(0.8*totalDemand/float64(nWarehouses)), cols, onesOf(len(cols)))
	}
	return m
}

// onesOf returns n ones.
func onesOf(n int) []float64 {
	v := make([]float64, n)
	for k := range v {
		v[k] = 1
	}
	return v
}
