package geo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A square of 1 x 1 degree with a square hole in the middle, and a second
// polygon far away.
const squareWithHole = `{"type":"MultiPolygon","coordinates":[
 [[[10,10],[11,10],[11,11],[10,11],[10,10]],[[10.4,10.4],[10.6,10.4],[10.6,10.6],[10.4,10.6],[10.4,10.4]]],
 [[[20,-5],[21,-5],[20.5,-4],[20,-5]]]
]}`

func TestAreaContains(t *testing.T) {
	a, err := ParseArea([]byte(squareWithHole))
	require.NoError(t, err)
	tests := []struct {
		name     string
		lat, lon float64
		want     bool
	}{
		{"inside-outer", 10.2, 10.2, true},
		{"inside-hole", 10.5, 10.5, false},
		{"between-hole-and-edge", 10.5, 10.7, true},
		{"outside-bbox", 12, 12, false},
		{"outside-right", 10.5, 11.01, false},
		{"second-polygon", -4.8, 20.5, true},
		{"second-polygon-bbox-corner", -4.1, 20.05, false},
		{"nan", math.NaN(), 10.5, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, a.Contains(tt.lat, tt.lon), "Contains(%v, %v)", tt.lat, tt.lon)
		})
	}
	assert.Equal(t, 4+4+3, a.Vertices(), "Vertices = %d, want 11", a.Vertices())
	assert.Equal(t, Box{MinLat: -5, MinLon: 10, MaxLat: 11, MaxLon: 21}, a.Bounds(), "Bounds")
}

func TestParseAreaForms(t *testing.T) {
	poly := `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1],[0,0]]]}`
	forms := map[string]string{
		"polygon":            poly,
		"feature":            `{"type":"Feature","properties":{"name":"x"},"geometry":` + poly + `}`,
		"feature-collection": `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":` + poly + `}]}`,
	}
	for _, name := range []string{"polygon", "feature", "feature-collection"} {
		t.Run(name, func(t *testing.T) {
			a, err := ParseArea([]byte(forms[name]))
			require.NoError(t, err)
			if !a.Contains(0.5, 0.5) || a.Contains(1.5, 0.5) {
				t.Error("wrong containment")
			}
		})
	}
}

func TestParseAreaErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"not-json", `{`, "bad geometry"},
		{"point", `{"type":"Point","coordinates":[1,2]}`, "is not a Polygon or MultiPolygon"},
		{"open-ring", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]}`, "ring 0 is not closed"},
		{"short-ring", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]}`, "ring 0 has 3 positions"},
		{"bad-lat", `{"type":"Polygon","coordinates":[[[0,0],[1,0],[1,95],[0,0]]]}`, "not a valid [lon, lat]"},
		{"empty", `{"type":"MultiPolygon","coordinates":[]}`, "no polygon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseArea([]byte(tt.json))
			require.Error(t, err, "no error")
			assert.ErrorIs(t, err, ErrBadGeometry, "error %v does not wrap ErrBadGeometry", err)
			assert.ErrorContains(t, err, tt.want, "error %q does not say %q", err, tt.want)
		})
	}
}

// circle returns a GeoJSON polygon approximating a circle with n vertices.
func circle(lat, lon, rDeg float64, n int) string {
	var sb strings.Builder
	sb.WriteString(`{"type":"Polygon","coordinates":[[`)
	for i := 0; i <= n; i++ {
		θ := 2 * math.Pi * float64(i%n) / float64(n)
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "[%.7f,%.7f]", lon+rDeg*math.Cos(θ), lat+rDeg*math.Sin(θ))
	}
	sb.WriteString(`]]}`)
	return sb.String()
}

func TestCachedAreaMatchesRounded(t *testing.T) {
	for _, n := range []int{8, 400} {
		a, err := ParseArea([]byte(circle(43.24, 76.89, 0.1, n)))
		require.NoError(t, err)
		c, err := NewCachedArea(a, 128, 0)
		require.NoError(t, err)
		assert.Equal(t, n >= CacheMinVertices, c.cache != nil, "n=%d: caching = %v", n, c.cache != nil)
		rng := rand.New(rand.NewPCG(1, uint64(n)))
		for i := 0; i < 2000; i++ {
			lat := 43.24 + (rng.Float64()-0.5)*0.25
			lon := 76.89 + (rng.Float64()-0.5)*0.25
			if i%3 == 0 { // repeat positions so the cache answers
				lat, lon = 43.24+float64(i%7)*0.01, 76.89
			}
			rl := math.Round(lat*1e4) / 1e4
			rn := math.Round(lon*1e4) / 1e4
			require.Equal(t, a.Contains(rl, rn), c.Contains(lat, lon), "n=%d: Contains(%v, %v)", n, lat, lon)
		}
		assert.LessOrEqual(t, c.CacheLen(), 128, "cache holds %d entries, bound 128", c.CacheLen())
	}
}

func BenchmarkAreaContains(b *testing.B) {
	for _, n := range []int{12, 100, 1000} {
		a, err := ParseArea([]byte(circle(43.24, 76.89, 0.1, n)))
		require.NoError(b, err)
		c, _ := NewCachedArea(a, 1024, 0)
		b.Run(fmt.Sprintf("vertices=%d/direct", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				a.Contains(43.24+float64(i&63)*1e-3, 76.89)
			}
		})
		b.Run(fmt.Sprintf("vertices=%d/cached", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				c.Contains(43.24+float64(i&63)*1e-3, 76.89)
			}
		})
	}
}

// TestCachedAreaConcurrent shares one cached area between goroutines; run
// with -race. Answers must match a private, uncached evaluation.
func TestCachedAreaConcurrent(t *testing.T) {
	a, err := ParseArea([]byte(circle(43.24, 76.89, 0.1, 256)))
	require.NoError(t, err)
	c, err := NewCachedArea(a, 64, 0)
	require.NoError(t, err)
	errs := make(chan error, 4)
	for g := range 4 {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for i := 0; i < 2000; i++ {
				lat := 43.24 + float64(rng.IntN(200)-100)*1e-3
				lon := 76.89 + float64(rng.IntN(200)-100)*1e-3
				if got, want := c.Contains(lat, lon), a.Contains(math.Round(lat*1e4)/1e4, math.Round(lon*1e4)/1e4); got != want {
					errs <- fmt.Errorf("Contains(%v, %v) = %v, want %v", lat, lon, got, want)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		assert.NoError(t, <-errs)
	}
	assert.LessOrEqual(t, c.CacheLen(), 64, "cache grew to %d entries, bound 64", c.CacheLen())
}
