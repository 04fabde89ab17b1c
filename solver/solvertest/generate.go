// Package solvertest builds problems for the solver's tests, benchmarks and
// the gen-problem command: random but realistic problems from a seed
// (GenerateProblem), priced by a simple cost model (CostModel), and
// lost-sale prices for them (AddLostSaleCosts). The same arguments give
// the same problem, byte for byte.
package solvertest

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/omniroute/omniroute/solver"
)

// GenerateProblem returns a random but realistic problem, the same for the
// same arguments: a customer with stores (within 40 km) and warehouses
// (50-1,200 km) around it, priced with DefaultCostModel. It returns exactly
// nodes candidate options (a store offers ship-from-store, pickup when within
// the pickup radius, and a courier, excluded beyond the courier radius; a warehouse
// offers warehouse shipping), so nodes counts candidates, and about half as
// many physical nodes. Each store holds each SKU with probability
// stockDensity (1-5 units); warehouses hold most SKUs in depth. Lines may be
// split, into 3 shipments at most, with a split penalty of 2 and a promise of
// 3 days.
func GenerateProblem(seed int64, nodes, lines int, stockDensity float64) *solver.Problem {
	if nodes < 0 {
		nodes = 0
	}
	if lines < 1 {
		lines = 1
	}
	if math.IsNaN(stockDensity) || stockDensity < 0 {
		stockDensity = 0
	}
	if stockDensity > 1 {
		stockDensity = 1
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x6f6d6e69726f7574))
	m := DefaultCostModel()
	p := &solver.Problem{
		MaxShipments:   3,
		SplitLines:     true,
		SplitPenalty:   2,
		PromiseMinutes: 3 * 24 * 60,
	}
	for l := 0; l < lines; l++ {
		q := int32(1)
		if r.IntN(4) == 0 {
			q = int32(2 + r.IntN(2))
		}
		p.Lines = append(p.Lines, solver.Line{
			SKU:          fmt.Sprintf("SKU-%05d", r.IntN(100000)*lines+l),
			Quantity:     q,
			UnitWeightKg: round(0.1+r.Float64()*4.9, 2),
		})
	}
	node := int32(0)
	for len(p.Options) < nodes {
		warehouse := r.IntN(12) == 0
		var km float64
		if warehouse {
			km = 50 + r.Float64()*1150
		} else {
			km = 0.3 + 40*r.Float64()*r.Float64()
		}
		km = round(km, 2)
		id := fmt.Sprintf("store-%04d", node)
		if warehouse {
			id = fmt.Sprintf("wh-%04d", node)
		}
		capacity := int32(-1)
		if !warehouse && r.IntN(2) == 0 {
			capacity = int32(r.IntN(40))
		}
		// Stock is the node's, shared by its options.
		atp := make([]int32, lines)
		for l := range atp {
			switch {
			case warehouse && r.Float64() < 0.9:
				atp[l] = int32(5 + r.IntN(46))
			case !warehouse && r.Float64() < stockDensity:
				atp[l] = int32(1 + r.IntN(5))
			}
		}
		opp := 0.0 // opportunity cost per unit of store stock
		if !warehouse {
			opp = 0.2
		}
		add := func(method solver.Method, partner string, fixed, perUnit float64, eta int32, maxW float64, excl solver.Reason) {
			if len(p.Options) >= nodes {
				return
			}
			p.Options = append(p.Options, solver.Option{
				Node: node, NodeID: id, Method: method, Partner: partner,
				FixedCost: round(fixed, 4), CapacityUnits: capacity, MaxWeightKg: maxW,
				ETAMinutes: eta, DistanceKm: km, Excluded: excl,
			})
			p.Available = append(p.Available, atp...)
			for l := 0; l < lines; l++ {
				// Per-SKU handling varies a little around the model.
				u := perUnit + opp + 0.05*float64(r.IntN(5))
				p.UnitCost = append(p.UnitCost, round(u, 4))
			}
		}
		if warehouse {
			add(solver.WarehouseShip, "", m.PickFixed(true)+m.ParcelFixed(km),
				m.PickPerUnit(true)+m.ParcelPerItem(km), m.ParcelETAMinutes(km), 0, solver.ReasonNone)
		} else {
			add(solver.ShipFromStore, "", m.PickFixed(false)+m.ParcelFixed(km),
				m.PickPerUnit(false)+m.ParcelPerItem(km), m.ParcelETAMinutes(km), 0, solver.ReasonNone)
			if km <= m.PickupRadiusKm {
				add(solver.Pickup, "", m.PickFixed(false), m.PickPerUnit(false), int32(m.PickupMinutes), 0, solver.ReasonNone)
			}
			excl := solver.ReasonNone
			if !m.CourierReaches(km) {
				excl = solver.ReasonOutsideRadius
			}
			add(solver.Courier, "glovo", m.PickFixed(false)+m.CourierFixed(km), m.PickPerUnit(false),
				m.CourierETAMinutes(km), m.CourierMaxWeightKg, excl)
		}
		node++
	}
	return p
}

func round(v float64, digits int) float64 {
	s := math.Pow(10, float64(digits))
	return math.Round(v*s) / s
}

// AddLostSaleCosts prices p's lines for lost sales, the same way for the
// same arguments: each line gets perUnit times a factor drawn from seed in
// [0.5, 2) (some SKUs are worth more than others) as its LostSaleCost, and
// the order a LostSaleCostPerOrder of perUnit (the goodwill an unfilled
// order costs). perUnit <= 0 (or NaN) removes every lost-sale cost. With
// GenerateProblem's costs, a perUnit of 3-10 leaves some lines cheaper to
// lose than to ship and most cheaper to ship.
func AddLostSaleCosts(p *solver.Problem, seed int64, perUnit float64) {
	if !(perUnit > 0) || math.IsInf(perUnit, 1) {
		for l := range p.Lines {
			p.Lines[l].LostSaleCost = 0
		}
		p.LostSaleCostPerOrder = 0
		return
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x6c6f73742d73616c))
	for l := range p.Lines {
		p.Lines[l].LostSaleCost = round(perUnit*(0.5+1.5*r.Float64()), 4)
	}
	p.LostSaleCostPerOrder = round(perUnit, 4)
}
