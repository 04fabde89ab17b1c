package router

import (
	"errors"
	"fmt"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/stock"
)

// inventory is the live stock (a stock.Table over the current network) and
// today's pick capacity, guarded by the service's mutex.
//
// The table addresses nodes by dense index, so a network reload rebuilds it
// by node id (rebind). Rows of nodes the current network no longer has are
// kept aside in orphans and come back if a later network has the node
// again.
type inventory struct {
	net   *network.Network
	table *stock.Table
	// day is the capacity day the table's capacity use counts.
	day     int64
	orphans map[stockKey]stock.Row
}

func newInventory(net *network.Network, t *stock.Table) *inventory {
	if t == nil {
		t = stock.New(net)
	}
	return &inventory{net: net, table: t, orphans: map[stockKey]stock.Row{}}
}

// node returns the dense index of a node id in the current network.
func (in *inventory) node(id string) (int, bool) { return in.net.NodeIndex(id) }

// row returns the durable figures of (node id, sku) for the store.
func (in *inventory) row(node int, sku string) stockRow {
	r, _ := in.table.Get(node, sku)
	return stockRow{OnHand: r.OnHand, Safety: r.Safety, Seq: r.Seq}
}

// rebind moves the inventory onto a new network, row by row by node id;
// capacity use moves with its node.
func (in *inventory) rebind(net *network.Network) error {
	t := stock.New(net)
	orphans := make(map[stockKey]stock.Row)
	put := func(k stockKey, r stock.Row) error {
		i, ok := net.NodeIndex(k.node)
		if !ok {
			orphans[k] = r
			return nil
		}
		return t.Set(i, k.sku, r)
	}
	for _, r := range in.table.Snapshot() {
		if err := put(stockKey{node: r.NodeID, sku: r.SKU}, r); err != nil {
			return fmt.Errorf("rebind stock: %w", err)
		}
	}
	for k, r := range in.orphans {
		if err := put(k, r); err != nil {
			return fmt.Errorf("rebind stock: %w", err)
		}
	}
	for i := range in.net.Nodes {
		u := in.table.Used(i)
		if u == 0 {
			continue
		}
		if j, ok := net.NodeIndex(in.net.Nodes[i].ID); ok {
			if err := t.Use(j, u); err != nil {
				return fmt.Errorf("rebind capacity: %w", err)
			}
		}
	}
	in.net, in.table, in.orphans = net, t, orphans
	return nil
}

// rollDay starts a new capacity day when day is not the current one.
func (in *inventory) rollDay(day int64) {
	if day != in.day {
		in.day = day
		in.table.ResetDay()
	}
}

// useCapacity counts units picked at node on day (only today counts).
func (in *inventory) useCapacity(node int, day int64, n int32) {
	if day != in.day || n <= 0 {
		return
	}
	_ = in.table.Use(node, n) // node is a valid index
}

// returnCapacity un-counts units that a release or expiry gave back.
func (in *inventory) returnCapacity(nodes map[int]int32, day int64) {
	if day != in.day {
		return
	}
	for n, q := range nodes {
		_ = in.table.Unuse(n, q) // n is a valid index
	}
}

// items resolves reserved items to table items; items at nodes the
// current network no longer has are returned apart in gone.
func (in *inventory) items(rs []reservedItem) (items []stock.Item, gone []reservedItem) {
	items = make([]stock.Item, 0, len(rs))
	for _, r := range rs {
		i, ok := in.node(r.NodeID)
		if !ok {
			gone = append(gone, r)
			continue
		}
		items = append(items, stock.Item{Node: i, SKU: r.SKU, Qty: r.Quantity})
	}
	return items, gone
}

// settleOrphan gives back (or, with commit, ships) reserved units at a
// node the current network no longer has, so that its row is right if the
// node comes back. It returns the row's key and durable figures.
func (in *inventory) settleOrphan(r reservedItem, commit bool) (stockKey, stockRow, bool) {
	k := stockKey{node: r.NodeID, sku: r.SKU}
	row, ok := in.orphans[k]
	if !ok {
		return k, stockRow{}, false
	}
	row.Reserved = max(0, row.Reserved-r.Quantity)
	if commit {
		row.OnHand = max(0, row.OnHand-r.Quantity)
	}
	in.orphans[k] = row
	return k, stockRow{OnHand: row.OnHand, Safety: row.Safety, Seq: row.Seq}, true
}

// isInsufficient reports whether err says there was not enough stock.
func isInsufficient(err error) bool { return errors.Is(err, stock.ErrInsufficient) }

// stockView is what the problem builder reads: the table less the units
// that earlier orders of the same batch planned without reserving.
type stockView struct {
	in   *inventory
	hold *batchHold // nil outside a batch
}

var (
	_ network.StockView     = (*stockView)(nil)
	_ network.ATPLister     = (*stockView)(nil)
	_ network.ATPMaskLister = (*stockView)(nil)
	_ network.CapacityView  = (*stockView)(nil)
	_ network.SKUCatalog    = (*stockView)(nil)
)

// KnownSKU implements network.SKUCatalog: the live table's catalogue.
func (v *stockView) KnownSKU(sku string) bool { return v.in.table.KnownSKU(sku) }

// ATP implements network.StockView.
func (v *stockView) ATP(node int, sku string) int32 {
	a := v.in.table.ATP(node, sku)
	if v.hold.empty() || a == 0 {
		return a
	}
	return max(0, a-v.hold.units[heldKey{v.in.net.Nodes[node].ID, sku}])
}

// EachATP implements network.StockView.
func (v *stockView) EachATP(sku string, fn func(node int, atp int32)) {
	if v.hold.empty() {
		v.in.table.EachATP(sku, fn)
		return
	}
	v.in.table.EachATP(sku, func(node int, atp int32) {
		if a := atp - v.hold.units[heldKey{v.in.net.Nodes[node].ID, sku}]; a > 0 {
			fn(node, a)
		}
	})
}

// AppendATP implements network.ATPLister: the table's list of the SKU's
// stock in one pass, less what the batch holds.
func (v *stockView) AppendATP(sku string, nodes, atp []int32) ([]int32, []int32) {
	n := len(nodes)
	nodes, atp = v.in.table.AppendATP(sku, nodes, atp)
	return v.lessHeld(sku, n, nodes, atp)
}

// AppendATPMasked implements network.ATPMaskLister: the table's list of
// the SKU's stock at the masked nodes, less what the batch holds.
func (v *stockView) AppendATPMasked(sku string, mask []uint64, nodes, atp []int32) ([]int32, []int32) {
	n := len(nodes)
	nodes, atp = v.in.table.AppendATPMasked(sku, mask, nodes, atp)
	return v.lessHeld(sku, n, nodes, atp)
}

// lessHeld takes what the batch holds of sku off the entries from n on of
// a stock list, dropping those left with none, as EachATP does.
func (v *stockView) lessHeld(sku string, n int, nodes, atp []int32) ([]int32, []int32) {
	if v.hold.empty() {
		return nodes, atp
	}
	k := n
	for i := n; i < len(nodes); i++ {
		a := atp[i] - v.hold.units[heldKey{v.in.net.Nodes[nodes[i]].ID, sku}]
		if a <= 0 {
			continue
		}
		nodes[k], atp[k] = nodes[i], a
		k++
	}
	return nodes[:k], atp[:k]
}

// Remaining implements network.CapacityView.
func (v *stockView) Remaining(node int) int32 {
	r := v.in.table.Remaining(node)
	if r > 0 && !v.hold.empty() {
		r = max(0, r-v.hold.picks[v.in.net.Nodes[node].ID])
	}
	return r
}

// batchHold is what the earlier orders of a batch planned without
// reserving, by node id (the network may be reloaded during a batch).
// One batch uses it from one goroutine.
type batchHold struct {
	units map[heldKey]int32
	picks map[string]int32 // units picked per node
}

type heldKey struct {
	node, sku string
}

func (h *batchHold) empty() bool { return h == nil || len(h.units) == 0 }

// add marks items, planned on net, as taken for the rest of the batch; a
// nil hold (no batch) ignores them.
func (h *batchHold) add(net *network.Network, items []stock.Item) {
	if h == nil || len(items) == 0 {
		return
	}
	if h.units == nil {
		h.units = make(map[heldKey]int32)
		h.picks = make(map[string]int32)
	}
	for _, it := range items {
		id := net.Nodes[it.Node].ID
		h.units[heldKey{id, it.SKU}] += it.Qty
		h.picks[id] += it.Qty
	}
}
