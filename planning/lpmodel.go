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
	// Column lists per supply, per cell (its arcs, then its lost-sale
	// column) and per node, in column order.
	bySupply := groupColumns(len(m.Supplies), len(m.Arcs), func(j int) int { return m.Arcs[j].Supply }, nil)
	byCell := groupColumns(len(m.Cells), len(m.Arcs), func(j int) int { return m.Arcs[j].Cell }, func(c int) int { return len(m.Arcs) + c })
	byNode := groupColumns(len(m.net.Nodes), len(m.Arcs), func(j int) int { return m.Supplies[m.Arcs[j].Supply].Node }, nil)
	var all []float64 // ones(n) is its first n, grown as rows need
	ones := func(n int) []float64 {
		for len(all) < n {
			all = append(all, 1)
		}
		return all[:n]
	}
	for i := range m.Supplies {
		s := &m.Supplies[i]
		cols := bySupply.of(i)
		mod.AddRow(name("stock", i, s.NodeID, s.SKU), -lp.Inf, s.Units(), cols, ones(len(cols)))
	}
	for i := range m.Cells {
		c := &m.Cells[i]
		cols := byCell.of(i)
		mod.AddRow(name("demand", i, c.Region, c.SKU, c.Method.String()), c.Expected, c.Expected, cols, ones(len(cols)))
	}
	for i, c := range m.Capacities {
		cols := byNode.of(c.Node)
		mod.AddRow(name("capacity", i, m.net.Nodes[c.Node].ID), -lp.Inf, c.Units, cols, ones(len(cols)))
	}
	return mod
}

// groups are lists of columns by group, in one array: group g's are
// cols[start[g]:start[g+1]].
type groups struct {
	start []int
	cols  []int
}

func (g *groups) of(i int) []int { return g.cols[g.start[i]:g.start[i+1]] }

// groupColumns lists the columns 0..n-1 by group (of(j) in 0..count-1),
// each group's in ascending order, followed, when last is not nil, by the
// column last(g) of its own.
func groupColumns(count, n int, of func(j int) int, last func(g int) int) groups {
	extra := 0
	if last != nil {
		extra = 1
	}
	g := groups{start: make([]int, count+1)}
	for j := range n {
		g.start[of(j)+1]++
	}
	for i := range count {
		g.start[i+1] += g.start[i] + extra
	}
	g.cols = make([]int, g.start[count])
	next := append([]int(nil), g.start[:count]...)
	for j := range n {
		k := of(j)
		g.cols[next[k]] = j
		next[k]++
	}
	if last != nil {
		for i := range count {
			g.cols[g.start[i+1]-1] = last(i)
		}
	}
	return g
}
