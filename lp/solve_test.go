package lp

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testTol = 1e-7

// twoVar is max x+y s.t. x+2y ≤ 4, 3x+y ≤ 6, x,y ≥ 0 (as a minimisation):
// optimum x=1.6, y=1.2, objective -2.8, duals -0.4 and -0.2.
func twoVar() *Model {
	m := NewModel("two")
	x := m.AddVar("x", 0, Inf, -1)
	y := m.AddVar("y", 0, Inf, -1)
	m.AddRow("a", -Inf, 4, []int{x, y}, []float64{1, 2})
	m.AddRow("b", -Inf, 6, []int{x, y}, []float64{3, 1})
	return m
}

func TestSolveHandSolved(t *testing.T) {
	ctx := context.Background()
	t.Run("two variables", func(t *testing.T) {
		m := twoVar()
		res, err := Solve(ctx, m, Settings{})
		require.NoError(t, err)
		requireOptimal(t, m, res, testTol)
		assert.InDelta(t, -2.8, res.Objective, 1e-9)
		assert.InDeltaSlice(t, []float64{1.6, 1.2}, res.X, 1e-9)
		assert.InDeltaSlice(t, []float64{-0.4, -0.2}, res.Dual, 1e-9)
		assert.InDeltaSlice(t, []float64{4, 6}, res.RowActivity, 1e-9)
	})
	t.Run("free variable and equality", func(t *testing.T) {
		// min x + y, x free, 0 ≤ y ≤ 10, x - y = 3, x + y ≥ 5: x=4, y=1.
		m := NewModel("free")
		x := m.AddVar("x", -Inf, Inf, 1)
		y := m.AddVar("y", 0, 10, 1)
		m.AddRow("eq", 3, 3, []int{x, y}, []float64{1, -1})
		m.AddRow("ge", 5, Inf, []int{x, y}, []float64{1, 1})
		res, err := Solve(ctx, m, Settings{})
		require.NoError(t, err)
		requireOptimal(t, m, res, testTol)
		assert.InDelta(t, 5, res.Objective, 1e-9)
		assert.InDeltaSlice(t, []float64{4, 1}, res.X, 1e-9)
		assert.InDeltaSlice(t, []float64{0, 1}, res.Dual, 1e-9)
	})
	t.Run("upper bounds and a range row", func(t *testing.T) {
		// min -3a - 2b, a ≤ 3, b ≤ 3, 2 ≤ a + b ≤ 4: a=3, b=1.
		m := NewModel("range")
		a := m.AddVar("a", 0, 3, -3)
		b := m.AddVar("b", 0, 3, -2)
		m.AddRow("r", 2, 4, []int{a, b}, []float64{1, 1})
		res, err := Solve(ctx, m, Settings{})
		require.NoError(t, err)
		requireOptimal(t, m, res, testTol)
		assert.InDelta(t, -11, res.Objective, 1e-9)
		assert.InDeltaSlice(t, []float64{3, 1}, res.X, 1e-9)
		assert.InDeltaSlice(t, []float64{-2}, res.Dual, 1e-9)
		assert.InDeltaSlice(t, []float64{-1, 0}, res.ReducedCost, 1e-9)
	})
	t.Run("negative lower bound and fixed variable", func(t *testing.T) {
		// min x - z, -5 ≤ x ≤ 5, z = 2 (fixed), x + z ≥ 0: x = -2.
		m := NewModel("fixed")
		x := m.AddVar("x", -5, 5, 1)
		z := m.AddVar("z", 2, 2, -1)
		m.AddRow("r", 0, Inf, []int{x, z}, []float64{1, 1})
		res, err := Solve(ctx, m, Settings{})
		require.NoError(t, err)
		requireOptimal(t, m, res, testTol)
		assert.InDelta(t, -4, res.Objective, 1e-9)
		assert.InDeltaSlice(t, []float64{-2, 2}, res.X, 1e-9)
	})
	t.Run("transportation", func(t *testing.T) {
		// Supplies 20, 30; demands 10, 25, 15; costs [[2 3 1] [5 4 8]].
		// Cheapest: s0 sends 5 to d0? Solved by hand: s0→d2 15, s0→d0 5,
		// s1→d0 5, s1→d1 25: 15+10+25+100 = 150.
		cost := [2][3]float64{{2, 3, 1}, {5, 4, 8}}
		supply := []float64{20, 30}
		demand := []float64{10, 25, 15}
		m := NewModel("transport")
		var x [2][3]int
		for i := range 2 {
			for j := range 3 {
				x[i][j] = m.AddVar("", 0, Inf, cost[i][j])
			}
		}
		for i := range 2 {
			m.AddRow("", -Inf, supply[i], []int{x[i][0], x[i][1], x[i][2]}, []float64{1, 1, 1})
		}
		for j := range 3 {
			m.AddRow("", demand[j], demand[j], []int{x[0][j], x[1][j]}, []float64{1, 1})
		}
		res, err := Solve(ctx, m, Settings{})
		require.NoError(t, err)
		requireOptimal(t, m, res, testTol)
		assert.InDelta(t, 150, res.Objective, 1e-9)
	})
	t.Run("duplicate columns are summed", func(t *testing.T) {
		m := NewModel("dup")
		x := m.AddVar("x", 0, Inf, -1)
		m.AddRow("r", -Inf, 6, []int{x, x, x}, []float64{1, 2, 0})
		require.Equal(t, 1, m.NumNonzeros())
		res, err := Solve(ctx, m, Settings{})
		require.NoError(t, err)
		requireOptimal(t, m, res, testTol)
		assert.InDelta(t, 2, res.X[0], 1e-9)
	})
	t.Run("no rows", func(t *testing.T) {
		m := NewModel("bounds")
		m.AddVar("a", 1, 4, 2)
		m.AddVar("b", -3, 4, -1)
		res, err := Solve(ctx, m, Settings{})
		require.NoError(t, err)
		requireOptimal(t, m, res, testTol)
		assert.InDeltaSlice(t, []float64{1, 4}, res.X, 0)
	})
}

func TestSolveInfeasibleAndUnbounded(t *testing.T) {
	ctx := context.Background()
	t.Run("infeasible", func(t *testing.T) {
		m := NewModel("inf")
		x := m.AddVar("x", 0, 2, 1)
		y := m.AddVar("y", 0, 2, 1)
		m.AddRow("need", 5, Inf, []int{x, y}, []float64{1, 1})
		res, err := Solve(ctx, m, Settings{})
		require.NoError(t, err)
		assert.Equal(t, StatusInfeasible, res.Status)
		assert.Equal(t, "infeasible", res.Status.String())
	})
	t.Run("infeasible equalities", func(t *testing.T) {
		m := NewModel("inf2")
		x := m.AddVar("x", 0, Inf, 0)
		y := m.AddVar("y", 0, Inf, 0)
		m.AddRow("a", 1, 1, []int{x, y}, []float64{1, 1})
		m.AddRow("b", 3, 3, []int{x, y}, []float64{2, 2})
		res, err := Solve(ctx, m, Settings{})
		require.NoError(t, err)
		assert.Equal(t, StatusInfeasible, res.Status)
	})
	t.Run("unbounded", func(t *testing.T) {
		m := NewModel("unb")
		x := m.AddVar("x", 0, Inf, -1)
		y := m.AddVar("y", 0, Inf, 0)
		m.AddRow("r", -Inf, 1, []int{x, y}, []float64{1, -1})
		res, err := Solve(ctx, m, Settings{})
		require.NoError(t, err)
		assert.Equal(t, StatusUnbounded, res.Status)
	})
	t.Run("unbounded free variable without rows", func(t *testing.T) {
		m := NewModel("unb2")
		m.AddVar("x", -Inf, Inf, 1)
		res, err := Solve(ctx, m, Settings{})
		require.NoError(t, err)
		assert.Equal(t, StatusUnbounded, res.Status)
	})
}

func TestSolveInvalidModel(t *testing.T) {
	cases := map[string]struct {
		build func() *Model
		want  string
	}{
		"NaN cost": {func() *Model {
			m := NewModel("")
			m.AddVar("x", 0, 1, math.NaN())
			return m
		}, `var 0 ("x"): cost NaN`},
		"var lo above hi": {func() *Model {
			m := NewModel("")
			m.AddVar("x", 2, 1, 0)
			return m
		}, `var 0 ("x"): lower bound 2 above upper bound 1`},
		"row lo above hi": {func() *Model {
			m := NewModel("")
			x := m.AddVar("x", 0, 1, 0)
			m.AddRow("r", 3, 1, []int{x}, []float64{1})
			return m
		}, `row 0 ("r"): lower bound 3 above upper bound 1`},
		"bad index": {func() *Model {
			m := NewModel("")
			m.AddVar("x", 0, 1, 0)
			m.AddRow("r", 0, 1, []int{0, 7}, []float64{1, 1})
			return m
		}, `row 0 ("r"): column index 7 out of range [0, 1)`},
		"NaN coefficient": {func() *Model {
			m := NewModel("")
			m.AddVar("x", 0, 1, 0)
			m.AddRow("", 0, 1, []int{0}, []float64{math.NaN()})
			return m
		}, `row 0: coefficient NaN of var 0 ("x")`},
		"length mismatch": {func() *Model {
			m := NewModel("")
			m.AddVar("x", 0, 1, 0)
			m.AddRow("r", 0, 1, []int{0}, []float64{1, 2})
			return m
		}, `row 0 ("r"): cols and vals differ in length`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Solve(context.Background(), tc.build(), Settings{})
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrInvalidModel))
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestSolveLimitsAndContext(t *testing.T) {
	m := randomModel(rand.New(rand.NewPCG(7, 7)), 30, 60, 0.2)
	full, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	requireOptimal(t, m, full, testTol)
	require.Greater(t, full.Iterations, 3)

	res, err := Solve(context.Background(), m, Settings{MaxIterations: 2})
	require.NoError(t, err)
	assert.Equal(t, StatusIterationLimit, res.Status)
	assert.Equal(t, 2, res.Iterations)

	// A time limit already spent stops the solve before its first iteration.
	res, err = Solve(context.Background(), m, Settings{TimeLimit: time.Nanosecond})
	require.NoError(t, err)
	assert.Equal(t, StatusTimeLimit, res.Status)
	assert.Equal(t, "time limit", res.Status.String())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Solve(ctx, m, Settings{})
	require.ErrorIs(t, err, context.Canceled)
}

func TestSolveWarmStart(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	m := randomModel(rng, 40, 80, 0.15)
	first, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	requireOptimal(t, m, first, testTol)

	// The same model from its own optimal basis: no iteration needed.
	again, err := Solve(context.Background(), m, Settings{Start: first.Basis})
	require.NoError(t, err)
	requireOptimal(t, m, again, testTol)
	assert.Equal(t, 0, again.Iterations)
	assert.InDelta(t, first.Objective, again.Objective, 1e-9)

	// Change a few costs: warm and cold agree, warm takes fewer iterations.
	for j := 0; j < m.NumVars(); j += 7 {
		m.SetCost(j, m.Cost(j)*0.5-1)
	}
	cold, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	warm, err := Solve(context.Background(), m, Settings{Start: first.Basis})
	require.NoError(t, err)
	requireOptimal(t, m, cold, testTol)
	requireOptimal(t, m, warm, testTol)
	assert.InDelta(t, cold.Objective, warm.Objective, 1e-7*(1+math.Abs(cold.Objective)))
	assert.Less(t, warm.Iterations, cold.Iterations)
}

func TestSolveRandomKKT(t *testing.T) {
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 11))
		rows, cols := 5+rng.IntN(40), 5+rng.IntN(60)
		m := randomModel(rng, rows, cols, 0.1+0.3*rng.Float64())
		res, err := Solve(context.Background(), m, Settings{})
		require.NoError(t, err, "seed %d", seed)
		requireOptimal(t, m, res, 1e-6)
	}
}

func TestSolveDeterministic(t *testing.T) {
	m := randomModel(rand.New(rand.NewPCG(5, 5)), 50, 90, 0.1)
	a, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	b, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	assert.Equal(t, a, b)
}

// randomModel returns a feasible, bounded LP: a random point x0 within
// mixed bounds (fixed, boxed, and free or one-sided columns that an
// equality row ties to boxed ones) fixes the row bounds around A·x0 (some
// equalities, some ranges, some one-sided); costs are arbitrary.
func randomModel(rng *rand.Rand, rows, cols int, density float64) *Model {
	m := NewModel("random")
	x0 := make([]float64, cols)
	for j := 0; j < cols; j++ {
		x0[j] = math.Round(rng.Float64()*20) / 2
		lo, hi := 0.0, Inf
		switch rng.IntN(6) {
		case 0:
			lo, hi = x0[j]-float64(rng.IntN(5)), x0[j]+float64(rng.IntN(5))
		case 1:
			lo, hi = x0[j], x0[j]
		case 2:
			lo, hi = -Inf, x0[j]+float64(rng.IntN(5))
		case 3:
			lo, hi = x0[j]-10, x0[j]+10
		}
		m.AddVar("", lo, hi, math.Round(rng.NormFloat64()*10))
	}
	for i := 0; i < rows; i++ {
		var cs []int
		var vs []float64
		act := 0.0
		for j := 0; j < cols; j++ {
			if rng.Float64() < density {
				v := float64(rng.IntN(9) - 4)
				cs = append(cs, j)
				vs = append(vs, v)
				act += v * x0[j]
			}
		}
		lo, hi := act-float64(rng.IntN(4)), act+float64(rng.IntN(4))
		switch rng.IntN(4) {
		case 0:
			lo = -Inf
		case 1:
			hi = Inf
		case 2:
			lo, hi = act, act
		}
		m.AddRow("", lo, hi, cs, vs)
	}
	// Keep the optimum finite: box every column by ±50 around x0, then
	// free about one column in seven (free, or one bound only) and tie it
	// by an equality row to boxed columns, which bounds it again.
	for j := 0; j < cols; j++ {
		lo, hi := m.VarBounds(j)
		m.SetVarBounds(j, math.Max(lo, x0[j]-50), math.Min(hi, x0[j]+50))
	}
	freed := make([]bool, cols)
	for j := 0; j < cols; j++ {
		if rng.IntN(7) != 0 {
			continue
		}
		var cs []int
		var vs []float64
		rhs := x0[j]
		for _, k := range []int{rng.IntN(cols), rng.IntN(cols)} {
			if k == j || freed[k] {
				continue
			}
			v := float64(rng.IntN(5) - 2)
			cs, vs = append(cs, k), append(vs, -v)
			rhs -= v * x0[k]
		}
		freed[j] = true
		switch rng.IntN(3) {
		case 0:
			m.SetVarBounds(j, -Inf, Inf)
		case 1:
			m.SetVarBounds(j, x0[j]-float64(rng.IntN(3)), Inf)
		default:
			m.SetVarBounds(j, -Inf, x0[j]+float64(rng.IntN(3)))
		}
		m.AddRow("", rhs, rhs, append(cs, j), append(vs, 1))
	}
	return m
}

func TestSolveConcurrentReaders(t *testing.T) {
	// Solve only reads the model: concurrent solves of one model agree.
	m := NewModel("shared")
	appendModel(m, transportation(rand.New(rand.NewPCG(8, 8)), 8, 12, 1.2, false))
	appendModel(m, randomModel(rand.New(rand.NewPCG(9, 9)), 20, 30, 0.2))
	want, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	results := make([]*Result, 4)
	var wg sync.WaitGroup
	for k := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := Solve(context.Background(), m, Settings{})
			assert.NoError(t, err)
			results[k] = res
		}()
	}
	wg.Wait()
	for _, res := range results {
		assert.Equal(t, want, res)
	}
}

func TestSolveWarmStartAfterStockChange(t *testing.T) {
	// A planning model re-solved after stock changes: the old basis stays
	// dual feasible, so the dual simplex resumes from it.
	m := warehouses(rand.New(rand.NewPCG(4, 4)), 4, 20, 6)
	first, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	requireOptimal(t, m, first, 1e-6)
	for i := 0; i < m.NumRows(); i += 5 {
		if lo, hi := m.RowBounds(i); math.IsInf(lo, -1) {
			m.SetRowBounds(i, lo, math.Floor(hi/2))
		}
	}
	cold, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	warm, err := Solve(context.Background(), m, Settings{Start: first.Basis})
	require.NoError(t, err)
	requireOptimal(t, m, cold, 1e-6)
	requireOptimal(t, m, warm, 1e-6)
	assert.InDelta(t, cold.Objective, warm.Objective, 1e-6*(1+math.Abs(cold.Objective)))
	assert.Less(t, warm.Iterations, cold.Iterations/2)
}

// without returns m without the rows and columns marked drop (their
// entries gone), with extra new columns appended to the rows that list
// them; vars and rows map the result's columns and rows to m's (-1: new).
func without(m *Model, dropRow, dropCol func(int) bool, extra [][2]int) (out *Model, vars, rows []int) {
	out = NewModel(m.Name() + "-changed")
	at := make([]int, m.NumVars())
	for j := range at {
		at[j] = -1
		if dropCol(j) {
			continue
		}
		lo, hi := m.VarBounds(j)
		at[j] = out.AddVar("", lo, hi, m.Cost(j))
		vars = append(vars, j)
	}
	// extra[k] = {row, cost}: a new column in that row of m.
	added := map[int][]int{}
	for _, e := range extra {
		added[e[0]] = append(added[e[0]], out.AddVar("", 0, Inf, float64(e[1])))
		vars = append(vars, -1)
	}
	for i := 0; i < m.NumRows(); i++ {
		if dropRow(i) {
			continue
		}
		cols, vals := m.Row(i)
		var nc []int
		var nv []float64
		for k, j := range cols {
			if at[j] >= 0 {
				nc, nv = append(nc, at[j]), append(nv, vals[k])
			}
		}
		for _, j := range added[i] {
			nc, nv = append(nc, j), append(nv, 1)
		}
		lo, hi := m.RowBounds(i)
		out.AddRow("", lo, hi, nc, nv)
		rows = append(rows, i)
	}
	return out, vars, rows
}

func TestBasisMapWarmStartsAChangedModel(t *testing.T) {
	// A planning model a few hours on: some stock rows gone (sold out),
	// some routes gone, a few new ones, the other stock lower. The old
	// basis carried over by Map must give the same optimum as a cold
	// start, in fewer iterations.
	m := warehouses(rand.New(rand.NewPCG(4, 4)), 4, 20, 6)
	first, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	requireOptimal(t, m, first, 1e-6)
	for _, tc := range []struct {
		name    string
		dropRow func(int) bool
		dropCol func(int) bool
		extra   [][2]int
	}{
		{"nothing changed", func(int) bool { return false }, func(int) bool { return false }, nil},
		// Stock rows are the ≤ rows after the demand rows.
		{"stock rows dropped", func(i int) bool {
			lo, _ := m.RowBounds(i)
			return math.IsInf(lo, -1) && i%4 == 0
		}, func(int) bool { return false }, nil},
		{"columns dropped", func(int) bool { return false }, func(j int) bool { return first.Basis.state[j] == stateBasic && j%3 == 0 }, nil},
		{"columns added", func(int) bool { return false }, func(int) bool { return false }, [][2]int{{0, 1}, {3, 2}, {7, 1}}},
		{"all at once", func(i int) bool {
			lo, _ := m.RowBounds(i)
			return math.IsInf(lo, -1) && i%5 == 0
		}, func(j int) bool { return j%11 == 0 }, [][2]int{{1, 1}, {2, 3}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changed, vars, rows := without(m, tc.dropRow, tc.dropCol, tc.extra)
			for i := 0; i < changed.NumRows(); i += 3 {
				if lo, hi := changed.RowBounds(i); math.IsInf(lo, -1) {
					changed.SetRowBounds(i, lo, math.Floor(hi*0.8))
				}
			}
			start := first.Basis.Map(vars, rows)
			assert.Equal(t, changed.NumVars(), start.numVars)
			assert.Equal(t, changed.NumRows(), start.numRows)
			cold, err := Solve(context.Background(), changed, Settings{})
			require.NoError(t, err)
			warm, err := Solve(context.Background(), changed, Settings{Start: start})
			require.NoError(t, err)
			requireOptimal(t, changed, cold, 1e-6)
			requireOptimal(t, changed, warm, 1e-6)
			assert.InDelta(t, cold.Objective, warm.Objective, 1e-6*(1+math.Abs(cold.Objective)))
			assert.Less(t, warm.Iterations, cold.Iterations)
		})
	}
}

func TestSetStartRepairsTheBasicCount(t *testing.T) {
	// A start with too many basic columns, and one with too few: both
	// still solve to the cold optimum.
	m := warehouses(rand.New(rand.NewPCG(5, 2)), 3, 12, 4)
	cold, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	n, rows := m.NumVars(), m.NumRows()
	all := &Basis{numVars: n, numRows: rows, state: make([]varState, n+rows)}
	for j := range all.state {
		all.state[j] = stateBasic
	}
	none := &Basis{numVars: n, numRows: rows, state: make([]varState, n+rows)}
	for _, start := range []*Basis{all, none, cold.Basis} {
		warm, err := Solve(context.Background(), m, Settings{Start: start})
		require.NoError(t, err)
		requireOptimal(t, m, warm, 1e-6)
		assert.InDelta(t, cold.Objective, warm.Objective, 1e-6*(1+math.Abs(cold.Objective)))
	}
}

func TestAddRowNormalisesItsEntries(t *testing.T) {
	m := NewModel("rows")
	for range 4 {
		m.AddVar("", 0, Inf, 1)
	}
	m.Reserve(2, 5)
	cases := []struct {
		name       string
		cols       []int
		vals       []float64
		wantCols   []int
		wantValues []float64
	}{
		{"sorted, kept as given", []int{0, 2, 3}, []float64{1, -2, 3}, []int{0, 2, 3}, []float64{1, -2, 3}},
		{"unsorted, sorted", []int{3, 0, 2}, []float64{3, 1, -2}, []int{0, 2, 3}, []float64{1, -2, 3}},
		{"duplicates summed", []int{1, 1, 2}, []float64{1, 2, 4}, []int{1, 2}, []float64{3, 4}},
		{"zeros dropped", []int{0, 1, 2}, []float64{1, 0, 2}, []int{0, 2}, []float64{1, 2}},
		{"summed to zero, dropped", []int{2, 1, 2}, []float64{1, 5, -1}, []int{1}, []float64{5}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cols := slices.Clone(c.cols)
			i := m.AddRow(c.name, 0, 1, cols, c.vals)
			cols[0] = 99 // the row keeps its own copy
			gotCols, gotVals := m.Row(i)
			assert.Equal(t, c.wantCols, gotCols)
			assert.Equal(t, c.wantValues, gotVals)
		})
	}
	nnz := 0
	for i := 0; i < m.NumRows(); i++ {
		cols, _ := m.Row(i)
		nnz += len(cols)
	}
	assert.Equal(t, nnz, m.NumNonzeros())
	// An empty row is a row all the same.
	i := m.AddRow("empty", 0, 0, nil, nil)
	cols, vals := m.Row(i)
	assert.Empty(t, cols)
	assert.Empty(t, vals)
}
