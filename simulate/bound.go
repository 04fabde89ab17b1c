package simulate

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/omniroute/omniroute/joint"
	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// The hindsight bound (Config.Bound). Every order of the replay is known in
// advance: a relaxation of routing all of them together (package joint) on
// the scenario's starting stock, its replenishments and its nodes' daily
// capacities is a lower bound on the total_cost_with_lost_sales of any
// policy on that replay, and gap_to_bound = (total_cost_with_lost_sales -
// bound) / bound says how much a policy leaves to win.
//
// What the replay enforces, and how the bound keeps it:
//   - each order's options, costs, ETAs, promise, hours, weight limits and
//     shipment rules: its problem is built as the replay builds it (the
//     same clock, the same recorded quotes and road distances), on a view
//     that offers every (node, SKU) that ever holds stock during the
//     replay, so that no option a policy could use is missing;
//   - stock: the starting available-to-promise plus the arrivals of the
//     replenishments file, shared by all orders; a unit that arrives at t
//     serves only orders the replay handles at t or later (the replay's
//     clock), relaxed by the batch window when the batch policy is run (it
//     may route an order up to one window later);
//   - daily capacity: the units a node picks per local day, over the
//     orders of that day (the day of the replay's clock);
//   - what the method below relaxes, which keeps it a bound.
//
// An LP stopped at its time limit (Config.BoundTimeLimit) still gives a
// bound: what the duals of the basis it stopped at prove (the Lagrangian
// bound, lp.Result.LowerBound), below the LP's optimum by what the solve
// had left to do; the result says so (bound_note) and has no hindsight
// routing.
//
// A line without a lost-sale price costs nothing when left unfilled, in the
// KPIs as in the bound, while every policy fills it when it can: without
// prices the bound is weak.
//
// Two methods compute it (Config.BoundMethod). The default, the Lagrangian
// bound (joint.Lagrangian), keeps the orders' problems (up to
// BoundMaxCells options x lines) but no model over them: the orders are
// solved one by one at prices on the stock and capacity they share, in
// rounds of column generation until the prices settle. It keeps every
// rule of the per-order solver (a shipment's fixed cost and the per-order
// lost-sale cost whole, lines whole where they must be), so it is at least
// the LP's bound (on the 2-day jasin-sinha replay of the README, the
// integer hindsight optimum itself). The LP
// (BoundLP) relaxes what cannot be written linearly: a shipment's fixed
// cost and the per-order lost-sale cost are charged in proportion (y and v
// in [0,1]), and a line that must come whole from one shipment may be
// split. Its model grows with orders x options x lines: above
// Config.BoundMaxVars columns the bound is skipped and the result says so
// (bound_note). Either way the same orders are then routed in hindsight,
// from the relaxation's (or the master's) values, and the result says
// which method bounded it (bound_method).

// PolicyHindsight names the hindsight routing's rows in the decisions file
// (Config.Decisions with Config.Bound): not a policy a replay can run, the
// routing of a clairvoyant that knew every order.
const PolicyHindsight = "hindsight"

// DefaultBoundMaxVars is the largest hindsight model (columns) simulate
// solves when Config.BoundMaxVars is 0.
const DefaultBoundMaxVars = 400_000

// DefaultBoundTimeLimit bounds one scenario's hindsight bound: its
// Lagrangian rounds, or its LP.
const DefaultBoundTimeLimit = 10 * time.Minute

// The methods of the hindsight bound (Config.BoundMethod).
const (
	// BoundLagrangian is the Lagrangian bound (joint.Lagrangian), the
	// default: any size up to BoundMaxCells, at least the LP's bound.
	BoundLagrangian = "lagrangian"
	// BoundLP is the joint linear programme (joint.Solve), skipped above
	// Config.BoundMaxVars columns.
	BoundLP = "lp"
)

// BoundMaxCells is the most (option, line) entries, over all orders, whose
// problems the Lagrangian bound keeps in memory; a larger replay has no
// bound. (The 20,000-order, 300-node replay of the README, bound and
// hindsight routing included, peaks at about 680 MB.)
const BoundMaxCells = 20_000_000

// ScenarioBound is the hindsight bound of one scenario.
type ScenarioBound struct {
	// Bound is the optimum, valid when OK.
	Bound float64
	OK    bool
	// Note says why there is no bound (too large, stopped at a limit).
	Note string
	// Vars and Rows are the model's size (the Lagrangian master's columns
	// and shared rows); SolveMS its time; Rounds the Lagrangian rounds.
	Vars, Rows, Rounds int
	SolveMS            float64
	// Method is BoundLP or BoundLagrangian.
	Method string
	// Hindsight is what the orders cost routed jointly with every one of
	// them known: the bound's relaxation (BoundLP) or Lagrangian master
	// (BoundLagrangian) dived and each order repaired on what is left
	// (joint.Relaxation.Keep, joint.Lagrange.Route, as the batch policy
	// routes a wave), a routing a clairvoyant could make, so the best
	// possible lies between Bound and Hindsight. Valid when HindsightOK.
	Hindsight   float64
	HindsightOK bool
	// kinds sums the hindsight routing's costs by kind of order
	// (Result.GapByKind); set with Hindsight.
	kinds *kindTally
	// lent are the safety and reserved units of the rows the tills sell
	// from that the bound counts as stock (live falls; walkIns).
	lent int64
}

// everStocked is the stock view the bound builds problems on: every (node,
// SKU) with stock at the start or an arrival later, with a quantity no
// order reaches (the shared rows limit it).
type everStocked struct {
	table *stock.Table
	nodes map[string][]int // SKU -> nodes, ascending
}

// plenty stands for "as much as any order asks".
const plenty = math.MaxInt32 / 4

var (
	_ network.StockView  = (*everStocked)(nil)
	_ network.SKUCatalog = (*everStocked)(nil)
)

// ATP implements network.StockView.
func (v *everStocked) ATP(node int, sku string) int32 {
	if _, ok := slices.BinarySearch(v.nodes[sku], node); ok {
		return plenty
	}
	return 0
}

// EachATP implements network.StockView.
func (v *everStocked) EachATP(sku string, fn func(node int, atp int32)) {
	for _, n := range v.nodes[sku] {
		fn(n, plenty)
	}
}

// KnownSKU implements network.SKUCatalog: the replay's table's catalogue.
func (v *everStocked) KnownSKU(sku string) bool { return v.table.KnownSKU(sku) }

// hindsightBound computes the bound of scenario sc, whose starting stock is
// table; relax is how much later than its clock an order may be routed
// (the batch window, when the batch policy runs).
func (r *Config) hindsightBound(ctx context.Context, sc *prepared, table *stock.Table, relax time.Duration, dw *bufio.Writer) (ScenarioBound, error) {
	net := sc.net
	maxVars := r.BoundMaxVars
	if maxVars <= 0 {
		maxVars = DefaultBoundMaxVars
	}
	lagrange := r.BoundMethod != BoundLP
	inst := &joint.Instance{}
	supplyIdx := map[string]map[int]int{} // SKU -> node -> index in inst.Supply
	addSupply := func(node int, sku string) *joint.Supply {
		m := supplyIdx[sku]
		if m == nil {
			m = map[int]int{}
			supplyIdx[sku] = m
		}
		if i, ok := m[node]; ok {
			return &inst.Supply[i]
		}
		m[node] = len(inst.Supply)
		inst.Supply = append(inst.Supply, joint.Supply{Node: int32(node), SKU: sku})
		return &inst.Supply[len(inst.Supply)-1]
	}
	for _, row := range table.Snapshot() {
		s := addSupply(row.Node, row.SKU)
		s.Start = int64(row.OnHand) - int64(row.Reserved) - int64(row.Safety)
	}
	// With live falls, the tills' sales (walkIns).
	var falls []Replenishment
	if src := sc.reps; src != nil {
		reps, err := OpenReplenishments(src, net, r.SkipBad)
		if err != nil {
			return ScenarioBound{}, err
		}
		defer reps.Close()
		for {
			rep, err := reps.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return ScenarioBound{}, err
			}
			if rep.Node >= table.Nodes() || rep.Qty == 0 {
				continue
			}
			if rep.Qty < 0 {
				if r.LiveFalls {
					falls = append(falls, rep)
				}
				continue
			}
			s := addSupply(rep.Node, rep.SKU)
			s.Arrivals = append(s.Arrivals, joint.Arrival{At: rep.At, Units: int64(rep.Qty)})
		}
	}
	view := &everStocked{table: table, nodes: map[string][]int{}}
	for i := range inst.Supply {
		s := &inst.Supply[i]
		ever := s.Start > 0
		for _, a := range s.Arrivals {
			if ever {
				break
			}
			ever = s.Start+a.Units > 0
		}
		if ever {
			view.nodes[s.SKU] = append(view.nodes[s.SKU], int(s.Node))
		}
	}
	for _, nodes := range view.nodes {
		slices.Sort(nodes)
	}

	// The orders, as the replay meets them.
	orders, err := OpenOrders(r.Orders, r.SkipBad)
	if err != nil {
		return ScenarioBound{}, err
	}
	defer orders.Close()
	caps := table.Clone()
	caps.ResetDay()
	st := &replayState{base: r.Network, net: net, redirect: sc.redirect, table: table, builder: network.NewBuilder(net, nil),
		tz: time.Duration(net.Policy.TZOffsetMinutes) * time.Minute}
	if r.Quotes != nil {
		st.recorded = r.Quotes.Bind(net)
	}
	if err := st.roads(net); err != nil {
		return ScenarioBound{}, err
	}
	days := map[int64]bool{}
	var p solver.Problem
	// seen are the orders of inst.Orders, for their decisions, and kinds
	// their kinds (kindOf).
	var seen []network.Order
	var kinds []uint8
	vars, cells := 0, 0
	// lost sums each SKU's lines' lost-sale prices and units, for the
	// walk-in price (as KPIs.WalkInLostCost).
	var lost map[string]*[2]float64
	if len(falls) > 0 {
		lost = map[string]*[2]float64{}
	}
	for n := 0; ; n++ {
		if n%checkEvery == 0 && ctx.Err() != nil {
			return ScenarioBound{}, ctx.Err()
		}
		o, err := orders.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return ScenarioBound{}, err
		}
		if o.CreatedAt.After(st.clock) {
			st.clock = o.CreatedAt
		}
		day := localDay(st.clock, st.tz)
		st.prepare(o)
		if err := st.builder.BuildEligible(o, view, nil, &p); err != nil {
			if errors.Is(err, network.ErrInvalidOrder) && r.SkipBad {
				continue
			}
			return ScenarioBound{}, fmt.Errorf("bound: order %s: %w", o.ID, err)
		}
		vars += len(p.Options)*len(p.Lines) + len(p.Options) + len(p.Lines) + 2
		cells += len(p.Options) * len(p.Lines)
		if vars > maxVars && !lagrange {
			return ScenarioBound{Note: fmt.Sprintf("skipped: the hindsight model passes %d columns by order %d (--bound-max-vars)", maxVars, n+1)}, nil
		}
		if lagrange && cells > BoundMaxCells {
			return ScenarioBound{Note: fmt.Sprintf("skipped: the orders' problems pass %d options x lines by order %d, too many to keep for the Lagrangian bound", BoundMaxCells, n+1)}, nil
		}
		days[day] = true
		inst.Orders = append(inst.Orders, joint.Order{Problem: cloneProblem(&p), At: st.clock.Add(relax), Day: day})
		if lost != nil {
			for _, l := range p.Lines {
				s := lost[l.SKU]
				if s == nil {
					s = new([2]float64)
					lost[l.SKU] = s
				}
				s[0] += l.LostSaleCost * float64(l.Quantity)
				s[1] += float64(l.Quantity)
			}
		}
		if dw != nil {
			seen = append(seen, network.Order{ID: o.ID, CreatedAt: o.CreatedAt})
		}
		kinds = append(kinds, kindOf(o))
	}
	var lent int64
	if len(falls) > 0 {
		var n int
		n, lent = walkIns(inst, net, table, falls, lost, supplyIdx)
		vars += 5 * n
		cells += n
		if vars > maxVars && !lagrange {
			return ScenarioBound{Note: fmt.Sprintf("skipped: the hindsight model with the tills' sales passes %d columns (--bound-max-vars)", maxVars)}, nil
		}
		if lagrange && cells > BoundMaxCells {
			return ScenarioBound{Note: fmt.Sprintf("skipped: the orders' and the tills' problems pass %d options x lines, too many to keep for the Lagrangian bound", BoundMaxCells)}, nil
		}
	}
	dayList := make([]int64, 0, len(days))
	for d := range days {
		dayList = append(dayList, d)
	}
	slices.Sort(dayList)
	for node := 0; node < caps.Nodes(); node++ {
		c := caps.Remaining(node)
		if c < 0 {
			continue
		}
		for _, d := range dayList {
			inst.Capacity = append(inst.Capacity, joint.Capacity{Node: int32(node), Day: d, Units: int64(c)})
		}
	}
	if r.BoundLPDir != "" {
		if err := writeBoundLP(filepath.Join(r.BoundLPDir, BoundLPFile(sc.name)), inst, maxVars); err != nil && !errors.Is(err, joint.ErrTooLarge) {
			return ScenarioBound{}, err
		}
	}
	limit := r.BoundTimeLimit
	if limit <= 0 {
		limit = DefaultBoundTimeLimit
	}
	if lagrange {
		b, err := r.lagrangeBound(ctx, sc, inst, limit, seen, kinds, dw)
		b.lent = lent
		return b, err
	}
	// One solve gives the bound (its first optimum) and, dived, the
	// shares of the hindsight routing.
	t0 := time.Now()
	rel, err := joint.Solve(ctx, inst, joint.Settings{MaxVars: maxVars, Dive: joint.DefaultDive, LP: lp.Settings{TimeLimit: limit, MaxIterations: r.BoundMaxIterations}})
	if errors.Is(err, joint.ErrTooLarge) {
		return ScenarioBound{Note: fmt.Sprintf("skipped: the hindsight model passes %d columns (--bound-max-vars)", maxVars)}, nil
	}
	if err != nil {
		return ScenarioBound{}, fmt.Errorf("bound: %w", err)
	}
	b := ScenarioBound{Vars: rel.Vars, Rows: rel.Rows, SolveMS: round(float64(time.Since(t0).Microseconds())/1000, 1), Method: BoundLP,
		lent: lent}
	if rel.Status != lp.StatusOptimal {
		if math.IsInf(rel.LowerBound, -1) || rel.LowerBound <= 0 {
			b.Note = fmt.Sprintf("no bound: the LP stopped (%s) after %d iterations", rel.Status, rel.Iterations)
			return b, nil
		}
		// What the duals proved by then is still a bound, a weaker one;
		// rounded down so that rounding does not lift it.
		b.Bound, b.OK = math.Floor(rel.LowerBound*1e4)/1e4, true
		b.Note = fmt.Sprintf("weaker bound: the LP stopped (%s) after %d iterations, and the bound is what its duals proved by then, below the LP's optimum; no hindsight routing", rel.Status, rel.Iterations)
		return b, nil
	}
	b.Bound, b.OK = round(rel.Bound, 4), true
	// The same orders routed in hindsight: each repaired exactly on what
	// is left, with the dived shares or the first optimum's, whichever
	// routes cheaper.
	err = r.hindsight(&b, sc, inst, rel.StockValues, func() (*joint.Batch, error) {
		return rel.Keep(ctx, inst, solver.Settings{Alternatives: -1})
	}, seen, kinds, dw)
	return b, err
}

// hindsight writes a scenario's bound prices, values by inst.Supply, into
// Config.BoundPricesDir when set, then routes its orders in hindsight with
// route: the cost into b, with the costs by kind of order (kinds are
// inst's orders' kinds), the decisions into dw when set (seen are inst's
// orders).
func (r *Config) hindsight(b *ScenarioBound, sc *prepared, inst *joint.Instance, values []float64, route func() (*joint.Batch, error), seen []network.Order, kinds []uint8, dw *bufio.Writer) error {
	if r.BoundPricesDir != "" {
		if err := writeBoundPrices(filepath.Join(r.BoundPricesDir, BoundPricesFile(sc.name)), sc.net, inst, values); err != nil {
			return err
		}
	}
	hs, err := route()
	if err != nil {
		return fmt.Errorf("bound: hindsight routing: %w", err)
	}
	b.Hindsight, b.HindsightOK = round(hs.Cost, 4), true
	b.kinds = new(kindTally)
	for i, k := range kinds {
		b.kinds.add(k, &hs.Problems[i], hs.Plans[i])
	}
	for i := range seen {
		writeDecisions(dw, &seen[i], PolicyHindsight, sc.name, &hs.Problems[i], &hs.Problems[i], hs.Plans[i])
	}
	return nil
}

// lagrangeBound is the Lagrangian bound of inst (joint.Lagrangian): its
// rounds bounded by Config.BoundRounds and limit, its orders solved on the
// replay's workers, its master boxed; then its hindsight routing (joint.Lagrange.Route),
// written to dw as decisions when dw is set (seen are inst's orders).
func (r *Config) lagrangeBound(ctx context.Context, sc *prepared, inst *joint.Instance, limit time.Duration, seen []network.Order, kinds []uint8, dw *bufio.Writer) (ScenarioBound, error) {
	workers := r.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	t0 := time.Now()
	// One large master over single orders: boxed (joint.LagrangeSettings.Boxed).
	set := joint.LagrangeSettings{Rounds: r.BoundRounds, TimeLimit: limit, Workers: workers, Dive: true, Boxed: true}
	if f := r.BoundProgress; f != nil {
		set.OnRound = func(rr joint.RoundReport) { f(BoundProgress{Scenario: sc.name, RoundReport: rr}) }
	}
	lag, err := joint.Lagrangian(ctx, inst, set)
	if err != nil {
		return ScenarioBound{}, fmt.Errorf("bound: %w", err)
	}
	b := ScenarioBound{Method: BoundLagrangian, Vars: lag.Columns, Rows: lag.Rows, Rounds: lag.Rounds,
		SolveMS: round(float64(time.Since(t0).Microseconds())/1000, 1)}
	if lag.Bound <= 0 && len(inst.Orders) > 0 {
		b.Note = fmt.Sprintf("no bound: the Lagrangian rounds proved none in %d rounds", lag.Rounds)
		return b, nil
	}
	// Rounded down, so that rounding does not lift it.
	b.Bound, b.OK = math.Floor(lag.Bound*1e4)/1e4, true
	if !lag.Converged {
		b.Note = fmt.Sprintf("weaker bound: the Lagrangian rounds stopped after %d (--bound-rounds, --bound-time-limit) %.4f below their master's %.4f", lag.Rounds, lag.Master-lag.Bound, lag.Master)
	}
	// The same orders routed in hindsight: each repaired exactly on what
	// is left, keeping its share of the master's plans from the orders
	// before it.
	err = r.hindsight(&b, sc, inst, lag.StockValues, func() (*joint.Batch, error) {
		return lag.Route(ctx, inst, solver.Settings{Alternatives: -1})
	}, seen, kinds, dw)
	return b, err
}

// BoundLPFile is the file name Config.BoundLPDir gives a scenario's
// hindsight model: its name, every character but letters, digits, '.',
// '_' and '-' replaced by '_', then ".lp".
func BoundLPFile(scenario string) string { return fileStem(scenario) + ".lp" }

// BoundPricesFile is the file name Config.BoundPricesDir gives a
// scenario's hindsight prices: its name as in BoundLPFile, then
// ".prices.csv".
func BoundPricesFile(scenario string) string { return fileStem(scenario) + ".prices.csv" }

// fileStem is scenario with every character but letters, digits, '.', '_'
// and '-' replaced by '_'.
func fileStem(scenario string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		}
		return '_'
	}, scenario)
}

// writeBoundPrices writes the stock values of rel, the relaxation of
// inst over net, to path as a prices file: every (node, SKU) of the
// instance, by node id then SKU.
func writeBoundPrices(path string, net *network.Network, inst *joint.Instance, values []float64) error {
	prices := make([]planning.Price, len(inst.Supply))
	for i, s := range inst.Supply {
		prices[i] = planning.Price{Node: int(s.Node), NodeID: net.Nodes[s.Node].ID, SKU: s.SKU, Price: values[i]}
	}
	planning.SortPrices(prices)
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bound: %w", err)
	}
	if err := planning.WritePricesCSV(f, prices); err != nil {
		f.Close()
		return fmt.Errorf("bound: %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("bound: %w", err)
	}
	return nil
}

// writeBoundLP writes the hindsight model of inst to path.
func writeBoundLP(path string, inst *joint.Instance, maxVars int) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("bound: %w", err)
	}
	if err := joint.WriteLP(f, inst, maxVars); err != nil {
		f.Close()
		return fmt.Errorf("bound: %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("bound: %w", err)
	}
	return nil
}

// cloneProblem returns a deep copy of p.
func cloneProblem(p *solver.Problem) *solver.Problem {
	c := *p
	c.Lines = slices.Clone(p.Lines)
	c.Options = slices.Clone(p.Options)
	c.Available = slices.Clone(p.Available)
	c.UnitCost = slices.Clone(p.UnitCost)
	return &c
}

// walkInDay is the capacity day of the tills' walk-in orders: no Capacity
// names it, for a till sale picks nothing.
const walkInDay = math.MinInt64

// walkIns adds the tills' sales of a replay with live falls to inst, after
// its orders (so that the orders' kinds and decisions stay theirs): each
// fall an order of one line, the units it asks for, served by its node
// only, at no cost, and lost at its SKU's walk-in price (the network's
// Policy.WalkInLostSaleCost of its mean lost-sale price over the orders'
// lines, lost), as the replay prices a walk-in unit short; a SKU without a price is left
// out (its shortfall costs nothing, and the sale's units stay stock). A
// live fall takes what is on hand, the safety stock and the reserved units
// too, so a row it sells from counts them as stock: for the orders as
// well, a relaxation, and the bound stays one. It returns the orders
// added and the units so lent.
func walkIns(inst *joint.Instance, net *network.Network, table *stock.Table, falls []Replenishment, lost map[string]*[2]float64, supplyIdx map[string]map[int]int) (n int, lent int64) {
	raised := map[int]bool{} // supplies whose start counts their safety and reserved units
	for _, f := range falls {
		if f.Adjustment {
			continue // not demand: its units stay stock, a relaxation
		}
		price := net.WalkInLostSaleCost(f.Node, meanLost(lost[f.SKU]))
		if price <= 0 {
			continue
		}
		if i, ok := supplyIdx[f.SKU][f.Node]; ok && !raised[i] {
			raised[i] = true
			if row, ok := table.Get(f.Node, f.SKU); ok {
				lent += int64(row.OnHand) - inst.Supply[i].Start
				inst.Supply[i].Start = int64(row.OnHand)
			}
		}
		units := -f.Qty
		inst.Orders = append(inst.Orders, joint.Order{At: f.At, Day: walkInDay, Problem: &solver.Problem{
			Lines:      []solver.Line{{SKU: f.SKU, Quantity: units, LostSaleCost: price}},
			Options:    []solver.Option{{Node: int32(f.Node), NodeID: net.Nodes[f.Node].ID, Method: solver.Pickup, CapacityUnits: -1}},
			Available:  []int32{units},
			UnitCost:   []float64{0},
			SplitLines: true,
		}})
		n++
	}
	return n, lent
}
