package planning

import (
	"math"
	"strings"
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

// TestSeasonOutlook, by hand: "x" expects 10 units over the day's season
// (variance 10, Poisson's, plus (0.2 x 10)^2 = 4 for the mean's error: sd
// sqrt(14)) against 8 on hand at two nodes. It sells out with P(D > 7.5)
// and leaves sd x L((8 - 10) / sd) units short, L the standard normal
// loss. "y", with 40 for 10, is safe; "z" is not expected and not listed.
func TestSeasonOutlook(t *testing.T) {
	at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	end := at.Add(24 * time.Hour)
	d := &forecast.Demand{Cells: []forecast.Cell{
		{Region: "B", SKU: "y", UnitsPerDay: 10},
		{Region: "A", SKU: "x", UnitsPerDay: 10},
	}}
	st := atpMap{"x": {5, 3}, "y": {40, 0}, "z": {7, 0}}
	o := SeasonOutlook(d, st, nil, at, end)
	require.Len(t, o, 2)
	assert.Equal(t, "x", o[0].SKU, "in SKU order")
	assert.Equal(t, "y", o[1].SKU)

	phi := func(x float64) float64 { return math.Exp(-x*x/2) / math.Sqrt(2*math.Pi) }
	cdf := func(x float64) float64 { return 0.5 * (1 + math.Erf(x/math.Sqrt2)) }
	sd := math.Sqrt(14)
	x := o[0]
	assert.InDelta(t, 8, x.Supply, 0)
	assert.InDelta(t, 10, x.Expected, 1e-12)
	assert.InDelta(t, sd, x.SD, 1e-12)
	assert.InDelta(t, cdf((10-7.5)/sd), x.SellOut, 1e-9)
	z := (8 - 10) / sd
	assert.InDelta(t, sd*(phi(z)-z*(1-cdf(z))), x.Short, 1e-9)
	assert.InDelta(t, 2.7012, x.Short, 1e-3)

	y := o[1]
	assert.Less(t, y.SellOut, 1e-6)
	assert.Less(t, y.Short, 1e-6)
	assert.GreaterOrEqual(t, y.Short, 0.0)

	p := SellOut(d, st, nil, at, end)
	assert.Equal(t, map[string]float64{"x": x.SellOut, "y": y.SellOut}, p, "SellOut is the outlook's")
	assert.Nil(t, SeasonOutlook(d, st, nil, end, at), "an end before the start")
}

// TestSeasonOutlookCountedUnits: a mean estimated from k units counted is
// allowed an error of 1/√k when that is more than SellOutMeanError. "x"
// expects 10 units over the day against 8, as in TestSeasonOutlook; its
// forecast counted 4 units: sd sqrt(10 + (10/2)²) = sqrt(35), so it is
// less sure to sell out. With 100 units counted (1/√100 is below a fifth)
// it is as before, and so is a forecast whose counts are unknown (a file
// written by hand). The counts of a SKU's cells add up.
func TestSeasonOutlookCountedUnits(t *testing.T) {
	at := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	end := at.Add(24 * time.Hour)
	st := atpMap{"x": {5, 3}}
	outlook := func(counted ...float64) Outlook {
		d := &forecast.Demand{}
		for i, c := range counted {
			d.Cells = append(d.Cells, forecast.Cell{Region: string(rune('A' + i)), SKU: "x", UnitsPerDay: 10 / float64(len(counted)), Counted: c})
		}
		o := SeasonOutlook(d, st, nil, at, end)
		require.Len(t, o, 1)
		return o[0]
	}
	few, many, file := outlook(4), outlook(100), outlook(0)
	assert.InDelta(t, math.Sqrt(35), few.SD, 1e-12)
	assert.InDelta(t, math.Sqrt(14), many.SD, 1e-12)
	assert.InDelta(t, math.Sqrt(14), file.SD, 1e-12)
	assert.Less(t, few.SellOut, many.SellOut, "fewer units counted, less sure")
	assert.Equal(t, many, file)
	assert.Equal(t, few, outlook(1, 3), "two regions' counts add up")
}

// TestWriteOutlookCSV: a header, then a row per SKU as given.
func TestWriteOutlookCSV(t *testing.T) {
	var b strings.Builder
	require.NoError(t, WriteOutlookCSV(&b, []Outlook{
		{SKU: "x", Supply: 8, Expected: 10, SD: 3.5, SellOut: 0.75, Short: 2.7},
		{SKU: "a,b", Supply: 1},
	}))
	assert.Equal(t, "sku,supply,expected,sd,sell_out,short\n"+
		"x,8.000000,10.000000,3.500000,0.750000,2.700000\n"+
		"\"a,b\",1.000000,0.000000,0.000000,0.000000,0.000000\n", b.String())
}
