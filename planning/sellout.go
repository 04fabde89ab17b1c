package planning

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/network"
)

// SellOutMeanError is the least relative error SellOut allows the
// forecast's mean: the demand of one SKU over a season is rarely known
// better than to a fifth, so a SKU is sure to sell out only when it would
// with about a fifth less demand than expected. A mean estimated from
// fewer than 25 units is allowed more: 1/√k for k units counted. It does
// not cover a season's end set late: near that end, the demand still
// expected is all error.
const SellOutMeanError = 0.2

// SellOut is, for each SKU the forecast expects between at and end (the
// end of the season: the stock on hand and the arrivals before it are all
// there will be), the probability that the demand until then asks for
// every unit there is: P(D >= S), S the network's ATP plus the arrivals
// in (at, end], D normal with the units the forecast expects over (at,
// end] as its mean and, as its variance, the forecast's (its cells'
// VariancePerDay, at least the mean: Poisson's) plus that of a mean wrong
// by SellOutMeanError, or by 1/√k when the forecast was estimated from k
// units of the SKU and that is more (its cells' Counted; a forecast that
// counted none is allowed SellOutMeanError). Near 1, a unit of the SKU
// that one order does not take is taken by a later one. SKUs the forecast
// does not expect are left out; an end not after at gives nil. It is
// Outlook's SellOut by SKU.
func SellOut(d *forecast.Demand, st network.StockView, arrivals []Arrival, at, end time.Time) map[string]float64 {
	o := SeasonOutlook(d, st, arrivals, at, end)
	if o == nil {
		return nil
	}
	p := make(map[string]float64, len(o))
	for i := range o {
		p[o[i].SKU] = o[i].SellOut
	}
	return p
}

// Outlook is one SKU's season as SellOut sees it: what there is of it
// until the season's end, what the forecast expects of it, and what is
// likely to go without.
type Outlook struct {
	SKU string `json:"sku"`
	// Supply is the network's ATP at the start plus the arrivals before
	// the end.
	Supply float64 `json:"supply"`
	// Expected is the units the forecast expects until the end, and SD
	// the standard deviation SellOut allows them (the forecast's and a
	// mean wrong by SellOutMeanError, or by 1/√k for k units counted).
	Expected float64 `json:"expected"`
	SD       float64 `json:"sd"`
	// SellOut is the probability that the demand asks for every unit of
	// Supply (SellOut).
	SellOut float64 `json:"sell_out"`
	// Short is the units expected to go without, E[max(D - Supply, 0)]
	// with D normal (Expected, SD).
	Short float64 `json:"short"`
}

// SeasonOutlook is the Outlook of every SKU the forecast expects between
// at and end (see SellOut), in SKU order; an end not after at, or no
// forecast, gives nil.
func SeasonOutlook(d *forecast.Demand, st network.StockView, arrivals []Arrival, at, end time.Time) []Outlook {
	h := end.Sub(at)
	if d == nil || h <= 0 {
		return nil
	}
	days := h.Hours() / 24
	type moments struct{ mean, variance, counted float64 }
	bySKU := map[string]moments{}
	for i := range d.Cells {
		c := &d.Cells[i]
		if e := c.Expected(h); e > 0 {
			m := bySKU[c.SKU]
			m.mean += e
			m.variance += max(c.VariancePerDay*days, e)
			m.counted += c.Counted
			bySKU[c.SKU] = m
		}
	}
	supply := map[string]float64{}
	for _, a := range arrivals {
		if a.At.After(at) && !a.At.After(end) && a.Qty > 0 {
			supply[a.SKU] += float64(a.Qty)
		}
	}
	out := make([]Outlook, 0, len(bySKU))
	for sku, m := range bySKU {
		s := supply[sku]
		st.EachATP(sku, func(_ int, atp int32) { s += float64(atp) })
		rel := SellOutMeanError
		if m.counted > 0 {
			// A mean taken from k units counted is known to 1/√k
			// (Poisson): the first hours of a replay without a
			// history, or a SKU that sells a few units a week.
			rel = max(rel, 1/math.Sqrt(m.counted))
		}
		sd := math.Sqrt(m.variance + (rel*m.mean)*(rel*m.mean))
		n := distuv.Normal{Mu: m.mean, Sigma: sd}
		// P(D >= s), the units counted whole: P(D > s - 1/2). The
		// expected shortfall is sd x the standard normal loss at s.
		z := (s - m.mean) / sd
		short := sd * (distuv.UnitNormal.Prob(z) - z*distuv.UnitNormal.Survival(z))
		out = append(out, Outlook{SKU: sku, Supply: s, Expected: m.mean, SD: sd, SellOut: n.Survival(s - 0.5), Short: max(short, 0)})
	}
	slices.SortFunc(out, func(a, b Outlook) int { return cmp.Compare(a.SKU, b.SKU) })
	return out
}

// WithSellOut returns a copy of p that also answers SellOutProbability
// from sellOut (SellOut's; p itself is left as it was). The copy shares
// p's prices, which are read-only.
func (p *Prices) WithSellOut(sellOut map[string]float64) *Prices {
	c := *p
	c.sellOut, c.seasoned = maps.Clone(sellOut), true
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

// Seasoned reports whether the prices carry a season's outlook
// (WithSellOut): without one, SellOutProbability is 0 for every SKU.
func (p *Prices) Seasoned() bool {
	return p != nil && p.seasoned
}

// WriteOutlookCSV writes the outlook as CSV: a header
// sku,supply,expected,sd,sell_out,short and a row per SKU, in the order
// given, numbers with 6 decimals.
func WriteOutlookCSV(w io.Writer, outlook []Outlook) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("sku,supply,expected,sd,sell_out,short\n")
	for _, o := range outlook {
		bw.WriteString(csvField(o.SKU))
		for _, v := range [...]float64{o.Supply, o.Expected, o.SD, o.SellOut, o.Short} {
			bw.WriteByte(',')
			bw.WriteString(strconv.FormatFloat(v, 'f', 6, 64))
		}
		bw.WriteByte('\n')
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write season outlook: %w", err)
	}
	return nil
}
