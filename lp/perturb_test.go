package lp

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// solvePerturbed solves m as Solve does, from start (nil: the slack
// basis), with the primal simplex perturbing the bounds by base as soon as
// phase 2 begins rather than after a stall.
func solvePerturbed(t *testing.T, m *Model, start *Basis, base float64) (*Result, *simplex) {
	t.Helper()
	s := newSimplex(m, nil)
	if start != nil {
		s.setStart(start)
	}
	s.perturbAfter, s.perturbBase = 0, base
	status, err := s.run(context.Background(), Settings{})
	require.NoError(t, err)
	return s.result(status), s
}

// TestPerturbedBoundsEndOnTheModelsOptimum: a solve whose primal simplex
// perturbs the bounds ends at an optimum of the model itself: KKT checked
// against the model's bounds, at the objective of a solve that did not
// perturb. The masters are warm-started grown by half their columns, as
// package joint's column generation does; the random models reach the
// primal simplex after the dual one. At the solver's scale the restored
// bounds leave these optima feasible; at a scale ten thousand times
// larger they do not, and the dual simplex removes the infeasibility.
func TestPerturbedBoundsEndOnTheModelsOptimum(t *testing.T) {
	for _, base := range []float64{primalPerturbBase, 1e4 * primalPerturbBase} {
		var perturbed, cleanups int
		for seed := uint64(1); seed <= 4; seed++ {
			m, _, start := grownMaster(t, rand.New(rand.NewPCG(seed, 13)), 150+50*int(seed), 25, 6)
			res, s := solvePerturbed(t, m, start, base)
			require.Equal(t, 1, s.perturbations, "base %g, seed %d: the warm start perturbs once", base, seed)
			cleanups += s.cleanups
			requireOptimal(t, m, res, 1e-7)
			plain, err := Solve(context.Background(), m, Settings{})
			require.NoError(t, err)
			require.InDelta(t, plain.Objective, res.Objective, 1e-7*(1+math.Abs(plain.Objective)), "base %g, seed %d", base, seed)
		}
		for seed := uint64(1); seed <= 40; seed++ {
			rng := rand.New(rand.NewPCG(seed, 11))
			rows, cols := 5+rng.IntN(40), 5+rng.IntN(60)
			m := randomModel(rng, rows, cols, 0.1+0.3*rng.Float64())
			res, s := solvePerturbed(t, m, nil, base)
			perturbed += s.perturbations
			cleanups += s.cleanups
			requireOptimal(t, m, res, 1e-6)
			plain, err := Solve(context.Background(), m, Settings{})
			require.NoError(t, err)
			require.InDelta(t, plain.Objective, res.Objective, 1e-6*(1+math.Abs(plain.Objective)), "base %g, seed %d", base, seed)
		}
		require.Positive(t, perturbed, "base %g: some random model reaches phase 2", base)
		if base > primalPerturbBase {
			require.Positive(t, cleanups, "base %g: the dual simplex cleans up", base)
		}
	}
}
