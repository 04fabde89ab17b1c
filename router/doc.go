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
// the field), fetch what the build needs from outside (live courier
// quotes, road distances; pipeline.go, with the call's context and no
// lock), convert it to a network.Order, build a solver.Problem over the
// live stock view, plan it with the routing policy (the solver by default,
// on a pooled solver.Workspace), and, when asked, reserve the planned
// units. Only building the problem holds the view's read lock; the solver
// runs without it, and the ledger decides the reservation against its own
// figures, so concurrent orders never get the same last unit. A plan the
// ledger refuses is planned again. RouteBatch does the same order by
// order, so a long batch never keeps other routes waiting.
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
// return to ATP). A reserving Route is idempotent by order id while the
// reservation is ACTIVE or COMMITTED: the same content gets the first
// answer again, other content gets FailedPrecondition. Closed reservations
// are forgotten after a retention period (24 hours by default).
//
// The ledger (ledger.go) is where stock, per-(node, SKU) sequence numbers,
// daily pick capacity and reservations live, behind one interface with
// two implementations:
//
//   - localLedger, one process: the view is the truth, kept in memory or
//     in a bbolt file in the data directory. Changes are queued in memory
//     order under the lock and written by one goroutine, many per fsynced
//     transaction (group commit, commit.go), so the lock is never held
//     across a disk write. If a write fails the service stops answering
//     (Unavailable, health NOT_SERVING) until it is restarted. Expiry runs
//     inline and on a reaper, by an injectable Clock.
//   - pgLedger, any number of replicas on one PostgreSQL database
//     (ledger_pg.go): every change is a transaction of conditional
//     updates in a fixed lock order; reservations are decided in groups
//     (pgreserve.go) for the same reason bbolt writes are; the view is a
//     cache fed by the database's change notifications and polling
//     (pgview.go). Expiry runs on every replica by the database's clock,
//     each reservation by exactly one (SKIP LOCKED). A database that does
//     not answer makes calls fail with Unavailable and health NOT_SERVING
//     until it is back; nothing else needs a restart. The schema and its
//     migrations are in package pgschema.
//
// Either way no call is acknowledged before its change is durable, and no
// disk write or database round trip runs under the view's lock.
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
// enforcement, stream limits and the stream workers that run calls are
// ServerOptions. The zero ServerOptions serve plaintext without
// authentication: the local demo and tests. Messages are encoded by the
// codec of internal/vtcodec (vtprotobuf's generated code for omniroute's
// messages, the same bytes as proto.Marshal), which the package
// registers as gRPC's "proto" codec when it is imported.
//
// The package never panics on bad input, keeps no global state, and every
// goroutine it starts stops on Close.
package router
