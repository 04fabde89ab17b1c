package solver_test

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/solver/solvertest"
)

// cbcOptimum runs CBC on an LP file and returns the optimal objective.
func cbcOptimum(t *testing.T, cbc, lpPath string) (float64, bool) {
	t.Helper()
	solPath := lpPath + ".sol"
	out, err := exec.Command(cbc, lpPath, "solve", "solu", solPath).CombinedOutput()
	require.NoError(t, err, "cbc %s: %v\n%s", lpPath, err, out)
	f, err := os.Open(solPath)
	require.NoError(t, err, "cbc solution: %v\n%s", err, out)
	defer f.Close()
	sc := bufio.NewScanner(f)
	require.True(t, sc.Scan(), "cbc solution %s: empty", solPath)
	first := sc.Text() // e.g. "Optimal - objective value 8.85000000"
	if !strings.HasPrefix(first, "Optimal") {
		return 0, false
	}
	i := strings.LastIndex(first, "objective value")
	require.GreaterOrEqual(t, i, 0, "cbc solution: unexpected first line %q", first)
	v, err := strconv.ParseFloat(strings.TrimSpace(first[i+len("objective value"):]), 64)
	require.NoError(t, err, "cbc solution: %q", first)
	return v, true
}

// TestCBCCrossCheck exports random instances with WriteLP and checks that
// CBC's optimum equals the solver's TotalCost.
func TestCBCCrossCheck(t *testing.T) {
	cbc, err := exec.LookPath("cbc")
	if err != nil {
		require.Equal(t, "", os.Getenv("CI"), "cbc not on PATH (install coinor-cbc): %v", err)
		t.Skip("cbc not on PATH; install coinor-cbc")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	type tc struct {
		name string
		p    *solver.Problem
	}
	var cases []tc
	for i, sz := range [][2]int{{10, 1}, {10, 3}, {30, 5}, {100, 5}, {100, 10}, {300, 8}, {1000, 5}, {1000, 10}} {
		for _, density := range []float64{0.1, 0.4} {
			seed := int64(1000*i) + int64(density*10)
			p := solvertest.GenerateProblem(seed, sz[0], sz[1], density)
			cases = append(cases, tc{fmt.Sprintf("gen/nodes=%d/lines=%d/density=%g", sz[0], sz[1], density), p})
			// The same network without split lines, with tighter rules.
			q := *p
			q.SplitLines = false
			q.MaxShipments = 2
			cases = append(cases, tc{fmt.Sprintf("gen-nosplit/nodes=%d/lines=%d/density=%g", sz[0], sz[1], density), &q})
			if density != 0.4 || sz[0] > 300 {
				continue
			}
			// Both again with lost-sale prices (AddLostSaleCosts), low
			// enough that some lines are left unfilled (up to 300 options:
			// CBC takes seconds on 1,000).
			for k, base := range []*solver.Problem{p, &q} {
				lp := *base
				lp.Lines = append([]solver.Line(nil), base.Lines...)
				solvertest.AddLostSaleCosts(&lp, seed+int64(k), 4+3*float64(k))
				cases = append(cases, tc{fmt.Sprintf("gen-lost/split=%t/nodes=%d/lines=%d", lp.SplitLines, sz[0], sz[1]), &lp})
			}
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 40; i++ {
		cases = append(cases, tc{fmt.Sprintf("small/%d", i), randomSmall(r)})
	}
	for i := 0; i < 30; i++ {
		cases = append(cases, tc{fmt.Sprintf("medium/%d", i), randomProblem(r, 60, 8, 6)})
	}
	// Medium instances with a shipment limit, as real orders have: these
	// must be proven optimal.
	for i := 0; i < 40; i++ {
		p := randomProblem(r, 80, 10, 4)
		p.MaxShipments = 1 + r.IntN(3)
		cases = append(cases, tc{fmt.Sprintf("limited/%d", i), p})
	}
	// The same kinds with lost-sale prices on some lines and, now and
	// then, a per-order cost.
	for i := 0; i < 40; i++ {
		cases = append(cases, tc{fmt.Sprintf("small-lost/%d", i), withLostSales(r, randomSmall(r))})
	}
	for i := 0; i < 16; i++ {
		cases = append(cases, tc{fmt.Sprintf("medium-lost/%d", i), withLostSales(r, randomProblem(r, 60, 8, 6))})
	}
	for i := 0; i < 20; i++ {
		p := withLostSales(r, randomProblem(r, 80, 10, 4))
		p.MaxShipments = 1 + r.IntN(3)
		cases = append(cases, tc{fmt.Sprintf("limited-lost/%d", i), p})
	}
	dir := t.TempDir()
	lostSales := 0
	defer func() {
		if !t.Failed() && lostSales == 0 {
			t.Error("no instance left a line unfilled")
		}
	}()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pl, err := solver.Solve(c.p, solver.Settings{})
			require.NoError(t, err)
			mustProve := !strings.HasPrefix(c.name, "medium")
			lostSales += len(pl.Unfilled)
			if mustProve && !pl.Stats.Optimal {
				t.Fatalf("not proven optimal: %+v", pl.Stats)
			}
			path := filepath.Join(dir, fmt.Sprintf("case%d.lp", i))
			f, err := os.Create(path)
			require.NoError(t, err)
			require.NoError(t, solver.WriteLP(f, c.p))
			require.NoError(t, f.Close())
			got, ok := cbcOptimum(t, cbc, path)
			require.True(t, ok, "cbc found no optimum; solver total %v, plan %+v", pl.TotalCost, pl)
			if !pl.Stats.Optimal {
				// The budget ran out: the bound and the plan must bracket
				// the optimum.
				tl := 1e-6 * math.Max(1, math.Abs(got))
				require.LessOrEqual(t, pl.Stats.LowerBound, got+tl, "cbc optimum %v outside [%v, %v]", got, pl.Stats.LowerBound, pl.TotalCost)
				require.GreaterOrEqual(t, pl.TotalCost, got-tl, "cbc optimum %v outside [%v, %v]", got, pl.Stats.LowerBound, pl.TotalCost)
				t.Logf("budget ran out: cbc %v in [%v, %v]", got, pl.Stats.LowerBound, pl.TotalCost)
				return
			}
			require.LessOrEqual(t, math.Abs(got-pl.TotalCost), 1e-6*math.Max(1, math.Abs(got)), "cbc optimum %v, solver %v (unfilled %v)", got, pl.TotalCost, pl.Unfilled)
		})
	}
}

// TestCBCHeuristicBound checks the heuristic's lower bound against CBC's
// optimum on instances of 12-20 lines (above the exact search's default):
// bound <= optimum <= plan cost, and the same answer from a second
// workspace.
func TestCBCHeuristicBound(t *testing.T) {
	cbc, err := exec.LookPath("cbc")
	if err != nil {
		require.Equal(t, "", os.Getenv("CI"), "cbc not on PATH (install coinor-cbc): %v", err)
		t.Skip("cbc not on PATH; install coinor-cbc")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	r := rand.New(rand.NewPCG(21, 22))
	dir := t.TempDir()
	raised := 0
	// Cases 24 and up carry lost-sale prices.
	for i := 0; i < 36; i++ {
		lines := 12 + r.IntN(9)
		var p *solver.Problem
		switch i % 3 {
		case 0:
			p = solvertest.GenerateProblem(int64(7000+i), 30+r.IntN(50), lines, 0.2+0.5*r.Float64())
		case 1:
			p = networkLike(r, 20+r.IntN(40), lines, 0.3+0.5*r.Float64())
		default:
			p = randomProblem(r, 25, 20, 4)
			for len(p.Lines) < 12 {
				p = randomProblem(r, 25, 20, 4)
			}
		}
		if i >= 24 {
			solvertest.AddLostSaleCosts(p, int64(i), 3+r.Float64()*6)
		}
		t.Run(fmt.Sprintf("case%d/lines=%d", i, len(p.Lines)), func(t *testing.T) {
			a, err := solver.NewWorkspace().Solve(p, solver.Settings{})
			require.NoError(t, err)
			pl := a.Clone()
			b, _ := solver.NewWorkspace().Solve(p, solver.Settings{})
			require.Equal(t, b.Stats.LowerBound, pl.Stats.LowerBound, "two workspaces disagree: %+v vs %+v", pl.Stats, b.Stats)
			require.Equal(t, b.TotalCost, pl.TotalCost, "two workspaces disagree: %+v vs %+v", pl.Stats, b.Stats)
			if pl.Stats.Exact || len(pl.Shipments) == 0 {
				t.Skipf("not a heuristic case: %+v", pl.Stats)
			}
			path := filepath.Join(dir, fmt.Sprintf("h%d.lp", i))
			f, err := os.Create(path)
			require.NoError(t, err)
			require.NoError(t, solver.WriteLP(f, p))
			require.NoError(t, f.Close())
			opt, ok := cbcOptimum(t, cbc, path)
			require.True(t, ok, "cbc found no optimum")
			tl := 1e-6 * math.Max(1, math.Abs(opt))
			require.LessOrEqual(t, pl.Stats.LowerBound, opt+tl, "cbc optimum %v outside [%v, %v]", opt, pl.Stats.LowerBound, pl.TotalCost)
			require.GreaterOrEqual(t, pl.TotalCost, opt-tl, "cbc optimum %v outside [%v, %v]", opt, pl.Stats.LowerBound, pl.TotalCost)
			t.Logf("bound %.4f <= optimum %.4f <= plan %.4f (gap %.1f%%)", pl.Stats.LowerBound, opt, pl.TotalCost, 100*pl.Stats.Gap)
			raised++
		})
	}
	require.GreaterOrEqual(t, raised, 18, "only %d heuristic cases checked", raised)
}
