package policy

import (
	"math"
	"slices"
	"sync/atomic"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// Lookahead is the name of the look-ahead policy.
const Lookahead = "lookahead"

// OpportunityCosts price a unit of a SKU at a node: what keeping it for
// the demand expected later is worth (planning.Prices is one). It must be
// safe for concurrent use.
type OpportunityCosts interface {
	Price(node int, sku string) float64
}

// SellOuts is an optional part of OpportunityCosts: how likely each SKU
// is to sell out before the season ends (planning.Prices with a season
// end; planning.SellOut). Seasoned reports whether there is a season's
// end at all: without one every probability is 0 and means nothing.
type SellOuts interface {
	SellOutProbability(sku string) float64
	Seasoned() bool
}

// SureSellOut is the SellOutProbability from which the look-ahead policy
// takes a SKU to be sure to sell out: a unit one order does not take is
// then taken by a later one, so that a line of it that loses less
// unfilled than its cheapest price pays the whole price (PriceUnits).
// The season's rule (KeepSoldOut) weighs every SKU by its probability.
const SureSellOut = 0.9

// PriceBoard holds the opportunity costs a look-ahead policy applies, and
// when they were planned; a planner swaps them in while orders are being
// chosen. Beside them it counts the outcomes of the plans chosen with it.
// The zero value holds none. It is safe for concurrent use.
type PriceBoard struct {
	cur      atomic.Pointer[pricesAt]
	outcomes Outcomes
	// byOwner is set by CountByOwner.
	byOwner atomic.Bool
}

// Outcomes returns the outcomes of the plans chosen with the board: every
// policy using it observes each plan it chooses, unless the board's owner
// counts them itself (CountByOwner).
func (b *PriceBoard) Outcomes() *Outcomes { return &b.outcomes }

// CountByOwner stops the policies using the board from observing the
// plans they choose in its Outcomes: whoever runs them observes the plans
// that stand for an order (Outcomes().Observe). A server does, so that
// what Options weighs for each offer, and an order planned again because
// the stock moved before its reservation, do not count as orders.
func (b *PriceBoard) CountByOwner() { b.byOwner.Store(true) }

// observe counts plan in the board's Outcomes unless its owner counts.
func (b *PriceBoard) observe(plan *solver.Plan) {
	if !b.byOwner.Load() {
		b.outcomes.Observe(plan)
	}
}

type pricesAt struct {
	costs OpportunityCosts
	at    time.Time
}

// Set replaces the costs with c, planned at at, for every later Choose.
func (b *PriceBoard) Set(c OpportunityCosts, at time.Time) {
	b.cur.Store(&pricesAt{costs: c, at: at})
}

// Get returns the current costs and when they were planned; ok is false
// before the first Set.
func (b *PriceBoard) Get() (c OpportunityCosts, at time.Time, ok bool) {
	p := b.cur.Load()
	if p == nil {
		return nil, time.Time{}, false
	}
	return p.costs, p.at, true
}

// Planned is a policy that applies opportunity costs: whoever runs it (a
// replay, the server) keeps its PriceBoard up to date with a planner.
type Planned interface {
	Policy
	// Prices is the board the policy reads at every Choose.
	Prices() *PriceBoard
	// UsePrices makes the policy read board b instead (several policies,
	// one per goroutine, then share one planner's prices).
	UsePrices(b *PriceBoard)
}

// Applied is what the last Choose of a look-ahead policy applied.
type Applied struct {
	// Applied is true when prices were on the board.
	Applied bool
	// PlannedAt is when those prices were planned.
	PlannedAt time.Time
	// OpportunityCost is the sum of the opportunity costs of the units
	// the plan ships, at the board's prices.
	OpportunityCost float64
}

// lookaheadPolicy is the exact solver with each unit's opportunity cost
// added to its unit cost (see Planned).
type lookaheadPolicy struct {
	ws    *solver.Workspace
	board *PriceBoard
	saved []float64
	// price is the opportunity cost of each (option, line) of the problem.
	price []float64
	// kept are the lines KeepSoldOut charged.
	kept []int
	last Applied
}

var _ Planned = (*lookaheadPolicy)(nil)

func newLookahead(*network.Network) (Policy, error) {
	return &lookaheadPolicy{ws: solver.NewWorkspace(), board: &PriceBoard{}}, nil
}

// Name implements Policy.
func (*lookaheadPolicy) Name() string { return Lookahead }

// Prices implements Planned.
func (l *lookaheadPolicy) Prices() *PriceBoard { return l.board }

// UsePrices implements Planned.
func (l *lookaheadPolicy) UsePrices(b *PriceBoard) { l.board = b }

// LastApplied returns what the last Choose applied.
func (l *lookaheadPolicy) LastApplied() Applied { return l.last }

// Choose implements Policy: the solver's plan for p with each unit's
// opportunity cost, less that of the line's cheapest-priced usable source
// (unless the line's lost-sale cost is below it), added to
// Problem.UnitCost (PriceUnits). p is left as it came; the plan's shipments,
// ShippingCost and TotalCost are its real costs, without the opportunity
// costs (its Alternatives' totals include them). With no prices on the
// board it is the optimal policy. Every plan is counted in the board's
// Outcomes, unless its owner counts them (PriceBoard.CountByOwner).
func (l *lookaheadPolicy) Choose(p *solver.Problem, s solver.Settings) (*solver.Plan, error) {
	costs, at, ok := l.board.Get()
	l.last = Applied{Applied: ok, PlannedAt: at}
	if !ok {
		plan, err := l.ws.Solve(p, s)
		if err == nil {
			l.board.observe(plan)
		}
		return plan, err
	}
	l.saved, l.price = PriceUnits(p, costs, l.saved, l.price)
	defer copy(p.UnitCost, l.saved)
	plan, err := l.ws.Solve(p, s)
	if err != nil {
		return nil, err
	}
	if so, ok := costs.(SellOuts); ok {
		var again bool
		if l.kept, again = KeepSoldOut(p, plan, so, l.board.Outcomes(), l.kept); again {
			if plan, err = l.ws.Solve(p, s); err != nil {
				return nil, err
			}
		}
	}
	l.last.OpportunityCost = RealCosts(p, plan, l.saved, l.price)
	l.board.observe(plan)
	return plan, nil
}

// KeepSoldOut applies the season's rule to plan, made over p priced by
// PriceUnits. A unit this order does not take goes, if its SKU sells out
// before the season's end (SellOutProbability), to an order later in the
// season that would otherwise go without it: weighed by that probability,
// it is worth KeepValue to that order, by what later has seen
// (Outcomes.Later). With later nil, or before it has seen a unit shipped,
// it charges nothing. KeepSoldOut charges each line that
// plan ships whose unit is worth more than nothing kept (a lost-sale
// price, a probability above 0) that value in p.UnitCost, and reports
// whether it charged any: p must then be solved again (and its unit costs
// restored as after PriceUnits). The solver then leaves a line unfilled
// (UNECONOMIC) where what shipping it costs this order exceeds the value
// less the lost sale and, when the order would otherwise be whole, its
// per-order lost-sale cost: in an order already short, nearly always for
// a SKU sure to sell out (SureSellOut) and when its unit would ride alone
// for one likely to; in a whole one when leaving those lines saves
// parcels enough. Without a per-order lost-sale cost a kept unit moves a
// lost sale from this order to a later one, and what it saves is
// shipping: the line is left when shipping it costs more than the value
// less the lost sale (at a sell-out probability of 1, more than a unit
// later is expected to cost). Lines without a lost-sale price are left as
// they are (they are filled whenever stock allows). kept receives the
// lines charged (reused when large enough).
func KeepSoldOut(p *solver.Problem, plan *solver.Plan, so SellOuts, later *Outcomes, kept []int) ([]int, bool) {
	kept = kept[:0]
	// What a kept unit costs the later order to ship is learnt from the
	// units shipped so far; before the first, the rule cannot weigh it
	// and waits (taking it as free would keep every unit, and, with no
	// unit shipped, learn nothing).
	if len(plan.Shipments) == 0 || later == nil || !later.Shipped() {
		return kept, false
	}
	single, perUnit := later.Later()
	nl := len(p.Lines)
	for i := range plan.Shipments {
		for _, a := range plan.Shipments[i].Lines {
			ln := &p.Lines[a.Line]
			// A line split over two shipments is charged once.
			if ln.LostSaleCost <= 0 || slices.Contains(kept, a.Line) {
				continue
			}
			v := KeepValue(ln.LostSaleCost, p.LostSaleCostPerOrder, so.SellOutProbability(ln.SKU), single, perUnit)
			if v <= 0 {
				continue
			}
			kept = append(kept, a.Line)
			for o := range p.Options {
				p.UnitCost[o*nl+a.Line] += v
			}
		}
	}
	return kept, len(kept) > 0
}

// PriceUnits adds the opportunity costs of costs to p.UnitCost, as the
// look-ahead policy does. The present order is part of the demand the
// prices were planned for: serving it from its cheapest-priced source
// spends the unit the plan kept for it, so a line pays only what a
// source's unit is worth above that one, and fills or not as optimal
// would. Only when the line loses less unfilled than even the cheapest
// price (a unit is worth more to the expected demand than to it) does it
// pay the whole price. What it loses is counted as the plan counts the
// demand's: its lost-sale cost a unit and its share of the order's
// per-order cost (LostSaleCostPerOrder over the order's units). When the
// prices carry a season's outlook (SellOuts), only a line of a SKU sure
// to sell out by its end (SureSellOut) pays the whole price: a unit kept
// for later is worth its price only if a later order takes it. When the
// costs also price what nodes' picks of the day and stock are worth to
// the orders bound to them (BoundValues), an order other nodes could
// serve pays for the picks and units it would take from them
// (chargeBound).
//
// saved receives p's unit costs as they came and price the price of each
// (option, line) (Problem.At's index); both are reused when large enough
// and returned. copy(p.UnitCost, saved) undoes it.
func PriceUnits(p *solver.Problem, costs OpportunityCosts, saved, price []float64) ([]float64, []float64) {
	saved = append(saved[:0], p.UnitCost...)
	nl := len(p.Lines)
	price = slices.Grow(price[:0], len(p.UnitCost))[:len(p.UnitCost)]
	for o := range p.Options {
		node := int(p.Options[o].Node)
		for ln := range p.Lines {
			price[o*nl+ln] = costs.Price(node, p.Lines[ln].SKU)
		}
	}
	var units int32
	for ln := range p.Lines {
		units += p.Lines[ln].Quantity
	}
	var share float64 // of the per-order cost, a unit
	if units > 0 {
		share = p.LostSaleCostPerOrder / float64(units)
	}
	so, season := costs.(SellOuts)
	season = season && so.Seasoned()
	for ln := range p.Lines {
		line := &p.Lines[ln]
		base := math.Inf(1)
		for o := range p.Options {
			if Usable(p, o) && p.Available[o*nl+ln] > 0 {
				base = min(base, price[o*nl+ln])
			}
		}
		whole := line.LostSaleCost > 0 && line.LostSaleCost+share < base &&
			(!season || so.SellOutProbability(line.SKU) >= SureSellOut)
		if math.IsInf(base, 1) || whole {
			base = 0
		}
		for o := range p.Options {
			if c := price[o*nl+ln] - base; c > 0 {
				p.UnitCost[o*nl+ln] += c
			}
		}
	}
	if bv, ok := costs.(BoundValues); ok {
		chargeBound(p, bv, price)
	}
	return saved, price
}

// BoundValues is an optional part of OpportunityCosts: what a node's
// picks left today and its units on hand are worth to the orders that
// only it can serve (pickups that name it; planning.Prices with a
// planning.PickOutlook).
type BoundValues interface {
	// PickValue is what those orders are expected to lose more when
	// another order takes units of the left picks node has today.
	PickValue(node int, left, units int32) float64
	// StockValue is what they are expected to lose more when another
	// order takes units of the onHand units of sku node holds.
	StockValue(node int, sku string, onHand, units int32) float64
}

// chargeBound adds to the units an option of p could pick at a node with
// limited picks today what taking them costs the orders bound to that
// node (BoundValues.PickValue), spread evenly over those units, and to
// each unit of a line what taking it from the node's stock costs them
// (StockValue, spread over the units the option could take), in
// p.UnitCost and price. An order only one node can serve is itself bound
// to it, and pays nothing.
func chargeBound(p *solver.Problem, bv BoundValues, price []float64) {
	first, flexible := int32(-1), false
	for o := range p.Options {
		if !Usable(p, o) {
			continue
		}
		if first < 0 {
			first = p.Options[o].Node
		} else if p.Options[o].Node != first {
			flexible = true
			break
		}
	}
	if !flexible {
		return
	}
	nl := len(p.Lines)
	for o := range p.Options {
		opt := &p.Options[o]
		left := opt.CapacityUnits
		if left <= 0 || !Usable(p, o) {
			continue
		}
		var units int32
		for ln := range p.Lines {
			units += min(p.Available[o*nl+ln], p.Lines[ln].Quantity)
		}
		if units = min(units, left); units <= 0 {
			continue
		}
		c := bv.PickValue(int(opt.Node), left, units) / float64(units)
		if c <= 0 {
			continue
		}
		for ln := range p.Lines {
			p.UnitCost[o*nl+ln] += c
			price[o*nl+ln] += c
		}
	}
	for o := range p.Options {
		if !Usable(p, o) {
			continue
		}
		node := int(p.Options[o].Node)
		for ln := range p.Lines {
			have := p.Available[o*nl+ln]
			units := min(have, p.Lines[ln].Quantity)
			if units <= 0 {
				continue
			}
			if c := bv.StockValue(node, p.Lines[ln].SKU, have, units) / float64(units); c > 0 {
				p.UnitCost[o*nl+ln] += c
				price[o*nl+ln] += c
			}
		}
	}
}

// RealCosts gives plan, made over p priced by PriceUnits, its real costs:
// its shipments, ShippingCost and TotalCost at the unit costs saved (p's
// as they came); its Alternatives' totals keep the opportunity costs. It
// returns the opportunity cost of the units the plan ships, at price.
func RealCosts(p *solver.Problem, plan *solver.Plan, saved, price []float64) (opportunity float64) {
	nl := len(p.Lines)
	plan.ShippingCost = 0
	for i := range plan.Shipments {
		sh := &plan.Shipments[i]
		var real float64
		for _, a := range sh.Lines {
			real += float64(a.Quantity) * saved[sh.Option*nl+a.Line]
			opportunity += float64(a.Quantity) * price[sh.Option*nl+a.Line]
		}
		sh.UnitsCost = real
		sh.Cost = sh.FixedCost + sh.UnitsCost + sh.Penalty
		plan.ShippingCost += sh.Cost
	}
	plan.TotalCost = plan.ShippingCost + plan.LostSaleCost
	return opportunity
}

// AppliedBy returns what the last Choose of p applied, when p is a
// look-ahead policy.
func AppliedBy(p Policy) (Applied, bool) {
	l, ok := p.(*lookaheadPolicy)
	if !ok {
		return Applied{}, false
	}
	return l.last, true
}
