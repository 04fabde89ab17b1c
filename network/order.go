package network

import (
	"errors"
	"fmt"
	"math"

	"github.com/omniroute/omniroute/solver"
)

// ErrInvalidOrder is wrapped by every error about an order the Builder
// cannot use; the message names the field, e.g. "lines[0].quantity: -1
// must be positive".
var ErrInvalidOrder = errors.New("invalid order")

// MaxOrderLines bounds the lines of one order.
const MaxOrderLines = 1000

// FieldError is what is wrong with one field of an order: Path names the
// field of Order ("lines[2].quantity", "lat", "want", "pickup_node_id"),
// Message says what is wrong with it. It wraps ErrInvalidOrder, so a
// caller tells a bad order apart with errors.Is and finds the field with
// errors.As, without reading the message.
type FieldError struct {
	Path    string
	Message string
}

// Error returns "invalid order: PATH: MESSAGE".
func (e *FieldError) Error() string {
	return ErrInvalidOrder.Error() + ": " + e.Path + ": " + e.Message
}

// Unwrap returns ErrInvalidOrder.
func (e *FieldError) Unwrap() error { return ErrInvalidOrder }

// orderError builds a *FieldError naming field.
func orderError(field, format string, args ...any) error {
	return &FieldError{Path: field, Message: fmt.Sprintf(format, args...)}
}

// ValidateOrder checks o against the network and returns the dense index of
// its pickup node (-1 when none). It does not look at stock.
func (n *Network) ValidateOrder(o *Order) (pickupNode int, err error) {
	pickupNode = -1
	if n.prep == nil {
		return -1, fmt.Errorf("validate order: %w", ErrNotInitialized)
	}
	if o == nil {
		return -1, orderError("order", "nil")
	}
	if o.CreatedAt.IsZero() {
		return -1, orderError("created_at", "required")
	}
	if !finite(o.Lat) || o.Lat < -90 || o.Lat > 90 {
		return -1, orderError("lat", "%v is out of range -90..90", o.Lat)
	}
	if !finite(o.Lon) || o.Lon < -180 || o.Lon > 180 {
		return -1, orderError("lon", "%v is out of range -180..180", o.Lon)
	}
	if len(o.Lines) == 0 {
		return -1, orderError("lines", "empty")
	}
	if len(o.Lines) > MaxOrderLines {
		return -1, orderError("lines", "%d lines, at most %d", len(o.Lines), MaxOrderLines)
	}
	for i := range o.Lines {
		ln := &o.Lines[i]
		if ln.SKU == "" {
			return -1, orderError(fmt.Sprintf("lines[%d].sku", i), "empty")
		}
		if ln.Quantity <= 0 {
			return -1, orderError(fmt.Sprintf("lines[%d].quantity", i), "%d must be positive", ln.Quantity)
		}
		if !finite(ln.UnitWeightKg) || ln.UnitWeightKg < 0 || ln.UnitWeightKg > 1e6 {
			return -1, orderError(fmt.Sprintf("lines[%d].unit_weight_kg", i), "%v must be a finite number in 0..1e6", ln.UnitWeightKg)
		}
		if !finite(ln.LostSaleCost) || ln.LostSaleCost < 0 {
			return -1, orderError(fmt.Sprintf("lines[%d].lost_sale_cost", i), "%v must be a finite number >= 0", ln.LostSaleCost)
		}
		for j := 0; j < i; j++ {
			if o.Lines[j].SKU == ln.SKU {
				return -1, orderError(fmt.Sprintf("lines[%d].sku", i), "%q repeats lines[%d]", ln.SKU, j)
			}
		}
	}
	if o.Want > WantPickup {
		return -1, orderError("want", "unknown value %d", o.Want)
	}
	if !finite(o.PickupRadiusKm) || o.PickupRadiusKm < 0 {
		return -1, orderError("pickup_radius_km", "%v must be a finite number >= 0", o.PickupRadiusKm)
	}
	if !finite(o.PickupRedirectCost) || o.PickupRedirectCost < 0 {
		return -1, orderError("pickup_redirect_cost", "%v must be a finite number >= 0", o.PickupRedirectCost)
	}
	if o.MaxShipments < 0 {
		return -1, orderError("max_shipments", "%d must be >= 0", o.MaxShipments)
	}
	if !o.PromiseBy.IsZero() && !o.PromiseBy.After(o.CreatedAt) {
		return -1, orderError("promise_by", "%s is not after created_at %s", o.PromiseBy.Format("2006-01-02T15:04:05Z07:00"), o.CreatedAt.Format("2006-01-02T15:04:05Z07:00"))
	}
	if err := n.validateChoice(o); err != nil {
		return -1, err
	}
	if o.PickupNodeID != "" {
		if o.Want == WantDelivery {
			return -1, orderError("pickup_node_id", "set on a delivery order")
		}
		i, ok := n.NodeIndex(o.PickupNodeID)
		if !ok {
			return -1, orderError("pickup_node_id", "unknown node %q", o.PickupNodeID)
		}
		if !n.prep.nodes[i].methods.has(pickupMethod) {
			return -1, orderError("pickup_node_id", "node %q does not offer pickup", o.PickupNodeID)
		}
		pickupNode = i
	}
	return pickupNode, nil
}

// promiseMinutes is the promise as minutes after creation (0 = none),
// rounded down, at least 1.
func promiseMinutes(o *Order) int32 {
	if o.PromiseBy.IsZero() {
		return 0
	}
	m := o.PromiseBy.Sub(o.CreatedAt).Minutes()
	switch {
	case m >= math.MaxInt32:
		return math.MaxInt32
	case m < 1:
		return 1
	}
	return int32(m)
}

// validateChoice checks the offer an order chose (Method, Partner) against
// the network and the rest of the order.
func (n *Network) validateChoice(o *Order) error {
	if o.Method != solver.MethodUnspecified && !o.Method.Known() {
		return orderError("method", "unknown value %d", o.Method)
	}
	if o.Partner != "" {
		if o.Method != solver.MethodUnspecified && o.Method != solver.Courier {
			return orderError("partner", "set with method %s; a partner is only for COURIER", o.Method)
		}
		if _, ok := n.prep.couriers[o.Partner]; !ok {
			return orderError("partner", "unknown courier partner %q", o.Partner)
		}
	}
	switch m := o.Method; {
	case m == solver.MethodUnspecified:
	case m == solver.Pickup && o.Want == WantDelivery:
		return orderError("method", "PICKUP on a delivery order")
	case m != solver.Pickup && o.Want == WantPickup:
		return orderError("method", "%s on a pickup order", m)
	}
	return nil
}
