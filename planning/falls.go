package planning

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/network"
)

// Falls: the demand of the other channels. A store sells at its tills
// what the orders routed never see, and writes stock off; those falls of
// stock take units a plan would otherwise price as free for the orders to
// come. A FallRates learns how fast each (node, SKU) falls, and a plan
// keeps the falls it expects within its horizon out of the supply it
// prices (LessFalls): where a store's own customers will take the stock,
// its units cost more, and the look-ahead ships from there only what an
// order gains more by than those customers would.

// DefaultFallSpan is the time constant of a FallRates: a fall counts
// e^(-age/span) of its units.
const DefaultFallSpan = 7 * 24 * time.Hour

// FallRates is the rate at which each (node, SKU) loses stock other than
// by the orders routed: a sum of its falls' units, each weighed down
// exponentially by its age (DefaultFallSpan, or Span), over the time
// observed. Sales (Observe) are the other channels' demand;
// adjustments (ObserveAdjustment: recounts down, write-offs) take stock
// as surely but are no one's demand, so that a plan keeps both out of
// its supply (Expected) and prices only the sales (EachExpected, Tills).
// Memory is one entry per row that ever fell. It is not safe for
// concurrent use.
type FallRates struct {
	// Span is the time constant; 0 means DefaultFallSpan.
	Span time.Duration
	// since is when observation began: the first fall observed, or
	// Start's time when earlier.
	since time.Time
	// rows are the sales, adjusted the adjustments.
	rows, adjusted map[nodeSKU]*fallSum
}

// fallSum is a row's decayed units as of at.
type fallSum struct {
	units float64
	at    time.Time
}

// Start says that observation began at t (a history's first day, a
// server's start): the rates count the time since as observed even
// without a fall in it.
func (r *FallRates) Start(t time.Time) {
	if r.since.IsZero() || t.Before(r.since) {
		r.since = t
	}
}

func (r *FallRates) span() float64 {
	if r.Span > 0 {
		return r.Span.Hours() / 24
	}
	return DefaultFallSpan.Hours() / 24
}

// Observe adds a sale of units (> 0) of sku at node at time at. Falls may
// come out of time order (a history, then the live ones): each counts by
// its own age.
func (r *FallRates) Observe(at time.Time, node int, sku string, units int32) {
	if r.rows == nil {
		r.rows = map[nodeSKU]*fallSum{}
	}
	r.observe(r.rows, at, node, sku, units)
}

// ObserveAdjustment adds an adjustment of units (> 0) of sku at node at
// time at: a fall that is no one's demand (a recount down, a write-off).
func (r *FallRates) ObserveAdjustment(at time.Time, node int, sku string, units int32) {
	if r.adjusted == nil {
		r.adjusted = map[nodeSKU]*fallSum{}
	}
	r.observe(r.adjusted, at, node, sku, units)
}

func (r *FallRates) observe(rows map[nodeSKU]*fallSum, at time.Time, node int, sku string, units int32) {
	if units <= 0 {
		return
	}
	r.Start(at)
	k := nodeSKU{int32(node), sku}
	s := rows[k]
	if s == nil {
		rows[k] = &fallSum{units: float64(units), at: at}
		return
	}
	tau := r.span()
	if at.After(s.at) {
		s.units = s.units*math.Exp(-at.Sub(s.at).Hours()/24/tau) + float64(units)
		s.at = at
	} else {
		s.units += float64(units) * math.Exp(-s.at.Sub(at).Hours()/24/tau)
	}
}

// Len is the number of rows that sold.
func (r *FallRates) Len() int { return len(r.rows) }

// Expected returns the units each row is expected to lose over d after
// at, to sales and adjustments, at their rates (EachExpected,
// EachAdjustment), rounded; rows expected to lose less than half a unit
// are left out.
func (r *FallRates) Expected(at time.Time, d time.Duration) ExpectedFalls {
	return r.expected(at, d, true)
}

// ExpectedSales is Expected of the sales alone: the units the tills are
// expected to take.
func (r *FallRates) ExpectedSales(at time.Time, d time.Duration) ExpectedFalls {
	return r.expected(at, d, false)
}

func (r *FallRates) expected(at time.Time, d time.Duration, adjustments bool) ExpectedFalls {
	means := map[nodeSKU]float64{}
	add := func(node int, sku string, mean float64) { means[nodeSKU{int32(node), sku}] += mean }
	r.EachExpected(at, d, add)
	if adjustments {
		r.EachAdjustment(at, d, add)
	}
	out := ExpectedFalls{}
	for k, mean := range means {
		if e := math.Round(mean); e >= 1 {
			out[k] = int32(min(e, math.MaxInt32))
		}
	}
	return out
}

// EachExpected calls fn, in node then SKU order, with the mean units each
// row that sold is expected to sell over d after at: its decayed units
// over the decayed time observed (at least a day, so that a first fall is
// not taken for a day's worth each minute), times d.
func (r *FallRates) EachExpected(at time.Time, d time.Duration, fn func(node int, sku string, mean float64)) {
	r.each(r.rows, at, d, fn)
}

// EachAdjustment is EachExpected for the adjustments.
func (r *FallRates) EachAdjustment(at time.Time, d time.Duration, fn func(node int, sku string, mean float64)) {
	r.each(r.adjusted, at, d, fn)
}

func (r *FallRates) each(rows map[nodeSKU]*fallSum, at time.Time, d time.Duration, fn func(node int, sku string, mean float64)) {
	if len(rows) == 0 || d <= 0 {
		return
	}
	tau := r.span()
	observed := math.Max(at.Sub(r.since).Hours()/24, 1)
	// The weight of the time observed: the integral of e^(-age/tau).
	weight := tau * (1 - math.Exp(-observed/tau))
	days := d.Hours() / 24
	keys := make([]nodeSKU, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b nodeSKU) int { return cmp.Or(cmp.Compare(a.node, b.node), strings.Compare(a.sku, b.sku)) })
	for _, k := range keys {
		s := rows[k]
		units := s.units
		if at.After(s.at) {
			units *= math.Exp(-at.Sub(s.at).Hours() / 24 / tau)
		}
		fn(int(k.node), k.sku, units/weight*days)
	}
}

// ExpectedFalls is the units each (node, SKU) is expected to lose to
// other channels over a plan's time (FallRates.Expected).
type ExpectedFalls map[nodeSKU]int32

// Units returns the units expected of sku at node.
func (e ExpectedFalls) Units(node int, sku string) int32 { return e[nodeSKU{int32(node), sku}] }

// Total is the units expected over every row.
func (e ExpectedFalls) Total() int64 {
	var n int64
	for _, u := range e {
		n += int64(u)
	}
	return n
}

// From returns the units of e that st holds, each row's expected falls
// up to its ATP, summed: what LessFalls keeps out of st.
func (e ExpectedFalls) From(st network.StockView) int64 {
	var n int64
	for k, u := range e {
		n += int64(min(u, max(0, st.ATP(int(k.node), k.sku))))
	}
	return n
}

// LessFalls returns st with each row's ATP less the units falls expects
// it to lose, never below zero: the supply a plan prices. With no fall
// expected it returns st itself.
func LessFalls(st network.StockView, falls ExpectedFalls) network.StockView {
	if len(falls) == 0 {
		return st
	}
	return &lessFalls{st: st, falls: falls}
}

type lessFalls struct {
	st    network.StockView
	falls ExpectedFalls
}

// ATP is the row's ATP less its expected falls, at least 0.
func (v *lessFalls) ATP(node int, sku string) int32 {
	return max(0, v.st.ATP(node, sku)-v.falls.Units(node, sku))
}

// EachATP calls fn for every node whose ATP of sku is above its expected
// falls, with what is left, in ascending node order.
func (v *lessFalls) EachATP(sku string, fn func(node int, atp int32)) {
	v.st.EachATP(sku, func(node int, atp int32) {
		if a := atp - v.falls.Units(node, sku); a > 0 {
			fn(node, a)
		}
	})
}

// KnownSKU is the underlying view's (network.SKUCatalog), true when it
// has none.
func (v *lessFalls) KnownSKU(sku string) bool {
	if c, ok := v.st.(network.SKUCatalog); ok {
		return c.KnownSKU(sku)
	}
	return true
}

// HeldPrices prices the rows whose whole available to promise falls
// expects to go to the other channels: LessFalls leaves them out of the
// supply a plan prices, so the plan gives them no price, and a unit
// there would look free to the orders although a customer at the till
// is expected to take it. Each is priced at its SKU's walk-in price, as a
// replay prices a walk-in unit short (the network's
// Policy.WalkInLostSaleCost of what a unit of the SKU lost costs on
// average, meanLostPrices): taking it costs the other channel a sale.
// Rows of a SKU with no such price are left out. By node id, then SKU
// (WithHeld merges them into a plan's).
func HeldPrices(falls ExpectedFalls, st network.StockView, demand *forecast.Demand, net *network.Network) []Price {
	if len(falls) == 0 || demand == nil {
		return nil
	}
	lost := meanLostPrices(demand, net)
	var out []Price
	for k, e := range falls {
		if int(k.node) >= len(net.Nodes) {
			continue
		}
		atp := st.ATP(int(k.node), k.sku)
		if p := net.WalkInLostSaleCost(int(k.node), lost[k.sku]); atp > 0 && e >= atp && p > 0 {
			out = append(out, Price{Node: int(k.node), NodeID: net.Nodes[k.node].ID, SKU: k.sku, Supply: float64(atp), Dual: p, Price: p})
		}
	}
	slices.SortFunc(out, comparePrices)
	return out
}

// meanLostPrices is, per SKU of demand, what a unit of it lost costs on
// average: its cells' lost-sale prices per unit (else the network's
// policy.lost_sale_cost_per_unit) weighed by their rates. A SKU with no
// priced cell is left out.
func meanLostPrices(demand *forecast.Demand, net *network.Network) map[string]float64 {
	sum, units := map[string]float64{}, map[string]float64{}
	for _, c := range demand.Cells {
		per := c.LostSaleCost
		if per == 0 {
			per = net.Policy.LostSaleCostPerUnit
		}
		if per > 0 && c.UnitsPerDay > 0 {
			sum[c.SKU] += per * c.UnitsPerDay
			units[c.SKU] += c.UnitsPerDay
		}
	}
	lost := make(map[string]float64, len(sum))
	for sku, s := range sum {
		lost[sku] = s / units[sku]
	}
	return lost
}

// TillOutlook is what the units of each row the tills sell from are worth
// to them: a BoundValues-like stock value, which the look-ahead charges an
// order that other nodes could serve (Prices.StockValue).
type TillOutlook struct {
	rows map[nodeSKU]tillRow
}

// tillRow is a row's falls expected until its stock is refilled, and what
// a unit short costs.
type tillRow struct{ mean, price float64 }

// Tills returns the TillOutlook at at: each row that fell is expected to
// lose, until its first arrival after at or until until when none comes
// sooner, its rate a day (EachExpected) times that span, D Poisson of that
// mean; a unit the tills do not find costs its SKU's walk-in price (as
// HeldPrices). Rows of a SKU without a price are left out; nil when none
// is left.
func (r *FallRates) Tills(net *network.Network, demand *forecast.Demand, arrivals []Arrival, at, until time.Time) *TillOutlook {
	if r == nil || len(r.rows) == 0 || demand == nil || !until.After(at) {
		return nil
	}
	lost := meanLostPrices(demand, net)
	next := map[nodeSKU]time.Time{}
	for _, a := range arrivals {
		k := nodeSKU{int32(a.Node), a.SKU}
		if a.Qty > 0 && a.At.After(at) && a.At.Before(until) {
			if t, ok := next[k]; !ok || a.At.Before(t) {
				next[k] = a.At
			}
		}
	}
	o := &TillOutlook{rows: map[nodeSKU]tillRow{}}
	r.EachExpected(at, 24*time.Hour, func(node int, sku string, perDay float64) {
		k := nodeSKU{int32(node), sku}
		p := net.WalkInLostSaleCost(node, lost[sku])
		if p <= 0 || node >= len(net.Nodes) {
			return
		}
		end := until
		if t, ok := next[k]; ok {
			end = t
		}
		if mean := perDay * end.Sub(at).Hours() / 24; mean > 0 {
			o.rows[k] = tillRow{mean: mean, price: p}
		}
	})
	if len(o.rows) == 0 {
		return nil
	}
	return o
}

// StockValue is what the tills are expected to lose more when an order
// takes units of the onHand units of sku at node: the price times
// E[(D − (onHand − units))⁺] − E[(D − onHand)⁺].
func (o *TillOutlook) StockValue(node int, sku string, onHand, units int32) float64 {
	if o == nil || units <= 0 || units > onHand {
		return 0
	}
	t, ok := o.rows[nodeSKU{int32(node), sku}]
	if !ok {
		return 0
	}
	return t.price * (expectedOver(t.mean, onHand-units) - expectedOver(t.mean, onHand))
}

// comparePrices orders prices as a plan lists them: by node id, then SKU.
func comparePrices(a, b Price) int {
	return cmp.Or(strings.Compare(a.NodeID, b.NodeID), strings.Compare(a.SKU, b.SKU))
}

// WithHeld returns prices and held together in the order a plan lists
// them (by node id, then SKU); prices is not changed.
func WithHeld(prices, held []Price) []Price {
	if len(held) == 0 {
		return prices
	}
	out := slices.Concat(prices, held)
	slices.SortStableFunc(out, comparePrices)
	return out
}
