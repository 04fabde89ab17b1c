package allocate

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/omniroute/omniroute/lp"
	"gonum.org/v1/gonum/stat/distuv"
)

// block is one SKU's part of the allocation LP. SKUs share nothing in the
// LP but the lanes' per-shipment costs (spread by slope scaling) and the
// nodes' total shelf limits (kept by the repair), so each is solved on its
// own, in parallel.
type block struct {
	index int
	sku   string
	s     int // the SKU's index in the forecast

	// stock and avail are per node the block touches: ATP at the plan's
	// start, and ATP + supply; room is how many more units a receiver may
	// hold of the SKU (-1: no limit).
	stock, avail, room map[int]int64
	// arrive are the node's scheduled arrivals within the horizon.
	arrive map[int]int64
	// nodes the block has a stock row for, ascending.
	nodes []int
	// x are the columns that serve a demand point from a node.
	x []serve
	// points are the demand points with demand for the SKU, ascending.
	points []int
	// routes index the planner's routes the SKU may take; frac[k] is the
	// share of the horizon a transfer on routes[k] arrives in time for.
	routes []int
	frac   []float64
	// xAt, outOfNode and intoNode list, per position in nodes, the x
	// columns at the node and the routes (positions in routes) out of and
	// into it.
	xAt, outOfNode, intoNode [][]int

	// What the last relaxed solve found: transfers per route, the
	// opportunity price of a unit per node (-Dual of its stock row), the
	// objective and the basis (for the next round's warm start).
	flow  []float64
	price map[int]float64
	// served is the demand the relaxation has each node serve, and what is
	// lost at the points it could serve.
	served map[int]float64
	// whole is per node the chance that an order it serves has all its
	// lines there (see solveRelaxed).
	whole map[int]float64
	// price0 is the opportunity price per node without transfers, and
	// served0 the demand each node serves then.
	price0    map[int]float64
	served0   map[int]float64
	objective float64
	basis     *lp.Basis
	rows      int
	cols      int
	// lp is the block's model while it is being solved (see model).
	lp     *lp.Model
	lpCols blockCols
	// qty are the integer transfers per route (repair); before and after
	// the expected fulfilment + lost-sale cost without and with them.
	qty           []int64
	before, after float64
}

// serve is a column x[point, node].
type serve struct {
	point, node int
	cost        float64
}

// stockAt is the ATP of the block's SKU at node at the plan's start.
func (b *block) stockAt(node int) int64 { return b.stock[node] }

// buildBlocks makes a block per SKU of the forecast (see the package doc
// for which columns and rows each has).
func (pl *planner) buildBlocks() {
	horizon := pl.in.Horizon.Hours()
	for s, sku := range pl.forecast.SKUs {
		b := &block{index: len(pl.blocks), sku: sku, s: s,
			stock: map[int]int64{}, avail: map[int]int64{}, room: map[int]int64{}, price: map[int]float64{}}
		pl.in.Stock.EachATP(sku, func(n int, atp int32) {
			// What the adjustments will take is not there to sell or
			// send (the replays take it as they come).
			q := max(0, int64(atp)-pl.adjusted[sku][n])
			pl.adjustedUnits += int64(atp) - q
			if q > 0 { // a node listed holds some, as EachATP lists them
				b.stock[n] = q
				b.avail[n] = q
			}
		})
		for n, q := range pl.supply[sku] {
			b.avail[n] += q
		}
		// Scheduled arrivals serve the node's own demand; they are not
		// there to send at the start, so they do not raise what it may
		// send (see addTo).
		b.arrive = pl.arrivals[sku]
		holds := func(n int) bool { return b.avail[n] > 0 || b.arrive[n] > 0 }
		sends := func(n int) bool { return b.avail[n] > 0 }
		reach := map[int]bool{}
		for _, rt := range pl.routes {
			if sends(rt.From) {
				reach[rt.To] = true
			}
		}
		used := map[int]bool{}
		for p := range pl.forecast.Points {
			if pl.forecast.Points[p].Demand[s] <= 0 {
				continue
			}
			b.points = append(b.points, p)
			// The cheapest nodes that hold the SKU or may receive it, and
			// beyond them the cheapest that hold it: without them a point
			// whose nearest nodes may receive the SKU but hold none would
			// lose its demand when nothing is moved, where the router
			// ships it from farther away (and every unit moved would look
			// like a lost sale saved).
			taken, holders := 0, 0
			for _, c := range pl.costs[p] {
				if taken >= NodesPerPoint && holders >= HoldersPerPoint {
					break
				}
				h := holds(c.node)
				if (taken < NodesPerPoint && (h || reach[c.node])) || (h && holders < HoldersPerPoint) {
					b.x = append(b.x, serve{point: p, node: c.node, cost: c.cost})
					used[c.node] = true
					taken++
					if h {
						holders++
					}
				}
			}
		}
		// Lanes into the nodes that serve demand, from nodes that hold
		// the SKU: the cheapest few per receiver.
		byReceiver := map[int][]int{}
		for r, rt := range pl.routes {
			if sends(rt.From) && used[rt.To] {
				byReceiver[rt.To] = append(byReceiver[rt.To], r)
			}
		}
		for to, rs := range byReceiver {
			slices.SortFunc(rs, func(x, y int) int {
				lx, ly := &pl.net.Lanes[pl.routes[x].Lane], &pl.net.Lanes[pl.routes[y].Lane]
				return cmp.Or(cmp.Compare(lx.CostPerUnit, ly.CostPerUnit), cmp.Compare(pl.routes[x].Km, pl.routes[y].Km), cmp.Compare(x, y))
			})
			byReceiver[to] = rs[:min(len(rs), LanesPerReceiver)]
		}
		for _, rs := range byReceiver {
			b.routes = append(b.routes, rs...)
		}
		slices.Sort(b.routes)
		nodes := map[int]bool{}
		for n := range used {
			nodes[n] = true
		}
		for _, r := range b.routes {
			rt := pl.routes[r]
			nodes[rt.From], nodes[rt.To] = true, true
			lead := pl.net.Lanes[rt.Lane].LeadTime().Hours()
			b.frac = append(b.frac, max(0, 1-lead/horizon))
		}
		for n := range nodes {
			b.nodes = append(b.nodes, n)
			if room := pl.net.Nodes[n].ShelfRoom(pl.onHand(n, sku)+pl.supply[sku][n], pl.onHandTotal[n]); room >= 0 {
				b.room[n] = room
			}
		}
		slices.Sort(b.nodes)
		pos := make(map[int]int, len(b.nodes))
		for i, n := range b.nodes {
			pos[n] = i
		}
		b.xAt = make([][]int, len(b.nodes))
		b.outOfNode = make([][]int, len(b.nodes))
		b.intoNode = make([][]int, len(b.nodes))
		for k, x := range b.x {
			b.xAt[pos[x.node]] = append(b.xAt[pos[x.node]], k)
		}
		for k, r := range b.routes {
			rt := pl.routes[r]
			b.outOfNode[pos[rt.From]] = append(b.outOfNode[pos[rt.From]], k)
			b.intoNode[pos[rt.To]] = append(b.intoNode[pos[rt.To]], k)
		}
		b.flow = make([]float64, len(b.routes))
		b.qty = make([]int64, len(b.routes))
		pl.blocks = append(pl.blocks, b)
	}
}

// onHand is the units of sku on hand at node.
func (pl *planner) onHand(node int, sku string) int64 {
	r, ok := pl.in.Stock.Get(node, sku)
	if !ok {
		return 0
	}
	return int64(r.OnHand)
}

// mode says how a block's transfer columns are set.
type mode int

const (
	relaxed mode = iota // free, priced per unit + the spread shipment cost
	without             // fixed at 0: the expected cost before the plan
	fixed               // fixed at the integer plan, priced 0 (the lanes' rule prices it)
)

// blockCols are where a block's columns start in a model.
type blockCols struct {
	x, lost, move int
	// stockRow is the row of each node's stock, by position in b.nodes.
	stockRow []int
}

// addTo adds the block's columns and rows to m:
//
//	min  Σ cost[p,n] x[p,n] + Σ lost[p] u[p] + Σ unitCost[r] t[r]
//	s.t. Σ_n x[p,n] + u[p] = demand[p]                       (demand p)
//	     Σ_p x[p,n] + Σ_out t - Σ_in frac t ≤ avail[n] + arrive[n] (stock n)
//	     Σ_out t ≤ avail[n]    for a node that also receives or is replenished
//	     Σ_in t - Σ_out t ≤ room[n]    for a receiver with a shelf limit
//
// Columns and rows are named only in the model kept for --lp-out (names
// cost more than the solve of a small block).
func (b *block) addTo(m *lp.Model, pl *planner, share []float64, md mode, named bool) blockCols {
	f := pl.forecast
	name := func(format string, args ...any) string {
		if !named {
			return ""
		}
		return fmt.Sprintf(format, args...)
	}
	var c blockCols
	c.x = m.NumVars()
	for _, x := range b.x {
		m.AddVar(name("x_%d_%d_%d", b.s, x.point, x.node), 0, lp.Inf, x.cost)
	}
	c.lost = m.NumVars()
	for _, p := range b.points {
		pt := &f.Points[p]
		lost := pt.LostSale[b.s]
		if lost <= 0 {
			lost = pl.mustFill
		}
		if !pt.WalkIn {
			lost += pl.net.Policy.LostSaleCostPerOrder / max(pt.UnitsPerLine, 1)
		}
		m.AddVar(name("u_%d_%d", b.s, p), 0, lp.Inf, lost)
	}
	c.move = m.NumVars()
	for k, r := range b.routes {
		rt := pl.routes[r]
		lane := &pl.net.Lanes[rt.Lane]
		switch md {
		case relaxed:
			m.AddVar(name("t_%d_%d_%d", b.s, rt.From, rt.To), 0, float64(b.avail[rt.From]), lane.CostPerUnit+share[r])
		case without:
			m.AddVar(name("t_%d_%d_%d", b.s, rt.From, rt.To), 0, 0, 0)
		case fixed:
			q := float64(b.qty[k])
			m.AddVar(name("t_%d_%d_%d", b.s, rt.From, rt.To), q, q, 0)
		}
	}
	// Demand rows.
	xi := 0
	for k, p := range b.points {
		var cols []int
		var vals []float64
		for ; xi < len(b.x) && b.x[xi].point == p; xi++ {
			cols = append(cols, c.x+xi)
			vals = append(vals, 1)
		}
		cols = append(cols, c.lost+k)
		vals = append(vals, 1)
		d := f.Points[p].Demand[b.s]
		m.AddRow(name("demand_%d_%d", b.s, p), d, d, cols, vals)
	}
	// Stock, no-transshipment and shelf rows, node by node.
	c.stockRow = make([]int, len(b.nodes))
	for i, n := range b.nodes {
		var cols, outs, ins []int
		var vals []float64
		for _, k := range b.xAt[i] {
			cols = append(cols, c.x+k)
			vals = append(vals, 1)
		}
		for _, k := range b.outOfNode[i] {
			cols = append(cols, c.move+k)
			vals = append(vals, 1)
			outs = append(outs, c.move+k)
		}
		for _, k := range b.intoNode[i] {
			cols = append(cols, c.move+k)
			vals = append(vals, -b.frac[k])
			ins = append(ins, c.move+k)
		}
		c.stockRow[i] = m.AddRow(name("stock_%d_%d", b.s, n), -lp.Inf, float64(b.avail[n]+b.arrive[n]), cols, vals)
		if len(outs) > 0 && (len(ins) > 0 || b.arrive[n] > 0) {
			m.AddRow(name("send_%d_%d", b.s, n), -lp.Inf, float64(b.avail[n]), outs, ones(len(outs)))
		}
		if room, ok := b.room[n]; ok && len(ins) > 0 {
			cols, vals = append([]int(nil), ins...), ones(len(ins))
			for _, o := range outs {
				cols = append(cols, o)
				vals = append(vals, -1)
			}
			m.AddRow(name("shelf_%d_%d", b.s, n), -lp.Inf, float64(room), cols, vals)
		}
	}
	return c
}

func ones(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = 1
	}
	return v
}

// solveRelaxed solves the block's LP with the lanes' shipment costs
// spread by share, and keeps the transfers, the node prices and the basis.
func (b *block) solveRelaxed(ctx context.Context, pl *planner, share []float64, ws *lp.Workspace) error {
	m, c := b.model(pl)
	for k, r := range b.routes {
		rt := pl.routes[r]
		m.SetCost(c.move+k, pl.net.Lanes[rt.Lane].CostPerUnit+share[r])
		m.SetVarBounds(c.move+k, 0, float64(b.avail[rt.From]))
	}
	b.rows, b.cols = m.NumRows(), m.NumVars()
	r, err := solve(ctx, m, b.basis, ws)
	if err != nil {
		return err
	}
	b.basis = r.Basis
	b.objective = r.Objective
	for k := range b.routes {
		b.flow[k] = r.X[c.move+k]
	}
	for i, n := range b.nodes {
		b.price[n] = -r.Dual[c.stockRow[i]]
	}
	// A node's demand is what it serves and what is lost at the points it
	// could serve (a shelf limit, not the demand, stops it there).
	// The router keeps an order together where it can: a unit at a node
	// sells to an order of L lines only if the order's other lines are
	// there too, held[n]^(L-1) of the time (whole is that chance per node,
	// weighted by the node's demand).
	b.served = map[int]float64{}
	b.whole = map[int]float64{}
	k := 0
	for i, x := range b.x {
		for b.points[k] != x.point {
			k++
		}
		d := r.X[c.x+i] + r.X[c.lost+k]
		pt := &pl.forecast.Points[x.point]
		lines := max(1, pt.UnitsPerOrder/max(pt.UnitsPerLine, 1e-9))
		b.served[x.node] += d
		b.whole[x.node] += d * math.Pow(pl.held[x.node], lines-1)
	}
	for n, d := range b.served {
		if d > 1e-12 {
			b.whole[n] /= d
		}
	}
	return nil
}

// solveWithout solves the block without transfers: the expected cost
// before the plan and the opportunity prices a transfer is weighed by.
// It is the relaxation's model but for the transfers' bounds and costs,
// so it starts from the relaxation's basis.
func (b *block) solveWithout(ctx context.Context, pl *planner, ws *lp.Workspace) error {
	m, c := b.model(pl)
	for k := range b.routes {
		m.SetCost(c.move+k, 0)
		m.SetVarBounds(c.move+k, 0, 0)
	}
	r, err := solve(ctx, m, b.basis, ws)
	if err != nil {
		return err
	}
	b.before = r.Objective
	b.price0 = make(map[int]float64, len(b.nodes))
	for i, n := range b.nodes {
		b.price0[n] = -r.Dual[c.stockRow[i]]
	}
	b.served0 = map[int]float64{}
	for k, x := range b.x {
		b.served0[x.node] += r.X[c.x+k]
	}
	return nil
}

// evaluate is the expected cost after the integer plan: the cost
// without transfers less what the plan's units are expected to save (see
// savings). It is not the LP solved with the transfers fixed: that LP
// takes the mean demand as certain and has every unit moved sell.
func (b *block) evaluate(pl *planner) {
	b.after = b.before
	for _, s := range b.savings(pl) {
		b.after -= s
	}
}

// model is the block's LP, built once (as the relaxation without
// spread shipment costs): the solves change only the transfers' costs and
// bounds.
func (b *block) model(pl *planner) (*lp.Model, blockCols) {
	if b.lp == nil {
		b.lp = lp.NewModel("allocate-" + b.sku)
		b.lpCols = b.addTo(b.lp, pl, make([]float64, len(pl.routes)), relaxed, false)
	}
	return b.lp, b.lpCols
}

// worth is what the units on the block's routes are expected to save
// (see savings), less the lanes' costs per unit.
func (b *block) worth(pl *planner) []float64 {
	w := b.savings(pl)
	for k, r := range b.routes {
		w[k] -= float64(b.qty[k]) * pl.net.Lanes[pl.routes[r].Lane].CostPerUnit
	}
	return w
}

// value is what one unit on the block's k-th route is worth by the last
// relaxation's prices: its share of the horizon at the receiver's price,
// less the sender's price and the lane's cost per unit.
func (b *block) value(pl *planner, k int) float64 {
	rt := pl.routes[b.routes[k]]
	return b.frac[k]*b.price[rt.To] - b.price[rt.From] - pl.net.Lanes[rt.Lane].CostPerUnit
}

// repair turns the relaxation's transfers into whole units that keep
// every rule: no sender sends more than it holds, no receiver goes above
// its shelf limits (per SKU and in total), every shipment carries at least
// its lane's minimum.
func (pl *planner) repair() {
	type ref struct {
		b *block
		k int
	}
	for _, b := range pl.blocks {
		sent := map[int]int64{}
		for k := range b.routes {
			b.qty[k] = int64(math.Floor(b.flow[k] + 1e-6))
			sent[pl.routes[b.routes[k]].From] += b.qty[k]
		}
		// Round up a fraction when the unit pays for itself by the LP's
		// prices (it is worth its fraction of a unit there), largest
		// fractions first, as far as the sender and the shelf allow.
		order := make([]int, len(b.routes))
		for k := range order {
			order[k] = k
		}
		slices.SortStableFunc(order, func(x, y int) int {
			fx, fy := b.flow[x]-float64(b.qty[x]), b.flow[y]-float64(b.qty[y])
			return cmp.Compare(fy, fx)
		})
		for _, k := range order {
			rt := pl.routes[b.routes[k]]
			unit := pl.net.Lanes[rt.Lane].CostPerUnit
			part := b.flow[k] - float64(b.qty[k])
			if part < 1e-6 || part*(b.value(pl, k)+unit) <= unit || sent[rt.From]+1 > b.avail[rt.From] || b.net(pl, rt.To)+1 > b.roomOr(rt.To) {
				continue
			}
			b.qty[k]++
			sent[rt.From]++
		}
		b.capByDemand(pl)
	}
	// Shipments, route by route: the lane's minimum, and the worth of its
	// units (see block.worth) against the shipment's cost; dropping one
	// may take a node's shelf over (it sends less), which the shelf pass
	// then cuts, until nothing changes.
	for changed := true; changed; {
		changed = false
		units := make([]int64, len(pl.routes))
		worth := make([]float64, len(pl.routes))
		for _, b := range pl.blocks {
			w := b.worth(pl)
			for k, r := range b.routes {
				units[r] += b.qty[k]
				worth[r] += w[k]
			}
		}
		for _, b := range pl.blocks {
			for k, r := range b.routes {
				lane := &pl.net.Lanes[pl.routes[r].Lane]
				if b.qty[k] > 0 && (units[r] < int64(lane.MinQty) || worth[r] < lane.CostPerShipment) {
					b.qty[k] = 0
					changed = true
				}
			}
		}
		// Per-SKU shelves, then total shelves: cut the least worth first.
		for _, b := range pl.blocks {
			for _, n := range b.nodes {
				for over := b.net(pl, n) - b.roomOr(n); over > 0; over = b.net(pl, n) - b.roomOr(n) {
					k := b.cheapestInto(pl, n)
					if k < 0 {
						break
					}
					cut := min(over, b.qty[k])
					b.qty[k] -= cut
					changed = true
				}
			}
		}
		for n := range pl.net.Nodes {
			nd := &pl.net.Nodes[n]
			if nd.ShelfTotal <= 0 {
				continue
			}
			room := max(0, int64(nd.ShelfTotal)-pl.onHandTotal[n])
			var in int64
			var refs []ref
			for _, b := range pl.blocks {
				in += b.net(pl, n)
				for k, r := range b.routes {
					if pl.routes[r].To == n && b.qty[k] > 0 {
						refs = append(refs, ref{b, k})
					}
				}
			}
			if in <= room {
				continue
			}
			slices.SortStableFunc(refs, func(x, y ref) int {
				return cmp.Compare(x.b.value(pl, x.k), y.b.value(pl, y.k))
			})
			for _, rf := range refs {
				if in <= room {
					break
				}
				cut := min(in-room, rf.b.qty[rf.k])
				rf.b.qty[rf.k] -= cut
				in -= cut
				changed = true
			}
		}
	}
}

// net is what the integer plan adds to node's stock of the block's SKU:
// units in less units out.
func (b *block) net(pl *planner, node int) int64 {
	var d int64
	for k, r := range b.routes {
		switch node {
		case pl.routes[r].To:
			d += b.qty[k]
		case pl.routes[r].From:
			d -= b.qty[k]
		}
	}
	return d
}

// roomOr is the node's shelf room for the SKU, or no limit.
func (b *block) roomOr(node int) int64 {
	if r, ok := b.room[node]; ok {
		return r
	}
	return math.MaxInt64 / 4
}

// cheapestInto is the route into node with units and the least worth, or
// -1.
func (b *block) cheapestInto(pl *planner, node int) int {
	best := -1
	for k, r := range b.routes {
		if pl.routes[r].To != node || b.qty[k] == 0 {
			continue
		}
		if best < 0 || b.value(pl, k) < b.value(pl, best) {
			best = k
		}
	}
	return best
}

// Demand is not known, only its rate: the repair treats a node's demand
// for the SKU over the horizon as Poisson. A receiver's rate is the demand
// the relaxation has it serve (with the plan) and what is lost where it
// could serve; a sender's is what it serves without the plan. A sender keeps the KeepQuantile of its own demand.
const KeepQuantile = 0.9

// gain is what the jin-th unit into the k-th route's receiver, which is
// the jout-th unit out of its sender, is expected to save before the
// lane's cost: the probability that the receiver sells it in the share of
// the horizon it is there for, to an order whose other lines it holds too
// (see block.whole), times the receiver's price without
// transfers, less the probability that the sender would have sold it,
// times the larger of the two prices (a unit the sender sells saves at
// least what it saves at the receiver).
func (b *block) gain(pl *planner, k int, jin, jout int64) float64 {
	rt := pl.routes[b.routes[k]]
	to, from := rt.To, rt.From
	pIn := b.frac[k] * b.whole[to] * survival(b.served[to], b.avail[to]+b.arrive[to]+jin-1)
	pOut := survival(b.served0[from], b.avail[from]+b.arrive[from]-jout)
	vTo := b.price0[to]
	return pIn*vTo - pOut*max(b.price0[from], vTo)
}

// survival is P(D > x) for D Poisson with mean lambda (1 when x < 0).
func survival(lambda float64, x int64) float64 {
	if x < 0 {
		return 1
	}
	if lambda <= 1e-9 {
		return 0
	}
	return distuv.Poisson{Lambda: lambda}.Survival(float64(x))
}

// byValue is the block's routes, the most valuable first (ties by
// position): the order in which units are taken and valued.
func (b *block) byValue(pl *planner) []int {
	order := make([]int, len(b.routes))
	for k := range order {
		order[k] = k
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(b.value(pl, y), b.value(pl, x)) })
	return order
}

// capByDemand keeps, route by route in order of value, the units whose
// expected saving (see gain) beats the lane's cost per unit, and keeps
// the KeepQuantile of each sender's demand.
func (b *block) capByDemand(pl *planner) {
	maxOut := make(map[int]int64, len(b.nodes))
	for _, n := range b.nodes {
		d := distuv.Poisson{Lambda: max(b.served0[n], 1e-9)}
		keep := int64(0)
		for d.CDF(float64(keep)) < KeepQuantile && keep < 1<<20 {
			keep++
		}
		maxOut[n] = max(0, min(b.avail[n], b.avail[n]+b.arrive[n]-keep))
	}
	in, out := map[int]int64{}, map[int]int64{}
	for _, k := range b.byValue(pl) {
		rt := pl.routes[b.routes[k]]
		unit := pl.net.Lanes[rt.Lane].CostPerUnit
		want := b.qty[k]
		b.qty[k] = 0
		for b.qty[k] < want && out[rt.From] < maxOut[rt.From] && b.gain(pl, k, in[rt.To]+1, out[rt.From]+1) > unit {
			b.qty[k]++
			in[rt.To]++
			out[rt.From]++
		}
	}
}

// savings is, per route, what the plan's units on it are expected to save
// before the lanes' costs (see gain), the units valued in the order
// capByDemand took them.
func (b *block) savings(pl *planner) []float64 {
	s := make([]float64, len(b.routes))
	in, out := map[int]int64{}, map[int]int64{}
	for _, k := range b.byValue(pl) {
		rt := pl.routes[b.routes[k]]
		for j := int64(0); j < b.qty[k]; j++ {
			in[rt.To]++
			out[rt.From]++
			s[k] += b.gain(pl, k, in[rt.To], out[rt.From])
		}
	}
	return s
}
