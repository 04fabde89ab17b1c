package geo

import (
	"math/rand/v2"
	"testing"
)

// TestDistancesKmMatchesDistanceKm checks the batch against the single
// measure, bit for bit, near and far, odd and even counts.
func TestDistancesKmMatchesDistanceKm(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	for _, world := range []bool{false, true} {
		pts := randomPoints(rng, 501, world)
		pos := make([]Unit, len(pts))
		idx := make([]int32, len(pts))
		for i, p := range pts {
			pos[i] = ToUnit(p.Lat, p.Lon)
			idx[i] = int32(len(pts) - 1 - i)
		}
		km := make([]float64, len(idx))
		for q := range 200 {
			u := ToUnit(rng.Float64()*180-90, rng.Float64()*360-180)
			if q%2 == 0 {
				u = ToUnit(43.24+rng.NormFloat64()*0.2, 76.89+rng.NormFloat64()*0.2)
			}
			n := rng.IntN(len(idx) + 1)
			u.DistancesKm(pos, idx[:n], km)
			for i := range n {
				if want := u.DistanceKm(pos[idx[i]]); km[i] != want || pos[idx[i]].DistanceKm(u) != want {
					t.Fatalf("km[%d] = %v, DistanceKm says %v", i, km[i], want)
				}
			}
		}
	}
}

func BenchmarkDistancesKm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 1))
	pts := randomPoints(rng, 200, true)
	pos := make([]Unit, len(pts))
	idx := make([]int32, len(pts))
	for i, p := range pts {
		pos[i] = ToUnit(p.Lat, p.Lon)
		idx[i] = int32(i)
	}
	km := make([]float64, len(idx))
	u := ToUnit(43.2, 76.9)
	b.Run("batch", func(b *testing.B) {
		for b.Loop() {
			u.DistancesKm(pos, idx, km)
		}
	})
	b.Run("loop", func(b *testing.B) {
		for b.Loop() {
			for i, k := range idx {
				km[i] = u.DistanceKm(pos[k])
			}
		}
	})
}
