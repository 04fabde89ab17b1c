package network

import (
	"fmt"
	"math/bits"
	"slices"

	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/solver"
)

const pickupMethod = solver.Pickup

// Builder turns one order over live stock into a solver.Problem: it finds
// the candidate nodes (those holding a line's SKU, and the requested pickup
// node), makes one option per method a node offers and the order allows,
// decides the eligibility checks it owns (disabled, method not allowed,
// radius, courier zone, hours, weight) and prices every option.
//
// Checks and prices stay apart: eligibility only sets Option.Excluded, the
// CostModel only prices. A Builder reuses its scratch memory and the
// problem's slices, so a steady stream of orders builds without
// allocating. A Builder is not safe for concurrent use; use one per
// goroutine (they may share the Network).
type Builder struct {
	net  *Network
	cost CostModel
	// pinned is the one carrier CostModel.Carrier names (an index into
	// net.Carriers), -1 to shop every carrier that serves a parcel option.
	pinned int
	// couriers and carriers are the network's partners, by index.
	couriers, carriers []Partner

	// Per-node scratch, valid where stamp[node] == gen; bits marks the
	// same nodes, to list them in order.
	stamp []uint32
	row   []int32 // candidate row of the node in atp
	bits  []uint64
	gen   uint32

	// trip is what partners are told about the order being built; leg the
	// trip being asked about.
	trip TripOrder
	leg  Trip
	// courierPre[c] caches, for this order, courier c's PreFilter (valid
	// where courierAsked[c] == gen); the same for carriers.
	courierPre, carrierPre     []solver.Reason
	courierAsked, carrierAsked []uint32

	cands []int32 // candidate nodes of this order
	atp   []int32 // candidate rows x lines
	lines int
	line  int
	visit func(node int, atp int32)

	// ord is what the options of the order being built share, base what
	// those of the node being added share.
	ord  orderScope
	base optionBase
	// bufNodes and bufATP receive one line's stock from an ATPLister.
	bufNodes, bufATP []int32

	// Reach of a lean build (see reach): reachBits marks the nodes that may
	// give an option; kinds[node] is the methods an enabled node offers (0
	// when disabled); methodBits[m] marks the enabled nodes offering method
	// m (nil when none does); unbounded the methods with no radius for this
	// order; reachKm the largest radius (-1 when every method is
	// unbounded), beyond which an enabled node outside the reach lies.
	reachBits  []uint64
	kinds      []methodSet
	methodBits [8][]uint64
	unbounded  methodSet
	reachKm    float64
	nearBuf    []int32
	nearCells  nearCellCache

	// pos are the node positions, contiguous; km the candidates' distances
	// from the customer, in b.cands order, and roadMin their road travel
	// times (0 when not known); cards what options need of each node,
	// compact.
	pos     []geo.Unit
	km      []float64
	roadMin []float64
	cards   []nodeCard
	// counts are the options of each node, for an explained build to
	// count (see optionCount).
	counts []optionCounts

	// explain is the Explanation of a BuildExplained (nil otherwise), of
	// up to nearest exclusions, made with explainScratch.
	explain        *Explanation
	nearest        int
	explainScratch explainScratch
	// farBits marks the far candidates of an explained build that counts
	// them (orderScope.far): enabled nodes beyond the reach holding a line,
	// left out of b.cands; farNodes is how many nodes it marked.
	farBits  []uint64
	farNodes int
	// explainReach says that the explained build found the reach (a
	// network of more than explainReachMin nodes); countFar that it may
	// count the far candidates (off when a build had to measure them).
	explainReach, countFar bool
}

// nodeCard is what the options of a node need of it, kept together.
type nodeCard struct {
	id           string
	kind         Kind
	pickPerOrder float64
	pickPerUnit  float64
	open         window
	couriers     []int
	carriers     []int // the parcel carriers that may price its parcels
	methods      methodSet
	enabled      bool
}

// NewBuilder returns a Builder over an initialised network. cost may be
// nil for the default CostModel: every carrier shops for each parcel
// option. It panics if the network is not initialised or cost names an
// unknown carrier: both are programming errors caught at start-up. The Builder keeps what it needs of the nodes
// (positions, methods, pick costs, hours): a network changed and
// initialised again needs new Builders.
func NewBuilder(net *Network, cost *CostModel) *Builder {
	if net == nil || net.prep == nil {
		panic("network.NewBuilder: " + ErrNotInitialized.Error())
	}
	b := &Builder{net: net, pinned: -1, couriers: net.prep.courierPartners, carriers: net.prep.carrierPartners}
	if cost != nil {
		b.cost = *cost
	}
	if b.cost.Carrier != "" {
		i, ok := net.prep.carriers[b.cost.Carrier]
		if !ok {
			panic(fmt.Sprintf("network.NewBuilder: unknown carrier %q", b.cost.Carrier))
		}
		b.pinned = i
	}
	b.courierPre = make([]solver.Reason, len(net.Couriers))
	b.courierAsked = make([]uint32, len(net.Couriers))
	b.carrierPre = make([]solver.Reason, len(net.Carriers))
	b.carrierAsked = make([]uint32, len(net.Carriers))
	b.leg.Order = &b.trip
	b.stamp = make([]uint32, len(net.Nodes))
	b.row = make([]int32, len(net.Nodes))
	words := (len(net.Nodes) + 63) / 64
	b.reachBits = make([]uint64, words)
	b.bits = make([]uint64, words)
	b.farBits = make([]uint64, words)
	b.kinds = make([]methodSet, len(net.Nodes))
	b.pos = make([]geo.Unit, len(net.Nodes))
	b.cards = make([]nodeCard, len(net.Nodes))
	b.counts = make([]optionCounts, len(net.Nodes))
	for i := range net.Nodes {
		nd, np := &net.Nodes[i], &net.prep.nodes[i]
		b.pos[i] = np.pos
		b.cards[i] = nodeCard{
			id: nd.ID, kind: nd.Kind, pickPerOrder: nd.PickCostPerOrder, pickPerUnit: nd.PickCostPerUnit,
			open: np.open, couriers: np.couriers, carriers: np.carriers, methods: np.methods, enabled: nd.Enabled,
		}
		if b.pinned >= 0 {
			// Only the carrier the cost model names, where it collects.
			b.cards[i].carriers = nil
			if slices.Contains(np.carriers, b.pinned) {
				b.cards[i].carriers = []int{b.pinned}
			}
		}
		b.counts[i] = countOptions(&b.cards[i])
		if nd.Enabled {
			b.kinds[i] = np.methods
			for m := range b.methodBits {
				if np.methods&(1<<m) == 0 {
					continue
				}
				if b.methodBits[m] == nil {
					b.methodBits[m] = make([]uint64, words)
				}
				b.methodBits[m][i>>6] |= 1 << (i & 63)
			}
		}
	}
	b.visit = b.addStock
	return b
}

// Network returns the network the Builder builds over.
func (b *Builder) Network() *Network { return b.net }

// addStock records that node holds atp units of the current line.
func (b *Builder) addStock(node int, atp int32) {
	if node < 0 || node >= len(b.stamp) || b.skip(node) {
		return
	}
	r := b.candidate(node)
	b.atp[int(r)*b.lines+b.line] = atp
}

// addStocks is addStock for each node of a stock list of the current
// line and its ATP, in one loop: the same checks, without a call per node.
func (b *Builder) addStocks(nodes, atp []int32) {
	c := &b.ord
	check := c.lean || c.far
	nl, l := b.lines, b.line
	for i, n := range nodes {
		node := int(n)
		if uint(node) >= uint(len(b.stamp)) {
			continue
		}
		if check {
			// skip, inlined.
			w, bit := node>>6, uint64(1)<<(node&63)
			if b.reachBits[w]&bit == 0 {
				if c.lean {
					continue
				}
				if b.kinds[node] != 0 {
					if b.farBits[w]&bit == 0 {
						b.farBits[w] |= bit
						b.farNodes++
					}
					continue
				}
			}
		}
		var r int32
		if b.stamp[node] == b.gen {
			r = b.row[node]
		} else {
			r = b.candidate(node)
		}
		b.atp[int(r)*nl+l] = atp[i]
	}
}

// skip reports whether the build leaves node, which holds a line, out of
// its candidates: a lean build every node beyond the reach; an explained
// build that counts far nodes (orderScope.far) an enabled node beyond the
// reach, which it marks in farBits instead. A disabled node beyond the
// reach may lie anywhere: an explained build measures it.
func (b *Builder) skip(node int) bool {
	c := &b.ord
	if !(c.lean || c.far) || b.reaches(node) {
		return false
	}
	if c.lean {
		return true
	}
	if b.kinds[node] == 0 {
		return false
	}
	w, bit := node>>6, uint64(1)<<(node&63)
	if b.farBits[w]&bit == 0 {
		b.farBits[w] |= bit
		b.farNodes++
	}
	return true
}

// candidate returns the node's row, adding it as a candidate if new.
func (b *Builder) candidate(node int) int32 {
	if b.stamp[node] == b.gen {
		return b.row[node]
	}
	b.stamp[node] = b.gen
	b.bits[node>>6] |= 1 << (node & 63)
	r := int32(len(b.cands))
	b.row[node] = r
	b.cands = append(b.cands, int32(node))
	n := len(b.atp)
	b.atp = slices.Grow(b.atp, b.lines)[:n+b.lines]
	clear(b.atp[n:])
	return r
}

// Build fills p with the problem of sourcing o from st under the daily
// capacities capa (nil means no limit). It reuses p's slices. Options come
// in ascending node order, then method order (SHIP_FROM_STORE, PICKUP,
// WAREHOUSE_SHIP, COURIER), then courier partner order, so the same input
// always gives the same problem. Every candidate is listed, the excluded
// ones with their reason, so that a plan can explain itself. An option the
// Builder excludes is not priced (its costs and ETA are zero: the solver
// never uses them), except one excluded only because the order chose
// another offer, which is priced as in the order's own problem.
//
// When st is also a SKUCatalog, the lines of SKUs it does not know are
// marked solver.Line.UnknownSKU.
//
// An invalid order gives an error wrapping ErrInvalidOrder that names the
// field; p is then left empty.
func (b *Builder) Build(o *Order, st StockView, capa CapacityView, p *solver.Problem) error {
	return b.build(o, st, capa, p, false)
}

// BuildEligible is Build for callers that need no list of exclusions (a
// replay, a batch): p holds only the options that the Builder's own checks
// do not exclude, in the order Build gives them, so the solver chooses the
// same plan from either problem. Far nodes cost it next to nothing: a node
// beyond the largest radius any method may use for o (found with the
// spatial index; for a wide radius, from a cache of the nodes near the
// customer's cell, which may keep a few nodes a little farther for the
// checks to exclude) is dropped as its stock is read, before its distance
// is measured or an option made, unless it offers a method with no radius
// for o (warehouse shipping, or a method whose radius is 0).
//
// Options the solver itself rules out (no stock, no capacity, missed
// promise) are kept, as in Build. Errors are Build's.
func (b *Builder) BuildEligible(o *Order, st StockView, capa CapacityView, p *solver.Problem) error {
	return b.build(o, st, capa, p, true)
}

func (b *Builder) build(o *Order, st StockView, capa CapacityView, p *solver.Problem, lean bool) error {
	p.Lines = p.Lines[:0]
	p.Options = p.Options[:0]
	p.Available = p.Available[:0]
	p.UnitCost = p.UnitCost[:0]
	p.MaxShipments, p.SplitLines, p.SplitPenalty, p.PromiseMinutes = 0, false, 0, 0
	p.LostSaleCostPerOrder = 0
	pickupNode, err := b.net.ValidateOrder(o)
	if err != nil {
		return err
	}
	net := b.net
	pol := &net.Policy
	nl := len(o.Lines)
	p.Lines = append(p.Lines, o.Lines...)
	if pol.LostSaleCostPerUnit > 0 {
		// A line's own price wins; the others take the network's.
		for l := range p.Lines {
			if p.Lines[l].LostSaleCost == 0 {
				p.Lines[l].LostSaleCost = pol.LostSaleCostPerUnit
			}
		}
	}
	p.LostSaleCostPerOrder = pol.LostSaleCostPerOrder
	p.SplitLines = o.AllowSplit
	p.SplitPenalty = pol.SplitPenalty
	p.PromiseMinutes = promiseMinutes(o)
	p.MaxShipments = maxShipments(o, pol)

	b.gen++
	if b.gen == 0 {
		clear(b.stamp)
		clear(b.courierAsked)
		clear(b.carrierAsked)
		b.gen = 1
	}
	c := &b.ord
	*c = orderScope{
		o:            o,
		capa:         capa,
		customer:     geo.ToUnit(o.Lat, o.Lon),
		minute:       localMinute(o.CreatedAt, pol.TZOffsetMinutes),
		pickupNode:   pickupNode,
		pickupRadius: o.PickupRadiusKm,
		wantDelivery: o.Want != WantPickup,
		wantPickup:   o.Want != WantDelivery,
		lean:         lean && b.explain == nil, // an explained build reads every node
		far:          b.explain != nil && b.countFar,
		choice:       choiceOf(o),
		live:         o.Live,
		promise:      p.PromiseMinutes,
	}
	if c.pickupRadius == 0 {
		c.pickupRadius = pol.PickupRadiusKm
	}
	if pickupNode >= 0 {
		c.redirect = o.PickupRedirectCost
	}
	b.trip = tripOrder(o, pol)
	c.orderKg = b.trip.Kg
	switch {
	case lean && b.explain == nil:
		b.reach(o, p)
	case b.explain != nil:
		// An explained build finds the reach on a network of more than
		// explainReachMin nodes; it counts the far ones when the reach has
		// a radius (see buildExplained).
		b.explainReach = len(net.Nodes) > explainReachMin
		if b.explainReach {
			b.reach(o, p)
		}
		c.far = c.far && b.explainReach && b.reachKm >= 0
	}

	// Candidates: every node with stock of a line (and, for a lean build,
	// within reach), and the pickup node.
	b.cands = b.cands[:0]
	b.atp = b.atp[:0]
	b.lines = nl
	pickupCand := -1
	if pickupNode >= 0 && (!c.lean || net.Nodes[pickupNode].Enabled) {
		pickupCand = pickupNode
	}
	b.gatherStock(o, st, pickupCand)
	b.markUnknownSKUs(st, p)
	// Distances first, all in one batch.
	b.km = slices.Grow(b.km[:0], len(b.cands))[:len(b.cands)]
	c.customer.DistancesKm(b.pos, b.cands, b.km)
	b.roads(pol.circuity())
	if b.explain != nil {
		b.buildExplained(p)
		return nil
	}
	for i, n := range b.cands {
		r := int(b.row[n])
		b.leg.RoadMinutes = b.roadMin[i]
		b.addNode(p, int(n), b.km[i], b.atp[r*nl:(r+1)*nl])
	}
	return nil
}

// maxShipments is the shipment limit of o's problem (0: none).
func maxShipments(o *Order, pol *Policy) int {
	switch {
	case !o.AllowSplit:
		return 1
	case o.MaxShipments > 0:
		return o.MaxShipments
	}
	return pol.DefaultMaxShipment
}

// tripOrder is what partners are told about o.
func tripOrder(o *Order, pol *Policy) TripOrder {
	t := TripOrder{Lat: o.Lat, Lon: o.Lon, LocalMinute: localMinute(o.CreatedAt, pol.TZOffsetMinutes), Whole: maxShipments(o, pol) == 1}
	for l := range o.Lines {
		t.Kg += float64(o.Lines[l].Quantity) * o.Lines[l].UnitWeightKg
		t.Units += o.Lines[l].Quantity
	}
	return t
}

// roads turns the candidates' great-circle distances into the distances
// options use: the road distance of the order's Live legs where there is
// one (never less than the great circle), else great circle x circuity;
// roadMin gets the legs' travel times (0 elsewhere).
func (b *Builder) roads(circuity float64) {
	b.roadMin = slices.Grow(b.roadMin[:0], len(b.cands))[:len(b.cands)]
	clear(b.roadMin)
	var legs []Leg
	if b.ord.live != nil {
		legs = b.ord.live.Legs
	}
	if len(legs) == 0 && circuity == 1 {
		return
	}
	j := 0
	for i, n := range b.cands { // both ascending by node
		for j < len(legs) && legs[j].Node < n {
			j++
		}
		if j < len(legs) && legs[j].Node == n {
			b.km[i] = max(legs[j].Km, b.km[i])
			b.roadMin[i] = legs[j].Minutes
			continue
		}
		b.km[i] *= circuity
	}
}

// courierPreFilter is courier ci's PreFilter for the order being built,
// asked once per order.
func (b *Builder) courierPreFilter(ci int) solver.Reason {
	if b.courierAsked[ci] != b.gen {
		b.courierAsked[ci] = b.gen
		b.courierPre[ci] = b.couriers[ci].PreFilter(&b.trip)
	}
	return b.courierPre[ci]
}

// carrierPreFilter is carrier ci's PreFilter for the order being built,
// asked once per order.
func (b *Builder) carrierPreFilter(ci int) solver.Reason {
	if b.carrierAsked[ci] != b.gen {
		b.carrierAsked[ci] = b.gen
		b.carrierPre[ci] = b.carriers[ci].PreFilter(&b.trip)
	}
	return b.carrierPre[ci]
}

// markUnknownSKUs sets p.Lines[l].UnknownSKU when st is a SKUCatalog that
// does not know the line's SKU. Only a line no candidate has ATP of can be
// unknown, so the catalogue is asked about those alone: the lines a replay
// fills cost no look-up.
func (b *Builder) markUnknownSKUs(st StockView, p *solver.Problem) {
	cat, ok := st.(SKUCatalog)
	if !ok {
		return
	}
	nl := b.lines
	for l := range p.Lines {
		stocked := false
		for r := l; r < len(b.atp); r += nl {
			if b.atp[r] > 0 {
				stocked = true
				break
			}
		}
		p.Lines[l].UnknownSKU = !stocked && !cat.KnownSKU(p.Lines[l].SKU)
	}
}

// gatherStock makes a candidate of every node with stock of a line that
// the build accepts, and of the pickup node (-1 for none), recording their
// ATP per line (row b.row[node] of b.atp); it leaves b.cands in ascending
// node order.
func (b *Builder) gatherStock(o *Order, st StockView, pickupCand int) {
	lister, fast := st.(ATPLister)
	masker, masked := st.(ATPMaskLister)
	masked = masked && b.ord.lean
	fast = fast || masked
	// list appends line l's stock to b.bufNodes and b.bufATP: for a lean
	// build with a masking StockView, only the nodes within reach.
	list := func(l int) {
		if masked {
			b.bufNodes, b.bufATP = masker.AppendATPMasked(o.Lines[l].SKU, b.reachBits, b.bufNodes[:0], b.bufATP[:0])
			return
		}
		b.bufNodes, b.bufATP = lister.AppendATP(o.Lines[l].SKU, b.bufNodes[:0], b.bufATP[:0])
	}
	if b.ord.far {
		clear(b.farBits)
		b.farNodes = 0
	}
	if fast && len(o.Lines) == 1 && pickupCand < 0 {
		// One line: its stock list, ascending, is the candidates.
		list(0)
		atp := b.bufATP[:len(b.bufNodes)]
		for i, n := range b.bufNodes {
			if n < 0 || int(n) >= len(b.stamp) || b.skip(int(n)) {
				continue
			}
			b.row[n] = int32(len(b.cands))
			b.cands = append(b.cands, n)
			b.atp = append(b.atp, atp[i])
		}
		return
	}
	clear(b.bits)
	if st != nil {
		for l := range o.Lines {
			b.line = l
			if !fast {
				st.EachATP(o.Lines[l].SKU, b.visit)
				continue
			}
			list(l)
			b.addStocks(b.bufNodes, b.bufATP[:len(b.bufNodes)])
		}
	}
	if pickupCand >= 0 {
		b.candidate(pickupCand)
	}
	// The marked nodes, in ascending order.
	b.cands = b.cands[:0]
	for w, word := range b.bits {
		for word != 0 {
			b.cands = append(b.cands, int32(w<<6+bits.TrailingZeros64(word)))
			word &= word - 1
		}
	}
}

// addNode appends the options of candidate node, km from the customer,
// whose ATP per line is row. A lean build appends only the options that are
// not excluded.
func (b *Builder) addNode(p *solver.Problem, node int, km float64, row []int32) {
	c := &b.ord
	net := b.net
	pol := &net.Policy
	nd := &b.cards[node]
	if c.lean && !nd.enabled {
		return
	}
	capUnits := int32(-1)
	if c.capa != nil {
		capUnits = c.capa.Remaining(node)
	}
	// Fields set one by one: a composite literal is built on the stack and
	// copied, and the copy stalls on its own fresh stores.
	base := &b.base
	base.node, base.id, base.capacity, base.km = int32(node), nd.id, capUnits, km
	minute := c.minute
	outsideCandidateRadius := pol.CandidateRadiusKm > 0 && km > pol.CandidateRadiusKm

	// Each option's eligibility is decided first; a lean build prices only
	// the options it keeps.
	if c.wantDelivery && nd.methods.has(solver.ShipFromStore) {
		b.addParcel(p, base, nd, solver.ShipFromStore, row, outsideCandidateRadius)
	}
	if c.wantPickup && nd.methods.has(solver.Pickup) {
		var why solver.Reason
		switch {
		case !nd.enabled:
			why = solver.ReasonDisabled
		case c.pickupNode >= 0 && c.pickupNode != node && c.redirect == 0:
			why = solver.ReasonMethodNotAllowed
		case c.pickupNode != node && c.pickupRadius > 0 && km > c.pickupRadius:
			// Any store near the customer, or another store than the one
			// named when the order may be redirected.
			why = solver.ReasonOutsideRadius
		case !c.choice.allows(solver.Pickup, "", node):
			why = solver.ReasonMethodNotAllowed
		case c.pickupNode >= 0 && c.pickupNode != node && !c.redirects():
			why = solver.ReasonMethodNotAllowed // the offer chosen holds it to the store
		}
		if !c.lean || why == solver.ReasonNone {
			opt := b.appendOption(p, base, why, row, nd.pickPerUnit)
			opt.Method = solver.Pickup
			opt.FixedCost = nd.pickPerOrder + pol.PickupCostPerKm*km
			if c.pickupNode >= 0 && c.pickupNode != node {
				opt.FixedCost += c.redirect // another store than the one named
			}
			// A store closed at order time gets the order ready after it
			// opens; the promise, if any, decides whether that is too late.
			opt.ETAMinutes = int32(nd.open.untilOpen(minute) + pol.PickupReadyMinutes)
		}
	}
	if c.wantDelivery && nd.methods.has(solver.WarehouseShip) {
		b.addParcel(p, base, nd, solver.WarehouseShip, row, false)
	}
	if c.wantDelivery && nd.methods.has(solver.Courier) {
		t := &b.leg
		t.Node, t.Kind, t.Km, t.Quote = node, nd.kind, km, nil
		for _, ci := range nd.couriers {
			pt := b.couriers[ci]
			why := solver.ReasonNone
			switch {
			case !nd.enabled:
				why = solver.ReasonDisabled
			case outsideCandidateRadius:
				why = solver.ReasonOutsideRadius
			default:
				// The partner's radius, then what holds for the whole
				// order (zone, weight, its hours), then the node's hours.
				if why = pt.Filter(t); why == solver.ReasonNone {
					why = b.courierPreFilter(ci)
				}
				if why == solver.ReasonNone && !nd.open.isOpen(minute) {
					why = solver.ReasonClosed
				}
			}
			var q *Quote
			if why == solver.ReasonNone {
				if q = c.live.Quote(node, ci); q != nil && q.Unavailable {
					why, q = solver.ReasonPartnerUnavailable, nil
				}
			}
			if why != solver.ReasonNone {
				if !c.lean {
					opt := b.appendExcluded(p, base, why, row)
					opt.Method, opt.Partner = solver.Courier, pt.Name()
				}
				continue
			}
			// Held to another offer, the option is still priced: the
			// order's problem is the cart's with it excluded (Offer).
			if !c.choice.allows(solver.Courier, pt.Name(), node) {
				if c.lean {
					continue
				}
				why = solver.ReasonMethodNotAllowed
			}
			t.Quote = q
			pr := pt.Price(t)
			opt := b.appendPriced(p, base, why, row, nd.pickPerUnit, &pr)
			opt.Method = solver.Courier
			opt.Partner = pt.Name()
			opt.FixedCost = nd.pickPerOrder + pr.Fixed
			opt.ETAMinutes = pr.ETAMinutes
			opt.MaxWeightKg = pr.MaxWeightKg
		}
	}
}

// addParcel appends a SHIP_FROM_STORE or WAREHOUSE_SHIP option (for a lean
// build, only when it is not excluded), carried by the carrier that rate
// shopping chooses (shop).
func (b *Builder) addParcel(p *solver.Problem, base *optionBase, nd *nodeCard, m solver.Method, row []int32, outsideRadius bool) {
	var why solver.Reason
	t := &b.leg
	t.Node, t.Kind, t.Km, t.Quote = int(base.node), nd.kind, base.km, nil
	carrier := -1
	var pr Price
	switch {
	case len(nd.carriers) == 0:
		why = solver.ReasonMethodNotAllowed
	case !nd.enabled:
		why = solver.ReasonDisabled
	case outsideRadius:
		why = solver.ReasonOutsideRadius
	default:
		carrier, why = b.shop(nd, t, &pr)
	}
	if why != solver.ReasonNone {
		if !b.ord.lean {
			opt := b.appendExcluded(p, base, why, row)
			opt.Method = m
		}
		return
	}
	// Held to another offer, the option is still priced (see addNode).
	if !b.ord.choice.allows(m, "", int(base.node)) {
		if b.ord.lean {
			return
		}
		why = solver.ReasonMethodNotAllowed
	}
	opt := b.appendPriced(p, base, why, row, nd.pickPerUnit, &pr)
	opt.Method = m
	opt.Partner = b.carriers[carrier].Name()
	opt.FixedCost = nd.pickPerOrder + pr.Fixed
	opt.ETAMinutes = addMinutes(float64(pr.ETAMinutes), float64(nd.open.untilOpen(b.ord.minute)))
	opt.MaxWeightKg = pr.MaxWeightKg
}

// shop prices trip t by every carrier that collects from nd and takes it,
// and returns the one that carries it and its price: the cheapest for the
// whole order among those that keep the promise and carry the order's
// weight, else the cheapest; ties go to the carrier listed first. When
// none takes the trip it returns -1 and the most telling of their reasons.
func (b *Builder) shop(nd *nodeCard, t *Trip, pr *Price) (int, solver.Reason) {
	best, bestCost, bestKeeps := -1, 0.0, false
	why := solver.ReasonNone
	wait := nd.open.untilOpen(b.ord.minute)
	promise := b.ord.promise
	for _, ci := range nd.carriers {
		pt := b.carriers[ci]
		r := pt.Filter(t)
		if r == solver.ReasonNone {
			r = b.carrierPreFilter(ci)
		}
		if r != solver.ReasonNone {
			why = solver.MostTelling(why, r)
			continue
		}
		q := pt.Price(t)
		if len(nd.carriers) == 1 {
			*pr = q
			return ci, solver.ReasonNone
		}
		keeps := (promise == 0 || int64(q.ETAMinutes)+int64(wait) <= int64(promise)) &&
			(q.MaxWeightKg == 0 || b.trip.Kg <= q.MaxWeightKg)
		cost := q.Fixed
		for _, ln := range b.ord.o.Lines {
			cost += float64(ln.Quantity) * (q.PerUnit + ln.UnitWeightKg*q.PerKg)
		}
		if best < 0 || (keeps && !bestKeeps) || (keeps == bestKeeps && cost < bestCost) {
			best, bestCost, bestKeeps, *pr = ci, cost, keeps, q
		}
	}
	if best >= 0 {
		return best, solver.ReasonNone
	}
	return -1, why
}

// appendExcluded appends an option excluded for why, unpriced: its costs
// and ETA are zero (the solver never uses them, and an explanation needs
// only the node, method, partner, distance and reason), which spares a
// full build the pricing of most of its options on a large network.
func (b *Builder) appendExcluded(p *solver.Problem, base *optionBase, why solver.Reason, row []int32) *solver.Option {
	opt := base.append(p, why)
	p.Available = append(p.Available, row...)
	n := len(p.UnitCost)
	p.UnitCost = slices.Grow(p.UnitCost, len(row))[:n+len(row)]
	clear(p.UnitCost[n:])
	return opt
}

// appendPriced is appendOption with a unit cost of the node's pick per
// unit plus the partner's price per unit and per kg of each line.
func (b *Builder) appendPriced(p *solver.Problem, base *optionBase, why solver.Reason, row []int32, pickPerUnit float64, pr *Price) *solver.Option {
	if pr.PerUnit == 0 && pr.PerKg == 0 {
		return b.appendOption(p, base, why, row, pickPerUnit)
	}
	opt := base.append(p, why)
	p.Available = append(p.Available, row...)
	lines := b.ord.o.Lines
	unit := pickPerUnit + pr.PerUnit
	for l := range lines {
		u := unit + lines[l].UnitWeightKg*pr.PerKg
		if b.cost.Opportunity != nil {
			u += b.cost.Opportunity(int(opt.Node), lines[l].SKU)
		}
		p.UnitCost = append(p.UnitCost, u)
	}
	return opt
}

// appendOption appends base, excluded for why, with the node's stock row
// and a unit cost of perUnit (plus opportunity cost) for every line, and
// returns it for the caller to complete.
func (b *Builder) appendOption(p *solver.Problem, base *optionBase, why solver.Reason, row []int32, perUnit float64) *solver.Option {
	opt := base.append(p, why)
	p.Available = append(p.Available, row...)
	lines := b.ord.o.Lines
	for l := range lines {
		u := perUnit
		if b.cost.Opportunity != nil {
			u += b.cost.Opportunity(int(opt.Node), lines[l].SKU)
		}
		p.UnitCost = append(p.UnitCost, u)
	}
	return opt
}

// optionBase is what every option of a node shares.
type optionBase struct {
	node     int32
	id       string
	capacity int32
	km       float64
}

// append appends an option of the node, excluded for why, to p.Options
// and returns it for the caller to complete. It fills the new element in
// place: no option-sized temporary is built and copied.
func (base *optionBase) append(p *solver.Problem, why solver.Reason) *solver.Option {
	p.Options = append(p.Options, solver.Option{})
	opt := &p.Options[len(p.Options)-1]
	opt.Node = base.node
	opt.NodeID = base.id
	opt.CapacityUnits = base.capacity
	opt.DistanceKm = base.km
	opt.Excluded = why
	return opt
}
