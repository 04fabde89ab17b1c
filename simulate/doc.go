// Package simulate replays historical orders through the routing logic of
// omniroute to answer planners' "what if" questions.
//
// A replay streams an orders file (one row per order line, sorted by
// creation time) through the same network.Builder and solver the router
// uses, consuming stock as it goes: replenishments arrive at their time,
// daily pick capacities reset at local midnight and courier hours apply.
// Every (policy, scenario) pair replays on its own copy of the state, in
// parallel, and yields KPIs that can be compared side by side, printed as a
// table or JSON, or rendered as an HTML report with charts.
//
// Policies decide where each order is fulfilled: "optimal" is the
// cost-minimising solver, while "nearest", "fewest-splits" and "priority"
// are the greedy rules retailers commonly use. All of them choose among the
// same eligible options of the same built problem and are priced by the
// same cost model, so their costs are comparable.
//
// The package never loads a whole orders file into memory, never edits the
// network or stock it is given (it works on copies) and keeps no global
// state.
package simulate
