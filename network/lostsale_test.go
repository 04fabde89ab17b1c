package network

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
)

// TestLostSalePolicy: the policy's lost-sale costs are read, written back
// unchanged, and filled into built problems; a line's own price wins over
// the network's, and a network without them builds problems without them.
func TestLostSalePolicy(t *testing.T) {
	src := strings.Replace(builderNet, "  tz_offset_minutes: 300\n",
		"  tz_offset_minutes: 300\n  lost_sale_cost_per_unit: 4.5\n  lost_sale_cost_per_order: 2\n", 1)
	net, err := Parse(strings.NewReader(src), "lost.yaml")
	require.NoError(t, err)
	assert.Equal(t, 4.5, net.Policy.LostSaleCostPerUnit)
	assert.Equal(t, 2.0, net.Policy.LostSaleCostPerOrder)

	var out bytes.Buffer
	require.NoError(t, net.WriteYAML(&out))
	assert.Contains(t, out.String(), "lost_sale_cost_per_unit: 4.5")
	back, err := Parse(bytes.NewReader(out.Bytes()), "written.yaml")
	require.NoError(t, err)
	assert.Equal(t, net.Policy, back.Policy)

	o := baseOrder()
	o.Lines[1].LostSaleCost = 90 // the phone's own price
	var p solver.Problem
	for _, build := range []func(*Order, StockView, CapacityView, *solver.Problem) error{
		NewBuilder(net, nil).Build, NewBuilder(net, nil).BuildEligible,
	} {
		require.NoError(t, build(o, testStock, nil, &p))
		assert.Equal(t, 4.5, p.Lines[0].LostSaleCost, "a line without a price takes the network's")
		assert.Equal(t, 90.0, p.Lines[1].LostSaleCost, "a line's own price wins")
		assert.Equal(t, 2.0, p.LostSaleCostPerOrder)
	}
	assert.Equal(t, 0.0, o.Lines[0].LostSaleCost, "the order is not changed")

	// Without the policy keys: no prices (lines keep their own).
	plain := testNet(t)
	var out2 bytes.Buffer
	require.NoError(t, plain.WriteYAML(&out2))
	assert.NotContains(t, out2.String(), "lost_sale")
	require.NoError(t, NewBuilder(plain, nil).Build(o, testStock, nil, &p))
	assert.Equal(t, 0.0, p.Lines[0].LostSaleCost)
	assert.Equal(t, 90.0, p.Lines[1].LostSaleCost)
	assert.Equal(t, 0.0, p.LostSaleCostPerOrder)
}

func TestLostSaleOrderValidation(t *testing.T) {
	net := testNet(t)
	for _, v := range []float64{-1, math.NaN(), math.Inf(1)} {
		o := baseOrder()
		o.Lines[1].LostSaleCost = v
		var p solver.Problem
		err := NewBuilder(net, nil).Build(o, testStock, nil, &p)
		require.ErrorIs(t, err, ErrInvalidOrder)
		assert.Contains(t, err.Error(), "lines[1].lost_sale_cost: ")
	}
}

// TestWalkInLostSaleCost: a unit a till customer does not find costs the
// network's walk-in price when set, else the SKU's online mean, else the
// network's per-unit lost-sale cost; the price is read from the file and
// written back.
func TestWalkInLostSaleCost(t *testing.T) {
	p := Policy{LostSaleCostPerUnit: 4}
	assert.Equal(t, 12.5, p.WalkInLostSaleCost(12.5), "the SKU's online mean")
	assert.Equal(t, 4.0, p.WalkInLostSaleCost(0), "no online price: the network's")
	p.WalkInLostSaleCostPerUnit = 30
	assert.Equal(t, 30.0, p.WalkInLostSaleCost(12.5))
	assert.Equal(t, 30.0, p.WalkInLostSaleCost(0))
	assert.Zero(t, (&Policy{}).WalkInLostSaleCost(0), "no price anywhere")

	src := strings.Replace(builderNet, "  tz_offset_minutes: 300\n",
		"  tz_offset_minutes: 300\n  walk_in_lost_sale_cost_per_unit: 30\n", 1)
	net, err := Parse(strings.NewReader(src), "walk-in.yaml")
	require.NoError(t, err)
	assert.Equal(t, 30.0, net.Policy.WalkInLostSaleCostPerUnit)
	var out bytes.Buffer
	require.NoError(t, net.WriteYAML(&out))
	assert.Contains(t, out.String(), "walk_in_lost_sale_cost_per_unit: 30")

	// A node's own price stands for the network's at its tills only.
	net.Nodes[1].WalkInLostSaleCostPerUnit = 45
	assert.Equal(t, 45.0, net.WalkInLostSaleCost(1, 12.5))
	assert.Equal(t, 30.0, net.WalkInLostSaleCost(0, 12.5))
	assert.Equal(t, 30.0, net.WalkInLostSaleCost(len(net.Nodes), 12.5), "no such node")
	out.Reset()
	require.NoError(t, net.WriteYAML(&out))
	back, err := Parse(bytes.NewReader(out.Bytes()), "written.yaml")
	require.NoError(t, err)
	assert.Equal(t, 45.0, back.Nodes[1].WalkInLostSaleCostPerUnit)
}
