package network

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strings"

	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/solver"
)

// ErrInvalidNetwork is wrapped by every error Init (and so Load and Parse)
// returns for a network that breaks a rule; the message names the field,
// e.g. "nodes[3] (alm-s07).lat: 95 is out of range".
var ErrInvalidNetwork = errors.New("invalid network")

// ErrNotInitialized is returned (wrapped) by functions that need Init to
// have succeeded first.
var ErrNotInitialized = errors.New("network not initialized (call Init)")

// AreaCacheSize bounds each courier partner's cache of zone look-ups.
const AreaCacheSize = 1 << 14

// maxErrors bounds how many problems one Init reports.
const maxErrors = 20

// prepared is what Init derives from the exported fields: look-up maps,
// the spatial index, parsed hours and service areas.
type prepared struct {
	ids   map[string]int
	index *geo.Index
	nodes []nodePrep
	// courierOpen and areas are per courier partner; areas[i] is nil when
	// the partner has no area limit.
	courierOpen []window
	areas       []*geo.CachedArea
	couriers    map[string]int
	carriers    map[string]int
	// courierPartners and carrierPartners are the partners built from
	// Couriers and Carriers, by index.
	courierPartners []Partner
	carrierPartners []Partner
	// offered are the methods some node offers; partners the courier
	// partners that collect from some node, by name (see Offers).
	offered  methodSet
	partners []int
	// warnings are what Init found suspicious but usable.
	warnings []string
	// routes are the node pairs the lanes join (see Routes), and routeOf
	// the index in routes of each pair.
	routes  []Route
	routeOf map[[2]int]int
}

type nodePrep struct {
	pos     geo.Unit
	open    window
	methods methodSet
	// couriers are the partners (indices into Couriers) that collect from
	// this node, ascending; empty unless the node offers COURIER.
	couriers []int
	// carriers are the parcel carriers (indices into Carriers) that
	// collect from this node, ascending; empty unless the node offers a
	// parcel method.
	carriers []int
}

// methodSet is a bit set of solver.Method values.
type methodSet uint8

func (s methodSet) has(m solver.Method) bool { return s&(1<<m) != 0 }

// Init checks the network and derives its indices: the node id map, the
// spatial index of node positions, opening hours and prepared service-area
// polygons. It must be called (Load and Parse do) before the network is
// used, and again after any change. Every problem found is reported, each
// naming its field, in one error wrapping ErrInvalidNetwork. What is valid
// but probably a mistake is kept in Warnings.
func (n *Network) Init() error { return n.init(nil) }

// UsePartners sets the registry that builds the network's partners from
// their entries at the next Init (DefaultPartnerRegistry when nil). Clone
// keeps it.
func (n *Network) UsePartners(r *PartnerRegistry) { n.registry = r }

// partnerRegistry is the registry Init builds partners with.
func (n *Network) partnerRegistry() *PartnerRegistry {
	if n.registry != nil {
		return n.registry
	}
	return DefaultPartnerRegistry()
}

// init is Init with an optional locator that turns a field path into a
// file position ("line 12") for messages.
func (n *Network) init(where func(field string) string) error {
	n.prep = nil
	v := validator{where: where}
	p := &prepared{
		ids:      make(map[string]int, len(n.Nodes)),
		couriers: make(map[string]int, len(n.Couriers)),
		carriers: make(map[string]int, len(n.Carriers)),
		nodes:    make([]nodePrep, len(n.Nodes)),
	}
	n.checkPolicy(&v)
	n.checkDistance(&v)
	reg := n.partnerRegistry()
	p.carrierPartners = make([]Partner, len(n.Carriers))
	for i := range n.Carriers {
		n.checkCarrier(&v, p, reg, i)
	}
	p.courierOpen = make([]window, len(n.Couriers))
	p.areas = make([]*geo.CachedArea, len(n.Couriers))
	p.courierPartners = make([]Partner, len(n.Couriers))
	for i := range n.Couriers {
		n.checkCourier(&v, p, reg, i)
	}
	if len(n.Nodes) == 0 {
		v.add("nodes", "no nodes")
	}
	pts := make([]geo.Point, len(n.Nodes))
	for i := range n.Nodes {
		n.checkNode(&v, p, i)
		pts[i] = geo.Point{Lat: n.Nodes[i].Lat, Lon: n.Nodes[i].Lon}
	}
	n.checkLanes(&v, p)
	if err := v.err(); err != nil {
		return err
	}
	for i := range n.Couriers {
		n.checkAreaReach(&v, p, i)
	}
	p.warnings = v.warnings
	p.index = geo.NewIndex(pts)
	p.prepareOffers(n)
	p.prepareRoutes(n)
	n.prep = p
	return nil
}

// Warnings are the problems the last successful Init found that do not
// make the network invalid but are probably mistakes, each naming its
// field (and, for a network read from a file, its line), e.g.
// "line 17: couriers[0] (glovo).areas: polygon 0 lies 3712 km from the
// nearest node (alm-s01) ...". Callers that load a network log them.
func (n *Network) Warnings() []string {
	if n.prep == nil {
		return nil
	}
	return n.prep.warnings
}

// FarAreaKm is how far from every node a courier's service-area polygon
// may lie, when the courier has no max_radius_km, before Init warns.
const FarAreaKm = 100

// checkAreaReach warns about each polygon of courier i's service areas
// that no node can reach: farther from every node than the courier rides
// (max_radius_km, or FarAreaKm without one). Such a polygon is valid but
// useless, and is most often one with latitude and longitude swapped.
func (n *Network) checkAreaReach(v *validator, p *prepared, i int) {
	a := p.areas[i]
	if a == nil || len(n.Nodes) == 0 {
		return
	}
	c := &n.Couriers[i]
	reach := c.MaxRadiusKm
	if reach <= 0 {
		reach = FarAreaKm
	}
	for k := 0; k < a.Area().Polygons(); k++ {
		box := a.Area().PolygonBounds(k)
		nearest, km := -1, math.Inf(1)
		for j := range n.Nodes {
			if d := box.DistanceKm(n.Nodes[j].Lat, n.Nodes[j].Lon); d < km {
				nearest, km = j, d
			}
		}
		if km > reach {
			v.warn(entry("couriers", i, c.Name)+".areas",
				"polygon %d lies %.0f km from the nearest node (%s), beyond the courier's reach of %g km: no delivery into it is possible; are latitude and longitude swapped? GeoJSON positions are [lon, lat]",
				k, km, n.Nodes[nearest].ID, reach)
		}
	}
}

type validator struct {
	errs     []error
	more     int
	where    func(field string) string
	warnings []string
}

// warn records a warning about field, placed like an error.
func (v *validator) warn(field, format string, args ...any) {
	if v.where != nil {
		if w := v.where(field); w != "" {
			field = w + ": " + field
		}
	}
	v.warnings = append(v.warnings, field+": "+fmt.Sprintf(format, args...))
}

func (v *validator) add(field, format string, args ...any) {
	if len(v.errs) >= maxErrors {
		v.more++
		return
	}
	if v.where != nil {
		if w := v.where(field); w != "" {
			field = w + ": " + field
		}
	}
	v.errs = append(v.errs, fmt.Errorf("%s: %s", field, fmt.Sprintf(format, args...)))
}

func (v *validator) err() error {
	if len(v.errs) == 0 {
		return nil
	}
	errs := v.errs
	if v.more > 0 {
		errs = append(errs, fmt.Errorf("... and %d more", v.more))
	}
	return fmt.Errorf("%w: %w", ErrInvalidNetwork, errors.Join(errs...))
}

// MaxLeadMinutes bounds the lead times a network file may set (a pickup's
// ready time, a courier's preparation time): one year, so that every ETA
// built from them fits a solver.Option's int32 minutes.
const MaxLeadMinutes = 366 * 24 * 60

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// entry names element i of a list for messages: "carriers[2] (parcel)",
// or "carriers[2]" when it has no name.
func entry(list string, i int, name string) string {
	if name == "" {
		return fmt.Sprintf("%s[%d]", list, i)
	}
	return fmt.Sprintf("%s[%d] (%s)", list, i, name)
}

// uniqueName reports an empty or repeated name of the entry f and records
// a new one in seen.
func (v *validator) uniqueName(f, kind, name string, seen map[string]int, i int) {
	if name == "" {
		v.add(f+".name", "empty")
	} else if _, dup := seen[name]; dup {
		v.add(f+".name", "duplicate %s %q", kind, name)
	} else {
		seen[name] = i
	}
}

func (v *validator) nonNegative(field string, x float64) {
	if !finite(x) || x < 0 {
		v.add(field, "%v must be a finite number >= 0", x)
	}
}

func (n *Network) checkPolicy(v *validator) {
	p := &n.Policy
	v.nonNegative("policy.split_penalty", p.SplitPenalty)
	if p.DefaultMaxShipment < 0 {
		v.add("policy.default_max_shipments", "%d must be >= 0", p.DefaultMaxShipment)
	}
	v.nonNegative("policy.pickup_radius_km", p.PickupRadiusKm)
	if p.PickupReadyMinutes < 0 || p.PickupReadyMinutes > MaxLeadMinutes {
		v.add("policy.pickup_ready_minutes", "%d is outside 0..%d", p.PickupReadyMinutes, MaxLeadMinutes)
	}
	v.nonNegative("policy.candidate_radius_km", p.CandidateRadiusKm)
	v.nonNegative("policy.lost_sale_cost_per_unit", p.LostSaleCostPerUnit)
	v.nonNegative("policy.lost_sale_cost_per_order", p.LostSaleCostPerOrder)
	v.nonNegative("policy.walk_in_lost_sale_cost_per_unit", p.WalkInLostSaleCostPerUnit)
	v.nonNegative("policy.pickup_cost_per_km", p.PickupCostPerKm)
	if p.TZOffsetMinutes < -14*60 || p.TZOffsetMinutes > 14*60 {
		v.add("policy.tz_offset_minutes", "%d is outside -840..840", p.TZOffsetMinutes)
	}
	if c := p.Circuity; c != 0 && !(c >= 1 && c <= 5) {
		v.add("policy.circuity", "%v is outside 1..5 (0 means 1)", c)
	}
}

// circuity is the factor of great-circle distances (1 when unset).
func (p *Policy) circuity() float64 {
	if p.Circuity == 0 {
		return 1
	}
	return p.Circuity
}

// checkDistance checks the distance block.
func (n *Network) checkDistance(v *validator) {
	d := n.Distance
	if d == nil {
		return
	}
	switch {
	case d.OSRMURL == "" && d.CSV == "":
		v.add("distance", "give osrm_url or csv")
	case d.OSRMURL != "" && d.CSV != "":
		v.add("distance", "give osrm_url or csv, not both")
	case d.OSRMURL != "":
		checkURL(v, "distance.osrm_url", d.OSRMURL)
	}
	if d.Timeout < 0 {
		v.add("distance.timeout", "%v must be >= 0", d.Timeout)
	}
	if !finite(d.CellDeg) || d.CellDeg < 0 || d.CellDeg > 1 {
		v.add("distance.cell_deg", "%v is outside 0..1", d.CellDeg)
	}
	v.nonNegative("distance.max_km", d.MaxKm)
	if d.CacheSize < 0 {
		v.add("distance.cache_size", "%d must be >= 0", d.CacheSize)
	}
}

// checkURL reports a URL that is not absolute http or https.
func checkURL(v *validator, field, s string) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		v.add(field, "%q is not an http or https URL", s)
	}
}

// checkKinds reports unknown node kinds of an entry.
func checkKinds(v *validator, f string, kinds []Kind) {
	for j, k := range kinds {
		if !k.Valid() {
			v.add(fmt.Sprintf("%s.kinds[%d]", f, j), "unknown kind %q (want store, dark_store or warehouse)", k)
		}
	}
}

// buildPartner makes the partner of an entry with the factory of its
// type.
func buildPartner(v *validator, f string, reg *PartnerRegistry, typ string, spec *PartnerSpec) Partner {
	fac, ok := reg.factory(typ)
	if !ok {
		v.add(f+".type", "unknown partner type %q (want %s)", typ, strings.Join(reg.Types(), ", "))
		return nil
	}
	pt, err := fac(spec)
	if err != nil {
		v.add(f, "%v", err)
		return nil
	}
	return pt
}

func (n *Network) checkCarrier(v *validator, p *prepared, reg *PartnerRegistry, i int) {
	c := &n.Carriers[i]
	f := entry("carriers", i, c.Name)
	v.uniqueName(f, "carrier", c.Name, p.carriers, i)
	v.nonNegative(f+".per_package", c.PerPackage)
	v.nonNegative(f+".per_item", c.PerItem)
	v.nonNegative(f+".per_item_per_mile", c.PerItemPerMile)
	v.nonNegative(f+".per_kg", c.PerKg)
	if len(c.Transit) == 0 {
		v.add(f+".transit", "no distance bands")
	}
	for j, b := range c.Transit {
		bf := fmt.Sprintf("%s.transit[%d]", f, j)
		if !finite(b.MaxKm) || b.MaxKm <= 0 {
			v.add(bf+".max_km", "%v must be a finite number > 0", b.MaxKm)
		} else if j > 0 && b.MaxKm <= c.Transit[j-1].MaxKm {
			v.add(bf+".max_km", "%v is not above the previous band's %v", b.MaxKm, c.Transit[j-1].MaxKm)
		}
		if b.Days < 0 || b.Days > 365 {
			v.add(bf+".days", "%d is outside 0..365", b.Days)
		}
	}
	checkKinds(v, f, c.Kinds)
	v.nonNegative(f+".max_km", c.MaxKm)
	v.nonNegative(f+".max_weight_kg", c.MaxWeightKg)
	spec := &PartnerSpec{Carrier: c, Limits: ServiceLimits{kinds: c.Kinds, maxKm: c.MaxKm, maxKg: c.MaxWeightKg}}
	p.carrierPartners[i] = buildPartner(v, f, reg, c.Type, spec)
}

func (n *Network) checkCourier(v *validator, p *prepared, reg *PartnerRegistry, i int) {
	c := &n.Couriers[i]
	f := entry("couriers", i, c.Name)
	v.uniqueName(f, "courier", c.Name, p.couriers, i)
	v.nonNegative(f+".base", c.Base)
	v.nonNegative(f+".per_km", c.PerKm)
	v.nonNegative(f+".max_radius_km", c.MaxRadiusKm)
	v.nonNegative(f+".max_weight_kg", c.MaxWeightKg)
	if !finite(c.SpeedKmh) || c.SpeedKmh <= 0 {
		v.add(f+".speed_kmh", "%v must be a finite number > 0", c.SpeedKmh)
	}
	if c.PrepMinutes < 0 || c.PrepMinutes > MaxLeadMinutes {
		v.add(f+".prep_minutes", "%d is outside 0..%d", c.PrepMinutes, MaxLeadMinutes)
	}
	w, err := parseHours(c.Hours)
	if err != nil {
		v.add(f+".hours", "%v", err)
	}
	p.courierOpen[i] = w
	checkKinds(v, f, c.Kinds)
	if q := c.Quote; q != nil {
		checkURL(v, f+".quote.url", q.URL)
		if q.Timeout < 0 || q.CacheTTL < 0 || q.OpenFor < 0 {
			v.add(f+".quote", "timeout, cache_ttl and open_for must be >= 0")
		}
		if q.MaxInFlight < 0 || q.MaxInFlight > 1024 {
			v.add(f+".quote.max_in_flight", "%d is outside 0..1024", q.MaxInFlight)
		}
		if q.FailureThreshold < 0 {
			v.add(f+".quote.failure_threshold", "%d must be >= 0", q.FailureThreshold)
		}
		if !finite(q.WeightBandKg) || q.WeightBandKg < 0 {
			v.add(f+".quote.weight_band_kg", "%v must be a finite number >= 0", q.WeightBandKg)
		}
	}
	if strings.TrimSpace(c.Areas) != "" {
		a, err := geo.ParseArea([]byte(c.Areas))
		if err != nil {
			v.add(f+".areas", "%v", err)
			return
		}
		ca, err := geo.NewCachedArea(a, AreaCacheSize, 0)
		if err != nil {
			v.add(f+".areas", "%v", err)
			return
		}
		p.areas[i] = ca
	}
	spec := &PartnerSpec{Courier: c, Limits: ServiceLimits{
		kinds: c.Kinds, maxKm: c.MaxRadiusKm, maxKg: c.MaxWeightKg,
		hours: w, limitsHours: !w.always, area: p.areas[i],
	}}
	p.courierPartners[i] = buildPartner(v, f, reg, c.Type, spec)
}

// Valid reports whether k is one of the node kinds.
func (k Kind) Valid() bool { return k == Store || k == DarkStore || k == Warehouse }

func (n *Network) checkNode(v *validator, p *prepared, i int) {
	nd := &n.Nodes[i]
	f := entry("nodes", i, nd.ID)
	switch {
	case nd.ID == "":
		v.add(f+".id", "empty")
	case strings.TrimSpace(nd.ID) != nd.ID || strings.ContainsAny(nd.ID, ",\"\n\r"):
		v.add(f+".id", "%q has surrounding spaces, a comma, a quote or a line break", nd.ID)
	default:
		if j, dup := p.ids[nd.ID]; dup {
			v.add(f+".id", "duplicate of nodes[%d]", j)
		} else {
			p.ids[nd.ID] = i
		}
	}
	if !nd.Kind.Valid() {
		v.add(f+".kind", "unknown kind %q (want store, dark_store or warehouse)", nd.Kind)
	}
	if !finite(nd.Lat) || nd.Lat < -90 || nd.Lat > 90 {
		v.add(f+".lat", "%v is out of range -90..90", nd.Lat)
	}
	if !finite(nd.Lon) || nd.Lon < -180 || nd.Lon > 180 {
		v.add(f+".lon", "%v is out of range -180..180", nd.Lon)
	}
	if nd.CapacityPerDay < 0 || nd.CapacityPerDay > math.MaxInt32 {
		v.add(f+".capacity_per_day", "%d is out of range 0..%d", nd.CapacityPerDay, math.MaxInt32)
	}
	v.nonNegative(f+".pick_cost_per_order", nd.PickCostPerOrder)
	v.nonNegative(f+".pick_cost_per_unit", nd.PickCostPerUnit)
	v.nonNegative(f+".walk_in_lost_sale_cost_per_unit", nd.WalkInLostSaleCostPerUnit)
	w, err := parseHours(nd.Hours)
	if err != nil {
		v.add(f+".hours", "%v", err)
	}
	np := &p.nodes[i]
	np.open = w
	np.pos = geo.ToUnit(nd.Lat, nd.Lon)
	for j, m := range nd.Methods {
		mf := fmt.Sprintf("%s.methods[%d]", f, j)
		if !m.Known() {
			v.add(mf, "unknown method %v", m)
			continue
		}
		if np.methods.has(m) {
			v.add(mf, "duplicate method %s", MethodFileName(m))
			continue
		}
		np.methods |= 1 << m
		switch m {
		case solver.ShipFromStore, solver.WarehouseShip:
			if len(np.carriers) == 0 {
				for c := range n.Carriers {
					if pt := p.carrierPartners[c]; pt != nil && pt.Serves(nd.Kind) {
						np.carriers = append(np.carriers, c)
					}
				}
			}
			if len(n.Carriers) == 0 {
				v.add(mf, "%s needs a parcel carrier and carriers is empty", MethodFileName(m))
			} else if len(np.carriers) == 0 && v.partnersOK(p.carrierPartners) {
				v.add(mf, "%s: no parcel carrier collects from a %s", MethodFileName(m), nd.Kind)
			}
		case solver.Courier:
			for c := range n.Couriers {
				if pt := p.courierPartners[c]; pt != nil && pt.Serves(nd.Kind) {
					np.couriers = append(np.couriers, c)
				}
			}
			if len(np.couriers) == 0 {
				v.add(mf, "courier: no courier partner collects from a %s", nd.Kind)
			}
		}
	}
}

// partnersOK reports whether every partner of list was built (a broken
// entry is reported once, not again for each node).
func (v *validator) partnersOK(list []Partner) bool {
	for _, pt := range list {
		if pt == nil {
			return false
		}
	}
	return true
}

// Initialized reports whether Init has succeeded since the last change.
func (n *Network) Initialized() bool { return n.prep != nil }

// NodeIndex returns the dense index of the node with the given id.
func (n *Network) NodeIndex(id string) (int, bool) {
	if n.prep == nil {
		for i := range n.Nodes {
			if n.Nodes[i].ID == id {
				return i, true
			}
		}
		return 0, false
	}
	i, ok := n.prep.ids[id]
	return i, ok
}

// CourierIndex returns the index in Couriers of the named partner.
func (n *Network) CourierIndex(name string) (int, bool) {
	for i := range n.Couriers {
		if n.Couriers[i].Name == name {
			return i, true
		}
	}
	return 0, false
}

// Index returns the spatial index of node positions (index i is Nodes[i]),
// or nil before Init.
func (n *Network) Index() *geo.Index {
	if n.prep == nil {
		return nil
	}
	return n.prep.index
}

// NodesWithin appends to buf[:0] the indices of the nodes within radiusKm
// of (lat, lon), ascending. It returns buf[:0] before Init.
func (n *Network) NodesWithin(lat, lon, radiusKm float64, buf []int) []int {
	if n.prep == nil {
		return buf[:0]
	}
	return n.prep.index.Within(lat, lon, radiusKm, buf)
}

// NearestNodes appends to buf[:0] the indices of the k nodes nearest to
// (lat, lon), nearest first, ties by index. It returns buf[:0] before Init.
func (n *Network) NearestNodes(lat, lon float64, k int, buf []int) []int {
	if n.prep == nil {
		return buf[:0]
	}
	return n.prep.index.Nearest(lat, lon, k, buf)
}

// InCourierArea reports whether (lat, lon) is inside the service areas of
// courier partner c (true when the partner has none). It uses a bounded,
// concurrency-safe cache keyed by the position rounded to about 10 m, and
// answers for the rounded position.
func (n *Network) InCourierArea(c int, lat, lon float64) bool {
	if n.prep == nil || n.prep.areas[c] == nil {
		return true
	}
	return n.prep.areas[c].Contains(lat, lon)
}

// Offers reports whether the node offers method m.
func (nd *Node) Offers(m solver.Method) bool { return slices.Contains(nd.Methods, m) }

// Clone returns a deep copy of the network's data, not yet initialised:
// change it, then call Init.
func (n *Network) Clone() *Network {
	c := &Network{
		Name:     n.Name,
		Currency: n.Currency,
		Nodes:    slices.Clone(n.Nodes),
		Carriers: slices.Clone(n.Carriers),
		Couriers: slices.Clone(n.Couriers),
		Policy:   n.Policy,
		Lanes:    slices.Clone(n.Lanes),
		registry: n.registry,
	}
	for i := range c.Lanes {
		c.Lanes[i].FromKinds = slices.Clone(c.Lanes[i].FromKinds)
		c.Lanes[i].ToKinds = slices.Clone(c.Lanes[i].ToKinds)
	}
	if n.Distance != nil {
		d := *n.Distance
		c.Distance = &d
	}
	for i := range c.Nodes {
		c.Nodes[i].Methods = slices.Clone(c.Nodes[i].Methods)
		c.Nodes[i].Tags = slices.Clone(c.Nodes[i].Tags)
	}
	for i := range c.Carriers {
		c.Carriers[i].Transit = slices.Clone(c.Carriers[i].Transit)
		c.Carriers[i].Kinds = slices.Clone(c.Carriers[i].Kinds)
		c.Carriers[i].Settings = maps.Clone(c.Carriers[i].Settings)
	}
	for i := range c.Couriers {
		c.Couriers[i].Kinds = slices.Clone(c.Couriers[i].Kinds)
		c.Couriers[i].Settings = maps.Clone(c.Couriers[i].Settings)
		if q := c.Couriers[i].Quote; q != nil {
			qc := *q
			c.Couriers[i].Quote = &qc
		}
	}
	return c
}
