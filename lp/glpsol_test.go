package lp

import (
	"bufio"
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// glpsolPath returns glpsol's path, or skips the test when it is missing
// (fails it when CI is set: .ci/run installs glpk-utils).
func glpsolPath(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("glpsol")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("glpsol not found and CI is set: install glpk-utils")
		}
		t.Skip("glpsol not found: install glpk-utils (apt-get install glpk-utils) to cross-check the LP engine")
	}
	return path
}

// glpsolAnswer is what glpsol says about an LP file.
type glpsolAnswer struct {
	status    Status
	objective float64
}

// runGlpsol solves the LP file with glpsol and reads its status and
// objective (from the -w solution file, at full precision).
func runGlpsol(t testing.TB, glpsol, lpFile string) glpsolAnswer {
	t.Helper()
	sol := lpFile + ".sol"
	out, err := exec.Command(glpsol, "--lp", lpFile, "-w", sol).CombinedOutput()
	text := string(out)
	switch {
	case strings.Contains(text, "NO PRIMAL FEASIBLE SOLUTION"):
		return glpsolAnswer{status: StatusInfeasible}
	case strings.Contains(text, "UNBOUNDED") || strings.Contains(text, "NO DUAL FEASIBLE SOLUTION"):
		return glpsolAnswer{status: StatusUnbounded}
	}
	require.NoError(t, err, "glpsol: %s", text)
	f, err := os.Open(sol)
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 7 && fields[0] == "s" && fields[1] == "bas" {
			require.Equal(t, "f", fields[4], "glpsol primal status: %s", text)
			require.Equal(t, "f", fields[5], "glpsol dual status: %s", text)
			v, err := strconv.ParseFloat(fields[6], 64)
			require.NoError(t, err)
			return glpsolAnswer{status: StatusOptimal, objective: v}
		}
	}
	t.Fatalf("glpsol wrote no solution line: %s", text)
	return glpsolAnswer{}
}

// crossCheck writes m, checks that ReadLP reads the same model back, solves
// it with glpsol and with Solve, and requires the same status and the
// same objective to 1e-6 relative, with duals that prove optimality.
func crossCheck(t *testing.T, m *Model) *Result {
	t.Helper()
	glpsol := glpsolPath(t)
	var buf bytes.Buffer
	require.NoError(t, m.WriteLP(&buf))
	back, err := ReadLP(bytes.NewReader(buf.Bytes()))
	require.NoError(t, err)
	requireSameModel(t, m, back)
	path := filepath.Join(t.TempDir(), "model.lp")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	want := runGlpsol(t, glpsol, path)
	res, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	require.Equal(t, want.status, res.Status, "status of %s (glpsol: %v)", m.Name(), want.status)
	if want.status == StatusOptimal {
		assert.InDelta(t, want.objective, res.Objective, 1e-6*math.Max(1, math.Abs(want.objective)),
			"objective of %s", m.Name())
		requireOptimal(t, m, res, 1e-6)
	}
	return res
}

// requireSameModel requires b to be a (renamed) copy of a.
func requireSameModel(t testing.TB, a, b *Model) {
	t.Helper()
	require.Equal(t, a.NumVars(), b.NumVars())
	require.Equal(t, a.NumRows(), b.NumRows())
	require.Equal(t, a.NumNonzeros(), b.NumNonzeros())
	for j := 0; j < a.NumVars(); j++ {
		alo, ahi := a.VarBounds(j)
		blo, bhi := b.VarBounds(j)
		require.Equal(t, [3]float64{alo, ahi, a.Cost(j)}, [3]float64{blo, bhi, b.Cost(j)}, "var %d", j)
	}
	for i := 0; i < a.NumRows(); i++ {
		alo, ahi := a.RowBounds(i)
		blo, bhi := b.RowBounds(i)
		require.InDelta(t, alo, blo, 1e-9*(1+math.Abs(alo)), "row %d lower bound", i)
		require.InDelta(t, ahi, bhi, 1e-9*(1+math.Abs(ahi)), "row %d upper bound", i)
		ac, av := a.Row(i)
		bc, bv := b.Row(i)
		require.Equal(t, ac, bc, "row %d columns", i)
		require.Equal(t, av, bv, "row %d coefficients", i)
	}
}

func TestGlpsolCrossCheck(t *testing.T) {
	rng := func(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 2026)) }
	cases := []struct {
		name  string
		model *Model
	}{
		{"transportation equality", transportation(rng(1), 20, 40, 1.2, false)},
		{"transportation balanced (degenerate)", transportation(rng(2), 15, 30, 1.0, true)},
		{"assignment", assignment(rng(3), 25)},
		{"multi-commodity", multiCommodity(rng(4), 12, 40, 6)},
		{"planning", planning(rng(5), 12, 8, 10, 2, 4)},
		{"transportation infeasible", transportation(rng(6), 10, 20, 0.8, false)},
		{"unbounded", unboundedModel(rng(7))},
	}
	for seed := uint64(10); seed < 30; seed++ {
		r := rng(seed)
		cases = append(cases, struct {
			name  string
			model *Model
		}{"random " + strconv.FormatUint(seed, 10), randomModel(r, 10+r.IntN(60), 10+r.IntN(90), 0.05+0.3*r.Float64())})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			crossCheck(t, tc.model)
		})
	}
}

// unboundedModel is a transportation model plus a column of negative cost
// that only loosens a "≥" row.
func unboundedModel(rng *rand.Rand) *Model {
	m := transportation(rng, 5, 8, 1.5, true)
	j := m.AddVar("bonus", 0, Inf, -1)
	m.AddRow("bonus_row", 1, Inf, []int{j, 0}, []float64{1, 1})
	return m
}

// TestGlpsolCrossCheckLarge cross-checks a 100,000-column transportation
// model (always) and coupled multi-item and planning models (unless -short).
func TestGlpsolCrossCheckLarge(t *testing.T) {
	glpsolPath(t)
	t.Run("transport-50x2000", func(t *testing.T) {
		m := transportation(rand.New(rand.NewPCG(1, 1)), 50, 2000, 1.1, true)
		require.Equal(t, 100000, m.NumVars())
		crossCheck(t, m)
	})
	if testing.Short() {
		return
	}
	t.Run("warehouses-10w-100c-20i", func(t *testing.T) {
		crossCheck(t, warehouses(rand.New(rand.NewPCG(1, 1)), 10, 100, 20))
	})
	t.Run("planning-40n-40s", func(t *testing.T) {
		crossCheck(t, planning(rand.New(rand.NewPCG(2, 2)), 40, 40, 15, 2, 4))
	})
	// The hindsight-bound model: its dual simplex meets reduced costs just
	// past the tolerance after refactorisations and shifts costs to go on.
	t.Run("hindsight-400", func(t *testing.T) {
		res := crossCheck(t, readGzipLP(t, hindsightModel))
		require.InEpsilon(t, hindsightObjective, res.Objective, 1e-6)
	})
}
