package distance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/network"
)

// fakeOSRM answers the OSRM table API: the road from each source to the
// destination is 1.25 x the great circle, at 30 km/h; a source at
// latitude 0 has no route. It counts its calls; fail answers 500, slow
// holds the call until the caller gives up.
type fakeOSRM struct {
	srv        *httptest.Server
	calls      atomic.Int64
	mu         sync.Mutex
	fail, slow bool
	lastPath   string
}

func newFakeOSRM(t *testing.T) *fakeOSRM {
	f := &fakeOSRM{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.calls.Add(1)
		f.mu.Lock()
		fail, slow := f.fail, f.slow
		f.lastPath = r.URL.Path
		f.mu.Unlock()
		if slow {
			<-r.Context().Done()
			return
		}
		if fail {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		coords, ok := strings.CutPrefix(r.URL.Path, "/table/v1/driving/")
		// OSRM separates list items with ';', which url.ParseQuery drops.
		q := map[string]string{}
		for _, kv := range strings.Split(r.URL.RawQuery, "&") {
			k, v, _ := strings.Cut(kv, "=")
			q[k] = v
		}
		if !ok || q["destinations"] != "0" || q["annotations"] != "distance,duration" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var pts []geo.Point
		for _, c := range strings.Split(coords, ";") {
			lon, lat, _ := strings.Cut(c, ",")
			x, _ := strconv.ParseFloat(lon, 64)
			y, _ := strconv.ParseFloat(lat, 64)
			pts = append(pts, geo.Point{Lat: y, Lon: x})
		}
		var dist, dur [][]*float64
		for _, s := range strings.Split(q["sources"], ";") {
			i, _ := strconv.Atoi(s)
			if pts[i].Lat == 0 {
				dist, dur = append(dist, []*float64{nil}), append(dur, []*float64{nil})
				continue
			}
			m := 1.25 * geo.DistanceKm(pts[i].Lat, pts[i].Lon, pts[0].Lat, pts[0].Lon) * 1000
			sec := m / 1000 / 30 * 3600
			dist, dur = append(dist, []*float64{&m}), append(dur, []*float64{&sec})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"code": "Ok", "distances": dist, "durations": dur})
	}))
	t.Cleanup(f.srv.Close)
	return f
}

const roadNet = `name: roads
policy: {candidate_radius_km: 50, tz_offset_minutes: 300}
carriers:
  - {name: parcel, per_package: 8, per_item: 0.4, transit: [{max_km: 5000, days: 1}]}
nodes:
  - {id: a, kind: store, lat: 43.25, lon: 76.90, methods: [ship_from_store]}
  - {id: b, kind: store, lat: 43.30, lon: 76.95, methods: [ship_from_store]}
  - {id: far, kind: store, lat: 51.16, lon: 71.47, methods: [ship_from_store]}
  - {id: off, kind: store, lat: 43.26, lon: 76.91, methods: [ship_from_store], enabled: false}
`

func roadNetwork(t *testing.T, distance string) *network.Network {
	n, err := network.Parse(strings.NewReader(roadNet+distance), "roads.yaml")
	require.NoError(t, err)
	return n
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestOSRM: the table service's distances and durations become legs of
// the enabled nodes within range; answers are cached per customer cell and
// node; a node without a route gets none; a failing or slow service gives
// none (great circles), counted.
func TestOSRM(t *testing.T) {
	fake := newFakeOSRM(t)
	n := roadNetwork(t, "distance: {osrm_url: "+fake.srv.URL+", timeout: 50ms}\n")
	m := NewMetrics(prometheus.NewRegistry())
	f, err := NewFetcher(n, nil, m, true)
	require.NoError(t, err)
	o := &network.Order{Lat: 43.2389, Lon: 76.8897}
	var live network.Live
	f.Fetch(ctx(t), o, &live)
	require.Len(t, live.Legs, 2, "a and b; far is out of range, off disabled")
	_, cLat, cLon := cellOf(o.Lat, o.Lon, DefaultCellDeg)
	for i, id := range []string{"a", "b"} {
		j, _ := n.NodeIndex(id)
		gc := geo.DistanceKm(n.Nodes[j].Lat, n.Nodes[j].Lon, cLat, cLon)
		assert.Equal(t, int32(j), live.Legs[i].Node)
		assert.InDelta(t, 1.25*gc, live.Legs[i].Km, 1e-3)
		assert.InDelta(t, 1.25*gc/30*60, live.Legs[i].Minutes, 1e-3)
	}
	assert.EqualValues(t, 1, fake.calls.Load())

	// The same cell: from the cache.
	var again network.Live
	f.Fetch(ctx(t), &network.Order{Lat: 43.2381, Lon: 76.8893}, &again)
	assert.Equal(t, live.Legs, again.Legs)
	assert.EqualValues(t, 1, fake.calls.Load())

	for _, c := range []struct{ name, want string }{{"fail", "error"}, {"slow", "error"}} {
		fake.mu.Lock()
		fake.fail, fake.slow = c.name == "fail", c.name == "slow"
		fake.mu.Unlock()
		var none network.Live
		f.Fetch(ctx(t), &network.Order{Lat: 43.33, Lon: 76.99}, &none)
		assert.Empty(t, none.Legs, c.name)
	}
	assert.InDelta(t, 2, testutil.ToFloat64(m.Counter("osrm", "error")), 0)
	assert.InDelta(t, 2, testutil.ToFloat64(m.Counter("osrm", "ok")), 0)

	// A replay never asks a service over the network.
	f, err = NewFetcher(n, nil, nil, false)
	require.NoError(t, err)
	assert.Nil(t, f)
}

// TestOSRMNoRoute: a null in the table is no leg (and cached as such).
func TestOSRMNoRoute(t *testing.T) {
	fake := newFakeOSRM(t)
	o, err := NewOSRM(&network.DistanceConfig{OSRMURL: fake.srv.URL}, nil)
	require.NoError(t, err)
	o.coords = func(i int) (float64, float64) { return float64(i), 76.9 } // node 0 at latitude 0
	for range 2 {
		legs, err := o.Legs(ctx(t), 43.2, 76.9, []int{0, 43}, nil)
		require.NoError(t, err)
		require.Len(t, legs, 1)
		assert.Equal(t, int32(43), legs[0].Node)
	}
	assert.EqualValues(t, 1, fake.calls.Load())
}

// TestMatrix: a CSV matrix gives the legs of the customer's cell; bad rows
// are errors naming the file and line.
func TestMatrix(t *testing.T) {
	n := roadNetwork(t, "distance: {csv: roads.csv, cell_deg: 0.01}\n")
	m, err := ReadMatrix(strings.NewReader("node,lat,lon,km,minutes\nb,43.235,76.885,9.5,21\na,43.235,76.885,4.5,11\na,43.245,76.885,7,15\n"), "roads.csv", n)
	require.NoError(t, err)
	legs, err := m.Legs(ctx(t), 43.2389, 76.8897, []int{0, 1, 2}, nil)
	require.NoError(t, err)
	assert.Equal(t, []network.Leg{{Node: 0, Km: 4.5, Minutes: 11}, {Node: 1, Km: 9.5, Minutes: 21}}, legs)
	assert.Equal(t, legs, m.CellLegs(43.2389, 76.8897))
	assert.Equal(t, []network.Leg{{Node: 0, Km: 7, Minutes: 15}}, m.CellLegs(43.2401, 76.8801))
	assert.Empty(t, m.CellLegs(10, 10))

	for _, c := range []struct{ rows, want string }{
		{"x,43,76,1,1\n", `roads.csv:2: node: unknown node "x"`},
		{"a,43,76,1\n", "roads.csv:2: 4 fields"},
		{"a,43,76,km,1\n", `roads.csv:2: km: "km" is not a number`},
		{"a,43,76,-1,1\n", "roads.csv:2: a position out of range or a negative distance"},
	} {
		_, err := ReadMatrix(strings.NewReader("node,lat,lon,km,minutes\n"+c.rows), "roads.csv", n)
		assert.ErrorContains(t, err, c.want)
	}
	_, err = LoadMatrix("/nonexistent/roads.csv", n)
	assert.Error(t, err)
	assert.Equal(t, "csv", m.Name())
	assert.Equal(t, fmt.Sprint(DefaultCellDeg), "0.01")
}
