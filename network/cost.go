package network

import (
	"math"

	"github.com/omniroute/omniroute/geo"
)

// CostModel prices candidate shipments. Prices come from the network file
// (pick costs per node, the carrier's parcel constants, the courier
// partner's base and per-km rate); the model chooses the carrier and may
// add an opportunity cost per unit.
//
// Units: money in the network's currency, distance in km (the parcel rate
// is per statute mile, as Jasin & Sinha give it), weight in kg, time in
// minutes.
//
//	parcel:  fixed = pick_cost_per_order + per_package
//	         unit  = pick_cost_per_unit + per_item + per_item_per_mile x miles + unit_kg x per_kg
//	courier: fixed = pick_cost_per_order + base + per_km x km
//	         unit  = pick_cost_per_unit
//	pickup:  fixed = pick_cost_per_order + pickup_cost_per_km x km (the policy's)
//	         unit  = pick_cost_per_unit
//
// A nil *CostModel is the default: the first carrier, no opportunity cost.
type CostModel struct {
	// Carrier names the parcel carrier of SHIP_FROM_STORE and
	// WAREHOUSE_SHIP; empty means the network's first carrier.
	Carrier string
	// Opportunity, when set, is added to the unit cost of every unit of sku
	// taken from node: the value of keeping it for other orders (for
	// example a dual price of a batch allocation). It must be a pure
	// function of its arguments.
	Opportunity func(node int, sku string) float64
}

// Jasin & Sinha (2015) parcel constants, in currency units per package,
// per item and per item-mile; solvertest.DefaultCostModel uses the same.
const (
	JasinSinhaPerPackage     = 8.759
	JasinSinhaPerItem        = 0.423
	JasinSinhaPerItemPerMile = 0.000541
)

// ParcelFixed is the fixed cost of one parcel shipment from nd by c.
func ParcelFixed(nd *Node, c *Carrier) float64 { return parcelFixed(nd.PickCostPerOrder, c) }

func parcelFixed(pickPerOrder float64, c *Carrier) float64 { return pickPerOrder + c.PerPackage }

// ParcelUnit is the cost of one unit weighing unitKg shipped km by c from
// nd.
func ParcelUnit(nd *Node, c *Carrier, km, unitKg float64) float64 {
	return parcelUnit(nd.PickCostPerUnit, c, km, unitKg)
}

func parcelUnit(pickPerUnit float64, c *Carrier, km, unitKg float64) float64 {
	return parcelUnitBase(pickPerUnit, c, km) + unitKg*c.PerKg
}

// parcelUnitBase is the part of parcelUnit that does not depend on the
// unit's weight, summed in parcelUnit's order, so that a caller pricing
// many lines computes it once.
func parcelUnitBase(pickPerUnit float64, c *Carrier, km float64) float64 {
	return pickPerUnit + c.PerItem + c.PerItemPerMile*km/geo.KmPerMile
}

// TransitDays is the carrier's transit time for a distance: the first band
// whose MaxKm >= km, or the last band beyond them all.
func TransitDays(c *Carrier, km float64) int {
	for _, b := range c.Transit {
		if km <= b.MaxKm {
			return b.Days
		}
	}
	if len(c.Transit) == 0 {
		return 0
	}
	return c.Transit[len(c.Transit)-1].Days
}

// CourierFixed is the fixed cost of one courier trip of km from nd.
func CourierFixed(nd *Node, c *CourierPartner, km float64) float64 {
	return courierFixed(nd.PickCostPerOrder, c, km)
}

func courierFixed(pickPerOrder float64, c *CourierPartner, km float64) float64 {
	return pickPerOrder + c.Base + c.PerKm*km
}

// CourierMinutes is the courier's time from order to door over km: prep
// time plus riding time, rounded up to a whole minute, and at most
// math.MaxInt32 (a very slow courier over a long way).
func CourierMinutes(c *CourierPartner, km float64) int32 {
	m := float64(c.PrepMinutes) + math.Ceil(km/c.SpeedKmh*60)
	if !(m <= math.MaxInt32) {
		return math.MaxInt32
	}
	return int32(m)
}
