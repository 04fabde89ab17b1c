package network

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/omniroute/omniroute/solver"
)

// Offer is one way a shop can promise an order at checkout, before the
// order exists: a method, for COURIER a partner, for PICKUP a store. A zero
// field does not restrict: Offer{Method: solver.Courier, Node: -1} is any
// courier partner.
//
// An order holds itself to an offer with Order.Method, Order.Partner and
// (for a store) Order.PickupNodeID; RestrictEligible holds a built problem
// to one. Both apply the same rule (Allows), so that an offer's plan is
// the plan of the order that chose it.
type Offer struct {
	Method solver.Method
	// Partner is the courier partner; empty means any.
	Partner string
	// Node is the pickup node's index; -1 means any.
	Node int
}

// Allows reports whether option opt belongs to the offer.
func (f Offer) Allows(opt *solver.Option) bool {
	return f.allows(opt.Method, opt.Partner, int(opt.Node))
}

func (f Offer) allows(m solver.Method, partner string, node int) bool {
	return (f.Method == solver.MethodUnspecified || f.Method == m) &&
		(f.Partner == "" || f.Partner == partner) &&
		(f.Node < 0 || f.Node == node)
}

// choiceOf is the offer an order chose, Node -1 (the pickup node is the
// Builder's own check); a partner alone means COURIER.
func choiceOf(o *Order) Offer {
	f := Offer{Method: o.Method, Partner: o.Partner, Node: -1}
	if f.Partner != "" && f.Method == solver.MethodUnspecified {
		f.Method = solver.Courier
	}
	return f
}

// RestrictEligible makes dst the problem p restricted to offer f: only
// the options that p does not exclude and f allows, in p's order, with
// their stock and unit costs. When p was built for an order (Build or
// BuildEligible), dst is the problem BuildEligible gives for the same
// order holding itself to f (Order.Method and Order.Partner, and
// Order.PickupNodeID for a store whose pickup option p does not exclude),
// so the solver gives it the plan Build gives that order: an order's
// offers are all solved from one build, each at a cost that follows the
// offer's options, not the order's.
//
// p must list its options in ascending node order, as Build and
// BuildEligible do. dst shares p's Lines (read them only) and reuses its
// own Options, Available and UnitCost, which must not be p's; p is not
// changed.
func RestrictEligible(dst, p *solver.Problem, f Offer) {
	opts, avail, cost := dst.Options[:0], dst.Available[:0], dst.UnitCost[:0]
	*dst = *p
	nl := len(p.Lines)
	lo, hi := 0, len(p.Options)
	if f.Node >= 0 {
		lo, hi = NodeOptions(p, f.Node)
	}
	for i := lo; i < hi; i++ {
		o := &p.Options[i]
		if o.Excluded != solver.ReasonNone || !f.Allows(o) {
			continue
		}
		opts = append(opts, *o)
		avail = append(avail, p.Available[i*nl:(i+1)*nl]...)
		cost = append(cost, p.UnitCost[i*nl:(i+1)*nl]...)
	}
	dst.Options, dst.Available, dst.UnitCost = opts, avail, cost
}

// NodeOptions returns the range [lo, hi) of p's options at node, for a
// problem whose options come in ascending node order (as Build and
// BuildEligible give them); lo == hi when there is none.
func NodeOptions(p *solver.Problem, node int) (lo, hi int) {
	n := int32(node)
	lo, _ = slices.BinarySearchFunc(p.Options, n, func(o solver.Option, n int32) int { return cmp.Compare(o.Node, n) })
	hi = lo
	for hi < len(p.Options) && p.Options[hi].Node == n {
		hi++
	}
	return lo, hi
}

// Offers appends to dst the offers the network can make order o, in the
// order a checkout shows them: by method (SHIP_FROM_STORE, PICKUP,
// WAREHOUSE_SHIP, COURIER), courier partners by name. Only methods some
// node of the network offers are listed, only those o's preference allows
// and, when o chose an offer (Method, Partner, PickupNodeID), only that
// one. Pickup is one offer for any store (Node -1), or for the store o
// names: which stores can have the order ready is for the solver to say.
func (n *Network) Offers(o *Order, dst []Offer) []Offer {
	if n.prep == nil {
		return dst
	}
	choice := choiceOf(o)
	pickupNode := -1
	if o.PickupNodeID != "" {
		pickupNode, _ = n.NodeIndex(o.PickupNodeID)
	}
	for _, m := range []solver.Method{solver.ShipFromStore, solver.Pickup, solver.WarehouseShip, solver.Courier} {
		if !n.prep.offered.has(m) || (choice.Method != solver.MethodUnspecified && choice.Method != m) {
			continue
		}
		switch {
		case m == solver.Pickup && o.Want != WantDelivery:
			dst = append(dst, Offer{Method: m, Node: pickupNode})
		case m == solver.Courier && o.Want != WantPickup:
			for _, ci := range n.prep.partners {
				if choice.allows(m, n.Couriers[ci].Name, -1) {
					dst = append(dst, Offer{Method: m, Partner: n.Couriers[ci].Name, Node: -1})
				}
			}
		case m != solver.Pickup && m != solver.Courier && o.Want != WantPickup:
			dst = append(dst, Offer{Method: m, Node: -1})
		}
	}
	return dst
}

// prepareOffers derives what Offers needs of the network: the methods
// some node offers, and the courier partners that collect from some node,
// by name.
func (p *prepared) prepareOffers(n *Network) {
	collects := make([]bool, len(n.Couriers))
	for i := range p.nodes {
		p.offered |= p.nodes[i].methods
		for _, ci := range p.nodes[i].couriers {
			collects[ci] = true
		}
	}
	for ci := range n.Couriers {
		if collects[ci] {
			p.partners = append(p.partners, ci)
		}
	}
	slices.SortFunc(p.partners, func(a, b int) int { return strings.Compare(n.Couriers[a].Name, n.Couriers[b].Name) })
}

// OpenAt returns the first moment at or after t when node is open (t
// itself when it is open then; opening hours are local time, by the
// minute). It returns t for an unknown node or before Init.
func (n *Network) OpenAt(node int, t time.Time) time.Time {
	if n.prep == nil || node < 0 || node >= len(n.prep.nodes) {
		return t
	}
	wait := n.prep.nodes[node].open.untilOpen(localMinute(t, n.Policy.TZOffsetMinutes))
	if wait == 0 {
		return t
	}
	return t.Truncate(time.Minute).Add(time.Duration(wait) * time.Minute)
}

// AlwaysOpen reports whether node is open all day (no hours, or 00:00 to
// 24:00).
func (n *Network) AlwaysOpen(node int) bool {
	if n.prep == nil || node < 0 || node >= len(n.prep.nodes) {
		return false
	}
	return n.prep.nodes[node].open.always
}
