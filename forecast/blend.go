package forecast

import (
	"math"
	"strings"
)

// Blend is the demand of a forecast, base, and of the orders observed
// since, recent, as a plan uses it: each cell's rates are the mean of
// base's and recent's weighted by the days each covers (a forecast file,
// which covers none, counts as one day; a cell missing from one side is
// zero there); its units per order, weight and lost-sale cost are base's
// where base has the cell, else recent's, and its units counted the sum
// of both (unknown when base's are). Cells stay sorted by region,
// SKU and method. Its orders are both's: a forecast file counts none, so
// its day's units are counted as orders of the units recent's orders
// hold on average.
func Blend(base, recent *Demand) *Demand {
	if recent == nil || len(recent.Cells) == 0 {
		return base
	}
	if base == nil {
		return recent
	}
	wb, wr := max(base.Days, 0), recent.Days
	if wb == 0 {
		wb = 1
	}
	out := &Demand{From: base.From, To: recent.To, Days: wb + wr, Orders: base.Orders + recent.Orders}
	if base.Days <= 0 && base.Orders == 0 && recent.Orders > 0 {
		if perOrder := recent.unitsPerDay() * recent.Days / float64(recent.Orders); perOrder > 0 {
			out.Orders += int64(math.Round(base.unitsPerDay() * wb / perOrder))
		}
	}
	if out.From.IsZero() || recent.From.Before(out.From) {
		out.From = recent.From
	}
	if base.To.After(out.To) {
		out.To = base.To
	}
	less := func(a, b *Cell) int {
		if c := strings.Compare(a.Region, b.Region); c != 0 {
			return c
		}
		if c := strings.Compare(a.SKU, b.SKU); c != 0 {
			return c
		}
		return int(a.Method) - int(b.Method)
	}
	mix := func(b, r float64) float64 { return (wb*b + wr*r) / (wb + wr) }
	i, j := 0, 0
	for i < len(base.Cells) || j < len(recent.Cells) {
		var c Cell
		switch {
		case j == len(recent.Cells) || i < len(base.Cells) && less(&base.Cells[i], &recent.Cells[j]) < 0:
			c = base.Cells[i]
			c.UnitsPerDay, c.VariancePerDay = mix(c.UnitsPerDay, 0), mix(c.VariancePerDay, 0)
			i++
		case i == len(base.Cells) || less(&base.Cells[i], &recent.Cells[j]) > 0:
			c = recent.Cells[j]
			c.UnitsPerDay, c.VariancePerDay = mix(0, c.UnitsPerDay), mix(0, c.VariancePerDay)
			j++
		default:
			c = base.Cells[i]
			c.UnitsPerDay = mix(c.UnitsPerDay, recent.Cells[j].UnitsPerDay)
			c.VariancePerDay = mix(c.VariancePerDay, recent.Cells[j].VariancePerDay)
			if c.Counted > 0 { // else the forecast's counts are unknown, and stay so
				c.Counted += recent.Cells[j].Counted
			}
			i, j = i+1, j+1
		}
		out.Cells = append(out.Cells, c)
	}
	return out
}

// unitsPerDay is the units a day of every cell of d.
func (d *Demand) unitsPerDay() float64 {
	var u float64
	for i := range d.Cells {
		u += d.Cells[i].UnitsPerDay
	}
	return u
}
