package router

import (
	"context"
	"errors"
	"fmt"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
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
	s.maintain()
	var fp string
	if req.Reserve {
		fp = fingerprint(req.Order)
		s.mu.RLock()
		resp, found, err := s.replayLocked("", req.Order.Id, fp)
		var b *batch
		if found && err == nil {
			b = s.c.barrier()
		}
		s.mu.RUnlock()
		if found || err != nil {
			return durable(resp, b, err)
		}
	}
	f := s.prefetch(ctx, req.Order)
	for range optimisticAttempts {
		if err := ctxError(ctx); err != nil {
			return nil, err
		}
		resp, b, retry, err := s.routeOptimistic(req, fp, f)
		if !retry {
			return durable(resp, b, err)
		}
		s.m.reservations.WithLabelValues(outcomeRetried).Inc()
	}
	if err := ctxError(ctx); err != nil {
		return nil, err
	}
	resp, b, err := func() (*pb.RouteResponse, *batch, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.routeLocked("", req, fp, &stockView{in: s.inv}, false, s.clock.Now(), f)
	}()
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

// routeOptimistic plans under the read lock and reserves under the write
// lock; retry is true when the stock or the network changed in between.
// The answer may be given once b is durable.
func (s *Service) routeOptimistic(req *pb.RouteRequest, fp string, f *fetched) (resp *pb.RouteResponse, b *batch, retry bool, err error) {
	var (
		snap *snapshot
		w    *worker
		now  time.Time
	)
	err = func() error {
		s.mu.RLock()
		defer s.mu.RUnlock()
		snap = s.snap.Load()
		w = snap.get()
		w.fetched = f
		now = s.clock.Now()
		w.view = stockView{in: s.inv}
		defer func() { w.view = stockView{} }()
		return s.build("", req.Order, snap, w, &w.view, now)
	}()
	defer snap.put(w)
	if err != nil {
		return nil, nil, false, err
	}
	resp, items, err := s.solve("", req, snap, w)
	if err != nil || !req.Reserve {
		return resp, nil, false, err
	}
	saved := s.plans.encode(resp.Plan) // outside the lock
	if s.cfg.afterPlan != nil {
		s.cfg.afterPlan()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inv.net != snap.net {
		return nil, nil, true, nil // the network was reloaded: plan again
	}
	if prev, found, err := s.replayLocked("", req.Order.Id, fp); found || err != nil {
		return prev, s.c.barrier(), false, err
	}
	if !s.capacityHoldsLocked(items) {
		return nil, nil, true, nil // reservations since took the capacity: plan again
	}
	b, err = s.reserveLocked(req, fp, items, resp, saved, now)
	if err != nil {
		if isInsufficient(err) {
			return nil, nil, true, nil
		}
		return nil, nil, false, err
	}
	return resp, b, false, nil
}

// capacityHoldsLocked reports whether today's remaining pick capacity
// still covers items at every node. A plan made under the read lock was
// made against the capacity of that moment; reservations in between may
// have used it, and the stock table does not refuse to go over it.
func (s *Service) capacityHoldsLocked(items []stock.Item) bool {
	for i, it := range items {
		rem := s.inv.table.Remaining(it.Node)
		if rem < 0 {
			continue // no limit
		}
		need := int64(0)
		for _, o := range items[:i+1] {
			if o.Node == it.Node {
				need += int64(o.Qty)
			}
		}
		if need > int64(rem) {
			return false
		}
	}
	return true
}

// routeLocked plans and, if asked, reserves with the write lock held
// throughout. In a batch (hold), the units of a non-reserving plan are
// held in view for the orders after it. The answer may be given once b
// is durable.
func (s *Service) routeLocked(prefix string, req *pb.RouteRequest, fp string, view *stockView, hold bool, now time.Time, f *fetched) (*pb.RouteResponse, *batch, error) {
	if req.Reserve {
		if resp, found, err := s.replayLocked(prefix, req.Order.Id, fp); found || err != nil {
			return resp, s.c.barrier(), err
		}
	}
	snap := s.snap.Load()
	w := snap.get()
	w.fetched = f
	defer snap.put(w)
	if err := s.build(prefix, req.Order, snap, w, view, now); err != nil {
		return nil, nil, err
	}
	resp, items, err := s.solve(prefix, req, snap, w)
	if err != nil {
		return nil, nil, err
	}
	if !req.Reserve {
		if hold {
			view.hold(items)
		}
		return resp, nil, nil
	}
	b, err := s.reserveLocked(req, fp, items, resp, s.plans.encode(resp.Plan), now)
	if err != nil {
		if isInsufficient(err) {
			return nil, nil, status.Errorf(codes.Aborted, "%sorder: stock changed while reserving, try again: %v", prefix, err)
		}
		return nil, nil, err
	}
	return resp, b, nil
}

// build turns the order into the worker's problem over view, planned at
// the order's created_at when it is within the maximum clock skew of now,
// else at now.
func (s *Service) build(prefix string, order *pb.Order, snap *snapshot, w *worker, view *stockView, now time.Time) error {
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
	if err := w.build(view); err != nil {
		if e := buildError(prefix+"order", err); e != err {
			return e
		}
		return status.Errorf(codes.Internal, "%sorder: build problem: %v", prefix, err)
	}
	return nil
}

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

// solve plans the worker's problem and converts the plan.
func (s *Service) solve(prefix string, req *pb.RouteRequest, snap *snapshot, w *worker) (*pb.RouteResponse, []stock.Item, error) {
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
	s.m.candidates.Observe(float64(len(w.p.Options)))
	resp := &pb.RouteResponse{OrderId: req.Order.Id, Plan: planToProto(&w.p, plan, took, snap.net.Currency, excludedLimit(req)),
		PlannedAt: timestampOf(w.order.CreatedAt), CreatedAtSource: w.source}
	describeTrips(resp.Plan.Shipments, &w.p, plan, snap.net, w.order.Live)
	return resp, planItems(&w.p, plan), nil
}

// reserveLocked reserves items for the order, records the reservation in
// resp and queues it for the store; the answer may be given once the
// returned batch is durable. It returns an error wrapping
// stock.ErrInsufficient, changing nothing, when the stock no longer holds
// the items. A plan with nothing to reserve gets no reservation.
func (s *Service) reserveLocked(req *pb.RouteRequest, fp string, items []stock.Item, resp *pb.RouteResponse, plan []byte, now time.Time) (*batch, error) {
	if len(items) == 0 {
		s.m.reservations.WithLabelValues(outcomeInsufficient).Inc()
		return nil, nil
	}
	if err := s.inv.table.ReserveAll(items); err != nil {
		if isInsufficient(err) {
			return nil, err
		}
		return nil, status.Errorf(codes.Internal, "reserve: %v", err)
	}
	ttl := s.cfg.ReservationTTL
	if req.ReservationTtlSeconds > 0 {
		ttl = time.Duration(req.ReservationTtlSeconds) * time.Second
	}
	r := &reservation{
		ID: newReservationID(), OrderID: req.Order.Id, State: pb.ReservationState_RESERVATION_STATE_ACTIVE,
		CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(ttl), Day: s.inv.day, Fingerprint: fp,
		Items: make([]reservedItem, len(items)), Plan: plan,
	}
	r.Quotes = quotesOf(resp.Plan)
	for i, it := range items {
		r.Items[i] = reservedItem{NodeID: s.inv.net.Nodes[it.Node].ID, SKU: it.SKU, Quantity: it.Qty}
		for _, q := range r.Quotes {
			if q.NodeID == r.Items[i].NodeID {
				r.Items[i].QuoteID = q.QuoteID
			}
		}
		s.inv.useCapacity(it.Node, r.Day, it.Qty)
	}
	resp.Reservation = r.toProto()
	s.book.add(r)
	ch := &changes{}
	ch.putReservation(r)
	b := s.c.add(ch)
	s.m.reservations.WithLabelValues(outcomeReserved).Inc()
	s.m.activeReserved.Set(float64(s.book.active))
	s.log.Debug("reserved", "reservation", r.ID, "order", r.OrderID, "items", len(items), "expires_at", r.ExpiresAt)
	return b, nil
}

// replayLocked answers a reserving route whose order id already holds an
// ACTIVE or COMMITTED reservation; found is false when there is none.
func (s *Service) replayLocked(prefix, orderID, fp string) (resp *pb.RouteResponse, found bool, err error) {
	r := s.book.byOrder[orderID]
	if r == nil || (r.State != pb.ReservationState_RESERVATION_STATE_ACTIVE && r.State != pb.ReservationState_RESERVATION_STATE_COMMITTED) {
		return nil, false, nil
	}
	if r.Fingerprint != fp {
		// A committed reservation cannot be released: only a new id helps.
		advice := "release it or use a new order id"
		if r.State == pb.ReservationState_RESERVATION_STATE_COMMITTED {
			advice = "use a new order id"
		}
		return nil, true, &fieldError{
			code:  codes.FailedPrecondition,
			field: prefix + "order.id",
			msg: fmt.Sprintf("order %q already has %s reservation %s for different content; %s",
				orderID, r.State, r.ID, advice),
		}
	}
	plan, err := decodePlan(r.Plan)
	if err != nil {
		return nil, true, status.Errorf(codes.Internal, "reservation %s: %v", r.ID, err)
	}
	resp = &pb.RouteResponse{OrderId: r.OrderID, Plan: plan, Reservation: r.toProto(), PlannedAt: timestampOf(r.CreatedAt)}
	s.m.reservations.WithLabelValues(outcomeIdempotent).Inc()
	return resp, true, nil
}

// RouteBatch plans the orders one after another under one lock, each seeing
// the stock left by the ones before it: units reserved by an earlier order,
// and units planned by an earlier non-reserving order, are not offered to
// later ones. A bad or failed order gets its error in its result; the
// others go on.
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
	s.maintain()
	out := &pb.RouteBatchResponse{Results: make([]*pb.RouteBatchResult, len(req.Requests))}
	last := func() *batch {
		s.mu.Lock()
		defer s.mu.Unlock()
		view := &stockView{in: s.inv}
		now := s.clock.Now()
		for i, r := range req.Requests {
			start := time.Now()
			resp, _, err := s.routeBatchOne(ctx, fmt.Sprintf("requests[%d].", i), r, view, now)
			s.explainClock(r, resp)
			s.m.routeSeconds.WithLabelValues(status.Code(err).String()).Observe(time.Since(start).Seconds())
			if err != nil {
				st := status.Convert(err)
				out.Results[i] = &pb.RouteBatchResult{Error: st.Message(), Code: int32(st.Code())}
				continue
			}
			out.Results[i] = &pb.RouteBatchResult{Response: resp}
		}
		return s.c.barrier()
	}()
	return durable(out, last, nil)
}

func (s *Service) routeBatchOne(ctx context.Context, prefix string, req *pb.RouteRequest, view *stockView, now time.Time) (*pb.RouteResponse, *batch, error) {
	if err := ctxError(ctx); err != nil {
		return nil, nil, err
	}
	if err := validateRouteRequest(prefix, req); err != nil {
		return nil, nil, err
	}
	var fp string
	if req.Reserve {
		fp = fingerprint(req.Order)
	}
	return s.routeLocked(prefix, req, fp, view, true, now, nil)
}
