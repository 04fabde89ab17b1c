// Package planning solves the expected-demand allocation LP of a network
// over a horizon, and turns its duals into opportunity costs per (node,
// SKU): what a unit at a node is worth to the demand expected after now.
// The look-ahead policy adds them to the unit costs of the per-order
// solver, so that an order takes a scarce unit only when it is worth more
// to this order than to the later ones.
//
// # The model
//
// Over a horizon H from time At, with the demand of package forecast:
//
//	minimise   sum_a c_a x_a + sum_k p_k u_k
//	subject to sum_{a from (n,s)} x_a        <= ATP(n,s) + arrivals(n,s, (At, At+H])   stock rows
//	           sum_{a into k} x_a + u_k      =  E_k = units_per_day(k) x H/24h          demand rows
//	           sum_{a from n} x_a            <= capacity_per_day(n) x H/24h            capacity rows
//	           x, u >= 0
//
// k is a demand cell (region, SKU, method: parcel, courier or pickup); an
// arc a links the supply of SKU s at node n to a cell of s when the
// network can serve the cell's region that way from n, by the Builder's
// rules taken at region level, distances measured to the region's centre
// (great circle x circuity):
//
//   - parcel: SHIP_FROM_STORE within the policy's candidate radius, or
//     WAREHOUSE_SHIP from anywhere, by every carrier that collects from the
//     node's kind and takes the trip (its max_km, the weight of one unit);
//   - courier: COURIER within the candidate radius, by every courier
//     partner that collects from the node's kind and takes the trip (its
//     radius, its service areas around the region's centre, its hours at
//     NoonMinute);
//   - pickup: PICKUP at a node of the cell's region.
//
// An arc's cost c_a is the cheapest of those per unit: the node's pick
// cost per unit plus the partner's per-unit and per-kg price, plus the
// per-shipment costs (pick per order, the partner's fixed price) divided by
// the cell's UnitsPerOrder, the history's mean units per order holding the
// SKU, taken as the units one shipment carries. The lost-sale slack u_k
// costs p_k = the cell's lost-sale price per unit (else the network's
// lost_sale_cost_per_unit) + lost_sale_cost_per_order / UnitsPerOrder; a
// cell with no price at all takes Model.FillPenalty (more than any arc), so
// that it is filled whenever stock allows, as the solver fills an unpriced
// line.
//
// The opportunity cost of (n,s) is lambda * P(D >= S): lambda = -dual of
// its stock row (>= 0), how much the expected cost would fall with one more
// unit there, times the probability that the last of its S units is needed
// at all, D Poisson with the mean the plan ships from it
// (NeededProbability). A SKU with plenty of stock everywhere costs 0; a
// scarce unit at a node near demand costs what its next-best use saves,
// weighed by how likely that use is. A node whose pick capacity binds adds
// mu * P(D_n >= C) to each of its units: mu = -dual of its capacity row,
// weighed the same way with D_n Poisson with the mean the plan picks
// there and C its capacity over the horizon. A unit picked there takes a
// pick a later order may need, however much stock the node holds.
//
// The LP always has a solution (u absorbs any shortfall) and is bounded
// (costs are not negative); a status other than optimal (a budget ran
// out) is reported as an error wrapping ErrNotSolved.
//
// A planner that plans again and again keeps one Model and calls
// Model.Rebuild for each plan, then Model.StartFrom with the last plan's
// Result: the model's memory is reused, and the solve starts from the
// last plan's basis.
//
// The package does no I/O beyond the writers it is given and keeps no
// global state; the same input gives the same model, rows and columns in
// the same order.
package planning
