package solver

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// randomSmall builds a small random problem: up to 6 options, up to 4 lines,
// with random splits, capacities, weight limits and shipment limits. Weights
// are multiples of 0.5 so that weight sums are exact.
func randomSmall(r *rand.Rand) *Problem { return randomProblem(r, 6, 4, 3) }

// randomProblem builds a random problem with up to maxOpts options, maxLines
// lines and maxQty units per line.
func randomProblem(r *rand.Rand, maxOpts, maxLines, maxQty int) *Problem {
	L := 1 + r.IntN(maxLines)
	N := 1 + r.IntN(maxOpts)
	p := &Problem{SplitLines: r.IntN(2) == 0, MaxShipments: r.IntN(4), SplitPenalty: float64(r.IntN(4))}
	if r.IntN(4) == 0 {
		p.PromiseMinutes = int32(60 + r.IntN(120))
	}
	for l := 0; l < L; l++ {
		p.Lines = append(p.Lines, Line{SKU: fmt.Sprintf("S%d", l), Quantity: int32(1 + r.IntN(maxQty)), UnitWeightKg: 0.5 * float64(r.IntN(5))})
	}
	for o := 0; o < N; o++ {
		opt := Option{Node: int32(r.IntN(N)), NodeID: fmt.Sprintf("n%d", o), Method: Method(1 + r.IntN(4)),
			FixedCost: float64(r.IntN(20)) / 2, CapacityUnits: -1, ETAMinutes: int32(30 + r.IntN(200))}
		if r.IntN(3) == 0 {
			opt.CapacityUnits = int32(r.IntN(2 * maxQty))
		}
		if r.IntN(3) == 0 {
			opt.MaxWeightKg = 0.5 * float64(1+r.IntN(10))
		}
		if r.IntN(10) == 0 {
			opt.Excluded = ReasonOutsideZone
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

// brute enumerates every allocation of the given lines and returns the
// cheapest plan's cost, or false when none exists.
func brute(p *Problem, lines []int) (float64, bool) {
	N, L := len(p.Options), len(p.Lines)
	usable := make([]bool, N)
	for o, opt := range p.Options {
		usable[o] = opt.Excluded == ReasonNone && (p.PromiseMinutes == 0 || opt.ETAMinutes <= p.PromiseMinutes)
	}
	if len(lines) == 0 {
		return 0, true
	}
	x := make([]int32, N*L)
	units := make([]int32, N)
	weight := make([]float64, N)
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
			cost += p.SplitPenalty * float64(n-1)
			if cost < best {
				best, found = cost, true
			}
			return
		}
		l := lines[li]
		if o == N {
			if rem == 0 {
				next := int32(0)
				if li+1 < len(lines) {
					next = p.Lines[lines[li+1]].Quantity
				}
				rec(li+1, 0, next)
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
// returns the planned lines and the optimum.
func bruteRule(p *Problem) ([]int, float64) {
	var planned []int
	for l := range p.Lines {
		if _, ok := brute(p, []int{l}); ok {
			planned = append(planned, l)
		}
	}
	if c, ok := brute(p, planned); ok {
		return planned, c
	}
	var acc []int
	for _, l := range planned {
		if _, ok := brute(p, append(append([]int{}, acc...), l)); ok {
			acc = append(acc, l)
		}
	}
	c, _ := brute(p, acc)
	return acc, c
}

// checkPlan asserts every invariant of a plan against its problem.
func checkPlan(t *testing.T, p *Problem, pl *Plan) {
	t.Helper()
	L := len(p.Lines)
	covered := make([]int32, L)
	nodes := map[int32]bool{}
	excluded := map[int]bool{}
	for _, e := range pl.Excluded {
		if excluded[e.Option] {
			t.Fatalf("option %d excluded twice", e.Option)
		}
		excluded[e.Option] = true
	}
	for i := 1; i < len(pl.Excluded); i++ {
		if pl.Excluded[i].Option <= pl.Excluded[i-1].Option {
			t.Fatalf("exclusions out of order")
		}
	}
	total := 0.0
	for si, s := range pl.Shipments {
		opt := p.Options[s.Option]
		if excluded[s.Option] {
			t.Fatalf("shipment uses excluded option %d", s.Option)
		}
		if opt.Excluded != ReasonNone || (p.PromiseMinutes > 0 && opt.ETAMinutes > p.PromiseMinutes) {
			t.Fatalf("shipment uses ineligible option %d", s.Option)
		}
		if nodes[opt.Node] {
			t.Fatalf("two shipments from node %d", opt.Node)
		}
		nodes[opt.Node] = true
		var units int32
		var weight, uc float64
		for _, a := range s.Lines {
			if a.Quantity <= 0 || a.Quantity > p.Available[p.At(s.Option, a.Line)] {
				t.Fatalf("shipment %d line %d quantity %d breaks ATP", si, a.Line, a.Quantity)
			}
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
		if math.Abs(uc-s.UnitsCost) > 1e-9 || s.FixedCost != opt.FixedCost {
			t.Fatalf("shipment %d costs wrong", si)
		}
		wantPen := 0.0
		if si > 0 {
			wantPen = p.SplitPenalty
		}
		if s.Penalty != wantPen || s.Cost != s.FixedCost+s.UnitsCost+s.Penalty {
			t.Fatalf("shipment %d penalty/cost wrong", si)
		}
		total += s.Cost
	}
	if total != pl.TotalCost {
		t.Fatalf("total %v != sum of shipments %v", pl.TotalCost, total)
	}
	if p.MaxShipments > 0 && len(pl.Shipments) > p.MaxShipments {
		t.Fatalf("%d shipments > max %d", len(pl.Shipments), p.MaxShipments)
	}
	unfilled := map[int]bool{}
	for _, u := range pl.Unfilled {
		unfilled[u.Line] = true
	}
	for l := range p.Lines {
		want := p.Lines[l].Quantity
		if unfilled[l] {
			want = 0
		}
		if covered[l] != want {
			t.Fatalf("line %d covered %d, want %d", l, covered[l], want)
		}
	}
	for _, a := range pl.Alternatives {
		if a.TotalCost < pl.TotalCost-1e-9*math.Max(1, pl.TotalCost) {
			t.Fatalf("alternative cheaper than the plan: %v < %v", a.TotalCost, pl.TotalCost)
		}
	}
}

func TestSolveMatchesBruteForce(t *testing.T) {
	n := 3000
	if testing.Short() {
		n = 300
	}
	r := rand.New(rand.NewPCG(1, 2))
	w := NewWorkspace()
	for it := 0; it < n; it++ {
		p := randomSmall(r)
		pl, err := w.Solve(p, Settings{})
		if err != nil {
			t.Fatalf("case %d: %v", it, err)
		}
		checkPlan(t, p, pl)
		planned, want := bruteRule(p)
		if !samePlanned(planned, pl, len(p.Lines)) {
			t.Fatalf("case %d: planned %v, unfilled %+v\nproblem %+v\nplan %+v", it, planned, pl.Unfilled, p, pl)
		}
		if math.Abs(pl.TotalCost-want) > 1e-9*math.Max(1, want) {
			t.Fatalf("case %d: cost %v, brute force %v\nproblem %+v\nplan %+v", it, pl.TotalCost, want, p, pl)
		}
		if !pl.Stats.Optimal || !pl.Stats.Exact {
			t.Fatalf("case %d: not proven optimal: %+v", it, pl.Stats)
		}
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
	var ps []*Problem
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
	none, ranked := NewWorkspace(), NewWorkspace()
	compared := 0
	for i, p := range ps {
		a, err := none.Solve(p, Settings{Alternatives: -1})
		if err != nil {
			t.Fatalf("problem %d: %v", i, err)
		}
		for _, alts := range []int{3, 10} {
			b, err := ranked.Solve(p, Settings{Alternatives: alts})
			if err != nil {
				t.Fatalf("problem %d: %v", i, err)
			}
			if !a.Stats.Optimal || !b.Stats.Optimal {
				continue
			}
			if fmt.Sprint(a.Shipments, a.TotalCost, a.Unfilled) != fmt.Sprint(b.Shipments, b.TotalCost, b.Unfilled) {
				t.Fatalf("problem %d: without alternatives %v %v %v\nwith %d: %v %v %v", i,
					a.Shipments, a.TotalCost, a.Unfilled, alts, b.Shipments, b.TotalCost, b.Unfilled)
			}
			compared++
		}
	}
	if compared < len(ps) {
		t.Fatalf("only %d comparisons of proven plans", compared)
	}
	t.Logf("%d problems, %d comparisons", len(ps), compared)
}
