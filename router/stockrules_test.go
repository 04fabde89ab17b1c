package router

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/stock"
)

// TestUpdateBelowReserved: a recount that leaves on hand below the
// reserved units is applied, and the answer and the metrics say so.
func TestUpdateBelowReserved(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5, "alm-s02": 5})
	_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("held", "SCARCE", 4), Reserve: true})
	require.NoError(t, err)
	held := ""
	for _, n := range []string{"alm-s01", "alm-s02"} {
		if e.atp(n, "SCARCE") == 1 {
			held = n
		}
	}
	require.NotEmpty(t, held, "4 units reserved at one node")
	other := map[string]string{"alm-s01": "alm-s02", "alm-s02": "alm-s01"}[held]

	resp, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		onHand(held, "SCARCE", 2, 6), // still covers the 4
		delta(held, "SCARCE", 3, -5), // 1 on hand, 4 reserved
		onHand(other, "SCARCE", 2, 0),
	}})
	require.NoError(t, err)
	assert.Equal(t, int64(3), resp.Applied)
	require.Len(t, resp.BelowReserved, 1, "one row, with its figures after the call")
	assert.Equal(t, &pb.StockShortfall{NodeId: held, Sku: "SCARCE", OnHand: 1, Reserved: 4}, stripShortfall(resp.BelowReserved[0]))
	assert.Equal(t, int64(1), resp.BelowReservedTotal)
	assert.Equal(t, 1.0, testutil.ToFloat64(e.svc.m.belowReserved))
	assert.Equal(t, int32(0), e.atp(held, "SCARCE"))

	// A call that leaves the row below again says so again; one that
	// mends it says nothing.
	resp, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{delta(held, "SCARCE", 4, 1)}})
	require.NoError(t, err)
	assert.Len(t, resp.BelowReserved, 1)
	resp, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{delta(held, "SCARCE", 5, 10)}})
	require.NoError(t, err)
	assert.Empty(t, resp.BelowReserved)
	assert.Equal(t, 2.0, testutil.ToFloat64(e.svc.m.belowReserved))
}

func stripShortfall(s *pb.StockShortfall) *pb.StockShortfall {
	return &pb.StockShortfall{NodeId: s.NodeId, Sku: s.Sku, OnHand: s.OnHand, Reserved: s.Reserved}
}

// TestStreamStockBelowReserved: a stream lists each row left below its
// reserved units once, with its latest figures, across chunks.
func TestStreamStockBelowReserved(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5})
	_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: oneLine("held", "SCARCE", 3), Reserve: true})
	require.NoError(t, err)
	stream, err := e.inv.StreamStock(ctx(t))
	require.NoError(t, err)
	seq := uint64(1)
	for i := range streamChunk + 10 {
		seq++
		u := onHand("alm-s02", "FILLER", seq, int32(i))
		switch i {
		case 3:
			u = onHand("alm-s01", "SCARCE", seq, 2) // below: 2 < 3
		case streamChunk + 5:
			u = onHand("alm-s01", "SCARCE", seq, 1) // still below, in a later chunk
		}
		require.NoError(t, stream.Send(u))
	}
	sum, err := stream.CloseAndRecv()
	require.NoError(t, err)
	assert.Equal(t, int64(streamChunk+10), sum.Applied)
	require.Len(t, sum.BelowReserved, 1)
	assert.Equal(t, int32(1), sum.BelowReserved[0].OnHand)
	assert.Equal(t, int32(3), sum.BelowReserved[0].Reserved)
	assert.Equal(t, int64(1), sum.BelowReservedTotal)
}

// TestSeqBound: a sequence number above 2^63-1 is refused naming the
// field and changes nothing; the bound itself is accepted.
func TestSeqBound(t *testing.T) {
	e := newEnv(t, nil)
	e.setStock("SCARCE", 1, map[string]int32{"alm-s01": 5})
	_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		onHand("alm-s01", "SCARCE", 2, 6),
		onHand("alm-s01", "SCARCE", ^uint64(0), 7),
	}})
	wantCode(t, err, codes.InvalidArgument, "updates[1].seq: 18446744073709551615 is out of range 1..9223372036854775807")
	assert.Equal(t, int32(5), e.atp("alm-s01", "SCARCE"), "the batch is all or none")
	resp, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{onHand("alm-s01", "SCARCE", stock.MaxSeq, 7)}})
	require.NoError(t, err)
	assert.Equal(t, int64(1), resp.Applied)
}

// TestOneLevelLimit: the stock file and UpdateStock refuse the same on
// hand with the same words.
func TestOneLevelLimit(t *testing.T) {
	e := newEnv(t, nil)
	_, err := e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{onHand("alm-s01", "BIG", 1, stock.MaxLevel+1)}})
	wantCode(t, err, codes.InvalidArgument, "updates[0].on_hand:")
	_, csvErr := stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nalm-s01,BIG,1000001,0\n"), "stock.csv", e.svc.Network())
	require.Error(t, csvErr)
	_, msg, _ := strings.Cut(status.Convert(err).Message(), "on_hand: ")
	assert.Equal(t, "1000001 is out of range 0..1000000", msg)
	assert.True(t, strings.HasSuffix(csvErr.Error(), "on_hand: "+msg), csvErr.Error())

	// A delta that carries on hand past the limit names the delta.
	_, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{
		onHand("alm-s01", "BIG", 1, stock.MaxLevel),
		delta("alm-s01", "BIG", 2, 1),
	}})
	wantCode(t, err, codes.InvalidArgument, "updates[1].delta: on_hand would be 1000001 is out of range 0..1000000")
	// The limit itself is fine, from the file and from an update.
	_, err = stock.ReadCSV(strings.NewReader("node,sku,on_hand,safety_stock\nalm-s01,BIG,1000000,1000000\n"), "stock.csv", e.svc.Network())
	require.NoError(t, err)
	_, err = e.inv.UpdateStock(ctx(t), &pb.UpdateStockRequest{Updates: []*pb.StockUpdate{onHand("alm-s01", "BIG", 1, stock.MaxLevel)}})
	require.NoError(t, err)
}
