package solver

import (
	"fmt"
	"testing"
)

// benchSolve solves p repeatedly with one workspace and reports whether the
// plan was proven optimal and how much search it took.
func benchSolve(b *testing.B, p *Problem, s Settings) {
	w := NewWorkspace()
	pl, err := w.Solve(p, s)
	if err != nil {
		b.Fatal(err)
	}
	optimal := 0.0
	if pl.Stats.Optimal {
		optimal = 1
	}
	nodes := pl.Stats.Nodes
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := w.Solve(p, s); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(optimal, "optimal")
	b.ReportMetric(float64(nodes), "search-nodes")
}

// BenchmarkSolve: generated problems (GenerateProblem, stock density 0.3,
// split lines, at most 3 shipments) with default settings (3 alternatives).
func BenchmarkSolve(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		for _, l := range []int{1, 5, 20} {
			b.Run(fmt.Sprintf("nodes=%d/lines=%d", n, l), func(b *testing.B) {
				benchSolve(b, GenerateProblem(int64(n*100+l), n, l, 0.3), Settings{})
			})
		}
	}
}

// BenchmarkSolveNoAlternatives: the same problems when only the best plan is
// wanted.
func BenchmarkSolveNoAlternatives(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("nodes=%d/lines=5", n), func(b *testing.B) {
			benchSolve(b, GenerateProblem(int64(n*100+5), n, 5, 0.3), Settings{Alternatives: -1})
		})
	}
}

// BenchmarkSolveLostSale: the problems of BenchmarkSolve with lost-sale
// prices (AddLostSaleCosts, 2.5 per unit on average: some lines are cheaper
// to lose than to ship).
func BenchmarkSolveLostSale(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		for _, l := range []int{1, 5, 20} {
			b.Run(fmt.Sprintf("nodes=%d/lines=%d", n, l), func(b *testing.B) {
				p := GenerateProblem(int64(n*100+l), n, l, 0.3)
				AddLostSaleCosts(p, int64(n*100+l), 2)
				benchSolve(b, p, Settings{})
			})
		}
	}
}
