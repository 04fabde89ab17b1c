package forecast

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// twoCities is a network of two cities 1,000 km apart: A (two stores) and
// B (one warehouse, no city: a region named by its id).
func twoCities(t *testing.T) *network.Network {
	t.Helper()
	net := &network.Network{
		Name:     "two",
		Currency: "USD",
		Carriers: []network.Carrier{{Name: "parcel", PerPackage: 5, PerItem: 0.4, Transit: []network.TransitBand{{MaxKm: 5000, Days: 2}}}},
		Nodes: []network.Node{
			{ID: "a1", City: "A", Kind: network.Store, Lat: 43.20, Lon: 76.90, Methods: []solver.Method{solver.ShipFromStore, solver.Pickup}, Enabled: true},
			{ID: "a2", City: "A", Kind: network.Store, Lat: 43.30, Lon: 76.90, Methods: []solver.Method{solver.ShipFromStore, solver.Pickup}, Enabled: true},
			{ID: "wb", Kind: network.Warehouse, Lat: 51.16, Lon: 71.43, Methods: []solver.Method{solver.WarehouseShip}, Enabled: true},
		},
	}
	require.NoError(t, net.Init())
	return net
}

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func order(at time.Duration, lat, lon float64, lines ...solver.Line) *network.Order {
	return &network.Order{ID: "o", CreatedAt: t0.Add(at), Lat: lat, Lon: lon, Lines: lines, AllowSplit: true}
}

func TestRegions(t *testing.T) {
	net := twoCities(t)
	r := NewRegions(net)
	assert.Equal(t, []string{"A", "wb"}, r.Names())
	lat, lon := r.Center(0)
	assert.InDelta(t, 43.25, lat, 1e-9)
	assert.InDelta(t, 76.90, lon, 1e-9)
	assert.Equal(t, 0, r.Of(43.1, 77.0), "a customer near A")
	assert.Equal(t, 1, r.Of(50, 70), "a customer near the warehouse")
	assert.Equal(t, 1, r.NodeRegion(2))
	// A pickup order belongs to its store's region wherever the customer is.
	o := order(0, 50, 70, solver.Line{SKU: "s", Quantity: 1})
	o.Want, o.PickupNodeID = network.WantPickup, "a2"
	assert.Equal(t, 0, r.OfOrder(net, o))
}

func TestMethodOf(t *testing.T) {
	cases := []struct {
		name string
		edit func(o *network.Order)
		want Method
	}{
		{"any", func(*network.Order) {}, Parcel},
		{"delivery in three days", func(o *network.Order) { o.Want, o.PromiseBy = network.WantDelivery, o.CreatedAt.Add(72*time.Hour) }, Parcel},
		{"express", func(o *network.Order) { o.Want, o.PromiseBy = network.WantDelivery, o.CreatedAt.Add(3*time.Hour) }, Courier},
		{"chose a partner", func(o *network.Order) { o.Partner = "glovo" }, Courier},
		{"pickup", func(o *network.Order) { o.Want = network.WantPickup }, Pickup},
		{"pickup at a store", func(o *network.Order) { o.PickupNodeID = "a1" }, Pickup},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := order(0, 43, 76, solver.Line{SKU: "s", Quantity: 1})
			c.edit(o)
			assert.Equal(t, c.want, MethodOf(o))
		})
	}
}

func TestEstimate(t *testing.T) {
	net := twoCities(t)
	e := NewEstimator(net, NewRegions(net))
	// Four days in A: 2, 0, 4, 2 units of s by parcel (one order a day,
	// each with one unit of x too, so 3, 5 and 3 units an order).
	for day, q := range []int32{2, 0, 4, 2} {
		if q == 0 {
			continue
		}
		e.Observe(order(time.Duration(day)*Day, 43.2, 76.9,
			solver.Line{SKU: "s", Quantity: q, UnitWeightKg: 0.5, LostSaleCost: 10},
			solver.Line{SKU: "x", Quantity: 1}))
	}
	pk := order(2*Day, 43.2, 76.9, solver.Line{SKU: "s", Quantity: 3})
	pk.Want = network.WantPickup
	e.Observe(pk)
	e.Observe(order(3*Day, 51, 71, solver.Line{SKU: "s", Quantity: 1}))
	require.EqualValues(t, 5, e.Orders())

	d := e.Estimate(t0.Add(4 * Day))
	assert.InDelta(t, 4, d.Days, 1e-12)
	var keys []string
	for _, c := range d.Cells {
		keys = append(keys, c.Region+"/"+c.SKU+"/"+c.Method.String())
	}
	assert.Equal(t, []string{"A/s/parcel", "A/s/pickup", "A/x/parcel", "wb/s/parcel"}, keys)

	s := d.Cells[d.Find("A", "s", Parcel)]
	assert.InDelta(t, 2, s.UnitsPerDay, 1e-12)
	// Daily 2, 0, 4, 2: sample variance ((0)+(4)+(4)+(0))/3.
	assert.InDelta(t, 8.0/3, s.VariancePerDay, 1e-12)
	assert.InDelta(t, (3+5+3)/3.0, s.UnitsPerOrder, 1e-12)
	assert.InDelta(t, 0.5, s.UnitWeightKg, 1e-12)
	assert.InDelta(t, 10, s.LostSaleCost, 1e-12)
	assert.InDelta(t, 2.0/24*12, s.Expected(12*time.Hour), 1e-12)
	assert.InDelta(t, 0.75, d.Cells[d.Find("A", "s", Pickup)].UnitsPerDay, 1e-12)
	assert.Equal(t, -1, d.Find("A", "x", Courier))
	assert.InDelta(t, (8+3+3+1)/4.0, d.Expected(Day), 1e-12)

	// The median is the mean; a high quantile lies above it by z x sd.
	assert.InDelta(t, 2, s.Quantile(0.5, Day), 1e-9)
	assert.InDelta(t, 2+1.6448536269514722*1.632993161855452, s.Quantile(0.95, Day), 1e-6)
	assert.Equal(t, 0.0, (&Cell{UnitsPerDay: 0.1, VariancePerDay: 9}).Quantile(0.05, Day), "never below zero")
}

func TestEstimateIsDeterministicAndOrderFree(t *testing.T) {
	net := twoCities(t)
	orders := []*network.Order{
		order(5*time.Hour, 43.2, 76.9, solver.Line{SKU: "b", Quantity: 2}, solver.Line{SKU: "a", Quantity: 1}),
		order(30*time.Hour, 51, 71, solver.Line{SKU: "a", Quantity: 4}),
		order(50*time.Hour, 43.3, 76.8, solver.Line{SKU: "c", Quantity: 1}),
	}
	var outs [][]byte
	for _, perm := range [][]int{{0, 1, 2}, {2, 0, 1}} {
		e := NewEstimator(net, NewRegions(net))
		for _, i := range perm {
			e.Observe(orders[i])
		}
		var b bytes.Buffer
		require.NoError(t, WriteCSV(&b, e.Estimate(time.Time{})))
		outs = append(outs, b.Bytes())
	}
	assert.Equal(t, string(outs[0]), string(outs[1]), "the same orders in another order give the same estimate")
}

func TestEstimateEmptyAndShortWindow(t *testing.T) {
	net := twoCities(t)
	e := NewEstimator(net, NewRegions(net))
	assert.Empty(t, e.Estimate(t0).Cells)
	e.Observe(order(0, 43.2, 76.9, solver.Line{SKU: "s", Quantity: 6}))
	d := e.Estimate(t0.Add(time.Hour))
	require.Len(t, d.Cells, 1)
	assert.Equal(t, 1.0, d.Days, "a window shorter than a day counts as one day")
	assert.InDelta(t, 6, d.Cells[0].UnitsPerDay, 1e-12)
	assert.InDelta(t, 6, d.Cells[0].VariancePerDay, 1e-12, "one day: Poisson variance")
}

// TestEstimateWindowInOrders checks the window's floor: a day or the time
// MinWindowOrders orders take, whichever is shorter, so that the rate of
// orders on a fast clock comes out as on a true one.
func TestEstimateWindowInOrders(t *testing.T) {
	net := twoCities(t)
	// observe returns an Estimator fed n orders of one unit of s, one
	// every gap.
	observe := func(n int, gap time.Duration) *Estimator {
		e := NewEstimator(net, NewRegions(net))
		for i := range n {
			e.Observe(order(time.Duration(i)*gap, 43.2, 76.9, solver.Line{SKU: "s", Quantity: 1}))
		}
		return e
	}
	for _, tc := range []struct {
		name string
		n    int
		gap  time.Duration
		at   time.Duration // after the first order
		days float64
	}{
		{"a busy hour: the window as it is", 2 * MinWindowOrders, 6 * time.Second, time.Hour, 1.0 / 24},
		{"seconds apart: the window as it is", 2 * MinWindowOrders, time.Second, 20 * time.Minute, 20.0 / 60 / 24},
		{"fewer orders than the floor: the time they would take", MinWindowOrders / 10, 10 * time.Second, 30 * time.Minute, 5.0 / 24},
		{"slow orders: a day", 3, time.Hour, 2 * time.Hour, 1},
		{"longer than a day: the window as it is", 3, 24 * time.Hour, 48 * time.Hour, 2},
		{"every order at one time: a day", 10, 0, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := observe(tc.n, tc.gap)
			d := e.Estimate(t0.Add(tc.at))
			require.Len(t, d.Cells, 1)
			assert.InDelta(t, tc.days, d.Days, 1e-9)
			assert.InDelta(t, float64(tc.n)/tc.days, d.Cells[0].UnitsPerDay, 1e-6)
			assert.InDelta(t, float64(tc.n), d.Cells[0].Counted, 0, "the units counted, whatever the window")
		})
	}
	// The same orders on a clock 60 times faster ask for 60 times as much a day.
	slow, fast := observe(2*MinWindowOrders, time.Minute).Estimate(time.Time{}), observe(2*MinWindowOrders, time.Second).Estimate(time.Time{})
	assert.InDelta(t, 60*slow.Cells[0].UnitsPerDay, fast.Cells[0].UnitsPerDay, 1e-6)
}

func TestCSVRoundTrip(t *testing.T) {
	net := twoCities(t)
	in := "sku,region,method,units_per_day,lost_sale_cost,units_counted\n" +
		"s,wb,parcel,1.5,,\n" +
		"s,A,courier,3,7.5,42\n"
	d, err := ReadCSV(strings.NewReader(in), "f.csv", NewRegions(net))
	require.NoError(t, err)
	require.Len(t, d.Cells, 2)
	assert.Equal(t, Cell{Region: "A", SKU: "s", Method: Courier, UnitsPerDay: 3, VariancePerDay: 3, UnitsPerOrder: 1, LostSaleCost: 7.5, Counted: 42}, d.Cells[0])
	assert.Zero(t, d.Cells[1].Counted, "not given: unknown")
	var b bytes.Buffer
	require.NoError(t, WriteCSV(&b, d))
	again, err := ReadCSV(&b, "again.csv", NewRegions(net))
	require.NoError(t, err)
	assert.Equal(t, d.Cells, again.Cells)
}

func TestReadCSVErrors(t *testing.T) {
	net := twoCities(t)
	const head = "region,sku,method,units_per_day\n"
	cases := []struct{ name, in, want string }{
		{"empty", "", "f.csv:1: empty file"},
		{"missing column", "region,sku,method\n", "f.csv:1: units_per_day: missing column"},
		{"unknown region", head + "A,s,parcel,1\nZ,s,parcel,1\n", `f.csv:3: region: unknown region "Z" (want one of A, wb)`},
		{"bad method", head + "A,s,drone,1\n", `f.csv:2: method: "drone" is not one of parcel, courier, pickup`},
		{"negative", head + "A,s,parcel,-1\n", "f.csv:2: units_per_day: -1 is below 0"},
		{"not a number", head + "A,s,parcel,NaN\n", `f.csv:2: units_per_day: "NaN" is not a finite number`},
		{"empty rate", head + "A,s,parcel,\n", "f.csv:2: units_per_day: is empty"},
		{"empty sku", head + "A,,parcel,1\n", "f.csv:2: sku: is empty"},
		{"repeated", head + "A,s,parcel,1\nwb,s,parcel,1\nA,s,parcel,2\n", "f.csv:4: A,s,parcel repeats line 2"},
		{"units per order below one", "region,sku,method,units_per_day,units_per_order\nA,s,parcel,1,0.5\n", "f.csv:2: units_per_order: 0.5 is below 1"},
		{"bad quoting", head + "A,\"s,parcel,1\n", "f.csv:2:"},
		{"negative count", "region,sku,method,units_per_day,units_counted\nA,s,parcel,1,-2\n", "f.csv:2: units_counted: -2 is below 0"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ReadCSV(strings.NewReader(c.in), "f.csv", NewRegions(net))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestBlend: cells of both sides mix by days; a cell of one side
// counts zero on the other; order stays by region, SKU, method; the units
// counted add up, unless the base's are unknown.
func TestBlend(t *testing.T) {
	base := &Demand{Days: 3, Cells: []Cell{
		{Region: "A", SKU: "s", Method: Parcel, UnitsPerDay: 4, VariancePerDay: 4, LostSaleCost: 9, Counted: 12},
		{Region: "B", SKU: "s", Method: Pickup, UnitsPerDay: 8},
	}}
	recent := &Demand{Days: 1, Cells: []Cell{
		{Region: "A", SKU: "s", Method: Parcel, UnitsPerDay: 8, VariancePerDay: 0, LostSaleCost: 1, Counted: 8},
		{Region: "A", SKU: "t", Method: Courier, UnitsPerDay: 4, Counted: 4},
		{Region: "B", SKU: "s", Method: Pickup, UnitsPerDay: 4, Counted: 4},
	}}
	got := Blend(base, recent)
	require.Len(t, got.Cells, 3)
	assert.Equal(t, Cell{Region: "A", SKU: "s", Method: Parcel, UnitsPerDay: 5, VariancePerDay: 3, LostSaleCost: 9, Counted: 20}, got.Cells[0])
	assert.Equal(t, Cell{Region: "A", SKU: "t", Method: Courier, UnitsPerDay: 1, Counted: 4}, got.Cells[1])
	assert.Equal(t, Cell{Region: "B", SKU: "s", Method: Pickup, UnitsPerDay: 7}, got.Cells[2], "a forecast file's counts stay unknown")
	assert.InDelta(t, 4, got.Days, 0)
	assert.Same(t, base, Blend(base, nil))
	assert.Zero(t, got.Orders, "neither counted orders")

	// A forecast file counts no order: its day's 12 units are orders of
	// the 2 units an order of recent holds (recent: 24 units in 12
	// orders over 1.5 days).
	file := &Demand{Cells: base.Cells}
	counted := &Demand{Days: 1.5, Orders: 12, Cells: []Cell{{Region: "A", SKU: "s", Method: Parcel, UnitsPerDay: 16}}}
	assert.EqualValues(t, 12+6, Blend(file, counted).Orders)
	assert.EqualValues(t, 12, Blend(base, counted).Orders, "an estimate counts its own orders (none here)")
}
