// Package solver sources one order: given the order's lines and the candidate
// options (node x method) with their stock, costs and limits, it returns the
// cheapest plan that covers the order, the next-best alternatives, why every
// other option was excluded, which lines could not be filled, and the facts of
// the solve (exact or heuristic, lower bound, gap, work done).
//
// The flow reads in file order: validate.go checks the input, feasible.go
// filters options and lines (every exclusion gets a Reason) in one pass that
// also checks the options' numbers and finds the single-shipment plans,
// exact.go runs the branch and bound that proves optimality for orders of up
// to Settings.ExactMaxLines lines (most orders end after the single
// shipments, when no plan of two or more can be cheaper), heuristic.go runs
// greedy + local search above that, bound.go bounds the heuristic's plans
// from below by Lagrangian relaxation, and workspace.go wires them and
// assembles the Plan. lp.go writes the
// same model as a MIP in CPLEX LP format so that any MIP solver can check the
// optimum; generate.go builds random but realistic problems from a seed with
// the cost model in cost.go.
//
// # The model
//
// Choose a set S of options (the shipments), at most one option per
// Option.Node and at most Problem.MaxShipments of them (0 = no limit), and
// integer quantities x[o][l] >= 0 with x[o][l] <= Available, sum_l x[o][l] <=
// CapacityUnits (when >= 0), sum_l UnitWeightKg[l]*x[o][l] <= MaxWeightKg (when
// > 0) and x[o][l] > 0 only for o in S. Without Problem.SplitLines each line
// comes wholly from one option. Every planned line is covered exactly. The
// objective is
//
//	sum_{o in S} FixedCost[o] + sum UnitCost[o][l]*x[o][l] + SplitPenalty*(|S|-1).
//
// Options are excluded before the search when the problem says so
// (Option.Excluded), when their ETA misses the promise, when their capacity is
// zero, when they hold no stock of any line, or when their weight limit cannot
// carry a single unit of any line they stock.
//
// # Unfilled lines
//
// A line is planned when it can be covered on its own: with split lines, the
// sum over the best MaxShipments nodes of what each node's best eligible option
// can carry of it (ATP, capacity and weight limit) reaches its quantity;
// without split lines, one eligible option can carry all of it. Other lines are
// reported in Plan.Unfilled with their whole quantity and the first reason that
// explains them: NO_STOCK (not enough ATP; UNKNOWN_SKU instead when the
// problem marks the line Line.UnknownSKU, a SKU the network has never
// stocked), CAPACITY (enough ATP, not enough capacity) or OVERWEIGHT. When the planned lines together still admit no plan
// (shared capacity, the shipment limit), lines are admitted one at a time in
// line order, each kept only if a plan still exists (these checks share one
// Settings.NodeBudget; lines not confirmed when it runs out are left out), and
// the ones left out are reported with CAPACITY. The heuristic applies the
// same rule when its greedy construction cannot cover the planned lines. The
// rest of the order is planned; WriteLP exports exactly the planned lines.
//
// # Ties and determinism
//
// The same input gives the same plan, byte for byte. Costs that differ by less
// than 1e-9 (relative) are equal; among equal plans the one with fewer
// shipments wins, then the one whose sorted option indices are
// lexicographically smaller (the lower option index wins). The search prunes
// only what is worse beyond that tolerance, so ties are settled by this rule
// and not by search order; alternatives are ranked the same way. In the
// heuristic the rule ranks the plans it meets.
//
// # What the package must never do
//
// No I/O (except writing to the io.Writer handed to WriteLP), no protobuf
// types, no clocks, no goroutines, no global mutable state, no randomness
// other than the seeded generator in GenerateProblem. A Workspace is not safe
// for concurrent use; use one per goroutine.
package solver
