package simulate

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/stock"
)

// Falls: rows of a replenishments file with a negative qty, units that
// left a node other than by an order routed (a sale at the till, a
// write-off, a recount down; the order log records them beside the
// receipts). A replay cannot know which of its orders such a customer
// would have beaten to the shelf, so it gives the falls priority: the
// units a fall takes are never routed, by any policy, and every policy
// meets the same stock. At any time an order may take of a (node, SKU)
// only what leaves every later fall whole:
//
//	reach(e)  = the free stock after the row's first e events, arrivals
//	            added and each fall taking what is left of it, never
//	            below zero (a fall larger than that takes the rest from
//	            the safety stock, or from nothing);
//	reach'(e) = min over e' >= e of reach(e'): what the orders up to the
//	            e-th event may take in all.
//
// reach' never falls, so it is written back as a starting stock less
// what the first falls need and arrivals of zero or more units: the replay,
// its look-ahead's plans and the hindsight bound then read an ordinary
// replenishments file, and the bound's cumulative stock rows are exactly
// the replay's rule.

// hasFalls reports whether src may hold a fall: a byte scan for a field
// that starts with a minus sign, much faster than reading the rows. A
// false positive (an id that starts with one) costs a read, nothing more.
func hasFalls(src Source) (bool, error) {
	for _, s := range files(src) {
		f, err := s.Open()
		if err != nil {
			return false, err
		}
		found, err := scanFalls(f)
		f.Close()
		if err != nil {
			return false, fmt.Errorf("%s: %w", s.Name(), err)
		}
		if found {
			return true, nil
		}
	}
	return false, nil
}

func scanFalls(r io.Reader) (bool, error) {
	buf := make([]byte, 64<<10)
	var prev byte
	for {
		n, err := r.Read(buf)
		chunk := buf[:n]
		if n > 0 && prev == ',' && chunk[0] == '-' {
			return true, nil
		}
		if bytes.Contains(chunk, []byte(",-")) {
			return true, nil
		}
		if n > 0 {
			prev = chunk[n-1]
		}
		if errors.Is(err, io.EOF) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// fallKey is a (node, SKU) row of the stock.
type fallKey struct {
	node int
	sku  string
}

// applyFalls returns the stock and the replenishments a replay of a
// scenario starts from when src holds falls: table with each row's
// starting on hand lowered by what its first falls need (a clone: table
// is left as it is) and src rewritten as arrivals only (see the rule
// above). Without a fall it returns table and src themselves.
func applyFalls(table *stock.Table, src Source, net *network.Network, skipBad bool) (*stock.Table, Source, error) {
	if src == nil {
		return table, src, nil
	}
	found, err := hasFalls(src)
	if err != nil || !found {
		return table, src, err
	}
	rs, err := OpenReplenishments(src, net, skipBad)
	if err != nil {
		return nil, nil, err
	}
	defer rs.Close()
	var reps []Replenishment
	for {
		rep, err := rs.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, err
		}
		reps = append(reps, rep)
	}
	// Each row with a fall, and the indexes of its events in time order.
	events := map[fallKey][]int{}
	for _, rep := range reps {
		if rep.Qty < 0 && rep.Node < table.Nodes() {
			events[fallKey{rep.Node, rep.SKU}] = nil
		}
	}
	if len(events) == 0 {
		return table, src, nil
	}
	for i, rep := range reps {
		k := fallKey{rep.Node, rep.SKU}
		if ev, ok := events[k]; ok {
			events[k] = append(ev, i)
		}
	}
	out := table.Clone()
	qty := make([]int64, len(reps))
	for i, rep := range reps {
		qty[i] = int64(rep.Qty)
	}
	for k, ev := range events {
		row, _ := out.Get(k.node, k.sku)
		start := int64(row.OnHand) - int64(row.Reserved) - int64(row.Safety)
		cut, arrivals := fallSchedule(start, qty, ev)
		if cut > 0 {
			row.OnHand -= int32(cut)
			if err := out.Set(k.node, k.sku, row); err != nil {
				return nil, nil, fmt.Errorf("falls: %w", err)
			}
		}
		for j, i := range ev {
			qty[i] = arrivals[j]
		}
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"at", "node", "sku", "qty"}) // into memory: cannot fail
	for i, rep := range reps {
		if qty[i] != 0 {
			_ = w.Write([]string{rep.At.Format(time.RFC3339Nano), net.Nodes[rep.Node].ID, rep.SKU, strconv.FormatInt(qty[i], 10)})
		}
	}
	w.Flush()
	return out, BytesSource{FileName: src.Name() + " (its falls applied)", Data: buf.Bytes()}, nil
}

// fallSchedule applies the rule above to one row: start is its free stock
// at the start (on hand less reserved and safety stock, possibly
// negative), qty[ev[j]] its j-th event (an arrival, or a fall when
// negative). It returns the units the starting stock must give up and
// each event's arrival, zero or more, in the events' order.
func fallSchedule(start int64, qty []int64, ev []int) (cut int64, arrivals []int64) {
	// reach[j] is the free stock after the first j events.
	reach := make([]int64, len(ev)+1)
	c := start
	reach[0] = max(0, c)
	for j, i := range ev {
		if q := qty[i]; q >= 0 {
			c += q
		} else {
			c -= min(-q, max(0, c))
		}
		reach[j+1] = max(0, c)
	}
	for j := len(reach) - 2; j >= 0; j-- {
		reach[j] = min(reach[j], reach[j+1])
	}
	// level is the free stock the rewritten events give: reach' where it
	// is above zero; below, a negative start stays until arrivals lift it.
	level := func(j int) int64 {
		if reach[j] > 0 || start >= 0 {
			return reach[j]
		}
		return start
	}
	cut = max(0, start) - reach[0]
	arrivals = make([]int64, len(ev))
	for j := range ev {
		arrivals[j] = level(j+1) - level(j)
	}
	return cut, arrivals
}
