package network

import (
	"math/bits"

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
// It lists the stock of every node holding a line (one pass per line),
// to count their options. On a network of more than explainReachMin nodes
// it builds only the nodes within the order's reach; an enabled node
// beyond it lies farther than the largest radius of the order's methods
// (road distances and circuity only lengthen that), so once the nearest
// exclusions are all within that radius such a node is only counted: its
// distance is not measured, its stock not kept, its options not built.
// When they are not (fewer exclusions within the radius than asked for),
// it builds again, measuring every node, and builds the options of a node
// beyond the reach only when they are among the nearest exclusions.
// Errors are Build's; ex is then left empty.
func (b *Builder) BuildExplained(o *Order, st StockView, capa CapacityView, p *solver.Problem, nearest int, ex *Explanation) error {
	b.explain = ex
	b.nearest = nearest
	defer func() { b.explain = nil }()
	b.countFar = true
	err := b.build(o, st, capa, p, true)
	if err == nil && ex.Options < 0 {
		// Far nodes may be among the nearest: measure them.
		b.countFar = false
		err = b.build(o, st, capa, p, true)
	}
	if err != nil {
		ex.reset()
	}
	return err
}

// reset empties e for a build.
func (e *Explanation) reset() {
	e.Options = 0
	e.Index = e.Index[:0]
	e.Nearest = e.Nearest[:0]
}

// explainScratch is what BuildExplained reuses: the keys of the nearest
// exclusions so far, copies of the options of those within reach (kept
// when they were offered, in any order), and a problem that receives the
// options of one node beyond the reach to explain.
type explainScratch struct {
	keys []nearKey
	kept []solver.Option
	node solver.Problem
}

// nearKey names an option of Build's problem that the Builder excludes:
// its distance and index there (what orders the nearest), and where it
// comes from: kept[src] when src >= 0, else position pos among the
// options of the node of candidate row.
type nearKey struct {
	km            float64
	at            int32
	src, row, pos int32
}

// optionCount is the number of options Build lists for node: one per
// method the node offers and the order may use, one per courier partner
// of the node (counted once per node in optionCounts).
func (b *Builder) optionCount(node int) int32 {
	c, n := &b.ord, &b.counts[node]
	var k int32
	if c.wantDelivery {
		k += n.delivery
	}
	if c.wantPickup {
		k += n.pickup
	}
	return k
}

// optionCounts is how many options a node gives an order that wants
// delivery, and one that wants pickup.
type optionCounts struct{ delivery, pickup int32 }

// countOptions is what optionCount adds up for node card nd.
func countOptions(nd *nodeCard) optionCounts {
	var n optionCounts
	if nd.methods.has(solver.ShipFromStore) {
		n.delivery++
	}
	if nd.methods.has(solver.WarehouseShip) {
		n.delivery++
	}
	if nd.methods.has(solver.Courier) {
		n.delivery += int32(len(nd.couriers))
	}
	if nd.methods.has(solver.Pickup) {
		n.pickup++
	}
	return n
}

// explainReachMin is the number of nodes of a network above which an
// explained build finds the order's reach, to build only the nodes within
// it and count the others: with at most that many candidates, building
// every one costs less than finding the reach.
const explainReachMin = 64

// buildExplained makes the lean problem from the candidates (every node
// holding a line, and the pickup node) and explains it. A candidate
// within the order's reach (every candidate, on a network of at most
// explainReachMin nodes) gets its options built as Build builds them:
// the excluded ones are offered to the nearest (and copied when taken)
// and taken out of p, the others stay. A candidate beyond the reach has
// only excluded options (see reach), which are counted and offered to the
// nearest without being built: only those that stay among the nearest
// are built at the end, node by node. The far candidates (farBits, when
// orderScope.far) are counted in node order among the others; if the
// nearest exclusions found are not all within the reach's radius, one of
// them might be nearer, and buildExplained sets ex.Options to -1 for
// BuildExplained to build again without counting them.
func (b *Builder) buildExplained(p *solver.Problem) {
	ex, sc := b.explain, &b.explainScratch
	ex.reset()
	nl := b.lines
	k := b.nearest
	sc.keys, sc.kept = sc.keys[:0], sc.kept[:0]
	useReach := b.explainReach
	far := b.ord.far && b.farNodes > 0
	var total int32
	// The far candidates are merged in, in node order: farNode is the
	// next one not counted yet (-1 when none is left).
	farNodes := bitCursor{bits: b.farBits}
	farNode := -1
	if far {
		farNode = farNodes.next()
	}
	for i, n := range b.cands {
		node := int(n)
		for farNode >= 0 && farNode < node {
			total += b.optionCount(farNode)
			farNode = farNodes.next()
		}
		nd := &b.cards[node]
		count := b.optionCount(node)
		if count == 0 {
			continue
		}
		if useReach && !b.reaches(node) {
			// Options of one node share a distance and come in index
			// order: once one is not among the nearest, none after is.
			for j := int32(0); k > 0 && j < count; j++ {
				if !b.offerKey(nearKey{km: b.km[i], at: total + j, src: -1, row: int32(i), pos: j}) {
					break
				}
			}
			total += count
			continue
		}
		start := len(p.Options)
		r := int(b.row[n])
		b.leg.RoadMinutes = b.roadMin[i]
		// Options of one node share a distance and come after every key
		// kept so far: when the nearest are full and none is farther,
		// none of this node's exclusions can join them, and it is built
		// as a lean build builds it (eligible options alone).
		offering := k > 0 && (len(sc.keys) < k || b.km[i] < sc.keys[k-1].km)
		if !offering {
			b.ord.lean = true
			b.addNode(p, node, b.km[i], b.atp[r*nl:(r+1)*nl])
			b.ord.lean = false
			b.indexLean(nd, p.Options[start:], total)
			total += count
			continue
		}
		b.addNode(p, node, b.km[i], b.atp[r*nl:(r+1)*nl])
		// Keep the eligible options in place, in order; offer the others.
		kept := start
		for o := start; o < len(p.Options); o++ {
			at := total + int32(o-start)
			if p.Options[o].Excluded != solver.ReasonNone {
				if offering = offering && b.offerKey(nearKey{km: b.km[i], at: at, src: int32(len(sc.kept))}); offering {
					sc.kept = append(sc.kept, p.Options[o])
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
	for farNode >= 0 {
		total += b.optionCount(farNode)
		farNode = farNodes.next()
	}
	if far {
		if k > 0 && (len(sc.keys) < k || sc.keys[k-1].km > b.reachKm) {
			ex.Options = -1
			return
		}
	}
	ex.Options = int(total)
	b.explainNearest()
}

// indexLean appends to ex.Index the index in Build's problem of each of
// opts, the options of node card nd built lean (in Build's order, without
// the excluded ones), whose first option in Build's problem is at first.
// Build lists one option per method the node offers and the order may
// use, in method order, then one per courier partner of the node (see
// optionCount): an option's method and partner (courier names are unique
// in a network) give its place.
func (b *Builder) indexLean(nd *nodeCard, opts []solver.Option, first int32) {
	c, ex := &b.ord, b.explain
	var pickup, warehouse, courier int32 // the place of each method's first option
	if c.wantDelivery && nd.methods.has(solver.ShipFromStore) {
		pickup++
	}
	warehouse = pickup
	if c.wantPickup && nd.methods.has(solver.Pickup) {
		warehouse++
	}
	courier = warehouse
	if c.wantDelivery && nd.methods.has(solver.WarehouseShip) {
		courier++
	}
	partner := 0 // the next of nd.couriers a courier option may be
	for o := range opts {
		var at int32
		switch opts[o].Method {
		case solver.ShipFromStore:
			at = 0
		case solver.Pickup:
			at = pickup
		case solver.WarehouseShip:
			at = warehouse
		default:
			for b.couriers[nd.couriers[partner]].Name() != opts[o].Partner {
				partner++
			}
			at = courier + int32(partner)
			partner++
		}
		ex.Index = append(ex.Index, first+at)
	}
}

// bitCursor lists the set bits of a bitset in ascending order.
type bitCursor struct {
	bits []uint64
	w    int    // the word being listed
	word uint64 // its bits not listed yet (loaded when w is reached)
	on   bool   // word holds bits[w]
}

// next returns the next set bit, or -1 when none is left.
func (c *bitCursor) next() int {
	for {
		if !c.on {
			if c.w >= len(c.bits) {
				return -1
			}
			c.word, c.on = c.bits[c.w], true
		}
		if c.word != 0 {
			b := bits.TrailingZeros64(c.word)
			c.word &= c.word - 1
			return c.w<<6 + b
		}
		c.w++
		c.on = false
	}
}

// offerKey keeps key among the b.nearest nearest so far (by distance,
// then index), in order, and reports whether it did.
func (b *Builder) offerKey(key nearKey) bool {
	sc := &b.explainScratch
	n := len(sc.keys)
	before := func(e *nearKey) bool {
		return key.km < e.km || (key.km == e.km && key.at < e.at)
	}
	if n == b.nearest && !before(&sc.keys[n-1]) {
		return false
	}
	j := n
	for j > 0 && before(&sc.keys[j-1]) {
		j--
	}
	if n < b.nearest {
		sc.keys = append(sc.keys, nearKey{})
	}
	copy(sc.keys[j+1:], sc.keys[j:len(sc.keys)-1])
	sc.keys[j] = key
	return true
}

// explainNearest fills ex.Nearest from the keys kept: options within
// reach from their copies, those beyond it by building the options of
// their node as Build does.
func (b *Builder) explainNearest() {
	ex, sc, c := b.explain, &b.explainScratch, &b.ord
	nl := b.lines
	q := &sc.node
	built := int32(-1)
	lean := c.lean
	c.lean = false
	defer func() { c.lean = lean }()
	for _, key := range sc.keys {
		if key.src >= 0 {
			ex.Nearest = append(ex.Nearest, ExcludedOption{Index: key.at, Option: sc.kept[key.src]})
			continue
		}
		if key.row != built {
			i := int(key.row)
			n := b.cands[i]
			r := int(b.row[n])
			q.Options, q.Available, q.UnitCost = q.Options[:0], q.Available[:0], q.UnitCost[:0]
			b.leg.RoadMinutes = b.roadMin[i]
			b.addNode(q, int(n), b.km[i], b.atp[r*nl:(r+1)*nl])
			built = key.row
		}
		ex.Nearest = append(ex.Nearest, ExcludedOption{Index: key.at, Option: q.Options[key.pos]})
	}
}
