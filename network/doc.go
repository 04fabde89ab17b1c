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
// (errors name it: "nodes[3] (alm-s07).lat: 95 is out of range -90..90")
// and derives the id map, the spatial index of nodes (geo.Index), opening
// hours and the prepared courier service areas. A Builder then turns each
// order into a solver.Problem in three steps that stay apart:
//
//   - candidates (builder.go): the nodes holding a line's SKU, from
//     StockView.EachATP, plus the requested pickup node; one option per
//     method the node offers and the order allows;
//   - eligibility (builder.go): Option.Excluded is set to DISABLED,
//     METHOD_NOT_ALLOWED (pickup asked at another node), OUTSIDE_RADIUS
//     (courier radius, pickup radius, policy candidate radius),
//     OUTSIDE_ZONE (customer outside the courier's areas), OVERWEIGHT
//     (an order that must travel in one shipment is heavier than the
//     courier carries) or CLOSED (node or courier closed at order time, for
//     courier delivery; a parcel or a pickup ordered while the node is
//     closed waits for it to open instead); the solver adds NO_STOCK,
//     CAPACITY and MISSES_PROMISE;
//   - prices (cost.go): fixed cost per shipment and cost per unit, with
//     ETAs.
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
// the same plan from either.
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
//	carriers:                     # the first one prices parcels
//	  - name: parcel
//	    per_package: 8.759        # cost = per_package
//	    per_item: 0.423           #   + items x (per_item + per_item_per_mile x miles)
//	    per_item_per_mile: 0.000541
//	    per_kg: 0                 #   + kg x per_kg
//	    transit: [{max_km: 50, days: 1}, {max_km: 1500, days: 3}]
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
//
// Unknown keys are errors. Courier areas are a GeoJSON Polygon,
// MultiPolygon, Feature or FeatureCollection, positions as [lon, lat].
// WriteYAML writes what Parse reads back unchanged.
package network
