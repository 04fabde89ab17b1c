package solver_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
)

// problemFromBytes decodes fuzz input into a small problem. Some byte values
// map to hostile numbers (NaN, Inf, negatives) so that validation is
// exercised too.
func problemFromBytes(data []byte) (*solver.Problem, solver.Settings) {
	pos := 0
	next := func() byte {
		if pos >= len(data) {
			return 0
		}
		b := data[pos]
		pos++
		return b
	}
	num := func() float64 {
		switch b := next(); b {
		case 255:
			return math.NaN()
		case 254:
			return math.Inf(1)
		case 253:
			return -1
		default:
			return float64(b) / 8
		}
	}
	L := int(next() % 6)
	N := int(next() % 8)
	p := &solver.Problem{
		SplitLines:     next()&1 == 1,
		MaxShipments:   int(next()%5) - 1,
		SplitPenalty:   num(),
		PromiseMinutes: int32(next()) * 4,
	}
	for l := 0; l < L; l++ {
		p.Lines = append(p.Lines, solver.Line{SKU: string(rune('A' + next()%8)), Quantity: int32(int8(next())) % 9, UnitWeightKg: num()})
	}
	for o := 0; o < N; o++ {
		p.Options = append(p.Options, solver.Option{
			Node: int32(next() % 5), Method: solver.Method(next() % 6), FixedCost: num(),
			CapacityUnits: int32(int8(next())) % 12, MaxWeightKg: num(), ETAMinutes: int32(next()) * 4,
			Excluded: solver.Reason(next() % 12),
		})
	}
	n := N * L
	if next() == 7 {
		n++ // a length mismatch now and then
	}
	for k := 0; k < n; k++ {
		p.Available = append(p.Available, int32(int8(next()))%9)
		p.UnitCost = append(p.UnitCost, num())
	}
	s := solver.Settings{Alternatives: int(next()%5) - 1, ExactMaxLines: int(next()%6) - 1, NodeBudget: int(next()) * 50}
	// Lost-sale prices come last, so that older inputs keep their meaning
	// (and their lines no price).
	for l := range p.Lines {
		p.Lines[l].LostSaleCost = num()
	}
	p.LostSaleCostPerOrder = num()
	return p, s
}

func FuzzSolve(f *testing.F) {
	f.Add([]byte{3, 4, 1, 2, 16, 0, 0, 65, 2, 8, 66, 1, 0, 67, 3, 16, 0, 1, 40, 255, 20, 10, 0, 1, 2, 30, 253, 20, 0, 0})
	f.Add([]byte{2, 3, 0, 0, 8, 100, 65, 1, 4, 65, 1, 4})
	f.Add([]byte{5, 7, 1, 4, 0, 0, 70, 5, 9, 71, 3, 2, 72, 1, 1, 73, 2, 0, 74, 4, 30, 0, 2, 1, 3, 200, 1, 200, 0, 1, 3, 255, 100, 0})
	// Lost-sale prices: two lines, one priced below its shipment, a
	// per-order cost; and a negative price.
	f.Add([]byte{2, 2, 1, 3, 8, 0, 65, 1, 4, 66, 2, 4, 0, 0, 80, 255, 0, 0, 8, 1, 0, 1, 0, 100, 4, 3, 8, 3, 8, 0, 1, 3, 2, 20, 0, 16})
	f.Add([]byte{1, 1, 0, 0, 0, 0, 65, 1, 0, 0, 0, 8, 255, 0, 0, 8, 1, 0, 2, 3, 8, 0, 253, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, s := problemFromBytes(data)
		w := solver.NewWorkspace()
		pl, err := w.Solve(p, s)
		verr := p.Validate()
		if err != nil {
			require.Error(t, verr, "Solve failed on a valid problem: %v", err)
			// Solve checks in its own pass; the error is still Validate's.
			require.Equal(t, "solve: "+verr.Error(), err.Error(), "Solve error %q, Validate %q", err, verr)
			return
		}
		require.NoError(t, verr, "Solve accepted an invalid problem")
		checkPlan(t, p, pl)
		require.LessOrEqual(t, pl.Stats.LowerBound, pl.TotalCost+1e-9*math.Max(1, pl.TotalCost), "bound %v above cost %v", pl.Stats.LowerBound, pl.TotalCost)
	})
}
