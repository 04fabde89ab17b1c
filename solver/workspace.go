package solver

import (
	"fmt"
	"math"
)

// Default settings.
const (
	DefaultAlternatives  = 3
	DefaultExactMaxLines = 10
	DefaultNodeBudget    = 200_000
	// MaxAlternatives caps Settings.Alternatives, so that the ranked list
	// stays small whatever a caller asks.
	MaxAlternatives = 1000
)

// DefaultSettings returns the settings used for fields left zero.
func DefaultSettings() Settings {
	return Settings{
		Alternatives:  DefaultAlternatives,
		ExactMaxLines: DefaultExactMaxLines,
		NodeBudget:    DefaultNodeBudget,
	}
}

// withDefaults fills zero fields from DefaultSettings and maps negative
// values to "none".
func (s Settings) withDefaults() Settings {
	d := DefaultSettings()
	switch {
	case s.Alternatives == 0:
		s.Alternatives = d.Alternatives
	case s.Alternatives < 0:
		s.Alternatives = 0
	case s.Alternatives > MaxAlternatives:
		s.Alternatives = MaxAlternatives
	}
	switch {
	case s.ExactMaxLines == 0:
		s.ExactMaxLines = d.ExactMaxLines
	case s.ExactMaxLines < 0:
		s.ExactMaxLines = 0
	}
	if s.ExactMaxLines > 64 {
		s.ExactMaxLines = 64
	}
	if s.NodeBudget <= 0 {
		s.NodeBudget = d.NodeBudget
	}
	return s
}

// Workspace holds everything one solve needs, so that solving again reuses
// the memory: in steady state a solve allocates nothing. The Plan it returns
// is owned by the Workspace and valid until the next Solve; Clone it to keep
// it. A Workspace is not safe for concurrent use.
type Workspace struct {
	p *Problem
	s Settings

	plan     Plan
	shipBuf  []Shipment
	allocBuf []Allocation
	altBuf   []Alternative
	altOpts  []int

	// Filtering (feasible.go).
	elig       []int32
	maxEff     []int64
	qAll       []int64
	thAll      []int64
	invWt      []float64
	hkeys      []int32
	hvals      []int32
	nodeKey    []int32
	maxNode    int32
	nNodes     int
	nodesDone  bool
	tablesDone bool
	fixedDone  bool
	one        []int32
	oneCost    []float64
	nodeBest   []int64
	topK       []int64
	lineReason []Reason
	planned    []int32
	orig       []int32

	// Candidate tables over the planned lines; candidate i is option cand[i]
	// and its line figures sit at [i*P+pi]. With lost sales one more row,
	// lost.row, follows the candidates (lost.go).
	nP int
	q  []int64
	// need[pi] is what the shipments must carry of planned line pi (q, or 0
	// for a line that may be left unfilled); must is the mask of the lines
	// that must be filled (allMask() without lost sales). Coverage checks
	// read these; costs read q.
	need       []int64
	must       uint64
	lost       lostSales
	wt         []float64
	sumQ       int64
	cand       []int32
	sup        []int32
	cst        []float64
	fix        []float64
	capU       []int64
	maxW       []float64
	cnode      []int32
	full       []uint64
	gMin       []float64
	minF       float64
	minF2      float64
	fill       []int32
	supAll     []int32
	cstAll     []float64
	fullAll    []uint64
	nzAll      []uint64
	nzBuf      []uint64
	nz         []uint64
	surv       bool
	buckets    bool
	bOff       []int32
	bList      []int32
	gAll       []float64
	supBuf     []int32
	cstBuf     []float64
	fullBuf    []uint64
	gBuf       []float64
	allList    []int32
	sOff       []int32
	sList      []int32
	sumQG      float64
	bestSingle float64

	// Search state (exact.go, heuristic.go).
	split     bool
	maxShip   int
	pen       float64
	maxDepth  int
	work      int
	budget    int
	abort     bool
	lbOpen    float64
	exact     bool
	set       []int32
	minC      []float64
	supS      []int64
	forb      []bool
	forbStack []int32
	nodeUsed  []bool
	eset      []int32
	ord       []int32
	ordN      []int32
	restLB    []float64
	remCap    []int64
	remW      []float64
	curX      []int64
	bestX     []int64
	ibest     float64
	ifound    bool
	rem       []int64
	hset      []int32
	pool      []int32
	poolKey   []float64
	hx        []int64
	tset      []int32
	perm      []int32
	// What the last greedyTake carried with lost sales: the lost-sale
	// value of its units, and how many of them must be filled.
	greedyValue float64
	greedyNeed  int64

	// The Lagrangian bound (bound.go).
	lb2     float64
	lam     []float64
	subg    []float64
	nodeV   []float64
	nodeArg []int32
	pick    []int32
	kord    []int32

	// The ranked plans found: slots[rank[0]] is the best.
	slots []slot
	rank  []int32
	nTop  int
	capTp int
	thr   float64
	// tieLo is the cost below which a plan beats the last ranked plan
	// outright (+Inf while the list is not full); last is that plan's set.
	tieLo  float64
	last   []int32
	tieBuf []int32

	// sunk is the lost-sale cost every plan pays (lines left out before
	// the search); the ranked plans' costs leave it out.
	sunk float64
}

// slot is one plan found by the search: its candidates (ascending) and the
// quantities, row j for set[j], column per planned line; lost is the
// number of planned units it leaves unfilled.
type slot struct {
	cost float64
	lost int64
	set  []int32
	x    []int64
}

// NewWorkspace returns an empty workspace; it grows on first use.
func NewWorkspace() *Workspace { return &Workspace{} }

// Solve returns the cheapest plan for p with a new workspace. See
// Workspace.Solve.
func Solve(p *Problem, s Settings) (*Plan, error) {
	w := NewWorkspace()
	plan, err := w.Solve(p, s)
	if err != nil {
		return nil, err
	}
	return plan.Clone(), nil
}

// Solve validates p and returns its cheapest plan, the alternatives, the
// exclusions, the unfilled lines and the solver's facts. Orders of up to
// s.ExactMaxLines planned lines are solved exactly (Stats.Exact), and the plan
// is proven optimal unless s.NodeBudget ran out (Stats.Optimal, LowerBound,
// Gap); larger ones by greedy + local search. The returned plan belongs to w
// until its next Solve.
func (w *Workspace) Solve(p *Problem, s Settings) (*Plan, error) {
	// The checks of Validate run in the filtering pass; when one fails,
	// Validate names the field.
	if err := p.validateHead(); err != nil {
		return nil, fmt.Errorf("solve: %w", err)
	}
	w.p = p
	w.s = s.withDefaults()
	w.lost.forced = -1
	w.split = p.SplitLines
	w.maxShip = p.MaxShipments
	w.pen = p.SplitPenalty
	if !w.exclude() {
		err := p.Validate()
		if err == nil {
			err = fmt.Errorf("%w: invalid number", ErrInvalidProblem)
		}
		return nil, fmt.Errorf("solve: %w", err)
	}
	w.splitLines()
	total := 0
	ok := w.solvePlanned()
	total += w.work
	if !ok && len(w.planned) > 0 {
		// The planned lines admit no plan together: admit them one at a
		// time in line order.
		w.orig = append(w.orig[:0], w.planned...)
		left := w.s.NodeBudget // shared by the admission solves
		n := 0
		for _, l := range w.orig {
			w.planned = append(w.planned[:n], l)
			if left > 0 && w.solvePlannedBudget(left) {
				n++
			} else {
				w.lineReason[l] = ReasonCapacity
			}
			left -= w.work
			total += w.work
		}
		w.planned = w.planned[:n]
		w.solvePlanned()
		total += w.work
	}
	w.raiseBound()
	w.assemble(total)
	w.priceSavings()
	return &w.plan, nil
}

// solvePlanned builds the tables for w.planned and runs the exact search or
// the heuristic. It reports whether a plan was found.
func (w *Workspace) solvePlanned() bool { return w.solvePlannedBudget(w.s.NodeBudget) }

// solvePlannedBudget is solvePlanned with the given work budget.
func (w *Workspace) solvePlannedBudget(budget int) bool {
	return w.solvePlannedTop(budget, w.s.Alternatives+1)
}

// solvePlannedTop is solvePlannedBudget keeping the top best plans.
func (w *Workspace) solvePlannedTop(budget, top int) bool {
	w.buildTables()
	w.setupLost()
	w.resetTop(top)
	w.work = 0
	w.abort = false
	w.budget = budget
	w.lbOpen = math.Inf(1)
	w.surv = false
	w.buckets = false
	if w.nP == 0 {
		w.exact = w.s.ExactMaxLines > 0
		return true
	}
	if w.nP <= w.s.ExactMaxLines && w.nP <= 64 {
		w.exact = true
		w.runExact()
	} else {
		w.exact = false
		w.runHeuristic()
	}
	return w.nTop > 0
}

// tol is the tolerance under which two costs near c are equal.
func tol(c float64) float64 {
	if c < 0 {
		c = -c
	}
	if c < 1 {
		return 1e-9
	}
	return 1e-9 * c
}

func (w *Workspace) resetTop(n int) {
	w.capTp = n
	w.nTop = 0
	if len(w.slots) < n {
		w.slots = append(w.slots, make([]slot, n-len(w.slots))...)
	}
	w.rank = grow(w.rank, n)
	for i := range w.rank {
		w.rank[i] = int32(i)
	}
	w.setThr()
}

// pruneAt is the cost a plan must beat to enter the ranked list.
func (w *Workspace) pruneAt() float64 { return w.thr }

// setThr recomputes w.thr after the ranked list changed.
func (w *Workspace) setThr() {
	if w.nTop < w.capTp {
		w.thr = math.Inf(1)
		w.tieLo = math.Inf(1)
		w.last = nil
		return
	}
	s := &w.slots[w.rank[w.nTop-1]]
	c := s.cost
	w.thr = c + tol(c)
	w.tieLo = c - tol(c)
	if s.lost > 0 {
		// A plan that fills more wins a tie whatever its size: no tie
		// prunes by size.
		w.tieLo = math.Inf(1)
	}
	w.last = s.set
}

// losesTie reports whether the plans of exactly d+1 members that contain
// w.set[:d] and candidate i, or of more members, lose to the last ranked
// plan when they cost the same (plans bounded below by w.tieLo): they have
// more shipments, or as many and a set that is not lexicographically
// smaller. Among candidates in ascending order the answer only turns from
// false to true (a larger candidate gives a larger set), so a scan in that
// order may stop at the first true.
func (w *Workspace) losesTie(d int, i int32) bool {
	k := len(w.last)
	if d+1 != k {
		// Fewer members may still win; more always lose.
		return d+1 > k
	}
	t := append(w.tieBuf[:0], w.set[:d]...)
	t = append(t, i)
	for a := 1; a < len(t); a++ {
		for b := a; b > 0 && t[b] < t[b-1]; b-- {
			t[b], t[b-1] = t[b-1], t[b]
		}
	}
	w.tieBuf = t
	for j, c := range t {
		if c != w.last[j] {
			return c > w.last[j]
		}
	}
	return true // the same set
}

// setCost is the canonical cost of a plan: shipments in candidate order, each
// fixed + units + penalty (after the first), summed in that order, then the
// lost-sale cost of what the plan leaves unfilled (lostCost).
func (w *Workspace) setCost(set []int32, x []int64) float64 {
	P := w.nP
	total := 0.0
	for j, ci := range set {
		units := 0.0
		for pi := 0; pi < P; pi++ {
			if v := x[j*P+pi]; v > 0 {
				units += float64(v) * w.cst[int(ci)*P+pi]
			}
		}
		c := w.fix[ci] + units
		if j > 0 {
			c += w.pen
		}
		total += c
	}
	if w.lost.on {
		total += w.lostCost(len(set), x)
	}
	return total
}

// better reports whether plan (ca, la, a) ranks before plan (cb, lb, b):
// cheaper by more than the tolerance, then fewer units left unfilled (la,
// lb), then fewer shipments, then lexicographically smaller candidate
// indices.
func better(ca float64, la int64, a []int32, cb float64, lb int64, b []int32) bool {
	t := tol(cb)
	if ca < cb-t {
		return true
	}
	if ca > cb+t {
		return false
	}
	if la != lb {
		return la < lb
	}
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	for i := range a {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return false
}

// offer puts a plan (set ascending, x rows per set member) into the ranked
// list if it ranks high enough and its set is not there yet.
func (w *Workspace) offer(cost float64, set []int32, x []int64) {
	var lost int64
	if w.lost.on {
		lost = w.lostUnits(len(set), x)
	}
	for r := 0; r < w.nTop; r++ {
		s := &w.slots[w.rank[r]]
		if equalSets(s.set, set) {
			if better(cost, lost, set, s.cost, s.lost, s.set) {
				// Same set, cheaper allocation (heuristic): replace.
				w.removeRank(r)
				break
			}
			return
		}
	}
	pos := w.nTop
	for pos > 0 && better(cost, lost, set, w.slots[w.rank[pos-1]].cost, w.slots[w.rank[pos-1]].lost, w.slots[w.rank[pos-1]].set) {
		pos--
	}
	if pos >= w.capTp {
		return
	}
	// rank is a permutation of the slots: the first nTop are in use, in
	// rank order, the rest are free.
	var si int32
	if w.nTop < w.capTp {
		si = w.rank[w.nTop]
		copy(w.rank[pos+1:w.nTop+1], w.rank[pos:w.nTop])
		w.nTop++
	} else {
		si = w.rank[w.nTop-1]
		copy(w.rank[pos+1:w.nTop], w.rank[pos:w.nTop-1])
	}
	w.rank[pos] = si
	s := &w.slots[si]
	s.cost = cost
	s.lost = lost
	s.set = append(s.set[:0], set...)
	s.x = append(s.x[:0], x[:len(set)*w.nP]...)
	w.setThr()
}

func (w *Workspace) removeRank(r int) {
	si := w.rank[r]
	copy(w.rank[r:w.nTop-1], w.rank[r+1:w.nTop])
	w.nTop--
	w.rank[w.nTop] = si
}

func equalSets(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// assemble writes w.plan from the ranked list and the filters.
func (w *Workspace) assemble(work int) {
	p := w.p
	pl := &w.plan
	w.assembleUnfilled()
	if pl.Excluded == nil {
		pl.Excluded = []Exclusion{}
	}
	if pl.Unfilled == nil {
		pl.Unfilled = []Unfilled{}
	}
	w.shipBuf = w.shipBuf[:0]
	w.allocBuf = w.allocBuf[:0]
	pl.ShippingCost = 0
	P := w.nP
	if w.nTop > 0 {
		best := &w.slots[w.rank[0]]
		for j, ci := range best.set {
			for pi := 0; pi < P; pi++ {
				if v := best.x[j*P+pi]; v > 0 {
					w.allocBuf = append(w.allocBuf, Allocation{Line: int(w.planned[pi]), Quantity: int32(v)})
				}
			}
			// Costs from the problem: the candidate tables may not be
			// filled when single shipments settled the order.
			o := int(w.cand[ci])
			units := 0.0
			uc := p.UnitCost[o*len(p.Lines):]
			for pi := 0; pi < P; pi++ {
				if v := best.x[j*P+pi]; v > 0 {
					units += float64(v) * uc[w.planned[pi]]
				}
			}
			sh := Shipment{Option: o, FixedCost: p.Options[o].FixedCost, UnitsCost: units, ETAMinutes: p.Options[o].ETAMinutes}
			if j > 0 {
				sh.Penalty = w.pen
			}
			sh.Cost = sh.FixedCost + sh.UnitsCost + sh.Penalty
			pl.ShippingCost += sh.Cost
			w.shipBuf = append(w.shipBuf, sh)
		}
		k := 0
		for j := range w.shipBuf {
			n := 0
			for pi := 0; pi < P; pi++ {
				if best.x[j*P+pi] > 0 {
					n++
				}
			}
			w.shipBuf[j].Lines = w.allocBuf[k : k+n : k+n]
			k += n
		}
	}
	pl.Shipments = w.shipBuf
	if pl.Shipments == nil {
		pl.Shipments = []Shipment{}
	}
	pl.TotalCost = pl.ShippingCost + pl.LostSaleCost
	w.altBuf = w.altBuf[:0]
	w.altOpts = w.altOpts[:0]
	for r := 1; r < w.nTop; r++ {
		s := &w.slots[w.rank[r]]
		for _, ci := range s.set {
			w.altOpts = append(w.altOpts, int(w.cand[ci]))
		}
		w.altBuf = append(w.altBuf, Alternative{TotalCost: s.cost + w.sunk})
	}
	k := 0
	for r := 1; r < w.nTop; r++ {
		n := len(w.slots[w.rank[r]].set)
		w.altBuf[r-1].Options = w.altOpts[k : k+n : k+n]
		k += n
	}
	pl.Alternatives = w.altBuf
	if pl.Alternatives == nil {
		pl.Alternatives = []Alternative{}
	}

	st := &pl.Stats
	st.Candidates = len(p.Options)
	st.Eligible = len(w.elig)
	st.Exact = w.exact
	st.Optimal = false
	st.Nodes = work
	switch {
	case w.nP == 0:
		st.Optimal = true
		st.LowerBound = pl.TotalCost
	case w.exact && !w.abort:
		st.Optimal = true
		st.LowerBound = pl.TotalCost
	default:
		lb := w.lbOpen + w.sunk
		if lb > pl.TotalCost {
			lb = pl.TotalCost
		}
		if pl.TotalCost-lb <= tol(pl.TotalCost) {
			// The plan meets the bound: proven optimal after all.
			st.Optimal = true
			lb = pl.TotalCost
		}
		st.LowerBound = lb
	}
	st.Gap = 0
	if !st.Optimal {
		st.Gap = (pl.TotalCost - st.LowerBound) / math.Max(pl.TotalCost, 1e-9)
	}
}

// assembleUnfilled lists the unfilled lines in w.plan.Unfilled, in line
// order, with their lost-sale costs: the lines left out before the search
// (whole, with their reason) and the priced lines the best plan leaves
// unfilled in whole or in part (UNECONOMIC until priceSavings says
// otherwise). It sets Plan.LostSaleCost and w.sunk, the part of it no plan
// could avoid (the lines left out, and the per-order cost when there are
// any).
func (w *Workspace) assembleUnfilled() {
	p := w.p
	pl := &w.plan
	pl.Unfilled = pl.Unfilled[:0]
	w.sunk = 0
	pl.LostSaleCost = 0
	if !w.lost.any {
		for l, r := range w.lineReason {
			if r != ReasonNone {
				pl.Unfilled = append(pl.Unfilled, Unfilled{Line: l, Quantity: p.Lines[l].Quantity, Reason: r})
			}
		}
		return
	}
	P := w.nP
	var best *slot
	if w.nTop > 0 && w.lost.on {
		best = &w.slots[w.rank[0]]
	}
	cost := 0.0
	out := false // some line is left out before the search
	pi := 0
	for l, r := range w.lineReason {
		ln := &p.Lines[l]
		if r != ReasonNone {
			c := float64(ln.Quantity) * ln.LostSaleCost
			out = true
			w.sunk += c
			cost += c
			pl.Unfilled = append(pl.Unfilled, Unfilled{Line: l, Quantity: ln.Quantity, Reason: r, LostSaleCost: c})
			continue
		}
		for pi < P && int(w.planned[pi]) < l {
			pi++
		}
		if best == nil || pi == P || int(w.planned[pi]) != l {
			continue
		}
		u := w.q[pi]
		for j := range best.set {
			u -= best.x[j*P+pi]
		}
		if u > 0 {
			c := float64(u) * ln.LostSaleCost
			cost += c
			pl.Unfilled = append(pl.Unfilled, Unfilled{Line: l, Quantity: int32(u), Reason: ReasonUneconomic, LostSaleCost: c})
		}
	}
	if out {
		w.sunk += p.LostSaleCostPerOrder
	}
	if len(pl.Unfilled) > 0 {
		cost += p.LostSaleCostPerOrder
	}
	pl.LostSaleCost = cost
}

// priceSavings gives each UNECONOMIC line of w.plan its CostSaved: one more
// search, in which the line must be filled, finds the cheapest plan that
// fills it. When that search proves there is none (the lines that must be
// filled leave no room for it: shared capacity, the shipment limit), the
// line is unfilled for CAPACITY instead; when the heuristic finds none, or
// the budget runs out first, the line keeps UNECONOMIC with a CostSaved of
// 0. It runs only when a line was left unfilled by choice, after the plan
// is assembled; its work counts in Stats.Nodes.
func (w *Workspace) priceSavings() {
	pl := &w.plan
	if !w.lost.on {
		return // only a search with priced lines leaves any unfilled by choice
	}
	work := 0
	for k := range pl.Unfilled {
		u := &pl.Unfilled[k]
		if u.Reason != ReasonUneconomic {
			continue
		}
		w.lost.forced = u.Line
		found := w.solvePlannedTop(w.s.NodeBudget, 1)
		work += w.work
		switch {
		case found:
			u.CostSaved = max(0, w.slots[w.rank[0]].cost+w.sunk-pl.TotalCost)
		case w.exact && !w.abort:
			u.Reason = ReasonCapacity
		}
	}
	w.lost.forced = -1
	pl.Stats.Nodes += work
}

// Clone returns a deep copy of the plan that no Workspace owns.
func (p *Plan) Clone() *Plan {
	if p == nil {
		return nil
	}
	c := *p
	c.Shipments = make([]Shipment, len(p.Shipments))
	for i, s := range p.Shipments {
		s.Lines = append([]Allocation{}, s.Lines...)
		c.Shipments[i] = s
	}
	c.Alternatives = make([]Alternative, len(p.Alternatives))
	for i, a := range p.Alternatives {
		a.Options = append([]int{}, a.Options...)
		c.Alternatives[i] = a
	}
	c.Excluded = append([]Exclusion{}, p.Excluded...)
	c.Unfilled = append([]Unfilled{}, p.Unfilled...)
	return &c
}
