// Package lp solves linear programs:
//
//	minimise c·x  subject to  rowLo ≤ A·x ≤ rowHi,  lo ≤ x ≤ hi,
//
// with A sparse, any bound infinite ([Inf]) and rows or variables fixed by
// equal bounds. Build a [Model] with AddVar and AddRow, call [Solve], read
// the [Result]: primal values, row activities, duals (one per row) and
// reduced costs (one per variable), and a [Basis] to warm-start the next
// solve of a modified model of the same shape. [Model.WriteLP] writes the
// model in CPLEX LP format, so any LP solver (glpsol --lp) can check it;
// [ReadLP] reads it back.
//
// # Method
//
// Solve runs a bounded revised primal simplex on A·x - s = 0 with one
// logical s_i per row, bounded by the row's bounds, from the slack basis
// (or Settings.Start). Phase 1 minimises the sum of infeasibilities of the
// basic variables; phase 2 the cost. Pricing takes the largest reduced
// cost (Dantzig) and falls back to Bland's smallest-index rule after a run
// of degenerate iterations; the ratio test is Harris's two-pass test with
// bound flips. The basis is factorised as P·B = L·U and updated in product
// form between factorisations.
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
// Every choice the method makes breaks ties by index and no map is
// iterated, so the same model and settings give the same Result bit for bit
// (unless a time limit stops the solve).
package lp
