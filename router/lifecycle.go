package router

import (
	"context"

	"google.golang.org/grpc/codes"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

// lookupLocked finds a reservation by id for an RPC.
func (s *Service) lookupLocked(id string) (*reservation, error) {
	if err := checkID("reservation_id", id); err != nil {
		return nil, err
	}
	r := s.book.byID[id]
	if r == nil {
		return nil, notFound("reservation_id", "no reservation %q", id)
	}
	return r, nil
}

func notActive(r *reservation, verb string) error {
	return &fieldError{code: codes.FailedPrecondition, field: "reservation_id",
		msg: "reservation " + r.ID + " is " + r.State.String() + " and cannot be " + verb}
}

// GetReservation returns a reservation as it is now (an ACTIVE one past
// its expiry is expired first).
func (s *Service) GetReservation(ctx context.Context, id string) (*pb.Reservation, error) {
	s.maintain()
	s.mu.RLock()
	defer s.mu.RUnlock()
	r, err := s.lookupLocked(id)
	if err != nil {
		return nil, err
	}
	return r.toProto(), nil
}

// CommitReservation turns an ACTIVE reservation into a sale: on hand and
// reserved both drop by its units. Committing a COMMITTED reservation
// again returns it unchanged; a RELEASED or EXPIRED one cannot be
// committed (FailedPrecondition).
func (s *Service) CommitReservation(ctx context.Context, id string) (*pb.Reservation, error) {
	s.maintain()
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.lookupLocked(id)
	if err != nil {
		return nil, err
	}
	if err := s.expireLocked(s.clock.Now()); err != nil {
		return nil, s.persistError("expire", err)
	}
	switch r.State {
	case pb.ReservationState_COMMITTED:
		return r.toProto(), nil
	case pb.ReservationState_ACTIVE:
	default:
		return nil, notActive(r, "committed")
	}
	items, gone := s.inv.items(r.Items)
	if gone > 0 {
		s.log.Warn("committing a reservation with units at nodes no longer in the network", "reservation", r.ID, "items", gone)
	}
	undo := s.inv.save(items)
	if err := s.inv.table.CommitAll(items); err != nil {
		if isInsufficient(err) {
			return nil, &fieldError{code: codes.FailedPrecondition, field: "reservation_id",
				msg: "reservation " + r.ID + " cannot be committed: on hand fell below the reserved units: " + err.Error()}
		}
		return nil, &fieldError{code: codes.Internal, field: "reservation_id", msg: err.Error()}
	}
	ch := &changes{}
	for _, it := range items {
		ch.putStock(stockKey{node: s.inv.net.Nodes[it.Node].ID, sku: it.SKU}, s.inv.row(it.Node, it.SKU))
	}
	r.State = pb.ReservationState_COMMITTED
	prev := r.UpdatedAt
	r.UpdatedAt = s.clock.Now()
	ch.reservations = []*reservation{r}
	if err := s.st.Save(ch); err != nil {
		undo.restore()
		r.State, r.UpdatedAt = pb.ReservationState_ACTIVE, prev
		return nil, s.persistError("commit", err)
	}
	s.book.closedNow(r)
	s.book.active--
	s.m.activeReserved.Set(float64(s.book.active))
	s.m.reservations.WithLabelValues(outcomeCommitted).Inc()
	s.log.Info("reservation committed", "reservation", r.ID, "order", r.OrderID)
	return r.toProto(), nil
}

// ReleaseReservation gives an ACTIVE reservation's units back to ATP.
// Releasing a RELEASED or EXPIRED reservation returns it unchanged (its
// units are already back); a COMMITTED one cannot be released
// (FailedPrecondition).
func (s *Service) ReleaseReservation(ctx context.Context, id string) (*pb.Reservation, error) {
	s.maintain()
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.lookupLocked(id)
	if err != nil {
		return nil, err
	}
	if err := s.expireLocked(s.clock.Now()); err != nil {
		return nil, s.persistError("expire", err)
	}
	switch r.State {
	case pb.ReservationState_RELEASED, pb.ReservationState_EXPIRED:
		return r.toProto(), nil
	case pb.ReservationState_ACTIVE:
	default:
		return nil, notActive(r, "released")
	}
	items, _ := s.inv.items(r.Items)
	undo := s.inv.save(items)
	s.releaseUnits(r)
	r.State = pb.ReservationState_RELEASED
	prev := r.UpdatedAt
	r.UpdatedAt = s.clock.Now()
	if err := s.st.Save(&changes{reservations: []*reservation{r}}); err != nil {
		undo.restore()
		r.State, r.UpdatedAt = pb.ReservationState_ACTIVE, prev
		return nil, s.persistError("release", err)
	}
	s.book.closedNow(r)
	s.book.active--
	s.m.activeReserved.Set(float64(s.book.active))
	s.m.reservations.WithLabelValues(outcomeReleased).Inc()
	s.log.Info("reservation released", "reservation", r.ID, "order", r.OrderID)
	return r.toProto(), nil
}
