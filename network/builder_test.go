package network

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/solver"
)

// fakeStock is a StockView over a fixed map, for tests.
type fakeStock map[string]map[int]int32

func (f fakeStock) ATP(node int, sku string) int32 { return f[sku][node] }

func (f fakeStock) EachATP(sku string, fn func(int, int32)) {
	nodes := make([]int, 0, len(f[sku]))
	for n := range f[sku] {
		nodes = append(nodes, n)
	}
	slices.Sort(nodes)
	for _, n := range nodes {
		if a := f[sku][n]; a > 0 {
			fn(n, a)
		}
	}
}

// fakeCapacity gives every node the same remaining capacity.
type fakeCapacity int32

func (c fakeCapacity) Remaining(int) int32 { return int32(c) }

// builderNet: two Almaty stores, a dark store, a warehouse and an Astana
// store, one courier over Almaty.
const builderNet = `name: builder-test
policy:
  split_penalty: 1.5
  default_max_shipments: 3
  pickup_radius_km: 10
  pickup_ready_minutes: 60
  candidate_radius_km: 50
  tz_offset_minutes: 300
carriers:
  - name: parcel
    per_package: 8.759
    per_item: 0.423
    per_item_per_mile: 0.000541
    per_kg: 0.1
    transit: [{max_km: 50, days: 1}, {max_km: 1500, days: 3}]
couriers:
  - name: glovo
    base: 2.5
    per_km: 0.5
    max_radius_km: 6
    max_weight_kg: 15
    speed_kmh: 25
    prep_minutes: 15
    hours: {open: "08:00", close: "23:00"}
    kinds: [store, dark_store]
    areas: '{"type":"Polygon","coordinates":[[[76.75,43.22],[77.05,43.22],[77.05,43.38],[76.75,43.38],[76.75,43.22]]]}'
nodes:
  - {id: s-centre, kind: store, lat: 43.2389, lon: 76.9097, methods: [ship_from_store, pickup, courier],
     pick_cost_per_order: 1.5, pick_cost_per_unit: 0.2, hours: {open: "09:00", close: "22:00"}, capacity_per_day: 100}
  - {id: s-north, kind: store, lat: 43.3300, lon: 76.9600, methods: [ship_from_store, pickup, courier],
     pick_cost_per_order: 1.5, pick_cost_per_unit: 0.2, hours: {open: "09:00", close: "22:00"}}
  - {id: dark, kind: dark_store, lat: 43.2290, lon: 76.9050, methods: [courier], pick_cost_per_order: 0.9, pick_cost_per_unit: 0.1}
  - {id: wh, kind: warehouse, lat: 43.3550, lon: 76.8700, methods: [warehouse_ship], pick_cost_per_order: 0.6, pick_cost_per_unit: 0.05}
  - {id: ast, kind: store, lat: 51.1605, lon: 71.4704, methods: [ship_from_store, pickup], pick_cost_per_order: 1.5,
     pick_cost_per_unit: 0.2, hours: {open: "09:00", close: "22:00"}}
  - {id: off, kind: store, lat: 43.2400, lon: 76.8900, methods: [ship_from_store, pickup, courier], enabled: false}
`

func testNet(t testing.TB) *Network {
	t.Helper()
	n, err := Parse(strings.NewReader(builderNet), "builder.yaml")
	require.NoError(t, err)
	return n
}

// at is a UTC time for a local (UTC+5) clock time on a fixed day.
func at(hh, mm int) time.Time {
	return time.Date(2026, 11, 25, hh-5, mm, 0, 0, time.UTC)
}

func baseOrder() *Order {
	return &Order{
		ID: "o1", CreatedAt: at(14, 30), Lat: 43.2389, Lon: 76.8897,
		Lines: []solver.Line{{SKU: "MILK", Quantity: 2, UnitWeightKg: 1}, {SKU: "PHONE", Quantity: 1, UnitWeightKg: 0.5}},
		Want:  WantAny, AllowSplit: true,
	}
}

var testStock = fakeStock{
	"MILK":  {0: 10, 1: 5, 2: 40, 3: 500, 4: 9, 5: 3},
	"PHONE": {0: 1, 3: 50, 4: 2},
}

type optKey struct {
	node   string
	method solver.Method
}

func options(p *solver.Problem) map[optKey]solver.Option {
	m := map[optKey]solver.Option{}
	for _, o := range p.Options {
		m[optKey{o.NodeID, o.Method}] = o
	}
	return m
}

func TestBuildOptionsAndCosts(t *testing.T) {
	n := testNet(t)
	b := NewBuilder(n, nil)
	var p solver.Problem
	o := baseOrder()
	require.NoError(t, b.Build(o, testStock, fakeCapacity(-1), &p))
	var got []string
	for _, op := range p.Options {
		got = append(got, op.NodeID+"/"+op.Method.String()+"/"+op.Excluded.String())
	}
	want := []string{
		"s-centre/SHIP_FROM_STORE/NONE", "s-centre/PICKUP/NONE", "s-centre/COURIER/NONE",
		"s-north/SHIP_FROM_STORE/NONE", "s-north/PICKUP/OUTSIDE_RADIUS", "s-north/COURIER/OUTSIDE_RADIUS",
		"dark/COURIER/NONE",
		"wh/WAREHOUSE_SHIP/NONE",
		"ast/SHIP_FROM_STORE/OUTSIDE_RADIUS", "ast/PICKUP/OUTSIDE_RADIUS",
		"off/SHIP_FROM_STORE/DISABLED", "off/PICKUP/DISABLED", "off/COURIER/DISABLED",
	}
	assert.True(t, slices.Equal(got, want), "options\n got %q\nwant %q", got, want)
	require.Len(t, p.Available, len(p.Options)*2, "flat arrays: %d available, %d unit costs for %d options", len(p.Available), len(p.UnitCost), len(p.Options))
	require.Len(t, p.UnitCost, len(p.Options)*2, "flat arrays: %d available, %d unit costs for %d options", len(p.Available), len(p.UnitCost), len(p.Options))
	if p.MaxShipments != 3 || !p.SplitLines || p.SplitPenalty != 1.5 || p.PromiseMinutes != 0 {
		t.Errorf("rules: max %d split %v penalty %v promise %d", p.MaxShipments, p.SplitLines, p.SplitPenalty, p.PromiseMinutes)
	}

	const eps = 1e-9
	km := geo.DistanceKm(43.2389, 76.9097, o.Lat, o.Lon)
	miles := km / geo.KmPerMile
	ops := options(&p)
	sfs := ops[optKey{"s-centre", solver.ShipFromStore}]
	if math.Abs(sfs.FixedCost-(1.5+8.759)) > eps || sfs.ETAMinutes != 1440 || math.Abs(sfs.DistanceKm-km) > eps {
		t.Errorf("ship from store: fixed %v eta %d km %v", sfs.FixedCost, sfs.ETAMinutes, sfs.DistanceKm)
	}
	i := slices.IndexFunc(p.Options, func(op solver.Option) bool { return op.NodeID == "s-centre" && op.Method == solver.ShipFromStore })
	wantUnit := 0.2 + 0.423 + 0.000541*miles + 1*0.1
	if got := p.UnitCost[p.At(i, 0)]; math.Abs(got-wantUnit) > eps {
		t.Errorf("ship from store unit cost of MILK = %v, want %v", got, wantUnit)
	}
	if p.Available[p.At(i, 0)] != 10 || p.Available[p.At(i, 1)] != 1 {
		t.Errorf("available = %v", p.Available[p.At(i, 0):p.At(i, 2)])
	}
	cr := ops[optKey{"s-centre", solver.Courier}]
	if cr.Partner != "glovo" || math.Abs(cr.FixedCost-(1.5+2.5+0.5*km)) > eps || cr.MaxWeightKg != 15 {
		t.Errorf("courier: %+v", cr)
	}
	assert.Equal(t, int32(15+math.Ceil(km/25*60)), cr.ETAMinutes, "courier eta = %d", cr.ETAMinutes)
	pk := ops[optKey{"s-centre", solver.Pickup}]
	if pk.FixedCost != 1.5 || pk.ETAMinutes != 60 {
		t.Errorf("pickup: %+v", pk)
	}
	j := slices.IndexFunc(p.Options, func(op solver.Option) bool { return op.Method == solver.Pickup })
	assert.Equal(t, 0.2, p.UnitCost[p.At(j, 1)], "pickup unit cost = %v", p.UnitCost[p.At(j, 1)])
	wh := ops[optKey{"wh", solver.WarehouseShip}]
	assert.LessOrEqual(t, math.Abs(wh.FixedCost-(0.6+8.759)), eps, "warehouse: %+v", wh)
	// Astana is beyond the candidate radius: excluded, and not priced.
	if ast := ops[optKey{"ast", solver.ShipFromStore}]; ast.Excluded != solver.ReasonOutsideRadius || ast.ETAMinutes != 0 || ast.FixedCost != 0 {
		t.Errorf("ast: %+v", ast)
	}
	assert.Equal(t, 3, TransitDays(&n.Carriers[0], 1000), "transit over 1000 km")
}

func TestBuildEligibility(t *testing.T) {
	type check struct {
		node   string
		method solver.Method
		want   solver.Reason // or absent
		absent bool
	}
	tests := []struct {
		name   string
		change func(o *Order)
		checks []check
	}{
		{"delivery-only", func(o *Order) { o.Want = WantDelivery }, []check{
			{node: "s-centre", method: solver.Pickup, absent: true},
			{node: "s-centre", method: solver.Courier, want: solver.ReasonNone},
		}},
		{"pickup-only", func(o *Order) { o.Want = WantPickup }, []check{
			{node: "s-centre", method: solver.Courier, absent: true},
			{node: "wh", method: solver.WarehouseShip, absent: true},
			{node: "s-centre", method: solver.Pickup, want: solver.ReasonNone},
		}},
		{"pickup-elsewhere", func(o *Order) { o.Want = WantPickup; o.PickupNodeID = "s-north" }, []check{
			{node: "s-centre", method: solver.Pickup, want: solver.ReasonMethodNotAllowed},
			{node: "s-north", method: solver.Pickup, want: solver.ReasonNone}, // no radius for the chosen store
		}},
		{"pickup-node-without-stock-is-a-candidate", func(o *Order) {
			o.Want = WantPickup
			o.PickupNodeID = "s-north"
			o.Lines = o.Lines[1:] // PHONE only: s-north has none
		}, []check{{node: "s-north", method: solver.Pickup, want: solver.ReasonNone}}},
		{"pickup-redirect", func(o *Order) { o.Want = WantPickup; o.PickupNodeID = "s-north"; o.PickupRedirectCost = 2 }, []check{
			{node: "s-north", method: solver.Pickup, want: solver.ReasonNone},
			{node: "s-centre", method: solver.Pickup, want: solver.ReasonNone},     // 1.7 km from the customer
			{node: "ast", method: solver.Pickup, want: solver.ReasonOutsideRadius}, // another city
			{node: "off", method: solver.Pickup, want: solver.ReasonDisabled},
		}},
		{"pickup-redirect-held-by-the-offer", func(o *Order) {
			o.Want, o.PickupNodeID, o.PickupRedirectCost, o.Method = WantPickup, "s-north", 2, solver.Pickup
		}, []check{
			{node: "s-north", method: solver.Pickup, want: solver.ReasonNone},
			{node: "s-centre", method: solver.Pickup, want: solver.ReasonMethodNotAllowed},
		}},
		{"pickup-radius-from-order", func(o *Order) { o.PickupRadiusKm = 1 }, []check{
			{node: "s-centre", method: solver.Pickup, want: solver.ReasonOutsideRadius},
		}},
		{"outside-zone", func(o *Order) { o.Lat, o.Lon = 43.20, 76.905 }, []check{
			{node: "dark", method: solver.Courier, want: solver.ReasonOutsideZone},
		}},
		{"closed-at-night", func(o *Order) { o.CreatedAt = at(23, 30) }, []check{
			{node: "s-centre", method: solver.Courier, want: solver.ReasonClosed},
			{node: "dark", method: solver.Courier, want: solver.ReasonClosed},  // glovo closed
			{node: "s-centre", method: solver.Pickup, want: solver.ReasonNone}, // ready after opening
			{node: "s-centre", method: solver.ShipFromStore, want: solver.ReasonNone},
		}},
		{"store-closed-courier-open", func(o *Order) { o.CreatedAt = at(8, 30) }, []check{
			{node: "s-centre", method: solver.Courier, want: solver.ReasonClosed},
			{node: "dark", method: solver.Courier, want: solver.ReasonNone},
		}},
		{"overweight-unsplit", func(o *Order) { o.AllowSplit = false; o.Lines[0].Quantity = 20 }, []check{
			{node: "dark", method: solver.Courier, want: solver.ReasonOverweight},
		}},
		{"overweight-split-left-to-solver", func(o *Order) { o.Lines[0].Quantity = 20 }, []check{
			{node: "dark", method: solver.Courier, want: solver.ReasonNone},
		}},
	}
	n := testNet(t)
	b := NewBuilder(n, nil)
	var p solver.Problem
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOrder()
			tt.change(o)
			require.NoError(t, b.Build(o, testStock, nil, &p))
			ops := options(&p)
			for _, c := range tt.checks {
				op, ok := ops[optKey{c.node, c.method}]
				switch {
				case c.absent && ok:
					t.Errorf("%s/%s present", c.node, c.method)
				case !c.absent && !ok:
					t.Errorf("%s/%s missing", c.node, c.method)
				case !c.absent && op.Excluded != c.want:
					t.Errorf("%s/%s excluded %s, want %s", c.node, c.method, op.Excluded, c.want)
				}
			}
		})
	}
}

func TestBuildETAWaitsForOpening(t *testing.T) {
	n := testNet(t)
	b := NewBuilder(n, nil)
	var p solver.Problem
	o := baseOrder()
	o.CreatedAt = at(23, 0) // the store opens in 10 hours
	require.NoError(t, b.Build(o, testStock, nil, &p))
	assert.EqualValues(t, 1440+600, options(&p)[optKey{"s-centre", solver.ShipFromStore}].ETAMinutes, "ETA")
	// Pickup is ready pickup_ready_minutes after the store opens.
	assert.EqualValues(t, 600+60, options(&p)[optKey{"s-centre", solver.Pickup}].ETAMinutes, "pickup ETA")
}

func TestBuildRules(t *testing.T) {
	n := testNet(t)
	b := NewBuilder(n, nil)
	var p solver.Problem
	o := baseOrder()
	o.AllowSplit = false
	o.PromiseBy = o.CreatedAt.Add(90*time.Minute + 30*time.Second)
	require.NoError(t, b.Build(o, testStock, fakeCapacity(7), &p))
	if p.MaxShipments != 1 || p.SplitLines || p.PromiseMinutes != 90 {
		t.Errorf("max %d split %v promise %d", p.MaxShipments, p.SplitLines, p.PromiseMinutes)
	}
	assert.EqualValues(t, 7, p.Options[0].CapacityUnits, "capacity %d", p.Options[0].CapacityUnits)
	o.AllowSplit, o.MaxShipments = true, 2
	require.NoError(t, b.Build(o, testStock, nil, &p))
	if p.MaxShipments != 2 || !p.SplitLines || p.Options[0].CapacityUnits != -1 {
		t.Errorf("max %d split %v capacity %d", p.MaxShipments, p.SplitLines, p.Options[0].CapacityUnits)
	}
}

func TestBuildOpportunityCost(t *testing.T) {
	n := testNet(t)
	b := NewBuilder(n, &CostModel{Opportunity: func(node int, sku string) float64 {
		if sku == "PHONE" {
			return 100
		}
		return 0
	}})
	plain := NewBuilder(n, nil)
	var p, q solver.Problem
	require.NoError(t, b.Build(baseOrder(), testStock, nil, &p))
	require.NoError(t, plain.Build(baseOrder(), testStock, nil, &q))
	for i := range p.UnitCost {
		if p.Options[i/2].Excluded != solver.ReasonNone {
			continue // excluded options are not priced
		}
		want := q.UnitCost[i]
		if i%2 == 1 {
			want += 100
		}
		require.LessOrEqual(t, math.Abs(p.UnitCost[i]-want), 1e-9, "unit cost %d = %v, want %v", i, p.UnitCost[i], want)
	}
}

func TestBuildInvalidOrder(t *testing.T) {
	tests := []struct {
		name   string
		change func(o *Order)
		want   string
	}{
		{"no-lines", func(o *Order) { o.Lines = nil }, "lines: empty"},
		{"quantity", func(o *Order) { o.Lines[0].Quantity = -1 }, "lines[0].quantity: -1 must be positive"},
		{"sku", func(o *Order) { o.Lines[1].SKU = "" }, "lines[1].sku: empty"},
		{"duplicate", func(o *Order) { o.Lines[1].SKU = "MILK" }, `lines[1].sku: "MILK" repeats lines[0]`},
		{"weight", func(o *Order) { o.Lines[0].UnitWeightKg = math.NaN() }, "lines[0].unit_weight_kg"},
		{"lat", func(o *Order) { o.Lat = 91 }, "lat: 91 is out of range"},
		{"lon-nan", func(o *Order) { o.Lon = math.NaN() }, "lon: NaN is out of range"},
		{"pickup-node", func(o *Order) { o.PickupNodeID = "x" }, `pickup_node_id: unknown node "x"`},
		{"pickup-node-without-pickup", func(o *Order) { o.PickupNodeID = "wh" }, `pickup_node_id: node "wh" does not offer pickup`},
		{"pickup-on-delivery", func(o *Order) { o.Want = WantDelivery; o.PickupNodeID = "s-centre" }, "pickup_node_id: set on a delivery order"},
		{"promise", func(o *Order) { o.PromiseBy = o.CreatedAt.Add(-time.Hour) }, "promise_by"},
		{"created", func(o *Order) { o.CreatedAt = time.Time{} }, "created_at: required"},
		{"want", func(o *Order) { o.Want = 7 }, "want: unknown value 7"},
		{"max-shipments", func(o *Order) { o.MaxShipments = -2 }, "max_shipments"},
		{"pickup-redirect-cost", func(o *Order) { o.PickupRedirectCost = -1 }, "pickup_redirect_cost: -1 must be a finite number >= 0"},
	}
	n := testNet(t)
	b := NewBuilder(n, nil)
	p := solver.Problem{Lines: make([]solver.Line, 3)}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := baseOrder()
			tt.change(o)
			err := b.Build(o, testStock, nil, &p)
			require.ErrorIs(t, err, ErrInvalidOrder, "error %v does not wrap ErrInvalidOrder", err)
			assert.ErrorContains(t, err, tt.want, "error %q does not say %q", err, tt.want)
			// The field is told apart from the message without reading it.
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.True(t, strings.HasPrefix(tt.want, fe.Path+":") || tt.want == fe.Path, "path %q, want %q", fe.Path, tt.want)
			assert.Equal(t, "invalid order: "+fe.Path+": "+fe.Message, err.Error())
			if len(p.Lines) != 0 || len(p.Options) != 0 {
				t.Error("problem not emptied")
			}
		})
	}
}

// TestBuildPickupRedirect: a pickup named at a store without the phone is
// left short, unless the order may be redirected; then the store near the
// customer that has it gets it ready, for its pick cost and the redirect
// cost, and the named store still wins when it holds the units.
func TestBuildPickupRedirect(t *testing.T) {
	n := testNet(t)
	b := NewBuilder(n, nil)
	ws := solver.NewWorkspace()
	order := func(redirect float64) *Order {
		o := baseOrder()
		o.Want, o.PickupNodeID, o.PickupRedirectCost = WantPickup, "s-north", redirect
		o.Lines = []solver.Line{{SKU: "PHONE", Quantity: 1, UnitWeightKg: 0.5, LostSaleCost: 50}}
		return o
	}
	solve := func(o *Order, st StockView) (*solver.Problem, *solver.Plan) {
		var p solver.Problem
		require.NoError(t, b.Build(o, st, nil, &p))
		plan, err := ws.Solve(&p, solver.DefaultSettings())
		require.NoError(t, err)
		return &p, plan
	}

	_, plan := solve(order(0), testStock) // s-north holds no phone
	require.Empty(t, plan.Shipments)
	require.Len(t, plan.Unfilled, 1)

	p, plan := solve(order(2), testStock)
	require.Len(t, plan.Shipments, 1)
	op := p.Options[plan.Shipments[0].Option]
	assert.Equal(t, "s-centre", op.NodeID)
	assert.Equal(t, solver.Pickup, op.Method)
	assert.InDelta(t, 1.5+2, op.FixedCost, 1e-9, "the store's pick cost per order and the redirect")
	assert.InDelta(t, 1.5+2+0.2, plan.TotalCost, 1e-9)

	withPhone := fakeStock{"PHONE": {0: 1, 1: 1}}
	p, plan = solve(order(2), withPhone)
	require.Len(t, plan.Shipments, 1)
	assert.Equal(t, "s-north", p.Options[plan.Shipments[0].Option].NodeID, "the named store holds it")
}

// TestBuildDeterministic builds the same order twice, with other orders in
// between, and gets the same problem.
func TestBuildDeterministic(t *testing.T) {
	n := testNet(t)
	b := NewBuilder(n, nil)
	var p1, p2 solver.Problem
	require.NoError(t, b.Build(baseOrder(), testStock, nil, &p1))
	o := baseOrder()
	o.Lines = o.Lines[1:]
	require.NoError(t, b.Build(o, testStock, nil, &p2))
	require.NoError(t, b.Build(baseOrder(), testStock, nil, &p2))
	if !slices.Equal(p1.Options, p2.Options) || !slices.Equal(p1.Available, p2.Available) || !slices.Equal(p1.UnitCost, p2.UnitCost) {
		t.Error("same order, different problem")
	}
}

// catalogStock is testStock with a SKU catalogue that counts its look-ups.
type catalogStock struct {
	fakeStock
	known   map[string]bool
	lookups *int
}

func (c catalogStock) KnownSKU(sku string) bool {
	*c.lookups++
	return c.known[sku]
}

// TestBuildMarksUnknownSKUs: with a StockView that is a SKUCatalog, a line
// whose SKU the catalogue does not know is marked UnknownSKU (and a known
// SKU with no stock is not); the catalogue is asked only about lines no
// candidate stocks. Without a catalogue nothing is marked.
func TestBuildMarksUnknownSKUs(t *testing.T) {
	n := testNet(t)
	b := NewBuilder(n, nil)
	o := baseOrder()
	o.Lines = append(o.Lines, solver.Line{SKU: "SOLD-OUT", Quantity: 1}, solver.Line{SKU: "NEVER", Quantity: 1})
	lookups := 0
	st := catalogStock{fakeStock: testStock, known: map[string]bool{"MILK": true, "PHONE": true, "SOLD-OUT": true}, lookups: &lookups}
	for _, build := range []func(*Order, StockView, CapacityView, *solver.Problem) error{b.Build, b.BuildEligible} {
		lookups = 0
		var p solver.Problem
		require.NoError(t, build(o, st, fakeCapacity(-1), &p))
		var marked []bool
		for _, l := range p.Lines {
			marked = append(marked, l.UnknownSKU)
		}
		if want := []bool{false, false, false, true}; !slices.Equal(marked, want) {
			t.Errorf("UnknownSKU of MILK, PHONE, SOLD-OUT, NEVER = %v, want %v", marked, want)
		}
		assert.Equal(t, 2, lookups, "%d catalogue look-ups, want 2 (the lines without stock)", lookups)
		require.NoError(t, build(o, testStock, fakeCapacity(-1), &p))
		for _, l := range p.Lines {
			assert.False(t, l.UnknownSKU, "%s marked without a catalogue", l.SKU)
		}
	}
}
