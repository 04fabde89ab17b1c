package stock

import "fmt"

// Update is one live stock change for a (node, SKU). Sequence numbers are
// per (node, SKU), from 1 to MaxSeq: an update whose Seq is not above the
// last one applied to that pair changes nothing.
type Update struct {
	Node int    // dense node index
	SKU  string // any non-empty name; a new (node, SKU) gets a new row
	Seq  uint64 // per (node, SKU), from 1
	// OnHand, when set, is the new absolute on-hand quantity; otherwise
	// Delta is added to it.
	OnHand *int32
	Delta  int32
	// Safety, when set, is the new safety stock.
	Safety *int32
}

// Apply applies u. It returns applied=false with no error when u.Seq is
// not above the last sequence number seen for (u.Node, u.SKU): a repeated
// or late update, which callers count. An update that would take on hand
// or safety stock out of 0..MaxLevel, or whose Seq is above MaxSeq, is an
// error and changes nothing. An update may
// leave on hand below reserved (a recount found less): ATP is then 0 and
// commits beyond on hand fail.
func (t *Table) Apply(u Update) (applied bool, err error) {
	if err := t.checkNode(u.Node); err != nil {
		return false, fmt.Errorf("stock update: %w", err)
	}
	if u.SKU == "" {
		return false, fmt.Errorf("stock update: %w: empty sku", ErrInvalid)
	}
	if err := CheckSeq(u.Seq); err != nil {
		return false, fmt.Errorf("stock update %s/%s: %w: seq %w", t.nodeName(u.Node), u.SKU, ErrInvalid, err)
	}
	r := t.find(u.Node, u.SKU)
	if r != nil && u.Seq <= r.seq {
		return false, nil
	}
	var cur, safety int64
	if r != nil {
		cur, safety = int64(r.onHand), int64(r.safety)
	}
	next := cur + int64(u.Delta)
	if u.OnHand != nil {
		next = int64(*u.OnHand)
	}
	if next < 0 {
		return false, fmt.Errorf("stock update %s/%s seq %d: %w: on_hand would be %d", t.nodeName(u.Node), u.SKU, u.Seq, ErrInvalid, next)
	}
	if err := CheckLevel(next); err != nil {
		return false, fmt.Errorf("stock update %s/%s seq %d: %w: on_hand would be %w", t.nodeName(u.Node), u.SKU, u.Seq, ErrInvalid, err)
	}
	if u.Safety != nil {
		safety = int64(*u.Safety)
		if err := CheckLevel(safety); err != nil {
			return false, fmt.Errorf("stock update %s/%s seq %d: %w: safety_stock %w", t.nodeName(u.Node), u.SKU, u.Seq, ErrInvalid, err)
		}
	}
	if r == nil {
		r = t.ensure(u.Node, u.SKU)
	}
	r.onHand, r.safety, r.seq = int32(next), int32(safety), u.Seq
	return true, nil
}

// Receive is Apply of Update{Node: node, SKU: string(sku), Seq: seq,
// Delta: qty}: a stock arrival, with the SKU given as bytes. An existing
// row is found with one look-up that does not allocate; a string is made
// only for a SKU new to the table or for an error.
func (t *Table) Receive(node int, sku []byte, seq uint64, qty int32) (applied bool, err error) {
	if node >= 0 && node < t.nodes && len(sku) > 0 && seq > 0 {
		if id, ok := t.skuID[string(sku)]; ok {
			s := &t.skus[id]
			if i := s.rowIndex(node); i >= 0 {
				r := &s.rows[i]
				if seq <= r.seq {
					return false, nil
				}
				if next := int64(r.onHand) + int64(qty); next >= 0 && next <= MaxLevel {
					r.onHand, r.seq = int32(next), seq
					return true, nil
				}
			}
		}
	}
	return t.Apply(Update{Node: node, SKU: string(sku), Seq: seq, Delta: qty})
}

// MaxSeq returns the highest sequence number applied to any row (0 when
// none): a caller numbering its own updates starts above it, so that none
// of them is taken for a repeated one.
func (t *Table) MaxSeq() uint64 {
	var m uint64
	for i := range t.skus {
		for j := range t.skus[i].rows {
			m = max(m, t.skus[i].rows[j].seq)
		}
	}
	return m
}
