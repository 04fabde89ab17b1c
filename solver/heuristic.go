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
	for pi := 0; pi < w.nP; pi++ {
		qg += float64(w.q[pi]) * w.gMin[pi]
	}
	// Any plan is one shipment (no cheaper than the best single, all of
	// which are scanned) or several (two fixed costs and a penalty at least).
	w.singles()
	w.lb2 = qg + w.minF + w.minF2 + w.pen
	w.lbOpen = min(w.bestSingle, w.lb2)
	if !w.greedy(nil) {
		if w.nTop == 0 {
			return
		}
		// Start from the best single shipment instead.
		w.hset = append(w.hset[:0], w.slots[w.rank[0]].set...)
	}
	w.buildPool(nil, lsPoolSize)
	w.localSearch()
}

// raiseBound raises w.lbOpen after the heuristic's final run (not for the
// checks that admit lines): plans of two or more shipments cost at least
// the Lagrangian bound, which is never below the simple one.
func (w *Workspace) raiseBound() {
	if w.exact || w.nTop == 0 || w.nP == 0 {
		return
	}
	if lb := w.lagrangeBound(w.slots[w.rank[0]].cost); lb > w.lb2 {
		w.lbOpen = min(w.bestSingle, lb)
	}
}

// lsPoolSize is how many candidates the local search considers for swaps
// and additions: the best by cost per unit carried.
const lsPoolSize = 64

// buildPool keeps in w.pool the size candidates of from (nil: all) with the
// lowest cost per unit they could carry of the whole order (ties: lower
// index), in that order.
func (w *Workspace) buildPool(from []int32, size int) {
	copy(w.rem, w.q[:w.nP])
	w.pool = w.pool[:0]
	w.poolKey = w.poolKey[:0]
	n := len(w.cand)
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
		n := len(w.pool)
		if n == size && r >= w.poolKey[n-1] {
			continue
		}
		if n < size {
			w.pool = append(w.pool, 0)
			w.poolKey = append(w.poolKey, 0)
			n++
		}
		j := n - 1
		for j > 0 && w.poolKey[j-1] > r {
			w.pool[j], w.poolKey[j] = w.pool[j-1], w.poolKey[j-1]
			j--
		}
		w.pool[j], w.poolKey[j] = int32(i), r
	}
}

// greedy builds one plan from the candidates in pool (nil: all), offers it
// and leaves its set, ascending, in w.hset. It reports whether every planned
// line that must be filled was covered. With lost sales a candidate takes
// part only when what it carries costs less than leaving it unfilled (see
// greedyTake), and the rest is left unfilled.
func (w *Workspace) greedy(pool []int32) bool {
	P := w.nP
	w.rem = grow(w.rem, P)
	copy(w.rem, w.q[:P])
	left := w.sumQ
	if w.lost.on {
		left = 0 // units that must still be covered
		for _, v := range w.need {
			left += v
		}
	}
	w.hset = w.hset[:0]
	w.hx = w.hx[:0]
	w.nodeUsed = grow(w.nodeUsed, w.nNodes)
	clear(w.nodeUsed)
	for (left > 0 || w.lost.on) && (w.maxShip == 0 || len(w.hset) < w.maxShip) {
		best, bestRatio := -1, math.Inf(1)
		n := len(w.cand)
		if pool != nil {
			n = len(pool)
		}
		for k := 0; k < n; k++ {
			i := k
			if pool != nil {
				i = int(pool[k])
			}
			if w.nodeUsed[w.cnode[i]] {
				continue
			}
			units, cost := w.greedyTake(i, len(w.hset) > 0, false)
			if w.lost.on {
				if left > 0 {
					// Lines that must be filled come first: a candidate
					// is worth its units of them.
					units = w.greedyNeed
				} else if cost >= w.greedyValue {
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
		w.work += 1 + n/scanPerWork
		if best < 0 {
			break
		}
		units, _ := w.greedyTake(best, len(w.hset) > 0, true)
		w.hset = append(w.hset, int32(best))
		w.nodeUsed[w.cnode[best]] = true
		if w.lost.on {
			units = w.greedyNeed
		}
		left -= units
	}
	if left > 0 {
		return false
	}
	// Sort the set, and its rows, ascending.
	k := len(w.hset)
	w.eset = append(w.eset[:0], w.hset...)
	w.perm = grow(w.perm, k)
	for j := range w.perm {
		w.perm[j] = int32(j)
	}
	for a := 1; a < k; a++ {
		for b := a; b > 0 && w.hset[w.perm[b]] < w.hset[w.perm[b-1]]; b-- {
			w.perm[b], w.perm[b-1] = w.perm[b-1], w.perm[b]
		}
	}
	w.bestX = grow(w.bestX, k*P)
	for j, src := range w.perm {
		w.eset[j] = w.hset[src]
		copy(w.bestX[j*P:(j+1)*P], w.hx[int(src)*P:(int(src)+1)*P])
	}
	copy(w.hset, w.eset)
	w.offer(w.setCost(w.eset, w.bestX), w.eset, w.bestX)
	return true
}

// greedyTake is what candidate i would carry of the remaining demand w.rem:
// units and cost (fixed + penalty when not first + units). With apply it
// takes them: w.rem shrinks and a row is appended to w.hx. With lost sales
// it carries a line only at a unit cost below the line's price, and leaves
// in w.greedyValue what leaving those units unfilled would cost (+Inf when
// some must be filled) and in w.greedyNeed how many of them must be.
func (w *Workspace) greedyTake(i int, notFirst, apply bool) (int64, float64) {
	P := w.nP
	row := i * P
	capLeft, wLeft := w.capU[i], w.maxW[i]
	var units, need int64
	var value float64
	cost := w.fix[i]
	if notFirst {
		cost += w.pen
	}
	if apply {
		for pi := 0; pi < P; pi++ {
			w.hx = append(w.hx, 0)
		}
	}
	for k := 0; k < P; k++ {
		pi := k
		if w.lost.on {
			pi = int(w.lost.order[k]) // lines that must be filled first
		}
		r := w.rem[pi]
		c := w.cst[row+pi]
		if r == 0 || math.IsInf(c, 1) || (w.lost.on && c >= w.lost.price[pi]) {
			continue
		}
		t := Carry(r, int64(w.sup[row+pi]), capLeft, wLeft, w.wt[pi])
		if !w.split && t < r {
			t = 0
		}
		if t <= 0 {
			continue
		}
		units += t
		cost += float64(t) * c
		capLeft -= t
		wLeft -= float64(t) * w.wt[pi]
		if apply {
			w.rem[pi] -= t
			w.hx[len(w.hx)-P+pi] = t
		}
		if w.lost.on {
			value += float64(t) * w.lost.price[pi]
			if w.need[pi] > 0 {
				need += t
			}
		}
	}
	w.greedyValue, w.greedyNeed = value, need
	return units, cost
}

// greedyAlloc allocates the planned lines over the ascending set es, each
// line to its cheapest members first, into w.bestX. It returns the plan's
// cost, or false when it left a line uncovered or a member empty. With
// lost sales the lost row is the last member; when it takes something, the
// allocation over the members alone is tried too (the per-order cost may
// make it cheaper) and kept when it costs no more.
func (w *Workspace) greedyAlloc(es []int32) (float64, bool) {
	if !w.lost.on {
		return w.greedyFill(es, len(es))
	}
	k, P := len(es), w.nP
	w.lost.lset = append(append(w.lost.lset[:0], es...), w.lost.row)
	c, ok := w.greedyFill(w.lost.lset, k)
	if !ok || !w.lostRowUsed(k) {
		return c, ok
	}
	w.lost.xSave = append(w.lost.xSave[:0], w.bestX[:(k+1)*P]...)
	if c2, ok2 := w.greedyFill(es, k); ok2 && c2 <= c+tol(c) {
		return c2, true
	}
	w.bestX = grow(w.bestX, (k+1)*P)
	copy(w.bestX, w.lost.xSave)
	return c, true
}

// greedyFill is greedyAlloc over the members es, the first k of which are
// the set (the one after them, if any, is the lost row).
func (w *Workspace) greedyFill(es []int32, k int) (float64, bool) {
	P, n := w.nP, len(es)
	w.remCap = grow(w.remCap, n)
	w.remW = grow(w.remW, n)
	for j, ci := range es {
		w.remCap[j] = w.capU[ci]
		w.remW[j] = w.maxW[ci]
	}
	w.bestX = grow(w.bestX, n*P)
	clear(w.bestX[:n*P])
	w.perm = grow(w.perm, n)
	for k := 0; k < P; k++ {
		pi := k
		if w.lost.on {
			pi = int(w.lost.order[k]) // lines that must be filled first
		}
		m := 0
		for j, ci := range es {
			c := w.cst[int(ci)*P+pi]
			if math.IsInf(c, 1) {
				continue
			}
			b := m
			for b > 0 && w.cst[int(es[w.perm[b-1]])*P+pi] > c {
				w.perm[b] = w.perm[b-1]
				b--
			}
			w.perm[b] = int32(j)
			m++
		}
		r := w.q[pi]
		for _, j := range w.perm[:m] {
			ci := int(es[j])
			t := Carry(r, int64(w.sup[ci*P+pi]), w.remCap[j], w.remW[j], w.wt[pi])
			if !w.split && t < r {
				continue
			}
			if t <= 0 {
				continue
			}
			w.bestX[int(j)*P+pi] = t
			w.remCap[j] -= t
			w.remW[j] -= float64(t) * w.wt[pi]
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
			units += w.bestX[j*P+pi]
		}
		if units == 0 {
			return 0, false
		}
	}
	return w.setCost(es[:k], w.bestX), true
}

// setLB bounds any allocation over the ascending set es: fixed costs,
// penalties and each line at its cheapest member (or its price, with lost
// sales).
func (w *Workspace) setLB(es []int32) float64 {
	P := w.nP
	lb := 0.0
	if len(es) > 1 {
		lb = w.pen * float64(len(es)-1)
	}
	for _, ci := range es {
		lb += w.fix[ci]
	}
	for pi := 0; pi < P; pi++ {
		m := math.Inf(1)
		if w.lost.on {
			m = w.lost.price[pi]
		}
		for _, ci := range es {
			if c := w.cst[int(ci)*P+pi]; c < m {
				m = c
			}
		}
		lb += float64(w.q[pi]) * m
	}
	return lb
}

// try evaluates the ascending set es greedily when its bound can beat cur,
// offers the plan, and returns its cost (+Inf when it cannot improve).
func (w *Workspace) try(es []int32, cur float64) float64 {
	if w.work >= w.budget {
		w.abort = true
		return math.Inf(1)
	}
	w.work++
	if w.setLB(es) >= cur-tol(cur) && w.nTop >= w.capTp {
		return math.Inf(1)
	}
	c, ok := w.greedyAlloc(es)
	if !ok {
		return math.Inf(1)
	}
	w.offer(c, es, w.bestX)
	return c
}

// localSearch improves the set in w.hset by first-improvement moves until
// none improves or the budget runs out.
func (w *Workspace) localSearch() {
	cur := w.try(w.hset, math.Inf(1))
	if math.IsInf(cur, 1) {
		// The greedy allocation of the constructed set failed; keep the
		// constructed plan (already offered) as it is.
		cur = w.slots[w.rank[0]].cost
	}
	for !w.abort {
		if !w.improve(&cur) {
			return
		}
	}
}

// improve tries drop, swap and add moves on w.hset in that order and applies
// the first that lowers cur.
func (w *Workspace) improve(cur *float64) bool {
	k := len(w.hset)
	// Drop one shipment.
	for j := 0; j < k && k > 1; j++ {
		w.tset = append(w.tset[:0], w.hset[:j]...)
		w.tset = append(w.tset, w.hset[j+1:]...)
		if c := w.try(w.tset, *cur); c < *cur-tol(*cur) {
			*cur = c
			w.hset = append(w.hset[:0], w.tset...)
			return true
		}
	}
	// Swap one shipment for another candidate of the pool.
	for j := 0; j < k; j++ {
		for _, i := range w.pool {
			if w.abort {
				return false
			}
			if !w.fits(i, j) {
				continue
			}
			w.tset = w.replace(w.tset[:0], j, i)
			if c := w.try(w.tset, *cur); c < *cur-tol(*cur) {
				*cur = c
				w.hset = append(w.hset[:0], w.tset...)
				return true
			}
		}
	}
	// Add one shipment from the pool.
	if w.maxShip == 0 || k < w.maxShip {
		for _, i := range w.pool {
			if w.abort {
				return false
			}
			if !w.fits(i, -1) {
				continue
			}
			w.tset = w.replace(w.tset[:0], -1, i)
			if c := w.try(w.tset, *cur); c < *cur-tol(*cur) {
				*cur = c
				w.hset = append(w.hset[:0], w.tset...)
				return true
			}
		}
	}
	return false
}

// seedNear offers the plans one swap away from w.hset (candidates from
// w.pool), without moving to any of them.
func (w *Workspace) seedNear() {
	k := len(w.hset)
	for j := 0; j < k; j++ {
		for _, i := range w.pool {
			if !w.fits(i, j) {
				continue
			}
			w.tset = w.replace(w.tset[:0], j, i)
			w.try(w.tset, w.thr)
		}
	}
}

// fits reports whether candidate i may join w.hset in place of member skip
// (-1: none): it is not a member and its node is not used by another member.
func (w *Workspace) fits(i int32, skip int) bool {
	for j, ci := range w.hset {
		if ci == i {
			return false
		}
		if j != skip && w.cnode[ci] == w.cnode[i] {
			return false
		}
	}
	return true
}

// replace writes into dst the ascending set w.hset with member skip (-1:
// none) removed and candidate i added.
func (w *Workspace) replace(dst []int32, skip int, i int32) []int32 {
	added := false
	for j, ci := range w.hset {
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
