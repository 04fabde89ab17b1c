package router

import (
	"math"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

func TestRouteValidation(t *testing.T) {
	e := newEnv(t, nil)
	with := func(edit func(o *pb.Order)) *pb.RouteRequest {
		o := demoOrder("v-1")
		edit(o)
		return &pb.RouteRequest{Order: o}
	}
	many := make([]*pb.OrderLine, MaxOrderLines+1)
	for i := range many {
		many[i] = &pb.OrderLine{Sku: "SKU-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('a'+i/26)), Quantity: 1}
	}
	cases := []struct {
		name  string
		req   *pb.RouteRequest
		code  codes.Code
		field string
	}{
		{"no order", &pb.RouteRequest{}, codes.InvalidArgument, "order: required"},
		{"no id", with(func(o *pb.Order) { o.Id = "" }), codes.InvalidArgument, "order.id: required"},
		{"long id", with(func(o *pb.Order) { o.Id = strings.Repeat("x", 200) }), codes.InvalidArgument, "order.id:"},
		{"control char id", with(func(o *pb.Order) { o.Id = "a\x00b" }), codes.InvalidArgument, "order.id:"},
		{"no customer", with(func(o *pb.Order) { o.Customer = nil }), codes.InvalidArgument, "order.customer:"},
		{"lat out of range", with(func(o *pb.Order) { o.Customer.Lat = 91 }), codes.InvalidArgument, "order.customer.lat:"},
		{"lon NaN", with(func(o *pb.Order) { o.Customer.Lon = math.NaN() }), codes.InvalidArgument, "order.customer.lon:"},
		{"no lines", with(func(o *pb.Order) { o.Lines = nil }), codes.InvalidArgument, "order.lines:"},
		{"too many lines", with(func(o *pb.Order) { o.Lines = many }), codes.InvalidArgument, "order.lines: 201 lines"},
		{"empty line", with(func(o *pb.Order) { o.Lines[1] = &pb.OrderLine{} }), codes.InvalidArgument, "order.lines[1].sku: required"},
		{"zero quantity", with(func(o *pb.Order) { o.Lines[1].Quantity = 0 }), codes.InvalidArgument, "order.lines[1].quantity: must be positive"},
		{"negative quantity", with(func(o *pb.Order) { o.Lines[2].Quantity = -3 }), codes.InvalidArgument, "order.lines[2].quantity: must be positive"},
		{"huge quantity", with(func(o *pb.Order) { o.Lines[0].Quantity = math.MaxInt32 }), codes.InvalidArgument, "order.lines[0].quantity:"},
		{"empty sku", with(func(o *pb.Order) { o.Lines[0].Sku = "" }), codes.InvalidArgument, "order.lines[0].sku: required"},
		{"duplicate sku", with(func(o *pb.Order) { o.Lines[2].Sku = o.Lines[0].Sku }), codes.InvalidArgument, "order.lines[2].sku: duplicate of lines[0]"},
		{"duplicate sku, many lines", with(func(o *pb.Order) {
			o.Lines = append([]*pb.OrderLine(nil), many[:30]...)
			o.Lines[27] = &pb.OrderLine{Sku: many[4].Sku, Quantity: 1}
		}), codes.InvalidArgument, "order.lines[27].sku: duplicate of lines[4]"},
		{"negative weight", with(func(o *pb.Order) { o.Lines[0].UnitWeightKg = -1 }), codes.InvalidArgument, "order.lines[0].unit_weight_kg:"},
		{"infinite weight", with(func(o *pb.Order) { o.Lines[0].UnitWeightKg = math.Inf(1) }), codes.InvalidArgument, "order.lines[0].unit_weight_kg:"},
		{"bad preference", with(func(o *pb.Order) { o.Preference = 9 }), codes.InvalidArgument, "order.preference:"},
		{"pickup node on delivery", with(func(o *pb.Order) { o.PickupNodeId = "alm-s01" }), codes.InvalidArgument, "order.pickup_node_id:"},
		{"unknown pickup node", with(func(o *pb.Order) {
			o.Preference = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP
			o.PickupNodeId = "nowhere"
		}), codes.NotFound, "order.pickup_node_id:"},
		{"negative radius", with(func(o *pb.Order) { o.PickupRadiusKm = -1 }), codes.InvalidArgument, "order.pickup_radius_km:"},
		{"negative max shipments", with(func(o *pb.Order) { o.MaxShipments = -1 }), codes.InvalidArgument, "order.max_shipments:"},
		{"promise before creation", with(func(o *pb.Order) { o.PromiseBy = timestamppb.New(o.CreatedAt.AsTime().Add(-1)) }), codes.InvalidArgument, "order.promise_by:"},
		{"invalid timestamp", with(func(o *pb.Order) { o.CreatedAt = &timestamppb.Timestamp{Seconds: math.MaxInt64} }), codes.InvalidArgument, "order.created_at:"},
		{"negative ttl", &pb.RouteRequest{Order: demoOrder("v"), ReservationTtlSeconds: -1}, codes.InvalidArgument, "reservation_ttl_seconds:"},
		{"too many alternatives", &pb.RouteRequest{Order: demoOrder("v"), Alternatives: 1000}, codes.InvalidArgument, "alternatives:"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.route.Route(ctx(t), c.req)
			wantCode(t, err, c.code, c.field)
		})
	}
}

func TestOtherValidation(t *testing.T) {
	e := newEnv(t, nil)
	neg := int32(-1)
	cases := []struct {
		name  string
		call  func() error
		code  codes.Code
		field string
	}{
		{"empty batch", func() error { _, err := e.route.RouteBatch(ctx(t), &pb.RouteBatchRequest{}); return err }, codes.InvalidArgument, "requests:"},
		{"commit no id", func() error {
			_, err := e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{})
			return err
		}, codes.InvalidArgument, "reservation_id: required"},
		{"release unknown", func() error {
			_, err := e.route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: "rsv_x"})
			return err
		}, codes.NotFound, "reservation_id:"},
		{"no updates", func() error { _, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{}); return err }, codes.InvalidArgument, "updates:"},
		{"update unknown node", func() error {
			_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
				{NodeId: "alm-s01", Sku: "A", Seq: 1, Change: &pb.StockUpdate_OnHand{OnHand: 1}},
				{NodeId: "nowhere", Sku: "A", Seq: 1, Change: &pb.StockUpdate_OnHand{OnHand: 1}},
			}})
			return err
		}, codes.NotFound, "updates[1].node_id:"},
		{"update zero seq", func() error {
			_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{{NodeId: "alm-s01", Sku: "A", Change: &pb.StockUpdate_Delta{Delta: 1}}}})
			return err
		}, codes.InvalidArgument, "updates[0].seq:"},
		{"update negative on hand", func() error {
			_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{{NodeId: "alm-s01", Sku: "A", Seq: 1, Change: &pb.StockUpdate_OnHand{OnHand: -1}}}})
			return err
		}, codes.InvalidArgument, "updates[0].on_hand:"},
		{"update negative safety", func() error {
			_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{{NodeId: "alm-s01", Sku: "A", Seq: 1, SafetyStock: &neg}}})
			return err
		}, codes.InvalidArgument, "updates[0].safety_stock:"},
		{"update unknown reason", func() error {
			_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{{NodeId: "alm-s01", Sku: "A", Seq: 1, Change: &pb.StockUpdate_Delta{Delta: -1}, Reason: 9}}})
			return err
		}, codes.InvalidArgument, "updates[0].reason: 9 is not a StockChangeReason"},
		{"update no change", func() error {
			_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{{NodeId: "alm-s01", Sku: "A", Seq: 1}}})
			return err
		}, codes.InvalidArgument, "updates[0].change:"},
		{"delta below zero", func() error {
			_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{{NodeId: "alm-s01", Sku: "NEW", Seq: 1, Change: &pb.StockUpdate_Delta{Delta: -5}}}})
			return err
		}, codes.InvalidArgument, "updates[0].delta: on_hand would be -5"},
		{"availability no skus", func() error {
			_, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{})
			return err
		}, codes.InvalidArgument, "skus:"},
		{"availability unknown node", func() error {
			_, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"A"}, NodeIds: []string{"alm-s01", "x"}})
			return err
		}, codes.NotFound, "node_ids[1]:"},
		{"reload without file", func() error {
			_, err := e.net.ReloadNetwork(ctx(t), &pb.ReloadNetworkRequest{})
			return err
		}, codes.FailedPrecondition, "cannot be reloaded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantCode(t, c.call(), c.code, c.field) })
	}
	// A rejected batch changed nothing.
	if got := e.atp("alm-s01", "A"); got != 0 {
		t.Errorf("rejected update applied: ATP %d", got)
	}
}

func TestMessageSizeLimit(t *testing.T) {
	e := newEnv(t, nil)
	o := demoOrder("big")
	o.Id = strings.Repeat("x", 100)
	o.Lines = nil
	for i := range 80000 {
		o.Lines = append(o.Lines, &pb.OrderLine{Sku: strings.Repeat("s", 60) + string(rune('a'+i%26)), Quantity: 1})
	}
	_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
	wantCode(t, err, codes.ResourceExhausted, "")
}
