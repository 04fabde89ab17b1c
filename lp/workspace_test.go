package lp

import (
	"context"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestWorkspaceChangesNothing: models solved one after another with one
// Workspace, a model with a large nucleus first and smaller ones after,
// give the results they give alone, bit for bit, and the workspace keeps
// the nucleus array of the first for the next.
func TestWorkspaceChangesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("solves the hindsight-bound model: skipped with -short")
	}
	rng := rand.New(rand.NewPCG(5, 8))
	models := []*Model{readGzipLP(t, hindsightModel)}
	for range 6 {
		models = append(models, randomModel(rng, 20+rng.IntN(60), 40+rng.IntN(120), 0.15))
	}
	models = append(models, models[0])
	var ws Workspace
	for k, m := range models {
		alone, err := Solve(context.Background(), m, Settings{})
		require.NoError(t, err)
		shared, err := Solve(context.Background(), m, Settings{Workspace: &ws})
		require.NoError(t, err)
		require.Equal(t, alone, shared, "model %d", k)
		if k == 0 {
			require.NotEmpty(t, cap(ws.nucleus), "the workspace keeps the nucleus array")
		}
		for _, v := range ws.nucleus[:cap(ws.nucleus)] {
			if v != 0 {
				t.Fatalf("model %d: the nucleus array given back is not zero", k)
			}
		}
	}
}

// TestWorkspaceReusesArrays: solves of models of every shape the tests
// know, small after large and large after small, cold and warm-started
// from a changed model's basis, and models made of several blocks, give
// with one Workspace what they give alone, bit for bit; the workspace
// keeps the last solve's arrays for the next.
func TestWorkspaceReusesArrays(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	models := []*Model{
		warehouses(rng, 5, 20, 8),
		transportation(rng, 4, 30, 0.9, false),
		planning(rng, 12, 10, 6, 2, 3), // blocks: one per SKU
		randomModel(rng, 30, 80, 0.2),
		multiCommodity(rng, 12, 40, 4),
		sparseRandom(rng, 60, 400, 3),
		assignment(rng, 12),
		warehouses(rng, 3, 8, 4),
		// Bases of 4,000 rows and more take the hypersparse solves: one
		// after the small ones, a smaller one after it.
		sparseRandom(rng, 4400, 6000, 2),
		coveringModel(3, 4100, 8000, identity(8000)),
		warehouses(rng, 5, 20, 8),
	}
	var ws Workspace
	for k, m := range models {
		alone, err := Solve(context.Background(), m, Settings{})
		require.NoError(t, err)
		shared, err := Solve(context.Background(), m, Settings{Workspace: &ws})
		require.NoError(t, err)
		require.Equal(t, alone, shared, "model %d", k)
		require.NotNil(t, ws.spare, "model %d: the workspace keeps the arrays", k)
		// Warm: the same model with other bounds on a few columns, from
		// the basis just found.
		for j := 0; j < m.NumVars(); j += 7 {
			if lo, hi := m.colLo[j], m.colHi[j]; !math.IsInf(lo, -1) {
				m.SetVarBounds(j, lo, min(hi, lo+1))
			}
		}
		alone, err = Solve(context.Background(), m, Settings{Start: shared.Basis})
		require.NoError(t, err)
		warm, err := Solve(context.Background(), m, Settings{Start: shared.Basis, Workspace: &ws})
		require.NoError(t, err)
		require.Equal(t, alone, warm, "model %d, warm", k)
	}
}

// identity is the permutation 0, 1, ..., n-1.
func identity(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
