package router

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

// FuzzRoute sends arbitrary route requests through a real gRPC connection:
// the server never panics (no Internal, no Unknown) and always answers
// with a plan or a status naming what was wrong.
func FuzzRoute(f *testing.F) {
	seed, _ := proto.Marshal(&pb.RouteRequest{Order: demoOrder("seed"), Reserve: true})
	f.Add(seed, "f-1", "MILK-1L", int32(2), 43.2389, 76.8897, int32(1), "", int32(0), false)
	f.Add([]byte{}, "f-2", "PHONE-X12", int32(1), 51.128, 71.43, int32(2), "ast-s01", int32(2), true)
	f.Add([]byte{}, "", "", int32(-1), 91.0, -181.0, int32(7), "nowhere", int32(-3), true)
	f.Add([]byte{0x0a, 0x02, 0x0a, 0x00}, "f-3", "BREAD-WHITE", int32(1<<30), 0.0, 0.0, int32(0), "alm-s01", int32(50), false)
	f.Add([]byte{}, "f-4", "MILK-1L", int32(3), 43.2, 76.9, int32(2), "alm-s01", int32(1), true)
	redirect := demoOrder("seed-r")
	redirect.Preference, redirect.PromiseBy = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP, nil
	redirect.PickupNodeId, redirect.PickupRedirectCost = "alm-s01", 2
	seedR, _ := proto.Marshal(&pb.RouteRequest{Order: redirect, Reserve: true})
	f.Add(seedR, "", "", int32(0), 0.0, 0.0, int32(0), "", int32(0), false)

	e := newEnv(f, nil)
	f.Fuzz(func(t *testing.T, raw []byte, id, sku string, qty int32, lat, lon float64, pref int32, pickup string, maxShip int32, reserve bool) {
		// Only valid UTF-8 can be sent at all (the client refuses the rest).
		id, sku, pickup = strings.ToValidUTF8(id, "?"), strings.ToValidUTF8(sku, "?"), strings.ToValidUTF8(pickup, "?")
		req := new(pb.RouteRequest)
		if len(raw) == 0 || proto.Unmarshal(raw, req) != nil {
			o := demoOrder(id)
			o.Lines = append(o.Lines[:1], &pb.OrderLine{Sku: sku, Quantity: qty, UnitWeightKg: 0.3})
			o.Customer = &pb.LatLng{Lat: lat, Lon: lon}
			o.Preference = pb.FulfillmentPreference(pref)
			o.PickupNodeId = pickup
			o.MaxShipments = maxShip
			req = &pb.RouteRequest{Order: o, Reserve: reserve, ReservationTtlSeconds: maxShip}
		}
		resp, err := e.route.Route(ctx(t), req)
		if err == nil {
			if resp.GetPlan() == nil {
				t.Fatal("OK without a plan")
			}
			return
		}
		st, ok := status.FromError(err)
		if !ok {
			t.Fatalf("not a status: %v", err)
		}
		switch st.Code() {
		case codes.InvalidArgument, codes.NotFound, codes.FailedPrecondition, codes.ResourceExhausted:
			if st.Message() == "" {
				t.Fatalf("%v without a message", st.Code())
			}
		default:
			t.Fatalf("unexpected %v: %s", st.Code(), st.Message())
		}
	})
}

// FuzzOptions sends arbitrary carts, with arbitrary chosen offers, to
// Options through a real gRPC connection: the server never panics and
// answers either offers that each have a plan or a reason, or a status
// naming what was wrong.
func FuzzOptions(f *testing.F) {
	seed, _ := proto.Marshal(&pb.OptionsRequest{Order: cart(), PickupStores: 2})
	f.Add(seed, "MILK-1L", int32(2), 43.2389, 76.8897, int32(0), "", int32(0), "", "", int32(3))
	f.Add([]byte{}, "PHONE-X12", int32(1), 51.128, 71.43, int32(2), "ast-s01", int32(2), "", "", int32(0))
	f.Add([]byte{}, "BREAD-WHITE", int32(1), 43.2, 76.9, int32(0), "", int32(4), "glovo", "courier:glovo", int32(1))
	f.Add([]byte{}, "MILK-1L", int32(1), 43.2, 76.9, int32(1), "", int32(0), "", "pickup:alm-s05", int32(-1))
	f.Add([]byte{}, "", int32(-1), 91.0, -181.0, int32(7), "nowhere", int32(9), "x", "teleport:", int32(99))

	e := newEnv(f, nil)
	f.Fuzz(func(t *testing.T, raw []byte, sku string, qty int32, lat, lon float64, pref int32, pickup string, method int32, partner, offer string, stores int32) {
		sku, pickup = strings.ToValidUTF8(sku, "?"), strings.ToValidUTF8(pickup, "?")
		partner, offer = strings.ToValidUTF8(partner, "?"), strings.ToValidUTF8(offer, "?")
		req := new(pb.OptionsRequest)
		if len(raw) == 0 || proto.Unmarshal(raw, req) != nil {
			o := cart()
			o.Lines = append(o.Lines[:1], &pb.OrderLine{Sku: sku, Quantity: qty, UnitWeightKg: 0.3})
			o.Customer = &pb.LatLng{Lat: lat, Lon: lon}
			o.Preference = pb.FulfillmentPreference(pref)
			o.PickupNodeId = pickup
			o.Method, o.Partner, o.OfferId = pb.Method(method), partner, offer
			req = &pb.OptionsRequest{Order: o, PickupStores: stores}
		}
		resp, err := e.route.Options(ctx(t), req)
		if err == nil {
			for _, of := range resp.Offers {
				if of.Available == (of.Plan == nil) || of.Available == (of.Reason != pb.ExclusionReason_EXCLUSION_REASON_UNSPECIFIED) {
					t.Fatalf("offer %s: available %v, plan %v, reason %v", of.OfferId, of.Available, of.Plan != nil, of.Reason)
				}
			}
			return
		}
		st, ok := status.FromError(err)
		if !ok {
			t.Fatalf("not a status: %v", err)
		}
		switch st.Code() {
		case codes.InvalidArgument, codes.NotFound:
			if st.Message() == "" {
				t.Fatalf("%v without a message", st.Code())
			}
		default:
			t.Fatalf("unexpected %v: %s", st.Code(), st.Message())
		}
	})
}
