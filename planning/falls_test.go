package planning

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/lp"
)

const day = 24 * time.Hour

func TestFallRatesExpected(t *testing.T) {
	// A steady 10 units a day, a unit every 2.4 hours for 30 days: 10 a
	// day, 20 over two days.
	var r FallRates
	r.Start(at)
	for i := range 300 {
		r.Observe(at.Add(time.Duration(i)*day/10), 1, "A", 1)
	}
	end := at.Add(30 * day)
	assert.EqualValues(t, 10, r.Expected(end, day).Units(1, "A"))
	assert.EqualValues(t, 20, r.Expected(end, 2*day).Units(1, "A"))
	assert.Zero(t, r.Expected(end, day).Units(0, "A"), "a row that never fell")
	assert.Empty(t, r.Expected(end, 0))

	// One unit a day for a week, the last a day before the plan: the
	// older weigh less, 0.93 a day in all.
	var w FallRates
	w.Start(at)
	for i := range 7 {
		w.Observe(at.Add(time.Duration(i)*day), 0, "A", 1)
	}
	assert.EqualValues(t, 2, w.Expected(at.Add(7*day), 2*day).Units(0, "A"))
	assert.EqualValues(t, 1, w.Len())

	// Out of time order, the same rates.
	var back FallRates
	back.Start(at)
	for i := 6; i >= 0; i-- {
		back.Observe(at.Add(time.Duration(i)*day), 0, "A", 1)
	}
	assert.Equal(t, w.Expected(at.Add(7*day), 30*day), back.Expected(at.Add(7*day), 30*day))

	// A fall a minute after the start is not taken for a day's worth
	// each minute: the time observed counts a day at least.
	var first FallRates
	first.Start(at)
	first.Observe(at.Add(time.Minute), 0, "A", 5)
	got := first.Expected(at.Add(2*time.Minute), day).Units(0, "A")
	assert.EqualValues(t, 5, got)
	// A half unit expected is none.
	var slow FallRates
	slow.Start(at)
	slow.Observe(at, 0, "A", 1)
	assert.Empty(t, slow.Expected(at.Add(30*day), time.Hour))
}

// TestFallRatesAdjustments: adjustments (recounts down, write-offs) take
// stock as sales do, so Expected counts both; they are no one's demand,
// so EachExpected (and the tills' outlook) counts the sales only, and
// EachAdjustment the adjustments.
func TestFallRatesAdjustments(t *testing.T) {
	var r FallRates
	r.Start(at)
	for i := range 300 {
		r.Observe(at.Add(time.Duration(i)*day/10), 1, "A", 1)           // 10 sold a day
		r.ObserveAdjustment(at.Add(time.Duration(i)*day/10), 1, "A", 1) // 10 written off
		r.ObserveAdjustment(at.Add(time.Duration(i)*day/10), 2, "B", 1) // only written off
	}
	end := at.Add(30 * day)
	assert.EqualValues(t, 20, r.Expected(end, day).Units(1, "A"))
	assert.EqualValues(t, 10, r.Expected(end, day).Units(2, "B"))
	sold, adjusted := map[string]float64{}, map[string]float64{}
	r.EachExpected(end, day, func(node int, sku string, mean float64) { sold[fmt.Sprint(node, sku)] = mean })
	r.EachAdjustment(end, day, func(node int, sku string, mean float64) { adjusted[fmt.Sprint(node, sku)] = mean })
	assert.Len(t, sold, 1)
	assert.InDelta(t, 10, sold["1A"], 0.1) // 9.93: the decayed month
	assert.Len(t, adjusted, 2)
	assert.InDelta(t, sold["1A"], adjusted["2B"], 1e-9)
	assert.Equal(t, 1, r.Len(), "rows that sold")
}

func TestLessFalls(t *testing.T) {
	st := fakeStock{"A": {0: 5, 1: 3, 2: 1}, "B": {0: 4}}
	falls := ExpectedFalls{{0, "A"}: 2, {1, "A"}: 3, {0, "B"}: 9}
	v := LessFalls(st, falls)
	var got [][2]int32
	v.EachATP("A", func(node int, atp int32) { got = append(got, [2]int32{int32(node), atp}) })
	assert.Equal(t, [][2]int32{{0, 3}, {2, 1}}, got, "a row its falls take whole is left out")
	assert.EqualValues(t, 0, v.ATP(0, "B"))
	assert.EqualValues(t, 1, v.ATP(2, "A"))
	assert.EqualValues(t, 2+3+4, falls.From(st), "what it keeps out: B's 9 expected, 4 held")
	assert.EqualValues(t, 14, falls.Total())
	_, same := LessFalls(st, nil).(fakeStock)
	assert.True(t, same, "no fall: the view itself")
}

// TestFallsRaiseThePricesOfTheStockTheyTake: the hand network's demand
// of 3 a day in city A, near holding 1 and far 10: far's units are free.
// When far's own customers are expected to take 9 of its 10 within the
// day, the 2 units left are all the demand gets: each is worth the lost
// sale it saves.
func TestFallsRaiseThePricesOfTheStockTheyTake(t *testing.T) {
	net := handNet(t)
	cNear, cFar := handParcels(net)
	cell := forecast.Cell{Region: "A", SKU: "s", Method: forecast.Parcel, UnitsPerDay: 3, UnitsPerOrder: 1, LostSaleCost: 100}
	for _, c := range []struct {
		name        string
		falls       ExpectedFalls
		nearP, farP float64
	}{
		{"no fall", nil, cFar - cNear, 0},
		{"far's customers take 9", ExpectedFalls{{2, "s"}: 9}, 100 - cNear, 100 - cFar},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := handInput(t, net, cell)
			in.Stock = LessFalls(in.Stock, c.falls)
			res, _, err := Solve(context.Background(), in, lp.Settings{})
			require.NoError(t, err)
			require.Len(t, res.Prices, 2)
			assert.Equal(t, "far", res.Prices[0].NodeID)
			assert.InDelta(t, c.farP, res.Prices[0].Dual, 1e-7)
			assert.InDelta(t, c.nearP, res.Prices[1].Dual, 1e-7)
		})
	}
}

// TestHeldPrices: a row whose whole stock the falls expected take is
// priced at what a unit of its SKU lost costs on average (the cells' own,
// else the network's per unit); a row they take in part keeps the plan's price; a
// SKU with no lost-sale price gets none. WithHeld merges them into a
// plan's prices by node id.
func TestHeldPrices(t *testing.T) {
	net := handNet(t)
	st := fakeStock{"s": {0: 3, 2: 5}, "t": {1: 2}, "u": {2: 1}}
	falls := ExpectedFalls{{0, "s"}: 3, {2, "s"}: 2, {1, "t"}: 9, {2, "u"}: 1}
	demand := &forecast.Demand{Cells: []forecast.Cell{
		{Region: "A", SKU: "s", Method: forecast.Parcel, LostSaleCost: 20, UnitsPerDay: 1},
		{Region: "A", SKU: "s", Method: forecast.Pickup, LostSaleCost: 30, UnitsPerDay: 3},
		{Region: "B", SKU: "s", Method: forecast.Pickup, LostSaleCost: 90},
		{Region: "A", SKU: "t", Method: forecast.Parcel, UnitsPerDay: 1},
		{Region: "A", SKU: "u", Method: forecast.Parcel, UnitsPerDay: 1},
	}}
	net.Policy.LostSaleCostPerUnit = 0
	held := HeldPrices(falls, st, demand, net)
	require.Len(t, held, 1, "t and u have no lost-sale price")
	// What a unit of s lost costs on average, by the cells' rates (the
	// replay prices a walk-in unit short so): (20 + 3 x 30) / 4; a cell
	// that expects nothing weighs nothing.
	assert.Equal(t, Price{Node: 0, NodeID: "near", SKU: "s", Supply: 3, Dual: 27.5, Price: 27.5}, held[0])
	net.Policy.LostSaleCostPerUnit = 7
	held = HeldPrices(falls, st, demand, net)
	require.Len(t, held, 3)
	assert.Equal(t, []string{"edge/t", "far/u", "near/s"}, []string{held[0].NodeID + "/" + held[0].SKU, held[1].NodeID + "/" + held[1].SKU, held[2].NodeID + "/" + held[2].SKU})
	assert.Equal(t, 7.0, held[0].Price, "the network's per unit")

	plan := []Price{{NodeID: "far", SKU: "s", Price: 1}, {NodeID: "near", SKU: "t", Price: 2}}
	merged := WithHeld(plan, held)
	var ids []string
	for _, p := range merged {
		ids = append(ids, p.NodeID+"/"+p.SKU)
	}
	assert.Equal(t, []string{"edge/t", "far/s", "far/u", "near/s", "near/t"}, ids)
	assert.Len(t, plan, 2, "the plan's prices stay as they were")
	assert.Nil(t, HeldPrices(nil, st, demand, net))
}

// TestTills: a row the tills sell from is expected to lose, until its next
// arrival (else the plan's end), its rate a day times that span, D Poisson
// of that mean; an order taking u of its s units costs the tills the SKU's
// walk-in price times E[(D − (s − u))⁺] − E[(D − s)⁺]: for one unit, the
// price times P(D ≥ s).
func TestTills(t *testing.T) {
	net := handNet(t)
	at := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	var r FallRates
	r.Start(at.Add(-7 * day))
	for d := range 7 {
		r.Observe(at.Add(-time.Duration(d)*day-time.Hour), 0, "s", 2)
	}
	r.Observe(at.Add(-time.Hour), 1, "s", 1)
	perDay := map[int]float64{}
	r.EachExpected(at, day, func(node int, sku string, mean float64) { perDay[node] = mean })
	demand := &forecast.Demand{Cells: []forecast.Cell{{SKU: "s", UnitsPerDay: 1, LostSaleCost: 10}}}
	arrivals := []Arrival{
		{At: at.Add(36 * time.Hour), Node: 0, SKU: "s", Qty: 5},
		{At: at.Add(12 * time.Hour), Node: 0, SKU: "s", Qty: 5},
		{At: at.Add(-time.Hour), Node: 1, SKU: "s", Qty: 5}, // before: not the next
	}
	o := r.Tills(net, demand, arrivals, at, at.Add(2*day))
	require.NotNil(t, o)
	atLeast := func(mean float64, k int) float64 { return distuv.Poisson{Lambda: mean}.Survival(float64(k) - 0.5) }
	// Node 0 until the arrival at noon; node 1 over the plan's two days.
	assert.InDelta(t, 10*atLeast(perDay[0]/2, 3), o.StockValue(0, "s", 3, 1), 1e-9)
	assert.InDelta(t, 10*atLeast(2*perDay[1], 2), o.StockValue(1, "s", 2, 1), 1e-9)
	two := 10 * (atLeast(perDay[0]/2, 3) + atLeast(perDay[0]/2, 2))
	assert.InDelta(t, two, o.StockValue(0, "s", 3, 2), 1e-9, "two units: the third and the second")
	assert.Zero(t, o.StockValue(0, "s", 3, 4), "more than on hand")
	assert.Zero(t, o.StockValue(2, "s", 3, 1), "a row that never fell")
	assert.Zero(t, o.StockValue(0, "t", 3, 1))

	prices := NewPrices(nil, len(net.Nodes), at)
	assert.Zero(t, prices.StockValue(0, "s", 3, 1))
	assert.InDelta(t, o.StockValue(0, "s", 3, 1), prices.WithTills(o).StockValue(0, "s", 3, 1), 1e-12)

	assert.Nil(t, r.Tills(net, &forecast.Demand{}, nil, at, at.Add(day)), "no walk-in price")
	// The network's walk-in price stands for the SKU's online one, and
	// prices a SKU no order asked for.
	net.Policy.WalkInLostSaleCostPerUnit = 4
	o = r.Tills(net, &forecast.Demand{}, arrivals, at, at.Add(2*day))
	require.NotNil(t, o)
	assert.InDelta(t, 4*atLeast(perDay[0]/2, 3), o.StockValue(0, "s", 3, 1), 1e-9)
	assert.Nil(t, (&FallRates{}).Tills(net, demand, nil, at, at.Add(day)), "no fall")
	assert.Nil(t, r.Tills(net, demand, nil, at, at), "no time")
}
