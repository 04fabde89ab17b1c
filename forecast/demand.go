package forecast

import (
	"cmp"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Day is the length of the buckets daily rates and variances are taken
// over.
const Day = 24 * time.Hour

// Cell is the demand estimate of one (region, SKU, method).
type Cell struct {
	Region string `json:"region"`
	SKU    string `json:"sku"`
	Method Method `json:"-"`
	// UnitsPerDay is the mean units asked per day.
	UnitsPerDay float64 `json:"units_per_day"`
	// VariancePerDay is the variance of the units asked per day.
	VariancePerDay float64 `json:"variance_per_day"`
	// UnitsPerOrder is the mean units of the orders holding the SKU, all
	// their lines counted (at least 1): what one shipment carries.
	UnitsPerOrder float64 `json:"units_per_order"`
	// UnitWeightKg is the mean weight of one unit.
	UnitWeightKg float64 `json:"unit_weight_kg"`
	// LostSaleCost is the mean lost-sale price per unit the lines gave
	// (units-weighted, lines without a price left out); 0 when none did,
	// and the network's price applies.
	LostSaleCost float64 `json:"lost_sale_cost"`
	// Counted is the units the estimate counted: a rate taken from k
	// units is known to about 1/√k. 0 when unknown (a forecast written
	// by hand).
	Counted float64 `json:"units_counted"`
}

// Expected returns the units the cell expects over horizon h.
func (c *Cell) Expected(h time.Duration) float64 { return c.UnitsPerDay * h.Hours() / 24 }

// Quantile returns the p-quantile of the units asked over horizon h
// (0 < p < 1), days taken as independent: a normal distribution with mean
// UnitsPerDay x days and variance VariancePerDay x days, never below 0.
// A cell with no variance returns its mean.
func (c *Cell) Quantile(p float64, h time.Duration) float64 {
	days := h.Hours() / 24
	mean, v := c.UnitsPerDay*days, c.VariancePerDay*days
	if v <= 0 || p <= 0 || p >= 1 {
		return mean
	}
	q := distuv.Normal{Mu: mean, Sigma: math.Sqrt(v)}.Quantile(p)
	return max(q, 0)
}

// Demand is a forecast: the cells of every (region, SKU, method) with any
// demand, sorted by region, SKU and method.
type Demand struct {
	// From and To bound the history the estimate was taken over (zero for
	// a forecast read from a file).
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
	// Days is the window's length in days (at least a day or the time
	// MinWindowOrders orders took, whichever is shorter; 0 for a file).
	Days float64 `json:"days"`
	// Orders is how many orders the estimate saw.
	Orders int64  `json:"orders"`
	Cells  []Cell `json:"cells"`
}

// Expected returns the units all cells expect over horizon h.
func (d *Demand) Expected(h time.Duration) float64 {
	var s float64
	for i := range d.Cells {
		s += d.Cells[i].Expected(h)
	}
	return s
}

// Find returns the index of the cell (region, sku, m), or -1.
func (d *Demand) Find(region, sku string, m Method) int {
	i, ok := slices.BinarySearchFunc(d.Cells, Cell{Region: region, SKU: sku, Method: m}, compareCells)
	if !ok {
		return -1
	}
	return i
}

// compareCells orders cells by region, SKU, then method.
func compareCells(a, b Cell) int {
	if c := cmp.Compare(a.Region, b.Region); c != 0 {
		return c
	}
	if c := cmp.Compare(a.SKU, b.SKU); c != 0 {
		return c
	}
	return cmp.Compare(a.Method, b.Method)
}

// sortCells sorts d's cells into their order.
func (d *Demand) sortCells() { slices.SortFunc(d.Cells, compareCells) }

// meanVariance returns the mean and variance of the daily series
// (stat.MeanVariance); with fewer than two days, the mean for both.
func meanVariance(daily []float64) (mean, variance float64) {
	if len(daily) < 2 {
		if len(daily) == 0 {
			return 0, 0
		}
		return daily[0], daily[0]
	}
	return stat.MeanVariance(daily, nil)
}
