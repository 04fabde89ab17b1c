package policy

import (
	"math"
	"sync"

	"github.com/omniroute/omniroute/solver"
)

// OutcomesWindow is how many of the latest plans Outcomes count: enough
// for the shares to settle, few enough to follow a season as it changes.
const OutcomesWindow = 20_000

// Outcomes count what the latest plans of the policies sharing a
// PriceBoard did (up to OutcomesWindow of them): the orders they left
// short of stock, how many of those missed a single unit, and the units
// they shipped with what shipping them cost. The season's rule
// (KeepSoldOut) reads from them what a unit kept for a later order is
// worth to that order (Later). The zero value has seen nothing. It is
// safe for concurrent use.
type Outcomes struct {
	mu sync.Mutex
	// window is the plans counted (0: OutcomesWindow); ring holds the
	// last of them, next the one the next plan replaces once it is full.
	window int
	ring   []outcome
	next   int
	// The sums over ring; shipping is in millionths, so that the sums
	// stay exact as plans come and go.
	short, single, units, shipping int64
}

// outcome is what one plan adds to the sums of Outcomes.
type outcome struct {
	short, single   bool
	units, shipping int64
}

// Observe counts plan, with its real costs (after RealCosts), in place of
// the oldest plan counted once the window is full.
func (o *Outcomes) Observe(plan *solver.Plan) {
	var unfilled int32
	var c outcome
	for _, u := range plan.Unfilled {
		unfilled += u.Quantity
		c.short = c.short || u.Reason == solver.ReasonNoStock
	}
	c.single = c.short && unfilled == 1
	for i := range plan.Shipments {
		for _, a := range plan.Shipments[i].Lines {
			c.units += int64(a.Quantity)
		}
	}
	if c.units > 0 {
		c.shipping = int64(math.Round(plan.ShippingCost * 1e6))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	window := o.window
	if window <= 0 {
		window = OutcomesWindow
	}
	if len(o.ring) < window {
		o.ring = append(o.ring, c)
	} else {
		o.add(o.ring[o.next], -1)
		o.ring[o.next] = c
		o.next = (o.next + 1) % window
	}
	o.add(c, 1)
}

// add adds c to the sums sign times.
func (o *Outcomes) add(c outcome, sign int64) {
	if c.short {
		o.short += sign
	}
	if c.single {
		o.single += sign
	}
	o.units += sign * c.units
	o.shipping += sign * c.shipping
}

// Counted returns how many plans the sums hold: every plan observed, up
// to the window.
func (o *Outcomes) Counted() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.ring)
}

// Later returns, from the plans counted, the share of the orders
// left short of stock that missed a single unit, and the mean shipping
// cost of a unit shipped (0 before any): how likely a unit that reaches
// such an order makes it whole, and what shipping it will cost. The share
// is the lower end of its Wilson score interval at the confidence of
// SureSellOut (0 before any order was short), so that the first few
// orders do not make it look likelier than it is.
func (o *Outcomes) Later() (single, perUnit float64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.short > 0 {
		single = wilsonLower(float64(o.single), float64(o.short), sureZ)
	}
	if o.units > 0 {
		perUnit = float64(o.shipping) / 1e6 / float64(o.units)
	}
	return single, perUnit
}

// Shipped reports whether the plans counted shipped a unit: before one,
// what a unit costs to ship is not known (Later's perUnit is 0).
func (o *Outcomes) Shipped() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.units > 0
}

// KeepValue is what a unit kept for a later order is expected to be worth
// when the present order does not take it: with probability sellOut
// (SellOuts) an order later in the season wants it and would go without;
// it then saves that order its lost sale (lost) and, with probability
// single (Outcomes.Later), its per-order lost-sale cost, and costs
// shipping (perUnit). Never below 0.
func KeepValue(lost, perOrder, sellOut, single, perUnit float64) float64 {
	return max(0, sellOut*(lost+perOrder*single-perUnit))
}

// sureZ is the one-sided normal quantile of SureSellOut (90%).
const sureZ = 1.2815515655446004

// wilsonLower is the lower end of the Wilson score interval of a share of
// k successes in n trials, z standard deviations below.
func wilsonLower(k, n, z float64) float64 {
	p := k / n
	z2 := z * z
	return max(0, (p+z2/(2*n)-z*math.Sqrt(p*(1-p)/n+z2/(4*n*n)))/(1+z2/n))
}
