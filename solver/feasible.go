package solver

import "math"

// noLimit stands for "no capacity limit" in int64 arithmetic.
const noLimit = int64(1) << 40

// exclude sets w.reason for every option and lists the eligible ones. The
// checks run in a fixed order and the first that fails names the reason:
// the problem's own Excluded, the promise, capacity, stock, weight.
func (w *Workspace) exclude() {
	p := w.p
	L := len(p.Lines)
	w.reason = grow(w.reason, len(p.Options))
	w.elig = w.elig[:0]
	for o := range p.Options {
		opt := &p.Options[o]
		r := opt.Excluded
		if r == ReasonNone && p.PromiseMinutes > 0 && opt.ETAMinutes > p.PromiseMinutes {
			r = ReasonMissesPromise
		}
		if r == ReasonNone && opt.CapacityUnits == 0 {
			r = ReasonCapacity
		}
		if r == ReasonNone {
			stock, carriable := false, false
			for l := 0; l < L; l++ {
				if p.Available[o*L+l] > 0 {
					stock = true
					if opt.MaxWeightKg <= 0 || p.Lines[l].UnitWeightKg <= opt.MaxWeightKg {
						carriable = true
					}
				}
			}
			switch {
			case !stock:
				r = ReasonNoStock
			case !carriable:
				r = ReasonOverweight
			}
		}
		w.reason[o] = r
		if r == ReasonNone {
			w.elig = append(w.elig, int32(o))
		}
	}
	w.denseNodes()
}

// denseNodes maps the eligible options' Node values to dense ids 0..nNodes-1
// with a small open-addressing table (no map, no allocation in steady state).
func (w *Workspace) denseNodes() {
	size := 16
	for size < 2*len(w.elig) {
		size <<= 1
	}
	w.hkeys = grow(w.hkeys, size)
	w.hvals = grow(w.hvals, size)
	for i := range w.hvals {
		w.hvals[i] = -1
	}
	w.nodeOf = grow(w.nodeOf, len(w.p.Options))
	w.nNodes = 0
	mask := uint32(size - 1)
	for _, o := range w.elig {
		key := w.p.Options[o].Node
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
		w.nodeOf[o] = w.hvals[h]
	}
}

// supply is what option o can carry of line l on its own, under the given
// limits: 0 = ATP only, 1 = ATP and capacity, 2 = ATP, capacity and weight.
func (w *Workspace) supply(o, l int, limits int) int64 {
	p := w.p
	opt := &p.Options[o]
	s := int64(p.Available[o*len(p.Lines)+l])
	if limits >= 1 && opt.CapacityUnits >= 0 && int64(opt.CapacityUnits) < s {
		s = int64(opt.CapacityUnits)
	}
	if limits >= 2 && opt.MaxWeightKg > 0 {
		if wt := p.Lines[l].UnitWeightKg; wt > 0 {
			if m := weightUnits(opt.MaxWeightKg, wt); m < s {
				s = m
			}
		}
	}
	return s
}

// weightUnits is how many units of weight wt fit in limit kg.
func weightUnits(limit, wt float64) int64 {
	if math.IsInf(limit, 1) || wt <= 0 {
		return noLimit
	}
	f := math.Floor((limit + 1e-9) / wt)
	if f >= float64(noLimit) {
		return noLimit
	}
	if f < 0 {
		return 0
	}
	return int64(f)
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
	w.nodeBest = grow(w.nodeBest, w.nNodes)
	clear(w.nodeBest)
	for _, o := range w.elig {
		if s := w.supply(int(o), l, limits); s > w.nodeBest[w.nodeOf[o]] {
			w.nodeBest[w.nodeOf[o]] = s
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
// are not (w.lineReason).
func (w *Workspace) splitLines() {
	L := len(w.p.Lines)
	w.lineReason = grow(w.lineReason, L)
	w.planned = w.planned[:0]
	for l := 0; l < L; l++ {
		r := ReasonNone
		if !w.coverable(l, 2) {
			switch {
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
}

// buildTables fills the candidate tables for the planned lines: the eligible
// options that can carry something, with their per-line supply and cost
// (cost +Inf where the option cannot carry the line), and per line the list of
// candidates that can.
func (w *Workspace) buildTables() {
	p := w.p
	P := len(w.planned)
	w.P = P
	w.q = grow(w.q, P)
	w.wt = grow(w.wt, P)
	w.sumQ = 0
	for i, l := range w.planned {
		w.q[i] = int64(p.Lines[l].Quantity)
		w.wt[i] = p.Lines[l].UnitWeightKg
		w.sumQ += w.q[i]
	}
	n := len(w.elig)
	w.cand = w.cand[:0]
	w.sup = grow(w.sup, n*P)
	w.cst = grow(w.cst, n*P)
	w.fix = grow(w.fix, n)
	w.capU = grow(w.capU, n)
	w.maxW = grow(w.maxW, n)
	w.cnode = grow(w.cnode, n)
	w.full = grow(w.full, n)
	w.G = grow(w.G, P)
	for i := range w.G {
		w.G[i] = math.Inf(1)
	}
	w.lineOff = grow(w.lineOff, P+1)
	clear(w.lineOff)
	w.minF, w.minF2 = math.Inf(1), math.Inf(1)
	inf := math.Inf(1)
	for _, o := range w.elig {
		i := len(w.cand)
		row := i * P
		carries := false
		var full uint64
		for pi, l := range w.planned {
			s := w.supply(int(o), int(l), 2)
			c := inf
			if (p.SplitLines && s > 0) || s >= w.q[pi] {
				c = p.UnitCost[p.At(int(o), int(l))]
				carries = true
			}
			if s >= w.q[pi] && pi < 64 {
				full |= 1 << uint(pi)
			}
			w.sup[row+pi] = s
			w.cst[row+pi] = c
		}
		if !carries {
			continue
		}
		opt := &p.Options[o]
		w.cand = append(w.cand, o)
		w.fix[i] = opt.FixedCost
		w.capU[i] = noLimit
		if opt.CapacityUnits >= 0 {
			w.capU[i] = int64(opt.CapacityUnits)
		}
		w.maxW[i] = inf
		if opt.MaxWeightKg > 0 {
			w.maxW[i] = opt.MaxWeightKg
		}
		w.cnode[i] = w.nodeOf[o]
		w.full[i] = full
		for pi := 0; pi < P; pi++ {
			if c := w.cst[row+pi]; c < inf {
				w.lineOff[pi+1]++
				if c < w.G[pi] {
					w.G[pi] = c
				}
			}
		}
		switch f := opt.FixedCost; {
		case f < w.minF:
			w.minF, w.minF2 = f, w.minF
		case f < w.minF2:
			w.minF2 = f
		}
	}
	for pi := 0; pi < P; pi++ {
		w.lineOff[pi+1] += w.lineOff[pi]
	}
	nc := len(w.cand)
	w.lineList = grow(w.lineList, int(w.lineOff[P]))
	w.fill = grow(w.fill, P)
	copy(w.fill, w.lineOff[:P])
	for i := 0; i < nc; i++ {
		for pi := 0; pi < P; pi++ {
			if w.cst[i*P+pi] < inf {
				w.lineList[w.fill[pi]] = int32(i)
				w.fill[pi]++
			}
		}
	}
}

// grow returns s with length n, reusing its storage when it is big enough.
func grow[T any](s []T, n int) []T {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]T, n, n+n/4)
}
