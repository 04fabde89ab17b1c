package solver

import (
	"fmt"
	"testing"
)

func BenchmarkSolve(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		for _, l := range []int{1, 5, 20} {
			b.Run(fmt.Sprintf("nodes=%d/lines=%d", n, l), func(b *testing.B) {
				p := GenerateProblem(int64(n*100+l), n, l, 0.3)
				w := NewWorkspace()
				pl, err := w.Solve(p, Settings{})
				if err != nil {
					b.Fatal(err)
				}
				optimal := 0.0
				if pl.Stats.Optimal {
					optimal = 1
				}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if _, err := w.Solve(p, Settings{}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(optimal, "optimal")
				b.ReportMetric(float64(pl.Stats.Nodes), "search-nodes")
			})
		}
	}
}
