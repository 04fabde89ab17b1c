package joint

import (
	"context"
	"fmt"
	"math"

	"github.com/omniroute/omniroute/lp"
)

// Settings tune Solve and Route.
type Settings struct {
	// LP bounds the work of the linear programme.
	LP lp.Settings
	// MaxVars stops the build of a model with more columns than this
	// (ErrTooLarge); 0 means no limit.
	MaxVars int
}

// Relaxation is the optimum of an instance's linear programme.
type Relaxation struct {
	// Status is the LP's; the figures below are meaningful only when it is
	// lp.StatusOptimal.
	Status lp.Status
	// Bound is the optimal objective: no way of routing the orders on the
	// instance's stock and capacity costs less (shipping plus lost sales).
	Bound float64
	// Vars, Rows and Nonzeros are the model's size; Iterations the LP's.
	Vars, Rows, Nonzeros, Iterations int
	// Orders are the relaxation's values, per order of the instance.
	Orders []OrderValues
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
	res, err := lp.Solve(ctx, m.lp, s.LP)
	if err != nil {
		return nil, fmt.Errorf("joint: solve: %w", err)
	}
	r := &Relaxation{
		Status: res.Status, Vars: m.lp.NumVars(), Rows: m.lp.NumRows(), Nonzeros: m.lp.NumNonzeros(),
		Iterations: res.Iterations,
	}
	if res.Status != lp.StatusOptimal {
		return r, nil
	}
	r.Bound = res.Objective
	val := func(j int32) float64 {
		if j < 0 {
			return 0
		}
		return math.Max(0, res.X[j])
	}
	r.Orders = make([]OrderValues, len(inst.Orders))
	for o := range inst.Orders {
		oc := &m.orders[o]
		ov := &r.Orders[o]
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
	return r, nil
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
