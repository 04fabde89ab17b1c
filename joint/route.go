package joint

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/omniroute/omniroute/solver"
)

// Batch is what Route decided for an instance.
type Batch struct {
	// Plans are per order of the instance, each over Problems[i].
	Plans []*solver.Plan
	// Problems are the orders' problems as the repair solved them: each
	// order's own, with Available and CapacityUnits cut to the stock and
	// capacity it could take.
	Problems []solver.Problem
	// Cost is the sum of the plans' TotalCost (shipping and lost sales).
	Cost float64
	// Relaxation is the linear programme's answer; nil when the model was
	// not built (ErrTooLarge).
	Relaxation *Relaxation
	// Optimized is true when the relaxation was solved and its shares
	// guided the repair; false when the orders were routed one after
	// another on the stock left (the model was too large or the LP stopped
	// at a limit). Bound and Gap are then 0.
	Optimized bool
	// Bound is the relaxation's optimum, a lower bound on Cost; Gap is
	// GapTo(Cost, Bound).
	Bound, Gap float64
}

// GapTo is how far cost is above bound, relative to the bound:
// (cost - bound) / bound, and 0 when the bound is not positive. It is the
// one rule for a batch's gap and a replay's gap_to_bound.
func GapTo(cost, bound float64) float64 {
	if bound <= 0 {
		return 0
	}
	return (cost - bound) / bound
}

// Route routes the instance's orders jointly: the relaxation (Solve, dived
// with s.Dive; of the dived values and the first optimum's, those whose
// repair costs less: Relaxation.Keep), its shares (Relaxation.Shares) and
// then the repair, order by order in
// instance order: the per-order solver (settings ss) plans each order on
// the stock and capacity left, less the shares of the orders still to
// come. An order's Available is also cut to its Supply (a (node, SKU) not
// listed has none). With s.Lagrange the Lagrangian master's values are
// one more candidate (Relaxation.KeepWith; Bound stays the relaxation's).
// When the model is too large or the LP stops at a limit, s.Lagrange,
// when set, routes the instance by the Lagrangian master's values instead
// (Lagrange.Route: the same repair, Bound the Lagrangian bound); without
// it the repair runs without shares (Batch.Optimized is false).
//
// The instance's problems are not modified.
func Route(ctx context.Context, inst *Instance, s Settings, ss solver.Settings) (*Batch, error) {
	b := &Batch{}
	rel, err := Solve(ctx, inst, s)
	switch {
	case errors.Is(err, ErrTooLarge):
	case err != nil:
		return nil, err
	default:
		b.Relaxation = rel
		b.Optimized = len(rel.Orders) == len(inst.Orders)
	}
	if !b.Optimized && s.Lagrange != nil {
		// Too large to model, or the LP stopped at a limit: the master
		// grows with the orders' plans, not with every option.
		lag, err := Lagrangian(ctx, inst, *s.Lagrange)
		if err != nil {
			return nil, err
		}
		return lag.Route(ctx, inst, ss)
	}
	if b.Optimized {
		// The shares of the dived values, of the first optimum's or (with
		// s.Lagrange) of the Lagrangian master's, whichever routes
		// cheaper (Relaxation.Keep, KeepWith).
		var lag *Lagrange
		if s.Lagrange != nil {
			if lag, err = Lagrangian(ctx, inst, *s.Lagrange); err != nil {
				if ctx.Err() != nil {
					return nil, err
				}
				lag = nil
			}
		}
		if b, err = rel.KeepWith(ctx, inst, lag, ss); err != nil {
			return nil, err
		}
	} else if err := b.repair(ctx, inst, ss); err != nil {
		return nil, err
	}
	if b.Optimized {
		b.Bound = rel.Bound
		b.Gap = GapTo(b.Cost, b.Bound)
	}
	return b, nil
}

// repair plans the orders one by one (see Route).
func (b *Batch) repair(ctx context.Context, inst *Instance, ss solver.Settings) error {
	supplyIdx := make(map[supplyKey]int, len(inst.Supply))
	for i := range inst.Supply {
		supplyIdx[supplyKey{inst.Supply[i].Node, inst.Supply[i].SKU}] = i
	}
	capIdx := make(map[capKey]int, len(inst.Capacity))
	for i, c := range inst.Capacity {
		capIdx[capKey{c.Node, c.Day}] = i
	}
	// load[si][e] is the units of supply si taken by the orders of its
	// epoch e: the plans made so far and the shares of the orders still to
	// come (see free).
	load := make([][]int64, len(inst.Supply))
	reach := make([][]int64, len(inst.Supply))
	for si := range inst.Supply {
		s := &inst.Supply[si]
		load[si] = make([]int64, len(s.Arrivals)+1)
		reach[si] = make([]int64, len(s.Arrivals)+1)
		for e := range reach[si] {
			reach[si][e] = s.reach(e)
		}
	}
	capUsed := make([]int64, len(inst.Capacity))
	capPending := make([]int64, len(inst.Capacity))
	shares := make([][]Share, len(inst.Orders))
	if b.Optimized {
		for o := range inst.Orders {
			shares[o] = b.Relaxation.Shares(inst, o)
			b.hold(inst, o, shares[o], supplyIdx, capIdx, load, capPending, 1)
		}
	}
	ws := solver.NewWorkspace()
	b.Plans = make([]*solver.Plan, len(inst.Orders))
	b.Problems = make([]solver.Problem, len(inst.Orders))
	for o := range inst.Orders {
		if err := ctx.Err(); err != nil {
			return err
		}
		b.hold(inst, o, shares[o], supplyIdx, capIdx, load, capPending, -1)
		ord := &inst.Orders[o]
		p := &b.Problems[o]
		clone(p, ord.Problem)
		L := len(p.Lines)
		for k := range p.Options {
			opt := &p.Options[k]
			for l := 0; l < L; l++ {
				i := p.At(k, l)
				si, ok := supplyIdx[supplyKey{opt.Node, p.Lines[l].SKU}]
				if !ok {
					p.Available[i] = 0
					continue
				}
				left := free(reach[si], load[si], inst.Supply[si].epoch(ord.At))
				p.Available[i] = int32(max(0, min(int64(p.Available[i]), left)))
			}
			if ci, ok := capIdx[capKey{opt.Node, ord.Day}]; ok {
				left := int32(max(0, inst.Capacity[ci].Units-capUsed[ci]-capPending[ci]))
				if opt.CapacityUnits < 0 || left < opt.CapacityUnits {
					opt.CapacityUnits = left
				}
			}
		}
		plan, err := ws.Solve(p, ss)
		if err != nil {
			return fmt.Errorf("joint: orders[%d]: %w", o, err)
		}
		plan = plan.Clone()
		b.Plans[o] = plan
		b.Cost += plan.TotalCost
		for _, sh := range plan.Shipments {
			node := p.Options[sh.Option].Node
			for _, a := range sh.Lines {
				if si, ok := supplyIdx[supplyKey{node, p.Lines[a.Line].SKU}]; ok {
					load[si][inst.Supply[si].epoch(ord.At)] += int64(a.Quantity)
				}
				if ci, ok := capIdx[capKey{node, ord.Day}]; ok {
					capUsed[ci] += int64(a.Quantity)
				}
			}
		}
	}
	return nil
}

// hold adds sign x order o's shares to the load of its epoch and to the
// pending capacity of its day.
func (b *Batch) hold(inst *Instance, o int, shares []Share, supplyIdx map[supplyKey]int, capIdx map[capKey]int, load [][]int64, capPending []int64, sign int64) {
	ord := &inst.Orders[o]
	day := ord.Day
	for _, sh := range shares {
		if si, ok := supplyIdx[supplyKey{sh.Node, sh.SKU}]; ok {
			load[si][inst.Supply[si].epoch(ord.At)] += sign * int64(sh.Units)
		}
		if ci, ok := capIdx[capKey{sh.Node, day}]; ok {
			capPending[ci] += sign * int64(sh.Units)
		}
	}
}

// free is what an order of epoch e may take of a supply whose reach by
// epoch is reach and whose load by epoch is load: the stock may not be
// overdrawn by the end of any epoch from e on, counting every order of
// that epoch or an earlier one (the model's stock rows). An order served
// before a later arrival does not take what a later order's share will
// draw from that arrival, nor what an earlier order's will.
func free(reach, load []int64, e int) int64 {
	var cum int64
	for _, l := range load[:e] {
		cum += l
	}
	best := int64(math.MaxInt64)
	for i := e; i < len(load); i++ {
		cum += load[i]
		best = min(best, reach[i]-cum)
	}
	return best
}

// clone makes dst a deep copy of src.
func clone(dst, src *solver.Problem) {
	*dst = *src
	dst.Lines = slices.Clone(src.Lines)
	dst.Options = slices.Clone(src.Options)
	dst.Available = slices.Clone(src.Available)
	dst.UnitCost = slices.Clone(src.UnitCost)
}
