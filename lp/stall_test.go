package lp

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// allocateStall is a block of omniroute allocate's LP (947 rows, 3,436
// columns) on which the dual simplex cycled: eight steps of the size of
// the tolerances, pairs of columns entering and leaving in turn, the
// primal infeasibility back where it was; glpsol --lp solves it at once.
const allocateStall = "testdata/allocate-stall.lp.gz"

// allocateStallObjective is its optimum, as glpsol --lp finds it.
const allocateStallObjective = 1067.898826

// TestDualSimplexStallHandsOverToPrimal: a dual simplex that stops
// lowering the primal infeasibility hands the basis to the primal simplex,
// which finishes; before, the solve never ended (200,000 iterations).
func TestDualSimplexStallHandsOverToPrimal(t *testing.T) {
	m := readGzipLP(t, allocateStall)
	r, err := Solve(context.Background(), m, Settings{MaxIterations: 50_000})
	require.NoError(t, err)
	require.Equal(t, StatusOptimal, r.Status, "after %d iterations", r.Iterations)
	assert.InDelta(t, allocateStallObjective, r.Objective, 1e-6*allocateStallObjective)
	requireOptimal(t, m, r, 1e-6)
}
