package lp

import (
	"context"
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
