package simulate

import (
	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// Where a policy loses against the hindsight routing. A replay with a
// bound sums, for each kind of order, what its orders cost the policy and
// what they cost routed in hindsight (ScenarioBound.Hindsight), so that a
// planner sees which orders make the gap: named pickups gone short, the
// shipping of parcels, courier orders.

// The kinds of order a gap is broken down by (KindGap.Kind), in the
// order the breakdown lists them.
const (
	// KindParcel is a delivery without a same-day promise.
	KindParcel = "parcel"
	// KindCourier is a delivery promised within forecast.SameDay, or held
	// to a courier.
	KindCourier = "courier"
	// KindAny lets the router choose how the order is served.
	KindAny = "any"
	// KindPickup is a pickup at any store within its radius.
	KindPickup = "pickup"
	// KindPickupNamed is a pickup at the store it names: only that store
	// can serve it.
	KindPickupNamed = "pickup_named"
)

// orderKinds are the kinds by index (kindOf).
var orderKinds = [...]string{KindParcel, KindCourier, KindAny, KindPickup, KindPickupNamed}

// kindOf returns the index in orderKinds of o's kind: how the customer
// asked to be served, as the forecast classes it (forecast.MethodOf), with
// pickups split by whether they name their store and orders that leave
// the choice to the router apart.
func kindOf(o *network.Order) uint8 {
	switch forecast.MethodOf(o) {
	case forecast.Pickup:
		if o.PickupNodeID != "" {
			return 4
		}
		return 3
	case forecast.Courier:
		return 1
	}
	if o.Want == network.WantAny && o.Method == solver.MethodUnspecified {
		return 2
	}
	return 0
}

// kindSums are what the orders of one kind cost.
type kindSums struct {
	orders, short, shipments int64
	// cost is shipping and lost sales; lost the lost sales alone.
	cost, lost float64
}

// kindTally sums the orders' costs by kind. The zero value has counted
// nothing.
type kindTally struct {
	sums [len(orderKinds)]kindSums
	// unfilled is scratch: the units of each line not shipped.
	unfilled []int32
}

// add counts the plan made for an order of kind k over p: its shipments'
// costs and its unfilled units priced by p (Problem.LostSaleCostOf), as
// the replay's KPIs count them.
func (t *kindTally) add(k uint8, p *solver.Problem, plan *solver.Plan) {
	t.unfilled = t.unfilled[:0]
	for i := range p.Lines {
		t.unfilled = append(t.unfilled, p.Lines[i].Quantity)
	}
	s := &t.sums[k]
	s.orders++
	s.shipments += int64(len(plan.Shipments))
	for i := range plan.Shipments {
		sh := &plan.Shipments[i]
		s.cost += sh.Cost
		for _, a := range sh.Lines {
			t.unfilled[a.Line] -= a.Quantity
		}
	}
	for _, u := range t.unfilled {
		if u > 0 {
			s.short++
			break
		}
	}
	lost := p.LostSaleCostOf(t.unfilled)
	s.cost += lost
	s.lost += lost
}

// KindGap is what the orders of one kind cost a policy and the hindsight
// routing of the same replay (Result.GapByKind). Summed over the kinds,
// Cost is the policy's total cost with lost sales and HindsightCost the
// hindsight routing's.
type KindGap struct {
	// Kind is KindParcel, KindCourier, KindAny, KindPickup or
	// KindPickupNamed.
	Kind   string `json:"kind"`
	Orders int64  `json:"orders"`
	// Cost is their shipping and lost sales under the policy,
	// HindsightCost in hindsight, and Gap the difference.
	Cost          float64 `json:"cost"`
	HindsightCost float64 `json:"hindsight_cost"`
	Gap           float64 `json:"gap"`
	// LostSaleCost is the part of Cost that is lost sales.
	LostSaleCost          float64 `json:"lost_sale_cost"`
	HindsightLostSaleCost float64 `json:"hindsight_lost_sale_cost"`
	// ShortOrders are the orders left short of a unit or more.
	ShortOrders          int64 `json:"short_orders"`
	HindsightShortOrders int64 `json:"hindsight_short_orders"`
	// Shipments are the parcels, courier trips and pickups the orders
	// took.
	Shipments          int64 `json:"shipments"`
	HindsightShipments int64 `json:"hindsight_shipments"`
}

// gapByKind sets out the policy's sums beside the hindsight routing's, a
// row for each kind with orders, costs to four decimals.
func gapByKind(policy, hindsight *kindTally) []KindGap {
	var out []KindGap
	for k, name := range orderKinds {
		p, h := &policy.sums[k], &hindsight.sums[k]
		if p.orders == 0 && h.orders == 0 {
			continue
		}
		out = append(out, KindGap{
			Kind: name, Orders: p.orders,
			Cost: round(p.cost, 4), HindsightCost: round(h.cost, 4), Gap: round(p.cost-h.cost, 4),
			LostSaleCost: round(p.lost, 4), HindsightLostSaleCost: round(h.lost, 4),
			ShortOrders: p.short, HindsightShortOrders: h.short,
			Shipments: p.shipments, HindsightShipments: h.shipments,
		})
	}
	return out
}
