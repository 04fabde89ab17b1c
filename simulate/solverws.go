package simulate

import "github.com/omniroute/omniroute/solver"

// newSolverWorkspace returns the solver's reusable scratch space: one per
// replay, as the router keeps one per goroutine.
func newSolverWorkspace() *solver.Workspace { return solver.NewWorkspace() }
