package forecast

import (
	"slices"

	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/network"
)

// Regions are the demand regions of a network: its cities (see the package
// doc). A Regions is read-only once made and safe for concurrent use.
type Regions struct {
	names []string
	// lat and lon are the centres, by region index.
	lat, lon []float64
	index    map[string]int
	// nodeRegion is the region of each node, by node index.
	nodeRegion []int
}

// NewRegions derives the regions of net: one per city, in name order.
func NewRegions(net *network.Network) *Regions {
	r := &Regions{index: make(map[string]int), nodeRegion: make([]int, len(net.Nodes))}
	for i := range net.Nodes {
		name := regionName(&net.Nodes[i])
		if _, ok := r.index[name]; !ok {
			r.index[name] = 0
			r.names = append(r.names, name)
		}
	}
	slices.Sort(r.names)
	for i, n := range r.names {
		r.index[n] = i
	}
	r.lat = make([]float64, len(r.names))
	r.lon = make([]float64, len(r.names))
	count := make([]int, len(r.names))
	for i := range net.Nodes {
		k := r.index[regionName(&net.Nodes[i])]
		r.nodeRegion[i] = k
		r.lat[k] += net.Nodes[i].Lat
		r.lon[k] += net.Nodes[i].Lon
		count[k]++
	}
	for k := range r.names {
		r.lat[k] /= float64(count[k])
		r.lon[k] /= float64(count[k])
	}
	return r
}

func regionName(nd *network.Node) string {
	if nd.City != "" {
		return nd.City
	}
	return nd.ID
}

// Len is the number of regions.
func (r *Regions) Len() int { return len(r.names) }

// Name returns region i's name.
func (r *Regions) Name(i int) string { return r.names[i] }

// Names returns the region names in index (name) order.
func (r *Regions) Names() []string { return slices.Clone(r.names) }

// Index returns the index of the region named name.
func (r *Regions) Index(name string) (int, bool) {
	i, ok := r.index[name]
	return i, ok
}

// Center returns region i's centre: the mean position of its nodes.
func (r *Regions) Center(i int) (lat, lon float64) { return r.lat[i], r.lon[i] }

// NodeRegion returns the region of node (a dense node index).
func (r *Regions) NodeRegion(node int) int { return r.nodeRegion[node] }

// Of returns the region whose centre is nearest to (lat, lon); ties go to
// the lower index.
func (r *Regions) Of(lat, lon float64) int {
	best, bestKm := 0, geo.DistanceKm(lat, lon, r.lat[0], r.lon[0])
	for i := 1; i < len(r.names); i++ {
		if km := geo.DistanceKm(lat, lon, r.lat[i], r.lon[i]); km < bestKm {
			best, bestKm = i, km
		}
	}
	return best
}

// OfOrder returns the region of order o's demand: its pickup store's
// region when it names one in net, else the region nearest the customer.
func (r *Regions) OfOrder(net *network.Network, o *network.Order) int {
	if o.PickupNodeID != "" {
		if i, ok := net.NodeIndex(o.PickupNodeID); ok && i < len(r.nodeRegion) {
			return r.nodeRegion[i]
		}
	}
	return r.Of(o.Lat, o.Lon)
}
