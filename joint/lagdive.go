package joint

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/omniroute/omniroute/lp"
)

// DiveSteps bounds the fixing steps of Lagrangian's dive: each fixes a
// quarter of the orders still mixed, so a master of n fractional orders
// settles in about log(n)/log(4/3) steps (20 for 300).
const DiveSteps = 100

// diveRounds bounds the pricing rounds after each fixing step (the master
// is solved once more after the last): the orders still free may find
// plans that fit around the ones just fixed.
const diveRounds = 5

// lagDive dives a converged Lagrangian master to whole plans: a step
// raises the lower bound of the heaviest fractional plan of a quarter of
// the orders still mixed (those whose heaviest is nearest to whole first)
// to the next whole number, then prices the orders not yet settled (their
// plans' lower bounds short of their count) at the master's new duals
// until no plan joins, as the rounds do. A plan is raised only when the
// plans already raised leave it room in every shared row, so the master
// stays feasible (the orders not settled can always leave their lines
// unfilled). It stops when no order is mixed, no plan fits, at DiveSteps,
// at the deadline, or at ctx's end. It is abandoned once the master's
// optimum is above what the rounds' mix routes for (cutoff): each step
// raises it, and the repair, which keeps the cheaper, would keep the mix.
type lagDive struct {
	ms       *master
	orders   []lagOrder
	unit, m  []float64
	results  []lagResult
	settings LagrangeSettings
	deadline time.Time
	// cutoff is what the rounds' mix routes for: once the dived master
	// costs more, the dive is abandoned.
	cutoff    float64
	abandoned bool

	// lower[j] is column j's lower bound; held[r] the units of shared
	// row r the lower bounds take; fixed[g] the sum of group g's lower
	// bounds and settled[g] whether it reaches the group's count.
	lower   []float64
	held    []float64
	fixed   []float64
	settled []bool

	steps, rounds, iterations, fractional int
	objective                             float64
	// bound and round are the rounds' best bound and their count, for
	// LagrangeSettings.OnRound.
	bound float64
	round int
}

// diveCandidate is a fractional plan: its column and the fraction of its
// weight above the whole number below.
type diveCandidate struct {
	col  int
	frac float64
}

// run dives from the master's optimum x at basis and returns the last
// master's values; x itself when no master was solved. An error is
// returned with the last values solved.
func (d *lagDive) run(ctx context.Context, basis *lp.Basis, x []float64) ([]float64, error) {
	ms := d.ms
	d.held = make([]float64, len(ms.limit))
	d.fixed = make([]float64, len(d.orders))
	d.settled = make([]bool, len(d.orders))
	d.objective = math.NaN()
	var cands []diveCandidate
	for d.steps < DiveSteps {
		var groups int
		cands, groups = d.candidates(x, cands)
		d.fractional = groups
		if groups == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			return x, err
		}
		if !d.deadline.IsZero() && time.Now().After(d.deadline) {
			break
		}
		if d.fix(x, cands, groups) == 0 {
			break
		}
		d.steps++
		added := 0
		for r := 0; ; r++ {
			res, err := d.solve(ctx, basis, added)
			if err != nil || res == nil {
				// Out of time when res is nil (the rows always leave
				// room): the last master solved stands.
				return x, err
			}
			basis, x, d.objective = res.Basis, res.X, res.Objective
			if d.settings.onMaster != nil {
				d.settings.onMaster(ms, res)
			}
			if r == diveRounds {
				break
			}
			ms.rowPrices(res.Dual, d.m)
			ms.unitPrices(d.m, d.unit)
			if err := solveSome(ctx, d.orders, d.settled, d.unit, d.results, d.settings.Workers, d.settings.Solver); err != nil {
				return x, err
			}
			added = 0
			best := ms.bestPriced(res)
			for o := range d.results {
				res0 := &d.results[o]
				if !d.settled[o] && res0.priced < best[o]-1e-9*max(1, math.Abs(res0.priced)) {
					ms.addPlan(o, &d.orders[o], res0)
					d.lower = append(d.lower, 0)
					added++
				}
			}
			if added == 0 {
				break
			}
		}
		if f := d.settings.OnRound; f != nil {
			f(RoundReport{Round: d.round, DiveSteps: d.steps, Bound: d.bound, Master: d.objective, Columns: ms.lp.NumVars(), Rows: ms.rows})
		}
		if d.objective > d.cutoff+1e-9*max(1, math.Abs(d.cutoff)) {
			d.abandoned = true
			return x, nil
		}
	}
	_, d.fractional = d.candidates(x, cands)
	return x, nil
}

// solve solves the master from basis after added plans joined it; nil
// when it stopped short of the optimum (out of time).
func (d *lagDive) solve(ctx context.Context, basis *lp.Basis, added int) (*lp.Result, error) {
	res, err := d.ms.solve(ctx, basis, added, d.deadline)
	if err != nil {
		return nil, fmt.Errorf("lagrangian: dive: master: %w", err)
	}
	d.iterations += res.Iterations
	d.rounds++
	if res.Status != lp.StatusOptimal {
		return nil, nil
	}
	return res, nil
}

// candidates returns the fractional plans of x, the nearest to whole
// first (ties: column order), and how many groups they mix.
func (d *lagDive) candidates(x []float64, dst []diveCandidate) ([]diveCandidate, int) {
	ms := d.ms
	for len(d.lower) < len(ms.colOrder) {
		d.lower = append(d.lower, 0)
	}
	mixed := make([]bool, len(d.orders))
	groups := 0
	dst = dst[:0]
	for j, o := range ms.colOrder[:min(len(x), len(ms.colOrder))] {
		f := x[j] - math.Floor(x[j])
		if f <= fracTol || f >= 1-fracTol {
			continue
		}
		dst = append(dst, diveCandidate{col: j, frac: f})
		if !mixed[o] {
			mixed[o] = true
			groups++
		}
	}
	slices.SortFunc(dst, func(a, b diveCandidate) int {
		if c := cmp.Compare(b.frac, a.frac); c != 0 {
			return c
		}
		return cmp.Compare(a.col, b.col)
	})
	return dst, groups
}

// fix raises the lower bounds of plans of a quarter of the groups that
// cands mix (at least one), at most one plan a group, in cands' order,
// each only when it fits in the rows beside the plans already raised, and
// returns how many it raised.
func (d *lagDive) fix(x []float64, cands []diveCandidate, groups int) int {
	ms := d.ms
	want := max(1, (groups+3)/4)

	raised := make(map[int32]bool, want)
	for _, c := range cands {
		if len(raised) == want {
			break
		}
		j := c.col
		o := ms.colOrder[j]
		delta := math.Ceil(x[j]-fracTol) - d.lower[j]
		if raised[o] || delta <= 0 {
			continue
		}
		entries := ms.gather(&d.orders[o], ms.colUse[j])
		fits := true
		for _, e := range entries {
			if d.held[e.row]+delta*e.units > ms.limit[e.row]+1e-9 {
				fits = false
				break
			}
		}
		if !fits {
			continue
		}
		for _, e := range entries {
			d.held[e.row] += delta * e.units
		}
		d.lower[j] += delta
		ms.lp.SetVarBounds(j, d.lower[j], ms.upper(int(o)))
		d.fixed[o] += delta
		d.settled[o] = d.fixed[o] >= d.orders[o].copies-fracTol
		raised[o] = true
	}
	return len(raised)
}
