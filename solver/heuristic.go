package solver

import "math"

// The heuristic, for orders with more lines than the exact search takes:
// a greedy construction (repeatedly add the candidate with the lowest cost per
// unit it can newly carry) followed by a local search over the set of
// shipments (drop one, swap one for another candidate, add one; candidates
// from the lsPoolSize best by cost per unit), each set
// allocated greedily (every line to its cheapest members first). Moves are
// tried in a fixed order and the first improving one is taken, so the result
// is deterministic. The lower bound is the lesser of the best single
// shipment and a bound on plans of two or more shipments: every line at its
// cheapest unit cost plus the two cheapest fixed costs and a penalty, raised
// by Lagrangian relaxation (bound.go). The exact search uses the greedy
// construction for its first upper bound.

// runHeuristic finds a plan by greedy + local search.
func (w *Workspace) runHeuristic() {
	w.useTables()
	w.denseNodes()
	var qg float64
	for pi := 0; pi < w.tables.lines; pi++ {
		qg += float64(w.tables.quantity[pi]) * w.tables.cheapestUnit[pi]
	}
	// Any plan is one shipment (no cheaper than the best single, all of
	// which are scanned) or several (two fixed costs and a penalty at least).
	w.singles()
	w.bound.twoShipmentBound = qg + w.filter.cheapestFixed + w.filter.secondCheapestFixed + w.rules.splitPenalty
	w.run.openBound = min(w.search.bestSingleCost, w.bound.twoShipmentBound)
	if !w.greedy(nil) {
		if w.ranked.count == 0 {
			return
		}
		// Start from the best single shipment instead.
		w.heur.set = append(w.heur.set[:0], w.ranked.slots[w.ranked.order[0]].set...)
	}
	w.buildPool(nil, lsPoolSize)
	w.localSearch()
}

// raiseBound raises w.run.openBound after the heuristic's final run (not for the
// checks that admit lines): plans of two or more shipments cost at least
// the Lagrangian bound, which is never below the simple one.
func (w *Workspace) raiseBound() {
	if w.run.exact || w.ranked.count == 0 || w.tables.lines == 0 {
		return
	}
	if lb := w.lagrangeBound(w.ranked.slots[w.ranked.order[0]].cost); lb > w.bound.twoShipmentBound {
		w.run.openBound = min(w.search.bestSingleCost, lb)
	}
}

// lsPoolSize is how many candidates the local search considers for swaps
// and additions: the best by cost per unit carried.
const lsPoolSize = 64

// buildPool keeps in w.heur.pool the size candidates of from (nil: all) with the
// lowest cost per unit they could carry of the whole order (ties: lower
// index), in that order.
func (w *Workspace) buildPool(from []int32, size int) {
	copy(w.heur.remaining, w.tables.quantity[:w.tables.lines])
	w.heur.pool = w.heur.pool[:0]
	w.heur.poolKey = w.heur.poolKey[:0]
	n := len(w.tables.option)
	if from != nil {
		n = len(from)
	}
	for k := 0; k < n; k++ {
		i := k
		if from != nil {
			i = int(from[k])
		}
		units, cost := w.greedyTake(i, false, false)
		if units == 0 {
			continue
		}
		r := cost / float64(units)
		n := len(w.heur.pool)
		if n == size && r >= w.heur.poolKey[n-1] {
			continue
		}
		if n < size {
			w.heur.pool = append(w.heur.pool, 0)
			w.heur.poolKey = append(w.heur.poolKey, 0)
			n++
		}
		j := n - 1
		for j > 0 && w.heur.poolKey[j-1] > r {
			w.heur.pool[j], w.heur.poolKey[j] = w.heur.pool[j-1], w.heur.poolKey[j-1]
			j--
		}
		w.heur.pool[j], w.heur.poolKey[j] = int32(i), r
	}
}

// greedy builds one plan from the candidates in pool (nil: all), offers it
// and leaves its set, ascending, in w.heur.set. It reports whether every planned
// line that must be filled was covered. With lost sales a candidate takes
// part only when what it carries costs less than leaving it unfilled (see
// greedyTake), and the rest is left unfilled.
func (w *Workspace) greedy(pool []int32) bool {
	P := w.tables.lines
	w.heur.remaining = grow(w.heur.remaining, P)
	copy(w.heur.remaining, w.tables.quantity[:P])
	left := w.tables.totalUnits
	if w.lost.on {
		left = 0 // units that must still be covered
		for _, v := range w.tables.need {
			left += v
		}
	}
	w.heur.set = w.heur.set[:0]
	w.heur.taken = w.heur.taken[:0]
	w.search.nodeInSet = grow(w.search.nodeInSet, w.nodes.count)
	clear(w.search.nodeInSet)
	for (left > 0 || w.lost.on) && (w.rules.maxShipments == 0 || len(w.heur.set) < w.rules.maxShipments) {
		best, bestRatio := -1, math.Inf(1)
		n := len(w.tables.option)
		if pool != nil {
			n = len(pool)
		}
		for k := 0; k < n; k++ {
			i := k
			if pool != nil {
				i = int(pool[k])
			}
			if w.search.nodeInSet[w.nodes.ofCandidate[i]] {
				continue
			}
			units, cost := w.greedyTake(i, len(w.heur.set) > 0, false)
			if w.lost.on {
				if left > 0 {
					// Lines that must be filled come first: a candidate
					// is worth its units of them.
					units = w.heur.greedyNeed
				} else if cost >= w.heur.greedyValue {
					continue // leaving its units unfilled costs less
				}
			}
			if units == 0 {
				continue
			}
			if r := cost / float64(units); r < bestRatio || (r == bestRatio && i < best) {
				best, bestRatio = i, r
			}
		}
		w.run.work += 1 + n/scanPerWork
		if best < 0 {
			break
		}
		units, _ := w.greedyTake(best, len(w.heur.set) > 0, true)
		w.heur.set = append(w.heur.set, int32(best))
		w.search.nodeInSet[w.nodes.ofCandidate[best]] = true
		if w.lost.on {
			units = w.heur.greedyNeed
		}
		left -= units
	}
	if left > 0 {
		return false
	}
	// Sort the set, and its rows, ascending.
	k := len(w.heur.set)
	w.alloc.members = append(w.alloc.members[:0], w.heur.set...)
	w.heur.order = grow(w.heur.order, k)
	for j := range w.heur.order {
		w.heur.order[j] = int32(j)
	}
	for a := 1; a < k; a++ {
		for b := a; b > 0 && w.heur.set[w.heur.order[b]] < w.heur.set[w.heur.order[b-1]]; b-- {
			w.heur.order[b], w.heur.order[b-1] = w.heur.order[b-1], w.heur.order[b]
		}
	}
	w.alloc.best = grow(w.alloc.best, k*P)
	for j, src := range w.heur.order {
		w.alloc.members[j] = w.heur.set[src]
		copy(w.alloc.best[j*P:(j+1)*P], w.heur.taken[int(src)*P:(int(src)+1)*P])
	}
	copy(w.heur.set, w.alloc.members)
	w.offer(w.setCost(w.alloc.members, w.alloc.best), w.alloc.members, w.alloc.best)
	return true
}

// greedyTake is what candidate i would carry of the remaining demand w.heur.remaining:
// units and cost (fixed + penalty when not first + units). With apply it
// takes them: w.heur.remaining shrinks and a row is appended to w.heur.taken. With lost sales
// it carries a line only at a unit cost below the line's price, and leaves
// in w.heur.greedyValue what leaving those units unfilled would cost (+Inf when
// some must be filled) and in w.heur.greedyNeed how many of them must be.
func (w *Workspace) greedyTake(i int, notFirst, apply bool) (int64, float64) {
	P := w.tables.lines
	row := i * P
	capLeft, wLeft := w.tables.capacity[i], w.tables.maxWeight[i]
	var units, need int64
	var value float64
	cost := w.tables.fixedCost[i]
	if notFirst {
		cost += w.rules.splitPenalty
	}
	if apply {
		for pi := 0; pi < P; pi++ {
			w.heur.taken = append(w.heur.taken, 0)
		}
	}
	for k := 0; k < P; k++ {
		pi := k
		if w.lost.on {
			pi = int(w.lost.order[k]) // lines that must be filled first
		}
		r := w.heur.remaining[pi]
		c := w.tables.unitCost[row+pi]
		if r == 0 || math.IsInf(c, 1) || (w.lost.on && c >= w.lost.price[pi]) {
			continue
		}
		t := Carry(r, int64(w.tables.supply[row+pi]), capLeft, wLeft, w.tables.unitWeight[pi])
		if !w.rules.splitLines && t < r {
			t = 0
		}
		if t <= 0 {
			continue
		}
		units += t
		cost += float64(t) * c
		capLeft -= t
		wLeft -= float64(t) * w.tables.unitWeight[pi]
		if apply {
			w.heur.remaining[pi] -= t
			w.heur.taken[len(w.heur.taken)-P+pi] = t
		}
		if w.lost.on {
			value += float64(t) * w.lost.price[pi]
			if w.tables.need[pi] > 0 {
				need += t
			}
		}
	}
	w.heur.greedyValue, w.heur.greedyNeed = value, need
	return units, cost
}

// greedyAlloc allocates the planned lines over the ascending set es, each
// line to its cheapest members first, into w.alloc.best. It returns the plan's
// cost, or false when it left a line uncovered or a member empty. With
// lost sales the lost row is the last member; when it takes something, the
// allocation over the members alone is tried too (the per-order cost may
// make it cheaper) and kept when it costs no more.
func (w *Workspace) greedyAlloc(es []int32) (float64, bool) {
	if !w.lost.on {
		return w.greedyFill(es, len(es))
	}
	k, P := len(es), w.tables.lines
	w.lost.lset = append(append(w.lost.lset[:0], es...), w.lost.row)
	c, ok := w.greedyFill(w.lost.lset, k)
	if !ok || !w.lostRowUsed(k) {
		return c, ok
	}
	w.lost.xSave = append(w.lost.xSave[:0], w.alloc.best[:(k+1)*P]...)
	if c2, ok2 := w.greedyFill(es, k); ok2 && c2 <= c+tol(c) {
		return c2, true
	}
	w.alloc.best = grow(w.alloc.best, (k+1)*P)
	copy(w.alloc.best, w.lost.xSave)
	return c, true
}

// greedyFill is greedyAlloc over the members es, the first k of which are
// the set (the one after them, if any, is the lost row).
func (w *Workspace) greedyFill(es []int32, k int) (float64, bool) {
	P, n := w.tables.lines, len(es)
	w.alloc.capacityLeft = grow(w.alloc.capacityLeft, n)
	w.alloc.weightLeft = grow(w.alloc.weightLeft, n)
	for j, ci := range es {
		w.alloc.capacityLeft[j] = w.tables.capacity[ci]
		w.alloc.weightLeft[j] = w.tables.maxWeight[ci]
	}
	w.alloc.best = grow(w.alloc.best, n*P)
	clear(w.alloc.best[:n*P])
	w.heur.order = grow(w.heur.order, n)
	for k := 0; k < P; k++ {
		pi := k
		if w.lost.on {
			pi = int(w.lost.order[k]) // lines that must be filled first
		}
		m := 0
		for j, ci := range es {
			c := w.tables.unitCost[int(ci)*P+pi]
			if math.IsInf(c, 1) {
				continue
			}
			b := m
			for b > 0 && w.tables.unitCost[int(es[w.heur.order[b-1]])*P+pi] > c {
				w.heur.order[b] = w.heur.order[b-1]
				b--
			}
			w.heur.order[b] = int32(j)
			m++
		}
		r := w.tables.quantity[pi]
		for _, j := range w.heur.order[:m] {
			ci := int(es[j])
			t := Carry(r, int64(w.tables.supply[ci*P+pi]), w.alloc.capacityLeft[j], w.alloc.weightLeft[j], w.tables.unitWeight[pi])
			if !w.rules.splitLines && t < r {
				continue
			}
			if t <= 0 {
				continue
			}
			w.alloc.best[int(j)*P+pi] = t
			w.alloc.capacityLeft[j] -= t
			w.alloc.weightLeft[j] -= float64(t) * w.tables.unitWeight[pi]
			r -= t
			if r == 0 {
				break
			}
		}
		if r > 0 {
			return 0, false
		}
	}
	for j := 0; j < k; j++ {
		var units int64
		for pi := 0; pi < P; pi++ {
			units += w.alloc.best[j*P+pi]
		}
		if units == 0 {
			return 0, false
		}
	}
	return w.setCost(es[:k], w.alloc.best), true
}

// setLB bounds any allocation over the ascending set es: fixed costs,
// penalties and each line at its cheapest member (or its price, with lost
// sales).
func (w *Workspace) setLB(es []int32) float64 {
	P := w.tables.lines
	lb := 0.0
	if len(es) > 1 {
		lb = w.rules.splitPenalty * float64(len(es)-1)
	}
	for _, ci := range es {
		lb += w.tables.fixedCost[ci]
	}
	for pi := 0; pi < P; pi++ {
		m := math.Inf(1)
		if w.lost.on {
			m = w.lost.price[pi]
		}
		for _, ci := range es {
			if c := w.tables.unitCost[int(ci)*P+pi]; c < m {
				m = c
			}
		}
		lb += float64(w.tables.quantity[pi]) * m
	}
	return lb
}

// try evaluates the ascending set es greedily when its bound can beat cur,
// offers the plan, and returns its cost (+Inf when it cannot improve).
func (w *Workspace) try(es []int32, cur float64) float64 {
	if w.run.work >= w.run.budget {
		w.run.aborted = true
		return math.Inf(1)
	}
	w.run.work++
	if w.setLB(es) >= cur-tol(cur) && w.ranked.count >= w.ranked.keep {
		return math.Inf(1)
	}
	c, ok := w.greedyAlloc(es)
	if !ok {
		return math.Inf(1)
	}
	w.offer(c, es, w.alloc.best)
	return c
}

// localSearch improves the set in w.heur.set by first-improvement moves until
// none improves or the budget runs out.
func (w *Workspace) localSearch() {
	cur := w.try(w.heur.set, math.Inf(1))
	if math.IsInf(cur, 1) {
		// The greedy allocation of the constructed set failed; keep the
		// constructed plan (already offered) as it is.
		cur = w.ranked.slots[w.ranked.order[0]].cost
	}
	for !w.run.aborted {
		if !w.improve(&cur) {
			return
		}
	}
}

// improve tries drop, swap and add moves on w.heur.set in that order and applies
// the first that lowers cur.
func (w *Workspace) improve(cur *float64) bool {
	k := len(w.heur.set)
	// Drop one shipment.
	for j := 0; j < k && k > 1; j++ {
		w.heur.trial = append(w.heur.trial[:0], w.heur.set[:j]...)
		w.heur.trial = append(w.heur.trial, w.heur.set[j+1:]...)
		if c := w.try(w.heur.trial, *cur); c < *cur-tol(*cur) {
			*cur = c
			w.heur.set = append(w.heur.set[:0], w.heur.trial...)
			return true
		}
	}
	// Swap one shipment for another candidate of the pool.
	for j := 0; j < k; j++ {
		for _, i := range w.heur.pool {
			if w.run.aborted {
				return false
			}
			if !w.fits(i, j) {
				continue
			}
			w.heur.trial = w.replace(w.heur.trial[:0], j, i)
			if c := w.try(w.heur.trial, *cur); c < *cur-tol(*cur) {
				*cur = c
				w.heur.set = append(w.heur.set[:0], w.heur.trial...)
				return true
			}
		}
	}
	// Add one shipment from the pool.
	if w.rules.maxShipments == 0 || k < w.rules.maxShipments {
		for _, i := range w.heur.pool {
			if w.run.aborted {
				return false
			}
			if !w.fits(i, -1) {
				continue
			}
			w.heur.trial = w.replace(w.heur.trial[:0], -1, i)
			if c := w.try(w.heur.trial, *cur); c < *cur-tol(*cur) {
				*cur = c
				w.heur.set = append(w.heur.set[:0], w.heur.trial...)
				return true
			}
		}
	}
	return false
}

// seedNear offers the plans one swap away from w.heur.set (candidates from
// w.heur.pool), without moving to any of them.
func (w *Workspace) seedNear() {
	k := len(w.heur.set)
	for j := 0; j < k; j++ {
		for _, i := range w.heur.pool {
			if !w.fits(i, j) {
				continue
			}
			w.heur.trial = w.replace(w.heur.trial[:0], j, i)
			w.try(w.heur.trial, w.ranked.threshold)
		}
	}
}

// fits reports whether candidate i may join w.heur.set in place of member skip
// (-1: none): it is not a member and its node is not used by another member.
func (w *Workspace) fits(i int32, skip int) bool {
	for j, ci := range w.heur.set {
		if ci == i {
			return false
		}
		if j != skip && w.nodes.ofCandidate[ci] == w.nodes.ofCandidate[i] {
			return false
		}
	}
	return true
}

// replace writes into dst the ascending set w.heur.set with member skip (-1:
// none) removed and candidate i added.
func (w *Workspace) replace(dst []int32, skip int, i int32) []int32 {
	added := false
	for j, ci := range w.heur.set {
		if j == skip {
			continue
		}
		if !added && i < ci {
			dst = append(dst, i)
			added = true
		}
		dst = append(dst, ci)
	}
	if !added {
		dst = append(dst, i)
	}
	return dst
}
