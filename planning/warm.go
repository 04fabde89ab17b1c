package planning

import (
	"cmp"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/network"
)

// supplyKey and cellKey name a stock row and a demand cell independently of
// where a model put them, so that one plan's basis carries over to the
// next plan's model (StartFrom). A node is named by its id: its index may
// change with a reload.
type supplyKey struct {
	node, sku string
}

type cellKey struct {
	region, sku string
	method      forecast.Method
}

// compare orders cell keys as forecast.Demand orders its cells: by
// region, SKU and method.
func (a cellKey) compare(b cellKey) int {
	if c := cmp.Compare(a.region, b.region); c != 0 {
		return c
	}
	if c := cmp.Compare(a.sku, b.sku); c != 0 {
		return c
	}
	return cmp.Compare(a.method, b.method)
}

// keys is what StartFrom needs of a solved model: its supplies, cells and
// capacity rows by name, and each arc's supply and cell (model indices).
// net is the network the model was built over and supplyNode each
// supply's node index there: a model's supplies are in SKU order, then
// node order, so that two models over one network match theirs by a
// merge.
type keys struct {
	net        *network.Network
	supplies   []supplyKey
	supplyNode []int32
	cells      []cellKey
	capacities []string
	arcSupply  []int32
	arcCell    []int32
}

// keys returns m's keys.
func (m *Model) keys() *keys {
	k := &keys{
		net:        m.net,
		supplies:   make([]supplyKey, len(m.Supplies)),
		supplyNode: make([]int32, len(m.Supplies)),
		cells:      make([]cellKey, len(m.Cells)),
		capacities: make([]string, len(m.Capacities)),
		arcSupply:  make([]int32, len(m.Arcs)),
		arcCell:    make([]int32, len(m.Arcs)),
	}
	for i := range m.Supplies {
		k.supplies[i] = supplyKey{m.Supplies[i].NodeID, m.Supplies[i].SKU}
		k.supplyNode[i] = int32(m.Supplies[i].Node)
	}
	for i := range m.Cells {
		c := &m.Cells[i]
		k.cells[i] = cellKey{c.Region, c.SKU, c.Method}
	}
	for i, c := range m.Capacities {
		k.capacities[i] = m.net.Nodes[c.Node].ID
	}
	for j, a := range m.Arcs {
		k.arcSupply[j], k.arcCell[j] = int32(a.Supply), int32(a.Cell)
	}
	return k
}

// index maps each key of keys to its position.
func index[K comparable](keys []K) map[K]int {
	at := make(map[K]int, len(keys))
	for i, k := range keys {
		at[k] = i
	}
	return at
}

// lookup returns the position of each of cur in old (-1 when absent).
func lookup[K comparable](cur []K, old map[K]int) []int {
	out := make([]int, len(cur))
	for i, k := range cur {
		j, ok := old[k]
		if !ok {
			j = -1
		}
		out[i] = j
	}
	return out
}

// compareSupplies orders the a-th supply of keys k and the b-th of l, of
// models over one network, as Build orders them: by SKU, then node.
func compareSupplies(k *keys, a int, l *keys, b int) int {
	if c := cmp.Compare(k.supplies[a].sku, l.supplies[b].sku); c != 0 {
		return c
	}
	return cmp.Compare(k.supplyNode[a], l.supplyNode[b])
}

// supplyOrdered reports whether k's supplies are in strictly increasing
// order (as Build makes them).
func (k *keys) supplyOrdered() bool {
	for i := 1; i < len(k.supplies); i++ {
		if compareSupplies(k, i-1, k, i) >= 0 {
			return false
		}
	}
	return true
}

// increasing reports whether keys are in strictly increasing order (as a
// forecast's cells are).
func increasing(keys []cellKey) bool {
	for i := 1; i < len(keys); i++ {
		if keys[i-1].compare(keys[i]) >= 0 {
			return false
		}
	}
	return true
}

// matchSorted is lookup for two lists in one strict order, by a merge:
// compare(i, j) compares the i-th of the current list with the j-th of
// the old one.
func matchSorted(cur, old int, compare func(i, j int) int) []int {
	out := make([]int, cur)
	j := 0
	for i := range out {
		for j < old && compare(i, j) > 0 {
			j++
		}
		out[i] = -1
		if j < old && compare(i, j) == 0 {
			out[i] = j
		}
	}
	return out
}

// StartFrom returns a warm start for m's LP from prev, the plan made
// before it (lp.Settings.Start): prev's basis carried over column by
// column and row by row to what m still has of them (lp.Basis.Map): an
// arc by its supply and cell, a lost-sale column and a demand row by their
// cell, a stock row by its node and SKU, a capacity row by its node. Two
// plans a few hours apart share most of their stock, cells and arcs, and
// the solve then starts near its optimum. It returns nil (a cold start)
// when prev is nil or has no basis.
func (m *Model) StartFrom(prev *Result) *lp.Basis {
	if prev == nil || prev.Basis == nil || prev.keys == nil {
		return nil
	}
	old, cur := prev.keys, m.keys()
	var supply []int
	if old.net == cur.net && old.supplyOrdered() && cur.supplyOrdered() {
		supply = matchSorted(len(cur.supplies), len(old.supplies), func(i, j int) int {
			return compareSupplies(cur, i, old, j)
		})
	} else {
		supply = lookup(cur.supplies, index(old.supplies))
	}
	var cell []int
	if increasing(cur.cells) && increasing(old.cells) {
		cell = matchSorted(len(cur.cells), len(old.cells), func(i, j int) int { return cur.cells[i].compare(old.cells[j]) })
	} else {
		cell = lookup(cur.cells, index(old.cells))
	}
	capacity := lookup(cur.capacities, index(old.capacities))
	// byCell[c] lists the old arcs into old cell c: a few, one per node
	// that holds the SKU.
	byCell := make([][]int32, len(old.cells))
	for j, c := range old.arcCell {
		byCell[c] = append(byCell[c], int32(j))
	}
	nArcs, nOldArcs := len(cur.arcSupply), len(old.arcSupply)
	vars := make([]int, 0, nArcs+len(cur.cells))
	for j := range nArcs {
		from := -1
		if s, c := supply[cur.arcSupply[j]], cell[cur.arcCell[j]]; s >= 0 && c >= 0 {
			for _, oj := range byCell[c] {
				if int(old.arcSupply[oj]) == s {
					from = int(oj)
					break
				}
			}
		}
		vars = append(vars, from)
	}
	for _, c := range cell {
		if c >= 0 {
			c += nOldArcs // the old lost-sale column of the cell
		}
		vars = append(vars, c)
	}
	rows := make([]int, 0, len(supply)+len(cell)+len(capacity))
	rows = append(rows, supply...)
	for _, c := range cell {
		if c >= 0 {
			c += len(old.supplies)
		}
		rows = append(rows, c)
	}
	for _, c := range capacity {
		if c >= 0 {
			c += len(old.supplies) + len(old.cells)
		}
		rows = append(rows, c)
	}
	return prev.Basis.Map(vars, rows)
}
