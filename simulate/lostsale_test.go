package simulate

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// lostNetwork is tinyNetwork with a per-order lost-sale cost of 2.
var lostNetwork = strings.Replace(tinyNetwork, "tz_offset_minutes: 0}", "tz_offset_minutes: 0, lost_sale_cost_per_order: 2}", 1)

const lostStock = `node,sku,on_hand,safety_stock
wh,A,1,0
s1,A,1,0
s1,B,1,0
wh,E,1,0
s1,E,1,0
`

// lostOrders: o1 wants A, worth 3 lost, which costs 7 (wh) or 8 (s1) to
// ship; o2 wants 2 B at s1, which holds 1 (no stock, whatever the policy);
// o3 wants E, worth 50 lost. The lost_sale_cost column comes last.
const lostOrders = `order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,lost_sale_cost
o1,2026-03-02T10:00:00Z,0,0.1,A,1,delivery,,3
o2,2026-03-02T10:10:00Z,0,0.1,B,2,pickup,s1,1
o3,2026-03-02T10:20:00Z,0,0.1,E,1,delivery,,50
`

// TestLostSaleKPIsByHand: every policy's unfilled units are priced by the
// same rule; optimal leaves o1 unfilled (7 to ship, 3 + 2 to lose), the
// rules ship it.
func TestLostSaleKPIsByHand(t *testing.T) {
	net, table := loadTiny(t, lostNetwork, lostStock)
	var dec bytes.Buffer
	res, err := Run(context.Background(), Config{Network: net, Stock: table,
		Orders: BytesSource{"orders.csv", []byte(lostOrders)}, Workers: 2, Decisions: &dec, TempDir: t.TempDir()})
	require.NoError(t, err)
	// o2 (2 units of B, none to pick up) costs 2 x 1 + 2 for every policy.
	want := map[string]struct{ ship, lost, fill float64 }{
		"nearest":       {16, 4, 0.5}, // o1 s1 8, o3 s1 8
		"fewest-splits": {16, 4, 0.5}, // the same
		"priority":      {14, 4, 0.5}, // o1 wh 7, o3 wh 7
		"optimal":       {7, 9, 0.25}, // o1 lost (3 + 2), o3 wh 7
	}
	runs := byRun(res)
	for policy, w := range want {
		r := runs["baseline/"+policy]
		require.NotNil(t, r, policy)
		assert.InDelta(t, w.ship, r.TotalCost, 1e-9, policy)
		assert.InDelta(t, w.lost, r.LostSaleCost, 1e-9, policy)
		assert.InDelta(t, w.ship+w.lost, r.TotalWithLost, 1e-9, policy)
		assert.InDelta(t, w.fill, r.FillRate, 1e-9, policy)
	}
	var tab bytes.Buffer
	require.NoError(t, WriteTable(&tab, res))
	assert.Contains(t, tab.String(), "lost-sale cost")
	assert.Contains(t, tab.String(), "total cost with lost sales")
	// The decisions show the units left unfilled, why, and their cost.
	assert.Contains(t, dec.String(), "o1,optimal,baseline,2026-03-02T10:00:00Z,,UNFILLED,,A:1,1,5.0000,0,0.000,UNECONOMIC\n")
	assert.Contains(t, dec.String(), "o2,nearest,baseline,2026-03-02T10:10:00Z,,UNFILLED,,B:2,2,4.0000,0,0.000,NO_STOCK\n")
}

func TestOrderReaderLostSaleCost(t *testing.T) {
	const head = "order_id,created_at,lat,lon,sku,qty,lost_sale_cost\n"
	orders, _, err := readAll(t, head+
		"a,2026-03-02T10:00:00Z,1,1,X,1,2.5\n"+
		"a,2026-03-02T10:00:00Z,1,1,Y,1,\n"+
		"a,2026-03-02T10:00:00Z,1,1,X,2,9\n", false)
	require.NoError(t, err)
	require.Len(t, orders, 1)
	require.Len(t, orders[0].Lines, 2)
	assert.Equal(t, 2.5, orders[0].Lines[0].LostSaleCost, "a repeated SKU keeps its first price")
	assert.Equal(t, int32(3), orders[0].Lines[0].Quantity)
	assert.Equal(t, 0.0, orders[0].Lines[1].LostSaleCost, "empty: the network's")
	for _, c := range []struct{ v, want string }{
		{"-1", `orders.csv:2: lost_sale_cost: -1 must be a finite number >= 0`},
		{"NaN", `orders.csv:2: lost_sale_cost: NaN must be a finite number >= 0`},
		{"Inf", `orders.csv:2: lost_sale_cost: +Inf must be a finite number >= 0`},
		{"x", `orders.csv:2: lost_sale_cost: "x" is not a number`},
	} {
		_, _, err := readAll(t, head+"a,2026-03-02T10:00:00Z,1,1,X,1,"+c.v+"\n", false)
		assert.ErrorContains(t, err, c.want)
		assert.ErrorIs(t, err, ErrBadRow)
	}
}
