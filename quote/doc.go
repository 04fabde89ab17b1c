// Package quote asks courier partners' quote APIs for the price of trips
// before an order is built, and reads recorded quotes for replays.
//
// A Client talks to one partner (network.CourierPartner.Quote): it POSTs
// the trip as JSON and reads a quote, {"available": false}, or a failure.
// Answers are cached by node, customer cell (CellDeg) and weight band
// until the earlier of the partner's cache_ttl and the quote's expiry;
// concurrent look-ups of one trip share one call (singleflight); at most
// max_in_flight calls go out at once; each call has the partner's timeout;
// a Breaker skips a partner that keeps failing. Every failure means "price
// this trip by the rate card" and is counted (Metrics).
//
// A Fetcher asks every trip network.Network.CourierTrips finds for an
// order, all at once, and writes the answers into the order's
// network.Live, which the Builder reads without I/O. A RecordedTable
// fills the same Live from a recorded quotes file, without I/O, for
// replays.
//
// Nothing here holds a lock of the caller's, and no goroutine outlives
// the call that started it.
package quote
