package router

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/policy"
)

// Defaults of PlanningConfig.
const (
	// DefaultPlanInterval is how often the background planner plans.
	DefaultPlanInterval = 15 * time.Minute
	// DefaultPlanHorizon is how far each plan looks ahead (as a replay's
	// plans do, simulate.DefaultPlanHorizon).
	DefaultPlanHorizon = 48 * time.Hour
	// PlanAfterShare is the share of the planned supply that may be routed
	// before the planner plans again, ahead of its schedule.
	PlanAfterShare = 0.2
	// DefaultRecentOrders is how many of the orders routed since start the
	// planner keeps for its rolling estimate.
	DefaultRecentOrders = 20000
)

// PlanningConfig configures the background planner of a look-ahead policy
// (policy.Planned): the expected-demand LP (package planning) over the live
// stock, whose prices the policy applies.
type PlanningConfig struct {
	// Demand is the forecast (from a history, forecast.Estimator, or a
	// forecast file), by the regions of the network (forecast.NewRegions;
	// each plan takes them afresh from the network it plans over).
	Demand *forecast.Demand
	// Arrivals are scheduled replenishments.
	Arrivals []planning.Arrival
	// Interval and Horizon default to DefaultPlanInterval and
	// DefaultPlanHorizon.
	Interval time.Duration
	Horizon  time.Duration
	// SeasonEnd, when set, is when the season ends: the stock and the
	// Arrivals before then must last until then. Each plan then tells the
	// policy how likely each SKU is to sell out by then
	// (planning.SellOut), and a unit is charged what it is worth to the
	// later order that would get it, weighed by that chance
	// (policy.KeepSoldOut). A season end set later than
	// the real one refuses units that will never sell.
	SeasonEnd time.Time
	// RecentOrders bounds the orders routed since start that each plan
	// adds to Demand (the newest ones; a ring, so memory stays bounded):
	// 0 means DefaultRecentOrders, < 0 none. See forecast.Blend.
	RecentOrders int
	// Model is what the plans price units with: planning.ModelDemand (""
	// too), planning.ModelOrders or planning.ModelAuto (see package
	// planning). The orders model samples the orders in Seen, then the
	// orders routed since start (each order id once, as RecentOrders),
	// and counts the Arrivals due by its end; until it has seen an order
	// it plans by demand. A plan by orders keeps its prices for
	// planning.OrdersPlanEvery of the schedule's intervals, unless the
	// stock moves first (PlanAfterShare) or a plan is asked for
	// (PlanningService.Plan).
	Model string
	// Bound holds what the history says of the orders bound to one node
	// (pickups that name their store); nil means nothing. Each plan adds
	// the orders routed since start (as RecentOrders) and prices the picks
	// of the day by them (planning.BoundPicks.Outlook). The planner takes
	// it over.
	Bound *planning.BoundPicks
	// Seen holds the orders seen before start (the history) for the
	// orders model; nil means none. The planner takes it over.
	Seen *planning.OrderWindow
	// Shared, when set, is where every replica's routed orders are read
	// from (the database's order log, orderlog.DBReader): before each
	// plan the planner reads those written since the last, and adds the
	// ones it has not seen to the orders routed since start (as
	// RecentOrders, each order id once) as if it had routed them, so that
	// replicas behind one load balancer each plan for the demand of all.
	// It starts from the latest order written when the planner starts.
	Shared SharedOrders
	// SharedFalls, when set, is where every replica's falls of stock are
	// read from (the database's order log): before each plan the planner
	// adds those written since the last to its rates, in place of the
	// falls of the updates it applies itself (which are among them). It
	// starts from the latest written when the planner starts.
	SharedFalls SharedFalls
	// Falls holds the falls of stock of a history (the order log's
	// receipts: a sale at the till, a write-off); nil means none. The
	// planner takes it over and adds the falls of the stock updates the
	// service applies (UpdateStock, StreamStock): each plan keeps the
	// falls their rates expect within its time out of the supply it
	// prices (planning.LessFalls), the demand of the other channels.
	Falls *planning.FallRates
	// Workers is how many samples of a plan by orders are solved at once
	// (planning.OrderPlanner.Workers; the plan is the same for any
	// number); 0 means 1, so that planning takes one CPU beside the calls.
	Workers int
	// ticks, when set, replaces the planner's ticker and its plan at
	// start (tests).
	ticks <-chan time.Time
	// manual, when set, starts no loop: the test plans with planNow and
	// reads the requests for a plan from kick.
	manual bool
}

// SharedOrders reads the orders every replica routed, in the order they
// were written (orderlog.DBReader).
type SharedOrders interface {
	// Start is the position of the latest order written so far.
	Start(ctx context.Context) (int64, error)
	// Since returns up to limit orders written after position after and
	// the position of the last one.
	Since(ctx context.Context, after int64, limit int) ([]network.Order, int64, error)
}

// SharedFalls reads the falls of stock every replica recorded, in the
// order they were written (the order log's receipts in the database).
type SharedFalls interface {
	// FallsStart is the position of the latest fall written so far.
	FallsStart(ctx context.Context) (int64, error)
	// FallsSince calls fn with each fall written after position after
	// (units that left node's sku at at other than by an order routed; an
	// adjustment, not a sale, when adjustment), up to limit rows read, and
	// returns the position of the last row read.
	FallsSince(ctx context.Context, after int64, limit int, fn func(at time.Time, node, sku string, units int32, adjustment bool)) (int64, error)
}

// sharedPage is how many shared orders a plan reads at a time.
const sharedPage = 5000

// planner re-plans in the background and swaps the prices the routing
// policy reads; a route never waits for it. A failed plan keeps the last
// good prices and is counted in the metrics.
type planner struct {
	s     *Service
	cfg   PlanningConfig
	board *policy.PriceBoard
	// kick asks for a plan ahead of the schedule (buffered, one pending).
	kick chan struct{}
	// routed counts the units planned by routes and moved by stock
	// updates since the last plan;
	// supply is the last plan's supply (units), as float64 bits.
	routed atomic.Int64
	supply atomic.Int64
	done   chan struct{}
	// mu serialises plans (the loop's and PlanNow's).
	mu sync.Mutex
	// prev is the last good plan: the next starts from its basis (guarded
	// by mu).
	prev *planning.Result
	// sharedAt is the position in cfg.Shared read up to, once sharedOK
	// (guarded by mu).
	sharedAt int64
	sharedOK bool
	// model is rebuilt for every plan (planning.Model.Rebuild; guarded by
	// mu), and ws lends each plan's LP the arrays the last one allocated
	// (guarded by mu).
	model planning.Model
	ws    lp.Workspace
	// recent is the rolling window of routed orders: a ring of at most
	// cfg.RecentOrders, oldest at next once full (guarded by recentMu;
	// each entry's Lines reused, so a route allocates nothing for it).
	recentMu sync.Mutex
	recent   []network.Order
	next     int
	// ids are the ids of the orders in recent (guarded by recentMu), so
	// that an order routed again is not counted twice.
	ids map[string]struct{}
	// window is the orders model's window of the orders seen (nil under
	// the demand model; guarded by recentMu); latest is a plan's copy of
	// it and byOrders its planner (guarded by mu).
	window   *planning.OrderWindow
	latest   []network.Order
	byOrders *planning.OrderPlanner
	// ordersUntil is when the schedule plans again after a plan by orders
	// (zero after a plan by demand; guarded by mu).
	ordersUntil time.Time
	// falls are the rates of the falls of stock seen (guarded by mu);
	// pending the falls the stock updates applied since the last plan
	// took them in (guarded by fallsMu, held for an append or a swap, so
	// that an update never waits for a plan), at most maxPendingFalls.
	falls   *planning.FallRates
	fallsMu sync.Mutex
	pending []stockFall
	// fallsAt is the position in cfg.SharedFalls read up to, once
	// fallsOK (guarded by mu).
	fallsAt int64
	fallsOK bool

	runs    *prometheus.CounterVec
	seconds prometheus.Histogram
	last    prometheus.Gauge
	// keepSingle and keepPerUnit show the board's Outcomes.
	keepSingle, keepPerUnit prometheus.GaugeFunc
	// seasonLikely and seasonShort show the last good plan's season
	// outlook (planning.SeasonOutlook), with a season's end.
	seasonLikely, seasonShort prometheus.Gauge
	// byOrdersGauge is 1 while the last good plan was by orders.
	byOrdersGauge prometheus.Gauge
	// shared counts the orders read from cfg.Shared by result, and
	// sharedFalls the falls read from cfg.SharedFalls.
	shared, sharedFalls *prometheus.CounterVec
	// pricedPicks counts the nodes whose pick capacity the last good plan
	// prices above 0.
	pricedPicks prometheus.Gauge
	// fallUnits is the units the last good plan kept out of its supply
	// for the falls it expects.
	fallUnits prometheus.Gauge
	// repeatShare and linesPerSKU show what planning.ModelAuto chooses by
	// in the orders seen (with the orders model only).
	repeatShare, linesPerSKU prometheus.GaugeFunc
	lastOK                   atomic.Pointer[time.Time]
	// healthy is whether the last plan succeeded; hooks are told each
	// change (guarded by mu).
	healthy atomic.Bool
	hooks   []func(healthy bool)
}

func newPlanner(s *Service, cfg PlanningConfig, board *policy.PriceBoard) *planner {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultPlanInterval
	}
	if cfg.Horizon <= 0 {
		cfg.Horizon = DefaultPlanHorizon
	}
	if cfg.RecentOrders == 0 {
		cfg.RecentOrders = DefaultRecentOrders
	}
	p := &planner{s: s, cfg: cfg, board: board, kick: make(chan struct{}, 1), done: make(chan struct{}), falls: cfg.Falls}
	if p.falls == nil {
		p.falls = &planning.FallRates{}
	}
	p.falls.Start(s.clock.Now())
	if cfg.Model == planning.ModelOrders || cfg.Model == planning.ModelAuto {
		p.window = cfg.Seen
		if p.window == nil {
			p.window = &planning.OrderWindow{}
		}
	}
	p.runs = registerOr(s.m.reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "omniroute_planning_runs_total",
		Help: "Background plans of the lookahead policy by result: ok, error (the last good prices stay).",
	}, []string{"result"}))
	p.seconds = registerOr(s.m.reg, prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "omniroute_planning_duration_seconds",
		Help:    "Time of one background plan (stock copy, model, LP solve).",
		Buckets: prometheus.ExponentialBuckets(1e-3, 2, 16),
	}))
	p.last = registerOr(s.m.reg, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "omniroute_planning_prices_timestamp_seconds",
		Help: "When the prices the lookahead policy applies were planned (Unix time; 0: none yet).",
	}))
	// What the season's rule weighs a unit kept for a later order by
	// (policy.KeepValue), from the latest routes (policy.OutcomesWindow);
	// a board shared by the workers, read on scrape.
	p.keepSingle = registerOr(s.m.reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "omniroute_keep_single_unit_share",
		Help: "Share of the latest orders routed short of stock that missed a single unit (lower end of its 90% interval): how likely a unit kept for a later order makes it whole.",
	}, func() float64 { single, _ := board.Outcomes().Later(); return single }))
	p.keepPerUnit = registerOr(s.m.reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "omniroute_keep_shipping_per_unit",
		Help: "Mean shipping cost of a unit in the latest routes: what a unit kept for a later order costs that order to ship.",
	}, func() float64 { _, perUnit := board.Outcomes().Later(); return perUnit }))
	p.seasonLikely = registerOr(s.m.reg, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "omniroute_season_skus_likely_to_sell_out",
		Help: "SKUs at least 90% likely to sell out before the season's end, as the last good plan saw them (0 without a season's end).",
	}))
	p.seasonShort = registerOr(s.m.reg, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "omniroute_season_expected_short_units",
		Help: "Units the last good plan expects to go without before the season's end, summed over the SKUs (0 without a season's end).",
	}))
	p.pricedPicks = registerOr(s.m.reg, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "omniroute_planning_priced_capacities",
		Help: "Nodes whose daily pick capacity the last good plan prices above 0: their picks may run out before the plan's horizon does.",
	}))
	p.fallUnits = registerOr(s.m.reg, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "omniroute_planning_falls_expected_units",
		Help: "Units the last good plan kept out of the supply it priced for the falls of stock it expects within its time (sales at the till, the other channels' demand, and adjustments).",
	}))
	p.byOrdersGauge = registerOr(s.m.reg, prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "omniroute_planning_by_orders",
		Help: "1 while the lookahead policy's prices come from a plan over a sample of the orders seen (the orders model), 0 while from the expected-demand LP.",
	}))
	if cfg.Shared != nil {
		p.shared = registerOr(s.m.reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omniroute_planning_shared_orders_total",
			Help: "Orders the planner read from the order log the replicas share (--order-log-db), by result: added (routed by another replica), known (in its window already: its own), error (a read that failed; the plan went on without).",
		}, []string{"result"}))
		for _, r := range []string{"added", "known", "error"} {
			p.shared.WithLabelValues(r)
		}
	}
	if cfg.SharedFalls != nil {
		p.sharedFalls = registerOr(s.m.reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omniroute_planning_shared_falls_total",
			Help: "Falls of stock the planner read from the order log the replicas share (--order-log-db), by result: added, error (a read that failed; the plan went on without).",
		}, []string{"result"}))
		for _, r := range []string{"added", "error"} {
			p.sharedFalls.WithLabelValues(r)
		}
	}
	if p.window != nil {
		seen := func(f func(*planning.OrderWindow) float64) func() float64 {
			return func() float64 {
				p.recentMu.Lock()
				defer p.recentMu.Unlock()
				return f(p.window)
			}
		}
		p.repeatShare = registerOr(s.m.reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "omniroute_planning_orders_repeat_share",
			Help: fmt.Sprintf("Share of the latest %d orders of two lines or more seen that ask for a set of SKUs another of them asks for (--plan-model auto plans by orders from %g).",
				planning.RepeatWindow, planning.RepeatShare),
		}, seen((*planning.OrderWindow).RepeatShare)))
		p.linesPerSKU = registerOr(s.m.reg, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "omniroute_planning_orders_lines_per_sku",
			Help: fmt.Sprintf("Lines per SKU named in the latest %d orders seen, on average (--plan-model auto plans by orders from %d).",
				planning.MaxPlanOrders, planning.DenseLines),
		}, seen((*planning.OrderWindow).LinesPerSKU)))
	}
	return p
}

// registerOr registers c on reg, or returns the collector already there.
func registerOr[C prometheus.Collector](reg *prometheus.Registry, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if old, ok := are.ExistingCollector.(C); ok {
				return old
			}
		}
	}
	return c
}

// run plans at once, then on the schedule and when kicked, until ctx ends.
func (p *planner) run(ctx context.Context) {
	defer close(p.done)
	ticks := p.cfg.ticks
	if ticks == nil {
		t := time.NewTicker(p.cfg.Interval)
		defer t.Stop()
		ticks = t.C
		_ = p.planNow(ctx)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			if p.ordersPlanStays() {
				continue
			}
		case <-p.kick:
		}
		_ = p.planNow(ctx)
	}
}

// ordersPlanStays reports whether the last plan was by orders and its
// prices stay until a later tick.
func (p *planner) ordersPlanStays() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.s.clock.Now().Before(p.ordersUntil)
}

// stockFall is units of sku that left node at at other than by an order
// routed.
type stockFall struct {
	at         time.Time
	node       int
	sku        string
	units      int32
	adjustment bool
}

// observe adds f to rates, as a sale or as an adjustment.
func (f *stockFall) observe(rates *planning.FallRates) {
	if f.adjustment {
		rates.ObserveAdjustment(f.at, f.node, f.sku, f.units)
	} else {
		rates.Observe(f.at, f.node, f.sku, f.units)
	}
}

// maxPendingFalls bounds the falls kept between two plans (about 64 MB);
// beyond, a fall is left out of the rates.
const maxPendingFalls = 1 << 20

// fell hands a fall of stock a stock update applied (units > 0 left
// node's sku at at) to the next plan, which adds it to the rates the plans
// expect falls by. It never waits for a plan.
func (p *planner) fell(at time.Time, node int, sku string, units int32, adjustment bool) {
	if p.cfg.SharedFalls != nil {
		return // read with every replica's before each plan
	}
	p.fallsMu.Lock()
	if len(p.pending) < maxPendingFalls {
		p.pending = append(p.pending, stockFall{at, node, sku, units, adjustment})
	}
	p.fallsMu.Unlock()
}

// expectedFalls adds the falls handed over since the last plan to the
// rates and returns the falls they expect over each of the durations
// after at. p.mu is held.
func (p *planner) expectedFalls(at time.Time, d ...time.Duration) []planning.ExpectedFalls {
	p.fallsMu.Lock()
	pending := p.pending
	p.pending = nil
	p.fallsMu.Unlock()
	for i := range pending {
		pending[i].observe(p.falls)
	}
	out := make([]planning.ExpectedFalls, len(d))
	for i := range d {
		out[i] = p.falls.Expected(at, d[i])
	}
	return out
}

// stockMoved counts the units by which UpdateStock or a StreamStock chunk
// changed the available to promise; with the routed units, past
// PlanAfterShare of the planned supply it asks for a plan. It never blocks.
func (p *planner) stockMoved(n int64) { p.routedUnits(n) }

// routedUnits counts units a route planned; with the stock moved by
// updates, past PlanAfterShare of the planned supply it asks for a plan.
// It never blocks.
func (p *planner) routedUnits(n int64) {
	if n <= 0 {
		return
	}
	r := p.routed.Add(n)
	if sup := p.supply.Load(); sup > 0 && float64(r) > PlanAfterShare*float64(sup) {
		select {
		case p.kick <- struct{}{}:
		default:
		}
	}
}

// routedOrder adds a routed order to the rolling window, in place of the
// oldest once the window is full, and reports whether it did: an order
// whose id the window holds already (routed without reserving, then with;
// or reserved again after its reservation ended) is the same demand, and
// stays counted once. Only what the estimate reads is kept. A new order
// joins the orders model's window too. With no window it counts every
// order (true).
func (p *planner) routedOrder(o *network.Order) bool {
	if p.cfg.RecentOrders < 0 && p.window == nil {
		return true
	}
	p.recentMu.Lock()
	defer p.recentMu.Unlock()
	if _, seen := p.ids[o.ID]; seen {
		return false
	}
	if p.window != nil {
		p.window.Observe(o)
	}
	if p.cfg.RecentOrders < 0 {
		return true
	}
	if p.ids == nil {
		p.ids = make(map[string]struct{})
	}
	var e *network.Order
	if len(p.recent) < p.cfg.RecentOrders {
		p.recent = append(p.recent, network.Order{})
		e = &p.recent[len(p.recent)-1]
	} else {
		e = &p.recent[p.next]
		delete(p.ids, e.ID)
		p.next = (p.next + 1) % len(p.recent)
	}
	lines := append(e.Lines[:0], o.Lines...)
	*e = *o
	e.Lines, e.Live = lines, nil
	p.ids[e.ID] = struct{}{}
	return true
}

// recentDemand estimates the demand of the rolling window at at (nil when
// it is empty), its orders observed oldest first.
func (p *planner) recentDemand(net *network.Network, regions *forecast.Regions, at time.Time) *forecast.Demand {
	p.recentMu.Lock()
	defer p.recentMu.Unlock()
	if len(p.recent) == 0 {
		return nil
	}
	est := forecast.NewEstimator(net, regions)
	for i := range p.recent {
		est.Observe(&p.recent[(p.next+i)%len(p.recent)])
	}
	return est.Estimate(at)
}

// recentPicks returns cfg.Bound with the rolling window's orders added, at
// net's picks and stock of the day at at, the scheduled arrivals counted
// (nil when neither names a pickup store).
func (p *planner) recentPicks(net *network.Network, at time.Time) *planning.PickOutlook {
	b := &planning.BoundPicks{}
	if p.cfg.Bound != nil {
		b = p.cfg.Bound.Clone()
	}
	p.recentMu.Lock()
	for i := range p.recent {
		b.Observe(&p.recent[(p.next+i)%len(p.recent)])
	}
	p.recentMu.Unlock()
	return b.Outlook(net, at, p.until(at), p.cfg.Arrivals)
}

// until is the end of what a plan at at plans for: the season's end when
// one is ahead, else the horizon.
func (p *planner) until(at time.Time) time.Time {
	if p.cfg.SeasonEnd.After(at) {
		return p.cfg.SeasonEnd
	}
	return at.Add(p.cfg.Horizon)
}

// FixedPrices are opportunity costs given ahead, by node id: a prices file,
// as omniroute plan --out writes it (planning.ReadPricesCSV), planned at
// At (the file's modification time).
type FixedPrices struct {
	Prices []planning.Price
	At     time.Time
}

// set puts the prices on board over net, each matched to its node by id
// (a node net no longer has is dropped).
func (f *FixedPrices) set(board *policy.PriceBoard, net *network.Network) {
	rows := make([]planning.Price, 0, len(f.Prices))
	for _, p := range f.Prices {
		if node, ok := net.NodeIndex(p.NodeID); ok {
			p.Node = node
			rows = append(rows, p)
		}
	}
	board.Set(planning.NewPrices(rows, len(net.Nodes), f.At), f.At)
}

// planNow plans over a copy of the live stock at the service's clock and
// swaps the prices in; on error the last good prices stay.
func (p *planner) planNow(ctx context.Context) error {
	_, err := p.planResult(ctx)
	return err
}

// seasonSummary is one plan's season outlook summed up: the season's end
// (zero without one ahead), the SKUs at least SureSellOut likely to sell
// out by then, and the units expected short.
type seasonSummary struct {
	end    time.Time
	likely int
	short  float64
}

// planOutcome is one good plan: by demand (lp set) or by orders (orders
// set), its prices, the supply it counted and its season outlook.
type planOutcome struct {
	at     time.Time
	prices []planning.Price
	supply int64
	// falls is the units kept out of the supply for the falls expected,
	// and tills what the tills lose when an order takes units of a row.
	falls  int64
	tills  *planning.TillOutlook
	lp     *planning.Result
	orders *planning.OrdersPlan
	season seasonSummary
}

// planResult is planNow, returning what it planned.
func (p *planner) planResult(ctx context.Context) (*planOutcome, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	t0 := time.Now()
	out, outlook, err := p.plan(ctx)
	p.seconds.Observe(time.Since(t0).Seconds())
	if err != nil {
		p.runs.WithLabelValues("error").Inc()
		p.s.log.Warn("planning failed; the last good prices stay", "err", err)
		p.setHealthy(false)
		return out, err
	}
	p.setHealthy(true)
	var capacities []planning.CapacityPrice
	if out.lp != nil {
		p.prev = out.lp
		p.ordersUntil = time.Time{}
		p.byOrdersGauge.Set(0)
		capacities = out.lp.Capacities
	} else {
		p.ordersUntil = out.at.Add(planning.OrdersPlanEvery * p.cfg.Interval)
		p.byOrdersGauge.Set(1)
		capacities = out.orders.Capacities
	}
	var priced int
	for _, c := range capacities {
		if c.Price > 0 {
			priced++
		}
	}
	p.pricedPicks.Set(float64(priced))
	p.fallUnits.Set(float64(out.falls))
	p.runs.WithLabelValues("ok").Inc()
	p.routed.Store(0)
	p.supply.Store(out.supply)
	net := p.s.snap.Load().net
	prices := planning.NewPrices(out.prices, len(net.Nodes), out.at)
	if outlook != nil {
		out.season.end = p.cfg.SeasonEnd
		sellOut := make(map[string]float64, len(outlook))
		for _, o := range outlook {
			sellOut[o.SKU] = o.SellOut
			if o.SellOut >= policy.SureSellOut {
				out.season.likely++
			}
			out.season.short += o.Short
		}
		prices = prices.WithSellOut(sellOut)
	}
	prices = prices.WithPicks(p.recentPicks(net, out.at)).WithTills(out.tills)
	p.seasonLikely.Set(float64(out.season.likely))
	p.seasonShort.Set(out.season.short)
	p.board.Set(prices, out.at)
	at := out.at
	p.lastOK.Store(&at)
	p.last.Set(float64(at.UnixNano()) / 1e9)
	return out, nil
}

// setHealthy records whether the last plan succeeded and tells the hooks
// of a change. p.mu is held.
func (p *planner) setHealthy(ok bool) {
	if p.healthy.Swap(ok) == ok {
		return
	}
	for _, fn := range p.hooks {
		fn(ok)
	}
}

// OnPlanning runs fn at once with whether the look-ahead planner's last
// plan was good, then whenever that changes (the server reports it as the
// health of PlanningService). Without a planner it does nothing and
// returns false.
func (s *Service) OnPlanning(fn func(healthy bool)) bool {
	if s.planner == nil {
		return false
	}
	s.planner.mu.Lock()
	defer s.planner.mu.Unlock()
	s.planner.hooks = append(s.planner.hooks, fn)
	fn(s.planner.healthy.Load())
	return true
}

// Plan runs the look-ahead policy's planner now (PlanningService.Plan).
func (s *Service) Plan(ctx context.Context, _ *pb.PlanRequest) (*pb.PlanResponse, error) {
	if s.planner == nil && s.fixed != nil {
		return nil, status.Errorf(codes.FailedPrecondition, "the server routes with the prices given ahead (planned at %s) and no planner: planning needs a forecast", s.fixed.At.UTC().Format(time.RFC3339))
	}
	if s.planner == nil {
		return nil, status.Errorf(codes.FailedPrecondition, "the server routes with policy %q without a planner: planning needs --policy %s and a forecast", s.pipe.policy, policy.Lookahead)
	}
	res, err := s.planner.planResult(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, status.FromContextError(ctx.Err()).Err()
		}
		return nil, status.Errorf(codes.Internal, "plan: %v (the last good prices stay)", err)
	}
	out := &pb.PlanResponse{PlannedAt: timestampOf(res.at), ExpectedFallUnits: res.falls}
	var capacities []planning.CapacityPrice
	if r := res.lp; r != nil {
		out.Model = planning.ModelDemand
		out.Status, out.Objective, out.Rows, out.Cols, out.SolveMs = r.Status, r.Objective, int32(r.Rows), int32(r.Cols), r.SolveMs
		out.ExpectedUnits, out.ExpectedLostUnits = r.ExpectedUnits, r.ExpectedLostUnits
		capacities = r.Capacities
	} else {
		r := res.orders
		out.Model, out.Status = planning.ModelOrders, "stopped"
		if r.Converged {
			out.Status = "converged"
		}
		out.Objective, out.Rows, out.Cols, out.SolveMs = r.Bound, int32(r.Rows), int32(r.Columns), r.SolveMs
		out.ExpectedUnits, out.SampledOrders, out.StockScale = r.Units/r.Scale, int32(r.Orders), r.Scale
		capacities = r.Capacities
	}
	for _, c := range capacities {
		if c.Price > 0 {
			out.Capacities = append(out.Capacities, &pb.PlanCapacity{Node: c.NodeID, Units: c.Units, Used: c.Used, Price: c.Price})
		}
	}
	for _, pr := range res.prices {
		if pr.Price > 0 {
			out.PricedPairs++
		}
	}
	if w := s.planner.window; w != nil {
		s.planner.recentMu.Lock()
		out.OrdersRepeatShare, out.OrdersLinesPerSku = w.RepeatShare(), w.LinesPerSKU()
		s.planner.recentMu.Unlock()
	}
	if !res.season.end.IsZero() {
		out.SeasonEnd = timestampOf(res.season.end)
		out.SkusLikelyToSellOut, out.ExpectedShortUnits = int32(res.season.likely), res.season.short
	}
	return out, nil
}

// plan makes one plan over a copy of the live stock, by the model the
// configuration says, and the season's outlook when a season's end is
// ahead.
func (p *planner) plan(ctx context.Context) (*planOutcome, []planning.Outlook, error) {
	p.readShared(ctx)
	net := p.s.snap.Load().net
	p.readSharedFalls(ctx, net)
	p.s.mu.RLock()
	table := p.s.inv.table.Clone()
	p.s.mu.RUnlock()
	if table.Nodes() != len(net.Nodes) {
		return nil, nil, errors.New("the stock and the network disagree (a reload is under way)")
	}
	regions, at := forecast.NewRegions(net), p.s.clock.Now()
	// The falls expected over the horizon, the time a plan by orders
	// covers and the season.
	falls := p.expectedFalls(at, p.cfg.Horizon, p.until(at).Sub(at), p.cfg.SeasonEnd.Sub(at))
	in := &planning.Input{
		Network: net, Regions: regions, Stock: planning.LessFalls(table, falls[0]),
		Demand:   forecast.Blend(p.cfg.Demand, p.recentDemand(net, regions, at)),
		Arrivals: p.cfg.Arrivals, At: at, Horizon: p.cfg.Horizon,
	}
	out := &planOutcome{at: at}
	var err error
	held := falls[0]
	if p.planByOrders() {
		held = falls[1]
		err = p.planOrders(ctx, out, net, planning.LessFalls(table, held), in.Demand)
	} else {
		err = p.planDemand(ctx, out, in)
	}
	if err != nil {
		return nil, nil, err
	}
	out.falls = held.From(table)
	// What the tills lose when an order takes a row's units, by the stock
	// it leaves them.
	out.tills = p.falls.Tills(net, in.Demand, in.Arrivals, at, p.until(at))
	var outlook []planning.Outlook
	if at.Before(p.cfg.SeasonEnd) {
		outlook = planning.SeasonOutlook(in.Demand, planning.LessFalls(table, falls[2]), in.Arrivals, at, p.cfg.SeasonEnd)
	}
	return out, outlook, nil
}

// readShared adds the orders other replicas routed since the last plan
// to the window (cfg.Shared); this replica's own are there already. A
// failure to read is logged, and the plan goes on with what it has. p.mu
// is held.
func (p *planner) readShared(ctx context.Context) {
	sh := p.cfg.Shared
	if sh == nil {
		return
	}
	if !p.sharedOK {
		at, err := sh.Start(ctx)
		if err != nil {
			p.shared.WithLabelValues("error").Inc()
			p.s.log.Warn("planning: the orders the replicas routed cannot be read", "err", err)
			return
		}
		p.sharedAt, p.sharedOK = at, true
		return
	}
	for {
		orders, last, err := sh.Since(ctx, p.sharedAt, sharedPage)
		if err != nil {
			p.shared.WithLabelValues("error").Inc()
			p.s.log.Warn("planning: the orders the replicas routed cannot be read", "err", err)
			return
		}
		added := 0
		for i := range orders {
			if p.routedOrder(&orders[i]) {
				added++
			}
		}
		p.shared.WithLabelValues("added").Add(float64(added))
		p.shared.WithLabelValues("known").Add(float64(len(orders) - added))
		if last == p.sharedAt || len(orders) < sharedPage {
			p.sharedAt = last
			return
		}
		p.sharedAt = last
	}
}

// readSharedFalls adds the falls of stock the replicas recorded since the
// last plan to the rates (cfg.SharedFalls). A failure to read is logged
// and counted, and the plan goes on with what it has. p.mu is held.
func (p *planner) readSharedFalls(ctx context.Context, net *network.Network) {
	sh := p.cfg.SharedFalls
	if sh == nil {
		return
	}
	if !p.fallsOK {
		at, err := sh.FallsStart(ctx)
		if err != nil {
			p.sharedFalls.WithLabelValues("error").Inc()
			p.s.log.Warn("planning: the falls of stock the replicas recorded cannot be read", "err", err)
			return
		}
		p.fallsAt, p.fallsOK = at, true
		return
	}
	var page []stockFall
	for {
		page = page[:0]
		last, err := sh.FallsSince(ctx, p.fallsAt, sharedPage, func(at time.Time, id, sku string, units int32, adjustment bool) {
			if node, ok := net.NodeIndex(id); ok && units > 0 {
				page = append(page, stockFall{at, node, sku, units, adjustment})
			}
		})
		if err != nil {
			// Read again from the same position at the next plan.
			p.sharedFalls.WithLabelValues("error").Inc()
			p.s.log.Warn("planning: the falls of stock the replicas recorded cannot be read", "err", err)
			return
		}
		for i := range page {
			page[i].observe(p.falls)
		}
		p.sharedFalls.WithLabelValues("added").Add(float64(len(page)))
		if last == p.fallsAt || last-p.fallsAt < sharedPage {
			p.fallsAt = last
			return
		}
		p.fallsAt = last
	}
}

// planByOrders reports whether the next plan is by orders: under
// planning.ModelOrders once an order was seen; under planning.ModelAuto
// while the orders seen stand for the orders to come.
func (p *planner) planByOrders() bool {
	if p.window == nil {
		return false
	}
	p.recentMu.Lock()
	seen, representative := p.window.Len() > 0, p.window.Representative()
	p.recentMu.Unlock()
	if p.cfg.Model == planning.ModelOrders {
		return seen
	}
	return representative
}

// planDemand solves the expected-demand LP of in, from the last basis.
func (p *planner) planDemand(ctx context.Context, out *planOutcome, in *planning.Input) error {
	m := &p.model
	if err := m.Rebuild(in); err != nil {
		return err
	}
	res, err := m.Solve(ctx, in, lp.Settings{Start: m.StartFrom(p.prev), Workspace: &p.ws})
	if err != nil {
		return err
	}
	var supply float64
	for i := range m.Supplies {
		supply += m.Supplies[i].Units()
	}
	out.lp, out.prices, out.supply = res, res.Prices, int64(supply)
	return nil
}

// planOrders prices table's units by a sample of the orders seen, as
// many as demand's rate of orders says will come until the season's end
// (or the horizon without one ahead), and the arrivals due by then.
func (p *planner) planOrders(ctx context.Context, out *planOutcome, net *network.Network, table network.StockView, demand *forecast.Demand) error {
	p.recentMu.Lock()
	p.latest = p.window.Latest(p.latest)
	p.recentMu.Unlock()
	if p.byOrders == nil || p.byOrders.Network() != net {
		p.byOrders = planning.NewOrderPlanner(net)
		p.byOrders.Workers = p.cfg.Workers
	}
	until := p.until(out.at)
	var rate float64 // orders a day
	if demand != nil && demand.Days > 0 {
		rate = float64(demand.Orders) / demand.Days
	}
	res, err := p.byOrders.Plan(ctx, table, p.latest, p.cfg.Arrivals, out.at, until, rate)
	if err != nil {
		return err
	}
	out.orders, out.prices, out.supply = res, res.Prices, int64(res.OnHand)
	return nil
}
