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
	P, nc := w.nP, len(w.cand)
	w.maxDepth = nc
	if w.split {
		if w.sumQ < int64(w.maxDepth) {
			w.maxDepth = int(w.sumQ)
		}
	} else if P < w.maxDepth {
		w.maxDepth = P
	}
	if w.maxShip > 0 && w.maxShip < w.maxDepth {
		w.maxDepth = w.maxShip
	}
	w.singles()
	if w.maxDepth < 2 || nc < 2 {
		return
	}
	w.sumQG = 0
	for pi := 0; pi < P; pi++ {
		w.sumQG += float64(w.q[pi]) * w.gMin[pi]
	}
	if w.minF+w.minF2+w.pen+w.sumQG >= w.pruneAt() {
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
	w.useRows(w.allList)
	if w.greedy(w.allList) && w.capTp > 1 {
		// Plans one swap away from the greedy one fill the ranked list, so
		// that the search prunes against the last alternative from the
		// start.
		w.buildPool(w.allList, seedPoolSize)
		w.seedNear()
	}
	if !w.survivors(true) {
		return
	}
	w.set = grow(w.set, w.maxDepth+1)
	w.minC = grow(w.minC, (w.maxDepth+1)*P)
	for pi := 0; pi < P; pi++ {
		w.minC[pi] = math.Inf(1)
	}
	if w.lost.on {
		// Leaving a unit unfilled is the cheapest "member" of the empty
		// set.
		copy(w.minC[:P], w.lost.price)
	}
	w.supS = grow(w.supS, P)
	clear(w.supS)
	w.forb = grow(w.forb, nc)
	clear(w.forb)
	w.forbStack = w.forbStack[:0]
	w.nodeUsed = grow(w.nodeUsed, w.nNodes)
	clear(w.nodeUsed)
	w.explore(0, 0, 0)
	if w.abort && math.IsInf(w.lbOpen, 1) {
		w.lbOpen = w.minF + w.sumQG
	}
}

// seedPoolSize is how many candidates seed the ranked list by swaps.
const seedPoolSize = 16

// survivors keeps the candidates that can take part in a plan of two or more
// shipments that beats the current threshold, in index order, in w.allList
// and, with lists, per line in w.sList/w.sOff and per carry mask in
// buckets. It reports whether two or more survived.
func (w *Workspace) survivors(lists bool) bool {
	P := w.nP
	thr := w.pruneAt()
	keep := func(i int) bool {
		other := w.minF
		if w.fix[i] <= w.minF {
			other = w.minF2
		}
		return w.fix[i]+other+w.pen+w.sumQG < thr
	}
	if w.surv {
		// Second pass with a lower threshold: filter in place.
		n := 0
		for _, i := range w.allList {
			if keep(int(i)) {
				w.allList[n] = i
				n++
			}
		}
		w.allList = w.allList[:n]
	} else {
		w.surv = true
		w.allList = w.allList[:0]
		for i := range w.cand {
			if keep(i) {
				w.allList = append(w.allList, int32(i))
			}
		}
	}
	if len(w.allList) < 2 {
		return false
	}
	if !lists {
		return true
	}
	w.sOff = grow(w.sOff, P+1)
	clear(w.sOff)
	for _, i := range w.allList {
		row := int(i) * P
		for pi := 0; pi < P; pi++ {
			if !math.IsInf(w.cst[row+pi], 1) {
				w.sOff[pi+1]++
			}
		}
	}
	for pi := 0; pi < P; pi++ {
		w.sOff[pi+1] += w.sOff[pi]
	}
	w.buildBuckets()
	w.sList = grow(w.sList, int(w.sOff[P]))
	w.fill = grow(w.fill, P)
	copy(w.fill, w.sOff[:P])
	for _, i := range w.allList {
		row := int(i) * P
		for pi := 0; pi < P; pi++ {
			if !math.IsInf(w.cst[row+pi], 1) {
				w.sList[w.fill[pi]] = i
				w.fill[pi]++
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
	w.buckets = w.nP <= maxBucketLines && w.surv
	if !w.buckets {
		return
	}
	nb := 1 << uint(w.nP)
	w.bOff = grow(w.bOff, nb+1)
	clear(w.bOff)
	for _, i := range w.allList {
		w.bOff[w.carryMask(i)+1]++
	}
	for b := 0; b < nb; b++ {
		w.bOff[b+1] += w.bOff[b]
	}
	w.bList = grow(w.bList, len(w.allList))
	w.fill = grow(w.fill, nb)
	copy(w.fill, w.bOff[:nb])
	for _, i := range w.allList {
		b := w.carryMask(i)
		w.bList[w.fill[b]] = i
		w.fill[b]++
	}
}

func (w *Workspace) carryMask(i int32) uint64 {
	if w.split {
		return w.nz[i] & w.allMask()
	}
	return w.full[i] & w.allMask()
}

// completeOnly handles a node whose children can only win as complete sets
// of exactly d+1 members (one more shipment would cost too much): it
// evaluates the candidates whose carry mask covers every line still needed,
// bucket by bucket, and never recurses.
func (w *Workspace) completeOnly(d int, fsum float64, cov, need uint64) {
	floor := fsum + w.pen*float64(d) + w.sumQG
	free := w.allMask() &^ need
	// Every superset of need: need | sub for every sub of free.
	sub := uint64(0)
	examined := 0
	defer func() { w.work += examined / scanPerWork }()
	for {
		b := need | sub
		for _, i := range w.bList[w.bOff[b]:w.bOff[b+1]] {
			if floor+w.fix[i] >= w.thr {
				continue
			}
			if floor+w.fix[i] >= w.tieLo && w.losesTie(d, i) {
				if floor+w.minF >= w.tieLo {
					break // so do the later ones (see losesTie)
				}
				continue
			}
			if w.forb[i] || w.nodeUsed[w.cnode[i]] {
				continue
			}
			examined++
			if !w.split && (cov|w.full[i])&w.must != w.must {
				continue
			}
			if lb := w.completeStopLB(d, fsum, i); lb >= w.thr || (lb >= w.tieLo && w.losesTie(d, i)) {
				continue
			}
			w.work++
			if w.work > w.budget {
				w.abort = true
				return
			}
			w.push(d, i)
			w.evaluate(d + 1)
			w.pop(d, i)
			if w.abort {
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
	P := w.nP
	var wsum float64
	for pi := 0; pi < P; pi++ {
		wsum += float64(w.q[pi]) * w.wt[pi]
	}
	w.bestX = grow(w.bestX, P)
	copy(w.bestX, w.q[:P])
	var one [1]int32
	w.bestSingle = math.Inf(1)
	if w.lost.on {
		w.singlesLost()
		return
	}
	if P == len(w.p.Lines) && P <= 64 {
		// Every line is planned: exclude listed the options that carry
		// the whole order alone, with their cost (as setCost sums it).
		for k, i := range w.one {
			cost := w.oneCost[k]
			if cost < w.bestSingle {
				w.bestSingle = cost
			}
			if cost >= w.thr {
				continue
			}
			one[0] = i
			w.offer(cost, one[:], w.bestX)
		}
		return
	}
	w.useTables()
	for i := range w.cand {
		if w.sumQ > w.capU[i] || wsum > w.maxW[i]+1e-9 {
			continue
		}
		row := i * P
		cost := w.fix[i]
		ok := true
		for pi := 0; pi < P; pi++ {
			if int64(w.sup[row+pi]) < w.q[pi] {
				ok = false
				break
			}
			cost += float64(w.q[pi]) * w.cst[row+pi]
		}
		if !ok {
			continue
		}
		if cost < w.bestSingle {
			w.bestSingle = cost
		}
		if cost >= w.pruneAt() {
			continue
		}
		one[0] = int32(i)
		w.offer(w.setCost(one[:], w.bestX), one[:], w.bestX)
	}
}

// complete reports whether the set of depth d supplies every line, as far as
// the per-line check can tell.
func (w *Workspace) complete(cov uint64) bool {
	if !w.split {
		return cov&w.must == w.must
	}
	for pi := 0; pi < w.nP; pi++ {
		if w.supS[pi] < w.need[pi] {
			return false
		}
	}
	return true
}

func (w *Workspace) allMask() uint64 {
	if w.nP >= 64 {
		return math.MaxUint64
	}
	return 1<<uint(w.nP) - 1
}

// canGrow reports whether a set of n candidates may still grow.
func (w *Workspace) canGrow(n int) bool { return n < w.maxDepth }

// explore is one search node: the set w.set[:d] with fixed costs fsum and,
// without split lines, the mask cov of lines some member carries whole.
func (w *Workspace) explore(d int, fsum float64, cov uint64) {
	w.work++
	if w.work > w.budget {
		w.abort = true
		return
	}
	complete := w.complete(cov)
	if complete && d >= 2 {
		w.evaluate(d)
		if w.abort {
			return
		}
	}
	if !w.canGrow(d) {
		return
	}
	var list []int32
	if complete {
		list = w.allList
	} else {
		bl := w.pickLine(cov)
		list = w.sList[w.sOff[bl]:w.sOff[bl+1]]
	}
	mark := len(w.forbStack)
	// Every child costs at least floor + its fixed cost; a child that is
	// not complete also needs one more shipment (more), since the cheapest
	// unit costs are already in floor.
	floor := fsum + w.pen*float64(d) + w.sumQG
	var need uint64 // lines the set cannot yet supply (split lines)
	if w.split {
		for pi := 0; pi < w.nP; pi++ {
			if w.supS[pi] < w.need[pi] {
				need |= 1 << uint(pi)
			}
		}
	}
	extra := math.Inf(1)
	if w.canGrow(d + 1) {
		extra = w.minF + w.pen
	}
	if w.buckets && d >= 1 && floor+w.minF+extra >= w.thr {
		if !w.split {
			need = w.must &^ cov
		}
		w.completeOnly(d, fsum, cov, need)
		if w.abort {
			w.noteOpen(d, fsum, cov, list)
		}
		return
	}
	examined := 0
	for idx, i := range list {
		fi := w.fix[i]
		thr := w.thr
		if floor+fi >= thr {
			continue // too dear at this depth
		}
		if floor+fi >= w.tieLo && w.childLosesTie(d, i) {
			if floor+w.minF >= w.tieLo {
				break // so do the later ones (see losesTie)
			}
			continue
		}
		if w.forb[i] || w.nodeUsed[w.cnode[i]] {
			continue
		}
		examined++
		ncov := cov
		if !w.split {
			ncov |= w.full[i]
		}
		if floor+fi+extra >= thr {
			// Only "stop here" can beat thr: the child must supply every
			// line, and its own bound must be low enough.
			if w.nz[i]&need != need || !w.completeWith(i, ncov) || w.stopLB(d, fsum, i) >= thr {
				w.forb[i] = true
				w.forbStack = append(w.forbStack, i)
				continue
			}
		}
		w.push(d, i)
		w.explore(d+1, fsum+fi, ncov)
		w.pop(d, i)
		if w.abort {
			w.noteOpen(d, fsum, cov, list[idx:])
			break
		}
		w.forb[i] = true
		w.forbStack = append(w.forbStack, i)
	}
	for _, i := range w.forbStack[mark:] {
		w.forb[i] = false
	}
	w.forbStack = w.forbStack[:mark]
	w.work += examined / scanPerWork
}

// childLosesTie reports whether every plan that contains w.set[:d] and
// candidate i loses to the last ranked plan at equal cost. Such plans have
// d+1 members at least, and two at least: single shipments are not
// evaluated here.
func (w *Workspace) childLosesTie(d int, i int32) bool {
	if d == 0 {
		return len(w.last) == 1
	}
	return w.losesTie(d, i)
}

// scanPerWork is how many candidates a node may examine for one unit of
// work, so that the budget bounds time on large networks too.
const scanPerWork = 32

// noteOpen lowers w.lbOpen to the bound of the children left unexplored
// when the budget ran out.
func (w *Workspace) noteOpen(d int, fsum float64, cov uint64, rest []int32) {
	for k, i := range rest {
		if k > 0 && (w.forb[i] || w.nodeUsed[w.cnode[i]]) {
			continue
		}
		if lb, _ := w.childLB(d, fsum, i, cov); lb < w.lbOpen {
			w.lbOpen = lb
		}
	}
}

// pickLine returns the uncovered line with the fewest candidates.
func (w *Workspace) pickLine(cov uint64) int {
	best, bestN := -1, int32(math.MaxInt32)
	for pi := 0; pi < w.nP; pi++ {
		if w.split {
			if w.supS[pi] >= w.need[pi] {
				continue
			}
		} else if cov&(1<<uint(pi)) != 0 || w.must&(1<<uint(pi)) == 0 {
			continue
		}
		if n := w.sOff[pi+1] - w.sOff[pi]; n < bestN {
			best, bestN = pi, n
		}
	}
	return best
}

// completeWith reports whether the set plus candidate i supplies every line
// (ncov: the coverage mask with i, without split lines).
func (w *Workspace) completeWith(i int32, ncov uint64) bool {
	if !w.split {
		return ncov&w.must == w.must
	}
	row := int(i) * w.nP
	for pi := 0; pi < w.nP; pi++ {
		if w.supS[pi]+int64(w.sup[row+pi]) < w.need[pi] {
			return false
		}
	}
	return true
}

// completeStopLB is stopLB when the set plus candidate i supplies every
// line (as completeWith checks with split lines), +Inf otherwise, in one
// pass that stops as soon as the answer is +Inf or above w.thr.
func (w *Workspace) completeStopLB(d int, fsum float64, i int32) float64 {
	P := w.nP
	mc := w.minC[d*P : (d+1)*P]
	row := int(i) * P
	lb := fsum + w.fix[i] + w.pen*float64(d)
	for pi := 0; pi < P; pi++ {
		if w.split && w.supS[pi]+int64(w.sup[row+pi]) < w.need[pi] {
			return math.Inf(1)
		}
		m := mc[pi]
		if c := w.cst[row+pi]; c < m {
			m = c
		}
		lb += float64(w.q[pi]) * m
	}
	return lb
}

// stopLB bounds the plan that is exactly the set plus candidate i.
func (w *Workspace) stopLB(d int, fsum float64, i int32) float64 {
	P := w.nP
	mc := w.minC[d*P : (d+1)*P]
	row := int(i) * P
	lb := fsum + w.fix[i] + w.pen*float64(d)
	for pi := 0; pi < P; pi++ {
		m := mc[pi]
		if c := w.cst[row+pi]; c < m {
			m = c
		}
		lb += float64(w.q[pi]) * m
	}
	return lb
}

// childLB bounds every plan that contains w.set[:d] and candidate i.
func (w *Workspace) childLB(d int, fsum float64, i int32, cov uint64) (float64, uint64) {
	P := w.nP
	mc := w.minC[d*P : (d+1)*P]
	row := int(i) * P
	base := fsum + w.fix[i] + w.pen*float64(d)
	stop, more := 0.0, 0.0
	comp := true
	for pi := 0; pi < P; pi++ {
		m := mc[pi]
		if c := w.cst[row+pi]; c < m {
			m = c
		}
		q := float64(w.q[pi])
		stop += q * m
		if g := w.gMin[pi]; g < m {
			more += q * g
		} else {
			more += q * m
		}
		if w.split && w.supS[pi]+int64(w.sup[row+pi]) < w.need[pi] {
			comp = false
		}
	}
	ncov := cov
	if !w.split {
		ncov |= w.full[i]
		comp = ncov&w.must == w.must
	}
	lb := math.Inf(1)
	if comp {
		lb = base + stop
	}
	if w.canGrow(d + 1) {
		if m := base + w.minF + w.pen + more; m < lb {
			lb = m
		}
	}
	return lb, ncov
}

func (w *Workspace) push(d int, i int32) {
	P := w.nP
	w.set[d] = i
	w.nodeUsed[w.cnode[i]] = true
	mc := w.minC[d*P : (d+1)*P]
	nm := w.minC[(d+1)*P : (d+2)*P]
	row := int(i) * P
	for pi := 0; pi < P; pi++ {
		m := mc[pi]
		if c := w.cst[row+pi]; c < m {
			m = c
		}
		nm[pi] = m
		if w.split {
			w.supS[pi] += int64(w.sup[row+pi])
		}
	}
}

func (w *Workspace) pop(d int, i int32) {
	w.nodeUsed[w.cnode[i]] = false
	if w.split {
		row := int(i) * w.nP
		for pi := 0; pi < w.nP; pi++ {
			w.supS[pi] -= int64(w.sup[row+pi])
		}
	}
}

// evaluate finds the cheapest allocation of the planned lines over the set
// w.set[:k] and offers the plan if every member carries something.
func (w *Workspace) evaluate(k int) {
	w.eset = append(w.eset[:0], w.set[:k]...)
	es := w.eset
	for a := 1; a < k; a++ {
		for b := a; b > 0 && es[b] < es[b-1]; b-- {
			es[b], es[b-1] = es[b-1], es[b]
		}
	}
	fs := 0.0
	for _, ci := range es {
		fs += w.fix[ci]
	}
	base := fs + w.pen*float64(k-1)
	bound := w.pruneAt() - base
	if bound <= 0 {
		return
	}
	if w.lost.on {
		// The lost row joins the set as its last member (see lost.go).
		w.eset = append(w.eset, w.lost.row)
		if w.allocate(w.eset, bound) {
			w.offerLost(k, base, bound)
		}
		return
	}
	if w.allocate(es, bound) {
		w.offerIfFull(es)
	}
}

// allocate finds the cheapest allocation of the planned lines over the
// members es (the set in w.eset, with the lost row last when there is one)
// whose cost, without fixed costs and penalties, is below bound. It leaves
// it in w.bestX, row j for es[j], and reports whether it found one.
func (w *Workspace) allocate(es []int32, bound float64) bool {
	P, k := w.nP, len(es)
	w.remCap = grow(w.remCap, k)
	w.remW = grow(w.remW, k)
	for j, ci := range es {
		w.remCap[j] = w.capU[ci]
		w.remW[j] = w.maxW[ci]
	}
	w.bestX = grow(w.bestX, k*P)
	clear(w.bestX[:k*P])
	if done, ok := w.cheapestWhole(es, bound); done {
		return ok
	}
	// Per line, the members that can carry it, cheapest first.
	w.ord = grow(w.ord, P*k)
	w.ordN = grow(w.ordN, P)
	w.restLB = grow(w.restLB, P+1)
	for pi := 0; pi < P; pi++ {
		n := 0
		o := w.ord[pi*k : (pi+1)*k]
		for j, ci := range es {
			c := w.cst[int(ci)*P+pi]
			if math.IsInf(c, 1) {
				continue
			}
			b := n
			for b > 0 && w.cst[int(es[o[b-1]])*P+pi] > c {
				o[b] = o[b-1]
				b--
			}
			o[b] = int32(j)
			n++
		}
		w.ordN[pi] = int32(n)
	}
	w.restLB[P] = 0
	for pi := P - 1; pi >= 0; pi-- {
		m := math.Inf(1)
		if w.ordN[pi] > 0 {
			m = w.cst[int(es[w.ord[pi*k]])*P+pi]
		}
		w.restLB[pi] = w.restLB[pi+1] + float64(w.q[pi])*m
	}
	if w.restLB[0] >= bound {
		return false
	}
	for j, ci := range es {
		w.remCap[j] = w.capU[ci]
		w.remW[j] = w.maxW[ci]
	}
	w.curX = grow(w.curX, k*P)
	clear(w.curX)
	w.bestX = grow(w.bestX, k*P)
	w.ibest = bound
	w.ifound = false
	w.allocLine(k, 0, 0)
	return w.ifound
}

// cheapestWhole tries the allocation that sends every line whole to its
// cheapest member (the lowest position on ties). When it fits every
// member's capacity and weight no allocation is cheaper, so it is the answer:
// done is true, and ok says whether it beats bound (the result is in
// w.bestX). When it does not fit, done is false and the full search runs.
func (w *Workspace) cheapestWhole(es []int32, bound float64) (done, ok bool) {
	P := w.nP
	cost := 0.0
	for pi := 0; pi < P; pi++ {
		best, bc := -1, math.Inf(1)
		for j, ci := range es {
			if c := w.cst[int(ci)*P+pi]; c < bc {
				best, bc = j, c
			}
		}
		q := w.q[pi]
		if best < 0 || int64(w.sup[int(es[best])*P+pi]) < q {
			return false, false
		}
		w.bestX[best*P+pi] = q
		w.remCap[best] -= q
		w.remW[best] -= float64(q) * w.wt[pi]
		if w.remCap[best] < 0 || w.remW[best] < -1e-9 {
			return false, false
		}
		cost += float64(q) * bc
	}
	return true, cost < bound
}

// offerIfFull offers the allocation in w.bestX over es when every member
// carries something (otherwise the set without the empty member is cheaper
// and is met elsewhere in the search).
func (w *Workspace) offerIfFull(es []int32) {
	P := w.nP
	for j := range es {
		var n int64
		for pi := 0; pi < P; pi++ {
			n += w.bestX[j*P+pi]
		}
		if n == 0 {
			return
		}
	}
	w.offer(w.setCost(es, w.bestX), es, w.bestX)
}

// take is how many units of line pi member j may still take.
func (w *Workspace) take(j, pi int) int64 {
	return Carry(NoLimit, int64(w.sup[int(w.eset[j])*w.nP+pi]), w.remCap[j], w.remW[j], w.wt[pi])
}

// allocLine allocates line pi and the ones after it (depth-first, cheapest
// first, bounded by w.ibest).
func (w *Workspace) allocLine(k, pi int, cost float64) {
	if w.abort {
		return
	}
	w.work++
	if w.work > w.budget {
		w.abort = true
		return
	}
	P := w.nP
	if pi == P {
		if cost < w.ibest {
			w.ibest = cost
			w.ifound = true
			copy(w.bestX[:k*P], w.curX[:k*P])
		}
		return
	}
	if cost+w.restLB[pi] >= w.ibest {
		return
	}
	if w.split {
		w.allocSplit(k, pi, 0, w.q[pi], cost)
		return
	}
	q := w.q[pi]
	o := w.ord[pi*k : pi*k+int(w.ordN[pi])]
	for _, j := range o {
		if w.take(int(j), pi) < q {
			continue
		}
		c := w.cst[int(w.eset[j])*P+pi]
		w.curX[int(j)*P+pi] = q
		w.remCap[j] -= q
		w.remW[j] -= float64(q) * w.wt[pi]
		w.allocLine(k, pi+1, cost+float64(q)*c)
		w.curX[int(j)*P+pi] = 0
		w.remCap[j] += q
		w.remW[j] += float64(q) * w.wt[pi]
		if w.abort {
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
	n := int(w.ordN[pi])
	if pos >= n {
		return
	}
	P := w.nP
	o := w.ord[pi*k : pi*k+n]
	j := int(o[pos])
	c := w.cst[int(w.eset[j])*P+pi]
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
		nextC = w.cst[int(w.eset[o[pos+1]])*P+pi]
	}
	for t := maxT; t >= minT; t-- {
		lb := cost + float64(t)*c + w.restLB[pi+1]
		if rem > t {
			lb += float64(rem-t) * nextC
		}
		if lb >= w.ibest {
			break // fewer units here only cost more
		}
		w.work++
		if w.work > w.budget {
			w.abort = true
			return
		}
		if t > 0 {
			w.curX[j*P+pi] = t
			w.remCap[j] -= t
			w.remW[j] -= float64(t) * w.wt[pi]
		}
		w.allocSplit(k, pi, pos+1, rem-t, cost+float64(t)*c)
		if t > 0 {
			w.curX[j*P+pi] = 0
			w.remCap[j] += t
			w.remW[j] += float64(t) * w.wt[pi]
		}
		if w.abort {
			return
		}
	}
}
