package router

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/bench"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// cart is the demo order as a checkout cart: no id, any method.
func cart() *pb.Order {
	o := demoOrder("")
	o.Preference = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_ANY
	return o
}

// stockImage is everything Options must not change: every stock row
// (on hand, reserved) and every node's remaining pick capacity today.
type stockImage struct {
	rows      []stock.Row
	remaining []int32
}

func (e *env) stockImage() stockImage {
	e.svc.mu.RLock()
	defer e.svc.mu.RUnlock()
	img := stockImage{rows: e.svc.inv.table.Snapshot()}
	for n := range e.svc.inv.net.Nodes {
		img.remaining = append(img.remaining, e.svc.inv.table.Remaining(n))
	}
	return img
}

func offerIDs(r *pb.OptionsResponse) []string {
	var ids []string
	for _, o := range r.Offers {
		ids = append(ids, o.OfferId)
	}
	return ids
}

// TestOptionsDemoCart: the README's cart, any method, in central Almaty at
// 14:30 local time gets every offer: ship from store, the nearest stores
// that hold the whole cart for pickup (ready in an hour, open, with hours
// and distance), warehouse shipping and glovo, each with the whole cart.
// Nothing is reserved.
func TestOptionsDemoCart(t *testing.T) {
	e := newEnv(t, nil)
	before := e.stockImage()
	resp, err := e.route.Options(ctx(t), &pb.OptionsRequest{Order: cart()})
	require.NoError(t, err)
	assert.Equal(t, before, e.stockImage(), "Options reserves nothing")

	assert.Equal(t, []string{"ship_from_store", "pickup:alm-s16", "pickup:alm-s05", "warehouse_ship", "courier:glovo"}, offerIDs(resp))
	assert.Equal(t, "USD", resp.Currency)
	assert.Equal(t, cart().CreatedAt.AsTime(), resp.QuotedAt.AsTime())
	lastKm := 0.0
	for _, o := range resp.Offers {
		require.True(t, o.Available, "%s: %v", o.OfferId, o.Reason)
		assert.Equal(t, pb.ExclusionReason_EXCLUSION_REASON_UNSPECIFIED, o.Reason)
		assert.Empty(t, o.Unfilled)
		assert.Equal(t, o.Plan.TotalCost, o.TotalCost)
		assert.Positive(t, o.TotalCost)
		assert.Equal(t, map[string]int32{"MILK-1L": 2, "BREAD-WHITE": 1, "PHONE-X12": 1}, planUnits(o.Plan), o.OfferId)
		assert.Empty(t, o.Plan.Alternatives)
		assert.Empty(t, o.Plan.Excluded)
		assert.Positive(t, o.Plan.ExcludedTotal)
		eta := int32(0)
		for _, s := range o.Plan.Shipments {
			assert.Equal(t, o.Method, s.Method, o.OfferId)
			assert.Equal(t, o.Partner, s.Partner, o.OfferId)
			eta = max(eta, s.EtaMinutes)
		}
		assert.Equal(t, eta, o.EtaMinutes)
		assert.Equal(t, resp.QuotedAt.AsTime().Add(time.Duration(eta)*time.Minute), o.Eta.AsTime())
		if o.Method != pb.Method_METHOD_PICKUP {
			assert.Nil(t, o.Store)
			continue
		}
		s := o.Store
		require.NotNil(t, s, o.OfferId)
		assert.Equal(t, o.PickupNodeId, s.NodeId)
		assert.Equal(t, s.NodeId, o.Plan.Shipments[0].NodeId)
		assert.NotEmpty(t, s.Name)
		assert.Equal(t, "Almaty", s.City)
		assert.Equal(t, o.DistanceKm, s.DistanceKm)
		assert.LessOrEqual(t, s.DistanceKm, 10.0, "within the pickup radius")
		assert.GreaterOrEqual(t, s.DistanceKm, lastKm, "nearest first")
		lastKm = s.DistanceKm
		assert.Equal(t, int32(60), o.EtaMinutes, "ready an hour after the order")
		assert.Equal(t, &pb.OpeningHours{Open: "08:00", Close: "23:00", UtcOffsetMinutes: 300}, s.Hours)
		assert.Equal(t, o.Eta.AsTime(), s.CollectFrom.AsTime(), "open when ready")
	}
	// A pickup store is as far in GetAvailability as in its offer.
	av, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"PHONE-X12"}, Position: cart().Customer, Limit: 1})
	require.NoError(t, err)
	require.Len(t, av.Availability, 1)
	assert.Equal(t, resp.Offers[1].PickupNodeId, av.Availability[0].NodeId)
	assert.Equal(t, resp.Offers[1].DistanceKm, av.Availability[0].DistanceKm)

	glovo := resp.Offers[4]
	assert.Less(t, glovo.EtaMinutes, int32(60), "a courier is express")
	assert.LessOrEqual(t, glovo.DistanceKm, 6.0)
}

// TestOptionsPickupStores: the number of pickup stores follows the
// request, nearest first; a store that cannot hold the whole cart is
// skipped for the next one.
func TestOptionsPickupStores(t *testing.T) {
	e := newEnv(t, nil)
	milk := cart()
	milk.Lines = milk.Lines[:1]
	stores := func(k int32, o *pb.Order) []*pb.Offer {
		resp, err := e.route.Options(ctx(t), &pb.OptionsRequest{Order: o, PickupStores: k})
		require.NoError(t, err)
		var out []*pb.Offer
		for _, o := range resp.Offers {
			if o.Method == pb.Method_METHOD_PICKUP {
				out = append(out, o)
			}
		}
		return out
	}
	five := stores(5, milk)
	require.Len(t, five, 5)
	for i := 1; i < len(five); i++ {
		assert.GreaterOrEqual(t, five[i].DistanceKm, five[i-1].DistanceKm)
	}
	one := stores(1, milk)
	require.Len(t, one, 1)
	assert.Equal(t, five[0].OfferId, one[0].OfferId)
	assert.Len(t, stores(0, milk), DefaultPickupStores)

	// The nearest milk store runs out of milk: it is no longer offered,
	// the next one moves up.
	e.setStock("MILK-1L", 100, map[string]int32{five[0].PickupNodeId: 1})
	after := stores(5, milk)
	require.Len(t, after, 5)
	assert.Equal(t, five[1].OfferId, after[0].OfferId)
	for _, o := range after {
		assert.NotEqual(t, five[0].PickupNodeId, o.PickupNodeId)
	}
}

// TestOptionsUnavailable: offers that cannot be made say why, with the
// most telling reason; a cart nothing can serve gets every offer with its
// reason, not an error.
func TestOptionsUnavailable(t *testing.T) {
	e := newEnv(t, trustOrderClock)
	type want map[string]pb.ExclusionReason // offer id -> reason; absent = available
	const (
		noStock  = pb.ExclusionReason_EXCLUSION_REASON_NO_STOCK
		closed   = pb.ExclusionReason_EXCLUSION_REASON_CLOSED
		radius   = pb.ExclusionReason_EXCLUSION_REASON_OUTSIDE_RADIUS
		zone     = pb.ExclusionReason_EXCLUSION_REASON_OUTSIDE_ZONE
		promise  = pb.ExclusionReason_EXCLUSION_REASON_MISSES_PROMISE
		heavy    = pb.ExclusionReason_EXCLUSION_REASON_OVERWEIGHT
		capacity = pb.ExclusionReason_EXCLUSION_REASON_CAPACITY
		unknown  = pb.ExclusionReason_EXCLUSION_REASON_UNKNOWN_SKU
	)
	local := func(h, m int) *timestamppb.Timestamp {
		return timestamppb.New(time.Date(2026, 11, 25, h-5, m, 0, 0, time.UTC))
	}
	cases := []struct {
		name  string
		edit  func(o *pb.Order)
		setup func(e *env)
		want  want
	}{
		{"a SKU nobody holds", func(o *pb.Order) {
			o.Lines = append(o.Lines, &pb.OrderLine{Sku: "NO-SUCH-SKU", Quantity: 1})
		}, nil, want{"ship_from_store": unknown, "pickup": unknown, "warehouse_ship": unknown, "courier:glovo": unknown}},
		{"at night the courier rests", func(o *pb.Order) {
			o.CreatedAt = local(2, 0)
			o.PromiseBy = nil
		}, nil, want{"courier:glovo": closed}},
		{"far from every store", func(o *pb.Order) {
			o.Customer = &pb.LatLng{Lat: 42.3417, Lon: 69.5901} // Shymkent
		}, nil, want{"ship_from_store": radius, "pickup": radius, "warehouse_ship": promise, "courier:glovo": radius}},
		{"near stores but outside the courier's zone", func(o *pb.Order) {
			o.Customer = &pb.LatLng{Lat: 43.16, Lon: 76.90} // south of the zone, 4.3 km from a store
		}, nil, nil},
		{"a 30-minute promise", func(o *pb.Order) {
			o.PromiseBy = timestamppb.New(o.CreatedAt.AsTime().Add(30 * time.Minute))
		}, nil, want{"ship_from_store": promise, "pickup": promise, "warehouse_ship": promise}},
		{"too heavy for a courier in one trip", func(o *pb.Order) {
			o.AllowSplit = false
			o.Lines[0].Quantity, o.Lines[0].UnitWeightKg = 10, 2
		}, nil, want{"courier:glovo": heavy}},
		{"the courier stores have no capacity left", nil, func(e *env) {
			e.svc.mu.Lock()
			defer e.svc.mu.Unlock()
			for n := range e.svc.inv.net.Nodes {
				if e.svc.inv.net.Nodes[n].Offers(solver.Courier) {
					e.svc.inv.useCapacity(n, e.svc.inv.day, 1_000_000)
				}
			}
		}, want{"ship_from_store": capacity, "pickup": capacity, "courier:glovo": capacity}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := e
			if c.setup != nil {
				e = newEnv(t, trustOrderClock)
				c.setup(e)
			}
			o := cart()
			if c.edit != nil {
				c.edit(o)
			}
			resp, err := e.route.Options(ctx(t), &pb.OptionsRequest{Order: o})
			require.NoError(t, err)
			require.NotEmpty(t, resp.Offers)
			if c.want == nil {
				// The zone case: check the courier only.
				g := resp.Offers[len(resp.Offers)-1]
				require.Equal(t, "courier:glovo", g.OfferId)
				assert.False(t, g.Available)
				assert.Equal(t, zone, g.Reason)
				return
			}
			got := want{}
			for _, of := range resp.Offers {
				if of.Available {
					assert.NotNil(t, of.Plan, of.OfferId)
					continue
				}
				assert.Nil(t, of.Plan, of.OfferId)
				assert.NotEqual(t, pb.ExclusionReason_EXCLUSION_REASON_UNSPECIFIED, of.Reason, of.OfferId)
				got[of.OfferId] = of.Reason
			}
			assert.Equal(t, c.want, got, "offers: %v", offerIDs(resp))
		})
	}

	t.Run("night pickup is ready when the store opens", func(t *testing.T) {
		o := cart()
		o.CreatedAt, o.PromiseBy = local(2, 0), nil
		resp, err := e.route.Options(ctx(t), &pb.OptionsRequest{Order: o})
		require.NoError(t, err)
		var found bool
		for _, of := range resp.Offers {
			if of.Method != pb.Method_METHOD_PICKUP {
				continue
			}
			found = true
			require.True(t, of.Available)
			// 08:00 opening + 60 minutes to get it ready.
			assert.Equal(t, int32(7*60), of.EtaMinutes)
			assert.Equal(t, local(9, 0).AsTime(), of.Store.CollectFrom.AsTime())
		}
		assert.True(t, found)
	})

	t.Run("no unfilled lines without an eligible candidate", func(t *testing.T) {
		o := cart()
		o.CreatedAt, o.PromiseBy = local(2, 0), nil
		resp, err := e.route.Options(ctx(t), &pb.OptionsRequest{Order: o})
		require.NoError(t, err)
		g := resp.Offers[len(resp.Offers)-1]
		require.Equal(t, "courier:glovo", g.OfferId)
		assert.Equal(t, closed, g.Reason)
		assert.Empty(t, g.Unfilled)
	})

	t.Run("unfilled lines of an offer", func(t *testing.T) {
		o := cart()
		o.Lines = append(o.Lines, &pb.OrderLine{Sku: "NO-SUCH-SKU", Quantity: 2})
		resp, err := e.route.Options(ctx(t), &pb.OptionsRequest{Order: o})
		require.NoError(t, err)
		g := resp.Offers[len(resp.Offers)-1]
		require.Equal(t, "courier:glovo", g.OfferId)
		assert.Equal(t, []*pb.UnfilledLine{{Sku: "NO-SUCH-SKU", Quantity: 2, Reason: unknown}}, g.Unfilled)
	})
}

// TestOptionsChosenCart: a cart that already chose an offer is answered
// that offer only; a preference narrows the offers.
func TestOptionsChosenCart(t *testing.T) {
	e := newEnv(t, nil)
	cases := []struct {
		name string
		edit func(o *pb.Order)
		want []string
	}{
		{"delivery", func(o *pb.Order) { o.Preference = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_DELIVERY },
			[]string{"ship_from_store", "warehouse_ship", "courier:glovo"}},
		{"pickup", func(o *pb.Order) { o.Preference = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP },
			[]string{"pickup:alm-s16", "pickup:alm-s05"}},
		{"method", func(o *pb.Order) { o.Method = pb.Method_METHOD_WAREHOUSE_SHIP }, []string{"warehouse_ship"}},
		{"partner", func(o *pb.Order) { o.Partner = "glovo" }, []string{"courier:glovo"}},
		{"offer id", func(o *pb.Order) { o.OfferId = "courier:glovo" }, []string{"courier:glovo"}},
		{"a named store", func(o *pb.Order) { o.OfferId = "pickup:alm-s05" }, []string{"pickup:alm-s05"}},
		{"a named store without the cart", func(o *pb.Order) { o.Method, o.PickupNodeId = pb.Method_METHOD_PICKUP, "alm-s02" },
			[]string{"pickup:alm-s02"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := cart()
			c.edit(o)
			resp, err := e.route.Options(ctx(t), &pb.OptionsRequest{Order: o})
			require.NoError(t, err)
			assert.Equal(t, c.want, offerIDs(resp))
		})
	}
}

// TestOptionsValidation: bad carts are refused as Route refuses them,
// naming the field, and the server stays up.
func TestOptionsValidation(t *testing.T) {
	e := newEnv(t, nil)
	with := func(edit func(o *pb.Order)) *pb.OptionsRequest {
		o := cart()
		edit(o)
		return &pb.OptionsRequest{Order: o}
	}
	cases := []struct {
		name string
		req  *pb.OptionsRequest
		code codes.Code
		msg  string
	}{
		{"no order", &pb.OptionsRequest{}, codes.InvalidArgument, "order: required"},
		{"zero quantity", with(func(o *pb.Order) { o.Lines[1].Quantity = 0 }), codes.InvalidArgument, "order.lines[1].quantity: must be positive"},
		{"no customer", with(func(o *pb.Order) { o.Customer = nil }), codes.InvalidArgument, "order.customer: required"},
		{"bad id", with(func(o *pb.Order) { o.Id = "a\x00" }), codes.InvalidArgument, "order.id: must be printable"},
		{"unknown pickup node", with(func(o *pb.Order) { o.PickupNodeId = "nowhere" }), codes.NotFound, `order.pickup_node_id: unknown node "nowhere"`},
		{"too many pickup stores", &pb.OptionsRequest{Order: cart(), PickupStores: MaxPickupStores + 1}, codes.InvalidArgument, "pickup_stores: must be between 0 and 20"},
		{"negative pickup stores", &pb.OptionsRequest{Order: cart(), PickupStores: -1}, codes.InvalidArgument, "pickup_stores:"},
		{"unknown method", with(func(o *pb.Order) { o.Method = 42 }), codes.InvalidArgument, "order.method: unknown value 42"},
		{"unknown partner", with(func(o *pb.Order) { o.Partner = "bolt" }), codes.NotFound, `order.partner: unknown courier partner "bolt"`},
		{"bad offer id", with(func(o *pb.Order) { o.OfferId = "teleport" }), codes.InvalidArgument, `order.offer_id: "teleport" does not start with a method`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.route.Options(ctx(t), c.req)
			require.Error(t, err)
			assert.Equal(t, c.code, status.Code(err), err)
			assert.Contains(t, status.Convert(err).Message(), c.msg)
		})
	}
	resp, err := e.route.Options(ctx(t), &pb.OptionsRequest{Order: cart()})
	require.NoError(t, err, "the server is still up")
	assert.NotEmpty(t, resp.Offers)
}

// TestRouteChosenOfferValidation: how an order names the offer it chose
// is checked field by field.
func TestRouteChosenOfferValidation(t *testing.T) {
	e := newEnv(t, nil)
	with := func(edit func(o *pb.Order)) *pb.RouteRequest {
		o := cart()
		o.Id = "chosen-1"
		edit(o)
		return &pb.RouteRequest{Order: o}
	}
	cases := []struct {
		name string
		req  *pb.RouteRequest
		code codes.Code
		msg  string
	}{
		{"partner with pickup", with(func(o *pb.Order) { o.Method, o.Partner = pb.Method_METHOD_PICKUP, "glovo" }), codes.InvalidArgument,
			"order.partner: only with method METHOD_COURIER, not METHOD_PICKUP"},
		{"pickup on a delivery order", with(func(o *pb.Order) {
			o.Preference, o.Method = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_DELIVERY, pb.Method_METHOD_PICKUP
		}), codes.InvalidArgument, "order.method: METHOD_PICKUP contradicts preference FULFILLMENT_PREFERENCE_DELIVERY"},
		{"courier on a pickup order", with(func(o *pb.Order) {
			o.Preference, o.OfferId = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP, "courier:glovo"
		}), codes.InvalidArgument, "order.offer_id: METHOD_COURIER contradicts preference FULFILLMENT_PREFERENCE_PICKUP"},
		{"offer id against method", with(func(o *pb.Order) { o.OfferId, o.Method = "courier:glovo", pb.Method_METHOD_PICKUP }), codes.InvalidArgument,
			`order.offer_id: "courier:glovo" is a METHOD_COURIER offer, the order's method says METHOD_PICKUP`},
		{"offer id against partner", with(func(o *pb.Order) { o.OfferId, o.Partner = "courier:glovo", "bolt" }), codes.InvalidArgument,
			`order.offer_id: "courier:glovo" names partner "glovo", the order's partner is "bolt"`},
		{"offer id against pickup node", with(func(o *pb.Order) { o.OfferId, o.PickupNodeId = "pickup:alm-s05", "alm-s16" }), codes.InvalidArgument,
			`order.offer_id: "pickup:alm-s05" names pickup node "alm-s05", the order's pickup_node_id is "alm-s16"`},
		{"qualified warehouse", with(func(o *pb.Order) { o.OfferId = "warehouse_ship:alm-wh1" }), codes.InvalidArgument,
			"only courier:PARTNER and pickup:NODE take a qualifier"},
		{"upper-case offer id", with(func(o *pb.Order) { o.OfferId = "COURIER:glovo" }), codes.InvalidArgument, "order.offer_id:"},
		{"unknown partner in offer id", with(func(o *pb.Order) { o.OfferId = "courier:bolt" }), codes.NotFound,
			`order.offer_id: unknown courier partner "bolt"`},
		{"unknown store in offer id", with(func(o *pb.Order) { o.OfferId = "pickup:nowhere" }), codes.NotFound, `order.offer_id: unknown node "nowhere"`},
		{"store without pickup", with(func(o *pb.Order) { o.OfferId = "pickup:alm-wh1" }), codes.InvalidArgument,
			`order.offer_id: node "alm-wh1" does not offer pickup`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := e.route.Route(ctx(t), c.req)
			require.Error(t, err)
			assert.Equal(t, c.code, status.Code(err), err)
			assert.Contains(t, status.Convert(err).Message(), c.msg)
		})
	}

	// A pickup at a named store needs no customer position.
	o := cart()
	o.Id, o.Customer, o.OfferId = "chosen-2", nil, "pickup:alm-s16"
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
	require.NoError(t, err)
	require.Len(t, resp.Plan.Shipments, 1)
	assert.Equal(t, "alm-s16", resp.Plan.Shipments[0].NodeId)
	assert.Equal(t, pb.Method_METHOD_PICKUP, resp.Plan.Shipments[0].Method)
}

// TestCheckoutWalkThrough is the README's checkout: ask for options, route
// the chosen offer with a reservation, commit it; the reservation holds
// what the offer promised.
func TestCheckoutWalkThrough(t *testing.T) {
	e := newEnv(t, nil)
	opts, err := e.route.Options(ctx(t), &pb.OptionsRequest{Order: cart()})
	require.NoError(t, err)
	var chosen *pb.Offer
	for _, o := range opts.Offers {
		if o.OfferId == "pickup:alm-s05" {
			chosen = o
		}
	}
	require.NotNil(t, chosen, "offers: %v", offerIDs(opts))
	before := e.atp("alm-s05", "PHONE-X12")

	order := cart()
	order.Id, order.OfferId = "checkout-1", chosen.OfferId
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: order, Reserve: true})
	require.NoError(t, err)
	assert.True(t, proto.Equal(&pb.Plan{Shipments: chosen.Plan.Shipments}, &pb.Plan{Shipments: resp.Plan.Shipments}))
	assert.Equal(t, chosen.TotalCost, resp.Plan.TotalCost)
	require.NotNil(t, resp.Reservation)
	assert.Equal(t, before-1, e.atp("alm-s05", "PHONE-X12"))
	for _, it := range resp.Reservation.Items {
		assert.Equal(t, "alm-s05", it.NodeId)
	}
	r, err := e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: resp.Reservation.Id})
	require.NoError(t, err)
	assert.Equal(t, pb.ReservationState_RESERVATION_STATE_COMMITTED, r.State)
	assert.Equal(t, before-1, e.atp("alm-s05", "PHONE-X12"))
}

// trustOrderClock plans every order at its own created_at, however far
// from the service's clock: the carts of these tests are set at chosen
// times of day.
func trustOrderClock(c *Config) { c.MaxClockSkew = 100 * 365 * 24 * time.Hour }

// randomCarts draws n realistic carts (the load generator's mix of
// customers, SKUs, preferences and splits over a day and a night), with a
// promise now and then.
func randomCarts(t *testing.T, seed uint64, n int) []*pb.Order {
	carts, err := bench.GenerateOrders(bench.GenConfig{
		Seed: seed, Count: n,
		Start: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC), MeanGap: 24 * time.Hour / time.Duration(n),
	})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(seed, 99))
	catalogue := bench.DefaultSKUs()
	for _, c := range carts {
		c.Id = ""
		switch rng.IntN(5) {
		case 0:
			c.PromiseBy = timestamppb.New(c.CreatedAt.AsTime().Add(time.Duration(30+rng.IntN(180)) * time.Minute))
		case 1:
			c.PromiseBy = timestamppb.New(c.CreatedAt.AsTime().Add(time.Duration(1+rng.IntN(4)) * 24 * time.Hour))
		}
		if rng.IntN(8) == 0 {
			c.Lines[0].Quantity = 1 + int32(rng.IntN(30)) // stock and capacity run short
		}
		if rng.IntN(12) == 0 {
			// A big basket: above the exact solver's 10 lines, the
			// heuristic answers.
			for _, k := range rng.Perm(len(catalogue))[:12] {
				if !slices.ContainsFunc(c.Lines, func(l *pb.OrderLine) bool { return l.Sku == catalogue[k].ID }) {
					c.Lines = append(c.Lines, &pb.OrderLine{Sku: catalogue[k].ID, Quantity: 1, UnitWeightKg: 0.3})
				}
			}
		}
	}
	return carts
}

// TestOptionsMatchRoute is the proof of consistency: over random carts on
// the demo network and on a 300-node network, every available offer's
// plan is byte for byte the plan Route returns for the order that chose
// it (by offer_id, or by method, partner and pickup_node_id), and Route
// with an unavailable offer cannot cover the cart either; Options
// reserves nothing.
func TestOptionsMatchRoute(t *testing.T) {
	carts := 150
	if testing.Short() {
		carts = 30
	}
	for _, nc := range []struct {
		name  string
		build func() (*network.Network, *stock.Table)
	}{
		{"demo", func() (*network.Network, *stock.Table) { n := demoNetwork(t); return n, demoStock(t, n) }},
		{"nodes=300", func() (*network.Network, *stock.Table) { return bigNetwork(t, 300) }},
	} {
		t.Run(nc.name, func(t *testing.T) {
			n, st := nc.build()
			e := newEnv(t, func(c *Config) { c.Network, c.Stock = n, st; trustOrderClock(c) })
			list := randomCarts(t, uint64(len(n.Nodes)), carts)
			before := e.stockImage()
			answers := make([]*pb.OptionsResponse, len(list))
			for i, c := range list {
				var err error
				answers[i], err = e.route.Options(ctx(t), &pb.OptionsRequest{Order: c, PickupStores: 4})
				require.NoError(t, err, "cart %d", i)
			}
			require.Equal(t, before, e.stockImage(), "Options reserves nothing")

			checked, unavailable, heuristic := map[pb.Method]int{}, 0, 0
			for i, c := range list {
				for j, of := range answers[i].Offers {
					order := proto.Clone(c).(*pb.Order)
					order.Id = fmt.Sprintf("cart-%d-%d", i, j)
					if j%2 == 0 {
						order.OfferId = of.OfferId
					} else {
						order.Method, order.Partner = of.Method, of.Partner
						if of.PickupNodeId != "" {
							order.PickupNodeId = of.PickupNodeId
						}
					}
					resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: order})
					require.NoError(t, err, "cart %d offer %s", i, of.OfferId)
					got := resp.Plan
					if !of.Available {
						if of.OfferId != "pickup" { // any store near: Route may split across stores
							assert.False(t, len(got.Unfilled) == 0 && len(got.Shipments) > 0,
								"cart %d: offer %s is unavailable (%v) but Route covers it: %v", i, of.OfferId, of.Reason, got.Shipments)
						}
						unavailable++
						continue
					}
					want := of.Plan
					require.Equal(t, marshal(t, &pb.Plan{Shipments: want.Shipments, TotalCost: want.TotalCost}),
						marshal(t, &pb.Plan{Shipments: got.Shipments, TotalCost: got.TotalCost}),
						"cart %d offer %s: the offer's plan is not Route's", i, of.OfferId)
					assert.Empty(t, got.Unfilled)
					assert.Equal(t, want.Stats.Candidates, got.Stats.Candidates)
					assert.Equal(t, want.Stats.Eligible, got.Stats.Eligible)
					assert.Equal(t, want.ExcludedTotal, got.ExcludedTotal)
					checked[of.Method]++
					if !want.Stats.Exact {
						heuristic++
					}
				}
			}
			t.Logf("%d carts: offers checked by method %v (%d by the heuristic), %d unavailable", len(list), checked, heuristic, unavailable)
			for _, m := range []pb.Method{pb.Method_METHOD_SHIP_FROM_STORE, pb.Method_METHOD_PICKUP, pb.Method_METHOD_WAREHOUSE_SHIP, pb.Method_METHOD_COURIER} {
				assert.Positive(t, checked[m], "no %s offer checked", m)
			}
			assert.Positive(t, unavailable)
			assert.Positive(t, heuristic, "no offer of a big basket checked")
		})
	}
}

func marshal(t *testing.T, m proto.Message) []byte {
	t.Helper()
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(m)
	require.NoError(t, err)
	return b
}

// TestMethodsMapThroughTheAPI: every method the solver knows has an API
// value and comes back from it, and every offer id names its offer.
func TestMethodsMapThroughTheAPI(t *testing.T) {
	n := demoNetwork(t)
	s07, _ := n.NodeIndex("alm-s07")
	for _, m := range solver.Methods() {
		p := methodToProto(m)
		require.NotEqual(t, pb.Method_METHOD_UNSPECIFIED, p, "%v", m)
		assert.Equal(t, m, methodFromProto(p))
		f := network.Offer{Method: m, Node: -1}
		switch m {
		case solver.Courier:
			f.Partner = "glovo"
		case solver.Pickup:
			f.Node = s07
		}
		o := &pb.Order{OfferId: offerID(n, f), Customer: &pb.LatLng{}}
		c, err := orderChoice("order", o)
		require.NoError(t, err, o.OfferId)
		assert.Equal(t, p, c.method, o.OfferId)
		assert.Equal(t, f.Partner, c.partner, o.OfferId)
		if f.Node >= 0 {
			assert.Equal(t, "alm-s07", c.pickupNode)
		}
	}
	for v := range pb.Method_name {
		if v != 0 {
			assert.NotEqual(t, solver.MethodUnspecified, methodFromProto(pb.Method(v)), pb.Method(v))
		}
	}
	assert.Equal(t, []string{"courier:glovo", "pickup:alm-s07", "ship_from_store", "warehouse_ship"}, func() []string {
		ids := []string{
			offerID(n, network.Offer{Method: solver.ShipFromStore, Node: -1}),
			offerID(n, network.Offer{Method: solver.Pickup, Node: s07}),
			offerID(n, network.Offer{Method: solver.WarehouseShip, Node: -1}),
			offerID(n, network.Offer{Method: solver.Courier, Partner: "glovo", Node: -1}),
		}
		slices.Sort(ids)
		return ids
	}())
}

// TestOptionsMetrics: Options calls are timed by result code, apart from
// routes.
func TestOptionsMetrics(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.route.Options(ctx(t), &pb.OptionsRequest{Order: cart()})
	require.NoError(t, err)
	_, err = e.route.Options(ctx(t), &pb.OptionsRequest{})
	require.Error(t, err)
	rec := httptest.NewRecorder()
	e.svc.m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	assert.Contains(t, body, `omniroute_options_duration_seconds_count{code="OK"} 1`)
	assert.Contains(t, body, `omniroute_options_duration_seconds_count{code="InvalidArgument"} 1`)
	assert.NotContains(t, body, `omniroute_route_duration_seconds_count`)
}

// TestOptionsCancelled: a call whose context is done stops with its code.
func TestOptionsCancelled(t *testing.T) {
	e := newEnv(t, nil)
	c, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.svc.Options(c, &pb.OptionsRequest{Order: cart()})
	assert.Equal(t, codes.Canceled, status.Code(err), err)
}
