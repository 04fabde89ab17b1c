// Package bench is omniroute's load generator: it drives a running server
// over gRPC with realistic orders and measures what a caller sees.
//
// Run sends RoutingService.Route calls from a fixed number of workers, either
// in a closed loop (each worker sends its next order as soon as the previous
// answer arrives) or in an open loop (a fixed schedule of Rate requests per
// second; latency is measured from the intended send time, so a slow server
// cannot hide its queueing delay from the numbers — no coordinated omission).
// Each worker records latency into its own HDR histogram (1 µs .. 60 s, 3
// significant digits) with no lock on the hot path; the histograms are merged
// once the run ends. Errors are counted by gRPC status code.
//
// Orders come from a file of protojson Order objects (LoadOrders) or from a
// seeded generator (GenerateOrders) that places customers around Almaty and
// Astana and draws SKUs with a Zipf-like popularity. Every request carries a
// unique order id (a run prefix and a counter), so reservations never collide
// with the server's per-order idempotency.
//
// A server that goes away during a run is not hammered with failing calls:
// an Unavailable answer pauses the workers while one waits for the health
// check again; if the server is not back within the ready timeout the run
// stops with ErrServerLost and the partial result.
//
// Thresholds turns a Result into a pass or fail for CI gates.
//
// The package only ever dials the address it is given, never starts a
// server, and every goroutine it starts stops when the run's context is
// cancelled or the run ends.
package bench
