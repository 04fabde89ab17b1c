package planning

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// TestLossTable: orders of one unit, a unit short losing 10, Poisson(1.5)
// of them: W(r) = 10·E[(N − r)⁺], by hand. An order of two units with one
// pick left loses one unit and the per-order cost.
func TestLossTable(t *testing.T) {
	const mu = 1.5
	w := lossTable(mu, []float64{0, 1}, 10, 0, 20)
	expect := func(r int) float64 { // E[(N − r)⁺]
		var e, p float64 = 0, math.Exp(-mu)
		for k := 0; k < 60; k++ {
			if k > 0 {
				p *= mu / float64(k)
			}
			e += p * math.Max(0, float64(k-r))
		}
		return e
	}
	require.NotEmpty(t, w)
	for r := range w {
		assert.InDelta(t, 10*expect(r), w[r], 1e-6, "r=%d", r)
	}
	assert.InDelta(t, 15.0, w[0], 1e-6)
	assert.Less(t, len(w), 21, "the tail below lossTail is cut")

	// One order of two units for sure is not Poisson; a mean small enough
	// makes two orders rare: W(1) ≈ P(N=1)·(10 + 5).
	w = lossTable(1e-3, []float64{0, 0, 1}, 10, 5, 4)
	require.GreaterOrEqual(t, len(w), 2)
	assert.InDelta(t, 1e-3*15, w[1], 1e-5)
	assert.InDelta(t, 1e-3*25, w[0], 1e-9, "every order goes short: E[N]·25")
	assert.Nil(t, lossTable(0, []float64{0, 1}, 10, 0, 5))
	assert.Empty(t, lossTable(1e-9, []float64{0, 1}, 10, 0, 5), "all of it below lossTail")
}

// pickNetwork is two stores of the same city, 10 picks a day each, both
// offering pickup, and a warehouse without a limit.
func pickNetwork(t *testing.T) *network.Network {
	t.Helper()
	store := func(id string) network.Node {
		return network.Node{ID: id, City: "Almaty", Kind: network.Store, Lat: 43.2, Lon: 76.9,
			Methods: []solver.Method{solver.Pickup, solver.Courier}, CapacityPerDay: 10, PickCostPerUnit: 0.5, Enabled: true}
	}
	net := &network.Network{
		Nodes: []network.Node{store("a"), store("b"),
			{ID: "wh", City: "Almaty", Kind: network.Warehouse, Lat: 43.3, Lon: 76.8,
				Methods: []solver.Method{solver.WarehouseShip}, Enabled: true}},
		Policy: network.Policy{LostSaleCostPerUnit: 20, LostSaleCostPerOrder: 5},
	}
	return net
}

// hourlyOrders observes an order of SKU s at half past every hour of the
// two days from start, one unit each, and every every-th a pickup naming
// store a of units units.
func hourlyOrders(start time.Time, every int, units int32) *BoundPicks {
	b := &BoundPicks{}
	for h := range 48 {
		o := network.Order{ID: "x", CreatedAt: start.Add(time.Duration(h)*time.Hour + 30*time.Minute),
			Lines: []solver.Line{{SKU: "s", Quantity: 1}}}
		if h%every == 0 {
			o.PickupNodeID = "a"
			o.Lines[0].Quantity = units
		}
		b.Observe(&o)
	}
	return b
}

// TestBoundPicksOutlook: over two days, store a gets a named pickup of two
// units every two hours, store b none. A pick of a late in a day is worth
// more the fewer picks a has left; b's worth less (it only has the
// network's mean to go by), the warehouse's nothing; once the day's orders
// are past, nothing is.
func TestBoundPicksOutlook(t *testing.T) {
	net := pickNetwork(t)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	b := hourlyOrders(start, 2, 2)
	at := start.Add(48*time.Hour + 12*time.Hour) // noon: half the day's orders to come
	out := b.Outlook(net, at, at, nil)
	require.NotNil(t, out)

	a1, a3, a9 := out.PickValue(0, 1, 1), out.PickValue(0, 3, 1), out.PickValue(0, 9, 1)
	assert.Greater(t, a1, a3)
	assert.Greater(t, a3, a9)
	assert.Greater(t, a1, 10.0, "six more orders of two units are due with one pick left")
	assert.Greater(t, a1, out.PickValue(1, 1, 1), "b gets none of its own")
	assert.Greater(t, out.PickValue(1, 1, 1), 0.0, "but may get the network's mean")
	assert.Zero(t, out.PickValue(2, 1, 1), "the warehouse has no limit and no pickup")
	assert.Zero(t, out.PickValue(0, 1, 2), "more units than picks left")
	assert.InDelta(t, out.PickValue(0, 3, 2), out.PickValue(0, 3, 1)+out.PickValue(0, 2, 1), 1e-9,
		"two units cost what the first and the second cost")

	// With the time zone five hours ahead, noon UTC is 17:00 local: fewer
	// orders to come before midnight.
	net.Policy.TZOffsetMinutes = 300
	assert.Less(t, b.Outlook(net, at, at, nil).PickValue(0, 1, 1), a1)
	net.Policy.TZOffsetMinutes = 0

	assert.Nil(t, b.Outlook(net, start.Add(72*time.Hour-time.Nanosecond), start.Add(72*time.Hour-time.Nanosecond), nil), "the day is over")
	var none BoundPicks
	assert.Nil(t, none.Outlook(net, at, at, nil), "nothing observed")
	assert.Zero(t, (*PickOutlook)(nil).PickValue(0, 1, 1))

	// The stock: every order asks for s, so a's named pickups, twelve of
	// two units a day, half of them still to come, ask for about ten more
	// units of s today: its last unit is worth nearly the unit's lost sale
	// less the pick (19.5), its third less, one of b (only the network's
	// mean to go by) less again; a SKU nobody orders, nothing.
	s1, s3 := out.StockValue(0, "s", 1, 1), out.StockValue(0, "s", 3, 1)
	assert.Greater(t, s1, 5.0)
	assert.Less(t, s1, 19.5)
	assert.Greater(t, s1, s3)
	assert.Greater(t, s3, 0.0)
	assert.Greater(t, s1, out.StockValue(1, "s", 1, 1))
	assert.Zero(t, out.StockValue(2, "s", 1, 1), "the warehouse")
	assert.Zero(t, out.StockValue(0, "t", 1, 1), "nobody orders t")
	assert.Zero(t, out.StockValue(0, "s", 1, 2), "more units than on hand")
	assert.InDelta(t, out.StockValue(0, "s", 3, 2), s3+out.StockValue(0, "s", 2, 1), 1e-9)
	// A hundred units due at a before midnight make its last one worth nearly
	// nothing; due after midnight, or at b, they change nothing.
	due := func(after time.Duration, node int) float64 {
		return b.Outlook(net, at, at, []Arrival{{At: at.Add(after), Node: node, SKU: "s", Qty: 100}}).StockValue(0, "s", 1, 1)
	}
	assert.Less(t, due(time.Hour, 0), 1e-6)
	assert.Equal(t, s1, due(13*time.Hour, 0), "after midnight")
	assert.Equal(t, s1, due(-time.Hour, 0), "already in stock")
	assert.Equal(t, s1, due(time.Hour, 1), "at b")

	// Prices carry the outlook; a clone observes apart.
	p := NewPrices(nil, len(net.Nodes), at).WithPicks(out)
	assert.Equal(t, a1, p.PickValue(0, 1, 1))
	assert.Equal(t, s1, p.StockValue(0, "s", 1, 1))
	assert.Zero(t, NewPrices(nil, len(net.Nodes), at).StockValue(0, "s", 1, 1))
	assert.Zero(t, NewPrices(nil, len(net.Nodes), at).PickValue(0, 1, 1))
	c := b.Clone()
	c.Observe(&network.Order{CreatedAt: start.Add(47*time.Hour + 30*time.Minute), PickupNodeID: "b", Lines: []solver.Line{{SKU: "s", Quantity: 2}}})
	assert.Equal(t, a1, b.Outlook(net, at, at, nil).PickValue(0, 1, 1), "the original is unchanged")
	assert.Greater(t, c.Outlook(net, at, at, nil).PickValue(1, 1, 1), b.Outlook(net, at, at, nil).PickValue(1, 1, 1))
}

// TestBoundPicksStockSpan: a store's stock lasts until its next arrival,
// so the named pickups it is kept for are those until then, or until the
// end of what the plan plans for when none is due sooner. Orders come
// evenly through the day: from noon, half a day's to midnight, a day and
// a half's to the next midnight.
func TestBoundPicksStockSpan(t *testing.T) {
	net := pickNetwork(t)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	b := hourlyOrders(start, 4, 1)
	at := start.Add(48*time.Hour + 12*time.Hour)
	midnight := start.Add(72 * time.Hour)
	value := func(out *PickOutlook, span float64, onHand int32) float64 {
		mu := out.units[0] * span * out.share["s"]
		return out.value[0] * (expectedOver(mu, onHand-1) - expectedOver(mu, onHand))
	}
	today := b.Outlook(net, at, at, nil)
	require.NotNil(t, today)
	assert.InDelta(t, value(today, 0.5, 2), today.StockValue(0, "s", 2, 1), 1e-12, "until midnight")
	assert.Equal(t, today.StockValue(0, "s", 2, 1), b.Outlook(net, at, midnight, nil).StockValue(0, "s", 2, 1),
		"a plan that ends by midnight looks to midnight")

	// Planned a day past midnight: a day and a half of orders.
	long := b.Outlook(net, at, midnight.Add(24*time.Hour), nil)
	assert.InDelta(t, value(long, 1.5, 2), long.StockValue(0, "s", 2, 1), 1e-12)
	assert.Greater(t, long.StockValue(0, "s", 2, 1), today.StockValue(0, "s", 2, 1))
	assert.Equal(t, long.PickValue(0, 1, 1), today.PickValue(0, 1, 1), "picks are today's")

	// An arrival six hours after midnight ends the span there: six hours'
	// orders (a quarter of a day's) after midnight; one after the plan's
	// end, or of another SKU or store, changes nothing; one before
	// midnight counts its units on hand and leaves the span.
	arrive := func(after time.Duration, node int, sku string) *PickOutlook {
		return b.Outlook(net, at, midnight.Add(24*time.Hour), []Arrival{{At: midnight.Add(after), Node: node, SKU: sku, Qty: 5}})
	}
	cut := arrive(6*time.Hour, 0, "s")
	assert.InDelta(t, value(cut, 0.75, 2), cut.StockValue(0, "s", 2, 1), 1e-12)
	assert.Equal(t, long.StockValue(0, "s", 2, 1), arrive(30*time.Hour, 0, "s").StockValue(0, "s", 2, 1), "after the plan's end")
	assert.Equal(t, long.StockValue(0, "s", 2, 1), arrive(6*time.Hour, 1, "s").StockValue(0, "s", 2, 1), "at b")
	assert.Equal(t, long.StockValue(0, "s", 2, 1), arrive(6*time.Hour, 0, "t").StockValue(0, "s", 2, 1), "of t")
	early := arrive(-time.Hour, 0, "s")
	assert.InDelta(t, value(long, 1.5, 7), early.StockValue(0, "s", 2, 1), 1e-12, "five more on hand by midnight")
	both := b.Outlook(net, at, midnight.Add(24*time.Hour), []Arrival{
		{At: midnight.Add(9 * time.Hour), Node: 0, SKU: "s", Qty: 5},
		{At: midnight.Add(-time.Hour), Node: 0, SKU: "s", Qty: 5},
		{At: midnight.Add(6 * time.Hour), Node: 0, SKU: "s", Qty: 5},
	})
	assert.InDelta(t, value(both, 0.75, 7), both.StockValue(0, "s", 2, 1), 1e-12, "the first arrival after midnight, in any order")

	// Once the day's orders are past, its picks are worth nothing, and
	// the stock what tomorrow's orders ask for.
	late := midnight.Add(-time.Nanosecond)
	assert.Nil(t, b.Outlook(net, late, late, nil), "nothing to come by the plan's end")
	night := b.Outlook(net, late, midnight.Add(12*time.Hour), nil)
	require.NotNil(t, night)
	assert.Zero(t, night.PickValue(0, 1, 1))
	assert.InDelta(t, value(night, 0.5, 2), night.StockValue(0, "s", 2, 1), 1e-9)
}

// TestBoundPicksIgnoresStrangers: pickups naming a store the network does
// not have, or a store without pickup, add nothing to the network's mean.
func TestBoundPicksIgnoresStrangers(t *testing.T) {
	net := pickNetwork(t)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	observe := func(b *BoundPicks, node string) {
		for h := range 24 {
			b.Observe(&network.Order{CreatedAt: start.Add(time.Duration(h) * time.Hour), PickupNodeID: node,
				Lines: []solver.Line{{SKU: "s", Quantity: 1}}})
		}
	}
	var own, more BoundPicks
	observe(&own, "a")
	observe(&more, "a")
	observe(&more, "gone")
	observe(&more, "wh")
	at := start.Add(24*time.Hour + 6*time.Hour)
	want := own.Outlook(net, at, at, nil)
	got := more.Outlook(net, at, at, nil)
	for _, node := range []int{0, 1} {
		assert.InDelta(t, want.PickValue(node, 1, 1), got.PickValue(node, 1, 1), 1e-9, "node %d", node)
	}
	var strangers BoundPicks
	observe(&strangers, "gone")
	assert.Nil(t, strangers.Outlook(net, at, at, nil))

}

// TestBoundPicksRedirect: a named pickup another store may have ready (a
// redirect cost) loses that cost going short at its own store, not its
// sale: its store's last unit is worth less, in proportion, and nothing
// when the redirect costs no more than the pick it saves.
func TestBoundPicksRedirect(t *testing.T) {
	net := pickNetwork(t)
	start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	observe := func(redirect float64) *BoundPicks {
		var b BoundPicks
		for h := range 48 {
			b.Observe(&network.Order{CreatedAt: start.Add(time.Duration(h) * time.Hour), PickupNodeID: "a",
				PickupRedirectCost: redirect, Lines: []solver.Line{{SKU: "s", Quantity: 1, LostSaleCost: 20}}})
		}
		return &b
	}
	at := start.Add(48*time.Hour + 12*time.Hour)
	bound := observe(0).Outlook(net, at, at, nil).StockValue(0, "s", 1, 1)
	redirected := observe(5).Outlook(net, at, at, nil).StockValue(0, "s", 1, 1)
	require.Positive(t, bound)
	pick := net.Nodes[0].PickCostPerUnit
	assert.InDelta(t, bound*(5-pick)/(20-pick), redirected, 1e-9)
	cheap := observe(pick).Outlook(net, at, at, nil)
	assert.Zero(t, cheap.StockValue(0, "s", 1, 1), "the redirect costs no more than the pick")
	assert.Zero(t, cheap.PickValue(0, 1, 1))
}

// TestExpectedOver: E[(D − k)⁺] for D Poisson(2), by the sum itself.
func TestExpectedOver(t *testing.T) {
	const mu = 2.0
	for k := int32(0); k < 8; k++ {
		var e float64
		p := math.Exp(-mu)
		for j := 0; j < 80; j++ {
			if j > 0 {
				p *= mu / float64(j)
			}
			e += p * math.Max(0, float64(j)-float64(k))
		}
		assert.InDelta(t, e, expectedOver(mu, k), 1e-12, "k=%d", k)
	}
	assert.Zero(t, expectedOver(mu, 1000))
}
