package simulate

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/stock"
)

// tinyNetwork is a hand-made network whose costs are easy to work out:
//
//	wh (warehouse) at (0, 0):   WAREHOUSE_SHIP fixed 1+5 = 6, per unit 1
//	s1 (store)     at (0, 0.1): SHIP_FROM_STORE fixed 2+5 = 7, per unit 1;
//	                            PICKUP fixed 2, per unit 0; 10 units a day
//
// and a split penalty of 1. Customers live at s1, 11.1 km from wh.
const tinyNetwork = `
name: tiny
policy: {split_penalty: 1, pickup_radius_km: 10, pickup_ready_minutes: 60, tz_offset_minutes: 0}
carriers:
  - {name: post, per_package: 5, per_item: 1, per_item_per_mile: 0, per_kg: 0, transit: [{max_km: 1000, days: 1}]}
couriers: []
nodes:
  - {id: wh, kind: warehouse, lat: 0, lon: 0, methods: [warehouse_ship], pick_cost_per_order: 1, pick_cost_per_unit: 0}
  - {id: s1, kind: store, lat: 0, lon: 0.1, methods: [ship_from_store, pickup], capacity_per_day: 10, pick_cost_per_order: 2, pick_cost_per_unit: 0}
`

const tinyStock = `node,sku,on_hand,safety_stock
wh,A,1,0
s1,A,1,0
s1,B,1,0
wh,B,5,0
wh,C,1,0
s1,D,1,0
wh,E,1,0
s1,E,1,0
`

// tinyOrders: o1 and o2 compete for A; o3 wants 2 B at s1, which has 1; o4
// needs C (only at wh) and D (only at s1); o5 is like o1.
const tinyOrders = `order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node
o1,2026-03-02T10:00:00Z,0,0.1,A,1,delivery,
o2,2026-03-02T10:10:00Z,0,0.1,A,1,delivery,
o3,2026-03-02T10:20:00Z,0,0.1,B,2,pickup,s1
o4,2026-03-02T10:30:00Z,0,0.1,C,1,delivery,
o4,2026-03-02T10:30:00Z,0,0.1,D,1,delivery,
o5,2026-03-02T10:40:00Z,0,0.1,E,1,delivery,
`

func loadTiny(t testing.TB, netYAML, stockCSV string) (*network.Network, *stock.Table) {
	t.Helper()
	net, err := network.Parse(strings.NewReader(netYAML), "network.yaml")
	require.NoError(t, err)
	table, err := stock.ReadCSV(strings.NewReader(stockCSV), "stock.csv", net)
	require.NoError(t, err)
	return net, table
}

func tinyConfig(t testing.TB, orders string) Config {
	net, table := loadTiny(t, tinyNetwork, tinyStock)
	return Config{Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)}, Workers: 2}
}

func byRun(res *Results) map[string]*Result {
	m := map[string]*Result{}
	for i := range res.Results {
		r := &res.Results[i]
		m[r.Scenario+"/"+r.Policy] = r
	}
	return m
}

func TestTinyKPIsByHand(t *testing.T) {
	res, err := Run(context.Background(), tinyConfig(t, tinyOrders))
	require.NoError(t, err)
	require.Len(t, res.Results, len(PolicyNames()))
	km := geo.DistanceKm(0, 0, 0, 0.1)

	type want struct {
		cost     float64
		distance float64 // sum over the 5 shipments
		sfs, wh  float64 // method mix
		util     float64 // s1: units / 10
	}
	// nearest and fewest-splits take s1 first: o1 s1 8, o2 wh 7, o4 s1 8 +
	// wh 7+1, o5 s1 8 = 39. optimal and priority take wh first: o1 wh 7, o2
	// s1 8, o4 16, o5 wh 7 = 38.
	greedyNear := want{cost: 39, distance: 2 * km, sfs: 0.6, wh: 0.4, util: 0.3}
	whFirst := want{cost: 38, distance: 3 * km, sfs: 0.4, wh: 0.6, util: 0.2}
	cases := map[string]want{
		"nearest": greedyNear, "fewest-splits": greedyNear,
		"priority": whFirst, "optimal": whFirst, "batch": whFirst,
	}
	runs := byRun(res)
	for policy, w := range cases {
		t.Run(policy, func(t *testing.T) {
			r := runs["baseline/"+policy]
			require.NotNil(t, r)
			assert.False(t, r.Partial)
			assert.EqualValues(t, 5, r.Orders)
			assert.EqualValues(t, 6, r.Lines)
			assert.InDelta(t, 5.0/7, r.FillRate, 1e-6)
			assert.EqualValues(t, 2, r.UnfilledUnits)
			assert.InDelta(t, w.cost, r.TotalCost, 1e-9)
			assert.InDelta(t, w.cost/4, r.CostPerOrder, 1e-4)
			assert.InDelta(t, 5.0/4, r.ShipmentsPerOrder, 1e-6)
			assert.InDelta(t, 0.25, r.SplitRate, 1e-6)
			assert.InDelta(t, w.distance/5, r.AvgDistanceKm, 1e-3)
			assert.InDelta(t, 0.8, r.SLAHitRate, 1e-6)
			assert.InDelta(t, w.sfs, r.MethodMix["SHIP_FROM_STORE"], 1e-6)
			assert.InDelta(t, w.wh, r.MethodMix["WAREHOUSE_SHIP"], 1e-6)
			assert.Zero(t, r.MethodMix["PICKUP"])
			assert.Zero(t, r.MethodMix["COURIER"])
			assert.InDelta(t, w.util, r.NodeUtilization.Mean, 1e-6)
			assert.InDelta(t, w.util, r.NodeUtilization.Max, 1e-6)
			// A, A, C, D, E each hit zero once.
			assert.EqualValues(t, 5, r.StockoutEvents)
			assert.Equal(t, []float64{w.cost}, r.Series.DayCost)
		})
	}
}

// TestReplayClock: a replenishment arrives between two orders, and the daily
// capacity resets at local midnight (UTC+5 here).
func TestReplayClock(t *testing.T) {
	netYAML := strings.Replace(tinyNetwork, "tz_offset_minutes: 0", "tz_offset_minutes: 300", 1)
	netYAML = strings.Replace(netYAML, "capacity_per_day: 10", "capacity_per_day: 1", 1)
	net, table := loadTiny(t, netYAML, "node,sku,on_hand,safety_stock\ns1,D,5,0\n")
	orders := `order_id,created_at,lat,lon,sku,qty
r1,2026-03-02T10:00:00Z,0,0.1,A,1
r2,2026-03-02T11:00:00Z,0,0.1,A,1
c1,2026-03-02T12:00:00Z,0,0.1,D,1
c2,2026-03-02T18:30:00Z,0,0.1,D,1
c3,2026-03-02T19:10:00Z,0,0.1,D,1
`
	// r1 finds no A, which no node has stocked yet (UNKNOWN_SKU); A arrives
	// at wh at 10:30, so r2 ships. The orders ask
	// for nothing in particular, so pickup at s1 is cheapest: s1 picks c1,
	// is full for c2 (18:30 UTC is 23:30 local) and picks c3 after local
	// midnight (19:00 UTC).
	reps := "at,node,sku,qty\n2026-03-02T10:30:00Z,wh,A,1\n"
	cfg := Config{
		Network: net, Stock: table, Policies: []string{PolicyOptimal, PolicyNearest},
		Orders:         BytesSource{"orders.csv", []byte(orders)},
		Replenishments: BytesSource{"replenishments.csv", []byte(reps)},
	}
	var dec bytes.Buffer
	cfg.Decisions = &dec
	cfg.TempDir = t.TempDir()
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	for _, r := range res.Results {
		assert.EqualValues(t, 5, r.Orders, r.Policy)
		assert.EqualValues(t, 2, r.UnfilledUnits, r.Policy)
		assert.Len(t, r.Series.DayOrders, 2, r.Policy)
	}
	lines := strings.Split(strings.TrimSpace(dec.String()), "\n")
	assert.Equal(t, DecisionHeader, lines[0])
	var optimal []string
	for _, l := range lines[1:] {
		if strings.Contains(l, ",optimal,") {
			f := strings.Split(l, ",")
			optimal = append(optimal, strings.TrimSpace(f[0]+" "+f[4]+" "+f[5]+" "+f[12]))
		}
	}
	assert.Equal(t, []string{"r1  UNFILLED UNKNOWN_SKU", "r2 wh WAREHOUSE_SHIP", "c1 s1 PICKUP", "c2  UNFILLED CAPACITY", "c3 s1 PICKUP"}, optimal)
	assert.Len(t, lines, 1+2*5, "one row per shipment or unfilled order, two policies")
}

// stripTimes removes the solve times, the only figures that may differ
// between two runs.
func stripTimes(t *testing.T, res *Results) []byte {
	t.Helper()
	for i := range res.Results {
		res.Results[i].SolveTimeUS = Percentiles{}
	}
	b, err := json.Marshal(res)
	require.NoError(t, err)
	return b
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	scen, err := ParseScenario([]byte("name: no-courier\ndisable_methods: [courier]\n"), "s.yaml")
	require.NoError(t, err)
	var cheap, lookahead []string
	for _, p := range PolicyNames() {
		if p == "lookahead" || p == PolicyBatch {
			lookahead = append(lookahead, p)
		} else {
			cheap = append(cheap, p)
		}
	}
	require.Len(t, lookahead, 2)
	// The per-order policies replay a 300-node network; lookahead and
	// batch, whose plans are LPs over every node and SKU, a 40-node one
	// (300 nodes took most of a minute under -race), with plans every 6h
	// of its 7 days.
	for _, c := range []struct {
		name     string
		data     dataset.Config
		policies []string
	}{
		{"per-order", dataset.Config{Seed: 7, Stores: 250, Warehouses: 10, DarkStores: 40, SKUs: 500, Orders: 600, Days: 28}, cheap},
		{"lookahead", dataset.Config{Seed: 7, Stores: 30, Warehouses: 3, DarkStores: 7, SKUs: 60, Orders: 600, Days: 7}, lookahead},
	} {
		t.Run(c.name, func(t *testing.T) {
			net, table, ords, reps := genData(t, c.data)
			run := func(workers int) []byte {
				cfg := Config{
					Network: net, Stock: table, Orders: ords, Replenishments: reps, Workers: workers,
					Scenarios: []*Scenario{scen}, Policies: c.policies, PlanInterval: 6 * time.Hour,
				}
				res, err := Run(context.Background(), cfg)
				require.NoError(t, err)
				require.Len(t, res.Results, 2*len(c.policies))
				for _, r := range res.Results {
					if r.Policy == "lookahead" || r.Policy == PolicyBatch {
						assert.Greater(t, r.Plans, int64(7), "%s planned on schedule and after stock moved", r.Scenario)
					}
				}
				return stripTimes(t, res)
			}
			a, b := run(2), run(1)
			assert.Equal(t, string(a), string(b))
			assert.Contains(t, string(a), `"scenario":"no-courier"`)
		})
	}
}

// TestOptimalNeverCostlierPerOrder: on identical state (the same built
// problem), the solver's plan costs no more than any greedy policy's plan
// that fills the same lines, whenever the solver proved optimality.
func TestOptimalNeverCostlierPerOrder(t *testing.T) {
	t.Parallel()
	net, table, ords, _ := benchData(t, 3000)
	rc, err := ords.Open()
	require.NoError(t, err)
	defer rc.Close()
	or, err := NewOrderReader(rc, ords.Name(), false)
	require.NoError(t, err)
	b := network.NewBuilder(net, nil)
	opt, err := NewPolicy(PolicyOptimal, net)
	require.NoError(t, err)
	var greedy []Policy
	for _, n := range []string{PolicyNearest, PolicyFewestSplits, PolicyPriority} {
		p, err := NewPolicy(n, net)
		require.NoError(t, err)
		greedy = append(greedy, p)
	}
	var p problemBuf
	compared, strictly := 0, 0
	for {
		o, err := or.Next()
		if err != nil {
			break
		}
		require.NoError(t, b.Build(o, table, table, &p.Problem))
		best, err := opt.Choose(&p.Problem, solverSettings())
		require.NoError(t, err)
		bestCost, bestUnits, proven := best.TotalCost, shippedUnits(best), best.Stats.Optimal
		for _, g := range greedy {
			plan, err := g.Choose(&p.Problem, solverSettings())
			require.NoError(t, err)
			requireFeasible(t, &p.Problem, plan)
			if !proven || shippedUnits(plan) != bestUnits {
				continue
			}
			compared++
			require.LessOrEqual(t, bestCost, plan.TotalCost+1e-9*math.Max(1, plan.TotalCost), "order %s, %s", o.ID, g.Name())
			if bestCost < plan.TotalCost-1e-9 {
				strictly++
			}
		}
	}
	t.Logf("%d comparisons, optimal strictly cheaper in %d", compared, strictly)
	assert.Greater(t, compared, 3000)
	assert.Positive(t, strictly)
}

func TestCancelledGivesPartial(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := Run(ctx, tinyConfig(t, tinyOrders))
	require.ErrorIs(t, err, ErrInterrupted)
	require.NotNil(t, res)
	assert.True(t, res.Partial)
	require.Len(t, res.Results, len(PolicyNames()))
	for _, r := range res.Results {
		assert.True(t, r.Partial)
	}
	var buf bytes.Buffer
	require.NoError(t, WriteTable(&buf, res))
	assert.Contains(t, buf.String(), "optimal*")
	assert.Contains(t, buf.String(), "partial")
}

func TestBadOrderRows(t *testing.T) {
	bad := tinyOrders + "o6,2026-03-02T10:50:00Z,0,0.1,A,x,delivery,\n"
	_, err := Run(context.Background(), tinyConfig(t, bad))
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrBadRow)
	assert.Contains(t, err.Error(), `orders.csv:8: qty: "x" is not an integer`)

	cfg := tinyConfig(t, bad)
	cfg.SkipBad = true
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.EqualValues(t, 5, res.Results[0].Orders)
	assert.EqualValues(t, 1, res.Input.BadRows)
	assert.EqualValues(t, 1, res.Input.SkippedOrders)
}

func TestScenarioOverridesApplied(t *testing.T) {
	s, err := ParseScenario([]byte(`
name: store-only
nodes:
  - match: {kind: [warehouse]}
    enabled: false
  - match: {id: [s1]}
    capacity_per_day: 2
    remove_methods: [pickup]
add_nodes:
  - {id: s2, kind: store, lat: 0, lon: 0.11, methods: [ship_from_store], pick_cost_per_order: 0.5, stock_from: s1}
`), "s.yaml")
	require.NoError(t, err)
	cfg := tinyConfig(t, tinyOrders)
	cfg.Scenarios = []*Scenario{s}
	cfg.Policies = []string{PolicyOptimal}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	base, scen := runs["baseline/optimal"], runs["store-only/optimal"]
	require.NotNil(t, base)
	require.NotNil(t, scen)
	// No warehouse shipping; s2 (a copy of s1's stock, cheaper picking)
	// serves instead. o3 asked for pickup at s1, which no longer offers it:
	// no store within reach offers pickup, so it stays unfilled.
	assert.Zero(t, scen.MethodMix["WAREHOUSE_SHIP"])
	assert.Equal(t, 1.0, scen.MethodMix["SHIP_FROM_STORE"])
	assert.NotEqual(t, base.TotalCost, scen.TotalCost)
	assert.Contains(t, scen.Series.NodeIDs, "s2")

	// One unit of safety stock everywhere leaves the tiny network's single
	// units unpromisable: only wh's B (5 - 1) is left, and nobody orders it
	// for delivery.
	safety, err := ParseScenario([]byte("name: safety\nsafety_stock: 1\n"), "s.yaml")
	require.NoError(t, err)
	cfg.Scenarios = []*Scenario{safety}
	res, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.EqualValues(t, 7, byRun(res)["safety/optimal"].UnfilledUnits)
	assert.EqualValues(t, 2, byRun(res)["baseline/optimal"].UnfilledUnits)

	// A policy override: the way to a pickup store priced.
	perKm, err := ParseScenario([]byte("name: per-km\npolicy: {pickup_cost_per_km: 0.25}\n"), "s.yaml")
	require.NoError(t, err)
	pr, err := perKm.apply(cfg.Network)
	require.NoError(t, err)
	assert.Equal(t, 0.25, pr.net.Policy.PickupCostPerKm)
	assert.Zero(t, cfg.Network.Policy.PickupCostPerKm, "the base network is left as it was")
	neg, err := ParseScenario([]byte("name: neg\npolicy: {pickup_cost_per_km: -1}\n"), "bad.yaml")
	require.NoError(t, err)
	_, err = neg.apply(cfg.Network)
	assert.ErrorContains(t, err, "policy.pickup_cost_per_km: -1 must be a finite number >= 0")

	_, err = ParseScenario([]byte("name: x\nbogus: 1\n"), "bad.yaml")
	assert.ErrorContains(t, err, "scenario bad.yaml: line 2: bogus: unknown field")
	_, err = ParseScenario([]byte("name: x\ncouriers:\n  - name: glovo\n    radius: 1\n"), "bad.yaml")
	assert.ErrorContains(t, err, "scenario bad.yaml: line 4: couriers[0] (glovo).radius: unknown field")
	_, err = (&Scenario{Name: "x", Nodes: []NodeOverride{{Match: NodeMatch{ID: []string{"nope"}}}}}).apply(cfg.Network)
	assert.ErrorContains(t, err, "selects no node")
}

func TestReportWritten(t *testing.T) {
	res, err := Run(context.Background(), tinyConfig(t, tinyOrders))
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, WriteReport(dir, res))
	html, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	for _, c := range []string{ChartCostPerDay, ChartMethodMix, ChartSplitRate, ChartUtilization} {
		b, err := os.ReadFile(filepath.Join(dir, c))
		require.NoError(t, err, c)
		assert.True(t, bytes.HasPrefix(bytes.TrimSpace(b), []byte("<?xml")) || bytes.Contains(b[:min(len(b), 200)], []byte("<svg")), c)
		assert.Contains(t, string(html), `src="`+c+`"`)
	}
	assert.Contains(t, string(html), "fewest-splits")
	assert.Contains(t, string(html), "cost per order")
}

func TestUnknownPolicy(t *testing.T) {
	_, err := ParsePolicies("nearest,cheapest")
	assert.ErrorContains(t, err, `unknown policy "cheapest"`)
	p, err := ParsePolicies(" optimal,nearest,optimal ")
	require.NoError(t, err)
	assert.Equal(t, []string{"optimal", "nearest"}, p)
	_, err = Run(context.Background(), Config{})
	assert.Error(t, err)
	assert.False(t, errors.Is(err, ErrInterrupted))
}

// TestExampleScenarios: the example scenarios in testdata apply to a
// generated network and change what they say.
func TestExampleScenarios(t *testing.T) {
	net, table, ords, reps := benchData(t, 300)
	files, err := filepath.Glob("testdata/scenarios/*.yaml")
	require.NoError(t, err)
	require.Len(t, files, 5)
	var scens []*Scenario
	for _, f := range files {
		s, err := LoadScenario(f)
		require.NoError(t, err, f)
		scens = append(scens, s)
	}
	cfg := Config{Network: net, Stock: table, Orders: ords, Replenishments: reps, Scenarios: scens, Policies: []string{PolicyOptimal}}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	assert.Zero(t, runs["no-ship-from-store/optimal"].MethodMix["SHIP_FROM_STORE"])
	assert.Contains(t, runs["almaty-dark-store/optimal"].Series.NodeIDs, "ala-d99")
	// Dearer parcels: the optimal policy ships less by parcel and loses
	// more, and pays more in all.
	assert.Greater(t, runs["carrier-plus-10/optimal"].TotalWithLost, runs["baseline/optimal"].TotalWithLost)
	assert.Greater(t, runs["courier-everywhere/optimal"].MethodMix["COURIER"], runs["baseline/optimal"].MethodMix["COURIER"])
	// Pickups that name a store without the units go to another.
	assert.Positive(t, runs["pickup-redirect/optimal"].RedirectedPickups)
	assert.Zero(t, runs["baseline/optimal"].RedirectedPickups)
	assert.Greater(t, runs["pickup-redirect/optimal"].FillRate, runs["baseline/optimal"].FillRate)
}

func TestScenarioFactorsRejected(t *testing.T) {
	cfg := tinyConfig(t, tinyOrders)
	cases := []struct{ name, yaml, want string }{
		{"capacity NaN", "nodes:\n  - match: {id: [s1]}\n    capacity_per_day: 10\n    capacity_factor: .nan\n", "capacity_factor: NaN must be a finite number >= 0"},
		{"capacity inf", "nodes:\n  - match: {id: [s1]}\n    capacity_per_day: 10\n    capacity_factor: .inf\n", "capacity_factor: +Inf must be a finite number >= 0"},
		{"capacity huge", "nodes:\n  - match: {id: [s1]}\n    capacity_per_day: 10\n    capacity_factor: 1e300\n", "capacity_factor: 1e+300 makes the capacity of s1"},
		{"stock NaN", "add_nodes:\n  - {id: s2, kind: store, lat: 0, lon: 0.11, methods: [ship_from_store], stock_from: s1, stock_factor: .nan}\n", "stock_factor: NaN must be a finite number > 0"},
		{"stock from added", "add_nodes:\n  - {id: s2, kind: store, lat: 0, lon: 0.11, methods: [ship_from_store], stock_from: s1}\n  - {id: s3, kind: store, lat: 0, lon: 0.12, methods: [ship_from_store], stock_from: s2}\n", `stock_from: "s2" is an added node`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := ParseScenario([]byte("name: x\n"+c.yaml), "s.yaml")
			require.NoError(t, err)
			_, err = s.apply(cfg.Network)
			assert.ErrorContains(t, err, c.want)
		})
	}

	// A factor that fits still scales the capacity.
	s, err := ParseScenario([]byte("name: x\nnodes:\n  - match: {id: [s1]}\n    capacity_per_day: 10\n    capacity_factor: 2.5\n"), "s.yaml")
	require.NoError(t, err)
	pr, err := s.apply(cfg.Network)
	require.NoError(t, err)
	i, ok := pr.net.NodeIndex("s1")
	require.True(t, ok)
	assert.Equal(t, 25, pr.net.Nodes[i].CapacityPerDay)

	// A stock copy that would overflow on hand is an error, not a wrap.
	s, err = ParseScenario([]byte("name: x\nadd_nodes:\n  - {id: s2, kind: store, lat: 0, lon: 0.11, methods: [ship_from_store], stock_from: wh, stock_factor: 1e12}\n"), "s.yaml")
	require.NoError(t, err)
	pr, err = s.apply(cfg.Network)
	require.NoError(t, err)
	_, err = scenarioStock(cfg.Stock, pr)
	assert.ErrorContains(t, err, "is above 2147483647")
}

// A starting stock whose rows carry sequence numbers (a live snapshot)
// still receives every replenishment.
func TestReplenishmentsApplyOverSequencedStock(t *testing.T) {
	net, table := loadTiny(t, tinyNetwork, "node,sku,on_hand,safety_stock\ns1,D,5,0\n")
	require.NoError(t, table.Set(0, "A", stock.Row{OnHand: 0, Seq: 40}))
	orders := "order_id,created_at,lat,lon,sku,qty\nr1,2026-03-02T11:00:00Z,0,0.1,A,1\n"
	reps := "at,node,sku,qty\n2026-03-02T10:30:00Z,wh,A,1\n"
	cfg := Config{
		Network: net, Stock: table, Policies: []string{PolicyOptimal},
		Orders:         BytesSource{"orders.csv", []byte(orders)},
		Replenishments: BytesSource{"replenishments.csv", []byte(reps)},
	}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.EqualValues(t, 0, res.Results[0].UnfilledUnits, "the arrival at wh fills r1")
}

// A SKU with a comma or a quote keeps the decisions file one field per
// column.
func TestDecisionsQuoteSKUs(t *testing.T) {
	net, table := loadTiny(t, tinyNetwork, "node,sku,on_hand,safety_stock\nwh,\"Z,1\",1,0\n")
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
		"o1,2026-03-02T10:00:00Z,0,0.1,\"Z,1\",1,delivery,\n" +
		"o2,2026-03-02T10:10:00Z,0,0.1,\"Q\"\"1\",2,delivery,\n"
	var dec bytes.Buffer
	cfg := Config{
		Network: net, Stock: table, Policies: []string{PolicyOptimal},
		Orders:    BytesSource{"orders.csv", []byte(orders)},
		Decisions: &dec, TempDir: t.TempDir(),
	}
	_, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	r := csv.NewReader(&dec)
	recs, err := r.ReadAll()
	require.NoError(t, err, dec.String())
	require.Len(t, recs, 3, dec.String())
	col := slices.Index(recs[0], "lines")
	assert.Equal(t, "Z,1:1", recs[1][col])
	assert.Equal(t, `Q"1:2`, recs[2][col])
}
