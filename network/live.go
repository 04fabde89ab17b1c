package network

import (
	"cmp"
	"slices"
	"time"

	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/solver"
)

// Live is what was fetched for one order before it is built: road
// distances from nodes to the customer and partners' quotes for trips. It
// is plain data: the fetching (with its I/O, timeouts and caches) happens
// before the Builder runs, outside every lock, and the Builder only reads
// it, by binary search, allocating nothing. A nil *Live, or an empty one,
// builds on great-circle distances x Policy.Circuity and rate cards.
type Live struct {
	// Legs are road distances, ascending by Node, at most one per node.
	Legs []Leg
	// Quotes are trip quotes, ascending by (Node, Courier), at most one
	// per pair.
	Quotes []Quote
}

// Leg is the road from one node to the customer.
type Leg struct {
	Node int32
	// Km is the road distance; Minutes the travel time (0 when not known).
	Km, Minutes float64
}

// QuoteSource says where a trip's price came from.
type QuoteSource uint8

// The sources of a price.
const (
	// SourceRateCard: the partner's rate card in the network file.
	SourceRateCard QuoteSource = iota
	// SourceLive: the partner's quote API.
	SourceLive
	// SourceRecorded: a recorded quote (a replay's quotes file).
	SourceRecorded
)

var sourceNames = [...]string{"rate_card", "live", "recorded"}

// String returns "rate_card", "live" or "recorded".
func (s QuoteSource) String() string {
	if int(s) < len(sourceNames) {
		return sourceNames[s]
	}
	return "unknown"
}

// Quote is a courier partner's price for one trip.
type Quote struct {
	// Node is the node's index, Courier the partner's in Network.Couriers.
	Node, Courier int32
	// Unavailable is true when the partner said it cannot take the trip:
	// the option is excluded with PARTNER_UNAVAILABLE.
	Unavailable bool
	// Price is the trip's charge (it replaces the rate card's base +
	// per_km x km); ETAMinutes the time from the order being ready (after
	// the partner's prep_minutes) to the door.
	Price      float64
	ETAMinutes int32
	// Source is SourceLive or SourceRecorded; ID is the partner's quote
	// id, to book it with; ExpiresAt when it stops being valid (zero: no
	// limit).
	Source    QuoteSource
	ID        string
	ExpiresAt time.Time
}

// Sort puts the legs and quotes in the order the Builder looks them up
// in, keeping the first of any duplicates.
func (l *Live) Sort() {
	slices.SortStableFunc(l.Legs, func(a, b Leg) int { return cmp.Compare(a.Node, b.Node) })
	l.Legs = slices.CompactFunc(l.Legs, func(a, b Leg) bool { return a.Node == b.Node })
	l.SortQuotes()
}

// SortQuotes is Sort for the quotes alone (the legs may be shared and
// sorted already).
func (l *Live) SortQuotes() {
	slices.SortStableFunc(l.Quotes, compareQuotes)
	l.Quotes = slices.CompactFunc(l.Quotes, func(a, b Quote) bool { return compareQuotes(a, b) == 0 })
}

// Reset empties l, keeping its memory.
func (l *Live) Reset() {
	l.Legs = l.Legs[:0]
	clear(l.Quotes) // drop the ids
	l.Quotes = l.Quotes[:0]
}

func compareQuotes(a, b Quote) int {
	return cmp.Or(cmp.Compare(a.Node, b.Node), cmp.Compare(a.Courier, b.Courier))
}

// Leg returns the road leg of node, if any.
func (l *Live) Leg(node int) (Leg, bool) {
	if l == nil || len(l.Legs) == 0 {
		return Leg{}, false
	}
	i, ok := slices.BinarySearchFunc(l.Legs, int32(node), func(g Leg, n int32) int { return cmp.Compare(g.Node, n) })
	if !ok {
		return Leg{}, false
	}
	return l.Legs[i], true
}

// Quote returns the quote of courier partner courier for the trip from
// node, nil when there is none. The pointer is valid while l is not
// changed.
func (l *Live) Quote(node, courier int) *Quote {
	if l == nil || len(l.Quotes) == 0 {
		return nil
	}
	key := Quote{Node: int32(node), Courier: int32(courier)}
	i, ok := slices.BinarySearchFunc(l.Quotes, key, compareQuotes)
	if !ok {
		return nil
	}
	return &l.Quotes[i]
}

// TripCandidate is a courier trip that a build of an order may make an
// option of, as far as the network alone tells (not the stock): see
// Network.CourierTrips.
type TripCandidate struct {
	// Node and Courier index Network.Nodes and Network.Couriers; Km is the
	// great-circle distance x Policy.Circuity.
	Node, Courier int
	Km            float64
}

// CourierTrips appends to dst the courier trips of order o that a quote
// may price, ascending by node then partner: from every enabled node that
// offers COURIER, is open at the order's time and lies within the
// policy's candidate radius, by every partner that collects from it,
// passes its filters (hours, area, weight, radius) and for which ask
// returns true (those with a quote API). An order held to another method
// or partner, or asking for pickup only, has none. It reads the network
// only, so it may run before any lock on the stock is taken.
func (n *Network) CourierTrips(o *Order, ask func(courier int) bool, dst []TripCandidate) []TripCandidate {
	if n.prep == nil || o.Want == WantPickup {
		return dst
	}
	choice := choiceOf(o)
	if choice.Method != solver.MethodUnspecified && choice.Method != solver.Courier {
		return dst
	}
	pol := &n.Policy
	trip := tripOrder(o, pol)
	start := len(dst)
	var near []int
	for ci, pt := range n.prep.courierPartners {
		if pt == nil || !ask(ci) || !choice.allows(solver.Courier, pt.Name(), -1) || pt.PreFilter(&trip) != solver.ReasonNone {
			continue
		}
		r := pt.Reach()
		if cr := pol.CandidateRadiusKm; cr > 0 && (r == 0 || cr < r) {
			r = cr
		}
		if r > 0 {
			near = n.prep.index.Within(o.Lat, o.Lon, r, near)
		} else {
			near = near[:0]
			for i := range n.Nodes {
				near = append(near, i)
			}
		}
		t := Trip{Order: &trip}
		for _, i := range near {
			nd, np := &n.Nodes[i], &n.prep.nodes[i]
			if !nd.Enabled || !np.methods.has(solver.Courier) || !slices.Contains(np.couriers, ci) || !np.open.isOpen(trip.LocalMinute) {
				continue
			}
			t.Node, t.Kind = i, nd.Kind
			t.Km = geo.ToUnit(o.Lat, o.Lon).DistanceKm(np.pos) * pol.circuity()
			if pol.CandidateRadiusKm > 0 && t.Km > pol.CandidateRadiusKm {
				continue
			}
			if pt.Filter(&t) != solver.ReasonNone {
				continue
			}
			dst = append(dst, TripCandidate{Node: i, Courier: ci, Km: t.Km})
		}
	}
	slices.SortFunc(dst[start:], func(a, b TripCandidate) int {
		return cmp.Or(cmp.Compare(a.Node, b.Node), cmp.Compare(a.Courier, b.Courier))
	})
	return dst
}

// TripOrderOf is what partners are told about order o (its time, weight
// and whether it must travel whole), as the Builder tells them.
func (n *Network) TripOrderOf(o *Order) TripOrder { return tripOrder(o, &n.Policy) }
