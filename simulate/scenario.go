package simulate

import (
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"slices"

	"github.com/omniroute/omniroute/internal/yamlkeys"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
	"gopkg.in/yaml.v3"
)

// Baseline is the name of the implicit scenario that changes nothing.
const Baseline = "baseline"

// Scenario is a set of overrides applied to a copy of the network and the
// stock before a replay. Fields left out change nothing. Overrides apply in
// this order: policy, disable_methods, safety_stock, nodes (in list
// order), couriers, carriers, add_nodes.
//
// Example:
//
//	name: glovo-12km
//	disable_methods: [warehouse_ship]
//	nodes:
//	  - match: {kind: [store], city: [Almaty]}
//	    add_methods: [ship_from_store]
//	    capacity_per_day: 400
//	  - match: {id: [ast-s03]}
//	    enabled: false
//	couriers:
//	  - name: glovo
//	    max_radius_km: 12
//	    per_km: 0.8
//	carriers:
//	  - rate_factor: 1.1
//	add_nodes:
//	  - {id: alm-d09, kind: dark_store, lat: 43.21, lon: 76.90, methods: [courier, pickup],
//	     capacity_per_day: 800, stock_from: alm-d01}
type Scenario struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description,omitempty"`
	// Policy overrides the network's order-level defaults.
	Policy *PolicyOverride `yaml:"policy,omitempty"`
	// DisableMethods removes methods from every node.
	DisableMethods []string `yaml:"disable_methods,omitempty"`
	// SafetyStock, when set, replaces every stock row's safety stock.
	SafetyStock *int32 `yaml:"safety_stock,omitempty"`
	// Nodes are per-node overrides, selected by Match.
	Nodes    []NodeOverride    `yaml:"nodes,omitempty"`
	Couriers []CourierOverride `yaml:"couriers,omitempty"`
	Carriers []CarrierOverride `yaml:"carriers,omitempty"`
	AddNodes []AddedNode       `yaml:"add_nodes,omitempty"`
	// PickupRedirectCost, when above 0, lets every pickup that names its
	// store be collected at another store within the pickup radius of the
	// customer, at this cost per order (network.Order.PickupRedirectCost):
	// what if the checkout offered a nearby store that holds the units?
	// The replays and the hindsight bound alike, in place of each order's
	// own (orders.csv's pickup_redirect_cost); 0 or absent: each order's
	// own, which is none unless the file gives one.
	PickupRedirectCost float64 `yaml:"pickup_redirect_cost,omitempty"`
	// Transfers, when not empty, is a transfer plan (see ReadTransfers)
	// applied during the replay: set in code (simulate --transfers), never
	// read from a scenario file.
	Transfers []Transfer `yaml:"-"`
}

// PolicyOverride changes the network's order-level defaults.
type PolicyOverride struct {
	SplitPenalty        *float64 `yaml:"split_penalty,omitempty"`
	DefaultMaxShipments *int     `yaml:"default_max_shipments,omitempty"`
	PickupRadiusKm      *float64 `yaml:"pickup_radius_km,omitempty"`
	PickupReadyMinutes  *int     `yaml:"pickup_ready_minutes,omitempty"`
	CandidateRadiusKm   *float64 `yaml:"candidate_radius_km,omitempty"`
	PickupCostPerKm     *float64 `yaml:"pickup_cost_per_km,omitempty"`
}

// NodeMatch selects nodes: every given list must contain the node's value
// (for tags: one of the node's tags); an empty match selects every node.
type NodeMatch struct {
	ID   []string `yaml:"id,omitempty"`
	Tag  []string `yaml:"tag,omitempty"`
	Kind []string `yaml:"kind,omitempty"`
	City []string `yaml:"city,omitempty"`
}

// NodeOverride changes the nodes its Match selects.
type NodeOverride struct {
	Match            NodeMatch `yaml:"match"`
	Enabled          *bool     `yaml:"enabled,omitempty"`
	AddMethods       []string  `yaml:"add_methods,omitempty"`
	RemoveMethods    []string  `yaml:"remove_methods,omitempty"`
	CapacityPerDay   *int      `yaml:"capacity_per_day,omitempty"`
	CapacityFactor   *float64  `yaml:"capacity_factor,omitempty"`
	PickCostPerOrder *float64  `yaml:"pick_cost_per_order,omitempty"`
	PickCostPerUnit  *float64  `yaml:"pick_cost_per_unit,omitempty"`
	// SafetyStock replaces the safety stock of the nodes' stock rows.
	SafetyStock *int32         `yaml:"safety_stock,omitempty"`
	Hours       *network.Hours `yaml:"hours,omitempty"`
}

// CourierOverride changes the courier partner Name ("" or "*" for all).
// Enabled false removes the partner (nodes left with no partner lose the
// courier method).
type CourierOverride struct {
	Name        string         `yaml:"name"`
	Enabled     *bool          `yaml:"enabled,omitempty"`
	Base        *float64       `yaml:"base,omitempty"`
	PerKm       *float64       `yaml:"per_km,omitempty"`
	MaxRadiusKm *float64       `yaml:"max_radius_km,omitempty"`
	MaxWeightKg *float64       `yaml:"max_weight_kg,omitempty"`
	SpeedKmh    *float64       `yaml:"speed_kmh,omitempty"`
	PrepMinutes *int           `yaml:"prep_minutes,omitempty"`
	Hours       *network.Hours `yaml:"hours,omitempty"`
	// RateFactor multiplies base and per_km (after the fields above).
	RateFactor *float64 `yaml:"rate_factor,omitempty"`
	// NoAreas drops the service-area polygons (radius only).
	NoAreas bool `yaml:"no_areas,omitempty"`
}

// CarrierOverride changes the parcel carrier Name ("" or "*" for all).
type CarrierOverride struct {
	Name           string   `yaml:"name"`
	PerPackage     *float64 `yaml:"per_package,omitempty"`
	PerItem        *float64 `yaml:"per_item,omitempty"`
	PerItemPerMile *float64 `yaml:"per_item_per_mile,omitempty"`
	PerKg          *float64 `yaml:"per_kg,omitempty"`
	// RateFactor multiplies every rate (after the fields above).
	RateFactor *float64 `yaml:"rate_factor,omitempty"`
}

// AddedNode is a node the scenario opens. Its stock is a copy of node
// StockFrom's (a node of the network, not another added node), scaled by
// StockFactor (a finite number > 0, default 1), or empty.
type AddedNode struct {
	ID               string        `yaml:"id"`
	Name             string        `yaml:"name,omitempty"`
	City             string        `yaml:"city,omitempty"`
	Kind             string        `yaml:"kind"`
	Lat              float64       `yaml:"lat"`
	Lon              float64       `yaml:"lon"`
	Methods          []string      `yaml:"methods"`
	CapacityPerDay   int           `yaml:"capacity_per_day,omitempty"`
	PickCostPerOrder float64       `yaml:"pick_cost_per_order,omitempty"`
	PickCostPerUnit  float64       `yaml:"pick_cost_per_unit,omitempty"`
	Hours            network.Hours `yaml:"hours,omitempty"`
	Tags             []string      `yaml:"tags,omitempty"`
	StockFrom        string        `yaml:"stock_from,omitempty"`
	StockFactor      float64       `yaml:"stock_factor,omitempty"`
}

// LoadScenario reads a scenario file; unknown keys are errors.
func LoadScenario(path string) (*Scenario, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scenario: %w", err)
	}
	return ParseScenario(b, path)
}

// ParseScenario reads a scenario from YAML; name is used in errors. An
// unknown key is an error naming its line and field
// ("line 4: couriers[0] (glovo).radius: unknown field").
func ParseScenario(b []byte, name string) (*Scenario, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", name, err)
	}
	if len(doc.Content) == 0 {
		return nil, fmt.Errorf("scenario %s: empty file", name)
	}
	if keys := yamlkeys.Unknown(doc.Content[0], reflect.TypeFor[Scenario]()); len(keys) > 0 {
		errs := make([]error, len(keys))
		for i, k := range keys {
			errs[i] = fmt.Errorf("%s: unknown field", k)
		}
		return nil, fmt.Errorf("scenario %s: %w", name, errors.Join(errs...))
	}
	var s Scenario
	if err := doc.Content[0].Decode(&s); err != nil {
		return nil, fmt.Errorf("scenario %s: %w", name, err)
	}
	if s.Name == "" {
		return nil, fmt.Errorf("scenario %s: name: required", name)
	}
	if s.Name == Baseline {
		return nil, fmt.Errorf("scenario %s: name: %q is reserved for the implicit scenario", name, Baseline)
	}
	if c := s.PickupRedirectCost; math.IsNaN(c) || math.IsInf(c, 0) || c < 0 {
		return nil, fmt.Errorf("scenario %s: pickup_redirect_cost: %v must be a finite number >= 0", name, c)
	}
	return &s, nil
}

// prepared is a scenario applied: its network (initialised) and the stock
// changes it asks for.
type prepared struct {
	name string
	net  *network.Network
	// safety, when not nil, is the safety stock per node (-1 = keep).
	safety []int32
	// copies are stock copies for added nodes.
	copies []stockCopy
	// transfers is the scenario's transfer plan (nil: none).
	transfers []Transfer
	// redirect is the scenario's pickup_redirect_cost (0: none).
	redirect float64
	// reps is the replenishments file as the scenario's replays apply it:
	// Config.Replenishments, or its rewriting when it holds falls
	// (applyFalls); nil without one.
	reps Source
}

type stockCopy struct {
	to, from int
	factor   float64
}

func parseMethods(field string, names []string) ([]solver.Method, error) {
	out := make([]solver.Method, 0, len(names))
	for i, n := range names {
		m, err := network.ParseMethod(n)
		if err != nil {
			return nil, fmt.Errorf("%s[%d]: %w", field, i, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func (m *NodeMatch) matches(nd *network.Node) bool {
	if len(m.ID) > 0 && !slices.Contains(m.ID, nd.ID) {
		return false
	}
	if len(m.Kind) > 0 && !slices.Contains(m.Kind, string(nd.Kind)) {
		return false
	}
	if len(m.City) > 0 && !slices.Contains(m.City, nd.City) {
		return false
	}
	if len(m.Tag) > 0 && !slices.ContainsFunc(nd.Tags, func(t string) bool { return slices.Contains(m.Tag, t) }) {
		return false
	}
	return true
}

// apply returns the scenario applied to a copy of base. A nil scenario is
// the baseline.
func (s *Scenario) apply(base *network.Network) (*prepared, error) {
	if s == nil {
		return &prepared{name: Baseline, net: base}, nil
	}
	wrap := func(err error) error { return fmt.Errorf("scenario %s: %w", s.Name, err) }
	net := base.Clone()
	pr := &prepared{name: s.Name, net: net, transfers: s.Transfers, redirect: s.PickupRedirectCost}
	if po := s.Policy; po != nil {
		p := &net.Policy
		setF(&p.SplitPenalty, po.SplitPenalty)
		setI(&p.DefaultMaxShipment, po.DefaultMaxShipments)
		setF(&p.PickupRadiusKm, po.PickupRadiusKm)
		setI(&p.PickupReadyMinutes, po.PickupReadyMinutes)
		setF(&p.CandidateRadiusKm, po.CandidateRadiusKm)
		setF(&p.PickupCostPerKm, po.PickupCostPerKm)
	}
	off, err := parseMethods("disable_methods", s.DisableMethods)
	if err != nil {
		return nil, wrap(err)
	}
	for i := range net.Nodes {
		net.Nodes[i].Methods = slices.DeleteFunc(net.Nodes[i].Methods, func(m solver.Method) bool { return slices.Contains(off, m) })
	}
	safety := func() []int32 {
		if pr.safety == nil {
			pr.safety = make([]int32, len(net.Nodes))
			for i := range pr.safety {
				pr.safety[i] = -1
			}
		}
		return pr.safety
	}
	if s.SafetyStock != nil {
		if *s.SafetyStock < 0 {
			return nil, wrap(errors.New("safety_stock: must be >= 0"))
		}
		for i := range safety() {
			pr.safety[i] = *s.SafetyStock
		}
	}
	for k := range s.Nodes {
		if err := s.Nodes[k].apply(net, safety); err != nil {
			return nil, wrap(fmt.Errorf("nodes[%d]: %w", k, err))
		}
	}
	for k := range s.Couriers {
		if err := s.Couriers[k].apply(net); err != nil {
			return nil, wrap(fmt.Errorf("couriers[%d]: %w", k, err))
		}
	}
	for k := range s.Carriers {
		if err := s.Carriers[k].apply(net); err != nil {
			return nil, wrap(fmt.Errorf("carriers[%d]: %w", k, err))
		}
	}
	baseNodes := len(net.Nodes)
	for k := range s.AddNodes {
		if err := s.AddNodes[k].apply(net, pr, baseNodes); err != nil {
			return nil, wrap(fmt.Errorf("add_nodes[%d] (%s): %w", k, s.AddNodes[k].ID, err))
		}
	}
	if pr.safety != nil {
		for len(pr.safety) < len(net.Nodes) {
			pr.safety = append(pr.safety, -1)
		}
	}
	dropOrphanCourier(net)
	if err := net.Init(); err != nil {
		return nil, wrap(err)
	}
	return pr, nil
}

func setF(dst *float64, v *float64) {
	if v != nil {
		*dst = *v
	}
}

func setI(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

func (o *NodeOverride) apply(net *network.Network, safety func() []int32) error {
	add, err := parseMethods("add_methods", o.AddMethods)
	if err != nil {
		return err
	}
	rm, err := parseMethods("remove_methods", o.RemoveMethods)
	if err != nil {
		return err
	}
	if f := o.CapacityFactor; f != nil && !(*f >= 0 && !math.IsInf(*f, 1)) {
		return fmt.Errorf("capacity_factor: %v must be a finite number >= 0", *f)
	}
	if o.SafetyStock != nil && *o.SafetyStock < 0 {
		return errors.New("safety_stock: must be >= 0")
	}
	hit := 0
	for i := range net.Nodes {
		nd := &net.Nodes[i]
		if !o.Match.matches(nd) {
			continue
		}
		hit++
		if o.Enabled != nil {
			nd.Enabled = *o.Enabled
		}
		nd.Methods = slices.DeleteFunc(nd.Methods, func(m solver.Method) bool { return slices.Contains(rm, m) })
		for _, m := range add {
			if !slices.Contains(nd.Methods, m) {
				nd.Methods = append(nd.Methods, m)
			}
		}
		slices.Sort(nd.Methods)
		setI(&nd.CapacityPerDay, o.CapacityPerDay)
		if o.CapacityFactor != nil && nd.CapacityPerDay > 0 {
			c := float64(nd.CapacityPerDay)**o.CapacityFactor + 0.5
			if c > math.MaxInt32 {
				return fmt.Errorf("capacity_factor: %v makes the capacity of %s %.0f, above %d", *o.CapacityFactor, nd.ID, c, math.MaxInt32)
			}
			nd.CapacityPerDay = max(1, int(c))
		}
		setF(&nd.PickCostPerOrder, o.PickCostPerOrder)
		setF(&nd.PickCostPerUnit, o.PickCostPerUnit)
		if o.Hours != nil {
			nd.Hours = *o.Hours
		}
		if o.SafetyStock != nil {
			safety()[i] = *o.SafetyStock
		}
	}
	if hit == 0 {
		return errors.New("match: selects no node")
	}
	return nil
}

func (o *CourierOverride) apply(net *network.Network) error {
	hit := 0
	for i := 0; i < len(net.Couriers); i++ {
		c := &net.Couriers[i]
		if o.Name != "" && o.Name != "*" && o.Name != c.Name {
			continue
		}
		hit++
		if o.Enabled != nil && !*o.Enabled {
			net.Couriers = slices.Delete(net.Couriers, i, i+1)
			i--
			continue
		}
		setF(&c.Base, o.Base)
		setF(&c.PerKm, o.PerKm)
		setF(&c.MaxRadiusKm, o.MaxRadiusKm)
		setF(&c.MaxWeightKg, o.MaxWeightKg)
		setF(&c.SpeedKmh, o.SpeedKmh)
		setI(&c.PrepMinutes, o.PrepMinutes)
		if o.Hours != nil {
			c.Hours = *o.Hours
		}
		if o.RateFactor != nil {
			c.Base *= *o.RateFactor
			c.PerKm *= *o.RateFactor
		}
		if o.NoAreas {
			c.Areas = ""
		}
	}
	if hit == 0 {
		return fmt.Errorf("name: no courier partner %q", o.Name)
	}
	return nil
}

func (o *CarrierOverride) apply(net *network.Network) error {
	hit := 0
	for i := range net.Carriers {
		c := &net.Carriers[i]
		if o.Name != "" && o.Name != "*" && o.Name != c.Name {
			continue
		}
		hit++
		setF(&c.PerPackage, o.PerPackage)
		setF(&c.PerItem, o.PerItem)
		setF(&c.PerItemPerMile, o.PerItemPerMile)
		setF(&c.PerKg, o.PerKg)
		if f := o.RateFactor; f != nil {
			c.PerPackage *= *f
			c.PerItem *= *f
			c.PerItemPerMile *= *f
			c.PerKg *= *f
		}
	}
	if hit == 0 {
		return fmt.Errorf("name: no carrier %q", o.Name)
	}
	return nil
}

// apply appends the node to net; its stock may come only from one of the
// first baseNodes nodes (the network's own: an added node's stock is not
// known until the replay starts).
func (a *AddedNode) apply(net *network.Network, pr *prepared, baseNodes int) error {
	ms, err := parseMethods("methods", a.Methods)
	if err != nil {
		return err
	}
	slices.Sort(ms)
	nd := network.Node{
		ID: a.ID, Name: a.Name, City: a.City, Kind: network.Kind(a.Kind),
		Lat: a.Lat, Lon: a.Lon, Methods: ms,
		CapacityPerDay: a.CapacityPerDay, PickCostPerOrder: a.PickCostPerOrder, PickCostPerUnit: a.PickCostPerUnit,
		Hours: a.Hours, Tags: slices.Clone(a.Tags), Enabled: true,
	}
	net.Nodes = append(net.Nodes, nd)
	if a.StockFrom != "" {
		from := slices.IndexFunc(net.Nodes, func(n network.Node) bool { return n.ID == a.StockFrom })
		if from < 0 || from == len(net.Nodes)-1 {
			return fmt.Errorf("stock_from: unknown node %q", a.StockFrom)
		}
		if from >= baseNodes {
			return fmt.Errorf("stock_from: %q is an added node; name a node of the network", a.StockFrom)
		}
		f := a.StockFactor
		if f == 0 {
			f = 1
		}
		if !(f > 0 && !math.IsInf(f, 1)) {
			return fmt.Errorf("stock_factor: %v must be a finite number > 0", a.StockFactor)
		}
		pr.copies = append(pr.copies, stockCopy{to: len(net.Nodes) - 1, from: from, factor: f})
	}
	return nil
}

// dropOrphanCourier removes the courier method from nodes no remaining
// partner collects from.
func dropOrphanCourier(net *network.Network) {
	for i := range net.Nodes {
		nd := &net.Nodes[i]
		if !slices.Contains(nd.Methods, solver.Courier) {
			continue
		}
		served := false
		for c := range net.Couriers {
			k := net.Couriers[c].Kinds
			if len(k) == 0 || slices.Contains(k, nd.Kind) {
				served = true
				break
			}
		}
		if !served {
			nd.Methods = slices.DeleteFunc(nd.Methods, func(m solver.Method) bool { return m == solver.Courier })
		}
	}
}
