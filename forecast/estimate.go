package forecast

import (
	"math"
	"time"

	"github.com/omniroute/omniroute/network"
)

// Estimator estimates demand from the orders it observes (see the package
// doc). It is not safe for concurrent use.
type Estimator struct {
	net     *network.Network
	regions *Regions
	cells   map[cellKey]*tally
	first   time.Time
	last    time.Time
	orders  int64
}

type cellKey struct {
	region int
	sku    string
	method Method
}

// tally is what one cell has seen: units per day since the first order
// (by day index), and sums for the means.
type tally struct {
	daily      map[int64]float64
	units      float64
	orders     float64
	orderUnits float64 // sum over orders of the order's units
	weight     float64 // sum of unit weight x units
	lostUnits  float64 // units whose line had a price
	lost       float64 // sum of price x units
}

// NewEstimator returns an Estimator over net's regions (NewRegions).
func NewEstimator(net *network.Network, regions *Regions) *Estimator {
	return &Estimator{net: net, regions: regions, cells: make(map[cellKey]*tally)}
}

// Regions returns the regions the Estimator counts in.
func (e *Estimator) Regions() *Regions { return e.regions }

// Orders returns how many orders the Estimator has observed.
func (e *Estimator) Orders() int64 { return e.orders }

// Observe counts order o. Orders should come in time order; one before
// the first observed moves the window's start back.
func (e *Estimator) Observe(o *network.Order) {
	if e.orders == 0 || o.CreatedAt.Before(e.first) {
		if e.orders > 0 {
			e.shift(o.CreatedAt)
		}
		e.first = o.CreatedAt
	}
	if o.CreatedAt.After(e.last) || e.orders == 0 {
		e.last = o.CreatedAt
	}
	e.orders++
	region := e.regions.OfOrder(e.net, o)
	m := MethodOf(o)
	day := int64(o.CreatedAt.Sub(e.first) / Day)
	var units float64
	for i := range o.Lines {
		units += float64(o.Lines[i].Quantity)
	}
	for i := range o.Lines {
		ln := &o.Lines[i]
		k := cellKey{region, ln.SKU, m}
		t := e.cells[k]
		if t == nil {
			t = &tally{daily: make(map[int64]float64)}
			e.cells[k] = t
		}
		q := float64(ln.Quantity)
		t.daily[day] += q
		t.units += q
		t.orders++
		t.orderUnits += units
		t.weight += ln.UnitWeightKg * q
		if ln.LostSaleCost > 0 {
			t.lostUnits += q
			t.lost += ln.LostSaleCost * q
		}
	}
}

// shift renumbers the daily buckets when the window starts earlier, at
// from.
func (e *Estimator) shift(from time.Time) {
	for _, t := range e.cells {
		moved := make(map[int64]float64, len(t.daily))
		for d, u := range t.daily {
			at := e.first.Add(time.Duration(d) * Day)
			moved[int64(at.Sub(from)/Day)] += u
		}
		t.daily = moved
	}
}

// MinWindowOrders bounds the shortest window an estimate's rates are
// taken over: a window counts as at least a day or as long as
// MinWindowOrders orders take at the pace observed, whichever is shorter.
// A few orders make a poor rate, and one measured over the first minutes
// of a replay would price every unit they asked for as if the whole day
// had asked for it, so a short window is stretched, which scales its rates
// down. The orders, not the clock, say how much has been observed: a
// replay whose orders an instance puts seconds apart rather than minutes
// is stretched over as many orders as one on a true clock, where a day's
// floor would leave its rates a hundred times too low to the end; and a
// server's window of its latest orders, which spans hours when it is busy,
// keeps its rate.
const MinWindowOrders = 300

// Estimate returns the demand estimated from the orders observed so far,
// over the window from the first order to at (the last order when at is
// zero or earlier): at least a day or the time MinWindowOrders orders
// take at the pace observed, whichever is shorter, and a day when every
// order came at one time. With no order observed it is empty.
func (e *Estimator) Estimate(at time.Time) *Demand {
	d := &Demand{Orders: e.orders}
	if e.orders == 0 {
		return d
	}
	to := e.last
	if at.After(to) {
		to = at
	}
	d.From, d.To = e.first, to
	d.Days = windowDays(to.Sub(e.first), e.orders)
	whole := max(int(math.Ceil(d.Days)), 1)
	daily := make([]float64, whole)
	d.Cells = make([]Cell, 0, len(e.cells))
	for k, t := range e.cells {
		clear(daily)
		for day, u := range t.daily {
			if day < int64(whole) {
				daily[day] += u
			} else {
				daily[whole-1] += u
			}
		}
		_, variance := meanVariance(daily)
		c := Cell{
			Region:         e.regions.Name(k.region),
			SKU:            k.sku,
			Method:         k.method,
			UnitsPerDay:    t.units / d.Days,
			VariancePerDay: variance,
			UnitsPerOrder:  max(t.orderUnits/t.orders, 1),
			UnitWeightKg:   t.weight / t.units,
			Counted:        t.units,
		}
		if whole < 2 {
			c.VariancePerDay = c.UnitsPerDay
		}
		if t.lostUnits > 0 {
			c.LostSaleCost = t.lost / t.lostUnits
		}
		d.Cells = append(d.Cells, c)
	}
	d.sortCells()
	return d
}

// windowDays is the length in days of a window that spans span and holds
// n orders (see MinWindowOrders).
func windowDays(span time.Duration, n int64) float64 {
	days := span.Hours() / 24
	if days <= 0 {
		return 1
	}
	if n >= MinWindowOrders || days >= 1 {
		return days
	}
	return min(1, days*MinWindowOrders/float64(n))
}
