package simulate

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// sameOrder fails unless got is want as an orders file can hold it: the
// times the same instants, the rest field for field.
func sameOrder(t *testing.T, want, got *network.Order) {
	t.Helper()
	assert.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at %v, want %v", got.CreatedAt, want.CreatedAt)
	assert.True(t, want.PromiseBy.Equal(got.PromiseBy), "promise_by %v, want %v", got.PromiseBy, want.PromiseBy)
	w, g := *want, *got
	w.CreatedAt, g.CreatedAt, w.PromiseBy, g.PromiseBy = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if len(w.Lines) == 0 {
		w.Lines = nil
	}
	if len(g.Lines) == 0 {
		g.Lines = nil
	}
	assert.Equal(t, w, g)
}

func TestAppendOrderReadsBack(t *testing.T) {
	at := time.Date(2026, 3, 2, 10, 0, 0, 123456789, time.FixedZone("ALMT", 5*3600))
	orders := []network.Order{
		{ID: "web-1", CreatedAt: at, Lat: 43.25101, Lon: 76.90127, Want: network.WantDelivery, AllowSplit: true,
			PromiseBy: at.Add(3 * time.Hour), MaxShipments: 2,
			Lines: []solver.Line{{SKU: "SKU-1", Quantity: 2, UnitWeightKg: 0.412, LostSaleCost: 12.5}, {SKU: "SKU-2", Quantity: 1}}},
		{ID: `o,"quoted"`, CreatedAt: at.Add(time.Minute), Lat: -33.5, Lon: -70.25, Want: network.WantPickup,
			PickupNodeID: "alm-s01", PickupRedirectCost: 2.5,
			Lines: []solver.Line{{SKU: "a,b", Quantity: 7, UnitWeightKg: 1e-9}}},
		{ID: "any", CreatedAt: at.Add(2 * time.Minute), AllowSplit: true, Lines: []solver.Line{{SKU: "X", Quantity: 1 << 30}}},
	}
	var b []byte
	b = append(b, OrderHeader...)
	for i := range orders {
		b = AppendOrder(b, &orders[i])
	}
	got, st, err := readAll(t, string(b), false)
	require.NoError(t, err)
	require.Len(t, got, len(orders))
	for i := range orders {
		sameOrder(t, &orders[i], &got[i])
	}
	assert.EqualValues(t, 4, st.Rows)
	assert.Zero(t, st.OutOfOrder)
}

// TestOrderHeaderNamesEveryColumn: a row has as many fields as the header,
// and the header as many as the reader knows, so that a column added to
// the reader is written too.
func TestOrderHeaderNamesEveryColumn(t *testing.T) {
	cols := strings.Split(strings.TrimSuffix(OrderHeader, "\n"), ",")
	assert.Equal(t, append(append([]string(nil), orderColumnsRequired...), orderColumnsOptional...), cols)
	o := network.Order{ID: "a", CreatedAt: time.Unix(0, 0), Lines: []solver.Line{{SKU: "X", Quantity: 1}}}
	row := AppendOrder(nil, &o)
	assert.Equal(t, len(cols), bytes.Count(row, []byte(","))+1, "row %q", row)
}

// BenchmarkAppendOrder writes the demo-like order of three lines: the
// order log's writer does this for every order a server routes.
func BenchmarkAppendOrder(b *testing.B) {
	at := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	o := network.Order{ID: "web-88412", CreatedAt: at, PromiseBy: at.Add(24 * time.Hour), Lat: 43.2389, Lon: 76.8897,
		Want: network.WantDelivery, AllowSplit: true, Lines: []solver.Line{
			{SKU: "MILK-1L", Quantity: 2, UnitWeightKg: 1.03}, {SKU: "BREAD-WHITE", Quantity: 1, UnitWeightKg: 0.5},
			{SKU: "PHONE-X12", Quantity: 1, UnitWeightKg: 0.4}}}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendOrder(buf[:0], &o)
	}
	b.SetBytes(int64(len(buf)))
}
