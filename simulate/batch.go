package simulate

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/omniroute/omniroute/joint"
	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/solver"
)

// PolicyBatch is the replay's batch policy: it holds non-express orders
// and routes them in waves, jointly (package joint): the LP relaxation of
// the wave over the stock and capacity left, its shares rounded down, then
// each order exactly on the stock left less the shares of the orders after
// it, in the order they came.
//
// A wave opens with its first held order and leaves at the end of its
// window (Config.BatchWindow, aligned on multiples of the window from the
// epoch) or at the local midnight before, whichever comes first, so that
// a wave's picks count on the day its orders came; it leaves with the
// stock and the replenishments due by then. Each held order is built as at
// the time it came (opening hours), and every option's ETA grows by the
// time it waited, so that an option that now misses the promise is not
// used.
//
// Express orders are routed at once, as the lookahead policy routes them:
// an order that asked for pickup, chose a courier or pickup offer, or
// whose promise is within max(window, ExpressPromise) of its creation
// (orders.csv's express requests get ExpressPromise).
//
// A wave knows its own orders; what comes after it, it knows as the
// lookahead policy does: the replay plans for it in the same way
// (Config.History, PlanInterval, PlanHorizon, and before every wave as
// before every order), and every unit's opportunity cost is added to the
// unit costs of the wave's problems (policy.PriceUnits) for the relaxation
// and the repair alike, so that the wave neither spends on itself a unit
// the demand after it is expected to need more, nor keeps one nobody
// will. Plans and KPIs carry the real costs. Without prices yet (no
// history, no order seen) a wave is routed on its costs alone.
//
// A wave's decision time is shared evenly by its orders (solve_time_us).
const PolicyBatch = "batch"

// DefaultBatchWindow is the batch policy's wave when Config.BatchWindow is 0.
const DefaultBatchWindow = 30 * time.Minute

// BatchMaxVars bounds a wave's LP (columns); a larger wave is routed by
// the Lagrangian master's values (joint.Lagrangian, within
// BatchTimeLimit), whose size grows with the orders' plans instead.
const BatchMaxVars = 200_000

// BatchTimeLimit bounds a wave's LP; a wave whose LP stops is routed by
// the Lagrangian master's values, its rounds bounded by BatchTimeLimit as
// well.
const BatchTimeLimit = 20 * time.Second

// DefaultRegistry returns the policies a replay knows: those of
// policy.DefaultRegistry, then the replay's own (one line each).
func DefaultRegistry() *policy.Registry {
	r := policy.DefaultRegistry()
	mustRegister(r.Register(PolicyBatch, newBatch))
	return r
}

// mustRegister panics on a registration error of DefaultRegistry: a
// programming error that every test run finds.
func mustRegister(err error) {
	if err != nil {
		panic(err)
	}
}

// waves is a policy the replay runs in waves: it routes express orders one
// by one (Policy.Choose) and the others jointly (route).
type waves interface {
	Policy
	route(ctx context.Context, inst *joint.Instance, s solver.Settings) (*joint.Batch, error)
}

// batch is the batch policy (see PolicyBatch).
type batch struct {
	// express routes express orders and holds the board of prices.
	express policy.Planned
	// saved and price are each wave problem's unit costs as built and
	// opportunity costs (policy.PriceUnits), by order of the wave.
	saved, price [][]float64
	// ws solves again a wave's order that the season's rule changes
	// (policy.KeepSoldOut); kept is its scratch.
	ws   *solver.Workspace
	kept []int
	left waveLeft
}

// waveLeft is what a wave's plans leave of the stock and the daily
// capacity the wave was routed on, so that the season's rule can solve an
// order of the wave again (solveAgain) on what is truly free: its own
// units and those no order of the wave took.
type waveLeft struct {
	// stock is the units left per (node, SKU) of the wave's Supply;
	// capacity the units a node may still pick, for the nodes with a limit.
	stock    map[nodeSKU]int64
	capacity map[int32]int64
	// avail and caps are scratch for a problem's Available and its
	// options' CapacityUnits.
	avail []int32
	caps  []int32
}

// nodeSKU is a SKU at a node.
type nodeSKU struct {
	node int32
	sku  string
}

// reset counts what the wave's plans leave of inst's stock and capacity.
func (w *waveLeft) reset(inst *joint.Instance, res *joint.Batch) {
	if w.stock == nil {
		w.stock, w.capacity = map[nodeSKU]int64{}, map[int32]int64{}
	}
	clear(w.stock)
	clear(w.capacity)
	for _, sp := range inst.Supply {
		w.stock[nodeSKU{sp.Node, sp.SKU}] = max(0, sp.Start)
	}
	for _, c := range inst.Capacity {
		w.capacity[c.Node] = c.Units
	}
	for i, plan := range res.Plans {
		w.take(&res.Problems[i], plan, 1)
	}
}

// take counts the units plan ships as taken (sign 1) or given back (-1).
func (w *waveLeft) take(p *solver.Problem, plan *solver.Plan, sign int64) {
	for i := range plan.Shipments {
		sh := &plan.Shipments[i]
		node := p.Options[sh.Option].Node
		for _, a := range sh.Lines {
			q := sign * int64(a.Quantity)
			w.stock[nodeSKU{node, p.Lines[a.Line].SKU}] -= q
			if _, ok := w.capacity[node]; ok {
				w.capacity[node] -= q
			}
		}
	}
}

// solveAgain solves p, whose plan the wave counted, again on what is free
// for it: the units and capacity plan takes and those the wave left,
// within built, p's Available and its options' CapacityUnits as the order
// was built for the wave (an order names each SKU once, so a (node, SKU)
// is one line's). p's own figures are restored, and the new plan counted
// in plan's place.
func (w *waveLeft) solveAgain(ws *solver.Workspace, p, built *solver.Problem, plan *solver.Plan, s solver.Settings) (*solver.Plan, error) {
	w.take(p, plan, -1)
	w.avail = append(w.avail[:0], p.Available...)
	w.caps = w.caps[:0]
	nl := len(p.Lines)
	for o := range p.Options {
		opt := &p.Options[o]
		w.caps = append(w.caps, opt.CapacityUnits)
		for l := range nl {
			i := o*nl + l
			p.Available[i] = int32(min(int64(built.Available[i]), max(0, w.stock[nodeSKU{opt.Node, p.Lines[l].SKU}])))
		}
		opt.CapacityUnits = built.Options[o].CapacityUnits
		if c, ok := w.capacity[opt.Node]; ok && (opt.CapacityUnits < 0 || c < int64(opt.CapacityUnits)) {
			opt.CapacityUnits = int32(max(0, c))
		}
	}
	again, err := ws.Solve(p, s)
	copy(p.Available, w.avail)
	for o := range p.Options {
		p.Options[o].CapacityUnits = w.caps[o]
	}
	if err != nil {
		w.take(p, plan, 1)
		return nil, err
	}
	again = again.Clone()
	w.take(p, again, 1)
	return again, nil
}

var (
	_ waves          = (*batch)(nil)
	_ policy.Planned = (*batch)(nil)
)

func newBatch(net *network.Network) (Policy, error) {
	look, err := policy.DefaultRegistry().New(policy.Lookahead, net)
	if err != nil {
		return nil, err
	}
	planned, ok := look.(policy.Planned)
	if !ok {
		return nil, fmt.Errorf("batch: policy %s plans no prices", policy.Lookahead)
	}
	return &batch{express: planned, ws: solver.NewWorkspace()}, nil
}

// Name implements Policy.
func (*batch) Name() string { return PolicyBatch }

// Choose implements Policy: an express order, as lookahead routes it.
func (b *batch) Choose(p *solver.Problem, s solver.Settings) (*solver.Plan, error) {
	return b.express.Choose(p, s)
}

// Prices implements policy.Planned.
func (b *batch) Prices() *policy.PriceBoard { return b.express.Prices() }

// UsePrices implements policy.Planned.
func (b *batch) UsePrices(board *policy.PriceBoard) { b.express.UsePrices(board) }

// route routes a wave jointly, its units priced by the board's
// opportunity costs when there are any, and applies the season's rule to
// each of its orders when the prices carry sell-out probabilities
// (policy.KeepSoldOut); the instance's problems are left as they came and
// the plans carry their real costs.
func (b *batch) route(ctx context.Context, inst *joint.Instance, s solver.Settings) (*joint.Batch, error) {
	costs, _, priced := b.Prices().Get()
	if priced {
		for len(b.saved) < len(inst.Orders) {
			b.saved, b.price = append(b.saved, nil), append(b.price, nil)
		}
		for i := range inst.Orders {
			b.saved[i], b.price[i] = policy.PriceUnits(inst.Orders[i].Problem, costs, b.saved[i], b.price[i])
		}
		defer func() {
			for i := range inst.Orders {
				copy(inst.Orders[i].Problem.UnitCost, b.saved[i])
			}
		}()
	}
	res, err := joint.Route(ctx, inst, joint.Settings{
		MaxVars: BatchMaxVars, Dive: joint.DefaultDive, LP: lp.Settings{TimeLimit: BatchTimeLimit},
		Lagrange: &joint.LagrangeSettings{TimeLimit: BatchTimeLimit, Workers: 1, Solver: s, Dive: true},
	}, s)
	if err != nil {
		return nil, err
	}
	outcomes := b.Prices().Outcomes()
	if !priced {
		for i := range res.Plans {
			outcomes.Observe(res.Plans[i])
		}
		return res, nil
	}
	so, season := costs.(policy.SellOuts)
	counted := false // b.left holds what the wave's plans left
	for i := range res.Plans {
		// The season's rule, order by order in the wave's order: the
		// units an order leaves stay for the orders after the wave.
		if season {
			var again bool
			if b.kept, again = policy.KeepSoldOut(&res.Problems[i], res.Plans[i], so, outcomes, b.kept); again {
				// The orders after this one were repaired on what its
				// first plan left: solved again, it takes its own units
				// and those no order of the wave took, never one a later
				// order was given.
				if !counted {
					b.left.reset(inst, res)
					counted = true
				}
				plan, err := b.left.solveAgain(b.ws, &res.Problems[i], inst.Orders[i].Problem, res.Plans[i], s)
				if err != nil {
					return nil, err
				}
				res.Plans[i] = plan
			}
		}
		copy(res.Problems[i].UnitCost, b.saved[i])
		policy.RealCosts(&res.Problems[i], res.Plans[i], b.saved[i], b.price[i])
		outcomes.Observe(res.Plans[i])
	}
	return res, nil
}

// batchWindow is the configured wave window or the default.
func (cfg *Config) batchWindow() time.Duration {
	if cfg.BatchWindow > 0 {
		return cfg.BatchWindow
	}
	return DefaultBatchWindow
}

// wave is the held orders of a batch policy's replay.
type wave struct {
	window time.Duration
	router waves
	// at is when the open wave leaves, day its capacity day.
	at  time.Time
	day int64
	// orders are copies of the held orders; waited[i] is how long order
	// i waits, from the replay's clock when it came to at.
	orders []network.Order
	waited []time.Duration
	// problems are the orders' problems at release, reused.
	problems []solver.Problem
}

// express reports whether o is routed at once (see PolicyBatch).
func (w *wave) express(o *network.Order) bool {
	switch {
	case o.Want == network.WantPickup, o.Method == solver.Courier, o.Method == solver.Pickup, o.Partner != "":
		return true
	case !o.PromiseBy.IsZero() && o.PromiseBy.Sub(o.CreatedAt) <= max(w.window, ExpressPromise):
		return true
	}
	return false
}

// leaveAt is when the wave o would join leaves: the open wave's time, or,
// when none is open, the end of the window the replay's clock is in or the
// local midnight before it, whichever comes first.
func (st *replayState) leaveAt() time.Time {
	w := st.wave
	if len(w.orders) > 0 {
		return w.at
	}
	at := st.clock.Truncate(w.window).Add(w.window)
	if midnight := time.Unix((st.day+1)*86400, 0).Add(-st.tz); midnight.Before(at) {
		return midnight
	}
	return at
}

// waitKeepsPromise reports whether o may wait for its wave: an order
// without a promise may; one with a promise may only when every option
// that keeps the promise now still keeps it after the wait (built on the
// stock now). An order that waiting would cost such an option is routed
// at once, as an express order is.
func (st *replayState) waitKeepsPromise(o *network.Order) (bool, error) {
	if o.PromiseBy.IsZero() {
		return true, nil
	}
	wait := int32(st.leaveAt().Sub(st.clock) / time.Minute)
	st.prepare(o)
	err := st.builder.BuildEligible(o, st.table, st.table, &st.problem)
	o.Live = nil
	if err != nil {
		return false, err
	}
	p := &st.problem
	for k := range p.Options {
		if eta := p.Options[k].ETAMinutes; policy.Usable(p, k) && p.PromiseMinutes > 0 && eta+wait > p.PromiseMinutes {
			return false, nil
		}
	}
	return true, nil
}

// join holds o in the open wave, opening one when none is: an invalid
// order is refused now, as it would be when routed.
func (st *replayState) join(o *network.Order) error {
	w := st.wave
	st.pickupAt(o) // as prepare does
	if _, err := st.net.ValidateOrder(o); err != nil {
		return err
	}
	if len(w.orders) == 0 {
		w.at, w.day = st.leaveAt(), st.day
	}
	c := *o
	c.Lines = slices.Clone(o.Lines)
	c.Live = nil
	w.orders = append(w.orders, c)
	w.waited = append(w.waited, w.at.Sub(st.clock))
	return nil
}

// release routes the open wave at its time at: the replenishments due by
// then arrive first, and its picks count on the wave's day.
func (st *replayState) release(ctx context.Context, at time.Time) error {
	w := st.wave
	if len(w.orders) == 0 {
		return nil
	}
	if err := st.replenishUntil(at); err != nil {
		return err
	}
	if st.planner != nil {
		st.planner.before(at, st.table)
	}
	n := len(w.orders)
	for len(w.problems) < n {
		w.problems = append(w.problems, solver.Problem{})
	}
	inst := &joint.Instance{Orders: make([]joint.Order, n)}
	type key struct {
		node int32
		sku  string
	}
	seen := map[key]bool{}
	nodes := map[int32]bool{}
	for i := range w.orders {
		o := &w.orders[i]
		p := &w.problems[i]
		st.fill(o)
		err := st.builder.BuildEligible(o, st.table, st.table, p)
		o.Live = nil
		if err != nil {
			return fmt.Errorf("order %s: %w", o.ID, err)
		}
		wait := int32(w.waited[i] / time.Minute)
		for k := range p.Options {
			p.Options[k].ETAMinutes += wait
			node := p.Options[k].Node
			nodes[node] = true
			for l := range p.Lines {
				kk := key{node, p.Lines[l].SKU}
				if !seen[kk] {
					seen[kk] = true
					inst.Supply = append(inst.Supply, joint.Supply{Node: node, SKU: kk.sku, Start: int64(st.table.ATP(int(node), kk.sku))})
				}
			}
		}
		inst.Orders[i] = joint.Order{Problem: p, At: at, Day: w.day}
	}
	for node := range nodes {
		if c := st.table.Remaining(int(node)); c >= 0 {
			inst.Capacity = append(inst.Capacity, joint.Capacity{Node: node, Day: w.day, Units: int64(c)})
		}
	}
	slices.SortFunc(inst.Capacity, func(a, b joint.Capacity) int { return int(a.Node - b.Node) })
	t0 := time.Now()
	b, err := w.router.route(ctx, inst, st.settings)
	took := time.Since(t0) / time.Duration(n)
	if err != nil {
		return fmt.Errorf("%s: wave at %s: %w", st.policy.Name(), at.UTC().Format(time.RFC3339), err)
	}
	for i := range w.orders {
		if err := st.record(&w.orders[i], &b.Problems[i], b.Plans[i], took); err != nil {
			return err
		}
	}
	w.orders, w.waited = w.orders[:0], w.waited[:0]
	return nil
}
