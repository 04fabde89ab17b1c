package simulate

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/solver"
)

// TestKindOf: each way of asking to be served falls in its kind.
func TestKindOf(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		o    network.Order
		want string
	}{
		{"delivery", network.Order{Want: network.WantDelivery, CreatedAt: at}, KindParcel},
		{"delivery promised in two days", network.Order{Want: network.WantDelivery, CreatedAt: at, PromiseBy: at.Add(48 * time.Hour)}, KindParcel},
		{"delivery promised in three hours", network.Order{Want: network.WantDelivery, CreatedAt: at, PromiseBy: at.Add(3 * time.Hour)}, KindCourier},
		{"held to a courier", network.Order{Want: network.WantDelivery, CreatedAt: at, Method: solver.Courier}, KindCourier},
		{"any", network.Order{Want: network.WantAny, CreatedAt: at}, KindAny},
		{"any, promised in three hours", network.Order{Want: network.WantAny, CreatedAt: at, PromiseBy: at.Add(3 * time.Hour)}, KindCourier},
		{"any, held to warehouse shipping", network.Order{Want: network.WantAny, CreatedAt: at, Method: solver.WarehouseShip}, KindParcel},
		{"pickup", network.Order{Want: network.WantPickup, CreatedAt: at}, KindPickup},
		{"pickup naming its store", network.Order{Want: network.WantPickup, CreatedAt: at, PickupNodeID: "s1"}, KindPickupNamed},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, orderKinds[kindOf(&c.o)], c.name)
	}
}

// TestGapByKindWhereTwoOrdersCompete is the hand case of
// TestBatchWinsWhereTwoOrdersCompete, by kind: both orders are parcels;
// optimal costs them 62 and leaves o2 short of A (50 lost), the hindsight
// routing 14 with nothing short, both in two shipments; batch routes as
// the hindsight routing does.
func TestGapByKindWhereTwoOrdersCompete(t *testing.T) {
	net, table := loadTiny(t, competeNetwork, competeStock)
	cfg := Config{Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(competeOrders)},
		Policies: []string{PolicyOptimal, PolicyBatch}, Bound: true}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	opt, batch := runs["baseline/optimal"], runs["baseline/batch"]
	require.NotNil(t, opt)
	require.NotNil(t, batch)
	assert.Equal(t, []KindGap{{
		Kind: KindParcel, Orders: 2, Cost: 62, HindsightCost: 14, Gap: 48,
		LostSaleCost: 50, ShortOrders: 1, Shipments: 2, HindsightShipments: 2,
	}}, opt.GapByKind)
	assert.Equal(t, []KindGap{{
		Kind: KindParcel, Orders: 2, Cost: 14, HindsightCost: 14,
		Shipments: 2, HindsightShipments: 2,
	}}, batch.GapByKind)

	var b strings.Builder
	require.NoError(t, WriteTable(&b, res))
	assert.Regexp(t, `gap to hindsight, parcel +48\.00 +0\.00\n`, b.String())
	assert.Regexp(t, `short orders \(hindsight\), parcel +1 \(0\) +0 \(0\)\n`, b.String())

	// The report's chart: one row (parcel), optimal's bar 48 long, batch's
	// none; the page shows it.
	dir := t.TempDir()
	require.NoError(t, WriteReport(dir, res))
	svg, err := os.ReadFile(filepath.Join(dir, ChartGapByKind))
	require.NoError(t, err)
	drawn := bars(t, string(svg))
	require.Len(t, drawn[hexColor(0)], 1, "optimal's bar")
	for _, r := range drawn[hexColor(1)] {
		assert.InDelta(t, 0, r.x1-r.x0, 0.01, "batch's bar is empty")
	}
	page, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(page), ChartGapByKind)
	assert.Contains(t, string(page), "gap to hindsight, parcel")

	// Without a bound there is nothing to set out.
	cfg.Bound = false
	res, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	for _, r := range res.Results {
		assert.Nil(t, r.GapByKind, r.Policy)
	}
	b.Reset()
	require.NoError(t, WriteTable(&b, res))
	assert.NotContains(t, b.String(), "gap to hindsight")
	dir = t.TempDir()
	require.NoError(t, WriteReport(dir, res))
	assert.NoFileExists(t, filepath.Join(dir, ChartGapByKind))
	page, err = os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	assert.NotContains(t, string(page), ChartGapByKind)
}

// TestGapByKindAddsUpToTheTotals: on small generated replays (parcels,
// couriers, pickups that name their store and pickups that do not, every
// policy, a scenario, both bound methods) the kinds' costs add up to each
// replay's total cost with lost sales and its lost sales, their hindsight
// costs to the hindsight routing's cost, the same under every policy of a
// scenario, and their orders to the replay's.
func TestGapByKindAddsUpToTheTotals(t *testing.T) {
	t.Parallel()
	scen, err := ParseScenario([]byte("name: no-courier\ndisable_methods: [courier]\n"), "s.yaml")
	require.NoError(t, err)
	for _, method := range []string{BoundLagrangian, BoundLP} {
		cfg := genReplay(t, dataset.Config{Seed: 2, Stores: 8, Warehouses: 2, DarkStores: 2, SKUs: 30, Orders: 150, Days: 3})
		cfg.Scenarios, cfg.BoundMethod = []*Scenario{scen}, method
		res, err := Run(context.Background(), cfg)
		require.NoError(t, err)
		hindsight := map[string][]KindGap{}
		for _, r := range res.Results {
			require.NotNil(t, r.HindsightCost, "%s %s/%s: %s", method, r.Scenario, r.Policy, r.BoundNote)
			var kinds []string
			var orders, short int64
			var cost, lost, hcost float64
			for _, g := range r.GapByKind {
				kinds = append(kinds, g.Kind)
				orders += g.Orders
				short += g.ShortOrders
				cost += g.Cost
				lost += g.LostSaleCost
				hcost += g.HindsightCost
				assert.InDelta(t, g.Cost-g.HindsightCost, g.Gap, 1e-3)
				assert.LessOrEqual(t, g.LostSaleCost, g.Cost+1e-9)
				assert.LessOrEqual(t, g.ShortOrders, g.Orders)
			}
			assert.Equal(t, []string{KindParcel, KindCourier, KindAny, KindPickup, KindPickupNamed}, kinds,
				"%s %s/%s: every kind gen writes, in order", method, r.Scenario, r.Policy)
			assert.Equal(t, r.Orders, orders)
			assert.LessOrEqual(t, short, r.Orders)
			assert.InDelta(t, r.TotalWithLost, cost, 1e-3, "%s %s/%s", method, r.Scenario, r.Policy)
			assert.InDelta(t, r.LostSaleCost, lost, 1e-3, "%s %s/%s", method, r.Scenario, r.Policy)
			assert.InDelta(t, *r.HindsightCost, hcost, 1e-3, "%s %s/%s", method, r.Scenario, r.Policy)
			// The hindsight routing is the scenario's, whatever the policy.
			h := make([]KindGap, len(r.GapByKind))
			for i, g := range r.GapByKind {
				h[i] = KindGap{Kind: g.Kind, HindsightCost: g.HindsightCost, HindsightLostSaleCost: g.HindsightLostSaleCost,
					HindsightShortOrders: g.HindsightShortOrders, HindsightShipments: g.HindsightShipments}
			}
			if prev, ok := hindsight[r.Scenario]; ok {
				assert.Equal(t, prev, h, "%s %s/%s", method, r.Scenario, r.Policy)
			}
			hindsight[r.Scenario] = h
		}
		var b strings.Builder
		require.NoError(t, WriteTable(&b, res))
		assert.Contains(t, b.String(), "gap to hindsight, pickup_named")
	}
}
