package policy

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

type priceMap map[[2]any]float64

func (m priceMap) Price(node int, sku string) float64 { return m[[2]any{node, sku}] }

// twoNodes: 2 units of s, from node 0 (fixed 5, 1 a unit) or node 1
// (fixed 5, 2 a unit); both hold enough.
func twoNodes() *solver.Problem {
	return &solver.Problem{
		Lines: []solver.Line{{SKU: "s", Quantity: 2}},
		Options: []solver.Option{
			{Node: 0, NodeID: "n0", Method: solver.ShipFromStore, FixedCost: 5, CapacityUnits: -1},
			{Node: 1, NodeID: "n1", Method: solver.ShipFromStore, FixedCost: 5, CapacityUnits: -1},
		},
		Available: []int32{5, 5},
		UnitCost:  []float64{1, 2},
	}
}

func TestLookaheadAppliesPrices(t *testing.T) {
	net, err := network.Demo()
	require.NoError(t, err)
	pol, err := DefaultRegistry().New(Lookahead, net)
	require.NoError(t, err)
	planned, ok := pol.(Planned)
	require.True(t, ok)
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

	cases := []struct {
		name      string
		prices    OpportunityCosts
		node      int32
		cost, opp float64
		applied   bool
	}{
		{"no prices yet: optimal", nil, 0, 7, 0, false},
		{"a cheap price keeps the cheap node", priceMap{{0, "s"}: 0.25}, 0, 7, 0.5, true},
		{"a dear price moves to the other node", priceMap{{0, "s"}: 1.5}, 1, 9, 0, true},
		{"a price on both nodes", priceMap{{0, "s"}: 3, {1, "s"}: 1}, 1, 9, 2, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.prices != nil {
				planned.Prices().Set(c.prices, at)
			}
			p := twoNodes()
			plan, err := pol.Choose(p, solver.Settings{})
			require.NoError(t, err)
			assert.Equal(t, []float64{1, 2}, p.UnitCost, "the problem is left as it came")
			require.Len(t, plan.Shipments, 1)
			assert.Equal(t, c.node, p.Options[plan.Shipments[0].Option].Node)
			assert.InDelta(t, c.cost, plan.Shipments[0].Cost, 1e-12, "the real cost")
			assert.InDelta(t, c.cost, plan.ShippingCost, 1e-12)
			assert.InDelta(t, c.cost, plan.TotalCost, 1e-12)
			got, ok := AppliedBy(pol)
			require.True(t, ok)
			assert.Equal(t, c.applied, got.Applied)
			assert.InDelta(t, c.opp, got.OpportunityCost, 1e-12)
			if c.applied {
				assert.Equal(t, at, got.PlannedAt)
			}
		})
	}
	_, ok = AppliedBy(&optimal{})
	assert.False(t, ok)
	assert.True(t, slices.Contains(DefaultRegistry().Names(), Lookahead))
}

// TestLookaheadSharesABoard: policies made one per goroutine read one
// planner's prices once they use its board.
func TestLookaheadSharesABoard(t *testing.T) {
	net, err := network.Demo()
	require.NoError(t, err)
	shared := &PriceBoard{}
	var pols []Policy
	for range 2 {
		p, err := DefaultRegistry().New(Lookahead, net)
		require.NoError(t, err)
		p.(Planned).UsePrices(shared)
		pols = append(pols, p)
	}
	shared.Set(priceMap{{0, "s"}: 1.5}, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	for _, p := range pols {
		plan, err := p.Choose(twoNodes(), solver.Settings{})
		require.NoError(t, err)
		assert.EqualValues(t, 1, plan.Shipments[0].Option, "node 1: node 0's units are priced")
		assert.Same(t, shared, p.(Planned).Prices())
	}
}

// TestLookaheadCountsUnlessTheOwnerDoes: each plan a look-ahead policy
// chooses is counted in its board's Outcomes, with prices on the board or
// not; once the owner counts (CountByOwner), only what it observes is.
func TestLookaheadCountsUnlessTheOwnerDoes(t *testing.T) {
	net, err := network.Demo()
	require.NoError(t, err)
	pol, err := DefaultRegistry().New(Lookahead, net)
	require.NoError(t, err)
	board := pol.(Planned).Prices()
	choose := func() *solver.Plan {
		t.Helper()
		plan, err := pol.Choose(twoNodes(), solver.Settings{})
		require.NoError(t, err)
		return plan
	}
	choose()
	assert.Equal(t, 1, board.Outcomes().Counted(), "no prices yet")
	board.Set(priceMap{{0, "s"}: 0.25}, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	choose()
	assert.Equal(t, 2, board.Outcomes().Counted(), "with prices")

	board.CountByOwner()
	plan := choose()
	choose()
	assert.Equal(t, 2, board.Outcomes().Counted(), "the owner counts")
	board.Outcomes().Observe(plan)
	assert.Equal(t, 3, board.Outcomes().Counted())
	_, perUnit := board.Outcomes().Later()
	assert.InDelta(t, 7.0/2, perUnit, 1e-9, "2 units shipped for 7 by each plan")
}

// TestLookaheadFillsThePresentOrder: the only unit of s is priced at 20,
// what the demand expected after it would lose without it. A present order
// that loses as much (20 a unit) is that demand: it is filled (6 against
// 20 lost), as optimal fills it. An order that loses less than the unit is
// worth later (10) leaves it for that demand.
func TestLookaheadFillsThePresentOrder(t *testing.T) {
	net, err := network.Demo()
	require.NoError(t, err)
	pol, err := DefaultRegistry().New(Lookahead, net)
	require.NoError(t, err)
	pol.(Planned).Prices().Set(priceMap{{0, "s"}: 20}, time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC))
	for _, c := range []struct {
		lost     float64
		unfilled int32
		total    float64
	}{{20, 0, 6}, {10, 1, 10}} {
		p := &solver.Problem{
			Lines:     []solver.Line{{SKU: "s", Quantity: 1, LostSaleCost: c.lost}},
			Options:   []solver.Option{{Node: 0, NodeID: "n0", Method: solver.ShipFromStore, FixedCost: 5, CapacityUnits: -1}},
			Available: []int32{1},
			UnitCost:  []float64{1},
		}
		plan, err := pol.Choose(p, solver.Settings{})
		require.NoError(t, err)
		var unfilled int32
		for _, u := range plan.Unfilled {
			unfilled += u.Quantity
		}
		assert.Equal(t, c.unfilled, unfilled, "lost-sale cost %v", c.lost)
		assert.InDelta(t, c.total, plan.TotalCost, 1e-12, "lost-sale cost %v", c.lost)
	}
}

// seasonPriceMap are prices with a season's outlook: SellOutProbability
// p for every SKU.
type seasonPriceMap struct {
	priceMap
	p float64
}

func (s seasonPriceMap) SellOutProbability(string) float64 { return s.p }
func (seasonPriceMap) Seasoned() bool                      { return true }

// TestLookaheadWeighsWhatALineLoses: the only unit of s is priced at 20
// and a line of it loses 10 a unit unfilled. Alone, the price says the
// unit is worth more later, and the line goes unfilled. With a per-order
// cost of 15 the line loses 25 in the plan's own terms (its unit is all
// the order's units), more than the price: it ships. With a season's
// outlook the unit is kept only for a SKU sure to sell out: at 0.5 no
// later order may take it, and it ships.
func TestLookaheadWeighsWhatALineLoses(t *testing.T) {
	net, err := network.Demo()
	require.NoError(t, err)
	at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name     string
		costs    OpportunityCosts
		perOrder float64
		unfilled int32
		total    float64
	}{
		{"the unit worth more later", priceMap{{0, "s"}: 20}, 0, 1, 10},
		{"the per-order cost counted", priceMap{{0, "s"}: 20}, 15, 0, 6},
		{"a season, the SKU sure to sell out", seasonPriceMap{priceMap{{0, "s"}: 20}, 0.95}, 0, 1, 10},
		{"a season, the SKU may not sell out", seasonPriceMap{priceMap{{0, "s"}: 20}, 0.5}, 0, 0, 6},
	} {
		t.Run(c.name, func(t *testing.T) {
			pol, err := DefaultRegistry().New(Lookahead, net)
			require.NoError(t, err)
			pol.(Planned).Prices().Set(c.costs, at)
			p := &solver.Problem{
				Lines:                []solver.Line{{SKU: "s", Quantity: 1, LostSaleCost: 10}},
				Options:              []solver.Option{{Node: 0, NodeID: "n0", Method: solver.ShipFromStore, FixedCost: 5, CapacityUnits: -1}},
				Available:            []int32{1},
				UnitCost:             []float64{1},
				LostSaleCostPerOrder: c.perOrder,
			}
			plan, err := pol.Choose(p, solver.Settings{})
			require.NoError(t, err)
			var unfilled int32
			for _, u := range plan.Unfilled {
				unfilled += u.Quantity
			}
			assert.Equal(t, c.unfilled, unfilled)
			assert.InDelta(t, c.total+float64(c.unfilled)*c.perOrder, plan.TotalCost, 1e-12)
		})
	}
}

// sellOutPrices are no prices, with SellOutProbability p for every SKU.
type sellOutPrices float64

func (sellOutPrices) Price(int, string) float64           { return 0 }
func (s sellOutPrices) SellOutProbability(string) float64 { return float64(s) }
func (sellOutPrices) Seasoned() bool                      { return true }

// TestLookaheadKeepsUnitsLikelyToSellOut: an order of two lines, "gone" out
// of stock everywhere and "s" held at node 0, pays its per-order lost-sale
// cost whatever it does. The board has seen a unit shipped for 2. When s
// is sure to sell out before the season ends, its unit is kept for a
// later order (UNECONOMIC here), with or without a per-order cost: this
// one's parcel (6) is more than its lost sale (40) less what keeping it
// is worth (0.95 × (40 − 2)). A SKU as likely to sell out as not is
// worth half that kept (19), and its unit ships (6 + 19 < 40), unless
// its lost sale is barely above the parcel (8: 6 + 0.5 × 6 > 8); at a
// probability of 0.1 or 0 that unit ships too. When its line has no
// lost-sale price, or the prices say nothing of the season, or the board
// has seen no unit shipped (what a kept unit costs is not known), it
// ships as optimal ships it.
func TestLookaheadKeepsUnitsLikelyToSellOut(t *testing.T) {
	net, err := network.Demo()
	require.NoError(t, err)
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	problem := func(perOrder, lost float64) *solver.Problem {
		return &solver.Problem{
			Lines: []solver.Line{{SKU: "gone", Quantity: 1, LostSaleCost: 30}, {SKU: "s", Quantity: 1, LostSaleCost: lost}},
			Options: []solver.Option{
				{Node: 0, NodeID: "n0", Method: solver.ShipFromStore, FixedCost: 5, CapacityUnits: -1},
			},
			Available:            []int32{0, 3},
			UnitCost:             []float64{1, 1},
			LostSaleCostPerOrder: perOrder,
			SplitLines:           true,
		}
	}
	for _, c := range []struct {
		name           string
		costs          OpportunityCosts
		perOrder, lost float64
		nothingShipped bool
		keep           bool
	}{
		{"sure to sell out", sellOutPrices(0.95), 10, 40, false, true},
		{"may not sell out", sellOutPrices(0.5), 10, 40, false, false},
		{"may not sell out, a lost sale near the parcel", sellOutPrices(0.5), 10, 8, false, true},
		{"unlikely to sell out", sellOutPrices(0.1), 10, 8, false, false},
		{"never sells out", sellOutPrices(0), 10, 8, false, false},
		{"no per-order cost", sellOutPrices(0.95), 0, 40, false, true},
		{"no lost-sale price on the line", sellOutPrices(0.95), 10, 0, false, false},
		{"no season", priceMap{}, 10, 40, false, false},
		{"no unit shipped yet", sellOutPrices(0.95), 10, 40, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			// A fresh policy, its board having seen one unit shipped for 2
			// (or nothing).
			pol, err := DefaultRegistry().New(Lookahead, net)
			require.NoError(t, err)
			pol.(Planned).Prices().Set(c.costs, at)
			if !c.nothingShipped {
				pol.(Planned).Prices().Outcomes().Observe(&solver.Plan{
					Shipments: []solver.Shipment{{Lines: []solver.Allocation{{Line: 0, Quantity: 1}}}}, ShippingCost: 2,
				})
			}
			p := problem(c.perOrder, c.lost)
			plan, err := pol.Choose(p, solver.Settings{})
			require.NoError(t, err)
			assert.Equal(t, []float64{1, 1}, p.UnitCost, "the problem is left as it came")
			if !c.keep {
				require.Len(t, plan.Shipments, 1)
				assert.InDelta(t, 6, plan.ShippingCost, 1e-12)
				require.Len(t, plan.Unfilled, 1)
				assert.Equal(t, 0, plan.Unfilled[0].Line)
				return
			}
			assert.Empty(t, plan.Shipments)
			require.Len(t, plan.Unfilled, 2)
			assert.Equal(t, solver.ReasonNoStock, plan.Unfilled[0].Reason)
			assert.Equal(t, 1, plan.Unfilled[1].Line)
			assert.Equal(t, solver.ReasonUneconomic, plan.Unfilled[1].Reason)
			assert.InDelta(t, 30+c.lost+c.perOrder, plan.TotalCost, 1e-12, "the real lost-sale costs")
		})
	}
}

// TestLookaheadKeepsWholeOrdersForTheSeason: an order whole but for the
// season's rule, of two lines sure to sell out, each held at its own node.
// Shipped in two dear parcels (16 each), its units are worth more to the
// later orders that would go without them (0.95 × (40 − 1) each, a unit
// seen shipped for 1) than this order saves by them, per-order cost
// included: both are kept. In cheap parcels (4 each) it ships. Once the
// board has seen units shipped at 20 each on average, a kept unit is
// worth 0.95 × (40 − 20) and the dear parcels ship too.
func TestLookaheadKeepsWholeOrdersForTheSeason(t *testing.T) {
	net, err := network.Demo()
	require.NoError(t, err)
	problem := func(fixed float64) *solver.Problem {
		return &solver.Problem{
			Lines: []solver.Line{{SKU: "a", Quantity: 1, LostSaleCost: 40}, {SKU: "b", Quantity: 1, LostSaleCost: 40}},
			Options: []solver.Option{
				{Node: 0, NodeID: "n0", Method: solver.ShipFromStore, FixedCost: fixed, CapacityUnits: -1},
				{Node: 1, NodeID: "n1", Method: solver.ShipFromStore, FixedCost: fixed, CapacityUnits: -1},
			},
			Available:            []int32{1, 0, 0, 1},
			UnitCost:             []float64{1, 1, 1, 1},
			LostSaleCostPerOrder: 10,
			SplitLines:           true,
		}
	}
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	choose := func(pol Policy, fixed float64) *solver.Plan {
		plan, err := pol.Choose(problem(fixed), solver.Settings{})
		require.NoError(t, err)
		return plan
	}
	fresh := func() Policy {
		pol, err := DefaultRegistry().New(Lookahead, net)
		require.NoError(t, err)
		pol.(Planned).Prices().Set(sellOutPrices(0.95), at)
		pol.(Planned).Prices().Outcomes().Observe(&solver.Plan{
			Shipments: []solver.Shipment{{Lines: []solver.Allocation{{Line: 0, Quantity: 1}}}}, ShippingCost: 1,
		})
		return pol
	}

	kept := choose(fresh(), 15)
	assert.Empty(t, kept.Shipments)
	require.Len(t, kept.Unfilled, 2)
	for _, u := range kept.Unfilled {
		assert.Equal(t, solver.ReasonUneconomic, u.Reason)
	}
	assert.InDelta(t, 40+40+10, kept.TotalCost, 1e-12)

	shipped := choose(fresh(), 3)
	assert.Len(t, shipped.Shipments, 2)
	assert.Empty(t, shipped.Unfilled)
	assert.InDelta(t, 8, shipped.TotalCost, 1e-12)

	pol := fresh()
	pol.(Planned).Prices().Outcomes().Observe(&solver.Plan{
		Shipments:    []solver.Shipment{{Lines: []solver.Allocation{{Line: 0, Quantity: 2}}}},
		ShippingCost: 59,
	})
	dear := choose(pol, 15)
	assert.Len(t, dear.Shipments, 2)
	assert.InDelta(t, 32, dear.TotalCost, 1e-12)
}

// TestOutcomes: the share of orders short of stock that missed a single
// unit, and the mean shipping cost of a unit; plans chosen with the board
// are counted, from goroutines at once.
func TestOutcomes(t *testing.T) {
	var o Outcomes
	single, perUnit := o.Later()
	assert.Zero(t, single)
	assert.Zero(t, perUnit)
	ship := func(units int32, cost float64) solver.Shipment {
		return solver.Shipment{Lines: []solver.Allocation{{Line: 0, Quantity: units}}, Cost: cost}
	}
	o.Observe(&solver.Plan{Shipments: []solver.Shipment{ship(3, 12)}, ShippingCost: 12})
	o.Observe(&solver.Plan{Shipments: []solver.Shipment{ship(1, 9)}, ShippingCost: 9,
		Unfilled: []solver.Unfilled{{Line: 1, Quantity: 1, Reason: solver.ReasonNoStock}}})
	o.Observe(&solver.Plan{Unfilled: []solver.Unfilled{{Line: 0, Quantity: 2, Reason: solver.ReasonNoStock}}})
	o.Observe(&solver.Plan{Unfilled: []solver.Unfilled{
		{Line: 0, Quantity: 1, Reason: solver.ReasonNoStock}, {Line: 1, Quantity: 1, Reason: solver.ReasonUneconomic}}})
	// Left short by choice alone: not an order short of stock.
	o.Observe(&solver.Plan{Unfilled: []solver.Unfilled{{Line: 0, Quantity: 1, Reason: solver.ReasonUneconomic}}})
	single, perUnit = o.Later()
	// One of three short of stock missed one unit: 1/3, and the lower end
	// of its interval, (1/3 + z²/6 − z·√(2/27 + z²/36)) / (1 + z²/3).
	assert.InDelta(t, 0.10578, single, 1e-5)
	assert.InDelta(t, 21.0/4, perUnit, 1e-12)

	net, err := network.Demo()
	require.NoError(t, err)
	board := &PriceBoard{}
	var wg sync.WaitGroup
	for range 4 {
		pol, err := DefaultRegistry().New(Lookahead, net)
		require.NoError(t, err)
		pol.(Planned).UsePrices(board)
		wg.Go(func() {
			for range 25 {
				_, err := pol.Choose(&solver.Problem{
					Lines:     []solver.Line{{SKU: "a", Quantity: 2}},
					Options:   []solver.Option{{Node: 0, NodeID: "n0", Method: solver.ShipFromStore, FixedCost: 4, CapacityUnits: -1}},
					Available: []int32{5}, UnitCost: []float64{1},
				}, solver.Settings{})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	_, perUnit = board.Outcomes().Later()
	assert.InDelta(t, 3, perUnit, 1e-12, "100 plans of 2 units for 6")
	assert.Equal(t, int64(200), board.Outcomes().units)
}

// TestWilsonLower: the lower end of the 90% Wilson interval, by hand: one
// success in one trial gives (1 + z²/2 − z·√(z²/4)) / (1 + z²) = 1/(1+z²);
// a large sample comes near its share.
func TestWilsonLower(t *testing.T) {
	assert.InDelta(t, 1/(1+sureZ*sureZ), wilsonLower(1, 1, sureZ), 1e-12)
	assert.Zero(t, wilsonLower(0, 5, sureZ))
	assert.InDelta(t, 0.6, wilsonLower(60_000, 100_000, sureZ), 0.003)
	assert.Less(t, wilsonLower(60_000, 100_000, sureZ), 0.6)
}

// TestOutcomesWindow: past its window, each plan counted replaces the
// oldest, so that the shares follow the latest plans.
func TestOutcomesWindow(t *testing.T) {
	o := Outcomes{window: 2}
	plan := func(units int32, cost float64, short ...int32) *solver.Plan {
		p := &solver.Plan{ShippingCost: cost}
		if units > 0 {
			p.Shipments = []solver.Shipment{{Lines: []solver.Allocation{{Line: 0, Quantity: units}}}}
		}
		for _, q := range short {
			p.Unfilled = append(p.Unfilled, solver.Unfilled{Line: 1, Quantity: q, Reason: solver.ReasonNoStock})
		}
		return p
	}
	o.Observe(plan(1, 9, 1)) // short of one unit
	o.Observe(plan(2, 4, 2)) // short of two
	single, perUnit := o.Later()
	assert.InDelta(t, wilsonLower(1, 2, sureZ), single, 1e-12)
	assert.InDelta(t, 13.0/3, perUnit, 1e-12)

	o.Observe(plan(1, 1)) // the first drops out
	single, perUnit = o.Later()
	assert.Zero(t, single, "the one order left short missed two units")
	assert.InDelta(t, 5.0/3, perUnit, 1e-12)

	o.Observe(plan(0, 0, 1)) // the second drops out
	single, perUnit = o.Later()
	assert.InDelta(t, 1/(1+sureZ*sureZ), single, 1e-12)
	assert.InDelta(t, 1, perUnit, 1e-12)
	assert.Len(t, o.ring, 2)
}

// pickPrices price no stock by the plan; node 0's picks are worth per a
// unit to the orders bound to it while it has fewer than ten left, and
// its units of stock stock each.
type pickPrices struct{ per, stock float64 }

func (pickPrices) Price(int, string) float64 { return 0 }

func (p pickPrices) PickValue(node int, left, units int32) float64 {
	if node != 0 || left >= 10 || units > left {
		return 0
	}
	return p.per * float64(units)
}

func (p pickPrices) StockValue(node int, _ string, onHand, units int32) float64 {
	if node != 0 || units > onHand {
		return 0
	}
	return p.stock * float64(units)
}

// TestLookaheadSparesPicksOfBoundOrders: node 0 is cheaper by 2 for the
// order's two units. With few picks left there and orders only it can
// serve to come, what those picks are worth moves the order to node 1
// when it exceeds 1 a unit, and the plan reports it as the opportunity
// cost; with ten picks left, or a node without a limit, nothing is
// charged. So with what its units of stock are worth to those orders. An
// order node 0 alone can serve is one of those orders, and takes its
// picks and stock.
func TestLookaheadSparesPicksOfBoundOrders(t *testing.T) {
	net, err := network.Demo()
	require.NoError(t, err)
	pol, err := DefaultRegistry().New(Lookahead, net)
	require.NoError(t, err)
	board := pol.(Planned).Prices()
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

	cases := []struct {
		name  string
		per   float64
		left  int32
		node  int32
		opp   float64
		bound bool
	}{
		{"worth less than the saving", 0.5, 3, 0, 1, false},
		{"worth more than the saving", 1.5, 3, 1, 0, false},
		{"ten picks left", 1.5, 10, 0, 0, false},
		{"no limit", 1.5, -1, 0, 0, false},
		{"the order is bound to node 0", 1.5, 3, 0, 0, true},
		{"its stock worth less than the saving", 0, -1, 0, 1.5, false},
		{"its stock worth more than the saving", 0, -1, 1, 0, false},
		{"its stock, but the order is bound to it", 0, -1, 0, 0, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			prices := pickPrices{per: c.per}
			if strings.HasPrefix(c.name, "its stock") {
				prices.stock = 0.75
				if strings.Contains(c.name, "more") {
					prices.stock = 1.25
				}
			}
			board.Set(prices, at)
			p := twoNodes()
			p.Options[0].CapacityUnits = c.left
			if c.bound {
				p.Options[1].Excluded = solver.ReasonOutsideRadius
			}
			plan, err := pol.Choose(p, solver.Settings{})
			require.NoError(t, err)
			assert.Equal(t, []float64{1, 2}, p.UnitCost, "the problem is left as it came")
			require.Len(t, plan.Shipments, 1)
			assert.Equal(t, c.node, p.Options[plan.Shipments[0].Option].Node)
			got, _ := AppliedBy(pol)
			assert.InDelta(t, c.opp, got.OpportunityCost, 1e-12)
		})
	}
}
