package planning

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// lineOrder returns an order asking for one unit of each of skus.
func lineOrder(id string, skus ...string) *network.Order {
	o := &network.Order{ID: id}
	for _, s := range skus {
		o.Lines = append(o.Lines, solver.Line{SKU: s, Quantity: 1})
	}
	return o
}

// TestOrdersRepeating: the window counts orders of two lines or more by
// their set of SKUs, in any order of lines; it says the orders repeat
// once it is full and half of them share their set with another.
func TestOrdersRepeating(t *testing.T) {
	var w OrderWindow
	for i := range RepeatWindow / 2 {
		w.Observe(lineOrder("", fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i))) // all different
		w.Observe(lineOrder("", "single"))                                     // one line: not counted
	}
	assert.False(t, w.Repeating(), "not full")
	for i := range RepeatWindow/2 - 1 {
		w.Observe(lineOrder("", fmt.Sprintf("b%d", i), fmt.Sprintf("a%d", i))) // the same sets, lines swapped
	}
	w.Observe(lineOrder("", "x", "y"))
	assert.Len(t, w.sets, RepeatWindow)
	assert.Equal(t, RepeatWindow-2, w.recurring)
	assert.True(t, w.Repeating())
	// New sets push the repeated ones out.
	for i := range RepeatWindow {
		w.Observe(lineOrder("", fmt.Sprintf("c%d", i), "d"))
	}
	assert.Zero(t, w.recurring)
	assert.False(t, w.Repeating())
}

// TestOrdersDense: the window is dense once the orders it holds ask for
// each SKU they name DenseLines times on average, repeated baskets or
// not (so ModelAuto plans over them), and stops being dense when orders of new SKUs push them out.
func TestOrdersDense(t *testing.T) {
	var w OrderWindow
	assert.False(t, w.Dense(), "empty")
	// Orders of one line over ten SKUs (no set to repeat): DenseLines*10
	// lines make it dense.
	for i := range DenseLines*10 - 1 {
		w.Observe(lineOrder("", fmt.Sprintf("s%d", i%10)))
	}
	assert.False(t, w.Dense(), "a line short")
	w.Observe(lineOrder("", "s0"))
	assert.True(t, w.Dense())
	assert.False(t, w.Repeating())
	assert.True(t, w.Representative())
	// Orders of one line each of a new SKU: they fill the window and push
	// the pairs out.
	for i := range MaxPlanOrders {
		w.Observe(lineOrder("", fmt.Sprintf("n%d", i)))
	}
	assert.False(t, w.Dense())
	assert.Len(t, w.lines, MaxPlanOrders, "the pairs' SKUs left the count")
	assert.Equal(t, MaxPlanOrders, w.nLines)
}

// TestOrderWindowKeepsTheLatest: the window keeps copies of the latest
// MaxPlanOrders orders and gives them latest first; a copy does not
// change with the order it was made from, nor with the slice Latest
// filled before.
func TestOrderWindowKeepsTheLatest(t *testing.T) {
	var w OrderWindow
	first := lineOrder("o0", "a", "b")
	w.Observe(first)
	first.Lines[0].SKU = "changed"
	latest := w.Latest(nil)
	require.Len(t, latest, 1)
	assert.Equal(t, "a", latest[0].Lines[0].SKU, "a copy")

	total := MaxPlanOrders + 7
	for i := 1; i < total; i++ {
		w.Observe(lineOrder(fmt.Sprintf("o%d", i), "a"))
	}
	assert.Equal(t, MaxPlanOrders, w.Len())
	latest[0].Lines[0].SKU = "scratch"
	latest = w.Latest(latest)
	require.Len(t, latest, MaxPlanOrders)
	for i, o := range latest {
		assert.Equal(t, fmt.Sprintf("o%d", total-1-i), o.ID)
		assert.Equal(t, "a", o.Lines[0].SKU)
	}
}

func TestCheckModel(t *testing.T) {
	for _, m := range []string{ModelAuto, ModelDemand, ModelOrders} {
		assert.NoError(t, CheckModel(m))
	}
	assert.ErrorContains(t, CheckModel("bundles"), `plan model "bundles"`)
}

// TestArrivalsView: the view adds what arrives to what is on hand, and
// lists the nodes with either in ascending order; only the arrivals
// after the start and up to the end count.
func TestArrivalsView(t *testing.T) {
	at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	st := fakeStock{"s": {1: 4, 3: 2, 5: -1}, "t": {2: 7}}
	due := dueArrivals([]Arrival{
		{At: at.Add(2 * time.Hour), Node: 3, SKU: "s", Qty: 5},
		{At: at.Add(time.Hour), Node: 0, SKU: "s", Qty: 1},
		{At: at.Add(time.Hour), Node: 4, SKU: "s", Qty: 2},
		{At: at.Add(3 * time.Hour), Node: 3, SKU: "s", Qty: 1},
		{At: at, Node: 6, SKU: "s", Qty: 9},                     // arrived already
		{At: at.Add(48 * time.Hour), Node: 6, SKU: "s", Qty: 9}, // after the end
	}, at, at.Add(24*time.Hour))
	require.Len(t, due, 4)
	for i := 1; i < len(due); i++ {
		assert.False(t, due[i].At.Before(due[i-1].At), "ascending time")
	}
	v := newArrivalsView(st, due)
	type visit struct {
		node int
		atp  int32
	}
	var got []visit
	v.EachATP("s", func(node int, atp int32) { got = append(got, visit{node, atp}) })
	assert.Equal(t, []visit{{0, 1}, {1, 4}, {3, 8}, {4, 2}}, got)
	assert.EqualValues(t, 8, v.ATP(3, "s"))
	assert.EqualValues(t, 0, v.ATP(5, "s"), "below 0 on hand counts as none")
	assert.EqualValues(t, 7, v.ATP(2, "t"))
	assert.Len(t, v.due[nodeSKU{3, "s"}], 2)
}

// TestOrdersPlanCountsArrivalsAndPromises: ten orders a day of a unit
// each to city A, the one unit on hand at "near": it is worth about a lost
// sale to the sample of the day to come. Ten units due at "far" within the
// day leave it worth only the parcel it saves; due after the day, they do
// not count. The history's orders were made ten days before, their
// promise three days after: they come again with it three days after.
func TestOrdersPlanCountsArrivalsAndPromises(t *testing.T) {
	net := handNet(t)
	var w OrderWindow
	for i := range 10 {
		created := at.Add(-10*24*time.Hour + time.Duration(i)*time.Hour)
		w.Observe(&network.Order{
			ID: fmt.Sprintf("h%d", i), CreatedAt: created, PromiseBy: created.Add(72 * time.Hour),
			Lat: net.Nodes[0].Lat, Lon: net.Nodes[0].Lon, Want: network.WantDelivery,
			Lines: []solver.Line{{SKU: "s", Quantity: 1, LostSaleCost: 50}},
		})
	}
	st := fakeStock{"s": {0: 1}}
	price := func(arrivals []Arrival) (float64, *OrdersPlan) {
		plan, err := NewOrderPlanner(net).Plan(context.Background(), st, w.Latest(nil), arrivals, at, at.Add(24*time.Hour), 10)
		require.NoError(t, err)
		for _, p := range plan.Prices {
			if p.NodeID == "near" && p.SKU == "s" {
				return p.Price, plan
			}
		}
		t.Fatalf("near's unit is not priced: %+v", plan.Prices)
		return 0, nil
	}
	alone, plan := price(nil)
	assert.Equal(t, 10, plan.Orders)
	assert.InDelta(t, 10, plan.Units, 0)
	assert.Equal(t, OrdersPlanScenarios, plan.Scenarios)
	assert.Greater(t, alone, 40.0, "about a lost sale")
	again, replan := price(nil)
	assert.Equal(t, alone, again, "the same samples every time")
	assert.Equal(t, plan.Prices, replan.Prices)

	due, _ := price([]Arrival{{At: at.Add(time.Minute), Node: 2, SKU: "s", Qty: 10}})
	assert.Less(t, due, 10.0, "the parcel it saves")
	late, _ := price([]Arrival{{At: at.Add(25 * time.Hour), Node: 2, SKU: "s", Qty: 10}})
	assert.InDelta(t, alone, late, 1e-9, "after the plan's end")
}

// TestOrdersPlanAveragesSamples: a unit's price is the mean of its stock
// values over the samples. The orders seen are nine deliveries that "far"
// serves and a pickup at "near", which holds one unit. The first sample
// (the ten orders once each) needs that unit for the one pickup and no
// more, and prices it at nothing; a sample drawn at random that holds the
// pickup twice or more prices it at about a lost sale, one that holds it
// once or never at nothing. The mean over several samples lies between;
// one sample gives the first's price.
func TestOrdersPlanAveragesSamples(t *testing.T) {
	net := handNet(t)
	var w OrderWindow
	for i := range 10 {
		o := &network.Order{
			ID: fmt.Sprintf("h%d", i), CreatedAt: at.Add(time.Duration(i-10) * time.Hour),
			Lat: net.Nodes[2].Lat, Lon: net.Nodes[2].Lon, Want: network.WantDelivery,
			Lines: []solver.Line{{SKU: "s", Quantity: 1, LostSaleCost: 50}},
		}
		if i == 9 {
			o.Lat, o.Lon = net.Nodes[0].Lat, net.Nodes[0].Lon
			o.Want, o.PickupNodeID = network.WantPickup, "near"
		}
		w.Observe(o)
	}
	st := fakeStock{"s": {0: 1, 2: 9}}
	priceOf := func(plan *OrdersPlan) float64 {
		for _, p := range plan.Prices {
			if p.NodeID == "near" && p.SKU == "s" {
				return p.Price
			}
		}
		return 0
	}
	one := NewOrderPlanner(net)
	one.Scenarios = 1
	first, err := one.Plan(context.Background(), st, w.Latest(nil), nil, at, at.Add(24*time.Hour), 10)
	require.NoError(t, err)
	assert.Equal(t, 1, first.Scenarios)
	many, err := NewOrderPlanner(net).Plan(context.Background(), st, w.Latest(nil), nil, at, at.Add(24*time.Hour), 10)
	require.NoError(t, err)
	assert.Less(t, priceOf(first), priceOf(many), "the mean over samples is not the first's")
	assert.Less(t, priceOf(many), 50.0, "some samples hold the pickup once or not at all")
}

// TestContentKey: orders alike in all but their ID and time (the promise
// as far after the order) have one key, so that a sample builds their
// problem once; a change to any other field makes another key, and an
// order with live quotes has none. A plan over orders all alike solves a
// master of one subproblem.
func TestContentKey(t *testing.T) {
	// Every field of an order and of a line is in the key or named here.
	require.Equal(t, 15, reflect.TypeFor[network.Order]().NumField(), "contentKey must cover a new field of network.Order")
	require.Equal(t, 5, reflect.TypeFor[solver.Line]().NumField(), "contentKey must cover a new field of solver.Line")
	base := network.Order{
		ID: "a", CreatedAt: at, PromiseBy: at.Add(48 * time.Hour), Lat: 40.4, Lon: -3.7,
		Lines: []solver.Line{{SKU: "s", Quantity: 2, UnitWeightKg: 1, LostSaleCost: 9}},
		Want:  network.WantDelivery, PickupRadiusKm: 5, AllowSplit: true, MaxShipments: 2,
	}
	key := func(o network.Order) string {
		k, ok := contentKey(nil, &o)
		require.True(t, ok)
		return string(k)
	}
	want := key(base)
	alike := base
	alike.ID, alike.CreatedAt, alike.PromiseBy = "b", at.Add(time.Hour), at.Add(49*time.Hour)
	alike.Lines = slices.Clone(base.Lines)
	assert.Equal(t, want, key(alike))
	for name, change := range map[string]func(o *network.Order){
		"lat":              func(o *network.Order) { o.Lat++ },
		"lon":              func(o *network.Order) { o.Lon++ },
		"sku":              func(o *network.Order) { o.Lines[0].SKU = "t" },
		"quantity":         func(o *network.Order) { o.Lines[0].Quantity++ },
		"weight":           func(o *network.Order) { o.Lines[0].UnitWeightKg++ },
		"unknown sku":      func(o *network.Order) { o.Lines[0].UnknownSKU = true },
		"lost-sale cost":   func(o *network.Order) { o.Lines[0].LostSaleCost++ },
		"another line":     func(o *network.Order) { o.Lines = append(o.Lines, solver.Line{SKU: "t", Quantity: 1}) },
		"want":             func(o *network.Order) { o.Want = network.WantPickup },
		"pickup node":      func(o *network.Order) { o.PickupNodeID = "near" },
		"pickup radius":    func(o *network.Order) { o.PickupRadiusKm++ },
		"pickup redirect":  func(o *network.Order) { o.PickupRedirectCost = 2 },
		"promise":          func(o *network.Order) { o.PromiseBy = o.PromiseBy.Add(time.Hour) },
		"no promise":       func(o *network.Order) { o.PromiseBy = time.Time{} },
		"split":            func(o *network.Order) { o.AllowSplit = false },
		"max shipments":    func(o *network.Order) { o.MaxShipments++ },
		"method":           func(o *network.Order) { o.Method = solver.Courier },
		"partner":          func(o *network.Order) { o.Partner = "glovo" },
		"quantity and sku": func(o *network.Order) { o.Lines[0].SKU, o.Lines[0].Quantity = "s,2", 1 },
	} {
		o := base
		o.Lines = slices.Clone(base.Lines)
		change(&o)
		assert.NotEqual(t, want, key(o), name)
	}
	live := base
	live.Live = &network.Live{}
	_, ok := contentKey(nil, &live)
	assert.False(t, ok, "an order with live quotes is its own")

	net := handNet(t)
	var w OrderWindow
	for i := range 10 {
		w.Observe(&network.Order{
			ID: fmt.Sprintf("h%d", i), CreatedAt: at.Add(time.Duration(i-10) * time.Hour),
			Lat: net.Nodes[2].Lat, Lon: net.Nodes[2].Lon, Want: network.WantDelivery,
			Lines: []solver.Line{{SKU: "s", Quantity: 1, LostSaleCost: 50}},
		})
	}
	op := NewOrderPlanner(net)
	op.Scenarios = 1
	plan, err := op.Plan(context.Background(), fakeStock{"s": {0: 1, 2: 3}}, w.Latest(nil), nil, at, at.Add(24*time.Hour), 10)
	require.NoError(t, err)
	assert.Equal(t, 10, plan.Orders)
	assert.LessOrEqual(t, plan.Columns, 4, "one subproblem: its all-lost column and its plans")
}

// TestOrdersPlanPricesCapacity: ten deliveries a day next to "near",
// which ships them cheaper than "far"; both hold stock for all. Picking
// five units a day, near serves half of them and far the rest: a pick at
// near is worth what far costs more, and near's unit is priced at that
// though its stock is ample. With capacity for all, nothing is priced.
func TestOrdersPlanPricesCapacity(t *testing.T) {
	net := handNet(t)
	var w OrderWindow
	for i := range 10 {
		w.Observe(&network.Order{
			ID: fmt.Sprintf("h%d", i), CreatedAt: at.Add(time.Duration(i-10) * time.Hour),
			Lat: net.Nodes[0].Lat, Lon: net.Nodes[0].Lon, Want: network.WantDelivery,
			Lines: []solver.Line{{SKU: "s", Quantity: 1, LostSaleCost: 50}},
		})
	}
	st := fakeStock{"s": {0: 20, 2: 20}}
	plan := func(perDay int) *OrdersPlan {
		t.Helper()
		net.Nodes[0].CapacityPerDay = perDay
		p, err := NewOrderPlanner(net).Plan(context.Background(), st, w.Latest(nil), nil, at, at.Add(24*time.Hour), 10)
		require.NoError(t, err)
		return p
	}
	tight := plan(5)
	require.Len(t, tight.Capacities, 1)
	c := tight.Capacities[0]
	assert.Equal(t, "near", c.NodeID)
	assert.InDelta(t, 5, c.Units, 0)
	assert.InDelta(t, 5, c.Used, 1e-9)
	assert.Greater(t, c.Price, 1.0, "far's parcel costs more")
	assert.Less(t, c.Price, 50.0, "less than a lost sale")
	for _, p := range tight.Prices {
		assert.InDelta(t, 0, p.Dual, 1e-9, "%s: the stock is ample", p.NodeID)
		if p.NodeID == "near" {
			assert.InDelta(t, c.Price, p.Price, 1e-9, "near's unit carries its pick")
		} else {
			assert.InDelta(t, 0, p.Price, 1e-9, p.NodeID)
		}
	}

	ample := plan(20)
	require.Len(t, ample.Capacities, 1)
	assert.InDelta(t, 0, ample.Capacities[0].Price, 1e-9)
	for _, p := range ample.Prices {
		assert.InDelta(t, 0, p.Price, 1e-9, p.NodeID)
	}
}
