package simulate

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/omniroute/omniroute/joint"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// The plan models of the look-ahead policies in a replay
// (Config.PlanModel).
const (
	// PlanDemand prices units with the expected-demand LP over regions,
	// SKUs and methods (package planning): each SKU's demand on its own,
	// a unit's parcel shared with the other units of an average order.
	PlanDemand = "demand"
	// PlanOrders prices units with the orders themselves: a sample of the
	// orders seen (the history, then the orders replayed), the latest
	// first, as many as their rate says will come until the season's end
	// (or the plan's horizon without one), each built on the stock on
	// hand as if it came now, and the Lagrangian bound of that batch
	// (joint.Lagrangian) over the stock on hand: a unit's price is its
	// stock value there. It sees what a price per SKU cannot: which
	// warehouse holds all of the SKUs the orders ask for together.
	// Scheduled arrivals and daily capacities are not counted: it is for
	// a season whose stock on hand is all there is.
	PlanOrders = "orders"
	// PlanAuto plans by PlanOrders while the orders seen repeat their sets
	// of SKUs (RepeatShare of the latest RepeatWindow orders of two lines
	// or more ask for a set another of them asks for) and no arrival is
	// scheduled within the plan's reach, by PlanDemand otherwise, on
	// PlanDemand's schedule; a PlanOrders plan's prices stay for
	// OrdersPlanEvery of its intervals.
	PlanAuto = "auto"
	// RepeatWindow is how many of the latest orders of two lines or more
	// PlanAuto looks at.
	RepeatWindow = 200
	// RepeatShare is the share of them whose set of SKUs must recur in the
	// window for PlanAuto to plan over the orders: orders of a few kinds
	// that repeat, so that the orders seen are the orders to come.
	RepeatShare = 0.5
	// MaxPlanOrders bounds a PlanOrders plan's sample; when more orders
	// are expected, the stock is scaled down in proportion (each (node,
	// SKU) rounded to the nearest unit).
	MaxPlanOrders = 2000
	// OrdersPlanEvery is how many of the demand model's intervals a
	// PlanOrders plan's default interval spans: every 6 hours on a replay
	// of a day or more (each plan solves a Lagrangian bound, not an LP).
	OrdersPlanEvery = 6
	// OrdersPlanTimeLimit bounds one PlanOrders plan's Lagrangian rounds
	// (joint.DefaultLagrangeRounds of them at most). A plan stopped by it
	// depends on the machine's speed; the samples of MaxPlanOrders orders
	// of this README's replays take a few seconds.
	OrdersPlanTimeLimit = 2 * time.Minute
)

// errNoOrdersSeen is a PlanOrders plan's failure before any order was
// seen: there is nothing to sample.
var errNoOrdersSeen = errors.New("plan orders: no order seen yet")

// orderPlanner is the PlanOrders model of a replay's planner: the orders
// seen, and the scratch of a plan's batch.
type orderPlanner struct {
	seen    []network.Order
	builder *network.Builder
	probs   []solver.Problem
	supply  map[nodeSKU]int
	// window holds the SKU sets of the latest RepeatWindow orders of two
	// lines or more, oldest at next once full; inWindow counts each set
	// there, and recurring the window's orders whose set is there twice
	// or more.
	window    []string
	next      int
	inWindow  map[string]int
	recurring int
	skus      []string
}

// newOrderPlanner returns the PlanOrders model over net.
func newOrderPlanner(net *network.Network) *orderPlanner {
	return &orderPlanner{builder: network.NewBuilder(net, nil), supply: map[nodeSKU]int{}, inWindow: map[string]int{}}
}

// repeating reports whether the window is full and at least RepeatShare
// of its orders ask for a set of SKUs another of them asks for.
func (op *orderPlanner) repeating() bool {
	return len(op.window) == RepeatWindow && float64(op.recurring) >= RepeatShare*RepeatWindow
}

// count adds the set of o's SKUs to the window (an order of one line has
// no set to repeat), the oldest leaving it once full.
func (op *orderPlanner) count(o *network.Order) {
	if len(o.Lines) < 2 {
		return
	}
	op.skus = op.skus[:0]
	for i := range o.Lines {
		op.skus = append(op.skus, o.Lines[i].SKU)
	}
	slices.Sort(op.skus)
	key := strings.Join(op.skus, "\x00")
	if len(op.window) == RepeatWindow {
		op.add(op.window[op.next], -1)
		op.window[op.next] = key
		op.next = (op.next + 1) % RepeatWindow
	} else {
		op.window = append(op.window, key)
	}
	op.add(key, 1)
}

// add changes the count of key in the window by d, and recurring with it.
func (op *orderPlanner) add(key string, d int) {
	before := op.inWindow[key]
	after := before + d
	if after == 0 {
		delete(op.inWindow, key)
	} else {
		op.inWindow[key] = after
	}
	rec := func(n int) int {
		if n >= 2 {
			return n
		}
		return 0
	}
	op.recurring += rec(after) - rec(before)
}

// observe keeps a copy of o for the samples to come (its lines copied, no
// live data).
func (op *orderPlanner) observe(o *network.Order) {
	c := *o
	c.Lines = append([]solver.Line(nil), o.Lines...)
	c.Live = nil
	op.seen = append(op.seen, c)
	op.count(o)
}

// plan prices the units of table at clock for the orders expected until
// until at rate orders a day (rounded up): the sample's Lagrangian stock
// values. It
// returns the prices and the units on hand the plan counted.
func (op *orderPlanner) plan(ctx context.Context, net *network.Network, table *stock.Table, clock, until time.Time, rate float64) ([]planning.Price, float64, error) {
	if len(op.seen) == 0 {
		return nil, 0, errNoOrdersSeen
	}
	n := int(math.Ceil(rate * until.Sub(clock).Hours() / 24))
	if n <= 0 {
		return nil, 0, fmt.Errorf("plan orders: no order expected from %s to %s", clock.UTC().Format(time.RFC3339), until.UTC().Format(time.RFC3339))
	}
	scale := 1.0
	if n > MaxPlanOrders {
		scale = float64(MaxPlanOrders) / float64(n)
		n = MaxPlanOrders
	}
	for len(op.probs) < n {
		op.probs = append(op.probs, solver.Problem{})
	}
	clear(op.supply)
	inst := &joint.Instance{Orders: make([]joint.Order, 0, n)}
	var onHand float64
	for i := range n {
		// The latest first, again from the latest once all are used.
		o := op.seen[len(op.seen)-1-i%len(op.seen)]
		o.CreatedAt = clock
		p := &op.probs[i]
		if err := op.builder.BuildEligible(&o, table, table, p); err != nil {
			continue // an order the network cannot build now asks for nothing
		}
		for k := range p.Options {
			node := p.Options[k].Node
			for l := range p.Lines {
				key := nodeSKU{node, p.Lines[l].SKU}
				if _, ok := op.supply[key]; ok {
					continue
				}
				op.supply[key] = len(inst.Supply)
				atp := max(0, table.ATP(int(node), key.sku))
				onHand += float64(atp)
				inst.Supply = append(inst.Supply, joint.Supply{Node: node, SKU: key.sku, Start: int64(math.Round(float64(atp) * scale))})
			}
		}
		inst.Orders = append(inst.Orders, joint.Order{Problem: p, At: clock})
	}
	if len(inst.Orders) == 0 {
		return nil, 0, errors.New("plan orders: no order of the sample can be built on the network")
	}
	lag, err := joint.Lagrangian(ctx, inst, joint.LagrangeSettings{TimeLimit: OrdersPlanTimeLimit, Workers: 1})
	if err != nil {
		return nil, 0, fmt.Errorf("plan orders: %w", err)
	}
	if len(lag.StockValues) != len(inst.Supply) {
		return nil, 0, errors.New("plan orders: the Lagrangian rounds priced no stock")
	}
	prices := make([]planning.Price, len(inst.Supply))
	for i, s := range inst.Supply {
		prices[i] = planning.Price{Node: int(s.Node), NodeID: net.Nodes[s.Node].ID, SKU: s.SKU, Price: lag.StockValues[i]}
	}
	planning.SortPrices(prices)
	return prices, onHand, nil
}
