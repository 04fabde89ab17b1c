package planning

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/omniroute/omniroute/joint"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// The plan models of the look-ahead policies: what their plans price
// units with.
const (
	// ModelDemand prices units with the expected-demand LP over regions,
	// SKUs and methods (Model): each SKU's demand on its own, a unit's
	// parcel shared with the other units of an average order.
	ModelDemand = "demand"
	// ModelOrders prices units with the orders themselves (OrderPlanner):
	// samples of the orders seen, as many as their rate says will come
	// until the season's end (or the plan's horizon without one), each
	// built on the stock on hand as if it came now, and the Lagrangian
	// bound of each batch (joint.Lagrangian) over the stock on hand, the
	// arrivals scheduled until then and the nodes' pick capacities over
	// that time: a unit's price is its mean stock value, plus its node's
	// capacity value, over OrdersPlanScenarios samples. It sees what a
	// price per SKU cannot: which node holds all of the SKUs the orders
	// ask for together.
	ModelOrders = "orders"
	// ModelAuto plans by ModelOrders while the orders seen stand for the
	// orders to come (OrderWindow.Representative): they repeat their sets
	// of SKUs, or they ask for each SKU often enough; by ModelDemand
	// otherwise.
	ModelAuto = "auto"
)

// The orders model's window and sample.
const (
	// RepeatWindow is how many of the latest orders of two lines or more
	// ModelAuto looks at.
	RepeatWindow = 200
	// RepeatShare is the share of them whose set of SKUs must recur in the
	// window for ModelAuto to plan over the orders: orders of a few kinds
	// that repeat, so that the orders seen are the orders to come.
	RepeatShare = 0.5
	// DenseLines is the mean number of lines per SKU named from which the
	// window's orders stand for the orders to come whatever their
	// baskets: each SKU comes often enough in a sample for its count to
	// be its demand within about an eighth (1/√64), and the sample shows
	// which nodes hold the SKUs that come together. On jasin-sinha
	// replays of 20 to 200 SKUs, 2,000 orders asking for each SKU 90 times
	// or more planned better by ModelOrders and 46 times or fewer by
	// ModelDemand; 64 is the geometric mean of the two.
	DenseLines = 64
	// MaxPlanOrders bounds a ModelOrders plan's sample; when more orders
	// are expected, the stock is scaled down in proportion (each (node,
	// SKU) rounded to the nearest unit). It is also how many orders an
	// OrderWindow keeps: a sample never reaches further back.
	MaxPlanOrders = 2000
	// OrdersPlanTimeLimit bounds one ModelOrders plan's Lagrangian rounds
	// (joint.DefaultLagrangeRounds of them at most). A plan stopped by it
	// depends on the machine's speed; a sample of MaxPlanOrders orders
	// of two to five lines takes a few seconds.
	OrdersPlanTimeLimit = 2 * time.Minute
	// OrdersPlanEvery is how many of the demand model's plan intervals a
	// ModelOrders plan's prices stay for: each plan solves a Lagrangian
	// bound over a sample of orders, not an LP started from the last
	// basis.
	OrdersPlanEvery = 6
	// OrdersPlanScenarios is how many samples of the orders seen a
	// ModelOrders plan averages its stock values over: the latest orders,
	// then samples drawn at random from them. One sample prices the
	// stock for the orders it happens to hold; the mean over several is
	// what a unit is worth to the orders that could come (bid prices
	// from sampled demand, as in randomized linear programming). Five
	// closed 2.8 to 3.5 points more of the gap than one on the
	// amil-makhdoumi-wei seeds measured, and ten 0.4 to 1.0 more than
	// five on every seed (87.0% against 86.2% on average), for about
	// twice the time of five; twenty moved three seeds by −0.3 to +0.9
	// points, within the samples' noise.
	OrdersPlanScenarios = 10
)

// ErrNoOrdersSeen is a ModelOrders plan's failure before any order was
// seen: there is nothing to sample.
var ErrNoOrdersSeen = errors.New("plan orders: no order seen yet")

// CheckModel returns an error unless name is ModelDemand, ModelOrders or
// ModelAuto.
func CheckModel(name string) error {
	switch name {
	case ModelDemand, ModelOrders, ModelAuto:
		return nil
	}
	return fmt.Errorf("plan model %q: want %q, %q or %q", name, ModelAuto, ModelDemand, ModelOrders)
}

// OrderWindow holds what the orders model knows of the orders seen: the
// latest MaxPlanOrders of them, to sample and to tell whether they ask
// for their SKUs densely, and the sets of SKUs of the latest RepeatWindow
// orders of two lines or more, to tell whether they repeat. Its memory
// is bounded, whatever the orders seen. The zero value is empty and
// ready; it is not safe for concurrent use.
type OrderWindow struct {
	// orders is a ring of copies of the latest orders seen (no live
	// data), oldest at next once full; each slot's Lines are reused.
	orders []network.Order
	next   int
	// sets holds the SKU sets of the latest RepeatWindow orders of two
	// lines or more, oldest at setNext once full; inWindow counts each set
	// there, and recurring the window's orders whose set is there twice
	// or more.
	sets      []string
	setNext   int
	inWindow  map[string]int
	recurring int
	skus      []string
	// lines counts the lines of the orders held by SKU, and nLines is
	// their sum.
	lines  map[string]int
	nLines int
}

// Len is how many orders the window holds: the orders seen, at most
// MaxPlanOrders.
func (w *OrderWindow) Len() int { return len(w.orders) }

// Observe adds a copy of o (its lines copied, no live data), in place of
// the oldest once the window is full, and its set of SKUs to the repeat
// window.
func (w *OrderWindow) Observe(o *network.Order) {
	var e *network.Order
	if len(w.orders) < MaxPlanOrders {
		w.orders = append(w.orders, network.Order{})
		e = &w.orders[len(w.orders)-1]
	} else {
		e = &w.orders[w.next]
		w.next = (w.next + 1) % MaxPlanOrders
		w.countLines(e, -1)
	}
	w.countLines(o, 1)
	lines := append(e.Lines[:0], o.Lines...)
	*e = *o
	e.Lines, e.Live = lines, nil
	w.count(o)
}

// Latest appends copies of the orders the window holds to dst[:0], the
// latest first, and returns it; dst's Lines are reused.
func (w *OrderWindow) Latest(dst []network.Order) []network.Order {
	n := len(w.orders)
	dst = slices.Grow(dst[:0], n)[:n]
	for i := range n {
		src := &w.orders[(w.next+n-1-i)%n]
		lines := append(dst[i].Lines[:0], src.Lines...)
		dst[i] = *src
		dst[i].Lines = lines
	}
	return dst
}

// Repeating reports whether the repeat window is full and at least
// RepeatShare of its orders ask for a set of SKUs another of them asks
// for.
func (w *OrderWindow) Repeating() bool {
	return len(w.sets) == RepeatWindow && float64(w.recurring) >= RepeatShare*RepeatWindow
}

// RepeatShare is the share of the repeat window's orders that ask for
// a set of SKUs another of them asks for (0 before any order of two
// lines or more).
func (w *OrderWindow) RepeatShare() float64 {
	if len(w.sets) == 0 {
		return 0
	}
	return float64(w.recurring) / float64(len(w.sets))
}

// LinesPerSKU is how many lines the orders held ask for per SKU they
// name, on average (0 with none).
func (w *OrderWindow) LinesPerSKU() float64 {
	if len(w.lines) == 0 {
		return 0
	}
	return float64(w.nLines) / float64(len(w.lines))
}

// Dense reports whether the orders held ask for each SKU they name
// DenseLines times or more on average.
func (w *OrderWindow) Dense() bool {
	return len(w.lines) > 0 && w.nLines >= DenseLines*len(w.lines)
}

// Representative reports whether the orders held stand for the orders
// to come, so that ModelAuto plans over them: they repeat (Repeating) or
// they are dense (Dense).
func (w *OrderWindow) Representative() bool {
	return w.Repeating() || w.Dense()
}

// AutoRule describes ModelAuto's choice, for the commands' help.
func AutoRule() string {
	return fmt.Sprintf("%s while at least %.0f%% of the latest %d orders of two lines or more ask for a set of SKUs another of them asks for, "+
		"or the latest %d orders ask for each SKU they name %d times or more on average; else %s",
		ModelOrders, 100*RepeatShare, RepeatWindow, MaxPlanOrders, DenseLines, ModelDemand)
}

// countLines changes the count of each of o's lines by d.
func (w *OrderWindow) countLines(o *network.Order, d int) {
	if w.lines == nil {
		w.lines = make(map[string]int)
	}
	for i := range o.Lines {
		sku := o.Lines[i].SKU
		if n := w.lines[sku] + d; n == 0 {
			delete(w.lines, sku)
		} else {
			w.lines[sku] = n
		}
	}
	w.nLines += d * len(o.Lines)
}

// count adds the set of o's SKUs to the repeat window (an order of one
// line has no set to repeat), the oldest leaving it once full.
func (w *OrderWindow) count(o *network.Order) {
	if len(o.Lines) < 2 {
		return
	}
	w.skus = w.skus[:0]
	for i := range o.Lines {
		w.skus = append(w.skus, o.Lines[i].SKU)
	}
	slices.Sort(w.skus)
	key := strings.Join(w.skus, "\x00")
	if len(w.sets) == RepeatWindow {
		w.add(w.sets[w.setNext], -1)
		w.sets[w.setNext] = key
		w.setNext = (w.setNext + 1) % RepeatWindow
	} else {
		w.sets = append(w.sets, key)
	}
	w.add(key, 1)
}

// add changes the count of key in the repeat window by d, and recurring
// with it.
func (w *OrderWindow) add(key string, d int) {
	if w.inWindow == nil {
		w.inWindow = make(map[string]int)
	}
	before := w.inWindow[key]
	after := before + d
	if after == 0 {
		delete(w.inWindow, key)
	} else {
		w.inWindow[key] = after
	}
	rec := func(n int) int {
		if n >= 2 {
			return n
		}
		return 0
	}
	w.recurring += rec(after) - rec(before)
}

// OrdersPlan is one plan of the orders model.
type OrdersPlan struct {
	// Prices are the mean Lagrangian stock values of the (node, SKU) the
	// samples' orders could draw on (0 in a sample whose orders could
	// not), each plus its node's mean capacity value (Capacities), sorted
	// (SortPrices); each one's Supply is the (scaled) stock the samples
	// were given, Used what the first sample's last master's mix ships of
	// it, Dual the stock value alone.
	Prices []Price
	// Capacities are the pick capacities of the nodes the samples' orders
	// could draw on (those with a daily capacity), by node id: Units the
	// (scaled) capacity over the time planned for, Used what the first
	// sample's mix picks there, Dual and Price the mean capacity value.
	Capacities []CapacityPrice
	// Orders is how many orders the first sample built, Units the units
	// they ask for; OnHand the units on hand of the (node, SKU) they may
	// draw on.
	Orders int
	Units  float64
	OnHand float64
	// Scale is what the stock was scaled by: below 1 when more orders
	// are expected than MaxPlanOrders.
	Scale float64
	// Bound is the mean over the samples of the Lagrangian bound of
	// routing one on the (scaled) stock, lost sales included; Converged
	// is whether every sample's rounds met its master's optimum
	// (joint.Lagrange), Rounds how many ran in all, Rows and Columns the
	// first sample's master's size, SolveMs the time of them all, and
	// Scenarios how many samples there were.
	Bound         float64
	Converged     bool
	Rounds        int
	Rows, Columns int
	SolveMs       float64
	Scenarios     int
}

// OrderPlanner makes the plans of the orders model over one network,
// reusing its scratch from plan to plan and starting each plan at the
// values the last one ended on (Plan, Forget). It is not safe for
// concurrent use.
type OrderPlanner struct {
	// Scenarios is how many samples a plan averages over; 0 means
	// OrdersPlanScenarios.
	Scenarios int
	// Workers is how many samples after the first a plan solves at once,
	// each on a goroutine with scratch of its own, and how many
	// goroutines the first one prices its orders on (joint's
	// LagrangeSettings.Workers); 0 means 1. The plan is the same whatever
	// their number: every sample after the first starts its rounds at the
	// first one's values, and the samples' values are summed in the
	// samples' order.
	Workers int

	net   *network.Network
	lanes []*lane
	// last is the values the last plan's first sample ended on: the
	// next plan's first sample starts its rounds at them (nil before
	// the first plan and after Forget).
	last *sampleStart
	// coldSamples starts every sample's rounds at no prices (tests).
	coldSamples bool
}

// Forget drops the values the last plan ended on, so that the next plan
// starts from no prices, as the planner's first does.
func (op *OrderPlanner) Forget() { op.last = nil }

// lane is the scratch of one worker of a plan: it builds and solves one
// sample at a time.
type lane struct {
	net     *network.Network
	builder *network.Builder
	probs   []solver.Problem
	picks   []int
	supply  map[nodeSKU]int
	// built maps an order's content (contentKey) to the problem of the
	// sample built for it, when the sample's orders all come at once.
	built map[string]*solver.Problem
	key   []byte
	// capped marks the nodes a batch has a capacity of.
	capped []bool
}

// nodeSKU keys the supply of a sample's batch.
type nodeSKU struct {
	node int32
	sku  string
}

// NewOrderPlanner returns a planner of the orders model over net.
func NewOrderPlanner(net *network.Network) *OrderPlanner {
	return &OrderPlanner{net: net}
}

// Network is the network the planner plans over.
func (op *OrderPlanner) Network() *network.Network { return op.net }

// lane returns the scratch of worker w, made on first use.
func (op *OrderPlanner) lane(w int) *lane {
	for len(op.lanes) <= w {
		op.lanes = append(op.lanes, &lane{net: op.net, builder: network.NewBuilder(op.net, nil), supply: map[nodeSKU]int{}, built: map[string]*solver.Problem{}})
	}
	return op.lanes[w]
}

// Plan prices the units of st at at for the orders expected until until
// at rate orders a day (rounded up), sampled from latest (the orders
// seen, the latest first, as OrderWindow.Latest returns them): the mean
// of the Lagrangian stock values of OrdersPlanScenarios samples. The
// first takes the latest orders in turn (again from the latest once all
// are used); each other draws its orders at random from latest, with
// replacement, from a stream of its own (the same draws every time). A
// unit's price is then what it is worth on average over orders that
// could come, not to one set of them. Each sample after the first starts
// its rounds at the values the first one ended on
// (joint.LagrangeSettings.Start): the same bound in fewer rounds, the
// samples sharing the stock; they are solved Workers at a time. The
// first starts at the values the planner's last plan's first sample ended
// on (Forget drops them): every round's value is a bound, so the bound is
// the same, and a plan that follows another a few hours on starts near
// its end. A plan thus depends on the plans before it on the same
// planner, as a warm-started LP does, and is the same again for the same
// sequence of plans. Each
// order comes again with its promise as long after it as it was; an
// order the network cannot build now asks for nothing.
//
// The arrivals after at and up to until count too: the sample's orders
// are then spread evenly over the time to until, in the sample's order,
// and each may draw on what has arrived by its time (each order is built
// on the stock on hand and every such arrival). Without one, every order
// comes at at.
//
// A node with a daily pick capacity picks at most that many units a day
// over the time to until (scaled as the stock is), for all of a sample's
// orders together, and a unit's price adds what its node's capacity is
// worth: a unit picked there takes a pick a later order may need. The
// capacity left today is not counted apart (as the demand model does not).
func (op *OrderPlanner) Plan(ctx context.Context, st network.StockView, latest []network.Order, arrivals []Arrival, at, until time.Time, rate float64) (*OrdersPlan, error) {
	if len(latest) == 0 {
		return nil, ErrNoOrdersSeen
	}
	n := int(math.Ceil(rate * until.Sub(at).Hours() / 24))
	if n <= 0 {
		return nil, fmt.Errorf("plan orders: no order expected from %s to %s", at.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339))
	}
	out := &OrdersPlan{Scale: 1, Converged: true}
	if n > MaxPlanOrders {
		out.Scale = float64(MaxPlanOrders) / float64(n)
		n = MaxPlanOrders
	}
	sc := sample{at: at, until: until, n: n, scale: out.Scale, st: st, build: st, due: dueArrivals(arrivals, at, until), latest: latest}
	if len(sc.due) > 0 {
		sc.view = newArrivalsView(st, sc.due)
		sc.build = sc.view
	}
	scenarios := op.Scenarios
	if scenarios <= 0 {
		scenarios = OrdersPlanScenarios
	}
	t0 := time.Now()
	runs := make([]sampleRun, scenarios)
	// The first sample, from the values the last plan's first sample
	// ended on (from no prices in the planner's first plan): the stock
	// has moved little since, and the latest orders are mostly those it
	// was priced for. It alone counts the orders and what its mix ships,
	// and prices its orders on every worker.
	var carried *sampleStart
	if !op.coldSamples {
		carried = op.last
	}
	if err := op.lane(0).solve(ctx, &sc, 0, carried, max(op.Workers, 1), out, &runs[0]); err != nil {
		return nil, err
	}
	first := runs[0].start()
	if scenarios > 1 {
		// The first sample's values start every other one's rounds: the
		// samples share the stock, and their values differ by the draw.
		var start *sampleStart
		if !op.coldSamples {
			start = first
		}
		workers := min(max(op.Workers, 1), scenarios-1)
		g, gctx := errgroup.WithContext(ctx)
		var next atomic.Int64
		for w := range workers {
			ln := op.lane(w)
			g.Go(func() error {
				for s := int(next.Add(1)); s < scenarios; s = int(next.Add(1)) {
					if err := ln.solve(gctx, &sc, s, start, 1, nil, &runs[s]); err != nil {
						return err
					}
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
	}
	op.last = first
	op.sum(runs, out)
	out.SolveMs = float64(time.Since(t0).Microseconds()) / 1e3
	out.Scenarios = scenarios
	SortPrices(out.Prices)
	SortCapacityPrices(out.Capacities)
	return out, nil
}

// sum adds the samples' values to out in the samples' order: the mean
// stock and capacity values, the mean bound, the rounds, and what the
// first sample's mix ships.
func (op *OrderPlanner) sum(runs []sampleRun, out *OrdersPlan) {
	scenarios := float64(len(runs))
	index := map[nodeSKU]int{}  // each (node, SKU) priced in out.Prices
	capIndex := map[int32]int{} // each node's capacity in out.Capacities
	capValue := make([]float64, len(op.net.Nodes))
	for s := range runs {
		r := &runs[s]
		out.Bound += r.bound / scenarios
		out.Converged = out.Converged && r.converged
		out.Rounds += r.rounds
		clear(capValue)
		for i, c := range r.capacity {
			v := r.capValues[i] / scenarios
			capValue[c.Node] = v
			j, ok := capIndex[c.Node]
			if !ok {
				j = len(out.Capacities)
				capIndex[c.Node] = j
				out.Capacities = append(out.Capacities, CapacityPrice{Node: int(c.Node), NodeID: op.net.Nodes[c.Node].ID, Units: float64(c.Units)})
			}
			out.Capacities[j].Dual += v
			out.Capacities[j].Price += v
			if s == 0 {
				out.Capacities[j].Used = r.capUsed[i]
			}
		}
		for i, sup := range r.supply {
			k := nodeSKU{sup.Node, sup.SKU}
			j, ok := index[k]
			if !ok {
				j = len(out.Prices)
				index[k] = j
				out.Prices = append(out.Prices, Price{Node: int(sup.Node), NodeID: op.net.Nodes[sup.Node].ID, SKU: sup.SKU, Supply: float64(sup.Start)})
			}
			v := r.stockValues[i] / scenarios
			out.Prices[j].Dual += v
			out.Prices[j].Price += v + capValue[sup.Node]
			if s == 0 {
				out.Prices[j].Used = r.used[i]
			}
		}
		if s == 0 {
			out.Rows, out.Columns = r.rows, r.columns
		}
	}
}

// sampleRun is what one sample's rounds ended on: its supplies and
// capacities (the joint.Instance's) and their values, its bound, and for
// the first sample what its last master's mix ships of each supply and
// picks at each capacity.
type sampleRun struct {
	supply                 []joint.Supply
	capacity               []joint.Capacity
	stockValues, capValues []float64
	used, capUsed          []float64
	bound                  float64
	converged              bool
	rounds                 int
	rows, columns          int
}

// sampleStart is a sample's values by (node, SKU) and by node, to start
// other samples' rounds at (seed).
type sampleStart struct {
	stock    map[nodeSKU]float64
	capacity map[int32]float64
}

// start returns r's values to start other samples at.
func (r *sampleRun) start() *sampleStart {
	st := &sampleStart{stock: make(map[nodeSKU]float64, len(r.supply)), capacity: make(map[int32]float64, len(r.capacity))}
	for i, sup := range r.supply {
		st.stock[nodeSKU{sup.Node, sup.SKU}] = r.stockValues[i]
	}
	for i, c := range r.capacity {
		st.capacity[c.Node] = r.capValues[i]
	}
	return st
}

// seed aligns start's values with inst's supplies and capacities (0
// where start has none).
func (start *sampleStart) seed(inst *joint.Instance) *joint.LagrangeStart {
	st := &joint.LagrangeStart{StockValues: make([]float64, len(inst.Supply)), CapacityValues: make([]float64, len(inst.Capacity))}
	for i, sup := range inst.Supply {
		st.StockValues[i] = start.stock[nodeSKU{sup.Node, sup.SKU}]
	}
	for i, c := range inst.Capacity {
		st.CapacityValues[i] = start.capacity[c.Node]
	}
	return st
}

// solve draws sample s of sc (the latest orders in turn for the first,
// at random from its own stream for the others), builds it (counting
// its orders in out when out is not nil) and solves its Lagrangian
// bound, started at start's values when start is not nil, into r,
// pricing the orders of each round on workers goroutines.
func (ln *lane) solve(ctx context.Context, sc *sample, s int, start *sampleStart, workers int, out *OrdersPlan, r *sampleRun) error {
	ln.picks = slices.Grow(ln.picks[:0], sc.n)[:sc.n]
	if s == 0 {
		for i := range ln.picks {
			ln.picks[i] = i % len(sc.latest)
		}
	} else {
		rnd := rand.New(rand.NewPCG(uint64(s), scenarioStream))
		for i := range ln.picks {
			ln.picks[i] = rnd.IntN(len(sc.latest))
		}
	}
	inst, err := ln.batch(sc, out)
	if err != nil {
		return err
	}
	ls := joint.LagrangeSettings{TimeLimit: OrdersPlanTimeLimit, Workers: workers}
	if start != nil {
		ls.Start = start.seed(inst)
	}
	lag, err := joint.Lagrangian(ctx, inst, ls)
	if err != nil {
		return fmt.Errorf("plan orders: %w", err)
	}
	if len(lag.StockValues) != len(inst.Supply) {
		return errors.New("plan orders: the Lagrangian rounds priced no stock")
	}
	*r = sampleRun{
		supply: inst.Supply, capacity: inst.Capacity,
		stockValues: lag.StockValues, capValues: lag.CapacityValues,
		bound: lag.Bound, converged: lag.Converged, rounds: lag.Rounds,
		rows: lag.Rows, columns: lag.Columns,
	}
	if out == nil {
		return nil
	}
	// What the master's mix ships of each supply and picks at each
	// capacity.
	r.used, r.capUsed = make([]float64, len(inst.Supply)), make([]float64, len(inst.Capacity))
	capOf := make(map[int32]int, len(inst.Capacity))
	for i, c := range inst.Capacity {
		capOf[c.Node] = i
	}
	for o := range lag.Orders {
		p, units := inst.Orders[o].Problem, lag.Orders[o].Units
		nl := len(p.Lines)
		for k := range p.Options {
			for l := range p.Lines {
				if u := units[k*nl+l]; u > 0 {
					node := p.Options[k].Node
					r.used[ln.supply[nodeSKU{node, p.Lines[l].SKU}]] += u
					if i, ok := capOf[node]; ok {
						r.capUsed[i] += u
					}
				}
			}
		}
	}
	return nil
}

// scenarioStream is the random stream of the samples drawn at random
// (each seeded by its number).
const scenarioStream = 0x6f72646572 // "order"

// sample is what every batch of one plan shares: its time, size and
// stock scale, the orders seen it draws from, the stock view its orders
// are built on (with the arrivals due, when any), and the arrivals. It
// is only read while the samples are solved.
type sample struct {
	at, until time.Time
	n         int
	scale     float64
	latest    []network.Order
	st        network.StockView
	build     network.StockView
	due       []Arrival
	view      *arrivalsView
}

// batch builds the joint instance of the orders sc.latest[ln.picks[i]]
// on sc's stock; with out not nil, it adds their units and the units on
// hand of the (node, SKU) they draw on to out. When the orders all come
// at once (no arrival due), orders alike in all but their ID and time
// (contentKey) share one built problem, which joint.Lagrangian solves
// once for all of them: a sample drawn with replacement repeats about a
// third of its orders.
func (ln *lane) batch(sc *sample, out *OrdersPlan) (*joint.Instance, error) {
	count := out != nil
	clear(ln.supply)
	clear(ln.built)
	for len(ln.probs) < sc.n {
		ln.probs = append(ln.probs, solver.Problem{})
	}
	inst := &joint.Instance{Orders: make([]joint.Order, 0, sc.n)}
	step := sc.until.Sub(sc.at) / time.Duration(sc.n)
	for i, pick := range ln.picks {
		o := sc.latest[pick]
		when := sc.at
		if len(sc.due) > 0 {
			when = sc.at.Add(step/2 + time.Duration(i)*step)
		}
		// The order comes again at when, its promise as far after it.
		if !o.PromiseBy.IsZero() {
			o.PromiseBy = o.PromiseBy.Add(when.Sub(o.CreatedAt))
		}
		o.CreatedAt = when
		shared := false
		if len(sc.due) == 0 {
			ln.key, shared = contentKey(ln.key[:0], &o)
		}
		if p := ln.built[string(ln.key)]; shared && p != nil {
			if count {
				out.Orders++
				out.Units += orderUnits(p)
			}
			inst.Orders = append(inst.Orders, joint.Order{Problem: p, At: o.CreatedAt})
			continue
		}
		p := &ln.probs[i]
		if err := ln.builder.BuildEligible(&o, sc.build, nil, p); err != nil {
			continue
		}
		if shared {
			ln.built[string(ln.key)] = p
		}
		if count {
			out.Orders++
			out.Units += orderUnits(p)
		}
		for k := range p.Options {
			node := p.Options[k].Node
			for l := range p.Lines {
				key := nodeSKU{node, p.Lines[l].SKU}
				if _, ok := ln.supply[key]; ok {
					continue
				}
				ln.supply[key] = len(inst.Supply)
				atp := max(0, sc.st.ATP(int(node), key.sku))
				if count {
					out.OnHand += float64(atp)
				}
				sup := joint.Supply{Node: node, SKU: key.sku, Start: int64(math.Round(float64(atp) * sc.scale))}
				if sc.view != nil {
					for _, a := range sc.view.due[key] {
						if u := int64(math.Round(float64(a.Qty) * sc.scale)); u > 0 {
							sup.Arrivals = append(sup.Arrivals, joint.Arrival{At: a.At, Units: u})
						}
					}
				}
				inst.Supply = append(inst.Supply, sup)
			}
		}
		inst.Orders = append(inst.Orders, joint.Order{Problem: p, At: o.CreatedAt})
	}
	if len(inst.Orders) == 0 {
		return nil, errors.New("plan orders: no order of the sample can be built on the network")
	}
	// The pick capacity over the time planned for of every node the
	// orders may draw on, scaled as the stock is; all of the sample's
	// orders count against it together (one Day).
	days := sc.until.Sub(sc.at).Hours() / 24
	ln.capped = slices.Grow(ln.capped[:0], len(ln.net.Nodes))[:len(ln.net.Nodes)]
	clear(ln.capped)
	for _, sup := range inst.Supply {
		if c := ln.net.Nodes[sup.Node].CapacityPerDay; c > 0 && !ln.capped[sup.Node] {
			ln.capped[sup.Node] = true
			inst.Capacity = append(inst.Capacity, joint.Capacity{Node: sup.Node, Units: int64(math.Round(float64(c) * days * sc.scale))})
		}
	}
	return inst, nil
}

// orderUnits is the units p's lines ask for.
func orderUnits(p *solver.Problem) float64 {
	var u float64
	for l := range p.Lines {
		u += float64(p.Lines[l].Quantity)
	}
	return u
}

// contentKey appends to dst a key of o's content: every field but its ID
// and CreatedAt, PromiseBy counted from CreatedAt. Two orders with one key
// placed at one time build one problem on one stock. ok is false for an
// order with Live data (its quotes are its own).
func contentKey(dst []byte, o *network.Order) (_ []byte, ok bool) {
	if o.Live != nil {
		return dst, false
	}
	f := func(v float64) { dst = strconv.AppendUint(dst, math.Float64bits(v), 36); dst = append(dst, ',') }
	i := func(v int64) { dst = strconv.AppendInt(dst, v, 36); dst = append(dst, ',') }
	str := func(v string) { dst = strconv.AppendQuote(dst, v); dst = append(dst, ',') }
	f(o.Lat)
	f(o.Lon)
	i(int64(len(o.Lines)))
	for l := range o.Lines {
		ln := &o.Lines[l]
		str(ln.SKU)
		i(int64(ln.Quantity))
		f(ln.UnitWeightKg)
		i(int64(boolInt(ln.UnknownSKU)))
		f(ln.LostSaleCost)
	}
	i(int64(o.Want))
	str(o.PickupNodeID)
	f(o.PickupRadiusKm)
	f(o.PickupRedirectCost)
	if o.PromiseBy.IsZero() {
		str("")
	} else {
		i(int64(o.PromiseBy.Sub(o.CreatedAt)))
	}
	i(int64(boolInt(o.AllowSplit)))
	i(int64(o.MaxShipments))
	i(int64(o.Method))
	str(o.Partner)
	return dst, true
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// dueArrivals returns the arrivals after at and up to until, in ascending
// time (stable).
func dueArrivals(arrivals []Arrival, at, until time.Time) []Arrival {
	var due []Arrival
	for _, a := range arrivals {
		if a.At.After(at) && !a.At.After(until) && a.Qty > 0 {
			due = append(due, a)
		}
	}
	slices.SortStableFunc(due, func(a, b Arrival) int { return a.At.Compare(b.At) })
	return due
}

// arrivalsView is a stock view with arrivals added to the stock on hand:
// what the orders of a sample may draw on by the end of its time.
type arrivalsView struct {
	st network.StockView
	// extra holds the units arriving of each (node, SKU), due the
	// arrivals themselves in ascending time; nodes lists, for each SKU,
	// the nodes some arrive at, ascending.
	extra map[nodeSKU]int32
	due   map[nodeSKU][]Arrival
	nodes map[string][]int
}

// newArrivalsView returns st with due added.
func newArrivalsView(st network.StockView, due []Arrival) *arrivalsView {
	v := &arrivalsView{st: st, extra: map[nodeSKU]int32{}, due: map[nodeSKU][]Arrival{}, nodes: map[string][]int{}}
	for _, a := range due {
		k := nodeSKU{int32(a.Node), a.SKU}
		if _, ok := v.extra[k]; !ok {
			v.nodes[a.SKU] = append(v.nodes[a.SKU], a.Node)
		}
		v.extra[k] += a.Qty
		v.due[k] = append(v.due[k], a)
	}
	for _, ns := range v.nodes {
		slices.Sort(ns)
	}
	return v
}

// ATP is the stock on hand (at least 0) and what arrives.
func (v *arrivalsView) ATP(node int, sku string) int32 {
	return max(0, v.st.ATP(node, sku)) + v.extra[nodeSKU{int32(node), sku}]
}

// EachATP calls fn for every node with stock on hand or arriving of sku,
// in ascending node order.
func (v *arrivalsView) EachATP(sku string, fn func(node int, atp int32)) {
	arriving := v.nodes[sku]
	i := 0
	flush := func(below int) {
		for ; i < len(arriving) && arriving[i] < below; i++ {
			fn(arriving[i], v.extra[nodeSKU{int32(arriving[i]), sku}])
		}
	}
	v.st.EachATP(sku, func(node int, atp int32) {
		flush(node)
		if i < len(arriving) && arriving[i] == node {
			atp += v.extra[nodeSKU{int32(node), sku}]
			i++
		}
		fn(node, atp)
	})
	flush(math.MaxInt)
}
