package simulate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// redirectNetwork: two pickup stores 2.2 km apart; only p2 holds A.
const redirectNetwork = `
name: redirect
policy: {pickup_radius_km: 5, tz_offset_minutes: 0}
nodes:
  - {id: p1, kind: store, lat: 0, lon: 0, methods: [pickup], pick_cost_per_order: 1, pick_cost_per_unit: 0}
  - {id: p2, kind: store, lat: 0, lon: 0.02, methods: [pickup], pick_cost_per_order: 1, pick_cost_per_unit: 0}
  - {id: p9, kind: store, lat: 0, lon: 1, methods: [pickup], pick_cost_per_order: 1, pick_cost_per_unit: 0}
`

const redirectStock = `node,sku,on_hand,safety_stock
p2,A,1,0
p9,B,1,0
`

// redirectOrders: o1 names p1 for A (at p2 only); o2 names p1 for B (at
// p9 only, 111 km away: beyond the pickup radius).
const redirectOrders = `order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,unit_weight_kg,promise_by,allow_split,lost_sale_cost
o1,2026-03-02T10:00:00Z,0,0,A,1,pickup,p1,1,,true,30
o2,2026-03-02T10:05:00Z,0,0,B,1,pickup,p1,1,,true,30
`

// TestPickupRedirectScenario: a named pickup whose store lacks the unit
// is lost in the baseline (30); with pickup_redirect_cost 4 the store
// 2.2 km away has it ready (its pick cost 1 and the redirect 4), counted
// as a redirected pickup, and the hindsight bound allows the same; a store
// beyond the pickup radius is no redirect.
func TestPickupRedirectScenario(t *testing.T) {
	net, table := loadTiny(t, redirectNetwork, redirectStock)
	scen, err := ParseScenario([]byte("name: redirect\npickup_redirect_cost: 4\n"), "redirect.yaml")
	require.NoError(t, err)
	cfg := Config{Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(redirectOrders)},
		Policies: []string{PolicyOptimal, PolicyBatch}, Scenarios: []*Scenario{scen}, Bound: true}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	for _, pol := range []string{PolicyOptimal, PolicyBatch} {
		base, redirect := runs["baseline/"+pol], runs["redirect/"+pol]
		require.NotNil(t, base, pol)
		require.NotNil(t, redirect, pol)
		assert.InDelta(t, 60, base.TotalWithLost, 1e-9, "%s: both lost at p1", pol)
		assert.Zero(t, base.RedirectedPickups, pol)
		assert.InDelta(t, 5+30, redirect.TotalWithLost, 1e-9, "%s: o1 at p2 (1 + 4), o2 lost", pol)
		assert.InDelta(t, 5, redirect.TotalCost, 1e-9, pol)
		assert.Equal(t, int64(1), redirect.RedirectedPickups, pol)
		require.NotNil(t, redirect.Bound, pol)
		assert.InDelta(t, 35, *redirect.Bound, 1e-6, "%s: the bound allows the redirect too", pol)
	}

	var b strings.Builder
	require.NoError(t, WriteTable(&b, res))
	assert.Regexp(t, `redirected pickups +0 +0 +1 +1\n`, b.String())
	js, err := json.Marshal(runs["redirect/optimal"])
	require.NoError(t, err)
	assert.Contains(t, string(js), `"redirected_pickups":1`)
	js, err = json.Marshal(runs["baseline/optimal"])
	require.NoError(t, err)
	assert.NotContains(t, string(js), "redirected_pickups")
}

func TestPickupRedirectCostMustBeANumberAtLeastZero(t *testing.T) {
	for _, v := range []string{"-1", ".nan", ".inf"} {
		_, err := ParseScenario([]byte("name: r\npickup_redirect_cost: "+v+"\n"), "r.yaml")
		require.Error(t, err, v)
		assert.Contains(t, err.Error(), "scenario r.yaml: pickup_redirect_cost:", v)
	}
}
