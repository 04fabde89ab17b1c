// Package orderlog records the orders a server routes, as files a replay
// reads: one orders file a day (orders-YYYY-MM-DD.csv, the UTC day of the
// server's clock) in a directory, each under the orders file's header
// (simulate.OrderHeader), so that `omniroute simulate --orders`, `serve
// --history` and `allocate --orders` take them as they are. It is the
// record of the demand that came, the units no node held included, from
// which a planner replays real traffic against its hindsight bound and a
// restarted server's planner learns again.
//
// Recording never waits for a file: Record appends the order's rows to a
// buffer that a writer takes and writes in the background every
// FlushInterval (100 ms). An order recorded while the buffer is full is
// dropped and counted, as is an order id recorded before (the latest ids
// are remembered), so a quote routed first without a reservation and
// then with one is one order. The files are appended across restarts; a line cut short by a
// crash is cut off when the file is opened again. One process writes a
// directory at a time (a lock file says so).
package orderlog
