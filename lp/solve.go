package lp

import (
	"context"
	"fmt"
	"time"
)

// Settings bound the work of one [Solve].
type Settings struct {
	// MaxIterations stops the solve after this many simplex iterations
	// (StatusIterationLimit); 0 means no limit.
	MaxIterations int
	// TimeLimit stops the solve after this much wall time (StatusTimeLimit);
	// 0 means no limit.
	TimeLimit time.Duration
	// Start warm-starts from the Basis of a previous Result of a model of
	// the same shape (same numbers of variables and rows), or from such a
	// Basis carried over to this model by Basis.Map. A basis of another
	// shape is ignored.
	Start *Basis
	// Workspace, when set, lends the solve its scratch arrays and keeps
	// them for the next solve given the same Workspace (see Workspace).
	Workspace *Workspace

	// stallSteps replaces the dual simplex's stall limit (stallLimit) when
	// positive: tests make it hand over to the primal simplex early.
	stallSteps int
}

// Status says how a solve ended.
type Status int

// The statuses of a Result.
const (
	// StatusOptimal: X is optimal within the tolerances; Dual and
	// ReducedCost prove it.
	StatusOptimal Status = iota
	// StatusInfeasible: no x satisfies the rows and bounds.
	StatusInfeasible
	// StatusUnbounded: the objective decreases without bound on the
	// feasible set.
	StatusUnbounded
	// StatusIterationLimit: Settings.MaxIterations was reached first.
	StatusIterationLimit
	// StatusTimeLimit: Settings.TimeLimit was reached first.
	StatusTimeLimit
)

// String returns the status's name in lower case, e.g. "optimal".
func (s Status) String() string {
	switch s {
	case StatusOptimal:
		return "optimal"
	case StatusInfeasible:
		return "infeasible"
	case StatusUnbounded:
		return "unbounded"
	case StatusIterationLimit:
		return "iteration limit"
	case StatusTimeLimit:
		return "time limit"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Basis is the simplex basis a solve ended with: which variables (columns
// and row logicals) are basic and at which bound the others sit. Pass it
// as Settings.Start to warm-start a solve of a modified model of the same
// shape. It is never modified after Solve returns it, so copies may be
// shared.
type Basis struct {
	numVars, numRows int
	// state holds one entry per column then one per row logical.
	state []varState
	// weights, when not nil, holds the dual steepest-edge weight of each
	// basic variable (0 for the others), in the same order as state.
	weights []float64
}

// Map carries b over to another model made from the one b was solved on,
// for Settings.Start: variable j of the new model was variable vars[j] of
// the old one, and row i was row rows[i]; a negative index marks a
// variable or row the old model did not have. A new variable starts
// nonbasic at its lower bound and a new row with its logical basic;
// whatever the old model had that the new one lost is dropped. The count
// of basic variables may then differ from the rows': Solve repairs such a
// start (a few columns leave or logicals enter the basis) and factorises
// what is left, so that a model that changed a little starts near its old
// optimum. Indices out of b's range count as new.
func (b *Basis) Map(vars, rows []int) *Basis {
	out := &Basis{numVars: len(vars), numRows: len(rows), state: make([]varState, len(vars)+len(rows))}
	if b.weights != nil {
		out.weights = make([]float64, len(out.state))
	}
	for j, old := range vars {
		out.state[j] = stateLower
		if old >= 0 && old < b.numVars {
			out.state[j] = b.state[old]
			if b.weights != nil {
				out.weights[j] = b.weights[old]
			}
		}
	}
	for i, old := range rows {
		st := stateBasic
		if old >= 0 && old < b.numRows {
			st = b.state[b.numVars+old]
			if b.weights != nil {
				out.weights[len(vars)+i] = b.weights[b.numVars+old]
			}
		}
		out.state[len(vars)+i] = st
	}
	return out
}

// Result is the answer of [Solve].
type Result struct {
	Status    Status
	Objective float64
	// X holds the value of each variable.
	X []float64
	// RowActivity holds A·x per row.
	RowActivity []float64
	// Dual holds, per row, d(objective)/d(the row bound that binds); for a
	// minimisation a binding "≤ b" row has Dual ≤ 0 and a binding "≥ b" row
	// Dual ≥ 0; a row that does not bind has Dual 0.
	Dual []float64
	// ReducedCost holds c_j - A_j·Dual per variable.
	ReducedCost []float64
	// LowerBound is a lower bound on the optimum. For an optimal solve it
	// is Objective; for one stopped at a limit (StatusIterationLimit,
	// StatusTimeLimit) it is what the duals of the basis it stopped at
	// prove (the Lagrangian bound: the minimum over the bounds of
	// (c - Aᵀ·Dual)·x + Dual·(A·x)), below the optimum by what the solve
	// had left to do; -Inf when it proves none (an infinite bound meets a
	// reduced cost of the wrong sign) and for infeasible or unbounded
	// models.
	LowerBound float64
	// Iterations counts simplex iterations (bound flips included).
	Iterations int
	// Basis is the final basis, for Settings.Start.
	Basis *Basis
}

// Solve minimises the model. It returns a Result for every model it could
// work on: infeasible and unbounded models are Status values, not errors,
// and so are the iteration and time limits. The error is for an invalid
// model (wrapping [ErrInvalidModel]) or a cancelled ctx (wrapping
// ctx.Err()). Solve only reads m, so several solves of one model may run
// concurrently (each with its own Settings.Workspace, if any). Same model
// and settings, same Result, bit for bit.
func Solve(ctx context.Context, m *Model, s Settings) (*Result, error) {
	if err := m.validate(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("lp: solve %q: %w", m.name, err)
	}
	if s.Start != nil && (s.Start.numVars != m.NumVars() || s.Start.numRows != m.NumRows()) {
		s.Start = nil // another shape: ignored, as documented
	}
	if blocks := components(m); len(blocks) > 1 {
		res, err := solveBlocks(ctx, m, blocks, s)
		if err != nil {
			return nil, fmt.Errorf("lp: solve %q: %w", m.name, err)
		}
		return res, nil
	}
	sx := newSimplex(m, s.Workspace)
	if s.Start != nil {
		sx.setStart(s.Start)
	}
	s.Workspace.borrow(sx)
	status, err := sx.run(ctx, s)
	if err != nil {
		s.Workspace.giveBack(sx)
		return nil, fmt.Errorf("lp: solve %q: %w", m.name, err)
	}
	res := sx.result(status)
	s.Workspace.giveBack(sx)
	return res, nil
}
