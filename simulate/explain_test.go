package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReplayUnknownSKU: in a replay as in the server, a SKU no node has a
// stock row of is unfilled with UNKNOWN_SKU, and a known SKU that is sold
// out with NO_STOCK, whatever the policy.
func TestReplayUnknownSKU(t *testing.T) {
	net, table := loadTiny(t, tinyNetwork, "node,sku,on_hand,safety_stock\ns1,SOLD-OUT,0,0\n")
	orders := `order_id,created_at,lat,lon,sku,qty
o1,2026-03-02T10:00:00Z,0,0.1,SOLD-OUT,1
o2,2026-03-02T11:00:00Z,0,0.1,NEVER-STOCKED,1
`
	var dec bytes.Buffer
	res, err := Run(context.Background(), Config{
		Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)},
		Decisions: &dec, TempDir: t.TempDir(),
	})
	require.NoError(t, err)
	want := map[string]string{"o1": "NO_STOCK", "o2": "UNKNOWN_SKU"}
	rows := strings.Split(strings.TrimSpace(dec.String()), "\n")[1:]
	require.Len(t, rows, 2*len(res.Results))
	for _, row := range rows {
		f := strings.Split(row, ",")
		assert.Equal(t, "UNFILLED", f[5], row)
		assert.Equal(t, want[f[0]], f[12], row)
	}
}

// TestSkippedOrdersAreCountedOnceEverywhere: with SkipBad, an order with a
// malformed row and one the network rejects are both skipped; each says
// why (WriteSkipped), and the one invalid_orders count is in every result,
// in the table and in the JSON, with orders + invalid_orders = the orders
// of the file.
func TestSkippedOrdersAreCountedOnceEverywhere(t *testing.T) {
	orders := tinyOrders +
		"o6,2026-03-02T10:50:00Z,0,0.1,A,x,delivery,\n" + // malformed quantity
		"o7,2026-03-02T11:00:00Z,0,0.1,A,1,pickup,nowhere\n" // unknown pickup node
	cfg := tinyConfig(t, orders)
	cfg.SkipBad = true
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	for _, r := range res.Results {
		assert.EqualValues(t, 2, r.InvalidOrders, r.Policy)
		assert.EqualValues(t, 5, r.Orders, r.Policy)
		assert.EqualValues(t, res.Input.Orders+res.Input.SkippedOrders, r.Orders+r.InvalidOrders)
	}

	var table bytes.Buffer
	require.NoError(t, WriteTable(&table, res))
	assert.Regexp(t, `invalid orders(\s+2){`+strconv.Itoa(len(PolicyNames()))+`}\n`, table.String())

	js, err := json.Marshal(res)
	require.NoError(t, err)
	assert.Contains(t, string(js), `"invalid_orders":2`)
	assert.Contains(t, string(js), `"input":{"rows":8,"orders":6,"bad_rows":1,"skipped_orders":1,`)

	var why bytes.Buffer
	require.NoError(t, WriteSkipped(&why, res, "sim: "))
	assert.Equal(t, `sim: orders.csv:8: qty: "x" is not an integer: order skipped
sim: orders.csv:9: order o7: invalid order: pickup_node_id: unknown node "nowhere": order skipped
sim: invalid orders skipped (--skip-bad): 2 (1 with a malformed row, the rest rejected by the network); 2 described above
`, why.String())

	// Nothing skipped, nothing said; the count is there, at zero.
	res, err = Run(context.Background(), tinyConfig(t, tinyOrders))
	require.NoError(t, err)
	why.Reset()
	require.NoError(t, WriteSkipped(&why, res, "sim: "))
	assert.Empty(t, why.String())
	js, err = json.Marshal(res.Results[0])
	require.NoError(t, err)
	assert.Contains(t, string(js), `"invalid_orders":0`)
}

// TestSkippedNotesAreBounded: many invalid orders are described up to
// MaxSkipNotes, then counted.
func TestSkippedNotesAreBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(tinyOrders)
	for i := range 25 {
		fmt.Fprintf(&b, "bad%02d,2026-03-02T11:%02d:00Z,0,0.1,A,1,pickup,nowhere\n", i, i)
	}
	cfg := tinyConfig(t, b.String())
	cfg.SkipBad = true
	cfg.Policies = []string{PolicyOptimal}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	var why bytes.Buffer
	require.NoError(t, WriteSkipped(&why, res, ""))
	lines := strings.Split(strings.TrimSpace(why.String()), "\n")
	require.Len(t, lines, MaxSkipNotes+1)
	assert.Equal(t, "invalid orders skipped (--skip-bad): 25 (0 with a malformed row, the rest rejected by the network); 10 described above", lines[MaxSkipNotes])
}
