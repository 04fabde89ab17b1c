// Package allocate decides where stock should sit: how to place inbound
// supply and which transfers between nodes pay for themselves over a
// horizon, by a linear programme (package lp) over the network's own cost
// model and a demand forecast from the order history, turned into whole
// units that keep every lane's minimum and every shelf limit.
//
// # Demand
//
// The history's orders before the plan's time are grouped into demand
// points: the customer's cell (DefaultCellDeg), what was asked for
// (delivery, pickup and at which store, a chosen method or partner) and
// the promise band. A point's expected units of a SKU over the horizon are
// its rate in the window x the horizon, with the point's SKU mix shrunk
// toward the network's (a Dirichlet posterior mean with PriorUnits of prior
// weight): tail SKUs are ordered too rarely at any one point for their
// own counts to say where they will be ordered next. The cost of serving a
// unit of a point from a node is what the network's Builder prices for a
// one-line order at the point's mean position and time of day: the
// cheapest option the routing policy could use (policy.Usable: not
// excluded, in time for the promise), its per-unit cost plus its fixed
// cost spread over the point's mean units per order.
//
// # Walk-in demand
//
// A store sells at its tills what no order routed shows: with
// Input.Falls (the order log's receipts) the falls of stock before the
// plan teach each (node, SKU)'s rate (planning.FallRates), and the units
// they expect over the horizon are a demand point of the node's own (a
// Point with WalkIn set): served by its stock only, at no cost, lost at
// the SKU's walk-in price (the mean lost-sale price of a unit of the
// forecast's orders, else the network's per-unit one; a SKU without a
// price is left out, as a replay prices its walk-in shortfall at
// nothing), without the per-order lost-sale cost. A store's units then
// cost what its customers would lose, so no transfer takes what they will
// buy, and a store whose tills would go without draws stock like any
// demand. A SKU that only the tills sold joins the forecast's SKUs.
//
// # The LP, one block per SKU
//
//	min  Σ c[p,n] x[p,n] + Σ lost[p] u[p] + Σ (unit[r] + share[r]) t[r]
//	s.t. Σ_n x[p,n] + u[p] = demand[p]                     for each point p
//	     Σ_p x[p,n] + Σ_out t - Σ_in f[r] t ≤ atp[n] + supply[n] + arrivals[n]
//	     Σ_out t ≤ atp[n] + supply[n]       (a node that also receives or is replenished)
//	     Σ_in t - Σ_out t ≤ shelf room[n]   (a receiver with a shelf limit)
//	     0 ≤ t[r] ≤ atp[from] + supply[from]
//
// x[p,n] serves point p from node n, among the NodesPerPoint cheapest that
// hold the SKU or may receive it and the HoldersPerPoint cheapest that
// hold it; u[p] are lost units at the line's
// lost-sale cost (+ the per-order one spread over the units of an order;
// an unpriced unit costs more than any way to serve it, so it is filled
// whenever stock allows); arrivals are the replenishments scheduled
// within the horizon (Input.Arrivals), which serve the node's demand but
// are not there to send; t[r] moves units on a lane route (network.Route)
// from a node that holds the SKU to one that serves demand, the
// LanesPerReceiver cheapest per receiver. A transfer leaves at the plan's
// start and counts for the share f[r] = 1 - lead time / horizon of the
// horizon it is there for. Transfers leave a sender's stock (and never
// exceed it), and raise a receiver's stock to its shelf limit at most.
//
// A lane's cost per shipment is a fixed charge: the LP is solved
// ScalingRounds times, each spreading it over the units the route carried
// in the round before (slope scaling; the first round spreads nothing).
//
// # Whole units
//
// The last round's transfers are rounded down, then up by their largest
// fractions where the sender and the shelf allow. Demand is a rate, not a
// certainty: a unit moves only while its expected saving beats the lane's
// cost per unit. The j-th unit into a receiver saves the receiver's price
// without transfers (-Dual of its stock row) with the probability that
// the receiver's Poisson demand (the relaxation's rate there) reaches its
// own stock + j in the share f[r] of the horizon, times the chance that
// the order's other lines are there too (the node's share of the
// forecast's units held, to the order's lines less one); it loses the
// probability that the sender would have sold it, times the larger of the
// two prices; a sender also keeps the KeepQuantile of its demand. A route
// whose shipment carries less than its lane's minimum, or whose units'
// expected saving less their unit costs is below its shipment cost, is
// dropped; shelves (per SKU and in total, across SKUs) are enforced by
// cutting the transfers of least worth. The model's expected cost before
// (Result.ModelCostBefore) is each block solved without transfers; after
// (ModelCostAfter), that less the kept units' expected savings, plus the
// shipments priced by network.Lane.Cost.
//
// # Expected costs: the plan replayed
//
// The LP is not the router: it serves each line alone, from the node it
// finds cheapest, where the routing policy keeps an order together, rarely
// ships from a store, and meets the demand as it comes. So the plan is
// judged by the router itself (package simulate): the history's latest
// Input.Windows horizon-long windows (DefaultWindows; as many as the
// history holds, at least the latest part of one) are cut out, their
// orders' times (created_at, promise_by) shifted to start at the plan's
// start, and each is replayed with Input.Policy (DefaultPolicy) from the
// stock at the start with the scheduled arrivals and the supply, once
// without the transfers and once with them; with Input.Falls each window
// replays its own falls too, shifted as its orders are, as a server meets
// them (simulate.Config.LiveFalls: what the tills do not find is priced
// in its cost). ExpectedCostBefore and
// ExpectedCostAfter are the replays' total cost with lost sales (transfer
// cost included), averaged over the windows; ExpectedBy says so.
//
// The same replays keep only what pays. The transfers are grouped by the
// kinds of their sender and receiver (warehouse>store, store>store...);
// each round replays the plan without each group still in it (closed over
// relays: a node that loses some inflow of a SKU sends none of it on, one
// that loses some outflow receives none of it, and one whose total shelf
// would overfill receives nothing, so that every shelf limit holds), and drops
// the group whose removal saves the most, while that saving is not
// negative (its marginal saving is not positive), until every group left
// pays; the groups are few, so the rounds are, and MaxReplays bounds the
// replays. A plan that the replays find no cheaper than none is dropped
// whole. The groups, their units and replayed savings are Result.Groups.
// With Windows < 0, or a plan from a forecast without history, the
// model's figures are the expected costs and a plan that would not lower
// them is dropped whole.
//
// The windows are the recent past, not the horizon: what remains between
// the expected and the realised saving is the difference between the two
// (the forecast error of taking the past weeks' orders as the next's).
//
// # What it does not model
//
// In the LP: daily pick capacities, orders of several lines (each line is
// its own demand; only the repair's sale probabilities see the order), and
// the timing of demand within the horizon beyond the share f[r]; the
// replays that judge the plan see all three, but only to keep or drop
// whole groups of transfers. Supply counts from the plan's start, and its node's shelf limit is
// not checked (the units arrive whatever the plan says).
//
// Plan is deterministic: the same input gives the same plan, SKUs solved in
// parallel but each on its own, and the replays independent of each
// other.
package allocate
