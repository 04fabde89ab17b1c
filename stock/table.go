package stock

import (
	"errors"
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/omniroute/omniroute/network"
)

// Errors callers test with errors.Is.
var (
	// ErrInsufficient: a reservation or commit asks for more than there is.
	ErrInsufficient = errors.New("insufficient stock")
	// ErrUnknownNode: a node index outside the network.
	ErrUnknownNode = errors.New("unknown node")
	// ErrInvalid: a malformed request (empty SKU, non-positive quantity,
	// negative stock).
	ErrInvalid = errors.New("invalid stock operation")
)

// Table is the live stock table of one network. The zero value is not
// usable; call New.
//
// Storage is sparse: per SKU, a list of the nodes that ever had a row for
// it, in ascending node order, so EachATP costs the SKU's rows and not the
// network's nodes; and a bit set of those nodes, so that a node's row is
// found by counting bits, without a search.
type Table struct {
	nodes   int
	nodeIDs []string
	skuID   map[string]int32
	skus    []skuRows
	// capPerDay[n] is the node's daily capacity (0 = no limit); used[n] the
	// units picked today.
	capPerDay []int32
	used      []int32
}

type skuRows struct {
	name string
	rows []row // ascending by node
	// holders marks the nodes with a row, 64 nodes a word: the rank of a
	// node's bit among them is the index of its row.
	holders []holderWord
}

// holderWord marks which of 64 consecutive nodes (node/64 is the word's
// index, node%64 the bit) hold a row of a SKU; before counts the rows of
// the nodes below the word's first.
type holderWord struct {
	bits   uint64
	before int32
}

// rowIndex returns the index of node's row, or -1 when it has none.
func (s *skuRows) rowIndex(node int) int {
	w := node >> 6
	if node < 0 || w >= len(s.holders) {
		return -1
	}
	h := s.holders[w]
	bit := uint64(1) << (node & 63)
	if h.bits&bit == 0 {
		return -1
	}
	return int(h.before) + bits.OnesCount64(h.bits&(bit-1))
}

type row struct {
	node     int32
	onHand   int32
	reserved int32
	safety   int32
	seq      uint64
}

func (r *row) atp() int32 {
	a := int64(r.onHand) - int64(r.reserved) - int64(r.safety)
	if a < 0 {
		return 0
	}
	return int32(a)
}

// New returns an empty table over net's nodes, with their daily
// capacities. net must be initialised.
func New(net *network.Network) *Table {
	t := &Table{
		nodes:     len(net.Nodes),
		nodeIDs:   make([]string, len(net.Nodes)),
		skuID:     make(map[string]int32),
		capPerDay: make([]int32, len(net.Nodes)),
		used:      make([]int32, len(net.Nodes)),
	}
	for i := range net.Nodes {
		t.nodeIDs[i] = net.Nodes[i].ID
		c := net.Nodes[i].CapacityPerDay
		if c > math.MaxInt32 {
			c = math.MaxInt32
		}
		t.capPerDay[i] = int32(c)
	}
	return t
}

// Nodes is the number of nodes the table covers.
func (t *Table) Nodes() int { return t.nodes }

// SKUs is the number of distinct SKUs with a row.
func (t *Table) SKUs() int { return len(t.skus) }

// KnownSKU reports whether sku has a row at any node, whatever its figures
// (zero on hand included): whether the network has ever stocked it. Rows
// are never removed, so a SKU once known stays known. It implements
// network.SKUCatalog: a line of a SKU the table does not know is unfilled
// with UNKNOWN_SKU rather than NO_STOCK.
func (t *Table) KnownSKU(sku string) bool {
	_, ok := t.skuID[sku]
	return ok
}

// find returns the row of (node, sku), or nil.
func (t *Table) find(node int, sku string) *row {
	id, ok := t.skuID[sku]
	if !ok {
		return nil
	}
	s := &t.skus[id]
	i := s.rowIndex(node)
	if i < 0 {
		return nil
	}
	return &s.rows[i]
}

// ensure returns the row of (node, sku), adding an empty one if needed.
func (t *Table) ensure(node int, sku string) *row {
	id, ok := t.skuID[sku]
	if !ok {
		id = int32(len(t.skus))
		t.skuID[sku] = id
		t.skus = append(t.skus, skuRows{name: sku})
	}
	s := &t.skus[id]
	i, found := slices.BinarySearchFunc(s.rows, int32(node), func(r row, n int32) int { return int(r.node) - int(n) })
	if !found {
		s.rows = slices.Insert(s.rows, i, row{node: int32(node)})
		if s.holders == nil {
			s.holders = make([]holderWord, (t.nodes+63)/64)
		}
		w := node >> 6
		s.holders[w].bits |= 1 << (node & 63)
		for k := w + 1; k < len(s.holders); k++ {
			s.holders[k].before++
		}
	}
	return &s.rows[i]
}

func (t *Table) checkNode(node int) error {
	if node < 0 || node >= t.nodes {
		return fmt.Errorf("%w: node %d (network has %d)", ErrUnknownNode, node, t.nodes)
	}
	return nil
}

// nodeName is the node's id for messages.
func (t *Table) nodeName(node int) string {
	if node >= 0 && node < t.nodes {
		return t.nodeIDs[node]
	}
	return fmt.Sprintf("#%d", node)
}

// ATP returns the available-to-promise units of sku at node (0 when
// unknown).
func (t *Table) ATP(node int, sku string) int32 {
	if r := t.find(node, sku); r != nil {
		return r.atp()
	}
	return 0
}

// EachATP calls fn for every node with positive ATP of sku, in ascending
// node order. fn must not change the table.
func (t *Table) EachATP(sku string, fn func(node int, atp int32)) {
	id, ok := t.skuID[sku]
	if !ok {
		return
	}
	for i := range t.skus[id].rows {
		r := &t.skus[id].rows[i]
		if a := r.atp(); a > 0 {
			fn(int(r.node), a)
		}
	}
}

// Row is one (node, SKU) entry of the table.
type Row struct {
	Node     int    `json:"node"`
	NodeID   string `json:"node_id"`
	SKU      string `json:"sku"`
	OnHand   int32  `json:"on_hand"`
	Reserved int32  `json:"reserved"`
	Safety   int32  `json:"safety_stock"`
	// Seq is the last update sequence number applied (0 = none yet).
	Seq uint64 `json:"seq"`
}

// ATP is the row's available to promise.
func (r Row) ATP() int32 {
	x := row{onHand: r.OnHand, reserved: r.Reserved, safety: r.Safety}
	return x.atp()
}

// Get returns the row of (node, sku); ok is false when there is none.
func (t *Table) Get(node int, sku string) (Row, bool) {
	r := t.find(node, sku)
	if r == nil {
		return Row{}, false
	}
	return t.export(r, sku), true
}

func (t *Table) export(r *row, sku string) Row {
	return Row{
		Node: int(r.node), NodeID: t.nodeName(int(r.node)), SKU: sku,
		OnHand: r.onHand, Reserved: r.reserved, Safety: r.safety, Seq: r.seq,
	}
}

// Snapshot returns every row, ordered by node index and then SKU (byte
// order): a deterministic image for persistence and tests.
func (t *Table) Snapshot() []Row {
	n := 0
	for i := range t.skus {
		n += len(t.skus[i].rows)
	}
	out := make([]Row, 0, n)
	for i := range t.skus {
		for j := range t.skus[i].rows {
			out = append(out, t.export(&t.skus[i].rows[j], t.skus[i].name))
		}
	}
	slices.SortFunc(out, func(a, b Row) int {
		if a.Node != b.Node {
			return a.Node - b.Node
		}
		return strings.Compare(a.SKU, b.SKU)
	})
	return out
}

// Set overwrites the row of (node, sku) with r's stock figures and
// sequence number (r.Node, r.NodeID and r.SKU are ignored): it restores a
// Snapshot. Negative figures are errors.
func (t *Table) Set(node int, sku string, r Row) error {
	if err := t.checkNode(node); err != nil {
		return err
	}
	if sku == "" {
		return fmt.Errorf("%w: empty sku", ErrInvalid)
	}
	if r.OnHand < 0 || r.Reserved < 0 || r.Safety < 0 {
		return fmt.Errorf("%w: %s/%s: negative on_hand %d, reserved %d or safety_stock %d", ErrInvalid, t.nodeName(node), sku, r.OnHand, r.Reserved, r.Safety)
	}
	x := t.ensure(node, sku)
	x.onHand, x.reserved, x.safety, x.seq = r.OnHand, r.Reserved, r.Safety, r.Seq
	return nil
}

// Clone returns a deep copy.
func (t *Table) Clone() *Table {
	c := &Table{
		nodes:     t.nodes,
		nodeIDs:   t.nodeIDs, // never written after New
		skuID:     make(map[string]int32, len(t.skuID)),
		skus:      make([]skuRows, len(t.skus)),
		capPerDay: slices.Clone(t.capPerDay),
		used:      slices.Clone(t.used),
	}
	for k, v := range t.skuID {
		c.skuID[k] = v
	}
	for i := range t.skus {
		c.skus[i] = skuRows{name: t.skus[i].name, rows: slices.Clone(t.skus[i].rows), holders: slices.Clone(t.skus[i].holders)}
	}
	return c
}

var (
	_ network.StockView     = (*Table)(nil)
	_ network.CapacityView  = (*Table)(nil)
	_ network.ATPLister     = (*Table)(nil)
	_ network.ATPMaskLister = (*Table)(nil)
	_ network.SKUCatalog    = (*Table)(nil)
)
