// Package forecast estimates demand by region x SKU x method: how many
// units of each SKU the customers of each region will ask for, per day, by
// the way they want them served. The planning LP (package planning) and
// the allocation reads it.
//
// # Regions
//
// A region is a city of the network: the nodes that share Node.City (a
// node without a city is a region of its own, named by its id). Its centre
// is the mean position of its nodes. A customer belongs to the region whose
// centre is nearest (great circle; ties go to the region first in name
// order); a pickup order that names its store belongs to that store's
// region. Regions are listed in name order.
//
// # Methods
//
// A demand cell's Method is how the customer asked to be served, not how a
// node ships: Pickup (a pickup order, or one that names a pickup store),
// Courier (an order that chose the COURIER offer or a partner, or whose
// promise is at most SameDay after it was created: orders.csv's
// requested_method express gives a promise of three hours) and Parcel
// (every other delivery, and an order that asked for "any").
//
// # Estimates
//
// An Estimator observes orders (a history file, or a replay's orders so
// far) and estimates, per cell, the mean units per day over the window
// from the first order observed to the estimate's time (at least a day, or
// the time MinWindowOrders orders take at the pace observed when that is
// shorter), and the variance of the daily units over the window's whole days
// (gonum's stat.MeanVariance over daily buckets, zero days included; with
// fewer than two days the variance is the mean, as for Poisson demand).
// Cell.Quantile turns both into a quantile over a horizon (a normal
// approximation, gonum's distuv.Normal). UnitsPerOrder is the mean number
// of units of the orders that hold the cell's SKU, all lines counted: the
// planner's estimate of the units one shipment carries.
//
// A forecast can also be read from a CSV file (ReadCSV) and written back
// (WriteCSV). Every result lists its cells in (region, SKU, method) order.
//
// The package keeps no global state and does no I/O beyond the readers and
// writers it is given.
package forecast
