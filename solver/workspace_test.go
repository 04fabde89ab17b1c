package solver_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/solver/solvertest"
)

func TestExclusionsAndUnfilled(t *testing.T) {
	p := &solver.Problem{
		Lines: []solver.Line{{SKU: "A", Quantity: 2, UnitWeightKg: 1}, {SKU: "B", Quantity: 1, UnitWeightKg: 8}, {SKU: "GHOST", Quantity: 1}},
		Options: []solver.Option{
			{Node: 0, Method: solver.ShipFromStore, FixedCost: 9, CapacityUnits: -1, ETAMinutes: 100},
			{Node: 1, Method: solver.Courier, FixedCost: 4, CapacityUnits: -1, ETAMinutes: 40, Excluded: solver.ReasonOutsideZone},
			{Node: 2, Method: solver.ShipFromStore, FixedCost: 9, CapacityUnits: -1, ETAMinutes: 5000},
			{Node: 3, Method: solver.ShipFromStore, FixedCost: 9, CapacityUnits: 0, ETAMinutes: 100},
			{Node: 4, Method: solver.ShipFromStore, FixedCost: 9, CapacityUnits: -1, ETAMinutes: 100},
			{Node: 5, Method: solver.Courier, FixedCost: 3, CapacityUnits: -1, ETAMinutes: 30, MaxWeightKg: 5},
			{Node: 0, Method: solver.Pickup, FixedCost: 1, CapacityUnits: -1, ETAMinutes: 120},
		},
		Available: []int32{
			2, 1, 0,
			2, 1, 0,
			2, 1, 0,
			2, 1, 0,
			0, 0, 0,
			0, 3, 0,
			2, 1, 0,
		},
		UnitCost:       make([]float64, 21),
		PromiseMinutes: 1440,
	}
	pl, err := solver.Solve(p, solver.Settings{})
	require.NoError(t, err)
	checkPlan(t, p, pl)
	want := []solver.Exclusion{{1, solver.ReasonOutsideZone}, {2, solver.ReasonMissesPromise}, {3, solver.ReasonCapacity}, {4, solver.ReasonNoStock}, {5, solver.ReasonOverweight}}
	require.Equal(t, want, pl.Excluded, "excluded %+v, want %+v", pl.Excluded, want)
	require.Len(t, pl.Unfilled, 1, "unfilled %+v", pl.Unfilled)
	require.Equal(t, solver.Unfilled{Line: 2, Quantity: 1, Reason: solver.ReasonNoStock}, pl.Unfilled[0], "unfilled %+v", pl.Unfilled)
	// Node 0 has two options; the plan uses one, the cheaper pickup.
	require.Len(t, pl.Shipments, 1, "plan %+v", pl)
	require.Equal(t, 6, pl.Shipments[0].Option, "plan %+v", pl)
	require.EqualValues(t, 1, pl.TotalCost, "plan %+v", pl)
}

func TestUnfilledReasons(t *testing.T) {
	base := func() *solver.Problem {
		return &solver.Problem{
			Lines:     []solver.Line{{SKU: "A", Quantity: 3, UnitWeightKg: 2}, {SKU: "B", Quantity: 1}},
			Options:   []solver.Option{{Node: 0, FixedCost: 1, CapacityUnits: -1, MaxWeightKg: 0}},
			Available: []int32{3, 1},
			UnitCost:  []float64{1, 1},
		}
	}
	tests := []struct {
		name   string
		mutate func(*solver.Problem)
		reason solver.Reason
	}{
		{"stock", func(p *solver.Problem) { p.Available[0] = 2 }, solver.ReasonNoStock},
		{"capacity", func(p *solver.Problem) { p.Options[0].CapacityUnits = 2 }, solver.ReasonCapacity},
		{"weight", func(p *solver.Problem) { p.Options[0].MaxWeightKg = 5 }, solver.ReasonOverweight},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			tt.mutate(p)
			pl, err := solver.Solve(p, solver.Settings{})
			require.NoError(t, err)
			checkPlan(t, p, pl)
			require.Len(t, pl.Unfilled, 1, "unfilled %+v, want line 0 %v", pl.Unfilled, tt.reason)
			require.Equal(t, 0, pl.Unfilled[0].Line, "unfilled %+v, want line 0 %v", pl.Unfilled, tt.reason)
			require.Equal(t, tt.reason, pl.Unfilled[0].Reason, "unfilled %+v, want line 0 %v", pl.Unfilled, tt.reason)
		})
	}
}

func TestDeterministicAndClone(t *testing.T) {
	p := solvertest.GenerateProblem(11, 300, 6, 0.3)
	w1, w2 := solver.NewWorkspace(), solver.NewWorkspace()
	a, err := w1.Solve(p, solver.Settings{})
	require.NoError(t, err)
	kept := a.Clone()
	ja, _ := json.Marshal(kept)
	// Solve other problems in between, then the same one again.
	for s := int64(0); s < 5; s++ {
		if _, err := w1.Solve(solvertest.GenerateProblem(s, 50+int(s)*40, 1+int(s), 0.5), solver.Settings{}); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := w1.Solve(p, solver.Settings{})
	c, _ := w2.Solve(p, solver.Settings{})
	jb, _ := json.Marshal(b)
	jc, _ := json.Marshal(c)
	require.Equal(t, string(jb), string(ja), "plans differ:\n%s\n%s\n%s", ja, jb, jc)
	require.Equal(t, string(jc), string(ja), "plans differ:\n%s\n%s\n%s", ja, jb, jc)
	// The clone does not share memory with the workspace.
	if len(kept.Shipments) > 0 && len(b.Shipments) > 0 {
		b.Shipments[0].Lines[0].Quantity = -7
		require.NotEqualValues(t, -7, kept.Shipments[0].Lines[0].Quantity, "Clone shares allocations with the workspace")
	}
}

func TestZeroAllocsSteadyState(t *testing.T) {
	w := solver.NewWorkspace()
	for _, sz := range [][2]int{{1000, 5}, {100, 20}, {10000, 5}} {
		p := solvertest.GenerateProblem(int64(sz[0]), sz[0], sz[1], 0.3)
		if _, err := w.Solve(p, solver.Settings{}); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(5, func() {
			if _, err := w.Solve(p, solver.Settings{}); err != nil {
				t.Fatal(err)
			}
		})
		require.EqualValues(t, 0, allocs, "nodes=%d lines=%d: %v allocs per solve", sz[0], sz[1], allocs)
	}
}

// TestBudgetBound checks that a plan cut short by the budget carries a valid
// lower bound: bound <= brute-force optimum <= plan cost.
func TestBudgetBound(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	w := solver.NewWorkspace()
	cut := 0
	for it := 0; it < 2000; it++ {
		p := randomSmall(r)
		pl, err := w.Solve(p, solver.Settings{NodeBudget: 1 + r.IntN(6)})
		require.NoError(t, err)
		checkPlan(t, p, pl)
		planned, opt := bruteRule(p)
		if !samePlanned(planned, pl, len(p.Lines)) {
			continue // the cut search admitted other lines
		}
		tl := 1e-9 * math.Max(1, opt)
		require.LessOrEqual(t, pl.Stats.LowerBound, opt+tl, "case %d: optimum %v outside [%v, %v] (%+v)", it, opt, pl.Stats.LowerBound, pl.TotalCost, pl.Stats)
		require.GreaterOrEqual(t, pl.TotalCost, opt-tl, "case %d: optimum %v outside [%v, %v] (%+v)", it, opt, pl.Stats.LowerBound, pl.TotalCost, pl.Stats)
		if !pl.Stats.Optimal {
			cut++
			require.GreaterOrEqual(t, pl.Stats.Gap, float64(0), "case %d: gap %v", it, pl.Stats.Gap)
			require.LessOrEqual(t, pl.Stats.Gap, float64(1), "case %d: gap %v", it, pl.Stats.Gap)
		}
	}
	require.NotEqual(t, 0, cut, "no search was cut short; the test tests nothing")
}

// TestHeuristicValid runs the heuristic on small instances: plans are valid
// and the optimum lies between its bound and its cost.
func TestHeuristicValid(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	w := solver.NewWorkspace()
	for it := 0; it < 2000; it++ {
		p := randomSmall(r)
		pl, err := w.Solve(p, solver.Settings{ExactMaxLines: -1})
		require.NoError(t, err)
		checkPlan(t, p, pl)
		require.False(t, pl.Stats.Exact, "exact ran with ExactMaxLines < 0")
		planned, opt := bruteRule(p)
		if !samePlanned(planned, pl, len(p.Lines)) {
			continue
		}
		tl := 1e-9 * math.Max(1, opt)
		require.LessOrEqual(t, pl.Stats.LowerBound, opt+tl, "case %d: optimum %v outside [%v, %v]", it, opt, pl.Stats.LowerBound, pl.TotalCost)
		require.GreaterOrEqual(t, pl.TotalCost, opt-tl, "case %d: optimum %v outside [%v, %v]", it, opt, pl.Stats.LowerBound, pl.TotalCost)
	}
	// Large orders go to the heuristic and still get a valid plan.
	p := solvertest.GenerateProblem(9, 2000, 30, 0.3)
	pl, err := w.Solve(p, solver.Settings{})
	require.NoError(t, err)
	checkPlan(t, p, pl)
	require.False(t, pl.Stats.Exact, "stats %+v", pl.Stats)
	require.LessOrEqual(t, pl.Stats.LowerBound, pl.TotalCost, "stats %+v", pl.Stats)
}

func TestAlternativesRanked(t *testing.T) {
	p := solvertest.GenerateProblem(21, 200, 4, 0.4)
	pl, err := solver.Solve(p, solver.Settings{Alternatives: 5})
	require.NoError(t, err)
	require.Len(t, pl.Alternatives, 5, "%d alternatives", len(pl.Alternatives))
	seen := map[string]bool{}
	key := func(o []int) string { b, _ := json.Marshal(o); return string(b) }
	var best []int
	for _, s := range pl.Shipments {
		best = append(best, s.Option)
	}
	seen[key(best)] = true
	prev := pl.TotalCost
	for _, a := range pl.Alternatives {
		require.GreaterOrEqual(t, a.TotalCost, prev-1e-9, "alternatives not ranked: %+v", pl.Alternatives)
		require.False(t, seen[key(a.Options)], "repeated option set %v", a.Options)
		seen[key(a.Options)] = true
		prev = a.TotalCost
	}
	none, _ := solver.Solve(p, solver.Settings{Alternatives: -1})
	require.Len(t, none.Alternatives, 0, "Alternatives -1: %+v", none.Alternatives)
	require.Equal(t, pl.TotalCost, none.TotalCost, "Alternatives -1: %+v", none.Alternatives)
}

// samePlanned reports whether the plan leaves unfilled exactly the lines not
// in planned.
func samePlanned(planned []int, pl *solver.Plan, n int) bool {
	in := make([]bool, n)
	for _, l := range planned {
		in[l] = true
	}
	if len(planned)+len(pl.Unfilled) != n {
		return false
	}
	for _, u := range pl.Unfilled {
		if in[u.Line] {
			return false
		}
	}
	return true
}

// TestLargeNodeValues checks that sparse Node values (the hashed path) give
// the same plan as dense ones.
func TestLargeNodeValues(t *testing.T) {
	p := solvertest.GenerateProblem(5, 400, 5, 0.3)
	q := *p
	q.Options = append([]solver.Option(nil), p.Options...)
	for i := range q.Options {
		q.Options[i].Node = q.Options[i].Node*1_000_003 + 7
	}
	a, err := solver.Solve(p, solver.Settings{})
	require.NoError(t, err)
	b, err := solver.Solve(&q, solver.Settings{})
	require.NoError(t, err)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	require.Equal(t, string(jb), string(ja), "plans differ:\n%s\n%s", ja, jb)
}

func TestTiesLowerIndexWins(t *testing.T) {
	// Six identical options, each able to ship the whole order.
	p := &solver.Problem{Lines: []solver.Line{{SKU: "A", Quantity: 1}}}
	for o := 0; o < 6; o++ {
		p.Options = append(p.Options, solver.Option{Node: int32(10 - o), FixedCost: 2, CapacityUnits: -1})
		p.Available = append(p.Available, 1)
		p.UnitCost = append(p.UnitCost, 0.5)
	}
	pl, err := solver.Solve(p, solver.Settings{})
	require.NoError(t, err)
	require.Equal(t, 0, pl.Shipments[0].Option, "best uses option %d, want 0", pl.Shipments[0].Option)
	want := [][]int{{1}, {2}, {3}}
	for i, a := range pl.Alternatives {
		require.Equal(t, want[i], a.Options, "alternatives %+v, want %v", pl.Alternatives, want)
	}

	// Two lines, four options each carrying one line at the same cost:
	// every pair costs the same and the smallest indices win.
	q := &solver.Problem{
		Lines:        []solver.Line{{SKU: "A", Quantity: 1}, {SKU: "B", Quantity: 1}},
		SplitLines:   true,
		SplitPenalty: 1,
	}
	for o := 0; o < 4; o++ {
		q.Options = append(q.Options, solver.Option{Node: int32(o), FixedCost: 3, CapacityUnits: -1})
		if o%2 == 0 {
			q.Available = append(q.Available, 1, 0)
		} else {
			q.Available = append(q.Available, 0, 1)
		}
		q.UnitCost = append(q.UnitCost, 1, 1)
	}
	pl, err = solver.Solve(q, solver.Settings{})
	require.NoError(t, err)
	var got []int
	for _, s := range pl.Shipments {
		got = append(got, s.Option)
	}
	require.Equal(t, []int{0, 1}, got, "best uses %v, want [0 1]", got)
	want = [][]int{{0, 3}, {1, 2}, {2, 3}}
	require.Len(t, pl.Alternatives, 3, "alternatives %+v", pl.Alternatives)
	for i, a := range pl.Alternatives {
		require.Equal(t, want[i], a.Options, "alternatives %+v, want %v", pl.Alternatives, want)
	}
}

// TestTiesManyEqualOptions: many pickup stores at the same price, none of
// which can take the whole order, so that a great many pairs cost the same.
// The plan must be the lexicographically smallest pair that reaches the
// optimum, found here pair by pair on problems that keep only the pair.
func TestTiesManyEqualOptions(t *testing.T) {
	r := rand.New(rand.NewPCG(12, 34))
	checked := 0
	for it := 0; it < 30; it++ {
		const n, L = 40, 4
		p := &solver.Problem{SplitLines: true, MaxShipments: 3, SplitPenalty: 2.5}
		for l := 0; l < L; l++ {
			p.Lines = append(p.Lines, solver.Line{SKU: fmt.Sprintf("S%d", l), Quantity: int32(1 + r.IntN(3))})
		}
		for o := 0; o < n; o++ {
			p.Options = append(p.Options, solver.Option{Node: int32(o), Method: solver.Pickup, FixedCost: 1.2, CapacityUnits: int32(3 + r.IntN(4))})
			for l := 0; l < L; l++ {
				p.Available = append(p.Available, int32(r.IntN(3)*2))
				p.UnitCost = append(p.UnitCost, 0.35)
			}
		}
		pl, err := solver.Solve(p, solver.Settings{Alternatives: -1})
		require.NoError(t, err)
		checkPlan(t, p, pl)
		if len(pl.Unfilled) > 0 || len(pl.Shipments) != 2 {
			continue // not the case this test is about
		}
		got := [2]int{pl.Shipments[0].Option, pl.Shipments[1].Option}
		var want [2]int
		found := false
		for a := 0; a < n && !found; a++ {
			for b := a + 1; b < n && !found; b++ {
				q := *p
				q.Options = append([]solver.Option(nil), p.Options...)
				for o := range q.Options {
					if o != a && o != b {
						q.Options[o].Excluded = solver.ReasonMethodNotAllowed
					}
				}
				pq, err := solver.Solve(&q, solver.Settings{Alternatives: -1})
				require.NoError(t, err)
				if len(pq.Unfilled) == 0 && len(pq.Shipments) == 2 && math.Abs(pq.TotalCost-pl.TotalCost) <= 1e-9*pl.TotalCost {
					want, found = [2]int{a, b}, true
				}
			}
		}
		require.Equal(t, want, got, "case %d: plan uses %v, want the smallest tying pair %v", it, got, want)
		checked++
	}
	require.GreaterOrEqual(t, checked, 10, "only %d cases with two shipments; the test tests little", checked)
}

func TestAlternativesCapped(t *testing.T) {
	// 1,100 single-option plans, one per node.
	p := &solver.Problem{Lines: []solver.Line{{SKU: "A", Quantity: 1}}}
	for o := range 1100 {
		p.Options = append(p.Options, solver.Option{Node: int32(o), FixedCost: float64(o), CapacityUnits: -1})
		p.Available = append(p.Available, 1)
		p.UnitCost = append(p.UnitCost, 1)
	}
	for _, n := range []int{5, solver.MaxAlternatives + 1, math.MaxInt} {
		pl, err := solver.NewWorkspace().Solve(p, solver.Settings{Alternatives: n})
		require.NoError(t, err, "Alternatives %d", n)
		assert.Len(t, pl.Alternatives, min(n, solver.MaxAlternatives), "Alternatives %d: got %d", n, len(pl.Alternatives))
	}
}
