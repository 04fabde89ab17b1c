package simulate

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// KPIs are the figures of one replay. The JSON keys are a contract.
//
// Definitions (an order is "served" when at least one shipment leaves for
// it):
//   - fill_rate: units shipped / units ordered; unfilled_units is the rest.
//   - total_cost: the sum of the shipments' costs (fixed + per-unit + split
//     penalty), all policies priced by the same cost model; cost_per_order
//     is total_cost / served orders.
//   - lost_sale_cost: what the units left unfilled cost, every policy by the
//     same rule (solver.Problem.LostSaleCostOf): each unfilled unit at its
//     line's lost-sale cost (the line's own, else the network's
//     lost_sale_cost_per_unit), plus the network's lost_sale_cost_per_order
//     once per order with any unit unfilled, whatever the reason (no stock,
//     capacity, or a choice); total_cost_with_lost_sales = total_cost +
//     lost_sale_cost + transfer_cost. Without lost-sale costs and a
//     transfer plan it is total_cost. With live falls (Config.LiveFalls)
//     lost_sale_cost also holds walk_in_lost_cost, the units the falls did
//     not find (walk_in_short_units) at their SKU's mean lost-sale price.
//   - transfer_cost: with a transfer plan (simulate --transfers), what its
//     shipments cost; transfer_units, transfer_short_units and
//     supply_units count the units moved, planned but missing at the
//     sender, and placed as supply.
//   - shipments_per_order and split_rate (share with two or more shipments)
//     are over served orders; avg_distance_km is the mean node-to-customer
//     distance over shipments.
//   - sla_hit_rate: orders fully filled with every shipment's ETA within the
//     promise (an order without a promise needs only to be filled) / orders.
//   - method_mix: share of shipments per method.
//   - carrier_mix: share of parcel shipments (ship from store, warehouse
//     shipping) per carrier, as rate shopping chose them.
//   - node_utilization: per node with a daily capacity, units picked /
//     (capacity x replayed days); mean and max over those nodes.
//   - stockout_events: commits that took a (node, SKU) to zero ATP.
//   - uneconomic_units: units the policy left unfilled by choice
//     (UNECONOMIC: not worth shipping, or kept for later orders) though
//     stock could serve them; uneconomic_units_unsold those of them the
//     network still held at the replay's end, SKU by SKU (the fewer of the
//     two): units kept for orders that did not come. Both are 0, and left
//     out of the JSON, when no unit was left by choice.
//   - redirected_pickups: orders that named a pickup store and were
//     collected at another (a scenario's pickup_redirect_cost); 0, and
//     left out of the JSON, when none was.
//   - solve_time_us: the policy's decision time per order (p50, p99); the
//     only figure that differs between two runs.
type KPIs struct {
	Orders            int64              `json:"orders"`
	Lines             int64              `json:"lines"`
	FillRate          float64            `json:"fill_rate"`
	UnfilledUnits     int64              `json:"unfilled_units"`
	TotalCost         float64            `json:"total_cost"`
	LostSaleCost      float64            `json:"lost_sale_cost"`
	TotalWithLost     float64            `json:"total_cost_with_lost_sales"`
	CostPerOrder      float64            `json:"cost_per_order"`
	ShipmentsPerOrder float64            `json:"shipments_per_order"`
	SplitRate         float64            `json:"split_rate"`
	AvgDistanceKm     float64            `json:"avg_distance_km"`
	SLAHitRate        float64            `json:"sla_hit_rate"`
	MethodMix         map[string]float64 `json:"method_mix"`
	CarrierMix        map[string]float64 `json:"carrier_mix,omitempty"`
	NodeUtilization   Utilization        `json:"node_utilization"`
	StockoutEvents    int64              `json:"stockout_events"`
	SolveTimeUS       Percentiles        `json:"solve_time_us"`
	// UneconomicUnits and UneconomicUnsold: see the definitions above.
	UneconomicUnits  int64 `json:"uneconomic_units,omitempty"`
	UneconomicUnsold int64 `json:"uneconomic_units_unsold,omitempty"`
	// RedirectedPickups: see the definitions above.
	RedirectedPickups int64 `json:"redirected_pickups,omitempty"`
	// TransferCost prices the shipments of a transfer plan that left
	// (network.Lane.Cost each); total_cost_with_lost_sales includes it.
	// TransferUnits moved between nodes, TransferShortUnits were planned
	// but not at the sender when the shipment left, SupplyUnits were
	// placed as supply. All are 0, and left out of the JSON, without a plan.
	TransferCost       float64 `json:"transfer_cost,omitempty"`
	TransferUnits      int64   `json:"transfer_units,omitempty"`
	TransferShortUnits int64   `json:"transfer_short_units,omitempty"`
	SupplyUnits        int64   `json:"supply_units,omitempty"`
	// WalkInUnits are the units the falls of stock asked for in a replay
	// of live falls (Config.LiveFalls: sales at the till; not the adjustments), and
	// WalkInShortUnits those they did not find on hand: what the orders
	// routed took from the other channels. Both 0, and left out of the
	// JSON, otherwise.
	WalkInUnits      int64 `json:"walk_in_units,omitempty"`
	WalkInShortUnits int64 `json:"walk_in_short_units,omitempty"`
	// WalkInLostCost prices those units, each at the network's
	// walk_in_lost_sale_cost_per_unit, else at its SKU's mean lost-sale
	// price over the replay's order lines (the network's
	// lost_sale_cost_per_unit for a SKU no line asked for): lost_sale_cost
	// and total_cost_with_lost_sales include it.
	WalkInLostCost float64 `json:"walk_in_lost_cost,omitempty"`
}

// Utilization summarises node utilisation over nodes with a capacity.
type Utilization struct {
	Mean float64 `json:"mean"`
	Max  float64 `json:"max"`
}

// Percentiles of a latency, in microseconds.
type Percentiles struct {
	P50 float64 `json:"p50"`
	P99 float64 `json:"p99"`
}

// Series are the per-day and per-node figures behind the report's charts.
type Series struct {
	// Start is the local midnight of the first replayed day.
	Start time.Time
	// DayCost and DayOrders are per replayed day, from Start.
	DayCost   []float64
	DayOrders []int64
	DaySplits []int64
	DayServed []int64
	// NodeIDs, NodeUnits and NodeUtil are per node of the scenario's
	// network; NodeUtil is NaN for nodes without a daily capacity.
	NodeIDs   []string
	NodeUnits []int64
	NodeUtil  []float64
	// NodeLat and NodeLon are the nodes' positions; NodeMethodUnits the
	// units each node shipped by each method (indexed by solver.Method).
	NodeLat, NodeLon []float64
	NodeMethodUnits  []MethodUnits
	// Customers is a sample of the replayed orders' positions, at most
	// MapCustomers, spread evenly over the replay (every k-th order).
	Customers []Customer
	// With a transfer plan (nil without): per node, the units on hand
	// when the replay started, and the units the plan brought in (supply
	// included) and sent out.
	NodeStockBefore                 []int64
	NodeTransferIn, NodeTransferOut []int64
}

// MethodUnits are units per method, indexed by solver.Method (nil for a
// node that shipped nothing).
type MethodUnits []int64

// MapCustomers bounds Series.Customers.
const MapCustomers = 4096

// Customer is where an order went, and whether it was filled completely.
type Customer struct {
	Lat, Lon float32
	Filled   bool
}

// customerSample keeps every stride-th customer; when full, it drops every
// other one and doubles the stride, so that it stays bounded and spread
// over the whole replay, the same way on every run.
type customerSample struct {
	points []Customer
	stride int64
	seen   int64
}

func (c *customerSample) add(lat, lon float64, filled bool) {
	if c.stride == 0 {
		c.stride = 1
	}
	c.seen++
	if (c.seen-1)%c.stride != 0 {
		return
	}
	if len(c.points) == MapCustomers {
		for i := 0; 2*i < len(c.points); i++ {
			c.points[i] = c.points[2*i]
		}
		c.points = c.points[:(len(c.points)+1)/2]
		c.stride *= 2
		if (c.seen-1)%c.stride != 0 {
			return
		}
	}
	c.points = append(c.points, Customer{Lat: float32(lat), Lon: float32(lon), Filled: filled})
}

// accumulator gathers a replay's KPIs order by order.
type accumulator struct {
	orders, lines, served, split, slaHit int64
	unitsOrdered, unitsShipped           int64
	shipments, stockouts                 int64
	cost, distance, lost                 float64
	// unfilled is per line of the order being added: units not shipped.
	unfilled []int32
	methods  []int64 // shipments by method value
	carriers map[string]int64
	parcels  int64
	hist     latencyHist
	// uneconomic is the units left unfilled by choice, by SKU.
	uneconomic map[string]int64
	// redirected counts named pickups collected at another store.
	redirected int64
	// walkIn and walkInShort count the units live falls asked for and
	// did not find, walkInShortBy the latter by node and SKU; with live
	// falls (lostBy not nil) lostBy sums each SKU's lines' lost-sale prices
	// and units, which price the shortfall.
	walkIn, walkInShort int64
	walkInShortBy       map[walkInRow]int64
	lostBy              map[string]*[2]float64

	tz          time.Duration
	day0        int64 // local day number of Start
	started     bool
	series      Series
	nodeUnits   []int64
	nodeMethods []MethodUnits
	customers   customerSample
}

func newAccumulator(net *network.Network) *accumulator {
	a := &accumulator{
		tz:          time.Duration(net.Policy.TZOffsetMinutes) * time.Minute,
		nodeUnits:   make([]int64, len(net.Nodes)),
		nodeMethods: make([]MethodUnits, len(net.Nodes)),
		methods:     make([]int64, solver.MethodSlots()),
		carriers:    make(map[string]int64, len(net.Carriers)),
		uneconomic:  map[string]int64{},
	}
	a.series.NodeIDs = make([]string, len(net.Nodes))
	a.series.NodeLat = make([]float64, len(net.Nodes))
	a.series.NodeLon = make([]float64, len(net.Nodes))
	for i := range net.Nodes {
		a.series.NodeIDs[i] = net.Nodes[i].ID
		a.series.NodeLat[i], a.series.NodeLon[i] = net.Nodes[i].Lat, net.Nodes[i].Lon
	}
	return a
}

// localDay is the number of days since the epoch in the network's time.
func localDay(t time.Time, tz time.Duration) int64 {
	return int64(math.Floor(float64(t.Add(tz).Unix()) / 86400))
}

// dayIndex returns the series index of day, growing the series.
func (a *accumulator) dayIndex(day int64) int {
	if !a.started {
		a.started = true
		a.day0 = day
		a.series.Start = time.Unix(day*86400, 0).UTC().Add(-a.tz)
	}
	i := int(day - a.day0)
	if i < 0 {
		i = 0 // an out-of-order order before the first day counts on day one
	}
	for len(a.series.DayCost) <= i {
		a.series.DayCost = append(a.series.DayCost, 0)
		a.series.DayOrders = append(a.series.DayOrders, 0)
		a.series.DaySplits = append(a.series.DaySplits, 0)
		a.series.DayServed = append(a.series.DayServed, 0)
	}
	return i
}

// addRedirect counts o when it names a pickup store and plan has it
// collected at another.
func (a *accumulator) addRedirect(o *network.Order, p *solver.Problem, plan *solver.Plan) {
	if o.PickupNodeID == "" {
		return
	}
	for _, sh := range plan.Shipments {
		if op := &p.Options[sh.Option]; op.Method == solver.Pickup && op.NodeID != o.PickupNodeID {
			a.redirected++
			return
		}
	}
}

// addCustomer records where an order went (see customerSample).
func (a *accumulator) addCustomer(lat, lon float64, filled bool) { a.customers.add(lat, lon, filled) }

// add records the decision plan for problem p on day.
func (a *accumulator) add(day int64, p *solver.Problem, plan *solver.Plan, took time.Duration) {
	d := a.dayIndex(day)
	a.orders++
	a.lines += int64(len(p.Lines))
	a.series.DayOrders[d]++
	var ordered, shipped int64
	a.unfilled = a.unfilled[:0]
	for _, l := range p.Lines {
		ordered += int64(l.Quantity)
		a.unfilled = append(a.unfilled, l.Quantity)
	}
	for _, u := range plan.Unfilled {
		if u.Reason == solver.ReasonUneconomic {
			a.uneconomic[p.Lines[u.Line].SKU] += int64(u.Quantity)
		}
	}
	onTime := true
	cost := 0.0
	for i := range plan.Shipments {
		s := &plan.Shipments[i]
		op := &p.Options[s.Option]
		var units int64
		for _, al := range s.Lines {
			units += int64(al.Quantity)
			a.unfilled[al.Line] -= al.Quantity
		}
		shipped += units
		cost += s.Cost
		a.nodeUnits[op.Node] += units
		if op.Method.Known() {
			a.methods[op.Method]++
			if a.nodeMethods[op.Node] == nil {
				a.nodeMethods[op.Node] = make(MethodUnits, solver.MethodSlots())
			}
			a.nodeMethods[op.Node][op.Method] += units
		}
		if (op.Method == solver.ShipFromStore || op.Method == solver.WarehouseShip) && op.Partner != "" {
			a.parcels++
			a.carriers[op.Partner]++
		}
		a.distance += op.DistanceKm
		if p.PromiseMinutes > 0 && s.ETAMinutes > p.PromiseMinutes {
			onTime = false
		}
	}
	a.unitsOrdered += ordered
	a.unitsShipped += shipped
	a.cost += cost
	a.series.DayCost[d] += cost
	a.lost += p.LostSaleCostOf(a.unfilled)
	if a.lostBy != nil {
		for _, l := range p.Lines {
			s := a.lostBy[l.SKU]
			if s == nil {
				s = new([2]float64)
				a.lostBy[l.SKU] = s
			}
			s[0] += l.LostSaleCost * float64(l.Quantity)
			s[1] += float64(l.Quantity)
		}
	}
	if n := len(plan.Shipments); n > 0 {
		a.served++
		a.series.DayServed[d]++
		a.shipments += int64(n)
		if n > 1 {
			a.split++
			a.series.DaySplits[d]++
		}
	}
	if shipped == ordered && onTime {
		a.slaHit++
	}
	a.hist.record(took)
}

// unsold counts the units left unfilled by choice that left holds at the
// end, SKU by SKU (the fewer of the two).
func (a *accumulator) unsold(left *stock.Table) int64 {
	var n int64
	for sku, kept := range a.uneconomic {
		var atp int64
		left.EachATP(sku, func(_ int, q int32) { atp += int64(max(q, 0)) })
		n += min(kept, atp)
	}
	return n
}

// kpis computes the KPIs of what was recorded; net gives node capacities.
func (a *accumulator) kpis(net *network.Network) (KPIs, Series) {
	k := KPIs{
		Orders:         a.orders,
		Lines:          a.lines,
		UnfilledUnits:  a.unitsOrdered - a.unitsShipped,
		TotalCost:      round(a.cost, 4),
		LostSaleCost:   round(a.lost+a.walkInLost(net), 4),
		TotalWithLost:  round(a.cost+a.lost+a.walkInLost(net), 4),
		StockoutEvents: a.stockouts,
		MethodMix:      make(map[string]float64, len(a.methods)),

		RedirectedPickups: a.redirected,
		WalkInUnits:       a.walkIn,
		WalkInShortUnits:  a.walkInShort,
		WalkInLostCost:    round(a.walkInLost(net), 4),
	}
	for _, u := range a.uneconomic {
		k.UneconomicUnits += u
	}
	k.FillRate = round(ratio(float64(a.unitsShipped), float64(a.unitsOrdered)), 6)
	k.CostPerOrder = round(ratio(a.cost, float64(a.served)), 4)
	k.ShipmentsPerOrder = round(ratio(float64(a.shipments), float64(a.served)), 6)
	k.SplitRate = round(ratio(float64(a.split), float64(a.served)), 6)
	k.AvgDistanceKm = round(ratio(a.distance, float64(a.shipments)), 4)
	k.SLAHitRate = round(ratio(float64(a.slaHit), float64(a.orders)), 6)
	for _, m := range solver.Methods() {
		k.MethodMix[m.String()] = round(ratio(float64(a.methods[m]), float64(a.shipments)), 6)
	}
	if len(a.carriers) > 0 {
		k.CarrierMix = make(map[string]float64, len(a.carriers))
		for c, n := range a.carriers {
			k.CarrierMix[c] = round(ratio(float64(n), float64(a.parcels)), 6)
		}
	}
	days := float64(len(a.series.DayCost))
	s := a.series
	s.NodeUnits = a.nodeUnits
	s.NodeMethodUnits = a.nodeMethods
	s.Customers = a.customers.points
	s.NodeUtil = make([]float64, len(net.Nodes))
	var sum float64
	var n int
	for i := range net.Nodes {
		c := net.Nodes[i].CapacityPerDay
		if c <= 0 || days == 0 {
			s.NodeUtil[i] = math.NaN()
			continue
		}
		u := float64(a.nodeUnits[i]) / (float64(c) * days)
		s.NodeUtil[i] = u
		sum += u
		n++
		k.NodeUtilization.Max = max(k.NodeUtilization.Max, u)
	}
	k.NodeUtilization.Mean = round(ratio(sum, float64(n)), 6)
	k.NodeUtilization.Max = round(k.NodeUtilization.Max, 6)
	k.SolveTimeUS = Percentiles{P50: a.hist.quantileUS(0.50), P99: a.hist.quantileUS(0.99)}
	return k, s
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// round rounds x to d decimals, so that JSON stays short and stable.
func round(x float64, d int) float64 {
	p := math.Pow10(d)
	return math.Round(x*p) / p
}

// latencyHist is a log-linear histogram of durations: exact below 32 ns,
// then 16 buckets per power of two (about 6% resolution).
type latencyHist struct {
	n       int64
	buckets [1024]int64
}

func histBucket(ns uint64) int {
	if ns < 32 {
		return int(ns)
	}
	e := bits.Len64(ns) - 5
	return 16*e + int(ns>>uint(e))
}

func histLow(i int) uint64 {
	if i < 32 {
		return uint64(i)
	}
	e := i/16 - 1
	m := uint64(i - 16*e)
	return m << uint(e)
}

func (h *latencyHist) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.n++
	h.buckets[histBucket(uint64(d))]++
}

// quantileUS returns the q-quantile in microseconds (bucket midpoint).
func (h *latencyHist) quantileUS(q float64) float64 {
	if h.n == 0 {
		return 0
	}
	rank := int64(math.Ceil(q * float64(h.n)))
	rank = max(rank, 1)
	var c int64
	for i, b := range h.buckets {
		c += b
		if c >= rank {
			lo, hi := histLow(i), histLow(i+1)
			return round(float64(lo+hi)/2/1000, 3)
		}
	}
	return 0
}

// walkInRow is a (node, SKU) whose till went short.
type walkInRow struct {
	node int
	sku  string
}

// walkInLost prices the units live falls did not find, each at its node's
// walk-in price of its SKU's mean lost-sale price over the order lines
// added (Network.WalkInLostSaleCost; KPIs.WalkInLostCost), summed in node
// then SKU order.
func (a *accumulator) walkInLost(net *network.Network) float64 {
	rows := make([]walkInRow, 0, len(a.walkInShortBy))
	for r := range a.walkInShortBy {
		rows = append(rows, r)
	}
	slices.SortFunc(rows, func(x, y walkInRow) int { return cmp.Or(cmp.Compare(x.node, y.node), strings.Compare(x.sku, y.sku)) })
	var cost float64
	for _, r := range rows {
		cost += float64(a.walkInShortBy[r]) * net.WalkInLostSaleCost(r.node, meanLost(a.lostBy[r.sku]))
	}
	return cost
}

// meanLost is the mean lost-sale price of a unit of the lines summed in
// s (their prices times units, their units); 0 for none.
func meanLost(s *[2]float64) float64 {
	if s == nil || s[1] <= 0 {
		return 0
	}
	return s[0] / s[1]
}
