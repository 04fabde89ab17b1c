package stock

import (
	"fmt"
	"math/bits"
)

// AppendATP appends every node with positive ATP of sku to nodes and its
// ATP to atp, in ascending node order, and returns both slices: what
// EachATP visits, for one look-up of the SKU and no call per node. It
// implements network.ATPLister.
func (t *Table) AppendATP(sku string, nodes, atp []int32) ([]int32, []int32) {
	id, ok := t.skuID[sku]
	if !ok {
		return nodes, atp
	}
	rows := t.skus[id].rows
	for i := range rows {
		r := &rows[i]
		if a := r.atp(); a > 0 {
			nodes = append(nodes, r.node)
			atp = append(atp, a)
		}
	}
	return nodes, atp
}

// AppendATPMasked is AppendATP restricted to the nodes whose bit is set in
// mask (bit node%64 of word node/64): it visits only the SKU's rows at
// those nodes, finding each by the rank of its node among the SKU's
// holders. It implements network.ATPMaskLister.
func (t *Table) AppendATPMasked(sku string, mask []uint64, nodes, atp []int32) ([]int32, []int32) {
	id, ok := t.skuID[sku]
	if !ok {
		return nodes, atp
	}
	s := &t.skus[id]
	for w, h := range s.holders {
		if w >= len(mask) {
			break
		}
		for word := h.bits & mask[w]; word != 0; word &= word - 1 {
			below := h.bits & (1<<bits.TrailingZeros64(word) - 1)
			r := &s.rows[int(h.before)+bits.OnesCount64(below)]
			if a := r.atp(); a > 0 {
				nodes = append(nodes, r.node)
				atp = append(atp, a)
			}
		}
	}
	return nodes, atp
}

// Ship takes qty units of sku at node out of stock, as Reserve followed by
// Commit would (on hand drops by qty, reserved is unchanged), and returns
// the ATP left: one look-up instead of three for a caller that ships what
// it plans straight away. It fails like Reserve, changing nothing.
func (t *Table) Ship(node int, sku string, qty int32) (int32, error) {
	if err := t.checkQty("ship", node, sku, qty); err != nil {
		return 0, err
	}
	r := t.find(node, sku)
	var atp int32
	if r != nil {
		atp = r.atp()
	}
	if qty > atp {
		return atp, fmt.Errorf("ship %d of %s at %s: %w: ATP is %d", qty, sku, t.nodeName(node), ErrInsufficient, atp)
	}
	r.onHand -= qty
	return r.atp(), nil
}
