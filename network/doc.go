// Package network is the fulfilment network omniroute routes over: nodes,
// carriers and courier partners, their file format (YAML), the embedded demo
// network, the default cost model applied to real distances, and the
// Builder that turns one order over live stock into a solver.Problem.
//
// It reads files only in the Load* functions; it never reserves stock and
// never calls the solver.
package network
