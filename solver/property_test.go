package solver_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
)

// randomSmall builds a small random problem: up to 6 options, up to 4 lines,
// with random splits, capacities, weight limits and shipment limits. Weights
// are multiples of 0.5 so that weight sums are exact.
func randomSmall(r *rand.Rand) *solver.Problem { return randomProblem(r, 6, 4, 3) }

// randomProblem builds a random problem with up to maxOpts options, maxLines
// lines and maxQty units per line.
func randomProblem(r *rand.Rand, maxOpts, maxLines, maxQty int) *solver.Problem {
	L := 1 + r.IntN(maxLines)
	N := 1 + r.IntN(maxOpts)
	p := &solver.Problem{SplitLines: r.IntN(2) == 0, MaxShipments: r.IntN(4), SplitPenalty: float64(r.IntN(4))}
	if r.IntN(4) == 0 {
		p.PromiseMinutes = int32(60 + r.IntN(120))
	}
	for l := 0; l < L; l++ {
		p.Lines = append(p.Lines, solver.Line{SKU: fmt.Sprintf("S%d", l), Quantity: int32(1 + r.IntN(maxQty)), UnitWeightKg: 0.5 * float64(r.IntN(5))})
	}
	for o := 0; o < N; o++ {
		opt := solver.Option{Node: int32(r.IntN(N)), NodeID: fmt.Sprintf("n%d", o), Method: solver.Method(1 + r.IntN(4)),
			FixedCost: float64(r.IntN(20)) / 2, CapacityUnits: -1, ETAMinutes: int32(30 + r.IntN(200))}
		if r.IntN(3) == 0 {
			opt.CapacityUnits = int32(r.IntN(2 * maxQty))
		}
		if r.IntN(3) == 0 {
			opt.MaxWeightKg = 0.5 * float64(1+r.IntN(10))
		}
		if r.IntN(10) == 0 {
			opt.Excluded = solver.ReasonOutsideZone
		}
		p.Options = append(p.Options, opt)
		for l := 0; l < L; l++ {
			a := int32(0)
			if r.IntN(3) > 0 {
				a = int32(r.IntN(maxQty + 2))
			}
			p.Available = append(p.Available, a)
			p.UnitCost = append(p.UnitCost, float64(r.IntN(12))/4)
		}
	}
	return p
}

// brute enumerates every allocation of the given lines, each filled whole,
// and returns the cheapest plan's cost, or false when none exists.
func brute(p *solver.Problem, lines []int) (float64, bool) { return bruteLost(p, lines, false, -1, 0) }

// bruteLost is brute where, with lost, a line with a lost-sale price other
// than forced may be left unfilled (in part with split lines, whole
// without): each unfilled unit costs its price, and perOrder is charged
// once when any unit is.
func bruteLost(p *solver.Problem, lines []int, lost bool, forced int, perOrder float64) (float64, bool) {
	N, L := len(p.Options), len(p.Lines)
	usable := make([]bool, N)
	for o, opt := range p.Options {
		usable[o] = opt.Excluded == solver.ReasonNone && (p.PromiseMinutes == 0 || opt.ETAMinutes <= p.PromiseMinutes)
	}
	if len(lines) == 0 {
		return 0, true
	}
	x := make([]int32, N*L)
	units := make([]int32, N)
	weight := make([]float64, N)
	unfilled := make([]int32, len(lines))
	best, found := math.Inf(1), false
	var rec func(li int, o int, rem int32)
	rec = func(li, o int, rem int32) {
		if li == len(lines) {
			// Leaf: check the set.
			cost, n := 0.0, 0
			seen := map[int32]bool{}
			for o := 0; o < N; o++ {
				if units[o] == 0 {
					continue
				}
				if seen[p.Options[o].Node] {
					return
				}
				seen[p.Options[o].Node] = true
				n++
				cost += p.Options[o].FixedCost
				for l := 0; l < L; l++ {
					cost += float64(x[o*L+l]) * p.UnitCost[o*L+l]
				}
			}
			if p.MaxShipments > 0 && n > p.MaxShipments {
				return
			}
			cost += p.SplitPenalty * float64(max(n-1, 0))
			anyLost := false
			for k, u := range unfilled {
				if u > 0 {
					cost += float64(u) * p.Lines[lines[k]].LostSaleCost
					anyLost = true
				}
			}
			if anyLost {
				cost += perOrder
			}
			if cost < best {
				best, found = cost, true
			}
			return
		}
		l := lines[li]
		if o == N {
			priced := lost && l != forced && p.Lines[l].LostSaleCost > 0
			if rem == 0 || (priced && (p.SplitLines || rem == p.Lines[l].Quantity)) {
				unfilled[li] = rem
				next := int32(0)
				if li+1 < len(lines) {
					next = p.Lines[lines[li+1]].Quantity
				}
				rec(li+1, 0, next)
				unfilled[li] = 0
			}
			return
		}
		maxT := rem
		if !usable[o] {
			maxT = 0
		}
		if a := p.Available[o*L+l]; a < maxT {
			maxT = a
		}
		opt := p.Options[o]
		for t := int32(0); t <= maxT; t++ {
			if !p.SplitLines && t != 0 && t != p.Lines[l].Quantity {
				continue
			}
			if t > 0 {
				if opt.CapacityUnits >= 0 && units[o]+t > opt.CapacityUnits {
					break
				}
				if opt.MaxWeightKg > 0 && weight[o]+float64(t)*p.Lines[l].UnitWeightKg > opt.MaxWeightKg+1e-9 {
					break
				}
			}
			x[o*L+l] = t
			units[o] += t
			weight[o] += float64(t) * p.Lines[l].UnitWeightKg
			rec(li, o+1, rem-t)
			x[o*L+l] = 0
			units[o] -= t
			weight[o] -= float64(t) * p.Lines[l].UnitWeightKg
		}
	}
	rec(0, 0, p.Lines[lines[0]].Quantity)
	return best, found
}

// bruteRule applies the documented unfilled-line rule by brute force and
// returns the planned lines and the optimum (total cost, lost sales
// included).
func bruteRule(p *solver.Problem) ([]int, float64) {
	planned, sunk, perOrder := brutePlanned(p)
	c, _ := bruteLost(p, planned, true, -1, perOrder)
	return planned, c + sunk
}

// brutePlanned applies the rule that decides the planned lines by brute
// force: a line is planned when it can be filled on its own, or when it is
// short (bruteShort); when the
// planned lines admit no plan together (lines with a price may always be
// left unfilled), they are admitted one at a time in line order (a line
// with a price always fits). It returns the planned lines, the lost-sale cost of the others
// (with the per-order cost when there are any) and the per-order cost left
// for the search to charge.
func brutePlanned(p *solver.Problem) (planned []int, sunk, perOrder float64) {
	for l := range p.Lines {
		if _, ok := brute(p, []int{l}); ok || bruteShort(p, l) {
			planned = append(planned, l)
		}
	}
	if _, ok := bruteLost(p, planned, true, -1, 0); !ok {
		var acc []int
		for _, l := range planned {
			next := append(append([]int{}, acc...), l)
			if _, ok := bruteLost(p, next, true, -1, 0); ok {
				acc = next
			}
		}
		planned = acc
	}
	perOrder = p.LostSaleCostPerOrder
	in := map[int]bool{}
	for _, l := range planned {
		in[l] = true
	}
	out := false
	for l, ln := range p.Lines {
		if !in[l] {
			sunk += float64(ln.Quantity) * ln.LostSaleCost
			out = true
		}
	}
	if out {
		sunk += perOrder
		perOrder = 0
	}
	return planned, sunk, perOrder
}

// bruteShort reports whether line l is short: it has a lost-sale price and
// split lines, no plan fills it whole on its own, and one fills one unit of
// it.
func bruteShort(p *solver.Problem, l int) bool {
	if !p.SplitLines || p.Lines[l].LostSaleCost <= 0 {
		return false
	}
	if _, ok := brute(p, []int{l}); ok {
		return false
	}
	one := *p
	one.Lines = append([]solver.Line{}, p.Lines...)
	one.Lines[l].Quantity = 1
	_, ok := brute(&one, []int{l})
	return ok
}

// checkPlan asserts every invariant of a plan against its problem.
func checkPlan(t *testing.T, p *solver.Problem, pl *solver.Plan) {
	t.Helper()
	L := len(p.Lines)
	covered := make([]int32, L)
	nodes := map[int32]bool{}
	excluded := map[int]bool{}
	for _, e := range pl.Excluded {
		require.False(t, excluded[e.Option], "option %d excluded twice", e.Option)
		excluded[e.Option] = true
	}
	for i := 1; i < len(pl.Excluded); i++ {
		require.Greater(t, pl.Excluded[i].Option, pl.Excluded[i-1].Option, "exclusions out of order")
	}
	total := 0.0
	for si, s := range pl.Shipments {
		opt := p.Options[s.Option]
		require.False(t, excluded[s.Option], "shipment uses excluded option %d", s.Option)
		require.Equal(t, solver.ReasonNone, opt.Excluded, "shipment uses ineligible option %d", s.Option)
		if p.PromiseMinutes > 0 && opt.ETAMinutes > p.PromiseMinutes {
			t.Fatalf("shipment uses ineligible option %d", s.Option)
		}
		require.False(t, nodes[opt.Node], "two shipments from node %d", opt.Node)
		nodes[opt.Node] = true
		var units int32
		var weight, uc float64
		for _, a := range s.Lines {
			require.Greater(t, a.Quantity, int32(0), "shipment %d line %d quantity %d breaks ATP", si, a.Line, a.Quantity)
			require.LessOrEqual(t, a.Quantity, p.Available[p.At(s.Option, a.Line)], "shipment %d line %d quantity %d breaks ATP", si, a.Line, a.Quantity)
			if !p.SplitLines && a.Quantity != p.Lines[a.Line].Quantity {
				t.Fatalf("line %d split without split lines", a.Line)
			}
			units += a.Quantity
			weight += float64(a.Quantity) * p.Lines[a.Line].UnitWeightKg
			uc += float64(a.Quantity) * p.UnitCost[p.At(s.Option, a.Line)]
			covered[a.Line] += a.Quantity
		}
		if opt.CapacityUnits >= 0 && units > opt.CapacityUnits {
			t.Fatalf("shipment %d over capacity", si)
		}
		if opt.MaxWeightKg > 0 && weight > opt.MaxWeightKg+1e-9 {
			t.Fatalf("shipment %d overweight", si)
		}
		require.LessOrEqual(t, math.Abs(uc-s.UnitsCost), 1e-9, "shipment %d costs wrong", si)
		require.Equal(t, opt.FixedCost, s.FixedCost, "shipment %d costs wrong", si)
		wantPen := 0.0
		if si > 0 {
			wantPen = p.SplitPenalty
		}
		require.Equal(t, wantPen, s.Penalty, "shipment %d penalty/cost wrong", si)
		require.Equal(t, s.FixedCost+s.UnitsCost+s.Penalty, s.Cost, "shipment %d penalty/cost wrong", si)
		total += s.Cost
	}
	require.Equal(t, pl.ShippingCost, total, "shipping cost %v != sum of shipments %v", pl.ShippingCost, total)
	if p.MaxShipments > 0 && len(pl.Shipments) > p.MaxShipments {
		t.Fatalf("%d shipments > max %d", len(pl.Shipments), p.MaxShipments)
	}
	unfilled := map[int]int32{}
	lost := 0.0
	for k, u := range pl.Unfilled {
		ln := p.Lines[u.Line]
		if k > 0 && u.Line <= pl.Unfilled[k-1].Line {
			// A line twice: a short line's units no plan could ship,
			// then those left by choice.
			prev := pl.Unfilled[k-1]
			if u.Line != prev.Line || u.Reason != solver.ReasonUneconomic || prev.Reason == solver.ReasonUneconomic {
				t.Fatalf("unfilled lines out of order: %+v", pl.Unfilled)
			}
		}
		require.Greater(t, u.Quantity, int32(0), "unfilled %+v: quantity out of range", u)
		require.LessOrEqual(t, u.Quantity, ln.Quantity, "unfilled %+v: quantity out of range", u)
		if u.Quantity < ln.Quantity && (!p.SplitLines || ln.LostSaleCost == 0) {
			t.Fatalf("unfilled %+v: part of a line that may not be split or has no price", u)
		}
		if u.Reason == solver.ReasonUneconomic && ln.LostSaleCost == 0 {
			t.Fatalf("unfilled %+v: uneconomic without a price", u)
		}
		require.Equal(t, float64(u.Quantity)*ln.LostSaleCost, u.LostSaleCost, "unfilled %+v: lost-sale cost, want %v", u, float64(u.Quantity)*ln.LostSaleCost)
		require.GreaterOrEqual(t, u.CostSaved, float64(0), "unfilled %+v: cost saved", u)
		if u.CostSaved != 0 && u.Reason != solver.ReasonUneconomic {
			t.Fatalf("unfilled %+v: cost saved", u)
		}
		unfilled[u.Line] += u.Quantity
		lost += u.LostSaleCost
	}
	if len(pl.Unfilled) > 0 {
		lost += p.LostSaleCostPerOrder
	}
	require.Equal(t, lost, pl.LostSaleCost, "lost-sale cost %v (want %v), total %v != %v + %v", pl.LostSaleCost, lost, pl.TotalCost, pl.ShippingCost, pl.LostSaleCost)
	require.Equal(t, pl.ShippingCost+pl.LostSaleCost, pl.TotalCost, "lost-sale cost %v (want %v), total %v != %v + %v", pl.LostSaleCost, lost, pl.TotalCost, pl.ShippingCost, pl.LostSaleCost)
	for l := range p.Lines {
		require.Equal(t, p.Lines[l].Quantity-unfilled[l], covered[l], "line %d covered %d", l, covered[l])
	}
	for _, a := range pl.Alternatives {
		require.GreaterOrEqual(t, a.TotalCost, pl.TotalCost-1e-9*math.Max(1, pl.TotalCost), "alternative cheaper than the plan: %v < %v", a.TotalCost, pl.TotalCost)
	}
}

func TestSolveMatchesBruteForce(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	r := rand.New(rand.NewPCG(1, 2))
	w := solver.NewWorkspace()
	for it := 0; it < n; it++ {
		p := randomSmall(r)
		pl, err := w.Solve(p, solver.Settings{})
		require.NoError(t, err, "case %d", it)
		checkPlan(t, p, pl)
		planned, want := bruteRule(p)
		require.True(t, samePlanned(planned, pl, len(p.Lines)), "case %d: planned %v, unfilled %+v\nproblem %+v\nplan %+v", it, planned, pl.Unfilled, p, pl)
		require.LessOrEqual(t, math.Abs(pl.TotalCost-want), 1e-9*math.Max(1, want), "case %d: cost %v, brute force %v\nproblem %+v\nplan %+v", it, pl.TotalCost, want, p, pl)
		require.True(t, pl.Stats.Optimal, "case %d: not proven optimal: %+v", it, pl.Stats)
		require.True(t, pl.Stats.Exact, "case %d: not proven optimal: %+v", it, pl.Stats)
	}
}

// TestBestPlanIgnoresAlternatives: when the solver proves its plan
// optimal, the plan (shipments, allocations, costs, unfilled lines) does
// not depend on how many alternatives it ranks: ties are settled by the
// rule, not by search order. Options relies on it to solve each offer
// without alternatives and still give the plan Route gives.
func TestBestPlanIgnoresAlternatives(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	n := 1500
	if testing.Short() {
		n = 300
	}
	var ps []*solver.Problem
	for i := range n {
		switch i % 3 {
		case 0:
			ps = append(ps, randomSmall(r)) // costs in quarters: many exact ties
		case 1:
			ps = append(ps, randomProblem(r, 40, 6, 5))
		default:
			ps = append(ps, networkLike(r, 30+r.IntN(300), 1+r.IntN(4), 0.3))
		}
	}
	none, ranked := solver.NewWorkspace(), solver.NewWorkspace()
	compared := 0
	for i, p := range ps {
		a, err := none.Solve(p, solver.Settings{Alternatives: -1})
		require.NoError(t, err, "problem %d", i)
		for _, alts := range []int{3, 10} {
			b, err := ranked.Solve(p, solver.Settings{Alternatives: alts})
			require.NoError(t, err, "problem %d", i)
			if !a.Stats.Optimal || !b.Stats.Optimal {
				continue
			}
			require.Equal(t, fmt.Sprint(b.Shipments, b.TotalCost, b.Unfilled), fmt.Sprint(a.Shipments, a.TotalCost, a.Unfilled), "problem %d: without alternatives %v %v %v\nwith %d: %v %v %v", i, a.Shipments, a.TotalCost, a.Unfilled, alts, b.Shipments, b.TotalCost, b.Unfilled)
			compared++
		}
	}
	require.GreaterOrEqual(t, compared, len(ps), "only %d comparisons of proven plans", compared)
	t.Logf("%d problems, %d comparisons", len(ps), compared)
}
