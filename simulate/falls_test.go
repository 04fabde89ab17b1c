package simulate

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/stock"
)

func TestFallSchedule(t *testing.T) {
	for _, c := range []struct {
		name     string
		start    int64
		events   []int64
		cut      int64
		arrivals []int64
	}{
		{"a fall takes from the start", 5, []int64{-2}, 2, []int64{0}},
		{"a fall before an arrival holds the start", 5, []int64{-5, 5}, 5, []int64{0, 5}},
		{"an arrival before a fall gives what the fall leaves", 0, []int64{5, -2}, 0, []int64{3, 0}},
		{"a fall larger than the free stock takes what there is", 2, []int64{-5, 5}, 2, []int64{0, 5}},
		{"below the safety stock, arrivals fill the gap first", -2, []int64{5, -1, 1}, 0, []int64{4, 0, 1}},
		{"arrivals only", 1, []int64{2, 3}, 0, []int64{2, 3}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev := make([]int, len(c.events))
			for i := range ev {
				ev[i] = i
			}
			cut, arrivals := fallSchedule(c.start, c.events, ev)
			assert.Equal(t, c.cut, cut)
			assert.Equal(t, c.arrivals, arrivals)
		})
	}
}

// fallOrders: two orders of one A each, an hour before and an hour after
// noon; every unit left unfilled costs 20. wh ships A for 7, s1 for 8.
const fallOrders = `order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,unit_weight_kg,promise_by,allow_split,lost_sale_cost
o1,2026-03-02T10:00:00Z,0,0.1,A,1,delivery,,,,,20
o2,2026-03-02T12:00:00Z,0,0.1,A,1,delivery,,,,,20
`

// fallRun replays fallOrders on the tiny network (wh and s1 one A each)
// with the given replenishments, every policy and the bound.
// It checks that the replay leaves the stock it was given as it was.
func fallRun(t *testing.T, reps string) map[string]*Result {
	t.Helper()
	cfg := tinyConfig(t, fallOrders)
	cfg.Replenishments = BytesSource{"receipts.csv", []byte("at,node,sku,qty\n" + reps)}
	cfg.Bound = true
	before := cfg.Stock.Snapshot()
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	assert.Equal(t, before, cfg.Stock.Snapshot())
	return byRun(res)
}

func TestAFallsUnitsAreNeverRouted(t *testing.T) {
	// wh's unit leaves at the till at 11:00. o1 could take it before
	// then, but the replay keeps it for the till: o1 goes to s1 and o2
	// finds nothing. The bound keeps the same rule: 8 + 20.
	runs := fallRun(t, "2026-03-02T11:00:00Z,wh,A,-1\n")
	for name, r := range runs {
		assert.EqualValues(t, 1, r.UnfilledUnits, name)
		assert.InDelta(t, 28, r.TotalWithLost, 1e-9, name)
		require.NotNil(t, r.Bound, name)
		assert.InDelta(t, 28, *r.Bound, 1e-6, name)
	}
	// The same unit back at 11:30: o2 has it, o1 still may not.
	runs = fallRun(t, "2026-03-02T11:00:00Z,wh,A,-1\n2026-03-02T11:30:00Z,wh,A,1\n")
	for name, r := range runs {
		assert.Zero(t, r.UnfilledUnits, name)
		assert.InDelta(t, 15, r.TotalWithLost, 1e-9, name)
		require.NotNil(t, r.Bound, name)
		assert.InDelta(t, 15, *r.Bound, 1e-6, name)
	}
	// Two units in at 12:30 and two out at 13:00: a fall of what the
	// orders leave holds nothing from them.
	runs = fallRun(t, "2026-03-02T12:30:00Z,wh,A,2\n2026-03-02T13:00:00Z,wh,A,-2\n")
	for name, r := range runs {
		assert.Zero(t, r.UnfilledUnits, name)
		assert.InDelta(t, 15, r.TotalWithLost, 1e-9, name)
	}
}

func TestReadArrivalsLeavesTheFallsOut(t *testing.T) {
	net, _ := loadTiny(t, tinyNetwork, tinyStock)
	src := BytesSource{"receipts.csv", []byte("at,node,sku,qty\n" +
		"2026-03-02T10:00:00Z,wh,A,3\n2026-03-02T11:00:00Z,s1,A,-1\n2026-03-02T12:00:00Z,s1,B,2\n")}
	all, err := ReadReplenishments(src, net)
	require.NoError(t, err)
	assert.Len(t, all, 3)
	assert.EqualValues(t, -1, all[1].Qty)
	arr, err := ReadArrivals(src, net)
	require.NoError(t, err)
	require.Len(t, arr, 2)
	assert.Equal(t, []string{"A", "B"}, []string{arr[0].SKU, arr[1].SKU})
}

func TestHasFalls(t *testing.T) {
	for data, want := range map[string]bool{
		"at,node,sku,qty\n2026-03-02T10:00:00Z,wh,A,3\n":             false,
		"at,node,sku,qty\n2026-03-02T10:00:00Z,wh,A,-3\n":            true,
		"at,node,sku,qty\n2026-03-02T10:00:00Z,wh-2,A,3\n":           false,
		"at,node,sku,qty\n" + strings.Repeat("x", 64<<10-17) + ",-1": true, // across two reads
	} {
		got, err := hasFalls(BytesSource{"r.csv", []byte(data)})
		require.NoError(t, err)
		assert.Equal(t, want, got, data[:min(len(data), 60)])
	}
}

// TestLiveFalls: replayed live (Config.LiveFalls), wh's fall at 11:00
// takes what is on hand then. The policies that send o1 from wh (the
// cheaper, 7) leave the till one unit short, priced as the orders' A (20),
// and fill o2 from s1 (8): 35; those that send it from s1 let the till
// have wh's unit and leave o2 unfilled: 28. The bound has the till's sale
// as an order of wh, and finds 28, which nearest reaches; counted as
// stock instead, as it was before, the bound was 15. When wh also keeps a
// safety unit, which the till may take and the orders may not, the bound
// lends it to the orders too, and says so.
func TestLiveFalls(t *testing.T) {
	cfg := tinyConfig(t, fallOrders)
	cfg.Replenishments = BytesSource{"receipts.csv", []byte("at,node,sku,qty\n2026-03-02T11:00:00Z,wh,A,-1\n")}
	cfg.Bound, cfg.LiveFalls = true, true
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	for name, r := range runs {
		assert.EqualValues(t, 1, r.WalkInUnits, name)
		assert.EqualValues(t, 1, r.WalkInShortUnits+r.UnfilledUnits, name, "one of the two goes without")
		require.NotNil(t, r.Bound, name)
		assert.InDelta(t, 28, *r.Bound, 1e-6, name)
		assert.LessOrEqual(t, *r.Bound, r.TotalWithLost+1e-9, name)
		assert.Empty(t, r.BoundNote, name)
	}
	assert.EqualValues(t, 1, runs["baseline/optimal"].WalkInShortUnits)
	assert.InDelta(t, 20, runs["baseline/optimal"].WalkInLostCost, 1e-9)
	assert.InDelta(t, 15+20, runs["baseline/optimal"].TotalWithLost, 1e-9)
	assert.InDelta(t, 20, runs["baseline/optimal"].LostSaleCost, 1e-9)
	assert.EqualValues(t, 1, runs["baseline/nearest"].UnfilledUnits)
	assert.Zero(t, runs["baseline/nearest"].WalkInShortUnits)
	assert.InDelta(t, 28, runs["baseline/nearest"].TotalWithLost, 1e-9)
	assert.InDelta(t, 28, *runs["baseline/nearest"].HindsightCost, 1e-9)

	// wh: 2 on hand, 1 of them safety stock. o1 and o2 ship (7 + 8) and
	// the till takes the safety unit: 15 for optimal, and the bound.
	net, _ := loadTiny(t, tinyNetwork, tinyStock)
	cfg.Stock, err = stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nwh,A,2,1\ns1,A,1,0\n"), "stock.csv", net)
	require.NoError(t, err)
	cfg.Network = net
	res, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	runs = byRun(res)
	opt := runs["baseline/optimal"]
	assert.Zero(t, opt.WalkInShortUnits)
	assert.InDelta(t, 15, opt.TotalWithLost, 1e-9)
	require.NotNil(t, opt.Bound)
	assert.InDelta(t, 15, *opt.Bound, 1e-6)
	assert.Contains(t, opt.BoundNote, "safety or reserved units the tills may take, which the bound lends the orders too: 1")

	// The hindsight LP alike.
	cfg.BoundMethod = BoundLP
	res, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	opt = byRun(res)["baseline/optimal"]
	require.NotNil(t, opt.Bound)
	assert.InDelta(t, 15, *opt.Bound, 1e-6)
}

// TestLiveFallsLookaheadLearnsTheirRate: wh's till sells one A an hour
// all day, and ten orders of one A each come from 06:00 on, wh shipping
// them for 7 against s1's 8. optimal sends every one from wh, and the
// till runs out before the day ends; lookahead learns the till's rate
// from the falls replayed so far, prices wh's units as the till's, and
// sends the orders from s1: dearer to ship, cheaper in all once the
// till's four lost units (at the orders' 20) count.
func TestLiveFallsLookaheadLearnsTheirRate(t *testing.T) {
	net, _ := loadTiny(t, tinyNetwork, tinyStock)
	res, err := Run(context.Background(), tillDay(t, net))
	require.NoError(t, err)
	runs := byRun(res)
	opt, la := runs["baseline/optimal"], runs["baseline/lookahead"]
	t.Logf("optimal %.2f, %d short at the till; lookahead %.2f, %d short", opt.TotalWithLost, opt.WalkInShortUnits, la.TotalWithLost, la.WalkInShortUnits)
	assert.EqualValues(t, 4, opt.WalkInShortUnits, "30 units, 10 orders and 24 sales")
	assert.InDelta(t, 70+4*20, opt.TotalWithLost, 1e-9)
	assert.Less(t, la.WalkInShortUnits, opt.WalkInShortUnits)
	assert.Less(t, la.TotalWithLost, opt.TotalWithLost)
	assert.Zero(t, la.UnfilledUnits)
}

// tillDay is the day of TestLiveFallsLookaheadLearnsTheirRate on net: wh
// holds 30 A and s1 10, ten orders of one A come hourly from 06:00, and
// wh's till sells one A at half past every hour, replayed live with
// optimal and lookahead.
func tillDay(t *testing.T, net *network.Network) Config {
	t.Helper()
	table, err := stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nwh,A,30,0\ns1,A,10,0\n"), "stock.csv", net)
	require.NoError(t, err)
	var orders, falls strings.Builder
	orders.WriteString("order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,unit_weight_kg,promise_by,allow_split,lost_sale_cost\n")
	for h := 6; h < 16; h++ {
		fmt.Fprintf(&orders, "o%d,2026-03-02T%02d:00:00Z,0,0.1,A,1,delivery,,,,,20\n", h, h)
	}
	falls.WriteString("at,node,sku,qty\n")
	for h := range 24 {
		fmt.Fprintf(&falls, "2026-03-02T%02d:30:00Z,wh,A,-1\n", h)
	}
	return Config{Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders.String())},
		Replenishments: BytesSource{"receipts.csv", []byte(falls.String())}, LiveFalls: true,
		Policies: []string{PolicyOptimal, "lookahead"}, Workers: 1}
}

// TestApplyFallsRewritesTheFile: the rewritten file reads back as the
// rule says, a SKU that needs quoting quoted, the rows of other SKUs as
// they were, and the starting stock less what the first fall needs.
func TestApplyFallsRewritesTheFile(t *testing.T) {
	net, _ := loadTiny(t, tinyNetwork, tinyStock)
	table, err := stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nwh,\"TV, 55\"\"\",3,1\ns1,A,1,0\n"), "stock.csv", net)
	require.NoError(t, err)
	src := BytesSource{"receipts.csv", []byte("at,node,sku,qty\n" +
		"2026-03-02T10:00:00Z,s1,A,4\n" +
		"2026-03-02T11:00:00Z,wh,\"TV, 55\"\"\",-1\n" +
		"2026-03-02T12:00:00Z,wh,\"TV, 55\"\"\",2\n" +
		"2026-03-02T13:00:00Z,wh,\"TV, 55\"\"\",-1\n")}
	out, rewritten, err := applyFalls(table, src, net, false)
	require.NoError(t, err)
	got, err := ReadReplenishments(rewritten, net)
	require.NoError(t, err)
	// wh's free stock: 2, then 1, 3 and 2: 1 for the orders until noon,
	// 1 more then; s1's arrival as it was.
	assert.Equal(t, []Replenishment{
		{At: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), Node: 1, SKU: "A", Qty: 4},
		{At: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC), Node: 0, SKU: "TV, 55\"", Qty: 1},
	}, got)
	row, _ := out.Get(0, "TV, 55\"")
	assert.EqualValues(t, 2, row.OnHand, "one unit given up, the safety stock kept")
	assert.EqualValues(t, 1, row.ATP())
	before, _ := table.Get(0, "TV, 55\"")
	assert.EqualValues(t, 3, before.OnHand, "the table given is not changed")
}

// TestWalkInLostSaleCost: the day of TestLiveFallsLookaheadLearnsTheirRate
// with the network's walk_in_lost_sale_cost_per_unit at 0.5, less than the
// 1 a unit s1 costs more to ship than wh. The replay prices the till's
// four units short at 0.5, not at the orders' 20; lookahead keeps none of
// wh's units for the till, as the hindsight bound does not (70 + 4 × 0.5).
func TestWalkInLostSaleCost(t *testing.T) {
	t.Run("network", func(t *testing.T) {
		net, _ := loadTiny(t, tinyNetwork, tinyStock)
		net.Policy.WalkInLostSaleCostPerUnit = 0.5
		walkInHalf(t, net)
	})
	t.Run("node", func(t *testing.T) { // wh's own price; s1's would be the orders' 20
		net, _ := loadTiny(t, tinyNetwork, tinyStock)
		wh, _ := net.NodeIndex("wh")
		net.Nodes[wh].WalkInLostSaleCostPerUnit = 0.5
		walkInHalf(t, net)
	})
}

func walkInHalf(t *testing.T, net *network.Network) {
	t.Helper()
	cfg := tillDay(t, net)
	cfg.Bound = true
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	for name, r := range byRun(res) {
		assert.EqualValues(t, 4, r.WalkInShortUnits, name)
		assert.InDelta(t, 4*0.5, r.WalkInLostCost, 1e-9, name)
		assert.InDelta(t, 70+4*0.5, r.TotalWithLost, 1e-9, name)
		require.NotNil(t, r.Bound, name)
		assert.InDelta(t, 70+4*0.5, *r.Bound, 1e-6, name)
	}
}

// TestAdjustmentsAreNotDemand: a fall whose reason is an adjustment (a
// recount down, a write-off) is read as one; its units leave as a sale's
// would, but a live replay counts neither it nor what it did not find at
// the tills, and no rate is learnt from it. A reason other than
// "adjustment", or an adjustment that is not a fall, is an error naming
// the file and line.
func TestAdjustmentsAreNotDemand(t *testing.T) {
	net, _ := loadTiny(t, tinyNetwork, tinyStock)
	file := "at,node,sku,qty,reason\n" +
		"2026-03-02T09:00:00Z,s1,A,2,\n" +
		"2026-03-02T10:00:00Z,wh,A,-1,adjustment\n" +
		"2026-03-02T11:00:00Z,wh,A,-1,\n"
	reps, err := ReadReplenishments(BytesSource{"receipts.csv", []byte(file)}, net)
	require.NoError(t, err)
	require.Len(t, reps, 3)
	assert.False(t, reps[0].Adjustment)
	assert.True(t, reps[1].Adjustment)
	assert.False(t, reps[2].Adjustment)

	var rates planning.FallRates
	ObserveFallRows(reps, time.Time{}, &rates)
	var learnt float64
	rates.EachExpected(reps[2].At, 24*time.Hour, func(_ int, _ string, mean float64) { learnt += mean })
	assert.Positive(t, learnt)
	var sales planning.FallRates
	ObserveFallRows(reps[:2], time.Time{}, &sales)
	assert.Zero(t, sales.Len(), "the adjustment is not learnt")

	for _, bad := range []struct{ row, msg string }{
		{"2026-03-02T10:00:00Z,wh,A,-1,recount\n", `receipts.csv:2: reason: "recount": want "adjustment" or nothing`},
		{"2026-03-02T10:00:00Z,wh,A,3,adjustment\n", "receipts.csv:2: reason: adjustment: only a fall (a negative qty) is an adjustment"},
	} {
		_, err := ReadReplenishments(BytesSource{"receipts.csv", []byte("at,node,sku,qty,reason\n" + bad.row)}, net)
		require.Error(t, err)
		assert.Contains(t, err.Error(), bad.msg)
	}

	// Live: wh holds 1 A, which no order asks for; the adjustment at 10:00
	// takes it, the till's sale at 11:00 finds none: one unit asked, one
	// short; the adjustment at 12:00 finds nothing, and no one goes
	// without.
	cfg := tinyConfig(t, `order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,unit_weight_kg,promise_by,allow_split,lost_sale_cost
o1,2026-03-02T13:00:00Z,0,0.1,B,1,delivery,,,,,20
`)
	cfg.Replenishments = BytesSource{"receipts.csv", []byte("at,node,sku,qty,reason\n" +
		"2026-03-02T10:00:00Z,wh,A,-1,adjustment\n" +
		"2026-03-02T11:00:00Z,wh,A,-1,\n" +
		"2026-03-02T12:00:00Z,wh,A,-1,adjustment\n")}
	cfg.LiveFalls, cfg.Policies, cfg.Bound = true, []string{PolicyOptimal}, true
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	opt := byRun(res)["baseline/optimal"]
	assert.EqualValues(t, 1, opt.WalkInUnits)
	assert.EqualValues(t, 1, opt.WalkInShortUnits)
	require.NotNil(t, opt.Bound)
	assert.LessOrEqual(t, *opt.Bound, opt.TotalWithLost+1e-9)
}
