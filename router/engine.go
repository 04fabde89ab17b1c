package router

import (
	"time"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/solver"
)

// worker is the per-goroutine machinery of one route: a problem builder
// over one network snapshot, a solver workspace and their reusable memory.
// A worker is not safe for concurrent use; the snapshot pools them.
type worker struct {
	b  *network.Builder
	ws *solver.Workspace
	// pol is the routing policy (Config.Policy); optimal is true when it
	// is the solver, which ws then runs for Options too.
	pol     policy.Policy
	optimal bool
	p       solver.Problem
	order   network.Order
	// source says where order.CreatedAt, the time planned for, came from.
	source pb.CreatedAtSource
	// view is the stock view of a single route, kept here so that it
	// does not escape per call.
	view stockView
	// fetched is what was fetched for the order before the build (nil:
	// nothing); the build uses it when it is for the worker's network.
	fetched *fetched

	// What an Options call reuses: the order's offers, the problem held
	// to one offer (its eligible options only; sharing p's lines), the
	// eligible pickup options of p, nearest first, and those of them short
	// of some line.
	offers     []network.Offer
	restricted solver.Problem
	stores     []int32
	short      []int32 // stores whose stock cannot cover the cart
}

// newWorker makes a worker over net for the pipeline's policy, which
// snapshotOf checked can be made for net.
func newWorker(net *network.Network, pipe *pipeline) *worker {
	w := &worker{b: network.NewBuilder(net, nil), ws: solver.NewWorkspace(), optimal: true}
	if pipe != nil {
		if pol, err := pipe.policies.New(pipe.policy, net); err == nil && !policy.Solves(pol) {
			w.pol, w.optimal = pol, false
			if pl, ok := pol.(policy.Planned); ok {
				pl.UsePrices(pipe.board)
			}
		}
	}
	return w
}

// build fills the worker's problem from its order over the stock view.
func (w *worker) build(v *stockView) error {
	return w.b.Build(&w.order, v, v, &w.p)
}

// solve plans the worker's problem with the routing policy. The plan is
// valid until the next solve.
func (w *worker) solve(s solver.Settings) (*solver.Plan, error) {
	if !w.optimal {
		return w.pol.Choose(&w.p, s)
	}
	return w.ws.Solve(&w.p, s)
}

// solveOffer plans the worker's problem held to offer f, without the
// options it excludes (network.RestrictEligible): the plan Route gives the
// order that chose f when Route solves with s. It first solves without
// alternatives, which only an offer needs: a plan proven optimal does not
// depend on how many alternatives are ranked (ties are settled by the
// solver's rule, not by search order); a plan not proven optimal (the
// heuristic, or a work budget run out) is solved again with s itself. The
// plan, over w.restricted, is valid until the next solve.
func (w *worker) solveOffer(f network.Offer, s solver.Settings) (*solver.Plan, time.Duration, error) {
	network.RestrictEligible(&w.restricted, &w.p, f)
	t0 := time.Now()
	if !w.optimal {
		plan, err := w.pol.Choose(&w.restricted, s)
		return plan, time.Since(t0), err
	}
	best := s
	best.Alternatives = -1
	plan, err := w.ws.Solve(&w.restricted, best)
	if err == nil && !plan.Stats.Optimal {
		plan, err = w.ws.Solve(&w.restricted, s)
	}
	return plan, time.Since(t0), err
}
