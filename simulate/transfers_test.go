package simulate

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// laneNetwork is tinyNetwork with a lane from wh to s1: 3 per shipment +
// 0.5 per unit, an hour on the road.
const laneNetwork = tinyNetwork + `lanes:
  - {name: feed, from: wh, to: s1, cost_per_unit: 0.5, cost_per_shipment: 3, lead_hours: 1}
`

func readPlan(t *testing.T, cfg Config, text string) []Transfer {
	t.Helper()
	plan, err := ReadTransfers(strings.NewReader(text), "transfers.csv", cfg.Network, cfg.Stock)
	require.NoError(t, err)
	return plan
}

// TestTransfersApplyDuringReplay: o3 picks up 2 B at s1, which holds 1
// (the baseline hands over that one and loses the other, for want of
// stock); the plan brings 1 B from wh in time (one shipment: 3 + 0.5), asks for 4
// C of which wh has 1 (three short, in the same shipment), and places 2 E
// at s1 as supply. The plan's replay fills o3, pays for the shipment, and
// its total with lost sales is the baseline's minus the lost sale it saved
// plus the transfer cost.
func TestTransfersApplyDuringReplay(t *testing.T) {
	net, table := loadTiny(t, laneNetwork, tinyStock)
	orders := `order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,lost_sale_cost
o3,2026-03-02T10:20:00Z,0,0.1,B,2,pickup,s1,20
`
	cfg := Config{Network: net, Stock: table, Policies: []string{PolicyOptimal},
		Orders: BytesSource{"orders.csv", []byte(orders)}}
	plan := readPlan(t, cfg, `from,to,sku,qty,ship_at,arrive_at
wh,s1,B,1,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z
wh,s1,C,4,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z
,s1,E,2,2026-03-02T08:00:00Z,2026-03-02T08:00:00Z
`)
	saving := 12.5
	cfg.ExpectedSaving = &saving
	cfg.Scenarios = []*Scenario{{Name: "plan", Transfers: plan}}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	base, with := runs["baseline/optimal"], runs["plan/optimal"]
	require.NotNil(t, base)
	require.NotNil(t, with)
	assert.EqualValues(t, 1, base.UnfilledUnits, "o3 picks up the B s1 holds")
	assert.Zero(t, base.TransferCost)
	assert.EqualValues(t, 0, with.UnfilledUnits, "the transferred unit fills o3")
	assert.InDelta(t, 3+0.5*2, with.TransferCost, 1e-9, "one shipment of the 2 units that left")
	assert.EqualValues(t, 2, with.TransferUnits)
	assert.EqualValues(t, 3, with.TransferShortUnits)
	assert.EqualValues(t, 2, with.SupplyUnits)
	assert.InDelta(t, with.TotalCost+with.LostSaleCost+with.TransferCost, with.TotalWithLost, 1e-9)
	// Node 0 (wh) sent 2; node 1 (s1) received 2 + 2 supply.
	assert.Equal(t, []int64{0, 4}, with.Series.NodeTransferIn)
	assert.Equal(t, []int64{2, 0}, with.Series.NodeTransferOut)
	assert.Equal(t, []int64{8, 4}, with.Series.NodeStockBefore)
	require.Len(t, res.TransferSavings, 1)
	s := res.TransferSavings[0]
	assert.Equal(t, "plan", s.Scenario)
	assert.InDelta(t, base.TotalWithLost-with.TotalWithLost, s.Replayed, 1e-9)
	assert.Equal(t, &saving, s.Expected)

	var table2 bytes.Buffer
	require.NoError(t, WriteTable(&table2, res))
	assert.Contains(t, table2.String(), "transfer cost")
	dir := t.TempDir()
	require.NoError(t, WriteReport(dir, res))
	html, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(html), "<td class=\"l\">s1</td><td>4</td><td>4</td><td>0</td><td>8</td>")
	assert.Contains(t, string(html), "<td>12.50</td>")
}

// A transfer that arrives after the last order changes nothing but its
// cost: stock left the sender.
func TestTransferLeavesAtShipTime(t *testing.T) {
	net, table := loadTiny(t, laneNetwork, "node,sku,on_hand,safety_stock\nwh,A,1,0\n")
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,lost_sale_cost\no1,2026-03-02T10:20:00Z,0,0.1,A,1,delivery,,20\n"
	cfg := Config{Network: net, Stock: table, Policies: []string{PolicyOptimal},
		Orders: BytesSource{"orders.csv", []byte(orders)}}
	plan := readPlan(t, cfg, "from,to,sku,qty,ship_at,arrive_at\nwh,s1,A,1,2026-03-02T10:00:00Z,2026-03-03T10:00:00Z\n")
	cfg.Scenarios = []*Scenario{{Name: "plan", Transfers: plan}}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	runs := byRun(res)
	assert.EqualValues(t, 0, runs["baseline/optimal"].UnfilledUnits)
	assert.EqualValues(t, 1, runs["plan/optimal"].UnfilledUnits, "the unit is on the road")
	assert.InDelta(t, 3.5, runs["plan/optimal"].TransferCost, 1e-9)
}

func TestReadTransfersErrors(t *testing.T) {
	net, table := loadTiny(t, strings.Replace(laneNetwork, "pick_cost_per_unit: 0}\n", "pick_cost_per_unit: 0}\n  - {id: s2, kind: store, lat: 0, lon: 0.2, methods: [pickup], transfers: send}\n", 1), tinyStock)
	const head = "from,to,sku,qty,ship_at,arrive_at\n"
	const ok = "wh,s1,A,1,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z\n"
	tests := []struct{ name, row, want string }{
		{"unknown-from", "mars,s1,A,1,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z", `transfers.csv:3: from: unknown node "mars"`},
		{"unknown-to", "wh,mars,A,1,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z", `transfers.csv:3: to: unknown node "mars"`},
		{"cannot-receive", ",s2,A,1,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z", `transfers.csv:3: to: node "s2" may not receive (transfers: send)`},
		{"no-lane", "s1,wh,A,1,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z", "transfers.csv:3: to: no lane from s1 to wh"},
		{"unknown-sku", "wh,s1,ZZ,1,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z", `transfers.csv:3: sku: unknown SKU "ZZ"`},
		{"negative", "wh,s1,A,-1,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z", "transfers.csv:3: qty: -1 is outside 1.."},
		{"zero", "wh,s1,A,0,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z", "transfers.csv:3: qty: 0 is outside 1.."},
		{"bad-time", "wh,s1,A,1,yesterday,2026-03-02T10:00:00Z", `transfers.csv:3: ship_at: "yesterday" is not an RFC 3339 time`},
		{"backwards", "wh,s1,A,1,2026-03-02T11:00:00Z,2026-03-02T10:00:00Z", "transfers.csv:3: arrive_at: 2026-03-02T10:00:00Z is before ship_at"},
		{"no-to", "wh,,A,1,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z", "transfers.csv:3: to: is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadTransfers(strings.NewReader(head+ok+tt.row+"\n"), "transfers.csv", net, table)
			require.ErrorIs(t, err, ErrBadRow)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestWriteTransfersRoundTrip(t *testing.T) {
	net, table := loadTiny(t, laneNetwork, tinyStock)
	text := "from,to,sku,qty,ship_at,arrive_at\nwh,s1,B,1,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z\n,s1,E,2,2026-03-02T08:00:00Z,2026-03-02T08:00:00Z\n"
	plan, err := ReadTransfers(strings.NewReader(text), "t.csv", net, table)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, WriteTransfers(&b, net, plan))
	assert.Equal(t, text, b.String())
}

// With NoBaseline only the scenarios are replayed, with the same figures
// as beside the baseline; without a scenario it is an error.
func TestNoBaseline(t *testing.T) {
	net, table := loadTiny(t, laneNetwork, tinyStock)
	orders := `order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,lost_sale_cost
o3,2026-03-02T10:20:00Z,0,0.1,B,2,pickup,s1,20
`
	cfg := Config{Network: net, Stock: table, Policies: []string{PolicyOptimal},
		Orders: BytesSource{"orders.csv", []byte(orders)}}
	plan := readPlan(t, cfg, `from,to,sku,qty,ship_at,arrive_at
wh,s1,B,1,2026-03-02T09:00:00Z,2026-03-02T10:00:00Z
`)
	cfg.Scenarios = []*Scenario{{Name: "plan", Transfers: plan}}
	both, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	cfg.NoBaseline = true
	only, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Len(t, only.Results, 1)
	assert.Equal(t, "plan", only.Results[0].Scenario)
	want, got := byRun(both)["plan/optimal"].KPIs, only.Results[0].KPIs
	want.SolveTimeUS, got.SolveTimeUS = Percentiles{}, Percentiles{} // wall time
	assert.Equal(t, want, got)
	assert.Empty(t, only.TransferSavings)

	cfg.Scenarios = nil
	_, err = Run(context.Background(), cfg)
	assert.ErrorContains(t, err, "no baseline and no scenario")
}
