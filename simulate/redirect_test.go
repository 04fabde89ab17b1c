package simulate

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/omniroute/omniroute/policy"
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

// TestHistoryPickupsFollowTheScenario: the history a look-ahead policy
// learns from goes through the scenario's pickup rules as the replay's
// orders do. A scenario that closes pickup at p1 leaves no order bound to
// p1 (its pickups may go to any store near the customer), and one that
// lets named pickups be redirected counts each as redirectable.
func TestHistoryPickupsFollowTheScenario(t *testing.T) {
	net, _ := loadTiny(t, redirectNetwork, redirectStock)
	history := `order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,unit_weight_kg,promise_by,allow_split,lost_sale_cost
h1,2026-03-01T10:00:00Z,0,0,A,1,pickup,p1,1,,true,30
h2,2026-03-01T11:00:00Z,0,0,A,1,pickup,p1,1,,true,30
h3,2026-03-01T12:00:00Z,0,0,B,1,pickup,p2,1,,true,30
`
	cfg := &Config{Network: net, History: BytesSource{"history.csv", []byte(history)}}
	for _, tc := range []struct {
		scenario     string // "" for the baseline
		bound        map[string]float64
		redirectable float64
	}{
		{"", map[string]float64{"p1": 2, "p2": 1}, 0},
		{"name: closed\nnodes:\n  - match: {id: [p1]}\n    remove_methods: [pickup]\n", map[string]float64{"p2": 1}, 0},
		{"name: redirect\npickup_redirect_cost: 4\n", map[string]float64{"p1": 2, "p2": 1}, 3},
	} {
		st := &replayState{base: net, net: net}
		if tc.scenario != "" {
			scen, err := ParseScenario([]byte(tc.scenario), "scenario.yaml")
			require.NoError(t, err)
			pr, err := scen.apply(net)
			require.NoError(t, err)
			st.net, st.redirect = pr.net, pr.redirect
		}
		p, err := newReplayPlanner(context.Background(), cfg, cfg.Replenishments, 1, st.net, st.pickupAt, &policy.PriceBoard{})
		require.NoError(t, err, tc.scenario)
		assert.Equal(t, tc.bound, p.picks.BoundOrders(), tc.scenario)
		assert.Equal(t, tc.redirectable, p.picks.Redirectable(), tc.scenario)
		p.close()
	}
}

func TestOrderReaderPickupRedirectCost(t *testing.T) {
	const head = "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,pickup_redirect_cost\n"
	orders, _, err := readAll(t, head+
		"a,2026-03-02T10:00:00Z,1,1,X,1,pickup,p1,2.5\n"+
		"a,2026-03-02T10:00:00Z,1,1,Y,1,pickup,p1,\n"+
		"b,2026-03-02T10:01:00Z,1,1,X,1,pickup,p1,\n", false)
	require.NoError(t, err)
	require.Len(t, orders, 2)
	assert.Equal(t, 2.5, orders[0].PickupRedirectCost, "the order's first row")
	assert.Zero(t, orders[1].PickupRedirectCost, "empty: at its store only")
	for _, c := range []struct{ row, want string }{
		{"a,2026-03-02T10:00:00Z,1,1,X,1,pickup,p1,-1", `orders.csv:2: pickup_redirect_cost: -1 must be a finite number >= 0`},
		{"a,2026-03-02T10:00:00Z,1,1,X,1,pickup,p1,NaN", `orders.csv:2: pickup_redirect_cost: NaN must be a finite number >= 0`},
		{"a,2026-03-02T10:00:00Z,1,1,X,1,pickup,p1,x", `orders.csv:2: pickup_redirect_cost: "x" is not a number`},
		{"a,2026-03-02T10:00:00Z,1,1,X,1,pickup,,2", `orders.csv:2: pickup_redirect_cost: only with pickup_node`},
	} {
		_, _, err := readAll(t, head+c.row+"\n", false)
		assert.ErrorContains(t, err, c.want)
		assert.ErrorIs(t, err, ErrBadRow)
	}
}

// TestPickupRedirectFromTheOrders: orders.csv's pickup_redirect_cost
// redirects the orders that carry one, in the baseline as in the bound;
// a scenario's cost replaces each order's own.
func TestPickupRedirectFromTheOrders(t *testing.T) {
	net, table := loadTiny(t, redirectNetwork, redirectStock)
	orders := strings.ReplaceAll(redirectOrders, ",lost_sale_cost\n", ",lost_sale_cost,pickup_redirect_cost\n")
	orders = strings.ReplaceAll(orders, ",30\n", ",30,3\n")
	scen, err := ParseScenario([]byte("name: dearer\npickup_redirect_cost: 20\n"), "dearer.yaml")
	require.NoError(t, err)
	cfg := Config{Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
		Policies: []string{PolicyOptimal}, Scenarios: []*Scenario{scen}, Bound: true}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	base, dearer := runs["baseline/optimal"], runs["dearer/optimal"]
	require.NotNil(t, base)
	require.NotNil(t, dearer)
	assert.InDelta(t, 1+3+30, base.TotalWithLost, 1e-9, "o1 at p2 for its own 3, o2 lost")
	assert.Equal(t, int64(1), base.RedirectedPickups)
	require.NotNil(t, base.Bound)
	assert.InDelta(t, 34, *base.Bound, 1e-6)
	assert.InDelta(t, 1+20+30, dearer.TotalWithLost, 1e-9, "the scenario's 20 in place of the order's 3")
	assert.Equal(t, int64(1), dearer.RedirectedPickups)
}
