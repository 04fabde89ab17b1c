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
// its expiry is expired first), once what it says is durable.
func (s *Service) GetReservation(ctx context.Context, id string) (*pb.Reservation, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	s.maintain()
	out, b, err := func() (*pb.Reservation, *batch, error) {
		s.mu.RLock()
		defer s.mu.RUnlock()
		r, err := s.lookupLocked(id)
		if err != nil {
			return nil, nil, err
		}
		return r.toProto(), s.c.barrier(), nil
	}()
	return durable(out, b, err)
}

// CommitReservation turns an ACTIVE reservation into a sale: on hand and
// reserved both drop by its units. Committing a COMMITTED reservation
// again returns it unchanged; a RELEASED or EXPIRED one cannot be
// committed (FailedPrecondition).
func (s *Service) CommitReservation(ctx context.Context, id string) (*pb.Reservation, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	s.maintain()
	out, b, err := func() (*pb.Reservation, *batch, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		r, err := s.lookupLocked(id)
		if err != nil {
			return nil, nil, err
		}
		s.expireLocked(s.clock.Now())
		switch r.State {
		case pb.ReservationState_RESERVATION_STATE_COMMITTED:
			return r.toProto(), s.c.barrier(), nil
		case pb.ReservationState_RESERVATION_STATE_ACTIVE:
		default:
			return nil, nil, notActive(r, "committed")
		}
		items, gone := s.inv.items(r.Items)
		if err := s.inv.table.CommitAll(items); err != nil {
			if isInsufficient(err) {
				return nil, nil, &fieldError{code: codes.FailedPrecondition, field: "reservation_id",
					msg: "reservation " + r.ID + " cannot be committed: on hand fell below the reserved units: " + err.Error()}
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
		s.book.closedNow(r)
		s.book.active--
		s.m.activeReserved.Set(float64(s.book.active))
		s.m.reservations.WithLabelValues(outcomeCommitted).Inc()
		s.log.Info("reservation committed", "reservation", r.ID, "order", r.OrderID)
		return r.toProto(), s.c.add(ch), nil
	}()
	return durable(out, b, err)
}

// ReleaseReservation gives an ACTIVE reservation's units back to ATP.
// Releasing a RELEASED or EXPIRED reservation returns it unchanged (its
// units are already back); a COMMITTED one cannot be released
// (FailedPrecondition).
func (s *Service) ReleaseReservation(ctx context.Context, id string) (*pb.Reservation, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	s.maintain()
	out, b, err := func() (*pb.Reservation, *batch, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		r, err := s.lookupLocked(id)
		if err != nil {
			return nil, nil, err
		}
		s.expireLocked(s.clock.Now())
		switch r.State {
		case pb.ReservationState_RESERVATION_STATE_RELEASED, pb.ReservationState_RESERVATION_STATE_EXPIRED:
			return r.toProto(), s.c.barrier(), nil
		case pb.ReservationState_RESERVATION_STATE_ACTIVE:
		default:
			return nil, nil, notActive(r, "released")
		}
		s.releaseUnits(r)
		r.State = pb.ReservationState_RESERVATION_STATE_RELEASED
		r.UpdatedAt = s.clock.Now()
		ch := &changes{}
		ch.putReservation(r)
		s.book.closedNow(r)
		s.book.active--
		s.m.activeReserved.Set(float64(s.book.active))
		s.m.reservations.WithLabelValues(outcomeReleased).Inc()
		s.log.Info("reservation released", "reservation", r.ID, "order", r.OrderID)
		return r.toProto(), s.c.add(ch), nil
	}()
	return durable(out, b, err)
}
