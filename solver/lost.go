package solver

import "math"

// Lost sales. A planned line with a price (Line.LostSaleCost > 0) may be
// left unfilled, in whole or (with split lines) in part; every other
// planned line must be filled. The search sees this as one more member
// that every set of shipments may use: the "lost" pseudo-candidate, with
// unlimited supply of the priced lines at their price, no fixed cost, no
// shipment slot, no split penalty and no node. It lives in one extra row of
// the candidate tables (index lostSales.row, after the last eligible
// option), so the allocation code prices it like any member; it is never
// a member of a plan's set, and a plan's lost units are what its members
// leave of each line.
//
// What changes for the search, and why the bounds stay valid:
//   - coverage (a set "supplies every line") asks only for the lines that
//     must be filled: w.tables.need holds their quantities (0 for a priced line)
//     and w.tables.mustMask their mask;
//   - every lower bound takes a line's cheapest unit cost including its
//     price (the first row of search.setCheapestUnit and lostSales.gEff), and leaves the
//     per-order cost out, which only lowers it;
//   - the plan that ships nothing, and every single shipment with the rest
//     left unfilled, are plans too (singlesLost);
//   - a set's allocation first lets the lost row take what it prices
//     lowest; when that leaves units unfilled, a second pass looks for an
//     allocation that fills everything, which the per-order cost may make
//     cheaper (offerLost);
//   - among plans of equal cost the one that leaves fewer units unfilled
//     ranks first, so the tie rule that prunes by set size holds only
//     while the last ranked plan leaves nothing unfilled (setThr).
//
// Without priced lines none of this runs: lostSales.on is false, w.tables.need is
// w.tables.quantity and w.tables.mustMask is allMask().

// lostSales is the lost-sale side of one search (set by setupLost).
type lostSales struct {
	// any is set when the problem has a lost-sale cost anywhere (a line's
	// or the per-order one); without, nothing in this file runs.
	any bool
	// on is set when some planned line has a price.
	on bool
	// forced is a line (index in Problem.Lines) that must be filled
	// although it has a price, or -1: the search that prices
	// Unfilled.CostSaved.
	forced int
	// price[pi] is planned line pi's price per unfilled unit, +Inf for a
	// line that must be filled.
	price []float64
	// needBuf backs w.tables.need when on.
	needBuf []int64
	// perOrder is charged by the search when a plan leaves a unit
	// unfilled: Problem.LostSaleCostPerOrder, or 0 when a line is already
	// unfilled for another reason (the charge is then paid whatever the
	// plan does).
	perOrder float64
	// row is the lost pseudo-candidate's row in the candidate tables.
	row int32
	// order lists the planned lines, those that must be filled first: the
	// heuristic's greedy steps take lines in this order, so that a line
	// that may be left unfilled never takes the room one that must be
	// filled needs.
	order []int32
	// gEff[pi] is min(the cheapest unit cost of line pi, price[pi]); it
	// stands for tables.cheapestUnit.
	gEff []float64
	// lset is a set with the lost row appended; xSave keeps an
	// allocation while a second pass runs.
	lset  []int32
	xSave []int64
}

// priced reports whether line l may be left unfilled in this search.
func (w *Workspace) priced(l int) bool {
	return w.problem.Lines[l].LostSaleCost > 0 && l != w.lost.forced
}

// setupLost decides, after buildTables, whether planned lines may be left
// unfilled and, when they may, sets the prices, the coverage figures and
// the lost row of the candidate tables.
func (w *Workspace) setupLost() {
	ls := &w.lost
	P := w.tables.lines
	ls.on = false
	w.tables.need = w.tables.quantity[:P]
	w.tables.mustMask = w.allMask()
	if !ls.any {
		return
	}
	for _, l := range w.filter.planned {
		if w.priced(int(l)) {
			ls.on = true
			break
		}
	}
	if !ls.on {
		return
	}
	p := w.problem
	inf := math.Inf(1)
	ls.price = grow(ls.price, P)
	ls.needBuf = grow(ls.needBuf, P)
	ls.gEff = grow(ls.gEff, P)
	w.tables.mustMask = 0
	for pi, l := range w.filter.planned {
		if w.priced(int(l)) {
			ls.price[pi] = p.Lines[l].LostSaleCost
			ls.needBuf[pi] = 0
		} else {
			ls.price[pi] = inf
			ls.needBuf[pi] = w.tables.quantity[pi]
			if pi < 64 {
				w.tables.mustMask |= 1 << uint(pi)
			}
		}
		ls.gEff[pi] = min(w.tables.cheapestUnit[pi], ls.price[pi])
	}
	w.tables.need = ls.needBuf[:P]
	w.tables.cheapestUnit = ls.gEff[:P]
	ls.order = ls.order[:0]
	for pass := 0; pass < 2; pass++ {
		for pi := range P {
			if (ls.needBuf[pi] > 0) == (pass == 0) {
				ls.order = append(ls.order, int32(pi))
			}
		}
	}
	ls.perOrder = p.LostSaleCostPerOrder
	for _, r := range w.filter.lineReason {
		if r != ReasonNone {
			ls.perOrder = 0
			break
		}
	}
	// The lost row after the candidates in the candidate tables (its
	// fixed figures come with the candidates': lostFixed). When every line
	// is planned the tables are filled lazily, row by row, as without lost
	// sales; their spare row (growRows) takes the lost row.
	n := len(w.filter.eligible)
	ls.row = int32(n)
	if P == len(p.Lines) {
		w.growRows()
		w.tables.supply, w.tables.unitCost = w.tables.supplyAll[:(n+1)*P], w.tables.unitCostAll[:(n+1)*P]
		w.tables.fullMask, w.tables.partMask = w.tables.fullMaskAll[:n], w.tables.partMaskAll[:n]
	} else {
		// buildTables sized them with a spare row.
		w.tables.supply, w.tables.unitCost = w.tables.supplyBuf[:(n+1)*P], w.tables.unitCostBuf[:(n+1)*P]
	}
	sup, cst := w.tables.supply[n*P:], w.tables.unitCost[n*P:]
	for pi, c := range ls.price[:P] {
		// All of a priced line, at its price; nothing of the others.
		sup[pi], cst[pi] = 0, c
		if !math.IsInf(c, 1) {
			sup[pi] = int32(w.tables.quantity[pi])
		}
	}
}

// lostUnits is how many units of the planned lines the first n rows of x
// leave unfilled.
func (w *Workspace) lostUnits(n int, x []int64) int64 {
	P := w.tables.lines
	var lost int64
	for pi := 0; pi < P; pi++ {
		u := w.tables.quantity[pi]
		for j := 0; j < n; j++ {
			u -= x[j*P+pi]
		}
		lost += u
	}
	return lost
}

// lostCost is the lost-sale cost of the units of the planned lines the
// first n rows of x leave unfilled, with the search's per-order cost once
// when there are any. Lines are summed in order, so the cost is canonical.
func (w *Workspace) lostCost(n int, x []int64) float64 {
	P := w.tables.lines
	cost := 0.0
	any := false
	for pi := 0; pi < P; pi++ {
		u := w.tables.quantity[pi]
		for j := 0; j < n; j++ {
			u -= x[j*P+pi]
		}
		if u > 0 {
			cost += float64(u) * w.lost.price[pi]
			any = true
		}
	}
	if any {
		cost += w.lost.perOrder
	}
	return cost
}

// lostRowUsed reports whether row k of w.alloc.best (the lost row of a set of k
// members) takes anything.
func (w *Workspace) lostRowUsed(k int) bool {
	P := w.tables.lines
	for _, v := range w.alloc.best[k*P : (k+1)*P] {
		if v > 0 {
			return true
		}
	}
	return false
}

// singlesLost is singles when lines may be left unfilled: the cheapest
// option that carries the whole order alone, the plan that ships nothing
// (when no planned line must be filled), then every candidate alone with
// the rest left unfilled, when its bound can beat the ranked list. The
// exact search allocates each exactly, the heuristic greedily;
// w.search.bestSingleCost gets the least bound, a lower bound on every
// single-shipment plan.
func (w *Workspace) singlesLost() {
	P := w.tables.lines
	if P == len(w.problem.Lines) && P <= 64 {
		// The cheapest option that carries the whole order alone (exclude
		// listed them) first: its cost prunes most of the scan below.
		best := -1
		for k, c := range w.filter.singleCost {
			if best < 0 || c < w.filter.singleCost[best] {
				best = k
			}
		}
		if best >= 0 && w.filter.singleCost[best] < w.ranked.threshold {
			var one [1]int32
			one[0] = w.filter.singles[best]
			w.alloc.best = grow(w.alloc.best, P)
			copy(w.alloc.best, w.tables.quantity[:P])
			w.offer(w.filter.singleCost[best], one[:], w.alloc.best)
		}
	}
	if w.tables.mustMask == 0 {
		if c := w.setCost(nil, nil); c < w.ranked.threshold {
			w.offer(c, nil, nil)
		}
	}
	w.search.set = grow(w.search.set, max(len(w.search.set), 1))
	price := w.lost.price[:P]
	var sumQG float64 // every line at the cheaper of its price and its cheapest unit cost
	for pi := 0; pi < P; pi++ {
		sumQG += float64(w.tables.quantity[pi]) * w.tables.cheapestUnit[pi]
	}
	if w.filter.cheapestFixed+sumQG >= w.ranked.threshold {
		// No single shipment, even the cheapest, can beat the ranked list.
		w.search.bestSingleCost = min(w.search.bestSingleCost, w.filter.cheapestFixed+sumQG)
		return
	}
	// A candidate alone ships at most what it holds of each line, at the
	// cheaper of its unit cost and the price, and leaves the rest unfilled
	// at the price, with the per-order cost when some is: a bound that
	// reads the problem's own stock and costs (capacity and weight limits
	// only raise the cost), so that most rows need not be filled.
	p := w.problem
	lazy := P == len(p.Lines) && !w.tables.filled
	bestLB := math.Inf(1)
	var one [1]int32
	for i := range w.tables.option {
		o := int(w.filter.eligible[i])
		f := p.Options[o].FixedCost
		if f+sumQG >= w.ranked.threshold {
			bestLB = min(bestLB, f+sumQG)
			continue
		}
		lb, short := f, false
		for pi := 0; pi < P; pi++ {
			var a int64
			var c float64
			if lazy {
				a, c = int64(p.Available[o*P+pi]), p.UnitCost[o*P+pi]
			} else {
				a, c = int64(w.tables.supply[i*P+pi]), w.tables.unitCost[i*P+pi]
			}
			q := w.tables.quantity[pi]
			if a > q {
				a = q
			} else if !w.rules.splitLines && a < q {
				a = 0 // a line goes whole or not at all
			}
			if a > 0 {
				lb += float64(a) * min(c, price[pi])
			}
			if a < q {
				lb += float64(q-a) * price[pi] // +Inf for a line that must be filled
				short = true
			}
		}
		if short {
			lb += w.lost.perOrder
		}
		bestLB = min(bestLB, lb)
		if lb >= w.ranked.threshold {
			continue
		}
		w.fixedRow(i)
		if lazy {
			w.fillRow(i)
		}
		if w.run.exact {
			w.search.set[0] = int32(i)
			w.evaluate(1)
			continue
		}
		one[0] = int32(i)
		w.try(one[:], math.Inf(1))
	}
	w.search.bestSingleCost = min(w.search.bestSingleCost, bestLB)
}

// fixedRow fills candidate e's fixed figures (fixed cost, capacity,
// weight limit) and the lost row's, when fillFixed has not filled them
// all: singlesLost evaluates only a few candidates.
func (w *Workspace) fixedRow(e int) {
	if w.tables.fixedFilled {
		return
	}
	n := len(w.filter.eligible)
	// Every call asks for the same size: only the first may move them.
	w.tables.fixedCost = grow(w.tables.fixedCost, n+1)
	w.tables.capacity = grow(w.tables.capacity, n+1)
	w.tables.maxWeight = grow(w.tables.maxWeight, n+1)
	opt := &w.problem.Options[w.filter.eligible[e]]
	w.tables.fixedCost[e], w.tables.capacity[e], w.tables.maxWeight[e] = opt.FixedCost, capacityLimit(opt), math.Inf(1)
	if opt.MaxWeightKg > 0 {
		w.tables.maxWeight[e] = opt.MaxWeightKg
	}
	w.lostFixed()
}

// offerLost offers the allocation the first pass left in w.alloc.best over the
// set w.alloc.members[:k] and the lost row (row k). When the lost row takes
// something, the per-order cost was not in that pass: a second pass over
// the members alone looks for an allocation that fills every line at a
// cost up to the first one's (base is the set's fixed costs and
// penalties, bound the first pass's bound) and, when it finds one, offers
// it instead: it is cheaper, or as cheap and fills more.
func (w *Workspace) offerLost(k int, base, bound float64) {
	es := w.alloc.members[:k]
	if !w.lostRowUsed(k) {
		w.offerIfFull(es)
		return
	}
	P := w.tables.lines
	c1 := w.setCost(es, w.alloc.best)
	w.lost.xSave = append(w.lost.xSave[:0], w.alloc.best[:(k+1)*P]...)
	if b := min(bound, c1+tol(c1)-base); b > 0 && w.allocate(es, b) {
		w.offerIfFull(es)
		return
	}
	w.alloc.best = grow(w.alloc.best, (k+1)*P)
	copy(w.alloc.best, w.lost.xSave)
	w.offerIfFull(es)
}

// LostSaleCostOf is what leaving unfilled[l] units of each line l of p
// unfilled costs: the units at their line's LostSaleCost, summed in line
// order, plus LostSaleCostPerOrder once when any unit is unfilled. It is
// the rule Plan.LostSaleCost follows, for plans made by other means (a
// replay's rule-based policies); unfilled must have one entry per line.
func (p *Problem) LostSaleCostOf(unfilled []int32) float64 {
	cost := 0.0
	any := false
	for l, u := range unfilled[:len(p.Lines)] {
		if u > 0 {
			cost += float64(u) * p.Lines[l].LostSaleCost
			any = true
		}
	}
	if any {
		cost += p.LostSaleCostPerOrder
	}
	return cost
}
