package lp

import "math"

// rowSingletonThreshold: a row singleton pivots only if its entry is at
// least this fraction of the largest entry of its column, for stability;
// smaller ones are left to the nucleus.
const rowSingletonThreshold = 0.01

// sparseLU factorises the basis in three blocks. Peeling column singletons
// (a column with one active entry) builds an upper triangular block at the
// front; peeling row singletons builds another at the back; what is left,
// the nucleus, gets a dense LU with partial pivoting. With rows and columns
// permuted to pivot order the basis is then block upper triangular:
//
//	[ U_front  X        X      ]
//	[ 0        nucleus  X      ]
//	[ 0        0        U_back ]
//
// Bases of transportation and planning models are network-like and come
// out wholly triangular, so a solve costs one pass over the factor's
// nonzeros and skips the columns whose value is zero.
type sparseLU struct {
	m int

	// Per basis position k: the pivot row and value, and the column's other
	// entries (for nucleus columns only those outside the nucleus rows) in
	// otherIdx/otherVal[otherStart[k]:otherStart[k+1]].
	pivotRow   []int
	pivotVal   []float64
	otherStart []int
	otherIdx   []int
	otherVal   []float64

	// The same entries by rows, for BTRAN: row i's entries are at
	// positions transPos[transStart[i]:transStart[i+1]] with values
	// transVal.
	transStart []int
	transPos   []int
	transVal   []float64

	front []int // positions of the front block, in pivot order
	back  []int // positions of the back block, in pivot order (the first is the last row)

	// The nucleus: positions (columns) and rows in local order, and their
	// dense factor.
	nucleusPos  []int
	nucleusRow  []int
	nucleusLU   denseLU
	nucleusWork []float64

	// Scratch of the factorisation.
	colStart []int
	colIdx   []int
	colVal   []float64
	rowStart []int
	rowPos   []int
	rowCount []int
	colCount []int
	rowDone  []bool
	colDone  []bool
	localRow []int
	queue    []int
	val      []float64 // row-indexed work vector of the solves
}

// nucleusMatrix adapts the nucleus to basisMatrix for the dense LU.
type nucleusMatrix struct{ f *sparseLU }

func (a nucleusMatrix) column(k int, idx []int, val []float64) ([]int, []float64) {
	f := a.f
	pos := f.nucleusPos[k]
	for p := f.colStart[pos]; p < f.colStart[pos+1]; p++ {
		if l := f.localRow[f.colIdx[p]]; l >= 0 {
			idx = append(idx, l)
			val = append(val, f.colVal[p])
		}
	}
	return idx, val
}

// factorize factorises the m×m basis b. It returns the positions whose
// columns are (numerically) dependent on the others and as many rows
// without a pivot: replacing the column at each deficient position by the
// unit column of a spare row makes the basis regular.
func (f *sparseLU) factorize(m int, b basisMatrix) (deficient, spare []int) {
	f.m = m
	// Gather the columns.
	f.colStart = growInts(f.colStart, m+1)
	f.colIdx, f.colVal = f.colIdx[:0], f.colVal[:0]
	f.colStart[0] = 0
	for k := 0; k < m; k++ {
		f.colIdx, f.colVal = b.column(k, f.colIdx, f.colVal)
		f.colStart[k+1] = len(f.colIdx)
	}
	// Row-wise pattern: for each row, the positions with an entry in it.
	f.rowStart = growInts(f.rowStart, m+1)
	clear(f.rowStart)
	for _, i := range f.colIdx {
		f.rowStart[i+1]++
	}
	for i := 0; i < m; i++ {
		f.rowStart[i+1] += f.rowStart[i]
	}
	f.rowPos = growInts(f.rowPos, len(f.colIdx))
	f.rowCount = growInts(f.rowCount, m)
	clear(f.rowCount)
	for k := 0; k < m; k++ {
		for p := f.colStart[k]; p < f.colStart[k+1]; p++ {
			i := f.colIdx[p]
			f.rowPos[f.rowStart[i]+f.rowCount[i]] = k
			f.rowCount[i]++
		}
	}
	f.colCount = growInts(f.colCount, m)
	for k := 0; k < m; k++ {
		f.colCount[k] = f.colStart[k+1] - f.colStart[k]
	}
	f.rowDone = growBools(f.rowDone, m)
	f.colDone = growBools(f.colDone, m)
	f.pivotRow = growInts(f.pivotRow, m)
	f.pivotVal = growFloats(f.pivotVal, m)
	f.front, f.back = f.front[:0], f.back[:0]

	// Column singletons, in position order then as they appear.
	queue := f.queue[:0]
	for k := 0; k < m; k++ {
		if f.colCount[k] <= 1 {
			queue = append(queue, k)
		}
	}
	for len(queue) > 0 {
		k := queue[0]
		queue = queue[1:]
		if f.colDone[k] {
			continue
		}
		row, v := -1, 0.0
		for p := f.colStart[k]; p < f.colStart[k+1]; p++ {
			if i := f.colIdx[p]; !f.rowDone[i] {
				row, v = i, f.colVal[p]
				break
			}
		}
		f.colDone[k] = true
		if row < 0 || math.Abs(v) <= singularPivot {
			deficient = append(deficient, k)
			if row >= 0 {
				f.rowCount[row]--
			}
			continue
		}
		f.pivotRow[k], f.pivotVal[k] = row, v
		f.front = append(f.front, k)
		f.rowDone[row] = true
		for p := f.rowStart[row]; p < f.rowStart[row+1]; p++ {
			k2 := f.rowPos[p]
			if f.colDone[k2] {
				continue
			}
			f.colCount[k2]--
			if f.colCount[k2] <= 1 {
				queue = append(queue, k2)
			}
		}
	}
	// Row singletons.
	queue = queue[:0]
	for i := 0; i < m; i++ {
		if !f.rowDone[i] && f.rowCount[i] <= 1 {
			queue = append(queue, i)
		}
	}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		if f.rowDone[i] {
			continue
		}
		k := -1
		for p := f.rowStart[i]; p < f.rowStart[i+1]; p++ {
			if k2 := f.rowPos[p]; !f.colDone[k2] {
				k = k2
				break
			}
		}
		if k < 0 {
			continue // no active column: a spare row, found below
		}
		v, biggest := 0.0, 0.0
		for p := f.colStart[k]; p < f.colStart[k+1]; p++ {
			a := f.colVal[p]
			if f.colIdx[p] == i {
				v = a
			}
			biggest = math.Max(biggest, math.Abs(a))
		}
		if math.Abs(v) <= singularPivot || math.Abs(v) < rowSingletonThreshold*biggest {
			continue // left to the nucleus
		}
		f.pivotRow[k], f.pivotVal[k] = i, v
		f.back = append(f.back, k)
		f.rowDone[i] = true
		f.colDone[k] = true
		for p := f.colStart[k]; p < f.colStart[k+1]; p++ {
			i2 := f.colIdx[p]
			if f.rowDone[i2] {
				continue
			}
			f.rowCount[i2]--
			if f.rowCount[i2] <= 1 {
				queue = append(queue, i2)
			}
		}
	}
	f.queue = queue
	// The nucleus: the active columns and rows left.
	f.nucleusPos, f.nucleusRow = f.nucleusPos[:0], f.nucleusRow[:0]
	f.localRow = growInts(f.localRow, m)
	for i := 0; i < m; i++ {
		f.localRow[i] = -1
		if !f.rowDone[i] {
			f.localRow[i] = len(f.nucleusRow)
			f.nucleusRow = append(f.nucleusRow, i)
		}
	}
	for k := 0; k < m; k++ {
		if !f.colDone[k] {
			f.nucleusPos = append(f.nucleusPos, k)
		}
	}
	rows, cols := len(f.nucleusRow), len(f.nucleusPos)
	if rows != cols {
		// Deficient columns removed above leave more rows than columns:
		// their rows are spare. Pair the nucleus as square as possible.
		for len(f.nucleusRow) > len(f.nucleusPos) {
			i := f.nucleusRow[len(f.nucleusRow)-1]
			f.nucleusRow = f.nucleusRow[:len(f.nucleusRow)-1]
			f.localRow[i] = -1
			spare = append(spare, i)
		}
		for len(f.nucleusPos) > len(f.nucleusRow) {
			k := f.nucleusPos[len(f.nucleusPos)-1]
			f.nucleusPos = f.nucleusPos[:len(f.nucleusPos)-1]
			deficient = append(deficient, k)
		}
	}
	if s := len(f.nucleusPos); s > 0 {
		def, sp := f.nucleusLU.factorize(s, nucleusMatrix{f})
		for _, l := range def {
			deficient = append(deficient, f.nucleusPos[l])
		}
		for _, l := range sp {
			spare = append(spare, f.nucleusRow[l])
		}
		f.nucleusWork = growFloats(f.nucleusWork, s)
	}
	if len(deficient) > 0 {
		return deficient, spare
	}
	// The other entries of every column.
	f.otherStart = growInts(f.otherStart, m+1)
	f.otherIdx, f.otherVal = f.otherIdx[:0], f.otherVal[:0]
	f.otherStart[0] = 0
	for k := 0; k < m; k++ {
		nucleusCol := !f.colDone[k]
		for p := f.colStart[k]; p < f.colStart[k+1]; p++ {
			i := f.colIdx[p]
			if nucleusCol {
				if f.localRow[i] >= 0 {
					continue
				}
			} else if i == f.pivotRow[k] {
				continue
			}
			f.otherIdx = append(f.otherIdx, i)
			f.otherVal = append(f.otherVal, f.colVal[p])
		}
		f.otherStart[k+1] = len(f.otherIdx)
	}
	f.transpose()
	return nil, nil
}

// transpose builds the row-wise copy of the other entries.
func (f *sparseLU) transpose() {
	m := f.m
	f.transStart = growInts(f.transStart, m+1)
	clear(f.transStart)
	for _, i := range f.otherIdx {
		f.transStart[i+1]++
	}
	for i := 0; i < m; i++ {
		f.transStart[i+1] += f.transStart[i]
	}
	n := len(f.otherIdx)
	f.transPos = growInts(f.transPos, n)
	f.transVal = growFloats(f.transVal, n)
	next := f.rowCount // free after the factorisation
	copy(next, f.transStart[:m])
	for k := 0; k < m; k++ {
		for p := f.otherStart[k]; p < f.otherStart[k+1]; p++ {
			i := f.otherIdx[p]
			f.transPos[next[i]] = k
			f.transVal[next[i]] = f.otherVal[p]
			next[i]++
		}
	}
}

// solve overwrites v (indexed by row) with B⁻¹·v (indexed by position).
func (f *sparseLU) solve(v []float64) {
	y := f.scratch(v)
	for _, k := range f.back {
		f.eliminate(k, y, v)
	}
	if s := len(f.nucleusPos); s > 0 {
		w := f.nucleusWork
		for l, i := range f.nucleusRow {
			w[l] = y[i]
		}
		f.nucleusLU.solve(w)
		for l, k := range f.nucleusPos {
			val := w[l]
			v[k] = val
			if val == 0 {
				continue
			}
			for p := f.otherStart[k]; p < f.otherStart[k+1]; p++ {
				y[f.otherIdx[p]] -= f.otherVal[p] * val
			}
		}
	}
	for t := len(f.front) - 1; t >= 0; t-- {
		f.eliminate(f.front[t], y, v)
	}
}

// eliminate solves for the triangular position k: out[k] = y[row]/pivot,
// then removes column k's contribution from y.
func (f *sparseLU) eliminate(k int, y, out []float64) {
	val := y[f.pivotRow[k]]
	if val == 0 {
		out[k] = 0
		return
	}
	val /= f.pivotVal[k]
	out[k] = val
	for p := f.otherStart[k]; p < f.otherStart[k+1]; p++ {
		y[f.otherIdx[p]] -= f.otherVal[p] * val
	}
}

// scratch copies v into the factor's row-indexed work vector.
func (f *sparseLU) scratch(v []float64) []float64 {
	f.val = growFloats(f.val, f.m)
	copy(f.val, v[:f.m])
	return f.val
}

// solveTrans overwrites w (indexed by position) with B⁻ᵀ·w (indexed by row).
// It runs row by row in pivot order: once the value of a pivot row is
// known, it is subtracted from the positions that have an entry in that
// row, and a zero value (most of them, for the unit vectors of the dual
// simplex) costs one test.
func (f *sparseLU) solveTrans(w []float64) {
	c := f.scratch(w)
	for _, k := range f.front {
		f.substitute(k, c, w)
	}
	if s := len(f.nucleusPos); s > 0 {
		z := f.nucleusWork
		for l, k := range f.nucleusPos {
			z[l] = c[k]
		}
		f.nucleusLU.solveTrans(z)
		for l, i := range f.nucleusRow {
			f.scatter(i, z[l], c, w)
		}
	}
	for t := len(f.back) - 1; t >= 0; t-- {
		f.substitute(f.back[t], c, w)
	}
}

// substitute solves for the pivot row of triangular position k, whose
// other entries' contributions c[k] already holds: w[row] = c[k] / pivot.
func (f *sparseLU) substitute(k int, c, w []float64) {
	f.scatter(f.pivotRow[k], c[k]/f.pivotVal[k], c, w)
}

// scatter sets w[i] = v and removes row i's contribution from the
// positions with an entry in it.
func (f *sparseLU) scatter(i int, v float64, c, w []float64) {
	w[i] = v
	if v == 0 {
		return
	}
	for p := f.transStart[i]; p < f.transStart[i+1]; p++ {
		c[f.transPos[p]] -= f.transVal[p] * v
	}
}

func growBools(s []bool, n int) []bool {
	if cap(s) < n {
		return make([]bool, n)
	}
	s = s[:n]
	clear(s)
	return s
}
