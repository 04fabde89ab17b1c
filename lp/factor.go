package lp

import (
	"math"
	"slices"
)

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

// addSparse is add for an alpha whose nonzeros lie in the positions nz,
// ascending: the same eta as add's.
func (f *etaFile) addSparse(r int, alpha []float64, nz []int) {
	start := len(f.idx)
	for _, i := range nz {
		if a := alpha[i]; i != r && a != 0 {
			f.idx = append(f.idx, i)
			f.val = append(f.val, a)
		}
	}
	f.etas = append(f.etas, eta{r: r, pivot: alpha[r], start: start, end: len(f.idx)})
}

// ftranTrack is ftran appending to nz the positions it sets (repeats
// possible), and returns nz.
func (f *etaFile) ftranTrack(v []float64, nz []int) []int {
	for _, e := range f.etas {
		vr := v[e.r] / e.pivot
		v[e.r] = vr
		if vr == 0 {
			continue
		}
		nz = append(nz, e.r)
		for k := e.start; k < e.end; k++ {
			v[f.idx[k]] -= f.val[k] * vr
		}
		nz = append(nz, f.idx[e.start:e.end]...)
	}
	return nz
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

// denseLU is P·B = L·U with partial pivoting, eliminated in a dense array
// but followed by its nonzeros: lu holds the columns of B, overwritten by L
// (unit diagonal; the rows pivoted after the column's step) and U (the rows
// pivoted up to it), rows left in place; perm[k] is the row of B pivoted in
// step k. The nuclei of simplex bases are sparse even after elimination
// (under 1% of the entries are nonzero on the bases of the hindsight-bound
// models), so each column's nonzero rows are listed as they fill in: a
// step visits those rows only, and the array, zero between
// factorisations, is cleared through the same lists. Once the elimination
// is done the nonzeros are copied into column lists and the solves, run
// hundreds of times per factorisation, cost the factor's nonzeros rather
// than m². The arithmetic is that of the dense elimination, operation for
// operation: the same pivots (the largest entry, ties to the first row),
// the same updates in the same order, the same factor bit for bit.
type denseLU struct {
	m    int
	lu   []float64
	perm []int
	step []int

	// Scratch of the elimination: the columns with an entry in each row,
	// the rows with an entry in each column (either may repeat one, and
	// an entry cancelled to zero stays listed).
	rowCols [][]int
	colRows [][]int
	seen    []int
	sortTmp []int // sortIndices' scratch
	work    []float64
	idx     []int
	val     []float64

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
		// The nucleus grows as the simplex moves away from the slack
		// basis: room for a quarter more saves reallocating at every step.
		grown := m + m/4
		d.lu = make([]float64, m*m, grown*grown)
	}
	// d.lu is all zero here: a new array, or the last factorisation's
	// cleared through its lists (clearLists).
	d.lu = d.lu[:m*m]
	d.perm = growInts(d.perm, m)
	d.work = growFloats(d.work, m)
	rowCols := resetLists(&d.rowCols, m)
	colRows := resetLists(&d.colRows, m)
	d.seen = growInts(d.seen, m)
	seen := d.seen
	for k := range seen {
		seen[k] = -1
	}
	for k := 0; k < m; k++ {
		d.idx, d.val = b.column(k, d.idx[:0], d.val[:0])
		col := d.lu[k*m : (k+1)*m]
		for t, i := range d.idx {
			col[i] += d.val[t]
			rowCols[i] = append(rowCols[i], k)
			colRows[k] = append(colRows[k], i)
		}
	}
	// The rows stay where they are: step[i] is the elimination step that
	// pivoted row i (-1 while it has none), perm[t] the row of step t.
	lu := d.lu
	d.step = growInts(d.step, m)
	step := d.step
	for i := range step {
		step[i] = -1
	}
	r := 0 // pivots accepted so far
	for k := 0; k < m; k++ {
		col := lu[k*m : (k+1)*m]
		// Column k takes no more updates: its rows, in order and once
		// each, are those of the dense column's nonzeros.
		d.sortTmp = sortIndices(colRows[k], d.sortTmp, m)
		rows := slices.Compact(colRows[k])
		colRows[k] = rows
		p, best := -1, singularPivot
		for _, i := range rows {
			if step[i] < 0 && math.Abs(col[i]) > best {
				p, best = i, math.Abs(col[i])
			}
		}
		if p < 0 {
			deficient = append(deficient, k)
			continue
		}
		step[p], d.perm[r] = r, p
		r++
		piv := col[p]
		below := d.idx[:0] // the rows without a pivot where the column is nonzero
		for _, i := range rows {
			if a := col[i]; a != 0 && step[i] < 0 {
				col[i] = a / piv
				below = append(below, i)
			}
		}
		d.idx = below
		if len(below) == 0 {
			continue
		}
		for _, j := range rowCols[p] {
			if j <= k || seen[j] == k {
				continue
			}
			seen[j] = k
			cj := lu[j*m : (j+1)*m]
			f := cj[p]
			if f == 0 {
				continue
			}
			for _, i := range below {
				if cj[i] == 0 {
					rowCols[i] = append(rowCols[i], j)
					colRows[j] = append(colRows[j], i)
				}
				cj[i] -= col[i] * f
			}
		}
	}
	if len(deficient) > 0 {
		for i, t := range step {
			if t < 0 {
				spare = append(spare, i)
			}
		}
		d.clearLists()
		return deficient, spare
	}
	d.compress()
	return nil, nil
}

// resetLists returns (*lists)[:m], each list emptied, growing it when
// short; the lists keep their arrays for the next factorisation.
func resetLists(lists *[][]int, m int) [][]int {
	if len(*lists) < m {
		*lists = append(*lists, make([][]int, m-len(*lists))...)
	}
	l := (*lists)[:m]
	for i := range l {
		l[i] = l[i][:0]
	}
	return l
}

// clearLists zeroes the entries of lu that the column lists name, leaving
// the array all zero for the next factorisation.
func (d *denseLU) clearLists() {
	m := d.m
	for k, rows := range d.colRows[:m] {
		col := d.lu[k*m : (k+1)*m]
		for _, i := range rows {
			col[i] = 0
		}
	}
}

// compress copies the nonzeros of the eliminated (regular) factor into the
// column lists the solves use, in the order of their rows, and zeroes them
// in lu.
func (d *denseLU) compress() {
	m := d.m
	d.lStart = growInts(d.lStart, m+1)
	d.uStart = growInts(d.uStart, m+1)
	d.uDiag = growFloats(d.uDiag, m)
	d.lIdx, d.lVal = d.lIdx[:0], d.lVal[:0]
	d.uIdx, d.uVal = d.uIdx[:0], d.uVal[:0]
	for k := 0; k < m; k++ {
		d.uStart[k], d.lStart[k] = len(d.uIdx), len(d.lIdx)
		col := d.lu[k*m : (k+1)*m]
		// Sorted and without repeats since step k.
		for _, i := range d.colRows[k] {
			a := col[i]
			if a == 0 {
				continue
			}
			col[i] = 0
			switch t := d.step[i]; {
			case t < k:
				d.uIdx = append(d.uIdx, t)
				d.uVal = append(d.uVal, a)
			case t == k:
				d.uDiag[k] = a
			default:
				d.lIdx = append(d.lIdx, t)
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
