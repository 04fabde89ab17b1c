package planning

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// ErrInvalidInput is wrapped by every error about an Input the planner
// cannot use; the message names the field.
var ErrInvalidInput = errors.New("invalid planning input")

// Arrival is a scheduled stock arrival: Qty units of SKU at node Node
// (an index into the network's nodes) at time At.
type Arrival struct {
	At   time.Time
	Node int
	SKU  string
	Qty  int32
}

// Input is what one plan is made from.
type Input struct {
	// Network is initialised; Regions are its regions
	// (forecast.NewRegions).
	Network *network.Network
	Regions *forecast.Regions
	// Stock is the available-to-promise stock at At.
	Stock network.StockView
	// Demand is the forecast; only its SKUs are planned.
	Demand *forecast.Demand
	// Arrivals are scheduled replenishments; those with At < arrival <=
	// At+Horizon add to their node's supply.
	Arrivals []Arrival
	// At is when the plan starts; Horizon how far it looks ahead (> 0).
	At      time.Time
	Horizon time.Duration
}

// NoonMinute is the local minute of the day at which partners are asked
// whether they take a trip: the plan spans whole days, so opening hours
// are not modelled; a partner that rides at noon is taken to ride.
const NoonMinute = 12 * 60

// Supply is one stock row: what node Node holds of SKU over the horizon.
// Only supplies some arc leaves from are rows; the others are not listed
// (their price is 0).
type Supply struct {
	Node   int
	NodeID string
	SKU    string
	// Stock is the ATP at Input.At; Arrivals the units arriving within the
	// horizon.
	Stock    float64
	Arrivals float64
}

// Units is the supply row's bound: Stock + Arrivals.
func (s *Supply) Units() float64 { return s.Stock + s.Arrivals }

// Cell is one demand row: a forecast cell and what losing a unit costs.
type Cell struct {
	forecast.Cell
	// Region is the region's index in Input.Regions.
	RegionIndex int
	// Expected is the units expected over the horizon.
	Expected float64
	// LostPrice is the cost of a lost unit in the LP: the cell's price
	// per unit (or the network's lost_sale_cost_per_unit) plus the
	// network's lost_sale_cost_per_order / UnitsPerOrder; FillPenalty when
	// both are 0.
	LostPrice float64
	// Priced is false when no lost-sale price applies (LostPrice is then
	// the FillPenalty and lost units cost nothing in LostSaleCost).
	Priced bool
}

// Arc is one way of serving a cell from a supply: x[supply, cell].
type Arc struct {
	Supply int
	Cell   int
	// Method and Partner are the cheapest eligible way from the node to
	// the region (Partner: the courier partner or parcel carrier).
	Method  solver.Method
	Partner string
	// Km is the node-to-region-centre distance (great circle x
	// circuity).
	Km float64
	// UnitCost is the cost of one unit: pick per unit + the partner's per
	// unit and per kg + (pick per order + the partner's fixed price) /
	// the cell's UnitsPerOrder.
	UnitCost float64
}

// Capacity is one node's pick capacity over the horizon: the arcs from its
// supplies carry at most Units.
type Capacity struct {
	Node  int
	Units float64
}

// Model is the expected-demand allocation LP in planning terms (see the
// package doc); LP turns it into an lp.Model. Columns: the arcs in order,
// then one lost-sale column per cell; rows: supplies, cells, capacities.
type Model struct {
	Supplies   []Supply
	Cells      []Cell
	Arcs       []Arc
	Capacities []Capacity
	// FillPenalty prices a lost unit of a cell with no lost-sale price:
	// twice the dearest arc plus one, so that the LP fills such a cell
	// whenever stock allows.
	FillPenalty float64
	// net is the network the model was built over.
	net *network.Network
	// pr prices its arcs; Rebuild keeps it, and the distances it has
	// computed, while the network and regions stay the same.
	pr *pricer
	// scratch is what Rebuild reuses from one build to the next.
	scratch struct {
		skus     []string
		supplyOf map[string][2]int
		units    []float64
		index    []int
	}
}

// Build builds the model of in.
func Build(in *Input) (*Model, error) {
	m := new(Model)
	if err := m.Rebuild(in); err != nil {
		return nil, err
	}
	return m, nil
}

// Rebuild builds the model of in in place of m's, as Build does, reusing
// m's memory: a planner that plans again and again keeps one Model. What m
// held before, and every slice taken from it, is overwritten. The
// distances m's arcs were priced over are kept while in's network and
// regions are the ones m was last built over. On an error m is left empty.
func (m *Model) Rebuild(in *Input) error {
	m.Supplies, m.Cells, m.Arcs, m.Capacities = m.Supplies[:0], m.Cells[:0], m.Arcs[:0], m.Capacities[:0]
	if err := in.check(); err != nil {
		return err
	}
	net := in.Network
	m.net = net
	days := in.Horizon.Hours() / 24

	// Supplies: per SKU of the forecast, in SKU order, the nodes that hold
	// some or get some, in node order.
	skus := m.scratch.skus[:0]
	for i := range in.Demand.Cells {
		skus = append(skus, in.Demand.Cells[i].SKU)
	}
	slices.Sort(skus)
	skus = slices.Compact(skus)
	m.scratch.skus = skus
	arriving := map[string]map[int]float64{}
	end := in.At.Add(in.Horizon)
	for i, a := range in.Arrivals {
		if a.Node < 0 || a.Node >= len(net.Nodes) {
			return fmt.Errorf("%w: arrivals[%d].node: %d is not a node index", ErrInvalidInput, i, a.Node)
		}
		if a.Qty < 0 {
			return fmt.Errorf("%w: arrivals[%d].qty: %d is negative", ErrInvalidInput, i, a.Qty)
		}
		if !a.At.After(in.At) || a.At.After(end) {
			continue
		}
		if arriving[a.SKU] == nil {
			arriving[a.SKU] = map[int]float64{}
		}
		arriving[a.SKU][a.Node] += float64(a.Qty)
	}
	// supplyOf[sku] is the range of the SKU's supplies in m.Supplies.
	supplyOf := m.scratch.supplyOf
	if supplyOf == nil {
		supplyOf = make(map[string][2]int, len(skus))
		m.scratch.supplyOf = supplyOf
	}
	clear(supplyOf)
	units := slices.Grow(m.scratch.units[:0], len(net.Nodes))[:len(net.Nodes)]
	m.scratch.units = units
	for _, sku := range skus {
		clear(units)
		in.Stock.EachATP(sku, func(node int, atp int32) {
			if node >= 0 && node < len(units) && atp > 0 {
				units[node] = float64(atp)
			}
		})
		first := len(m.Supplies)
		more := arriving[sku]
		for node := range units {
			if units[node] <= 0 && more[node] <= 0 {
				continue
			}
			m.Supplies = append(m.Supplies, Supply{Node: node, NodeID: net.Nodes[node].ID, SKU: sku, Stock: units[node], Arrivals: more[node]})
		}
		supplyOf[sku] = [2]int{first, len(m.Supplies)}
	}

	// Cells and their arcs.
	if m.pr == nil || m.pr.net != net || m.pr.regions != in.Regions {
		m.pr = newPricer(net, in.Regions)
	}
	pr := m.pr
	dearest := 0.0
	for i := range in.Demand.Cells {
		fc := in.Demand.Cells[i]
		exp := fc.Expected(in.Horizon)
		if !(exp > 0) {
			continue
		}
		ri, _ := in.Regions.Index(fc.Region)
		ups := max(fc.UnitsPerOrder, 1)
		c := Cell{Cell: fc, RegionIndex: ri, Expected: exp}
		per := fc.LostSaleCost
		if per == 0 {
			per = net.Policy.LostSaleCostPerUnit
		}
		c.LostPrice = per + net.Policy.LostSaleCostPerOrder/ups
		c.Priced = c.LostPrice > 0
		ci := len(m.Cells)
		m.Cells = append(m.Cells, c)
		span := supplyOf[fc.SKU]
		for si := span[0]; si < span[1]; si++ {
			a, ok := pr.arc(m.Supplies[si].Node, ri, fc.Method, ups, fc.UnitWeightKg)
			if !ok {
				continue
			}
			a.Supply, a.Cell = si, ci
			dearest = max(dearest, a.UnitCost)
			m.Arcs = append(m.Arcs, a)
		}
	}
	m.dropIdleSupplies()
	m.FillPenalty = 2*dearest + 1
	for i := range m.Cells {
		if !m.Cells[i].Priced {
			m.Cells[i].LostPrice = m.FillPenalty
		}
	}

	// Pick capacities of the nodes that serve some arc.
	serves := make([]bool, len(net.Nodes))
	for _, a := range m.Arcs {
		serves[m.Supplies[a.Supply].Node] = true
	}
	for node, ok := range serves {
		if c := net.Nodes[node].CapacityPerDay; ok && c > 0 {
			m.Capacities = append(m.Capacities, Capacity{Node: node, Units: float64(c) * days})
		}
	}
	return nil
}

// dropIdleSupplies removes the supplies no arc leaves from (their rows
// would be empty: a price of 0), keeping the others in order.
func (m *Model) dropIdleSupplies() {
	index := slices.Grow(m.scratch.index[:0], len(m.Supplies))[:len(m.Supplies)]
	m.scratch.index = index
	for i := range index {
		index[i] = -1
	}
	for _, a := range m.Arcs {
		index[a.Supply] = 0
	}
	kept := m.Supplies[:0]
	for i := range m.Supplies {
		if index[i] < 0 {
			continue
		}
		index[i] = len(kept)
		kept = append(kept, m.Supplies[i])
	}
	m.Supplies = kept
	for i := range m.Arcs {
		m.Arcs[i].Supply = index[m.Arcs[i].Supply]
	}
}

func (in *Input) check() error {
	switch {
	case in.Network == nil || !in.Network.Initialized():
		return fmt.Errorf("%w: network: not initialised", ErrInvalidInput)
	case in.Regions == nil:
		return fmt.Errorf("%w: regions: nil", ErrInvalidInput)
	case in.Stock == nil:
		return fmt.Errorf("%w: stock: nil", ErrInvalidInput)
	case in.Demand == nil:
		return fmt.Errorf("%w: demand: nil", ErrInvalidInput)
	case !(in.Horizon > 0):
		return fmt.Errorf("%w: horizon: %s must be positive", ErrInvalidInput, in.Horizon)
	}
	for i := range in.Demand.Cells {
		c := &in.Demand.Cells[i]
		if _, ok := in.Regions.Index(c.Region); !ok {
			return fmt.Errorf("%w: demand.cells[%d].region: unknown region %q", ErrInvalidInput, i, c.Region)
		}
		if !(c.UnitsPerDay >= 0) || math.IsInf(c.UnitsPerDay, 0) {
			return fmt.Errorf("%w: demand.cells[%d].units_per_day: %v must be a finite number >= 0", ErrInvalidInput, i, c.UnitsPerDay)
		}
	}
	return nil
}

// pricer prices node-to-region trips with the network's partners, the
// eligibility rules of the Builder applied at region level.
type pricer struct {
	net      *network.Network
	regions  *forecast.Regions
	couriers []network.Partner
	carriers []network.Partner
	order    network.TripOrder
	trip     network.Trip
	// km[node*regions+ri] is the node-to-region-centre distance, great
	// circle x circuity; -1 until first asked for (every SKU's cells ask
	// again).
	km []float64
}

func newPricer(net *network.Network, regions *forecast.Regions) *pricer {
	p := &pricer{net: net, regions: regions, km: make([]float64, len(net.Nodes)*regions.Len())}
	for i := range p.km {
		p.km[i] = -1
	}
	p.couriers, p.carriers = net.Partners()
	p.trip.Order = &p.order
	return p
}

// distance is the node-to-region-centre distance (great circle x
// circuity), computed once per pair.
func (p *pricer) distance(node, ri int) float64 {
	at := node*p.regions.Len() + ri
	if p.km[at] < 0 {
		nd := &p.net.Nodes[node]
		lat, lon := p.regions.Center(ri)
		p.km[at] = geo.DistanceKm(nd.Lat, nd.Lon, lat, lon) * p.net.Policy.CircuityFactor()
	}
	return p.km[at]
}

// arc returns the cheapest eligible way to serve a unit of demand method
// dm in region ri from node, for orders of ups units of kg each; ok is
// false when there is none.
func (p *pricer) arc(node, ri int, dm forecast.Method, ups, kg float64) (best Arc, ok bool) {
	nd := &p.net.Nodes[node]
	if !nd.Enabled {
		return best, false
	}
	lat, lon := p.regions.Center(ri)
	km := p.distance(node, ri)
	pol := &p.net.Policy
	outsideCandidateRadius := pol.CandidateRadiusKm > 0 && km > pol.CandidateRadiusKm
	consider := func(fm solver.Method, partner string, unit float64) {
		if !ok || unit < best.UnitCost {
			best, ok = Arc{Method: fm, Partner: partner, Km: km, UnitCost: unit}, true
		}
	}
	p.order = network.TripOrder{Lat: lat, Lon: lon, LocalMinute: NoonMinute, Kg: kg * ups, Units: int32(math.Round(ups))}
	p.trip.Node, p.trip.Kind, p.trip.Km, p.trip.Quote = node, nd.Kind, km, nil
	// byPartners offers fm by each partner that takes the trip.
	byPartners := func(fm solver.Method, partners []network.Partner) {
		for _, pt := range partners {
			if !pt.Serves(nd.Kind) || pt.PreFilter(&p.order) != solver.ReasonNone || pt.Filter(&p.trip) != solver.ReasonNone {
				continue
			}
			price := pt.Price(&p.trip)
			if price.MaxWeightKg > 0 && kg > price.MaxWeightKg {
				continue // not one unit rides
			}
			consider(fm, pt.Name(), nd.PickCostPerUnit+price.PerUnit+price.PerKg*kg+(nd.PickCostPerOrder+price.Fixed)/ups)
		}
	}
	switch dm {
	case forecast.Parcel:
		if nd.Offers(solver.ShipFromStore) && !outsideCandidateRadius {
			byPartners(solver.ShipFromStore, p.carriers)
		}
		if nd.Offers(solver.WarehouseShip) {
			byPartners(solver.WarehouseShip, p.carriers)
		}
	case forecast.Courier:
		if nd.Offers(solver.Courier) && !outsideCandidateRadius {
			byPartners(solver.Courier, p.couriers)
		}
	case forecast.Pickup:
		if nd.Offers(solver.Pickup) && p.regions.NodeRegion(node) == ri {
			consider(solver.Pickup, "", nd.PickCostPerUnit+(nd.PickCostPerOrder+pol.PickupCostPerKm*km)/ups)
		}
	}
	return best, ok
}
