package network

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/geo"
)

// TestNearCellHoldsTheExactReach checks that the cached near set of a cell
// holds every enabled node the exact spatial query finds for a position in
// it, over positions drawn around the nodes (many on cell borders) and
// radii around the cache's threshold, with cells evicted and reused.
func TestNearCellHoldsTheExactReach(t *testing.T) {
	net, err := Demo()
	require.NoError(t, err)
	b := NewBuilder(net, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	radii := []float64{10, 49.99, 50, 50.01, 73, 120, 300, 1500}
	hits := 0
	for i := range 20000 {
		nd := &net.Nodes[rng.IntN(len(net.Nodes))]
		lat, lon := nd.Lat+rng.NormFloat64()*0.5, nd.Lon+rng.NormFloat64()*0.7
		r := radii[rng.IntN(len(radii))]
		if i%4 == 0 {
			// On a cell border.
			side := r / kmPerDegree / nearCacheCellsPerRadius
			lat = float64(int(lat/side)) * side
		}
		set := b.nearCell(lat, lon, r)
		if set == nil {
			require.Less(t, r, float64(nearCacheMinKm), "radius %v at (%v, %v): not cached", r, lat, lon)
			continue
		}
		hits++
		got := append([]uint64(nil), set...)
		for _, n := range net.prep.index.AppendNear(geo.ToUnit(lat, lon), r, nil) {
			if b.kinds[n] != 0 && got[n>>6]&(1<<(n&63)) == 0 {
				t.Fatalf("radius %v at (%v, %v): node %s (%.3f km) missing", r, lat, lon, net.Nodes[n].ID,
					geo.DistanceKm(lat, lon, net.Nodes[n].Lat, net.Nodes[n].Lon))
			}
		}
	}
	require.NotEqual(t, 0, hits, "the cache was never used")
	if b.nearCell(89, 10, 300) != nil || b.nearCell(10, 179.5, 300) != nil {
		t.Error("positions near a pole or the antimeridian are cached")
	}
}
