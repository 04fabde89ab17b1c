package policy

import (
	"slices"
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

// sellOutPrices are no prices, with SellOutProbability p for every SKU.
type sellOutPrices float64

func (sellOutPrices) Price(int, string) float64           { return 0 }
func (s sellOutPrices) SellOutProbability(string) float64 { return float64(s) }

// TestLookaheadKeepsUnitsSureToSellOut: an order of two lines, "gone" out
// of stock everywhere and "s" held at node 0, pays its per-order lost-sale
// cost whatever it does. When s is sure to sell out before the season
// ends, its unit is kept for a later order (UNECONOMIC here); when it
// may not, or nothing is charged per order, or a line has no lost-sale
// price, or the prices say nothing of the season, it ships as optimal
// ships it.
func TestLookaheadKeepsUnitsSureToSellOut(t *testing.T) {
	net, err := network.Demo()
	require.NoError(t, err)
	pol, err := DefaultRegistry().New(Lookahead, net)
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
		keep           bool
	}{
		{"sure to sell out", sellOutPrices(0.95), 10, 40, true},
		{"may not sell out", sellOutPrices(0.5), 10, 40, false},
		{"no per-order cost", sellOutPrices(0.95), 0, 40, false},
		{"no lost-sale price on the line", sellOutPrices(0.95), 10, 0, false},
		{"no season", priceMap{}, 10, 40, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			pol.(Planned).Prices().Set(c.costs, at)
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
			assert.InDelta(t, 30+40+10, plan.TotalCost, 1e-12, "the real lost-sale costs")
		})
	}
}
