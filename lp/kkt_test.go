package lp

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireOptimal checks that res proves optimality for m: x within bounds,
// rows within bounds, reduced costs recomputed from Dual, dual feasibility
// (the sign of every reduced cost and dual fits the bound its variable or
// row sits at) and complementary slackness (a variable or row strictly
// between its bounds has reduced cost or dual 0). tol is relative to the
// data's scale.
func requireOptimal(t testing.TB, m *Model, res *Result, tol float64) {
	t.Helper()
	require.Equal(t, StatusOptimal, res.Status)
	n, rows := m.NumVars(), m.NumRows()
	require.Len(t, res.X, n)
	require.Len(t, res.Dual, rows)
	require.Len(t, res.ReducedCost, n)
	near := func(a, b float64) bool { return math.Abs(a-b) <= tol*(1+math.Abs(b)) }
	obj := 0.0
	for j := 0; j < n; j++ {
		obj += m.cost[j] * res.X[j]
	}
	require.InDelta(t, obj, res.Objective, tol*(1+math.Abs(obj)), "objective = c·x")
	d := append([]float64(nil), m.cost...)
	for i := 0; i < rows; i++ {
		cols, vals := m.Row(i)
		act := 0.0
		for k, j := range cols {
			act += vals[k] * res.X[j]
			d[j] -= vals[k] * res.Dual[i]
		}
		require.InDelta(t, act, res.RowActivity[i], tol*(1+math.Abs(act)), "activity of row %d", i)
		lo, hi := m.rowLo[i], m.rowHi[i]
		require.GreaterOrEqual(t, act, lo-tol*(1+math.Abs(lo)), "row %d below its lower bound", i)
		require.LessOrEqual(t, act, hi+tol*(1+math.Abs(hi)), "row %d above its upper bound", i)
		atLo, atHi := near(act, lo), near(act, hi)
		y := res.Dual[i]
		switch {
		case atLo && atHi: // equality: any sign
		case atLo:
			require.GreaterOrEqual(t, y, -tol, "dual of row %d at its lower bound", i)
		case atHi:
			require.LessOrEqual(t, y, tol, "dual of row %d at its upper bound", i)
		default:
			require.InDelta(t, 0, y, tol, "dual of slack row %d", i)
		}
	}
	for j := 0; j < n; j++ {
		require.InDelta(t, d[j], res.ReducedCost[j], tol*(1+math.Abs(d[j])), "reduced cost of var %d", j)
		x, lo, hi := res.X[j], m.colLo[j], m.colHi[j]
		require.GreaterOrEqual(t, x, lo-tol*(1+math.Abs(lo)), "var %d below its lower bound", j)
		require.LessOrEqual(t, x, hi+tol*(1+math.Abs(hi)), "var %d above its upper bound", j)
		atLo, atHi := near(x, lo), near(x, hi)
		switch {
		case atLo && atHi:
		case atLo:
			require.GreaterOrEqual(t, d[j], -tol, "reduced cost of var %d at its lower bound", j)
		case atHi:
			require.LessOrEqual(t, d[j], tol, "reduced cost of var %d at its upper bound", j)
		default:
			require.InDelta(t, 0, d[j], tol, "reduced cost of basic var %d", j)
		}
	}
}
