package network

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
)

// shopNet is builderNet with three parcel carriers: "slow" is cheapest
// and takes three days everywhere, "fast" costs more and takes one, "wh"
// ships only from warehouses, cheapest of all, up to 20 km.
func shopNet(t testing.TB, extra string) *Network {
	t.Helper()
	src := strings.Replace(builderNet, `carriers:
  - name: parcel
    per_package: 8.759
    per_item: 0.423
    per_item_per_mile: 0.000541
    per_kg: 0.1
    transit: [{max_km: 50, days: 1}, {max_km: 1500, days: 3}]
`, `carriers:
  - name: fast
    per_package: 9
    per_item: 0.5
    transit: [{max_km: 5000, days: 1}]
  - name: slow
    per_package: 5
    per_item: 0.5
    transit: [{max_km: 5000, days: 3}]
  - name: wh
    per_package: 2
    per_item: 0.1
    transit: [{max_km: 5000, days: 2}]
    kinds: [warehouse]
    max_km: 20
`+extra, 1)
	n, err := Parse(strings.NewReader(src), "shop.yaml")
	require.NoError(t, err)
	return n
}

func optionOf(t *testing.T, p *solver.Problem, node string, m solver.Method) solver.Option {
	t.Helper()
	for _, o := range p.Options {
		if o.NodeID == node && o.Method == m {
			return o
		}
	}
	t.Fatalf("no option %s %v", node, m)
	return solver.Option{}
}

// TestRateShopping: each parcel option is carried by the cheapest carrier
// that serves it and keeps the promise, and costs what that carrier
// charges; a carrier limited to warehouses and 20 km prices only those.
func TestRateShopping(t *testing.T) {
	n := shopNet(t, "")
	b := NewBuilder(n, nil)
	var p solver.Problem
	o := baseOrder()
	require.NoError(t, b.Build(o, testStock, nil, &p))

	sfs := optionOf(t, &p, "s-centre", solver.ShipFromStore)
	assert.Equal(t, "slow", sfs.Partner, "no promise: the cheapest")
	assert.InDelta(t, 1.5+5, sfs.FixedCost, 1e-9)
	assert.EqualValues(t, 3*24*60, sfs.ETAMinutes)
	wh := optionOf(t, &p, "wh", solver.WarehouseShip)
	assert.Equal(t, "wh", wh.Partner, "the warehouse carrier is cheapest where it goes")
	assert.InDelta(t, 0.6+2, wh.FixedCost, 1e-9)
	at := p.At(optionIndex(&p, "wh", solver.WarehouseShip), 0)
	assert.InDelta(t, 0.05+0.1, p.UnitCost[at], 1e-9)

	// A promise in 49 hours: slow misses it, fast keeps it from the store
	// and wh from the warehouse.
	o.PromiseBy = o.CreatedAt.Add(49 * time.Hour)
	require.NoError(t, b.Build(o, testStock, nil, &p))
	sfs = optionOf(t, &p, "s-centre", solver.ShipFromStore)
	assert.Equal(t, "fast", sfs.Partner)
	assert.InDelta(t, 1.5+9, sfs.FixedCost, 1e-9)
	assert.Equal(t, "wh", optionOf(t, &p, "wh", solver.WarehouseShip).Partner)

	// A promise no carrier keeps: the cheapest, which the solver then
	// excludes as MISSES_PROMISE.
	o.PromiseBy = o.CreatedAt.Add(2 * time.Hour)
	require.NoError(t, b.Build(o, testStock, nil, &p))
	assert.Equal(t, "slow", optionOf(t, &p, "s-centre", solver.ShipFromStore).Partner)

	// The solver's plan costs what the carrier charges.
	o.PromiseBy = time.Time{}
	require.NoError(t, b.Build(o, testStock, nil, &p))
	plan, err := solver.Solve(&p, solver.Settings{})
	require.NoError(t, err)
	for _, s := range plan.Shipments {
		op := p.Options[s.Option]
		assert.InDelta(t, op.FixedCost, s.FixedCost, 1e-9)
		if op.Method == solver.ShipFromStore || op.Method == solver.WarehouseShip {
			assert.NotEmpty(t, op.Partner, "a parcel shipment names its carrier")
		}
	}

	// Pinned by the cost model: one carrier only.
	pinned := NewBuilder(n, &CostModel{Carrier: "fast"})
	require.NoError(t, pinned.Build(o, testStock, nil, &p))
	assert.Equal(t, "fast", optionOf(t, &p, "s-centre", solver.ShipFromStore).Partner)
	assert.Equal(t, "fast", optionOf(t, &p, "wh", solver.WarehouseShip).Partner)
}

func optionIndex(p *solver.Problem, node string, m solver.Method) int {
	for i, o := range p.Options {
		if o.NodeID == node && o.Method == m {
			return i
		}
	}
	return -1
}

// TestCarrierLimits: a parcel option no carrier takes is excluded with
// the most telling reason of theirs, and a node kind no carrier collects
// from is refused at load.
func TestCarrierLimits(t *testing.T) {
	src := strings.Replace(builderNet, `    transit: [{max_km: 50, days: 1}, {max_km: 1500, days: 3}]
`, `    transit: [{max_km: 50, days: 1}, {max_km: 1500, days: 3}]
    max_km: 20
    max_weight_kg: 2
`, 1)
	n, err := Parse(strings.NewReader(src), "limits.yaml")
	require.NoError(t, err)
	b := NewBuilder(n, nil)
	var p solver.Problem
	o := baseOrder()
	o.AllowSplit = false // 2.5 kg must travel whole: over the 2 kg parcel limit
	require.NoError(t, b.Build(o, testStock, nil, &p))
	assert.Equal(t, solver.ReasonOverweight, optionOf(t, &p, "s-centre", solver.ShipFromStore).Excluded)
	o.AllowSplit = true
	require.NoError(t, b.Build(o, testStock, nil, &p))
	sfs := optionOf(t, &p, "s-centre", solver.ShipFromStore)
	assert.Equal(t, solver.ReasonNone, sfs.Excluded)
	assert.InDelta(t, 2.0, sfs.MaxWeightKg, 1e-9)
	assert.Equal(t, solver.ReasonOutsideRadius, optionOf(t, &p, "ast", solver.ShipFromStore).Excluded)

	bad := strings.Replace(builderNet, `    transit: [{max_km: 50, days: 1}, {max_km: 1500, days: 3}]
`, `    transit: [{max_km: 50, days: 1}, {max_km: 1500, days: 3}]
    kinds: [warehouse]
`, 1)
	_, err = Parse(strings.NewReader(bad), "bad.yaml")
	assert.ErrorContains(t, err, "nodes[0] (s-centre).methods[0]: ship_from_store: no parcel carrier collects from a store")
}

// flatCourier is a partner type a program may register: a flat fee per
// trip from its settings, whatever the distance, within the standard
// limits of its entry.
type flatCourier struct {
	ServiceLimits
	name string
	fee  float64
	prep int32
}

func (f *flatCourier) Name() string { return f.name }

func (f *flatCourier) Price(t *Trip) Price {
	return Price{Fixed: f.fee, ETAMinutes: f.prep + int32(t.Km*3), MaxWeightKg: f.MaxWeightKg()}
}

func newFlatCourier(spec *PartnerSpec) (Partner, error) {
	fee, ok := spec.Settings()["fee"]
	if !ok || fee < 0 {
		return nil, fmt.Errorf("settings.fee: a flat fee >= 0 is required")
	}
	return &flatCourier{ServiceLimits: spec.Limits, name: spec.Name(), fee: fee, prep: int32(spec.Courier.PrepMinutes)}, nil
}

// TestPartnerRegistry: a partner type registered by name prices the
// entries that name it; unknown types and bad entries are errors naming
// the entry.
func TestPartnerRegistry(t *testing.T) {
	reg := DefaultPartnerRegistry()
	require.NoError(t, reg.Register("flat", newFlatCourier))
	assert.ErrorContains(t, reg.Register("flat", newFlatCourier), "registered twice")
	assert.Equal(t, []string{"flat", RateCard}, reg.Types())

	src := strings.Replace(builderNet, "  - name: glovo\n", "  - name: glovo\n    type: flat\n    settings: {fee: 4}\n", 1)
	n, err := ParseWith(strings.NewReader(src), "flat.yaml", reg)
	require.NoError(t, err)
	var p solver.Problem
	require.NoError(t, NewBuilder(n, nil).Build(baseOrder(), testStock, nil, &p))
	c := optionOf(t, &p, "s-centre", solver.Courier)
	assert.InDelta(t, 1.5+4, c.FixedCost, 1e-9)
	assert.EqualValues(t, 15+int32(c.DistanceKm*3), c.ETAMinutes)
	assert.Equal(t, solver.ReasonOutsideRadius, optionOf(t, &p, "s-north", solver.Courier).Excluded, "the entry's radius still holds")

	// A clone keeps its registry.
	cl := n.Clone()
	require.NoError(t, cl.Init())

	_, err = Parse(strings.NewReader(src), "flat.yaml")
	assert.ErrorContains(t, err, `couriers[0] (glovo).type: unknown partner type "flat" (want rate_card)`)
	noFee := strings.Replace(src, "    settings: {fee: 4}\n", "", 1)
	_, err = ParseWith(strings.NewReader(noFee), "flat.yaml", reg)
	assert.ErrorContains(t, err, "couriers[0] (glovo): settings.fee: a flat fee >= 0 is required")
}

// TestLiveQuotesAndRoads: what was fetched before the build prices and
// times the options: a quote replaces the rate card (and an unavailable
// partner excludes the trip), a road leg replaces the great circle
// (never shorter than it) and gives the courier's ride time, and other
// nodes get great circle x circuity.
func TestLiveQuotesAndRoads(t *testing.T) {
	n := testNet(t)
	centre, _ := n.NodeIndex("s-centre")
	dark, _ := n.NodeIndex("dark")
	b := NewBuilder(n, nil)
	var plain, p solver.Problem
	o := baseOrder()
	require.NoError(t, b.Build(o, testStock, nil, &plain))

	o.Live = &Live{
		Legs: []Leg{{Node: int32(centre), Km: 3.1, Minutes: 9}, {Node: int32(dark), Km: 0.1, Minutes: 4}},
		Quotes: []Quote{
			{Node: int32(dark), Courier: 0, Unavailable: true},
			{Node: int32(centre), Courier: 0, Price: 3.25, ETAMinutes: 12, Source: SourceLive, ID: "q-1"},
		},
	}
	o.Live.Sort()
	require.Equal(t, int32(centre), o.Live.Quotes[0].Node)
	require.NoError(t, b.Build(o, testStock, nil, &p))
	c := optionOf(t, &p, "s-centre", solver.Courier)
	assert.InDelta(t, 1.5+3.25, c.FixedCost, 1e-9, "the quote's price")
	assert.EqualValues(t, 15+12, c.ETAMinutes, "prep + the quote's ETA")
	assert.InDelta(t, 3.1, c.DistanceKm, 1e-9, "the road")
	d := optionOf(t, &p, "dark", solver.Courier)
	assert.Equal(t, solver.ReasonPartnerUnavailable, d.Excluded)
	assert.InDelta(t, optionOf(t, &plain, "dark", solver.Courier).DistanceKm, d.DistanceKm, 1e-9, "a road shorter than the great circle is not believed")
	assert.InDelta(t, optionOf(t, &plain, "wh", solver.WarehouseShip).DistanceKm,
		optionOf(t, &p, "wh", solver.WarehouseShip).DistanceKm, 1e-9)

	// The lean build drops the unavailable trip.
	require.NoError(t, b.BuildEligible(o, testStock, nil, &p))
	assert.Equal(t, -1, optionIndex(&p, "dark", solver.Courier))

	// Road minutes time a courier priced by its rate card.
	o.Live.Quotes = nil
	require.NoError(t, b.Build(o, testStock, nil, &p))
	assert.EqualValues(t, 15+9, optionOf(t, &p, "s-centre", solver.Courier).ETAMinutes)

	// Circuity stretches the great circle where no road is known.
	n2 := testNet(t).Clone()
	n2.Policy.Circuity = 1.3
	require.NoError(t, n2.Init())
	require.NoError(t, NewBuilder(n2, nil).Build(baseOrder(), testStock, nil, &p))
	assert.InDelta(t, 1.3*optionOf(t, &plain, "wh", solver.WarehouseShip).DistanceKm,
		optionOf(t, &p, "wh", solver.WarehouseShip).DistanceKm, 1e-9)
	n2.Policy.Circuity = 0.5
	assert.ErrorContains(t, n2.Init(), "policy.circuity: 0.5 is outside 1..5")

	// Building with what was fetched allocates nothing more (the fake
	// stock allocates what it allocates either way).
	o.Live.Quotes = []Quote{{Node: int32(centre), Courier: 0, Price: 3.25, ETAMinutes: 12}}
	with := testing.AllocsPerRun(100, func() { _ = b.Build(o, testStock, nil, &p) })
	plainOrder := baseOrder()
	without := testing.AllocsPerRun(100, func() { _ = b.Build(plainOrder, testStock, nil, &p) })
	assert.Equal(t, without, with)
}
