package joint

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/solver"
)

// Settings tune Solve and Route.
type Settings struct {
	// LP bounds the work of the linear programme.
	LP lp.Settings
	// MaxVars stops the build of a model with more columns than this
	// (ErrTooLarge); 0 means no limit.
	MaxVars int
	// Dive, above 0, rounds the relaxation towards a routing before its
	// values are returned: at most Dive rounds, each opening (y = 1) the
	// most-opened fractional shipment of a quarter of the orders whose
	// shipments are still fractional, then solving again from the last
	// basis (see dive). Bound stays the first optimum. The replay's batch
	// policy, its hindsight routing and the server's optimised RouteBatch
	// dive (DefaultDive); the hindsight bound does not.
	Dive int
	// Lagrange, when set, is how Route routes an instance whose model is
	// above MaxVars or whose LP stops at a limit: by the Lagrangian
	// master's values (Lagrangian, then Lagrange.Route), which grow with
	// the orders' plans rather than with every option of every line. Nil:
	// such an instance is routed one order after another. When the LP is
	// solved, the master's values are one more candidate for the shares
	// (Relaxation.KeepWith).
	Lagrange *LagrangeSettings
}

// DefaultDive bounds the dive rounds of the replay's batch policy and the
// server's optimised RouteBatch. On the 1,000-order hindsight model of the
// jasin-sinha replay (147 orders fractional at the optimum) the dive ends
// after about 50 rounds, the last ones opening one shipment each.
const DefaultDive = 100

// Relaxation is the optimum of an instance's linear programme.
type Relaxation struct {
	// Status is the LP's; the figures below are meaningful only when it is
	// lp.StatusOptimal.
	Status lp.Status
	// Bound is the optimal objective: no way of routing the orders on the
	// instance's stock and capacity costs less (shipping plus lost sales).
	Bound float64
	// LowerBound is, when the LP stopped at a limit, what the duals of
	// the basis it stopped at prove (lp.Result.LowerBound): a lower bound
	// too, below Bound by what the solve had left to do; -Inf when they
	// prove none. With lp.StatusOptimal it is Bound.
	LowerBound float64
	// Vars, Rows and Nonzeros are the model's size; Iterations the LP's,
	// the dive's included.
	Vars, Rows, Nonzeros, Iterations int
	// DiveRounds is how many rounds the dive solved, DiveRestarts how many
	// of them were solved again from scratch after a stalled warm start;
	// Rounded is the objective of the dived values (Bound without a dive),
	// and Fractional counts the orders whose shipments they leave
	// fractional.
	DiveRounds   int
	DiveRestarts int
	Rounded      float64
	Fractional   int
	// Orders are the relaxation's values, per order of the instance: the
	// dived ones when Settings.Dive dived; after Keep, the values whose
	// shares it kept, nil when it kept none (the orders routed in turn).
	Orders []OrderValues
	// Undived are, after a dive, the first optimum's values; nil without
	// a dive or once Keep has chosen.
	Undived []OrderValues
	// Basis is the first optimum's basis: a solve of the same instance
	// with other unit costs may start from it (lp.Settings.Start).
	Basis *lp.Basis
	// StockValues[i] is what one more unit of Instance.Supply[i] on hand
	// at the start would save at the first optimum: minus the dual of its
	// first stock row (the rows are written as a flow, so a unit more at
	// the start moves only that row's right-hand side). It is 0 where no
	// order can draw on the supply or its stock is not all needed. These
	// are the opportunity costs that a clairvoyant plan gives each (node,
	// SKU): the look-ahead policy's prices with every order known.
	StockValues []float64
}

// OrderValues are one order's values in the relaxation.
type OrderValues struct {
	// Units[k*L+l] is how much of line l option k ships (L lines).
	Units []float64
	// Ships[k] is y[o,k], how much option k is opened.
	Ships []float64
	// Unfilled[l] is how much of line l is left unfilled.
	Unfilled []float64
}

// WriteLP writes the instance's linear programme (see the package doc) in
// CPLEX LP format, as Solve would solve it, for an external solver to
// check the bound or, with every variable declared integer, to find the
// integer optimum. maxVars > 0 stops it with ErrTooLarge as in Solve.
func WriteLP(w io.Writer, inst *Instance, maxVars int) error {
	m, err := build(inst, maxVars)
	if err != nil {
		return err
	}
	if err := m.lp.WriteLP(w); err != nil {
		return fmt.Errorf("joint: write LP: %w", err)
	}
	return nil
}

// Solve builds the instance's linear programme (see the package doc) and
// solves it. A model the LP engine cannot finish (infeasible cannot
// happen: every unit may be left unfilled; a time or iteration limit can)
// is a Relaxation with that Status and no values. Errors are for invalid
// data, a model above s.MaxVars (ErrTooLarge) and a cancelled ctx.
func Solve(ctx context.Context, inst *Instance, s Settings) (*Relaxation, error) {
	m, err := build(inst, s.MaxVars)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	if s.LP.Workspace == nil {
		// The dive solves the model again and again: one set of the
		// engine's scratch arrays serves every solve.
		s.LP.Workspace = new(lp.Workspace)
	}
	res, err := lp.Solve(ctx, m.lp, s.LP)
	if err != nil {
		return nil, fmt.Errorf("joint: solve: %w", err)
	}
	r := &Relaxation{
		Status: res.Status, Vars: m.lp.NumVars(), Rows: m.lp.NumRows(), Nonzeros: m.lp.NumNonzeros(),
		Iterations: res.Iterations, LowerBound: res.LowerBound,
	}
	if res.Status != lp.StatusOptimal {
		return r, nil
	}
	r.Bound = res.Objective
	r.Basis = res.Basis
	r.StockValues = m.stockValues(res.Dual)
	if s.Dive > 0 {
		first := res
		if res, err = m.dive(ctx, res, s, start, r); err != nil {
			return nil, err
		}
		if r.DiveRounds > 0 {
			r.Undived = m.values(first.X)
		}
	}
	r.Rounded = res.Objective
	r.Fractional = len(m.fractional(res.X, nil))
	r.Orders = m.values(res.X)
	return r, nil
}

// stockValues are the supplies' values at the duals dual (see
// Relaxation.StockValues).
func (m *model) stockValues(dual []float64) []float64 {
	v := make([]float64, len(m.supplyRow))
	for i, row := range m.supplyRow {
		if row >= 0 {
			// A binding "<=" row of a minimisation has Dual <= 0; an
			// equality row's dual may have either sign, but one more unit
			// never costs more (it may be left unused).
			v[i] = max(0, -dual[row])
		}
	}
	return v
}

// values are the orders' values in the solution x.
func (m *model) values(x []float64) []OrderValues {
	val := func(j int32) float64 {
		if j < 0 {
			return 0
		}
		return math.Max(0, x[j])
	}
	out := make([]OrderValues, len(m.orders))
	for o := range m.orders {
		oc := &m.orders[o]
		ov := &out[o]
		ov.Units = make([]float64, len(oc.x))
		for i, j := range oc.x {
			ov.Units[i] = val(j)
		}
		ov.Ships = make([]float64, len(oc.y))
		for i, j := range oc.y {
			ov.Ships[i] = val(j)
		}
		ov.Unfilled = make([]float64, len(oc.u))
		for i, j := range oc.u {
			ov.Unfilled[i] = val(j)
		}
	}
	return out
}

// Keep chooses the shares the repair holds: of the dived values, the
// first optimum's (after a dive) and none at all (the orders routed in
// turn on the stock left, as one by one), it repairs the instance with
// each (as Route does, with the per-order settings ss) and keeps in
// Orders those whose routing costs less: the dived ones on a tie, then
// the first optimum's, and nil when routing in turn costs less than
// both. Undived is dropped. The dive rounds towards a routing, but the
// repair, not the relaxation, pays the bill: on a few batches the first
// optimum's shares route cheaper, and on some the shares' rounding costs
// more than it saves. It returns the batch repaired with the shares
// kept, Optimized (the relaxation was solved; its bound holds whichever
// shares were kept).
func (r *Relaxation) Keep(ctx context.Context, inst *Instance, ss solver.Settings) (*Batch, error) {
	kept := &Batch{Relaxation: r, Optimized: true}
	if err := kept.repair(ctx, inst, ss); err != nil {
		return nil, err
	}
	if r.Undived != nil {
		first := &Relaxation{Status: r.Status, Orders: r.Undived}
		plain := &Batch{Relaxation: first, Optimized: true}
		if err := plain.repair(ctx, inst, ss); err != nil {
			return nil, err
		}
		if plain.Cost < kept.Cost {
			r.Orders = r.Undived
			kept = plain
			kept.Relaxation = r
		}
		r.Undived = nil
	}
	inTurn := &Batch{} // no shares held
	if err := inTurn.repair(ctx, inst, ss); err != nil {
		return nil, err
	}
	if inTurn.Cost < kept.Cost {
		r.Orders = nil
		inTurn.Relaxation, inTurn.Optimized = r, true
		kept = inTurn
	}
	return kept, nil
}

// KeepWith is Keep with one more candidate: the values of lag, the
// Lagrangian bound of the same instance (its master's mix of whole plans,
// Lagrange.Route). Of the three repairs it keeps the cheapest, in r.Orders
// (the relaxation's first on a tie), and returns it; lag nil or without
// values is Keep. The relaxation's bound stays its own.
func (r *Relaxation) KeepWith(ctx context.Context, inst *Instance, lag *Lagrange, ss solver.Settings) (*Batch, error) {
	kept, err := r.Keep(ctx, inst, ss)
	if err != nil || lag == nil || lag.Orders == nil {
		return kept, err
	}
	alt, err := lag.Route(ctx, inst, ss)
	if err != nil {
		return nil, err
	}
	if alt.Cost < kept.Cost {
		r.Orders = lag.Orders
		// As Keep returns it: r's batch, its Bound and Gap for the caller.
		alt.Relaxation, alt.Optimized, alt.Bound, alt.Gap = r, true, 0, 0
		return alt, nil
	}
	return kept, nil
}

// Share is stock the relaxation gives one order: Units of SKU at Node.
type Share struct {
	Node  int32
	SKU   string
	Units int32
}

// roundTol keeps 0.9999999 of a unit one unit.
const roundTol = 1e-6

// Shares rounds order o's relaxed units down per (node, SKU): what Route's
// repair keeps for o from the orders before it. They come in the order of
// the order's options, then lines; a relaxation without values gives none.
func (r *Relaxation) Shares(inst *Instance, o int) []Share {
	if r.Status != lp.StatusOptimal || o >= len(r.Orders) {
		return nil
	}
	p := inst.Orders[o].Problem
	L := len(p.Lines)
	ov := &r.Orders[o]
	type key = supplyKey
	sum := map[key]float64{}
	var keys []key
	for k := range p.Options {
		for l := 0; l < L; l++ {
			x := ov.Units[k*L+l]
			if x <= 0 {
				continue
			}
			kk := key{p.Options[k].Node, p.Lines[l].SKU}
			if _, ok := sum[kk]; !ok {
				keys = append(keys, kk)
			}
			sum[kk] += x
		}
	}
	var out []Share
	for _, kk := range keys {
		if u := int32(math.Floor(sum[kk] + roundTol)); u > 0 {
			out = append(out, Share{Node: kk.node, SKU: kk.sku, Units: u})
		}
	}
	return out
}

// fracTol is how far from 0 and 1 a shipment's value must be to count as
// fractional.
const fracTol = 1e-6

// opening is a fractional shipment y[o,k] the dive may open.
type opening struct {
	order, option int
	col           int32
	value         float64
}

// fractional appends to dst, per order with a fractional shipment, its
// most-opened one (ties: the lower option), in order of the orders.
func (m *model) fractional(x []float64, dst []opening) []opening {
	dst = dst[:0]
	for o := range m.orders {
		best := opening{order: o, col: -1}
		for k, j := range m.orders[o].y {
			if j < 0 {
				continue
			}
			if v := x[j]; v > fracTol && v < 1-fracTol && v > best.value {
				best.option, best.col, best.value = k, j, v
			}
		}
		if best.col >= 0 {
			dst = append(dst, best)
		}
	}
	return dst
}

// dive rounds the optimum res of m towards a routing. Each round opens
// the most-opened fractional shipment (its y fixed at 1) of the quarter
// of the fractional orders whose shipments are the most opened (ties: the
// earlier order), and solves again from the last basis (from scratch when
// the warm start stalls, past twice the first solve's iterations): an opened
// shipment pays its fixed cost whole, so the orders around it move their
// units to where they will really ship. Opening never makes the model
// infeasible (any unit may be left unfilled, an opened shipment may carry
// nothing, and a node's other options or shipments beyond the order's
// limit are then at 0, not fractional). The dive stops when no shipment
// is fractional, after s.Dive rounds, when a solve does not reach its
// optimum (the last optimum is kept) or when s.LP.TimeLimit, counted from
// start, has passed. r records the rounds and the iterations.
func (m *model) dive(ctx context.Context, res *lp.Result, s Settings, start time.Time, r *Relaxation) (*lp.Result, error) {
	// A warm start usually needs a few hundred iterations; one that needs
	// more than the first solve did has stalled, and the round is solved
	// again from scratch within the same budget.
	budget := max(1000, 2*res.Iterations)
	if s.LP.MaxIterations > 0 {
		budget = min(budget, s.LP.MaxIterations)
	}
	var open []opening
	for round := 0; round < s.Dive; round++ {
		open = m.fractional(res.X, open)
		if len(open) == 0 {
			break
		}
		slices.SortStableFunc(open, func(a, b opening) int { return cmp.Compare(b.value, a.value) })
		for _, op := range open[:max(1, len(open)/4)] {
			m.lp.SetVarBounds(int(op.col), 1, 1)
		}
		var next *lp.Result
		for _, warm := range []*lp.Basis{res.Basis, nil} {
			ls := s.LP
			ls.Start, ls.MaxIterations = warm, budget
			if s.LP.TimeLimit > 0 {
				ls.TimeLimit = s.LP.TimeLimit - time.Since(start)
				if ls.TimeLimit <= 0 {
					return res, nil
				}
			}
			var err error
			if next, err = lp.Solve(ctx, m.lp, ls); err != nil {
				return nil, fmt.Errorf("joint: dive: %w", err)
			}
			r.Iterations += next.Iterations
			if next.Status != lp.StatusIterationLimit || warm == nil {
				break
			}
			r.DiveRestarts++
		}
		if next.Status != lp.StatusOptimal {
			break
		}
		res = next
		r.DiveRounds++
	}
	return res, nil
}
