package solver

import "math"

// NoLimit stands for "no capacity limit" in int64 arithmetic (see Carry):
// more units than any order holds.
const NoLimit = int64(1) << 40

// exclude checks the options' numbers, decides every option's exclusion
// (listed in w.plan.Excluded) and lists the eligible ones (w.elig; eligible
// option e is candidate e of the search). It reports false, having stopped
// early, when some number is invalid (Validate then names it). The checks
// run in a fixed order and the first that fails names the reason: the
// problem's own Excluded, the promise, capacity, stock, weight.
//
// In the same pass it gathers what settles most orders without the search:
// per line the most one option can carry (w.maxEff) and the cheapest unit
// cost of an option that can carry it (w.gAll), the two cheapest fixed
// costs, and in w.one the options that can carry the whole order alone, with
// their cost. The candidate tables the search needs are filled later, when
// it runs (fillTables).
func (w *Workspace) exclude() bool {
	p := w.p
	L := len(p.Lines)
	inf := math.Inf(1)
	w.plan.Excluded = w.plan.Excluded[:0]
	w.elig = w.elig[:0]
	w.one = w.one[:0]
	w.oneCost = w.oneCost[:0]
	w.nodesDone = false
	w.tablesDone = false
	w.fixedDone = false
	w.maxEff = grow(w.maxEff, L)
	clear(w.maxEff)
	w.gAll = grow(w.gAll, L)
	for l := range w.gAll {
		w.gAll[l] = inf
	}
	w.minF, w.minF2 = inf, inf
	split := p.SplitLines
	w.qAll = grow(w.qAll, L)
	w.invWt = grow(w.invWt, L)
	w.thAll = grow(w.thAll, L)
	var sumQ int64
	var wsum float64
	for l := range p.Lines {
		w.qAll[l] = int64(p.Lines[l].Quantity)
		sumQ += w.qAll[l]
		wsum += float64(w.qAll[l]) * p.Lines[l].UnitWeightKg
		// An option carries line l at a cost when it can take this much.
		w.thAll[l] = w.qAll[l]
		if split {
			w.thAll[l] = 1
		}
		w.invWt[l] = 0
		if wt := p.Lines[l].UnitWeightKg; wt > 0 {
			w.invWt[l] = 1 / wt
		}
	}
	// Options that carry every line whole are single-shipment plans (only
	// tracked when the lines fit one mask).
	wholeMask := uint64(0)
	if L <= 64 {
		wholeMask = math.MaxUint64 >> uint(64-L)
	}
	switch {
	case L == 1:
		return w.exclude1(wsum)
	case L <= 3 && L <= w.s.ExactMaxLines:
		return w.excludeSmall(sumQ, wsum)
	}
	// Orders the heuristic will take need the candidate tables whole:
	// their rows are filled here, while they are in cache.
	fillNow := L > w.s.ExactMaxLines || L > 64
	if fillNow {
		n := len(p.Options)
		w.fix = grow(w.fix, n+1) // a spare entry: see fillFixed
		w.capU = grow(w.capU, n+1)
		w.maxW = grow(w.maxW, n+1)
		w.supAll = grow(w.supAll, (n+1)*L) // a spare row: see growRows
		w.cstAll = grow(w.cstAll, (n+1)*L)
		w.fullAll = grow(w.fullAll, n)
		w.nzAll = grow(w.nzAll, n)
	}
	promise := p.PromiseMinutes
	maxEff, gAll, th, invWt, qAll := w.maxEff[:L], w.gAll[:L], w.thAll[:L], w.invWt[:L], w.qAll[:L]
	for o := range p.Options {
		opt := &p.Options[o]
		if !(opt.Node >= 0 && validMethod(opt.Method) && finiteNonNegative(opt.FixedCost) &&
			finiteNonNegative(opt.MaxWeightKg) && finiteNonNegative(opt.DistanceKm) &&
			opt.ETAMinutes >= 0 && validExcluded(opt.Excluded)) {
			return false
		}
		avail := p.Available[o*L : o*L+L]
		cost := p.UnitCost[o*L : o*L+L]
		cost = cost[:len(avail)]
		r := upfrontReason(opt, promise)
		if r != ReasonNone {
			// Not a candidate: only check its numbers.
			var anyA int32
			var bits uint64
			for l, a := range avail {
				anyA |= a
				bits = max(bits, math.Float64bits(cost[l]))
			}
			if anyA < 0 || (bits >= finiteBits && !validCosts(cost)) {
				return false
			}
			w.plan.Excluded = append(w.plan.Excluded, Exclusion{Option: o, Reason: r})
			continue
		}
		capLim := capacityLimit(opt)
		var anyA int32
		var anyS int64
		var full, bits uint64
		limitW := opt.MaxWeightKg > 0
		units := 0.0
		for l, a := range avail {
			anyA |= a // a >= 0: any stock iff the OR is positive
			s := min(int64(a), capLim)
			if limitW && s > 0 {
				s = weightCap(s, opt.MaxWeightKg, invWt[l])
			}
			anyS |= s
			c := cost[l]
			// Finite non-negative costs have bits below finiteBits (-0
			// goes to validCosts).
			bits = max(bits, math.Float64bits(c))
			q := qAll[l]
			units += float64(q) * c
			maxEff[l] = max(maxEff[l], s)
			if s >= th[l] && c < gAll[l] {
				gAll[l] = c
			}
			if s >= q && l < 64 {
				full |= 1 << uint(l)
			}
		}
		if anyA < 0 || (bits >= finiteBits && !validCosts(cost)) {
			return false
		}
		switch {
		case anyA == 0:
			r = ReasonNoStock
		case anyS == 0:
			r = ReasonOverweight
		}
		if r != ReasonNone {
			// It carries nothing, so the per-line figures above stay
			// right.
			w.plan.Excluded = append(w.plan.Excluded, Exclusion{Option: o, Reason: r})
			continue
		}
		f := opt.FixedCost
		switch {
		case f < w.minF:
			w.minF, w.minF2 = f, w.minF
		case f < w.minF2:
			w.minF2 = f
		}
		if full == wholeMask && wholeMask != 0 && sumQ <= capLim && (!limitW || wsum <= opt.MaxWeightKg+1e-9) {
			w.one = append(w.one, int32(len(w.elig)))
			w.oneCost = append(w.oneCost, f+units)
		}
		w.elig = append(w.elig, int32(o))
		if fillNow {
			e := len(w.elig) - 1
			w.fix[e], w.capU[e], w.maxW[e] = f, capLim, inf
			if limitW {
				w.maxW[e] = opt.MaxWeightKg
			}
			w.fillRow(e)
		}
	}
	w.fixedDone, w.tablesDone = fillNow, fillNow
	if fillNow {
		w.lostFixed()
	}
	w.cand = w.elig
	return true
}

// exclude1 is exclude's loop for an order of one line (most orders), with
// the line's figures in registers; wsum is the line's weight.
func (w *Workspace) exclude1(wsum float64) bool {
	p := w.p
	inf := math.Inf(1)
	q, th, invWt := w.qAll[0], w.thAll[0], w.invWt[0]
	promise := p.PromiseMinutes
	var maxEff int64
	g := inf
	avail, cost := p.Available[:len(p.Options)], p.UnitCost[:len(p.Options)]
	for o := range p.Options {
		opt := &p.Options[o]
		if !(opt.Node >= 0 && validMethod(opt.Method) && finiteNonNegative(opt.FixedCost) &&
			finiteNonNegative(opt.MaxWeightKg) && finiteNonNegative(opt.DistanceKm) &&
			opt.ETAMinutes >= 0 && validExcluded(opt.Excluded)) {
			return false
		}
		a, c := avail[o], cost[o]
		if a < 0 || !finiteNonNegative(c) {
			return false
		}
		r := upfrontReason(opt, promise)
		capLim := capacityLimit(opt)
		limitW := opt.MaxWeightKg > 0
		s := min(int64(a), capLim)
		if limitW && s > 0 {
			s = weightCap(s, opt.MaxWeightKg, invWt)
		}
		switch {
		case r != ReasonNone:
		case a == 0:
			r = ReasonNoStock
		case s == 0:
			r = ReasonOverweight
		}
		if r != ReasonNone {
			w.plan.Excluded = append(w.plan.Excluded, Exclusion{Option: o, Reason: r})
			continue
		}
		maxEff = max(maxEff, s)
		if s >= th && c < g {
			g = c
		}
		f := opt.FixedCost
		switch {
		case f < w.minF:
			w.minF, w.minF2 = f, w.minF
		case f < w.minF2:
			w.minF2 = f
		}
		if s >= q && q <= capLim && (!limitW || wsum <= opt.MaxWeightKg+1e-9) {
			// Summed as exclude and setCost sum it.
			units := 0.0
			units += float64(q) * c
			w.one = append(w.one, int32(len(w.elig)))
			w.oneCost = append(w.oneCost, f+units)
		}
		w.elig = append(w.elig, int32(o))
	}
	w.maxEff[0], w.gAll[0] = maxEff, g
	w.cand = w.elig
	return true
}

// excludeSmall is exclude's loop for an order of two or three lines, with
// the lines' figures in registers (a missing third line carries nothing,
// weighs nothing and is always full); sumQ and wsum are the order's units
// and weight.
func (w *Workspace) excludeSmall(sumQ int64, wsum float64) bool {
	p := w.p
	L := len(p.Lines)
	three := L == 3
	inf := math.Inf(1)
	q0, th0, iw0 := w.qAll[0], w.thAll[0], w.invWt[0]
	q1, th1, iw1 := w.qAll[1], w.thAll[1], w.invWt[1]
	var q2, th2 int64
	var iw2 float64
	if three {
		q2, th2, iw2 = w.qAll[2], w.thAll[2], w.invWt[2]
	}
	promise := p.PromiseMinutes
	var maxEff0, maxEff1, maxEff2 int64
	g0, g1, g2 := inf, inf, inf
	n := len(p.Options)
	avail, cost := p.Available[:L*n], p.UnitCost[:L*n]
	for o := range p.Options {
		opt := &p.Options[o]
		if !(opt.Node >= 0 && validMethod(opt.Method) && finiteNonNegative(opt.FixedCost) &&
			finiteNonNegative(opt.MaxWeightKg) && finiteNonNegative(opt.DistanceKm) &&
			opt.ETAMinutes >= 0 && validExcluded(opt.Excluded)) {
			return false
		}
		k := o * L
		a0, a1, c0, c1 := avail[k], avail[k+1], cost[k], cost[k+1]
		var a2 int32
		var c2 float64
		if three {
			a2, c2 = avail[k+2], cost[k+2]
		}
		if a0|a1|a2 < 0 || !finiteNonNegative(c0) || !finiteNonNegative(c1) || !finiteNonNegative(c2) {
			return false
		}
		r := upfrontReason(opt, promise)
		capLim := capacityLimit(opt)
		limitW := opt.MaxWeightKg > 0
		s0, s1, s2 := min(int64(a0), capLim), min(int64(a1), capLim), min(int64(a2), capLim)
		if limitW {
			if s0 > 0 {
				s0 = weightCap(s0, opt.MaxWeightKg, iw0)
			}
			if s1 > 0 {
				s1 = weightCap(s1, opt.MaxWeightKg, iw1)
			}
			if s2 > 0 {
				s2 = weightCap(s2, opt.MaxWeightKg, iw2)
			}
		}
		switch {
		case r != ReasonNone:
		case a0|a1|a2 == 0:
			r = ReasonNoStock
		case s0|s1|s2 == 0:
			r = ReasonOverweight
		}
		if r != ReasonNone {
			w.plan.Excluded = append(w.plan.Excluded, Exclusion{Option: o, Reason: r})
			continue
		}
		maxEff0, maxEff1, maxEff2 = max(maxEff0, s0), max(maxEff1, s1), max(maxEff2, s2)
		if s0 >= th0 && c0 < g0 {
			g0 = c0
		}
		if s1 >= th1 && c1 < g1 {
			g1 = c1
		}
		if three && s2 >= th2 && c2 < g2 {
			g2 = c2
		}
		f := opt.FixedCost
		switch {
		case f < w.minF:
			w.minF, w.minF2 = f, w.minF
		case f < w.minF2:
			w.minF2 = f
		}
		if s0 >= q0 && s1 >= q1 && s2 >= q2 && sumQ <= capLim && (!limitW || wsum <= opt.MaxWeightKg+1e-9) {
			// Summed as exclude and setCost sum it.
			units := 0.0
			units += float64(q0) * c0
			units += float64(q1) * c1
			if three {
				units += float64(q2) * c2
			}
			w.one = append(w.one, int32(len(w.elig)))
			w.oneCost = append(w.oneCost, f+units)
		}
		w.elig = append(w.elig, int32(o))
	}
	w.maxEff[0], w.maxEff[1], w.gAll[0], w.gAll[1] = maxEff0, maxEff1, g0, g1
	if three {
		w.maxEff[2], w.gAll[2] = maxEff2, g2
	}
	w.cand = w.elig
	return true
}

// finiteBits is the bit pattern of +Inf: finite non-negative float64 values
// other than -0 have smaller patterns.
const finiteBits = 0x7ff0000000000000

// validCosts reports whether every cost is finite and non-negative.
func validCosts(cost []float64) bool {
	for _, c := range cost {
		if !finiteNonNegative(c) {
			return false
		}
	}
	return true
}

// weightCap lowers s to what a weight limit of limit kg carries of a line
// whose units weigh 1/invWt kg (invWt = 0: weightless).
func weightCap(s int64, limit, invWt float64) int64 {
	if invWt > 0 {
		// (limit+1e-9)*(1/wt): the slack covers rounding.
		if u := (limit + 1e-9) * invWt; u < float64(s) {
			s = int64(u)
		}
	}
	return s
}

// fillFixed fills the per-candidate figures of the candidate tables: fixed
// cost, capacity and weight limit (+Inf: none), once per solve, and those
// of the lost row after them (lostFixed).
func (w *Workspace) fillFixed() {
	if w.fixedDone {
		return
	}
	w.fixedDone = true
	p := w.p
	n := len(w.elig)
	inf := math.Inf(1)
	w.fix = grow(w.fix, n+1)
	w.capU = grow(w.capU, n+1)
	w.maxW = grow(w.maxW, n+1)
	w.lostFixed()
	for e, o := range w.elig {
		opt := &p.Options[o]
		w.fix[e] = opt.FixedCost
		w.capU[e] = NoLimit
		if opt.CapacityUnits >= 0 {
			w.capU[e] = int64(opt.CapacityUnits)
		}
		w.maxW[e] = inf
		if opt.MaxWeightKg > 0 {
			w.maxW[e] = opt.MaxWeightKg
		}
	}
}

// lostFixed sets the per-candidate figures of the lost row (lost.go), the
// entry after the eligible options: no fixed cost, no capacity or weight
// limit.
func (w *Workspace) lostFixed() {
	n := len(w.elig)
	w.fix[n], w.capU[n], w.maxW[n] = 0, NoLimit, math.Inf(1)
}

// fillTables fills the candidate tables for all lines and all candidates,
// once per solve, when the search needs them (see fillRow).
func (w *Workspace) fillTables() {
	if w.tablesDone {
		return
	}
	w.tablesDone = true
	w.fillFixed()
	w.growRows()
	for e := range w.elig {
		w.fillRow(e)
	}
}

// growRows sizes the per-line candidate tables, with a spare row after the
// candidates for the lost row (setupLost): every sizing within a solve asks
// for the same size, so none moves the rows already filled.
func (w *Workspace) growRows() {
	n, L := len(w.elig), len(w.p.Lines)
	w.supAll = grow(w.supAll, (n+1)*L)
	w.cstAll = grow(w.cstAll, (n+1)*L)
	w.fullAll = grow(w.fullAll, n)
	w.nzAll = grow(w.nzAll, n)
}

// fillRow fills candidate e's row of the tables for all lines: what it can
// carry of each line on its own (ATP, capacity, weight limit) in w.supAll,
// its unit cost or +Inf where it cannot carry the line in w.cstAll, and the
// masks of lines it carries whole (w.fullAll) and in part (w.nzAll).
func (w *Workspace) fillRow(e int) {
	p := w.p
	L := len(p.Lines)
	inf := math.Inf(1)
	th, invWt, qAll := w.thAll[:L], w.invWt[:L], w.qAll[:L]
	o := int(w.elig[e])
	opt := &p.Options[o]
	capLim := w.capU[e]
	limitW := opt.MaxWeightKg > 0
	avail := p.Available[o*L : o*L+L]
	cost := p.UnitCost[o*L : o*L+L]
	sup := w.supAll[e*L : e*L+L]
	cst := w.cstAll[e*L : e*L+L]
	var full, nz uint64
	for l, a := range avail {
		s := min(int64(a), capLim)
		if limitW && s > 0 {
			s = weightCap(s, opt.MaxWeightKg, invWt[l])
		}
		sup[l] = int32(s)
		c := cost[l]
		if s < th[l] {
			c = inf
		}
		cst[l] = c
		if l < 64 {
			if s >= qAll[l] {
				full |= 1 << uint(l)
			}
			if s > 0 {
				nz |= 1 << uint(l)
			}
		}
	}
	w.fullAll[e] = full
	w.nzAll[e] = nz
}

// denseNodes maps the eligible options' Node values to dense ids
// 0..nNodes-1 in w.cnode, through a direct table when the values are small
// and a small open-addressing table otherwise (no map, no allocation in
// steady state). It runs once per solve, when something first needs the
// ids: most orders are settled by single shipments without them.
func (w *Workspace) denseNodes() {
	if w.nodesDone {
		return
	}
	w.nodesDone = true
	n := len(w.elig)
	w.nodeKey = grow(w.nodeKey, n)
	w.maxNode = 0
	for e, o := range w.elig {
		key := w.p.Options[o].Node
		w.nodeKey[e] = key
		w.maxNode = max(w.maxNode, key)
	}
	w.cnode = grow(w.cnode, n)
	if int(w.maxNode) < 4*n+1024 {
		// Node values are small: map them through a direct table.
		w.hvals = grow(w.hvals, int(w.maxNode)+1)
		for i := range w.hvals {
			w.hvals[i] = -1
		}
		w.nNodes = 0
		for e, key := range w.nodeKey[:n] {
			if w.hvals[key] < 0 {
				w.hvals[key] = int32(w.nNodes)
				w.nNodes++
			}
			w.cnode[e] = w.hvals[key]
		}
		return
	}
	size := 16
	for size < 2*n {
		size <<= 1
	}
	w.hkeys = grow(w.hkeys, size)
	w.hvals = grow(w.hvals, size)
	for i := range w.hvals {
		w.hvals[i] = -1
	}
	w.nNodes = 0
	mask := uint32(size - 1)
	for e, key := range w.nodeKey[:n] {
		h := (uint32(key) * 2654435761) & mask
		for {
			if w.hvals[h] < 0 {
				w.hkeys[h] = key
				w.hvals[h] = int32(w.nNodes)
				w.nNodes++
				break
			}
			if w.hkeys[h] == key {
				break
			}
			h = (h + 1) & mask
		}
		w.cnode[e] = w.hvals[h]
	}
}

// supply is what option o can carry of line l on its own, under the given
// limits: 0 = ATP only, 1 = ATP and capacity, 2 = ATP, capacity and weight.
func (w *Workspace) supply(o, l int, limits int) int64 {
	p := w.p
	switch limits {
	case 0:
		return int64(p.Available[p.At(o, l)])
	case 1:
		return Carry(NoLimit, int64(p.Available[p.At(o, l)]), capacityLimit(&p.Options[o]), math.Inf(1), 0)
	}
	return p.Carry(o, l, NoLimit, 0, 0)
}

// coverable reports whether line l can be covered on its own under the given
// limits (see supply): without split lines by one eligible option, with split
// lines by the best MaxShipments nodes together.
func (w *Workspace) coverable(l int, limits int) bool {
	p := w.p
	q := int64(p.Lines[l].Quantity)
	if !p.SplitLines {
		for _, o := range w.elig {
			if w.supply(int(o), l, limits) >= q {
				return true
			}
		}
		return false
	}
	w.denseNodes()
	w.nodeBest = grow(w.nodeBest, w.nNodes)
	clear(w.nodeBest)
	for e, o := range w.elig {
		if s := w.supply(int(o), l, limits); s > w.nodeBest[w.cnode[e]] {
			w.nodeBest[w.cnode[e]] = s
		}
	}
	k := p.MaxShipments
	if k <= 0 || k >= w.nNodes {
		var sum int64
		for _, s := range w.nodeBest {
			sum += s
			if sum >= q {
				return true
			}
		}
		return false
	}
	// Sum of the k largest, by a small sorted buffer.
	w.topK = grow(w.topK, k)
	clear(w.topK)
	for _, s := range w.nodeBest {
		if s <= w.topK[k-1] {
			continue
		}
		j := k - 1
		for j > 0 && w.topK[j-1] < s {
			w.topK[j] = w.topK[j-1]
			j--
		}
		w.topK[j] = s
	}
	var sum int64
	for _, s := range w.topK {
		sum += s
	}
	return sum >= q
}

// splitLines decides which lines are planned (w.planned) and why the others
// are not (w.lineReason), and notes whether any lost-sale cost is set
// (w.lost.any).
func (w *Workspace) splitLines() {
	L := len(w.p.Lines)
	w.lineReason = grow(w.lineReason, L)
	w.planned = w.planned[:0]
	any := w.p.LostSaleCostPerOrder > 0
	for l := 0; l < L; l++ {
		any = any || w.p.Lines[l].LostSaleCost > 0
		r := ReasonNone
		if w.maxEff[l] < int64(w.p.Lines[l].Quantity) && !w.coverable(l, 2) {
			switch {
			case !w.coverable(l, 0) && w.p.Lines[l].UnknownSKU:
				r = ReasonUnknownSKU
			case !w.coverable(l, 0):
				r = ReasonNoStock
			case !w.coverable(l, 1):
				r = ReasonCapacity
			default:
				r = ReasonOverweight
			}
		}
		w.lineReason[l] = r
		if r == ReasonNone {
			w.planned = append(w.planned, int32(l))
		}
	}
	w.lost.any = any
}

// buildTables sets the candidate tables for the planned lines: when every
// line is planned they are the tables fillTables fills (see useTables);
// otherwise the planned columns are copied out. Candidate i is eligible option w.cand[i]; its cost
// for a line it cannot carry is +Inf.
func (w *Workspace) buildTables() {
	p := w.p
	P, L := len(w.planned), len(p.Lines)
	w.nP = P
	w.q = grow(w.q, P)
	w.wt = grow(w.wt, P)
	w.sumQ = 0
	for i, l := range w.planned {
		w.q[i] = int64(p.Lines[l].Quantity)
		w.wt[i] = p.Lines[l].UnitWeightKg
		w.sumQ += w.q[i]
	}
	n := len(w.elig)
	if P == L {
		// The tables exclude and fillTables make serve as they are
		// (useTables).
		w.gMin = w.gAll[:L]
		return
	}
	w.fillTables()
	w.supBuf = grow(w.supBuf, (n+1)*P) // a spare row for the lost row (setupLost)
	w.cstBuf = grow(w.cstBuf, (n+1)*P)
	w.fullBuf = grow(w.fullBuf, n)
	w.nzBuf = grow(w.nzBuf, n)
	w.gBuf = grow(w.gBuf, P)
	for pi := range w.gBuf {
		w.gBuf[pi] = math.Inf(1)
	}
	for e := 0; e < n; e++ {
		var full, nz uint64
		for pi, l := range w.planned {
			s, c := w.supAll[e*L+int(l)], w.cstAll[e*L+int(l)]
			w.supBuf[e*P+pi] = s
			w.cstBuf[e*P+pi] = c
			if pi < 64 {
				if int64(s) >= w.q[pi] {
					full |= 1 << uint(pi)
				}
				if s > 0 {
					nz |= 1 << uint(pi)
				}
			}
			if c < w.gBuf[pi] {
				w.gBuf[pi] = c
			}
		}
		w.fullBuf[e] = full
		w.nzBuf[e] = nz
	}
	w.sup, w.cst, w.full, w.nz, w.gMin = w.supBuf, w.cstBuf, w.fullBuf, w.nzBuf, w.gBuf
}

// useTables makes sure the candidate tables for the planned lines are
// filled before the search reads them.
func (w *Workspace) useTables() { w.useRows(nil) }

// useRows is useTables when only the candidates in list (nil: all) will be
// read: when every line is planned, only their rows are filled.
func (w *Workspace) useRows(list []int32) {
	if w.nP != len(w.p.Lines) {
		return // buildTables copied them out
	}
	if list == nil {
		w.fillTables()
	} else if !w.tablesDone {
		w.fillFixed()
		w.growRows()
		for _, e := range list {
			w.fillRow(int(e))
		}
	}
	n, L := len(w.elig), w.nP
	rows := n
	if w.lost.on {
		rows++ // the lost row (setupLost)
	}
	w.sup, w.cst, w.full, w.nz = w.supAll[:rows*L], w.cstAll[:rows*L], w.fullAll[:n], w.nzAll[:n]
}

// grow returns s with length n, reusing its storage when it is big enough.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, n+n/4)
}

// ExclusionReason is why option o of p is excluded before its stock is
// looked at, or ReasonNone when it is a candidate: the Builder's reason
// (Option.Excluded), else MISSES_PROMISE when its ETA is later than
// PromiseMinutes (> 0), else CAPACITY when its CapacityUnits is 0. This is
// the one order of these checks, the one MoreTelling ranks (a reason
// checked later says more, so the reason given is the least telling of
// those that apply): Plan.Excluded, the policies (policy.Why) and the
// replay's explanations all go through it.
func (p *Problem) ExclusionReason(o int) Reason {
	return upfrontReason(&p.Options[o], p.PromiseMinutes)
}

// upfrontReason is Problem.ExclusionReason for opt under promise.
func upfrontReason(opt *Option, promise int32) Reason {
	r := opt.Excluded
	if r == ReasonNone && promise > 0 && opt.ETAMinutes > promise {
		r = ReasonMissesPromise
	}
	if r == ReasonNone && opt.CapacityUnits == 0 {
		r = ReasonCapacity
	}
	return r
}

// capacityLimit is the units opt may pick: its capacity, or NoLimit.
func capacityLimit(opt *Option) int64 {
	if opt.CapacityUnits >= 0 {
		return int64(opt.CapacityUnits)
	}
	return NoLimit
}
