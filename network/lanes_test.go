package network

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// laneNet is a small network with lanes: a warehouse that feeds the
// stores of its city, a store-to-store lane within a city, a store that
// may only receive, and one in another city.
const laneNet = `name: lanes
carriers:
  - name: parcel
    per_package: 5
    transit: [{max_km: 5000, days: 2}]
nodes:
  - {id: wh, kind: warehouse, city: A, lat: 43.30, lon: 76.90, methods: [warehouse_ship]}
  - {id: s1, kind: store, city: A, lat: 43.25, lon: 76.95, methods: [pickup], shelf_per_sku: 20, shelf_total: 500}
  - {id: s2, kind: store, city: A, lat: 43.22, lon: 76.85, methods: [pickup], transfers: receive}
  - {id: s3, kind: store, city: B, lat: 51.15, lon: 71.45, methods: [pickup], transfers: none}
lanes:
  - name: feed
    from: wh
    to_kinds: [store]
    max_km: 100
    cost_per_unit: 0.4
    cost_per_shipment: 15
    lead_hours: 24
    min_qty: 10
  - name: city
    from_kinds: [store, warehouse]
    to_kinds: [store]
    same_city: true
    cost_per_unit: 1
    lead_hours: 4
`

func TestLanesExpandToRoutes(t *testing.T) {
	n, err := Parse(strings.NewReader(laneNet), "lanes.yaml")
	require.NoError(t, err)
	type pair struct{ from, to, lane string }
	var got []pair
	for _, r := range n.Routes() {
		got = append(got, pair{n.Nodes[r.From].ID, n.Nodes[r.To].ID, n.Lanes[r.Lane].Name})
	}
	// wh feeds s1 and s2 by the first lane (s3 is far and may not
	// receive); s1 sends to s2 within the city; s2 may only receive.
	assert.Equal(t, []pair{{"wh", "s1", "feed"}, {"wh", "s2", "feed"}, {"s1", "s2", "city"}}, got)
	r, ok := n.RouteBetween(0, 1)
	require.True(t, ok)
	assert.InDelta(t, 15+0.4*12, n.Lanes[r.Lane].Cost(12), 1e-9)
	assert.Zero(t, n.Lanes[r.Lane].Cost(0), "no units, no shipment")
	assert.Equal(t, "24h0m0s", n.Lanes[r.Lane].LeadTime().String())
	_, ok = n.RouteBetween(2, 1)
	assert.False(t, ok, "s2 may not send")

	// The file round-trips with its lanes, shelves and roles.
	var b strings.Builder
	require.NoError(t, n.WriteYAML(&b))
	m, err := Parse(strings.NewReader(b.String()), "again.yaml")
	require.NoError(t, err)
	assert.Equal(t, n.Routes(), m.Routes())
	assert.Equal(t, 20, m.Nodes[1].ShelfPerSKU)
	assert.Equal(t, TransfersNone, m.Nodes[3].Transfers)
	c := n.Clone()
	require.NoError(t, c.Init())
	assert.Equal(t, n.Routes(), c.Routes())
}

func TestShelfRoom(t *testing.T) {
	nd := Node{ShelfPerSKU: 20, ShelfTotal: 100}
	assert.EqualValues(t, 15, nd.ShelfRoom(5, 50))
	assert.EqualValues(t, 3, nd.ShelfRoom(5, 97), "the total binds")
	assert.EqualValues(t, 0, nd.ShelfRoom(25, 50), "above the limit: no room")
	assert.EqualValues(t, -1, (&Node{}).ShelfRoom(5, 50), "no limit")
}

func TestLaneErrors(t *testing.T) {
	tests := []struct{ name, from, to, want string }{
		{"unknown-node", "from: wh", "from: nowhere", `line 13: lanes[0] (feed).from: unknown node "nowhere"`},
		{"cannot-receive", "to_kinds: [store]\n    max_km", "to: s3\n    max_km", `lanes[0] (feed).to: node "s3" may not receive (transfers: none)`},
		{"cannot-send", "from: wh", "from: s2", `lanes[0] (feed).from: node "s2" may not send (transfers: receive)`},
		{"both-ends", "from: wh", "from: wh\n    from_kinds: [store]", "lanes[0] (feed).from: give from or from_kinds, not both"},
		{"no-end", "    from: wh\n", "", "lanes[0] (feed).from: give from (a node id) or from_kinds"},
		{"bad-kind", "from_kinds: [store, warehouse]", "from_kinds: [depot]", `lanes[1] (city).from.kinds[0]: unknown kind "depot"`},
		{"negative-cost", "cost_per_unit: 0.4", "cost_per_unit: -1", "line 16: lanes[0] (feed).cost_per_unit: -1 must be a finite number >= 0"},
		{"lead", "lead_hours: 24", "lead_hours: -2", "lanes[0] (feed).lead_hours: -2 is outside"},
		{"min-qty", "min_qty: 10", "min_qty: -1", "lanes[0] (feed).min_qty: -1 is outside"},
		{"role", "transfers: receive", "transfers: maybe", `nodes[2] (s2).transfers: unknown role "maybe"`},
		{"shelf", "shelf_per_sku: 20", "shelf_per_sku: -20", "nodes[1] (s1).shelf_per_sku: -20 must be >= 0"},
		{"unknown-key", "min_qty: 10", "min_qty: 10\n    colour: red", "line 20: lanes[0] (feed).colour: unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(laneNet, tt.from, tt.to, 1)
			require.NotEqual(t, laneNet, src, "the case changes nothing")
			_, err := Parse(strings.NewReader(src), "lanes.yaml")
			require.ErrorIs(t, err, ErrInvalidNetwork)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}
