package network

import (
	"fmt"
	"math"
	"slices"

	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/solver"
)

// Partner is a fulfilment partner: a courier partner (the COURIER method)
// or a parcel carrier (SHIP_FROM_STORE and WAREHOUSE_SHIP). Like a
// scheduler plugin it answers in stages, each cheaper to ask than the
// next, and never does I/O:
//
//   - Serves, once at Init: the node kinds it collects from;
//   - PreFilter, once per order: whether it takes this order at all (its
//     hours, the customer's area, the weight of an order that must travel
//     whole), ReasonNone when it does;
//   - Filter, per node: whether it takes the trip from that node (its
//     radius), ReasonNone when it does;
//   - Price, per node it takes: the trip's price and time.
//
// A partner is built from its network.yaml entry by the factory its type
// names (PartnerRegistry) and shared by every Builder over the network: it
// must be safe for concurrent use and allocate nothing per call.
type Partner interface {
	// Name is the partner's name in the network file.
	Name() string
	// Serves reports whether the partner collects from nodes of kind k.
	Serves(k Kind) bool
	// Reach is the longest trip the partner takes, in km (0: no limit):
	// its Filter excludes every node farther from the customer.
	Reach() float64
	// PreFilter decides what holds for the whole order.
	PreFilter(o *TripOrder) solver.Reason
	// Filter decides the trip from one node.
	Filter(t *Trip) solver.Reason
	// Price prices and times a trip that passed both filters.
	Price(t *Trip) Price
}

// TripOrder is what a partner is told about the order.
type TripOrder struct {
	// Lat, Lon is the customer's position, in degrees.
	Lat, Lon float64
	// LocalMinute is the minute of the local day the order is planned at.
	LocalMinute int
	// Kg and Units are the whole order's weight and units.
	Kg    float64
	Units int32
	// Whole is true when the order must travel in one shipment.
	Whole bool
}

// Trip is one candidate trip: a partner carrying the order from a node.
type Trip struct {
	Order *TripOrder
	// Node is the node's index in Network.Nodes, Kind its kind.
	Node int
	Kind Kind
	// Km is the node-to-customer distance (road distance when one is
	// known, else great circle x policy.circuity); RoadMinutes the road
	// travel time, 0 when not known.
	Km          float64
	RoadMinutes float64
	// Quote is the partner's live or recorded quote for this trip, nil
	// when there is none (price by the rate card).
	Quote *Quote
}

// Price is a partner's charge and time for one trip. The option's costs
// are the node's pick costs plus these: fixed = pick per order + Fixed;
// per unit of a line = pick per unit + PerUnit + PerKg x unit kg.
type Price struct {
	Fixed   float64
	PerUnit float64
	PerKg   float64
	// ETAMinutes is the time from the order (or, for a node that is
	// closed, from its opening) to the door.
	ETAMinutes int32
	// MaxWeightKg is the most one trip carries; 0 means no limit.
	MaxWeightKg float64
}

// PartnerSpec is what a partner factory gets: the entry of network.yaml
// (one of Courier and Carrier is set) and its service limits, prepared.
type PartnerSpec struct {
	Courier *CourierPartner
	Carrier *Carrier
	// Limits are the entry's kinds, radius, weight, hours and areas,
	// ready to embed (see ServiceLimits).
	Limits ServiceLimits
}

// Name is the entry's name.
func (s *PartnerSpec) Name() string {
	if s.Courier != nil {
		return s.Courier.Name
	}
	return s.Carrier.Name
}

// Settings are the entry's free-form numeric settings, for partner types
// that need more than the standard keys.
func (s *PartnerSpec) Settings() map[string]float64 {
	if s.Courier != nil {
		return s.Courier.Settings
	}
	return s.Carrier.Settings
}

// PartnerFactory builds a partner from its entry; an error names what is
// wrong with the entry (it is reported with the entry's field path).
type PartnerFactory func(spec *PartnerSpec) (Partner, error)

// RateCard is the type name of the static rate cards, the default type of
// every courier and carrier entry.
const RateCard = "rate_card"

// PartnerRegistry maps partner type names (network.yaml's "type") to
// their factories. Build one with DefaultPartnerRegistry and Register
// more; hand it to ParseWith, LoadWith or Network.UsePartners. It is a
// value: nothing is global. It is not safe for concurrent use while it is
// being filled.
type PartnerRegistry struct {
	factories map[string]PartnerFactory
}

// DefaultPartnerRegistry returns a registry of the partner types of this
// package: rate_card (couriers and carriers).
func DefaultPartnerRegistry() *PartnerRegistry {
	r := &PartnerRegistry{}
	if err := r.Register(RateCard, newRateCard); err != nil {
		panic(err) // a programming error every test finds
	}
	return r
}

// Register adds a partner type.
func (r *PartnerRegistry) Register(typ string, f PartnerFactory) error {
	if typ == "" || f == nil {
		return fmt.Errorf("partner type %q: empty name or nil factory", typ)
	}
	if _, dup := r.factories[typ]; dup {
		return fmt.Errorf("partner type %q: registered twice", typ)
	}
	if r.factories == nil {
		r.factories = make(map[string]PartnerFactory)
	}
	r.factories[typ] = f
	return nil
}

// Types returns the registered type names, sorted.
func (r *PartnerRegistry) Types() []string {
	out := make([]string, 0, len(r.factories))
	for t := range r.factories {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

func (r *PartnerRegistry) factory(typ string) (PartnerFactory, bool) {
	if typ == "" {
		typ = RateCard
	}
	f, ok := r.factories[typ]
	return f, ok
}

// ServiceLimits are the standard checks of a partner entry: the node kinds
// it collects from, its radius, the weight of one trip, its hours and its
// service areas. A partner type embeds them and adds Name and Price. The
// zero value takes everything.
type ServiceLimits struct {
	kinds       []Kind
	maxKm       float64
	maxKg       float64
	hours       window
	area        *geo.CachedArea
	limitsHours bool // hours is not all day
}

// Serves implements Partner: the entry's kinds, every kind when empty.
func (l *ServiceLimits) Serves(k Kind) bool { return len(l.kinds) == 0 || slices.Contains(l.kinds, k) }

// Reach implements Partner: the entry's radius.
func (l *ServiceLimits) Reach() float64 { return l.maxKm }

// MaxWeightKg is the most one trip carries (0: no limit).
func (l *ServiceLimits) MaxWeightKg() float64 { return l.maxKg }

// PreFilter implements Partner: OUTSIDE_ZONE when the customer is outside
// the service areas, OVERWEIGHT when an order that must travel whole is
// heavier than a trip carries, CLOSED outside the partner's hours.
func (l *ServiceLimits) PreFilter(o *TripOrder) solver.Reason {
	switch {
	case l.area != nil && !l.area.Contains(o.Lat, o.Lon):
		return solver.ReasonOutsideZone
	case l.maxKg > 0 && o.Whole && o.Kg > l.maxKg:
		return solver.ReasonOverweight
	case l.limitsHours && !l.hours.isOpen(o.LocalMinute):
		return solver.ReasonClosed
	}
	return solver.ReasonNone
}

// Filter implements Partner: OUTSIDE_RADIUS beyond the radius.
func (l *ServiceLimits) Filter(t *Trip) solver.Reason {
	if l.maxKm > 0 && t.Km > l.maxKm {
		return solver.ReasonOutsideRadius
	}
	return solver.ReasonNone
}

// courierRateCard is a courier partner priced by its entry: base + per_km
// x km a trip, ETA prep_minutes + the ride (km / speed_kmh, or the road
// time when known); a quote, when there is one, replaces base + per_km and
// the ride.
type courierRateCard struct {
	ServiceLimits
	c *CourierPartner
}

// parcelRateCard is a parcel carrier priced by its entry (Jasin & Sinha's
// form): per_package a parcel, per_item + per_item_per_mile x miles a
// unit, per_kg a kg, transit days by distance band.
type parcelRateCard struct {
	ServiceLimits
	c *Carrier
}

var (
	_ Partner = (*courierRateCard)(nil)
	_ Partner = (*parcelRateCard)(nil)
)

func newRateCard(spec *PartnerSpec) (Partner, error) {
	if spec.Courier != nil {
		return &courierRateCard{ServiceLimits: spec.Limits, c: spec.Courier}, nil
	}
	return &parcelRateCard{ServiceLimits: spec.Limits, c: spec.Carrier}, nil
}

func (p *courierRateCard) Name() string { return p.c.Name }

func (p *courierRateCard) Price(t *Trip) Price {
	pr := Price{MaxWeightKg: p.c.MaxWeightKg}
	if q := t.Quote; q != nil {
		pr.Fixed = q.Price
		pr.ETAMinutes = addMinutes(float64(p.c.PrepMinutes), float64(q.ETAMinutes))
		return pr
	}
	pr.Fixed = p.c.Base + p.c.PerKm*t.Km
	if t.RoadMinutes > 0 {
		pr.ETAMinutes = addMinutes(float64(p.c.PrepMinutes), math.Ceil(t.RoadMinutes))
	} else {
		pr.ETAMinutes = CourierMinutes(p.c, t.Km)
	}
	return pr
}

func (p *parcelRateCard) Name() string { return p.c.Name }

func (p *parcelRateCard) Price(t *Trip) Price {
	return Price{
		Fixed:       p.c.PerPackage,
		PerUnit:     p.c.PerItem + p.c.PerItemPerMile*t.Km/geo.KmPerMile,
		PerKg:       p.c.PerKg,
		ETAMinutes:  int32(TransitDays(p.c, t.Km) * 24 * 60),
		MaxWeightKg: p.c.MaxWeightKg,
	}
}

// addMinutes is a+b minutes, at most math.MaxInt32.
func addMinutes(a, b float64) int32 {
	m := a + b
	if !(m <= math.MaxInt32) {
		return math.MaxInt32
	}
	return int32(m)
}
