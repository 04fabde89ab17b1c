package router

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/geo"
)

// TestAvailabilityNearMe: "pick up near me" answers the nearest stores
// within the radius that have some of the SKUs, nearest first, each with
// every SKU asked, its distance, name and kind.
func TestAvailabilityNearMe(t *testing.T) {
	e := newEnv(t, nil)
	me := &pb.LatLng{Lat: 43.2389, Lon: 76.8897}
	e.setStock("GIFT", 1, map[string]int32{"alm-s05": 2, "alm-s16": 1, "alm-s01": 5, "ast-s01": 9, "alm-d01": 4})
	e.setStock("CARD", 1, map[string]int32{"alm-s05": 3})
	av, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"GIFT", "CARD"}, Position: me})
	require.NoError(t, err)

	var nodes []string
	last := -1.0
	for i, a := range av.Availability {
		if i%2 == 0 {
			nodes = append(nodes, a.NodeId)
			assert.Equal(t, "GIFT", a.Sku)
		} else {
			assert.Equal(t, nodes[len(nodes)-1], a.NodeId)
			assert.Equal(t, "CARD", a.Sku)
		}
		assert.Equal(t, "store", a.Kind)
		assert.NotEmpty(t, a.NodeName)
		assert.GreaterOrEqual(t, a.DistanceKm, last, "nearest first")
		assert.LessOrEqual(t, a.DistanceKm, 10.0, "the network's pickup radius")
		last = a.DistanceKm
	}
	// The dark store and the Astana store are left out: not a store, too far.
	require.Equal(t, []string{"alm-s16", "alm-s05", "alm-s01"}, nodes)
	s05 := av.Availability[2:4]
	assert.Equal(t, int32(2), s05[0].Atp)
	assert.Equal(t, int32(3), s05[1].Atp)
	assert.Equal(t, geo.ToUnit(me.Lat, me.Lon).DistanceKm(geo.ToUnit(43.218, 76.928)), s05[0].DistanceKm, "measured as the Builder measures")
	assert.Equal(t, int32(0), av.Availability[1].Atp, "every SKU asked, also where there is none")

	near := func(req *pb.GetAvailabilityRequest) []string {
		req.Skus, req.Position = []string{"GIFT"}, me
		av, err := e.inv.GetAvailability(ctx(t), req)
		require.NoError(t, err)
		var ids []string
		for _, a := range av.Availability {
			ids = append(ids, a.NodeId)
		}
		return ids
	}
	assert.Equal(t, []string{"alm-s16", "alm-s05"}, near(&pb.GetAvailabilityRequest{Limit: 2}))
	assert.Equal(t, []string{"alm-s16"}, near(&pb.GetAvailabilityRequest{RadiusKm: 3}))
	assert.Equal(t, []string{"alm-d01"}, near(&pb.GetAvailabilityRequest{Kinds: []string{"dark_store"}}))
	assert.Equal(t, []string{"alm-s16", "alm-s05", "alm-s01", "ast-s01"}, near(&pb.GetAvailabilityRequest{RadiusKm: 2000}))
	assert.Equal(t, []string{"alm-s01"}, near(&pb.GetAvailabilityRequest{NodeIds: []string{"alm-s01", "ast-s01"}}))

	// A reserved unit is not available: the store with one gift drops out.
	o := oneLine("gift-1", "GIFT", 1)
	o.Preference = pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP
	o.PickupNodeId = "alm-s16"
	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: o, Reserve: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"alm-s05", "alm-s01"}, near(&pb.GetAvailabilityRequest{}))
}

func TestAvailabilityNearMeValidation(t *testing.T) {
	e := newEnv(t, nil)
	me := &pb.LatLng{Lat: 43.2389, Lon: 76.8897}
	cases := []struct {
		name string
		req  *pb.GetAvailabilityRequest
		msg  string
	}{
		{"radius without position", &pb.GetAvailabilityRequest{RadiusKm: 5}, "position: required with radius_km, limit or kinds"},
		{"kinds without position", &pb.GetAvailabilityRequest{Kinds: []string{"store"}}, "position: required"},
		{"latitude", &pb.GetAvailabilityRequest{Position: &pb.LatLng{Lat: 91}}, "position.lat: must be between -90 and 90"},
		{"longitude", &pb.GetAvailabilityRequest{Position: &pb.LatLng{Lon: -181}}, "position.lon: must be between -180 and 180"},
		{"negative radius", &pb.GetAvailabilityRequest{Position: me, RadiusKm: -1}, "radius_km: must be between 0 and 20000"},
		{"limit", &pb.GetAvailabilityRequest{Position: me, Limit: MaxAvailabilityNodes + 1}, "limit: must be between 0 and 1000"},
		{"kind", &pb.GetAvailabilityRequest{Position: me, Kinds: []string{"store", "kiosk"}}, `kinds[1]: unknown kind "kiosk"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.req.Skus = []string{"MILK-1L"}
			_, err := e.inv.GetAvailability(ctx(t), c.req)
			require.Error(t, err)
			assert.Equal(t, codes.InvalidArgument, status.Code(err))
			assert.Contains(t, status.Convert(err).Message(), c.msg)
		})
	}
}
