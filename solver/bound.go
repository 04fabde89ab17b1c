package solver

import "math"

// The heuristic's lower bound for plans of two or more shipments is a
// Lagrangian bound: the constraints that cover each line are moved into the
// objective with a price lam[l] per unit, which leaves one small problem per
// option. For any prices,
//
//	cost(S, x) = sum_l lam[l]*q[l] - pen + sum_{o in S} (F[o] + pen + sum_l (c[o][l]-lam[l])*x[o][l])
//
// and each term of the last sum is at least v[o] = F[o] + pen + the least
// that o can make of sum_l (c[o][l]-lam[l])*x[o][l] with 0 <= x[o][l] <=
// min(what o can carry of l, q[l]) and its capacity (a fractional knapsack;
// the weight limit is left out, which only lowers v). A plan uses at most
// one option per node, two options at least, and MaxShipments at most, so
// the least such sum of v over sets of options is a lower bound on every
// plan of two or more shipments. Prices at the cheapest unit costs give
// back the simple bound (every line at its cheapest cost, two cheapest
// fixed costs, a penalty); a fixed number of subgradient steps then raise
// it. The steps are deterministic and allocate nothing.
//
// With lost sales a priced line's cover constraint is sum_o x[o][l] + u[l]
// = q[l], u[l] its unfilled units at price p[l] (lost.go). Relaxed the same
// way, u[l] adds (p[l]-lam[l])*u[l] with 0 <= u[l] <= q[l], which is at
// least q[l]*min(0, p[l]-lam[l]); the per-order cost is left out, which
// only lowers the bound. The cheapest unit costs (tables.cheapestUnit) already count the
// price, so the first step is again the simple bound.

// The number of subgradient steps: lagrangeIters at most, fewer when the
// candidate tables have more than lagrangeCells/lagrangeIters cells, and
// lagrangeMinIters at least.
const (
	lagrangeIters    = 60
	lagrangeMinIters = 2
	lagrangeCells    = 250_000
)

// lagrangeBound returns a lower bound on the cost of every plan of two or
// more shipments of the planned lines (+Inf when there is none), raising it
// towards ub (an upper bound: the best plan found).
func (w *Workspace) lagrangeBound(ub float64) float64 {
	P, nc := w.tables.lines, len(w.tables.option)
	if (w.rules.maxShipments > 0 && w.rules.maxShipments < 2) || w.nodes.count < 2 || nc < 2 {
		return math.Inf(1)
	}
	w.bound.multipliers = grow(w.bound.multipliers, P)
	w.bound.subgradient = grow(w.bound.subgradient, P)
	w.bound.nodeValue = grow(w.bound.nodeValue, w.nodes.count)
	w.bound.nodeBest = grow(w.bound.nodeBest, w.nodes.count)
	for pi := 0; pi < P; pi++ {
		w.bound.multipliers[pi] = w.tables.cheapestUnit[pi]
	}
	best := math.Inf(-1)
	mu := 2.0
	stall := 0
	// Fewer steps on large problems, so that the bound costs about as
	// much as the heuristic's own moves.
	iters := min(lagrangeIters, max(lagrangeMinIters, lagrangeCells/(nc*P)))
	for it := 0; it < iters; it++ {
		lb, ok := w.lagrangeValue()
		if !ok {
			return math.Inf(1) // fewer than two nodes can ship
		}
		if it == 0 || lb > best+tol(best) {
			best, stall = lb, 0
		} else if stall++; stall >= 5 {
			mu, stall = mu/2, 0
		}
		if best >= ub-tol(ub) {
			break
		}
		if it == 0 {
			// The cheapest unit costs give the simple bound; go on from
			// prices that also share each option's fixed cost over the
			// units it can carry.
			w.sharePrices()
			continue
		}
		// Subgradient: what each line lacks (or has too much of) in the
		// relaxed solution.
		var norm float64
		for pi := 0; pi < P; pi++ {
			norm += w.bound.subgradient[pi] * w.bound.subgradient[pi]
		}
		if norm == 0 {
			break // the relaxed solution covers every line: optimal prices
		}
		step := mu * (ub - lb) / norm
		if math.IsInf(ub, 1) || step <= 0 {
			step = mu / math.Sqrt(norm)
		}
		for pi := 0; pi < P; pi++ {
			w.bound.multipliers[pi] += step * w.bound.subgradient[pi]
		}
	}
	// Sums of many terms: leave room for rounding.
	return best - 1e-12*math.Max(1, math.Abs(best))
}

// sharePrices sets w.bound.multipliers[l] to the least, over the candidates that carry
// line l, of its unit cost plus its fixed cost and a penalty shared over
// the units of the order it can carry.
func (w *Workspace) sharePrices() {
	P := w.tables.lines
	for pi := 0; pi < P; pi++ {
		w.bound.multipliers[pi] = math.Inf(1)
	}
	for i := range w.tables.option {
		row := i * P
		var units int64
		for pi := 0; pi < P; pi++ {
			if !math.IsInf(w.tables.unitCost[row+pi], 1) {
				units += min(int64(w.tables.supply[row+pi]), w.tables.quantity[pi])
			}
		}
		units = min(units, w.tables.capacity[i])
		if units <= 0 {
			continue
		}
		share := (w.tables.fixedCost[i] + w.rules.splitPenalty) / float64(units)
		for pi := 0; pi < P; pi++ {
			if c := w.tables.unitCost[row+pi] + share; c < w.bound.multipliers[pi] {
				w.bound.multipliers[pi] = c
			}
		}
	}
}

// lagrangeValue evaluates the bound at the prices w.bound.multipliers and leaves in
// w.bound.subgradient the subgradient q[l] - sum of the chosen options' x[o][l]. It
// reports false when fewer than two nodes have an option.
func (w *Workspace) lagrangeValue() (float64, bool) {
	P := w.tables.lines
	inf := math.Inf(1)
	for k := range w.bound.nodeValue {
		w.bound.nodeValue[k] = inf
		w.bound.nodeBest[k] = -1
	}
	for i := range w.tables.option {
		v := w.tables.fixedCost[i] + w.rules.splitPenalty + w.knapsack(int32(i), false, -w.tables.fixedCost[i]-w.rules.splitPenalty)
		if nd := w.nodes.ofCandidate[i]; v < w.bound.nodeValue[nd] {
			w.bound.nodeValue[nd], w.bound.nodeBest[nd] = v, int32(i)
		}
	}
	// The chosen nodes: every negative one (the most negative K with a
	// shipment limit K), and at least two.
	K := w.rules.maxShipments
	lb := -w.rules.splitPenalty
	for pi := 0; pi < P; pi++ {
		lb += w.bound.multipliers[pi] * float64(w.tables.quantity[pi])
		w.bound.subgradient[pi] = float64(w.tables.quantity[pi])
	}
	if w.lost.on {
		for pi, price := range w.lost.price[:P] {
			// +Inf for a line that must be filled: nothing to add.
			if d := price - w.bound.multipliers[pi]; d < 0 {
				lb += d * float64(w.tables.quantity[pi])
				w.bound.subgradient[pi] = 0 // the relaxed solution leaves it all unfilled
			}
		}
	}
	w.bound.chosen = w.bound.chosen[:0]
	if K == 0 {
		// Every negative node, and the smallest ones up to two.
		var a, b int = -1, -1 // the two smallest, lower node first on ties
		for nd, v := range w.bound.nodeValue {
			if w.bound.nodeBest[nd] < 0 {
				continue
			}
			switch {
			case a < 0 || v < w.bound.nodeValue[a]:
				a, b = nd, a
			case b < 0 || v < w.bound.nodeValue[b]:
				b = nd
			}
			if v < 0 {
				w.bound.chosen = append(w.bound.chosen, w.bound.nodeBest[nd])
				lb += v
			}
		}
		if b < 0 {
			return 0, false
		}
		for _, nd := range [2]int{a, b} {
			if w.bound.nodeValue[nd] >= 0 && len(w.bound.chosen) < 2 {
				w.bound.chosen = append(w.bound.chosen, w.bound.nodeBest[nd])
				lb += w.bound.nodeValue[nd]
			}
		}
	} else {
		// The K smallest, negative ones only beyond the first two, by
		// repeated scans (K is small); ties go to the lower node.
		for len(w.bound.chosen) < K {
			bi, bv := -1, inf
			for nd, v := range w.bound.nodeValue {
				if w.bound.nodeBest[nd] >= 0 && v < bv {
					bi, bv = nd, v
				}
			}
			if bi < 0 || (bv >= 0 && len(w.bound.chosen) >= 2) {
				break
			}
			w.bound.chosen = append(w.bound.chosen, w.bound.nodeBest[bi])
			w.bound.nodeBest[bi] = -1
			lb += bv
		}
	}
	if len(w.bound.chosen) < 2 {
		return 0, false
	}
	for _, i := range w.bound.chosen {
		w.knapsack(i, true, math.Inf(1))
	}
	return lb, true
}

// knapsack is the least candidate i can make of sum_l (c[i][l] -
// lam[l])*x[l] with 0 <= x[l] <= min(sup, q) and sum x <= its capacity,
// taking the most negative reduced costs first (lower line first on ties).
// With take it also subtracts x from w.bound.subgradient. When capacity binds and a
// lower bound on the answer (capacity x the most negative reduced cost) is
// at least enough, that bound is returned instead: the caller only needs
// the exact value below enough.
func (w *Workspace) knapsack(i int32, take bool, enough float64) float64 {
	P := w.tables.lines
	row := int(i) * P
	cst, sup, lam, q := w.tables.unitCost[row:row+P], w.tables.supply[row:row+P], w.bound.multipliers[:P], w.tables.quantity[:P]
	var total int64
	val := 0.0
	for pi, c := range cst {
		// Without branches: whether a reduced cost is negative is as
		// good as random.
		r := c - lam[pi]
		u := min(int64(sup[pi]), q[pi])
		if !(r < 0) {
			r, u = 0, 0
		}
		total += u
		val += r * float64(u)
	}
	capLeft := w.tables.capacity[i]
	if total <= capLeft {
		// Most options carry all they may: no capacity binds.
		if take {
			for pi, c := range cst {
				if c-lam[pi] < 0 {
					w.bound.subgradient[pi] -= float64(min(int64(sup[pi]), q[pi]))
				}
			}
		}
		return val
	}
	// Capacity binds: the answer is at least both val and capacity x the
	// most negative reduced cost.
	rmin := 0.0
	for pi, c := range cst {
		rmin = min(rmin, c-lam[pi])
	}
	if lb := max(val, float64(capLeft)*rmin); !take && lb >= enough {
		return lb
	}
	// Fill from the most negative reduced cost, picking
	// the least remaining one each time (capacities are small).
	w.bound.knapsackOrder = w.bound.knapsackOrder[:0]
	for pi, c := range cst {
		if c-lam[pi] < 0 {
			w.bound.knapsackOrder = append(w.bound.knapsackOrder, int32(pi))
		}
	}
	val = 0
	for k := 0; k < len(w.bound.knapsackOrder) && capLeft > 0; k++ {
		m := k
		for j := k + 1; j < len(w.bound.knapsackOrder); j++ {
			if a, b := w.bound.knapsackOrder[j], w.bound.knapsackOrder[m]; cst[a]-lam[a] < cst[b]-lam[b] {
				m = j
			}
		}
		w.bound.knapsackOrder[k], w.bound.knapsackOrder[m] = w.bound.knapsackOrder[m], w.bound.knapsackOrder[k]
		pi := w.bound.knapsackOrder[k]
		u := min(int64(sup[pi]), q[pi], capLeft)
		capLeft -= u
		val += (cst[pi] - lam[pi]) * float64(u)
		if take {
			w.bound.subgradient[pi] -= float64(u)
		}
	}
	return val
}
