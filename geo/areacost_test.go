package geo

import (
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"testing"
)

// TestCachedAreaSizesByLargestPolygon: a multi-polygon of small polygons is
// answered by ray cast, one with a large polygon is cached.
func TestCachedAreaSizesByLargestPolygon(t *testing.T) {
	small := circle(43.24, 76.89, 0.1, 40)
	large := circle(51.16, 71.47, 0.1, 200)
	multi := func(a, b string) string {
		// Both are {"type":"Polygon","coordinates":[RING]}: keep the rings.
		ring := func(s string) string { return s[len(`{"type":"Polygon","coordinates":`) : len(s)-1] }
		return `{"type":"MultiPolygon","coordinates":[` + ring(a) + `,` + ring(b) + `]}`
	}
	for _, c := range []struct {
		name  string
		geo   string
		cache bool
	}{{"small+small", multi(small, circle(51.16, 71.47, 0.1, 40)), false}, {"small+large", multi(small, large), true}} {
		a, err := ParseArea([]byte(c.geo))
		require.NoError(t, err, "%s", c.name)
		require.GreaterOrEqual(t, a.Vertices(), CacheMinVertices, "%s: only %d vertices", c.name, a.Vertices())
		ca, err := NewCachedArea(a, 128, 0)
		require.NoError(t, err)
		assert.Equal(t, c.cache, ca.cache != nil, "%s: caching = %v, want %v", c.name, ca.cache != nil, c.cache)
	}
}
