package geo

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

func randomPoints(rng *rand.Rand, n int, world bool) []Point {
	pts := make([]Point, n)
	for i := range pts {
		if world {
			pts[i] = Point{Lat: rng.Float64()*180 - 90, Lon: rng.Float64()*360 - 180}
		} else { // clustered around Almaty, with duplicates
			pts[i] = Point{Lat: 43.24 + rng.NormFloat64()*0.1, Lon: 76.89 + rng.NormFloat64()*0.1}
			if i > 0 && rng.IntN(10) == 0 {
				pts[i] = pts[rng.IntN(i)]
			}
		}
	}
	return pts
}

func bruteWithin(pts []Point, lat, lon, r float64) []int {
	var out []int
	for i, p := range pts {
		if DistanceKm(lat, lon, p.Lat, p.Lon) <= r {
			out = append(out, i)
		}
	}
	return out
}

func bruteNearest(pts []Point, lat, lon float64, k int) []int {
	idx := make([]int, len(pts))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(DistanceKm(lat, lon, pts[a].Lat, pts[a].Lon), DistanceKm(lat, lon, pts[b].Lat, pts[b].Lon))
	})
	return idx[:min(k, len(idx))]
}

// TestIndexMatchesBruteForce is a property test: on random point sets the
// index answers exactly what a scan of all points answers.
func TestIndexMatchesBruteForce(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		world := seed%2 == 0
		n := 1 + rng.IntN(600)
		pts := randomPoints(rng, n, world)
		ix := NewIndex(pts)
		var buf []int
		for q := 0; q < 50; q++ {
			qp := randomPoints(rng, 1, world)[0]
			r := rng.Float64() * 30
			if world {
				r *= 200
			}
			buf = ix.Within(qp.Lat, qp.Lon, r, buf)
			want := bruteWithin(pts, qp.Lat, qp.Lon, r)
			if !slices.Equal(buf, want) && !(len(buf) == 0 && len(want) == 0) {
				t.Fatalf("seed %d: Within(%v, %v km) = %v, brute force %v", seed, qp, r, buf, want)
			}
			k := 1 + rng.IntN(12)
			buf = ix.Nearest(qp.Lat, qp.Lon, k, buf)
			want = bruteNearest(pts, qp.Lat, qp.Lon, k)
			require.True(t, slices.Equal(buf, want), "seed %d: Nearest(%v, %d) = %v, brute force %v", seed, qp, k, buf, want)
		}
	}
}

func TestIndexEdgeCases(t *testing.T) {
	empty := NewIndex(nil)
	if got := empty.Within(0, 0, 100, nil); len(got) != 0 {
		t.Errorf("empty Within = %v", got)
	}
	if got := empty.Nearest(0, 0, 3, nil); len(got) != 0 {
		t.Errorf("empty Nearest = %v", got)
	}
	// Duplicates tie: lower index first. Invalid points never come back.
	pts := []Point{{1, 1}, {0, 0}, {0, 0}, {95, 0}, {0, 0}}
	ix := NewIndex(pts)
	if got := ix.Nearest(0, 0, 10, nil); !slices.Equal(got, []int{1, 2, 4, 0}) {
		t.Errorf("Nearest = %v, want [1 2 4 0]", got)
	}
	if got := ix.Within(0, 0, 0, nil); !slices.Equal(got, []int{1, 2, 4}) {
		t.Errorf("Within(r=0) = %v, want [1 2 4]", got)
	}
	if got := ix.Within(0, 0, -1, nil); len(got) != 0 {
		t.Errorf("Within(r<0) = %v", got)
	}
	if ix.Len() != 5 || ix.Point(3) != (Point{95, 0}) {
		t.Error("Len or Point wrong")
	}
}

func BenchmarkIndex(b *testing.B) {
	rng := rand.New(rand.NewPCG(42, 42))
	const n = 10000
	// 10,000 nodes spread over Kazakhstan-sized ground.
	pts := make([]Point, n)
	for i := range pts {
		pts[i] = Point{Lat: 41 + rng.Float64()*14, Lon: 50 + rng.Float64()*37}
	}
	b.Run(fmt.Sprintf("build/n=%d", n), func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			NewIndex(pts)
		}
	})
	ix := NewIndex(pts)
	qs := randomPoints(rng, 256, false)
	for i := range qs {
		qs[i] = Point{Lat: 41 + rng.Float64()*14, Lon: 50 + rng.Float64()*37}
	}
	buf := make([]int, 0, n)
	for _, r := range []float64{10, 50, 200} {
		b.Run(fmt.Sprintf("within/n=%d/r=%gkm", n, r), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				q := qs[i&255]
				buf = ix.Within(q.Lat, q.Lon, r, buf)
			}
		})
	}
	for _, k := range []int{1, 10} {
		b.Run(fmt.Sprintf("nearest/n=%d/k=%d", n, k), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				q := qs[i&255]
				buf = ix.Nearest(q.Lat, q.Lon, k, buf)
			}
		})
	}
	b.Run(fmt.Sprintf("brute-within/n=%d/r=50km", n), func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			q := qs[i&255]
			buf = buf[:0]
			for j, p := range pts {
				if DistanceKm(q.Lat, q.Lon, p.Lat, p.Lon) <= 50 {
					buf = append(buf, j)
				}
			}
		}
	})
}

func TestSelectNth(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 300; trial++ {
		n := 1 + rng.IntN(200)
		s := make([]kdNode, n)
		for i := range s {
			// Few distinct values: ties are broken by index.
			s[i] = kdNode{v: [3]float64{float64(rng.IntN(5)), 0, 0}, idx: int32(i)}
		}
		sorted := slices.Clone(s)
		slices.SortFunc(sorted, func(p, q kdNode) int {
			if c := cmp.Compare(p.v[0], q.v[0]); c != 0 {
				return c
			}
			return cmp.Compare(p.idx, q.idx)
		})
		k := rng.IntN(n)
		selectNth(s, k, 0)
		require.Equal(t, sorted[k], s[k], "n=%d k=%d: got %+v, want %+v", n, k, s[k], sorted[k])
		for i := range s {
			if i < k && kdLess(&s[k], &s[i], 0) {
				t.Fatalf("n=%d k=%d: element %d on the wrong side", n, k, i)
			}
			if i > k && kdLess(&s[i], &s[k], 0) {
				t.Fatalf("n=%d k=%d: element %d on the wrong side", n, k, i)
			}
		}
	}
}
