// Package router is the omniroute service: it owns the fulfilment network and
// the live stock, turns an order into a solver problem, plans it, reserves the
// planned units and serves all of it over gRPC (RoutingService,
// InventoryService, NetworkService), with health checking, optional
// reflection, authentication, authorisation, rate limits, an audit log and
// Prometheus metrics. A Gateway serves the same API over HTTP/JSON
// (grpc-gateway) by calling the gRPC server in process, so that every
// interceptor applies to HTTP calls too.
//
// The flow of one Route call is: validate the request (every error names
// the field), convert it to a network.Order, build a solver.Problem over the
// live stock, solve it with a pooled solver.Workspace, and, when asked,
// reserve the planned units. Planning runs under a read lock on the stock;
// the reservation takes the write lock and checks every unit against
// available-to-promise (ATP) again, so concurrent orders never get the same
// last unit. A plan that lost a race is planned again.
//
// Options (options.go) answers what a checkout can offer before the order
// exists: the cart is built into one problem under the read lock, then
// each offer the network can make it (network.Network.Offers: per method,
// per courier partner, per pickup store nearest first) is that problem
// held to the offer's eligible options (network.RestrictEligible) and
// solved. Route builds the same problem for an order that chose the offer
// (Order.method, partner, pickup_node_id or offer_id, offer_id.go), so the
// offer's plan is the plan Route gives while the stock has not changed.
// An offer that cannot take the whole cart says why: the reason of its
// candidates that came closest (solver.MostTelling). Options reserves
// nothing.
//
// A reservation holds its units for a TTL (15 minutes by default) and is
// then ACTIVE until committed (on hand drops), released or expired (units
// return to ATP; a reaper goroutine and a check at the start of every call
// both expire what is due, by an injectable Clock). A reserving Route is
// idempotent by order id while the reservation is ACTIVE or COMMITTED:
// the same content gets the first answer again, other content gets
// FailedPrecondition. Closed reservations are forgotten after a retention
// period (24 hours by default).
//
// State that must survive a restart (stock, per-(node, SKU) sequence numbers
// and reservations) is written to a bbolt file in the data directory before
// the call that changed it answers. Changes are queued in memory order under
// the lock and written by one goroutine, many per fsynced transaction (group
// commit), so the lock is never held across a disk write. If a write fails
// the service stops answering (Unavailable, health NOT_SERVING) until it is
// restarted: nothing is acknowledged that is not on disk. Without a data
// directory the service keeps everything in memory.
//
// The network is an immutable snapshot behind an atomic pointer; a reload
// builds a new snapshot and swaps it in without stopping traffic.
//
// An order is planned at its created_at only when that is within
// Config.MaxClockSkew of the service's clock; otherwise (or without one)
// at the clock's time. The answer says which (planned_at,
// created_at_source), so a client with a wrong clock cannot plan against
// opening hours and promises of another time on live stock.
//
// The Server guards every call with a chain of interceptors (guard.go):
// authentication (package auth: bearer tokens or verified client
// certificates), the audit log of every mutating or refused call,
// authorisation by role per service, a per-client rate limit and a
// server-side deadline. Transport security (TLS, mutual TLS), keepalive
// enforcement and stream limits are ServerOptions. The zero ServerOptions
// serve plaintext without authentication: the local demo and tests.
//
// The package never panics on bad input, keeps no global state, and every
// goroutine it starts stops on Close.
package router
