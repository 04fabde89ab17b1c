package router

import (
	"errors"
	"fmt"
	"math"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/stock"
)

// Limits on what one request may carry.
const (
	// MaxOrderLines is the most lines one order may have.
	MaxOrderLines = 200
	// MaxBatchOrders is the most orders one RouteBatch may carry.
	MaxBatchOrders = 1000
	// MaxStockUpdates is the most updates one UpdateStock may carry.
	MaxStockUpdates = 10000
	// MaxAvailabilitySKUs is the most SKUs one GetAvailability may ask for.
	MaxAvailabilitySKUs = 1000
	// MaxAlternatives is the most alternatives a request may ask for.
	MaxAlternatives = 20
	// MaxShipmentsLimit is the largest max_shipments an order may set.
	MaxShipmentsLimit = 20
	// MaxQuantity is the largest quantity of one line; a stock update's
	// limits are stock.MaxLevel and stock.MaxSeq.
	MaxQuantity = stock.MaxLevel
	// MaxReservationTTL is the longest TTL a request may ask for.
	MaxReservationTTL = 7 * 24 * time.Hour
	maxIDLen          = 128
	maxWeightKg       = 10_000
	maxRadiusKm       = 20_000
)

// fieldError is a bad request: the field it is about and what is wrong.
// It carries its gRPC code, so status.FromError(err) finds it.
type fieldError struct {
	code  codes.Code
	field string
	msg   string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// GRPCStatus makes a fieldError a gRPC status.
func (e *fieldError) GRPCStatus() *status.Status { return status.New(e.code, e.Error()) }

func invalid(field, format string, args ...any) error {
	return &fieldError{code: codes.InvalidArgument, field: field, msg: fmt.Sprintf(format, args...)}
}

func notFound(field, format string, args ...any) error {
	return &fieldError{code: codes.NotFound, field: field, msg: fmt.Sprintf(format, args...)}
}

func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// checkID checks a required identifier: not empty, not too long, printable.
func checkID(field, s string) error {
	if err := checkIDValue(s); err != nil {
		return invalid(field, "%s", err.Error())
	}
	return nil
}

// checkIDValue is checkID without the field: an error saying what is
// wrong with s.
func checkIDValue(s string) error {
	if s == "" {
		return errors.New("required")
	}
	if len(s) > maxIDLen {
		return fmt.Errorf("longer than %d bytes", maxIDLen)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			return errors.New("must be printable UTF-8")
		}
	}
	return nil
}

// smallOrderLines is the number of lines up to which duplicate SKUs are
// found by scanning instead of with a map.
const smallOrderLines = 16

// seenBefore returns the index of the first line before i with line i's
// SKU, or -1: by a scan, or with seen (nil for a scan), which it adds
// line i to.
func seenBefore(lines []*pb.OrderLine, seen map[string]int, i int) int {
	sku := lines[i].Sku
	if seen == nil {
		for j := range i {
			if lines[j].Sku == sku {
				return j
			}
		}
		return -1
	}
	if j, dup := seen[sku]; dup {
		return j
	}
	seen[sku] = i
	return -1
}

// validateRouteRequest checks everything about a route request that does not
// need the network; field names start with prefix ("" or "requests[3].").
func validateRouteRequest(prefix string, r *pb.RouteRequest) error {
	if r == nil {
		return invalid(prefix+"request", "required")
	}
	if r.ReservationTtlSeconds < 0 || time.Duration(r.ReservationTtlSeconds)*time.Second > MaxReservationTTL {
		return invalid(prefix+"reservation_ttl_seconds", "must be between 0 and %d", int(MaxReservationTTL/time.Second))
	}
	if r.Alternatives < 0 || r.Alternatives > MaxAlternatives {
		return invalid(prefix+"alternatives", "must be between 0 and %d", MaxAlternatives)
	}
	if r.MaxExcluded < 0 {
		return invalid(prefix+"max_excluded", "must not be negative (0: the default of explain)")
	}
	if _, ok := pb.Explain_name[int32(r.Explain)]; !ok {
		return invalid(prefix+"explain", "unknown value %d", int32(r.Explain))
	}
	return validateOrder(prefix+"order", r.Order, true)
}

// validateOrder checks an order; a cart asking for options may have no id.
func validateOrder(f string, o *pb.Order, idRequired bool) error {
	if o == nil {
		return invalid(f, "required")
	}
	if idRequired || o.Id != "" {
		if err := checkID(f+".id", o.Id); err != nil {
			return err
		}
	}
	if o.CreatedAt != nil {
		if err := o.CreatedAt.CheckValid(); err != nil {
			return invalid(f+".created_at", "invalid timestamp")
		}
	}
	if o.PromiseBy != nil {
		if err := o.PromiseBy.CheckValid(); err != nil {
			return invalid(f+".promise_by", "invalid timestamp")
		}
	}
	switch o.Preference {
	case pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_ANY,
		pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_DELIVERY,
		pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP:
	default:
		return invalid(f+".preference", "unknown value %d", int32(o.Preference))
	}
	chosen, err := orderChoice(f, o)
	if err != nil {
		return err
	}
	pickupAtNode := (o.Preference == pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP || chosen.method == pb.Method_METHOD_PICKUP) &&
		chosen.pickupNode != ""
	if o.Customer == nil {
		if !pickupAtNode {
			return invalid(f+".customer", "required (except for pickup at a named node)")
		}
	} else {
		if !finite(o.Customer.Lat) || o.Customer.Lat < -90 || o.Customer.Lat > 90 {
			return invalid(f+".customer.lat", "must be between -90 and 90")
		}
		if !finite(o.Customer.Lon) || o.Customer.Lon < -180 || o.Customer.Lon > 180 {
			return invalid(f+".customer.lon", "must be between -180 and 180")
		}
	}
	if o.PickupNodeId != "" {
		if o.Preference == pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_DELIVERY {
			return invalid(f+".pickup_node_id", "not allowed with preference DELIVERY")
		}
		if err := checkID(f+".pickup_node_id", o.PickupNodeId); err != nil {
			return err
		}
	}
	if !finite(o.PickupRadiusKm) || o.PickupRadiusKm < 0 || o.PickupRadiusKm > maxRadiusKm {
		return invalid(f+".pickup_radius_km", "must be between 0 and %d", maxRadiusKm)
	}
	if c := o.PickupRedirectCost; c != 0 {
		switch {
		case !finite(c) || c < 0:
			return invalid(f+".pickup_redirect_cost", "must be a finite number >= 0")
		case o.PickupNodeId == "":
			return invalid(f+".pickup_redirect_cost", "only with pickup_node_id: the store the customer named")
		case o.OfferId != "" || o.Method != pb.Method_METHOD_UNSPECIFIED || o.Partner != "":
			return invalid(f+".pickup_redirect_cost", "not with offer_id, method or partner: the offer chosen holds the order to its store")
		}
	}
	if o.MaxShipments < 0 || o.MaxShipments > MaxShipmentsLimit {
		return invalid(f+".max_shipments", "must be between 0 and %d", MaxShipmentsLimit)
	}
	if len(o.Lines) == 0 {
		return invalid(f+".lines", "at least one line required")
	}
	if len(o.Lines) > MaxOrderLines {
		return invalid(f+".lines", "%d lines, at most %d allowed", len(o.Lines), MaxOrderLines)
	}
	// Field names are made only for an error; duplicates are found by
	// scanning the earlier lines when there are few, else with a map.
	lf := func(i int, name string) string { return fmt.Sprintf("%s.lines[%d]%s", f, i, name) }
	var seen map[string]int
	if len(o.Lines) > smallOrderLines {
		seen = make(map[string]int, len(o.Lines))
	}
	for i, l := range o.Lines {
		if l == nil {
			return invalid(lf(i, ""), "required")
		}
		if err := checkIDValue(l.Sku); err != nil {
			return invalid(lf(i, ".sku"), "%s", err.Error())
		}
		if j := seenBefore(o.Lines, seen, i); j >= 0 {
			return invalid(lf(i, ".sku"), "duplicate of lines[%d]", j)
		}
		if l.Quantity <= 0 {
			return invalid(lf(i, ".quantity"), "must be positive")
		}
		if l.Quantity > MaxQuantity {
			return invalid(lf(i, ".quantity"), "at most %d", MaxQuantity)
		}
		if !finite(l.UnitWeightKg) || l.UnitWeightKg < 0 || l.UnitWeightKg > maxWeightKg {
			return invalid(lf(i, ".unit_weight_kg"), "must be between 0 and %d", maxWeightKg)
		}
		if !finite(l.LostSaleCost) || l.LostSaleCost < 0 {
			return invalid(lf(i, ".lost_sale_cost"), "must be a finite number >= 0 (0 = the network's default)")
		}
	}
	return nil
}

// validateStockUpdate checks one update apart from whether its node exists.
func validateStockUpdate(f string, u *pb.StockUpdate) error {
	if u == nil {
		return invalid(f, "required")
	}
	if err := checkID(f+".node_id", u.NodeId); err != nil {
		return err
	}
	if err := checkID(f+".sku", u.Sku); err != nil {
		return err
	}
	if err := stock.CheckSeq(u.Seq); err != nil {
		return invalid(f+".seq", "%v", err)
	}
	switch c := u.Change.(type) {
	case *pb.StockUpdate_OnHand:
		if err := stock.CheckLevel(int64(c.OnHand)); err != nil {
			return invalid(f+".on_hand", "%v", err)
		}
	case *pb.StockUpdate_Delta:
		if c.Delta < -stock.MaxLevel || c.Delta > stock.MaxLevel {
			return invalid(f+".delta", "%d is out of range -%d..%d", c.Delta, stock.MaxLevel, stock.MaxLevel)
		}
	case nil:
		if u.SafetyStock == nil {
			return invalid(f+".change", "one of on_hand, delta or safety_stock required")
		}
	}
	if _, ok := pb.StockChangeReason_name[int32(u.Reason)]; !ok {
		return invalid(f+".reason", "%d is not a StockChangeReason", u.Reason)
	}
	if u.SafetyStock != nil {
		if err := stock.CheckLevel(int64(*u.SafetyStock)); err != nil {
			return invalid(f+".safety_stock", "%v", err)
		}
	}
	return nil
}
