package router

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// Route plans one order. With req.Reserve it also reserves the planned
// units for the reservation TTL and returns the reservation.
//
// Idempotency: while an order id has an ACTIVE or COMMITTED reservation, a
// reserving Route with the same id and the same order content returns the
// first answer again (same plan, same reservation, current state) and
// reserves nothing. The same id with different content (other lines,
// customer, preference...) is refused with FailedPrecondition naming
// order.id: release the reservation first or use a new id. Once the
// reservation is RELEASED or EXPIRED, the id may reserve again.
// Non-reserving routes are never deduplicated.
//
// A plan that leaves some lines unfilled reserves the units it does plan;
// a plan with nothing to ship gets no reservation (the plan's unfilled
// lines say why).
func (s *Service) Route(ctx context.Context, req *pb.RouteRequest) (*pb.RouteResponse, error) {
	start := time.Now()
	resp, err := s.route(ctx, req)
	s.explainClock(req, resp)
	s.m.routeSeconds.WithLabelValues(status.Code(err).String()).Observe(time.Since(start).Seconds())
	return resp, err
}

func (s *Service) route(ctx context.Context, req *pb.RouteRequest) (*pb.RouteResponse, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := validateRouteRequest("", req); err != nil {
		return nil, err
	}
	s.led.maintain(ctx)
	resp, b, err := s.routeOne(ctx, "", req, nil, s.planningNow(), s.prefetch(ctx, req.Order))
	return durable(resp, b, err)
}

// durable returns resp once b (if any) is on disk.
func durable[T any](resp T, b *batch, err error) (T, error) {
	if err == nil && b != nil {
		if werr := b.wait(); werr != nil {
			var zero T
			return zero, unavailable(werr)
		}
	}
	return resp, err
}

// routeOne plans one order and, when asked, reserves it; the answer may
// be given once b is durable. Planning holds the read lock on the view
// only while the problem is built; the solver runs without it, and the
// ledger decides the reservation. A plan the ledger refuses (the stock,
// the capacity or the network changed in between) is planned again, up
// to the ledger's attempts. In a batch, hold carries the units earlier
// non-reserving orders planned: this order does not see them, and its
// own plan joins them when it does not reserve.
func (s *Service) routeOne(ctx context.Context, prefix string, req *pb.RouteRequest, hold *batchHold, now time.Time, f *fetched) (*pb.RouteResponse, *batch, error) {
	var fp string
	if req.Reserve {
		fp = fingerprint(req.Order)
		if resp, found, b, err := s.led.replay(ctx, prefix, req.Order.Id, fp); found || err != nil {
			return resp, b, err
		}
	}
	attempts := s.led.attempts()
	for attempt := 1; ; attempt++ {
		if err := ctxError(ctx); err != nil {
			return nil, nil, err
		}
		resp, items, net, err := s.plan(prefix, req, hold, now, f, attempt == 1)
		if err != nil {
			return nil, nil, err
		}
		if !req.Reserve {
			hold.add(net, items)
			return resp, nil, nil
		}
		if s.cfg.afterPlan != nil {
			s.cfg.afterPlan()
		}
		r := &reserveRequest{
			prefix: prefix, req: req, fp: fp, net: net, items: items, resp: resp,
			plan: s.plans.encode(resp.Plan), now: now, attempt: attempt, final: attempt >= attempts,
			replan: func(in *inventory) (*pb.RouteResponse, []stock.Item, error) {
				return s.planOn(prefix, req, &stockView{in: in, hold: hold}, s.snap.Load(), now, f)
			},
		}
		resp, b, retry, err := s.led.reserve(ctx, r)
		if !retry {
			return resp, b, err
		}
		s.m.reservations.WithLabelValues(outcomeRetried).Inc()
		if attempt >= attempts {
			return nil, nil, status.Errorf(codes.Aborted, "%sorder: the stock changed while reserving %d times in a row; try again", prefix, attempts)
		}
	}
}

// plan builds the order's problem on the view under the read lock, then
// solves it without the lock. It returns the network the plan is on. With
// count, the order is one the planner learns from (Service.solve).
func (s *Service) plan(prefix string, req *pb.RouteRequest, hold *batchHold, now time.Time, f *fetched, count bool) (*pb.RouteResponse, []stock.Item, *network.Network, error) {
	var (
		snap *snapshot
		w    *worker
	)
	err := func() error {
		s.mu.RLock()
		defer s.mu.RUnlock()
		snap = s.snap.Load()
		w = snap.get()
		w.fetched = f
		w.view = stockView{in: s.inv, hold: hold}
		defer func() { w.view = stockView{} }()
		return s.build(prefix, req.Order, snap, w, &w.view, now, excludedLimit(req))
	}()
	defer snap.put(w)
	if err != nil {
		return nil, nil, nil, err
	}
	resp, items, err := s.solve(prefix, req, snap, w, req.Reserve || hold != nil, count)
	return resp, items, snap.net, err
}

// planOn builds and solves the order on view, with whatever lock the
// caller holds on it: a reserving route's order planned again, which the
// planner has learnt from already.
func (s *Service) planOn(prefix string, req *pb.RouteRequest, view *stockView, snap *snapshot, now time.Time, f *fetched) (*pb.RouteResponse, []stock.Item, error) {
	w := snap.get()
	w.fetched = f
	defer snap.put(w)
	if err := s.build(prefix, req.Order, snap, w, view, now, excludedLimit(req)); err != nil {
		return nil, nil, err
	}
	return s.solve(prefix, req, snap, w, true, false)
}

// build turns the order into the worker's problem over view, planned at
// the order's created_at when it is within the maximum clock skew of now,
// else at now. nearest is worker.build's: negative for the full problem,
// else the lean one explaining that many exclusions (a route's
// excludedLimit).
func (s *Service) build(prefix string, order *pb.Order, snap *snapshot, w *worker, view *stockView, now time.Time, nearest int) error {
	var at time.Time
	at, w.source = plannedAt(order.CreatedAt, now, s.cfg.MaxClockSkew)
	if err := promiseAhead(prefix+"order", order, at, w.source); err != nil {
		return err
	}
	if err := orderFromProto(prefix+"order", order, snap.net, at, &w.order); err != nil {
		return err
	}
	if f := w.fetched; f != nil && f.net == snap.net {
		w.order.Live = &f.live
	}
	if s.cfg.fullBuild {
		nearest = -1
	}
	if err := w.build(view, nearest); err != nil {
		if e := buildError(prefix+"order", err); e != err {
			return e
		}
		return status.Errorf(codes.Internal, "%sorder: build problem: %v", prefix, err)
	}
	return nil
}

// planningNow is the server's clock as a route plans by it: to the
// microsecond, which is what every ledger keeps (PostgreSQL's timestamps),
// so that an answer replayed from a reservation says the same planned_at
// as the first.
func (s *Service) planningNow() time.Time { return s.clock.Now().Truncate(time.Microsecond) }

// settings are the solver settings of a route asking for alternatives
// (0: the server's default). Options solves every offer with settings(0),
// as a route that asks for none.
func (s *Service) settings(alternatives int32) solver.Settings {
	set := s.cfg.Solver
	set.Alternatives = s.cfg.Alternatives
	if alternatives > 0 {
		set.Alternatives = int(alternatives)
	}
	return set
}

// solve plans the worker's problem and converts the plan; with items, it
// also lists the units the plan takes (to reserve them, or to hold them
// for the rest of a batch). With count and a look-ahead policy, the
// order and its plan are what the planner learns from: the order joins
// the rolling demand, its units the stock moved, and its plan the board's
// outcomes (the season's rule). A route counts its order once, at its
// first plan: a plan made again because the stock moved before the
// reservation is the same order, and Options, which weighs offers, counts
// none. An order id the planner's window holds already counts no more
// (planner.routedOrder), though the units it takes still move stock.
// With count, a plan that collects a named pickup at another store counts
// in omniroute_pickup_redirects_total, and the order goes to the order
// log (Config.OrderLog), whatever the policy.
func (s *Service) solve(prefix string, req *pb.RouteRequest, snap *snapshot, w *worker, items, count bool) (*pb.RouteResponse, []stock.Item, error) {
	t0 := time.Now()
	plan, err := w.solve(s.settings(req.Alternatives))
	took := time.Since(t0)
	if err != nil {
		if errors.Is(err, solver.ErrInvalidProblem) {
			return nil, nil, status.Errorf(codes.InvalidArgument, "%sorder: %v", prefix, err)
		}
		return nil, nil, status.Errorf(codes.Internal, "%sorder: solve: %v", prefix, err)
	}
	s.m.solveSeconds.Observe(took.Seconds())
	ex := w.explanation()
	cands := len(w.p.Options)
	if ex != nil {
		cands = ex.Options
	}
	s.m.candidates.Observe(float64(cands))
	resp := &pb.RouteResponse{OrderId: req.Order.Id, Plan: planToProto(&w.p, plan, took, snap.net.Currency, excludedLimit(req), ex),
		PlannedAt: timestampOf(w.order.CreatedAt), CreatedAtSource: w.source}
	describeTrips(resp.Plan.Shipments, &w.p, plan, snap.net, w.order.Live)
	if markRedirected(resp.Plan.Shipments, &w.order) && count {
		s.m.redirects.Inc()
	}
	if count && s.cfg.OrderLog != nil {
		s.cfg.OrderLog.Record(&w.order)
	}
	var list []stock.Item
	if items {
		list = planItems(&w.p, plan)
	}
	if a, ok := policy.AppliedBy(w.pol); ok {
		resp.Plan.PricesApplied, resp.Plan.OpportunityCost = a.Applied, a.OpportunityCost
		if a.Applied {
			resp.Plan.PricesPlannedAt = timestampOf(a.PlannedAt)
		}
		if count {
			fresh := true
			if s.planner != nil {
				// Only units a route takes (reserves or holds) move stock.
				var units int64
				for _, it := range list {
					units += int64(it.Qty)
				}
				s.planner.routedUnits(units)
				fresh = s.planner.routedOrder(&w.order)
			}
			if fresh {
				s.pipe.board.Outcomes().Observe(plan)
			}
		}
	}
	return resp, list, nil
}

// RouteBatch plans the orders one after another, each seeing the stock
// left by the ones before it: units reserved by an earlier order, and
// units planned by an earlier non-reserving order, are not offered to
// later ones. With optimize, scarce stock is first allocated across the
// whole batch jointly (see routeBatchOptimized), and the answer carries
// the relaxation's bound and the batch's gap to it. Each order takes the
// view's lock on its own, as a single Route does, so that routes from
// other clients interleave with a long batch instead of waiting for all
// of it. A bad or failed order gets its
// error in its result; the others go on. The answer is given once every
// reservation in it is durable.
func (s *Service) RouteBatch(ctx context.Context, req *pb.RouteBatchRequest) (*pb.RouteBatchResponse, error) {
	if req == nil || len(req.Requests) == 0 {
		return nil, invalid("requests", "at least one request required")
	}
	if len(req.Requests) > MaxBatchOrders {
		return nil, invalid("requests", "%d requests, at most %d allowed", len(req.Requests), MaxBatchOrders)
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	s.led.maintain(ctx)
	out := &pb.RouteBatchResponse{Results: make([]*pb.RouteBatchResult, len(req.Requests))}
	now := s.planningNow()
	var waits []*batch
	if req.Optimize {
		w, err := s.routeBatchOptimized(ctx, req, out, now)
		if err != nil {
			return nil, err
		}
		waits = w
	} else {
		waits = s.routeBatchInOrder(ctx, req, out, now)
	}
	for _, b := range waits {
		if err := b.wait(); err != nil {
			return nil, unavailable(err)
		}
	}
	return out, nil
}

// routeBatchInOrder plans the batch's orders one after another into out
// and returns the commits to wait for.
func (s *Service) routeBatchInOrder(ctx context.Context, req *pb.RouteBatchRequest, out *pb.RouteBatchResponse, now time.Time) []*batch {
	hold := &batchHold{}
	var waits []*batch
	for i, r := range req.Requests {
		start := time.Now()
		resp, b, err := s.routeBatchOne(ctx, fmt.Sprintf("requests[%d].", i), r, hold, now)
		waits = s.batchResult(out, i, r, start, resp, b, err, waits)
	}
	return waits
}

// batchResult records the answer (or error) of request i of a batch,
// routed from start, in out, and adds its commit b to waits.
func (s *Service) batchResult(out *pb.RouteBatchResponse, i int, r *pb.RouteRequest, start time.Time, resp *pb.RouteResponse, b *batch, err error, waits []*batch) []*batch {
	s.explainClock(r, resp)
	s.m.routeSeconds.WithLabelValues(status.Code(err).String()).Observe(time.Since(start).Seconds())
	if b != nil && (len(waits) == 0 || waits[len(waits)-1] != b) {
		waits = append(waits, b)
	}
	if err != nil {
		out.Results[i] = batchError(err)
		return waits
	}
	out.Results[i] = &pb.RouteBatchResult{Response: resp}
	return waits
}

// batchError is the result of a batch's order that failed with err.
func batchError(err error) *pb.RouteBatchResult {
	st := status.Convert(err)
	return &pb.RouteBatchResult{Error: st.Message(), Code: int32(st.Code())}
}

func (s *Service) routeBatchOne(ctx context.Context, prefix string, req *pb.RouteRequest, hold *batchHold, now time.Time) (*pb.RouteResponse, *batch, error) {
	if err := ctxError(ctx); err != nil {
		return nil, nil, err
	}
	if err := validateRouteRequest(prefix, req); err != nil {
		return nil, nil, err
	}
	return s.routeOne(ctx, prefix, req, hold, now, s.prefetch(ctx, req.Order))
}
