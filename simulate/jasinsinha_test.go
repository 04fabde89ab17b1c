package simulate

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/simulate/dataset"
)

// TestLookaheadBelowOptimalOnAJasinSinhaReplay: on a small jasin-sinha
// replay (stock a little short of the demand, none replenished, orders of
// several SKUs, every unit left unfilled priced, and an order left short
// too), planned from its week of history, lookahead and batch cost less
// with lost sales than optimal, which costs less than nearest, and none
// costs less than the hindsight bound. That is what the planning layer is
// for: a unit one order takes is a unit a later order cannot have.
func TestLookaheadBelowOptimalOnAJasinSinhaReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("replays with hourly plans and a bound")
	}
	for _, seed := range []uint64{1, 2} {
		gen := dataset.JasinSinhaConfig()
		gen.Seed, gen.SKUs, gen.Orders, gen.Days, gen.Regions = seed, 60, 400, 2, 40
		cfg := genReplay(t, gen)
		cfg.History = FileSource(filepath.Join(filepath.Dir(string(cfg.Orders.(FileSource))), dataset.HistoryFile))
		cfg.Policies = []string{"nearest", "optimal", "lookahead", PolicyBatch}
		cfg.SeasonAtReplayEnd = true
		res, err := Run(context.Background(), cfg)
		require.NoError(t, err)
		total := map[string]float64{}
		for _, r := range res.Results {
			require.NotNil(t, r.Bound, "seed %d %s: %s", seed, r.Policy, r.BoundNote)
			assert.LessOrEqual(t, *r.Bound, r.TotalWithLost+1e-6, "seed %d %s", seed, r.Policy)
			total[r.Policy] = r.TotalWithLost
		}
		t.Logf("seed %d: bound %.2f, %v", seed, *res.Results[0].Bound, total)
		assert.Less(t, total["optimal"], total["nearest"], "seed %d", seed)
		assert.Less(t, total["lookahead"], total["optimal"], "seed %d", seed)
		assert.Less(t, total[PolicyBatch], total["optimal"], "seed %d", seed)
	}
}
