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
//
// Its state is one struct per phase, in the order a solve runs them:
// filter (feasible.go), nodes, tables, run and search (exact.go), alloc,
// heur (heuristic.go), bound (bound.go), lost (lost.go), ranked, and out
// (the Plan). Every slice keeps its capacity from one solve to the next;
// its length is set by the phase that fills it.
type Workspace struct {
	problem  *Problem
	settings Settings // with defaults filled in
	rules    planRules

	filter candidateFilter
	nodes  denseNodeIDs
	tables candidateTables
	run    searchRun
	search branchAndBound
	alloc  allocation
	heur   heuristicSearch
	bound  lagrangianBound
	lost   lostSales
	ranked rankedPlans
	out    planOutput
}

// planRules are the problem's rules every phase applies.
type planRules struct {
	splitLines   bool    // Problem.SplitLines
	maxShipments int     // Problem.MaxShipments (0: no limit)
	splitPenalty float64 // Problem.SplitPenalty
}

// candidateFilter is the filtering pass (feasible.go): which options are
// candidates, what settles most orders without the search, and which
// lines are planned. Slices indexed by l run over all of Problem.Lines.
type candidateFilter struct {
	// eligible lists the options that passed the filter, ascending;
	// eligible option e is candidate e of the search.
	eligible []int32
	// maxCarry[l] is the most one eligible option can carry of line l.
	maxCarry []int64
	// quantity[l] is line l's quantity.
	quantity []int64
	// carryThreshold[l] is how much of line l an option must carry to
	// carry it at a cost: the quantity, or 1 with split lines.
	carryThreshold []int64
	// inverseWeight[l] is 1 / line l's unit weight (0: weightless).
	inverseWeight []float64
	// cheapestUnitCost[l] is the cheapest unit cost of line l at an
	// option that can carry it (+Inf: none).
	cheapestUnitCost []float64
	// cheapestFixed and secondCheapestFixed are the two cheapest fixed
	// costs of the candidates (+Inf when there are fewer).
	cheapestFixed, secondCheapestFixed float64
	// singles lists the candidates that can carry the whole order alone,
	// ascending; singleCost[k] is the plan cost of singles[k].
	singles    []int32
	singleCost []float64
	// nodeSupply and topSupply are coverable's scratch: the best supply
	// of a line per dense node, and the best MaxShipments of them.
	nodeSupply []int64
	topSupply  []int64
	// lineReason[l] is why line l is not planned (ReasonNone: planned).
	lineReason []Reason
	// short[l] is how many units of planned line l no plan can ship (a
	// short line, see splitLines; 0 for the others), and shortReason[l]
	// why not.
	short       []int64
	shortReason []Reason
	// planned lists the planned lines, ascending; planned line pi is
	// Problem.Lines[planned[pi]].
	planned []int32
	// admitting is planned before the lines are admitted one at a time
	// (Solve), when together they admit no plan.
	admitting []int32
}

// denseNodeIDs maps the candidates' Node values to dense ids 0..count-1
// (denseNodes), once per solve and only when something needs them.
type denseNodeIDs struct {
	done bool // the ids of this solve are set
	// nodeOf[e] is candidate e's Node value; maxValue the largest.
	nodeOf   []int32
	maxValue int32
	// ids maps a Node value to its dense id: a direct table indexed by
	// value when the values are small, else the values of an
	// open-addressing hash table whose keys are hashKeys.
	ids      []int32
	hashKeys []int32
	count    int // distinct nodes
	// ofCandidate[i] is candidate i's dense node id.
	ofCandidate []int32
}

// candidateTables are the search's tables over the candidates and the
// planned lines: candidate i is eligible option option[i], and its figure
// for planned line pi sits at [i*lines+pi]. With lost sales one more row,
// lost.row, follows the candidates (lost.go). The *All tables cover every
// line and are filled once per solve (fillTables, fillRow); when a line is
// not planned, the planned columns are copied out into the *Buf tables.
type candidateTables struct {
	filled      bool // the *All rows of every candidate are filled
	fixedFilled bool // fixedCost, capacity and maxWeight are filled

	lines int // planned lines (P)
	// quantity[pi] is planned line pi's quantity; totalUnits their sum;
	// unitWeight[pi] its unit weight.
	quantity   []int64
	totalUnits int64
	unitWeight []float64
	// need[pi] is what the shipments must carry of planned line pi
	// (quantity, or 0 for a line that may be left unfilled); mustMask is
	// the mask of the lines that must be filled (allMask() without lost
	// sales). Coverage checks read these; costs read quantity.
	need     []int64
	mustMask uint64
	// option[i] is candidate i's option.
	option []int32
	// supply is what a candidate can carry of a line on its own (Carry
	// without a load); unitCost its unit cost, +Inf where it cannot carry
	// the line at a cost.
	supply   []int32
	unitCost []float64
	// fixedCost, capacity (NoLimit: none) and maxWeight (+Inf: none) per
	// candidate, with a spare entry for the lost row.
	fixedCost []float64
	capacity  []int64
	maxWeight []float64
	// fullMask[i] and partMask[i] are the masks of the planned lines
	// candidate i carries whole and in part.
	fullMask []uint64
	partMask []uint64
	// cheapestUnit[pi] is planned line pi's cheapest unit cost.
	cheapestUnit []float64

	supplyAll, supplyBuf     []int32
	unitCostAll, unitCostBuf []float64
	fullMaskAll, fullMaskBuf []uint64
	partMaskAll, partMaskBuf []uint64
	cheapestUnitBuf          []float64
}

// searchRun is the state of one run of the exact search or the heuristic.
type searchRun struct {
	exact   bool // the exact search ran (else the heuristic)
	work    int  // work done (search nodes and allocations)
	budget  int  // work allowed
	aborted bool // the budget ran out
	// openBound is the lowest lower bound of what the run left
	// unexplored (+Inf: nothing).
	openBound float64
}

// branchAndBound is the exact search's state (exact.go).
type branchAndBound struct {
	maxDepth int // the most members a set may have
	// set[:d] is the set of candidates of the node at depth d.
	set []int32
	// setCheapestUnit[d*P+pi] is the cheapest unit cost of planned line pi
	// within set[:d].
	setCheapestUnit []float64
	// setSupply[pi] is what the set can carry of planned line pi, each
	// member alone.
	setSupply []int64
	// forbidden[i] is set while candidate i may not join (an earlier
	// sibling took it); forbiddenStack undoes the marks.
	forbidden      []bool
	forbiddenStack []int32
	// nodeInSet[n] is set while dense node n has a member in the set (the
	// heuristic's greedy uses it too).
	nodeInSet []bool
	// bestSingleCost is the cost of the cheapest single-shipment plan.
	bestSingleCost float64
	// cheapestLinesCost is the sum of quantity x cheapestUnit.
	cheapestLinesCost float64

	// The survivors of the fixed-cost bound (survivors): ascending in
	// survivors, per planned line pi in
	// lineSurvivors[lineSurvivorStart[pi]:lineSurvivorStart[pi+1]], and
	// per carry mask in bucketList from bucketStart; listCursor is the
	// fill position of each list while they are built.
	survivorsKept     bool
	bucketed          bool
	survivors         []int32
	lineSurvivorStart []int32
	lineSurvivors     []int32
	listCursor        []int32
	bucketStart       []int32
	bucketList        []int32
}

// allocation is the state of the cheapest allocation of the planned lines
// over a set of members (allocate, exact.go; the heuristic's fills).
// Quantities are row j for members[j], column per planned line.
type allocation struct {
	members []int32 // the candidates, the lost row last when there is one
	// lineOrder and lineOrderLen give, per planned line, its members
	// cheapest first; restBound[pi] bounds the cost of lines pi and after.
	lineOrder    []int32
	lineOrderLen []int32
	restBound    []float64
	// capacityLeft and weightLeft are what each member may still carry.
	capacityLeft []int64
	weightLeft   []float64
	// current is the allocation being built, best the cheapest found
	// (bestCost, found).
	current  []int64
	best     []int64
	bestCost float64
	found    bool
}

// heuristicSearch is the heuristic's state (heuristic.go).
type heuristicSearch struct {
	// remaining[pi] is what planned line pi still needs in a greedy build.
	remaining []int64
	// set is the current plan's set, ascending; trial a neighbour of it.
	set   []int32
	trial []int32
	// pool lists the candidates the local search swaps in, best first by
	// poolKey (cost per unit).
	pool    []int32
	poolKey []float64
	// taken holds a greedy build's quantities, row per member in the order
	// added.
	taken []int64
	// order is scratch for ordering members: the set ascending (greedy),
	// or cheapest first for a line (greedyFill).
	order []int32
	// What the last greedyTake carried with lost sales: the lost-sale
	// value of its units, and how many of them must be filled.
	greedyValue float64
	greedyNeed  int64
}

// lagrangianBound bounds the heuristic's plans from below (bound.go).
type lagrangianBound struct {
	// twoShipmentBound is the simple bound on plans of two or more
	// shipments: every line at its cheapest, two fixed costs, a penalty.
	twoShipmentBound float64
	// multipliers[pi] prices planned line pi; subgradient is the
	// direction they move in.
	multipliers []float64
	subgradient []float64
	// nodeValue[n] is the best reduced value at dense node n, by candidate
	// nodeBest[n]; chosen lists the candidates of the relaxed plan.
	nodeValue []float64
	nodeBest  []int32
	chosen    []int32
	// knapsackOrder is the order lines fill a binding capacity in.
	knapsackOrder []int32
}

// rankedPlans is the list of the best plans found: slots[order[0]] is the
// best, and order[:count] ranks at most keep of them.
type rankedPlans struct {
	slots []slot
	order []int32
	count int
	keep  int
	// threshold is the cost a plan must beat to enter the list.
	threshold float64
	// tieBelow is the cost below which a plan beats the last ranked plan
	// outright (+Inf while the list is not full); lastSet is that plan's
	// set, and tieBuf scratch for comparing with it.
	tieBelow float64
	lastSet  []int32
	tieBuf   []int32
}

// planOutput is the Plan a solve returns and the memory behind it.
type planOutput struct {
	plan               Plan
	shipments          []Shipment
	allocations        []Allocation
	alternatives       []Alternative
	alternativeOptions []int
	// sunkLostSaleCost is the lost-sale cost every plan pays (lines left
	// out before the search); the ranked plans' costs leave it out.
	sunkLostSaleCost float64
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
	w.problem = p
	w.settings = s.withDefaults()
	w.lost.forced = -1
	w.rules.splitLines = p.SplitLines
	w.rules.maxShipments = p.MaxShipments
	w.rules.splitPenalty = p.SplitPenalty
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
	total += w.run.work
	if !ok && len(w.filter.planned) > 0 {
		// The planned lines admit no plan together: admit them one at a
		// time in line order.
		w.filter.admitting = append(w.filter.admitting[:0], w.filter.planned...)
		left := w.settings.NodeBudget // shared by the admission solves
		n := 0
		for _, l := range w.filter.admitting {
			w.filter.planned = append(w.filter.planned[:n], l)
			if left > 0 && w.solvePlannedBudget(left) {
				n++
			} else {
				w.filter.lineReason[l] = ReasonCapacity
			}
			left -= w.run.work
			total += w.run.work
		}
		w.filter.planned = w.filter.planned[:n]
		w.solvePlanned()
		total += w.run.work
	}
	w.raiseBound()
	w.assemble(total)
	w.priceSavings()
	return &w.out.plan, nil
}

// solvePlanned builds the tables for w.filter.planned and runs the exact search or
// the heuristic. It reports whether a plan was found.
func (w *Workspace) solvePlanned() bool { return w.solvePlannedBudget(w.settings.NodeBudget) }

// solvePlannedBudget is solvePlanned with the given work budget.
func (w *Workspace) solvePlannedBudget(budget int) bool {
	return w.solvePlannedTop(budget, w.settings.Alternatives+1)
}

// solvePlannedTop is solvePlannedBudget keeping the top best plans.
func (w *Workspace) solvePlannedTop(budget, top int) bool {
	w.buildTables()
	w.setupLost()
	w.resetTop(top)
	w.run.work = 0
	w.run.aborted = false
	w.run.budget = budget
	w.run.openBound = math.Inf(1)
	w.search.survivorsKept = false
	w.search.bucketed = false
	if w.tables.lines == 0 {
		w.run.exact = w.settings.ExactMaxLines > 0
		return true
	}
	if w.tables.lines <= w.settings.ExactMaxLines && w.tables.lines <= 64 {
		w.run.exact = true
		w.runExact()
	} else {
		w.run.exact = false
		w.runHeuristic()
	}
	return w.ranked.count > 0
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
	w.ranked.keep = n
	w.ranked.count = 0
	if len(w.ranked.slots) < n {
		w.ranked.slots = append(w.ranked.slots, make([]slot, n-len(w.ranked.slots))...)
	}
	w.ranked.order = grow(w.ranked.order, n)
	for i := range w.ranked.order {
		w.ranked.order[i] = int32(i)
	}
	w.setThr()
}

// pruneAt is the cost a plan must beat to enter the ranked list.
func (w *Workspace) pruneAt() float64 { return w.ranked.threshold }

// setThr recomputes w.ranked.threshold after the ranked list changed.
func (w *Workspace) setThr() {
	if w.ranked.count < w.ranked.keep {
		w.ranked.threshold = math.Inf(1)
		w.ranked.tieBelow = math.Inf(1)
		w.ranked.lastSet = nil
		return
	}
	s := &w.ranked.slots[w.ranked.order[w.ranked.count-1]]
	c := s.cost
	w.ranked.threshold = c + tol(c)
	w.ranked.tieBelow = c - tol(c)
	if s.lost > 0 {
		// A plan that fills more wins a tie whatever its size: no tie
		// prunes by size.
		w.ranked.tieBelow = math.Inf(1)
	}
	w.ranked.lastSet = s.set
}

// losesTie reports whether the plans of exactly d+1 members that contain
// w.search.set[:d] and candidate i, or of more members, lose to the last ranked
// plan when they cost the same (plans bounded below by w.ranked.tieBelow): they have
// more shipments, or as many and a set that is not lexicographically
// smaller. Among candidates in ascending order the answer only turns from
// false to true (a larger candidate gives a larger set), so a scan in that
// order may stop at the first true.
func (w *Workspace) losesTie(d int, i int32) bool {
	k := len(w.ranked.lastSet)
	if d+1 != k {
		// Fewer members may still win; more always lose.
		return d+1 > k
	}
	t := append(w.ranked.tieBuf[:0], w.search.set[:d]...)
	t = append(t, i)
	for a := 1; a < len(t); a++ {
		for b := a; b > 0 && t[b] < t[b-1]; b-- {
			t[b], t[b-1] = t[b-1], t[b]
		}
	}
	w.ranked.tieBuf = t
	for j, c := range t {
		if c != w.ranked.lastSet[j] {
			return c > w.ranked.lastSet[j]
		}
	}
	return true // the same set
}

// setCost is the canonical cost of a plan: shipments in candidate order, each
// fixed + units + penalty (after the first), summed in that order, then the
// lost-sale cost of what the plan leaves unfilled (lostCost).
func (w *Workspace) setCost(set []int32, x []int64) float64 {
	P := w.tables.lines
	total := 0.0
	for j, ci := range set {
		units := 0.0
		for pi := 0; pi < P; pi++ {
			if v := x[j*P+pi]; v > 0 {
				units += float64(v) * w.tables.unitCost[int(ci)*P+pi]
			}
		}
		c := w.tables.fixedCost[ci] + units
		if j > 0 {
			c += w.rules.splitPenalty
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
	for r := 0; r < w.ranked.count; r++ {
		s := &w.ranked.slots[w.ranked.order[r]]
		if equalSets(s.set, set) {
			if better(cost, lost, set, s.cost, s.lost, s.set) {
				// Same set, cheaper allocation (heuristic): replace.
				w.removeRank(r)
				break
			}
			return
		}
	}
	pos := w.ranked.count
	for pos > 0 && better(cost, lost, set, w.ranked.slots[w.ranked.order[pos-1]].cost, w.ranked.slots[w.ranked.order[pos-1]].lost, w.ranked.slots[w.ranked.order[pos-1]].set) {
		pos--
	}
	if pos >= w.ranked.keep {
		return
	}
	// ranked.order is a permutation of the slots: the first ranked.count are in use, in
	// rank order, the rest are free.
	var si int32
	if w.ranked.count < w.ranked.keep {
		si = w.ranked.order[w.ranked.count]
		copy(w.ranked.order[pos+1:w.ranked.count+1], w.ranked.order[pos:w.ranked.count])
		w.ranked.count++
	} else {
		si = w.ranked.order[w.ranked.count-1]
		copy(w.ranked.order[pos+1:w.ranked.count], w.ranked.order[pos:w.ranked.count-1])
	}
	w.ranked.order[pos] = si
	s := &w.ranked.slots[si]
	s.cost = cost
	s.lost = lost
	s.set = append(s.set[:0], set...)
	s.x = append(s.x[:0], x[:len(set)*w.tables.lines]...)
	w.setThr()
}

func (w *Workspace) removeRank(r int) {
	si := w.ranked.order[r]
	copy(w.ranked.order[r:w.ranked.count-1], w.ranked.order[r+1:w.ranked.count])
	w.ranked.count--
	w.ranked.order[w.ranked.count] = si
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

// assemble writes w.out.plan from the ranked list and the filters.
func (w *Workspace) assemble(work int) {
	p := w.problem
	pl := &w.out.plan
	w.assembleUnfilled()
	if pl.Excluded == nil {
		pl.Excluded = []Exclusion{}
	}
	if pl.Unfilled == nil {
		pl.Unfilled = []Unfilled{}
	}
	w.out.shipments = w.out.shipments[:0]
	w.out.allocations = w.out.allocations[:0]
	pl.ShippingCost = 0
	P := w.tables.lines
	if w.ranked.count > 0 {
		best := &w.ranked.slots[w.ranked.order[0]]
		for j, ci := range best.set {
			for pi := 0; pi < P; pi++ {
				if v := best.x[j*P+pi]; v > 0 {
					w.out.allocations = append(w.out.allocations, Allocation{Line: int(w.filter.planned[pi]), Quantity: int32(v)})
				}
			}
			// Costs from the problem: the candidate tables may not be
			// filled when single shipments settled the order.
			o := int(w.tables.option[ci])
			units := 0.0
			uc := p.UnitCost[o*len(p.Lines):]
			for pi := 0; pi < P; pi++ {
				if v := best.x[j*P+pi]; v > 0 {
					units += float64(v) * uc[w.filter.planned[pi]]
				}
			}
			sh := Shipment{Option: o, FixedCost: p.Options[o].FixedCost, UnitsCost: units, ETAMinutes: p.Options[o].ETAMinutes}
			if j > 0 {
				sh.Penalty = w.rules.splitPenalty
			}
			sh.Cost = sh.FixedCost + sh.UnitsCost + sh.Penalty
			pl.ShippingCost += sh.Cost
			w.out.shipments = append(w.out.shipments, sh)
		}
		k := 0
		for j := range w.out.shipments {
			n := 0
			for pi := 0; pi < P; pi++ {
				if best.x[j*P+pi] > 0 {
					n++
				}
			}
			w.out.shipments[j].Lines = w.out.allocations[k : k+n : k+n]
			k += n
		}
	}
	pl.Shipments = w.out.shipments
	if pl.Shipments == nil {
		pl.Shipments = []Shipment{}
	}
	pl.TotalCost = pl.ShippingCost + pl.LostSaleCost
	w.out.alternatives = w.out.alternatives[:0]
	w.out.alternativeOptions = w.out.alternativeOptions[:0]
	for r := 1; r < w.ranked.count; r++ {
		s := &w.ranked.slots[w.ranked.order[r]]
		for _, ci := range s.set {
			w.out.alternativeOptions = append(w.out.alternativeOptions, int(w.tables.option[ci]))
		}
		w.out.alternatives = append(w.out.alternatives, Alternative{TotalCost: s.cost + w.out.sunkLostSaleCost})
	}
	k := 0
	for r := 1; r < w.ranked.count; r++ {
		n := len(w.ranked.slots[w.ranked.order[r]].set)
		w.out.alternatives[r-1].Options = w.out.alternativeOptions[k : k+n : k+n]
		k += n
	}
	pl.Alternatives = w.out.alternatives
	if pl.Alternatives == nil {
		pl.Alternatives = []Alternative{}
	}

	st := &pl.Stats
	st.Candidates = len(p.Options)
	st.Eligible = len(w.filter.eligible)
	st.Exact = w.run.exact
	st.Optimal = false
	st.Nodes = work
	switch {
	case w.tables.lines == 0:
		st.Optimal = true
		st.LowerBound = pl.TotalCost
	case w.run.exact && !w.run.aborted:
		st.Optimal = true
		st.LowerBound = pl.TotalCost
	default:
		lb := w.run.openBound + w.out.sunkLostSaleCost
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

// assembleUnfilled lists the unfilled lines in w.out.plan.Unfilled, in line
// order, with their lost-sale costs: the lines left out before the search
// (whole, with their reason) and the priced lines the best plan leaves
// unfilled in whole or in part (UNECONOMIC until priceSavings says
// otherwise). It sets Plan.LostSaleCost and w.out.sunkLostSaleCost, the part of it no plan
// could avoid (the lines left out, and the per-order cost when there are
// any).
func (w *Workspace) assembleUnfilled() {
	p := w.problem
	pl := &w.out.plan
	pl.Unfilled = pl.Unfilled[:0]
	w.out.sunkLostSaleCost = 0
	pl.LostSaleCost = 0
	if !w.lost.any {
		for l, r := range w.filter.lineReason {
			if r != ReasonNone {
				pl.Unfilled = append(pl.Unfilled, Unfilled{Line: l, Quantity: p.Lines[l].Quantity, Reason: r})
			}
		}
		return
	}
	P := w.tables.lines
	var best *slot
	if w.ranked.count > 0 && w.lost.on {
		best = &w.ranked.slots[w.ranked.order[0]]
	}
	cost := 0.0
	out := false // some line is left out before the search
	pi := 0
	for l, r := range w.filter.lineReason {
		ln := &p.Lines[l]
		if r != ReasonNone {
			c := float64(ln.Quantity) * ln.LostSaleCost
			out = true
			w.out.sunkLostSaleCost += c
			cost += c
			pl.Unfilled = append(pl.Unfilled, Unfilled{Line: l, Quantity: ln.Quantity, Reason: r, LostSaleCost: c})
			continue
		}
		for pi < P && int(w.filter.planned[pi]) < l {
			pi++
		}
		if best == nil || pi == P || int(w.filter.planned[pi]) != l {
			continue
		}
		u := w.tables.quantity[pi]
		for j := range best.set {
			u -= best.x[j*P+pi]
		}
		if sh := min(u, w.filter.short[l]); sh > 0 {
			// The units no plan could ship of a short line.
			c := float64(sh) * ln.LostSaleCost
			cost += c
			pl.Unfilled = append(pl.Unfilled, Unfilled{Line: l, Quantity: int32(sh), Reason: w.filter.shortReason[l], LostSaleCost: c})
			u -= sh
		}
		if u > 0 {
			c := float64(u) * ln.LostSaleCost
			cost += c
			pl.Unfilled = append(pl.Unfilled, Unfilled{Line: l, Quantity: int32(u), Reason: ReasonUneconomic, LostSaleCost: c})
		}
	}
	if out {
		w.out.sunkLostSaleCost += p.LostSaleCostPerOrder
	}
	if len(pl.Unfilled) > 0 {
		cost += p.LostSaleCostPerOrder
	}
	pl.LostSaleCost = cost
}

// priceSavings gives each UNECONOMIC line of w.out.plan its CostSaved: one more
// search, in which the line must be filled, finds the cheapest plan that
// fills it. When that search proves there is none (the lines that must be
// filled leave no room for it: shared capacity, the shipment limit), the
// line is unfilled for CAPACITY instead; when the heuristic finds none, or
// the budget runs out first, the line keeps UNECONOMIC with a CostSaved of
// 0. It runs only when a line was left unfilled by choice, after the plan
// is assembled; its work counts in Stats.Nodes.
func (w *Workspace) priceSavings() {
	pl := &w.out.plan
	if !w.lost.on {
		return // only a search with priced lines leaves any unfilled by choice
	}
	work := 0
	for k := range pl.Unfilled {
		u := &pl.Unfilled[k]
		if u.Reason != ReasonUneconomic || w.filter.short[u.Line] > 0 {
			// A short line cannot be filled whole: what the part left
			// by choice saves is not priced.
			continue
		}
		w.lost.forced = u.Line
		found := w.solvePlannedTop(w.settings.NodeBudget, 1)
		work += w.run.work
		switch {
		case found:
			u.CostSaved = max(0, w.ranked.slots[w.ranked.order[0]].cost+w.out.sunkLostSaleCost-pl.TotalCost)
		case w.run.exact && !w.run.aborted:
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
