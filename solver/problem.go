package solver

import (
	"errors"
	"fmt"
)

// Method is how a shipment travels from its node to the customer.
type Method uint8

// The fulfilment methods. The numeric values are stable: they index cost
// tables and are written to files.
const (
	MethodUnspecified Method = iota
	// ShipFromStore picks in a store and hands the parcel to a carrier.
	ShipFromStore
	// Pickup lets the customer collect the order in a store (BOPIS).
	Pickup
	// WarehouseShip picks in a warehouse and hands the parcel to a carrier.
	WarehouseShip
	// Courier hands the order to an express courier partner (e.g. glovo).
	Courier
)

// methodNames are the methods' contract names, by value. A method is
// known when it has a name here: Methods and every
// consumer's table are derived from this one list.
var methodNames = [...]string{
	MethodUnspecified: "METHOD_UNSPECIFIED",
	ShipFromStore:     "SHIP_FROM_STORE",
	Pickup:            "PICKUP",
	WarehouseShip:     "WAREHOUSE_SHIP",
	Courier:           "COURIER",
}

// String returns the method's contract name, e.g. "SHIP_FROM_STORE".
func (m Method) String() string {
	if m.Known() || m == MethodUnspecified {
		return methodNames[m]
	}
	return fmt.Sprintf("Method(%d)", m)
}

// Reason says why a candidate option was excluded or a line left unfilled.
type Reason uint8

// Reason codes. ReasonNone means "not excluded". The numeric values are
// stable.
const (
	ReasonNone Reason = iota
	// ReasonNoStock: the node has no ATP for any line of the order (or, for a
	// line, no eligible node has enough).
	ReasonNoStock
	// ReasonCapacity: the node's pick capacity for the day is used up.
	ReasonCapacity
	// ReasonOutsideZone: the customer is outside the courier's service areas.
	ReasonOutsideZone
	// ReasonOutsideRadius: the customer is beyond the method's radius.
	ReasonOutsideRadius
	// ReasonClosed: the node or partner is closed at the order's time.
	ReasonClosed
	// ReasonMissesPromise: the option's ETA is later than the promise.
	ReasonMissesPromise
	// ReasonMethodNotAllowed: the order did not ask for this method, or the
	// node does not offer it.
	ReasonMethodNotAllowed
	// ReasonOverweight: the order is heavier than the method carries.
	ReasonOverweight
	// ReasonDisabled: the node is disabled.
	ReasonDisabled
	// ReasonUneconomic: a line (or part of it) is left unfilled because
	// filling it costs more than its lost-sale cost (see the package doc).
	// It explains unfilled lines only, never an excluded option.
	ReasonUneconomic
)

// ReasonUnknownSKU: no node of the network has ever stocked the line's SKU
// (the problem marks the line Line.UnknownSKU); for unfilled lines only.
// Its value, 11, is the API's.
const ReasonUnknownSKU Reason = 11

// ReasonPartnerUnavailable: the fulfilment partner answered that it cannot
// take this trip now (a live quote said so).
const ReasonPartnerUnavailable Reason = 12

// reasonNames are the reasons' contract names, by value. A reason is known
// when it has a name here.
var reasonNames = [...]string{
	ReasonNone:               "NONE",
	ReasonNoStock:            "NO_STOCK",
	ReasonCapacity:           "CAPACITY",
	ReasonOutsideZone:        "OUTSIDE_ZONE",
	ReasonOutsideRadius:      "OUTSIDE_RADIUS",
	ReasonClosed:             "CLOSED",
	ReasonMissesPromise:      "MISSES_PROMISE",
	ReasonMethodNotAllowed:   "METHOD_NOT_ALLOWED",
	ReasonOverweight:         "OVERWEIGHT",
	ReasonDisabled:           "DISABLED",
	ReasonUneconomic:         "UNECONOMIC",
	ReasonUnknownSKU:         "UNKNOWN_SKU",
	ReasonPartnerUnavailable: "PARTNER_UNAVAILABLE",
}

// String returns the reason's contract name, e.g. "NO_STOCK".
func (r Reason) String() string {
	if r.Known() || r == ReasonNone {
		return reasonNames[r]
	}
	return fmt.Sprintf("Reason(%d)", r)
}

// tellingOrder ranks the reasons by how far a candidate got through the
// checks before one failed, the checks' own order reversed: the Builder's
// (disabled, method, radius, zone, weight, hours, the partner's own
// answer), then the solver's
// (promise, capacity, stock), and a weight limit that carries not one unit
// last; a line left unfilled because it was cheaper to lose (every check
// passed) comes before those, and a SKU the network has never stocked beats
// them all. Index 0 is the most telling.
var tellingOrder = [...]Reason{
	ReasonUnknownSKU, ReasonUneconomic, ReasonOverweight, ReasonNoStock, ReasonCapacity, ReasonMissesPromise, ReasonPartnerUnavailable, ReasonClosed,
	ReasonOutsideZone, ReasonOutsideRadius, ReasonMethodNotAllowed, ReasonDisabled,
}

// tellingRanks[r] is the position of reason r in tellingOrder, or
// len(tellingOrder) for ReasonNone. It is derived once and never changes.
var tellingRanks = func() (ranks [len(reasonNames)]uint8) {
	for r := range ranks {
		ranks[r] = uint8(len(tellingOrder))
	}
	for i, r := range tellingOrder {
		ranks[r] = uint8(i)
	}
	return ranks
}()

// tellingRank is the position of r in tellingOrder; ReasonNone and unknown
// reasons rank after every known reason.
func tellingRank(r Reason) int {
	if int(r) < len(tellingRanks) {
		return int(tellingRanks[r])
	}
	return len(tellingOrder)
}

// MoreTelling reports whether reason a explains better than reason b why
// something cannot be done: a candidate that failed a later check came
// closer to working, so its reason says more. From most to least telling:
// UNKNOWN_SKU, UNECONOMIC, OVERWEIGHT, NO_STOCK, CAPACITY, MISSES_PROMISE,
// PARTNER_UNAVAILABLE, CLOSED, OUTSIDE_ZONE,
// OUTSIDE_RADIUS, METHOD_NOT_ALLOWED, DISABLED; ReasonNone tells nothing.
//
// It is the one rule for choosing the reason of an offer that cannot be
// made from the reasons of its candidates (see MostTelling).
func MoreTelling(a, b Reason) bool { return tellingRank(a) < tellingRank(b) }

// MostTelling returns the most telling of the reasons (see MoreTelling),
// ReasonNone when there is none.
func MostTelling(reasons ...Reason) Reason {
	best := ReasonNone
	for _, r := range reasons {
		if MoreTelling(r, best) {
			best = r
		}
	}
	return best
}

// Line is one order line: a SKU and how many units of it.
type Line struct {
	SKU          string  `json:"sku"`
	Quantity     int32   `json:"quantity"`
	UnitWeightKg float64 `json:"unit_weight_kg"`
	// UnknownSKU says that no node of the network has ever stocked the SKU
	// (whoever built the problem knows its catalogue); when the line is
	// unfilled, its reason is then UNKNOWN_SKU rather than NO_STOCK.
	UnknownSKU bool `json:"unknown_sku,omitempty"`
	// LostSaleCost is what one unit of the line left unfilled costs (lost
	// margin, goodwill). A positive price lets the solver leave units
	// unfilled when shipping them costs more; 0 means the line has no
	// price and must be filled whenever stock allows (see the package
	// doc).
	LostSaleCost float64 `json:"lost_sale_cost,omitempty"`
}

// Option is one candidate shipment: a node and a method (and, for couriers,
// a partner). Its per-line figures live in Problem.Available and
// Problem.UnitCost, option-major.
type Option struct {
	// Node is a dense index of the physical node. Options that share a Node
	// share its stock: a plan uses at most one option per Node.
	Node int32 `json:"node"`
	// NodeID is the node's name, for people.
	NodeID  string `json:"node_id"`
	Method  Method `json:"method"`
	Partner string `json:"partner,omitempty"`
	// FixedCost is paid once if the option ships anything: pick cost per
	// order plus transport per package.
	FixedCost float64 `json:"fixed_cost"`
	// CapacityUnits is the number of units this option may still pick for
	// this order (the node's remaining daily capacity); negative = no limit.
	CapacityUnits int32 `json:"capacity_units"`
	// MaxWeightKg limits the shipment's weight; 0 means no limit.
	MaxWeightKg float64 `json:"max_weight_kg,omitempty"`
	// ETAMinutes is the time from order to delivery (or ready for pickup).
	ETAMinutes int32 `json:"eta_minutes"`
	// DistanceKm is the node-to-customer distance, for explanation only.
	DistanceKm float64 `json:"distance_km"`
	// Excluded is set by whoever built the problem when an eligibility check
	// it owns failed (zone, radius, hours, method, disabled). The solver adds
	// its own (no stock, capacity, promise, overweight).
	Excluded Reason `json:"excluded,omitempty"`
}

// Problem is one order to source: its lines, the candidate options and the
// rules a plan must keep.
type Problem struct {
	Lines   []Line   `json:"lines"`
	Options []Option `json:"options"`
	// Available[o*len(Lines)+l] is the ATP of line l at option o's node.
	Available []int32 `json:"available"`
	// UnitCost[o*len(Lines)+l] is the cost of one unit of line l shipped by
	// option o (pick per unit, transport per item, opportunity cost).
	UnitCost []float64 `json:"unit_cost"`
	// MaxShipments bounds the number of shipments; 0 means no limit.
	MaxShipments int `json:"max_shipments"`
	// SplitLines lets one line's units come from several shipments.
	SplitLines bool `json:"split_lines"`
	// SplitPenalty is added for each shipment beyond the first.
	SplitPenalty float64 `json:"split_penalty"`
	// PromiseMinutes is the latest acceptable ETA; 0 means no promise.
	PromiseMinutes int32 `json:"promise_minutes"`
	// LostSaleCostPerOrder is charged once when any unit of the order is
	// left unfilled, whatever the reason; 0 means nothing is charged.
	LostSaleCostPerOrder float64 `json:"lost_sale_cost_per_order,omitempty"`
}

// At returns the index of (option o, line l) in Available and UnitCost.
func (p *Problem) At(o, l int) int { return o*len(p.Lines) + l }

// ErrInvalidProblem is wrapped by every validation error; the message names
// the offending field, e.g. "lines[2].quantity: must be positive".
var ErrInvalidProblem = errors.New("invalid problem")
