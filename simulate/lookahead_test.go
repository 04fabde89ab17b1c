package simulate

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/planning"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scarceNetwork: store "near" in city A ships parcels and hands out
// pickups; warehouse "far" in city B, about 1,000 km away, ships parcels
// dearer by the mile. A lost unit costs 50.
const scarceNetwork = `
name: scarce
policy: {split_penalty: 1, pickup_radius_km: 10, pickup_ready_minutes: 60, tz_offset_minutes: 0, lost_sale_cost_per_unit: 50}
carriers:
  - {name: post, per_package: 5, per_item: 1, per_item_per_mile: 0.01, per_kg: 0, transit: [{max_km: 5000, days: 2}]}
couriers: []
nodes:
  - {id: near, city: A, kind: store, lat: 43.25, lon: 76.90, methods: [ship_from_store, pickup], pick_cost_per_order: 1, pick_cost_per_unit: 0}
  - {id: far, city: B, kind: warehouse, lat: 51.16, lon: 71.43, methods: [warehouse_ship], pick_cost_per_order: 1, pick_cost_per_unit: 0}
`

// scarceHistory: over two days region A asked for about four units a day
// picked up at "near" and one delivered.
func scarceHistory() string {
	var b strings.Builder
	b.WriteString("order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n")
	for i := range 8 {
		fmt.Fprintf(&b, "h%d,2026-03-01T%02d:00:00Z,43.25,76.90,s,1,pickup,near\n", i, 8+i)
		fmt.Fprintf(&b, "h%d,2026-03-02T%02d:00:00Z,43.25,76.90,s,1,pickup,near\n", 10+i, 8+i)
	}
	b.WriteString("h20,2026-03-01T20:00:00Z,43.26,76.91,s,1,delivery,\n")
	b.WriteString("h21,2026-03-02T20:00:00Z,43.26,76.91,s,1,delivery,\n")
	return b.String()
}

// scarceReplay replays a delivery in A at 10:00 and a pickup at "near"
// at 11:00 with optimal and lookahead on network and stock, with the
// history of scarceHistory.
func scarceReplay(t *testing.T, network, stock string) (opt, look *Result) {
	t.Helper()
	net, table := loadTiny(t, network, stock)
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
		"o1,2026-03-03T10:00:00Z,43.25,76.90,s,1,delivery,\n" +
		"o2,2026-03-03T11:00:00Z,43.25,76.90,s,1,pickup,near\n"
	cfg := Config{
		Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
		History:  BytesSource{"history.csv", []byte(scarceHistory())},
		Policies: []string{PolicyOptimal, "lookahead"}, Workers: 1,
	}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	opt, look = runs["baseline/optimal"], runs["baseline/lookahead"]
	require.NotNil(t, opt)
	require.NotNil(t, look)
	return opt, look
}

// TestLookaheadKeepsTheScarceUnit: the one unit at "near" is the cheapest
// for a delivery in A, and the only one a pickup there can take. optimal
// ships the delivery from "near" (7) and loses the later pickup (50);
// lookahead prices the unit at what the expected pickups would lose
// without it, ships the delivery from "far" and serves the pickup.
func TestLookaheadKeepsTheScarceUnit(t *testing.T) {
	opt, look := scarceReplay(t, scarceNetwork, "node,sku,on_hand,safety_stock\nnear,s,1,0\nfar,s,10,0\n")
	farKm := geo.DistanceKm(43.25, 76.90, 51.16, 71.43)
	assert.InDelta(t, 7+50, opt.TotalWithLost, 1e-3)
	assert.EqualValues(t, 1, opt.UnfilledUnits)
	assert.InDelta(t, (1+5+1+0.01*farKm/geo.KmPerMile)+1, look.TotalWithLost, 1e-3)
	assert.EqualValues(t, 0, look.UnfilledUnits)
	assert.LessOrEqual(t, look.TotalWithLost, opt.TotalWithLost)
	assert.EqualValues(t, 2, look.Plans, "before each order: the second is an hour later, the default interval")
	assert.Zero(t, look.PlanFailures)
	assert.Zero(t, opt.Plans)
}

// TestLookaheadKeepsTheScarcePick is TestLookaheadKeepsTheScarceUnit with
// the stock ample and the pick scarce: "near" holds ten units but picks
// one a day. optimal ships the delivery from "near" (7) and loses the
// later pickup, which finds no pick left (50); lookahead prices near's
// pick at what the expected pickups would lose without it, ships the
// delivery from "far" and serves the pickup.
func TestLookaheadKeepsTheScarcePick(t *testing.T) {
	capped := strings.Replace(scarceNetwork, "methods: [ship_from_store, pickup],", "methods: [ship_from_store, pickup], capacity_per_day: 1,", 1)
	require.NotEqual(t, scarceNetwork, capped)
	opt, look := scarceReplay(t, capped, "node,sku,on_hand,safety_stock\nnear,s,10,0\nfar,s,10,0\n")
	farKm := geo.DistanceKm(43.25, 76.90, 51.16, 71.43)
	assert.InDelta(t, 7+50, opt.TotalWithLost, 1e-3)
	assert.EqualValues(t, 1, opt.UnfilledUnits)
	assert.InDelta(t, (1+5+1+0.01*farKm/geo.KmPerMile)+1, look.TotalWithLost, 1e-3)
	assert.EqualValues(t, 0, look.UnfilledUnits)
}

// TestLookaheadPlansFromAForecast: a forecast file in place of the
// history (region A asks for four pickups a day at "near" and a delivery)
// prices the scarce unit from the first order on, as the history does;
// a replay given both is refused.
func TestLookaheadPlansFromAForecast(t *testing.T) {
	net, table := loadTiny(t, scarceNetwork, "node,sku,on_hand,safety_stock\nnear,s,1,0\nfar,s,10,0\n")
	fc, err := forecast.ReadCSV(strings.NewReader("region,sku,method,units_per_day\nA,s,pickup,4\nA,s,parcel,1\n"),
		"forecast.csv", forecast.NewRegions(net))
	require.NoError(t, err)
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
		"o1,2026-03-03T10:00:00Z,43.25,76.90,s,1,delivery,\n" +
		"o2,2026-03-03T11:00:00Z,43.25,76.90,s,1,pickup,near\n"
	cfg := Config{
		Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
		Forecast: fc, Policies: []string{PolicyOptimal, "lookahead"}, Workers: 1,
	}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	opt, look := runs["baseline/optimal"], runs["baseline/lookahead"]
	farKm := geo.DistanceKm(43.25, 76.90, 51.16, 71.43)
	assert.InDelta(t, 7+50, opt.TotalWithLost, 1e-3)
	assert.InDelta(t, (1+5+1+0.01*farKm/geo.KmPerMile)+1, look.TotalWithLost, 1e-3, "the delivery ships from far")
	assert.EqualValues(t, 0, look.UnfilledUnits)
	assert.EqualValues(t, 2, look.Plans, "the first before o1, from the forecast alone")
	assert.Zero(t, look.PlanFailures)

	cfg.History = BytesSource{"history.csv", []byte(scarceHistory())}
	_, err = Run(context.Background(), cfg)
	assert.ErrorContains(t, err, "a history and a forecast")
}

// TestLookaheadRollingNeverSeesTheFuture: without a history the first
// order has nothing to plan from (lookahead is optimal), so the scarce
// unit goes as optimal sends it.
func TestLookaheadRollingNeverSeesTheFuture(t *testing.T) {
	net, table := loadTiny(t, scarceNetwork, "node,sku,on_hand,safety_stock\nnear,s,1,0\nfar,s,10,0\n")
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
		"o1,2026-03-03T10:00:00Z,43.25,76.90,s,1,delivery,\n" +
		"o2,2026-03-03T11:00:00Z,43.25,76.90,s,1,pickup,near\n"
	cfg := Config{
		Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
		Policies: []string{PolicyOptimal, "lookahead"}, Workers: 1,
	}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	assert.InDelta(t, runs["baseline/optimal"].TotalWithLost, runs["baseline/lookahead"].TotalWithLost, 1e-9)
	assert.EqualValues(t, 1, runs["baseline/lookahead"].Plans, "planned before o2, from o1 alone")
}

// TestLookaheadReplansAfterLargeStockChanges: within one plan interval, an
// order that ships more than ReplanShare of the planned supply makes the
// next order plan again; a small one does not.
func TestLookaheadReplansAfterLargeStockChanges(t *testing.T) {
	for _, c := range []struct {
		qty   int
		plans int64
	}{{1, 1}, {3, 2}} {
		t.Run(fmt.Sprintf("qty=%d", c.qty), func(t *testing.T) {
			net, table := loadTiny(t, scarceNetwork, "node,sku,on_hand,safety_stock\nnear,s,1,0\nfar,s,10,0\n")
			orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
				fmt.Sprintf("o1,2026-03-03T10:00:00Z,43.25,76.90,s,%d,delivery,\n", c.qty) +
				"o2,2026-03-03T11:00:00Z,43.25,76.90,s,1,pickup,near\n"
			cfg := Config{
				Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
				History:  BytesSource{"history.csv", []byte(scarceHistory())},
				Policies: []string{"lookahead"}, Workers: 1, PlanInterval: 24 * time.Hour,
			}
			res, err := Run(context.Background(), cfg)
			require.NoError(t, err)
			require.Len(t, res.Results, 1)
			assert.Equal(t, c.plans, res.Results[0].Plans, "11 units planned; 20%% is 2.2")
		})
	}
}

// TestLookaheadCountsScheduledArrivals: forty units due at "near" half an
// hour after the first order make its one unit no longer scarce within the
// plan's horizon (48 hours, about sixteen pickups naming it), so lookahead
// ships the delivery from "near" as optimal does; the same arrival two
// days later, beyond the horizon, leaves the unit scarce and lookahead
// keeps it for the pickup.
func TestLookaheadCountsScheduledArrivals(t *testing.T) {
	farKm := geo.DistanceKm(43.25, 76.90, 51.16, 71.43)
	for _, c := range []struct {
		at        string
		opt, want float64
	}{
		{"2026-03-03T10:30:00Z", 7 + 1, 7 + 1},
		{"2026-03-05T10:30:00Z", 7 + 50, (1 + 5 + 1 + 0.01*farKm/geo.KmPerMile) + 1},
	} {
		t.Run(c.at, func(t *testing.T) {
			net, table := loadTiny(t, scarceNetwork, "node,sku,on_hand,safety_stock\nnear,s,1,0\nfar,s,10,0\n")
			orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
				"o1,2026-03-03T10:00:00Z,43.25,76.90,s,1,delivery,\n" +
				"o2,2026-03-03T11:00:00Z,43.25,76.90,s,1,pickup,near\n"
			reps := "at,node,sku,qty\n2026-03-01T00:00:00Z,far,s,1\n" + c.at + ",near,s,40\n"
			cfg := Config{
				Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
				Replenishments: BytesSource{"replenishments.csv", []byte(reps)},
				History:        BytesSource{"history.csv", []byte(scarceHistory())},
				Policies:       []string{PolicyOptimal, "lookahead"}, Workers: 1,
			}
			res, err := Run(context.Background(), cfg)
			require.NoError(t, err)
			runs := byRun(res)
			look := runs["baseline/lookahead"]
			assert.InDelta(t, c.opt, runs["baseline/optimal"].TotalWithLost, 1e-3)
			assert.InDelta(t, c.want, look.TotalWithLost, 1e-3)
			assert.LessOrEqual(t, look.TotalWithLost, runs["baseline/optimal"].TotalWithLost+1e-9)
			assert.Zero(t, look.UnfilledUnits)
			assert.Zero(t, look.PlanFailures)
		})
	}
}

// TestLookaheadWithPricesGivenAhead: prices from a file (Config.Prices)
// route the replay without a plan. The scarce unit at "near" priced above
// what the far source costs more keeps it for the pickup, as the planned
// prices do; priced at 0 it goes as optimal sends it.
func TestLookaheadWithPricesGivenAhead(t *testing.T) {
	farKm := geo.DistanceKm(43.25, 76.90, 51.16, 71.43)
	for _, c := range []struct {
		price float64
		want  float64
	}{
		{40, (1 + 5 + 1 + 0.01*farKm/geo.KmPerMile) + 1},
		{0, 7 + 50},
	} {
		t.Run(fmt.Sprintf("price=%v", c.price), func(t *testing.T) {
			net, table := loadTiny(t, scarceNetwork, "node,sku,on_hand,safety_stock\nnear,s,1,0\nfar,s,10,0\n")
			orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
				"o1,2026-03-03T10:00:00Z,43.25,76.90,s,1,delivery,\n" +
				"o2,2026-03-03T11:00:00Z,43.25,76.90,s,1,pickup,near\n"
			near, ok := net.NodeIndex("near")
			require.True(t, ok)
			at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			cfg := Config{
				Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
				Policies: []string{"lookahead", PolicyBatch}, Workers: 1,
				Prices:   planning.NewPrices([]planning.Price{{Node: near, NodeID: "near", SKU: "s", Price: c.price}}, len(net.Nodes), at),
				PricesAt: at,
			}
			res, err := Run(context.Background(), cfg)
			require.NoError(t, err)
			for _, name := range []string{"baseline/lookahead", "baseline/" + PolicyBatch} {
				r := byRun(res)[name]
				require.NotNil(t, r, name)
				assert.InDelta(t, c.want, r.TotalWithLost, 1e-3, name)
				assert.Zero(t, r.Plans, "%s: the prices are given, nothing is planned", name)
			}
		})
	}
}

// TestLookaheadPlansForTheSeason: without a configured horizon, a replay
// whose replenishments schedule nothing after its first plan plans a week
// ahead (the stock has to last), or over the season when its end is
// further from the first plan (at o1); one with an arrival to come plans
// two days ahead, whatever the season; a configured horizon is kept.
func TestLookaheadPlansForTheSeason(t *testing.T) {
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
		"o1,2026-03-03T10:00:00Z,43.25,76.90,s,1,delivery,\n" +
		"o2,2026-03-03T11:00:00Z,43.25,76.90,s,1,pickup,near\n"
	for _, c := range []struct {
		name, reps string
		horizon    time.Duration
		seasonEnd  string
		want       string
	}{
		{"no file", "", 0, "", "168h0m0s"},
		{"only arrivals already past", "at,node,sku,qty\n2026-03-01T00:00:00Z,far,s,1\n", 0, "", "168h0m0s"},
		{"an arrival to come", "at,node,sku,qty\n2026-03-20T00:00:00Z,far,s,1\n", 0, "", "48h0m0s"},
		{"configured", "", 24 * time.Hour, "", "24h0m0s"},
		{"a season of three days", "", 0, "2026-03-06T10:00:00Z", "168h0m0s"},
		{"a season of ten days", "", 0, "2026-03-13T10:00:00Z", "240h0m0s"},
		{"a season of ten days, an arrival to come", "at,node,sku,qty\n2026-03-20T00:00:00Z,far,s,1\n", 0, "2026-03-13T10:00:00Z", "48h0m0s"},
		{"a season of ten days, configured", "", 24 * time.Hour, "2026-03-13T10:00:00Z", "24h0m0s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			net, table := loadTiny(t, scarceNetwork, "node,sku,on_hand,safety_stock\nnear,s,1,0\nfar,s,10,0\n")
			cfg := Config{
				Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
				History:  BytesSource{"history.csv", []byte(scarceHistory())},
				Policies: []string{"lookahead"}, Workers: 1, PlanHorizon: c.horizon,
			}
			if c.reps != "" {
				cfg.Replenishments = BytesSource{"replenishments.csv", []byte(c.reps)}
			}
			if c.seasonEnd != "" {
				var err error
				cfg.SeasonEnd, err = time.Parse(time.RFC3339, c.seasonEnd)
				require.NoError(t, err)
			}
			res, err := Run(context.Background(), cfg)
			require.NoError(t, err)
			require.Len(t, res.Results, 1)
			assert.Equal(t, c.want, res.Results[0].PlanHorizon)
		})
	}
}

// seasonNetwork: one store ships parcels; a lost unit costs 50 and an
// order left short 10 more.
const seasonNetwork = `
name: season
policy: {tz_offset_minutes: 0, lost_sale_cost_per_unit: 50, lost_sale_cost_per_order: 10}
carriers:
  - {name: post, per_package: 5, per_item: 1, per_item_per_mile: 0, per_kg: 0, transit: [{max_km: 5000, days: 2}]}
couriers: []
nodes:
  - {id: near, city: A, kind: store, lat: 43.25, lon: 76.90, methods: [ship_from_store], pick_cost_per_order: 1, pick_cost_per_unit: 0}
`

// seasonHistory is ten orders of one unit of a a day over two days, at
// the season network's store.
func seasonHistory() string {
	var h strings.Builder
	h.WriteString("order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n")
	for i := range 20 {
		fmt.Fprintf(&h, "h%d,2026-03-0%dT%02d:00:00Z,43.25,76.90,a,1,delivery,\n", i, 1+i/10, 8+i%10)
	}
	return h.String()
}

// seasonFirst is the first order of the season tests: c, in stock, and
// b, not: it ships one unit for a parcel and is short by one.
const seasonFirst = "o0,2026-03-03T09:00:00Z,43.25,76.90,c,1,delivery,\n" +
	"o0,2026-03-03T09:00:00Z,43.25,76.90,b,1,delivery,\n"

// seasonStock is the season network's stock: one unit of a, one of c.
const seasonStock = "node,sku,on_hand,safety_stock\nnear,a,1,0\nnear,b,0,0\nnear,c,1,0\n"

// TestLookaheadKeepsUnitsForTheSeason: the store has one unit of a, which
// the history asks for ten times a day, one of c and none of b. o0 ships
// c and misses b: the rule has seen a unit shipped for a parcel (7) and
// an order short by one unit. o1 wants b and a: short of b whatever it
// does, it pays the per-order cost anyway. o2, later, wants a alone.
// Without a season end o1 takes the unit and o2 is left short too; with
// one, a is sure to sell out before it, so o1 leaves the unit
// (UNECONOMIC) and o2 ships it whole: one per-order cost and one parcel
// less. batch, whose waves hold one order each here, does the same. The
// results count the unit left (uneconomic_units) and, when o2 does not
// come, that it stayed unsold (uneconomic_units_unsold).
func TestLookaheadKeepsUnitsForTheSeason(t *testing.T) {
	h := seasonHistory()
	upToO1 := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" + seasonFirst +
		"o1,2026-03-03T10:00:00Z,43.25,76.90,b,1,delivery,\n" +
		"o1,2026-03-03T10:00:00Z,43.25,76.90,a,1,delivery,\n"
	orders := upToO1 + "o2,2026-03-03T11:00:00Z,43.25,76.90,a,1,delivery,\n"
	for _, name := range []string{"lookahead", PolicyBatch} {
		t.Run(name, func(t *testing.T) {
			runOrders := func(orders string, end time.Time) (*Result, string) {
				net, table := loadTiny(t, seasonNetwork, seasonStock)
				var dec strings.Builder
				cfg := Config{
					Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
					History:  BytesSource{"history.csv", []byte(h)},
					Policies: []string{name}, Workers: 1, SeasonEnd: end, Decisions: &dec,
				}
				res, err := Run(context.Background(), cfg)
				require.NoError(t, err)
				require.Len(t, res.Results, 1)
				return &res.Results[0], dec.String()
			}
			run := func(end time.Time) (*Result, string) { return runOrders(orders, end) }
			parcel := 1 + 5 + 1.0
			o0 := parcel + 50 + 10
			without, _ := run(time.Time{})
			assert.InDelta(t, o0+parcel+50+10+50+10, without.TotalWithLost, 1e-6, "o1 ships a, o2 is left short")

			with, dec := run(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC))
			assert.InDelta(t, o0+50+50+10+parcel, with.TotalWithLost, 1e-6, "o1 leaves a for o2")
			assert.Contains(t, dec, "o1,"+name+",baseline,2026-03-03T10:00:00Z,,UNFILLED,,b:1;a:1,2,110.0000,0,0.000,NO_STOCK;UNECONOMIC\n")
			assert.Equal(t, int64(1), with.UneconomicUnits)
			assert.Zero(t, with.UneconomicUnsold, "o2 takes the unit kept")
			assert.Zero(t, without.UneconomicUnits)

			// Without o2 the unit kept stays unsold.
			alone, _ := runOrders(upToO1, time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC))
			assert.Equal(t, int64(1), alone.UneconomicUnits)
			assert.Equal(t, int64(1), alone.UneconomicUnsold)

			// A season already over changes nothing.
			over, _ := run(time.Date(2026, 3, 3, 0, 0, 0, 0, time.UTC))
			assert.InDelta(t, without.TotalWithLost, over.TotalWithLost, 1e-6)
		})
	}
}

// TestSeasonRuleWaitsForAShippedUnit: a clearance. The store's five
// units of a are sure to sell out (the history asks ten a day), every
// order asks for a alone, and lost sales are priced per unit only. The
// season's rule weighs a kept unit by what a unit costs to ship, learnt
// from the units shipped; before the first it does not act. Taken as free
// instead, it kept every unit from every order, shipped none, and so
// never learnt otherwise: the five units went unsold. Now the first order
// ships, and the rule then weighs the next by a parcel (7): each ships.
func TestSeasonRuleWaitsForAShippedUnit(t *testing.T) {
	const perUnitOnly = `
name: clearance
policy: {tz_offset_minutes: 0, lost_sale_cost_per_unit: 50}
carriers:
  - {name: post, per_package: 5, per_item: 1, per_item_per_mile: 0, per_kg: 0, transit: [{max_km: 5000, days: 2}]}
couriers: []
nodes:
  - {id: near, city: A, kind: store, lat: 43.25, lon: 76.90, methods: [ship_from_store], pick_cost_per_order: 1, pick_cost_per_unit: 0}
`
	var orders strings.Builder
	orders.WriteString("order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n")
	for i := range 5 {
		fmt.Fprintf(&orders, "o%d,2026-03-03T%02d:00:00Z,43.25,76.90,a,1,delivery,\n", i, 10+i)
	}
	for _, name := range []string{"lookahead", PolicyBatch} {
		t.Run(name, func(t *testing.T) {
			net, table := loadTiny(t, perUnitOnly, "node,sku,on_hand,safety_stock\nnear,a,5,0\n")
			res, err := Run(context.Background(), Config{
				Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders.String())},
				History:  BytesSource{"history.csv", []byte(seasonHistory())},
				Policies: []string{name}, Workers: 1, SeasonEnd: time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC),
			})
			require.NoError(t, err)
			require.Len(t, res.Results, 1)
			r := res.Results[0]
			assert.Zero(t, r.UnfilledUnits, "every unit sells")
			assert.InDelta(t, 5*(1+5+1.0), r.TotalWithLost, 1e-6)
		})
	}
}

// TestSeasonEndsWithTheReplay: with SeasonAtReplayEnd the season ends at
// the latest order, o3 a day after o1, by when a (ten a day) is sure to
// sell out: o1 leaves its unit for o2, as with that end given. Without it
// o1 ships the unit; a given end wins over the replay's.
func TestSeasonEndsWithTheReplay(t *testing.T) {
	h := seasonHistory()
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" + seasonFirst +
		"o1,2026-03-03T10:00:00Z,43.25,76.90,b,1,delivery,\n" +
		"o1,2026-03-03T10:00:00Z,43.25,76.90,a,1,delivery,\n" +
		"o2,2026-03-03T11:00:00Z,43.25,76.90,a,1,delivery,\n" +
		"o3,2026-03-04T10:00:00Z,43.25,76.90,b,1,delivery,\n"
	run := func(t *testing.T, policy string, atReplayEnd bool, end time.Time) *Result {
		net, table := loadTiny(t, seasonNetwork, seasonStock)
		res, err := Run(context.Background(), Config{
			Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
			History:  BytesSource{"history.csv", []byte(h)},
			Policies: []string{policy}, Workers: 1, SeasonEnd: end, SeasonAtReplayEnd: atReplayEnd,
		})
		require.NoError(t, err)
		require.Len(t, res.Results, 1)
		return &res.Results[0]
	}
	parcel, o3 := 1+5+1.0, 50+10.0
	o0 := parcel + 50 + 10
	for _, name := range []string{"lookahead", PolicyBatch} {
		t.Run(name, func(t *testing.T) {
			replay := run(t, name, true, time.Time{})
			assert.Equal(t, "2026-03-04T10:00:00Z", replay.SeasonEnd)
			assert.InDelta(t, o0+50+50+10+parcel+o3, replay.TotalWithLost, 1e-6, "o1 leaves a for o2")
			// What the rule weighed by at the end: o0's and o2's units
			// shipped for a parcel each; o0, o1 and o3 short of b, o0 and
			// o3 of that unit only (2 of 3).
			require.NotNil(t, replay.Keep)
			assert.InDelta(t, parcel, replay.Keep.ShippingPerUnit, 1e-9)
			assert.InDelta(t, 0.3212, replay.Keep.SingleUnitShare, 1e-4, "the 90% Wilson interval of 2 in 3 starts there")

			none := run(t, name, false, time.Time{})
			assert.Empty(t, none.SeasonEnd)
			assert.Nil(t, none.Keep)
			assert.InDelta(t, o0+parcel+60+60+o3, none.TotalWithLost, 1e-6, "o1 ships a, o2 is left short")

			given := run(t, name, true, time.Date(2026, 3, 3, 10, 30, 0, 0, time.UTC))
			assert.Equal(t, "2026-03-03T10:30:00Z", given.SeasonEnd)
			assert.InDelta(t, none.TotalWithLost, given.TotalWithLost, 1e-6, "half an hour of demand does not sell a out")
		})
	}
	t.Run("no policy plans", func(t *testing.T) {
		assert.Empty(t, run(t, "optimal", true, time.Time{}).SeasonEnd)
	})
}

// TestReplayEnd: the latest created_at wherever it is in the file; a
// malformed row fails with its file and line unless skipped.
func TestReplayEnd(t *testing.T) {
	head := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n"
	end, err := ReplayEnd(BytesSource{"orders.csv", []byte(head +
		"o1,2026-03-03T10:00:00Z,43.25,76.90,a,1,delivery,\n" +
		"o2,2026-03-05T09:00:00Z,43.25,76.90,a,1,delivery,\n" +
		"o3,2026-03-04T10:00:00Z,43.25,76.90,a,1,delivery,\n")}, false)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC), end.UTC())

	bad := head + "o1,2026-03-03T10:00:00Z,43.25,76.90,a,1,delivery,\n" + "o2,yesterday,43.25,76.90,a,1,delivery,\n"
	_, err = ReplayEnd(BytesSource{"orders.csv", []byte(bad)}, false)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "orders.csv:3")
	end, err = ReplayEnd(BytesSource{"orders.csv", []byte(bad)}, true)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), end.UTC())

	end, err = ReplayEnd(BytesSource{"orders.csv", []byte(head)}, false)
	require.NoError(t, err)
	assert.True(t, end.IsZero())

	first, last, err := ReplaySpan(BytesSource{"orders.csv", []byte(head +
		"o1,2026-03-03T10:00:00Z,43.25,76.90,a,1,delivery,\n" +
		"o2,2026-03-05T09:00:00Z,43.25,76.90,a,1,delivery,\n" +
		"o3,2026-03-02T10:00:00Z,43.25,76.90,a,1,delivery,\n")}, false)
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), first.UTC(), "the earliest, wherever it is")
	assert.Equal(t, time.Date(2026, 3, 5, 9, 0, 0, 0, time.UTC), last.UTC())
}

// TestPlanInterval: hourly for a replay of a day or more (or of one
// instant), a 24th of a shorter one, never under a minute.
func TestPlanInterval(t *testing.T) {
	for span, want := range map[time.Duration]time.Duration{
		0:                             time.Hour,
		48 * time.Hour:                time.Hour,
		24 * time.Hour:                time.Hour,
		17 * time.Hour:                17 * time.Hour / 24,
		time.Hour:                     150 * time.Second,
		10 * time.Minute:              time.Minute,
		24*time.Hour - 24*time.Minute: time.Hour - time.Minute,
	} {
		assert.Equal(t, want, PlanInterval(span), "span %s", span)
	}
}

// TestShortReplayPlansOnItsOwnClock: orders every ten minutes over four
// hours, stock plenty (no plan ahead of the schedule): the replay plans
// every ten minutes (a 24th of its span), not once an hour, unless told
// otherwise.
func TestShortReplayPlansOnItsOwnClock(t *testing.T) {
	var orders strings.Builder
	orders.WriteString("order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n")
	start := time.Date(2026, 3, 3, 8, 0, 0, 0, time.UTC)
	for i := range 25 {
		fmt.Fprintf(&orders, "o%d,%s,43.25,76.90,s,1,pickup,near\n", i, start.Add(time.Duration(i)*10*time.Minute).Format(time.RFC3339))
	}
	run := func(interval time.Duration) *Result {
		net, table := loadTiny(t, scarceNetwork, "node,sku,on_hand,safety_stock\nnear,s,100,0\nfar,s,100,0\n")
		res, err := Run(context.Background(), Config{
			Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders.String())},
			History:  BytesSource{"history.csv", []byte(scarceHistory())},
			Policies: []string{"lookahead"}, Workers: 1, PlanInterval: interval,
		})
		require.NoError(t, err)
		require.Len(t, res.Results, 1)
		return &res.Results[0]
	}
	short := run(0)
	assert.Equal(t, int64(25), short.Plans, "before the first order, then every ten minutes")
	assert.Equal(t, "10m0s", short.PlanInterval)
	hourly := run(time.Hour)
	assert.Equal(t, int64(5), hourly.Plans, "before the first order, then hourly")
	assert.Equal(t, "1h0m0s", hourly.PlanInterval)
}

// picksNetwork: stores a and b, 2 km apart in city A, each picking two
// units a day, both handing out pickups and sending couriers (5 a trip
// and 1 a km); a lost unit costs 30 and an order short 5 more.
const picksNetwork = `
name: picks
policy: {tz_offset_minutes: 0, pickup_radius_km: 10, lost_sale_cost_per_unit: 30, lost_sale_cost_per_order: 5}
carriers: []
couriers:
  - {name: glovo, base: 5, per_km: 1, max_radius_km: 20, speed_kmh: 20, prep_minutes: 10}
nodes:
  - {id: a, city: A, kind: store, lat: 43.25, lon: 76.90, methods: [pickup, courier], capacity_per_day: 2, pick_cost_per_order: 1, pick_cost_per_unit: 0}
  - {id: b, city: A, kind: store, lat: 43.268, lon: 76.90, methods: [pickup, courier], capacity_per_day: 2, pick_cost_per_order: 1, pick_cost_per_unit: 0}
`

// TestLookaheadKeepsPicksForNamedPickups: every afternoon of the week
// before, a pickup of two units named store a. On the day replayed a
// courier order of two units comes in the morning, cheapest from a, and
// such a pickup at 15:00. When a picks two units a day, or holds two
// units, optimal sends the courier from a, whose picks of the day (or
// units) are then gone, and the pickup goes short (65); lookahead, and
// batch, send it from b, 2 more, and the pickup is served. Without the
// history the morning order is the replay's first, and nothing says a
// pickup will come.
func TestLookaheadKeepsPicksForNamedPickups(t *testing.T) {
	var h strings.Builder
	h.WriteString("order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n")
	for d := 1; d <= 7; d++ {
		fmt.Fprintf(&h, "h%da,2026-03-0%dT10:00:00Z,43.25,76.90,x,2,delivery,\n", d, d)
		fmt.Fprintf(&h, "h%db,2026-03-0%dT15:00:00Z,43.25,76.90,x,2,pickup,a\n", d, d)
	}
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
		"o1,2026-03-08T10:00:00Z,43.25,76.90,x,2,delivery,\n" +
		"o2,2026-03-08T15:00:00Z,43.25,76.90,x,2,pickup,a\n"
	for _, c := range []struct {
		short, network, stock string
	}{
		{"CAPACITY", picksNetwork, "node,sku,on_hand,safety_stock\na,x,10,0\nb,x,10,0\n"},
		{"NO_STOCK", strings.ReplaceAll(picksNetwork, "capacity_per_day: 2, ", ""), "node,sku,on_hand,safety_stock\na,x,2,0\nb,x,2,0\n"},
	} {
		run := func(name string, history bool) (*Result, string) {
			t.Helper()
			net, table := loadTiny(t, c.network, c.stock)
			var dec strings.Builder
			cfg := Config{
				Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
				Policies: []string{name}, Workers: 1, Decisions: &dec,
			}
			if history {
				cfg.History = BytesSource{"history.csv", []byte(h.String())}
			}
			res, err := Run(context.Background(), cfg)
			require.NoError(t, err)
			require.Len(t, res.Results, 1)
			return &res.Results[0], dec.String()
		}
		opt, dec := run("optimal", true)
		assert.InDelta(t, 6+65, opt.TotalWithLost, 1e-6, "%s: the courier from a, the pickup short", c.short)
		assert.Contains(t, dec, "o2,optimal,baseline,2026-03-08T15:00:00Z,,UNFILLED,,x:2,2,65.0000,0,0.000,"+c.short+"\n")
		for _, name := range []string{"lookahead", PolicyBatch} {
			la, dec := run(name, true)
			assert.InDelta(t, 8+1, la.TotalWithLost, 0.01, "%s, %s: the courier from b (2.0 km), the pickup at a", c.short, name)
			assert.Contains(t, dec, "o1,"+name+",baseline,2026-03-08T10:00:00Z,b,COURIER,glovo,x:2,")
			alone, _ := run(name, false)
			assert.InDelta(t, opt.TotalWithLost, alone.TotalWithLost, 1e-6, "%s, %s without the history", c.short, name)
		}
	}
}

// TestLookaheadKeepsStockForTomorrowsPickups: every afternoon of the week
// before, a courier order of two units at 14:00 and a pickup of two units
// naming store a at 15:00. On the day replayed a courier order comes at
// 16:00, after the day's orders, cheapest from a, which holds two units (b
// holds a hundred: the city has stock enough for the season, and the
// plan prices none); the
// pickup comes the next afternoon. Optimal sends the courier from a and
// the pickup goes short (65); lookahead and batch keep a's units, which
// must last until their next arrival, for it and send the courier from b,
// 2 more. (Looking to midnight only, they sent it from a: no pickup is
// due today.) With units due at a the next morning, before the pickup,
// they route as optimal does, and the pickup is served from the arrival.
func TestLookaheadKeepsStockForTomorrowsPickups(t *testing.T) {
	var h strings.Builder
	h.WriteString("order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n")
	for d := 1; d <= 7; d++ {
		fmt.Fprintf(&h, "h%da,2026-03-0%dT14:00:00Z,43.25,76.90,x,2,delivery,\n", d, d)
		fmt.Fprintf(&h, "h%db,2026-03-0%dT15:00:00Z,43.25,76.90,x,2,pickup,a\n", d, d)
	}
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
		"o1,2026-03-08T16:00:00Z,43.25,76.90,x,2,delivery,\n" +
		"o2,2026-03-09T15:00:00Z,43.25,76.90,x,2,pickup,a\n"
	network := strings.ReplaceAll(picksNetwork, "capacity_per_day: 2, ", "")
	for _, c := range []struct {
		name, reps string
		opt, want  float64
		from       string
	}{
		{"no arrival", "", 6 + 65, 8 + 1, "b"},
		{"units due the next morning", "2026-03-09T06:00:00Z,a,x,10\n", 6 + 1, 6 + 1, "a"},
	} {
		run := func(name string) (*Result, string) {
			t.Helper()
			net, table := loadTiny(t, network, "node,sku,on_hand,safety_stock\na,x,2,0\nb,x,100,0\n")
			var dec strings.Builder
			cfg := Config{
				Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
				History:        BytesSource{"history.csv", []byte(h.String())},
				Replenishments: BytesSource{"replenishments.csv", []byte("at,node,sku,qty\n" + c.reps)},
				Policies:       []string{name}, Workers: 1, Decisions: &dec,
			}
			res, err := Run(context.Background(), cfg)
			require.NoError(t, err)
			require.Len(t, res.Results, 1)
			return &res.Results[0], dec.String()
		}
		opt, _ := run("optimal")
		assert.InDelta(t, c.opt, opt.TotalWithLost, 1e-6, "%s: optimal", c.name)
		for _, name := range []string{"lookahead", PolicyBatch} {
			la, dec := run(name)
			assert.InDelta(t, c.want, la.TotalWithLost, 0.01, "%s, %s", c.name, name)
			assert.Contains(t, dec, "o1,"+name+",baseline,2026-03-08T16:00:00Z,"+c.from+",COURIER,glovo,x:2,", "%s, %s", c.name, name)
			assert.Zero(t, la.UnfilledUnits, "%s, %s", c.name, name)
		}
	}
}
