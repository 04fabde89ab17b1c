package simulate

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/solver"
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

// TestBatchLongWavesTakeNoUnitTwice: on the jasin-sinha profile's week,
// in waves of a day, the season's rule leaves units of orders the wave
// had routed jointly and solves those orders again. Solved again on the
// stock as it stood when the wave repaired them, one such order took a
// unit a later order of its wave had been given, and the replay stopped
// ("insufficient stock"). Solved again within what it had been given, the
// replay ends, every unit shipped from the stock there was.
func TestBatchLongWavesTakeNoUnitTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("a week of orders")
	}
	cfg := genReplay(t, dataset.JasinSinhaConfig())
	cfg.History = FileSource(filepath.Join(filepath.Dir(string(cfg.Orders.(FileSource))), dataset.HistoryFile))
	cfg.Policies = []string{PolicyBatch}
	cfg.BatchWindow = 24 * time.Hour
	cfg.SeasonAtReplayEnd = true
	cfg.Bound = false
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Len(t, res.Results, 1)
	assert.Positive(t, res.Results[0].UnfilledUnits, "the stock is short of the week's demand")
}

// TestWithinGivesUnitsBackOnly: within cuts every option's units to
// what the plan takes of each line at the option's node, whatever the
// method, and the problem solved again takes nothing else; the saved
// Available restores it.
func TestWithinGivesUnitsBackOnly(t *testing.T) {
	p := &solver.Problem{
		Lines: []solver.Line{{SKU: "a", Quantity: 2}, {SKU: "b", Quantity: 1}},
		Options: []solver.Option{
			{Node: 0, NodeID: "x", Method: solver.WarehouseShip, CapacityUnits: -1},
			{Node: 0, NodeID: "x", Method: solver.Courier, CapacityUnits: -1},
			{Node: 1, NodeID: "y", Method: solver.WarehouseShip, CapacityUnits: -1},
		},
		Available: []int32{5, 3, 5, 3, 4, 4},
		UnitCost:  []float64{1, 1, 1, 1, 1, 1},
	}
	plan := &solver.Plan{Shipments: []solver.Shipment{
		{Option: 0, Lines: []solver.Allocation{{Line: 0, Quantity: 1}}},
		{Option: 2, Lines: []solver.Allocation{{Line: 0, Quantity: 1}, {Line: 1, Quantity: 1}}},
	}}
	saved := within(p, plan, nil, map[nodeLine]int32{})
	assert.Equal(t, []int32{1, 0, 1, 0, 1, 1}, p.Available)
	copy(p.Available, saved)
	assert.Equal(t, []int32{5, 3, 5, 3, 4, 4}, p.Available)
}
