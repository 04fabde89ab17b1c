package stock

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
