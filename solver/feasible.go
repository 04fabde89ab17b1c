package solver

import "math"

// NoLimit stands for "no capacity limit" in int64 arithmetic (see Carry):
// more units than any order holds.
const NoLimit = int64(1) << 40

// exclude checks the options' numbers, decides every option's exclusion
// (listed in w.out.plan.Excluded) and lists the eligible ones (w.filter.eligible; eligible
// option e is candidate e of the search). It reports false, having stopped
// early, when some number is invalid (Validate then names it). The checks
// run in a fixed order and the first that fails names the reason: the
// problem's own Excluded, the promise, capacity, stock, weight.
//
// In the same pass it gathers what settles most orders without the search:
// per line the most one option can carry (w.filter.maxCarry) and the cheapest unit
// cost of an option that can carry it (w.filter.cheapestUnitCost), the two cheapest fixed
// costs, and in w.filter.singles the options that can carry the whole order alone, with
// their cost. The candidate tables the search needs are filled later, when
// it runs (fillTables).
func (w *Workspace) exclude() bool {
	p := w.problem
	L := len(p.Lines)
	inf := math.Inf(1)
	w.out.plan.Excluded = w.out.plan.Excluded[:0]
	w.filter.eligible = w.filter.eligible[:0]
	w.filter.singles = w.filter.singles[:0]
	w.filter.singleCost = w.filter.singleCost[:0]
	w.nodes.done = false
	w.tables.filled = false
	w.tables.fixedFilled = false
	w.filter.maxCarry = grow(w.filter.maxCarry, L)
	clear(w.filter.maxCarry)
	w.filter.cheapestUnitCost = grow(w.filter.cheapestUnitCost, L)
	for l := range w.filter.cheapestUnitCost {
		w.filter.cheapestUnitCost[l] = inf
	}
	w.filter.cheapestFixed, w.filter.secondCheapestFixed = inf, inf
	split := p.SplitLines
	w.filter.quantity = grow(w.filter.quantity, L)
	w.filter.inverseWeight = grow(w.filter.inverseWeight, L)
	w.filter.carryThreshold = grow(w.filter.carryThreshold, L)
	var sumQ int64
	var wsum float64
	for l := range p.Lines {
		w.filter.quantity[l] = int64(p.Lines[l].Quantity)
		sumQ += w.filter.quantity[l]
		wsum += float64(w.filter.quantity[l]) * p.Lines[l].UnitWeightKg
		// An option carries line l at a cost when it can take this much.
		w.filter.carryThreshold[l] = w.filter.quantity[l]
		if split {
			w.filter.carryThreshold[l] = 1
		}
		w.filter.inverseWeight[l] = 0
		if wt := p.Lines[l].UnitWeightKg; wt > 0 {
			w.filter.inverseWeight[l] = 1 / wt
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
	case L <= 3 && L <= w.settings.ExactMaxLines:
		return w.excludeSmall(sumQ, wsum)
	}
	// Orders the heuristic will take need the candidate tables whole:
	// their rows are filled here, while they are in cache.
	fillNow := L > w.settings.ExactMaxLines || L > 64
	if fillNow {
		n := len(p.Options)
		w.tables.fixedCost = grow(w.tables.fixedCost, n+1) // a spare entry: see fillFixed
		w.tables.capacity = grow(w.tables.capacity, n+1)
		w.tables.maxWeight = grow(w.tables.maxWeight, n+1)
		w.tables.supplyAll = grow(w.tables.supplyAll, (n+1)*L) // a spare row: see growRows
		w.tables.unitCostAll = grow(w.tables.unitCostAll, (n+1)*L)
		w.tables.fullMaskAll = grow(w.tables.fullMaskAll, n)
		w.tables.partMaskAll = grow(w.tables.partMaskAll, n)
	}
	promise := p.PromiseMinutes
	maxEff, gAll, th, invWt, qAll := w.filter.maxCarry[:L], w.filter.cheapestUnitCost[:L], w.filter.carryThreshold[:L], w.filter.inverseWeight[:L], w.filter.quantity[:L]
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
			w.out.plan.Excluded = append(w.out.plan.Excluded, Exclusion{Option: o, Reason: r})
			continue
		}
		capLim := capacityLimit(opt)
		limitW := opt.MaxWeightKg > 0
		var anyA int32
		var anyS int64
		var full, bits uint64
		units := 0.0
		for l, a := range avail {
			anyA |= a // a >= 0: any stock iff the OR is positive
			s := min(int64(a), capLim)
			if limitW && s > 0 {
				s = weightFit(s, opt.MaxWeightKg, invWt[l])
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
			w.out.plan.Excluded = append(w.out.plan.Excluded, Exclusion{Option: o, Reason: r})
			continue
		}
		f := opt.FixedCost
		switch {
		case f < w.filter.cheapestFixed:
			w.filter.cheapestFixed, w.filter.secondCheapestFixed = f, w.filter.cheapestFixed
		case f < w.filter.secondCheapestFixed:
			w.filter.secondCheapestFixed = f
		}
		if full == wholeMask && wholeMask != 0 && sumQ <= capLim && (!limitW || wsum <= opt.MaxWeightKg+1e-9) {
			w.filter.singles = append(w.filter.singles, int32(len(w.filter.eligible)))
			w.filter.singleCost = append(w.filter.singleCost, f+units)
		}
		w.filter.eligible = append(w.filter.eligible, int32(o))
		if fillNow {
			e := len(w.filter.eligible) - 1
			w.tables.fixedCost[e], w.tables.capacity[e], w.tables.maxWeight[e] = f, capLim, inf
			if limitW {
				w.tables.maxWeight[e] = opt.MaxWeightKg
			}
			w.fillRow(e)
		}
	}
	w.tables.fixedFilled, w.tables.filled = fillNow, fillNow
	if fillNow {
		w.lostFixed()
	}
	w.tables.option = w.filter.eligible
	return true
}

// exclude1 is exclude's loop for an order of one line (most orders), with
// the line's figures in registers; wsum is the line's weight.
func (w *Workspace) exclude1(wsum float64) bool {
	p := w.problem
	inf := math.Inf(1)
	q, th, invWt := w.filter.quantity[0], w.filter.carryThreshold[0], w.filter.inverseWeight[0]
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
		capLim, limitW := capacityLimit(opt), opt.MaxWeightKg > 0
		s := min(int64(a), capLim)
		if limitW && s > 0 {
			s = weightFit(s, opt.MaxWeightKg, invWt)
		}
		switch {
		case r != ReasonNone:
		case a == 0:
			r = ReasonNoStock
		case s == 0:
			r = ReasonOverweight
		}
		if r != ReasonNone {
			w.out.plan.Excluded = append(w.out.plan.Excluded, Exclusion{Option: o, Reason: r})
			continue
		}
		maxEff = max(maxEff, s)
		if s >= th && c < g {
			g = c
		}
		f := opt.FixedCost
		switch {
		case f < w.filter.cheapestFixed:
			w.filter.cheapestFixed, w.filter.secondCheapestFixed = f, w.filter.cheapestFixed
		case f < w.filter.secondCheapestFixed:
			w.filter.secondCheapestFixed = f
		}
		if s >= q && q <= capLim && (!limitW || wsum <= opt.MaxWeightKg+1e-9) {
			// Summed as exclude and setCost sum it.
			units := 0.0
			units += float64(q) * c
			w.filter.singles = append(w.filter.singles, int32(len(w.filter.eligible)))
			w.filter.singleCost = append(w.filter.singleCost, f+units)
		}
		w.filter.eligible = append(w.filter.eligible, int32(o))
	}
	w.filter.maxCarry[0], w.filter.cheapestUnitCost[0] = maxEff, g
	w.tables.option = w.filter.eligible
	return true
}

// excludeSmall is exclude's loop for an order of two or three lines, with
// the lines' figures in registers (a missing third line carries nothing,
// weighs nothing and is always full); sumQ and wsum are the order's units
// and weight.
func (w *Workspace) excludeSmall(sumQ int64, wsum float64) bool {
	p := w.problem
	L := len(p.Lines)
	three := L == 3
	inf := math.Inf(1)
	q0, th0, iw0 := w.filter.quantity[0], w.filter.carryThreshold[0], w.filter.inverseWeight[0]
	q1, th1, iw1 := w.filter.quantity[1], w.filter.carryThreshold[1], w.filter.inverseWeight[1]
	var q2, th2 int64
	var iw2 float64
	if three {
		q2, th2, iw2 = w.filter.quantity[2], w.filter.carryThreshold[2], w.filter.inverseWeight[2]
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
				s0 = weightFit(s0, opt.MaxWeightKg, iw0)
			}
			if s1 > 0 {
				s1 = weightFit(s1, opt.MaxWeightKg, iw1)
			}
			if s2 > 0 {
				s2 = weightFit(s2, opt.MaxWeightKg, iw2)
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
			w.out.plan.Excluded = append(w.out.plan.Excluded, Exclusion{Option: o, Reason: r})
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
		case f < w.filter.cheapestFixed:
			w.filter.cheapestFixed, w.filter.secondCheapestFixed = f, w.filter.cheapestFixed
		case f < w.filter.secondCheapestFixed:
			w.filter.secondCheapestFixed = f
		}
		if s0 >= q0 && s1 >= q1 && s2 >= q2 && sumQ <= capLim && (!limitW || wsum <= opt.MaxWeightKg+1e-9) {
			// Summed as exclude and setCost sum it.
			units := 0.0
			units += float64(q0) * c0
			units += float64(q1) * c1
			if three {
				units += float64(q2) * c2
			}
			w.filter.singles = append(w.filter.singles, int32(len(w.filter.eligible)))
			w.filter.singleCost = append(w.filter.singleCost, f+units)
		}
		w.filter.eligible = append(w.filter.eligible, int32(o))
	}
	w.filter.maxCarry[0], w.filter.maxCarry[1], w.filter.cheapestUnitCost[0], w.filter.cheapestUnitCost[1] = maxEff0, maxEff1, g0, g1
	if three {
		w.filter.maxCarry[2], w.filter.cheapestUnitCost[2] = maxEff2, g2
	}
	w.tables.option = w.filter.eligible
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

// fillFixed fills the per-candidate figures of the candidate tables: fixed
// cost, capacity and weight limit (+Inf: none), once per solve, and those
// of the lost row after them (lostFixed).
func (w *Workspace) fillFixed() {
	if w.tables.fixedFilled {
		return
	}
	w.tables.fixedFilled = true
	p := w.problem
	n := len(w.filter.eligible)
	inf := math.Inf(1)
	w.tables.fixedCost = grow(w.tables.fixedCost, n+1)
	w.tables.capacity = grow(w.tables.capacity, n+1)
	w.tables.maxWeight = grow(w.tables.maxWeight, n+1)
	w.lostFixed()
	for e, o := range w.filter.eligible {
		opt := &p.Options[o]
		w.tables.fixedCost[e] = opt.FixedCost
		w.tables.capacity[e] = NoLimit
		if opt.CapacityUnits >= 0 {
			w.tables.capacity[e] = int64(opt.CapacityUnits)
		}
		w.tables.maxWeight[e] = inf
		if opt.MaxWeightKg > 0 {
			w.tables.maxWeight[e] = opt.MaxWeightKg
		}
	}
}

// lostFixed sets the per-candidate figures of the lost row (lost.go), the
// entry after the eligible options: no fixed cost, no capacity or weight
// limit.
func (w *Workspace) lostFixed() {
	n := len(w.filter.eligible)
	w.tables.fixedCost[n], w.tables.capacity[n], w.tables.maxWeight[n] = 0, NoLimit, math.Inf(1)
}

// fillTables fills the candidate tables for all lines and all candidates,
// once per solve, when the search needs them (see fillRow).
func (w *Workspace) fillTables() {
	if w.tables.filled {
		return
	}
	w.tables.filled = true
	w.fillFixed()
	w.growRows()
	for e := range w.filter.eligible {
		w.fillRow(e)
	}
}

// growRows sizes the per-line candidate tables, with a spare row after the
// candidates for the lost row (setupLost): every sizing within a solve asks
// for the same size, so none moves the rows already filled.
func (w *Workspace) growRows() {
	n, L := len(w.filter.eligible), len(w.problem.Lines)
	w.tables.supplyAll = grow(w.tables.supplyAll, (n+1)*L)
	w.tables.unitCostAll = grow(w.tables.unitCostAll, (n+1)*L)
	w.tables.fullMaskAll = grow(w.tables.fullMaskAll, n)
	w.tables.partMaskAll = grow(w.tables.partMaskAll, n)
}

// fillRow fills candidate e's row of the tables for all lines: what it can
// carry of each line on its own (ATP, capacity, weight limit) in w.tables.supplyAll,
// its unit cost or +Inf where it cannot carry the line in w.tables.unitCostAll, and the
// masks of lines it carries whole (w.tables.fullMaskAll) and in part (w.tables.partMaskAll).
func (w *Workspace) fillRow(e int) {
	p := w.problem
	L := len(p.Lines)
	inf := math.Inf(1)
	th, invWt, qAll := w.filter.carryThreshold[:L], w.filter.inverseWeight[:L], w.filter.quantity[:L]
	o := int(w.filter.eligible[e])
	opt := &p.Options[o]
	capLim := w.tables.capacity[e]
	limitW := opt.MaxWeightKg > 0
	avail := p.Available[o*L : o*L+L]
	cost := p.UnitCost[o*L : o*L+L]
	sup := w.tables.supplyAll[e*L : e*L+L]
	cst := w.tables.unitCostAll[e*L : e*L+L]
	var full, nz uint64
	for l, a := range avail {
		s := min(int64(a), capLim)
		if limitW && s > 0 {
			s = weightFit(s, opt.MaxWeightKg, invWt[l])
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
	w.tables.fullMaskAll[e] = full
	w.tables.partMaskAll[e] = nz
}

// denseNodes maps the eligible options' Node values to dense ids
// 0..nodes.count-1 in w.nodes.ofCandidate, through a direct table when the values are small
// and a small open-addressing table otherwise (no map, no allocation in
// steady state). It runs once per solve, when something first needs the
// ids: most orders are settled by single shipments without them.
func (w *Workspace) denseNodes() {
	if w.nodes.done {
		return
	}
	w.nodes.done = true
	n := len(w.filter.eligible)
	w.nodes.nodeOf = grow(w.nodes.nodeOf, n)
	w.nodes.maxValue = 0
	for e, o := range w.filter.eligible {
		key := w.problem.Options[o].Node
		w.nodes.nodeOf[e] = key
		w.nodes.maxValue = max(w.nodes.maxValue, key)
	}
	w.nodes.ofCandidate = grow(w.nodes.ofCandidate, n)
	if int(w.nodes.maxValue) < 4*n+1024 {
		// Node values are small: map them through a direct table.
		w.nodes.ids = grow(w.nodes.ids, int(w.nodes.maxValue)+1)
		for i := range w.nodes.ids {
			w.nodes.ids[i] = -1
		}
		w.nodes.count = 0
		for e, key := range w.nodes.nodeOf[:n] {
			if w.nodes.ids[key] < 0 {
				w.nodes.ids[key] = int32(w.nodes.count)
				w.nodes.count++
			}
			w.nodes.ofCandidate[e] = w.nodes.ids[key]
		}
		return
	}
	size := 16
	for size < 2*n {
		size <<= 1
	}
	w.nodes.hashKeys = grow(w.nodes.hashKeys, size)
	w.nodes.ids = grow(w.nodes.ids, size)
	for i := range w.nodes.ids {
		w.nodes.ids[i] = -1
	}
	w.nodes.count = 0
	mask := uint32(size - 1)
	for e, key := range w.nodes.nodeOf[:n] {
		h := (uint32(key) * 2654435761) & mask
		for {
			if w.nodes.ids[h] < 0 {
				w.nodes.hashKeys[h] = key
				w.nodes.ids[h] = int32(w.nodes.count)
				w.nodes.count++
				break
			}
			if w.nodes.hashKeys[h] == key {
				break
			}
			h = (h + 1) & mask
		}
		w.nodes.ofCandidate[e] = w.nodes.ids[h]
	}
}

// supply is what option o can carry of line l on its own, under the given
// limits: 0 = ATP only, 1 = ATP and capacity, 2 = ATP, capacity and weight.
func (w *Workspace) supply(o, l int, limits int) int64 {
	p := w.problem
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
	return w.coverage(l, limits) >= int64(w.problem.Lines[l].Quantity)
}

// coverage is how many units of line l the eligible options can carry on
// their own under the given limits (see supply), at most its quantity:
// without split lines one option carries all of it or none, so it is the
// quantity or 0; with split lines it is what the best MaxShipments nodes
// carry together. It is an upper bound on what any plan ships of l.
func (w *Workspace) coverage(l int, limits int) int64 {
	p := w.problem
	q := int64(p.Lines[l].Quantity)
	if !p.SplitLines {
		for _, o := range w.filter.eligible {
			if w.supply(int(o), l, limits) >= q {
				return q
			}
		}
		return 0
	}
	w.denseNodes()
	w.filter.nodeSupply = grow(w.filter.nodeSupply, w.nodes.count)
	clear(w.filter.nodeSupply)
	for e, o := range w.filter.eligible {
		if s := w.supply(int(o), l, limits); s > w.filter.nodeSupply[w.nodes.ofCandidate[e]] {
			w.filter.nodeSupply[w.nodes.ofCandidate[e]] = s
		}
	}
	k := p.MaxShipments
	if k <= 0 || k >= w.nodes.count {
		var sum int64
		for _, s := range w.filter.nodeSupply {
			sum += s
			if sum >= q {
				return q
			}
		}
		return sum
	}
	// Sum of the k largest, by a small sorted buffer.
	w.filter.topSupply = grow(w.filter.topSupply, k)
	clear(w.filter.topSupply)
	for _, s := range w.filter.nodeSupply {
		if s <= w.filter.topSupply[k-1] {
			continue
		}
		j := k - 1
		for j > 0 && w.filter.topSupply[j-1] < s {
			w.filter.topSupply[j] = w.filter.topSupply[j-1]
			j--
		}
		w.filter.topSupply[j] = s
	}
	var sum int64
	for _, s := range w.filter.topSupply {
		sum += s
	}
	return min(sum, q)
}

// splitLines decides which lines are planned (w.filter.planned) and why the others
// are not (w.filter.lineReason), and notes whether any lost-sale cost is set
// (w.lost.any). A line the options cannot cover on their own is left out,
// but for a short line: one with a lost-sale price and split lines that
// some option can carry in part. It is planned, the units no plan can ship
// go to the lost row with the rest, and w.filter.short and shortReason say
// how many of them stock could not cover and why.
func (w *Workspace) splitLines() {
	p := w.problem
	L := len(p.Lines)
	w.filter.lineReason = grow(w.filter.lineReason, L)
	w.filter.short = grow(w.filter.short, L)
	w.filter.shortReason = grow(w.filter.shortReason, L)
	clear(w.filter.short)
	w.filter.planned = w.filter.planned[:0]
	any := p.LostSaleCostPerOrder > 0
	for l := 0; l < L; l++ {
		ln := &p.Lines[l]
		any = any || ln.LostSaleCost > 0
		r := ReasonNone
		q := int64(ln.Quantity)
		if w.filter.maxCarry[l] < q {
			if cover := w.coverage(l, 2); cover < q {
				switch {
				case !w.coverable(l, 0) && ln.UnknownSKU:
					r = ReasonUnknownSKU
				case !w.coverable(l, 0):
					r = ReasonNoStock
				case !w.coverable(l, 1):
					r = ReasonCapacity
				default:
					r = ReasonOverweight
				}
				if cover > 0 && p.SplitLines && ln.LostSaleCost > 0 {
					w.filter.short[l], w.filter.shortReason[l] = q-cover, r
					r = ReasonNone
				}
			}
		}
		w.filter.lineReason[l] = r
		if r == ReasonNone {
			w.filter.planned = append(w.filter.planned, int32(l))
		}
	}
	w.lost.any = any
}

// buildTables sets the candidate tables for the planned lines: when every
// line is planned they are the tables fillTables fills (see useTables);
// otherwise the planned columns are copied out. Candidate i is eligible option w.tables.option[i]; its cost
// for a line it cannot carry is +Inf.
func (w *Workspace) buildTables() {
	p := w.problem
	P, L := len(w.filter.planned), len(p.Lines)
	w.tables.lines = P
	w.tables.quantity = grow(w.tables.quantity, P)
	w.tables.unitWeight = grow(w.tables.unitWeight, P)
	w.tables.totalUnits = 0
	for i, l := range w.filter.planned {
		w.tables.quantity[i] = int64(p.Lines[l].Quantity)
		w.tables.unitWeight[i] = p.Lines[l].UnitWeightKg
		w.tables.totalUnits += w.tables.quantity[i]
	}
	n := len(w.filter.eligible)
	if P == L {
		// The tables exclude and fillTables make serve as they are
		// (useTables).
		w.tables.cheapestUnit = w.filter.cheapestUnitCost[:L]
		return
	}
	w.fillTables()
	w.tables.supplyBuf = grow(w.tables.supplyBuf, (n+1)*P) // a spare row for the lost row (setupLost)
	w.tables.unitCostBuf = grow(w.tables.unitCostBuf, (n+1)*P)
	w.tables.fullMaskBuf = grow(w.tables.fullMaskBuf, n)
	w.tables.partMaskBuf = grow(w.tables.partMaskBuf, n)
	w.tables.cheapestUnitBuf = grow(w.tables.cheapestUnitBuf, P)
	for pi := range w.tables.cheapestUnitBuf {
		w.tables.cheapestUnitBuf[pi] = math.Inf(1)
	}
	for e := 0; e < n; e++ {
		var full, nz uint64
		for pi, l := range w.filter.planned {
			s, c := w.tables.supplyAll[e*L+int(l)], w.tables.unitCostAll[e*L+int(l)]
			w.tables.supplyBuf[e*P+pi] = s
			w.tables.unitCostBuf[e*P+pi] = c
			if pi < 64 {
				if int64(s) >= w.tables.quantity[pi] {
					full |= 1 << uint(pi)
				}
				if s > 0 {
					nz |= 1 << uint(pi)
				}
			}
			if c < w.tables.cheapestUnitBuf[pi] {
				w.tables.cheapestUnitBuf[pi] = c
			}
		}
		w.tables.fullMaskBuf[e] = full
		w.tables.partMaskBuf[e] = nz
	}
	w.tables.supply, w.tables.unitCost, w.tables.fullMask, w.tables.partMask, w.tables.cheapestUnit = w.tables.supplyBuf, w.tables.unitCostBuf, w.tables.fullMaskBuf, w.tables.partMaskBuf, w.tables.cheapestUnitBuf
}

// useTables makes sure the candidate tables for the planned lines are
// filled before the search reads them.
func (w *Workspace) useTables() { w.useRows(nil) }

// useRows is useTables when only the candidates in list (nil: all) will be
// read: when every line is planned, only their rows are filled.
func (w *Workspace) useRows(list []int32) {
	if w.tables.lines != len(w.problem.Lines) {
		return // buildTables copied them out
	}
	if list == nil {
		w.fillTables()
	} else if !w.tables.filled {
		w.fillFixed()
		w.growRows()
		for _, e := range list {
			w.fillRow(int(e))
		}
	}
	n, L := len(w.filter.eligible), w.tables.lines
	rows := n
	if w.lost.on {
		rows++ // the lost row (setupLost)
	}
	w.tables.supply, w.tables.unitCost, w.tables.fullMask, w.tables.partMask = w.tables.supplyAll[:rows*L], w.tables.unitCostAll[:rows*L], w.tables.fullMaskAll[:n], w.tables.partMaskAll[:n]
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
