package geo

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDistanceKm(t *testing.T) {
	tests := []struct {
		name                   string
		lat1, lon1, lat2, lon2 float64
		want, tol              float64
	}{
		// Almaty to Astana city centres: about 970 km in a straight line.
		{"almaty-astana", 43.2389, 76.8897, 51.1605, 71.4704, 970.6956, 0.001},
		{"astana-almaty", 51.1605, 71.4704, 43.2389, 76.8897, 970.6956, 0.001},
		// Big Ben to the Statue of Liberty, a common haversine reference.
		{"london-new-york", 51.5007, -0.1246, 40.6892, -74.0445, 5574.8482, 0.001},
		// One degree of longitude on the equator: R x pi / 180.
		{"equator-1deg", 0, 0, 0, 1, EarthRadiusKm * math.Pi / 180, 1e-9},
		{"same-point", 43.2389, 76.8897, 43.2389, 76.8897, 0, 0},
		{"antipodes", 0, 0, 0, 180, math.Pi * EarthRadiusKm, 1e-6},
		{"across-antimeridian", 0, 179.5, 0, -179.5, EarthRadiusKm * math.Pi / 180, 1e-9},
		{"pole-to-pole", 90, 0, -90, 0, math.Pi * EarthRadiusKm, 1e-6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DistanceKm(tt.lat1, tt.lon1, tt.lat2, tt.lon2)
			assert.LessOrEqual(t, math.Abs(got-tt.want), tt.tol, "DistanceKm = %.6f, want %.6f ± %g", got, tt.want, tt.tol)
		})
	}
}

func TestBoxAroundContainsCircle(t *testing.T) {
	centres := []Point{{43.2389, 76.8897}, {51.1605, 71.4704}, {0, 179.99}, {89.9, 10}, {-60, -170}}
	for _, c := range centres {
		for _, r := range []float64{0.5, 6, 50, 500} {
			b := BoxAround(c.Lat, c.Lon, r)
			// Walk the circle: every point on it must be inside the box.
			for deg := 0.0; deg < 360; deg += 5 {
				lat, lon := destination(c.Lat, c.Lon, deg, r*0.999)
				assert.True(t, b.Contains(lat, lon), "BoxAround(%v, %v km) = %+v misses (%v, %v) at bearing %v", c, r, b, lat, lon, deg)
			}
		}
	}
}

// destination walks km from (lat, lon) on the initial bearing deg.
func destination(lat, lon, deg, km float64) (float64, float64) {
	φ1, λ1, θ := lat*degToRad, lon*degToRad, deg*degToRad
	δ := km / EarthRadiusKm
	φ2 := math.Asin(math.Sin(φ1)*math.Cos(δ) + math.Cos(φ1)*math.Sin(δ)*math.Cos(θ))
	λ2 := λ1 + math.Atan2(math.Sin(θ)*math.Sin(δ)*math.Cos(φ1), math.Cos(δ)-math.Sin(φ1)*math.Sin(φ2))
	lon2 := math.Mod(λ2/degToRad+540, 360) - 180
	return φ2 / degToRad, lon2
}

func BenchmarkDistanceKm(b *testing.B) {
	b.ReportAllocs()
	var s float64
	for i := 0; b.Loop(); i++ {
		s += DistanceKm(43.2389, 76.8897, 51.1605+float64(i&7)*1e-3, 71.4704)
	}
	_ = s
}

func TestUnitDistanceMatchesHaversine(t *testing.T) {
	pairs := [][4]float64{
		{43.2389, 76.8897, 51.1605, 71.4704},
		{43.2389, 76.8897, 43.2390, 76.8897},
		{43.2389, 76.8897, 43.2389, 76.8897},
		{0, 179.9, 0, -179.9},
		{89, 0, -89, 180},
		{10, 20, -10, -160},
	}
	for _, p := range pairs {
		want := DistanceKm(p[0], p[1], p[2], p[3])
		got := ToUnit(p[0], p[1]).DistanceKm(ToUnit(p[2], p[3]))
		assert.LessOrEqual(t, math.Abs(got-want), 1e-6+want*1e-9, "%v: unit distance %.9f, haversine %.9f", p, got, want)
	}
}

func BenchmarkUnitDistanceKm(b *testing.B) {
	b.ReportAllocs()
	u := ToUnit(43.2389, 76.8897)
	vs := [8]Unit{}
	for i := range vs {
		vs[i] = ToUnit(51.1605+float64(i)*1e-3, 71.4704)
	}
	var s float64
	for i := 0; b.Loop(); i++ {
		s += u.DistanceKm(vs[i&7])
	}
	_ = s
}

func TestAsinSeries(t *testing.T) {
	for x := 0.0; x <= 1; x += 1.0 / 4096 {
		if got, want := asin(x), math.Asin(x); math.Abs(got-want) > 4e-16*math.Max(want, 1e-300) {
			t.Fatalf("asin(%v) = %v, math.Asin %v", x, got, want)
		}
	}
}
