package planning

import (
	"bytes"
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/network"
)

// handParcels returns what a unit costs to ship by parcel to city A's
// region from near and from far: pick, item, item-mile, package.
func handParcels(net *network.Network) (near, far float64) {
	aLat, aLon := forecast.NewRegions(net).Center(0)
	parcel := func(lat, lon float64) float64 {
		return 0.1 + 0.4 + 0.001*geo.DistanceKm(lat, lon, aLat, aLon)/geo.KmPerMile + 6
	}
	return parcel(43.25, 76.9), parcel(51.16, 71.43)
}

// TestSolveHandPrices: one scarce unit at "near", plenty at "far", two
// units of parcel demand in A. With a dear lost sale both nodes ship and
// the near unit is worth what the far one costs more; with a lost sale
// between the two costs the far node ships nothing and the near unit is
// worth the lost sale it saves (its dual; its price is that times the
// probability that it is needed).
func TestSolveHandPrices(t *testing.T) {
	net := handNet(t)
	cNear, cFar := handParcels(net)
	cases := []struct {
		name                   string
		lost                   float64
		objective, nearP, farP float64
		lostUnits, lostCost    float64
	}{
		{"dear lost sale", 100, cNear + cFar, cFar - cNear, 0, 0, 0},
		{"cheap lost sale", 7, cNear + 7, 7 - cNear, 0, 1, 7},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := handInput(t, net, forecast.Cell{Region: "A", SKU: "s", Method: forecast.Parcel, UnitsPerDay: 2, UnitsPerOrder: 1, LostSaleCost: c.lost})
			res, m, err := Solve(context.Background(), in, lp.Settings{})
			require.NoError(t, err)
			assert.Equal(t, "optimal", res.Status)
			assert.InDelta(t, c.objective, res.Objective, 1e-7)
			assert.Equal(t, 3, res.Rows) // near, far; one cell
			assert.Equal(t, len(m.Arcs)+1, res.Cols)
			require.Len(t, res.Prices, 2)
			assert.Equal(t, "far", res.Prices[0].NodeID, "sorted by node id")
			assert.InDelta(t, c.farP, res.Prices[0].Dual, 1e-7)
			assert.InDelta(t, c.nearP, res.Prices[1].Dual, 1e-7)
			// The near unit is needed when the demand of mean 1 it
			// serves asks for at least one unit.
			c.nearP *= 1 - math.Exp(-1)
			assert.InDelta(t, c.nearP, res.Prices[1].Price, 1e-7)
			assert.InDelta(t, 1, res.Prices[1].Used, 1e-9)
			assert.InDelta(t, c.lostUnits, res.ExpectedLostUnits, 1e-9)
			assert.InDelta(t, c.lostCost, res.LostSaleCost, 1e-7)
			assert.InDelta(t, 2, res.ExpectedUnits, 1e-12)
			assert.InDelta(t, res.Objective, res.ShippingCost+res.LostSaleCost, 1e-7)

			p := NewPrices(res.Prices, len(net.Nodes), in.At)
			assert.InDelta(t, c.nearP, p.Price(0, "s"), 1e-7)
		})
	}
}

func TestSolveIsDeterministic(t *testing.T) {
	net := handNet(t)
	in := handInput(t, net,
		forecast.Cell{Region: "A", SKU: "s", Method: forecast.Parcel, UnitsPerDay: 3, UnitsPerOrder: 1.5, LostSaleCost: 20},
		forecast.Cell{Region: "A", SKU: "s", Method: forecast.Courier, UnitsPerDay: 1, UnitsPerOrder: 1, LostSaleCost: 30},
		forecast.Cell{Region: "B", SKU: "s", Method: forecast.Parcel, UnitsPerDay: 4, UnitsPerOrder: 1, LostSaleCost: 10},
	)
	var outs []string
	for range 2 {
		res, m, err := Solve(context.Background(), in, lp.Settings{})
		require.NoError(t, err)
		var b bytes.Buffer
		require.NoError(t, WritePricesCSV(&b, res.Prices))
		require.NoError(t, m.LP().WriteLP(&b))
		outs = append(outs, b.String())
	}
	assert.Equal(t, outs[0], outs[1])
	assert.Contains(t, outs[0], "node,sku,price\nfar,s,")
}

func TestSolveBudgetIsReported(t *testing.T) {
	net := handNet(t)
	in := handInput(t, net, forecast.Cell{Region: "A", SKU: "s", Method: forecast.Parcel, UnitsPerDay: 2, UnitsPerOrder: 1})
	res, _, err := Solve(context.Background(), in, lp.Settings{MaxIterations: 1})
	if err == nil {
		t.Skip("solved within one iteration")
	}
	require.ErrorIs(t, err, ErrNotSolved)
	assert.Contains(t, err.Error(), res.Status)
}

// TestNeededProbability: the last of S units is needed when a Poisson
// demand of mean used asks for at least S.
func TestNeededProbability(t *testing.T) {
	assert.InDelta(t, 1-3*math.Exp(-2), NeededProbability(2, 2), 1e-12, "P(D >= 2), mean 2")
	assert.InDelta(t, 1-math.Exp(-1), NeededProbability(1, 1), 1e-12)
	assert.InDelta(t, 1, NeededProbability(0.5, 0.5), 0, "under one unit: always needed")
	assert.Zero(t, NeededProbability(0, 3), "nothing served from it")
	assert.Greater(t, NeededProbability(10, 5), NeededProbability(5, 5), "more demand, more likely")
}

// TestSolveCapacityPrices: "near" holds ten units but picks one a day;
// two units of parcel demand in A a day. near ships one, "far" the other,
// and a pick at near is worth what far's parcel costs more: near's units
// are priced at that (weighed by the chance that its one pick is needed)
// though its stock is ample.
func TestSolveCapacityPrices(t *testing.T) {
	net := handNet(t)
	net.Nodes[0].CapacityPerDay = 1
	rg := forecast.NewRegions(net)
	aLat, aLon := rg.Center(0)
	parcel := func(lat, lon float64) float64 {
		return 0.1 + 0.4 + 0.001*geo.DistanceKm(lat, lon, aLat, aLon)/geo.KmPerMile + 6
	}
	cNear, cFar := parcel(43.25, 76.9), parcel(51.16, 71.43)
	in := handInput(t, net, forecast.Cell{Region: "A", SKU: "s", Method: forecast.Parcel, UnitsPerDay: 2, UnitsPerOrder: 1, LostSaleCost: 100})
	in.Stock = fakeStock{"s": {0: 10, 2: 10}}
	res, _, err := Solve(context.Background(), in, lp.Settings{})
	require.NoError(t, err)
	assert.InDelta(t, cNear+cFar, res.Objective, 1e-7)
	assert.Equal(t, 4, res.Rows) // near, far; one cell; near's capacity
	require.Len(t, res.Capacities, 1)
	c := res.Capacities[0]
	assert.Equal(t, "near", c.NodeID)
	assert.InDelta(t, 1, c.Units, 0)
	assert.InDelta(t, 1, c.Used, 1e-9)
	assert.InDelta(t, cFar-cNear, c.Dual, 1e-7)
	assert.InDelta(t, (cFar-cNear)*(1-math.Exp(-1)), c.Price, 1e-7)
	require.Len(t, res.Prices, 2)
	assert.Equal(t, "near", res.Prices[1].NodeID)
	assert.InDelta(t, 0, res.Prices[1].Dual, 1e-7, "its stock is ample")
	assert.InDelta(t, c.Price, res.Prices[1].Price, 1e-7)
	assert.InDelta(t, 0, res.Prices[0].Price, 1e-7, "far")

	net.Nodes[0].CapacityPerDay = 2
	res, _, err = Solve(context.Background(), in, lp.Settings{})
	require.NoError(t, err)
	assert.InDelta(t, 2*cNear, res.Objective, 1e-7)
	assert.InDelta(t, 0, res.Capacities[0].Price, 1e-9)
	assert.InDelta(t, 0, res.Prices[1].Price, 1e-9)
}
