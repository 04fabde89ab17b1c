package planning

import (
	"maps"
	"math"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/network"
)

// SellOutMeanError is the relative error SellOut allows the forecast's
// mean: the demand of one SKU over a season is rarely known better than
// to a fifth, so a SKU is sure to sell out only when it would with about
// a fifth less demand than expected. It does not cover a season's end set
// late: near that end, the demand still expected is all error.
const SellOutMeanError = 0.2

// SellOut is, for each SKU the forecast expects between at and end (the
// end of the season: the stock on hand and the arrivals before it are all
// there will be), the probability that the demand until then asks for
// every unit there is: P(D >= S), S the network's ATP plus the arrivals
// in (at, end], D normal with the units the forecast expects over (at,
// end] as its mean and, as its variance, the forecast's (its cells'
// VariancePerDay, at least the mean: Poisson's) plus that of a mean wrong
// by SellOutMeanError. Near 1, a unit of the SKU that one order does not
// take is taken by a later one. SKUs the forecast does not expect are
// left out; an end not after at gives nil.
func SellOut(d *forecast.Demand, st network.StockView, arrivals []Arrival, at, end time.Time) map[string]float64 {
	h := end.Sub(at)
	if d == nil || h <= 0 {
		return nil
	}
	days := h.Hours() / 24
	type moments struct{ mean, variance float64 }
	bySKU := map[string]moments{}
	for i := range d.Cells {
		c := &d.Cells[i]
		if e := c.Expected(h); e > 0 {
			m := bySKU[c.SKU]
			m.mean += e
			m.variance += max(c.VariancePerDay*days, e)
			bySKU[c.SKU] = m
		}
	}
	supply := map[string]float64{}
	for _, a := range arrivals {
		if a.At.After(at) && !a.At.After(end) && a.Qty > 0 {
			supply[a.SKU] += float64(a.Qty)
		}
	}
	p := make(map[string]float64, len(bySKU))
	for sku, m := range bySKU {
		s := supply[sku]
		st.EachATP(sku, func(_ int, atp int32) { s += float64(atp) })
		sd := math.Sqrt(m.variance + (SellOutMeanError*m.mean)*(SellOutMeanError*m.mean))
		// P(D >= s), the units counted whole: P(D > s - 1/2).
		p[sku] = distuv.Normal{Mu: m.mean, Sigma: sd}.Survival(s - 0.5)
	}
	return p
}

// WithSellOut returns a copy of p that also answers SellOutProbability
// from sellOut (SellOut's; p itself is left as it was). The copy shares
// p's prices, which are read-only.
func (p *Prices) WithSellOut(sellOut map[string]float64) *Prices {
	c := *p
	c.sellOut = maps.Clone(sellOut)
	return &c
}

// SellOutProbability returns the probability that the SKU sells out
// before the season's end (see SellOut), or 0 when the prices carry none
// (no season end) or the forecast expects none of it.
func (p *Prices) SellOutProbability(sku string) float64 {
	if p == nil {
		return 0
	}
	return p.sellOut[sku]
}
