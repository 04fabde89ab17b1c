package lp

import (
	"context"
	"math/rand/v2"
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
