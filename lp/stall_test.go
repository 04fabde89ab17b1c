package lp

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allocateStall is a block of omniroute allocate's LP (947 rows, 3,436
// columns) on which the dual simplex cycled: reduced costs pushed a little
// past the Harris tolerance, a refactorisation flipping their boxed
// columns to the other bound, and the same eight steps again; glpsol --lp
// solves it at once.
const allocateStall = "testdata/allocate-stall.lp.gz"

// allocateStallObjective is its optimum, as glpsol --lp finds it.
const allocateStallObjective = 1067.898826

// TestDualSimplexDoesNotCycle: the ratio test measures the Harris bound of
// a reduced cost already on the wrong side from where it is, so the dual
// simplex solves the block that cycled in a few hundred steps (811),
// without the stall guard's hand-over to the primal simplex (5,538 steps
// with it; before either, the solve never ended).
func TestDualSimplexDoesNotCycle(t *testing.T) {
	m := readGzipLP(t, allocateStall)
	r, err := Solve(context.Background(), m, Settings{MaxIterations: 50_000})
	require.NoError(t, err)
	require.Equal(t, StatusOptimal, r.Status, "after %d iterations", r.Iterations)
	assert.InDelta(t, allocateStallObjective, r.Objective, 1e-6*allocateStallObjective)
	assert.Less(t, r.Iterations, 2_000, "the stall guard took over, or worse")
	requireOptimal(t, m, r, 1e-6)
}

// TestStallGuardHandsOverToPrimal: a dual simplex that stops lowering its
// primal infeasibility (here within 64 steps, the stall limit made short)
// hands its basis to the primal simplex, which finishes at the optimum. On
// this warehouse model the sum of infeasibilities rises between two of its
// checks, so the guard takes over.
func TestStallGuardHandsOverToPrimal(t *testing.T) {
	m := warehouses(rand.New(rand.NewPCG(1, 1)), 10, 30, 10)
	whole, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	require.Equal(t, StatusOptimal, whole.Status)
	r, err := Solve(context.Background(), m, Settings{stallSteps: 1})
	require.NoError(t, err)
	require.Equal(t, StatusOptimal, r.Status, "after %d iterations", r.Iterations)
	assert.NotEqual(t, whole.Iterations, r.Iterations, "the guard never took over")
	assert.InDelta(t, whole.Objective, r.Objective, 1e-9*math.Abs(whole.Objective))
	requireOptimal(t, m, r, 1e-6)
}
