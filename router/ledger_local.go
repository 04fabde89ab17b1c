package router

import (
	"context"
	"fmt"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/stock"
)

// localLedger keeps the truth in this process: the view (Service.inv) is
// the stock, book holds the reservations, and every change is made under
// Service.mu's write lock, queued to the committer in memory order, and
// acknowledged once the committer says it is durable (at once in memory,
// after the group's fsync with a data directory). Expiry happens inline:
// every call first expires what is due, by the service's clock.
type localLedger struct {
	s    *Service
	st   store
	c    *committer
	book *book // guarded by s.mu
}

var _ ledger = (*localLedger)(nil)

// newLocalLedger opens the data directory (none: memory only) and loads
// the saved state into s.inv, or seeds it from s.cfg.Stock.
func newLocalLedger(s *Service) (*localLedger, error) {
	l := &localLedger{s: s, st: memStore{}, book: newBook()}
	if s.cfg.DataDir != "" {
		bs, err := openBoltStore(s.cfg.DataDir)
		if err != nil {
			return nil, err
		}
		l.st = bs
	}
	if err := l.restore(); err != nil {
		l.st.Close()
		return nil, err
	}
	l.c = newCommitter(l.st, s.cfg.DataDir != "", s.storeFailed)
	return l, nil
}

// restore loads the saved state, or seeds the store from cfg.Stock.
func (l *localLedger) restore() error {
	s := l.s
	net := s.cfg.Network
	rows, res, ok, err := l.st.Load()
	if err != nil {
		return err
	}
	now := s.clock.Now()
	if !ok {
		s.inv = newInventory(net, s.cfg.Stock)
		s.inv.rollDay(s.dayOf(now))
		ch := &changes{seed: true}
		for _, r := range s.inv.table.Snapshot() {
			ch.putStock(stockKey{node: r.NodeID, sku: r.SKU}, stockRow{OnHand: r.OnHand, Safety: r.Safety, Seq: r.Seq})
		}
		if err := l.st.Save(ch); err != nil {
			return err
		}
		s.log.Info("stock seeded", "rows", len(ch.stock), "durable", s.cfg.DataDir != "")
		return nil
	}
	if s.cfg.Stock != nil {
		s.log.Info("stock comes from the data directory; the seed stock (file or demo) is not used", "data_dir", s.cfg.DataDir)
	}
	reserved := make(map[stockKey]int32)
	for _, r := range res {
		if r.State == pb.ReservationState_RESERVATION_STATE_ACTIVE {
			for _, it := range r.Items {
				reserved[stockKey{node: it.NodeID, sku: it.SKU}] += it.Quantity
			}
		}
	}
	s.inv = newInventory(net, nil)
	s.inv.rollDay(s.dayOf(now))
	set := func(k stockKey, r stock.Row) error {
		i, ok := net.NodeIndex(k.node)
		if !ok {
			s.inv.orphans[k] = r
			return nil
		}
		return s.inv.table.Set(i, k.sku, r)
	}
	for k, row := range rows {
		r := stock.Row{NodeID: k.node, SKU: k.sku, OnHand: row.OnHand, Safety: row.Safety, Seq: row.Seq, Reserved: reserved[k]}
		delete(reserved, k)
		if err := set(k, r); err != nil {
			return fmt.Errorf("restore stock %s/%s: %w", k.node, k.sku, err)
		}
	}
	for k, q := range reserved { // reserved where no stock row was saved
		if err := set(k, stock.Row{NodeID: k.node, SKU: k.sku, Reserved: q}); err != nil {
			return fmt.Errorf("restore stock %s/%s: %w", k.node, k.sku, err)
		}
	}
	slices.SortFunc(res, func(a, b *reservation) int { return a.UpdatedAt.Compare(b.UpdatedAt) })
	for _, r := range res {
		l.book.add(r)
		if r.State != pb.ReservationState_RESERVATION_STATE_ACTIVE {
			l.book.closedNow(r)
		}
		if r.State == pb.ReservationState_RESERVATION_STATE_ACTIVE || r.State == pb.ReservationState_RESERVATION_STATE_COMMITTED {
			items, _ := s.inv.items(r.Items)
			for _, it := range items {
				s.inv.useCapacity(it.Node, r.Day, it.Qty)
			}
		}
	}
	s.m.activeReserved.Set(float64(l.book.active))
	s.log.Info("state restored", "data_dir", s.cfg.DataDir, "stock_rows", len(rows), "reservations", len(res), "active", l.book.active)
	return nil
}

func (l *localLedger) err() error { return l.c.err() }

func (l *localLedger) close() error {
	l.c.close()
	return l.st.Close()
}

func (l *localLedger) attempts() int { return optimisticAttempts + 1 }

// maintain expires the reservations due by now and starts a new capacity
// day when the date has changed.
func (l *localLedger) maintain(context.Context) {
	s := l.s
	now := s.clock.Now()
	day := s.dayOf(now)
	s.mu.RLock()
	need := l.book.due(now) || s.inv.day != day || l.book.prunable(now, s.cfg.ReservationRetention) > 0
	s.mu.RUnlock()
	if !need {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inv.rollDay(day)
	l.expireLocked(now)
	l.pruneLocked(now)
}

func (l *localLedger) reap(ctx context.Context) { l.maintain(ctx) }

func (l *localLedger) rebindLocked(net *network.Network) error { return l.s.inv.rebind(net) }

// pruneLocked forgets the closed reservations past retention. Their order
// ids may then reserve again.
func (l *localLedger) pruneLocked(now time.Time) {
	n := l.book.prunable(now, l.s.cfg.ReservationRetention)
	if n == 0 {
		return
	}
	ch := &changes{}
	for _, r := range l.book.closed[:n] {
		ch.deleted = append(ch.deleted, r.ID)
	}
	l.book.prune(n)
	l.c.add(ch)
	l.s.log.Debug("reservations pruned", "count", n)
}

// expireLocked returns the units of every reservation due by now to ATP.
// Nobody waits for it to be durable: a restart before it is would expire
// the same reservations again.
func (l *localLedger) expireLocked(now time.Time) {
	s := l.s
	due := l.book.popDue(now)
	if len(due) == 0 {
		return
	}
	ch := &changes{}
	for _, r := range due {
		l.releaseUnitsLocked(r)
		r.State = pb.ReservationState_RESERVATION_STATE_EXPIRED
		r.UpdatedAt = now
		ch.putReservation(r)
		l.book.closedNow(r)
	}
	l.book.active -= len(due)
	l.c.add(ch)
	s.m.activeReserved.Set(float64(l.book.active))
	s.m.reservations.WithLabelValues(outcomeExpired).Add(float64(len(due)))
	for _, r := range due {
		s.log.Info("reservation expired", "reservation", r.ID, "order", r.OrderID)
	}
}

// releaseUnitsLocked gives an ACTIVE reservation's units (and capacity)
// back.
func (l *localLedger) releaseUnitsLocked(r *reservation) {
	in := l.s.inv
	items, gone := in.items(r.Items)
	for _, g := range gone {
		in.settleOrphan(g, false)
	}
	caps := make(map[int]int32)
	for _, it := range items {
		if err := in.table.Release(it.Node, it.SKU, it.Qty); err != nil {
			l.s.log.Error("release units", "reservation", r.ID, "err", err)
			continue
		}
		caps[it.Node] += it.Qty
	}
	in.returnCapacity(caps, r.Day)
}

func (l *localLedger) replay(_ context.Context, prefix, orderID, fp string) (*pb.RouteResponse, bool, *batch, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	resp, found, err := l.replayLocked(prefix, orderID, fp)
	if found && err == nil {
		return resp, true, l.c.barrier(), nil
	}
	return resp, found, nil, err
}

// replayLocked answers a reserving route whose order id already holds an
// ACTIVE or COMMITTED reservation; found is false when there is none.
func (l *localLedger) replayLocked(prefix, orderID, fp string) (resp *pb.RouteResponse, found bool, err error) {
	r := l.book.byOrder[orderID]
	if r == nil || (r.State != pb.ReservationState_RESERVATION_STATE_ACTIVE && r.State != pb.ReservationState_RESERVATION_STATE_COMMITTED) {
		return nil, false, nil
	}
	resp, err = replayOf(prefix, r, fp)
	if err == nil {
		l.s.m.reservations.WithLabelValues(outcomeIdempotent).Inc()
	}
	return resp, true, err
}

// replayOf is the answer to a retry of r's order with content fp: the
// first answer again, or FailedPrecondition for other content.
func replayOf(prefix string, r *reservation, fp string) (*pb.RouteResponse, error) {
	if r.Fingerprint != fp {
		// A committed reservation cannot be released: only a new id helps.
		advice := "release it or use a new order id"
		if r.State == pb.ReservationState_RESERVATION_STATE_COMMITTED {
			advice = "use a new order id"
		}
		return nil, &fieldError{
			code:  codes.FailedPrecondition,
			field: prefix + "order.id",
			msg: fmt.Sprintf("order %q already has %s reservation %s for different content; %s",
				r.OrderID, r.State, r.ID, advice),
		}
	}
	plan, err := decodePlan(r.Plan)
	if err != nil {
		return nil, status.Errorf(codes.Internal, "reservation %s: %v", r.ID, err)
	}
	return &pb.RouteResponse{OrderId: r.OrderID, Plan: plan, Reservation: r.toProto(), PlannedAt: timestampOf(r.CreatedAt)}, nil
}

// reserve reserves under the write lock: the plan holds if the network is
// the one it was made on, no retry of the order reserved meanwhile, and
// the stock and today's capacity still cover it. On the final attempt a
// plan that no longer holds is made again under the lock, so it holds.
func (l *localLedger) reserve(_ context.Context, r *reserveRequest) (*pb.RouteResponse, *batch, bool, error) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, found, err := l.replayLocked(r.prefix, r.req.Order.Id, r.fp); found || err != nil {
		return prev, l.c.barrier(), false, err
	}
	replan := func() error {
		resp, items, err := r.replan(s.inv)
		if err != nil {
			return err
		}
		r.resp, r.items, r.plan = resp, items, s.plans.encode(resp.Plan)
		return nil
	}
	if s.inv.net != r.net || !l.capacityHoldsLocked(r.items) {
		if !r.final {
			return nil, nil, true, nil // plan again
		}
		if err := replan(); err != nil {
			return nil, nil, false, err
		}
	}
	b, err := l.reserveLocked(r)
	if isInsufficient(err) && r.final {
		if err := replan(); err != nil {
			return nil, nil, false, err
		}
		b, err = l.reserveLocked(r) // planned under this lock: it holds
	}
	switch {
	case isInsufficient(err) && !r.final:
		return nil, nil, true, nil
	case isInsufficient(err):
		return nil, nil, false, status.Errorf(codes.Aborted, "%sorder: stock changed while reserving, try again: %v", r.prefix, err)
	case err != nil:
		return nil, nil, false, err
	}
	return r.resp, b, false, nil
}

// capacityHoldsLocked reports whether today's remaining pick capacity
// still covers items at every node. A plan made under the read lock was
// made against the capacity of that moment; reservations in between may
// have used it, and the stock table does not refuse to go over it.
func (l *localLedger) capacityHoldsLocked(items []stock.Item) bool {
	for i, it := range items {
		rem := l.s.inv.table.Remaining(it.Node)
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

// reserveLocked reserves r's items, records the reservation in r.resp and
// queues it for the store; the answer may be given once the returned
// batch is durable. It returns an error wrapping stock.ErrInsufficient,
// changing nothing, when the stock no longer holds the items. A plan with
// nothing to reserve gets no reservation.
func (l *localLedger) reserveLocked(r *reserveRequest) (*batch, error) {
	s := l.s
	if len(r.items) == 0 {
		s.m.reservations.WithLabelValues(outcomeInsufficient).Inc()
		return nil, nil
	}
	if err := s.inv.table.ReserveAll(r.items); err != nil {
		if isInsufficient(err) {
			return nil, err
		}
		return nil, status.Errorf(codes.Internal, "reserve: %v", err)
	}
	res := &reservation{
		ID: newReservationID(), OrderID: r.req.Order.Id, State: pb.ReservationState_RESERVATION_STATE_ACTIVE,
		CreatedAt: r.now, UpdatedAt: r.now, ExpiresAt: r.now.Add(r.ttl(s.cfg.ReservationTTL)), Day: s.inv.day, Fingerprint: r.fp,
		Items: make([]reservedItem, len(r.items)), Plan: r.plan,
	}
	for i, it := range r.items {
		res.Items[i] = reservedItem{NodeID: s.inv.net.Nodes[it.Node].ID, SKU: it.SKU, Quantity: it.Qty}
		s.inv.useCapacity(it.Node, res.Day, it.Qty)
	}
	res.setQuotes(r.resp.Plan)
	r.resp.Reservation = res.toProto()
	l.book.add(res)
	ch := &changes{}
	ch.putReservation(res)
	b := l.c.add(ch)
	s.m.reservations.WithLabelValues(outcomeReserved).Inc()
	s.m.activeReserved.Set(float64(l.book.active))
	s.log.Debug("reserved", "reservation", res.ID, "order", res.OrderID, "items", len(r.items), "expires_at", res.ExpiresAt)
	return b, nil
}

// lookupLocked finds a reservation by id for an RPC.
func (l *localLedger) lookupLocked(id string) (*reservation, error) {
	r := l.book.byID[id]
	if r == nil {
		return nil, notFound("reservation_id", "no reservation %q", id)
	}
	return r, nil
}

func (l *localLedger) get(_ context.Context, id string) (*pb.Reservation, *batch, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	r, err := l.lookupLocked(id)
	if err != nil {
		return nil, nil, err
	}
	return r.toProto(), l.c.barrier(), nil
}

func (l *localLedger) commit(_ context.Context, id string) (*pb.Reservation, *batch, error) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := l.lookupLocked(id)
	if err != nil {
		return nil, nil, err
	}
	l.expireLocked(s.clock.Now())
	switch r.State {
	case pb.ReservationState_RESERVATION_STATE_COMMITTED:
		return r.toProto(), l.c.barrier(), nil
	case pb.ReservationState_RESERVATION_STATE_ACTIVE:
	default:
		return nil, nil, notActive(r.ID, r.State, "committed")
	}
	items, gone := s.inv.items(r.Items)
	if err := s.inv.table.CommitAll(items); err != nil {
		if isInsufficient(err) {
			return nil, nil, belowReserved(r.ID, err)
		}
		return nil, nil, &fieldError{code: codes.Internal, field: "reservation_id", msg: err.Error()}
	}
	ch := &changes{}
	for _, it := range items {
		ch.putStock(stockKey{node: s.inv.net.Nodes[it.Node].ID, sku: it.SKU}, s.inv.row(it.Node, it.SKU))
	}
	for _, g := range gone {
		if k, row, ok := s.inv.settleOrphan(g, true); ok {
			ch.putStock(k, row)
		}
	}
	if len(gone) > 0 {
		s.log.Warn("committed units at nodes no longer in the network", "reservation", r.ID, "items", len(gone))
	}
	r.State = pb.ReservationState_RESERVATION_STATE_COMMITTED
	r.UpdatedAt = s.clock.Now()
	ch.putReservation(r)
	l.book.closedNow(r)
	l.book.active--
	s.m.activeReserved.Set(float64(l.book.active))
	s.m.reservations.WithLabelValues(outcomeCommitted).Inc()
	s.log.Info("reservation committed", "reservation", r.ID, "order", r.OrderID)
	return r.toProto(), l.c.add(ch), nil
}

func (l *localLedger) release(_ context.Context, id string) (*pb.Reservation, *batch, error) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := l.lookupLocked(id)
	if err != nil {
		return nil, nil, err
	}
	l.expireLocked(s.clock.Now())
	switch r.State {
	case pb.ReservationState_RESERVATION_STATE_RELEASED, pb.ReservationState_RESERVATION_STATE_EXPIRED:
		return r.toProto(), l.c.barrier(), nil
	case pb.ReservationState_RESERVATION_STATE_ACTIVE:
	default:
		return nil, nil, notActive(r.ID, r.State, "released")
	}
	l.releaseUnitsLocked(r)
	r.State = pb.ReservationState_RESERVATION_STATE_RELEASED
	r.UpdatedAt = s.clock.Now()
	ch := &changes{}
	ch.putReservation(r)
	l.book.closedNow(r)
	l.book.active--
	s.m.activeReserved.Set(float64(l.book.active))
	s.m.reservations.WithLabelValues(outcomeReleased).Inc()
	s.log.Info("reservation released", "reservation", r.ID, "order", r.OrderID)
	return r.toProto(), l.c.add(ch), nil
}

// updateStock applies the batch under the write lock: first to a scratch
// table holding copies of the rows it touches, so that a bad update
// rejects the batch before the live table changes (undoing on the live
// table could not remove a row an earlier update of the batch created),
// then to the live table, then queues the changed rows for the store.
func (l *localLedger) updateStock(_ context.Context, u *stockBatch) (stockResult, *batch, error) {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	ups, err := u.resolve(s.inv.net)
	if err != nil {
		return stockResult{}, nil, err
	}
	var res stockResult
	if len(ups) > 1 {
		if _, _, _, err := u.applyScratch(s.inv.net, ups, s.inv.table.Get); err != nil {
			return stockResult{}, nil, err
		}
	}
	// The rows are saved first, so that an update the live table refuses
	// after all is undone with the ones before it.
	rows := make([]stock.Row, 0, len(ups))
	for _, up := range ups {
		r, _ := s.inv.table.Get(up.Node, up.SKU)
		r.Node, r.SKU = up.Node, up.SKU
		rows = append(rows, r)
	}
	ch := &changes{}
	applied := make([]bool, len(ups))
	deltas := make([]int32, len(ups))
	for i, up := range ups {
		before, _ := s.inv.table.Get(up.Node, up.SKU)
		ok, err := s.inv.table.Apply(up)
		if err != nil {
			for j := i - 1; j >= 0; j-- {
				_ = s.inv.table.Set(rows[j].Node, rows[j].SKU, rows[j])
			}
			return stockResult{}, nil, updateError(u.prefix, u.first+i, u.updates[i], err)
		}
		applied[i] = ok
		if !ok {
			res.ignored++
			continue
		}
		res.applied++
		after, _ := s.inv.table.Get(up.Node, up.SKU)
		deltas[i] = after.OnHand - before.OnHand
		res.moved += absUnits(after.ATP() - rows[i].ATP())
		ch.putStock(stockKey{node: u.updates[i].NodeId, sku: up.SKU}, s.inv.row(up.Node, up.SKU))
	}
	res.below = shortfalls(s.inv.net, ups, applied, s.inv.table.Get)
	res.received = u.receiptsOf(ups, applied, deltas)
	return res, l.c.add(ch), nil
}

func (l *localLedger) availability(_ context.Context, skus, nodeIDs []string) ([]*pb.NodeAvailability, error) {
	s := l.s
	s.mu.RLock()
	defer s.mu.RUnlock()
	nodes, explicit, err := resolveNodes(s.inv.net, nodeIDs)
	if err != nil {
		return nil, err
	}
	return availabilityOf(s.inv.net, nodes, explicit, skus, s.inv.table.Get), nil
}

// absUnits is |d| as int64.
func absUnits(d int32) int64 {
	if d < 0 {
		return -int64(d)
	}
	return int64(d)
}
