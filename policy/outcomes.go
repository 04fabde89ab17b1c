package policy

import (
	"math"
	"sync/atomic"

	"github.com/omniroute/omniroute/solver"
)

// Outcomes count what the plans of the policies sharing a PriceBoard did:
// the orders they left short of stock, how many of those missed a single
// unit, and the units they shipped with what shipping them cost. The
// season's rule (KeepSoldOut) reads from them what a unit kept for a later
// order is worth to that order (Later). The zero value has seen nothing.
// It is safe for concurrent use.
type Outcomes struct {
	short, single, units atomic.Int64
	// shipping is in millionths, so that a replay sums it exactly.
	shipping atomic.Int64
}

// Observe counts plan, with its real costs (after RealCosts).
func (o *Outcomes) Observe(plan *solver.Plan) {
	var unfilled int32
	noStock := false
	for _, u := range plan.Unfilled {
		unfilled += u.Quantity
		noStock = noStock || u.Reason == solver.ReasonNoStock
	}
	if noStock {
		o.short.Add(1)
		if unfilled == 1 {
			o.single.Add(1)
		}
	}
	var units int64
	for i := range plan.Shipments {
		for _, a := range plan.Shipments[i].Lines {
			units += int64(a.Quantity)
		}
	}
	if units > 0 {
		o.units.Add(units)
		o.shipping.Add(int64(math.Round(plan.ShippingCost * 1e6)))
	}
}

// Later returns, from the plans observed so far, the share of the orders
// left short of stock that missed a single unit, and the mean shipping
// cost of a unit shipped (0 before any): how likely a unit that reaches
// such an order makes it whole, and what shipping it will cost. The share
// is the lower end of its Wilson score interval at the confidence of
// SureSellOut (0 before any order was short), so that the first few
// orders do not make it look likelier than it is.
func (o *Outcomes) Later() (single, perUnit float64) {
	if n := o.short.Load(); n > 0 {
		single = wilsonLower(float64(o.single.Load()), float64(n), sureZ)
	}
	if n := o.units.Load(); n > 0 {
		perUnit = float64(o.shipping.Load()) / 1e6 / float64(n)
	}
	return single, perUnit
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
