package lp

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLowerBoundAtALimit: a solve stopped at an iteration limit still
// proves a lower bound on the optimum (Result.LowerBound, never above it,
// and finite on models whose columns are bounded on the side their costs
// push), a block model adds its blocks' bounds, and an optimal solve's
// bound is its objective.
func TestLowerBoundAtALimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	models := []*Model{
		warehouses(rng, 5, 30, 6),
		planning(rng, 12, 20, 8, 2, 4),
		transportation(rng, 8, 40, 1.2, false),
	}
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) {
			full, err := Solve(context.Background(), m, Settings{})
			require.NoError(t, err)
			require.Equal(t, StatusOptimal, full.Status)
			require.Equal(t, full.Objective, full.LowerBound)
			tol := 1e-7 * (1 + math.Abs(full.Objective))
			finite, best := 0, math.Inf(-1)
			for _, k := range []int{1, 3, 10, full.Iterations / 4, full.Iterations / 2, full.Iterations - 1} {
				if k < 1 {
					continue
				}
				res, err := Solve(context.Background(), m, Settings{MaxIterations: k})
				require.NoError(t, err)
				if res.Status == StatusOptimal {
					continue // fewer iterations than k were enough
				}
				require.Equal(t, StatusIterationLimit, res.Status, "k=%d", k)
				require.LessOrEqual(t, res.LowerBound, full.Objective+tol, "k=%d: the bound passes the optimum", k)
				if !math.IsInf(res.LowerBound, -1) {
					finite++
					best = max(best, res.LowerBound)
				}
			}
			require.Positive(t, finite, "no limited solve proved a bound")
			require.Greater(t, best, unsolvedBound(m, components(m)), "the bounds say no more than the costs alone")
		})
	}
}

// TestLowerBoundOfAStoppedHindsightModel: on the committed hindsight-bound
// model, whose one-sided rows the stopped dual simplex leaves with duals
// of either sign, the bound stays finite, below the optimum and rises as
// the solve goes on.
func TestLowerBoundOfAStoppedHindsightModel(t *testing.T) {
	if testing.Short() {
		t.Skip("solves a 16,145-row model three times")
	}
	m := readGzipLP(t, hindsightModel)
	last := math.Inf(-1)
	for _, k := range []int{2000, 5000, 8000} {
		res, err := Solve(context.Background(), m, Settings{MaxIterations: k})
		require.NoError(t, err)
		require.Equal(t, StatusIterationLimit, res.Status)
		require.False(t, math.IsInf(res.LowerBound, -1), "k=%d", k)
		require.LessOrEqual(t, res.LowerBound, hindsightObjective*(1+1e-7), "k=%d", k)
		require.Greater(t, res.LowerBound, last, "k=%d", k)
		last = res.LowerBound
	}
}
