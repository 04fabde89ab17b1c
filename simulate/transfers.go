package simulate

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/stock"
)

// TransferHeader is the header of a transfers file: one row per SKU moved.
// from is empty for supply placed at to (units that enter the network
// there, such as an inbound purchase order, and cost nothing to move).
const TransferHeader = "from,to,sku,qty,ship_at,arrive_at"

// Transfer is one row of a transfer plan: Qty units of SKU leave node From
// at ShipAt and arrive at node To at ArriveAt. From is -1 for supply
// placed at To.
type Transfer struct {
	From, To         int
	SKU              string
	Qty              int32
	ShipAt, ArriveAt time.Time
}

// Supply reports whether the row places supply rather than moving stock.
func (t *Transfer) Supply() bool { return t.From < 0 }

// ReadTransfers reads a transfers file (TransferHeader) against the
// network's nodes and lanes and the SKUs of known. Every row must name
// known nodes and SKUs, a positive quantity, a receiver that may receive,
// a pair of nodes some lane joins (unless from is empty), and arrive no
// earlier than it ships. The first problem is returned as a *ParseError
// (file:line: field: message).
func ReadTransfers(r io.Reader, name string, net *network.Network, known network.SKUCatalog) ([]Transfer, error) {
	f, err := newCSVFile(r, name, []string{"from", "to", "sku", "qty", "ship_at", "arrive_at"}, nil)
	if err != nil {
		return nil, err
	}
	ci := [6]int{f.col("from"), f.col("to"), f.col("sku"), f.col("qty"), f.col("ship_at"), f.col("arrive_at")}
	intern := make(interner)
	var out []Transfer
	for {
		rec, err := f.next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		t := Transfer{From: -1}
		if v := field(rec, ci[0]); len(v) > 0 {
			n, ok := net.NodeIndex(string(v))
			if !ok {
				return nil, f.errorf("from", "unknown node %q", v)
			}
			t.From = n
		}
		v, err := f.required(rec, ci[1], "to")
		if err != nil {
			return nil, err
		}
		n, ok := net.NodeIndex(string(v))
		if !ok {
			return nil, f.errorf("to", "unknown node %q", v)
		}
		t.To = n
		if role := net.Nodes[n].Transfers; !role.CanReceive() {
			return nil, f.errorf("to", "node %q may not receive (transfers: %s)", v, role)
		}
		if t.From >= 0 {
			if t.From == t.To {
				return nil, f.errorf("to", "%q is the sender too", v)
			}
			if _, ok := net.RouteBetween(t.From, t.To); !ok {
				return nil, f.errorf("to", "no lane from %s to %s", net.Nodes[t.From].ID, v)
			}
		}
		if v, err = f.required(rec, ci[2], "sku"); err != nil {
			return nil, err
		}
		t.SKU = intern.get(v)
		if known != nil && !known.KnownSKU(t.SKU) {
			return nil, f.errorf("sku", "unknown SKU %q", v)
		}
		if v, err = f.required(rec, ci[3], "qty"); err != nil {
			return nil, err
		}
		q, err := f.parseInt(v, "qty")
		if err != nil {
			return nil, err
		}
		if q <= 0 || q > stock.MaxLevel {
			return nil, f.errorf("qty", "%d is outside 1..%d", q, stock.MaxLevel)
		}
		t.Qty = int32(q)
		if v, err = f.required(rec, ci[4], "ship_at"); err != nil {
			return nil, err
		}
		if t.ShipAt, err = f.parseTime(v, "ship_at"); err != nil {
			return nil, err
		}
		if v, err = f.required(rec, ci[5], "arrive_at"); err != nil {
			return nil, err
		}
		if t.ArriveAt, err = time.Parse(time.RFC3339, string(v)); err != nil {
			return nil, f.errorf("arrive_at", "%q is not an RFC 3339 time (e.g. 2026-03-02T09:30:00Z)", v)
		}
		if t.ArriveAt.Before(t.ShipAt) {
			return nil, f.errorf("arrive_at", "%s is before ship_at %s", v, t.ShipAt.Format(time.RFC3339))
		}
		out = append(out, t)
	}
}

// WriteTransfers writes plan as a transfers file, rows in the order given,
// times in UTC.
func WriteTransfers(w io.Writer, net *network.Network, plan []Transfer) error {
	b := bufio.NewWriter(w)
	b.WriteString(TransferHeader + "\n")
	var num [24]byte
	for i := range plan {
		t := &plan[i]
		if t.From >= 0 {
			writeCSVField(b, net.Nodes[t.From].ID)
		}
		b.WriteByte(',')
		writeCSVField(b, net.Nodes[t.To].ID)
		b.WriteByte(',')
		writeCSVField(b, t.SKU)
		b.WriteByte(',')
		b.Write(strconv.AppendInt(num[:0], int64(t.Qty), 10))
		b.WriteByte(',')
		b.WriteString(t.ShipAt.UTC().Format(time.RFC3339))
		b.WriteByte(',')
		b.WriteString(t.ArriveAt.UTC().Format(time.RFC3339))
		b.WriteByte('\n')
	}
	if err := b.Flush(); err != nil {
		return fmt.Errorf("transfers: %w", err)
	}
	return nil
}

// transferEvent is a departure or an arrival of one row of a plan.
type transferEvent struct {
	at     time.Time
	arrive bool
	row    int
}

// transferRun applies a plan during one replay: stock leaves the sender
// at ship_at (what the sender's ATP allows, if less than planned) and what
// left arrives at arrive_at; supply rows only arrive. It prices each
// shipment (the units one sender sends one receiver at one time) by its
// lane's cost (network.Lane.Cost).
type transferRun struct {
	plan   []Transfer
	events []transferEvent // by time, departures before arrivals, then row
	next   int             // the first event not applied
	// left[i] is what row i actually took from its sender.
	left []int32
	// shipments are the units sent per (from, to, ship_at).
	shipments map[shipmentKey]int64
	// Units moved between nodes, units planned but not there to send, and
	// supply units placed.
	moved, short, placed int64
	// in and out are per node: units received (supply included) and sent.
	in, out []int64
}

type shipmentKey struct {
	from, to int
	at       int64
}

func newTransferRun(plan []Transfer, nodes int) *transferRun {
	r := &transferRun{plan: plan, left: make([]int32, len(plan)), shipments: map[shipmentKey]int64{},
		in: make([]int64, nodes), out: make([]int64, nodes)}
	for i := range plan {
		if !plan[i].Supply() {
			r.events = append(r.events, transferEvent{at: plan[i].ShipAt, row: i})
		}
		r.events = append(r.events, transferEvent{at: plan[i].ArriveAt, arrive: true, row: i})
	}
	slices.SortStableFunc(r.events, func(a, b transferEvent) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		if a.arrive != b.arrive {
			if a.arrive {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.row, b.row)
	})
	return r
}

// due reports whether the next event is at or before t, and returns its
// time.
func (r *transferRun) due(t time.Time) (time.Time, bool) {
	if r.next >= len(r.events) {
		return time.Time{}, false
	}
	at := r.events[r.next].at
	return at, !at.After(t)
}

// apply applies the next event to table; seq numbers an arrival.
func (r *transferRun) apply(table *stock.Table, seq uint64) error {
	e := r.events[r.next]
	r.next++
	t := &r.plan[e.row]
	if t.To >= table.Nodes() || t.From >= table.Nodes() {
		return nil
	}
	if !e.arrive {
		q := min(t.Qty, max(table.ATP(t.From, t.SKU), 0))
		r.short += int64(t.Qty - q)
		if q == 0 {
			return nil
		}
		if _, err := table.Ship(t.From, t.SKU, q); err != nil {
			return fmt.Errorf("transfer: %w", err)
		}
		r.left[e.row] = q
		r.moved += int64(q)
		r.out[t.From] += int64(q)
		r.shipments[shipmentKey{t.From, t.To, t.ShipAt.Unix()}] += int64(q)
		return nil
	}
	q := t.Qty
	if !t.Supply() {
		q = r.left[e.row]
	} else {
		r.placed += int64(q)
	}
	if q == 0 {
		return nil
	}
	r.in[t.To] += int64(q)
	if _, err := table.Receive(t.To, []byte(t.SKU), seq, q); err != nil {
		return fmt.Errorf("transfer: %w", err)
	}
	return nil
}

// cost is what the shipments that left cost, each by its lane.
func (r *transferRun) cost(net *network.Network) float64 {
	keys := make([]shipmentKey, 0, len(r.shipments))
	for k := range r.shipments {
		keys = append(keys, k)
	}
	// A fixed order keeps the floating-point sum the same on every run.
	slices.SortFunc(keys, func(a, b shipmentKey) int {
		return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.to, b.to), cmp.Compare(a.at, b.at))
	})
	var c float64
	for _, k := range keys {
		if rt, ok := net.RouteBetween(k.from, k.to); ok {
			c += net.Lanes[rt.Lane].Cost(r.shipments[k])
		}
	}
	return c
}

// TransferSaving is what a transfer plan saved in a replay: the baseline's
// total_cost_with_lost_sales minus the plan's (transfer_cost included),
// under the same policy, beside what the plan expected to save.
type TransferSaving struct {
	Policy   string `json:"policy"`
	Scenario string `json:"scenario"`
	// Expected is nil when the plan's expectation was not given.
	Expected *float64 `json:"expected_saving,omitempty"`
	Replayed float64  `json:"replayed_saving"`
}

// transferSavings pairs each replay that applied a plan with its policy's
// baseline replay.
func transferSavings(results []Result, expected *float64) []TransferSaving {
	var out []TransferSaving
	for i := range results {
		r := &results[i]
		if r.Series.NodeTransferIn == nil {
			continue
		}
		for k := range results {
			b := &results[k]
			if b.Scenario == Baseline && b.Policy == r.Policy {
				out = append(out, TransferSaving{Policy: r.Policy, Scenario: r.Scenario, Expected: expected,
					Replayed: round(b.TotalWithLost-r.TotalWithLost, 4)})
			}
		}
	}
	return out
}
