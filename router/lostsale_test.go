package router

import (
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/solver"
)

// TestRouteLostSale: over gRPC, a line whose only stock is a warehouse
// shipment away is left UNECONOMIC when its lost-sale cost is low, with the
// cost it saves; the plan's total counts the lost sale; a reserving route
// holds only what it ships; the same line with a high price is shipped.
func TestRouteLostSale(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("GADGET", 1, map[string]int32{"alm-wh1": 10})
	order := func(id string, price float64) *pb.Order {
		o := demoOrder(id)
		o.Lines = append(o.Lines, &pb.OrderLine{Sku: "GADGET", Quantity: 1, UnitWeightKg: 0.3, LostSaleCost: price})
		return o
	}
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: order("ls-1", 1), Reserve: true})
	require.NoError(t, err)
	p := resp.Plan
	require.Len(t, p.Unfilled, 1, "plan %v", p)
	u := p.Unfilled[0]
	assert.Equal(t, "GADGET", u.Sku)
	assert.Equal(t, int32(1), u.Quantity)
	assert.Equal(t, pb.ExclusionReason_EXCLUSION_REASON_UNECONOMIC, u.Reason)
	assert.Equal(t, 1.0, u.LostSaleCost)
	assert.Greater(t, u.CostSaved, 0.0)
	assert.Equal(t, 1.0, p.LostSaleCost)
	var shipping float64
	for _, s := range p.Shipments {
		shipping += s.Cost.Total
		for _, l := range s.Lines {
			assert.NotEqual(t, "GADGET", l.Sku)
		}
	}
	assert.InDelta(t, shipping+p.LostSaleCost, p.TotalCost, 1e-9)
	require.NotNil(t, resp.Reservation)
	for _, it := range resp.Reservation.Items {
		assert.NotEqual(t, "GADGET", it.Sku, "reserved a unit it does not ship")
	}
	assert.Equal(t, int32(10), e.atp("alm-wh1", "GADGET"))

	// Filling it: the cheapest plan that ships the gadget costs what the
	// plan above saved more.
	resp2, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: order("ls-2", 1000)})
	require.NoError(t, err)
	assert.Empty(t, resp2.Plan.Unfilled)
	assert.Equal(t, 0.0, resp2.Plan.LostSaleCost)
	assert.InDelta(t, p.TotalCost+u.CostSaved, resp2.Plan.TotalCost, 1e-9)
	assert.Equal(t, int32(1), planUnits(resp2.Plan)["GADGET"])
}

// TestRouteLostSaleDefaults: the network's policy prices lines that set no
// price, and charges its per-order cost, also for a line no stock can fill
// (here a SKU the network does not sell).
func TestRouteLostSaleDefaults(t *testing.T) {
	e := newEnv(t, func(c *Config) {
		n := c.Network.Clone()
		n.Policy.LostSaleCostPerUnit = 3
		n.Policy.LostSaleCostPerOrder = 5
		require.NoError(t, n.Init())
		c.Network = n
	})
	o := oneLine("ls-d", "NOWHERE", 2)
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
	require.NoError(t, err)
	p := resp.Plan
	require.Len(t, p.Unfilled, 1)
	assert.Equal(t, pb.ExclusionReason_EXCLUSION_REASON_UNKNOWN_SKU, p.Unfilled[0].Reason, "no node ever stocked it")
	assert.Equal(t, 6.0, p.Unfilled[0].LostSaleCost)
	assert.Equal(t, 11.0, p.LostSaleCost)
	assert.Equal(t, 11.0, p.TotalCost)
}

func TestRouteLostSaleValidation(t *testing.T) {
	e := newEnv(t, nil)
	for _, v := range []float64{-1, math.NaN(), math.Inf(1)} {
		o := demoOrder("bad")
		o.Lines[1].LostSaleCost = v
		_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
		wantCode(t, err, codes.InvalidArgument, "order.lines[1].lost_sale_cost: must be a finite number >= 0")
	}
	// The server is still up and routes the good order.
	_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("good")})
	require.NoError(t, err)
}

// TestEveryReasonMapsThroughTheAPI: each solver reason has the proto value
// of the same name, UNECONOMIC included.
func TestEveryReasonMapsThroughTheAPI(t *testing.T) {
	n := 0
	for r := solver.ReasonNoStock; !strings.HasPrefix(r.String(), "Reason("); r++ {
		assert.Equal(t, "EXCLUSION_REASON_"+r.String(), reasonToProto(r).String())
		n++
	}
	assert.GreaterOrEqual(t, n, int(solver.ReasonUneconomic))
}
