package geo

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAppendNear checks AppendNear against the exact distance: every
// position within the radius by Unit.DistanceKm is listed, and nothing
// listed lies beyond it by more than rounding.
func TestAppendNear(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, world := range []bool{false, true} {
		pts := randomPoints(rng, 2000, world)
		pts = append(pts, Point{Lat: 91, Lon: 0}) // invalid: never listed
		ix := NewIndex(pts)
		var buf []int32
		for q := range 300 {
			lat, lon := 43.24+rng.NormFloat64()*0.1, 76.89+rng.NormFloat64()*0.1
			if world {
				lat, lon = rng.Float64()*180-90, rng.Float64()*360-180
			}
			r := []float64{0, 0.5, 5, 15, 50, 2000, 30000}[q%7]
			u := ToUnit(lat, lon)
			buf = ix.AppendNear(u, r, buf[:0])
			got := map[int32]bool{}
			for _, i := range buf {
				require.False(t, got[i], "index %d listed twice", i)
				got[i] = true
				require.LessOrEqual(t, u.DistanceKm(ToUnit(pts[i].Lat, pts[i].Lon)), r+1e-6, "r=%v: %d at", r, i)
			}
			for i, p := range pts {
				if !p.Valid() {
					require.False(t, got[int32(i)], "invalid position %d listed", i)
					continue
				}
				if d := u.DistanceKm(ToUnit(p.Lat, p.Lon)); d <= r && !got[int32(i)] {
					t.Fatalf("r=%v: %d at %v km left out", r, i, d)
				}
			}
			// With a centimetre of slack it covers the haversine answer.
			wide := ix.AppendNear(u, r+1e-5, nil)
			for _, i := range bruteWithin(pts, lat, lon, r) {
				if pts[i].Valid() && !slices.Contains(wide, int32(i)) {
					t.Fatalf("r=%v: %d (haversine) left out", r, i)
				}
			}
		}
	}
}

func BenchmarkAppendNear(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	ix := NewIndex(randomPoints(rng, 1000, false))
	u := ToUnit(43.25, 76.9)
	var buf []int32
	var ibuf []int
	b.Run("AppendNear", func(b *testing.B) {
		for b.Loop() {
			buf = ix.AppendNear(u, 15, buf[:0])
		}
	})
	b.Run("Within", func(b *testing.B) {
		for b.Loop() {
			ibuf = ix.Within(43.25, 76.9, 15, ibuf)
		}
	})
}
