package router

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/bench"
	"github.com/omniroute/omniroute/internal/pgtest"
	"github.com/omniroute/omniroute/stock"
)

// scarceDemo is the demo stock with at most two units a row, so that the
// orders of a batch compete for it.
func scarceDemo(t *testing.T) func(*Config) {
	return func(c *Config) {
		full := demoStock(t, c.Network)
		lean := stock.New(c.Network)
		for _, r := range full.Snapshot() {
			r.OnHand = min(r.OnHand, 2)
			r.Safety = 0
			require.NoError(t, lean.Set(r.Node, r.SKU, r))
		}
		c.Stock = lean
	}
}

// batchOrders are n generated orders over the demo SKUs, every third one
// not reserving.
func batchOrders(t *testing.T, n int) []*pb.RouteRequest {
	orders, err := bench.GenerateOrders(bench.GenConfig{Seed: 11, Count: n,
		Start: time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC), MeanGap: time.Second})
	require.NoError(t, err)
	reqs := make([]*pb.RouteRequest, n)
	for i, o := range orders {
		o.Id = fmt.Sprintf("batch-%03d", i)
		reqs[i] = &pb.RouteRequest{Order: o, Reserve: i%3 != 2}
	}
	return reqs
}

// comparable strips what differs between two runs of the same plan: the
// time the solver took, the reservation's random id and its expiry (the
// database's clock, with PostgreSQL).
func comparable(r *pb.RouteResponse) *pb.RouteResponse {
	c := proto.Clone(r).(*pb.RouteResponse)
	if c.Plan != nil && c.Plan.Stats != nil {
		c.Plan.Stats.SolveTimeNs = 0
	}
	if c.Reservation != nil {
		c.Reservation.Id = ""
		c.Reservation.ExpiresAt = nil
	}
	return c
}

// TestRouteBatchMatchesSequentialRoutes: without other traffic a batch
// answers exactly what routing its orders one after another answers, each
// order seeing what the earlier ones took. The sequential reference
// reserves every order (a non-reserving order of a batch holds its units
// for the rest of the batch, as a reservation would) and drops the
// reservations of the orders the batch does not reserve.
func TestRouteBatchMatchesSequentialRoutes(t *testing.T) {
	t.Run("memory", func(t *testing.T) {
		batchMatchesSequential(t, 300, func() *env { return newEnv(t, scarceDemo(t)) })
	})
	t.Run("postgres", func(t *testing.T) {
		batchMatchesSequential(t, 120, func() *env { return pgReplica(t, pgtest.New(t), scarceDemo(t)) })
	})
}

// batchMatchesSequential compares a batch of n orders on one fresh
// service with the same orders routed one by one on another.
func batchMatchesSequential(t *testing.T, n int, start func() *env) {
	reqs := batchOrders(t, n)
	batchEnv := start()
	seqEnv := start()

	got, err := batchEnv.route.RouteBatch(ctx(t), &pb.RouteBatchRequest{Requests: reqs})
	require.NoError(t, err)
	require.Len(t, got.Results, len(reqs))
	unfilled := 0
	for i, req := range reqs {
		seqReq := proto.Clone(req).(*pb.RouteRequest)
		seqReq.Reserve = true
		want, err := seqEnv.route.Route(ctx(t), seqReq)
		require.NoError(t, err, "order %d", i)
		if !req.Reserve {
			want.Reservation = nil
		}
		res := got.Results[i]
		require.Empty(t, res.Error, "order %d", i)
		require.True(t, proto.Equal(comparable(want), comparable(res.Response)),
			"order %d differs:\nbatch      %v\nsequential %v", i, comparable(res.Response), comparable(want))
		if len(res.Response.Plan.Unfilled) > 0 {
			unfilled++
		}
	}
	// The stock was scarce enough for the order of the orders to matter.
	assert.Greater(t, unfilled, n/30, "too few orders went short to tell batch semantics apart")
}

// TestRouteBatchLetsOthersIn: a single Route sent while a batch is between
// planning one of its orders and reserving it is answered at once. Under
// a lock held for the whole batch it would wait for the batch to end,
// which here never comes, and its deadline would expire.
func TestRouteBatchLetsOthersIn(t *testing.T) {
	var e *env
	var inside atomic.Int32
	var single *pb.RouteResponse
	var singleErr error
	e = newEnv(t, func(c *Config) {
		c.afterPlan = func() {
			if inside.Add(1) == 2 { // the second order of the batch
				single, singleErr = e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("single"), Reserve: true})
			}
		}
	})
	reqs := []*pb.RouteRequest{
		{Order: oneLine("b-1", "MILK-1L", 1), Reserve: true},
		{Order: oneLine("b-2", "MILK-1L", 1), Reserve: true},
		{Order: oneLine("b-3", "MILK-1L", 1), Reserve: true},
	}
	got, err := e.route.RouteBatch(ctx(t), &pb.RouteBatchRequest{Requests: reqs})
	require.NoError(t, err)
	require.NoError(t, singleErr, "the single route waited for the batch")
	assert.NotNil(t, single.GetReservation())
	for i, r := range got.Results {
		assert.Empty(t, r.Error, "order %d", i)
		assert.NotNil(t, r.Response.GetReservation(), "order %d", i)
	}
}

// TestRouteBatchOrderSeesConcurrentReservation: an order of a batch is
// planned on the stock as it is when its turn comes, including what other
// clients reserved while the batch ran.
func TestRouteBatchOrderSeesConcurrentReservation(t *testing.T) {
	var e *env
	var n atomic.Int32
	e = newEnv(t, func(c *Config) {
		c.afterPlan = func() {
			if n.Add(1) == 1 {
				_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("other", "SCARCE", 2), Reserve: true})
				assert.NoError(t, err)
			}
		}
	})
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 3})
	o1 := oneLine("b-1", "SCARCE", 1)
	o1.CreatedAt = timestamppb.New(time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC))
	got, err := e.route.RouteBatch(ctx(t), &pb.RouteBatchRequest{Requests: []*pb.RouteRequest{
		{Order: o1, Reserve: true},
		{Order: oneLine("b-2", "SCARCE", 1), Reserve: true},
	}})
	require.NoError(t, err)
	// "other" took 2 of 3 while b-1 was between planning and reserving:
	// b-1 reserves the last unit, b-2 finds none.
	assert.NotNil(t, got.Results[0].Response.GetReservation())
	assert.Nil(t, got.Results[1].Response.GetReservation())
	assert.Len(t, got.Results[1].Response.GetPlan().GetUnfilled(), 1)
	assert.Equal(t, int32(0), e.atp("alm-s01", "SCARCE"))
}
