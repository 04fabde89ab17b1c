package router

import (
	"context"
	"fmt"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/joint"
	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// DefaultBatchTimeLimit bounds the relaxation of an optimised RouteBatch
// when Config.BatchTimeLimit is zero.
const DefaultBatchTimeLimit = 10 * time.Second

// batchMaxVars bounds the relaxation's columns (MaxBatchOrders orders of
// a few lines over tens of options fit).
const batchMaxVars = 500_000

// routeBatchOptimized is RouteBatch with optimize (see joint.Route for
// the method): each valid order's problem is built on the live stock (the
// view's read lock held for one build at a time, as a Route does), the
// relaxation is solved and dived without any lock, and so is the batch's
// Lagrangian bound (batchBound). Of the dived values, the first optimum's
// and the Lagrangian master's, those whose repair on the batch's problems
// costs least (joint.Relaxation.KeepWith) give the shares, rounded down,
// held for their orders in the batch's hold. Then the orders go in request
// order through the very path of a plain RouteBatch (build, the routing
// policy, reservation by the ledger, retries), each seeing the stock less
// what earlier orders took and less the shares of the orders after it: its
// own share is released just before it plans.
//
// When the look-ahead policy's board holds prices, the shares come from a
// second relaxation over the unit costs priced as the policy prices them
// (pricedRelaxation), so that the batch leaves the stock later demand
// values to it; the bound stays unpriced (batchBound), a lower bound on
// the real cost of any routing of the batch.
//
// A batch whose relaxation is too large to build (batchMaxVars) or is not
// solved within the time limit is guided by the Lagrangian master's values
// instead, with its bound (masterGuide), within what is left of the limit
// (all of it when the relaxation was too large to build, little or none
// when it ran out of time): of the dived master's values, the rounds' last
// and none, those whose repair costs least (joint.Relaxation.Keep).
func (s *Service) routeBatchOptimized(ctx context.Context, req *pb.RouteBatchRequest, out *pb.RouteBatchResponse, now time.Time) ([]*batch, error) {
	n := len(req.Requests)
	prefixes := make([]string, n)
	fetches := make([]*fetched, n)
	failed := make([]error, n)
	inst := &joint.Instance{}
	index := make([]int, 0, n) // request of each instance order
	supplyAt := map[heldKey]int{}
	capAt := map[string]int{} // node ID -> its row in inst.Capacity, -1 for none
	var net *network.Network
	for i, r := range req.Requests {
		prefixes[i] = fmt.Sprintf("requests[%d].", i)
		if err := ctxError(ctx); err != nil {
			return nil, err
		}
		if err := validateRouteRequest(prefixes[i], r); err != nil {
			failed[i] = err
			continue
		}
		fetches[i] = s.prefetch(ctx, r.Order)
		p, err := s.batchProblem(prefixes[i], r, fetches[i], now, inst, supplyAt, capAt, &net)
		if err != nil {
			failed[i] = err
			continue
		}
		inst.Orders = append(inst.Orders, joint.Order{Problem: p, At: now})
		index = append(index, i)
	}
	limit := s.cfg.BatchTimeLimit
	if limit <= 0 {
		limit = DefaultBatchTimeLimit
	}
	dive := joint.DefaultDive
	if s.cfg.batchNoDive {
		dive = 0
	}
	// With prices on the board the shares come from the priced relaxation,
	// which dives; the unpriced one gives the bound.
	costs, _, priced := s.pipe.board.Get()
	firstDive := dive
	if priced {
		firstDive = 0
	}
	maxVars := batchMaxVars
	if s.cfg.batchMaxVars > 0 {
		maxVars = s.cfg.batchMaxVars
	}
	began := time.Now()
	rel, err := joint.Solve(ctx, inst, joint.Settings{MaxVars: maxVars, Dive: firstDive, LP: lp.Settings{TimeLimit: limit}})
	optimized := err == nil && rel.Status == lp.StatusOptimal
	if err != nil && ctxError(ctx) != nil {
		return nil, ctxError(ctx)
	}
	guide := rel // the relaxation whose shares are held
	var bound float64
	var lag *joint.Lagrange
	master := false // the Lagrangian master's values guide the batch
	if optimized {
		if bound, lag, err = batchBound(ctx, inst, rel, limit-time.Since(began), dive > 0); err != nil {
			return nil, err
		}
	} else if guide, err = masterGuide(ctx, inst, limit-time.Since(began), dive > 0); err != nil {
		return nil, err
	} else if guide != nil {
		// Too large to model, or not solved in time: the Lagrangian
		// master's shares and bound instead.
		optimized, master, bound = true, true, guide.Bound
	}
	switch {
	case master:
		// Of the dived master's shares, the rounds' last and none, hold
		// those whose repair costs least.
		if _, err := guide.Keep(ctx, inst, solver.Settings{Alternatives: -1}); err != nil {
			return nil, keepError(ctx, err)
		}
	case optimized && priced:
		if guide, err = pricedRelaxation(ctx, inst, costs, rel, limit-time.Since(began), dive); err != nil {
			return nil, err
		}
	case optimized && (rel.Undived != nil || lag != nil):
		// Of the dived shares, the first optimum's and the Lagrangian
		// master's, hold those whose repair, order by order on the batch's
		// problems, costs least.
		if _, err := rel.KeepWith(ctx, inst, lag, solver.Settings{Alternatives: -1}); err != nil {
			return nil, keepError(ctx, err)
		}
	}
	hold := &batchHold{}
	shares := make([][]stock.Item, n)
	if optimized {
		for k, i := range index {
			for _, sh := range guide.Shares(inst, k) {
				shares[i] = append(shares[i], stock.Item{Node: int(sh.Node), SKU: sh.SKU, Qty: sh.Units})
			}
			hold.add(net, shares[i])
		}
	}
	var waits []*batch
	var cost float64
	for i, r := range req.Requests {
		if failed[i] != nil {
			out.Results[i] = batchError(failed[i])
			continue
		}
		hold.release(net, shares[i])
		start := time.Now()
		resp, b, err := s.routeOne(ctx, prefixes[i], r, hold, now, fetches[i])
		waits = s.batchResult(out, i, r, start, resp, b, err, waits)
		if err == nil {
			cost += resp.GetPlan().GetTotalCost()
		}
	}
	if optimized {
		out.Optimized, out.Bound = true, bound
		out.Gap = joint.GapTo(cost, bound)
	}
	return waits, nil
}

// batchBound is the bound of an optimised batch: rel's optimum (the
// unpriced relaxation), or the Lagrangian bound of inst (joint.Lagrangian:
// whole plans of each order priced on the stock and capacity the batch
// shares) when that is higher. The Lagrangian bound runs within left, on
// one goroutine so that a batch takes no more cores than a Route, its
// master dived to whole plans when dive is set (joint.LagrangeSettings.Dive),
// and is returned (nil when it did not run or failed) for its master's
// values.
// Both are lower bounds on the real cost of any routing of the batch.
// inst's unit costs must be the real ones. An error is ctx's.
func batchBound(ctx context.Context, inst *joint.Instance, rel *joint.Relaxation, left time.Duration, dive bool) (float64, *joint.Lagrange, error) {
	if left <= 0 {
		return rel.Bound, nil, nil
	}
	lag, err := joint.Lagrangian(ctx, inst, joint.LagrangeSettings{TimeLimit: left, Workers: 1, Dive: dive})
	switch {
	case err != nil && ctxError(ctx) != nil:
		return 0, nil, ctxError(ctx)
	case err != nil:
		return rel.Bound, nil, nil
	}
	return max(rel.Bound, lag.Bound), lag, nil
}

// masterGuide is what guides an optimised batch whose relaxation is too
// large to build or was not solved in time: the Lagrangian master's values
// (joint.Lagrange.Relaxation), within left, on one goroutine and dived
// (when dive is set) as batchBound. It returns nil when there is no time left or no master was
// solved; an error is ctx's.
func masterGuide(ctx context.Context, inst *joint.Instance, left time.Duration, dive bool) (*joint.Relaxation, error) {
	if left <= 0 {
		return nil, nil
	}
	lag, err := joint.Lagrangian(ctx, inst, joint.LagrangeSettings{TimeLimit: left, Workers: 1, Dive: dive})
	switch {
	case err != nil && ctxError(ctx) != nil:
		return nil, ctxError(ctx)
	case err != nil:
		return nil, nil
	}
	return lag.Relaxation(), nil
}

// pricedRelaxation solves inst again with every order's unit costs priced
// by costs (policy.PriceUnits, as the look-ahead policy prices one order),
// within left, what the time limit leaves after rel, the optimum of the
// unpriced costs: its shares then leave the stock the expected demand
// values more to it. It returns rel when the priced solve fails or does
// not finish in time, and an error only when ctx is done. The problems'
// costs are restored.
//
// The priced relaxation dives (dive rounds) and keeps, of its dived and
// first values, those whose repair at the priced costs costs less
// (joint.Relaxation.Keep). The solve starts from the unpriced optimum's
// basis (joint.Relaxation.Basis): only the costs change, so it stays
// primal feasible, and the primal simplex takes it to the priced optimum
// in a fraction of a cold solve's iterations (joint's BenchmarkSolveRepriced).
func pricedRelaxation(ctx context.Context, inst *joint.Instance, costs policy.OpportunityCosts, rel *joint.Relaxation, left time.Duration, dive int) (*joint.Relaxation, error) {
	if left <= 0 {
		return rel, nil
	}
	saved := make([][]float64, len(inst.Orders))
	for k := range inst.Orders {
		saved[k], _ = policy.PriceUnits(inst.Orders[k].Problem, costs, nil, nil)
	}
	defer func() {
		for k := range inst.Orders {
			copy(inst.Orders[k].Problem.UnitCost, saved[k])
		}
	}()
	priced, err := joint.Solve(ctx, inst, joint.Settings{MaxVars: batchMaxVars, Dive: dive, LP: lp.Settings{TimeLimit: left, Start: rel.Basis}})
	switch {
	case err != nil && ctxError(ctx) != nil:
		return nil, ctxError(ctx)
	case err != nil, priced.Status != lp.StatusOptimal:
		return rel, nil
	}
	if priced.Undived != nil {
		if _, err := priced.Keep(ctx, inst, solver.Settings{Alternatives: -1}); err != nil {
			return nil, keepError(ctx, err)
		}
	}
	return priced, nil
}

// keepError is the status of a failed Relaxation.Keep: the call's own
// when ctx is done, else Internal (the batch's problems were built and
// checked, so the repair should not fail).
func keepError(ctx context.Context, err error) error {
	if ctxError(ctx) != nil {
		return ctxError(ctx)
	}
	return status.Errorf(codes.Internal, "optimize: %v", err)
}

// batchProblem builds the order of r on the live stock, as a Route would,
// and adds the stock and capacity its options draw on to inst (supplyAt
// and capAt index them); net is set to the network of the first build.
// The problem returned is the order's own copy.
func (s *Service) batchProblem(prefix string, r *pb.RouteRequest, f *fetched, now time.Time, inst *joint.Instance,
	supplyAt map[heldKey]int, capAt map[string]int, net **network.Network) (*solver.Problem, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	snap := s.snap.Load()
	w := snap.get()
	defer snap.put(w)
	w.fetched = f
	w.view = stockView{in: s.inv}
	defer func() { w.view = stockView{} }()
	// The relaxation needs only the usable options: a lean build, nothing explained.
	if err := s.build(prefix, r.Order, snap, w, &w.view, now, 0); err != nil {
		return nil, err
	}
	if *net == nil {
		*net = snap.net
	}
	if snap.net != *net {
		return nil, status.Errorf(codes.Unavailable, "%sorder: the network was reloaded during the batch; send it again", prefix)
	}
	p := &solver.Problem{}
	*p = w.p
	p.Lines = slices.Clone(w.p.Lines)
	p.Options = slices.Clone(w.p.Options)
	p.Available = slices.Clone(w.p.Available)
	p.UnitCost = slices.Clone(w.p.UnitCost)
	for k := range p.Options {
		node := int(p.Options[k].Node)
		id := snap.net.Nodes[node].ID
		for l := range p.Lines {
			key := heldKey{id, p.Lines[l].SKU}
			if _, ok := supplyAt[key]; !ok {
				supplyAt[key] = len(inst.Supply)
				inst.Supply = append(inst.Supply, joint.Supply{Node: int32(node), SKU: key.sku, Start: int64(w.view.ATP(node, key.sku))})
			}
		}
		if _, ok := capAt[id]; !ok {
			capAt[id] = -1 // no daily limit: no row
			if c := w.view.Remaining(node); c >= 0 {
				capAt[id] = len(inst.Capacity)
				inst.Capacity = append(inst.Capacity, joint.Capacity{Node: int32(node), Units: int64(c)})
			}
		}
	}
	return p, nil
}

// release gives back items held by add: an order's own share, just before
// it plans.
func (h *batchHold) release(net *network.Network, items []stock.Item) {
	if h == nil || len(items) == 0 {
		return
	}
	for _, it := range items {
		id := net.Nodes[it.Node].ID
		h.units[heldKey{id, it.SKU}] -= it.Qty
		h.picks[id] -= it.Qty
	}
}
