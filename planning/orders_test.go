package planning

import (
	"fmt"
	"testing"

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
