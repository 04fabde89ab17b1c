package planning

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// fakeStock is a StockView over a map.
type fakeStock map[string]map[int]int32

func (f fakeStock) ATP(node int, sku string) int32 { return f[sku][node] }

func (f fakeStock) EachATP(sku string, fn func(node int, atp int32)) {
	for node := 0; node < 64; node++ {
		if q := f[sku][node]; q > 0 {
			fn(node, q)
		}
	}
}

var at = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// handNet is a network known by hand: in city A a store "near" at the
// centre (parcel, pickup, courier), a store "edge" 3 km north (parcel only)
// and in city B, about 1,000 km away, a warehouse "far". Parcels cost 5 a
// package + 0.4 an item + 0.001 an item-mile; the courier 2 + 0.5/km
// within 5 km; pick costs 1 per order and 0.1 per unit.
func handNet(t testing.TB) *network.Network {
	t.Helper()
	methods := []solver.Method{solver.ShipFromStore, solver.Pickup, solver.Courier}
	net := &network.Network{
		Name:     "hand",
		Currency: "USD",
		Carriers: []network.Carrier{{Name: "parcel", PerPackage: 5, PerItem: 0.4, PerItemPerMile: 0.001, Transit: []network.TransitBand{{MaxKm: 5000, Days: 2}}}},
		Couriers: []network.CourierPartner{{Name: "bike", Base: 2, PerKm: 0.5, MaxRadiusKm: 5, SpeedKmh: 20, Kinds: []network.Kind{network.Store}}},
		Nodes: []network.Node{
			{ID: "near", City: "A", Kind: network.Store, Lat: 43.25, Lon: 76.9, Methods: methods, PickCostPerOrder: 1, PickCostPerUnit: 0.1, Enabled: true},
			{ID: "edge", City: "A", Kind: network.Store, Lat: 43.25 + 3/111.195, Lon: 76.9, Methods: []solver.Method{solver.ShipFromStore}, PickCostPerOrder: 1, PickCostPerUnit: 0.1, Enabled: true},
			{ID: "far", City: "B", Kind: network.Warehouse, Lat: 51.16, Lon: 71.43, Methods: []solver.Method{solver.WarehouseShip}, PickCostPerOrder: 1, PickCostPerUnit: 0.1, Enabled: true},
		},
	}
	require.NoError(t, net.Init())
	return net
}

func handInput(t testing.TB, net *network.Network, cells ...forecast.Cell) *Input {
	t.Helper()
	return &Input{
		Network: net, Regions: forecast.NewRegions(net),
		Stock:  fakeStock{"s": {0: 1, 2: 10}},
		Demand: &forecast.Demand{Cells: cells},
		At:     at, Horizon: 24 * time.Hour,
	}
}

func TestBuildArcsAndCosts(t *testing.T) {
	net := handNet(t)
	in := handInput(t, net,
		forecast.Cell{Region: "A", SKU: "s", Method: forecast.Parcel, UnitsPerDay: 2, UnitsPerOrder: 2},
		forecast.Cell{Region: "A", SKU: "s", Method: forecast.Courier, UnitsPerDay: 1, UnitsPerOrder: 1},
		forecast.Cell{Region: "A", SKU: "s", Method: forecast.Pickup, UnitsPerDay: 1, UnitsPerOrder: 1},
		forecast.Cell{Region: "B", SKU: "s", Method: forecast.Pickup, UnitsPerDay: 1, UnitsPerOrder: 1},
	)
	in.Stock = fakeStock{"s": {0: 1, 1: 2, 2: 10}}
	m, err := Build(in)
	require.NoError(t, err)

	require.Len(t, m.Supplies, 3)
	assert.Equal(t, []string{"near", "edge", "far"}, []string{m.Supplies[0].NodeID, m.Supplies[1].NodeID, m.Supplies[2].NodeID})

	rg := forecast.NewRegions(net)
	aLat, aLon := rg.Center(0)
	kmNear := geo.DistanceKm(43.25, 76.9, aLat, aLon)
	kmFar := geo.DistanceKm(51.16, 71.43, aLat, aLon)
	parcel := func(km, ups float64) float64 { return 0.1 + 0.4 + 0.001*km/geo.KmPerMile + (1+5)/ups }
	type arc struct {
		node, cell string
		method     solver.Method
		cost       float64
	}
	var got []arc
	for _, a := range m.Arcs {
		c := m.Cells[a.Cell]
		got = append(got, arc{m.Supplies[a.Supply].NodeID, c.Region + "/" + c.Method.String(), a.Method, a.UnitCost})
	}
	want := []arc{
		{"near", "A/parcel", solver.ShipFromStore, parcel(kmNear, 2)},
		{"edge", "A/parcel", solver.ShipFromStore, parcel(geo.DistanceKm(43.25+3/111.195, 76.9, aLat, aLon), 2)},
		{"far", "A/parcel", solver.WarehouseShip, parcel(kmFar, 2)},
		// The courier rides from "near" only (the only courier node).
		{"near", "A/courier", solver.Courier, 0.1 + 1 + 2 + 0.5*kmNear},
		// Pickup only in the cell's own region; B has no pickup store.
		{"near", "A/pickup", solver.Pickup, 0.1 + 1},
	}
	require.Len(t, got, len(want))
	for i := range want {
		assert.Equal(t, want[i].node, got[i].node, i)
		assert.Equal(t, want[i].cell, got[i].cell, i)
		assert.Equal(t, want[i].method, got[i].method, i)
		assert.InDelta(t, want[i].cost, got[i].cost, 1e-9, i)
	}
	// Unpriced cells take the fill penalty, above every arc.
	assert.InDelta(t, 2*parcel(kmFar, 2)+1, m.FillPenalty, 1e-9)

	// A pickup's kilometres to the customer, priced by the policy, count
	// per order as its pick does.
	net.Policy.PickupCostPerKm = 0.5
	m, err = Build(in)
	require.NoError(t, err)
	for _, a := range m.Arcs {
		if a.Method == solver.Pickup {
			assert.InDelta(t, 0.1+1+0.5*kmNear, a.UnitCost, 1e-9)
		}
	}
	for _, c := range m.Cells {
		assert.False(t, c.Priced)
		assert.Equal(t, m.FillPenalty, c.LostPrice)
	}
	assert.InDelta(t, 2, m.Cells[0].Expected, 1e-12)
}

func TestBuildEligibility(t *testing.T) {
	cell := forecast.Cell{Region: "A", SKU: "s", Method: forecast.Parcel, UnitsPerDay: 1, UnitsPerOrder: 1}
	cases := []struct {
		name  string
		edit  func(net *network.Network)
		cell  forecast.Cell
		nodes []string
	}{
		{"every parcel node", func(*network.Network) {}, cell, []string{"near", "far"}},
		{"disabled node", func(n *network.Network) { n.Nodes[0].Enabled = false }, cell, []string{"far"}},
		{"candidate radius keeps warehouses", func(n *network.Network) { n.Policy.CandidateRadiusKm = 2 }, cell, []string{"near", "far"}},
		{"carrier max km", func(n *network.Network) { n.Carriers[0].MaxKm = 100 }, cell, []string{"near"}},
		{"unit too heavy", func(n *network.Network) { n.Carriers[0].MaxWeightKg = 1 },
			forecast.Cell{Region: "A", SKU: "s", Method: forecast.Parcel, UnitsPerDay: 1, UnitsPerOrder: 1, UnitWeightKg: 2}, nil},
		{"courier radius", func(n *network.Network) { n.Couriers[0].MaxRadiusKm = 0.0001; n.Nodes[0].Lat += 0.01 },
			forecast.Cell{Region: "A", SKU: "s", Method: forecast.Courier, UnitsPerDay: 1, UnitsPerOrder: 1}, nil},
		{"courier hours at noon", func(n *network.Network) { n.Couriers[0].Hours = network.Hours{Open: "18:00", Close: "23:00"} },
			forecast.Cell{Region: "A", SKU: "s", Method: forecast.Courier, UnitsPerDay: 1, UnitsPerOrder: 1}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			net := handNet(t)
			c.edit(net)
			require.NoError(t, net.Init())
			m, err := Build(handInput(t, net, c.cell))
			require.NoError(t, err)
			var nodes []string
			for _, a := range m.Arcs {
				nodes = append(nodes, m.Supplies[a.Supply].NodeID)
			}
			assert.Equal(t, c.nodes, nodes)
		})
	}
}

func TestBuildSupplyArrivalsCapacityAndLostPrice(t *testing.T) {
	net := handNet(t)
	net.Nodes[2].CapacityPerDay = 10
	net.Policy.LostSaleCostPerUnit = 4
	net.Policy.LostSaleCostPerOrder = 3
	require.NoError(t, net.Init())
	in := handInput(t, net,
		forecast.Cell{Region: "A", SKU: "s", Method: forecast.Parcel, UnitsPerDay: 2, UnitsPerOrder: 1.5},
		forecast.Cell{Region: "A", SKU: "t", Method: forecast.Parcel, UnitsPerDay: 2, UnitsPerOrder: 2, LostSaleCost: 9},
		forecast.Cell{Region: "B", SKU: "t", Method: forecast.Parcel, UnitsPerDay: 0, UnitsPerOrder: 1},
	)
	in.Horizon = 36 * time.Hour
	in.Arrivals = []Arrival{
		{At: at, Node: 1, SKU: "s", Qty: 50},                    // already in stock at At
		{At: at.Add(time.Hour), Node: 1, SKU: "t", Qty: 5},      // within
		{At: at.Add(36 * time.Hour), Node: 2, SKU: "s", Qty: 7}, // at the end: within
		{At: at.Add(37 * time.Hour), Node: 0, SKU: "s", Qty: 9}, // after
		{At: at.Add(time.Hour), Node: 1, SKU: "u", Qty: 9},      // not forecast
	}
	m, err := Build(in)
	require.NoError(t, err)
	type sup struct {
		id, sku      string
		stock, extra float64
	}
	var got []sup
	for _, s := range m.Supplies {
		got = append(got, sup{s.NodeID, s.SKU, s.Stock, s.Arrivals})
	}
	assert.Equal(t, []sup{{"near", "s", 1, 0}, {"far", "s", 10, 7}, {"edge", "t", 0, 5}}, got)
	require.Len(t, m.Cells, 2, "a cell expecting nothing is left out")
	assert.InDelta(t, 4+3/1.5, m.Cells[0].LostPrice, 1e-12)
	assert.InDelta(t, 9+3/2.0, m.Cells[1].LostPrice, 1e-12)
	assert.True(t, m.Cells[0].Priced)
	assert.Equal(t, []Capacity{{Node: 2, Units: 15}}, m.Capacities)
}

func TestBuildRejects(t *testing.T) {
	net := handNet(t)
	cases := []struct {
		name string
		edit func(in *Input)
		want string
	}{
		{"no horizon", func(in *Input) { in.Horizon = 0 }, "horizon: 0s must be positive"},
		{"unknown region", func(in *Input) { in.Demand.Cells[0].Region = "Z" }, `demand.cells[0].region: unknown region "Z"`},
		{"bad arrival node", func(in *Input) { in.Arrivals = []Arrival{{Node: 7, SKU: "s", Qty: 1}} }, "arrivals[0].node: 7 is not a node index"},
		{"no stock", func(in *Input) { in.Stock = nil }, "stock: nil"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := handInput(t, net, forecast.Cell{Region: "A", SKU: "s", Method: forecast.Parcel, UnitsPerDay: 1, UnitsPerOrder: 1})
			c.edit(in)
			_, err := Build(in)
			require.ErrorIs(t, err, ErrInvalidInput)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

func TestPrices(t *testing.T) {
	p := NewPrices([]Price{{Node: 0, SKU: "s", Price: 2.5}, {Node: 2, SKU: "s", Price: 0}, {Node: 1, SKU: "t", Price: 1}}, 3, at)
	assert.Equal(t, 2.5, p.Price(0, "s"))
	assert.Equal(t, 0.0, p.Price(2, "s"))
	assert.Equal(t, 0.0, p.Price(0, "x"))
	assert.Equal(t, 0.0, p.Price(9, "t"))
	assert.Equal(t, 2, p.Len())
	var none *Prices
	assert.Equal(t, 0.0, none.Price(0, "s"))
}

func TestBuildCandidateRadius(t *testing.T) {
	net := handNet(t)
	net.Policy.CandidateRadiusKm = 1 // "near" lies 1.5 km from A's centre
	require.NoError(t, net.Init())
	m, err := Build(handInput(t, net, forecast.Cell{Region: "A", SKU: "s", Method: forecast.Parcel, UnitsPerDay: 1, UnitsPerOrder: 1}))
	require.NoError(t, err)
	require.Len(t, m.Arcs, 1)
	assert.Equal(t, "far", m.Supplies[m.Arcs[0].Supply].NodeID, "warehouse shipping has no candidate radius")
}
