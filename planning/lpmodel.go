package planning

import (
	"strconv"
	"strings"

	"github.com/omniroute/omniroute/lp"
)

// LP returns the model as an lp.Model (see Model for the order of columns
// and rows). Names are the planning terms with every character outside
// [A-Za-z0-9_] turned into '_', numbered so that each is unique:
// x12_alm_s01_SKU_00007_Almaty_parcel, lost3_Almaty_SKU_00007_courier,
// stock4_alm_s01_SKU_00007, demand3_..., capacity0_alm_s01.
func (m *Model) LP() *lp.Model { return m.lp(true) }

// lp is LP, its columns and rows named when named is true (a model only
// solved needs no names: building them is a fifth of a plan's time).
func (m *Model) lp(named bool) *lp.Model {
	mod := lp.NewModel("omniroute_plan")
	mod.Reserve(len(m.Arcs)+len(m.Cells), len(m.Supplies)+len(m.Cells)+len(m.Capacities))
	var b strings.Builder
	name := func(prefix string, i int, parts ...string) string {
		if !named {
			return ""
		}
		b.Reset()
		b.WriteString(prefix)
		b.WriteString(strconv.Itoa(i))
		for _, p := range parts {
			b.WriteByte('_')
			for _, r := range p {
				if r < 128 && (r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
					b.WriteRune(r)
				} else {
					b.WriteByte('_')
				}
			}
		}
		return b.String()
	}
	for i, a := range m.Arcs {
		s, c := &m.Supplies[a.Supply], &m.Cells[a.Cell]
		mod.AddVar(name("x", i, s.NodeID, s.SKU, c.Region, c.Method.String()), 0, lp.Inf, a.UnitCost)
	}
	for i := range m.Cells {
		c := &m.Cells[i]
		mod.AddVar(name("lost", i, c.Region, c.SKU, c.Method.String()), 0, lp.Inf, c.LostPrice)
	}
	// Column lists per supply, per cell and per node, in column order.
	bySupply := make([][]int, len(m.Supplies))
	byCell := make([][]int, len(m.Cells))
	byNode := map[int][]int{}
	for j, a := range m.Arcs {
		bySupply[a.Supply] = append(bySupply[a.Supply], j)
		byCell[a.Cell] = append(byCell[a.Cell], j)
		node := m.Supplies[a.Supply].Node
		byNode[node] = append(byNode[node], j)
	}
	var all []float64 // ones(n) is its first n, grown as rows need
	ones := func(n int) []float64 {
		for len(all) < n {
			all = append(all, 1)
		}
		return all[:n]
	}
	for i := range m.Supplies {
		s := &m.Supplies[i]
		mod.AddRow(name("stock", i, s.NodeID, s.SKU), -lp.Inf, s.Units(), bySupply[i], ones(len(bySupply[i])))
	}
	for i := range m.Cells {
		c := &m.Cells[i]
		cols := append(byCell[i], len(m.Arcs)+i)
		mod.AddRow(name("demand", i, c.Region, c.SKU, c.Method.String()), c.Expected, c.Expected, cols, ones(len(cols)))
	}
	for i, c := range m.Capacities {
		cols := byNode[c.Node]
		mod.AddRow(name("capacity", i, m.net.Nodes[c.Node].ID), -lp.Inf, c.Units, cols, ones(len(cols)))
	}
	return mod
}
