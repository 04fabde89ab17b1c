package network

import (
	"cmp"

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

// explainScratch is what BuildExplained reuses: the candidate rows
// beyond the order's reach nearest the customer, and a problem that
// receives the options of one of them.
type explainScratch struct {
	far      []int32
	farFirst []int32
	node     solver.Problem
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

// buildExplained makes the lean problem from the candidates (every node
// holding a line, and the pickup node) and explains it. A candidate
// within the order's reach gets its options built as Build builds them:
// the excluded ones are offered to ex.Nearest and taken out of p, the
// others stay. A candidate beyond the reach has only excluded options
// (see reach): they are counted, and the nearest such candidates kept
// aside, to be built only if their options are among the nearest
// exclusions.
func (b *Builder) buildExplained(p *solver.Problem) {
	ex, sc := b.explain, &b.explainScratch
	nl := b.lines
	k := b.nearest
	sc.far, sc.farFirst = sc.far[:0], sc.farFirst[:0]
	var total int32
	for i, n := range b.cands {
		node := int(n)
		nd := &b.cards[node]
		count := b.optionCount(nd)
		if count == 0 {
			continue
		}
		if !b.reaches(node) {
			if k > 0 {
				b.keepFar(i, total)
			}
			total += count
			continue
		}
		start := len(p.Options)
		r := int(b.row[n])
		b.leg.RoadMinutes = b.roadMin[i]
		b.addNode(p, node, b.km[i], b.atp[r*nl:(r+1)*nl])
		// Keep the eligible options in place, in order; offer the others.
		kept := start
		for o := start; o < len(p.Options); o++ {
			at := total + int32(o-start)
			if p.Options[o].Excluded != solver.ReasonNone {
				if k > 0 {
					b.offerNearest(at, &p.Options[o])
				}
				continue
			}
			ex.Index = append(ex.Index, at)
			if kept != o {
				p.Options[kept] = p.Options[o]
				copy(p.Available[kept*nl:(kept+1)*nl], p.Available[o*nl:(o+1)*nl])
				copy(p.UnitCost[kept*nl:(kept+1)*nl], p.UnitCost[o*nl:(o+1)*nl])
			}
			kept++
		}
		p.Options = p.Options[:kept]
		p.Available = p.Available[:kept*nl]
		p.UnitCost = p.UnitCost[:kept*nl]
		total += count
	}
	ex.Options = int(total)
	if k > 0 {
		b.explainFar()
	}
}

// keepFar keeps candidate row i, beyond the reach, whose first option has
// index first in Build's problem, when it is among the b.nearest nearest
// such candidates so far (by distance, then index). sc.far holds their
// rows in that order; sc.farFirst their first indexes.
func (b *Builder) keepFar(i int, first int32) {
	sc := &b.explainScratch
	km := b.km[i]
	n := len(sc.far)
	if n == b.nearest && !(km < b.km[sc.far[n-1]]) {
		return // candidates come in index order: ties go to the earlier
	}
	j := n
	for j > 0 && km < b.km[sc.far[j-1]] {
		j--
	}
	if n < b.nearest {
		sc.far = append(sc.far, 0)
		sc.farFirst = append(sc.farFirst, 0)
	}
	copy(sc.far[j+1:], sc.far[j:len(sc.far)-1])
	copy(sc.farFirst[j+1:], sc.farFirst[j:len(sc.farFirst)-1])
	sc.far[j], sc.farFirst[j] = int32(i), first
}

// explainFar builds the kept candidates beyond the reach, nearest first,
// and offers their options to ex.Nearest, until the next one is farther
// than the last of b.nearest exclusions held.
func (b *Builder) explainFar() {
	ex, sc := b.explain, &b.explainScratch
	nl := b.lines
	q := &sc.node
	for j, row := range sc.far {
		i := int(row)
		first := sc.farFirst[j]
		if len(ex.Nearest) == b.nearest {
			last := &ex.Nearest[b.nearest-1]
			if cc := cmp.Compare(b.km[i], last.Option.DistanceKm); cc > 0 || (cc == 0 && first > last.Index) {
				return
			}
		}
		n := b.cands[i]
		r := int(b.row[n])
		q.Options, q.Available, q.UnitCost = q.Options[:0], q.Available[:0], q.UnitCost[:0]
		b.leg.RoadMinutes = b.roadMin[i]
		b.addNode(q, int(n), b.km[i], b.atp[r*nl:(r+1)*nl])
		for o := range q.Options {
			if q.Options[o].Excluded != solver.ReasonNone {
				b.offerNearest(first+int32(o), &q.Options[o])
			}
		}
	}
}

// offerNearest keeps excluded option op, at index at of Build's problem,
// in ex.Nearest when it is among the b.nearest nearest so far (by
// distance, then index).
func (b *Builder) offerNearest(at int32, op *solver.Option) {
	ex := b.explain
	n := len(ex.Nearest)
	before := func(e *ExcludedOption) bool {
		if cc := cmp.Compare(op.DistanceKm, e.Option.DistanceKm); cc != 0 {
			return cc < 0
		}
		return at < e.Index
	}
	if n == b.nearest && !before(&ex.Nearest[n-1]) {
		return
	}
	j := n
	for j > 0 && before(&ex.Nearest[j-1]) {
		j--
	}
	if n < b.nearest {
		ex.Nearest = append(ex.Nearest, ExcludedOption{})
	}
	copy(ex.Nearest[j+1:], ex.Nearest[j:len(ex.Nearest)-1])
	ex.Nearest[j] = ExcludedOption{Index: at, Option: *op}
}
