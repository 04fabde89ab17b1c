package simulate

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzOrderReader: any input either reads or fails with a ParseError (or a
// line-too-long error); it never panics, and every order read is valid
// enough for the builder's own checks to be the next line of defence.
// FuzzOrderRoundTrip: every order the reader accepts, written by
// AppendOrder under OrderHeader, reads back as the same order (the order
// log's promise: what the server records, a replay replays).
func FuzzOrderRoundTrip(f *testing.F) {
	f.Add(tinyOrders)
	f.Add(ordersHeader + "a,2026-03-02T10:00:00.5+05:00,1,1,X,1,express,,0.5,,true\na,2026-03-02T10:00:00Z,1,1,X,2,,,,,\n")
	f.Add("order_id,created_at,lat,lon,sku,qty\n\"a\"\"b\",2026-03-02T10:00:00Z,1,1,\"X,\",1\n")
	f.Add("order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,pickup_redirect_cost,max_shipments,lost_sale_cost\na,2026-03-02T10:00:00Z,1,1,X,1,pickup,s1,2,3,1e-7\n")
	f.Fuzz(func(t *testing.T, data string) {
		r, err := NewOrderReader(strings.NewReader(data), "orders.csv", false)
		if err != nil {
			return
		}
		for range 1_000 {
			o, err := r.Next()
			if err != nil {
				return
			}
			b := AppendOrder([]byte(OrderHeader), o)
			back, _, err := readAll(t, string(b), false)
			require.NoError(t, err, "written as\n%s", b)
			require.Len(t, back, 1, "written as\n%s", b)
			sameOrder(t, o, &back[0])
		}
	})
}

func FuzzOrderReader(f *testing.F) {
	f.Add(tinyOrders, false)
	f.Add(ordersHeader+"a,2026-03-02T10:00:00Z,1,1,X,1,express,,0.5,,true\na,2026-03-02T10:00:00Z,1,1,X,2,,,,,\n", true)
	f.Add("order_id,created_at,lat,lon,sku,qty\n\"a\"\"b\",2026-03-02T10:00:00Z,1,1,\"X,\",1\n", false)
	f.Add("order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,pickup_redirect_cost\na,2026-03-02T10:00:00Z,1,1,X,1,pickup,s1,2\nb,2026-03-02T10:01:00Z,1,1,X,1,pickup,,1e400\n", true)
	f.Fuzz(func(t *testing.T, data string, skipBad bool) {
		r, err := NewOrderReader(strings.NewReader(data), "orders.csv", skipBad)
		if err != nil {
			return
		}
		for range 10_000 {
			o, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				if skipBad && errors.Is(err, ErrBadRow) {
					t.Fatalf("skip-bad returned a bad row: %v", err)
				}
				return
			}
			require.NotEqual(t, 0, len(o.Lines), "incomplete order %+v", o)
			require.NotEqual(t, "", o.ID, "incomplete order %+v", o)
			require.False(t, o.CreatedAt.IsZero(), "incomplete order %+v", o)
			for _, l := range o.Lines {
				require.Greater(t, l.Quantity, int32(0), "bad line %+v", l)
				require.NotEqual(t, "", l.SKU, "bad line %+v", l)
				require.GreaterOrEqual(t, l.UnitWeightKg, float64(0), "bad line %+v", l)
			}
		}
	})
}
