// Package simulate replays historical orders through the routing logic of
// omniroute to answer planners' "what if" questions.
//
// A replay streams an orders file (one row per order line, sorted by
// creation time) through the same network.Builder and solver the router
// uses, consuming stock as it goes: replenishments arrive at their time,
// daily pick capacities reset at local midnight and courier hours apply.
// A replay builds each order's lean problem (network.Builder.BuildEligible:
// only the options the builder does not exclude), which every policy
// chooses from exactly as from the full one; the full problem is built only
// to explain an unfilled line that no option could ship, for --decisions.
// Every (policy, scenario) pair replays on its own copy of the state, in
// parallel, and yields KPIs that can be compared side by side, printed as a
// table or JSON, or rendered as an HTML report with charts.
//
// Policies decide where each order is fulfilled: "optimal" is the
// cost-minimising solver, while "nearest", "fewest-splits" and "priority"
// are the greedy rules retailers commonly use. All of them choose among the
// same eligible options of the same built problem and are priced by the
// same cost model, so their costs are comparable. "lookahead" is the solver
// with the opportunity costs of an expected-demand plan (package planning)
// added to its unit costs; a replay plans for it (lookahead.go) in the
// replay's goroutine, at simulated times (Config.PlanInterval, and after
// ReplanShare of the planned supply moved), from Config.History (or
// Config.Forecast) and the orders replayed so far, never from an order
// still to come; its supply
// counts the replenishments file's arrivals within each plan's horizon (a
// schedule known in advance). The replay plans the same way for "batch"
// (batch.go), which routes waves of held orders jointly at those prices.
//
// # Comparing costs
//
// On identical state (the same built problem) the optimal policy's plan
// never costs more than a greedy policy's plan that fills the same lines:
// the solver minimises exactly the cost the greedy plans are priced with.
// Over a whole replay this is not a theorem: every choice changes the stock
// later orders see, so a greedy policy may fill more (and spend more) or
// fill less (and spend less). total_cost is a KPI to read with fill_rate,
// not a guarantee.
//
// With lost-sale costs (orders.csv's lost_sale_cost, the network's policy)
// the optimal policy weighs shipping a unit against losing it and may
// leave units unfilled on purpose; the rules fill whatever they can. Every
// policy's unfilled units, whatever the reason, are priced by the same rule
// (lost_sale_cost), so total_cost_with_lost_sales is the figure to compare.
//
// # Inputs
//
// The orders file is described at OrderReader, the replenishments file at
// ReplenishmentReader and scenarios at Scenario; the network and stock files
// are those of the network and stock packages. Package dataset writes
// synthetic inputs.
//
// With Config.SkipBad an order with a malformed row, or one the scenario's
// network rejects, is skipped and counted (Result.InvalidOrders, one count
// for the table, the JSON and the report; WriteSkipped says why for the
// first few). A line whose SKU no node of the replay's stock table has ever
// stocked is unfilled with UNKNOWN_SKU, as in the server.
//
// The package never loads a whole orders file into memory, never edits the
// network or stock it is given (it works on copies) and keeps no global
// state.
package simulate
