package router

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/orderlog"
	"github.com/omniroute/omniroute/simulate"
)

// TestOrderLogRecordsTheOrdersRouted: every order routed reaches the
// order log once, whether it reserves, whether its stock is there, alone
// or in a batch; a quote followed by its reservation is one order, and
// neither a retry answered from its reservation, nor Options, nor an
// invalid order is recorded. What the log holds replays as routed.
func TestOrderLogRecordsTheOrdersRouted(t *testing.T) {
	dir := t.TempDir()
	day := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	olog, err := orderlog.Open(dir, orderlog.Options{Now: func() time.Time { return day }})
	require.NoError(t, err)
	e := newEnv(t, func(c *Config) { c.OrderLog = olog })

	q := demoOrder("q1")
	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: q})
	require.NoError(t, err)
	for range 2 { // reserved, then the same call retried
		resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: q, Reserve: true})
		require.NoError(t, err)
		require.NotNil(t, resp.Reservation)
	}
	_, err = e.route.Options(ctx(t), &pb.OptionsRequest{Order: demoOrder("cart")})
	require.NoError(t, err)
	bad := demoOrder("bad")
	bad.Lines[0].Quantity = 0
	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: bad})
	require.Error(t, err)

	unsold := oneLine("b2", "NO-SUCH-SKU", 3)
	unsold.CreatedAt = q.CreatedAt
	got, err := e.route.RouteBatch(ctx(t), &pb.RouteBatchRequest{Requests: []*pb.RouteRequest{
		{Order: demoOrder("b1"), Reserve: true}, {Order: unsold},
	}})
	require.NoError(t, err)
	require.Len(t, got.Results, 2)
	assert.NotEmpty(t, got.Results[1].GetResponse().GetPlan().GetUnfilled(), "no node sells it: demand all the same")
	_, err = e.route.RouteBatch(ctx(t), &pb.RouteBatchRequest{Optimize: true, Requests: []*pb.RouteRequest{{Order: demoOrder("b3")}}})
	require.NoError(t, err)

	e.stop()
	require.NoError(t, olog.Close())
	assert.Equal(t, 1.0, testutil.ToFloat64(olog.Count(orderlog.ResultDuplicate)), "the reservation of the quote")
	assert.Equal(t, 4.0, testutil.ToFloat64(olog.Count(orderlog.ResultWritten)))

	path := filepath.Join(dir, orderlog.FileName(day))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	r, err := simulate.NewOrderReader(f, path, false)
	require.NoError(t, err)
	var logged []network.Order
	for {
		o, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		c := *o
		c.Lines = append(c.Lines[:0:0], o.Lines...)
		logged = append(logged, c)
	}
	require.Len(t, logged, 4)
	var idsLogged []string
	for _, o := range logged {
		idsLogged = append(idsLogged, o.ID)
	}
	assert.Equal(t, []string{"q1", "b1", "b2", "b3"}, idsLogged)
	first := logged[0]
	assert.True(t, first.CreatedAt.Equal(q.CreatedAt.AsTime()), "planned at its created_at")
	assert.True(t, first.PromiseBy.Equal(q.PromiseBy.AsTime()))
	assert.Equal(t, network.WantDelivery, first.Want)
	assert.InDelta(t, q.Customer.Lat, first.Lat, 1e-12)
	require.Len(t, first.Lines, 3)
	assert.Equal(t, "MILK-1L", first.Lines[0].SKU)
	assert.EqualValues(t, 2, first.Lines[0].Quantity)
	assert.Equal(t, 1.03, first.Lines[0].UnitWeightKg)
	assert.Equal(t, "NO-SUCH-SKU", logged[2].Lines[0].SKU)
}

// receipts is an OrderRecorder that keeps the receipts recorded.
type receipts struct {
	mu  sync.Mutex
	got []string
}

func (r *receipts) Record(*network.Order) {}

func (r *receipts) RecordReceipt(at time.Time, node, sku string, units int32, adjustment bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	line := fmt.Sprintf("%s %s %s %d", at.UTC().Format(time.RFC3339), node, sku, units)
	if adjustment {
		line += " adjustment"
	}
	r.got = append(r.got, line)
}

// TestStockUpdatesRecordTheirReceipts: on every ledger, an applied stock
// update that changes a row's on hand is recorded as a receipt of the
// units it brought in, or of those it took away (negative: a fall), net
// of the batch's own changes to the row, at the service's clock; an
// update ignored for its sequence number, a safety stock change and a
// batch whose changes to a row cancel out are not. A row's falls by
// adjustment are recorded apart, marked.
func TestStockUpdatesRecordTheirReceipts(t *testing.T) {
	ledgers(t, func(t *testing.T, start func(func(*Config)) *env) {
		rec := &receipts{}
		e := start(func(c *Config) { c.OrderLog, c.Clock = rec, newFakeClock() })
		_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
			onHand("alm-s01", "MILK-1L", 1, 60), // 53 before: 7 in
			delta("alm-s02", "MILK-1L", 1, -3),  // a fall
			delta("alm-wh1", "NEW-SKU", 1, 5),   // a row of its own
			delta("alm-wh1", "NEW-SKU", 2, -2),  // the batch keeps 3 of them
			delta("alm-wh1", "MILK-1L", 1, 4),   // in and out again
			delta("alm-wh1", "MILK-1L", 2, -4),
		}})
		require.NoError(t, err)
		_, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
			onHand("alm-s01", "MILK-1L", 1, 90), // its number is not above the last: ignored
			{NodeId: "alm-s02", Sku: "MILK-1L", Seq: 2, SafetyStock: proto.Int32(4), Change: &pb.StockUpdate_OnHand{OnHand: 50}},
		}})
		require.NoError(t, err)
		rec.mu.Lock()
		defer rec.mu.Unlock()
		assert.Equal(t, []string{
			"2026-11-25T09:30:00Z alm-s01 MILK-1L 7",
			"2026-11-25T09:30:00Z alm-s02 MILK-1L -3",
			"2026-11-25T09:30:00Z alm-wh1 NEW-SKU 3",
		}, rec.got)
		rec.got = nil
		rec.mu.Unlock()

		// A row's adjustments come apart from its sales; a rise is an
		// arrival whatever its reason.
		adjust := func(u *pb.StockUpdate) *pb.StockUpdate {
			u.Reason = pb.StockChangeReason_STOCK_CHANGE_REASON_ADJUSTMENT
			return u
		}
		sold := onHand("alm-s01", "MILK-1L", 2, 58)
		sold.Reason = pb.StockChangeReason_STOCK_CHANGE_REASON_SALE
		_, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
			delta("alm-s02", "MILK-1L", 3, -2),         // a sale at the till
			adjust(delta("alm-s02", "MILK-1L", 4, -5)), // a recount down
			adjust(delta("alm-s02", "MILK-1L", 5, 1)),  // and up again: 4 in all
			adjust(delta("alm-wh1", "NEW-SKU", 3, 4)),  // a recount up
			sold, // 60 before: 2 sold
		}})
		require.NoError(t, err)
		rec.mu.Lock()
		assert.Equal(t, []string{
			"2026-11-25T09:30:00Z alm-s01 MILK-1L -2",
			"2026-11-25T09:30:00Z alm-s02 MILK-1L -2",
			"2026-11-25T09:30:00Z alm-s02 MILK-1L -4 adjustment",
			"2026-11-25T09:30:00Z alm-wh1 NEW-SKU 4",
		}, rec.got)
	})
}
