package router

import (
	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// worker is the per-goroutine machinery of one route: a problem builder
// over one network snapshot, a solver workspace and their reusable memory.
// A worker is not safe for concurrent use; the snapshot pools them.
type worker struct {
	b     *network.Builder
	ws    *solver.Workspace
	p     solver.Problem
	order network.Order
	// source says where order.CreatedAt, the time planned for, came from.
	source pb.CreatedAtSource
	// view is the stock view of a single route, kept here so that it
	// does not escape per call.
	view stockView
}

func newWorker(net *network.Network) *worker {
	return &worker{b: network.NewBuilder(net, nil), ws: solver.NewWorkspace()}
}

// build fills the worker's problem from its order over the stock view.
func (w *worker) build(v *stockView) error {
	return w.b.Build(&w.order, v, v, &w.p)
}

// solve plans the worker's problem. The plan is valid until the next solve.
func (w *worker) solve(s solver.Settings) (*solver.Plan, error) {
	return w.ws.Solve(&w.p, s)
}
