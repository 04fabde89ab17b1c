package allocate

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/stock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// togetherNetwork: warehouses W (holding A) and V (holding A and B) at
// the same place, and a store S 111 km east of them at its customers'
// door, holding only C. One lane, W -> S.
const togetherNetwork = `name: together
policy: {tz_offset_minutes: 0}
carriers:
  - {name: post, per_package: 5, per_item: 1, per_item_per_mile: 0.05, transit: [{max_km: 5000, days: 1}]}
nodes:
  - {id: W, kind: warehouse, lat: 0, lon: 0, methods: [warehouse_ship]}
  - {id: V, kind: warehouse, lat: 0, lon: 0, methods: [warehouse_ship]}
  - {id: S, kind: store, lat: 0, lon: 1, methods: [ship_from_store, pickup], pick_cost_per_order: 1}
lanes:
  - {name: feed, from: W, to: S, cost_per_unit: 0.1, cost_per_shipment: 1, lead_hours: 0, min_qty: 1}
`

// togetherHistory is two weeks of orders at S's door: each day an order of
// A and B delivered, and two pickups of C at S.
func togetherHistory() string {
	var b strings.Builder
	b.WriteString("order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,lost_sale_cost\n")
	for d := range 14 {
		at := day0.Add(time.Duration(d)*24*time.Hour + 10*time.Hour)
		fmt.Fprintf(&b, "d%d,%s,0,1,A,1,delivery,,20\n", d, at.Format(time.RFC3339))
		fmt.Fprintf(&b, "d%d,%s,0,1,B,1,delivery,,20\n", d, at.Format(time.RFC3339))
		for j := range 2 {
			at := at.Add(time.Duration(j+1) * time.Hour)
			fmt.Fprintf(&b, "p%d-%d,%s,0,1,C,1,pickup,S,20\n", d, j, at.Format(time.RFC3339))
		}
	}
	return b.String()
}

func planTogether(t *testing.T, policy string) *Result {
	t.Helper()
	return planTogetherWith(t, policy, 2)
}

// planTogetherWith is planTogether with workers goroutines.
func planTogetherWith(t *testing.T, policy string, workers int) *Result {
	t.Helper()
	net, err := network.Parse(strings.NewReader(togetherNetwork), "together.yaml")
	require.NoError(t, err)
	table, err := stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nW,A,100,0\nV,A,100,0\nV,B,100,0\nS,C,100,0\n"), "stock.csv", net)
	require.NoError(t, err)
	res, err := Plan(context.Background(), Input{
		Network: net, Stock: table, History: simulate.BytesSource{FileName: "history.csv", Data: []byte(togetherHistory())},
		HistoryFrom: day0, At: day0.Add(14 * 24 * time.Hour), Horizon: 7 * 24 * time.Hour, Workers: workers, Policy: policy,
	})
	require.NoError(t, err)
	return res
}

// The LP prices a unit of A at the customers' door from S (a one-line
// order: 1 + (5 + 1) / 2 = 4) below W (1 + 0.05 x 69 miles + 5 / 2 =
// 6.95), and S holds half the forecast's units (C), so the model moves A
// from W to S. But every order of A also asks for B, which only V holds:
// the router ships the order whole from V (5 + 2 x 4.45 = 13.9) rather
// than split it (A from S 7, B from V 9.45). The units at S never sell,
// the replays of both weeks say so, and the plan drops them.
func TestTransferTheRouterWouldNotUseIsDropped(t *testing.T) {
	for _, policy := range []string{"optimal", "nearest"} {
		t.Run(policy, func(t *testing.T) {
			res := planTogether(t, policy)
			assert.Less(t, res.ModelCostAfter, res.ModelCostBefore, "the model expected the transfer to pay")
			require.Len(t, res.Groups, 1)
			g := res.Groups[0]
			assert.Equal(t, "warehouse>store", g.Group)
			assert.Positive(t, g.Units)
			assert.True(t, g.Judged)
			assert.False(t, g.Kept)
			assert.Negative(t, g.Saving, "the replay's saving is the transfer cost lost")
			// Window by window, in the order of res.Windows: each week
			// loses the transfer cost alike.
			require.Len(t, g.WindowSavings, 2)
			assert.InDelta(t, g.Saving, (g.WindowSavings[0]+g.WindowSavings[1])/2, 1e-4)
			for _, v := range g.WindowSavings {
				assert.Negative(t, v)
			}
			assert.Empty(t, res.Transfers)
			assert.Zero(t, res.UnitsMoved)
			assert.Zero(t, res.TransferCost)
			assert.Equal(t, res.ExpectedCostBefore, res.ExpectedCostAfter)
			assert.Equal(t, fmt.Sprintf("replay of 2 history windows of 168h0m0s (42 orders in all) with %s", policy), res.ExpectedBy)
			// Each week: 7 orders of A and B from V, 14 pickups of C at S.
			miles := 111.195 / 1.609344
			assert.InDelta(t, 7*(5+2*(1+0.05*miles))+14*1, res.ExpectedCostBefore, 0.05)
			require.Len(t, res.Windows, 2)
			for i, w := range res.Windows {
				assert.Equal(t, day0.Add(time.Duration(1-i)*7*24*time.Hour), w.From, "latest first")
				assert.Equal(t, 21, w.Orders)
				assert.Equal(t, res.ExpectedCostBefore, w.Before)
				assert.Equal(t, w.Before, w.After)
			}
		})
	}
}

// The same input gives the same plan, byte for byte, and the same
// figures.
func TestPlanDeterministic(t *testing.T) {
	write := func(res *Result) []byte {
		var b bytes.Buffer
		net, err := network.Parse(strings.NewReader(fmt.Sprintf(farNetwork, "", 0.5, 3.0, 0.0, 1)), "far.yaml")
		require.NoError(t, err)
		require.NoError(t, simulate.WriteTransfers(&b, net, res.Transfers))
		fmt.Fprintf(&b, "%v %v %v %v %s %+v", res.ExpectedCostBefore, res.ExpectedCostAfter, res.ModelCostAfter, res.TransferCost, res.ExpectedBy, res.Groups)
		return b.Bytes()
	}
	c := farCase{unitCost: 0.5, shipCost: 3, minQty: 1, want: "pickup", stockW: 30}
	a, _ := planFar(t, c)
	b, _ := planFar(t, c)
	assert.Equal(t, string(write(a)), string(write(b)))
	assert.NotEmpty(t, a.Transfers)
}

// The workers share the replays of every window and plan among them
// (a server plans with one): the plan, its groups and every window's
// costs are the same with one as with five.
func TestReplaysWhateverTheWorkers(t *testing.T) {
	one, five := planTogetherWith(t, "optimal", 1), planTogetherWith(t, "optimal", 5)
	assert.Equal(t, one.Transfers, five.Transfers)
	assert.Equal(t, one.Groups, five.Groups)
	assert.Equal(t, one.Windows, five.Windows)
	assert.Equal(t, one.Replays, five.Replays)
	assert.Equal(t, 4, one.Replays, "two windows, each without and with the plan")
}

// An unknown policy is refused before anything is solved.
func TestUnknownPolicy(t *testing.T) {
	net, err := network.Parse(strings.NewReader(togetherNetwork), "together.yaml")
	require.NoError(t, err)
	table, err := stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nW,A,100,0\n"), "stock.csv", net)
	require.NoError(t, err)
	_, err = Plan(context.Background(), Input{
		Network: net, Stock: table, History: simulate.BytesSource{FileName: "history.csv", Data: []byte(togetherHistory())},
		At: day0.Add(14 * 24 * time.Hour), Policy: "cheapest-ever",
	})
	assert.ErrorContains(t, err, `unknown policy "cheapest-ever"`)
}

// The replays apply the replenishments of the horizon, not those before
// it (the stock at the start holds them): 10 units of A reached S before
// the start and do not serve the week's pickups; 10 more arrive a day in,
// and serve the pickups from then on.
func TestReplayArrivalsWithinTheHorizon(t *testing.T) {
	net, err := network.Parse(strings.NewReader(fmt.Sprintf(farNetwork, "", 25.0, 3.0, 0.0, 1)), "far.yaml")
	require.NoError(t, err)
	table, err := stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nW,A,30,0\nS,B,1,0\n"), "stock.csv", net)
	require.NoError(t, err)
	at := day0.Add(7 * 24 * time.Hour)
	res, err := Plan(context.Background(), Input{
		Network: net, Stock: table, History: simulate.BytesSource{FileName: "history.csv", Data: []byte(weekOfOrders("pickup"))},
		HistoryFrom: day0, At: at, Workers: 1,
		Arrivals: []simulate.Replenishment{{At: at.Add(-time.Hour), Node: 1, SKU: "A", Qty: 10}, {At: at.Add(20 * time.Hour), Node: 1, SKU: "A", Qty: 10}},
	})
	require.NoError(t, err)
	assert.Empty(t, res.Transfers, "the lane costs more than a lost sale")
	// The pickups at 0 and 16 h are lost (20 each), the 8 after the
	// arrival picked (1 each).
	assert.InDelta(t, 2*20+8*1, res.ExpectedCostBefore, 1e-9)
	assert.Equal(t, res.ExpectedCostBefore, res.ExpectedCostAfter)
}

// A history shorter than the horizon is replayed as it is: the latest
// part of a window, said to be partial.
func TestReplayPartialWindow(t *testing.T) {
	net, err := network.Parse(strings.NewReader(fmt.Sprintf(farNetwork, "", 0.5, 3.0, 0.0, 1)), "far.yaml")
	require.NoError(t, err)
	table, err := stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nW,A,30,0\nS,B,1,0\n"), "stock.csv", net)
	require.NoError(t, err)
	res, err := Plan(context.Background(), Input{
		Network: net, Stock: table, History: simulate.BytesSource{FileName: "history.csv", Data: []byte(weekOfOrders("pickup"))},
		At: day0.Add(7 * 24 * time.Hour), Horizon: 8 * 24 * time.Hour, Workers: 1,
	})
	require.NoError(t, err)
	assert.Equal(t, "replay of 1 partial history window of 192h0m0s (10 orders in all) with optimal", res.ExpectedBy)
	require.Len(t, res.Windows, 1)
	assert.InDelta(t, 200, res.ExpectedCostBefore, 1e-9)
}

// A relay keeps its stock as it was, or as planned: W -> S1 -> S2 and
// V -> S2 carry A. Without W -> S1, S1 sends nothing on (V -> S2 stays);
// without S1 -> S2, S1 receives nothing (it would hold what it meant to
// send).
func TestDroppedTransfersCloseOverRelays(t *testing.T) {
	pl := &planner{
		routes: []network.Route{{From: 0, To: 1}, {From: 1, To: 2}, {From: 3, To: 2}},
		blocks: []*block{{routes: []int{0, 1, 2}, qty: []int64{5, 2, 4}}},
	}
	gone := map[transferKey]bool{{0, 0}: true}
	pl.closeGone(gone)
	assert.Equal(t, map[transferKey]bool{{0, 0}: true, {0, 1}: true}, gone)
	gone = map[transferKey]bool{{0, 1}: true}
	pl.closeGone(gone)
	assert.Equal(t, map[transferKey]bool{{0, 0}: true, {0, 1}: true}, gone)
}
