// Package solver sources one order: given the order's lines and the candidate
// options (node x method) with their stock, costs and limits, it returns the
// cheapest plan that covers the order, the next-best alternatives, why every
// other option was excluded, which lines could not be filled, and the facts of
// the solve (exact or heuristic, lower bound, gap, work done).
//
// The flow reads in file order: validate.go checks the input, carry.go
// states the one rule for the units an option can carry (Carry) and
// feasible.go the one order of the reasons an option is excluded for
// (Problem.ExclusionReason), which the policies share; feasible.go
// filters options and lines (every exclusion gets a Reason) in one pass that
// also checks the options' numbers and finds the single-shipment plans,
// exact.go runs the branch and bound that proves optimality for orders of up
// to Settings.ExactMaxLines lines (most orders end after the single
// shipments, when no plan of two or more can be cheaper), heuristic.go runs
// greedy + local search above that, bound.go bounds the heuristic's plans
// from below by Lagrangian relaxation, lost.go lets the search leave units
// of priced lines unfilled, and workspace.go wires them and assembles the
// Plan; the Workspace keeps one documented struct of state per phase. lp.go
// writes the same model as a MIP in CPLEX LP format so that any MIP solver can check the
// optimum. Package solvertest builds random but realistic problems from a
// seed for the tests, the benchmarks and gen-problem.
//
// # The model
//
// Choose a set S of options (the shipments), at most one option per
// Option.Node and at most Problem.MaxShipments of them (0 = no limit), and
// integer quantities x[o][l] >= 0 with x[o][l] <= Available, sum_l x[o][l] <=
// CapacityUnits (when >= 0), sum_l UnitWeightKg[l]*x[o][l] <= MaxWeightKg (when
// > 0) and x[o][l] > 0 only for o in S. Without Problem.SplitLines each line
// comes wholly from one option. Every planned line is covered exactly (a
// line with a lost-sale price may be left unfilled instead: see Lost
// sales). The objective is
//
//	sum_{o in S} FixedCost[o] + sum UnitCost[o][l]*x[o][l] + SplitPenalty*(|S|-1).
//
// Options are excluded before the search when the problem says so
// (Option.Excluded), when their ETA misses the promise, when their capacity is
// zero, when they hold no stock of any line, or when their weight limit cannot
// carry a single unit of any line they stock.
//
// # Lost sales
//
// A line may carry a lost-sale price p[l] = Line.LostSaleCost per unit left
// unfilled, and the order a per-order cost F0 = Problem.LostSaleCostPerOrder
// charged once when any unit is unfilled. A planned line (see Unfilled
// lines) with p[l] > 0 may be left unfilled: u[l] units of it, with
//
//	sum_o x[o][l] + u[l] = q[l],  0 <= u[l] <= q[l]
//
// where, without split lines, u[l] is 0 or q[l]: the line is wholly shipped
// by one option or wholly lost (a customer who does not want a line split
// does not get part of it either, and the line stays one decision). A
// planned line with p[l] = 0 has no price: u[l] = 0, it is filled, as
// without lost sales. Orders mix both freely; a per-order cost alone
// leaves nothing unfilled by choice. A priced line that cannot be covered
// on its own is still planned with split lines when some option can carry
// part of it (a short line, see Unfilled lines): what stock allows may ship,
// and u[l] takes the rest. Lines left out before the search (the set U
// below) are priced the same way. The objective is
//
//	shipping(S, x) + sum_l p[l]*u[l] + sum_{l in U} p[l]*q[l] + F0*z
//
// where shipping(S, x) is the sum above with the split penalty charged as
// SplitPenalty*max(|S|-1, 0) (a plan may now ship nothing), and z = 1 when
// any u[l] > 0 or U is not empty, else 0. Plan.ShippingCost is the first
// term, Plan.LostSaleCost the rest, Plan.TotalCost their sum. Without
// prices every u[l] is 0, U is priced at 0 and nothing changes.
//
// A line left unfilled by choice is reported UNECONOMIC, with its lost-sale
// cost and Unfilled.CostSaved = (the total cost of the cheapest plan in
// which the line is filled whole) - Plan.TotalCost, found by one more
// search per such line, only when there is one. CostSaved is 0 only when
// filling the line costs the same but leaves other units unfilled. When the
// search proves that no plan can fill it together with the lines that must
// be filled (shared capacity, the shipment limit), the line is CAPACITY
// instead; when the heuristic finds no such plan (or the budget runs out),
// it stays UNECONOMIC with a CostSaved of 0.
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
// line order, each kept only if a plan still exists (a line with a price
// always fits, as it may be left unfilled; these checks share one
// Settings.NodeBudget; lines not confirmed when it runs out are left out), and
// the ones left out are reported with CAPACITY. The heuristic applies the
// same rule when its greedy construction cannot cover the planned lines. The
// rest of the order is planned; WriteLP exports exactly the planned lines.
//
// A short line is the exception: a line with a lost-sale price and split
// lines that cannot be covered on its own, but of which some eligible option
// can carry a unit, is planned. Its units beyond the coverage above (the
// best MaxShipments nodes' sum) can never ship, so the plan reports them
// first, with the reason the line could not be covered; any more it leaves
// unfilled are reported after them, on the same line, UNECONOMIC with a
// CostSaved of 0 (no plan fills the line whole to compare with). So a line
// of 10 with 7 in stock ships the 7 when that is cheaper than losing them,
// instead of losing all 10 for want of 3.
//
// # Ties and determinism
//
// The same input gives the same plan, byte for byte. Costs that differ by less
// than 1e-9 (relative) are equal; among equal plans the one that leaves fewer
// units unfilled wins (a sale is not given up for nothing), then the one
// with fewer shipments, then the one whose sorted option indices are
// lexicographically smaller (the lower option index wins). Within one set of
// shipments, an allocation that fills every line wins over one of equal cost
// that leaves units unfilled. The search prunes
// only what is worse beyond that tolerance, so ties are settled by this rule
// and not by search order; alternatives are ranked the same way. In the
// heuristic the rule ranks the plans it meets.
//
// # What the package must never do
//
// No I/O (except writing to the io.Writer handed to WriteLP), no protobuf
// types, no clocks, no goroutines, no global mutable state, no randomness,
// no prices of its own (the caller's options carry them). A Workspace is
// not safe for concurrent use; use one per goroutine.
package solver
