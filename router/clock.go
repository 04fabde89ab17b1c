package router

import (
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

// Clock tells the time. Tests inject a fake one so that expiry needs no sleep.
type Clock interface {
	Now() time.Time
}

// systemClock is the wall clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// DefaultMaxClockSkew is how far an order's created_at may be from the
// server's clock and still be planned at.
const DefaultMaxClockSkew = 5 * time.Minute

// plannedAt is the time an order is planned for, and why: its created_at
// when that is within skew of now, else now. A negative skew never trusts
// the order's clock.
func plannedAt(created *timestamppb.Timestamp, now time.Time, skew time.Duration) (time.Time, pb.CreatedAtSource) {
	if created == nil {
		return now, pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_MISSING
	}
	t := created.AsTime()
	if d := t.Sub(now); skew >= 0 && d <= skew && d >= -skew {
		return t, pb.CreatedAtSource_CREATED_AT_SOURCE_ORDER
	}
	return now, pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_SKEWED
}

// promiseAhead refuses an order planned at the server's clock whose
// promise has already passed by then (FailedPrecondition naming
// promise_by). Planned at its own created_at, an order's promise was
// checked against it when the request was validated.
func promiseAhead(f string, o *pb.Order, at time.Time, src pb.CreatedAtSource) error {
	if o.PromiseBy == nil || src == pb.CreatedAtSource_CREATED_AT_SOURCE_ORDER || o.PromiseBy.AsTime().After(at) {
		return nil
	}
	why := "the order has no created_at"
	if src == pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_SKEWED {
		why = "its created_at " + o.CreatedAt.AsTime().UTC().Format(time.RFC3339) + " is further from the server's clock than the maximum clock skew"
	}
	return &fieldError{code: codes.FailedPrecondition, field: f + ".promise_by",
		msg: o.PromiseBy.AsTime().UTC().Format(time.RFC3339) + " has passed at the server's time " + at.UTC().Format(time.RFC3339) +
			", which the order is planned at: " + why}
}

// explainClock fills in when a routed order was planned for, for answers
// replayed from a reservation (whose planned_at is the time the
// reservation was made), and counts the orders whose created_at was too
// far off.
func (s *Service) explainClock(req *pb.RouteRequest, resp *pb.RouteResponse) {
	if resp == nil {
		return
	}
	if resp.CreatedAtSource == pb.CreatedAtSource_CREATED_AT_SOURCE_UNSPECIFIED && resp.PlannedAt != nil {
		at, src := plannedAt(req.GetOrder().GetCreatedAt(), resp.PlannedAt.AsTime(), s.cfg.MaxClockSkew)
		resp.PlannedAt, resp.CreatedAtSource = timestamppb.New(at), src
	}
	if resp.CreatedAtSource == pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_SKEWED {
		dir := "behind"
		if req.GetOrder().GetCreatedAt().AsTime().After(resp.PlannedAt.AsTime()) {
			dir = "ahead"
		}
		s.m.clockSkew.WithLabelValues(dir).Inc()
	}
}
