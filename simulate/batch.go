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
// Express orders are routed at once, by the exact solver, as optimal
// routes them: an order that asked for pickup, chose a courier or pickup
// offer, or whose promise is within max(window, ExpressPromise) of its
// creation (orders.csv's express requests get ExpressPromise).
//
// A wave's decision time is shared evenly by its orders (solve_time_us).
const PolicyBatch = "batch"

// DefaultBatchWindow is the batch policy's wave when Config.BatchWindow is 0.
const DefaultBatchWindow = 30 * time.Minute

// BatchMaxVars bounds a wave's LP (columns); a larger wave is routed one
// order after another, as by optimal.
const BatchMaxVars = 200_000

// BatchTimeLimit bounds a wave's LP; a wave whose LP stops is routed one
// order after another.
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
	ws *solver.Workspace
}

var _ waves = (*batch)(nil)

func newBatch(*network.Network) (Policy, error) { return &batch{ws: solver.NewWorkspace()}, nil }

// Name implements Policy.
func (*batch) Name() string { return PolicyBatch }

// Choose implements Policy: an express order, exactly.
func (b *batch) Choose(p *solver.Problem, s solver.Settings) (*solver.Plan, error) {
	return b.ws.Solve(p, s)
}

func (b *batch) route(ctx context.Context, inst *joint.Instance, s solver.Settings) (*joint.Batch, error) {
	return joint.Route(ctx, inst, joint.Settings{MaxVars: BatchMaxVars, LP: lp.Settings{TimeLimit: BatchTimeLimit}}, s)
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

// join holds o in the open wave, opening one when none is: an invalid
// order is refused now, as it would be when routed.
func (st *replayState) join(o *network.Order) error {
	w := st.wave
	if o.PickupNodeID != "" && st.net != st.base && offersPickup(st.base, o.PickupNodeID) && !offersPickup(st.net, o.PickupNodeID) {
		o.PickupNodeID = "" // as prepare does
	}
	if _, err := st.net.ValidateOrder(o); err != nil {
		return err
	}
	if len(w.orders) == 0 {
		at := st.clock.Truncate(w.window).Add(w.window)
		midnight := time.Unix((st.day+1)*86400, 0).Add(-st.tz)
		w.at, w.day = at, st.day
		if midnight.Before(at) {
			w.at = midnight
		}
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
