// Package network is the fulfilment network omniroute routes over: nodes,
// carriers and courier partners, their file format (YAML), the embedded demo
// network, the default cost model applied to real distances, and the
// Builder that turns one order over live stock into a solver.Problem.
//
// It reads files only in the Load* functions; it never reserves stock and
// never calls the solver.
//
// # Flow
//
// Parse or Load reads a file and calls Init, which checks every field
// (errors name it: "nodes[3] (alm-s07).lat: 95 is out of range -90..90";
// what is valid but suspicious becomes a warning, Network.Warnings)
// and derives the id map, the spatial index of nodes (geo.Index), opening
// hours and the prepared courier service areas. A Builder then turns each
// order into a solver.Problem in three steps that stay apart:
//
//   - candidates (builder.go): the nodes holding a line's SKU, from
//     StockView.EachATP, plus the requested pickup node; one option per
//     method the node offers and the order allows; a line whose SKU the
//     StockView's SKUCatalog does not know is marked UnknownSKU;
//   - eligibility (builder.go): Option.Excluded is set to DISABLED,
//     METHOD_NOT_ALLOWED (pickup asked at another node), OUTSIDE_RADIUS
//     (courier radius, pickup radius, policy candidate radius),
//     OUTSIDE_ZONE (customer outside the courier's areas), OVERWEIGHT
//     (an order that must travel in one shipment is heavier than the
//     courier carries) or CLOSED (node or courier closed at order time, for
//     courier delivery; a parcel or a pickup ordered while the node is
//     closed waits for it to open instead), and last METHOD_NOT_ALLOWED
//     for an option outside the offer the order chose (Order.Method,
//     Order.Partner); the solver adds NO_STOCK, CAPACITY and
//     MISSES_PROMISE;
//   - prices (cost.go, partner.go): fixed cost per shipment and cost per
//     unit, with ETAs. Couriers and parcel carriers are Partners (a small
//     interface: Serves, PreFilter, Filter, Price) built from their
//     entries by the factory their type names in a PartnerRegistry
//     (rate_card by default). Every carrier that serves a parcel option
//     prices it and the cheapest that keeps the promise carries it (rate
//     shopping, Builder.shop).
//
// What may need I/O is fetched before the build, outside every lock, and
// handed over in Order.Live (live.go): road distances (legs) and courier
// quotes, looked up by binary search; the Builder itself never does I/O
// and allocates nothing per order. CourierTrips lists the trips worth
// quoting for an order from the network alone.
//
// The problem's lines carry their lost-sale prices: a line's own (Order
// lines are solver.Line), else Policy.LostSaleCostPerUnit; the order
// carries Policy.LostSaleCostPerOrder. Absent everywhere, the solver fills
// whatever stock allows, as without lost sales.
//
// Build lists every candidate's options, excluded ones with their reason,
// for answers that explain themselves. BuildEligible (reach.go) gives the
// same problem without the excluded options, for callers that only need
// the plan (a replay): it reaches nodes through the spatial index, skipping
// nodes beyond every radius the order's methods may use, and reads a line's
// stock in one call when the StockView is an ATPLister. The solver picks
// the same plan from either. BuildExplained (explain.go) gives
// BuildEligible's problem and an Explanation of what Build would list
// beside it: how many options, where each lean option sits among them, and
// the excluded ones nearest the customer, counting the enabled nodes
// beyond the reach without measuring them once the nearest are found within
// its radius; a route answers from it as from Build's problem.
//
// # Offers (offer.go)
//
// At checkout a shop asks what it can promise before the order exists.
// Network.Offers lists the offers an order can be made (per method, per
// courier partner, pickup). An order that chose an offer (Order.Method,
// Order.Partner) gets every other option excluded as METHOD_NOT_ALLOWED,
// after every other check, so its problem is the order's problem with
// those options excluded; RestrictEligible makes that problem, without
// the excluded options, from the order's own build. So one Build serves
// every offer, and the plan of an offer is the plan of the order that
// chooses it.
//
// # Units
//
// Money is in the network's currency; distances are great-circle km (the
// parcel rate is per statute mile, as Jasin & Sinha give it); weights are
// kg; times are minutes; opening hours are local time, Policy.TZOffsetMinutes
// east of UTC.
//
// # File format
//
//	name: demo-almaty-astana
//	currency: USD
//	policy:
//	  split_penalty: 1.5          # per shipment beyond the first
//	  default_max_shipments: 3    # when the order allows a split and sets none
//	  pickup_radius_km: 10        # "any store near me" pickup; 0 = no limit
//	  pickup_ready_minutes: 60
//	  candidate_radius_km: 50     # ship-from-store and courier; 0 = no limit
//	  tz_offset_minutes: 300      # UTC+5
//	  lost_sale_cost_per_unit: 4  # a unit left unfilled, for lines with no price of their own; 0 = none
//	  lost_sale_cost_per_order: 2 # once per order with any unit left unfilled; 0 = none
//	  walk_in_lost_sale_cost_per_unit: 6 # a unit a customer at the till does not find; 0 = the SKU's online price
//	  circuity: 1.3               # great circle x this where no road is known (1)
//	distance: {osrm_url: "http://osrm:5000", timeout: 500ms}   # or {csv: roads.csv}
//	carriers:                     # every one that serves a parcel option prices it; the cheapest wins
//	  - name: parcel
//	    per_package: 8.759        # cost = per_package
//	    per_item: 0.423           #   + items x (per_item + per_item_per_mile x miles)
//	    per_item_per_mile: 0.000541
//	    per_kg: 0                 #   + kg x per_kg
//	    transit: [{max_km: 50, days: 1}, {max_km: 1500, days: 3}]
//	    kinds: [store, warehouse] # node kinds it collects from; empty = all
//	    max_km: 3000              # 0 = no limit
//	    max_weight_kg: 30         # 0 = no limit
//	couriers:
//	  - name: glovo
//	    base: 2.5                 # cost = base + per_km x km
//	    per_km: 0.45
//	    max_radius_km: 6
//	    max_weight_kg: 15
//	    speed_kmh: 25             # ETA = prep_minutes + km / speed
//	    prep_minutes: 15
//	    hours: {open: "08:00", close: "23:00"}
//	    kinds: [store, dark_store] # node kinds it collects from; empty = all
//	    quote: {url: "https://quotes.example/v1/quote", timeout: 800ms, cache_ttl: 2m, max_in_flight: 8}
//	    areas: '{"type":"Polygon","coordinates":[[[76.78,43.17],[77.03,43.17],[77.03,43.37],[76.78,43.37],[76.78,43.17]]]}'
//	nodes:
//	  - id: alm-s07
//	    name: Sairan
//	    city: Almaty
//	    kind: store               # store, dark_store or warehouse
//	    lat: 43.2410
//	    lon: 76.8680
//	    methods: [ship_from_store, pickup, courier]   # and warehouse_ship
//	    capacity_per_day: 250     # units; 0 = no limit
//	    pick_cost_per_order: 1.8
//	    pick_cost_per_unit: 0.22
//	    hours: {open: "09:00", close: "22:00"}        # omit for 24 hours
//	    tags: [grocery]
//	    enabled: true             # omitted = true
//	    walk_in_lost_sale_cost_per_unit: 9 # its tills' price; 0 = the policy's
//
// Unknown keys are errors named like the others, by line and field
// ("line 30: nodes[1] (alm-wh1).colour: unknown field"). Courier areas are a
// GeoJSON Polygon, MultiPolygon, Feature or FeatureCollection, positions as
// [lon, lat]; a ring that crosses itself is an error, and a polygon no node
// can reach (farther from every node than the courier rides: latitude and
// longitude swapped, most often) is a warning (Network.Warnings), which
// the loaders' callers log. WriteYAML writes what Parse reads back
// unchanged.
package network
