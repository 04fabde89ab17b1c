package planning

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/forecast"
)

// atpMap is a stock view of (node, SKU) -> ATP.
type atpMap map[string][]int32

func (m atpMap) ATP(node int, sku string) int32 { return m[sku][node] }

func (m atpMap) EachATP(sku string, fn func(node int, atp int32)) {
	for n, a := range m[sku] {
		if a > 0 {
			fn(n, a)
		}
	}
}

// TestSellOut: 100 units of "short" are expected over the season against
// 60 on hand at two nodes: sure to sell out. "deep" expects 100 against
// 150: sure not to. "even" expects 100 against 100, and a scheduled
// arrival of 50 before the end makes "short" deep too; one after the end
// does not count. The probability allows the mean a fifth of error, so
// "even" is a coin toss, and a SKU expected in two regions adds them up.
func TestSellOut(t *testing.T) {
	at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	end := at.Add(5 * 24 * time.Hour)
	d := &forecast.Demand{Cells: []forecast.Cell{
		{Region: "A", SKU: "deep", UnitsPerDay: 20},
		{Region: "A", SKU: "even", UnitsPerDay: 20},
		{Region: "A", SKU: "short", UnitsPerDay: 12},
		{Region: "B", SKU: "short", UnitsPerDay: 8},
	}}
	st := atpMap{"short": {30, 30}, "deep": {0, 150}, "even": {100, 0}}
	p := SellOut(d, st, nil, at, end)
	require.Len(t, p, 3)
	assert.Greater(t, p["short"], 0.95)
	assert.Less(t, p["deep"], 0.05)
	assert.InDelta(t, 0.5, p["even"], 0.05)

	arrivals := []Arrival{
		{At: at.Add(time.Hour), Node: 0, SKU: "short", Qty: 50},
		{At: end.Add(time.Hour), Node: 0, SKU: "deep", Qty: -1000},
		{At: end.Add(time.Hour), Node: 0, SKU: "even", Qty: 1000},
	}
	p = SellOut(d, st, arrivals, at, end)
	assert.Less(t, p["short"], 0.5, "110 units for 100 expected")
	assert.InDelta(t, 0.5, p["even"], 0.05, "after the end")

	assert.Nil(t, SellOut(d, st, nil, end, end), "no season left")
	assert.Nil(t, SellOut(nil, st, nil, at, end))

	prices := NewPrices(nil, 2, at)
	assert.Zero(t, prices.SellOutProbability("short"), "no season end")
	with := prices.WithSellOut(p)
	assert.InDelta(t, p["even"], with.SellOutProbability("even"), 1e-12)
	assert.Zero(t, prices.SellOutProbability("even"), "the prices it came from are left as they were")
	var none *Prices
	assert.Zero(t, none.SellOutProbability("short"))
}
