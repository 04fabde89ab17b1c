package solvertest

import (
	"math"
	"slices"

	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/network"
)

// CostModel prices the options of generated problems. Money is in currency
// units, distance in km, weight in kg, time in minutes. The parcel
// constants are those of Jasin & Sinha (2015): a parcel costs 8.759 per
// package plus (0.423 + 0.000541 x miles) per item, as the network
// package's carriers charge them (see [CostModel.Carrier]); change the
// fields to model other carriers.
type CostModel struct {
	// ParcelPerPackage is the carrier's charge per parcel.
	ParcelPerPackage float64 `json:"parcel_per_package"`
	// ParcelItemBase is the carrier's charge per item, before distance.
	ParcelItemBase float64 `json:"parcel_item_base"`
	// ParcelItemPerMile is the carrier's charge per item and mile.
	ParcelItemPerMile float64 `json:"parcel_item_per_mile"`
	// ParcelBaseMinutes is the parcel lead time at zero distance.
	ParcelBaseMinutes float64 `json:"parcel_base_minutes"`
	// ParcelMinutesPerKm adds lead time per km (transit by distance).
	ParcelMinutesPerKm float64 `json:"parcel_minutes_per_km"`

	// CourierBase is the courier partner's charge per delivery.
	CourierBase float64 `json:"courier_base"`
	// CourierPerKm is the courier partner's charge per km.
	CourierPerKm float64 `json:"courier_per_km"`
	// CourierRadiusKm is how far the courier goes; beyond it the option is
	// excluded with OUTSIDE_RADIUS.
	CourierRadiusKm float64 `json:"courier_radius_km"`
	// CourierMaxWeightKg is the most a courier carries per delivery.
	CourierMaxWeightKg float64 `json:"courier_max_weight_kg"`
	// CourierBaseMinutes is the courier's ETA at zero distance (pick + handover).
	CourierBaseMinutes float64 `json:"courier_base_minutes"`
	// CourierKmPerHour is the courier's travel speed.
	CourierKmPerHour float64 `json:"courier_km_per_hour"`

	// PickupMinutes is the time until an order is ready for pickup in store.
	PickupMinutes float64 `json:"pickup_minutes"`
	// PickupRadiusKm is how far from the customer a store is offered for
	// pickup ("any store within a radius").
	PickupRadiusKm float64 `json:"pickup_radius_km"`

	// StorePickPerOrder and StorePickPerUnit are the store's labour to pick
	// an order and each unit in it.
	StorePickPerOrder float64 `json:"store_pick_per_order"`
	StorePickPerUnit  float64 `json:"store_pick_per_unit"`
	// WarehousePickPerOrder and WarehousePickPerUnit are the same for a
	// warehouse.
	WarehousePickPerOrder float64 `json:"warehouse_pick_per_order"`
	WarehousePickPerUnit  float64 `json:"warehouse_pick_per_unit"`
}

// DefaultCostModel returns the default constants (see CostModel).
func DefaultCostModel() CostModel {
	return CostModel{
		ParcelPerPackage:   network.JasinSinhaPerPackage,
		ParcelItemBase:     network.JasinSinhaPerItem,
		ParcelItemPerMile:  network.JasinSinhaPerItemPerMile,
		ParcelBaseMinutes:  24 * 60,
		ParcelMinutesPerKm: 3,

		CourierBase:        3.5,
		CourierPerKm:       0.9,
		CourierRadiusKm:    15,
		CourierMaxWeightKg: 20,
		CourierBaseMinutes: 30,
		CourierKmPerHour:   25,

		PickupMinutes:  120,
		PickupRadiusKm: 5,

		StorePickPerOrder:     1.2,
		StorePickPerUnit:      0.35,
		WarehousePickPerOrder: 0.6,
		WarehousePickPerUnit:  0.15,
	}
}

// ParcelFixed is the parcel carrier's charge per package over km; in the
// default model it does not depend on distance.
func (m CostModel) ParcelFixed(km float64) float64 { return m.ParcelPerPackage }

// ParcelPerItem is the parcel carrier's charge per item over km:
// ParcelItemBase + ParcelItemPerMile x miles.
func (m CostModel) ParcelPerItem(km float64) float64 {
	return m.ParcelItemBase + m.ParcelItemPerMile*km/geo.KmPerMile
}

// ParcelETAMinutes is the parcel lead time over km.
func (m CostModel) ParcelETAMinutes(km float64) int32 {
	return int32(m.ParcelBaseMinutes + m.ParcelMinutesPerKm*km)
}

// CourierFixed is the courier partner's charge per delivery over km
// (base + per km). It does not check the radius: see CourierReaches.
func (m CostModel) CourierFixed(km float64) float64 { return m.CourierBase + m.CourierPerKm*km }

// CourierReaches reports whether km is within the courier radius.
func (m CostModel) CourierReaches(km float64) bool { return km <= m.CourierRadiusKm }

// CourierETAMinutes is the courier's ETA over km.
func (m CostModel) CourierETAMinutes(km float64) int32 {
	if m.CourierKmPerHour <= 0 {
		return int32(m.CourierBaseMinutes)
	}
	return int32(m.CourierBaseMinutes + 60*km/m.CourierKmPerHour)
}

// PickFixed is the pick cost per order at a store or a warehouse.
func (m CostModel) PickFixed(warehouse bool) float64 {
	if warehouse {
		return m.WarehousePickPerOrder
	}
	return m.StorePickPerOrder
}

// PickPerUnit is the pick cost per unit at a store or a warehouse.
func (m CostModel) PickPerUnit(warehouse bool) float64 {
	if warehouse {
		return m.WarehousePickPerUnit
	}
	return m.StorePickPerUnit
}

// Carrier returns a parcel carrier of the network package priced like m,
// with the given transit bands: for writing network files whose prices
// match generated problems.
func (m CostModel) Carrier(name string, transit []network.TransitBand) network.Carrier {
	return network.Carrier{
		Name:           name,
		PerPackage:     m.ParcelPerPackage,
		PerItem:        m.ParcelItemBase,
		PerItemPerMile: m.ParcelItemPerMile,
		Transit:        slices.Clone(transit),
	}
}

// Courier returns a courier partner of the network package priced like m
// (base, per km, radius, weight, speed and lead time).
func (m CostModel) Courier(name string) network.CourierPartner {
	return network.CourierPartner{
		Name:        name,
		Base:        m.CourierBase,
		PerKm:       m.CourierPerKm,
		MaxRadiusKm: m.CourierRadiusKm,
		MaxWeightKg: m.CourierMaxWeightKg,
		SpeedKmh:    m.CourierKmPerHour,
		PrepMinutes: int(math.Round(m.CourierBaseMinutes)),
	}
}
