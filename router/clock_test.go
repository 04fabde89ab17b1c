package router

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

func TestPlannedAt(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	skew := 5 * time.Minute
	for _, tc := range []struct {
		name    string
		created *timestamppb.Timestamp
		skew    time.Duration
		at      time.Time
		source  pb.CreatedAtSource
	}{
		{"missing", nil, skew, now, pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_MISSING},
		{"same", timestamppb.New(now), skew, now, pb.CreatedAtSource_CREATED_AT_SOURCE_ORDER},
		{"behind within", timestamppb.New(now.Add(-skew)), skew, now.Add(-skew), pb.CreatedAtSource_CREATED_AT_SOURCE_ORDER},
		{"ahead within", timestamppb.New(now.Add(skew)), skew, now.Add(skew), pb.CreatedAtSource_CREATED_AT_SOURCE_ORDER},
		{"behind beyond", timestamppb.New(now.Add(-skew - time.Nanosecond)), skew, now, pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_SKEWED},
		{"ahead beyond", timestamppb.New(now.Add(skew + time.Nanosecond)), skew, now, pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_SKEWED},
		{"hours ago", timestamppb.New(now.Add(-3 * time.Hour)), skew, now, pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_SKEWED},
		{"never trusted", timestamppb.New(now), -1, now, pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_SKEWED},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, src := plannedAt(tc.created, now, tc.skew)
			assert.Equal(t, tc.at, at)
			assert.Equal(t, tc.source, src)
		})
	}
}

// nightOrder is the demo order stamped 21:00 UTC, 02:00 in Almaty, when
// the couriers do not work; the env's clock says 09:30 UTC.
func nightOrder(id string) *pb.Order {
	o := demoOrder(id)
	o.CreatedAt = timestamppb.New(time.Date(2026, 11, 25, 21, 0, 0, 0, time.UTC))
	o.PromiseBy = nil
	return o
}

func hasCourier(p *pb.Plan) bool {
	for _, s := range p.Shipments {
		if s.Method == pb.Method_METHOD_COURIER {
			return true
		}
	}
	return false
}

// TestCreatedAtTooFarIsNotTrusted: an order stamped hours away from the
// server's clock is planned at the server's time (couriers are working),
// the answer says so, and the metric counts it; an order within the skew
// is planned at its own time.
func TestCreatedAtTooFarIsNotTrusted(t *testing.T) {
	e := newEnv(t, nil)
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: nightOrder("skew-1")})
	require.NoError(t, err)
	assert.Equal(t, pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_SKEWED, resp.CreatedAtSource)
	assert.Equal(t, e.clock.Now(), resp.PlannedAt.AsTime())
	assert.True(t, hasCourier(resp.Plan), "planned at 14:30 in Almaty: a courier works: %v", resp.Plan.Shipments)
	assert.Equal(t, 1.0, counterValue(e.svc.m.clockSkew.WithLabelValues("ahead")))

	o := demoOrder("skew-2")
	o.CreatedAt = timestamppb.New(e.clock.Now().Add(-4 * time.Minute))
	resp, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
	require.NoError(t, err)
	assert.Equal(t, pb.CreatedAtSource_CREATED_AT_SOURCE_ORDER, resp.CreatedAtSource)
	assert.Equal(t, o.CreatedAt.AsTime(), resp.PlannedAt.AsTime())

	o.CreatedAt = nil
	resp, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
	require.NoError(t, err)
	assert.Equal(t, pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_MISSING, resp.CreatedAtSource)
	assert.Equal(t, e.clock.Now(), resp.PlannedAt.AsTime())

	o.CreatedAt = timestamppb.New(e.clock.Now().Add(-3 * time.Hour))
	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
	require.NoError(t, err)
	assert.Equal(t, 1.0, counterValue(e.svc.m.clockSkew.WithLabelValues("behind")))
}

// TestCreatedAtTrustedWithinAWideSkew: with a skew wide enough the night
// order is planned at 02:00 and every courier is closed: what the skew
// protects against.
func TestCreatedAtTrustedWithinAWideSkew(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxClockSkew = 24 * time.Hour })
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: nightOrder("skew-3")})
	require.NoError(t, err)
	assert.Equal(t, pb.CreatedAtSource_CREATED_AT_SOURCE_ORDER, resp.CreatedAtSource)
	assert.False(t, hasCourier(resp.Plan), "planned at 02:00 in Almaty: no courier")
	closed := 0
	for _, x := range resp.Plan.Excluded {
		if x.Reason == pb.ExclusionReason_EXCLUSION_REASON_CLOSED {
			closed++
		}
	}
	assert.Positive(t, closed)
}

// TestCreatedAtInBatchesAndReplays: each order of a batch gets its own
// answer; a retried reservation says the same as the first answer.
func TestCreatedAtInBatchesAndReplays(t *testing.T) {
	e := newEnv(t, nil)
	batch, err := e.route.RouteBatch(ctx(t), &pb.RouteBatchRequest{Requests: []*pb.RouteRequest{
		{Order: demoOrder("b-1")}, {Order: nightOrder("b-2")},
	}})
	require.NoError(t, err)
	assert.Equal(t, pb.CreatedAtSource_CREATED_AT_SOURCE_ORDER, batch.Results[0].Response.CreatedAtSource)
	assert.Equal(t, pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_SKEWED, batch.Results[1].Response.CreatedAtSource)

	req := &pb.RouteRequest{Order: demoOrder("r-1"), Reserve: true}
	first, err := e.route.Route(ctx(t), req)
	require.NoError(t, err)
	require.NotNil(t, first.Reservation)
	e.clock.Advance(time.Minute)
	again, err := e.route.Route(ctx(t), req)
	require.NoError(t, err)
	assert.Equal(t, first.Reservation.Id, again.Reservation.Id)
	assert.Equal(t, first.CreatedAtSource, again.CreatedAtSource)
	assert.Equal(t, first.PlannedAt.AsTime(), again.PlannedAt.AsTime())

	skewed := demoOrder("r-1")
	skewed.CreatedAt = timestamppb.New(e.clock.Now().Add(time.Hour))
	third, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: skewed, Reserve: true})
	require.NoError(t, err)
	assert.Equal(t, first.Reservation.Id, third.Reservation.Id, "created_at is not part of the order's identity")
	assert.Equal(t, pb.CreatedAtSource_CREATED_AT_SOURCE_SERVER_SKEWED, third.CreatedAtSource)
	assert.Equal(t, first.PlannedAt.AsTime(), third.PlannedAt.AsTime(), "the time the reservation was planned at")
}

// TestPromisePassedAtServerTime: an order planned at the server's clock
// whose promise is already over by then is refused with
// FailedPrecondition naming promise_by and saying why.
func TestPromisePassedAtServerTime(t *testing.T) {
	e := newEnv(t, nil)
	o := demoOrder("late-1")
	o.CreatedAt = timestamppb.New(e.clock.Now().Add(-48 * time.Hour))
	o.PromiseBy = timestamppb.New(e.clock.Now().Add(-24 * time.Hour))
	_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
	require.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "order.promise_by: 2026-11-24T09:30:00Z has passed at the server's time 2026-11-25T09:30:00Z")
	assert.Contains(t, status.Convert(err).Message(), "further from the server's clock than the maximum clock skew")

	o.CreatedAt = nil
	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
	require.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "the order has no created_at")

	o.PromiseBy = timestamppb.New(e.clock.Now().Add(time.Hour))
	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
	require.NoError(t, err, "a promise still ahead")
}
