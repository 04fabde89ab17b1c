package router

import (
	"context"

	"google.golang.org/grpc/codes"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

func notActive(id string, state pb.ReservationState, verb string) error {
	return &fieldError{code: codes.FailedPrecondition, field: "reservation_id",
		msg: "reservation " + id + " is " + state.String() + " and cannot be " + verb}
}

// belowReserved is the refusal to commit a reservation whose units are
// no longer all on hand (a recount found less than was reserved).
func belowReserved(id string, err error) error {
	return &fieldError{code: codes.FailedPrecondition, field: "reservation_id",
		msg: "reservation " + id + " cannot be committed: on hand fell below the reserved units: " + err.Error()}
}

// GetReservation returns a reservation as it is now (an ACTIVE one past
// its expiry is expired first), once what it says is durable.
func (s *Service) GetReservation(ctx context.Context, id string) (*pb.Reservation, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := checkID("reservation_id", id); err != nil {
		return nil, err
	}
	s.led.maintain(ctx)
	return durable(s.led.get(ctx, id))
}

// CommitReservation turns an ACTIVE reservation into a sale: on hand and
// reserved both drop by its units. Committing a COMMITTED reservation
// again returns it unchanged; a RELEASED or EXPIRED one cannot be
// committed (FailedPrecondition).
func (s *Service) CommitReservation(ctx context.Context, id string) (*pb.Reservation, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := checkID("reservation_id", id); err != nil {
		return nil, err
	}
	s.led.maintain(ctx)
	return durable(s.led.commit(ctx, id))
}

// ReleaseReservation gives an ACTIVE reservation's units back to ATP.
// Releasing a RELEASED or EXPIRED reservation returns it unchanged (its
// units are already back); a COMMITTED one cannot be released
// (FailedPrecondition).
func (s *Service) ReleaseReservation(ctx context.Context, id string) (*pb.Reservation, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := checkID("reservation_id", id); err != nil {
		return nil, err
	}
	s.led.maintain(ctx)
	return durable(s.led.release(ctx, id))
}
