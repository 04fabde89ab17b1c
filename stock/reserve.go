package stock

import "fmt"

// Item is a quantity of one SKU at one node.
type Item struct {
	Node int    `json:"node"` // dense node index
	SKU  string `json:"sku"`
	Qty  int32  `json:"qty"` // units, > 0
}

func (t *Table) checkQty(op string, node int, sku string, qty int32) error {
	if err := t.checkNode(node); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if sku == "" {
		return fmt.Errorf("%s: %w: empty sku", op, ErrInvalid)
	}
	if qty <= 0 {
		return fmt.Errorf("%s %s/%s: %w: quantity %d must be positive", op, t.nodeName(node), sku, ErrInvalid, qty)
	}
	return nil
}

// Reserve holds qty units of sku at node for an order. It fails with
// ErrInsufficient, changing nothing, when qty is above the ATP.
func (t *Table) Reserve(node int, sku string, qty int32) error {
	if err := t.checkQty("reserve", node, sku, qty); err != nil {
		return err
	}
	r := t.find(node, sku)
	var atp int32
	if r != nil {
		atp = r.atp()
	}
	if qty > atp {
		return fmt.Errorf("reserve %d of %s at %s: %w: ATP is %d", qty, sku, t.nodeName(node), ErrInsufficient, atp)
	}
	r.reserved += qty
	return nil
}

// Release returns qty reserved units of sku at node to ATP. Releasing more
// than is reserved fails with ErrInsufficient and changes nothing.
func (t *Table) Release(node int, sku string, qty int32) error {
	if err := t.checkQty("release", node, sku, qty); err != nil {
		return err
	}
	r := t.find(node, sku)
	if r == nil || qty > r.reserved {
		return fmt.Errorf("release %d of %s at %s: %w: %d reserved", qty, sku, t.nodeName(node), ErrInsufficient, reservedOf(r))
	}
	r.reserved -= qty
	return nil
}

// Commit turns qty reserved units into a shipment: on hand and reserved
// both drop by qty. Committing more than is reserved, or more than is on
// hand, fails with ErrInsufficient and changes nothing.
func (t *Table) Commit(node int, sku string, qty int32) error {
	if err := t.checkQty("commit", node, sku, qty); err != nil {
		return err
	}
	r := t.find(node, sku)
	if r == nil || qty > r.reserved || qty > r.onHand {
		var onHand int32
		if r != nil {
			onHand = r.onHand
		}
		return fmt.Errorf("commit %d of %s at %s: %w: %d reserved, %d on hand", qty, sku, t.nodeName(node), ErrInsufficient, reservedOf(r), onHand)
	}
	r.onHand -= qty
	r.reserved -= qty
	return nil
}

func reservedOf(r *row) int32 {
	if r == nil {
		return 0
	}
	return r.reserved
}

// ReserveAll reserves every item or none: on the first failure the items
// already reserved are released and the error names the failing item by
// its position. Items may repeat a (node, SKU); they then add up.
func (t *Table) ReserveAll(items []Item) error {
	for i, it := range items {
		if err := t.Reserve(it.Node, it.SKU, it.Qty); err != nil {
			for j := i - 1; j >= 0; j-- {
				// Cannot fail: item j was just reserved.
				_ = t.Release(items[j].Node, items[j].SKU, items[j].Qty)
			}
			return fmt.Errorf("items[%d]: %w", i, err)
		}
	}
	return nil
}

// ReleaseAll releases every item or none (see ReserveAll).
func (t *Table) ReleaseAll(items []Item) error {
	for i, it := range items {
		if err := t.Release(it.Node, it.SKU, it.Qty); err != nil {
			for j := i - 1; j >= 0; j-- {
				r := t.find(items[j].Node, items[j].SKU)
				r.reserved += items[j].Qty
			}
			return fmt.Errorf("items[%d]: %w", i, err)
		}
	}
	return nil
}

// CommitAll commits every item or none (see ReserveAll).
func (t *Table) CommitAll(items []Item) error {
	for i, it := range items {
		if err := t.Commit(it.Node, it.SKU, it.Qty); err != nil {
			for j := i - 1; j >= 0; j-- {
				r := t.find(items[j].Node, items[j].SKU)
				r.onHand += items[j].Qty
				r.reserved += items[j].Qty
			}
			return fmt.Errorf("items[%d]: %w", i, err)
		}
	}
	return nil
}
