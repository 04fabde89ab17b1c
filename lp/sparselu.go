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

	// For the hypersparse solves (solveHyper, solveTransHyper): each
	// row's pivot position (-1 for a nucleus row), each position's block
	// and index in it, a work vector kept at zero between solves, marks of
	// the positions reached (seen[k] == gen) and scratch lists.
	rowPivot []int
	posBlock []int8
	posSlot  []int
	hy       []float64
	seen     []uint32
	gen      uint32
	nz       []int
	slots    []int
	sortTmp  []int // sortIndices' scratch
	stack    []int
	touched  []int
	// out lists the entries the last solve may have set (each once, in
	// no order); outOK says whether it was hypersparse and out is valid.
	out   []int
	outOK bool
	// minHyper is the fewest rows solved hypersparse (0:
	// defaultHyperMinRows).
	minHyper int
}

// recycled is f's arrays for another solve's factorisations (a
// Workspace's spare simplex), as a fresh sparseLU would start but with
// room: factorize grows and writes every array before reading it, hy is
// zero between solves and every mark in seen is below gen, so a solve on
// them is the same, bit for bit, as on new ones. The nucleus's dense
// array is not among them (the Workspace lends it).
func (f *sparseLU) recycled() sparseLU {
	out := *f
	out.m, out.minHyper = 0, 0
	out.out, out.outOK = f.out[:0], false
	out.nucleusLU.m, out.nucleusLU.lu = 0, nil
	return out
}

// hyperMin is the fewest rows of a basis solved hypersparse.
func (f *sparseLU) hyperMin() int {
	if f.minHyper > 0 {
		return f.minHyper
	}
	return defaultHyperMinRows
}

// The blocks of a position (sparseLU.posBlock).
const (
	blockFront int8 = iota
	blockNucleus
	blockBack
)

// hyperRatio: a solve whose right-hand side has fewer than one nonzero in
// hyperRatio entries follows its nonzeros through the triangular blocks
// (solveHyper) instead of passing over every position. The vectors of the
// simplex (a column, a unit row) mostly are, on large models.
const hyperRatio = 20

// defaultHyperMinRows: bases of fewer rows are solved dense; finding the
// nonzeros costs more than it saves there (a planning model's blocks).
const defaultHyperMinRows = 4000

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
	f.rowDone = zeroed(f.rowDone, m)
	f.colDone = zeroed(f.colDone, m)
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
	// The queues are read from a head index rather than resliced, so that
	// their array keeps its room for the next factorisation.
	for head := 0; head < len(queue); head++ {
		k := queue[head]
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
	for head := 0; head < len(queue); head++ {
		i := queue[head]
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
	f.queue = queue[:0]
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
	f.index()
	return nil, nil
}

// index records, for the hypersparse solves, each row's pivot position,
// each position's block and index in it, and sizes their work vectors.
func (f *sparseLU) index() {
	m := f.m
	if m < f.hyperMin() {
		return // always solved dense
	}
	f.rowPivot = growInts(f.rowPivot, m)
	f.posBlock = growInt8s(f.posBlock, m)
	f.posSlot = growInts(f.posSlot, m)
	for i := range f.rowPivot {
		f.rowPivot[i] = -1
	}
	for t, k := range f.front {
		f.rowPivot[f.pivotRow[k]] = k
		f.posBlock[k], f.posSlot[k] = blockFront, t
	}
	for t, k := range f.back {
		f.rowPivot[f.pivotRow[k]] = k
		f.posBlock[k], f.posSlot[k] = blockBack, t
	}
	for t, k := range f.nucleusPos {
		f.posBlock[k], f.posSlot[k] = blockNucleus, t
	}
	if len(f.hy) < m {
		f.hy = make([]float64, m)
		f.seen = make([]uint32, m)
		f.gen = 0
	}
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

// sparseNonzeros returns the indices of v's nonzeros, or nil when they
// are too many for a hypersparse solve (hyperRatio).
func (f *sparseLU) sparseNonzeros(v []float64) []int {
	if f.m < f.hyperMin() {
		return nil
	}
	limit := f.m / hyperRatio
	nz := f.nz[:0]
	for i, x := range v[:f.m] {
		if x != 0 {
			if len(nz) >= limit {
				f.nz = nz
				return nil
			}
			nz = append(nz, i)
		}
	}
	f.nz = nz
	return nz
}

// nextGen starts a new set of reached positions.
func (f *sparseLU) nextGen() {
	f.gen++
	if f.gen == 0 { // wrapped: forget every mark
		clear(f.seen)
		f.gen = 1
	}
}

// solve overwrites v (indexed by row) with B⁻¹·v (indexed by position).
// nz lists the rows where v may be nonzero (repeats allowed), or is nil:
// v is then scanned for them. A v with few nonzeros is solved
// hypersparse, and lastNonzeros then lists the positions the result may hold.
func (f *sparseLU) solve(v []float64, nz []int) {
	f.outOK = false
	if nz == nil {
		nz = f.sparseNonzeros(v)
	} else if f.m < f.hyperMin() || len(nz)*hyperRatio > f.m {
		nz = nil
	}
	if nz != nil {
		f.solveHyper(v, nz)
		return
	}
	f.solveDense(v)
}

// lastNonzeros lists, after a hypersparse solve or solveTrans, the entries of
// its result that may be nonzero (each once, in no order); after a dense
// one, nil.
func (f *sparseLU) lastNonzeros() []int {
	if !f.outOK {
		return nil
	}
	return f.out
}

// solveDense is solve passing over every position.
func (f *sparseLU) solveDense(v []float64) {
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
// nz lists the positions where w may be nonzero, or is nil (see solve).
func (f *sparseLU) solveTrans(w []float64, nz []int) {
	f.outOK = false
	if nz == nil {
		nz = f.sparseNonzeros(w)
	} else if f.m < f.hyperMin() || len(nz)*hyperRatio > f.m {
		nz = nil
	}
	if nz != nil {
		f.solveTransHyper(w, nz)
		return
	}
	f.solveTransDense(w)
}

// solveTransDense is solveTrans passing over every position.
func (f *sparseLU) solveTransDense(w []float64) {
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

// solveHyper is solve for a v whose nonzeros are the rows nz, few of
// them. In each triangular block the positions whose pivot row can become
// nonzero are found first, following each position to the rows of its
// other entries (Gilbert and Peierls), and only they are eliminated, in
// the dense solve's order: the result is the same, bit for bit, since
// every position skipped would have found a zero. A block where they are
// many (hyperBlock) is passed over whole instead, and so is every block
// after it; the nucleus is solved densely when any of its rows is nonzero.
func (f *sparseLU) solveHyper(v []float64, nz []int) {
	y := f.hy
	touched := f.touched[:0]
	for _, i := range nz { // nz may repeat a row
		y[i] += v[i]
		v[i] = 0
		touched = append(touched, i)
	}
	f.nextGen()
	out := f.out[:0]
	// The back block, in its order.
	slots, sparse := f.reachRows(nz, blockBack, len(f.back)/hyperBlock)
	if sparse {
		f.sortTmp = sortIndices(slots, f.sortTmp, len(f.back))
		for _, t := range slots {
			k := f.back[t]
			out = append(out, k)
			f.eliminate(k, y, v)
			touched = append(touched, f.otherIdx[f.otherStart[k]:f.otherStart[k+1]]...)
		}
	} else {
		for _, k := range f.back {
			f.eliminate(k, y, v)
		}
	}
	// The nucleus.
	if s := len(f.nucleusPos); s > 0 {
		w := f.nucleusWork
		any := false
		for l, i := range f.nucleusRow {
			w[l] = y[i]
			any = any || w[l] != 0
		}
		if any {
			f.nucleusLU.solve(w)
			out = append(out, f.nucleusPos...)
			for l, k := range f.nucleusPos {
				val := w[l]
				v[k] = val
				if val == 0 {
					continue
				}
				for p := f.otherStart[k]; p < f.otherStart[k+1]; p++ {
					y[f.otherIdx[p]] -= f.otherVal[p] * val
				}
				if sparse {
					touched = append(touched, f.otherIdx[f.otherStart[k]:f.otherStart[k+1]]...)
				}
			}
		}
	}
	// The front block, backwards, from every row set so far.
	if sparse {
		slots, sparse = f.reachRows(touched, blockFront, len(f.front)/hyperBlock)
	}
	if sparse {
		f.sortTmp = sortIndices(slots, f.sortTmp, len(f.front))
		for n := len(slots) - 1; n >= 0; n-- {
			k := f.front[slots[n]]
			out = append(out, k)
			f.eliminate(k, y, v)
			touched = append(touched, f.otherIdx[f.otherStart[k]:f.otherStart[k+1]]...)
		}
		for _, i := range touched {
			y[i] = 0
		}
	} else {
		for t := len(f.front) - 1; t >= 0; t-- {
			f.eliminate(f.front[t], y, v)
		}
		clear(y[:f.m])
	}
	f.touched, f.out, f.outOK = touched, out, sparse
}

// hyperBlock: a hypersparse solve passes over a whole triangular block
// once the positions it reaches there are more than one in hyperBlock.
// Sorting them into the block's order then costs more than testing every
// position for a zero.
const hyperBlock = 24

// reachRows returns the indices in block (front or back) of the positions
// whose pivot row is one of rows or is reached from them: a position
// reached sets the rows of its other entries. Positions are marked seen
// for the current generation. Past limit positions it stops and returns
// ok false.
func (f *sparseLU) reachRows(rows []int, block int8, limit int) (slots []int, ok bool) {
	slots, stack := f.slots[:0], f.stack[:0]
	defer func() { f.slots, f.stack = slots, stack }()
	for _, i := range rows {
		if k := f.rowPivot[i]; k >= 0 && f.posBlock[k] == block && f.seen[k] != f.gen {
			f.seen[k] = f.gen
			stack = append(stack, k)
		}
	}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if len(slots) >= limit {
			return slots, false
		}
		slots = append(slots, f.posSlot[k])
		for p := f.otherStart[k]; p < f.otherStart[k+1]; p++ {
			if k2 := f.rowPivot[f.otherIdx[p]]; k2 >= 0 && f.posBlock[k2] == block && f.seen[k2] != f.gen {
				f.seen[k2] = f.gen
				stack = append(stack, k2)
			}
		}
	}
	return slots, true
}

// solveTransHyper is solveTrans for a w whose nonzeros are the positions
// nz, few of them: as solveHyper, the positions reached through the rows
// of the triangular blocks are solved for in the dense order, the rest
// left at zero.
func (f *sparseLU) solveTransHyper(w []float64, nz []int) {
	c := f.hy
	touched := f.touched[:0]
	for _, k := range nz { // nz may repeat a position
		c[k] += w[k]
		w[k] = 0
		touched = append(touched, k)
	}
	f.nextGen()
	out := f.out[:0]
	// The front block, in its order.
	slots, sparse := f.reachPositions(nz, blockFront, len(f.front)/hyperBlock)
	if sparse {
		f.sortTmp = sortIndices(slots, f.sortTmp, len(f.front))
		for _, t := range slots {
			k := f.front[t]
			f.substitute(k, c, w)
			i := f.pivotRow[k]
			out = append(out, i)
			touched = append(touched, f.transPos[f.transStart[i]:f.transStart[i+1]]...)
		}
	} else {
		for _, k := range f.front {
			f.substitute(k, c, w)
		}
	}
	// The nucleus.
	if s := len(f.nucleusPos); s > 0 {
		z := f.nucleusWork
		any := false
		for l, k := range f.nucleusPos {
			z[l] = c[k]
			any = any || z[l] != 0
		}
		if any {
			f.nucleusLU.solveTrans(z)
			out = append(out, f.nucleusRow...)
			for l, i := range f.nucleusRow {
				f.scatter(i, z[l], c, w)
				if sparse && z[l] != 0 {
					touched = append(touched, f.transPos[f.transStart[i]:f.transStart[i+1]]...)
				}
			}
		}
	}
	// The back block, backwards.
	if sparse {
		slots, sparse = f.reachPositions(touched, blockBack, len(f.back)/hyperBlock)
	}
	if sparse {
		f.sortTmp = sortIndices(slots, f.sortTmp, len(f.back))
		for n := len(slots) - 1; n >= 0; n-- {
			k := f.back[slots[n]]
			f.substitute(k, c, w)
			i := f.pivotRow[k]
			out = append(out, i)
			touched = append(touched, f.transPos[f.transStart[i]:f.transStart[i+1]]...)
		}
		for _, k := range touched {
			c[k] = 0
		}
	} else {
		for t := len(f.back) - 1; t >= 0; t-- {
			f.substitute(f.back[t], c, w)
		}
		clear(c[:f.m])
	}
	f.touched, f.out, f.outOK = touched, out, sparse
}

// reachPositions returns the indices in block of the positions among
// positions or reached from them: a position reached sets, through its
// pivot row, the positions with an entry in that row. Past limit
// positions it stops and returns ok false.
func (f *sparseLU) reachPositions(positions []int, block int8, limit int) (slots []int, ok bool) {
	slots, stack := f.slots[:0], f.stack[:0]
	defer func() { f.slots, f.stack = slots, stack }()
	for _, k := range positions {
		if f.posBlock[k] == block && f.seen[k] != f.gen {
			f.seen[k] = f.gen
			stack = append(stack, k)
		}
	}
	for len(stack) > 0 {
		k := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if len(slots) >= limit {
			return slots, false
		}
		slots = append(slots, f.posSlot[k])
		i := f.pivotRow[k]
		for p := f.transStart[i]; p < f.transStart[i+1]; p++ {
			if k2 := f.transPos[p]; f.posBlock[k2] == block && f.seen[k2] != f.gen {
				f.seen[k2] = f.gen
				stack = append(stack, k2)
			}
		}
	}
	return slots, true
}

func growInt8s(s []int8, n int) []int8 {
	if cap(s) < n {
		return make([]int8, n)
	}
	return s[:n]
}
