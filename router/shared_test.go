package router

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/internal/pgtest"
	"github.com/omniroute/omniroute/orderlog"
	"github.com/omniroute/omniroute/policy"
)

// windowIDs are the ids of the orders a replica's planner learns from.
func windowIDs(e *env) []string {
	p := e.svc.planner
	p.recentMu.Lock()
	defer p.recentMu.Unlock()
	var ids []string
	for i := range p.recent {
		ids = append(ids, p.recent[(p.next+i)%len(p.recent)].ID)
	}
	return ids
}

// TestReplicasPlanForTheOrdersOfAll: two replicas on one database, each
// recording into its order log and reading it back for its planner, each
// learn from the orders both routed since they started planning: their
// own at once, the other's at their next plan, each order once. The falls
// of stock either applies reach both planners alike, from the database,
// at their next plan.
func TestReplicasPlanForTheOrdersOfAll(t *testing.T) {
	url := pgtest.New(t)
	demand := &forecast.Demand{Days: 1, Orders: 1, Cells: []forecast.Cell{
		{Region: "Almaty", SKU: "CURD-400G", Method: forecast.Pickup, UnitsPerDay: 1, UnitsPerOrder: 1, LostSaleCost: 1000},
	}}
	type replica struct {
		e   *env
		log *orderlog.Log
	}
	start := func() replica {
		db, err := orderlog.OpenDB(context.Background(), url)
		require.NoError(t, err)
		olog, err := orderlog.New(db, orderlog.Options{FlushInterval: time.Hour})
		require.NoError(t, err)
		shared, err := orderlog.OpenDBReader(context.Background(), url)
		require.NoError(t, err)
		t.Cleanup(shared.Close)
		e := pgReplica(t, url, func(c *Config) {
			c.Policy = policy.Lookahead
			c.Planning = &PlanningConfig{Demand: demand, manual: true, Horizon: 24 * time.Hour, Shared: shared, SharedFalls: shared}
			c.OrderLog = olog
		})
		t.Cleanup(func() { olog.Close() })
		return replica{e, olog}
	}
	a, b := start(), start()
	route := func(r replica, id string) {
		t.Helper()
		_, err := r.e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine(id, "MILK-1L", 1)})
		require.NoError(t, err)
	}
	plan := func(r replica) {
		t.Helper()
		require.NoError(t, r.e.svc.planner.planNow(ctx(t)))
	}
	plan(b) // b reads on from here

	route(a, "a1")
	route(a, "a2")
	route(b, "b1")
	a.log.Flush()
	b.log.Flush()
	assert.Equal(t, []string{"b1"}, windowIDs(b.e), "its own at once")
	plan(b)
	assert.Equal(t, []string{"b1", "a1", "a2"}, windowIDs(b.e), "the other's at the next plan, its own once")

	plan(a) // a reads on from here: a1, a2 and b1 were written before
	assert.Equal(t, []string{"a1", "a2"}, windowIDs(a.e))
	route(b, "b2")
	route(a, "b2") // the same order id at the other replica: one order
	b.log.Flush()
	a.log.Flush()
	plan(a)
	plan(b)
	assert.Equal(t, []string{"a1", "a2", "b2"}, windowIDs(a.e))
	assert.Equal(t, []string{"b1", "a1", "a2", "b2"}, windowIDs(b.e))
	shared := func(r replica, result string) float64 {
		return testutil.ToFloat64(r.e.svc.planner.shared.WithLabelValues(result))
	}
	assert.Equal(t, 2.0, shared(b, "added"), "a1 and a2")
	assert.Equal(t, 2.0, shared(b, "known"), "b1 and b2, its own")
	assert.Equal(t, 1.0, shared(a, "known"), "b2, routed here as well")
	assert.Zero(t, shared(a, "error"))

	// Three curds sold at alm-s01's till, told to a; a delivery told to b.
	_, err := a.e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{delta("alm-s01", "CURD-400G", 1, -3)}})
	require.NoError(t, err)
	_, err = b.e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{delta("alm-s05", "CURD-400G", 1, 5)}})
	require.NoError(t, err)
	falls := func(r replica) int { return r.e.svc.planner.falls.Len() }
	assert.Zero(t, falls(a), "its own falls too come from the database")
	a.log.Flush()
	b.log.Flush()
	for _, r := range []replica{a, b} {
		out, err := r.e.svc.planner.planResult(ctx(t))
		require.NoError(t, err)
		assert.Equal(t, 1, falls(r))
		assert.EqualValues(t, 3, out.falls, "three a day expected within the day")
		assert.Equal(t, 1.0, testutil.ToFloat64(r.e.svc.planner.sharedFalls.WithLabelValues("added")))
	}
}
