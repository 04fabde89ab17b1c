package simulate

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
)

const ordersHeader = "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,unit_weight_kg,promise_by,allow_split\n"

func readAll(t *testing.T, data string, skipBad bool) ([]network.Order, ReadStats, error) {
	t.Helper()
	r, err := NewOrderReader(strings.NewReader(data), "orders.csv", skipBad)
	if err != nil {
		return nil, ReadStats{}, err
	}
	var out []network.Order
	for {
		o, err := r.Next()
		if err == io.EOF {
			return out, r.Stats(), nil
		}
		if err != nil {
			return out, r.Stats(), err
		}
		c := *o
		c.Lines = append(c.Lines[:0:0], o.Lines...)
		out = append(out, c)
	}
}

func TestOrderReaderGroupsLines(t *testing.T) {
	data := ordersHeader +
		"a,2026-03-02T10:00:00Z,43.2,76.9,X,1,express,,0.5,,true\n" +
		"a,2026-03-02T10:00:00Z,43.2,76.9,Y,2,express,,1.5,,true\n" +
		"a,2026-03-02T10:00:00Z,43.2,76.9,X,3,express,,0.5,,true\n" +
		"\n" +
		"b,2026-03-02T10:05:00Z,43.2,76.9,X,1,pickup,s1,,,false\n" +
		"\"c\",2026-03-02T10:06:00Z,43.2,76.9,\"Z,1\",1,any,,,2026-03-03T10:06:00Z,\n"
	orders, st, err := readAll(t, data, false)
	require.NoError(t, err)
	require.Len(t, orders, 3)
	a := orders[0]
	assert.Equal(t, "a", a.ID)
	assert.Equal(t, network.WantDelivery, a.Want)
	assert.Equal(t, a.CreatedAt.Add(ExpressPromise), a.PromiseBy)
	require.Len(t, a.Lines, 2)
	assert.EqualValues(t, 4, a.Lines[0].Quantity, "a repeated SKU adds to its line")
	assert.Equal(t, 1.5, a.Lines[1].UnitWeightKg)
	assert.True(t, a.AllowSplit)
	b := orders[1]
	assert.Equal(t, network.WantPickup, b.Want)
	assert.Equal(t, "s1", b.PickupNodeID)
	assert.False(t, b.AllowSplit)
	c := orders[2]
	assert.Equal(t, "Z,1", c.Lines[0].SKU)
	assert.Equal(t, network.WantAny, c.Want)
	assert.Equal(t, time.Date(2026, 3, 3, 10, 6, 0, 0, time.UTC), c.PromiseBy.UTC())
	assert.True(t, c.AllowSplit, "allow_split defaults to true")
	assert.EqualValues(t, 5, st.Rows)
	assert.EqualValues(t, 3, st.Orders)
}

func TestOrderReaderErrors(t *testing.T) {
	row := func(fields string) string {
		return ordersHeader + "ok,2026-03-02T10:00:00Z,1,1,X,1,,,,,\n" + fields + "\n"
	}
	cases := []struct {
		name, data, want string
	}{
		{"qty", row("o,2026-03-02T10:00:00Z,1,1,X,x,,,,,"), `orders.csv:3: qty: "x" is not an integer`},
		{"zero qty", row("o,2026-03-02T10:00:00Z,1,1,X,0,,,,,"), `orders.csv:3: qty: 0 must be positive`},
		{"time", row("o,yesterday,1,1,X,1,,,,,"), `orders.csv:3: created_at: "yesterday" is not an RFC 3339 time`},
		{"lat", row("o,2026-03-02T10:00:00Z,91,1,X,1,,,,,"), `orders.csv:3: lat: 91 is out of range`},
		{"huge qty", row("o,2026-03-02T10:00:00Z,1,1,X,2000000000,,,,,"), `orders.csv:3: qty: 2000000000 is above 1073741824`},
		{"NaN lat", row("o,2026-03-02T10:00:00Z,NaN,1,X,1,,,,,"), `orders.csv:3: lat: NaN is out of range`},
		{"NaN lon", row("o,2026-03-02T10:00:00Z,1,NaN,X,1,,,,,"), `orders.csv:3: lon: NaN is out of range`},
		{"NaN weight", row("o,2026-03-02T10:00:00Z,1,1,X,1,,,NaN,,"), `orders.csv:3: unit_weight_kg: NaN must not be negative`},
		{"lon", row("o,2026-03-02T10:00:00Z,1,east,X,1,,,,,"), `orders.csv:3: lon: "east" is not a number`},
		{"method", row("o,2026-03-02T10:00:00Z,1,1,X,1,drone,,,,"), `orders.csv:3: requested_method: "drone" is not one of`},
		{"split", row("o,2026-03-02T10:00:00Z,1,1,X,1,,,,,maybe"), `orders.csv:3: allow_split: "maybe" is not a boolean`},
		{"sku", row("o,2026-03-02T10:00:00Z,1,1,,1,,,,,"), `orders.csv:3: sku: is empty`},
		{"short", row("o,2026-03-02T10:00:00Z"), `orders.csv:3: lat: is empty`},
		{"quote", row(`o,"2026,1,1,X,1`), `orders.csv:3: bad quoting`},
		{"header", "order_id,lat\n", `orders.csv:1: missing column "created_at"`},
		{"empty", "", `orders.csv:1: empty file`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := readAll(t, c.data, false)
			assert.ErrorContains(t, err, c.want)
			assert.ErrorIs(t, err, ErrBadRow)
			var pe *ParseError
			assert.True(t, errors.As(err, &pe))
		})
	}
}

func TestOrderReaderSkipBad(t *testing.T) {
	data := ordersHeader +
		"a,2026-03-02T10:00:00Z,1,1,X,1,,,,,\n" +
		"b,2026-03-02T10:01:00Z,1,1,X,1,,,,,\n" +
		"b,2026-03-02T10:01:00Z,1,1,Y,x,,,,,\n" + // bad: b is skipped whole
		"b,2026-03-02T10:01:00Z,1,1,Z,1,,,,,\n" +
		"c,2026-03-02T10:02:00Z,1,1,X,1,,,,,\n"
	orders, st, err := readAll(t, data, true)
	require.NoError(t, err)
	require.Len(t, orders, 2)
	assert.Equal(t, "a", orders[0].ID)
	assert.Equal(t, "c", orders[1].ID)
	assert.EqualValues(t, 1, st.BadRows)
	assert.EqualValues(t, 1, st.SkippedOrders)
	assert.Contains(t, st.FirstBad, "orders.csv:4: qty")
	assert.Contains(t, st.String(), "1 malformed rows skipped")
}

func TestOrderReaderOutOfOrder(t *testing.T) {
	data := ordersHeader +
		"a,2026-03-02T10:00:00Z,1,1,X,1,,,,,\n" +
		"b,2026-03-02T09:00:00Z,1,1,X,1,,,,,\n" +
		"c,2026-03-02T09:30:00Z,1,1,X,1,,,,,\n" +
		"d,2026-03-02T11:00:00Z,1,1,X,1,,,,,\n"
	orders, st, err := readAll(t, data, false)
	require.NoError(t, err)
	assert.Len(t, orders, 4)
	assert.EqualValues(t, 2, st.OutOfOrder, "b and c are both before a")
	assert.Equal(t, 3, st.FirstOutOfOrderLine)
	assert.Contains(t, st.String(), "2 orders out of time order (first at line 3)")
}

func TestReplenishmentReaderErrors(t *testing.T) {
	net, _ := loadTiny(t, tinyNetwork, tinyStock)
	data := "at,node,sku,qty\n2026-03-02T10:00:00Z,wh,A,2\n2026-03-02T11:00:00Z,nowhere,A,2\n"
	r, err := NewReplenishmentReader(strings.NewReader(data), "replenishments.csv", net, false)
	require.NoError(t, err)
	rep, err := r.Next()
	require.NoError(t, err)
	assert.Equal(t, Replenishment{At: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC), Node: 0, SKU: "A", Qty: 2}, rep)
	_, err = r.Next()
	assert.ErrorContains(t, err, `replenishments.csv:3: node: unknown node "nowhere"`)

	r, err = NewReplenishmentReader(strings.NewReader(data), "replenishments.csv", net, true)
	require.NoError(t, err)
	_, err = r.Next()
	require.NoError(t, err)
	_, err = r.Next()
	assert.Equal(t, io.EOF, err)
	assert.EqualValues(t, 1, r.Bad)
}

func TestLatencyHistogram(t *testing.T) {
	var h latencyHist
	for i := 1; i <= 100; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	assert.InDelta(t, 50, h.quantileUS(0.5), 50*0.07)
	assert.InDelta(t, 99, h.quantileUS(0.99), 99*0.07)
	for ns := uint64(0); ns < 1<<20; ns = ns*2 + 1 {
		i := histBucket(ns)
		assert.True(t, histLow(i) <= ns && ns < histLow(i+1), "ns %d in bucket %d [%d, %d)", ns, i, histLow(i), histLow(i+1))
	}
}

// TestCSVFieldsMatchTheLibrary checks the reader's fast paths (plain
// digits, fields with nothing to trim) against strconv and bytes.
func TestCSVFieldsMatchTheLibrary(t *testing.T) {
	f := &csvFile{name: "x.csv"}
	for _, v := range []string{"0", "7", "007", "123456789012345678", "1234567890123456789", "99999999999999999999", "+5", "-3", "1_0", "x", "1x", "٣"} {
		got, gotErr := f.parseInt([]byte(v), "n")
		want, wantErr := strconv.ParseInt(v, 10, 64)
		if (gotErr == nil) != (wantErr == nil) || (wantErr == nil && got != want) {
			t.Errorf("parseInt(%q) = %d, %v; strconv says %d, %v", v, got, gotErr, want, wantErr)
		}
	}
	for _, v := range []string{"", "a", " a", "a ", "\ta\t", "a b", "\u00a0a\u00a0", "é", "a\u2003"} {
		if got, want := field([][]byte{[]byte(v)}, 0), bytes.TrimSpace([]byte(v)); !bytes.Equal(got, want) {
			t.Errorf("field(%q) = %q, want %q", v, got, want)
		}
	}
}

// TestReplenishmentReaderNodes checks node ids read in runs, alternating,
// and after an unknown one.
func TestReplenishmentReaderNodes(t *testing.T) {
	net, _ := loadTiny(t, tinyNetwork, tinyStock)
	data := "at,node,sku,qty\n" +
		"2026-03-02T10:00:00Z,wh,A,1\n2026-03-02T10:00:00Z,wh,B,1\n2026-03-02T10:00:00Z,s1,A,1\n" +
		"2026-03-02T10:00:00Z,wh,A,1\n2026-03-02T10:00:00Z,nowhere,A,1\n2026-03-02T10:00:00Z,wh,A,1\n" +
		"2026-03-02T10:00:00Z,s1,A,1\n2026-03-02T10:00:00Z,s1,B,1\n"
	r, err := NewReplenishmentReader(strings.NewReader(data), "replenishments.csv", net, true)
	require.NoError(t, err)
	var got []int
	for {
		rep, err := r.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		got = append(got, rep.Node)
	}
	assert.Equal(t, []int{0, 0, 1, 0, 0, 1, 1}, got)
	assert.EqualValues(t, 1, r.Bad)
}

func TestReplenishmentReaderQuantityRange(t *testing.T) {
	net, _ := loadTiny(t, tinyNetwork, tinyStock)
	for _, c := range []struct{ qty, want string }{
		{"0", `replenishments.csv:2: qty: 0: an arrival is positive, a fall negative`},
		{"2000000000", `replenishments.csv:2: qty: 2000000000 is out of range -1073741824..1073741824`},
		{"-2000000000", `replenishments.csv:2: qty: -2000000000 is out of range -1073741824..1073741824`},
	} {
		data := "at,node,sku,qty\n2026-03-02T10:00:00Z,wh,A," + c.qty + "\n"
		r, err := NewReplenishmentReader(strings.NewReader(data), "replenishments.csv", net, false)
		require.NoError(t, err)
		_, err = r.Next()
		assert.ErrorContains(t, err, c.want)
		assert.ErrorIs(t, err, ErrBadRow)
	}
}
