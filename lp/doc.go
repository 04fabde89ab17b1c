// Package lp solves linear programs:
//
//	minimise c·x  subject to  rowLo ≤ A·x ≤ rowHi,  lo ≤ x ≤ hi,
//
// with A sparse, any bound infinite ([Inf]) and rows or variables fixed by
// equal bounds. Build a [Model] with AddVar and AddRow, call [Solve], read
// the [Result]: primal values, row activities, duals (one per row) and
// reduced costs (one per variable), and a [Basis] to warm-start the next
// solve of a modified model of the same shape, or, carried over by
// [Basis.Map], of a model that gained and lost rows and columns. [Model.WriteLP] writes the
// model in CPLEX LP format, so any LP solver (glpsol --lp) can check it;
// [ReadLP] reads it back.
//
// # Method
//
// Solve first splits the model into independent blocks (columns linked by
// rows) and solves each alone. A block is solved on A·x - s = 0 with one
// logical s_i per row, bounded by the row's bounds, from the slack basis
// (or Settings.Start):
//
//   - When the basis is dual feasible (after moving boxed columns to the
//     bound their reduced cost prefers), as it is for the planning models
//     (non-negative costs, columns at zero), the bounded dual simplex of
//     dual.go runs: dual steepest-edge choice of the leaving row, the
//     bound-flipping ratio test in Harris groups, reduced costs updated
//     from the pivot row, costs perturbed against degeneracy.
//   - The primal simplex of simplex.go then removes the perturbation and
//     certifies the optimum, or solves alone when the slack basis is not
//     dual feasible: phase 1 minimises the sum of infeasibilities, Dantzig
//     pricing with Bland's rule after a run of degenerate iterations;
//     phase 2 prices by devex and, after such a run, perturbs the bounds of
//     the basic variables (a fixed seed), which it restores at the optimum,
//     the dual simplex removing what infeasibility that leaves; both with a
//     Harris ratio test with bound flips. A warm start that is not dual
//     feasible has the costs it cannot flip shifted instead (below), so
//     that the dual simplex resumes from it.
//
// The basis is factorised by sparselu.go (singletons peeled into
// triangular blocks, the nucleus left eliminated with partial pivoting and
// kept as lists of its nonzeros) and updated in product form (factor.go)
// between factorisations. When a refactorisation finds reduced costs a
// little on the wrong side, the dual simplex flips boxed variables and
// shifts the costs of the others; the primal simplex removes the shifts
// with the perturbation.
//
// # Duals
//
// Dual[i] is d(objective)/d(the bound of row i that binds): for a
// minimisation a binding "≤ b" row has Dual ≤ 0 (one more unit of b lowers
// the cost by -Dual), a binding "≥ b" row Dual ≥ 0, a slack row 0.
// ReducedCost[j] = c_j - A_j·Dual is ≥ 0 for a variable at its lower bound,
// ≤ 0 at its upper bound and 0 between.
//
// # Determinism
//
// Every choice the method makes breaks ties by index, the perturbation
// comes from a fixed seed and no map is iterated, so the same model and
// settings give the same Result bit for bit (unless a time limit stops
// the solve).
package lp
