package network

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDemoRoundTrip(t *testing.T) {
	n, err := Demo()
	require.NoError(t, err)
	var out1 bytes.Buffer
	require.NoError(t, n.WriteYAML(&out1))
	m, err := Parse(bytes.NewReader(out1.Bytes()), "written.yaml")
	require.NoError(t, err, "parse of written network: %v\n%s", err, out1.String())
	assert.Equal(t, m.Clone(), n.Clone(), "network changed in a write/parse round trip")
	var out2 bytes.Buffer
	require.NoError(t, m.WriteYAML(&out2))
	assert.True(t, bytes.Equal(out1.Bytes(), out2.Bytes()), "writing the same network twice gave different bytes")
}

func TestDemoShape(t *testing.T) {
	n, err := Demo()
	require.NoError(t, err)
	count := map[string]int{}
	for _, nd := range n.Nodes {
		count[nd.City+"/"+string(nd.Kind)]++
	}
	want := map[string]int{
		"Almaty/store": 24, "Astana/store": 16,
		"Almaty/dark_store": 2, "Astana/dark_store": 2,
		"Almaty/warehouse": 1, "Astana/warehouse": 1,
	}
	assert.Equal(t, want, count, "demo nodes by city and kind = %v, want %v", count, want)
	// Every node in a city lies in that city's courier zone, and the zone of
	// one city does not reach the other.
	for _, nd := range n.Nodes {
		if nd.Kind == Warehouse {
			continue
		}
		assert.True(t, n.InCourierArea(0, nd.Lat, nd.Lon), "%s (%s) is outside the courier zone", nd.ID, nd.Name)
	}
	assert.False(t, n.InCourierArea(0, 47.0, 74.0), "the steppe between the cities is inside the courier zone")
	if len(DemoStock()) == 0 || len(DemoNetworkYAML()) == 0 {
		t.Error("empty embedded files")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "net.yaml")
	require.NoError(t, os.WriteFile(path, DemoNetworkYAML(), 0o644))
	n, err := Load(path)
	require.NoError(t, err)
	if i, ok := n.NodeIndex("alm-s07"); !ok || n.Nodes[i].ID != "alm-s07" {
		t.Errorf("NodeIndex(alm-s07) = %d, %v", i, ok)
	}
	if _, ok := n.NodeIndex("nope"); ok {
		t.Error("NodeIndex found an unknown id")
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("Load of a missing file did not fail")
	}
}

// tiny is a minimal valid network file that the error cases below break.
const tiny = `name: tiny
policy: {tz_offset_minutes: 300}
carriers:
  - name: parcel
    per_package: 8.759
    per_item: 0.423
    per_item_per_mile: 0.000541
    transit: [{max_km: 50, days: 1}, {max_km: 5000, days: 3}]
couriers:
  - name: glovo
    base: 2.5
    per_km: 0.45
    max_radius_km: 6
    max_weight_kg: 15
    speed_kmh: 25
    hours: {open: "08:00", close: "23:00"}
    areas: '{"type":"Polygon","coordinates":[[[76.7,43.1],[77.1,43.1],[77.1,43.4],[76.7,43.4],[76.7,43.1]]]}'
nodes:
  - id: alm-s01
    kind: store
    lat: 43.25
    lon: 76.95
    methods: [ship_from_store, pickup, courier]
    hours: {open: "09:00", close: "22:00"}
  - id: alm-wh1
    kind: warehouse
    lat: 43.35
    lon: 76.87
    methods: [warehouse_ship]
`

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"lat-out-of-range", "lat: 43.25", "lat: 95", "nodes[0] (alm-s01).lat: 95 is out of range"},
		{"duplicate-id", "id: alm-wh1", "id: alm-s01", "nodes[1] (alm-s01).id: duplicate of nodes[0]"},
		{"unknown-method", "[warehouse_ship]", "[teleport]", `nodes[1] (alm-wh1).methods[0]: unknown method "teleport"`},
		{"bad-hours", `open: "09:00"`, `open: "9am"`, `nodes[0] (alm-s01).hours: open: "9am" is not HH:MM`},
		{"half-hours", `{open: "09:00", close: "22:00"}`, `{open: "09:00"}`, "nodes[0] (alm-s01).hours: open \"09:00\" and close \"\": give both or neither"},
		{"bad-geojson", `"type":"Polygon"`, `"type":"Point"`, "couriers[0] (glovo).areas:"},
		{"open-ring", `[76.7,43.1]]]}`, `[76.7,43.2]]]}`, "couriers[0] (glovo).areas: bad geometry: ring 0 is not closed"},
		{"unknown-kind", "kind: warehouse", "kind: depot", `nodes[1] (alm-wh1).kind: unknown kind "depot"`},
		{"unknown-key", "kind: warehouse", "kind: warehouse\n    colour: red", "invalid network: line 27: nodes[1] (alm-wh1).colour: unknown field"},
		{"negative-cost", "per_package: 8.759", "per_package: -1", "carriers[0] (parcel).per_package: -1 must be"},
		{"speed", "speed_kmh: 25", "speed_kmh: 0", "couriers[0] (glovo).speed_kmh"},
		{"prep", "speed_kmh: 25", "speed_kmh: 25\n    prep_minutes: 3000000000", "couriers[0] (glovo).prep_minutes: 3000000000 is outside 0..527040"},
		{"pickup-ready", "policy: {tz_offset_minutes: 300}", "policy: {tz_offset_minutes: 300, pickup_ready_minutes: 600000}", "policy.pickup_ready_minutes: 600000 is outside 0..527040"},
		{"bands-order", "{max_km: 5000, days: 3}", "{max_km: 10, days: 3}", "carriers[0] (parcel).transit[1].max_km: 10 is not above"},
		{"tz", "tz_offset_minutes: 300", "tz_offset_minutes: 3000", "policy.tz_offset_minutes"},
		{"lost-sale-per-unit", "policy: {tz_offset_minutes: 300}", "policy: {tz_offset_minutes: 300, lost_sale_cost_per_unit: -2}", "policy.lost_sale_cost_per_unit: -2 must be a finite number >= 0"},
		{"lost-sale-per-order", "policy: {tz_offset_minutes: 300}", "policy: {tz_offset_minutes: 300, lost_sale_cost_per_order: .nan}", "policy.lost_sale_cost_per_order: NaN must be a finite number >= 0"},
		{"walk-in-lost-sale", "policy: {tz_offset_minutes: 300}", "policy: {tz_offset_minutes: 300, walk_in_lost_sale_cost_per_unit: -1}", "policy.walk_in_lost_sale_cost_per_unit: -1 must be a finite number >= 0"},
		{"node-walk-in-lost-sale", "    hours: {open: \"09:00\", close: \"22:00\"}", "    hours: {open: \"09:00\", close: \"22:00\"}\n    walk_in_lost_sale_cost_per_unit: -3", "nodes[0] (alm-s01).walk_in_lost_sale_cost_per_unit: -3 must be a finite number >= 0"},
		{"pickup-per-km", "policy: {tz_offset_minutes: 300}", "policy: {tz_offset_minutes: 300, pickup_cost_per_km: -0.1}", "policy.pickup_cost_per_km: -0.1 must be a finite number >= 0"},
		{"empty-id", "id: alm-wh1", `id: ""`, "nodes[1].id: empty"},
		{"no-nodes", tiny[strings.Index(tiny, "nodes:"):], "nodes: []\n", "nodes: no nodes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(tiny, tt.from, tt.to, 1)
			require.NotEqual(t, tiny, src, "test case does not change the file (%q not found)", tt.from)
			_, err := Parse(strings.NewReader(src), "tiny.yaml")
			require.Error(t, err, "no error")
			assert.ErrorIs(t, err, ErrInvalidNetwork, "%v does not wrap ErrInvalidNetwork", err)
			if !strings.HasPrefix(err.Error(), "tiny.yaml: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n  %v\ndoes not say\n  tiny.yaml: ... %s", err, tt.want)
			}
		})
	}
}

// TestUnknownKeysNameLineAndField: an unknown key in any section is named
// by its line and its field path, in the form the README documents, and
// every one of them is reported at once.
func TestUnknownKeysNameLineAndField(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"top level", "name: tiny", "name: tiny\nowner: me", "line 2: owner: unknown field"},
		{"policy", "policy: {tz_offset_minutes: 300}", "policy: {tz_offset_minutes: 300, split_penalti: 1}", "line 2: policy.split_penalti: unknown field"},
		{"carriers", "    per_item: 0.423", "    per_item: 0.423\n    per_parcel: 1", "line 7: carriers[0] (parcel).per_parcel: unknown field"},
		{"transit band", "{max_km: 50, days: 1}", "{max_km: 50, days: 1, hours: 2}", "line 8: carriers[0] (parcel).transit[0].hours: unknown field"},
		{"couriers", "    base: 2.5", "    base: 2.5\n    radius_km: 6", "line 12: couriers[0] (glovo).radius_km: unknown field"},
		{"courier hours", `hours: {open: "08:00", close: "23:00"}`, `hours: {open: "08:00", close: "23:00", days: 7}`, "line 16: couriers[0] (glovo).hours.days: unknown field"},
		{"nodes", "  - id: alm-s01\n    kind: store", "  - id: alm-s01\n    colour: red\n    kind: store", "line 20: nodes[0] (alm-s01).colour: unknown field"},
		{"node without id", "  - id: alm-wh1\n", "  - idd: alm-wh1\n", "line 25: nodes[1].idd: unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(tiny, tt.from, tt.to, 1)
			require.NotEqual(t, tiny, src, "%q not found", tt.from)
			_, err := Parse(strings.NewReader(src), "tiny.yaml")
			require.ErrorIs(t, err, ErrInvalidNetwork)
			assert.Contains(t, err.Error(), "tiny.yaml: invalid network: "+tt.want)
			assert.NotContains(t, err.Error(), "not found in type")
		})
	}
	src := strings.Replace(strings.Replace(tiny, "name: tiny", "name: tiny\nowner: me", 1), "kind: warehouse", "kind: warehouse\n    colour: red", 1)
	_, err := Parse(strings.NewReader(src), "tiny.yaml")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "line 2: owner: unknown field")
	assert.Contains(t, err.Error(), "line 28: nodes[1] (alm-wh1).colour: unknown field")
}

func TestParseReportsEveryProblem(t *testing.T) {
	src := strings.Replace(strings.Replace(tiny, "lat: 43.25", "lat: 95", 1), "lon: 76.87", "lon: 200", 1)
	_, err := Parse(strings.NewReader(src), "tiny.yaml")
	if err == nil || !strings.Contains(err.Error(), "nodes[0] (alm-s01).lat") || !strings.Contains(err.Error(), "nodes[1] (alm-wh1).lon") {
		t.Errorf("want both problems named, got %v", err)
	}
}

func TestEnabledDefaultsTrue(t *testing.T) {
	n, err := Parse(strings.NewReader(tiny), "tiny.yaml")
	require.NoError(t, err)
	assert.True(t, n.Nodes[0].Enabled, "a node without enabled: is disabled")
	src := strings.Replace(tiny, "kind: warehouse", "kind: warehouse\n    enabled: false", 1)
	if n, err = Parse(strings.NewReader(src), "tiny.yaml"); err != nil {
		t.Fatal(err)
	}
	assert.False(t, n.Nodes[1].Enabled, "enabled: false ignored")
}

func TestCloneIsDeep(t *testing.T) {
	n, err := Demo()
	require.NoError(t, err)
	c := n.Clone()
	assert.False(t, c.Initialized(), "a clone claims to be initialised")
	c.Nodes[0].Methods[0] = 0
	c.Nodes[0].Tags[0] = "changed"
	c.Carriers[0].Transit[0].Days = 99
	c.Couriers[0].Kinds[0] = Warehouse
	if n.Nodes[0].Methods[0] == 0 || n.Nodes[0].Tags[0] == "changed" || n.Carriers[0].Transit[0].Days == 99 || n.Couriers[0].Kinds[0] == Warehouse {
		t.Error("changing the clone changed the original")
	}
	assert.Error(t, c.Init(), "Init accepted method 0")
}

func TestParseErrorLines(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"node-field", "lat: 43.35", "lat: 99", "line 27: nodes[1] (alm-wh1).lat:"},
		{"node-method", "[warehouse_ship]", "[warehouse_ship, warp]", "line 29: nodes[1] (alm-wh1).methods[1]:"},
		{"missing-field", "    speed_kmh: 25\n", "", "line 10: couriers[0] (glovo).speed_kmh:"},
		{"nested", "{max_km: 5000, days: 3}", "{max_km: 5000, days: -3}", "line 8: carriers[0] (parcel).transit[1].days:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(tiny, tt.from, tt.to, 1)
			_, err := Parse(strings.NewReader(src), "tiny.yaml")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error\n  %v\ndoes not say\n  %s", err, tt.want)
			}
		})
	}
}

func TestSpatialQueries(t *testing.T) {
	n, err := Demo()
	require.NoError(t, err)
	// Around central Almaty: the nearest node is the Tastak store (1.6 km).
	near := n.NearestNodes(43.2389, 76.8897, 3, nil)
	if len(near) != 3 || n.Nodes[near[0]].ID != "alm-s08" {
		t.Errorf("NearestNodes = %v", near)
	}
	within := n.NodesWithin(43.2389, 76.8897, 3, nil)
	for _, i := range within {
		assert.Equal(t, "Almaty", n.Nodes[i].City, "%s is within 3 km of central Almaty", n.Nodes[i].ID)
	}
	if len(within) < 4 || n.Index().Len() != len(n.Nodes) {
		t.Errorf("NodesWithin = %v", within)
	}
	c := n.Clone()
	if c.Index() != nil || len(c.NodesWithin(43.2, 76.9, 10, nil)) != 0 || !c.InCourierArea(0, 0, 0) {
		t.Error("an uninitialised network answers spatial queries")
	}
	if _, err := c.ValidateOrder(&Order{}); !errors.Is(err, ErrNotInitialized) {
		t.Errorf("ValidateOrder on an uninitialised network: %v", err)
	}
	if i, ok := c.NodeIndex("alm-s08"); !ok || c.Nodes[i].ID != "alm-s08" {
		t.Error("NodeIndex before Init")
	}
}

// TestCourierAreaChecks: a service area that crosses itself is refused with
// its field and line; one with latitude and longitude swapped (far from
// every node) is accepted with a warning that says so.
func TestCourierAreaChecks(t *testing.T) {
	const area = `[[[76.7,43.1],[77.1,43.1],[77.1,43.4],[76.7,43.4],[76.7,43.1]]]`

	bowTie := strings.Replace(tiny, area, `[[[76.7,43.1],[77.1,43.4],[77.1,43.1],[76.7,43.4],[76.7,43.1]]]`, 1)
	require.NotEqual(t, tiny, bowTie)
	_, err := Parse(strings.NewReader(bowTie), "tiny.yaml")
	require.ErrorIs(t, err, ErrInvalidNetwork)
	assert.Contains(t, err.Error(), "line 17: couriers[0] (glovo).areas: bad geometry: ring 0 crosses itself: the edge from [76.7, 43.1] to [77.1, 43.4] meets the edge from [77.1, 43.1] to [76.7, 43.4]")

	swapped := strings.Replace(tiny, area, `[[[43.1,76.7],[43.1,77.1],[43.4,77.1],[43.4,76.7],[43.1,76.7]]]`, 1)
	require.NotEqual(t, tiny, swapped)
	n, err := Parse(strings.NewReader(swapped), "tiny.yaml")
	require.NoError(t, err, "a far polygon is valid")
	require.Len(t, n.Warnings(), 1)
	w := n.Warnings()[0]
	assert.True(t, strings.HasPrefix(w, "line 17: couriers[0] (glovo).areas: polygon 0 lies "), w)
	assert.Contains(t, w, "from the nearest node (alm-wh1), beyond the courier's reach of 6 km")
	assert.Contains(t, w, "are latitude and longitude swapped?")

	// Without a radius the courier's reach is FarAreaKm: a zone 60 km from
	// the stores is fine, one 200 km away is not.
	noRadius := strings.Replace(tiny, "    max_radius_km: 6\n", "", 1)
	near := strings.Replace(noRadius, area, `[[[77.5,43.1],[77.9,43.1],[77.9,43.4],[77.5,43.4],[77.5,43.1]]]`, 1)
	n, err = Parse(strings.NewReader(near), "tiny.yaml")
	require.NoError(t, err)
	assert.Empty(t, n.Warnings())
	far := strings.Replace(noRadius, area, `[[[79.5,43.1],[79.9,43.1],[79.9,43.4],[79.5,43.4],[79.5,43.1]]]`, 1)
	n, err = Parse(strings.NewReader(far), "tiny.yaml")
	require.NoError(t, err)
	require.Len(t, n.Warnings(), 1)
	assert.Contains(t, n.Warnings()[0], "beyond the courier's reach of 100 km")

	n, err = Parse(strings.NewReader(tiny), "tiny.yaml")
	require.NoError(t, err)
	assert.Empty(t, n.Warnings())
	demo, err := Demo()
	require.NoError(t, err)
	assert.Empty(t, demo.Warnings(), "the demo network is clean")
}
