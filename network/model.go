package network

import (
	"time"

	"github.com/omniroute/omniroute/solver"
)

// Kind is what sort of fulfilment location a node is.
type Kind string

// The node kinds.
const (
	Store     Kind = "store"
	DarkStore Kind = "dark_store"
	Warehouse Kind = "warehouse"
)

// Network is the fulfilment network: nodes, parcel carriers and courier
// partners. Nodes are addressed by a dense index (their position in Nodes),
// which is also solver.Option.Node. A Network is read-only once built; to
// change it, copy it (Clone) and call Init again.
type Network struct {
	Name     string `yaml:"name"`
	Currency string `yaml:"currency"` // of every cost figure, e.g. "USD"
	// Nodes, addressed by their index.
	Nodes []Node `yaml:"nodes"`
	// Carriers price parcels; the first is the default.
	Carriers []Carrier `yaml:"carriers"`
	// Couriers are the express partners.
	Couriers []CourierPartner `yaml:"couriers"`
	// Policy holds order-level defaults (split penalty, pickup radius...).
	Policy Policy `yaml:"policy"`
	// Distance, when set, names where road distances come from (see
	// DistanceConfig); without it distances are great circle x
	// Policy.Circuity.
	Distance *DistanceConfig `yaml:"distance,omitempty"`
	// Lanes are the ways stock may be transferred between nodes (see
	// Lane and Routes); none means no transfers.
	Lanes []Lane `yaml:"lanes,omitempty"`

	// registry builds the partners from their entries (nil: the default).
	registry *PartnerRegistry
	// prep is what Init derives; nil until Init succeeds.
	prep *prepared
}

// Node is a store, dark store or warehouse.
type Node struct {
	ID   string  `yaml:"id"` // unique; no commas, quotes or surrounding spaces
	Name string  `yaml:"name,omitempty"`
	City string  `yaml:"city,omitempty"`
	Kind Kind    `yaml:"kind"`
	Lat  float64 `yaml:"lat"` // degrees north
	Lon  float64 `yaml:"lon"` // degrees east
	// Methods the node offers, in file form: ship_from_store, pickup,
	// warehouse_ship, courier.
	Methods []solver.Method `yaml:"-"`
	// CapacityPerDay is how many units the node can pick per day; 0 means
	// no limit.
	CapacityPerDay int `yaml:"capacity_per_day"`
	// PickCostPerOrder and PickCostPerUnit are the node's labour, in
	// currency units per shipment and per unit.
	PickCostPerOrder float64  `yaml:"pick_cost_per_order"`
	PickCostPerUnit  float64  `yaml:"pick_cost_per_unit"`
	Hours            Hours    `yaml:"hours"`
	Tags             []string `yaml:"tags,omitempty"`
	// Enabled is false for a node that takes no orders (it stays in the
	// file and in explanations). A missing key in the file means true.
	Enabled bool `yaml:"enabled"`
	// ShelfPerSKU and ShelfTotal bound the units the node may hold of one
	// SKU and in all; 0 means no limit. Transfers never raise a node's
	// stock above them (see ShelfRoom).
	ShelfPerSKU int `yaml:"shelf_per_sku,omitempty"`
	ShelfTotal  int `yaml:"shelf_total,omitempty"`
	// WalkInLostSaleCostPerUnit, when above 0, prices a unit a customer
	// at this node's till does not find, in place of the network's
	// (Network.WalkInLostSaleCost): a flagship store's walk-in customers
	// may be worth more than a small store's.
	WalkInLostSaleCostPerUnit float64 `yaml:"walk_in_lost_sale_cost_per_unit,omitempty"`
	// Transfers says whether the node may send and receive stock on the
	// lanes; the zero value means both.
	Transfers TransferRole `yaml:"transfers,omitempty"`
}

// Hours is a daily opening window in the network's local time, "HH:MM".
// An empty window means always open.
type Hours struct {
	Open  string `yaml:"open,omitempty"`
	Close string `yaml:"close,omitempty"`
}

// Carrier is a parcel carrier used by SHIP_FROM_STORE and WAREHOUSE_SHIP.
// Every carrier that serves a parcel option prices it; the cheapest that
// keeps the promise carries it (rate shopping).
type Carrier struct {
	Name string `yaml:"name"`
	// Type names the partner type that prices it (PartnerRegistry);
	// empty means rate_card.
	Type string `yaml:"type,omitempty"`
	// Cost = PerPackage + items x (PerItem + PerItemPerMile x miles) + kg x PerKg.
	PerPackage     float64 `yaml:"per_package"`
	PerItem        float64 `yaml:"per_item"`
	PerItemPerMile float64 `yaml:"per_item_per_mile"`
	PerKg          float64 `yaml:"per_kg"`
	// TransitDays by distance band: the first band whose MaxKm >= distance.
	Transit []TransitBand `yaml:"transit,flow"`
	// Kinds are the node kinds the carrier collects from; empty means all.
	Kinds []Kind `yaml:"kinds,omitempty,flow"`
	// MaxKm is the longest distance it ships; 0 means no limit.
	MaxKm float64 `yaml:"max_km,omitempty"`
	// MaxWeightKg is the most one parcel weighs; 0 means no limit.
	MaxWeightKg float64 `yaml:"max_weight_kg,omitempty"`
	// Settings are free-form numbers for partner types beyond rate_card.
	Settings map[string]float64 `yaml:"settings,omitempty,flow"`
}

// TransitBand is a distance band and its transit time.
type TransitBand struct {
	MaxKm float64 `yaml:"max_km"` // km, ascending from band to band
	Days  int     `yaml:"days"`   // whole days in transit
}

// CourierPartner is an express courier (e.g. glovo) serving areas around
// nodes of given kinds.
type CourierPartner struct {
	Name string `yaml:"name"`
	// Type names the partner type that prices it (PartnerRegistry);
	// empty means rate_card.
	Type string `yaml:"type,omitempty"`
	// Cost per trip = Base + PerKm x km (node to customer, great circle).
	Base  float64 `yaml:"base"`
	PerKm float64 `yaml:"per_km"`
	// MaxRadiusKm is the longest trip; 0 means no limit.
	MaxRadiusKm float64 `yaml:"max_radius_km"`
	// MaxWeightKg is the most one trip carries; 0 means no limit.
	MaxWeightKg float64 `yaml:"max_weight_kg"`
	// ETA = PrepMinutes + km / SpeedKmh.
	SpeedKmh    float64 `yaml:"speed_kmh"`
	PrepMinutes int     `yaml:"prep_minutes"`
	// Hours are when the partner rides, local time.
	Hours Hours `yaml:"hours,omitempty,flow"`
	// Areas are service-area polygons as a GeoJSON Polygon or MultiPolygon
	// (lon, lat order); the customer must be inside one. Empty means no
	// area limit (the radius still applies).
	Areas string `yaml:"areas,omitempty"`
	// Kinds are the node kinds the partner collects from; empty means all.
	Kinds []Kind `yaml:"kinds,omitempty,flow"`
	// Quote, when set, asks the partner's quote API for the price of each
	// trip before the order is built (the server only; see QuoteConfig).
	// The rate card above prices a trip the quote does not answer.
	Quote *QuoteConfig `yaml:"quote,omitempty"`
	// Settings are free-form numbers for partner types beyond rate_card.
	Settings map[string]float64 `yaml:"settings,omitempty,flow"`
}

// QuoteConfig is where and how to ask a courier partner for live quotes.
// Zero fields take the defaults in parentheses.
type QuoteConfig struct {
	// URL receives a POST per trip (JSON; see the README).
	URL string `yaml:"url"`
	// Timeout bounds one quote call (800ms); past it the rate card
	// prices the trip.
	Timeout time.Duration `yaml:"timeout,omitempty"`
	// CacheTTL is how long a quote is reused (2m), never past its own
	// expires_at.
	CacheTTL time.Duration `yaml:"cache_ttl,omitempty"`
	// MaxInFlight bounds the calls to the partner at once (8).
	MaxInFlight int `yaml:"max_in_flight,omitempty"`
	// WeightBandKg rounds a trip's weight up to a band (5); a quote is
	// cached per band.
	WeightBandKg float64 `yaml:"weight_band_kg,omitempty"`
	// FailureThreshold is how many calls in a row may fail before the
	// partner is skipped (5); OpenFor is how long it is skipped before one
	// call tries again (30s).
	FailureThreshold int           `yaml:"failure_threshold,omitempty"`
	OpenFor          time.Duration `yaml:"open_for,omitempty"`
}

// DistanceConfig names a source of road distances from nodes to
// customers, asked before an order is built; set one of OSRMURL and CSV.
// Nodes farther than MaxKm (great circle), and every node when the source
// does not answer, get great circle x Policy.Circuity.
type DistanceConfig struct {
	// OSRMURL is the base URL of an OSRM-compatible service; its table
	// API is asked for the distances and durations from the nodes near
	// the customer ("http://osrm:5000", profile "driving").
	OSRMURL string `yaml:"osrm_url,omitempty"`
	// Profile is the OSRM profile (driving).
	Profile string `yaml:"profile,omitempty"`
	// Timeout bounds one table call (500ms).
	Timeout time.Duration `yaml:"timeout,omitempty"`
	// CSV is a matrix file, node,lat,lon,km,minutes per customer cell,
	// relative to the network file.
	CSV string `yaml:"csv,omitempty"`
	// CellDeg is the side of a customer cell in degrees (0.01): answers
	// are cached, and a CSV matrix is keyed, by cell.
	CellDeg float64 `yaml:"cell_deg,omitempty"`
	// MaxKm bounds the nodes asked about (the policy's candidate radius,
	// or 50).
	MaxKm float64 `yaml:"max_km,omitempty"`
	// CacheSize is how many (cell, node) answers are cached (100000).
	CacheSize int `yaml:"cache_size,omitempty"`
}

// Policy holds the network's order-level defaults.
type Policy struct {
	// SplitPenalty is added per shipment beyond the first (currency units).
	SplitPenalty float64 `yaml:"split_penalty"`
	// DefaultMaxShipment bounds shipments of orders that allow a split and
	// set no bound; 0 means no limit.
	DefaultMaxShipment int `yaml:"default_max_shipments"`
	// PickupRadiusKm bounds "any store near me" pickups; 0 means no limit.
	PickupRadiusKm float64 `yaml:"pickup_radius_km"`
	// PickupReadyMinutes is the pickup ETA: order to ready at the counter.
	PickupReadyMinutes int `yaml:"pickup_ready_minutes"`
	// CandidateRadiusKm bounds the nodes considered for delivery methods
	// other than warehouse shipping; 0 means no bound.
	CandidateRadiusKm float64 `yaml:"candidate_radius_km"`
	// TZOffsetMinutes is the local time zone of opening hours (UTC+5 = 300).
	TZOffsetMinutes int `yaml:"tz_offset_minutes"`
	// Circuity multiplies great-circle distances where no road distance is
	// known (1 when 0: straight lines); a road is about 1.2 to 1.4 times
	// the straight line in cities.
	Circuity float64 `yaml:"circuity,omitempty"`
	// PickupCostPerKm prices each kilometre between the customer and the
	// store a pickup is collected at (the customer's trip, as the shop
	// weighs it): a pickup's fixed cost adds it times that distance, so
	// that of stores otherwise alike the nearest wins, and a store farther
	// by D km must cost D times this less. 0 means the distance does not
	// count (stores that cost the same tie, and the lower node index wins).
	PickupCostPerKm float64 `yaml:"pickup_cost_per_km,omitempty"`
	// LostSaleCostPerUnit prices a unit left unfilled for the lines that
	// set no price of their own; 0 means such lines have no price and are
	// filled whenever stock allows (see solver.Line.LostSaleCost).
	LostSaleCostPerUnit float64 `yaml:"lost_sale_cost_per_unit,omitempty"`
	// LostSaleCostPerOrder is charged once for an order with any unit left
	// unfilled (solver.Problem.LostSaleCostPerOrder); 0 means none.
	LostSaleCostPerOrder float64 `yaml:"lost_sale_cost_per_order,omitempty"`
	// WalkInLostSaleCostPerUnit prices a unit a customer at a store's till
	// asks for and does not find (the falls of stock a replay meets live,
	// allocate's walk-in demand, the look-ahead's tills), when the shop
	// weighs its walk-in customers apart from its online ones; 0 means the
	// SKU's online price (WalkInLostSaleCost).
	WalkInLostSaleCostPerUnit float64 `yaml:"walk_in_lost_sale_cost_per_unit,omitempty"`
}

// WalkInLostSaleCost is what a unit a customer at node's till does not
// find costs: the node's WalkInLostSaleCostPerUnit when set, else the
// policy's (Policy.WalkInLostSaleCost of mean). node out of range takes
// the policy's.
func (n *Network) WalkInLostSaleCost(node int, mean float64) float64 {
	if node >= 0 && node < len(n.Nodes) && n.Nodes[node].WalkInLostSaleCostPerUnit > 0 {
		return n.Nodes[node].WalkInLostSaleCostPerUnit
	}
	return n.Policy.WalkInLostSaleCost(mean)
}

// WalkInLostSaleCost is what a unit a customer at the till does not find
// costs: WalkInLostSaleCostPerUnit when set; else mean, the mean
// lost-sale price of a unit of the SKU's online order lines, when above 0;
// else LostSaleCostPerUnit. 0 means such a unit costs nothing.
func (p *Policy) WalkInLostSaleCost(mean float64) float64 {
	switch {
	case p.WalkInLostSaleCostPerUnit > 0:
		return p.WalkInLostSaleCostPerUnit
	case mean > 0:
		return mean
	}
	return p.LostSaleCostPerUnit
}

// Want is what the customer asked for.
type Want uint8

// What a customer may ask for.
const (
	WantAny Want = iota
	WantDelivery
	WantPickup
)

// Order is one customer order as the network sees it.
type Order struct {
	ID string
	// CreatedAt is when the order was placed: it decides opening hours
	// and the promise. Required.
	CreatedAt time.Time
	// Lat, Lon is the customer's position in degrees.
	Lat, Lon float64
	// Lines are the SKUs ordered, each once. A line's LostSaleCost of 0
	// takes the policy's LostSaleCostPerUnit.
	Lines []solver.Line
	Want  Want
	// PickupNodeID, when set with WantPickup, names the store to collect at;
	// empty means any store within PickupRadiusKm (or the policy's radius).
	PickupNodeID   string
	PickupRadiusKm float64
	// PickupRedirectCost, when above 0 with PickupNodeID, lets the order
	// be collected at another store offering pickup within the pickup
	// radius of the customer (PickupRadiusKm, else the policy's; 0: any
	// distance), at this cost per order on top of that store's own: what
	// offering the customer another store that holds the units costs, as a
	// checkout that shows each store's stock would. 0, or an order that
	// chose an offer (Method): at PickupNodeID only. The API's
	// Order.pickup_redirect_cost sets it in the server, a scenario's
	// pickup_redirect_cost in a replay.
	PickupRedirectCost float64
	// PromiseBy is the latest acceptable delivery time; zero means none.
	PromiseBy time.Time
	// AllowSplit lets the order arrive in several shipments and a line be
	// split across them; MaxShipments bounds them (0 = policy default).
	AllowSplit   bool
	MaxShipments int
	// Method and Partner, when set, hold the order to the offer the
	// customer chose at checkout (see Offer): options of another method,
	// or of another courier partner, are excluded as METHOD_NOT_ALLOWED.
	// A Partner without a Method means COURIER by that partner. A pickup
	// store is chosen with PickupNodeID.
	Method  solver.Method
	Partner string
	// Live is what was fetched for the order before its build: road
	// distances and partners' quotes (nil: none; see Live).
	Live *Live
}

// StockView is the live stock a problem is built from.
type StockView interface {
	// ATP returns the available-to-promise units of sku at node.
	ATP(node int, sku string) int32
	// EachATP calls fn for every node with positive ATP of sku, in
	// ascending node order.
	EachATP(sku string, fn func(node int, atp int32))
}

// SKUCatalog is an optional part of a StockView: the SKUs the network has
// ever stocked. A Builder asks a StockView that implements it about each
// line and marks the lines of unknown SKUs (solver.Line.UnknownSKU), so
// that the solver reports them unfilled with UNKNOWN_SKU rather than
// NO_STOCK: "we do not sell that" rather than "sold out".
type SKUCatalog interface {
	// KnownSKU reports whether any node has (or had) a stock row of sku.
	KnownSKU(sku string) bool
}

// CapacityView is the remaining daily pick capacity per node.
type CapacityView interface {
	// Remaining returns the units node can still pick today; negative
	// means no limit.
	Remaining(node int) int32
}
