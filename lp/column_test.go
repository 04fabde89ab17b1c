package lp

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAddColumn: a model grown column by column into existing rows, as a
// column-generation master grows, is the model written row by row: the
// same rows, the same optimum; and a basis carried over (Basis.Map) to
// the grown model warm-starts it to that optimum.
func TestAddColumn(t *testing.T) {
	// twoVar with a third column z, 1 in both rows, written row by row.
	whole := NewModel("whole")
	x := whole.AddVar("x", 0, Inf, -1)
	y := whole.AddVar("y", 0, Inf, -1)
	z := whole.AddVar("z", 0, Inf, -1.5)
	whole.AddRow("a", -Inf, 4, []int{x, y, z}, []float64{1, 2, 1})
	whole.AddRow("b", -Inf, 6, []int{x, y, z}, []float64{3, 1, 1})

	grown := twoVar()
	first, err := Solve(context.Background(), grown, Settings{})
	require.NoError(t, err)
	j := grown.AddColumn("z", 0, Inf, -1.5, []int{1, 0}, []float64{1, 1})
	assert.Equal(t, 2, j)
	for i := 0; i < 2; i++ {
		cols, vals := grown.Row(i)
		wc, wv := whole.Row(i)
		assert.Equal(t, wc, cols, "row %d", i)
		assert.Equal(t, wv, vals, "row %d", i)
	}
	assert.Equal(t, whole.NumNonzeros(), grown.NumNonzeros())

	want, err := Solve(context.Background(), whole, Settings{})
	require.NoError(t, err)
	require.Equal(t, StatusOptimal, want.Status)
	warm, err := Solve(context.Background(), grown, Settings{Start: first.Basis.Map([]int{0, 1, -1}, []int{0, 1})})
	require.NoError(t, err)
	require.Equal(t, StatusOptimal, warm.Status)
	assert.InDelta(t, want.Objective, warm.Objective, testTol)
	assert.Less(t, warm.Objective, first.Objective-testTol)

	// A zero coefficient is dropped.
	k := grown.AddColumn("w", 0, Inf, 1, []int{0, 1}, []float64{0, 2})
	cols, _ := grown.Row(0)
	assert.NotContains(t, cols, k)
	cols, _ = grown.Row(1)
	assert.Contains(t, cols, k)
}

// master is a column-generation master: a convexity row (= 1) for each of
// groups groups, shared rows (<= a limit) that the columns draw on, and
// cols columns per group, the first of each leaving the shared rows alone
// at a high cost.
func master(rng *rand.Rand, groups, shared, cols int) (*Model, [][]int, [][]float64, []float64) {
	m := NewModel("master")
	convex := make([]int, groups)
	for g := range convex {
		j := m.AddVar("", 0, Inf, 100)
		convex[g] = m.AddRow("", 1, 1, []int{j}, []float64{1})
	}
	for i := 0; i < shared; i++ {
		m.AddRow("", -Inf, float64(groups)/float64(shared)*2, nil, nil)
	}
	var rows [][]int
	var vals [][]float64
	var costs []float64
	for c := 0; c < cols; c++ {
		for g := range convex {
			r := []int{convex[g]}
			v := []float64{1}
			use := 0.0
			for _, i := range rng.Perm(shared)[:1+rng.IntN(4)] {
				u := float64(1 + rng.IntN(3))
				r, v = append(r, groups+i), append(v, u)
				use += u
			}
			rows, vals = append(rows, r), append(vals, v)
			costs = append(costs, 20+float64(rng.IntN(40))-2*use)
		}
	}
	return m, rows, vals, costs
}

// grownMaster is a column-generation master (master) solved with half
// its columns and then given the rest: the model, the first solve and its
// basis mapped onto the grown model.
func grownMaster(t *testing.T, rng *rand.Rand, groups, shared, cols int) (*Model, *Result, *Basis) {
	t.Helper()
	m, rows, vals, costs := master(rng, groups, shared, cols)
	half := len(costs) / 2
	for c := range half {
		m.AddColumn("", 0, Inf, costs[c], rows[c], vals[c])
	}
	first, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	require.Equal(t, StatusOptimal, first.Status)
	nv, nr := m.NumVars(), m.NumRows()
	for c := half; c < len(costs); c++ {
		m.AddColumn("", 0, Inf, costs[c], rows[c], vals[c])
	}
	vars := make([]int, m.NumVars())
	for j := range vars {
		vars[j] = -1
		if j < nv {
			vars[j] = j
		}
	}
	rowMap := make([]int, nr)
	for i := range rowMap {
		rowMap[i] = i
	}
	return m, first, first.Basis.Map(vars, rowMap)
}

// TestWarmStartWithManyNewColumns: a master solved, then grown by more
// columns than a factorisation's updates, is warm-started from its last
// basis to the optimum of a cold solve (KKT checked): the primal simplex's
// reduced costs, kept by updates across its refactorisations, and its
// devex pricing end where pricing from scratch would.
func TestWarmStartWithManyNewColumns(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		m, first, start := grownMaster(t, rand.New(rand.NewPCG(seed, 7)), 200, 30, 8)
		warm, err := Solve(context.Background(), m, Settings{Start: start})
		require.NoError(t, err)
		cold, err := Solve(context.Background(), m, Settings{})
		require.NoError(t, err)
		requireOptimal(t, m, warm, 1e-7)
		assert.InDelta(t, cold.Objective, warm.Objective, 1e-7*(1+math.Abs(cold.Objective)), "seed %d", seed)
		assert.Less(t, warm.Objective, first.Objective-testTol, "seed %d: the new columns pay", seed)
		assert.Greater(t, warm.Iterations, refactorEvery, "seed %d: the warm start spans factorisations", seed)
	}
}
