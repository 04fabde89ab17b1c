package geo

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAreaRefusesRingsThatCrossThemselves(t *testing.T) {
	bad := []struct {
		name, geojson, want string
	}{
		{"bow tie", `{"type":"Polygon","coordinates":[[[0,0],[2,2],[2,0],[0,2],[0,0]]]}`,
			"ring 0 crosses itself: the edge from [0, 0] to [2, 2] meets the edge from [2, 0] to [0, 2]"},
		{"figure eight touching at a vertex", `{"type":"Polygon","coordinates":[[[0,0],[1,1],[2,0],[2,2],[1,1],[0,2],[0,0]]]}`,
			"ring 0 crosses itself"},
		{"spike back along an edge", `{"type":"Polygon","coordinates":[[[0,0],[2,0],[1,0],[1,1],[0,0]]]}`,
			"ring 0 crosses itself"},
		{"a hole that crosses itself", `{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[1,1],[3,3],[3,1],[1,3],[1,1]]]}`,
			"ring 1 crosses itself"},
		{"in a multipolygon", `{"type":"MultiPolygon","coordinates":[[[[0,0],[1,0],[1,1],[0,0]]],[[[5,5],[7,7],[7,5],[5,7],[5,5]]]]}`,
			"polygon 1: bad geometry: ring 0 crosses itself"},
		{"no area", `{"type":"Polygon","coordinates":[[[0,0],[1,1],[0,0],[0,0]]]}`,
			"ring 0 has 2 distinct positions"},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseArea([]byte(c.geojson))
			require.ErrorIs(t, err, ErrBadGeometry)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	good := []struct{ name, geojson string }{
		{"square", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}`},
		{"concave", `{"type":"Polygon","coordinates":[[[0,0],[4,0],[4,4],[2,1],[0,4],[0,0]]]}`},
		{"straight run through a vertex", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[2,0],[2,2],[0,2],[0,0]]]}`},
		{"repeated position", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,0],[1,1],[0,1],[0,0]]]}`},
		{"hole", `{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]],[[2,2],[3,2],[3,3],[2,2]]]}`},
	}
	for _, c := range good {
		t.Run(c.name, func(t *testing.T) {
			a, err := ParseArea([]byte(c.geojson))
			require.NoError(t, err)
			assert.Equal(t, 1, a.Polygons())
		})
	}
}

func TestBoxDistanceKm(t *testing.T) {
	b := Box{MinLat: 43, MinLon: 76, MaxLat: 44, MaxLon: 77}
	assert.Zero(t, b.DistanceKm(43.5, 76.5))
	assert.InDelta(t, DistanceKm(45, 76.5, 44, 76.5), b.DistanceKm(45, 76.5), 1e-9)
	// Almaty's box with lat and lon swapped lies in the Arctic, thousands
	// of km from the city.
	swapped := Box{MinLat: 76, MinLon: 43, MaxLat: 77, MaxLon: 44}
	assert.Greater(t, swapped.DistanceKm(43.25, 76.9), 3000.0)
}
