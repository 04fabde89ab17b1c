package forecast

import (
	"fmt"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// Method is how a customer asked to be served: the demand side of a
// fulfilment method (see the package doc).
type Method uint8

// The demand methods, in their sort order.
const (
	// Parcel is a delivery by parcel carrier (ship from store or warehouse).
	Parcel Method = iota + 1
	// Courier is a same-day delivery by a courier partner.
	Courier
	// Pickup is a collection in a store of the customer's region.
	Pickup
)

// Methods returns the demand methods in sort order.
func Methods() []Method { return []Method{Parcel, Courier, Pickup} }

var methodNames = [...]string{Parcel: "parcel", Courier: "courier", Pickup: "pickup"}

// String returns the method's file name: parcel, courier or pickup.
func (m Method) String() string {
	if m >= Parcel && m <= Pickup {
		return methodNames[m]
	}
	return fmt.Sprintf("Method(%d)", m)
}

// ParseMethod reads a method as String writes it.
func ParseMethod(s string) (Method, error) {
	for _, m := range Methods() {
		if s == m.String() {
			return m, nil
		}
	}
	return 0, fmt.Errorf("%q is not one of parcel, courier, pickup", s)
}

// Serves reports whether a shipment by fulfilment method fm serves demand
// of method m: parcel demand by SHIP_FROM_STORE or WAREHOUSE_SHIP, courier
// demand by COURIER, pickup demand by PICKUP.
func (m Method) Serves(fm solver.Method) bool {
	switch m {
	case Parcel:
		return fm == solver.ShipFromStore || fm == solver.WarehouseShip
	case Courier:
		return fm == solver.Courier
	case Pickup:
		return fm == solver.Pickup
	}
	return false
}

// SameDay is the longest promise, from creation, of an order that counts
// as courier demand.
const SameDay = 12 * time.Hour

// MethodOf infers how order o asked to be served (see the package doc).
func MethodOf(o *network.Order) Method {
	switch {
	case o.Want == network.WantPickup || o.PickupNodeID != "" || o.Method == solver.Pickup:
		return Pickup
	case o.Method == solver.Courier || o.Partner != "":
		return Courier
	case !o.PromiseBy.IsZero() && o.PromiseBy.Sub(o.CreatedAt) <= SameDay:
		return Courier
	}
	return Parcel
}
