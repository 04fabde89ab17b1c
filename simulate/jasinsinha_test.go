package simulate

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/joint"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/solver"
)

// historyBeside is the history file gen writes beside the orders file.
func historyBeside(orders Source) Source {
	return FileSource(filepath.Join(filepath.Dir(string(orders.(FileSource))), dataset.HistoryFile))
}

// TestLookaheadBelowOptimalOnAJasinSinhaReplay: on a small jasin-sinha
// replay (stock a little short of the demand, none replenished, orders of
// several SKUs, every unit left unfilled priced, and an order left short
// too), planned from its week of history, lookahead and batch cost less
// with lost sales than optimal, which costs less than nearest, and none
// costs less than the hindsight bound. That is what the planning layer is
// for: a unit one order takes is a unit a later order cannot have.
func TestLookaheadBelowOptimalOnAJasinSinhaReplay(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("replays with hourly plans and a bound")
	}
	for _, seed := range []uint64{1, 2} {
		gen := dataset.JasinSinhaConfig()
		gen.Seed, gen.SKUs, gen.Orders, gen.Days, gen.Regions = seed, 60, 400, 2, 40
		cfg := genReplay(t, gen)
		cfg.History = historyBeside(cfg.Orders)
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

// TestLookaheadBelowOptimalWhereLostSalesAreCheap: on small
// amil-makhdoumi-wei replays (stock at the mean demand, a unit lost from
// an order already short cheaper than a parcel), planned from their
// history, lookahead and batch cost less with lost sales than optimal. A
// line that weighed the plan's prices against its lost-sale cost a unit
// alone, without its share of the per-order cost the prices count,
// refused units that no later order took, and cost more than optimal on
// both.
func TestLookaheadBelowOptimalWhereLostSalesAreCheap(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("replays with hourly plans")
	}
	for _, seed := range []uint64{1, 4} {
		gen := dataset.AmilMakhdoumiWeiConfig()
		gen.Seed, gen.Orders, gen.Days, gen.Regions = seed, 1000, 2, 40
		cfg := genReplay(t, gen)
		cfg.History = historyBeside(cfg.Orders)
		cfg.Policies = []string{"optimal", "lookahead", PolicyBatch}
		cfg.SeasonAtReplayEnd, cfg.Bound = true, false
		res, err := Run(context.Background(), cfg)
		require.NoError(t, err)
		total := map[string]float64{}
		for _, r := range res.Results {
			total[r.Policy] = r.TotalWithLost
		}
		t.Logf("seed %d: %v", seed, total)
		assert.Less(t, total["lookahead"], total["optimal"], "seed %d", seed)
		assert.Less(t, total[PolicyBatch], total["optimal"], "seed %d", seed)
	}
}

// TestPlanOrdersOnOrderTypes: on the small amil-makhdoumi-wei replays of
// TestLookaheadBelowOptimalWhereLostSalesAreCheap, whose orders come in a
// few types, lookahead planned over a sample of the orders seen
// (PlanOrders) costs less than planned over the expected demand by SKU,
// which costs less than optimal: the orders' model prices a warehouse
// that holds all the SKUs of a type for the orders that need them
// together. The results say which model planned, every 6 hours.
func TestPlanOrdersOnOrderTypes(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("replays with plans")
	}
	for _, seed := range []uint64{1, 4} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			t.Parallel()
			gen := dataset.AmilMakhdoumiWeiConfig()
			gen.Seed, gen.Orders, gen.Days, gen.Regions = seed, 1000, 2, 40
			cfg := genReplay(t, gen)
			cfg.History = historyBeside(cfg.Orders)
			cfg.SeasonAtReplayEnd, cfg.Bound = true, false
			total := map[string]float64{}
			for _, model := range []string{PlanDemand, PlanOrders} {
				cfg.Policies, cfg.PlanModel, cfg.PlanInterval, cfg.PlanSamples = []string{"optimal", "lookahead"}, model, 0, testPlanSamples
				res, err := Run(context.Background(), cfg)
				require.NoError(t, err)
				for _, r := range res.Results {
					if r.Policy == "optimal" {
						total["optimal"] = r.TotalWithLost
						continue
					}
					total[model] = r.TotalWithLost
					assert.Equal(t, model, r.PlanModel)
					assert.Zero(t, r.PlanFailures, "seed %d %s", seed, model)
					if model == PlanOrders {
						assert.Equal(t, "6h0m0s", r.PlanInterval)
					}
				}
			}
			t.Logf("seed %d: %v", seed, total)
			assert.Less(t, total[PlanOrders], total[PlanDemand], "seed %d", seed)
			assert.Less(t, total[PlanDemand], total["optimal"], "seed %d", seed)
			cfg.PlanModel = "guess"
			_, err := Run(context.Background(), cfg)
			assert.ErrorContains(t, err, `plan model "guess"`)
		})
	}
}

// TestBatchLongWavesTakeNoUnitTwice: on the jasin-sinha profile's week,
// in waves of a day, the season's rule leaves units of orders the wave
// had routed jointly and solves those orders again. Solved again on the
// stock as it stood when the wave repaired them, one such order took a
// unit a later order of its wave had been given, and the replay stopped
// ("insufficient stock"). Solved again on its own units and those no
// order of the wave took, the replay ends, every unit shipped from the
// stock there was.
func TestBatchLongWavesTakeNoUnitTwice(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("a week of orders")
	}
	cfg := genReplay(t, dataset.JasinSinhaConfig())
	cfg.History = historyBeside(cfg.Orders)
	cfg.Policies = []string{PolicyBatch}
	cfg.BatchWindow = 24 * time.Hour
	cfg.SeasonAtReplayEnd = true
	cfg.Bound = false
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Len(t, res.Results, 1)
	assert.Positive(t, res.Results[0].UnfilledUnits, "the stock is short of the week's demand")
}

// TestSolveAgainTakesOnlyWhatIsFree: a wave gave order 0 the unit of a
// at x and order 1 the one at y; z's unit went to nobody. Order 0, solved
// again with x now dearest, may take z's unit but never y's: z when it
// holds one and may pick it, else x again. What the wave left follows the
// new plan, and the problem's own figures are as they were.
func TestSolveAgainTakesOnlyWhatIsFree(t *testing.T) {
	order := func(cost [3]float64) *solver.Problem {
		p := &solver.Problem{Lines: []solver.Line{{SKU: "a", Quantity: 1}}, MaxShipments: 1}
		for n, id := range []string{"x", "y", "z"} {
			p.Options = append(p.Options, solver.Option{Node: int32(n), NodeID: id, Method: solver.WarehouseShip, FixedCost: 1, CapacityUnits: -1})
			p.Available = append(p.Available, 1)
			p.UnitCost = append(p.UnitCost, cost[n])
		}
		return p
	}
	shipFrom := func(node int) *solver.Plan {
		return &solver.Plan{Shipments: []solver.Shipment{{Option: node, Lines: []solver.Allocation{{Line: 0, Quantity: 1}}}}}
	}
	for _, c := range []struct {
		name     string
		zStock   int64
		zCap     int64 // -1: no limit
		wantNode int
	}{
		{"z free", 1, -1, 2},
		{"z has none", 0, -1, 0},
		{"z may pick no more today", 1, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			built := order([3]float64{1, 1, 1})
			inst := &joint.Instance{
				Orders: []joint.Order{{Problem: built}, {Problem: order([3]float64{1, 1, 1})}},
				Supply: []joint.Supply{{Node: 0, SKU: "a", Start: 1}, {Node: 1, SKU: "a", Start: 1}, {Node: 2, SKU: "a", Start: c.zStock}},
			}
			if c.zCap >= 0 {
				inst.Capacity = []joint.Capacity{{Node: 2, Units: c.zCap}}
			}
			res := &joint.Batch{
				Problems: []solver.Problem{*order([3]float64{9, 2, 3}), *order([3]float64{1, 1, 1})},
				Plans:    []*solver.Plan{shipFrom(0), shipFrom(1)},
			}
			var w waveLeft
			w.reset(inst, res)
			p := &res.Problems[0]
			plan, err := w.solveAgain(solver.NewWorkspace(), p, built, res.Plans[0], solver.Settings{})
			require.NoError(t, err)
			require.Len(t, plan.Shipments, 1)
			assert.Equal(t, c.wantNode, plan.Shipments[0].Option, "never y: order 1 has its unit")
			assert.Equal(t, int64(0), w.stock[nodeSKU{1, "a"}])
			assert.Equal(t, int64(0), w.stock[nodeSKU{int32(c.wantNode), "a"}])
			if c.wantNode == 2 {
				assert.Equal(t, int64(1), w.stock[nodeSKU{0, "a"}], "x's unit given back")
			}
			assert.Equal(t, []int32{1, 1, 1}, p.Available)
			for _, o := range p.Options {
				assert.Equal(t, int32(-1), o.CapacityUnits)
			}
		})
	}
}
