// Package distance finds road distances from nodes to a customer before an
// order is built: from an OSRM-compatible table service over HTTP (OSRM),
// or from a CSV matrix keyed by customer cell (Matrix). Answers go into
// the order's network.Live as legs, which the Builder reads; a node
// without one gets great circle x policy.circuity. Nothing here is asked
// under a lock, and a source that fails or is slow only costs the order
// its road distances.
package distance

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/omniroute/omniroute/network"
)

// Defaults of a zero network.DistanceConfig field.
const (
	DefaultCellDeg   = 0.01
	DefaultTimeout   = 500 * time.Millisecond
	DefaultMaxKm     = 50.0
	DefaultCacheSize = 100_000
	DefaultProfile   = "driving"
)

// Provider gives the road legs from nodes to a customer.
type Provider interface {
	// Name names the provider in metrics ("osrm", "csv").
	Name() string
	// Legs appends to dst the legs it knows from nodes (ascending) to the
	// customer at (lat, lon), ascending by node.
	Legs(ctx context.Context, lat, lon float64, nodes []int, dst []network.Leg) ([]network.Leg, error)
}

// cell is a customer cell: a square of the map, cellDeg on a side.
type cell struct{ row, col int32 }

func cellOf(lat, lon, deg float64) (cell, float64, float64) {
	c := cell{row: int32(math.Floor(lat / deg)), col: int32(math.Floor(lon / deg))}
	return c, (float64(c.row) + 0.5) * deg, (float64(c.col) + 0.5) * deg
}

// Metrics count look-ups by provider and result. A nil *Metrics counts
// nothing.
type Metrics struct {
	lookups *prometheus.CounterVec
}

// NewMetrics registers omniroute_distance_lookups_total{provider,result}
// (result: ok, error) on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "omniroute_distance_lookups_total",
		Help: "Road distance look-ups before a build, by provider and result: ok, error (great circle x circuity instead).",
	}, []string{"provider", "result"})}
	reg.MustRegister(m.lookups)
	return m
}

func (m *Metrics) count(provider, result string) {
	if m != nil {
		m.lookups.WithLabelValues(provider, result).Inc()
	}
}

// Counter is the counter of provider and result, for tests.
func (m *Metrics) Counter(provider, result string) prometheus.Counter {
	return m.lookups.WithLabelValues(provider, result)
}

// Fetcher asks a network's distance provider for the nodes near an order's
// customer. It is safe for concurrent use.
type Fetcher struct {
	net   *network.Network
	p     Provider
	maxKm float64
	m     *Metrics
}

// NewFetcher returns the fetcher of net's distance block: nil when the
// network has none. A CSV matrix is read now (its path as the network
// gives it); allowHTTP false refuses an OSRM provider (a replay never
// calls the network), returning nil for it.
func NewFetcher(net *network.Network, httpClient *http.Client, m *Metrics, allowHTTP bool) (*Fetcher, error) {
	d := net.Distance
	if d == nil {
		return nil, nil
	}
	f := &Fetcher{net: net, maxKm: d.MaxKm, m: m}
	if f.maxKm == 0 {
		f.maxKm = net.Policy.CandidateRadiusKm
	}
	if f.maxKm == 0 {
		f.maxKm = DefaultMaxKm
	}
	switch {
	case d.CSV != "":
		mx, err := LoadMatrix(d.CSV, net)
		if err != nil {
			return nil, err
		}
		f.p = mx
	case !allowHTTP:
		return nil, nil
	default:
		o, err := NewOSRM(d, httpClient)
		if err != nil {
			return nil, err
		}
		f.p = o.Bind(net)
	}
	return f, nil
}

// Provider is the fetcher's provider.
func (f *Fetcher) Provider() Provider { return f.p }

// Fetch adds to live the legs of the enabled nodes within the fetcher's
// range of o's customer. On an error it adds none: great circles it is.
func (f *Fetcher) Fetch(ctx context.Context, o *network.Order, live *network.Live) {
	if f == nil {
		return
	}
	nodes := f.net.NodesWithin(o.Lat, o.Lon, f.maxKm, nil)
	nodes = slices.DeleteFunc(nodes, func(i int) bool { return !f.net.Nodes[i].Enabled })
	if len(nodes) == 0 {
		return
	}
	n := len(live.Legs)
	legs, err := f.p.Legs(ctx, o.Lat, o.Lon, nodes, live.Legs)
	if err != nil {
		live.Legs = live.Legs[:n]
		f.m.count(f.p.Name(), "error")
		return
	}
	live.Legs = legs
	live.Sort()
	f.m.count(f.p.Name(), "ok")
}

// Matrix is a road distance matrix read from CSV: for each customer cell,
// the legs of the nodes it lists. It never does I/O after loading and is
// safe for concurrent use.
type Matrix struct {
	deg  float64
	legs map[cell][]network.Leg // ascending by node
}

// LoadMatrix reads a matrix file (see ReadMatrix).
func LoadMatrix(path string, net *network.Network) (*Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("distance matrix: %w", err)
	}
	defer f.Close()
	return ReadMatrix(f, path, net)
}

// ReadMatrix reads "node,lat,lon,km,minutes" rows (a header first): the
// road from node to the customer cell holding (lat, lon), of
// net.Distance's cell size. An error names the file and line.
func ReadMatrix(r io.Reader, name string, net *network.Network) (*Matrix, error) {
	deg := DefaultCellDeg
	if net.Distance != nil && net.Distance.CellDeg > 0 {
		deg = net.Distance.CellDeg
	}
	m := &Matrix{deg: deg, legs: map[cell][]network.Leg{}}
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSpace(sc.Text())
		if text == "" || (line == 1 && strings.HasPrefix(text, "node,")) {
			continue
		}
		f := strings.Split(text, ",")
		if len(f) != 5 {
			return nil, fmt.Errorf("%s:%d: %d fields, want node,lat,lon,km,minutes", name, line, len(f))
		}
		node, ok := net.NodeIndex(f[0])
		if !ok {
			return nil, fmt.Errorf("%s:%d: node: unknown node %q", name, line, f[0])
		}
		var v [4]float64
		for i, field := range []string{"lat", "lon", "km", "minutes"} {
			x, err := strconv.ParseFloat(f[i+1], 64)
			if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("%s:%d: %s: %q is not a number", name, line, field, f[i+1])
			}
			v[i] = x
		}
		if v[0] < -90 || v[0] > 90 || v[1] < -180 || v[1] > 180 || v[2] < 0 || v[3] < 0 {
			return nil, fmt.Errorf("%s:%d: a position out of range or a negative distance or time", name, line)
		}
		c, _, _ := cellOf(v[0], v[1], deg)
		m.legs[c] = append(m.legs[c], network.Leg{Node: int32(node), Km: v[2], Minutes: v[3]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for c, legs := range m.legs {
		slices.SortStableFunc(legs, func(a, b network.Leg) int { return cmp.Compare(a.Node, b.Node) })
		m.legs[c] = slices.CompactFunc(legs, func(a, b network.Leg) bool { return a.Node == b.Node })
	}
	return m, nil
}

// Name implements Provider.
func (m *Matrix) Name() string { return "csv" }

// Legs implements Provider: the legs of the customer's cell for the nodes
// asked.
func (m *Matrix) Legs(_ context.Context, lat, lon float64, nodes []int, dst []network.Leg) ([]network.Leg, error) {
	c, _, _ := cellOf(lat, lon, m.deg)
	legs := m.legs[c]
	j := 0
	for _, n := range nodes {
		for j < len(legs) && int(legs[j].Node) < n {
			j++
		}
		if j < len(legs) && int(legs[j].Node) == n {
			dst = append(dst, legs[j])
		}
	}
	return dst, nil
}

// CellLegs returns the legs of the cell of (lat, lon), ascending by node,
// shared: read only. A replay hands them to the Builder as they are.
func (m *Matrix) CellLegs(lat, lon float64) []network.Leg {
	c, _, _ := cellOf(lat, lon, m.deg)
	return m.legs[c]
}

// OSRM asks an OSRM-compatible table service for the road distances and
// durations from nodes to a customer cell's centre, caching the answers
// per (cell, node) in an LRU. It is safe for concurrent use.
type OSRM struct {
	base    string
	profile string
	timeout time.Duration
	deg     float64
	http    *http.Client
	cache   *lru.Cache[cellNode, network.Leg]
	coords  func(node int) (lat, lon float64)
}

type cellNode struct {
	cell
	node int32
}

// NewOSRM returns the client of d's osrm_url.
func NewOSRM(d *network.DistanceConfig, httpClient *http.Client) (*OSRM, error) {
	o := &OSRM{base: strings.TrimRight(d.OSRMURL, "/"), profile: d.Profile, timeout: d.Timeout, deg: d.CellDeg, http: httpClient}
	if o.profile == "" {
		o.profile = DefaultProfile
	}
	if o.timeout == 0 {
		o.timeout = DefaultTimeout
	}
	if o.deg == 0 {
		o.deg = DefaultCellDeg
	}
	if o.http == nil {
		o.http = &http.Client{}
	}
	size := d.CacheSize
	if size == 0 {
		size = DefaultCacheSize
	}
	cache, err := lru.New[cellNode, network.Leg](size)
	if err != nil {
		return nil, fmt.Errorf("distance: %w", err)
	}
	o.cache = cache
	return o, nil
}

// Bind tells the client the node positions of its network.
func (o *OSRM) Bind(net *network.Network) *OSRM {
	o.coords = func(i int) (float64, float64) { return net.Nodes[i].Lat, net.Nodes[i].Lon }
	return o
}

// Name implements Provider.
func (o *OSRM) Name() string { return "osrm" }

// table is the part of an OSRM table answer read here: distances in
// metres, durations in seconds, null where there is no route.
type table struct {
	Code      string       `json:"code"`
	Message   string       `json:"message"`
	Distances [][]*float64 `json:"distances"`
	Durations [][]*float64 `json:"durations"`
}

// Legs implements Provider: the cached legs, and one table call (sources
// the nodes not cached, the destination the cell's centre) for the rest,
// within the client's timeout and ctx.
func (o *OSRM) Legs(ctx context.Context, lat, lon float64, nodes []int, dst []network.Leg) ([]network.Leg, error) {
	if o.coords == nil {
		return dst, errors.New("osrm: not bound to a network")
	}
	c, cLat, cLon := cellOf(lat, lon, o.deg)
	var missing []int
	for _, n := range nodes {
		if leg, ok := o.cache.Get(cellNode{c, int32(n)}); ok {
			if leg.Km >= 0 {
				dst = append(dst, leg)
			}
			continue
		}
		missing = append(missing, n)
	}
	if len(missing) == 0 {
		return dst, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s/table/v1/%s/%.6f,%.6f", o.base, url.PathEscape(o.profile), cLon, cLat)
	for _, n := range missing {
		nLat, nLon := o.coords(n)
		fmt.Fprintf(&b, ";%.6f,%.6f", nLon, nLat)
	}
	b.WriteString("?destinations=0&annotations=distance,duration&sources=")
	for i := range missing {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(strconv.Itoa(i + 1))
	}
	cctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, b.String(), nil)
	if err != nil {
		return dst, fmt.Errorf("osrm: %w", err)
	}
	resp, err := o.http.Do(req)
	if err != nil {
		return dst, fmt.Errorf("osrm: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return dst, fmt.Errorf("osrm: HTTP %d", resp.StatusCode)
	}
	var t table
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&t); err != nil {
		return dst, fmt.Errorf("osrm: answer: %w", err)
	}
	if t.Code != "Ok" || len(t.Distances) != len(missing) {
		return dst, fmt.Errorf("osrm: answer code %q (%s), %d rows for %d sources", t.Code, t.Message, len(t.Distances), len(missing))
	}
	for i, n := range missing {
		leg := network.Leg{Node: int32(n), Km: -1} // -1: no route, cached as such
		if row := t.Distances[i]; len(row) == 1 && row[0] != nil && *row[0] >= 0 {
			leg.Km = *row[0] / 1000
			if i < len(t.Durations) && len(t.Durations[i]) == 1 && t.Durations[i][0] != nil && *t.Durations[i][0] >= 0 {
				leg.Minutes = *t.Durations[i][0] / 60
			}
		}
		o.cache.Add(cellNode{c, int32(n)}, leg)
		if leg.Km >= 0 {
			dst = append(dst, leg)
		}
	}
	return dst, nil
}
