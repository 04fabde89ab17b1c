package lp

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// varState says where a variable of the simplex sits.
type varState int8

const (
	stateLower varState = iota // nonbasic at its lower bound
	stateUpper                 // nonbasic at its upper bound
	stateZero                  // nonbasic free variable, at zero
	stateBasic                 // basic
)

// Tolerances and schedules of the simplex method.
const (
	primalTol     = 1e-7 // a basic variable this far outside a bound is infeasible
	dualTol       = 1e-7 // a reduced cost this far on the wrong side prices a column in
	pivotTol      = 1e-9 // smaller entries of a FTRAN column never pivot
	refactorEvery = 100  // updates between factorisations
	blandAfter    = 50   // consecutive degenerate iterations before Bland's rule (phase 1) or the bound perturbation (phase 2)
	checkEvery    = 32   // iterations between checks of ctx and the time limit
)

// errNumerical is returned when the method cannot continue on a regular basis.
var errNumerical = errors.New("numerical trouble: no progress on a fresh factorisation")

// simplex is the bounded primal simplex method on the model
//
//	A·x - s = 0,  lo ≤ x ≤ hi,  rowLo ≤ s ≤ rowHi,
//
// with one logical variable s_i per row. Variables 0..n-1 are the columns,
// n..n+m-1 the logicals. The invariant kept between iterations: head lists
// the m basic variables, state[head[k]] == stateBasic, every other variable
// sits at the bound its state names (or at 0 when free), and x of the basic
// variables solves B·x_B = -N·x_N for the current factor.
type simplex struct {
	model *Model
	m, n  int

	// The constraint matrix by columns (columns 0..n-1 only; logical n+i is
	// the column -e_i).
	colStart []int
	rowIdx   []int
	colVal   []float64

	// Per variable (columns then logicals).
	cost  []float64
	lo    []float64
	hi    []float64
	x     []float64
	state []varState

	// The basis and its factor: B = [columns of head], B⁻¹ = etas · LU⁻¹.
	head []int
	lu   sparseLU
	etas etaFile

	// Work vectors of length m.
	basicCost []float64 // cost of the basic variables in the current phase
	dual      []float64 // B⁻ᵀ·basicCost
	alpha     []float64 // B⁻¹·a_q of the entering column
	// alphaRows lists where alpha may be nonzero after a hypersparse
	// FTRAN; positions is 0..m-1, for a dense one.
	alphaRows, positions []int

	dualWork dualState
	sortTmp  []int // sortIndices' scratch
	// nonbasic is the matrix by rows over the nonbasic columns, for the
	// pivot row.
	nonbasic nonbasicRows

	// devex holds the primal simplex's devex weights in phase 2, one per
	// variable: the approximate norms of the edges, relative to the
	// reference framework of the nonbasic variables when phase 2 started.
	devex []float64

	// perturbing is true while the primal simplex works on perturbed
	// bounds (perturbBounds): widened marks the variables whose bounds
	// moved, origLo and origHi hold every variable's bounds from before,
	// and rng draws the perturbations.
	perturbing     bool
	widened        []bool
	origLo, origHi []float64
	rng            *rand.Rand
	// perturbAfter is how many consecutive degenerate iterations of phase
	// 2 perturb the bounds, and perturbBase their scale
	// (primalPerturbBase); tests set others.
	perturbAfter int
	perturbBase  float64
	// perturbations counts the perturbations, cleanups the dual simplex
	// runs that removed what infeasibility the restored bounds left.
	perturbations, cleanups int

	iterations int
	degenerate int // consecutive iterations without progress
	// warm is true when the solve starts from a given basis (setStart).
	warm bool
	// weightsKept is true when dualWork.weights hold dual steepest-edge
	// weights for the basis in head: carried in by setStart or set by the
	// dual simplex, and kept through every pivot since (exactly by the
	// dual simplex, approximately by the primal's). The dual simplex then
	// prices with them instead of starting again from 1.
	weightsKept bool
}

// newSimplex loads the model with the slack basis: every logical basic,
// every column at a finite bound (lower first) or, when free, at zero. It
// reuses the arrays of the workspace's last solve, if any (w may be nil):
// each is overwritten or cleared, so that the solve is the same, bit for
// bit, as one on fresh arrays.
func newSimplex(model *Model, w *Workspace) *simplex {
	m, n := model.NumRows(), model.NumVars()
	s := &simplex{model: model, m: m, n: n, perturbAfter: blandAfter + 1, perturbBase: primalPerturbBase}
	sp := w.takeSpare()
	if sp == nil {
		sp = &simplex{}
	}
	s.dualWork = sp.dualWork.recycled()
	s.nonbasic = sp.nonbasic.recycled()
	s.lu = sp.lu.recycled()
	s.colStart = zeroed(sp.colStart, n+1)
	for i := 0; i < m; i++ {
		for _, j := range model.rowCols[i] {
			s.colStart[j+1]++
		}
	}
	for j := 0; j < n; j++ {
		s.colStart[j+1] += s.colStart[j]
	}
	s.rowIdx = growInts(sp.rowIdx, model.nnz)
	s.colVal = growFloats(sp.colVal, model.nnz)
	next := append(sp.sortTmp[:0], s.colStart[:n]...)
	for i := 0; i < m; i++ {
		for k, j := range model.rowCols[i] {
			s.rowIdx[next[j]] = i
			s.colVal[next[j]] = model.rowVals[i][k]
			next[j]++
		}
	}
	s.sortTmp = next[:0]
	total := n + m
	s.cost = zeroed(sp.cost, total)
	s.lo = growFloats(sp.lo, total)
	s.hi = growFloats(sp.hi, total)
	s.x = zeroed(sp.x, total)
	s.state = zeroed(sp.state, total)
	copy(s.cost, model.cost)
	copy(s.lo, model.colLo)
	copy(s.hi, model.colHi)
	copy(s.lo[n:], model.rowLo)
	copy(s.hi[n:], model.rowHi)
	s.head = growInts(sp.head, m)
	for j := 0; j < n; j++ {
		s.state[j] = s.nonbasicState(j, stateLower)
		s.x[j] = s.boundValue(j)
	}
	for i := 0; i < m; i++ {
		s.head[i] = n + i
		s.state[n+i] = stateBasic
	}
	s.basicCost = zeroed(sp.basicCost, m)
	s.dual = zeroed(sp.dual, m)
	s.alpha = zeroed(sp.alpha, m)
	return s
}

// zeroed is s grown to length n and cleared, as make would return it.
func zeroed[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	s = s[:n]
	clear(s)
	return s
}

// nonbasicState returns the nonbasic state closest to want that the bounds
// of j allow.
func (s *simplex) nonbasicState(j int, want varState) varState {
	loFinite, hiFinite := !math.IsInf(s.lo[j], -1), !math.IsInf(s.hi[j], 1)
	switch {
	case want == stateUpper && hiFinite:
		return stateUpper
	case loFinite:
		return stateLower
	case hiFinite:
		return stateUpper
	}
	return stateZero
}

// boundValue returns the value of nonbasic j in its state.
func (s *simplex) boundValue(j int) float64 {
	switch s.state[j] {
	case stateLower:
		return s.lo[j]
	case stateUpper:
		return s.hi[j]
	}
	return 0
}

// setStart replaces the slack basis by b. A start with another number of
// basic variables than rows (a Basis.Map of a model that lost or gained
// rows and columns) is repaired first: surplus basic columns, the last
// first, become nonbasic, and missing ones are made up by the logicals of
// the first rows whose logical is nonbasic. The factorisation then replaces
// any column left dependent by a logical (refactor).
func (s *simplex) setStart(b *Basis) {
	state := append([]varState(nil), b.state...)
	basic := 0
	for _, st := range state {
		if st == stateBasic {
			basic++
		}
	}
	for j := s.n - 1; j >= 0 && basic > s.m; j-- {
		if state[j] == stateBasic {
			state[j] = stateLower
			basic--
		}
	}
	for i := 0; i < s.m && basic < s.m; i++ {
		if state[s.n+i] != stateBasic {
			state[s.n+i] = stateBasic
			basic++
		}
	}
	if basic != s.m {
		return // more basic logicals than rows: not a basis of this model
	}
	s.warm = true
	s.nonbasic.invalidate()
	k := 0
	for j, st := range state {
		if st == stateBasic {
			s.state[j] = stateBasic
			s.head[k] = j
			k++
			continue
		}
		s.state[j] = s.nonbasicState(j, st)
		s.x[j] = s.boundValue(j)
	}
	if b.weights != nil {
		// A basic variable's weight is the norm of its row of B⁻¹, which
		// does not depend on the order of the positions: exact while the
		// basis is the one b was, a fair estimate after a repair or a
		// change of rows (1 for a variable b did not hold basic).
		w := growFloats(s.dualWork.weights, s.m)
		for k, j := range s.head {
			w[k] = 1
			if b.weights[j] > 0 {
				w[k] = b.weights[j]
			}
		}
		s.dualWork.weights = w
		s.weightsKept = true
	}
}

// column appends the nonzeros of basis position k (basisMatrix).
func (s *simplex) column(k int, idx []int, val []float64) ([]int, []float64) {
	j := s.head[k]
	if j >= s.n {
		return append(idx, j-s.n), append(val, -1)
	}
	for p := s.colStart[j]; p < s.colStart[j+1]; p++ {
		idx = append(idx, s.rowIdx[p])
		val = append(val, s.colVal[p])
	}
	return idx, val
}

// loadColumn writes the dense constraint column of variable j into v.
func (s *simplex) loadColumn(j int, v []float64) {
	clear(v)
	if j >= s.n {
		v[j-s.n] = -1
		return
	}
	for p := s.colStart[j]; p < s.colStart[j+1]; p++ {
		v[s.rowIdx[p]] = s.colVal[p]
	}
}

// refactor factorises the basis afresh (replacing dependent columns by
// logicals) and recomputes the basic variables.
func (s *simplex) refactor() {
	s.etas.reset()
	for {
		deficient, spare := s.lu.factorize(s.m, s)
		if len(deficient) == 0 {
			break
		}
		s.nonbasic.invalidate()
		s.weightsKept = false
		for k, pos := range deficient {
			j := s.head[pos]
			s.state[j] = s.nonbasicState(j, stateLower)
			s.x[j] = s.boundValue(j)
			s.head[pos] = s.n + spare[k]
			s.state[s.n+spare[k]] = stateBasic
		}
	}
	s.computeBasic()
}

// computeBasic solves B·x_B = -N·x_N.
func (s *simplex) computeBasic() {
	rhs := s.alpha
	clear(rhs)
	for j := 0; j < s.n; j++ {
		if s.state[j] == stateBasic || s.x[j] == 0 {
			continue
		}
		for p := s.colStart[j]; p < s.colStart[j+1]; p++ {
			rhs[s.rowIdx[p]] -= s.colVal[p] * s.x[j]
		}
	}
	for i := 0; i < s.m; i++ {
		if j := s.n + i; s.state[j] != stateBasic {
			rhs[i] += s.x[j]
		}
	}
	s.ftran(rhs)
	for k, j := range s.head {
		s.x[j] = rhs[k]
	}
	s.trackAllInfeasible()
}

func (s *simplex) ftran(v []float64) { s.ftranSparse(v, nil) }

func (s *simplex) btran(w []float64) { s.btranSparse(w, nil) }

// ftranSparse is ftran for a v whose nonzeros lie in the rows nz (repeats
// allowed; nil: anywhere).
func (s *simplex) ftranSparse(v []float64, nz []int) {
	s.lu.solve(v, nz)
	s.etas.ftran(v)
}

// sortedListRatio: a list of the nonzeros a solve may have set is sorted
// and followed only while it holds under one row in sortedListRatio;
// past that, a pass over every row costs less than the sort (the bases
// near an optimum, whose solves reach the nucleus).
const sortedListRatio = 16

// ftranList is ftranSparse that also returns, when the LU solve was
// hypersparse, the positions where the result may be nonzero, ascending
// and each once, in list (reused); ok is false after a dense solve.
func (s *simplex) ftranList(v []float64, nz, list []int) (_ []int, ok bool) {
	s.lu.solve(v, nz)
	out := s.lu.lastNonzeros()
	if out == nil || len(out)*sortedListRatio > s.m {
		s.etas.ftran(v)
		return list, false
	}
	list = s.etas.ftranTrack(v, append(list[:0], out...))
	s.sortTmp = sortIndices(list, s.sortTmp, s.m)
	return slices.Compact(list), true
}

// btranSparse is btran for a w whose nonzeros lie in the positions nz
// (repeats allowed; nil: anywhere). The etas may set their positions
// too: they are appended to nz, which is returned for reuse. After it,
// s.lu.lastNonzeros() lists the rows where w may be nonzero, when the solve
// was hypersparse.
func (s *simplex) btranSparse(w []float64, nz []int) []int {
	s.etas.btran(w)
	if nz != nil {
		for _, e := range s.etas.etas {
			nz = append(nz, e.r)
		}
	}
	s.lu.solveTrans(w, nz)
	return nz
}

// phaseCosts sets basicCost for the current phase and reports whether the
// basis is primal infeasible (phase 1: minimise the sum of
// infeasibilities, cost -1 below a lower bound, +1 above an upper one).
func (s *simplex) phaseCosts() (phase1 bool) {
	for k, j := range s.head {
		switch {
		case s.x[j] < s.lo[j]-primalTol:
			s.basicCost[k] = -1
			phase1 = true
		case s.x[j] > s.hi[j]+primalTol:
			s.basicCost[k] = 1
			phase1 = true
		default:
			s.basicCost[k] = 0
		}
	}
	if !phase1 {
		for k, j := range s.head {
			s.basicCost[k] = s.cost[j]
		}
	}
	return phase1
}

// reducedCost returns c_j - a_j·dual, with c_j = 0 in phase 1.
func (s *simplex) reducedCost(j int, phase1 bool) float64 {
	d := 0.0
	if !phase1 {
		d = s.cost[j]
	}
	if j >= s.n {
		return d + s.dual[j-s.n]
	}
	for p := s.colStart[j]; p < s.colStart[j+1]; p++ {
		d -= s.colVal[p] * s.dual[s.rowIdx[p]]
	}
	return d
}

// price returns the entering variable and its reduced cost, or -1 when no
// nonbasic variable can improve the objective. It takes the largest
// |reduced cost| (ties to the smallest index), or the smallest eligible
// index under Bland's rule. The reduced costs are those in reduced when it
// is not nil (phase 2, kept by the pivot-row updates), else computed from
// s.dual. With weights (phase 2), the largest d_j²/weights[j] enters
// instead: devex pricing.
func (s *simplex) price(phase1, bland bool, reduced, weights []float64) (int, float64) {
	best, bestD, bestScore := -1, 0.0, 0.0
	for j := range s.state {
		st := s.state[j]
		if st == stateBasic || (st != stateZero && s.lo[j] == s.hi[j]) {
			continue
		}
		var d float64
		if reduced != nil {
			d = reduced[j]
		} else {
			d = s.reducedCost(j, phase1)
		}
		var score float64
		switch st {
		case stateLower:
			score = -d
		case stateUpper:
			score = d
		default:
			score = math.Abs(d)
		}
		if score <= dualTol {
			continue
		}
		if bland {
			return j, d
		}
		if weights != nil {
			score = score * score / weights[j]
		}
		if score > bestScore {
			best, bestD, bestScore = j, d, score
		}
	}
	return best, bestD
}

// ratio is the outcome of a ratio test.
type ratio struct {
	row     int     // basis position that leaves, -1 for a bound flip
	step    float64 // how far the entering variable moves (≥ 0)
	toUpper bool    // the leaving variable ends at its upper bound
}

// ratioTest finds how far entering variable q may move in direction dir
// (+1 up, -1 down) with the basis staying feasible (in phase 1: with no
// feasible basic variable leaving its bounds and no infeasible one passing
// the bound it reaches first). Two passes (Harris): the first finds the
// largest step with bounds relaxed by primalTol, the second picks among the
// rows that block within it the one with the largest |alpha|, for a stable
// pivot. ok is false when nothing blocks: the objective is unbounded along
// the edge. rows are the basis positions where s.alpha may be nonzero,
// ascending.
func (s *simplex) ratioTest(q int, dir float64, rows []int) (res ratio, ok bool) {
	relaxed := math.Inf(1)
	for _, k := range rows {
		j := s.head[k]
		a := s.alpha[k]
		if math.Abs(a) <= pivotTol {
			continue
		}
		if t, _, blocks := s.blockAt(j, -dir*a, primalTol); blocks && t < relaxed {
			relaxed = t
		}
	}
	span := s.hi[q] - s.lo[q]
	res = ratio{row: -1, step: math.Inf(1)}
	bestAlpha := 0.0
	for _, k := range rows {
		j := s.head[k]
		a := s.alpha[k]
		if math.Abs(a) <= pivotTol {
			continue
		}
		t, toUpper, blocks := s.blockAt(j, -dir*a, 0)
		if !blocks || t > relaxed || math.Abs(a) <= bestAlpha {
			continue
		}
		res = ratio{row: k, step: math.Max(t, 0), toUpper: toUpper}
		bestAlpha = math.Abs(a)
	}
	if span <= res.step && !math.IsInf(span, 1) {
		return ratio{row: -1, step: span}, true
	}
	return res, res.row >= 0
}

// blockAt returns the step at which basic variable j, moving at rate per
// unit step, reaches the bound that stops it (relaxed by tol), and which
// bound that is.
func (s *simplex) blockAt(j int, rate, tol float64) (t float64, toUpper, blocks bool) {
	x, lo, hi := s.x[j], s.lo[j], s.hi[j]
	if rate < 0 {
		switch {
		case x > hi+primalTol: // infeasible above: stops on becoming feasible
			return (x - hi + tol) / -rate, true, true
		case x >= lo-primalTol && !math.IsInf(lo, -1):
			return (x - lo + tol) / -rate, false, true
		}
		return 0, false, false
	}
	switch {
	case x < lo-primalTol:
		return (lo - x + tol) / rate, false, true
	case x <= hi+primalTol && !math.IsInf(hi, 1):
		return (hi - x + tol) / rate, true, true
	}
	return 0, false, false
}

// budget checks the iteration and time limits and ctx.
type budget struct {
	ctx   context.Context
	set   Settings
	start time.Time
}

// stop reports whether the solve must stop before the next iteration:
// a limit's status, or ctx's error.
func (b *budget) stop(iterations int) (Status, bool, error) {
	if b.set.MaxIterations > 0 && iterations >= b.set.MaxIterations {
		return StatusIterationLimit, true, nil
	}
	if iterations%checkEvery == 0 {
		if err := b.ctx.Err(); err != nil {
			return 0, true, err
		}
		if b.set.TimeLimit > 0 && time.Since(b.start) >= b.set.TimeLimit {
			return StatusTimeLimit, true, nil
		}
	}
	return 0, false, nil
}

// run solves the model: the dual simplex when the starting basis is dual
// feasible (after flipping boxed variables to the bound their reduced cost
// asks for), then the primal simplex, which finishes what the dual left
// (removing the cost perturbation, or everything when the start was not
// dual feasible) and certifies the optimum.
func (s *simplex) run(ctx context.Context, set Settings) (Status, error) {
	b := &budget{ctx: ctx, set: set, start: time.Now()}
	s.refactor()
	status, done, err := s.dualSimplex(b)
	if err != nil || done {
		return status, err
	}
	return s.primal(b)
}

// primal runs the primal simplex until optimal, infeasible, unbounded or a
// limit. In phase 1 it prices with duals computed afresh each iteration;
// in phase 2 it keeps the reduced costs of every variable from one
// iteration to the next by the pivot row of the leaving position, as the
// dual simplex does (d_j -= θ·α_rj, θ = d_q/α_rq), and computes them
// afresh only after a factorisation: an iteration then prices in a pass
// over the variables rather than over every entry of the matrix, which is
// what a warm start of a model grown by many columns (the masters of
// package joint's column generation) spends its time on. The same pivot
// row updates the devex weights phase 2 prices by (Forrest and Goldfarb's
// approximation of steepest edge, reset to 1 when phase 2 starts), which
// take the masters' degenerate vertices in about a third of the
// iterations of the largest reduced cost. Optimality is only declared on
// reduced costs computed afresh. The ratio test and the step follow the
// positions a hypersparse FTRAN of the entering column reached.
func (s *simplex) primal(b *budget) (Status, error) {
	s.refactor()
	s.degenerate = 0
	ds := &s.dualWork
	total := s.n + s.m
	ds.reduced = growFloats(ds.reduced, total)
	ds.rho = growFloats(ds.rho, s.m)
	if len(ds.pivotRow) != total {
		ds.pivotRow = make([]float64, total)
		ds.mark = make([]bool, total)
		ds.touched = ds.touched[:0]
	}
	s.devex = growFloats(s.devex, total)
	for j := range s.devex {
		s.devex[j] = 1
	}
	fresh := true    // no update since the last factorisation
	current := false // ds.reduced holds the phase-2 reduced costs of the basis
	restart := func() {
		s.refactor()
		fresh, current = true, false
	}
	perturb := true // a stall in phase 2 may still perturb the bounds
	defer s.restoreBounds()
	for {
		if status, stop, err := b.stop(s.iterations); stop {
			return status, err
		}
		if len(s.etas.etas) >= refactorEvery {
			restart()
		}
		phase1 := s.phaseCosts()
		var reduced []float64
		if phase1 {
			current = false
			copy(s.dual, s.basicCost)
			s.btran(s.dual)
		} else {
			if !current {
				s.computeReducedCosts()
				current = true
			}
			reduced = ds.reduced
		}
		var weights []float64
		if reduced != nil {
			weights = s.devex
		}
		if !phase1 && perturb && s.degenerate >= s.perturbAfter {
			// A stall on a degenerate vertex: the bounds move apart
			// instead of Bland's rule taking over (see perturbBounds).
			s.perturbBounds()
			perturb, s.degenerate = false, 0
		}
		q, d := s.price(phase1, s.degenerate > blandAfter, reduced, weights)
		if q < 0 {
			if !fresh {
				restart()
				continue
			}
			if phase1 {
				return StatusInfeasible, nil
			}
			if s.perturbing {
				// Optimal on the perturbed bounds: back to the model's,
				// and the dual simplex removes what infeasibility that
				// leaves, from a basis that is still dual feasible.
				if s.restoreBounds() {
					s.cleanups++
					if status, done, err := s.dualSimplex(b); err != nil || done {
						return status, err
					}
				}
				restart()
				continue
			}
			return StatusOptimal, nil
		}
		dir := 1.0
		if d > 0 {
			dir = -1
		}
		rows, sparse := s.ftranColumn(q)
		res, ok := s.ratioTest(q, dir, rows)
		if !ok {
			if !fresh {
				restart()
				continue
			}
			if phase1 {
				return 0, errNumerical
			}
			return StatusUnbounded, nil
		}
		update := reduced != nil && res.row >= 0
		if update {
			// The pivot row of the leaving position, on the basis before
			// the step; it must agree with the FTRAN column where they meet.
			s.computePivotRow(res.row)
			if a := s.alpha[res.row]; math.Abs(a-ds.pivotRow[q]) > 1e-7*(1+math.Abs(a)) {
				if !fresh {
					restart()
					continue
				}
				update, current = false, false
			}
		}
		leaving := -1
		if res.row >= 0 {
			leaving = s.head[res.row]
		}
		if s.weightsKept && res.row >= 0 {
			s.carryWeights(res.row, rows)
		}
		s.step(q, dir, res, rows, sparse)
		if update {
			aq := ds.pivotRow[q]
			theta := d / aq
			wq := s.devex[q]
			for _, j := range ds.touched {
				if s.state[j] != stateBasic {
					a := ds.pivotRow[j]
					ds.reduced[j] -= theta * a
					r := a / aq
					s.devex[j] = math.Max(s.devex[j], r*r*wq)
				}
			}
			ds.reduced[q] = 0
			ds.reduced[leaving] = -theta
			s.devex[leaving] = math.Max(wq/(aq*aq), 1)
		} else if res.row >= 0 {
			current = false
		}
		fresh = false
		s.iterations++
	}
}

// primalPerturbBase scales the bound perturbation of the primal simplex:
// ten times primalTol, as perturbBase is the dual tolerance's, so that the
// Harris ratio test, which groups the breakpoints within primalTol, sees
// them apart.
const primalPerturbBase = 1e-6

// perturbBounds starts the primal simplex's bound perturbation: the bounds
// of every basic variable, and from then on of every variable that enters
// the basis, move apart by primalPerturbBase·(1 + |bound|)·u, u uniform in
// [1, 2) from a fixed seed (the same model, the same perturbation). On a
// degenerate vertex many basic variables sit at a bound and a step of 0
// only trades one for another; with the bounds apart, the ratio test's
// ties break and the steps are positive. Bland's rule, which also ends
// such a stall, can take thousands of iterations on the masters of
// package joint's column generation after a round adds plans. The solve
// returns to the model's bounds at its optimum (restoreBounds). Fixed
// variables keep theirs.
func (s *simplex) perturbBounds() {
	total := s.n + s.m
	s.widened = zeroed(s.widened, total)
	clear(s.widened)
	s.origLo = append(s.origLo[:0], s.lo...)
	s.origHi = append(s.origHi[:0], s.hi...)
	s.rng = rand.New(rand.NewPCG(perturbSeed, uint64(s.n)<<20|uint64(s.m)))
	s.perturbing = true
	s.perturbations++
	for _, j := range s.head {
		s.widen(j)
	}
}

// widen perturbs the bounds of variable j, once (perturbBounds).
func (s *simplex) widen(j int) {
	if s.widened[j] || s.lo[j] == s.hi[j] {
		return
	}
	s.widened[j] = true
	u := 1 + s.rng.Float64()
	if lo := s.lo[j]; !math.IsInf(lo, -1) {
		s.lo[j] = lo - s.perturbBase*(1+math.Abs(lo))*u
	}
	if hi := s.hi[j]; !math.IsInf(hi, 1) {
		s.hi[j] = hi + s.perturbBase*(1+math.Abs(hi))*u
	}
}

// restoreBounds ends the bound perturbation, if any: every variable gets
// its model bounds back, a nonbasic one its bound's value, and the basic
// variables are computed again. It reports whether one of them is then
// outside its bounds by more than primalTol.
func (s *simplex) restoreBounds() (infeasible bool) {
	if !s.perturbing {
		return false
	}
	s.perturbing = false
	moved := false
	for j, w := range s.widened {
		if !w {
			continue
		}
		s.widened[j] = false
		s.lo[j], s.hi[j] = s.origLo[j], s.origHi[j]
		if s.state[j] != stateBasic {
			s.x[j] = s.boundValue(j)
			moved = true
		}
	}
	if moved {
		s.computeBasic()
	}
	for _, j := range s.head {
		if s.x[j] < s.lo[j]-primalTol || s.x[j] > s.hi[j]+primalTol {
			return true
		}
	}
	return false
}

// ftranColumn sets s.alpha to B⁻¹·a_q and returns the basis positions
// where it may be nonzero, ascending: those the FTRAN reached when it was
// hypersparse (sparse), else every position.
func (s *simplex) ftranColumn(q int) (rows []int, sparse bool) {
	s.loadColumn(q, s.alpha)
	ds := &s.dualWork
	if q >= s.n {
		ds.nz = append(ds.nz[:0], q-s.n)
	} else {
		ds.nz = append(ds.nz[:0], s.rowIdx[s.colStart[q]:s.colStart[q+1]]...)
	}
	if s.alphaRows, sparse = s.ftranList(s.alpha, ds.nz, s.alphaRows); sparse {
		return s.alphaRows, true
	}
	if len(s.positions) != s.m {
		s.positions = make([]int, s.m)
		for k := range s.positions {
			s.positions[k] = k
		}
	}
	return s.positions, false
}

// roundingTol is the relative size of the rounding a reduced cost
// computed as c_j - Σ a_ij·y_i carries: a few units in the last place of
// its largest term.
const roundingTol = 1e-14

// lagrangianBound is the lower bound on the optimum that the duals s.dual
// prove, whatever basis they come from. Any duals y do: with d = c - Aᵀ·y
// the reduced costs, the optimum is at least the minimum of d·x over the
// columns' bounds plus the minimum of y·s over the rows' (s = A·x). A
// dual whose sign would meet a row's infinite side (left by the
// perturbation or a cost shift of the dual simplex) is taken as 0 first,
// which keeps the bound finite. A reduced cost within roundingTol of the
// terms it sums counts as zero. It is -Inf when a nonzero reduced cost
// meets an infinite column bound on its side.
func (s *simplex) lagrangianBound() float64 {
	y := s.dualWork.bound[:0]
	for i, yi := range s.dual {
		if (yi > 0 && math.IsInf(s.lo[s.n+i], -1)) || (yi < 0 && math.IsInf(s.hi[s.n+i], 1)) {
			yi = 0
		}
		y = append(y, yi)
	}
	s.dualWork.bound = y
	b := 0.0
	for i, yi := range y {
		switch {
		case yi > 0:
			b += yi * s.lo[s.n+i]
		case yi < 0:
			b += yi * s.hi[s.n+i]
		}
	}
	for j := 0; j < s.n; j++ {
		d, scale := s.cost[j], math.Abs(s.cost[j])
		for p := s.colStart[j]; p < s.colStart[j+1]; p++ {
			t := s.colVal[p] * y[s.rowIdx[p]]
			d -= t
			scale += math.Abs(t)
		}
		if math.Abs(d) <= roundingTol*(1+scale) {
			d = 0 // rounding of a reduced cost that is zero
		}
		b += minOver(d, s.lo[j], s.hi[j])
	}
	return b
}

// minOver is the least d·x over lo ≤ x ≤ hi: -Inf when d pushes x to an
// infinite bound.
func minOver(d, lo, hi float64) float64 {
	switch {
	case d > 0:
		return d * lo
	case d < 0:
		return d * hi
	}
	return 0
}

// step moves entering q by res.step in direction dir and updates the
// basis; rows are the positions where s.alpha may be nonzero, ascending,
// sparse when the FTRAN was.
func (s *simplex) step(q int, dir float64, res ratio, rows []int, sparse bool) {
	t := res.step
	if t < 1e-12 {
		s.degenerate++
	} else {
		s.degenerate = 0
	}
	if t > 0 {
		s.x[q] += dir * t
		for _, k := range rows {
			if a := s.alpha[k]; a != 0 {
				s.x[s.head[k]] -= dir * a * t
			}
		}
	}
	if res.row < 0 {
		if dir > 0 {
			s.state[q] = stateUpper
		} else {
			s.state[q] = stateLower
		}
		s.x[q] = s.boundValue(q)
		return
	}
	leaving := s.head[res.row]
	if res.toUpper && s.lo[leaving] != s.hi[leaving] {
		s.state[leaving] = stateUpper
	} else {
		s.state[leaving] = stateLower
	}
	s.x[leaving] = s.boundValue(leaving)
	s.head[res.row] = q
	s.state[q] = stateBasic
	if s.perturbing {
		s.widen(q)
	}
	s.nonbasic.swap(s, q, leaving)
	if sparse {
		s.etas.addSparse(res.row, s.alpha, rows)
	} else {
		s.etas.add(res.row, s.alpha)
	}
}

// carryWeights keeps the dual steepest-edge weights through a primal
// pivot on position r (entering column s.alpha, its nonzeros at rows):
// without the FTRAN of B⁻¹·rho that the exact update needs, each position
// keeps the larger of its weight and the pivot row's share of it, as the
// dual Devex rule does, and r takes the pivot row's weight divided by
// α_r², as in the exact update.
func (s *simplex) carryWeights(r int, rows []int) {
	w := s.dualWork.weights
	ar := s.alpha[r]
	wr := w[r]
	for _, k := range rows {
		if a := s.alpha[k]; a != 0 && k != r {
			ratio := a / ar
			w[k] = math.Max(w[k], ratio*ratio*wr)
		}
	}
	w[r] = math.Max(wr/(ar*ar), 1e-4)
}

// result assembles the Result of the current basis.
func (s *simplex) result(status Status) *Result {
	m, n := s.m, s.n
	for k, j := range s.head {
		s.basicCost[k] = s.cost[j]
	}
	copy(s.dual, s.basicCost)
	s.btran(s.dual)
	res := &Result{
		Status:      status,
		X:           append([]float64(nil), s.x[:n]...),
		RowActivity: make([]float64, m),
		Dual:        append([]float64(nil), s.dual...),
		ReducedCost: make([]float64, n),
		Iterations:  s.iterations,
		Basis:       &Basis{numVars: n, numRows: m, state: append([]varState(nil), s.state...)},
	}
	if s.weightsKept {
		res.Basis.weights = make([]float64, n+m)
		for k, j := range s.head {
			res.Basis.weights[j] = s.dualWork.weights[k]
		}
	}
	for j := 0; j < n; j++ {
		res.Objective += s.cost[j] * res.X[j]
		res.ReducedCost[j] = s.reducedCost(j, false)
	}
	switch status {
	case StatusOptimal:
		res.LowerBound = res.Objective
	case StatusIterationLimit, StatusTimeLimit:
		res.LowerBound = s.lagrangianBound()
	default:
		res.LowerBound = math.Inf(-1)
	}
	for i := 0; i < m; i++ {
		cols, vals := s.model.rowCols[i], s.model.rowVals[i]
		a := 0.0
		for k, j := range cols {
			a += vals[k] * res.X[j]
		}
		res.RowActivity[i] = a
	}
	return res
}
