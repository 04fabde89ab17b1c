package solver_test

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/solver/solvertest"
)

// benchSolve solves p repeatedly with one workspace and reports whether the
// plan was proven optimal and how much search it took.
func benchSolve(b *testing.B, p *solver.Problem, s solver.Settings) {
	w := solver.NewWorkspace()
	pl, err := w.Solve(p, s)
	require.NoError(b, err)
	optimal := 0.0
	if pl.Stats.Optimal {
		optimal = 1
	}
	nodes := pl.Stats.Nodes
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := w.Solve(p, s); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu0)
	b.ReportMetric(optimal, "optimal")
	b.ReportMetric(float64(nodes), "search-nodes")
}

// reportCPU reports the process's CPU time per operation since cpu0: on a
// machine shared with other jobs, wall time (sec/op) also counts the time
// the benchmark waited for a core, CPU time does not.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the CPU time (user + system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSolve: generated problems (GenerateProblem, stock density 0.3,
// split lines, at most 3 shipments) with default settings (3 alternatives).
func BenchmarkSolve(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		for _, l := range []int{1, 5, 20} {
			b.Run(fmt.Sprintf("nodes=%d/lines=%d", n, l), func(b *testing.B) {
				benchSolve(b, solvertest.GenerateProblem(int64(n*100+l), n, l, 0.3), solver.Settings{})
			})
		}
	}
}

// BenchmarkSolveNoAlternatives: the same problems when only the best plan is
// wanted.
func BenchmarkSolveNoAlternatives(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("nodes=%d/lines=5", n), func(b *testing.B) {
			benchSolve(b, solvertest.GenerateProblem(int64(n*100+5), n, 5, 0.3), solver.Settings{Alternatives: -1})
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
				p := solvertest.GenerateProblem(int64(n*100+l), n, l, 0.3)
				solvertest.AddLostSaleCosts(p, int64(n*100+l), 2)
				benchSolve(b, p, solver.Settings{})
			})
		}
	}
}
