package lp

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// appendModel copies b's columns and rows into a (block diagonal).
func appendModel(a, b *Model) {
	off := a.NumVars()
	for j := 0; j < b.NumVars(); j++ {
		lo, hi := b.VarBounds(j)
		a.AddVar(b.VarName(j), lo, hi, b.Cost(j))
	}
	for i := 0; i < b.NumRows(); i++ {
		cols, vals := b.Row(i)
		shifted := make([]int, len(cols))
		for k, j := range cols {
			shifted[k] = j + off
		}
		lo, hi := b.RowBounds(i)
		a.AddRow(b.RowName(i), lo, hi, shifted, vals)
	}
}

func TestSolveBlocks(t *testing.T) {
	ctx := context.Background()
	rng := func(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 99)) }
	parts := []*Model{
		transportation(rng(1), 6, 9, 1.3, false),
		randomModel(rng(2), 15, 25, 0.2),
		assignment(rng(3), 7),
	}
	whole := NewModel("blocks")
	sum := 0.0
	for _, p := range parts {
		res, err := Solve(ctx, p, Settings{})
		require.NoError(t, err)
		require.Equal(t, StatusOptimal, res.Status)
		sum += res.Objective
		appendModel(whole, p)
	}
	whole.AddRow("empty", -1, 1, nil, nil) // a row without columns: its own block
	require.Len(t, components(whole), 4)
	res, err := Solve(ctx, whole, Settings{})
	require.NoError(t, err)
	requireOptimal(t, whole, res, 1e-6)
	assert.InDelta(t, sum, res.Objective, 1e-6*(1+sum))

	// Warm start of the whole from its own basis: no iteration.
	again, err := Solve(ctx, whole, Settings{Start: res.Basis})
	require.NoError(t, err)
	assert.Equal(t, 0, again.Iterations)
	assert.InDelta(t, res.Objective, again.Objective, 1e-9)

	// The iteration limit covers all blocks together.
	limited, err := Solve(ctx, whole, Settings{MaxIterations: res.Iterations - 1})
	require.NoError(t, err)
	assert.Equal(t, StatusIterationLimit, limited.Status)

	// One infeasible block makes the whole infeasible.
	appendModel(whole, transportation(rng(4), 3, 5, 0.5, false))
	res, err = Solve(ctx, whole, Settings{})
	require.NoError(t, err)
	assert.Equal(t, StatusInfeasible, res.Status)
}

// TestComponents: the blocks are the connected components of the columns
// (two columns joined by a row that holds both), in order of their
// smallest column, each with its columns and rows in index order, and the
// rows that hold no column last, one block each; checked against a
// search of the row-column graph on random models with empty rows and
// columns in no row.
func TestComponents(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 5))
		n, rows := 1+rng.IntN(60), rng.IntN(50)
		m := NewModel("blocks")
		for j := 0; j < n; j++ {
			m.AddVar("", 0, 1, 1)
		}
		for i := 0; i < rows; i++ {
			var cols []int
			var vals []float64
			if rng.IntN(5) > 0 {
				for _, j := range rng.Perm(n)[:1+rng.IntN(min(n, 3))] {
					cols, vals = append(cols, j), append(vals, 1)
				}
			}
			m.AddRow("", 0, 1, cols, vals)
		}
		// The reference: a depth-first search from each column not yet
		// reached, in column order.
		colRows := make([][]int, n)
		for i := 0; i < rows; i++ {
			cols, _ := m.Row(i)
			for _, j := range cols {
				colRows[j] = append(colRows[j], i)
			}
		}
		comp := make([]int, n)
		for j := range comp {
			comp[j] = -1
		}
		var want [][2][]int
		for j := 0; j < n; j++ {
			if comp[j] >= 0 {
				continue
			}
			b := len(want)
			comp[j] = b
			stack := []int{j}
			for len(stack) > 0 {
				c := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				for _, i := range colRows[c] {
					cols, _ := m.Row(i)
					for _, c2 := range cols {
						if comp[c2] < 0 {
							comp[c2] = b
							stack = append(stack, c2)
						}
					}
				}
			}
			want = append(want, [2][]int{})
		}
		for j := 0; j < n; j++ {
			want[comp[j]][0] = append(want[comp[j]][0], j)
		}
		var empty [][2][]int
		for i := 0; i < rows; i++ {
			if cols, _ := m.Row(i); len(cols) > 0 {
				want[comp[cols[0]]][1] = append(want[comp[cols[0]]][1], i)
			} else {
				empty = append(empty, [2][]int{nil, {i}})
			}
		}
		want = append(want, empty...)
		got := components(m)
		require.Len(t, got, len(want), "seed %d", seed)
		for b := range want {
			assert.True(t, slices.Equal(want[b][0], got[b][0]), "seed %d, block %d columns: %v, want %v", seed, b, got[b][0], want[b][0])
			assert.True(t, slices.Equal(want[b][1], got[b][1]), "seed %d, block %d rows: %v, want %v", seed, b, got[b][1], want[b][1])
		}
	}
}
