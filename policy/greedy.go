package policy

import (
	"cmp"
	"slices"

	"github.com/omniroute/omniroute/solver"
)

// rule is what sets one greedy policy apart: how it ranks two options, and
// whether a split adds the option covering the most units (instead of the
// first in rank order that helps).
type rule interface {
	compare(a, b *solver.Option) int
	mostUnits() bool
}

// greedy implements the rule-based policies. All of them respect the same
// constraints as the solver (eligibility set by the builder, stock,
// capacity, weight, promise, one option per node, shipment limit, line
// splitting) and price their plan with the problem's own costs.
type greedy struct {
	name string
	rule rule

	order   []int // usable options; best first once sorted
	sorted  bool
	planned []bool // lines the plan must cover
	carry   []nodeCarry
	rem     []int32 // units still to source per line
	used    []int32 // nodes already shipping
	allocs  []solver.Allocation
	plan    solver.Plan
}

var _ Policy = (*greedy)(nil)

// Name implements Policy.
func (g *greedy) Name() string { return g.name }

// Usable reports whether option o of p may take part in a plan at all:
// not excluded, with capacity left, and on time for the promise (Why is
// ReasonNone). It is the one rule every policy chooses by.
func Usable(p *solver.Problem, o int) bool { return Why(p, o) == solver.ReasonNone }

// takeable returns how many of want units of line l option o can add to a
// shipment that already carries units and weight kg (solver.Problem.Carry),
// or 0 when the line must go whole and not all of want fits.
func takeable(p *solver.Problem, o, l int, want, units int32, kg float64) int32 {
	t := int32(p.Carry(o, l, int64(want), int64(units), kg))
	if !p.SplitLines && t < want {
		return 0
	}
	return t
}

// fill computes what option o would ship of the remaining units; with
// commit it appends the shipment to the plan and updates rem.
func (g *greedy) fill(p *solver.Problem, o int, commit bool) int32 {
	var units int32
	var kg float64
	start := len(g.allocs)
	for l := range p.Lines {
		if g.rem[l] == 0 {
			continue
		}
		t := takeable(p, o, l, g.rem[l], units, kg)
		if t == 0 {
			continue
		}
		units += t
		kg += float64(t) * p.Lines[l].UnitWeightKg
		if commit {
			g.allocs = append(g.allocs, solver.Allocation{Line: l, Quantity: t})
		}
	}
	if !commit || units == 0 {
		return units
	}
	s := solver.Shipment{Option: o, FixedCost: p.Options[o].FixedCost, ETAMinutes: p.Options[o].ETAMinutes}
	s.Lines = g.allocs[start:len(g.allocs):len(g.allocs)]
	for _, a := range s.Lines {
		s.UnitsCost += float64(a.Quantity) * p.UnitCost[p.At(o, a.Line)]
		g.rem[a.Line] -= a.Quantity
	}
	if len(g.plan.Shipments) > 0 {
		s.Penalty = p.SplitPenalty
	}
	s.Cost = s.FixedCost + s.UnitsCost + s.Penalty
	g.plan.Shipments = append(g.plan.Shipments, s)
	g.plan.TotalCost += s.Cost
	g.used = append(g.used, p.Options[o].Node)
	return units
}

func (g *greedy) nodeUsed(n int32) bool {
	for _, u := range g.used {
		if u == n {
			return true
		}
	}
	return false
}

func (g *greedy) remaining() int32 {
	var n int32
	for _, r := range g.rem {
		n += r
	}
	return n
}

// Choose implements Policy. Settings are not used. Like the solver, it plans a line only when it
// can be covered whole (see plannable) and never ships part of a line.
// Among the planned lines it takes a whole-order shipment from the
// best-ranked option that can carry it; otherwise (when splitting is
// allowed) options in rank order (nearest, priority) or by most units
// covered (fewest-splits) until the lines are covered or the shipment limit
// is reached. A line the greedy choice cannot finish is dropped and the
// choice made again without it.
func (g *greedy) Choose(p *solver.Problem, _ solver.Settings) (*solver.Plan, error) {
	g.order = g.order[:0]
	for o := range p.Options {
		if Usable(p, o) {
			g.order = append(g.order, o)
		}
	}
	g.sorted = false
	g.planned = g.plannable(p, g.planned[:0])
	for {
		g.run(p)
		drop := -1
		for l, r := range g.rem {
			if r > 0 {
				drop = l
				break
			}
		}
		if drop < 0 {
			break
		}
		g.planned[drop] = false
	}
	g.plan.Stats = solver.Stats{Candidates: len(p.Options), Eligible: len(g.order)}
	g.rem = g.rem[:0] // now the units each line leaves unfilled
	for l, ln := range p.Lines {
		q := int32(0)
		if !g.planned[l] {
			q = ln.Quantity
			why := solver.ReasonNoStock
			if ln.UnknownSKU {
				why = solver.ReasonUnknownSKU
			}
			g.plan.Unfilled = append(g.plan.Unfilled, solver.Unfilled{Line: l, Quantity: q, Reason: why,
				LostSaleCost: float64(q) * ln.LostSaleCost})
		}
		g.rem = append(g.rem, q)
	}
	// The rules fill what they can and never weigh lost sales; what they
	// leave unfilled is priced as the solver prices it.
	g.plan.ShippingCost = g.plan.TotalCost
	g.plan.LostSaleCost = p.LostSaleCostOf(g.rem)
	g.plan.TotalCost = g.plan.ShippingCost + g.plan.LostSaleCost
	g.explain(p)
	return &g.plan, nil
}

// run makes the greedy choice for the planned lines; g.rem holds what it
// could not cover.
func (g *greedy) run(p *solver.Problem) {
	g.plan.Shipments = g.plan.Shipments[:0]
	g.plan.Unfilled = g.plan.Unfilled[:0]
	g.plan.Excluded = g.plan.Excluded[:0]
	g.plan.Alternatives = g.plan.Alternatives[:0]
	g.plan.TotalCost = 0
	g.allocs = g.allocs[:0]
	g.used = g.used[:0]
	g.rem = g.rem[:0]
	var total int32
	for l, ln := range p.Lines {
		q := ln.Quantity
		if !g.planned[l] {
			q = 0
		}
		g.rem = append(g.rem, q)
		total += q
	}
	if total == 0 {
		return
	}
	// A single shipment that carries every planned line: the best-ranked
	// option that can, found by one scan.
	best := -1
	for _, o := range g.order {
		if (best < 0 || g.cmp(p, o, best) < 0) && g.fill(p, o, false) == total {
			best = o
		}
	}
	if best >= 0 {
		g.fill(p, best, true)
		return
	}
	if !g.sorted {
		g.sort(p)
		g.sorted = true
	}
	maxShip := p.MaxShipments
	if maxShip <= 0 {
		maxShip = len(p.Options)
	}
	for len(g.plan.Shipments) < maxShip && g.remaining() > 0 {
		best, bestUnits := -1, int32(0)
		for _, o := range g.order {
			if g.nodeUsed(p.Options[o].Node) {
				continue
			}
			u := g.fill(p, o, false)
			if u > bestUnits {
				best, bestUnits = o, u
				if !g.rule.mostUnits() {
					break // rank order: the first option that helps
				}
			}
		}
		if best < 0 {
			break
		}
		g.fill(p, best, true)
	}
}

// plannable marks the lines the solver would plan: with split lines, the
// best carry of the best MaxShipments nodes reaches the quantity; without,
// one usable option carries it all.
func (g *greedy) plannable(p *solver.Problem, out []bool) []bool {
	for l := range p.Lines {
		q := p.Lines[l].Quantity
		g.carry = g.carry[:0]
		ok := false
		for _, o := range g.order {
			c := takeableAlone(p, o, l)
			if !p.SplitLines {
				if c >= q {
					ok = true
					break
				}
				continue
			}
			// The builder lists a node's options next to each other; a node
			// seen apart twice is only counted twice, which the greedy choice
			// corrects by dropping a line it cannot finish.
			n := p.Options[o].Node
			if k := len(g.carry) - 1; k >= 0 && g.carry[k].node == n {
				g.carry[k].units = max(g.carry[k].units, c)
			} else if c > 0 {
				g.carry = append(g.carry, nodeCarry{n, c})
			}
		}
		if p.SplitLines {
			slices.SortFunc(g.carry, func(a, b nodeCarry) int { return int(b.units) - int(a.units) })
			k := len(g.carry)
			if p.MaxShipments > 0 {
				k = min(k, p.MaxShipments)
			}
			var sum int64
			for _, c := range g.carry[:k] {
				sum += int64(c.units)
			}
			ok = sum >= int64(q)
		}
		out = append(out, ok)
	}
	return out
}

type nodeCarry struct {
	node  int32
	units int32
}

// takeableAlone is what option o could carry of line l on its own
// (solver.Problem.Carry).
func takeableAlone(p *solver.Problem, o, l int) int32 {
	return int32(p.Carry(o, l, solver.NoLimit, 0, 0))
}

// sort orders the usable options by the policy's rank.
func (g *greedy) sort(p *solver.Problem) {
	slices.SortFunc(g.order, func(i, j int) int { return g.cmp(p, i, j) })
}

// cmp ranks options i and j: by the rule, then fixed cost, then index.
func (g *greedy) cmp(p *solver.Problem, i, j int) int {
	a, b := &p.Options[i], &p.Options[j]
	if c := g.rule.compare(a, b); c != 0 {
		return c
	}
	if c := cmp.Compare(a.FixedCost, b.FixedCost); c != 0 {
		return c
	}
	return cmp.Compare(i, j)
}

// explain lists in the plan every option it could not use, with why: the
// Builder's reason, no capacity, a missed promise, or no stock of any
// line (as the solver lists them).
func (g *greedy) explain(p *solver.Problem) {
	g.plan.Excluded = g.plan.Excluded[:0]
	for o := range p.Options {
		r := Why(p, o)
		if r == solver.ReasonNone {
			if stocked(p, o) {
				continue
			}
			r = solver.ReasonNoStock
		}
		g.plan.Excluded = append(g.plan.Excluded, solver.Exclusion{Option: o, Reason: r})
	}
}

// Why is why option o of p is not Usable (ReasonNone when it is): the
// solver's own rule, solver.Problem.ExclusionReason, so that a policy, a
// replay and the solver give one option the same reason.
func Why(p *solver.Problem, o int) solver.Reason { return p.ExclusionReason(o) }

// stocked reports whether option o holds stock of some line.
func stocked(p *solver.Problem, o int) bool {
	for _, a := range p.Available[o*len(p.Lines) : (o+1)*len(p.Lines)] {
		if a > 0 {
			return true
		}
	}
	return false
}
