// Package joint allocates scarce stock across a set of orders known
// together: a batch released at once, a wave, or a whole replay known in
// hindsight. Each order is a built solver.Problem; the orders share the
// stock of every (node, SKU) and the daily pick capacity of every node.
//
// # The model
//
// For order o with lines l (quantity q, weight w, lost-sale price p) and
// usable options k (not excluded, within the promise, with capacity; the
// same rules as the per-order solver), the linear programme has
//
//	y[o,k] in [0,1]       option k ships for o (relaxed)
//	x[o,k,l] in [0,c]     units of line l by option k, c = min(q, Available,
//	                      CapacityUnits, MaxWeightKg/w); without split lines
//	                      only options that can carry the whole line
//	u[o,l] in [0,q]       units of line l left unfilled
//	v[o] in [0,1]         the order leaves something unfilled (relaxed),
//	                      only when it has a per-order lost-sale cost F0
//	s[o] >= 0             shipments beyond the first, only with a split
//	                      penalty
//
// and minimises
//
//	sum FixedCost[k] y + sum UnitCost[k,l] x + sum p[l] u + F0 v + SplitPenalty s
//
// subject to, per order,
//
//	sum_k x[o,k,l] + u[o,l] = q[l]                 (cover)
//	x[o,k,l] <= c y[o,k]                           (link)
//	sum_l x[o,k,l] <= CapacityUnits y[o,k]         (when limited)
//	sum_l w[l] x[o,k,l] <= MaxWeightKg y[o,k]      (when limited)
//	u[o,l] <= q[l] v[o]                            (any unit unfilled)
//	sum_{k at node n} y[o,k] <= 1                  (one option per node)
//	sum_k y[o,k] <= MaxShipments                   (when limited)
//	sum_k y[o,k] - s[o] <= 1                       (split penalty)
//
// and, shared by all orders,
//
//	sum_{o: At(o) before arrival e+1} sum x[o,k,l] <= max(0, Start + arrivals 1..e)
//
// for every (node, SKU) of Instance.Supply over the options of that node and
// the lines of that SKU (a unit that arrives at t serves only orders routed
// at t or later: the rows are written as a flow of carried-over stock
// between the arrivals, so they stay linear in size), and
//
//	sum_{o on day d} sum x[o,k,l] over options at node n <= Units
//
// for every Capacity (node n, day d). Every rule a plan of the per-order
// solver keeps is kept or relaxed (y, v fractional; a whole line may be
// split in the relaxation), so the optimum is a lower bound on the total
// cost, lost sales included, of any way of routing the orders on that
// stock: see Solve.
//
// # Batch routing
//
// Route turns the relaxation into plans. With Settings.Dive it first
// rounds the relaxation: a round opens (fixes y[o,k] = 1) the most-opened
// fractional shipment of the quarter of the fractional orders whose
// shipments are the most opened, and solves again from the last basis,
// until no shipment is fractional or the rounds or the time limit run out.
// A relaxation that opens each shipment halfway ships half of an order
// from one node and half from another, which no plan can; opening the
// likeliest shipments makes the orders around them move their units to
// where they will really ship. The bound stays the first optimum. The
// repair below then runs with the dived shares and with the first
// optimum's, and Route keeps the cheaper routing (Relaxation.Keep).
//
// Then each order's units per (node, SKU) are rounded down (its share),
// and the orders are repaired one by one, in the instance's order (index 0
// first): the per-order exact solver plans the order on the stock left
// less the shares of the orders still to come, so that an order takes a
// unit the relaxation gave another order only when the other does not
// need it. A share is held against the stock of its own order's time: an
// order routed before an arrival may take a unit on hand that a later
// order's share will draw from the arrival instead. The answer carries
// the relaxation's bound and the batch's gap to it.
//
// Determinism: the same instance gives the same model, the same bound and
// the same plans; columns and rows are added in order, order by order,
// option by option, line by line, and shared rows in the order of
// Instance.Supply and Instance.Capacity.
//
// # The Lagrangian bound
//
// Lagrangian bounds an instance too large for its linear programme (a
// replay of tens of thousands of orders on hundreds of nodes): it prices
// the shared rows instead of keeping them and solves the orders one by one
// with the per-order exact solver, by column generation. Its master has a
// column per whole plan of an order (a few per order) instead of the
// model's x and y per option and line, and the bound it converges to is at
// least the linear programme's, since each order's plans are integer: on
// the 1,000-order jasin-sinha replay it meets the integer hindsight
// optimum that CBC proves, where the linear programme stays 0.39% below.
//
// With LagrangeSettings.Dive its master is dived to whole plans before
// the repair: a quarter of the orders still mixed at a time get their
// heaviest plan fixed, the others priced again around them, until every
// order has one plan. On the 7-day jasin-sinha replay the routing then
// lands 0.13 above the integer optimum, where the undived master's shares
// left it 0.44% above.
//
// The package does no I/O and keeps no global state; the only goroutines
// it starts are Lagrangian's workers, and it waits for them.
package joint
