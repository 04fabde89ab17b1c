package planning

import (
	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/lp"
)

// key names what a column or row of the model stands for, independently
// of where the model put it, so that one plan's basis carries over to the
// next plan's model (StartFrom).
type key struct {
	kind   byte   // 'x' arc, 'l' lost units, 's' stock, 'd' demand, 'c' capacity
	node   string // the node's id (its index may change with a reload)
	sku    string
	region string
	method forecast.Method
}

// keys holds a model's column and row keys, in the model's order.
type keys struct {
	cols, rows []key
}

// keys returns the keys of m's columns and rows (see Model for their
// order).
func (m *Model) keys() *keys {
	k := &keys{
		cols: make([]key, 0, len(m.Arcs)+len(m.Cells)),
		rows: make([]key, 0, len(m.Supplies)+len(m.Cells)+len(m.Capacities)),
	}
	for _, a := range m.Arcs {
		s, c := &m.Supplies[a.Supply], &m.Cells[a.Cell]
		k.cols = append(k.cols, key{kind: 'x', node: s.NodeID, sku: s.SKU, region: c.Region, method: c.Method})
	}
	for i := range m.Cells {
		c := &m.Cells[i]
		k.cols = append(k.cols, key{kind: 'l', sku: c.SKU, region: c.Region, method: c.Method})
	}
	for i := range m.Supplies {
		s := &m.Supplies[i]
		k.rows = append(k.rows, key{kind: 's', node: s.NodeID, sku: s.SKU})
	}
	for i := range m.Cells {
		c := &m.Cells[i]
		k.rows = append(k.rows, key{kind: 'd', sku: c.SKU, region: c.Region, method: c.Method})
	}
	for _, c := range m.Capacities {
		k.rows = append(k.rows, key{kind: 'c', node: m.net.Nodes[c.Node].ID})
	}
	return k
}

// StartFrom returns a warm start for m's LP from prev, the plan made
// before it (lp.Settings.Start): prev's basis carried over column by
// column and row by row to what m still has of them (lp.Basis.Map). Two
// plans a few hours apart share most of their stock, cells and arcs, and
// the solve then starts near its optimum. It returns nil (a cold start)
// when prev is nil or has no basis.
func (m *Model) StartFrom(prev *Result) *lp.Basis {
	if prev == nil || prev.Basis == nil || prev.keys == nil {
		return nil
	}
	index := func(old []key) map[key]int {
		at := make(map[key]int, len(old))
		for i, k := range old {
			at[k] = i
		}
		return at
	}
	lookup := func(cur []key, at map[key]int) []int {
		out := make([]int, len(cur))
		for i, k := range cur {
			j, ok := at[k]
			if !ok {
				j = -1
			}
			out[i] = j
		}
		return out
	}
	cur := m.keys()
	return prev.Basis.Map(lookup(cur.cols, index(prev.keys.cols)), lookup(cur.rows, index(prev.keys.rows)))
}
