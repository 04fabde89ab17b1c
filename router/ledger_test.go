package router

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

// The scenarios below run on every ledger: what a client sees does not
// depend on where the state is kept.

func TestLedgerReserveCommitRelease(t *testing.T) {
	ledgers(t, func(t *testing.T, start func(func(*Config)) *env) {
		e := start(nil)
		e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5})
		held, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("c-1", "SCARCE", 3), Reserve: true})
		require.NoError(t, err)
		require.NotNil(t, held.Reservation)
		assert.Equal(t, pb.ReservationState_RESERVATION_STATE_ACTIVE, held.Reservation.State)
		assert.Equal(t, int32(2), e.atp("alm-s01", "SCARCE"))

		got, err := e.route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: held.Reservation.Id})
		require.NoError(t, err)
		assert.True(t, proto.Equal(held.Reservation, got), "get: %v, reserved %v", got, held.Reservation)

		sold, err := e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: held.Reservation.Id})
		require.NoError(t, err)
		assert.Equal(t, pb.ReservationState_RESERVATION_STATE_COMMITTED, sold.State)
		again, err := e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: held.Reservation.Id})
		require.NoError(t, err, "committing twice answers the committed reservation")
		assert.Equal(t, pb.ReservationState_RESERVATION_STATE_COMMITTED, again.State)
		_, err = e.route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: held.Reservation.Id})
		wantCode(t, err, codes.FailedPrecondition, "RESERVATION_STATE_COMMITTED and cannot be released")
		av, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"SCARCE"}, NodeIds: []string{"alm-s01"}})
		require.NoError(t, err)
		assert.Equal(t, int32(2), av.Availability[0].OnHand)
		assert.Equal(t, int32(0), av.Availability[0].Reserved)

		gone, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("c-2", "SCARCE", 2), Reserve: true})
		require.NoError(t, err)
		assert.Equal(t, int32(0), e.atp("alm-s01", "SCARCE"))
		rel, err := e.route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: gone.Reservation.Id})
		require.NoError(t, err)
		assert.Equal(t, pb.ReservationState_RESERVATION_STATE_RELEASED, rel.State)
		_, err = e.route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: gone.Reservation.Id})
		require.NoError(t, err, "releasing twice answers the released reservation")
		_, err = e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: gone.Reservation.Id})
		wantCode(t, err, codes.FailedPrecondition, "RESERVATION_STATE_RELEASED and cannot be committed")
		assert.Equal(t, int32(2), e.atp("alm-s01", "SCARCE"))

		_, err = e.route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: "rsv_NOPE"})
		wantCode(t, err, codes.NotFound, "reservation_id")
	})
}

func TestLedgerIdempotentReserve(t *testing.T) {
	ledgers(t, func(t *testing.T, start func(func(*Config)) *env) {
		e := start(nil)
		e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5})
		req := &pb.RouteRequest{Order: oneLine("i-1", "SCARCE", 2), Reserve: true}
		first, err := e.route.Route(ctx(t), req)
		require.NoError(t, err)
		again, err := e.route.Route(ctx(t), req)
		require.NoError(t, err)
		assert.True(t, proto.Equal(comparable(first), comparable(again)), "a retry gets the first answer")
		assert.Equal(t, first.Reservation.Id, again.Reservation.Id)
		assert.Equal(t, int32(3), e.atp("alm-s01", "SCARCE"), "a retry reserves nothing")

		other := &pb.RouteRequest{Order: oneLine("i-1", "SCARCE", 1), Reserve: true}
		_, err = e.route.Route(ctx(t), other)
		wantCode(t, err, codes.FailedPrecondition, "order.id: order \"i-1\" already has RESERVATION_STATE_ACTIVE reservation")

		_, err = e.route.ReleaseReservation(ctx(t), &pb.ReleaseReservationRequest{ReservationId: first.Reservation.Id})
		require.NoError(t, err)
		next, err := e.route.Route(ctx(t), other)
		require.NoError(t, err, "a released order id reserves again")
		assert.NotEqual(t, first.Reservation.Id, next.Reservation.Id)

		// A retry of a reserved order gets its answer even when nothing is
		// left to plan.
		e.setStock("SCARCE", 2, map[string]int32{"alm-s01": 1})
		replay, err := e.route.Route(ctx(t), other)
		require.NoError(t, err)
		assert.Equal(t, next.Reservation.Id, replay.Reservation.GetId())
	})
}

func TestLedgerStockUpdates(t *testing.T) {
	ledgers(t, func(t *testing.T, start func(func(*Config)) *env) {
		e := start(nil)
		resp, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
			onHand("alm-s01", "NEW", 5, 10),
			delta("alm-s01", "NEW", 6, 2),
			delta("alm-s01", "NEW", 6, 100), // repeated seq: ignored
			onHand("alm-s02", "NEW", 1, 4),
		}})
		require.NoError(t, err)
		assert.Equal(t, int64(3), resp.Applied)
		assert.Equal(t, int64(1), resp.Ignored)
		assert.Equal(t, int32(12), e.atp("alm-s01", "NEW"))

		// All or none: the bad update rejects the batch and creates nothing.
		_, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
			onHand("alm-s03", "FRESH", 1, 3),
			delta("alm-s01", "NEW", 7, -50),
		}})
		wantCode(t, err, codes.InvalidArgument, "updates[1].delta: on_hand would be -38")
		av, err := e.inv.GetAvailability(ctx(t), &pb.GetAvailabilityRequest{Skus: []string{"FRESH"}})
		require.NoError(t, err)
		assert.Empty(t, av.Availability, "a rejected batch leaves no row behind")
		assert.Equal(t, int32(12), e.atp("alm-s01", "NEW"))

		_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("u-1", "NEW", 10), Reserve: true})
		require.NoError(t, err)
		resp, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{onHand("alm-s01", "NEW", 8, 7)}})
		require.NoError(t, err)
		require.Len(t, resp.BelowReserved, 1)
		assert.Equal(t, "alm-s01", resp.BelowReserved[0].NodeId)
		assert.Equal(t, int32(7), resp.BelowReserved[0].OnHand)
		assert.Equal(t, int32(10), resp.BelowReserved[0].Reserved)
		_, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{onHand("nowhere", "NEW", 9, 7)}})
		wantCode(t, err, codes.NotFound, "updates[0].node_id")
	})
}

func TestLedgerRouteBatch(t *testing.T) {
	ledgers(t, func(t *testing.T, start func(func(*Config)) *env) {
		e := start(nil)
		e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 3})
		resp, err := e.route.RouteBatch(ctx(t), &pb.RouteBatchRequest{Requests: []*pb.RouteRequest{
			{Order: oneLine("b-1", "SCARCE", 2)},
			{Order: oneLine("b-2", "SCARCE", 1), Reserve: true},
			{Order: oneLine("b-3", "SCARCE", 1)},
		}})
		require.NoError(t, err)
		assert.Equal(t, int32(2), planUnits(resp.Results[0].Response.Plan)["SCARCE"])
		assert.NotNil(t, resp.Results[1].Response.GetReservation())
		assert.Len(t, resp.Results[2].Response.GetPlan().GetUnfilled(), 1)
		assert.Equal(t, int32(2), e.atp("alm-s01", "SCARCE"))
	})
}

// TestLedgerCommitBelowReserved: a reservation whose units a recount took
// away cannot be committed, and says why.
func TestLedgerCommitBelowReserved(t *testing.T) {
	ledgers(t, func(t *testing.T, start func(func(*Config)) *env) {
		e := start(nil)
		e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5})
		held, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("r-1", "SCARCE", 4), Reserve: true})
		require.NoError(t, err)
		e.setStock("SCARCE", 2, map[string]int32{"alm-s01": 2})
		_, err = e.route.CommitReservation(ctx(t), &pb.CommitReservationRequest{ReservationId: held.Reservation.Id})
		wantCode(t, err, codes.FailedPrecondition, "on hand fell below the reserved units")
		got, err := e.route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: held.Reservation.Id})
		require.NoError(t, err)
		assert.Equal(t, pb.ReservationState_RESERVATION_STATE_ACTIVE, got.State, "a refused commit changes nothing")
	})
}
