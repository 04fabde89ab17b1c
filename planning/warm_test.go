package planning_test

import (
	"cmp"
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/simulate/dataset"
)

// sold is a stock view that has sold part of another: every third
// (node, SKU) with stock has lost half of it, every seventh all of it.
type sold struct {
	network.StockView
}

func (s sold) cut(node int, sku string, atp int32) int32 {
	h := node*31 + len(sku) + int(sku[len(sku)-1])
	switch {
	case h%7 == 0:
		return 0
	case h%3 == 0:
		return atp / 2
	}
	return atp
}

func (s sold) ATP(node int, sku string) int32 {
	return s.cut(node, sku, s.StockView.ATP(node, sku))
}

func (s sold) EachATP(sku string, fn func(node int, atp int32)) {
	s.StockView.EachATP(sku, func(node int, atp int32) {
		if a := s.cut(node, sku, atp); a > 0 {
			fn(node, a)
		}
	})
}

// TestStartFromTheLastPlan: the next plan, hours later over stock that
// has sold (rows gone, bounds lower) and a forecast that moved, starts
// from the last plan's basis: the same optimum as a cold solve, in fewer
// iterations.
func TestStartFromTheLastPlan(t *testing.T) {
	in := benchInput(t, dataset.Config{Seed: 2, Stores: 20, Warehouses: 3, DarkStores: 4, SKUs: 60, Orders: 2000, Days: 7})
	first, _, err := planning.Solve(context.Background(), in, lp.Settings{})
	require.NoError(t, err)

	next := *in
	next.At = in.At.Add(6 * time.Hour)
	next.Stock = sold{in.Stock}
	demand := *in.Demand
	demand.Cells = append(demand.Cells[:0:0], in.Demand.Cells...)
	for i := range demand.Cells {
		if i%5 == 0 {
			demand.Cells[i].UnitsPerDay *= 1.3
		}
	}
	next.Demand = &demand
	m, err := planning.Build(&next)
	require.NoError(t, err)
	cold, err := m.Solve(context.Background(), &next, lp.Settings{})
	require.NoError(t, err)
	warm, err := m.Solve(context.Background(), &next, lp.Settings{Start: m.StartFrom(first)})
	require.NoError(t, err)
	assert.NotEqual(t, first.Rows, cold.Rows, "the stock that sold out is no row any more")
	assert.InDelta(t, cold.Objective, warm.Objective, 1e-7*(1+math.Abs(cold.Objective)))
	assert.Less(t, warm.Iterations, cold.Iterations/2, "cold %d, warm %d", cold.Iterations, warm.Iterations)
	assert.Nil(t, m.StartFrom(nil), "no plan before: a cold start")
}

// TestPricesComeByNodeIDThenSKU: a generated network's nodes are not in
// id order (warehouses first, "wh-..."), yet a plan's prices are, and by
// SKU within a node, one per stock row.
func TestPricesComeByNodeIDThenSKU(t *testing.T) {
	in := benchInput(t, dataset.Config{Seed: 3, Stores: 12, Warehouses: 2, DarkStores: 3, SKUs: 40, Orders: 800, Days: 5})
	res, m, err := planning.Solve(context.Background(), in, lp.Settings{})
	require.NoError(t, err)
	require.Len(t, res.Prices, len(m.Supplies))
	assert.False(t, slices.IsSortedFunc(in.Network.Nodes, func(a, b network.Node) int { return cmp.Compare(a.ID, b.ID) }))
	assert.True(t, slices.IsSortedFunc(res.Prices, func(a, b planning.Price) int {
		if c := cmp.Compare(a.NodeID, b.NodeID); c != 0 {
			return c
		}
		return cmp.Compare(a.SKU, b.SKU)
	}))
	seen := map[[2]string]bool{}
	for _, p := range res.Prices {
		k := [2]string{p.NodeID, p.SKU}
		assert.False(t, seen[k], "%v twice", k)
		seen[k] = true
	}
}

// TestRebuildIsBuild: one Model rebuilt plan after plan (other stock, other
// demand, the first input again, an input it rejects) holds what a fresh
// Build of each input holds, and a rejected input leaves it empty.
func TestRebuildIsBuild(t *testing.T) {
	in := benchInput(t, dataset.Config{Seed: 2, Stores: 20, Warehouses: 3, DarkStores: 4, SKUs: 60, Orders: 2000, Days: 7})
	next := *in
	next.At = in.At.Add(6 * time.Hour)
	next.Stock = sold{in.Stock}
	demand := *in.Demand
	demand.Cells = append(demand.Cells[:0:0], in.Demand.Cells[:len(in.Demand.Cells)/2]...)
	next.Demand = &demand
	bad := next
	bad.Horizon = 0

	var m planning.Model
	for i, input := range []*planning.Input{in, &next, in, &bad, &next} {
		err := m.Rebuild(input)
		want, wantErr := planning.Build(input)
		if input == &bad {
			require.Error(t, err)
			require.Error(t, wantErr)
			assert.Empty(t, m.Supplies, "plan %d", i)
			assert.Empty(t, m.Cells, "plan %d", i)
			assert.Empty(t, m.Arcs, "plan %d", i)
			continue
		}
		require.NoError(t, err)
		require.NoError(t, wantErr)
		require.NotEmpty(t, want.Arcs)
		assert.Equal(t, want.Supplies, m.Supplies, "plan %d", i)
		assert.Equal(t, want.Cells, m.Cells, "plan %d", i)
		assert.Equal(t, want.Arcs, m.Arcs, "plan %d", i)
		assert.Equal(t, want.Capacities, m.Capacities, "plan %d", i)
		assert.Equal(t, want.FillPenalty, m.FillPenalty, "plan %d", i)
		a, err := m.Solve(context.Background(), input, lp.Settings{})
		require.NoError(t, err)
		b, err := want.Solve(context.Background(), input, lp.Settings{})
		require.NoError(t, err)
		assert.Equal(t, b.Prices, a.Prices, "plan %d", i)
	}
}

// TestPricesOfAModelOutOfOrder: a model whose stock rows are not in
// Build's order (here reversed by hand) still gives its prices by node id
// then SKU.
func TestPricesOfAModelOutOfOrder(t *testing.T) {
	in := benchInput(t, dataset.Config{Seed: 3, Stores: 12, Warehouses: 2, DarkStores: 3, SKUs: 40, Orders: 800, Days: 5})
	m, err := planning.Build(in)
	require.NoError(t, err)
	n := len(m.Supplies)
	slices.Reverse(m.Supplies)
	for i := range m.Arcs {
		m.Arcs[i].Supply = n - 1 - m.Arcs[i].Supply
	}
	res, err := m.Solve(context.Background(), in, lp.Settings{})
	require.NoError(t, err)
	require.Len(t, res.Prices, n)
	assert.True(t, slices.IsSortedFunc(res.Prices, func(a, b planning.Price) int {
		if c := cmp.Compare(a.NodeID, b.NodeID); c != 0 {
			return c
		}
		return cmp.Compare(a.SKU, b.SKU)
	}))
}
