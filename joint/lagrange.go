package joint

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/solver"
)

// LagrangeSettings tune Lagrangian.
type LagrangeSettings struct {
	// Rounds bounds the pricing rounds; 0 means DefaultLagrangeRounds.
	Rounds int
	// TimeLimit stops the rounds after this long (0: no limit); the bound
	// is then the best round's, as always.
	TimeLimit time.Duration
	// Workers solve the orders of a round in parallel; below 2, one after
	// another. The bound does not depend on it.
	Workers int
	// Solver tunes each order's solve.
	Solver solver.Settings
	// Start, when set, prices the first round: each order is solved at
	// these values instead of at none, and its plan seeds the master
	// beside the plan that leaves every line unfilled; that round is the
	// first of Lagrange.Rounds, and at least one master is solved after
	// it, whatever the time limit. Prices near the optimum's (another
	// sample of the same stock) cut the rounds; any prices give the same
	// bound at convergence, since every round's L is a bound.
	Start *LagrangeStart
	// Dive, when set, dives the master towards whole plans once the rounds
	// stop (see lagDive and Lagrange.Orders): the bound is the rounds', the
	// dive only chooses the values Route repairs. It keeps to TimeLimit
	// and is given up once its master costs more than the rounds' mix
	// routes for (Lagrange.DiveAbandoned).
	Dive bool
	// OnRound, when set, is told after each pricing round and each step
	// of the dive how far the bound has come (from the goroutine that
	// called Lagrangian): a long bound's progress.
	OnRound func(RoundReport)
	// Boxed bounds each plan's weight in the master by its order's count
	// (see master): the same programme and bound, solved along another
	// path. It pays on one large master over single orders, such as a
	// replay's hindsight bound (the jasin-sinha replays' bound three to
	// five times faster), and costs on the many small masters of a plan
	// by orders whose orders repeat (the larger amil-makhdoumi-wei setup's
	// plans half as slow again).
	Boxed bool

	// onMaster, when set, is given each master the rounds and the dive
	// solve to the optimum, with the result (tests).
	onMaster func(*master, *lp.Result)
}

// RoundReport is where Lagrangian stands after a round (or a dive step).
type RoundReport struct {
	// Round is the pricing rounds so far; DiveSteps the dive's steps
	// (0 before the dive).
	Round, DiveSteps int
	// Bound is the best round's Lagrangian value so far (before the
	// allowance for lines without a lost-sale price): a lower bound.
	Bound float64
	// Master is the last restricted master's optimum: the rounds stop
	// once Bound is within LagrangeTolerance of it. In the dive it is
	// the dived master's, which only rises.
	Master float64
	// Columns and Rows are the master's size.
	Columns, Rows int
}

// LagrangeStart is a guess at the values Lagrangian ends on, aligned with
// the instance it is given for.
type LagrangeStart struct {
	// StockValues[i] prices a unit of Instance.Supply[i] (every epoch of
	// it alike); nil prices none.
	StockValues []float64
	// CapacityValues[i] prices a unit of Instance.Capacity[i]; nil prices
	// none.
	CapacityValues []float64
}

// DefaultLagrangeRounds bounds the rounds of Lagrangian when
// LagrangeSettings.Rounds is 0.
const DefaultLagrangeRounds = 100

// LagrangeTolerance is the relative gap between the master's optimum and
// the bound at which Lagrangian stops: the bound is then the optimum of
// the relaxation it solves.
const LagrangeTolerance = 1e-6

// Lagrange is what Lagrangian proved.
type Lagrange struct {
	// Bound is the best round's bound: no routing of the orders on the
	// instance's stock and capacity costs less.
	Bound float64
	// Master is the last master programme's optimum: what the plans
	// generated so far cost, mixed per order as a linear programme within
	// the shared rows. The relaxation's optimum lies between Bound and
	// Master; Converged is true when they meet (LagrangeTolerance) or no
	// order has a plan left that would lower Master.
	Master    float64
	Converged bool
	// Rounds is how many pricing rounds ran, BestRound the one that gave
	// Bound (1 is the first); Columns counts the master's columns (the
	// plans, with one per subproblem that leaves every line unfilled), Rows
	// the shared rows it priced, Iterations its simplex iterations.
	Rounds, BestRound, Columns, Rows, Iterations int
	// StockValues[i] is what one more unit of Instance.Supply[i] on hand
	// at the start is worth at the last master's duals (the price of its
	// first stock row and every later one): the clairvoyant prices, as
	// Relaxation.StockValues; 0 where no plan drew on the supply.
	StockValues []float64
	// CapacityValues[i] is what one more unit of Instance.Capacity[i] is
	// worth at the last master's duals: what a unit picked at its node on
	// its day costs the other orders, beside the unit's stock value; 0
	// where the capacity does not bind.
	CapacityValues []float64
	// Orders are the last master's values per order of the instance: its
	// mix of the order's plans, as the units each option ships of each
	// line (OrderValues.Units; Ships and Unfilled are left nil). Route
	// repairs them into a routing; nil when no master was solved. With
	// LagrangeSettings.Dive they are the dived master's: each order's
	// plans mixed in whole numbers where the dive reached them.
	Orders []OrderValues
	// Undived are, after a dive, the values of the master the rounds
	// ended on; nil without a dive.
	Undived []OrderValues
	// DiveSteps counts the dive's fixing steps, DiveRounds the masters it
	// solved; Dived is its last master's optimum (what the dived plans
	// cost, mixed where still fractional), and Fractional counts the
	// orders whose mix it leaves fractional (0 when every order has one
	// whole plan). DiveAbandoned is true when the dive was given up, its
	// master costing more than the rounds' mix routes for: Orders are
	// then the rounds' mix and Undived nil.
	DiveSteps, DiveRounds int
	Dived                 float64
	Fractional            int
	DiveAbandoned         bool
}

// Relaxation returns the master's values as a Relaxation whose shares
// (Relaxation.Shares) guide a repair as the linear programme's do: Bound
// is the Lagrangian bound, Orders the master's mix (the dived one after a
// dive, Undived the rounds' last; Relaxation.Keep chooses). It is nil when
// no master was solved.
func (l *Lagrange) Relaxation() *Relaxation {
	if l.Orders == nil {
		return nil
	}
	return &Relaxation{Status: lp.StatusOptimal, Bound: l.Bound, LowerBound: l.Bound, Orders: l.Orders, Undived: l.Undived}
}

// Route turns the master's values into a routing of inst's orders, as
// Relaxation.Keep does the linear programme's: each order keeps its share
// of the stock (its mixed units per (node, SKU), rounded down) from the
// orders before it and is solved exactly on the stock left, in the
// instance's order; of the dived values, the undived ones and none (the
// orders in turn), the shares that route cheapest. inst must be the
// instance Lagrangian bounded. Without values (l.Orders nil) the orders
// are routed one after another on the stock left, as without a
// relaxation.
func (l *Lagrange) Route(ctx context.Context, inst *Instance, ss solver.Settings) (*Batch, error) {
	b := &Batch{}
	if rel := l.Relaxation(); rel == nil {
		if err := b.repair(ctx, inst, ss); err != nil {
			return nil, err
		}
	} else {
		var err error
		if b, err = rel.Keep(ctx, inst, ss); err != nil {
			return nil, err
		}
	}
	b.Bound = l.Bound
	b.Gap = GapTo(b.Cost, l.Bound)
	return b, nil
}

// unpricedLoss is the lost-sale price Lagrangian gives a line without one:
// the linear programme (Solve) may leave such a line unfilled for nothing,
// the per-order solver must fill it, so its subproblem prices the unit at
// almost nothing and the bound takes that much back.
const unpricedLoss = 1e-9

// lagCell is one (option, line) of an order that can draw on a supply.
type lagCell struct {
	// at is the cell's index in Problem.Available (option-major).
	at int32
	// stock is the shared row of the supply's epoch the order falls in
	// (the supply's offset plus the epoch).
	stock int32
	// capacity is the shared row of the option's node and the order's
	// day, -1 when that (node, day) has no shared limit.
	capacity int32
}

// lagOrder is one order's subproblem, shared by the orders of its group
// (Lagrangian).
type lagOrder struct {
	prob *solver.Problem
	// copies is how many orders of the instance it stands for.
	copies float64
	// avail is Problem.Available limited to what the supply reaches by
	// the order's time (0 where the order cannot draw).
	avail []int32
	// lines are the order's lines with unpriced ones at unpricedLoss; nil
	// when every line has a price.
	lines []solver.Line
	cells []lagCell
	// cellAt[at] is the index in cells of Problem.Available's entry at,
	// -1 where there is none.
	cellAt []int32
	// unpriced counts the units of unpriced lines.
	unpriced float64
}

// lagResult is one order's outcome in a round.
type lagResult struct {
	// value is the order's priced optimum, or its solve's lower bound when
	// not proven optimal; priced is what its plan costs at the prices,
	// real what it costs.
	value, priced, real float64
	use                 []lagUse
}

// lagUse is the units a plan draws on one cell.
type lagUse struct {
	cell  int32
	units int32
}

// Lagrangian bounds the cost of routing inst's orders from below, for
// instances whose linear programme (Solve) is too large to build. It solves
// the Lagrangian dual of the shared rows by column generation
// (Dantzig-Wolfe). The shared rows are every supply's stock up to each of
// its arrivals (the units used by the orders routed before arrival e+1 are
// at most the supply's reach once e arrivals are in) and every Capacity. A
// master linear programme mixes, for each order, the whole plans found so
// far (to start with, one that leaves every line unfilled) within the
// shared rows; its duals price the rows, and each order is then solved
// alone by the per-order exact solver, its unit costs raised by the prices
// of the rows it would draw on. With prices m >= 0,
//
//	L(m) = sum over orders of their priced optimum - sum of m x (the rows' limits)
//
// is a lower bound: a routing that keeps the rows costs each order at
// least its priced optimum less what its units pay, and its units are
// within the limits. Where an order's solve is not proven optimal its
// lower bound counts. The round's plans that would lower the master's
// optimum join it. The rounds stop when none would, or the master's
// optimum and L meet (LagrangeTolerance): L is then the optimum of the
// linear programme over every mix of each order's plans, which is at least
// the joint linear programme's (Solve), an order's plans being whole and
// integer. They stop too at s.Rounds, at s.TimeLimit, and at ctx's end
// (the best bound so far is returned with ctx's error). Bound is the best
// round's L.
//
// An order's available units at an option are limited to what the supply
// reaches by its time, and a line without a lost-sale price may be left
// unfilled at almost no cost, as in the linear programme. A round solves
// its orders on s.Workers goroutines and sums in order index: the bound
// does not depend on them.
//
// With s.Dive the master is then dived to whole plans (lagDive): Orders
// are the dived master's values, Undived the rounds' last, and Route
// keeps whichever routes cheaper. A dive that fails (ctx's end, a master
// that cannot be solved) returns the rounds' values and bound with its
// error.
//
// Orders that share one Problem (the same pointer), At and Day are one
// subproblem, solved once a round: the master mixes its plans in one
// convexity row whose right-hand side is their count, and each of them
// takes an equal part of the mix in Orders. The linear programme is an
// equivalent one (the orders' plans are interchangeable: the same bound),
// with fewer rows, columns and solves: a sample drawn with replacement
// repeats its orders (package planning shares the problem of orders
// alike).
func Lagrangian(ctx context.Context, inst *Instance, s LagrangeSettings) (*Lagrange, error) {
	if err := inst.check(); err != nil {
		return nil, err
	}
	rounds := s.Rounds
	if rounds <= 0 {
		rounds = DefaultLagrangeRounds
	}
	var deadline time.Time
	if s.TimeLimit > 0 {
		deadline = time.Now().Add(s.TimeLimit)
	}

	// The shared rows: every supply's epochs (one row before any arrival
	// and one per arrival, from the supply's offset), then the capacities.
	offset := make([]int32, len(inst.Supply)+1)
	for i := range inst.Supply {
		offset[i+1] = offset[i] + int32(len(inst.Supply[i].Arrivals)+1)
	}
	nStock := int(offset[len(inst.Supply)])
	limit := make([]float64, nStock+len(inst.Capacity))
	// last[j] is one past the last row of stock row j's supply.
	last := make([]int32, len(limit))
	for i := range inst.Supply {
		s := &inst.Supply[i]
		for e := 0; e <= len(s.Arrivals); e++ {
			limit[int(offset[i])+e] = float64(s.reach(e))
			last[int(offset[i])+e] = offset[i+1]
		}
	}
	for i, c := range inst.Capacity {
		limit[nStock+i] = float64(c.Units)
		last[nStock+i] = int32(nStock + i + 1)
	}
	supplyIdx := make(map[supplyKey]int, len(inst.Supply))
	for i := range inst.Supply {
		supplyIdx[supplyKey{inst.Supply[i].Node, inst.Supply[i].SKU}] = i
	}
	capIdx := make(map[capKey]int, len(inst.Capacity))
	for i, c := range inst.Capacity {
		capIdx[capKey{c.Node, c.Day}] = nStock + i
	}
	first, group := groupOrders(inst)
	orders := make([]lagOrder, len(first))
	var unpriced float64
	for g, o := range first {
		orders[g] = newLagOrder(inst, o, offset, supplyIdx, capIdx)
	}
	for _, g := range group {
		orders[g].copies++
		unpriced += orders[g].unpriced
	}

	ms := newMaster(orders, limit, last, s.Boxed)
	unit := make([]float64, len(limit))
	results := make([]lagResult, len(orders))
	out := &Lagrange{Bound: math.Inf(-1)}
	var basis *lp.Basis
	var lastX []float64
	stockValues := make([]float64, len(inst.Supply))
	out.StockValues = stockValues
	out.CapacityValues = make([]float64, len(inst.Capacity))
	// m are the shared rows' prices of a round: the master's duals, or
	// the start's.
	m := make([]float64, len(limit))
	added, r0 := 0, 1
	if s.Start != nil {
		if err := s.Start.check(inst); err != nil {
			return nil, err
		}
		// The seeding round, at the start's prices: a supply's on its last
		// epoch's row, so that a unit of every epoch pays it.
		for i, v := range s.Start.StockValues {
			m[offset[i+1]-1] = max(0, v)
		}
		for i, v := range s.Start.CapacityValues {
			m[nStock+i] = max(0, v)
		}
		ms.unitPrices(m, unit)
		if err := solveRound(ctx, orders, unit, results, s.Workers, s.Solver); err != nil {
			return out.finish(ms, orders, group, lastX, unpriced), err
		}
		for o := range results {
			if len(results[o].use) > 0 {
				ms.addPlan(o, &orders[o], &results[o])
				added++
			}
		}
		out.Bound, out.BestRound, out.Rounds, r0 = lagValue(orders, results, m, limit), 1, 1, 2
	}
	for r := r0; r <= rounds; r++ {
		if err := ctx.Err(); err != nil {
			return out.finish(ms, orders, group, lastX, unpriced), err
		}
		if !deadline.IsZero() && r > r0 && time.Now().After(deadline) {
			break
		}
		res, err := ms.solve(ctx, basis, added, deadline)
		if err != nil {
			return out.finish(ms, orders, group, lastX, unpriced), fmt.Errorf("lagrangian: master: %w", err)
		}
		out.Iterations += res.Iterations
		if res.Status != lp.StatusOptimal {
			// A master stopped at the time limit has no duals to price
			// with; the bound is the rounds' so far.
			break
		}
		basis, out.Master, lastX = res.Basis, res.Objective, res.X
		if s.onMaster != nil {
			s.onMaster(ms, res)
		}
		ms.rowPrices(res.Dual, m)
		ms.unitPrices(m, unit)
		for i := range stockValues {
			stockValues[i] = unit[offset[i]]
		}
		copy(out.CapacityValues, unit[nStock:])
		if err := solveRound(ctx, orders, unit, results, s.Workers, s.Solver); err != nil {
			return out.finish(ms, orders, group, lastX, unpriced), err
		}
		out.Rounds = r

		// L(m), summed in order index; the plans whose priced cost is
		// below the best of their order's plans in the master join it.
		value := lagValue(orders, results, m, limit)
		added = 0
		best := ms.bestPriced(res)
		for o := range results {
			res0 := &results[o]
			if res0.priced < best[o]-1e-9*max(1, math.Abs(res0.priced)) {
				ms.addPlan(o, &orders[o], res0)
				added++
			}
		}
		if value > out.Bound {
			out.Bound, out.BestRound = value, r
		}
		if s.OnRound != nil {
			s.OnRound(RoundReport{Round: r, Bound: out.Bound, Master: res.Objective, Columns: ms.lp.NumVars(), Rows: ms.rows})
		}
		if added == 0 || res.Objective-out.Bound <= LagrangeTolerance*max(1, math.Abs(res.Objective)) {
			out.Converged = true
			break
		}
	}
	if !s.Dive || lastX == nil || (!deadline.IsZero() && time.Now().After(deadline)) {
		return out.finish(ms, orders, group, lastX, unpriced), nil
	}
	d := &lagDive{ms: ms, orders: orders, unit: unit, m: m, results: results, settings: s, deadline: deadline, bound: out.Bound, round: out.Rounds}
	if _, mixed := d.candidates(lastX, nil); mixed == 0 {
		// Every order has whole plans already.
		return out.finish(ms, orders, group, lastX, unpriced), nil
	}
	undived := ms.mix(orders, group, lastX)
	// What the rounds' mix routes for: a dive whose master costs more is
	// given up.
	probe := &Batch{Relaxation: &Relaxation{Status: lp.StatusOptimal, Orders: undived}, Optimized: true}
	ss := s.Solver
	ss.Alternatives = -1
	if err := probe.repair(ctx, inst, ss); err != nil {
		out.finish(ms, orders, group, lastX, unpriced)
		return out, fmt.Errorf("lagrangian: dive: %w", err)
	}
	d.cutoff = probe.Cost
	x, err := d.run(ctx, basis, lastX)
	out.DiveSteps, out.DiveRounds, out.Dived, out.Fractional, out.DiveAbandoned = d.steps, d.rounds, d.objective, d.fractional, d.abandoned
	out.Iterations += d.iterations
	if err != nil || d.abandoned {
		// The rounds' mix stands (and the bound, with a failed dive's
		// error).
		return out.finish(ms, orders, group, lastX, unpriced), err
	}
	out = out.finish(ms, orders, group, x, unpriced)
	out.Undived = undived
	return out, nil
}

// check reports a start whose values are not aligned with inst's.
func (st *LagrangeStart) check(inst *Instance) error {
	if st.StockValues != nil && len(st.StockValues) != len(inst.Supply) {
		return fmt.Errorf("lagrangian: start: %d stock values for %d supplies", len(st.StockValues), len(inst.Supply))
	}
	if st.CapacityValues != nil && len(st.CapacityValues) != len(inst.Capacity) {
		return fmt.Errorf("lagrangian: start: %d capacity values for %d capacities", len(st.CapacityValues), len(inst.Capacity))
	}
	return nil
}

// finish fills the master's values (x, its last solution; each order of
// a group takes an equal part of the group's) and size, and takes back
// from the bound what the unpriced lines' prices added.
func (out *Lagrange) finish(ms *master, orders []lagOrder, group []int, x []float64, unpriced float64) *Lagrange {
	if x != nil {
		out.Orders = ms.mix(orders, group, x)
	}
	out.Columns = ms.lp.NumVars()
	out.Iterations += ms.iterations
	ms.iterations = 0
	out.Rows = ms.rows
	if !math.IsInf(out.Bound, -1) {
		out.Bound -= unpricedLoss * unpriced
	}
	return out
}

// mix is the master's values x per order of the instance: each order of
// a group takes an equal part of the group's mix.
func (ms *master) mix(orders []lagOrder, group []int, x []float64) []OrderValues {
	mixed := ms.values(orders, x)
	out := make([]OrderValues, len(group))
	for o, g := range group {
		if orders[g].copies == 1 {
			out[o] = mixed[g]
			continue
		}
		units := slices.Clone(mixed[g].Units)
		for i := range units {
			units[i] /= orders[g].copies
		}
		out[o].Units = units
	}
	return out
}

// groupOrders groups inst's orders that share one Problem, At and Day
// (a sample that draws an order twice): they are one subproblem. first[g]
// is group g's first order, group[o] order o's group; groups come in the
// order of their first orders.
func groupOrders(inst *Instance) (first, group []int) {
	type key struct {
		p       *solver.Problem
		at, day int64
	}
	index := make(map[key]int, len(inst.Orders))
	group = make([]int, len(inst.Orders))
	for o := range inst.Orders {
		ord := &inst.Orders[o]
		k := key{ord.Problem, ord.At.UnixNano(), ord.Day}
		g, ok := index[k]
		if !ok {
			g = len(first)
			index[k] = g
			first = append(first, o)
		}
		group[o] = g
	}
	return first, group
}

// newLagOrder prepares order o's subproblem.
func newLagOrder(inst *Instance, o int, offset []int32, supplyIdx map[supplyKey]int, capIdx map[capKey]int) lagOrder {
	ord := &inst.Orders[o]
	p := ord.Problem
	L := len(p.Lines)
	lo := lagOrder{prob: p, avail: make([]int32, len(p.Available)), cellAt: make([]int32, len(p.Available))}
	for l := range p.Lines {
		if p.Lines[l].LostSaleCost > 0 {
			continue
		}
		if lo.lines == nil {
			lo.lines = slices.Clone(p.Lines)
		}
		lo.lines[l].LostSaleCost = unpricedLoss
		lo.unpriced += float64(p.Lines[l].Quantity)
	}
	for at := range lo.cellAt {
		lo.cellAt[at] = -1
	}
	for k := range p.Options {
		node := p.Options[k].Node
		ci := int32(-1)
		if i, ok := capIdx[capKey{node, ord.Day}]; ok {
			ci = int32(i)
		}
		for l := 0; l < L; l++ {
			at := k*L + l
			si, ok := supplyIdx[supplyKey{node, p.Lines[l].SKU}]
			if !ok || p.Available[at] <= 0 {
				continue
			}
			s := &inst.Supply[si]
			e := s.epoch(ord.At)
			reach := s.reach(e)
			if reach <= 0 {
				continue
			}
			lo.avail[at] = int32(min(int64(p.Available[at]), reach))
			lo.cellAt[at] = int32(len(lo.cells))
			lo.cells = append(lo.cells, lagCell{at: int32(at), stock: offset[si] + int32(e), capacity: ci})
		}
	}
	return lo
}

// solveRound solves every order at the unit prices (unit[j] is what a
// unit drawing on shared row j pays, the later epochs of its supply
// included) on workers goroutines, each taking a contiguous share of the
// orders.
func solveRound(ctx context.Context, orders []lagOrder, unit []float64, results []lagResult, workers int, ss solver.Settings) error {
	return solveSome(ctx, orders, nil, unit, results, workers, ss)
}

// solveSome is solveRound over the orders that skip does not mark (every
// order when skip is nil); a skipped order's result is left as it was.
func solveSome(ctx context.Context, orders []lagOrder, skip []bool, unit []float64, results []lagResult, workers int, ss solver.Settings) error {
	ss.Alternatives = -1
	workers = max(1, workers)
	chunk := (len(orders) + workers - 1) / workers
	grp, gctx := errgroup.WithContext(ctx)
	for w := 0; w < workers; w++ {
		from, to := w*chunk, min((w+1)*chunk, len(orders))
		if from >= to {
			break
		}
		grp.Go(func() error {
			ws := solver.NewWorkspace()
			var p solver.Problem
			var cost []float64
			for o := from; o < to; o++ {
				if (o-from)%64 == 0 && gctx.Err() != nil {
					return gctx.Err()
				}
				if skip != nil && skip[o] {
					continue
				}
				ord := &orders[o]
				p = *ord.prob
				p.Available = ord.avail
				if ord.lines != nil {
					p.Lines = ord.lines
				}
				cost = append(cost[:0], ord.prob.UnitCost...)
				for _, c := range ord.cells {
					cost[c.at] += cellPrice(unit, c)
				}
				p.UnitCost = cost
				plan, err := ws.Solve(&p, ss)
				if err != nil {
					return fmt.Errorf("lagrangian: order %d: %w", o, err)
				}
				res := &results[o]
				res.use = res.use[:0]
				res.priced, res.value = plan.TotalCost, plan.TotalCost
				if !plan.Stats.Optimal {
					res.value = plan.Stats.LowerBound
				}
				var paid float64
				for i := range plan.Shipments {
					sh := &plan.Shipments[i]
					for _, a := range sh.Lines {
						c := ord.cellAt[sh.Option*len(p.Lines)+a.Line]
						if c < 0 || a.Quantity <= 0 {
							continue
						}
						res.use = append(res.use, lagUse{cell: c, units: a.Quantity})
						paid += float64(a.Quantity) * cellPrice(unit, ord.cells[c])
					}
				}
				res.real = plan.TotalCost - paid
			}
			return nil
		})
	}
	return grp.Wait()
}

// cellPrice is what a unit of cell c pays at the unit prices.
func cellPrice(unit []float64, c lagCell) float64 {
	v := unit[c.stock]
	if c.capacity >= 0 {
		v += unit[c.capacity]
	}
	return v
}

// master is the column-generation master programme of Lagrangian: a
// column per plan, a convexity row per order (its plans' weights sum to
// 1), and the shared rows, each added when a plan first draws on it.
//
// Boxed (LagrangeSettings.Boxed), a plan's weight is bounded above by its
// order's count (copies, 1 for an order alone): the convexity row implies
// the bound, so the programme is the same, but a boxed column whose
// reduced cost is negative is dual feasible at its upper bound. A warm
// start then flips the new plans there and the dual simplex brings them
// in, where unboxed the primal simplex does; and the dual simplex's
// bound-flipping ratio test passes boxed columns instead of stopping at
// them. On the 10,000-order jasin-sinha week the third round's master
// from scratch takes 12,500 iterations in 2.1 s instead of 19,300 in
// 8.8 s, and the fifth round's 950 plans come in with a warm start of
// 2,000 dual iterations where the primal gave up after 10,000. The duals
// then need one correction (bestPriced).
type master struct {
	lp *lp.Model
	// convex[o] is order o's convexity row, count[o] its right-hand side
	// (the orders the subproblem stands for).
	convex []int
	count  []float64
	// boxed bounds each plan's weight by its order's count.
	boxed bool
	// row[j] is the master row of shared row j, -1 before a plan draws on
	// it; rows counts them.
	row   []int
	rows  int
	limit []float64
	// last[j] is one past the last shared row a unit drawing on row j
	// counts in (a stock row's supply's later epochs; a capacity row
	// itself).
	last []int32
	// lastVars and lastRows are the model's size at the last solve, for
	// Basis.Map.
	lastVars, lastRows int
	// iterations counts the simplex iterations of warm starts given up;
	// cold those of the last solve from scratch.
	iterations, cold int
	// gaveUp is how many plans the round had added when the last warm
	// start gave up; 0 when the last warm start reached the optimum.
	gaveUp int
	// colOrder[j] and colUse[j] are column j's order and the units its
	// plan draws (nil for a plan that leaves every line unfilled).
	colOrder []int32
	colUse   [][]lagUse
	// entries gathers a new column's rows.
	entries []lagEntry
	cols    []int
	vals    []float64
}

type lagEntry struct {
	row   int
	units float64
}

// newMaster starts the master with, for each order, the plan that leaves
// every line unfilled: the master is always feasible.
func newMaster(orders []lagOrder, limit []float64, last []int32, boxed bool) *master {
	ms := &master{lp: lp.NewModel("lagrangian"), convex: make([]int, len(orders)), count: make([]float64, len(orders)), boxed: boxed, row: make([]int, len(limit)), limit: limit, last: last}
	for j := range ms.row {
		ms.row[j] = -1
	}
	for o := range orders {
		lines := orders[o].prob.Lines
		if orders[o].lines != nil {
			lines = orders[o].lines
		}
		var cost float64
		for _, ln := range lines {
			cost += float64(ln.Quantity) * ln.LostSaleCost
		}
		if len(lines) > 0 {
			cost += orders[o].prob.LostSaleCostPerOrder
		}
		n := orders[o].copies
		ms.count[o] = n
		j := ms.lp.AddVar("", 0, ms.upper(o), cost)
		ms.convex[o] = ms.lp.AddRow("", n, n, []int{j}, []float64{1})
		ms.colOrder, ms.colUse = append(ms.colOrder, int32(o)), append(ms.colUse, nil)
	}
	return ms
}

// solve solves the master. After a round that added at most a third as
// many plans as the master has subproblems, from the last round's basis,
// the new plans entering by the primal simplex (in a boxed master, by the
// dual simplex once they flip to their bound); if that takes more than
// half the iterations of the last solve from scratch, and after larger
// rounds, from scratch by the dual simplex, which a warm start far from
// the optimum is slower than. Once a warm start has given up, the next is
// tried only after a round that added at most a quarter as many plans:
// on the larger amil-makhdoumi-wei setup (2,000 orders, 2,500 rows) a
// round that adds 400 plans takes about 1,400 warm iterations against
// 7,500 cold, but the masters of the jasin-sinha replays' hindsight bound
// are degenerate for the primal simplex, where 500 plans can take more
// than 3,600 warm iterations against 7,200 cold (and cheaper ones).
func (ms *master) solve(ctx context.Context, last *lp.Basis, added int, deadline time.Time) (*lp.Result, error) {
	set := lp.Settings{Start: ms.carry(last)}
	if !deadline.IsZero() {
		set.TimeLimit = max(time.Until(deadline), time.Second)
	}
	if set.Start != nil && ms.cold > 0 && added*3 <= len(ms.convex) && (ms.gaveUp == 0 || added*4 <= ms.gaveUp) {
		warm := set
		warm.MaxIterations = max(100, ms.cold/2)
		res, err := lp.Solve(ctx, ms.lp, warm)
		if err != nil || res.Status != lp.StatusIterationLimit {
			ms.gaveUp = 0
			return res, err
		}
		ms.iterations += res.Iterations
		ms.gaveUp = added
	}
	set.Start = nil
	res, err := lp.Solve(ctx, ms.lp, set)
	if err == nil && res.Status == lp.StatusOptimal {
		ms.cold = res.Iterations
	}
	return res, err
}

// carry maps the last solve's basis onto the grown model: the new columns
// start at 0, the new rows with their logicals basic.
func (ms *master) carry(b *lp.Basis) *lp.Basis {
	nv, nr := ms.lp.NumVars(), ms.lp.NumRows()
	defer func() { ms.lastVars, ms.lastRows = nv, nr }()
	if b == nil {
		return nil
	}
	vars := make([]int, nv)
	for j := range vars {
		vars[j] = -1
		if j < ms.lastVars {
			vars[j] = j
		}
	}
	rows := make([]int, nr)
	for i := range rows {
		rows[i] = -1
		if i < ms.lastRows {
			rows[i] = i
		}
	}
	return b.Map(vars, rows)
}

// upper is the upper bound of order o's plans' weights: its count when
// boxed, else none.
func (ms *master) upper(o int) float64 {
	if ms.boxed {
		return ms.count[o]
	}
	return lp.Inf
}

// bestPriced returns, for each order, the priced cost (its real cost
// plus its units at the shared rows' prices) of its best plan in the
// master at res's duals: the reference a new plan must beat. It is the
// order's convexity dual but where one of its plans sits at its upper
// bound (all the order's weight, in a boxed master) with a negative
// reduced cost d: the dual of that bound then carries -d, and the plan's
// priced cost is the convexity dual plus d. Comparing with the convexity
// dual there would add that very plan again.
func (ms *master) bestPriced(res *lp.Result) []float64 {
	best := make([]float64, len(ms.convex))
	for o, row := range ms.convex {
		best[o] = res.Dual[row]
	}
	if !ms.boxed {
		return best
	}
	for j, o := range ms.colOrder {
		if d := res.ReducedCost[j]; d < 0 && res.X[j] >= ms.count[o]-fracTol {
			best[o] = min(best[o], res.Dual[ms.convex[o]]+d)
		}
	}
	return best
}

// rowPrices sets m[j] to shared row j's price at the master's duals:
// what one more unit of its limit is worth (0 for a row no plan draws on).
func (ms *master) rowPrices(dual []float64, m []float64) {
	for j, row := range ms.row {
		m[j] = 0
		if row >= 0 {
			m[j] = max(0, -dual[row])
		}
	}
}

// unitPrices sets unit[j] to what a unit drawing on shared row j pays at
// the rows' prices m: the price of every row it counts in (a stock row's
// own and its supply's later epochs').
func (ms *master) unitPrices(m []float64, unit []float64) {
	copy(unit, m)
	for j := len(unit) - 1; j >= 0; j-- {
		if next := j + 1; next < int(ms.last[j]) {
			unit[j] += unit[next]
		}
	}
}

// lagValue is L at the rows' prices m, given each order's priced optimum
// at them, summed in order index.
func lagValue(orders []lagOrder, results []lagResult, m, limit []float64) float64 {
	var value float64
	for j, v := range m {
		value -= v * limit[j]
	}
	for o := range results {
		value += orders[o].copies * results[o].value
	}
	return value
}

// addPlan adds order o's plan of the round as a column of the master.
func (ms *master) addPlan(o int, ord *lagOrder, res *lagResult) {
	ms.cols, ms.vals = append(ms.cols[:0], ms.convex[o]), append(ms.vals[:0], 1)
	for _, e := range ms.gather(ord, res.use) {
		if ms.row[e.row] < 0 {
			ms.row[e.row] = ms.lp.AddRow("", -lp.Inf, ms.limit[e.row], nil, nil)
			ms.rows++
		}
		ms.cols, ms.vals = append(ms.cols, ms.row[e.row]), append(ms.vals, e.units)
	}
	ms.lp.AddColumn("", 0, ms.upper(o), res.real, ms.cols, ms.vals)
	ms.colOrder, ms.colUse = append(ms.colOrder, int32(o)), append(ms.colUse, slices.Clone(res.use))
}

// gather returns the shared rows a plan drawing use of ord's cells counts
// in, once each in row order with its units (in ms.entries, valid until
// the next call).
func (ms *master) gather(ord *lagOrder, use []lagUse) []lagEntry {
	ms.entries = ms.entries[:0]
	for _, u := range use {
		c := ord.cells[u.cell]
		for j := c.stock; j < ms.last[c.stock]; j++ {
			ms.entries = append(ms.entries, lagEntry{int(j), float64(u.units)})
		}
		if c.capacity >= 0 {
			ms.entries = append(ms.entries, lagEntry{int(c.capacity), float64(u.units)})
		}
	}
	slices.SortFunc(ms.entries, func(a, b lagEntry) int { return cmp.Compare(a.row, b.row) })
	merged := ms.entries[:0]
	for _, e := range ms.entries {
		if n := len(merged); n > 0 && merged[n-1].row == e.row {
			merged[n-1].units += e.units
			continue
		}
		merged = append(merged, e)
	}
	ms.entries = merged
	return merged
}

// values mixes each order's plans by the master's solution x.
func (ms *master) values(orders []lagOrder, x []float64) []OrderValues {
	out := make([]OrderValues, len(orders))
	for o := range orders {
		out[o].Units = make([]float64, len(orders[o].prob.Available))
	}
	for j, w := range x[:min(len(x), len(ms.colOrder))] {
		if w <= 0 {
			continue
		}
		o := ms.colOrder[j]
		for _, u := range ms.colUse[j] {
			out[o].Units[orders[o].cells[u.cell].at] += w * float64(u.units)
		}
	}
	return out
}
