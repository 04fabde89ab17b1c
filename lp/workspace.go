package lp

// Workspace lends a solve the large scratch it would otherwise allocate,
// and keeps it for the next solve: the dense array in which the basis
// factor eliminates its nucleus, which on the hindsight-bound models is
// tens of millions of entries. Code that solves many times over one model
// or similar ones (the dive of package joint re-solves its model after
// each rounding) passes the same Workspace in each Settings, so that the
// array is allocated once rather than by every solve. The zero value is
// ready to use. A Workspace serves one solve at a time; it does not change
// any result.
type Workspace struct {
	// nucleus is the largest nucleus array a solve gave back, all zero
	// (every factorisation clears what it wrote).
	nucleus []float64
	// spare is the last solve's simplex, whose arrays (the matrix by
	// columns, the bounds, costs and values, the dual simplex's work
	// vectors and the rows over the nonbasic columns) the next solve
	// grows and overwrites rather than allocates: many small solves (a
	// plan's thousands of block LPs) then allocate little.
	spare *simplex
}

// borrow hands the workspace's arrays to s.
func (w *Workspace) borrow(s *simplex) {
	if w == nil || w.nucleus == nil {
		return
	}
	s.lu.nucleusLU.lu = w.nucleus[:0]
	w.nucleus = nil
}

// giveBack keeps s's nucleus array for the next solve when it is larger
// than the one the workspace holds, and s's other arrays; s must not be
// used after.
func (w *Workspace) giveBack(s *simplex) {
	if w == nil {
		return
	}
	if lu := s.lu.nucleusLU.lu; cap(lu) > cap(w.nucleus) {
		w.nucleus = lu[:0]
	}
	s.lu.nucleusLU.lu = nil
	s.model = nil // the workspace keeps arrays, not the model
	w.spare = s
}

// takeSpare hands over the last solve's simplex (nil when there is none)
// for newSimplex to reuse the arrays of.
func (w *Workspace) takeSpare() *simplex {
	if w == nil {
		return nil
	}
	sp := w.spare
	w.spare = nil
	return sp
}
