package network

import (
	"cmp"
	"slices"

	"github.com/omniroute/omniroute/solver"
)

// Explanation is what BuildExplained says of the problem Build would have
// made, beside the lean problem it makes: how many options Build lists,
// where each lean option sits among them, and the options Build would
// list as excluded by the Builder that are nearest the customer. With it
// a caller explains a plan solved over the lean problem exactly as it
// would explain the plan of Build's problem (the solver chooses the same
// plan from either; see BuildEligible).
//
// An Explanation reuses its slices from one build to the next.
type Explanation struct {
	// Options is the number of options Build lists for the order.
	Options int
	// Index[i] is the index in Build's problem of option i of the lean
	// problem; it is ascending.
	Index []int32
	// Nearest holds the options Build lists as excluded by the Builder
	// (Option.Excluded set) that are nearest the customer, at most the
	// number asked for: ordered by DistanceKm, ties by Index, as Build
	// lists them. Their costs and ETA are those of Build's problem.
	Nearest []ExcludedOption
}

// ExcludedOption is one option of Build's problem that the Builder
// excludes, and its index there.
type ExcludedOption struct {
	Index  int32
	Option solver.Option
}

// Excluded returns how many options of Build's problem the Builder
// excludes: those the lean problem leaves out.
func (e *Explanation) Excluded() int { return e.Options - len(e.Index) }

// BuildExplained is BuildEligible (p is the same lean problem) that also
// explains what a full Build would list and p leaves out, in ex: the
// number of options, the index of each of p's options among them, and the
// nearest excluded ones, up to nearest of them (none when nearest <= 0).
//
// It reads the stock of every node holding a line (one pass per line),
// which BuildEligible does only within the order's reach, and measures
// their distances, to count their options and find the nearest; it builds
// the options of a node beyond the reach only when they are among the
// nearest exclusions. Errors are Build's; ex is then left empty.
func (b *Builder) BuildExplained(o *Order, st StockView, capa CapacityView, p *solver.Problem, nearest int, ex *Explanation) error {
	ex.Options = 0
	ex.Index = ex.Index[:0]
	ex.Nearest = ex.Nearest[:0]
	b.explain = ex
	b.nearest = nearest
	defer func() { b.explain = nil }()
	return b.build(o, st, capa, p, true)
}

// explainScratch is what BuildExplained reuses: the Build index of each
// candidate's first option, the candidates by distance (a heap of rows),
// and a problem that receives the options of one node to explain.
type explainScratch struct {
	first []int32
	near  nearHeap
	node  solver.Problem
}

// optionCount is the number of options Build lists for node card nd:
// one per method the node offers and the order may use, one per courier
// partner of the node.
func (b *Builder) optionCount(nd *nodeCard) int32 {
	c := &b.ord
	var n int32
	if c.wantDelivery {
		if nd.methods.has(solver.ShipFromStore) {
			n++
		}
		if nd.methods.has(solver.WarehouseShip) {
			n++
		}
		if nd.methods.has(solver.Courier) {
			n += int32(len(nd.couriers))
		}
	}
	if c.wantPickup && nd.methods.has(solver.Pickup) {
		n++
	}
	return n
}

// slotOf is the position of option op among the options Build lists for
// its node nd, which come in method order (SHIP_FROM_STORE, PICKUP,
// WAREHOUSE_SHIP, COURIER), then in the node's courier partner order.
func (b *Builder) slotOf(nd *nodeCard, op *solver.Option) int32 {
	c := &b.ord
	var s int32
	if c.wantDelivery && nd.methods.has(solver.ShipFromStore) {
		if op.Method == solver.ShipFromStore {
			return s
		}
		s++
	}
	if c.wantPickup && nd.methods.has(solver.Pickup) {
		if op.Method == solver.Pickup {
			return s
		}
		s++
	}
	if c.wantDelivery && nd.methods.has(solver.WarehouseShip) {
		if op.Method == solver.WarehouseShip {
			return s
		}
		s++
	}
	for _, ci := range nd.couriers {
		if b.couriers[ci].Name() == op.Partner {
			return s
		}
		s++
	}
	return s
}

// buildExplained makes the lean problem from the candidates (every node
// holding a line, and the pickup node), counting the options of all of
// them and indexing the lean ones, then explains the nearest exclusions.
func (b *Builder) buildExplained(p *solver.Problem) {
	ex, sc, c := b.explain, &b.explainScratch, &b.ord
	nl := b.lines
	sc.first = slices.Grow(sc.first[:0], len(b.cands))[:len(b.cands)]
	var total int32
	c.lean = true
	for i, n := range b.cands {
		node := int(n)
		nd := &b.cards[node]
		sc.first[i] = total
		if b.reaches(node) {
			start := len(p.Options)
			r := int(b.row[n])
			b.leg.RoadMinutes = b.roadMin[i]
			b.addNode(p, node, b.km[i], b.atp[r*nl:(r+1)*nl])
			for k := start; k < len(p.Options); k++ {
				ex.Index = append(ex.Index, total+b.slotOf(nd, &p.Options[k]))
			}
		}
		total += b.optionCount(nd)
	}
	ex.Options = int(total)
	if b.nearest > 0 && ex.Excluded() > 0 {
		c.lean = false
		b.explainNearest()
		c.lean = true
	}
}

// explainNearest fills b.explain.Nearest: it visits the candidates
// nearest first (ties by node, as Build's index orders them), builds each
// one's options as Build does and keeps the excluded ones, until it holds
// b.nearest of them and the next candidate is farther than the last kept.
func (b *Builder) explainNearest() {
	ex, sc := b.explain, &b.explainScratch
	nl := b.lines
	h := &sc.near
	h.rows = h.rows[:0]
	h.km, h.cands = b.km, b.cands
	for i := range b.cands {
		h.rows = append(h.rows, int32(i))
	}
	h.init()
	q := &sc.node
	for h.Len() > 0 {
		i := int(h.rows[0])
		if len(ex.Nearest) >= b.nearest {
			last := &ex.Nearest[b.nearest-1]
			if c := cmp.Compare(b.km[i], last.Option.DistanceKm); c > 0 || (c == 0 && sc.first[i] > last.Index) {
				break
			}
		}
		h.pop()
		n := b.cands[i]
		r := int(b.row[n])
		q.Options, q.Available, q.UnitCost = q.Options[:0], q.Available[:0], q.UnitCost[:0]
		b.leg.RoadMinutes = b.roadMin[i]
		b.addNode(q, int(n), b.km[i], b.atp[r*nl:(r+1)*nl])
		for k := range q.Options {
			if q.Options[k].Excluded != solver.ReasonNone {
				ex.Nearest = append(ex.Nearest, ExcludedOption{Index: sc.first[i] + int32(k), Option: q.Options[k]})
			}
		}
	}
	// Candidates come nearest first and a node's options in index order,
	// so the kept ones are in order already; ties of distance between
	// nodes visited apart cannot reorder them (the heap breaks ties by
	// node, which orders Build's index).
	if len(ex.Nearest) > b.nearest {
		ex.Nearest = ex.Nearest[:b.nearest]
	}
}

// nearHeap is a binary min-heap of candidate rows by distance from the
// customer, then by node (a hand-written one: container/heap would box
// every row it pops).
type nearHeap struct {
	rows  []int32
	km    []float64
	cands []int32
}

// less orders rows a and b.
func (h *nearHeap) less(a, b int32) bool {
	if c := cmp.Compare(h.km[a], h.km[b]); c != 0 {
		return c < 0
	}
	return h.cands[a] < h.cands[b]
}

// Len is the number of rows left.
func (h *nearHeap) Len() int { return len(h.rows) }

// init orders the rows as a heap.
func (h *nearHeap) init() {
	for i := len(h.rows)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// pop removes the first row.
func (h *nearHeap) pop() {
	n := len(h.rows) - 1
	h.rows[0] = h.rows[n]
	h.rows = h.rows[:n]
	h.down(0)
}

// down moves row i down to its place.
func (h *nearHeap) down(i int) {
	n := len(h.rows)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		m := l
		if r := l + 1; r < n && h.less(h.rows[r], h.rows[l]) {
			m = r
		}
		if !h.less(h.rows[m], h.rows[i]) {
			return
		}
		h.rows[i], h.rows[m] = h.rows[m], h.rows[i]
		i = m
	}
}
