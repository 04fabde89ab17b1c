package joint

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/solver"
)

// pricedCopy is inst with every unit node 0 ships costing extra more, as
// a look-ahead policy's prices raise the units it wants kept; the
// problems are copies.
func pricedCopy(inst *Instance, extra float64) *Instance {
	out := &Instance{Supply: inst.Supply, Capacity: inst.Capacity, Orders: slices.Clone(inst.Orders)}
	for i := range out.Orders {
		p := &solver.Problem{}
		*p = *inst.Orders[i].Problem
		p.UnitCost = slices.Clone(p.UnitCost)
		for k := range p.Options {
			if p.Options[k].Node != 0 {
				continue
			}
			for l := range p.Lines {
				p.UnitCost[p.At(k, l)] += extra
			}
		}
		out.Orders[i].Problem = p
	}
	return out
}

// TestWarmStartOtherUnitCosts: a relaxation's basis warm-starts the
// relaxation of the same instance with other unit costs: the same optimum
// as a cold solve, in fewer iterations.
func TestWarmStartOtherUnitCosts(t *testing.T) {
	inst := benchInstance(100)
	rel, err := Solve(context.Background(), inst, Settings{})
	require.NoError(t, err)
	require.Equal(t, lp.StatusOptimal, rel.Status)
	require.NotNil(t, rel.Basis)

	priced := pricedCopy(inst, 5)
	cold, err := Solve(context.Background(), priced, Settings{})
	require.NoError(t, err)
	warm, err := Solve(context.Background(), priced, Settings{LP: lp.Settings{Start: rel.Basis}})
	require.NoError(t, err)
	require.Equal(t, lp.StatusOptimal, cold.Status)
	require.Equal(t, lp.StatusOptimal, warm.Status)
	assert.Greater(t, cold.Bound, rel.Bound+1, "the prices change the optimum")
	assert.InDelta(t, cold.Bound, warm.Bound, 1e-6*math.Max(1, math.Abs(cold.Bound)))
	assert.Less(t, warm.Iterations, cold.Iterations)
	t.Logf("unpriced %d iterations; priced cold %d, warm %d", rel.Iterations, cold.Iterations, warm.Iterations)
}

// BenchmarkSolvePriced measures the relaxation of a priced batch of n
// orders (pricedCopy) from the slack basis and warm-started from the
// unpriced optimum's basis.
func BenchmarkSolvePriced(b *testing.B) {
	for _, n := range []int{100, 1000} {
		inst := benchInstance(n)
		rel, err := Solve(context.Background(), inst, Settings{})
		if err != nil || rel.Status != lp.StatusOptimal {
			b.Fatalf("not optimal: %v %v", err, rel)
		}
		priced := pricedCopy(inst, 5)
		for _, start := range []struct {
			name  string
			basis *lp.Basis
		}{{"cold", nil}, {"warm", rel.Basis}} {
			b.Run(fmt.Sprintf("orders=%d/%s", n, start.name), func(b *testing.B) {
				var it int
				for b.Loop() {
					r, err := Solve(context.Background(), priced, Settings{LP: lp.Settings{Start: start.basis}})
					if err != nil || r.Status != lp.StatusOptimal {
						b.Fatalf("not optimal: %v %v", err, r)
					}
					it = r.Iterations
				}
				b.ReportMetric(float64(it), "iterations")
			})
		}
	}
}
