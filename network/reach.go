package network

import (
	"math"

	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/solver"
)

// ATPLister is an optional fast path of a StockView. A Builder asks a
// StockView that implements it for each line's stock in one call (one
// look-up of the SKU per line and order) instead of one callback per node.
type ATPLister interface {
	// AppendATP appends every node with positive ATP of sku to nodes and
	// its ATP to atp, in ascending node order, and returns both slices. It
	// lists what EachATP visits.
	AppendATP(sku string, nodes, atp []int32) ([]int32, []int32)
}

// ATPMaskLister is an optional fast path of a StockView for a lean build
// (Builder.BuildEligible): the StockView lists only the nodes the order can
// reach, so the cost of a line follows the order's reach, not the number of
// nodes holding the SKU.
type ATPMaskLister interface {
	// AppendATPMasked appends every node whose bit is set in mask (bit
	// node%64 of word node/64) and that has positive ATP of sku to nodes,
	// and its ATP to atp, in ascending node order, and returns both slices.
	// It lists what EachATP visits, restricted to the mask.
	AppendATPMasked(sku string, mask []uint64, nodes, atp []int32) ([]int32, []int32)
}

// orderScope is what the options of one order share while it is built.
type orderScope struct {
	o            *Order
	capa         CapacityView
	customer     geo.Unit
	orderKg      float64
	minute       int // local minute of the day of o.CreatedAt
	pickupNode   int // -1 when the customer named no pickup node
	pickupRadius float64
	// redirect is the order's PickupRedirectCost when it names a pickup
	// node: what another store's pickup option costs more (see redirects).
	redirect     float64
	wantDelivery bool
	wantPickup   bool
	lean         bool // only options that are not excluded
	// far says that an explained build counts the options of enabled
	// nodes beyond the reach (see skip) without measuring or building them.
	far bool
	// live is what was fetched for the order before the build (nil: none).
	live *Live
	// promise is the problem's PromiseMinutes (0: none).
	promise int32
	// choice is the offer the order chose (Node -1): options it does not
	// allow are excluded as METHOD_NOT_ALLOWED, after every other check.
	choice Offer
}

// redirects reports whether a pickup the customer named at a store may be
// collected at another store within the pickup radius: the order allows
// it (a redirect cost) and chose no offer, which would hold it to the
// store. Another store's option costs the redirect more, and is excluded
// for the same reasons before the offer's, whether or not it may be used,
// so that every offer's problem is the one build's (see RestrictEligible).
func (c *orderScope) redirects() bool {
	return c.redirect > 0 && c.choice.Method == solver.MethodUnspecified
}

// reachSlackKm widens the radius of the spatial query of a lean build, so
// that no rounding can leave out a node the Builder's own checks (which
// decide) would accept.
const reachSlackKm = 0.01

// reach decides, for a lean build of o, which nodes may give an option
// that is not excluded (b.reachBits): the nodes within the largest radius
// any method o may use (the pickup radius too when a named pickup may be
// redirected), and the nodes offering a method with no radius for o
// (b.unbounded), and the pickup node the customer named. Disabled nodes
// give none. Partners that are closed at
// order time, do not serve the customer's position or cannot carry an
// order that must travel whole add no reach.
func (b *Builder) reach(o *Order, p *solver.Problem) {
	c := &b.ord
	net := b.net
	pol := &net.Policy
	b.unbounded = 0
	radius := -1.0
	widen := func(m solver.Method, r float64) {
		if r > 0 {
			radius = max(radius, r)
		} else {
			b.unbounded |= 1 << m
		}
	}
	if c.wantDelivery && len(b.carriers) > 0 {
		if c.choice.allows(solver.ShipFromStore, "", -1) {
			widen(solver.ShipFromStore, pol.CandidateRadiusKm)
		}
		if c.choice.allows(solver.WarehouseShip, "", -1) {
			b.unbounded |= 1 << solver.WarehouseShip
		}
	}
	if c.wantPickup && (c.pickupNode < 0 || c.redirects()) && c.choice.allows(solver.Pickup, "", -1) {
		widen(solver.Pickup, c.pickupRadius)
	}
	if c.wantDelivery {
		for ci, pt := range b.couriers {
			if !c.choice.allows(solver.Courier, pt.Name(), -1) || b.courierPreFilter(ci) != solver.ReasonNone {
				continue
			}
			r := pt.Reach()
			if cr := pol.CandidateRadiusKm; cr > 0 && (r == 0 || cr < r) {
				r = cr
			}
			widen(solver.Courier, r)
		}
	}
	b.reachKm = radius
	clear(b.reachBits)
	for m, set := range b.methodBits {
		if b.unbounded&(1<<m) == 0 {
			continue
		}
		for w, word := range set {
			b.reachBits[w] |= word
		}
	}
	if c.pickupNode >= 0 {
		// The named pickup node, at any distance.
		b.reachNode(c.pickupNode)
	}
	if radius < 0 {
		return
	}
	if set := b.nearCell(o.Lat, o.Lon, radius+reachSlackKm); set != nil {
		for w, word := range set {
			b.reachBits[w] |= word
		}
		return
	}
	b.nearBuf = net.prep.index.AppendNear(c.customer, radius+reachSlackKm, b.nearBuf[:0])
	for _, n := range b.nearBuf {
		b.reachNode(int(n))
	}
}

// A wide reach is taken from a cache of the enabled nodes near small cells
// of the map: orders from one city share the query of their cell. The set
// of a cell holds every enabled node within the radius of any point of the
// cell (and a few more, a little farther, that the Builder's own checks
// then exclude), so the lean problem is the same.
const (
	// nearCacheMinKm is the smallest radius that uses the cache: below it
	// the spatial query is cheap and exact.
	nearCacheMinKm = 50
	// nearCacheCellsPerRadius sets a cell's side to radius/this.
	nearCacheCellsPerRadius = 16
	// nearCacheSlots is the number of cells the cache holds (a power of 2).
	nearCacheSlots = 512
	// nearCacheMaxLat and nearCacheMaxLon bound the positions whose cells
	// are cached, away from the poles and the antimeridian.
	nearCacheMaxLat = 80
	nearCacheMaxLon = 179
	kmPerDegree     = geo.EarthRadiusKm * math.Pi / 180
)

// nearCellKey names a cell (its row and column for the cell side that
// radius gives) and the radius of the query.
type nearCellKey struct {
	row, col int32
	radius   float64
}

// nearCellCache is a direct-mapped cache of the near sets of cells: slot s
// holds keys[s] and, in words s*words to (s+1)*words of sets, the enabled
// nodes near that cell.
type nearCellCache struct {
	keys  []nearCellKey
	used  []bool
	sets  []uint64
	words int
}

// nearCell returns the enabled nodes (one bit each) within radiusKm of the
// cell holding (lat, lon), widened by the cell's size, from the cache or
// computed into it; nil when the position or the radius is not cached. The
// set is valid until the next call.
func (b *Builder) nearCell(lat, lon, radiusKm float64) []uint64 {
	if !(radiusKm >= nearCacheMinKm) || math.IsInf(radiusKm, 0) || !(math.Abs(lat) <= nearCacheMaxLat) || !(math.Abs(lon) <= nearCacheMaxLon) {
		return nil
	}
	side := radiusKm / kmPerDegree / nearCacheCellsPerRadius // degrees
	key := nearCellKey{row: int32(math.Floor(lat / side)), col: int32(math.Floor(lon / side)), radius: radiusKm}
	nc := &b.nearCells
	if nc.keys == nil {
		nc.words = len(b.reachBits)
		nc.keys = make([]nearCellKey, nearCacheSlots)
		nc.used = make([]bool, nearCacheSlots)
		nc.sets = make([]uint64, nearCacheSlots*nc.words)
	}
	h := uint64(uint32(key.row))*0x9e3779b97f4a7c15 ^ uint64(uint32(key.col))*0xc2b2ae3d27d4eb4f ^ math.Float64bits(radiusKm)
	slot := int((h ^ h>>29) & (nearCacheSlots - 1))
	set := nc.sets[slot*nc.words : (slot+1)*nc.words]
	if nc.used[slot] && nc.keys[slot] == key {
		return set
	}
	// Any point of the cell is within half a side of its centre along the
	// meridian and along the parallel: a path no shorter than the
	// great-circle distance, bounded by one side in all.
	centre := geo.ToUnit((float64(key.row)+0.5)*side, (float64(key.col)+0.5)*side)
	widen := side*kmPerDegree*1.01 + reachSlackKm
	b.nearBuf = b.net.prep.index.AppendNear(centre, radiusKm+widen, b.nearBuf[:0])
	clear(set)
	for _, n := range b.nearBuf {
		if b.kinds[n] != 0 {
			set[n>>6] |= 1 << (n & 63)
		}
	}
	nc.keys[slot], nc.used[slot] = key, true
	return set
}

// reachNode marks node as reached when it is enabled (offers a method).
func (b *Builder) reachNode(node int) {
	if b.kinds[node] != 0 {
		b.reachBits[node>>6] |= 1 << (node & 63)
	}
}

// reaches reports whether node may give a lean build an option that is not
// excluded (see reach).
func (b *Builder) reaches(node int) bool {
	return b.reachBits[node>>6]&(1<<(node&63)) != 0
}
