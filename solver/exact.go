package solver

import (
	"math"
)

// The exact search is a branch and bound over sets of candidates.
//
// A search node is a set S' of candidates (at most one per node). When S'
// cannot yet supply some line (by a per-line supply check that ignores shared
// capacity), the node branches on the uncovered line with the fewest
// candidates: child i adds the i-th candidate that can carry that line and
// forbids the earlier ones, so every set is met at most once. When S' can
// supply every line, its cheapest allocation is computed (evaluate) and the
// node branches on every remaining candidate, in case one more shipment pays
// for itself. Single shipments come first, found by the filtering pass in
// the same scan over the options; they give the first upper bound and, very
// often, the proof: no plan of two or more shipments can cost less than the
// two cheapest fixed costs + the split penalty + every line at its cheapest
// unit cost. Then nothing else is built: the candidate tables and node ids
// are filled only when the search goes on, and only for the candidates that
// survive the fixed-cost bound.
//
// A child's lower bound is the cheaper of "stop here" (fixed costs so far +
// penalties + each line at the cheapest unit cost within the set, when the
// set supplies every line) and "add more" (the same + the cheapest fixed cost
// + one more penalty, with each line at its cheapest unit cost anywhere).
// When "add more" cannot win at a node, only candidates that complete the
// set matter: they are found through buckets of candidates keyed by the mask
// of lines they carry, and evaluated without recursion (completeOnly).
//
// A child that can at best tie with the last ranked plan is dropped when
// the tie rule would rank it lower anyway (more shipments, or as many and a
// lexicographically larger set; see losesTie). Candidates are scanned in
// ascending order, so once every child can at best tie, the scan stops at
// the first one that loses: when many options cost the same (pickup in
// store), this cuts the search to the sets that could still win the tie.
//
// Before the search, a greedy plan and the plans one swap away from it fill
// the ranked list (the best plan and the alternatives), and only candidates
// whose fixed cost leaves room under its last entry take part.
//
// With lost sales (lost.go), "supply every line" means every line that must
// be filled, a line's cheapest unit cost counts its price, and every
// allocation may leave units of priced lines to the lost row.

// runExact searches the candidate tables for the ranked plans.
func (w *Workspace) runExact() {
	P, nc := w.tables.lines, len(w.tables.option)
	w.search.maxDepth = nc
	if w.rules.splitLines {
		if w.tables.totalUnits < int64(w.search.maxDepth) {
			w.search.maxDepth = int(w.tables.totalUnits)
		}
	} else if P < w.search.maxDepth {
		w.search.maxDepth = P
	}
	if w.rules.maxShipments > 0 && w.rules.maxShipments < w.search.maxDepth {
		w.search.maxDepth = w.rules.maxShipments
	}
	w.singles()
	if w.search.maxDepth < 2 || nc < 2 {
		return
	}
	w.search.cheapestLinesCost = 0
	for pi := 0; pi < P; pi++ {
		w.search.cheapestLinesCost += float64(w.tables.quantity[pi]) * w.tables.cheapestUnit[pi]
	}
	if w.filter.cheapestFixed+w.filter.secondCheapestFixed+w.rules.splitPenalty+w.search.cheapestLinesCost >= w.pruneAt() {
		return // no plan of two or more shipments can do better
	}
	w.fillFixed()
	w.denseNodes()
	// A first plan of several shipments, to prune with, from the
	// candidates that may take part in one; only their rows of the
	// candidate tables are read from here on.
	if !w.survivors(false) {
		return
	}
	w.useRows(w.search.survivors)
	if w.greedy(w.search.survivors) && w.ranked.keep > 1 {
		// Plans one swap away from the greedy one fill the ranked list, so
		// that the search prunes against the last alternative from the
		// start.
		w.buildPool(w.search.survivors, seedPoolSize)
		w.seedNear()
	}
	if !w.survivors(true) {
		return
	}
	w.search.set = grow(w.search.set, w.search.maxDepth+1)
	w.search.setCheapestUnit = grow(w.search.setCheapestUnit, (w.search.maxDepth+1)*P)
	for pi := 0; pi < P; pi++ {
		w.search.setCheapestUnit[pi] = math.Inf(1)
	}
	if w.lost.on {
		// Leaving a unit unfilled is the cheapest "member" of the empty
		// set.
		copy(w.search.setCheapestUnit[:P], w.lost.price)
	}
	w.search.setSupply = grow(w.search.setSupply, P)
	clear(w.search.setSupply)
	w.search.forbidden = grow(w.search.forbidden, nc)
	clear(w.search.forbidden)
	w.search.forbiddenStack = w.search.forbiddenStack[:0]
	w.search.nodeInSet = grow(w.search.nodeInSet, w.nodes.count)
	clear(w.search.nodeInSet)
	w.explore(0, 0, 0)
	if w.run.aborted && math.IsInf(w.run.openBound, 1) {
		w.run.openBound = w.filter.cheapestFixed + w.search.cheapestLinesCost
	}
}

// seedPoolSize is how many candidates seed the ranked list by swaps.
const seedPoolSize = 16

// survivors keeps the candidates that can take part in a plan of two or more
// shipments that beats the current threshold, in index order, in w.search.survivors
// and, with lists, per line in w.search.lineSurvivors/w.search.lineSurvivorStart and per carry mask in
// buckets. It reports whether two or more survived.
func (w *Workspace) survivors(lists bool) bool {
	P := w.tables.lines
	thr := w.pruneAt()
	keep := func(i int) bool {
		other := w.filter.cheapestFixed
		if w.tables.fixedCost[i] <= w.filter.cheapestFixed {
			other = w.filter.secondCheapestFixed
		}
		return w.tables.fixedCost[i]+other+w.rules.splitPenalty+w.search.cheapestLinesCost < thr
	}
	if w.search.survivorsKept {
		// Second pass with a lower threshold: filter in place.
		n := 0
		for _, i := range w.search.survivors {
			if keep(int(i)) {
				w.search.survivors[n] = i
				n++
			}
		}
		w.search.survivors = w.search.survivors[:n]
	} else {
		w.search.survivorsKept = true
		w.search.survivors = w.search.survivors[:0]
		for i := range w.tables.option {
			if keep(i) {
				w.search.survivors = append(w.search.survivors, int32(i))
			}
		}
	}
	if len(w.search.survivors) < 2 {
		return false
	}
	if !lists {
		return true
	}
	w.search.lineSurvivorStart = grow(w.search.lineSurvivorStart, P+1)
	clear(w.search.lineSurvivorStart)
	for _, i := range w.search.survivors {
		row := int(i) * P
		for pi := 0; pi < P; pi++ {
			if !math.IsInf(w.tables.unitCost[row+pi], 1) {
				w.search.lineSurvivorStart[pi+1]++
			}
		}
	}
	for pi := 0; pi < P; pi++ {
		w.search.lineSurvivorStart[pi+1] += w.search.lineSurvivorStart[pi]
	}
	w.buildBuckets()
	w.search.lineSurvivors = grow(w.search.lineSurvivors, int(w.search.lineSurvivorStart[P]))
	w.search.listCursor = grow(w.search.listCursor, P)
	copy(w.search.listCursor, w.search.lineSurvivorStart[:P])
	for _, i := range w.search.survivors {
		row := int(i) * P
		for pi := 0; pi < P; pi++ {
			if !math.IsInf(w.tables.unitCost[row+pi], 1) {
				w.search.lineSurvivors[w.search.listCursor[pi]] = i
				w.search.listCursor[pi]++
			}
		}
	}
	return true
}

// maxBucketLines is the most lines for which survivors are also bucketed by
// the mask of lines they can carry.
const maxBucketLines = 12

// buildBuckets groups the survivors by the mask of lines they can carry
// (some units with split lines, all units without), each group in index
// order, for nodes where only a completing candidate can help.
func (w *Workspace) buildBuckets() {
	w.search.bucketed = w.tables.lines <= maxBucketLines && w.search.survivorsKept
	if !w.search.bucketed {
		return
	}
	nb := 1 << uint(w.tables.lines)
	w.search.bucketStart = grow(w.search.bucketStart, nb+1)
	clear(w.search.bucketStart)
	for _, i := range w.search.survivors {
		w.search.bucketStart[w.carryMask(i)+1]++
	}
	for b := 0; b < nb; b++ {
		w.search.bucketStart[b+1] += w.search.bucketStart[b]
	}
	w.search.bucketList = grow(w.search.bucketList, len(w.search.survivors))
	w.search.listCursor = grow(w.search.listCursor, nb)
	copy(w.search.listCursor, w.search.bucketStart[:nb])
	for _, i := range w.search.survivors {
		b := w.carryMask(i)
		w.search.bucketList[w.search.listCursor[b]] = i
		w.search.listCursor[b]++
	}
}

func (w *Workspace) carryMask(i int32) uint64 {
	if w.rules.splitLines {
		return w.tables.partMask[i] & w.allMask()
	}
	return w.tables.fullMask[i] & w.allMask()
}

// completeOnly handles a node whose children can only win as complete sets
// of exactly d+1 members (one more shipment would cost too much): it
// evaluates the candidates whose carry mask covers every line still needed,
// bucket by bucket, and never recurses.
func (w *Workspace) completeOnly(d int, fsum float64, cov, need uint64) {
	floor := fsum + w.rules.splitPenalty*float64(d) + w.search.cheapestLinesCost
	free := w.allMask() &^ need
	// Every superset of need: need | sub for every sub of free.
	sub := uint64(0)
	examined := 0
	defer func() { w.run.work += examined / scanPerWork }()
	for {
		b := need | sub
		for _, i := range w.search.bucketList[w.search.bucketStart[b]:w.search.bucketStart[b+1]] {
			if floor+w.tables.fixedCost[i] >= w.ranked.threshold {
				continue
			}
			if floor+w.tables.fixedCost[i] >= w.ranked.tieBelow && w.losesTie(d, i) {
				if floor+w.filter.cheapestFixed >= w.ranked.tieBelow {
					break // so do the later ones (see losesTie)
				}
				continue
			}
			if w.search.forbidden[i] || w.search.nodeInSet[w.nodes.ofCandidate[i]] {
				continue
			}
			examined++
			if !w.rules.splitLines && (cov|w.tables.fullMask[i])&w.tables.mustMask != w.tables.mustMask {
				continue
			}
			if lb := w.completeStopLB(d, fsum, i); lb >= w.ranked.threshold || (lb >= w.ranked.tieBelow && w.losesTie(d, i)) {
				continue
			}
			w.run.work++
			if w.run.work > w.run.budget {
				w.run.aborted = true
				return
			}
			w.push(d, i)
			w.evaluate(d + 1)
			w.pop(d, i)
			if w.run.aborted {
				return
			}
		}
		if sub == free {
			return
		}
		sub = (sub - free) & free // next subset of free
	}
}

// singles offers every candidate that can carry the whole order alone.
func (w *Workspace) singles() {
	P := w.tables.lines
	var wsum float64
	for pi := 0; pi < P; pi++ {
		wsum += float64(w.tables.quantity[pi]) * w.tables.unitWeight[pi]
	}
	w.alloc.best = grow(w.alloc.best, P)
	copy(w.alloc.best, w.tables.quantity[:P])
	var one [1]int32
	w.search.bestSingleCost = math.Inf(1)
	if w.lost.on {
		w.singlesLost()
		return
	}
	if P == len(w.problem.Lines) && P <= 64 {
		// Every line is planned: exclude listed the options that carry
		// the whole order alone, with their cost (as setCost sums it).
		for k, i := range w.filter.singles {
			cost := w.filter.singleCost[k]
			if cost < w.search.bestSingleCost {
				w.search.bestSingleCost = cost
			}
			if cost >= w.ranked.threshold {
				continue
			}
			one[0] = i
			w.offer(cost, one[:], w.alloc.best)
		}
		return
	}
	w.useTables()
	for i := range w.tables.option {
		if w.tables.totalUnits > w.tables.capacity[i] || wsum > w.tables.maxWeight[i]+1e-9 {
			continue
		}
		row := i * P
		cost := w.tables.fixedCost[i]
		ok := true
		for pi := 0; pi < P; pi++ {
			if int64(w.tables.supply[row+pi]) < w.tables.quantity[pi] {
				ok = false
				break
			}
			cost += float64(w.tables.quantity[pi]) * w.tables.unitCost[row+pi]
		}
		if !ok {
			continue
		}
		if cost < w.search.bestSingleCost {
			w.search.bestSingleCost = cost
		}
		if cost >= w.pruneAt() {
			continue
		}
		one[0] = int32(i)
		w.offer(w.setCost(one[:], w.alloc.best), one[:], w.alloc.best)
	}
}

// complete reports whether the set of depth d supplies every line, as far as
// the per-line check can tell.
func (w *Workspace) complete(cov uint64) bool {
	if !w.rules.splitLines {
		return cov&w.tables.mustMask == w.tables.mustMask
	}
	for pi := 0; pi < w.tables.lines; pi++ {
		if w.search.setSupply[pi] < w.tables.need[pi] {
			return false
		}
	}
	return true
}

func (w *Workspace) allMask() uint64 {
	if w.tables.lines >= 64 {
		return math.MaxUint64
	}
	return 1<<uint(w.tables.lines) - 1
}

// canGrow reports whether a set of n candidates may still grow.
func (w *Workspace) canGrow(n int) bool { return n < w.search.maxDepth }

// explore is one search node: the set w.search.set[:d] with fixed costs fsum and,
// without split lines, the mask cov of lines some member carries whole.
func (w *Workspace) explore(d int, fsum float64, cov uint64) {
	w.run.work++
	if w.run.work > w.run.budget {
		w.run.aborted = true
		return
	}
	complete := w.complete(cov)
	if complete && d >= 2 {
		w.evaluate(d)
		if w.run.aborted {
			return
		}
	}
	if !w.canGrow(d) {
		return
	}
	var list []int32
	if complete {
		list = w.search.survivors
	} else {
		bl := w.pickLine(cov)
		list = w.search.lineSurvivors[w.search.lineSurvivorStart[bl]:w.search.lineSurvivorStart[bl+1]]
	}
	mark := len(w.search.forbiddenStack)
	// Every child costs at least floor + its fixed cost; a child that is
	// not complete also needs one more shipment (more), since the cheapest
	// unit costs are already in floor.
	floor := fsum + w.rules.splitPenalty*float64(d) + w.search.cheapestLinesCost
	var need uint64 // lines the set cannot yet supply (split lines)
	if w.rules.splitLines {
		for pi := 0; pi < w.tables.lines; pi++ {
			if w.search.setSupply[pi] < w.tables.need[pi] {
				need |= 1 << uint(pi)
			}
		}
	}
	extra := math.Inf(1)
	if w.canGrow(d + 1) {
		extra = w.filter.cheapestFixed + w.rules.splitPenalty
	}
	if w.search.bucketed && d >= 1 && floor+w.filter.cheapestFixed+extra >= w.ranked.threshold {
		if !w.rules.splitLines {
			need = w.tables.mustMask &^ cov
		}
		w.completeOnly(d, fsum, cov, need)
		if w.run.aborted {
			w.noteOpen(d, fsum, cov, list)
		}
		return
	}
	examined := 0
	for idx, i := range list {
		fi := w.tables.fixedCost[i]
		thr := w.ranked.threshold
		if floor+fi >= thr {
			continue // too dear at this depth
		}
		if floor+fi >= w.ranked.tieBelow && w.childLosesTie(d, i) {
			if floor+w.filter.cheapestFixed >= w.ranked.tieBelow {
				break // so do the later ones (see losesTie)
			}
			continue
		}
		if w.search.forbidden[i] || w.search.nodeInSet[w.nodes.ofCandidate[i]] {
			continue
		}
		examined++
		ncov := cov
		if !w.rules.splitLines {
			ncov |= w.tables.fullMask[i]
		}
		if floor+fi+extra >= thr {
			// Only "stop here" can beat thr: the child must supply every
			// line, and its own bound must be low enough.
			if w.tables.partMask[i]&need != need || !w.completeWith(i, ncov) || w.stopLB(d, fsum, i) >= thr {
				w.search.forbidden[i] = true
				w.search.forbiddenStack = append(w.search.forbiddenStack, i)
				continue
			}
		}
		w.push(d, i)
		w.explore(d+1, fsum+fi, ncov)
		w.pop(d, i)
		if w.run.aborted {
			w.noteOpen(d, fsum, cov, list[idx:])
			break
		}
		w.search.forbidden[i] = true
		w.search.forbiddenStack = append(w.search.forbiddenStack, i)
	}
	for _, i := range w.search.forbiddenStack[mark:] {
		w.search.forbidden[i] = false
	}
	w.search.forbiddenStack = w.search.forbiddenStack[:mark]
	w.run.work += examined / scanPerWork
}

// childLosesTie reports whether every plan that contains w.search.set[:d] and
// candidate i loses to the last ranked plan at equal cost. Such plans have
// d+1 members at least, and two at least: single shipments are not
// evaluated here.
func (w *Workspace) childLosesTie(d int, i int32) bool {
	if d == 0 {
		return len(w.ranked.lastSet) == 1
	}
	return w.losesTie(d, i)
}

// scanPerWork is how many candidates a node may examine for one unit of
// work, so that the budget bounds time on large networks too.
const scanPerWork = 32

// noteOpen lowers w.run.openBound to the bound of the children left unexplored
// when the budget ran out.
func (w *Workspace) noteOpen(d int, fsum float64, cov uint64, rest []int32) {
	for k, i := range rest {
		if k > 0 && (w.search.forbidden[i] || w.search.nodeInSet[w.nodes.ofCandidate[i]]) {
			continue
		}
		if lb, _ := w.childLB(d, fsum, i, cov); lb < w.run.openBound {
			w.run.openBound = lb
		}
	}
}

// pickLine returns the uncovered line with the fewest candidates.
func (w *Workspace) pickLine(cov uint64) int {
	best, bestN := -1, int32(math.MaxInt32)
	for pi := 0; pi < w.tables.lines; pi++ {
		if w.rules.splitLines {
			if w.search.setSupply[pi] >= w.tables.need[pi] {
				continue
			}
		} else if cov&(1<<uint(pi)) != 0 || w.tables.mustMask&(1<<uint(pi)) == 0 {
			continue
		}
		if n := w.search.lineSurvivorStart[pi+1] - w.search.lineSurvivorStart[pi]; n < bestN {
			best, bestN = pi, n
		}
	}
	return best
}

// completeWith reports whether the set plus candidate i supplies every line
// (ncov: the coverage mask with i, without split lines).
func (w *Workspace) completeWith(i int32, ncov uint64) bool {
	if !w.rules.splitLines {
		return ncov&w.tables.mustMask == w.tables.mustMask
	}
	row := int(i) * w.tables.lines
	for pi := 0; pi < w.tables.lines; pi++ {
		if w.search.setSupply[pi]+int64(w.tables.supply[row+pi]) < w.tables.need[pi] {
			return false
		}
	}
	return true
}

// completeStopLB is stopLB when the set plus candidate i supplies every
// line (as completeWith checks with split lines), +Inf otherwise, in one
// pass that stops as soon as the answer is +Inf or above w.ranked.threshold.
func (w *Workspace) completeStopLB(d int, fsum float64, i int32) float64 {
	P := w.tables.lines
	mc := w.search.setCheapestUnit[d*P : (d+1)*P]
	row := int(i) * P
	lb := fsum + w.tables.fixedCost[i] + w.rules.splitPenalty*float64(d)
	for pi := 0; pi < P; pi++ {
		if w.rules.splitLines && w.search.setSupply[pi]+int64(w.tables.supply[row+pi]) < w.tables.need[pi] {
			return math.Inf(1)
		}
		m := mc[pi]
		if c := w.tables.unitCost[row+pi]; c < m {
			m = c
		}
		lb += float64(w.tables.quantity[pi]) * m
	}
	return lb
}

// stopLB bounds the plan that is exactly the set plus candidate i.
func (w *Workspace) stopLB(d int, fsum float64, i int32) float64 {
	P := w.tables.lines
	mc := w.search.setCheapestUnit[d*P : (d+1)*P]
	row := int(i) * P
	lb := fsum + w.tables.fixedCost[i] + w.rules.splitPenalty*float64(d)
	for pi := 0; pi < P; pi++ {
		m := mc[pi]
		if c := w.tables.unitCost[row+pi]; c < m {
			m = c
		}
		lb += float64(w.tables.quantity[pi]) * m
	}
	return lb
}

// childLB bounds every plan that contains w.search.set[:d] and candidate i.
func (w *Workspace) childLB(d int, fsum float64, i int32, cov uint64) (float64, uint64) {
	P := w.tables.lines
	mc := w.search.setCheapestUnit[d*P : (d+1)*P]
	row := int(i) * P
	base := fsum + w.tables.fixedCost[i] + w.rules.splitPenalty*float64(d)
	stop, more := 0.0, 0.0
	comp := true
	for pi := 0; pi < P; pi++ {
		m := mc[pi]
		if c := w.tables.unitCost[row+pi]; c < m {
			m = c
		}
		q := float64(w.tables.quantity[pi])
		stop += q * m
		if g := w.tables.cheapestUnit[pi]; g < m {
			more += q * g
		} else {
			more += q * m
		}
		if w.rules.splitLines && w.search.setSupply[pi]+int64(w.tables.supply[row+pi]) < w.tables.need[pi] {
			comp = false
		}
	}
	ncov := cov
	if !w.rules.splitLines {
		ncov |= w.tables.fullMask[i]
		comp = ncov&w.tables.mustMask == w.tables.mustMask
	}
	lb := math.Inf(1)
	if comp {
		lb = base + stop
	}
	if w.canGrow(d + 1) {
		if m := base + w.filter.cheapestFixed + w.rules.splitPenalty + more; m < lb {
			lb = m
		}
	}
	return lb, ncov
}

func (w *Workspace) push(d int, i int32) {
	P := w.tables.lines
	w.search.set[d] = i
	w.search.nodeInSet[w.nodes.ofCandidate[i]] = true
	mc := w.search.setCheapestUnit[d*P : (d+1)*P]
	nm := w.search.setCheapestUnit[(d+1)*P : (d+2)*P]
	row := int(i) * P
	for pi := 0; pi < P; pi++ {
		m := mc[pi]
		if c := w.tables.unitCost[row+pi]; c < m {
			m = c
		}
		nm[pi] = m
		if w.rules.splitLines {
			w.search.setSupply[pi] += int64(w.tables.supply[row+pi])
		}
	}
}

func (w *Workspace) pop(d int, i int32) {
	w.search.nodeInSet[w.nodes.ofCandidate[i]] = false
	if w.rules.splitLines {
		row := int(i) * w.tables.lines
		for pi := 0; pi < w.tables.lines; pi++ {
			w.search.setSupply[pi] -= int64(w.tables.supply[row+pi])
		}
	}
}

// evaluate finds the cheapest allocation of the planned lines over the set
// w.search.set[:k] and offers the plan if every member carries something.
func (w *Workspace) evaluate(k int) {
	w.alloc.members = append(w.alloc.members[:0], w.search.set[:k]...)
	es := w.alloc.members
	for a := 1; a < k; a++ {
		for b := a; b > 0 && es[b] < es[b-1]; b-- {
			es[b], es[b-1] = es[b-1], es[b]
		}
	}
	fs := 0.0
	for _, ci := range es {
		fs += w.tables.fixedCost[ci]
	}
	base := fs + w.rules.splitPenalty*float64(k-1)
	bound := w.pruneAt() - base
	if bound <= 0 {
		return
	}
	if w.lost.on {
		// The lost row joins the set as its last member (see lost.go).
		w.alloc.members = append(w.alloc.members, w.lost.row)
		if w.allocate(w.alloc.members, bound) {
			w.offerLost(k, base, bound)
		}
		return
	}
	if w.allocate(es, bound) {
		w.offerIfFull(es)
	}
}

// allocate finds the cheapest allocation of the planned lines over the
// members es (the set in w.alloc.members, with the lost row last when there is one)
// whose cost, without fixed costs and penalties, is below bound. It leaves
// it in w.alloc.best, row j for es[j], and reports whether it found one.
func (w *Workspace) allocate(es []int32, bound float64) bool {
	P, k := w.tables.lines, len(es)
	w.alloc.capacityLeft = grow(w.alloc.capacityLeft, k)
	w.alloc.weightLeft = grow(w.alloc.weightLeft, k)
	for j, ci := range es {
		w.alloc.capacityLeft[j] = w.tables.capacity[ci]
		w.alloc.weightLeft[j] = w.tables.maxWeight[ci]
	}
	w.alloc.best = grow(w.alloc.best, k*P)
	clear(w.alloc.best[:k*P])
	if done, ok := w.cheapestWhole(es, bound); done {
		return ok
	}
	// Per line, the members that can carry it, cheapest first.
	w.alloc.lineOrder = grow(w.alloc.lineOrder, P*k)
	w.alloc.lineOrderLen = grow(w.alloc.lineOrderLen, P)
	w.alloc.restBound = grow(w.alloc.restBound, P+1)
	for pi := 0; pi < P; pi++ {
		n := 0
		o := w.alloc.lineOrder[pi*k : (pi+1)*k]
		for j, ci := range es {
			c := w.tables.unitCost[int(ci)*P+pi]
			if math.IsInf(c, 1) {
				continue
			}
			b := n
			for b > 0 && w.tables.unitCost[int(es[o[b-1]])*P+pi] > c {
				o[b] = o[b-1]
				b--
			}
			o[b] = int32(j)
			n++
		}
		w.alloc.lineOrderLen[pi] = int32(n)
	}
	w.alloc.restBound[P] = 0
	for pi := P - 1; pi >= 0; pi-- {
		m := math.Inf(1)
		if w.alloc.lineOrderLen[pi] > 0 {
			m = w.tables.unitCost[int(es[w.alloc.lineOrder[pi*k]])*P+pi]
		}
		w.alloc.restBound[pi] = w.alloc.restBound[pi+1] + float64(w.tables.quantity[pi])*m
	}
	if w.alloc.restBound[0] >= bound {
		return false
	}
	for j, ci := range es {
		w.alloc.capacityLeft[j] = w.tables.capacity[ci]
		w.alloc.weightLeft[j] = w.tables.maxWeight[ci]
	}
	w.alloc.current = grow(w.alloc.current, k*P)
	clear(w.alloc.current)
	w.alloc.best = grow(w.alloc.best, k*P)
	w.alloc.bestCost = bound
	w.alloc.found = false
	w.allocLine(k, 0, 0)
	return w.alloc.found
}

// cheapestWhole tries the allocation that sends every line whole to its
// cheapest member (the lowest position on ties). When it fits every
// member's capacity and weight no allocation is cheaper, so it is the answer:
// done is true, and ok says whether it beats bound (the result is in
// w.alloc.best). When it does not fit, done is false and the full search runs.
func (w *Workspace) cheapestWhole(es []int32, bound float64) (done, ok bool) {
	P := w.tables.lines
	cost := 0.0
	for pi := 0; pi < P; pi++ {
		best, bc := -1, math.Inf(1)
		for j, ci := range es {
			if c := w.tables.unitCost[int(ci)*P+pi]; c < bc {
				best, bc = j, c
			}
		}
		q := w.tables.quantity[pi]
		if best < 0 || int64(w.tables.supply[int(es[best])*P+pi]) < q {
			return false, false
		}
		w.alloc.best[best*P+pi] = q
		w.alloc.capacityLeft[best] -= q
		w.alloc.weightLeft[best] -= float64(q) * w.tables.unitWeight[pi]
		if w.alloc.capacityLeft[best] < 0 || w.alloc.weightLeft[best] < -1e-9 {
			return false, false
		}
		cost += float64(q) * bc
	}
	return true, cost < bound
}

// offerIfFull offers the allocation in w.alloc.best over es when every member
// carries something (otherwise the set without the empty member is cheaper
// and is met elsewhere in the search).
func (w *Workspace) offerIfFull(es []int32) {
	P := w.tables.lines
	for j := range es {
		var n int64
		for pi := 0; pi < P; pi++ {
			n += w.alloc.best[j*P+pi]
		}
		if n == 0 {
			return
		}
	}
	w.offer(w.setCost(es, w.alloc.best), es, w.alloc.best)
}

// take is how many units of line pi member j may still take.
func (w *Workspace) take(j, pi int) int64 {
	return Carry(NoLimit, int64(w.tables.supply[int(w.alloc.members[j])*w.tables.lines+pi]), w.alloc.capacityLeft[j], w.alloc.weightLeft[j], w.tables.unitWeight[pi])
}

// allocLine allocates line pi and the ones after it (depth-first, cheapest
// first, bounded by w.alloc.bestCost).
func (w *Workspace) allocLine(k, pi int, cost float64) {
	if w.run.aborted {
		return
	}
	w.run.work++
	if w.run.work > w.run.budget {
		w.run.aborted = true
		return
	}
	P := w.tables.lines
	if pi == P {
		if cost < w.alloc.bestCost {
			w.alloc.bestCost = cost
			w.alloc.found = true
			copy(w.alloc.best[:k*P], w.alloc.current[:k*P])
		}
		return
	}
	if cost+w.alloc.restBound[pi] >= w.alloc.bestCost {
		return
	}
	if w.rules.splitLines {
		w.allocSplit(k, pi, 0, w.tables.quantity[pi], cost)
		return
	}
	q := w.tables.quantity[pi]
	o := w.alloc.lineOrder[pi*k : pi*k+int(w.alloc.lineOrderLen[pi])]
	for _, j := range o {
		if w.take(int(j), pi) < q {
			continue
		}
		c := w.tables.unitCost[int(w.alloc.members[j])*P+pi]
		w.alloc.current[int(j)*P+pi] = q
		w.alloc.capacityLeft[j] -= q
		w.alloc.weightLeft[j] -= float64(q) * w.tables.unitWeight[pi]
		w.allocLine(k, pi+1, cost+float64(q)*c)
		w.alloc.current[int(j)*P+pi] = 0
		w.alloc.capacityLeft[j] += q
		w.alloc.weightLeft[j] += float64(q) * w.tables.unitWeight[pi]
		if w.run.aborted {
			return
		}
	}
}

// allocSplit spreads rem units of line pi over the members from position pos
// of the line's cheapest-first order.
func (w *Workspace) allocSplit(k, pi, pos int, rem int64, cost float64) {
	if rem == 0 {
		w.allocLine(k, pi+1, cost)
		return
	}
	n := int(w.alloc.lineOrderLen[pi])
	if pos >= n {
		return
	}
	P := w.tables.lines
	o := w.alloc.lineOrder[pi*k : pi*k+n]
	j := int(o[pos])
	c := w.tables.unitCost[int(w.alloc.members[j])*P+pi]
	maxT := w.take(j, pi)
	if rem < maxT {
		maxT = rem
	}
	var later int64
	for _, j2 := range o[pos+1:] {
		later += w.take(int(j2), pi)
	}
	minT := rem - later
	if minT < 0 {
		minT = 0
	}
	nextC := math.Inf(1)
	if pos+1 < n {
		nextC = w.tables.unitCost[int(w.alloc.members[o[pos+1]])*P+pi]
	}
	for t := maxT; t >= minT; t-- {
		lb := cost + float64(t)*c + w.alloc.restBound[pi+1]
		if rem > t {
			lb += float64(rem-t) * nextC
		}
		if lb >= w.alloc.bestCost {
			break // fewer units here only cost more
		}
		w.run.work++
		if w.run.work > w.run.budget {
			w.run.aborted = true
			return
		}
		if t > 0 {
			w.alloc.current[j*P+pi] = t
			w.alloc.capacityLeft[j] -= t
			w.alloc.weightLeft[j] -= float64(t) * w.tables.unitWeight[pi]
		}
		w.allocSplit(k, pi, pos+1, rem-t, cost+float64(t)*c)
		if t > 0 {
			w.alloc.current[j*P+pi] = 0
			w.alloc.capacityLeft[j] += t
			w.alloc.weightLeft[j] += float64(t) * w.tables.unitWeight[pi]
		}
		if w.run.aborted {
			return
		}
	}
}
