package router

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

// namedPickup is a pickup of one phone that names store alm-s05.
func namedPickup(id string, redirect float64) *pb.Order {
	o := oneLine(id, "PHONE-X12", 1)
	o.Preference = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP
	o.PromiseBy = nil
	o.PickupNodeId = "alm-s05"
	o.PickupRedirectCost = redirect
	return o
}

// TestRoutePickupRedirect: a pickup that names a store without the unit
// goes short there; with pickup_redirect_cost it is collected at a store
// nearby that holds it, for the redirect more than that store's own
// pickup, the shipment naming the store the order named, and its unit
// reserved there. Where the named store holds the unit, the order stays.
func TestRoutePickupRedirect(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("PHONE-X12", 100, map[string]int32{"alm-s05": 0, "alm-s16": 3})

	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: namedPickup("r0", 0)})
	require.NoError(t, err)
	assert.Empty(t, resp.Plan.Shipments, "held to alm-s05, which has none")
	require.Len(t, resp.Plan.Unfilled, 1)
	assert.Equal(t, pb.ExclusionReason_EXCLUSION_REASON_NO_STOCK, resp.Plan.Unfilled[0].Reason)

	direct := namedPickup("r-direct", 0)
	direct.PickupNodeId = "alm-s16"
	resp, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: direct})
	require.NoError(t, err)
	require.Len(t, resp.Plan.Shipments, 1)
	at16 := resp.Plan.Shipments[0]
	assert.Empty(t, at16.RedirectedFrom, "collected where it was named")

	resp, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: namedPickup("r1", 2.5), Reserve: true})
	require.NoError(t, err)
	require.Len(t, resp.Plan.Shipments, 1)
	s := resp.Plan.Shipments[0]
	assert.Equal(t, "alm-s16", s.NodeId)
	assert.Equal(t, pb.Method_METHOD_PICKUP, s.Method)
	assert.Equal(t, "alm-s05", s.RedirectedFrom)
	assert.InDelta(t, at16.Cost.Fixed+2.5, s.Cost.Fixed, 1e-9, "the store's own pickup and the redirect")
	assert.InDelta(t, at16.Cost.Total+2.5, resp.Plan.TotalCost, 1e-9)
	assert.Empty(t, resp.Plan.Unfilled)
	require.NotNil(t, resp.Reservation)
	assert.Equal(t, int32(2), e.atp("alm-s16", "PHONE-X12"), "the unit is reserved where it is collected")
	assert.Equal(t, 1.0, testutil.ToFloat64(e.svc.m.redirects), "one order redirected")

	e.setStock("PHONE-X12", 101, map[string]int32{"alm-s05": 1})
	resp, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: namedPickup("r2", 2.5)})
	require.NoError(t, err)
	require.Len(t, resp.Plan.Shipments, 1)
	assert.Equal(t, "alm-s05", resp.Plan.Shipments[0].NodeId, "the named store holds it")
	assert.Empty(t, resp.Plan.Shipments[0].RedirectedFrom)
	assert.Equal(t, 1.0, testutil.ToFloat64(e.svc.m.redirects), "still one")
}

// TestPickupRedirectCostValidation: the redirect needs a named store, no
// chosen offer, and a finite cost of 0 or more; each error names the
// field.
func TestPickupRedirectCostValidation(t *testing.T) {
	e := newEnv(t, nil)
	for name, edit := range map[string]func(o *pb.Order){
		"negative":        func(o *pb.Order) { o.PickupRedirectCost = -1 },
		"no store named":  func(o *pb.Order) { o.PickupNodeId = "" },
		"an offer chosen": func(o *pb.Order) { o.OfferId = "pickup:alm-s05" },
		"a method chosen": func(o *pb.Order) { o.Method = pb.Method_METHOD_PICKUP },
	} {
		o := namedPickup("bad", 2)
		edit(o)
		_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
		require.Error(t, err, name)
		assert.Equal(t, codes.InvalidArgument, status.Code(err), name)
		assert.Contains(t, status.Convert(err).Message(), "order.pickup_redirect_cost:", name)
	}
}

// TestOptionsOffersTheNamedStoreOnly: Options weighs a cart that names its
// store as that store's offer, redirect or not: the other stores are
// offers of their own to a cart that names none.
func TestOptionsOffersTheNamedStoreOnly(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("PHONE-X12", 100, map[string]int32{"alm-s05": 0, "alm-s16": 3})
	cart := namedPickup("", 2.5)
	resp, err := e.route.Options(ctx(t), &pb.OptionsRequest{Order: cart})
	require.NoError(t, err)
	assert.Equal(t, []string{"pickup:alm-s05"}, offerIDs(resp))
	assert.False(t, resp.Offers[0].Available)

	cart.PickupNodeId, cart.PickupRedirectCost = "", 0
	resp, err = e.route.Options(ctx(t), &pb.OptionsRequest{Order: cart})
	require.NoError(t, err)
	assert.Contains(t, offerIDs(resp), "pickup:alm-s16")
}

// TestPickupCostPerKm: a pickup at any store near the customer goes, of
// the stores whose picks cost the same, to the first in the file when
// the way to the store costs nothing, and to the nearest when the
// network prices it (the demo's 0.05 a km), that distance's cost in the
// shipment's fixed cost.
func TestPickupCostPerKm(t *testing.T) {
	milk := func() *pb.Order {
		o := oneLine("milk", "MILK-1L", 1)
		o.Preference = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP
		o.PromiseBy = nil
		return o
	}
	e := newEnv(t, func(c *Config) { c.Network.Policy.PickupCostPerKm = 0 })
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: milk()})
	require.NoError(t, err)
	require.Len(t, resp.Plan.Shipments, 1)
	free := resp.Plan.Shipments[0]
	assert.Equal(t, "alm-s01", free.NodeId, "a tie: the first store in the file")

	e = newEnv(t, nil)
	require.Equal(t, 0.05, e.svc.inv.net.Policy.PickupCostPerKm, "the demo prices the way")
	resp, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: milk()})
	require.NoError(t, err)
	require.Len(t, resp.Plan.Shipments, 1)
	near := resp.Plan.Shipments[0]
	assert.Equal(t, "alm-s16", near.NodeId, "the nearest of the stores alike")
	assert.Less(t, near.DistanceKm, free.DistanceKm)
	assert.InDelta(t, free.Cost.Fixed+0.05*near.DistanceKm, near.Cost.Fixed, 1e-9, "the same pick, and the way")

	named := milk()
	named.PickupNodeId = "alm-s16"
	resp, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: named})
	require.NoError(t, err)
	require.Len(t, resp.Plan.Shipments, 1)
	assert.InDelta(t, near.Cost.Fixed, resp.Plan.Shipments[0].Cost.Fixed, 1e-9, "the store named costs as its offer does")
}

// TestGatewayPickupRedirect: over HTTP/JSON the field and the answer keep
// their proto names.
func TestGatewayPickupRedirect(t *testing.T) {
	h := newHTTPEnv(t, GatewayOptions{})
	h.setStock("PHONE-X12", 100, map[string]int32{"alm-s01": 0})
	body := `{"order": {"id": "web-r", "customer": {"lat": 43.2389, "lon": 76.8897},
  "lines": [{"sku": "PHONE-X12", "quantity": 1}], "preference": "FULFILLMENT_PREFERENCE_PICKUP",
  "pickup_node_id": "alm-s01", "pickup_redirect_cost": 2}}`
	code, v, _ := h.do(t, "POST", "/v1/route", body, nil)
	require.Equal(t, http.StatusOK, code, "%v", v)
	assert.Equal(t, "alm-s16", get(t, v, "plan", "shipments", 0, "node_id"))
	assert.Equal(t, "alm-s01", get(t, v, "plan", "shipments", 0, "redirected_from"))

	code, v, _ = h.do(t, "POST", "/v1/route", strings.Replace(body, `"pickup_redirect_cost": 2`, `"pickup_redirect_cost": -2`, 1), nil)
	assert.Equal(t, http.StatusBadRequest, code)
	assert.Contains(t, fmt.Sprint(v), "order.pickup_redirect_cost")
}

// TestRouteBatchRedirects: two pickups that name a store without the
// phone, each may be redirected: a batch, planned in turn or jointly,
// collects them at the two stores nearby that hold one each, reserves
// both units, and names the store each order named.
func TestRouteBatchRedirects(t *testing.T) {
	for _, optimize := range []bool{false, true} {
		e := newEnv(t, nil)
		e.setStock("PHONE-X12", 100, map[string]int32{"alm-s01": 0, "alm-s05": 1, "alm-s16": 1})
		a, b := namedPickup("ra", 2), namedPickup("rb", 2)
		a.PickupNodeId, b.PickupNodeId = "alm-s01", "alm-s01"
		got, err := e.route.RouteBatch(ctx(t), &pb.RouteBatchRequest{Optimize: optimize,
			Requests: []*pb.RouteRequest{{Order: a, Reserve: true}, {Order: b, Reserve: true}}})
		require.NoError(t, err, "optimize %v", optimize)
		stores := map[string]bool{}
		for i, r := range got.Results {
			require.Empty(t, r.Error, "optimize %v, order %d", optimize, i)
			require.Len(t, r.Response.Plan.Shipments, 1, "optimize %v, order %d", optimize, i)
			s := r.Response.Plan.Shipments[0]
			assert.Equal(t, "alm-s01", s.RedirectedFrom, "optimize %v, order %d", optimize, i)
			stores[s.NodeId] = true
		}
		assert.Equal(t, map[string]bool{"alm-s05": true, "alm-s16": true}, stores, "optimize %v", optimize)
		assert.Zero(t, e.atp("alm-s05", "PHONE-X12"), "optimize %v", optimize)
		assert.Zero(t, e.atp("alm-s16", "PHONE-X12"), "optimize %v", optimize)
		assert.Equal(t, 2.0, testutil.ToFloat64(e.svc.m.redirects), "optimize %v", optimize)
	}
}
