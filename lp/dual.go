package lp

import (
	"math"
	"math/rand/v2"
)

// Perturbation of the costs for the dual simplex: every nonbasic cost moves
// away from zero reduced cost by perturbBase·(1 + |c_j|)·u, u uniform in
// [1, 2), so that ties between reduced costs (the dual degeneracy of
// transportation-like models with integer costs) become rare. It is ten
// times the dual tolerance: the Harris ratio test groups the breakpoints
// within dualTol, and a perturbation no larger than that let a warm start
// from an optimal basis (where many reduced costs are exactly zero) cycle
// among degenerate pivots (TestDiveWarmStartsFinish in package joint). The
// seed is fixed: same model, same perturbation.
const (
	perturbBase = 1e-6
	perturbSeed = 0x6f6d6e69
)

// dualState holds the work of the dual simplex; reduced is kept up to date
// between factorisations by the pivot-row updates.
type dualState struct {
	reduced  []float64 // d_j = c_j - a_j·y for every variable (0 when basic)
	rho      []float64 // row r of B⁻¹ (BTRAN of e_r), indexed by row
	pivotRow []float64 // α_r = ρ·A for the nonbasic variables, indexed by variable
	touched  []int     // variables with a nonzero in pivotRow
	mark     []bool    // marks touched
	cands    []dualCandidate
	flipRhs  []float64 // Σ a_j·Δx_j of the bound flips of an iteration
	column   []float64 // FTRAN of the entering column
	tau      []float64 // B⁻¹·rho, for the weight update
	// weights[k] approximates ‖row k of B⁻¹‖², the dual steepest-edge
	// weight of basis position k (exact for the slack basis, reset to 1 on
	// a warm start, updated exactly after every pivot).
	weights  []float64
	original []float64 // the costs before perturbation
	// infeasible[k] is the squared infeasibility of the variable basic in
	// position k (0 within primalTol of its bounds), kept up to date with
	// x and head while the dual simplex runs (nil before).
	infeasible []float64
	// infList holds the positions whose infeasible entry is nonzero, in no
	// order, and infAt each position's index in it (-1 when absent), so
	// that chooseRow looks at the infeasible rows only.
	infList []int
	infAt   []int
	// rhoRows lists the rows where rho may be nonzero, ascending, when its
	// BTRAN was hypersparse (rhoSparse); the FTRAN of the weight update
	// and the pivot row then follow them instead of every row.
	rhoRows   []int
	rhoSparse bool
	// nz is scratch for the rows a right-hand side may hold.
	nz []int
	// colRows lists the positions where column (the entering column's
	// FTRAN) may be nonzero, ascending, when it was hypersparse
	// (colSparse).
	colRows   []int
	colSparse bool
	// bound is scratch for the duals lagrangianBound uses.
	bound []float64
}

// recycled is ds's arrays for a new solve: the lists emptied and the
// pivot row and its marks cleared, as a fresh dualState has them (every
// other array is grown and written before it is read).
func (ds *dualState) recycled() dualState {
	out := dualState{
		reduced: ds.reduced, rho: ds.rho, pivotRow: ds.pivotRow[:cap(ds.pivotRow)], mark: ds.mark[:cap(ds.mark)],
		touched: ds.touched[:0], cands: ds.cands[:0], flipRhs: ds.flipRhs, column: ds.column, tau: ds.tau,
		weights: ds.weights, original: ds.original[:0], infeasible: ds.infeasible[:0], infList: ds.infList[:0],
		infAt: ds.infAt, rhoRows: ds.rhoRows[:0], nz: ds.nz[:0], colRows: ds.colRows[:0], bound: ds.bound[:0],
	}
	clear(out.pivotRow)
	clear(out.mark)
	out.pivotRow, out.mark = out.pivotRow[:0], out.mark[:0]
	return out
}

// dualCandidate is a nonbasic variable that may enter in the ratio test.
type dualCandidate struct {
	j      int
	ratio  float64 // max(d_j, 0) / |α_rj|, d_j signed to be ≥ 0 when dual feasible
	harris float64 // max(d_j + dualTol, 0) / |α_rj|: the step that takes d_j to -dualTol
	alpha  float64 // |α_rj|
}

// dualSimplex runs the bounded dual simplex with the bound-flipping ratio test on
// perturbed costs. It returns done = false (and leaves a basis for the
// primal simplex) when the start is not dual feasible, when it ends
// optimal on the perturbed costs, or on numerical trouble; done = true with
// StatusInfeasible when it proves the rows cannot be met, or with a limit.
func (s *simplex) dualSimplex(b *budget) (Status, bool, error) {
	ds := &s.dualWork
	total := s.n + s.m
	ds.reduced = growFloats(ds.reduced, total)
	ds.rho = growFloats(ds.rho, s.m)
	ds.pivotRow = growFloats(ds.pivotRow, total)
	ds.mark = zeroed(ds.mark, total)
	ds.flipRhs = growFloats(ds.flipRhs, s.m)
	ds.column = growFloats(ds.column, s.m)
	ds.tau = growFloats(ds.tau, s.m)
	ds.weights = growFloats(ds.weights, s.m)
	if !s.weightsKept {
		for k := range ds.weights {
			ds.weights[k] = 1
		}
		s.weightsKept = true
	}
	ds.original = append(ds.original[:0], s.cost...)
	defer copy(s.cost, ds.original)
	ds.infeasible = growFloats(ds.infeasible, s.m)
	ds.infAt = growInts(ds.infAt, s.m)
	for k := range ds.infAt {
		ds.infAt[k] = -1
	}
	ds.infList = ds.infList[:0]
	defer func() { ds.infeasible, ds.infList = ds.infeasible[:0], ds.infList[:0] }()
	s.trackAllInfeasible()

	if !s.dualFeasibleStart() {
		return 0, false, nil
	}
	s.perturbCosts()
	s.computeReducedCosts()
	fresh := true
	// A run of steps that never lowers the primal infeasibility below its
	// least is a stall (steps of the size of the tolerances can cycle):
	// the primal simplex takes over.
	least, since := math.Inf(1), 0
	for {
		if status, stop, err := b.stop(s.iterations); stop {
			return status, true, err
		}
		if since++; since%stallCheck == 0 {
			if inf := s.primalInfeasibility(); inf < least*(1-1e-9) {
				least, since = inf, 0
			} else if since > s.stallLimit(b.set) {
				return 0, false, nil
			}
		}
		if len(s.etas.etas) >= refactorEvery {
			s.refactor()
			s.computeReducedCosts()
			if !s.repairDualFeasibility(true) {
				return 0, false, nil
			}
			fresh = true
		}
		r := s.chooseRow()
		if r < 0 {
			if !fresh {
				s.refactor()
				s.computeReducedCosts()
				if !s.repairDualFeasibility(true) {
					return 0, false, nil
				}
				fresh = true
				continue
			}
			return 0, false, nil // optimal for the perturbed costs
		}
		p := s.head[r]
		toLower := s.x[p] < s.lo[p]
		s.computePivotRow(r)
		q, ok := s.dualRatioTest(toLower, math.Abs(s.infeasibility(p)))
		if !ok {
			if !fresh {
				s.refactor()
				s.computeReducedCosts()
				if !s.repairDualFeasibility(true) {
					return 0, false, nil
				}
				fresh = true
				continue
			}
			return StatusInfeasible, true, nil
		}
		if !s.dualStep(r, q, toLower) {
			if fresh {
				return 0, false, nil // trouble on a fresh factor: leave it to the primal
			}
			s.refactor()
			s.computeReducedCosts()
			if !s.repairDualFeasibility(true) {
				return 0, false, nil
			}
			fresh = true
			continue
		}
		fresh = false
		s.iterations++
	}
}

// stallCheck is how often, in steps, the dual simplex looks at its
// progress (primalInfeasibility).
const stallCheck = 64

// stallLimit is how many steps the dual simplex may take without lowering
// the primal infeasibility below its least before the primal simplex
// takes over: many times the steps a solve of the model's size takes. It
// is a guard against what the ratio test does not foresee (the test keeps
// the dual objective from falling back, which ended the one cycle met).
func (s *simplex) stallLimit(set Settings) int {
	if set.stallSteps > 0 {
		return set.stallSteps
	}
	return 5*s.m + 1000
}

// primalInfeasibility is the sum of how far the basic variables lie
// outside their bounds, over those the dual simplex tracks as infeasible.
func (s *simplex) primalInfeasibility() float64 {
	var sum float64
	for _, k := range s.dualWork.infList {
		sum += math.Abs(s.infeasibility(s.head[k]))
	}
	return sum
}

// infeasibility is how far basic p lies outside its bounds (negative
// below, positive above, 0 within).
func (s *simplex) infeasibility(p int) float64 {
	switch x := s.x[p]; {
	case x < s.lo[p]:
		return x - s.lo[p]
	case x > s.hi[p]:
		return x - s.hi[p]
	}
	return 0
}

// dualFeasibleStart computes the reduced costs of the starting basis,
// moves boxed variables to the bound their reduced cost prefers, and
// reports whether the basis is then dual feasible. A warm start (a model
// changed since its basis was optimal: other costs, rows or columns) is
// made dual feasible by shifting the costs of the variables that cannot
// flip, as after a refactorisation: the dual simplex then resumes from
// near the old optimum, and the primal simplex removes the shifts, rather
// than the primal simplex starting alone from a basis that may be far from
// feasible. The slack basis of a cold start is not shifted.
func (s *simplex) dualFeasibleStart() bool {
	s.computeReducedCosts()
	return s.repairDualFeasibility(s.warm)
}

// repairDualFeasibility flips boxed nonbasic variables whose reduced cost
// has the wrong sign (recomputing the basic variables if any moved) and
// reports whether every nonbasic variable is then dual feasible. With
// shift, a variable that cannot flip (a bound is infinite) has its cost
// shifted instead, so that its reduced cost is zero, and the basis is dual
// feasible again: after a refactorisation the recomputed reduced costs
// may sit a little on the wrong side of those the updates kept (the Harris
// ratio test lets them reach -dualTol), and the primal simplex removes the
// shifts with the perturbation.
func (s *simplex) repairDualFeasibility(shift bool) bool {
	d := s.dualWork.reduced
	flipped := false
	for j, st := range s.state {
		switch st {
		case stateBasic:
			continue
		case stateZero:
			if math.Abs(d[j]) > dualTol {
				if !shift {
					return false
				}
				s.cost[j] -= d[j]
				d[j] = 0
			}
		case stateLower:
			if d[j] < -dualTol && s.lo[j] != s.hi[j] {
				if math.IsInf(s.hi[j], 1) {
					if !shift {
						return false
					}
					s.cost[j] -= d[j]
					d[j] = 0
					continue
				}
				s.state[j], s.x[j] = stateUpper, s.hi[j]
				flipped = true
			}
		case stateUpper:
			if d[j] > dualTol {
				if math.IsInf(s.lo[j], -1) {
					if !shift {
						return false
					}
					s.cost[j] -= d[j]
					d[j] = 0
					continue
				}
				s.state[j], s.x[j] = stateLower, s.lo[j]
				flipped = true
			}
		}
	}
	if flipped {
		s.computeBasic()
	}
	return true
}

// perturbCosts moves each nonbasic cost away from dual degeneracy, in the
// direction that keeps it dual feasible.
func (s *simplex) perturbCosts() {
	rng := rand.New(rand.NewPCG(perturbSeed, uint64(s.n)<<20|uint64(s.m)))
	for j := 0; j < s.n; j++ {
		u := 1 + rng.Float64()
		if s.lo[j] == s.hi[j] {
			continue
		}
		delta := perturbBase * (1 + math.Abs(s.cost[j])) * u
		switch s.state[j] {
		case stateLower:
			s.cost[j] += delta
		case stateUpper:
			s.cost[j] -= delta
		case stateBasic:
			if s.cost[j] < 0 {
				delta = -delta
			}
			s.cost[j] += delta
		}
	}
}

// computeReducedCosts sets the duals y = B⁻ᵀ·c_B and d = c - Aᵀ·y.
func (s *simplex) computeReducedCosts() {
	for k, j := range s.head {
		s.basicCost[k] = s.cost[j]
	}
	copy(s.dual, s.basicCost)
	s.btran(s.dual)
	d := s.dualWork.reduced
	for j := range s.state {
		if s.state[j] == stateBasic {
			d[j] = 0
			continue
		}
		d[j] = s.reducedCost(j, false)
	}
}

// chooseRow returns the basis position whose basic variable is the most
// infeasible relative to its dual steepest-edge weight (infeasibility² /
// weight; ties to the lowest position), or -1 when all are feasible.
func (s *simplex) chooseRow() int {
	ds := &s.dualWork
	best, bestScore := -1, 0.0
	for _, k := range ds.infList {
		if score := ds.infeasible[k] / ds.weights[k]; score > bestScore || (score == bestScore && k < best) {
			best, bestScore = k, score
		}
	}
	return best
}

// trackInfeasible records the infeasibility of the variable basic in
// position k for chooseRow.
func (s *simplex) trackInfeasible(k int) {
	ds := &s.dualWork
	inf := s.infeasibility(s.head[k])
	if math.Abs(inf) <= primalTol {
		inf = 0
	}
	ds.infeasible[k] = inf * inf
	switch at := ds.infAt[k]; {
	case inf != 0 && at < 0:
		ds.infAt[k] = len(ds.infList)
		ds.infList = append(ds.infList, k)
	case inf == 0 && at >= 0:
		last := ds.infList[len(ds.infList)-1]
		ds.infList[at], ds.infAt[last] = last, at
		ds.infList = ds.infList[:len(ds.infList)-1]
		ds.infAt[k] = -1
	}
}

// trackAllInfeasible records the infeasibility of every basic variable
// while the dual simplex runs.
func (s *simplex) trackAllInfeasible() {
	if len(s.dualWork.infeasible) != s.m {
		return
	}
	for k := range s.head {
		s.trackInfeasible(k)
	}
}

// updateWeights updates the dual steepest-edge weights for the pivot on
// position r with FTRAN column col (Forrest and Goldfarb): with
// tau = B⁻¹·rho, w_r' = w_r/α_r², w_i' = w_i - 2(α_i/α_r)·tau_i +
// (α_i/α_r)²·w_r.
func (s *simplex) updateWeights(r int, col []float64) {
	ds := &s.dualWork
	wr := 0.0
	copy(ds.tau, ds.rho)
	if ds.rhoSparse {
		for _, i := range ds.rhoRows {
			wr += ds.rho[i] * ds.rho[i]
		}
		s.ftranSparse(ds.tau, ds.rhoRows)
	} else {
		for _, v := range ds.rho {
			wr += v * v
		}
		s.ftran(ds.tau)
	}
	ar := col[r]
	update := func(k int) {
		a := col[k]
		if a == 0 || k == r {
			return
		}
		ratio := a / ar
		w := ds.weights[k] - 2*ratio*ds.tau[k] + ratio*ratio*wr
		ds.weights[k] = math.Max(w, 1e-4)
	}
	if ds.colSparse {
		for _, k := range ds.colRows {
			update(k)
		}
	} else {
		for k := range col {
			update(k)
		}
	}
	ds.weights[r] = math.Max(wr/(ar*ar), 1e-4)
}

// computePivotRow sets rho = B⁻ᵀ·e_r and the pivot row α_r = ρ·A over the
// nonbasic variables (row-wise, skipping rows where ρ is zero).
func (s *simplex) computePivotRow(r int) {
	ds := &s.dualWork
	for _, j := range ds.touched {
		ds.pivotRow[j] = 0
		ds.mark[j] = false
	}
	ds.touched = ds.touched[:0]
	clear(ds.rho)
	ds.rho[r] = 1
	ds.nz = append(ds.nz[:0], r)
	ds.nz = s.btranSparse(ds.rho, ds.nz)
	ds.rhoSparse = false
	if !s.nonbasic.valid {
		s.nonbasic.build(s)
	}
	if rows := s.lu.lastNonzeros(); rows != nil && len(rows)*sortedListRatio <= s.m {
		// In ascending order, as the dense pass: the pivot row's sums
		// come out the same, bit for bit.
		ds.rhoRows = append(ds.rhoRows[:0], rows...)
		s.sortTmp = sortIndices(ds.rhoRows, s.sortTmp, s.m)
		ds.rhoSparse = true
		for _, i := range ds.rhoRows {
			s.addPivotRowEntry(i)
		}
		return
	}
	for i := range ds.rho {
		s.addPivotRowEntry(i)
	}
}

// addPivotRowEntry adds row i's part, rho_i·A_i, to the pivot row.
func (s *simplex) addPivotRowEntry(i int) {
	ds := &s.dualWork
	ri := ds.rho[i]
	if ri == 0 {
		return
	}
	if j := s.n + i; s.state[j] != stateBasic {
		ds.pivotRow[j] = -ri
		if !ds.mark[j] {
			ds.mark[j] = true
			ds.touched = append(ds.touched, j)
		}
	}
	// Over the nonbasic columns only: the pivot row of a basic column is
	// never read (the ratio test and the dual update skip them).
	cols, vals := s.nonbasic.row(i)
	pivotRow, mark := ds.pivotRow, ds.mark
	vals = vals[:len(cols)]
	for k, j := range cols {
		pivotRow[j] += ri * vals[k]
		if !mark[j] {
			mark[j] = true
			ds.touched = append(ds.touched, j)
		}
	}
}

// dualRatioTest chooses the entering variable for a leaving variable that
// goes to its lower bound (toLower) or upper bound, whose infeasibility is
// slope. Each candidate's breakpoint is its ratio |d_j|/|α_rj|; passing a
// boxed candidate's breakpoint flips it to its other bound and lowers the
// slope of the dual objective by |α_rj|·(hi_j - lo_j); a candidate with an
// infinite range cannot be passed. On return s.dualWork.cands holds the
// candidates to flip (see dualStep).
func (s *simplex) dualRatioTest(toLower bool, slope float64) (int, bool) {
	ds := &s.dualWork
	ds.cands = ds.cands[:0]
	sign := 1.0
	if toLower {
		sign = -1
	}
	for _, j := range ds.touched {
		alpha := ds.pivotRow[j]
		if math.Abs(alpha) <= pivotTol {
			continue
		}
		a := sign * alpha
		switch s.state[j] {
		case stateLower:
			if a <= 0 || s.lo[j] == s.hi[j] {
				continue
			}
		case stateUpper:
			if a >= 0 {
				continue
			}
		case stateZero:
		default:
			continue
		}
		// The breakpoint is where d_j reaches zero from its dual feasible
		// side, and the Harris bound where it would pass -dualTol: a d_j
		// already a little on the wrong side (earlier steps let it reach
		// -dualTol) has its breakpoint at 0 and only the rest of the
		// tolerance before its bound. Measured from |d_j|, as it once was,
		// such a d_j was pushed past the tolerance step after step, a
		// refactorisation flipped it, and the dual simplex cycled
		// (lp/testdata/allocate-stall.lp.gz).
		dj := 0.0 // d_j signed to be ≥ 0 when dual feasible (a free variable's is 0)
		switch s.state[j] {
		case stateLower:
			dj = ds.reduced[j]
		case stateUpper:
			dj = -ds.reduced[j]
		}
		abs := math.Abs(alpha)
		ds.cands = append(ds.cands, dualCandidate{j: j, ratio: math.Max(dj, 0) / abs,
			harris: math.Max(dj+dualTol, 0) / abs, alpha: abs})
	}
	if len(ds.cands) == 0 {
		return -1, false
	}
	// Walk the breakpoints group by group (no sort): a group is every
	// remaining candidate whose ratio is within the Harris bound (the
	// smallest ratio with reduced costs relaxed by dualTol). Passing a
	// whole group flips its members; in the group where the slope would
	// end, the largest |α| enters (ties to the smallest ratio, then index).
	flips := 0 // ds.cands[:flips] are passed and flip
	for {
		if flips == len(ds.cands) {
			return -1, false // every breakpoint passed: the dual is unbounded
		}
		bound := math.Inf(1)
		for _, c := range ds.cands[flips:] {
			bound = math.Min(bound, c.harris)
		}
		end := flips
		decrease := 0.0
		for k := flips; k < len(ds.cands); k++ {
			c := ds.cands[k]
			if c.ratio > bound {
				continue
			}
			ds.cands[k], ds.cands[end] = ds.cands[end], ds.cands[k]
			end++
			decrease += c.alpha * (s.hi[c.j] - s.lo[c.j])
		}
		if slope-decrease > primalTol {
			slope -= decrease
			flips = end
			continue
		}
		best := flips
		for k := flips + 1; k < end; k++ {
			c, b := ds.cands[k], ds.cands[best]
			if c.alpha > b.alpha || (c.alpha == b.alpha && (c.ratio < b.ratio || (c.ratio == b.ratio && c.j < b.j))) {
				best = k
			}
		}
		q := ds.cands[best].j
		ds.cands = ds.cands[:flips]
		return q, true
	}
}

// wrongSide reports whether nonbasic j's reduced cost lies on the dual
// infeasible side of zero for its state (any nonzero for a free variable).
func (s *simplex) wrongSide(j int) bool {
	switch d := s.dualWork.reduced[j]; s.state[j] {
	case stateLower:
		return d < 0
	case stateUpper:
		return d > 0
	case stateZero:
		return d != 0
	}
	return false
}

// dualStep makes q enter at position r: the passed candidates flip, the
// reduced costs move by the dual step, the primal values by the primal
// step, and the factor takes the update. It reports false when the FTRAN
// column disagrees with the pivot row (a stale factor).
func (s *simplex) dualStep(r, q int, toLower bool) bool {
	ds := &s.dualWork
	col := ds.column
	s.loadColumn(q, col)
	if q >= s.n {
		ds.nz = append(ds.nz[:0], q-s.n)
	} else {
		ds.nz = append(ds.nz[:0], s.rowIdx[s.colStart[q]:s.colStart[q+1]]...)
	}
	ds.colRows, ds.colSparse = s.ftranList(col, ds.nz, ds.colRows)
	alphaRow := ds.pivotRow[q]
	alphaCol := col[r]
	if math.Abs(alphaCol) <= pivotTol || math.Abs(alphaCol-alphaRow) > 1e-7*(1+math.Abs(alphaCol)) {
		return false
	}
	s.updateWeights(r, col)
	// Bound flips.
	if len(ds.cands) > 0 {
		clear(ds.flipRhs)
		ds.nz = ds.nz[:0]
		for _, c := range ds.cands {
			j := c.j
			var delta float64
			if s.state[j] == stateLower {
				s.state[j], delta = stateUpper, s.hi[j]-s.lo[j]
			} else {
				s.state[j], delta = stateLower, s.lo[j]-s.hi[j]
			}
			s.x[j] = s.boundValue(j)
			if j >= s.n {
				ds.flipRhs[j-s.n] -= delta
				ds.nz = append(ds.nz, j-s.n)
				continue
			}
			for p := s.colStart[j]; p < s.colStart[j+1]; p++ {
				ds.flipRhs[s.rowIdx[p]] += s.colVal[p] * delta
			}
			ds.nz = append(ds.nz, s.rowIdx[s.colStart[j]:s.colStart[j+1]]...)
		}
		// x_B changes by -B⁻¹·Σ a_j Δx_j.
		s.ftranSparse(ds.flipRhs, ds.nz)
		for k, j := range s.head {
			if v := ds.flipRhs[k]; v != 0 {
				s.x[j] -= v
				s.trackInfeasible(k)
			}
		}
	}
	// Dual step. An entering d_q a little on the wrong side of zero would
	// step against the dual objective and move every other reduced cost
	// the wrong way; its cost is shifted to make d_q zero instead (a
	// degenerate step), and the primal simplex removes the shift with the
	// perturbation.
	d := ds.reduced
	if s.wrongSide(q) {
		s.cost[q] -= d[q]
		d[q] = 0
	}
	theta := d[q] / alphaRow
	if theta != 0 {
		for _, j := range ds.touched {
			if s.state[j] != stateBasic {
				d[j] -= theta * ds.pivotRow[j]
			}
		}
	}
	p := s.head[r]
	d[q] = 0
	d[p] = -theta
	// Primal step: x_p reaches its bound.
	bound := s.hi[p]
	if toLower {
		bound = s.lo[p]
	}
	step := (s.x[p] - bound) / alphaCol
	if step != 0 {
		move := func(k int) {
			if a := col[k]; a != 0 {
				s.x[s.head[k]] -= a * step
				s.trackInfeasible(k)
			}
		}
		if ds.colSparse {
			for _, k := range ds.colRows {
				move(k)
			}
		} else {
			for k := range s.head {
				move(k)
			}
		}
		s.x[q] += step
	}
	if toLower || s.lo[p] == s.hi[p] {
		s.state[p] = stateLower
	} else {
		s.state[p] = stateUpper
	}
	s.x[p] = bound
	s.head[r] = q
	s.state[q] = stateBasic
	s.nonbasic.swap(s, q, p)
	s.trackInfeasible(r)
	if ds.colSparse {
		s.etas.addSparse(r, col, ds.colRows)
	} else {
		s.etas.add(r, col)
	}
	return true
}
