package lp

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// denseColumns is a basisMatrix over dense columns (cols[k][i]).
type denseColumns [][]float64

func (d denseColumns) column(k int, idx []int, val []float64) ([]int, []float64) {
	for i, v := range d[k] {
		if v != 0 {
			idx, val = append(idx, i), append(val, v)
		}
	}
	return idx, val
}

// randomBasis mixes unit columns (triangular parts) with random sparse
// ones (a nucleus), permuted.
func randomBasis(rng *rand.Rand, m int, density float64) denseColumns {
	cols := make(denseColumns, m)
	for k := range cols {
		cols[k] = make([]float64, m)
		switch rng.IntN(3) {
		case 0:
			cols[k][k] = float64(1 + rng.IntN(3))
		case 1: // triangular: diagonal plus entries above
			cols[k][k] = 2 + rng.Float64()
			for i := 0; i < k; i++ {
				if rng.Float64() < density {
					cols[k][i] = rng.NormFloat64()
				}
			}
		default:
			cols[k][k] = 1 + rng.Float64()
			for i := range cols[k] {
				if rng.Float64() < density {
					cols[k][i] += rng.NormFloat64()
				}
			}
		}
	}
	rng.Shuffle(m, func(a, b int) { cols[a], cols[b] = cols[b], cols[a] })
	return cols
}

func TestSparseLUSolves(t *testing.T) {
	for seed := uint64(1); seed <= 30; seed++ {
		rng := rand.New(rand.NewPCG(seed, 1))
		m := 1 + rng.IntN(60)
		b := randomBasis(rng, m, 0.1)
		var f sparseLU
		def, _ := f.factorize(m, b)
		if len(def) > 0 {
			continue // a random basis may be singular; TestSparseLUSingular covers that
		}
		rhs := make([]float64, m)
		for i := range rhs {
			rhs[i] = rng.NormFloat64()
		}
		v := append([]float64(nil), rhs...)
		f.solve(v, nil)
		for i := 0; i < m; i++ { // B·v = rhs
			s := 0.0
			for k := 0; k < m; k++ {
				s += b[k][i] * v[k]
			}
			require.InDelta(t, rhs[i], s, 1e-8, "seed %d row %d", seed, i)
		}
		w := append([]float64(nil), rhs...)
		f.solveTrans(w, nil)
		for k := 0; k < m; k++ { // Bᵀ·w = rhs
			s := 0.0
			for i := 0; i < m; i++ {
				s += b[k][i] * w[i]
			}
			require.InDelta(t, rhs[k], s, 1e-8, "seed %d column %d", seed, k)
		}
	}
}

func TestSparseLUSingular(t *testing.T) {
	// Column 2 = column 0 + column 1; row 3 is empty except in column 3...
	// which duplicates column 0 scaled: two dependencies.
	b := denseColumns{
		{1, 2, 0, 0},
		{0, 1, 1, 0},
		{1, 3, 1, 0},
		{2, 4, 0, 0},
	}
	var f sparseLU
	def, spare := f.factorize(4, b)
	require.Len(t, def, 2)
	require.Len(t, spare, 2)
	assert.Contains(t, spare, 3, "row 3 has no entry")
	// Replacing the deficient columns by the spare unit columns is regular.
	for k, pos := range def {
		col := make([]float64, 4)
		col[spare[k]] = 1
		b[pos] = col
	}
	def, _ = f.factorize(4, b)
	assert.Empty(t, def)
	v := []float64{1, 2, 3, 4}
	f.solve(v, nil)
	for i, want := range []float64{1, 2, 3, 4} {
		s := 0.0
		for k := range b {
			s += b[k][i] * v[k]
		}
		assert.InDelta(t, want, s, 1e-12)
	}
	assert.False(t, math.IsNaN(v[0]))
}

// TestSparseLUHypersparseSolvesAsDense: solves of right-hand sides with a
// few nonzeros (the hypersparse path, following them through every block
// or passing over the blocks where they spread) give what the dense
// solves give, bit for bit, on bases with triangular blocks and a
// nucleus, and leave the factor's work vector at zero for the next.
func TestSparseLUHypersparseSolvesAsDense(t *testing.T) {
	solved, withNucleus, followed := 0, 0, 0
	for seed := uint64(1); seed <= 40; seed++ {
		rng := rand.New(rand.NewPCG(seed, 2))
		m := 200 + rng.IntN(1800)
		b := randomBasis(rng, m, 2.0/float64(m))
		f := sparseLU{minHyper: 1}
		if def, _ := f.factorize(m, b); len(def) > 0 {
			continue
		}
		if len(f.nucleusPos) > 0 {
			withNucleus++
		}
		for trial := 0; trial < 20; trial++ {
			rhs := make([]float64, m)
			most := m / hyperRatio
			if trial%2 == 0 {
				most = 3 // a column or a unit row
			}
			for n := 1 + rng.IntN(most); n > 0; n-- {
				rhs[rng.IntN(m)] = rng.NormFloat64()
			}
			require.NotNil(t, f.sparseNonzeros(rhs), "seed %d: the right-hand side should take the hypersparse path", seed)
			hyper, dense := append([]float64(nil), rhs...), append([]float64(nil), rhs...)
			f.solve(hyper, nil)
			if f.lastNonzeros() != nil {
				followed++
			}
			f.solveDense(dense)
			require.Equal(t, dense, hyper, "seed %d trial %d: solve", seed, trial)
			hyper, dense = append(hyper[:0], rhs...), append(dense[:0], rhs...)
			f.solveTrans(hyper, nil)
			f.solveTransDense(dense)
			require.Equal(t, dense, hyper, "seed %d trial %d: solveTrans", seed, trial)
			require.Equal(t, make([]float64, m), f.hy[:m], "seed %d trial %d: the work vector is left at zero", seed, trial)
			solved++
		}
	}
	require.Greater(t, solved, 400, "too few regular bases")
	require.Greater(t, withNucleus, 5, "too few bases with a nucleus")
	require.Greater(t, followed, 100, "too few solves followed the nonzeros through every block")
}

// TestEtaFileSparse: addSparse records the eta add records, and ftranTrack
// computes what ftran does and lists every position it leaves nonzero.
func TestEtaFileSparse(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	const m = 50
	var dense, sparse etaFile
	for e := 0; e < 30; e++ {
		alpha := make([]float64, m)
		var nz []int
		for i := range alpha {
			if rng.IntN(5) == 0 {
				alpha[i] = rng.NormFloat64()
				nz = append(nz, i)
			}
		}
		r := rng.IntN(m)
		if alpha[r] == 0 {
			alpha[r] = 1 + rng.Float64()
			nz = append(nz, r)
		}
		slices.Sort(nz)
		dense.add(r, alpha)
		sparse.addSparse(r, alpha, nz)
	}
	require.Equal(t, dense, sparse)
	for trial := 0; trial < 20; trial++ {
		v := make([]float64, m)
		var nz []int
		for n := 1 + rng.IntN(3); n > 0; n-- {
			i := rng.IntN(m)
			v[i] = rng.NormFloat64()
			nz = append(nz, i)
		}
		w := append([]float64(nil), v...)
		dense.ftran(v)
		nz = sparse.ftranTrack(w, nz)
		require.Equal(t, v, w)
		for i, x := range w {
			if x != 0 {
				require.Contains(t, nz, i, "trial %d: a nonzero left out", trial)
			}
		}
	}
}

// referenceLU is the textbook dense elimination denseLU follows: partial
// pivoting (the largest entry, ties to the first row), every entry of every
// later column updated, rows left in place. It returns the eliminated
// array (column-major) and the step of each row (-1: none), or the
// deficient columns.
func referenceLU(b denseColumns) (lu []float64, step, deficient []int) {
	m := len(b)
	lu = make([]float64, m*m)
	for k := range b {
		copy(lu[k*m:], b[k])
	}
	step = make([]int, m)
	for i := range step {
		step[i] = -1
	}
	r := 0
	for k := 0; k < m; k++ {
		col := lu[k*m : (k+1)*m]
		p, best := -1, singularPivot
		for i, a := range col {
			if step[i] < 0 && math.Abs(a) > best {
				p, best = i, math.Abs(a)
			}
		}
		if p < 0 {
			deficient = append(deficient, k)
			continue
		}
		step[p] = r
		r++
		for i, a := range col {
			if a != 0 && step[i] < 0 {
				col[i] = a / col[p]
			}
		}
		for j := k + 1; j < m; j++ {
			cj := lu[j*m : (j+1)*m]
			if f := cj[p]; f != 0 {
				for i, a := range col {
					if a != 0 && step[i] < 0 {
						cj[i] -= a * f
					}
				}
			}
		}
	}
	return lu, step, deficient
}

// TestDenseLUAsReference: the nucleus factor, which follows each column's
// nonzeros, is the dense elimination's bit for bit (the same pivots, the
// same entries), on bases regular and singular, factorised one after
// another by the same denseLU (its array left at zero between them) and
// by a new one.
func TestDenseLUAsReference(t *testing.T) {
	var reused denseLU
	regular, singular := 0, 0
	for seed := uint64(1); seed <= 60; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		m := 1 + rng.IntN(80)
		b := randomBasis(rng, m, 0.08)
		if seed%5 == 0 && m > 2 { // a dependent column
			b[m-1] = slices.Clone(b[0])
			for i := range b[m-1] {
				b[m-1][i] *= 2
			}
		}
		lu, step, wantDef := referenceLU(b)
		for _, d := range []*denseLU{&reused, {}} {
			def, _ := d.factorize(m, b)
			require.Equal(t, wantDef, def, "seed %d", seed)
			if len(def) > 0 {
				continue
			}
			require.Equal(t, step, d.step[:m], "seed %d", seed)
			for k := 0; k < m; k++ {
				for i := 0; i < m; i++ {
					want := lu[k*m+i]
					var got float64
					switch t := step[i]; {
					case t == k:
						got = d.uDiag[k]
					case t < k:
						got = findEntry(d.uIdx[d.uStart[k]:d.uStart[k+1]], d.uVal[d.uStart[k]:], t)
					default:
						got = findEntry(d.lIdx[d.lStart[k]:d.lStart[k+1]], d.lVal[d.lStart[k]:], t)
					}
					require.Equal(t, math.Float64bits(want), math.Float64bits(got), "seed %d entry (%d, %d)", seed, i, k)
				}
			}
		}
		if len(wantDef) > 0 {
			singular++
		} else {
			regular++
		}
	}
	require.Greater(t, regular, 20)
	require.Greater(t, singular, 5)
}

// findEntry returns the value at the step t in a factor column, or 0.
func findEntry(idx []int, val []float64, t int) float64 {
	for p, s := range idx {
		if s == t {
			return val[p]
		}
	}
	return 0
}
