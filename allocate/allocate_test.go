package allocate

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/stock"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"
)

// farNetwork: a warehouse W at (0, 0) and a store S 333 km east of it.
// W ships parcels at 5 per package + 1 per unit + 0.05 per unit-mile;
// S ships from store with the same carrier (0 km: 5 + 1) and hands out
// pickups (pick cost 1 per order). One lane W -> S; the test fills in
// its costs, minimum and lead time, and S's shelf.
const farNetwork = `name: far
policy: {tz_offset_minutes: 0}
carriers:
  - {name: post, per_package: 5, per_item: 1, per_item_per_mile: 0.05, transit: [{max_km: 5000, days: 1}]}
nodes:
  - {id: W, kind: warehouse, lat: 0, lon: 0, methods: [warehouse_ship]}
  - {id: S, kind: store, lat: 0, lon: 3, methods: [ship_from_store, pickup], pick_cost_per_order: 1%s}
lanes:
  - {name: feed, from: W, to: S, cost_per_unit: %g, cost_per_shipment: %g, lead_hours: %g, min_qty: %d}
`

var day0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// weekOfOrders is one order of one unit of A a day... ten of them over a
// week, at S's door, each asking for want (delivery or pickup at S).
func weekOfOrders(want string) string {
	var b strings.Builder
	b.WriteString("order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,lost_sale_cost\n")
	pickup := ""
	if want == "pickup" {
		pickup = "S"
	}
	for i := range 10 {
		at := day0.Add(time.Duration(i) * 16 * time.Hour)
		fmt.Fprintf(&b, "o%d,%s,0,3,A,1,%s,%s,20\n", i, at.Format(time.RFC3339), want, pickup)
	}
	return b.String()
}

type farCase struct {
	shelf              string // extra node keys for S
	unitCost, shipCost float64
	leadHours          float64
	minQty             int
	want               string
	stockW, stockS     int
	// stockC is W's stock of C, which no order asks for; falls are rows
	// of a replenishments file (Input.Falls), lostPerUnit the network's
	// lost_sale_cost_per_unit.
	stockC      int
	falls       string
	lostPerUnit float64
	// walkInPerUnit is the network's walk_in_lost_sale_cost_per_unit.
	walkInPerUnit float64
}

func planFar(t *testing.T, c farCase) (*Result, *network.Network) {
	t.Helper()
	res, net, err := tryFar(t, c)
	require.NoError(t, err)
	return res, net
}

func tryFar(t *testing.T, c farCase) (*Result, *network.Network, error) {
	t.Helper()
	doc := fmt.Sprintf(farNetwork, c.shelf, c.unitCost, c.shipCost, c.leadHours, c.minQty)
	doc = strings.Replace(doc, "tz_offset_minutes: 0", fmt.Sprintf("tz_offset_minutes: 0, lost_sale_cost_per_unit: %g, walk_in_lost_sale_cost_per_unit: %g", c.lostPerUnit, c.walkInPerUnit), 1)
	net, err := network.Parse(strings.NewReader(doc), "far.yaml")
	require.NoError(t, err)
	st := fmt.Sprintf("node,sku,on_hand,safety_stock\nW,A,%d,0\nS,A,%d,0\nS,B,1,0\n", c.stockW, c.stockS)
	if c.stockC > 0 {
		st += fmt.Sprintf("W,C,%d,0\n", c.stockC)
	}
	table, err := stock.ReadCSV(strings.NewReader(st), "stock.csv", net)
	require.NoError(t, err)
	in := Input{
		Network: net, Stock: table, History: simulate.BytesSource{FileName: "history.csv", Data: []byte(weekOfOrders(c.want))},
		HistoryFrom: day0, At: day0.Add(7 * 24 * time.Hour), Horizon: 7 * 24 * time.Hour, Workers: 2,
	}
	if c.falls != "" {
		in.Falls, err = simulate.ReadReplenishments(simulate.BytesSource{FileName: "falls.csv", Data: []byte("at,node,sku,qty,reason\n" + c.falls)}, net)
		require.NoError(t, err)
	}
	res, err := Plan(context.Background(), in)
	return res, net, err
}

func moved(res *Result) map[string]int32 {
	m := map[string]int32{}
	for _, t := range res.Transfers {
		m[fmt.Sprintf("%d>%d:%s", t.From, t.To, t.SKU)] += t.Qty
	}
	return m
}

// S's customers are 333 km from W: a parcel from W costs 5 + 1 + 0.05 x
// 207 miles = 16.35 a unit, one from S 7 (its pick cost 1 + 5 + 1). Moving
// the week's 10 units to S costs 3 + 10 x 0.5 and saves 9.35 a unit sold:
// the week's demand being Poisson with mean 10, E[min(D, 10)] of them.
func TestFarStoreGetsItsWeek(t *testing.T) {
	res, _ := planFar(t, farCase{unitCost: 0.5, shipCost: 3, minQty: 1, want: "delivery", stockW: 30})
	assert.Equal(t, map[string]int32{"0>1:A": 10}, moved(res))
	assert.EqualValues(t, 10, res.UnitsMoved)
	assert.InDelta(t, 8, res.TransferCost, 1e-9)
	miles := 333.585 / 1.609344 // the great circle from W to S
	fromW := 5 + 1 + 0.05*miles
	assert.InDelta(t, 10*fromW, res.ModelCostBefore, 0.05)
	assert.InDelta(t, 10*fromW-(fromW-7)*expectedSold(10, 10)+8, res.ModelCostAfter, 0.05)
	// The replay of the history's week: 10 parcels from W without the
	// plan; with it, 10 from S (7 each) and the shipment (8).
	assert.InDelta(t, 10*fromW, res.ExpectedCostBefore, 0.05)
	assert.InDelta(t, 78, res.ExpectedCostAfter, 1e-9)
	assert.Equal(t, "replay of 1 history window of 168h0m0s (10 orders in all) with optimal", res.ExpectedBy)
	tr := res.Transfers[0]
	assert.Equal(t, day0.Add(7*24*time.Hour), tr.ShipAt)
	assert.Equal(t, tr.ShipAt, tr.ArriveAt, "no lead time")
}

// Pickups at S can only be served from S's own shelf: 10 units go there,
// and each pickup costs its pick cost (1) instead of a lost sale (20):
// the expected cost after saves 19 for each of the E[min(D, 10)] units
// the week's Poisson demand (mean 10) takes, not for all 10.
func TestPickupStoreStockedFromWarehouse(t *testing.T) {
	res, _ := planFar(t, farCase{unitCost: 0.5, shipCost: 3, minQty: 1, want: "pickup", stockW: 30})
	assert.Equal(t, map[string]int32{"0>1:A": 10}, moved(res))
	assert.InDelta(t, 200-19*expectedSold(10, 10)+8, res.ModelCostAfter, 1e-3)
	// Replayed on the history's week: 10 lost sales (200) without the
	// plan; with it, 10 picks (10) and the shipment (8).
	assert.InDelta(t, 200, res.ExpectedCostBefore, 1e-9)
	assert.InDelta(t, 18, res.ExpectedCostAfter, 1e-9)
}

// A lane dearer per unit than the lost sale it saves is not used, and the
// plan is empty: after = before.
func TestLaneTooExpensive(t *testing.T) {
	res, _ := planFar(t, farCase{unitCost: 25, shipCost: 3, minQty: 1, want: "pickup", stockW: 30})
	assert.Empty(t, res.Transfers)
	assert.Equal(t, res.ExpectedCostBefore, res.ExpectedCostAfter)
	assert.Zero(t, res.TransferCost)
}

// A shipment must carry min_qty: 12 is more than the week needs and than
// it pays to send, so nothing moves.
func TestLaneMinimumNotMet(t *testing.T) {
	res, _ := planFar(t, farCase{unitCost: 0.5, shipCost: 3, minQty: 12, want: "pickup", stockW: 30})
	assert.Empty(t, res.Transfers)
}

// S has room for 4 units of a SKU: it gets 4 (never more), and 4 pickups
// are served.
func TestShelfLimitPerSKU(t *testing.T) {
	res, _ := planFar(t, farCase{shelf: ", shelf_per_sku: 4", unitCost: 0.5, shipCost: 3, minQty: 1, want: "pickup", stockW: 30})
	assert.Equal(t, map[string]int32{"0>1:A": 4}, moved(res))
	assert.InDelta(t, 200-19*expectedSold(10, 4)+5, res.ModelCostAfter, 1e-3)
	assert.InDelta(t, 4*1+6*20+5, res.ExpectedCostAfter, 1e-9, "4 picks, 6 lost sales, the shipment")
}

// S holds 1 unit of B and may hold 3 in total: 2 units of A fit.
func TestShelfLimitTotal(t *testing.T) {
	res, _ := planFar(t, farCase{shelf: ", shelf_total: 3", unitCost: 0.5, shipCost: 3, minQty: 1, want: "pickup", stockW: 30, stockS: 0})
	assert.Equal(t, map[string]int32{"0>1:A": 2}, moved(res))
}

// W holds only 6: it sends what it has (the far store's pickups are
// worth more than W's own customers, who are S's too).
func TestSenderNeverSendsMoreThanItHas(t *testing.T) {
	res, _ := planFar(t, farCase{unitCost: 0.5, shipCost: 3, minQty: 1, want: "pickup", stockW: 6})
	assert.Equal(t, map[string]int32{"0>1:A": 6}, moved(res))
}

// A day on the road: the transfer leaves at the plan's start and arrives
// a day later; it counts for 6/7 of the week, so 10 units still pay.
func TestLeadTime(t *testing.T) {
	res, _ := planFar(t, farCase{unitCost: 0.5, shipCost: 3, minQty: 1, leadHours: 24, want: "pickup", stockW: 30})
	require.NotEmpty(t, res.Transfers)
	tr := res.Transfers[0]
	assert.Equal(t, 24*time.Hour, tr.ArriveAt.Sub(tr.ShipAt))
	assert.Less(t, res.ExpectedCostAfter, res.ExpectedCostBefore)
}

// A forecast file replaces the history: 10 pickups a week in S's region
// (S is its own region: it has no city) bring 10 units from W.
func TestPlanFromForecast(t *testing.T) {
	net, err := network.Parse(strings.NewReader(fmt.Sprintf(farNetwork, "", 0.5, 3.0, 0.0, 1)), "far.yaml")
	require.NoError(t, err)
	table, err := stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nW,A,30,0\n"), "stock.csv", net)
	require.NoError(t, err)
	d, err := forecast.ReadCSV(strings.NewReader("region,sku,method,units_per_day,variance_per_day,units_per_order,unit_weight_kg,lost_sale_cost\nS,A,pickup,"+
		strconv.FormatFloat(10.0/7, 'g', -1, 64)+",1.4,1,0.5,20\n"), "forecast.csv", forecast.NewRegions(net))
	require.NoError(t, err)
	res, err := Plan(context.Background(), Input{Network: net, Stock: table, Demand: d, At: day0.Add(7 * 24 * time.Hour), Workers: 1})
	require.NoError(t, err)
	assert.Equal(t, map[string]int32{"0>1:A": 10}, moved(res))
	assert.InDelta(t, 200, res.ExpectedCostBefore, 1e-6)

	_, err = Plan(context.Background(), Input{Network: net, Stock: table, Demand: d})
	assert.ErrorContains(t, err, "needs its start")
}

// Supply placed at W, more than W holds, is what W sends: the transfer
// leaves when the supply has arrived, and the supply row comes first.
func TestSupplyLeavesWhenItArrives(t *testing.T) {
	net, err := network.Parse(strings.NewReader(fmt.Sprintf(farNetwork, "", 0.5, 3.0, 0.0, 1)), "far.yaml")
	require.NoError(t, err)
	table, err := stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nW,A,4,0\n"), "stock.csv", net)
	require.NoError(t, err)
	at := day0.Add(7 * 24 * time.Hour)
	arrives := at.Add(6 * time.Hour)
	res, err := Plan(context.Background(), Input{
		Network: net, Stock: table, History: simulate.BytesSource{FileName: "history.csv", Data: []byte(weekOfOrders("pickup"))},
		HistoryFrom: day0, At: at, Supply: []Supply{{Node: 0, SKU: "A", Qty: 20, AvailableAt: arrives}}, Workers: 1,
	})
	require.NoError(t, err)
	require.Len(t, res.Transfers, 2)
	assert.Equal(t, simulate.Transfer{From: -1, To: 0, SKU: "A", Qty: 20, ShipAt: arrives, ArriveAt: arrives}, res.Transfers[0])
	tr := res.Transfers[1]
	assert.Equal(t, 0, tr.From)
	assert.Equal(t, 1, tr.To)
	assert.Greater(t, tr.Qty, int32(4), "more than W held before the supply")
	assert.Equal(t, arrives, tr.ShipAt)
}

// expectedSold is E[min(D, q)] for D Poisson with mean lambda: the units of
// q on a shelf that the demand takes.
func expectedSold(lambda float64, q int) float64 {
	d := distuv.Poisson{Lambda: lambda}
	var e float64
	for j := 1; j <= q; j++ {
		e += d.Survival(float64(j - 1))
	}
	return e
}

// Six stores at the customers' door may receive A but hold none of it; W,
// 333 km away, holds it. A lane too dear to use leaves the stores empty,
// so the week's deliveries are shipped from W, not lost: the expected cost
// is W's parcels (the six cheapest nodes alone would all be stores).
func TestPointServedByFarHolder(t *testing.T) {
	var b strings.Builder
	b.WriteString(`name: near
policy: {tz_offset_minutes: 0}
carriers:
  - {name: post, per_package: 5, per_item: 1, per_item_per_mile: 0.05, transit: [{max_km: 5000, days: 1}]}
nodes:
  - {id: W, kind: warehouse, lat: 0, lon: 0, methods: [warehouse_ship]}
`)
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&b, "  - {id: S%d, kind: store, lat: 0, lon: 3, methods: [ship_from_store]}\n", i)
	}
	b.WriteString("lanes:\n")
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&b, "  - {name: feed%d, from: W, to: S%d, cost_per_unit: 100, cost_per_shipment: 3, lead_hours: 0, min_qty: 1}\n", i, i)
	}
	net, err := network.Parse(strings.NewReader(b.String()), "near.yaml")
	require.NoError(t, err)
	table, err := stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nW,A,30,0\nS1,B,1,0\n"), "stock.csv", net)
	require.NoError(t, err)
	res, err := Plan(context.Background(), Input{
		Network: net, Stock: table, History: simulate.BytesSource{FileName: "history.csv", Data: []byte(weekOfOrders("delivery"))},
		HistoryFrom: day0, At: day0.Add(7 * 24 * time.Hour), Horizon: 7 * 24 * time.Hour, Workers: 2,
	})
	require.NoError(t, err)
	assert.Empty(t, res.Transfers)
	miles := 333.585 / 1.609344
	assert.InDelta(t, 10*(5+1+0.05*miles), res.ExpectedCostBefore, 0.05)
	assert.Equal(t, res.ExpectedCostBefore, res.ExpectedCostAfter)
}

// At 12 a unit, a unit moved to S pays only while its chance of selling
// (the week's pickups being Poisson with mean 10) times the lost sale it
// saves (19) beats 12: 9 units, not the LP's 10, and the expected cost
// counts each by that chance.
func TestUnitMovesOnlyWhileItsExpectedSavingPays(t *testing.T) {
	res, _ := planFar(t, farCase{unitCost: 12, shipCost: 3, minQty: 1, want: "pickup", stockW: 30})
	d := distuv.Poisson{Lambda: 10}
	want := 0
	for d.Survival(float64(want))*19 > 12 {
		want++
	}
	require.Equal(t, 9, want)
	assert.Equal(t, map[string]int32{"0>1:A": int32(want)}, moved(res))
	assert.InDelta(t, 200-19*expectedSold(10, want)+3+12*float64(want), res.ModelCostAfter, 1e-3)
	assert.InDelta(t, 9*1+20+3+12*9, res.ExpectedCostAfter, 1e-9, "9 picks, 1 lost sale, the shipment")
}

// tillWeek is S's tills selling one unit of sku a day, at noon, through
// the week before the plan.
func tillWeek(sku string) string {
	var b strings.Builder
	for i := range 7 {
		fmt.Fprintf(&b, "%s,S,%s,-1\n", day0.Add(time.Duration(i)*24*time.Hour+12*time.Hour).Format(time.RFC3339), sku)
	}
	return b.String()
}

// tillMean is what the falls of tillWeek expect over the week after the
// plan: each unit decayed by its age over the decayed 6.5 days observed
// (planning.FallRates), times 7 days.
func tillMean() float64 {
	var units float64
	for i := range 7 {
		units += math.Exp(-(6.5 - float64(i)) / 7)
	}
	return units / (7 * (1 - math.Exp(-6.5/7))) * 7
}

// The tills of S sell an A a day and S holds none: their demand is a
// demand point of S's own, served by its stock only, and the plan sends S
// the deliveries' week (10, as TestFarStoreGetsItsWeek) and about the
// tills' week more. The replays replay the history week's till sales,
// shifted: without the plan all seven go without, at A's lost-sale price
// (20 a unit, the orders' mean); with it S has them.
func TestWalkInDemandGetsStock(t *testing.T) {
	base := farCase{unitCost: 0.5, shipCost: 3, minQty: 1, want: "delivery", stockW: 40}
	c := base
	c.falls = tillWeek("A")
	res, _ := planFar(t, c)
	mean := tillMean()
	assert.EqualValues(t, math.Round(mean), res.FallUnits)
	walkIn := res.Forecast.Points[len(res.Forecast.Points)-1]
	assert.True(t, walkIn.WalkIn)
	assert.Equal(t, "S", walkIn.Order.PickupNodeID)
	assert.InDelta(t, mean, walkIn.Demand[0], 1e-9)
	assert.InDelta(t, 20, walkIn.LostSale[0], 1e-9)

	q := moved(res)["0>1:A"]
	assert.Greater(t, q, int32(10)+int32(mean/2), "the tills' units go with the deliveries'")
	assert.LessOrEqual(t, q, int32(10)+int32(math.Ceil(mean))+3)
	miles := 333.585 / 1.609344
	fromW := 5 + 1 + 0.05*miles
	assert.InDelta(t, 10*fromW+7*20, res.ExpectedCostBefore, 0.05)
	// With the plan: ten parcels from S (7 each), no till without, the
	// shipment.
	assert.InDelta(t, 10*7+3+0.5*float64(q), res.ExpectedCostAfter, 1e-9)

	// A shop that weighs a walk-in unit short at 0.1, less than the 0.5 a
	// unit costs to send, sends the deliveries' units only; at 60 it sends
	// at least as many as at the orders' 20.
	deliveries, _ := planFar(t, base)
	c.walkInPerUnit = 0.1
	res, _ = planFar(t, c)
	assert.InDelta(t, 0.1, res.Forecast.Points[len(res.Forecast.Points)-1].LostSale[0], 1e-12)
	assert.Equal(t, moved(deliveries)["0>1:A"], moved(res)["0>1:A"])
	assert.InDelta(t, 10*fromW+7*0.1, res.ExpectedCostBefore, 0.05)
	c.walkInPerUnit = 60
	res, _ = planFar(t, c)
	assert.InDelta(t, 60, res.Forecast.Points[len(res.Forecast.Points)-1].LostSale[0], 1e-12)
	assert.GreaterOrEqual(t, moved(res)["0>1:A"], q)
}

// S holds 10 A, the deliveries' week, and writes one off a day: the
// write-offs are no one's demand (no walk-in point), but they take the
// stock, so the plan keeps them out of what S holds and sends S what they
// will take, where without them it sends nothing.
func TestAdjustmentsTakeStock(t *testing.T) {
	c := farCase{unitCost: 0.5, shipCost: 3, minQty: 1, want: "delivery", stockW: 40, stockS: 10}
	res, _ := planFar(t, c)
	assert.Zero(t, moved(res)["0>1:A"], "S holds its week")
	c.falls = strings.ReplaceAll(tillWeek("A"), ",-1\n", ",-1,adjustment\n")
	res, _ = planFar(t, c)
	assert.Zero(t, res.FallUnits, "no walk-in demand")
	assert.EqualValues(t, math.Round(tillMean()), res.AdjustmentUnits)
	for _, p := range res.Forecast.Points {
		assert.False(t, p.WalkIn)
	}
	t.Logf("%d written off expected, %d sent", res.AdjustmentUnits, moved(res)["0>1:A"])
	assert.GreaterOrEqual(t, moved(res)["0>1:A"], int32(res.AdjustmentUnits)-1)
}

// A SKU that only the tills sell joins the plan at the network's per-unit
// lost-sale cost; without one, a walk-in unit short is lost at nothing (as
// a replay prices it), and nothing is sent for it.
func TestWalkInOnlySKU(t *testing.T) {
	c := farCase{unitCost: 0.5, shipCost: 3, minQty: 1, want: "delivery", stockW: 30, stockC: 30, falls: tillWeek("C"), lostPerUnit: 15}
	res, _ := planFar(t, c)
	assert.Contains(t, res.Forecast.SKUs, "C")
	assert.Positive(t, moved(res)["0>1:C"])
	assert.EqualValues(t, math.Round(tillMean()), res.FallUnits)

	c.lostPerUnit = 0
	res, _ = planFar(t, c)
	assert.Zero(t, moved(res)["0>1:C"])
	assert.Zero(t, res.FallUnits)
}
