package simulate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// The look-ahead policy's planning in a replay (Config.PlanInterval,
// Config.PlanHorizon): defaults.
const (
	// DefaultPlanInterval is how much simulated time passes between two
	// plans: hourly prices stay on the stock that is left (each plan
	// starts from the last one's basis, so planning often costs little).
	DefaultPlanInterval = time.Hour
	// DefaultPlanHorizon is how far each plan looks ahead: two days, so
	// that a unit is priced for the demand of more than the day it is
	// sold in.
	DefaultPlanHorizon = 48 * time.Hour
	// SeasonPlanHorizon is how far each plan looks ahead by default when
	// the replay's replenishments schedule no arrival after its first
	// plan: the stock then has to last, and a plan that stops at two days
	// prices it as if the days after did not need it. A week, or the
	// season's length from the first plan to its end (Config.SeasonEnd)
	// when that is longer: a plan a week ahead in a season of four weeks
	// prices the stock as if the weeks after did not need it either.
	SeasonPlanHorizon = 7 * 24 * time.Hour
	// MinReplayPlans is how many plans a replay shorter than
	// MinReplayPlans × DefaultPlanInterval (a day) makes at least on its
	// schedule (PlanInterval), as a replay of a day does hourly.
	MinReplayPlans = 24
	// ReplanShare is the share of the planned supply that may move
	// (shipped or received) before the next order plans again, ahead of
	// the schedule.
	ReplanShare = 0.2
)

// replayPlanner keeps a look-ahead policy's prices up to date during one
// replay. It plans in the replay's goroutine, at the simulated times its
// schedule says, so that a replay stays deterministic; it sees only the
// history file (or the forecast) and the orders replayed so far.
type replayPlanner struct {
	ctx   context.Context
	board *policy.PriceBoard
	net   *network.Network
	est   *forecast.Estimator
	// picks counts the orders bound to one node (named pickups); every
	// plan's prices carry its outlook for the picks of the day.
	picks *planning.BoundPicks
	// base is Config.Forecast: each plan blends it with est's estimate.
	base *forecast.Demand
	// orders is the PlanOrders model (nil: PlanDemand); auto is true
	// under PlanAuto, which plans by it only while the orders repeat.
	// byOrders is whether the last plan was by orders; nextOrders when
	// PlanAuto's next plan by orders is due.
	orders     *planning.OrderWindow
	byModel    *planning.OrderPlanner
	latest     []network.Order
	auto       bool
	byOrders   bool
	nextOrders time.Time
	interval   time.Duration
	horizon    time.Duration
	// season is true when the horizon was not configured: the first plan
	// then chooses DefaultPlanHorizon or SeasonPlanHorizon (or the
	// season's length).
	season bool
	// next is when the schedule plans next; planned is false before the
	// first plan.
	next    time.Time
	planned bool
	// supply is the units the last plan had; moved the units shipped and
	// received since.
	supply, moved float64
	plans         int64
	failures      int64
	lastErr       error
	// last is the last good plan: the next one starts from its basis.
	last *planning.Result
	// model is rebuilt for every plan (planning.Model.Rebuild); ws lends
	// every plan's solve the arrays of the one before.
	model planning.Model
	ws    lp.Workspace
	// seasonEnd is Config.SeasonEnd: each plan's prices carry the SKUs'
	// probabilities of selling out by then (planning.SellOut).
	seasonEnd time.Time
	// reps reads the replenishments file ahead of the replay (nil without
	// one); arrivals holds the arrivals read but not yet past, in file
	// order, so at most a horizon's worth beyond the clock (or up to the
	// season's end, when later) and the next one. The file is a schedule known in advance, so a plan may count
	// what arrives within its horizon; orders still to come it never sees.
	reps     *Replenishments
	arrivals []planning.Arrival
	repsDone bool
	// falls are the rates of the live falls applied so far
	// (Config.LiveFalls; nil otherwise): each plan keeps the falls they
	// expect out of the supply it prices, as a server's planner does.
	falls *planning.FallRates
}

// newReplayPlanner returns the planner of a replay of board's policy over
// net, its estimator fed with the history file when there is one, each of
// its orders put through pickupAt first as the replay's are (the
// scenario's pickup closures and redirect cost; see replayState.pickupAt);
// its plans by orders solve workers samples at once.
func newReplayPlanner(ctx context.Context, cfg *Config, reps Source, workers int, net *network.Network, pickupAt func(*network.Order), board *policy.PriceBoard) (*replayPlanner, error) {
	p := &replayPlanner{
		ctx: ctx, board: board, net: net,
		est:      forecast.NewEstimator(net, forecast.NewRegions(net)),
		picks:    &planning.BoundPicks{},
		base:     cfg.Forecast,
		interval: cfg.PlanInterval, horizon: cfg.PlanHorizon, seasonEnd: cfg.SeasonEnd,
	}
	if p.interval <= 0 {
		p.interval = DefaultPlanInterval
	}
	if p.horizon <= 0 {
		p.horizon, p.season = DefaultPlanHorizon, true
	}
	if cfg.LiveFalls {
		p.falls = &planning.FallRates{}
	}
	observe := func(o *network.Order) {
		p.est.Observe(o)
		p.picks.Observe(o)
	}
	if cfg.PlanModel == PlanOrders || cfg.PlanModel == PlanAuto {
		p.orders, p.auto = &planning.OrderWindow{}, cfg.PlanModel == PlanAuto
		p.byModel = planning.NewOrderPlanner(net)
		p.byModel.Scenarios = cfg.PlanSamples
		p.byModel.Workers = workers
		observe = func(o *network.Order) {
			p.est.Observe(o)
			p.picks.Observe(o)
			p.orders.Observe(o)
		}
	}
	if cfg.History != nil {
		if err := ObserveOrders(cfg.History, cfg.SkipBad, func(o *network.Order) {
			pickupAt(o)
			observe(o)
		}); err != nil {
			return nil, err
		}
	}
	if src := reps; src != nil {
		var err error
		if p.reps, err = OpenReplenishments(src, net, cfg.SkipBad); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// close releases the planner's reader of the replenishments file.
func (p *replayPlanner) close() {
	if p.reps != nil {
		p.reps.Close()
	}
}

// arrivalsWithin returns the scheduled arrivals after clock and up to
// clock+horizon, or the season's end when it is later, reading the
// replenishments file as far as that end (and one arrival beyond).
func (p *replayPlanner) arrivalsWithin(clock time.Time) ([]planning.Arrival, error) {
	past := 0
	for past < len(p.arrivals) && !p.arrivals[past].At.After(clock) {
		past++
	}
	p.arrivals = append(p.arrivals[:0], p.arrivals[past:]...)
	end := clock.Add(p.horizon)
	if p.seasonEnd.After(end) {
		end = p.seasonEnd
	}
	for p.reps != nil && !p.repsDone && (len(p.arrivals) == 0 || !p.arrivals[len(p.arrivals)-1].At.After(end)) {
		rep, err := p.reps.Next()
		if errors.Is(err, io.EOF) {
			p.repsDone = true
			break
		}
		if err != nil {
			return nil, fmt.Errorf("replenishments: %w", err)
		}
		if !rep.At.After(clock) || rep.Qty <= 0 {
			continue // applied by the replay already, or a live fall: not scheduled
		}
		p.arrivals = append(p.arrivals, planning.Arrival{At: rep.At, Node: rep.Node, SKU: rep.SKU, Qty: rep.Qty})
	}
	return p.arrivals, nil
}

// ObserveHistory feeds every order of an orders file to e (malformed rows
// fail the read unless skipBad).
func ObserveHistory(src Source, skipBad bool, e *forecast.Estimator) error {
	return ObserveOrders(src, skipBad, e.Observe)
}

// ObserveOrders calls observe with every order of an orders file, in
// file order (malformed rows fail the read unless skipBad).
func ObserveOrders(src Source, skipBad bool, observe func(*network.Order)) error {
	r, err := OpenOrders(src, skipBad)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		o, err := r.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("history: %w", err)
		}
		observe(o)
	}
}

// before plans when the schedule or the stock moved since says so, at
// clock, over the replay's stock.
func (p *replayPlanner) before(clock time.Time, table *stock.Table) {
	due := !p.planned || !clock.Before(p.next) || (p.supply > 0 && p.moved > ReplanShare*p.supply)
	if !due || p.base == nil && p.est.Orders() == 0 {
		return
	}
	first := !p.planned
	p.planned, p.next, p.moved = true, clock.Add(p.interval), 0
	// The supply each plan prices: the stock less the live falls expected
	// within its time, counted from the first plan.
	if first && p.falls != nil {
		p.falls.Start(clock)
	}
	supplyOver := func(until time.Time) network.StockView {
		if p.falls == nil {
			return table
		}
		return planning.LessFalls(table, p.falls.Expected(clock, until.Sub(clock)))
	}
	arrivals, err := p.arrivalsWithin(clock)
	if first && p.season && err == nil && len(arrivals) == 0 {
		// arrivalsWithin read on to the first arrival after clock: there
		// is none, so what is in stock is all this replay will have.
		p.horizon = max(SeasonPlanHorizon, p.seasonEnd.Sub(clock))
	}
	// PlanAuto plans over the orders only while they stand for the orders
	// to come.
	byOrders := p.orders != nil && (!p.auto || p.orders.Representative())
	if byOrders && p.auto {
		// A plan by orders keeps its prices for planning.OrdersPlanEvery of the
		// schedule's intervals.
		if p.byOrders && clock.Before(p.nextOrders) {
			return
		}
		p.nextOrders = clock.Add(planning.OrdersPlanEvery * p.interval)
	}
	var demand *forecast.Demand
	var planned []planning.Price
	var supply float64
	if err == nil {
		demand = p.demand(clock)
		if byOrders {
			until := p.until(clock)
			var rate float64 // orders a day
			if demand.Days > 0 {
				rate = float64(demand.Orders) / demand.Days
			}
			p.latest = p.orders.Latest(p.latest)
			var op *planning.OrdersPlan
			if op, err = p.byModel.Plan(p.ctx, supplyOver(until), p.latest, arrivals, clock, until, rate); err == nil {
				planned, supply = op.Prices, op.OnHand
			}
		} else {
			in := &planning.Input{
				Network: p.net, Regions: p.est.Regions(), Stock: supplyOver(clock.Add(p.horizon)),
				Demand: demand, Arrivals: arrivals, At: clock, Horizon: p.horizon,
			}
			m := &p.model
			var res *planning.Result
			if err = m.Rebuild(in); err == nil {
				res, err = m.Solve(p.ctx, in, lp.Settings{Start: m.StartFrom(p.last), Workspace: &p.ws})
			}
			if err == nil {
				p.last, planned = res, res.Prices
				for i := range m.Supplies {
					supply += m.Supplies[i].Units()
				}
			}
		}
	}
	if err != nil {
		// The last good prices stay.
		p.failures++
		p.lastErr = err
		return
	}
	p.plans++
	p.supply, p.byOrders = supply, byOrders
	prices := planning.NewPrices(planned, len(p.net.Nodes), clock)
	if clock.Before(p.seasonEnd) {
		prices = prices.WithSellOut(planning.SellOut(demand, supplyOver(p.seasonEnd), arrivals, clock, p.seasonEnd))
	}
	prices = prices.WithPicks(p.picks.Outlook(p.net, clock, p.until(clock), arrivals))
	if p.falls != nil {
		// What the tills lose when an order takes a row's units, by the
		// stock it leaves them (the rows they are expected to empty
		// among them).
		prices = prices.WithTills(p.falls.Tills(p.net, demand, arrivals, clock, p.until(clock)))
	}
	p.board.Set(prices, clock)
}

// until is the end of what a plan at clock plans for: the season's end
// when one is ahead, else the horizon.
func (p *replayPlanner) until(clock time.Time) time.Time {
	if p.seasonEnd.After(clock) {
		return p.seasonEnd
	}
	return clock.Add(p.horizon)
}

// demand is what a plan at clock expects: the rolling estimate of the
// history and the orders replayed so far, blended into the forecast when
// there is one.
func (p *replayPlanner) demand(clock time.Time) *forecast.Demand {
	if p.base == nil {
		return p.est.Estimate(clock)
	}
	if p.est.Orders() == 0 {
		return p.base
	}
	return forecast.Blend(p.base, p.est.Estimate(clock))
}

// fell adds a live fall the replay applied (units asked for of sku at
// node at at; an adjustment when adjustment) to the rates of falls.
func (p *replayPlanner) fell(at time.Time, node int, sku string, units int32, adjustment bool) {
	if p.falls == nil {
		return
	}
	if adjustment {
		p.falls.ObserveAdjustment(at, node, sku, units)
	} else {
		p.falls.Observe(at, node, sku, units)
	}
}

// after counts what the plan of o shipped, and o itself into the rolling
// estimate.
func (p *replayPlanner) after(o *network.Order, plan *solver.Plan) {
	for i := range plan.Shipments {
		for _, a := range plan.Shipments[i].Lines {
			p.moved += float64(a.Quantity)
		}
	}
	p.est.Observe(o)
	p.picks.Observe(o)
	if p.orders != nil {
		p.orders.Observe(o)
	}
}
