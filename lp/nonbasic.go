package lp

import "slices"

// nonbasicRows is the constraint matrix by rows restricted to the
// nonbasic structural columns: row i's entries are
// idx/val[start[i]:start[i]+count[i]], in column order, within a segment
// as long as the model's row. The pivot row is computed over it, so that
// the basic columns, most of a row's entries near the optimum of the
// hindsight-bound models, are not accumulated only to be skipped. It
// follows the dual simplex's basis changes entry by entry (swap) and is
// rebuilt after any other (invalidate).
type nonbasicRows struct {
	start []int
	count []int
	idx   []int
	val   []float64
	valid bool
	// sized tells whether start (and the arrays' lengths) fit the model
	// of the solve: false for arrays recycled from another solve.
	sized bool
}

// recycled is r's arrays for a new solve, to be sized by its first build.
func (r *nonbasicRows) recycled() nonbasicRows {
	return nonbasicRows{start: r.start, count: r.count, idx: r.idx, val: r.val}
}

// invalidate marks the rows stale after a basis change they did not follow.
func (r *nonbasicRows) invalidate() { r.valid = false }

// build fills the rows from the model and the current basis.
func (r *nonbasicRows) build(s *simplex) {
	m := s.m
	if !r.sized {
		r.start = growInts(r.start, m+1)
		r.count = growInts(r.count, m)
		r.idx = growInts(r.idx, s.model.nnz)
		r.val = growFloats(r.val, s.model.nnz)
		r.start[0] = 0
		for i := 0; i < m; i++ {
			r.start[i+1] = r.start[i] + len(s.model.rowCols[i])
		}
		r.sized = true
	}
	for i := 0; i < m; i++ {
		n, at := 0, r.start[i]
		vals := s.model.rowVals[i]
		for k, j := range s.model.rowCols[i] {
			if s.state[j] != stateBasic {
				r.idx[at+n], r.val[at+n] = j, vals[k]
				n++
			}
		}
		r.count[i] = n
	}
	r.valid = true
}

// row returns row i's nonbasic columns and their coefficients.
func (r *nonbasicRows) row(i int) ([]int, []float64) {
	a, b := r.start[i], r.start[i]+r.count[i]
	return r.idx[a:b], r.val[a:b]
}

// swap follows a basis change: structural column in (if any, in < n)
// became basic and structural column out (if any) nonbasic.
func (r *nonbasicRows) swap(s *simplex, in, out int) {
	if !r.valid {
		return
	}
	if in < s.n {
		for p := s.colStart[in]; p < s.colStart[in+1]; p++ {
			i := s.rowIdx[p]
			cols, vals := r.row(i)
			if k, ok := slices.BinarySearch(cols, in); ok {
				copy(cols[k:], cols[k+1:])
				copy(vals[k:], vals[k+1:])
				r.count[i]--
			}
		}
	}
	if out < s.n {
		for p := s.colStart[out]; p < s.colStart[out+1]; p++ {
			i := s.rowIdx[p]
			a, n := r.start[i], r.count[i]
			cols := r.idx[a : a+n+1]
			vals := r.val[a : a+n+1]
			k, _ := slices.BinarySearch(cols[:n], out)
			copy(cols[k+1:], cols[k:n])
			copy(vals[k+1:], vals[k:n])
			cols[k], vals[k] = out, s.colVal[p]
			r.count[i]++
		}
	}
}
