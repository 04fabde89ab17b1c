package lp

import "math"

// basisMatrix gives the factor access to the columns of the basis: column k
// of B is the constraint column of the variable basic in position k.
type basisMatrix interface {
	// column appends the nonzeros of column k of B to idx/val and returns them.
	column(k int, idx []int, val []float64) ([]int, []float64)
}

// singularPivot is the smallest pivot magnitude a factorisation accepts.
const singularPivot = 1e-11

// eta is one product-form update: after the basis column in position r is
// replaced by a column whose FTRAN is alpha, B_new⁻¹ = E·B_old⁻¹ with E the
// identity except column r, which holds 1/alpha_r at r and -alpha_i/alpha_r
// elsewhere. The nonzeros alpha_i (i ≠ r) are kept in the eta file's flat
// arrays between start and end.
type eta struct {
	r          int
	pivot      float64
	start, end int
}

// etaFile is the product-form sequence of updates since the last
// factorisation.
type etaFile struct {
	etas []eta
	idx  []int
	val  []float64
}

func (f *etaFile) reset() {
	f.etas = f.etas[:0]
	f.idx = f.idx[:0]
	f.val = f.val[:0]
}

// add records the update replacing position r by a column with FTRAN alpha
// (dense, length m).
func (f *etaFile) add(r int, alpha []float64) {
	start := len(f.idx)
	for i, a := range alpha {
		if i != r && a != 0 {
			f.idx = append(f.idx, i)
			f.val = append(f.val, a)
		}
	}
	f.etas = append(f.etas, eta{r: r, pivot: alpha[r], start: start, end: len(f.idx)})
}

// ftran applies the etas in order to v (after the LU solve).
func (f *etaFile) ftran(v []float64) {
	for _, e := range f.etas {
		vr := v[e.r] / e.pivot
		v[e.r] = vr
		if vr == 0 {
			continue
		}
		for k := e.start; k < e.end; k++ {
			v[f.idx[k]] -= f.val[k] * vr
		}
	}
}

// btran applies the transposed etas in reverse order to w (before the LU
// solve).
func (f *etaFile) btran(w []float64) {
	for t := len(f.etas) - 1; t >= 0; t-- {
		e := f.etas[t]
		s := w[e.r]
		for k := e.start; k < e.end; k++ {
			s -= f.val[k] * w[f.idx[k]]
		}
		w[e.r] = s / e.pivot
	}
}

// denseLU is P·B = L·U with partial pivoting, eliminated dense: lu holds L
// (unit diagonal, below) and U (on and above the diagonal) column-major;
// perm[k] is the row of B pivoted in step k. The nuclei of simplex bases are
// sparse even after elimination (under 1% of the entries are nonzero on the
// bases of the hindsight-bound models), so once the elimination is done the
// nonzeros are copied into column lists and the solves, run hundreds of
// times per factorisation, cost the factor's nonzeros rather than m².
type denseLU struct {
	m    int
	lu   []float64
	perm []int
	work []float64
	idx  []int
	val  []float64

	// The factor's nonzeros by columns of the pivot order: column k of L
	// (below the diagonal) in lIdx/lVal[lStart[k]:lStart[k+1]], column k of
	// U above the diagonal likewise in uIdx/uVal, U's diagonal in uDiag.
	lStart, uStart []int
	lIdx, uIdx     []int
	lVal, uVal     []float64
	uDiag          []float64
}

// factorize factorises the m×m basis. It returns the positions whose
// columns are linearly dependent on the others (nil when B is regular) and
// as many rows left without a pivot: replacing the column at each deficient
// position by the unit column of a spare row makes B regular.
func (d *denseLU) factorize(m int, b basisMatrix) (deficient, spare []int) {
	d.m = m
	if cap(d.lu) < m*m {
		d.lu = make([]float64, m*m)
	}
	d.lu = d.lu[:m*m]
	clear(d.lu)
	d.perm = growInts(d.perm, m)
	d.work = growFloats(d.work, m)
	for k := 0; k < m; k++ {
		d.idx, d.val = b.column(k, d.idx[:0], d.val[:0])
		col := d.lu[k*m : (k+1)*m]
		for t, i := range d.idx {
			col[i] += d.val[t]
		}
	}
	lu := d.lu
	rowAt := d.perm // rowAt[p]: the row of B now stored at p
	for i := range rowAt {
		rowAt[i] = i
	}
	r := 0 // pivots accepted so far; they sit in rows 0..r-1
	for k := 0; k < m; k++ {
		col := lu[k*m : (k+1)*m]
		p, best := -1, singularPivot
		for i := r; i < m; i++ {
			if a := math.Abs(col[i]); a > best {
				p, best = i, a
			}
		}
		if p < 0 {
			deficient = append(deficient, k)
			continue
		}
		if p != r {
			for j := 0; j < m; j++ {
				c := lu[j*m : (j+1)*m]
				c[p], c[r] = c[r], c[p]
			}
			rowAt[p], rowAt[r] = rowAt[r], rowAt[p]
		}
		piv := col[r]
		for i := r + 1; i < m; i++ {
			col[i] /= piv
		}
		for j := k + 1; j < m; j++ {
			cj := lu[j*m : (j+1)*m]
			f := cj[r]
			if f == 0 {
				continue
			}
			for i := r + 1; i < m; i++ {
				cj[i] -= col[i] * f
			}
		}
		r++
	}
	if len(deficient) > 0 {
		spare = append(spare, rowAt[r:]...)
		return deficient, spare
	}
	d.compress()
	return nil, nil
}

// compress copies the nonzeros of the eliminated (regular) factor into the
// column lists the solves use.
func (d *denseLU) compress() {
	m := d.m
	d.lStart = growInts(d.lStart, m+1)
	d.uStart = growInts(d.uStart, m+1)
	d.uDiag = growFloats(d.uDiag, m)
	d.lIdx, d.lVal = d.lIdx[:0], d.lVal[:0]
	d.uIdx, d.uVal = d.uIdx[:0], d.uVal[:0]
	for k := 0; k < m; k++ {
		col := d.lu[k*m : (k+1)*m]
		d.uStart[k] = len(d.uIdx)
		for i, a := range col[:k] {
			if a != 0 {
				d.uIdx = append(d.uIdx, i)
				d.uVal = append(d.uVal, a)
			}
		}
		d.uDiag[k] = col[k]
		d.lStart[k] = len(d.lIdx)
		for i := k + 1; i < m; i++ {
			if a := col[i]; a != 0 {
				d.lIdx = append(d.lIdx, i)
				d.lVal = append(d.lVal, a)
			}
		}
	}
	d.uStart[m] = len(d.uIdx)
	d.lStart[m] = len(d.lIdx)
}

// solve overwrites v with B⁻¹·v. Only the nonzeros of the factor are
// visited, in the order of the dense elimination, so the result is the
// same as the dense triangular solves', bit for bit.
func (d *denseLU) solve(v []float64) {
	m, y := d.m, d.work
	for p := 0; p < m; p++ {
		y[p] = v[d.perm[p]]
	}
	lIdx, lVal := d.lIdx, d.lVal
	for k := 0; k < m; k++ {
		yk := y[k]
		if yk == 0 {
			continue
		}
		for t := d.lStart[k]; t < d.lStart[k+1]; t++ {
			y[lIdx[t]] -= lVal[t] * yk
		}
	}
	uIdx, uVal := d.uIdx, d.uVal
	for k := m - 1; k >= 0; k-- {
		yk := y[k] / d.uDiag[k]
		y[k] = yk
		if yk == 0 {
			continue
		}
		for t := d.uStart[k]; t < d.uStart[k+1]; t++ {
			y[uIdx[t]] -= uVal[t] * yk
		}
	}
	copy(v, y[:m])
}

// solveTrans overwrites w with B⁻ᵀ·w.
func (d *denseLU) solveTrans(w []float64) {
	m, z := d.m, d.work
	copy(z, w[:m])
	uIdx, uVal := d.uIdx, d.uVal
	for k := 0; k < m; k++ {
		s := z[k]
		for t := d.uStart[k]; t < d.uStart[k+1]; t++ {
			s -= uVal[t] * z[uIdx[t]]
		}
		z[k] = s / d.uDiag[k]
	}
	lIdx, lVal := d.lIdx, d.lVal
	for k := m - 1; k >= 0; k-- {
		s := z[k]
		for t := d.lStart[k]; t < d.lStart[k+1]; t++ {
			s -= lVal[t] * z[lIdx[t]]
		}
		z[k] = s
	}
	for p := 0; p < m; p++ {
		w[d.perm[p]] = z[p]
	}
}

func growInts(s []int, n int) []int {
	if cap(s) < n {
		return make([]int, n)
	}
	return s[:n]
}

func growFloats(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
