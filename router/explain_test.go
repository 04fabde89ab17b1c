package router

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// TestNetworkWarningsAreLogged: what the network's Init warns about (here
// a courier zone with latitude and longitude swapped) is logged when the
// service starts on that network and when a reload brings it in.
func TestNetworkWarningsAreLogged(t *testing.T) {
	swapped := demoNetwork(t).Clone()
	swapped.Couriers[0].Areas = `{"type":"Polygon","coordinates":[[[43.17,76.78],[43.17,77.03],[43.37,77.03],[43.37,76.78],[43.17,76.78]]]}`
	require.NoError(t, swapped.Init())
	require.NotEmpty(t, swapped.Warnings())

	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	e := newEnv(t, func(c *Config) {
		c.Network, c.NetworkSource, c.Stock = swapped, "swapped.yaml", demoStock(t, swapped)
		c.Logger = log
		c.LoadNetwork = func(context.Context) (*network.Network, string, error) { return swapped, "swapped.yaml", nil }
	})
	assert.Contains(t, logs.String(), "network warning")
	assert.Contains(t, logs.String(), "are latitude and longitude swapped?")
	assert.Equal(t, 1, strings.Count(logs.String(), "network warning"))

	_, err := e.svc.Reload(t.Context())
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(logs.String(), "network warning"), "the reload logs it again")
}

// TestUnknownSKUIsNotNoStock: a SKU the network has never stocked is
// unfilled with UNKNOWN_SKU; once any node has a row of it, even at zero,
// it is a known SKU that is out of stock (NO_STOCK).
func TestUnknownSKUIsNotNoStock(t *testing.T) {
	e := newEnv(t, nil)
	reason := func() pb.ExclusionReason {
		t.Helper()
		resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("o-"+t.Name(), "LAUNCH-1", 1)})
		require.NoError(t, err)
		require.Len(t, resp.Plan.Unfilled, 1)
		assert.Equal(t, "LAUNCH-1", resp.Plan.Unfilled[0].Sku)
		return resp.Plan.Unfilled[0].Reason
	}
	assert.Equal(t, pb.ExclusionReason_EXCLUSION_REASON_UNKNOWN_SKU, reason())

	_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{onHand("alm-s01", "LAUNCH-1", 1, 0)}})
	require.NoError(t, err)
	assert.Equal(t, pb.ExclusionReason_EXCLUSION_REASON_NO_STOCK, reason())

	// The solver's reason list maps through the API by value.
	assert.Equal(t, int32(solver.ReasonUnknownSKU), int32(pb.ExclusionReason_EXCLUSION_REASON_UNKNOWN_SKU))
	assert.Equal(t, "EXCLUSION_REASON_"+solver.ReasonUnknownSKU.String(), pb.ExclusionReason_EXCLUSION_REASON_UNKNOWN_SKU.String())
}
