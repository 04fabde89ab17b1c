package lp

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// coveringModel is a covering LP (Σ a_ij·x_j ≥ b_i, costs ≥ 0, some
// columns boxed, and a dear unbounded one per row that keeps it feasible),
// written with its columns in the order perm gives (cols of the perm's
// columns, then the dear ones): the
// slack basis is dual feasible and far from primal feasible, so the dual
// simplex solves it from the start.
func coveringModel(seed uint64, rows, cols int, perm []int) *Model {
	rng := rand.New(rand.NewPCG(seed, 11))
	type col struct {
		hi   float64
		cost float64
		rows []int
		vals []float64
	}
	all := make([]col, cols)
	for j := range all {
		c := col{hi: Inf, cost: float64(1 + rng.IntN(20))}
		if rng.IntN(3) == 0 {
			c.hi = float64(1 + rng.IntN(4))
		}
		for _, i := range rng.Perm(rows)[:1+rng.IntN(4)] {
			c.rows = append(c.rows, i)
			c.vals = append(c.vals, float64(1+rng.IntN(3)))
		}
		all[j] = c
	}
	m := NewModel("covering")
	for i := 0; i < rows; i++ {
		m.AddRow("", float64(2+rng.IntN(6)), Inf, nil, nil)
	}
	for _, j := range perm {
		c := all[j]
		m.AddColumn("", 0, c.hi, c.cost, c.rows, c.vals)
	}
	for i := 0; i < rows; i++ {
		m.AddColumn("", 0, Inf, 100, []int{i}, []float64{1})
	}
	return m
}

// requireExactWeights checks that the dual steepest-edge weight of every
// basis position of s is ‖row k of B⁻¹‖², computed by a BTRAN of e_k.
func requireExactWeights(t *testing.T, s *simplex, msg string) {
	t.Helper()
	require.True(t, s.weightsKept, msg)
	e := make([]float64, s.m)
	for k := range s.head {
		clear(e)
		e[k] = 1
		s.btran(e)
		norm := 0.0
		for _, v := range e {
			norm += v * v
		}
		require.InEpsilon(t, norm, s.dualWork.weights[k], 1e-6, "%s: position %d (variable %d)", msg, k, s.head[k])
	}
}

// TestDualWeightsCarryOver: the dual simplex keeps its steepest-edge
// weights exact from the slack basis on, the Basis a solve returns holds
// them by variable, and a warm start from it, of the same model or of one
// whose columns come in another order (Basis.Map), starts with the exact
// weights of its basis rather than 1, whatever order its positions take.
func TestDualWeightsCarryOver(t *testing.T) {
	ctx := context.Background()
	for seed := uint64(1); seed <= 5; seed++ {
		const rows, cols = 40, 90
		order := identity(cols)
		m := coveringModel(seed, rows, cols, order)
		s := newSimplex(m, nil)
		s.refactor()
		_, done, err := s.dualSimplex(&budget{ctx: ctx, start: time.Now()})
		require.NoError(t, err)
		require.False(t, done, "seed %d: optimal on the perturbed costs, for the primal to finish", seed)
		require.Greater(t, s.iterations, rows/2, "seed %d: the dual simplex pivoted", seed)
		s.refactor()
		requireExactWeights(t, s, "after the dual simplex")

		basis := s.result(StatusOptimal).Basis
		require.NotNil(t, basis.weights)
		warm := newSimplex(m, nil)
		warm.setStart(basis)
		warm.refactor()
		requireExactWeights(t, warm, "a warm start of the same model")

		// The columns reversed: variable j of the new model is old - 1 - j.
		reversed := slices.Clone(order)
		slices.Reverse(reversed)
		rm := coveringModel(seed, rows, cols, reversed)
		for i := 0; i < rows; i++ {
			reversed = append(reversed, cols+i) // the dear columns stay
		}
		rowMap := make([]int, rows)
		for i := range rowMap {
			rowMap[i] = i
		}
		moved := newSimplex(rm, nil)
		moved.setStart(basis.Map(reversed, rowMap))
		moved.refactor()
		requireExactWeights(t, moved, "a warm start of the columns reversed")

		// Without weights (a Basis from before they were kept) the start
		// prices from 1, as a cold start does.
		plain := &Basis{numVars: basis.numVars, numRows: basis.numRows, state: basis.state}
		cold := newSimplex(m, nil)
		cold.setStart(plain)
		assert.False(t, cold.weightsKept, "seed %d", seed)
	}
}

// TestBasisWeightsOfBlocks: a model that falls apart into blocks, each
// solved alone, returns a Basis whose weights cover every block's basic
// variables, and a warm start from it solves in no iterations.
func TestBasisWeightsOfBlocks(t *testing.T) {
	ctx := context.Background()
	m := NewModel("blocks")
	for b := 0; b < 3; b++ {
		x := m.AddVar("", 0, Inf, float64(1+b))
		y := m.AddVar("", 0, 4, float64(3-b))
		m.AddRow("", float64(5+b), Inf, []int{x, y}, []float64{1, 1})
		m.AddRow("", 2, Inf, []int{x, y}, []float64{2, 1})
	}
	res, err := Solve(ctx, m, Settings{})
	require.NoError(t, err)
	require.Equal(t, StatusOptimal, res.Status)
	require.NotNil(t, res.Basis.weights)
	for j, st := range res.Basis.state {
		if st == stateBasic {
			assert.Positive(t, res.Basis.weights[j], "basic variable %d", j)
		} else {
			assert.Zero(t, res.Basis.weights[j], "nonbasic variable %d", j)
		}
	}
	again, err := Solve(ctx, m, Settings{Start: res.Basis})
	require.NoError(t, err)
	assert.Zero(t, again.Iterations)
	assert.InDelta(t, res.Objective, again.Objective, testTol)
}

// TestPrimalPivotsKeepWeightsPositive: a warm start whose new columns the
// primal simplex brings in carries the weights through its pivots (an
// approximation there), and the next solve starts from them: every weight
// of the basis stays positive and finite, and the solves reach the cold
// optimum.
func TestPrimalPivotsKeepWeightsPositive(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		m, _, start := grownMaster(t, rand.New(rand.NewPCG(seed, 7)), 120, 20, 6)
		warm, err := Solve(context.Background(), m, Settings{Start: start})
		require.NoError(t, err)
		requireOptimal(t, m, warm, 1e-7)
		require.NotNil(t, warm.Basis.weights, "seed %d", seed)
		for j, st := range warm.Basis.state {
			if st == stateBasic {
				w := warm.Basis.weights[j]
				assert.True(t, w > 0 && !math.IsInf(w, 0) && !math.IsNaN(w), "seed %d: variable %d weight %v", seed, j, w)
			}
		}
		cold, err := Solve(context.Background(), m, Settings{})
		require.NoError(t, err)
		assert.InDelta(t, cold.Objective, warm.Objective, 1e-7*(1+math.Abs(cold.Objective)), "seed %d", seed)
	}
}
