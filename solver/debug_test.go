package solver

import (
	"fmt"
	"testing"
)

func TestDebugGen(t *testing.T) {
	for _, alt := range []int{-1, 3} {
		p := GenerateProblem(100005, 1000, 5, 0.3)
		w := NewWorkspace()
		pl, _ := w.Solve(p, Settings{Alternatives: alt})
		fmt.Printf("alt=%d total=%.3f stats=%+v survivors=%d elig=%d cand=%d\n", alt, pl.TotalCost, pl.Stats, len(w.allList), len(w.elig), len(w.cand))
		for _, s := range pl.Shipments {
			o := p.Options[s.Option]
			fmt.Printf("  %v %s %.2fkm F=%.2f units=%.2f lines=%v\n", o.Method, o.NodeID, o.DistanceKm, s.FixedCost, s.UnitsCost, s.Lines)
		}
		fmt.Println(pl.Alternatives, "minF", w.minF, w.minF2, "sumQG", w.sumQG)
	}
}
