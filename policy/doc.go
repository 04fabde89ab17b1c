// Package policy holds the routing policies: the rules that choose how a
// built problem (network.Builder) is fulfilled. The server routes every
// order with one policy (omniroute serve --policy NAME, "optimal" by
// default) and a replay compares several (omniroute simulate --policy
// a,b); both take them from a Registry, so a policy added to the registry
// is there for both.
//
// A policy is one file implementing Policy and one line in
// DefaultRegistry. The five of this package:
//
//   - optimal (optimal.go): the cost-minimising solver;
//   - lookahead (lookahead.go): the solver with each unit's opportunity
//     cost (a planner's prices, package planning) added to its unit cost;
//     whoever runs it keeps its PriceBoard up to date (Planned);
//   - nearest (nearest.go): the closest node that can ship the whole
//     order, else split by distance;
//   - fewest-splits (fewest_splits.go): the fewest shipments, then
//     distance;
//   - priority (priority.go): a static node ranking, warehouses first.
//
// The greedy rules share greedy.go: they choose among the same usable
// options as the solver (Usable), keep its constraints (stock, capacity,
// weight, promise, one option per node, the shipment limit, whole lines
// unless split) and price their plan with the problem's own costs, so
// their costs compare with the solver's.
//
// A Policy keeps scratch space and is not safe for concurrent use: make
// one per goroutine with Registry.New. A Registry is a value: build one
// with DefaultRegistry, register more, and hand it to the server and the
// replay; nothing is global.
package policy
