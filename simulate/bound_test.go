package simulate

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/joint"
	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// competeNetwork: s1 ships a parcel for 6, wh for 7; one unit of A at
// each, and the only B at s1.
const competeNetwork = `
name: compete
policy: {split_penalty: 1, tz_offset_minutes: 0}
carriers:
  - {name: post, per_package: 5, per_item: 1, per_item_per_mile: 0, per_kg: 0, transit: [{max_km: 1000, days: 1}]}
nodes:
  - {id: wh, kind: warehouse, lat: 0, lon: 0, methods: [warehouse_ship], pick_cost_per_order: 1, pick_cost_per_unit: 0}
  - {id: s1, kind: store, lat: 0, lon: 0.1, methods: [ship_from_store], pick_cost_per_order: 0, pick_cost_per_unit: 0}
`

const competeStock = `node,sku,on_hand,safety_stock
wh,A,1,0
s1,A,1,0
s1,B,1,0
`

// competeOrders: o1 wants A and takes the cheaper s1 when routed alone; o2,
// five minutes later, wants A and B in one shipment, which only s1 can
// send, and loses A (50) when s1's A is gone.
const competeOrders = `order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,unit_weight_kg,promise_by,allow_split,lost_sale_cost
o1,2026-03-02T10:00:00Z,0,0.1,A,1,delivery,,1,,true,50
o2,2026-03-02T10:05:00Z,0,0.1,A,1,delivery,,1,,false,50
o2,2026-03-02T10:05:00Z,0,0.1,B,1,delivery,,1,,false,50
`

// TestBatchWinsWhereTwoOrdersCompete is the hand case: optimal routes o1
// from s1 (6), and o2 gets B from s1 (6) and loses A (50): 62. The batch policy holds
// both in one wave and sends o1 from wh (7) and o2 from s1 (6 + 1): 14,
// which is the hindsight bound.
func TestBatchWinsWhereTwoOrdersCompete(t *testing.T) {
	net, table := loadTiny(t, competeNetwork, competeStock)
	cfg := Config{Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(competeOrders)},
		Policies: []string{PolicyOptimal, PolicyBatch}, Bound: true, BoundMethod: BoundLP}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	opt, batch := runs["baseline/optimal"], runs["baseline/batch"]
	require.NotNil(t, opt)
	require.NotNil(t, batch)
	assert.InDelta(t, 62, opt.TotalWithLost, 1e-9)
	assert.InDelta(t, 14, batch.TotalWithLost, 1e-9)
	assert.Zero(t, batch.UnfilledUnits)
	require.NotNil(t, batch.Bound, batch.BoundNote)
	assert.InDelta(t, 14, *batch.Bound, 1e-6)
	assert.InDelta(t, 0, *batch.GapToBound, 1e-6)
	assert.InDelta(t, (62-14)/14.0, *opt.GapToBound, 1e-6)
	// The model's size, one per scenario.
	require.NotNil(t, batch.BoundModel)
	assert.Positive(t, batch.BoundModel.Rows)
	assert.Positive(t, batch.BoundModel.Cols)
	assert.GreaterOrEqual(t, batch.BoundModel.SolveMS, 0.0)
	assert.Equal(t, batch.BoundModel, opt.BoundModel)
	assert.LessOrEqual(t, batch.TotalWithLost, opt.TotalWithLost)

	// Orders an hour apart fall into two waves: batch routes as optimal.
	late := strings.ReplaceAll(competeOrders, "10:05:00", "11:05:00")
	cfg.Orders = BytesSource{"orders.csv", []byte(late)}
	res, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	runs = byRun(res)
	assert.InDelta(t, 62, runs["baseline/batch"].TotalWithLost, 1e-9)
	// Even in hindsight o2 cannot have s1's A unless o1 goes to wh: the
	// bound stays 14.
	assert.InDelta(t, 14, *runs["baseline/batch"].Bound, 1e-6)
}

// TestBatchExpressGoesAtOnce: an order whose promise is within the window
// (or ExpressPromise) is not held.
func TestBatchExpressGoesAtOnce(t *testing.T) {
	w := &wave{window: 30 * time.Minute}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		o    network.Order
		want bool
	}{
		"delivery, no promise":   {network.Order{CreatedAt: at}, false},
		"delivery in five days":  {network.Order{CreatedAt: at, PromiseBy: at.Add(120 * time.Hour)}, false},
		"express promise":        {network.Order{CreatedAt: at, PromiseBy: at.Add(ExpressPromise)}, true},
		"promise in 20 minutes":  {network.Order{CreatedAt: at, PromiseBy: at.Add(20 * time.Minute)}, true},
		"pickup":                 {network.Order{CreatedAt: at, Want: network.WantPickup}, true},
		"chose a courier":        {network.Order{CreatedAt: at, Partner: "glovo"}, true},
		"any, no promise":        {network.Order{CreatedAt: at, Want: network.WantAny}, false},
		"chose warehouse parcel": {network.Order{CreatedAt: at, Method: 3}, false},
	}
	for name, c := range cases {
		assert.Equal(t, c.want, w.express(&c.o), name)
	}
}

// genReplay writes a small generated dataset and returns its config.
func genReplay(t *testing.T, cfg dataset.Config) Config {
	t.Helper()
	dir := t.TempDir()
	_, err := dataset.Generate(context.Background(), cfg, dir)
	require.NoError(t, err)
	net, err := network.Load(filepath.Join(dir, dataset.NetworkFile))
	require.NoError(t, err)
	f, err := os.Open(filepath.Join(dir, dataset.StockFile))
	require.NoError(t, err)
	defer f.Close()
	table, err := stock.ReadCSV(f, dataset.StockFile, net)
	require.NoError(t, err)
	return Config{Network: net, Stock: table, Orders: FileSource(filepath.Join(dir, dataset.OrdersFile)),
		Replenishments: FileSource(filepath.Join(dir, dataset.ReplenishmentsFile)), Bound: true}
}

// TestBoundBelowEveryPolicy: on small generated replays (stock arriving
// during the replay, daily capacities, pickup, couriers, lost sales), the
// hindsight bound is at most every policy's total cost with lost sales,
// under a scenario too, and at most the hindsight routing's cost, which
// the table states once per scenario.
func TestBoundBelowEveryPolicy(t *testing.T) {
	t.Parallel()
	scen, err := ParseScenario([]byte("name: no-courier\ndisable_methods: [courier]\n"), "s.yaml")
	require.NoError(t, err)
	for seed := uint64(1); seed <= 3; seed++ {
		cfg := genReplay(t, dataset.Config{Seed: seed, Stores: 8, Warehouses: 2, DarkStores: 2, SKUs: 30, Orders: 150, Days: 3})
		cfg.Scenarios = []*Scenario{scen}
		res, err := Run(context.Background(), cfg)
		require.NoError(t, err)
		require.Len(t, res.Results, 2*len(PolicyNames()))
		hindsight := map[string]float64{}
		for _, r := range res.Results {
			require.NotNil(t, r.Bound, "seed %d %s/%s: %s", seed, r.Scenario, r.Policy, r.BoundNote)
			assert.Positive(t, *r.Bound)
			assert.LessOrEqual(t, *r.Bound, r.TotalWithLost+1e-6, "seed %d %s/%s", seed, r.Scenario, r.Policy)
			assert.GreaterOrEqual(t, *r.GapToBound, -1e-9)
			require.NotNil(t, r.HindsightCost, "seed %d %s/%s", seed, r.Scenario, r.Policy)
			assert.LessOrEqual(t, *r.Bound, *r.HindsightCost+1e-6, "seed %d %s", seed, r.Scenario)
			if h, ok := hindsight[r.Scenario]; ok {
				assert.Equal(t, h, *r.HindsightCost, "one per scenario: %s", r.Scenario)
			}
			hindsight[r.Scenario] = *r.HindsightCost
		}
		var b strings.Builder
		require.NoError(t, WriteTable(&b, res))
		assert.Contains(t, b.String(), "hindsight routing of baseline: ")
		assert.Contains(t, b.String(), "hindsight routing of no-courier: ")
	}
}

// TestBoundLagrangian: the Lagrangian bound, the default, of small
// generated replays is at most every policy's total cost with lost sales
// and at least the hindsight LP's bound, its hindsight routing lies above
// it, and the replays name it (bound_method) and its master's size
// (bound_model). BoundMaxVars, which skips the LP, does not limit it.
func TestBoundLagrangian(t *testing.T) {
	t.Parallel()
	for seed := uint64(1); seed <= 3; seed++ {
		cfg := genReplay(t, dataset.Config{Seed: seed, Stores: 8, Warehouses: 2, DarkStores: 2, SKUs: 30, Orders: 150, Days: 3})
		cfg.BoundMethod = BoundLP
		res, err := Run(context.Background(), cfg)
		require.NoError(t, err)
		lpBound := res.Results[0].Bound
		require.NotNil(t, lpBound, res.Results[0].BoundNote)
		assert.Equal(t, BoundLP, res.Results[0].BoundMethod)

		cfg.BoundMethod, cfg.BoundMaxVars = "", 100
		var heard []BoundProgress
		cfg.BoundProgress = func(p BoundProgress) { heard = append(heard, p) }
		res, err = Run(context.Background(), cfg)
		cfg.BoundProgress = nil
		require.NoError(t, err)
		// Every round was told, for the one scenario, the last at the
		// bound.
		require.NotEmpty(t, heard)
		last := heard[0]
		for _, p := range heard {
			assert.Equal(t, "baseline", p.Scenario)
			if p.DiveSteps == 0 {
				last = p
			}
		}
		require.NotNil(t, res.Results[0].BoundModel)
		assert.Equal(t, res.Results[0].BoundModel.Rounds, last.Round)
		assert.InDelta(t, *res.Results[0].Bound, last.Bound, 1e-4)
		for _, r := range res.Results {
			require.NotNil(t, r.Bound, "seed %d %s: %s", seed, r.Policy, r.BoundNote)
			assert.Equal(t, BoundLagrangian, r.BoundMethod)
			assert.Empty(t, r.BoundNote, "converged")
			assert.LessOrEqual(t, *r.Bound, r.TotalWithLost+1e-6, "seed %d %s", seed, r.Policy)
			assert.GreaterOrEqual(t, *r.Bound, *lpBound-1e-6*(*lpBound), "seed %d %s", seed, r.Policy)
			require.NotNil(t, r.HindsightCost)
			assert.LessOrEqual(t, *r.Bound, *r.HindsightCost+1e-6)
			// The master's size and rounds.
			require.NotNil(t, r.BoundModel)
			assert.Positive(t, r.BoundModel.Rounds)
			assert.Greater(t, int64(r.BoundModel.Cols), r.Orders, "a plan per order and more")
			assert.Positive(t, r.BoundModel.Rows)
		}

		// A method Run does not know is an error.
		cfg.BoundMethod = "simplex"
		_, err = Run(context.Background(), cfg)
		assert.ErrorContains(t, err, `bound method "simplex"`)
		cfg.BoundMethod = ""

		// One round: a weaker bound, and the note says so.
		cfg.BoundRounds = 1
		res, err = Run(context.Background(), cfg)
		require.NoError(t, err)
		r := res.Results[0]
		require.NotNil(t, r.Bound, r.BoundNote)
		assert.Contains(t, r.BoundNote, "weaker bound: the Lagrangian rounds stopped after 1")
		var b strings.Builder
		require.NoError(t, WriteTable(&b, res))
		assert.Contains(t, b.String(), "hindsight bound of baseline: weaker bound: the Lagrangian rounds stopped")
	}
}

// TestBoundOfNoOrders: a replay with no orders has a bound, 0, by either
// method, and its hindsight routing meets it.
func TestBoundOfNoOrders(t *testing.T) {
	net, table := loadTiny(t, competeNetwork, competeStock)
	header, _, _ := strings.Cut(competeOrders, "\n")
	for _, method := range []string{BoundLagrangian, BoundLP} {
		cfg := Config{Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(header + "\n")},
			Policies: []string{PolicyOptimal}, Bound: true, BoundMethod: method}
		res, err := Run(context.Background(), cfg)
		require.NoError(t, err, method)
		r := res.Results[0]
		require.NotNil(t, r.Bound, "%s: %s", method, r.BoundNote)
		assert.Zero(t, *r.Bound, method)
		assert.Empty(t, r.BoundNote, method)
		require.NotNil(t, r.GapToBound, method)
		assert.Zero(t, *r.GapToBound, method)
	}
}

// TestBoundSkippedAboveTheLimit: with BoundMethod lp, a model above
// BoundMaxVars gets no bound and a note, in the table too.
func TestBoundSkippedAboveTheLimit(t *testing.T) {
	cfg := genReplay(t, dataset.Config{Seed: 1, Stores: 8, Warehouses: 2, DarkStores: 2, SKUs: 30, Orders: 60, Days: 1})
	cfg.BoundMaxVars, cfg.BoundMethod = 100, BoundLP
	cfg.Policies = []string{PolicyOptimal}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	r := res.Results[0]
	assert.Nil(t, r.Bound)
	assert.Nil(t, r.GapToBound)
	assert.Contains(t, r.BoundNote, "skipped")
	assert.Nil(t, r.BoundModel, "not built")
	var b strings.Builder
	require.NoError(t, WriteTable(&b, res))
	assert.Contains(t, b.String(), "hindsight bound of baseline: skipped")
	assert.NotContains(t, b.String(), "gap to bound")
}

// TestBatchRoutesAtOnceWhatWaitingWouldLate: o1's promise keeps the
// parcel's one-day ETA by ten minutes, less than its wave would hold it
// (until 10:30), so batch routes it at once, as optimal does, instead of
// holding it into a miss; o2's promise leaves room for the wait, and it
// waits.
func TestBatchRoutesAtOnceWhatWaitingWouldLate(t *testing.T) {
	net, table := loadTiny(t, competeNetwork, competeStock)
	orders := `order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,unit_weight_kg,promise_by,allow_split,lost_sale_cost
o1,2026-03-02T10:00:00Z,0,0.1,A,1,delivery,,1,2026-03-03T10:10:00Z,true,50
o2,2026-03-02T10:01:00Z,0,0.1,B,1,delivery,,1,2026-03-03T12:00:00Z,true,50
`
	cfg := Config{Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
		Policies: []string{PolicyOptimal, PolicyBatch}}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	opt, batch := runs["baseline/optimal"], runs["baseline/batch"]
	require.NotNil(t, opt)
	require.NotNil(t, batch)
	assert.Zero(t, opt.UnfilledUnits)
	assert.Zero(t, batch.UnfilledUnits, "o1 routed at once keeps its promise")
	assert.InDelta(t, 1, batch.SLAHitRate, 1e-9)
	assert.InDelta(t, opt.TotalWithLost, batch.TotalWithLost, 1e-9)
}

// TestBatchPricesItsWaves: with opportunity costs on the board, a wave's
// order leaves the unit priced above its cost difference for the dearer
// source; the plan carries the real costs and the wave's problems are
// left as they came.
func TestBatchPricesItsWaves(t *testing.T) {
	pol, err := newBatch(nil)
	require.NoError(t, err)
	b := pol.(*batch)
	p := &solver.Problem{
		Lines: []solver.Line{{SKU: "s", Quantity: 1}},
		Options: []solver.Option{
			{Node: 0, NodeID: "n0", Method: solver.ShipFromStore, FixedCost: 5, CapacityUnits: -1},
			{Node: 1, NodeID: "n1", Method: solver.ShipFromStore, FixedCost: 5, CapacityUnits: -1},
		},
		Available: []int32{1, 1},
		UnitCost:  []float64{1, 2},
	}
	inst := &joint.Instance{
		Orders: []joint.Order{{Problem: p}},
		Supply: []joint.Supply{{Node: 0, SKU: "s", Start: 1}, {Node: 1, SKU: "s", Start: 1}},
	}
	ctx := context.Background()
	res, err := b.route(ctx, inst, solver.Settings{})
	require.NoError(t, err)
	require.Len(t, res.Plans[0].Shipments, 1)
	assert.Equal(t, 0, res.Plans[0].Shipments[0].Option, "no prices: the cheaper source")

	b.Prices().Set(nodePrices{0: 3}, time.Time{})
	res, err = b.route(ctx, inst, solver.Settings{})
	require.NoError(t, err)
	require.Len(t, res.Plans[0].Shipments, 1)
	assert.Equal(t, 1, res.Plans[0].Shipments[0].Option, "n0's unit is worth 3 to later orders, n1 costs 1 more")
	assert.InDelta(t, 7, res.Plans[0].TotalCost, 1e-9, "the real cost: 5 + 2")
	assert.Equal(t, []float64{1, 2}, p.UnitCost, "the wave's problem as it came")
	assert.Equal(t, []float64{1, 2}, res.Problems[0].UnitCost, "the repaired problem at real costs")
}

// nodePrices prices every SKU by node.
type nodePrices map[int]float64

func (m nodePrices) Price(node int, _ string) float64 { return m[node] }

// TestBoundLPOut: the hindsight model written with BoundLPDir reads back
// and solves to the bound the replay reports.
func TestBoundLPOut(t *testing.T) {
	cfg := genReplay(t, dataset.Config{Seed: 2, Stores: 8, Warehouses: 2, DarkStores: 2, SKUs: 30, Orders: 80, Days: 2})
	cfg.Policies = []string{PolicyOptimal}
	cfg.BoundLPDir = t.TempDir()
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.NotNil(t, res.Results[0].Bound)
	assert.Equal(t, "no_courier__2_.lp", BoundLPFile("no courier/(2)"))
	f, err := os.Open(filepath.Join(cfg.BoundLPDir, BoundLPFile(Baseline)))
	require.NoError(t, err)
	defer f.Close()
	m, err := lp.ReadLP(f)
	require.NoError(t, err)
	sol, err := lp.Solve(context.Background(), m, lp.Settings{})
	require.NoError(t, err)
	require.Equal(t, lp.StatusOptimal, sol.Status)
	assert.InDelta(t, *res.Results[0].Bound, sol.Objective, 1e-3)
}

// TestBoundPricesReplayTheClairvoyantPlan: with BoundPricesDir the
// hindsight prices are written as a prices file, and with Decisions the
// hindsight routing's decisions follow the replays'. Near holds the one unit
// that two pickups want; in hindsight the delivery ships from far, one
// pickup takes it and the other loses its sale, so one more unit at near
// would save that sale less the pickup's cost (50 - 1), and far, with units
// to spare, is worth nothing. Replayed at those prices, lookahead routes
// as the clairvoyant did.
func TestBoundPricesReplayTheClairvoyantPlan(t *testing.T) {
	const stockCSV = "node,sku,on_hand,safety_stock\nnear,s,1,0\nfar,s,10,0\n"
	net, table := loadTiny(t, scarceNetwork, stockCSV)
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
		"o1,2026-03-03T10:00:00Z,43.25,76.90,s,1,delivery,\n" +
		"o2,2026-03-03T11:00:00Z,43.25,76.90,s,1,pickup,near\n" +
		"o3,2026-03-03T12:00:00Z,43.25,76.90,s,1,pickup,near\n"
	cfg := Config{
		Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
		Policies: []string{PolicyOptimal}, Workers: 1, Bound: true, BoundPricesDir: t.TempDir(),
	}
	var decisions strings.Builder
	cfg.Decisions = &decisions
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.NotNil(t, res.Results[0].Bound)
	bound := *res.Results[0].Bound

	// The decisions file has the clairvoyant's routing after the replay's.
	var hindsight []string
	for _, row := range strings.Split(strings.TrimSpace(decisions.String()), "\n")[1:] {
		f := strings.Split(row, ",")
		if f[1] == PolicyHindsight {
			hindsight = append(hindsight, f[0]+" "+f[4]+" "+f[5]+" "+f[7])
		} else {
			assert.Empty(t, hindsight, "the hindsight rows come last")
		}
	}
	require.Len(t, hindsight, 3, decisions.String())
	assert.Equal(t, "o1 far WAREHOUSE_SHIP s:1", hindsight[0])
	// One pickup takes the unit, the other loses its sale: which one is
	// a tie.
	pickups := []string{hindsight[1][3:], hindsight[2][3:]}
	slices.Sort(pickups)
	assert.Equal(t, []string{" UNFILLED s:1", "near PICKUP s:1"}, pickups)

	path := filepath.Join(cfg.BoundPricesDir, BoundPricesFile(Baseline))
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "baseline.prices.csv", filepath.Base(path))
	prices, err := planning.ReadPricesCSV(strings.NewReader(string(raw)), path, net)
	require.NoError(t, err)
	require.Len(t, prices, 2, string(raw))
	assert.Equal(t, "far", prices[0].NodeID, "by node id")
	assert.InDelta(t, 0, prices[0].Price, 1e-6)
	assert.Equal(t, "near", prices[1].NodeID)
	assert.InDelta(t, 49, prices[1].Price, 1e-6)

	_, table = loadTiny(t, scarceNetwork, stockCSV)
	at := time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC)
	cfg = Config{
		Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
		Policies: []string{PolicyOptimal, "lookahead"}, Workers: 1,
		Prices: planning.NewPrices(prices, len(net.Nodes), at), PricesAt: at,
	}
	res, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	assert.InDelta(t, bound, runs["baseline/lookahead"].TotalWithLost, 1e-3, "the clairvoyant's routing")
	assert.Greater(t, runs["baseline/optimal"].TotalWithLost, bound+1, "optimal ships the delivery from near")
}

// TestBoundWeakerWhenTheLPStops: an LP stopped at a limit still gives a
// bound, what its duals proved by then: no more than the full bound,
// above zero, with a note saying it is weaker and no hindsight routing;
// stopped before it proved anything, no bound and the note.
func TestBoundWeakerWhenTheLPStops(t *testing.T) {
	cfg := genReplay(t, dataset.Config{Seed: 2, Stores: 8, Warehouses: 2, DarkStores: 2, SKUs: 30, Orders: 150, Days: 3})
	cfg.Policies, cfg.BoundMethod = []string{PolicyOptimal}, BoundLP
	full, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.NotNil(t, full.Results[0].Bound)
	require.Empty(t, full.Results[0].BoundNote)
	model := full.Results[0].BoundModel

	cfg.BoundMaxIterations = 200
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	r := res.Results[0]
	require.NotNil(t, r.Bound, r.BoundNote)
	assert.Positive(t, *r.Bound)
	assert.Less(t, *r.Bound, *full.Results[0].Bound, "weaker than the LP's optimum")
	assert.Contains(t, r.BoundNote, "weaker bound: the LP stopped (iteration limit) after 200 iterations")
	assert.Nil(t, r.HindsightCost)
	assert.Equal(t, [2]int{model.Rows, model.Cols}, [2]int{r.BoundModel.Rows, r.BoundModel.Cols}, "the same model")
	var b strings.Builder
	require.NoError(t, WriteTable(&b, res))
	assert.Contains(t, b.String(), "hindsight bound of baseline: weaker bound")

	cfg.BoundMaxIterations = 0
	cfg.BoundTimeLimit = time.Nanosecond // spent before the first iteration
	res, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Nil(t, res.Results[0].Bound)
	assert.Contains(t, res.Results[0].BoundNote, "no bound: the LP stopped (time limit)")
}

// TestHindsightNotes: the line under the table names the bound's method
// and where the best possible lies, or says the hindsight routing meets
// the bound.
func TestHindsightNotes(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	res := &Results{Results: []Result{
		{Policy: PolicyOptimal, Scenario: "a", KPIs: KPIs{TotalWithLost: 120}, Bound: f(100), HindsightCost: f(110), BoundMethod: BoundLagrangian},
		{Policy: PolicyOptimal, Scenario: "b", KPIs: KPIs{TotalWithLost: 105}, Bound: f(100), HindsightCost: f(110), BoundMethod: BoundLP},
		{Policy: PolicyOptimal, Scenario: "c", KPIs: KPIs{TotalWithLost: 120}, Bound: f(99.9999), HindsightCost: f(100), BoundMethod: BoundLagrangian},
	}}
	assert.Equal(t, []string{
		"a: 110.00, every order known; the best possible lies between the Lagrangian bound, 100.00, and it",
		"b: 110.00, every order known; the best possible lies between the LP bound, 100.00, and optimal's 105.00",
		"c: 100.00, every order known, meets the Lagrangian bound: the best possible",
	}, hindsightNotes(res))
}
