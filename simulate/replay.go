package simulate

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/omniroute/omniroute/distance"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/quote"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// DecisionHeader is the header of the decisions file. There is one row per
// shipment, and one row with method UNFILLED listing the units an order
// leaves unfilled (a line in whole or in part); lines are "sku:qty" joined
// by ";". reason is empty for shipments; for unfilled lines it gives, line
// by line, why: UNECONOMIC for units the solver chose not to ship, else see
// unfilledReason. cost is the shipment's cost, or on the UNFILLED row the
// order's lost-sale cost (Plan.LostSaleCost).
const DecisionHeader = "order_id,policy,scenario,created_at,node,method,partner,lines,units,cost,eta_minutes,distance_km,reason"

// checkEvery is how many orders a replay handles between looks at its
// context and progress.
const checkEvery = 1024

// replay is one (policy, scenario) run over the orders file.
type replay struct {
	cfg       *Config
	job       *job
	settings  solver.Settings
	decisions *os.File
	// planWorkers is how many samples of a plan by orders are solved at
	// once.
	planWorkers int
}

// replayState is what a replay consumes and updates, order by order.
type replayState struct {
	base *network.Network // the baseline network
	net  *network.Network // the scenario's network
	// redirect is the scenario's cost of collecting a named pickup at
	// another store (0: not allowed; see pickupAt).
	redirect float64
	table    *stock.Table
	builder  *network.Builder
	policy   Policy
	// settings are the solver's, for a policy that solves.
	settings solver.Settings
	acc      *accumulator
	// kinds sums the orders' costs by kind, for Result.GapByKind.
	kinds kindTally
	// problem is the order's lean problem (network.Builder.BuildEligible):
	// the options that are not excluded, which is all a policy looks at.
	problem solver.Problem
	// explain is set when decisions are written: an order left partly
	// unfilled with no usable option then gets its full problem in full,
	// and reasons points at the problem that explains its unfilled lines.
	explain bool
	full    solver.Problem
	reasons *solver.Problem

	tz    time.Duration
	clock time.Time
	day   int64
	reps  *Replenishments
	nextR Replenishment
	// nextSKU is nextR's SKU (nextR.SKU is empty): found in the table by
	// its bytes.
	nextSKU []byte
	hasR    bool
	repSeq  uint64
	// transfers applies the scenario's transfer plan (nil: none).
	transfers *transferRun

	invalid int64

	// dw receives the decisions (nil: none), under policyName and
	// scenario.
	dw                   *bufio.Writer
	policyName, scenario string
	// wave holds a batch policy's orders until they leave together (nil
	// for other policies).
	wave *wave
	// planner keeps a look-ahead policy's prices (nil for other policies).
	planner *replayPlanner

	// What a build reads besides stock, when the replay has it: recorded
	// quotes and a road distance matrix (no I/O: both are in memory).
	recorded *quote.RecordedTable
	matrix   *distance.Matrix
	live     network.Live
	trips    []network.TripCandidate
}

func (r *replay) run(ctx context.Context) (Result, ReadStats, error) {
	j := r.job
	res := Result{Policy: j.policy, Scenario: j.scen.name}
	net := j.scen.net
	pol, err := r.cfg.registry().New(j.policy, net)
	if err != nil {
		return res, ReadStats{}, err
	}
	st := &replayState{
		base:     r.cfg.Network,
		net:      net,
		redirect: j.scen.redirect,
		table:    j.table.Clone(),
		builder:  network.NewBuilder(net, nil),
		policy:   pol,
		settings: r.settings,
		acc:      newAccumulator(net),
		explain:  r.decisions != nil,
		tz:       time.Duration(net.Policy.TZOffsetMinutes) * time.Minute,
		day:      -1 << 62,
	}
	if pp, ok := pol.(policy.Planned); ok && r.cfg.Prices != nil {
		pp.Prices().Set(r.cfg.Prices, r.cfg.PricesAt)
	} else if ok {
		if st.planner, err = newReplayPlanner(ctx, r.cfg, j.scen.reps, r.planWorkers, net, st.pickupAt, pp.Prices()); err != nil {
			return res, ReadStats{}, err
		}
		defer st.planner.close()
	}
	if r.cfg.LiveFalls {
		st.acc.walkInShortBy, st.acc.lostBy = map[walkInRow]int64{}, map[string]*[2]float64{}
	}
	// The replay numbers its arrivals above every sequence number the
	// starting stock carries, so that each of them applies.
	st.repSeq = st.table.MaxSeq()
	var stockBefore []int64
	if len(j.scen.transfers) > 0 {
		st.transfers = newTransferRun(j.scen.transfers, len(net.Nodes))
		stockBefore = onHandByNode(st.table)
	}
	if r.cfg.Quotes != nil {
		st.recorded = r.cfg.Quotes.Bind(net)
	}
	if err := st.roads(net); err != nil {
		return res, ReadStats{}, err
	}

	orders, err := OpenOrders(r.cfg.Orders, r.cfg.SkipBad)
	if err != nil {
		return res, ReadStats{}, err
	}
	defer orders.Close()
	if src := j.scen.reps; src != nil {
		if st.reps, err = OpenReplenishments(src, net, r.cfg.SkipBad); err != nil {
			return res, ReadStats{}, err
		}
		defer st.reps.Close()
		if err := st.advanceReplenishment(); err != nil {
			return res, ReadStats{}, err
		}
	}
	if r.decisions != nil {
		st.dw = bufio.NewWriterSize(r.decisions, 256<<10)
		st.policyName, st.scenario = j.policy, j.scen.name
	}
	if w, ok := pol.(waves); ok {
		st.wave = &wave{window: r.cfg.batchWindow(), router: w}
	}

	var runErr error
	for n := 0; ; n++ {
		if n%checkEvery == 0 {
			j.read.Store(orders.BytesRead())
			if ctx.Err() != nil {
				res.Partial = true
				runErr = ErrInterrupted
				break
			}
		}
		o, err := orders.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			runErr = err
			break
		}
		err = st.handle(ctx, o)
		if err != nil {
			if errors.Is(err, network.ErrInvalidOrder) {
				err = fmt.Errorf("%s:%d: order %s: %w", orders.Name(), orders.Line(), o.ID, err)
				if r.cfg.SkipBad {
					st.invalid++
					if len(res.Rejected) < MaxSkipNotes {
						res.Rejected = append(res.Rejected, err.Error())
					}
					continue
				}
			}
			runErr = err
			break
		}
	}
	if runErr == nil && st.wave != nil {
		// The last wave leaves at its time, with the arrivals before it.
		runErr = st.release(ctx, st.wave.at)
	}
	for runErr == nil && r.cfg.LiveFalls && st.hasR {
		// The falls after the last order still ask for their units.
		runErr = st.applyReplenishment()
	}
	j.read.Store(orders.BytesRead())
	if st.dw != nil {
		if err := st.dw.Flush(); err != nil && runErr == nil {
			runErr = fmt.Errorf("decisions: %w", err)
		}
	}
	res.KPIs, res.Series = st.acc.kpis(net)
	res.UneconomicUnsold = st.acc.unsold(st.table)
	res.kinds = &st.kinds
	if tr := st.transfers; tr != nil {
		res.TransferCost = round(tr.cost(net), 4)
		res.TransferUnits, res.TransferShortUnits, res.SupplyUnits = tr.moved, tr.short, tr.placed
		res.TotalWithLost = round(res.TotalCost+res.LostSaleCost+res.TransferCost, 4)
		res.Series.NodeStockBefore = stockBefore
		res.Series.NodeTransferIn, res.Series.NodeTransferOut = tr.in, tr.out
	}
	if st.planner != nil {
		res.Plans, res.PlanFailures = st.planner.plans, st.planner.failures
		if st.planner.planned {
			res.PlanHorizon = st.planner.horizon.String()
			res.PlanInterval = st.planner.interval.String()
			res.PlanModel = PlanDemand
			if st.planner.byOrders {
				res.PlanModel = PlanOrders
			}
		}
		if !st.planner.seasonEnd.IsZero() {
			res.SeasonEnd = st.planner.seasonEnd.UTC().Format(time.RFC3339)
			single, perUnit := st.planner.board.Outcomes().Later()
			res.Keep = &KeepInputs{SingleUnitShare: round(single, 4), ShippingPerUnit: round(perUnit, 4)}
		}
	}
	stats := orders.Stats()
	res.InvalidOrders = st.invalid + stats.SkippedOrders
	return res, stats, runErr
}

// handle replays one order: it moves the clock (releasing a batch wave
// whose time has come), resets capacities at local midnight, applies due
// replenishments, builds the lean problem, lets the policy choose and
// commits the plan; a batch policy's non-express order joins the wave
// instead. Policies see only options that are not excluded, so the lean
// problem gives the plan the full one would.
func (st *replayState) handle(ctx context.Context, o *network.Order) error {
	clock := st.clock
	if o.CreatedAt.After(clock) {
		clock = o.CreatedAt
	}
	if w := st.wave; w != nil && len(w.orders) > 0 && !w.at.After(clock) {
		if err := st.release(ctx, w.at); err != nil {
			return err
		}
	}
	st.clock = clock
	if d := localDay(st.clock, st.tz); d != st.day {
		st.day = d
		st.table.ResetDay()
	}
	if err := st.replenishUntil(st.clock); err != nil {
		return err
	}
	if w := st.wave; w != nil && !w.express(o) {
		keeps, err := st.waitKeepsPromise(o)
		if err != nil {
			return err
		}
		if keeps {
			return st.join(o)
		}
	}
	st.prepare(o)
	if st.planner != nil {
		st.planner.before(st.clock, st.table)
	}
	if err := st.builder.BuildEligible(o, st.table, st.table, &st.problem); err != nil {
		return err
	}
	t0 := time.Now()
	plan, err := st.policy.Choose(&st.problem, st.settings)
	took := time.Since(t0)
	if err != nil {
		return fmt.Errorf("order %s: %s: %w", o.ID, st.policy.Name(), err)
	}
	return st.record(o, &st.problem, plan, took)
}

// replenishUntil applies the replenishments and the transfer plan's
// movements due at t or before, in time order (a replenishment first on
// a tie).
func (st *replayState) replenishUntil(t time.Time) error {
	for {
		tAt, tDue := time.Time{}, false
		if st.transfers != nil {
			tAt, tDue = st.transfers.due(t)
		}
		rDue := st.hasR && !st.nextR.At.After(t)
		switch {
		case rDue && (!tDue || !st.nextR.At.After(tAt)):
			if err := st.applyReplenishment(); err != nil {
				return err
			}
		case tDue:
			st.repSeq++
			if err := st.transfers.apply(st.table, st.repSeq); err != nil {
				return err
			}
		default:
			return nil
		}
	}
}

// record commits the plan made for o from p, counts it in the KPIs (took
// is its decision time) and writes its decisions.
func (st *replayState) record(o *network.Order, p *solver.Problem, plan *solver.Plan, took time.Duration) error {
	st.reasons = p
	if st.explain && len(plan.Unfilled) > 0 && !anyUsable(p) {
		// The reason lies with an excluded option: build the full problem,
		// on the stock the plan was made against.
		if err := st.builder.Build(o, st.table, st.table, &st.full); err != nil {
			return err
		}
		st.reasons = &st.full
	}
	if err := st.commit(p, plan); err != nil {
		return fmt.Errorf("order %s: %s: %w", o.ID, st.policy.Name(), err)
	}
	st.acc.add(st.day, p, plan, took)
	st.acc.addRedirect(o, p, plan)
	st.kinds.add(kindOf(o), p, plan)
	if st.planner != nil {
		st.planner.after(o, plan)
	}
	st.acc.addCustomer(o.Lat, o.Lon, len(plan.Unfilled) == 0)
	if st.dw != nil {
		writeDecisions(st.dw, o, st.policyName, st.scenario, p, st.reasons, plan)
	}
	return nil
}

// roads loads the road distances of net's CSV matrix, if it has one; a
// replay never asks a distance service.
func (st *replayState) roads(net *network.Network) error {
	roads, err := distance.NewFetcher(net, nil, nil, false) // never over the network
	if err != nil {
		return err
	}
	if roads != nil {
		st.matrix, _ = roads.Provider().(*distance.Matrix)
	}
	return nil
}

// prepare readies o for its build under the scenario: where a pickup may
// be collected (pickupAt), the recorded quotes and road distances (fill).
func (st *replayState) prepare(o *network.Order) {
	st.pickupAt(o)
	st.fill(o)
}

// pickupAt applies the scenario to the store a pickup names: when the
// scenario closed pickup there, the customer picks up at any store within
// the pickup radius instead; when it lets named pickups be redirected,
// another store near the customer may have the order ready, at the
// scenario's cost, which replaces the order's own (orders.csv's
// pickup_redirect_cost).
func (st *replayState) pickupAt(o *network.Order) {
	if o.PickupNodeID == "" {
		return
	}
	if st.net != st.base && offersPickup(st.base, o.PickupNodeID) && !offersPickup(st.net, o.PickupNodeID) {
		o.PickupNodeID, o.PickupRedirectCost = "", 0
		return
	}
	if st.redirect > 0 {
		o.PickupRedirectCost = st.redirect
	}
}

// fill hands the order what the replay knows besides stock: its cell's
// road distances and its trips' recorded quotes.
func (st *replayState) fill(o *network.Order) {
	if st.recorded == nil && st.matrix == nil {
		return
	}
	st.live.Quotes = st.live.Quotes[:0]
	st.live.Legs = nil
	if st.matrix != nil {
		st.live.Legs = st.matrix.CellLegs(o.Lat, o.Lon) // shared, read only
	}
	if st.recorded != nil {
		st.trips = st.recorded.Fill(o, st.trips, &st.live)
	}
	o.Live = &st.live
}

func offersPickup(net *network.Network, id string) bool {
	i, ok := net.NodeIndex(id)
	return ok && net.Nodes[i].Offers(solver.Pickup)
}

// commit reserves and commits every shipped unit and counts the picks
// against the nodes' daily capacity.
func (st *replayState) commit(p *solver.Problem, plan *solver.Plan) error {
	for i := range plan.Shipments {
		s := &plan.Shipments[i]
		node := int(p.Options[s.Option].Node)
		var units int32
		for _, a := range s.Lines {
			if a.Quantity <= 0 {
				continue
			}
			sku := p.Lines[a.Line].SKU
			left, err := st.table.Ship(node, sku, a.Quantity)
			if err != nil {
				return err
			}
			if left == 0 {
				st.acc.stockouts++
			}
			units += a.Quantity
		}
		if err := st.table.Use(node, units); err != nil {
			return err
		}
	}
	return nil
}

// onHandByNode sums each node's on-hand units over its SKUs.
func onHandByNode(t *stock.Table) []int64 {
	out := make([]int64, t.Nodes())
	for _, r := range t.Snapshot() {
		out[r.Node] += int64(r.OnHand)
	}
	return out
}

func (st *replayState) advanceReplenishment() error {
	rep, sku, err := st.reps.nextBytes()
	if err == io.EOF {
		st.hasR = false
		return nil
	}
	if err != nil {
		return err
	}
	st.nextR, st.nextSKU, st.hasR = rep, append(st.nextSKU[:0], sku...), true
	return nil
}

func (st *replayState) applyReplenishment() error {
	st.repSeq++
	rep := st.nextR
	if rep.Qty < 0 && rep.Node < st.table.Nodes() {
		return st.applyFall()
	}
	if rep.Node < st.table.Nodes() {
		// Sequence numbers only grow, so every arrival applies.
		if _, err := st.table.Receive(rep.Node, st.nextSKU, st.repSeq, rep.Qty); err != nil {
			return fmt.Errorf("replenishment: %w", err)
		}
		if st.planner != nil {
			st.planner.moved += float64(rep.Qty)
		}
	}
	return st.advanceReplenishment()
}

// applyFall applies a live fall (Config.LiveFalls; a replay that holds
// falls has none left in its file): it takes what is on hand of the
// units it asks for, and counts what a sale did not find (an adjustment's
// shortfall is no customer's; the look-ahead learns its rate as an
// adjustment's).
func (st *replayState) applyFall() error {
	rep := st.nextR
	want := -rep.Qty
	sku := string(st.nextSKU)
	row, _ := st.table.Get(rep.Node, sku)
	take := min(want, row.OnHand)
	if take > 0 {
		if _, err := st.table.Receive(rep.Node, st.nextSKU, st.repSeq, -take); err != nil {
			return fmt.Errorf("replenishment: %w", err)
		}
	}
	if rep.Adjustment {
		// Not a customer: what it did not find is nobody's loss.
		if st.planner != nil {
			st.planner.fell(rep.At, rep.Node, sku, want, true)
			st.planner.moved += float64(take)
		}
		return st.advanceReplenishment()
	}
	st.acc.walkIn += int64(want)
	if short := want - take; short > 0 {
		st.acc.walkInShort += int64(short)
		st.acc.walkInShortBy[walkInRow{rep.Node, sku}] += int64(short)
	}
	if st.planner != nil {
		st.planner.fell(rep.At, rep.Node, sku, want, false)
		st.planner.moved += float64(take)
	}
	return st.advanceReplenishment()
}

// writeDecisions appends the plan's rows to w. p is the problem the plan
// was made from; reasons explains its unfilled lines (see unfilledReason):
// p itself, or the order's full problem when p has no usable option.
func writeDecisions(w *bufio.Writer, o *network.Order, policy, scenario string, p, reasons *solver.Problem, plan *solver.Plan) {
	var b [64]byte
	created := o.CreatedAt.UTC().Format(time.RFC3339)
	for i := range plan.Shipments {
		s := &plan.Shipments[i]
		op := &p.Options[s.Option]
		writeCSVField(w, o.ID)
		w.WriteByte(',')
		w.WriteString(policy)
		w.WriteByte(',')
		writeCSVField(w, scenario)
		w.WriteByte(',')
		w.WriteString(created)
		w.WriteByte(',')
		writeCSVField(w, op.NodeID)
		w.WriteByte(',')
		w.WriteString(op.Method.String())
		w.WriteByte(',')
		writeCSVField(w, op.Partner)
		w.WriteByte(',')
		var units int64
		for _, a := range s.Lines {
			units += int64(a.Quantity)
		}
		writeLinesField(w, len(s.Lines), func(k int) (string, int32) {
			return p.Lines[s.Lines[k].Line].SKU, s.Lines[k].Quantity
		})
		w.WriteByte(',')
		w.Write(strconv.AppendInt(b[:0], units, 10))
		w.WriteByte(',')
		w.Write(strconv.AppendFloat(b[:0], s.Cost, 'f', 4, 64))
		w.WriteByte(',')
		w.Write(strconv.AppendInt(b[:0], int64(s.ETAMinutes), 10))
		w.WriteByte(',')
		w.Write(strconv.AppendFloat(b[:0], op.DistanceKm, 'f', 3, 64))
		w.WriteString(",\n")
	}
	if len(plan.Unfilled) == 0 {
		return
	}
	writeCSVField(w, o.ID)
	fmt.Fprintf(w, ",%s,", policy)
	writeCSVField(w, scenario)
	fmt.Fprintf(w, ",%s,,UNFILLED,,", created)
	var units int64
	for _, u := range plan.Unfilled {
		units += int64(u.Quantity)
	}
	writeLinesField(w, len(plan.Unfilled), func(k int) (string, int32) {
		return p.Lines[plan.Unfilled[k].Line].SKU, plan.Unfilled[k].Quantity
	})
	fmt.Fprintf(w, ",%d,", units)
	w.Write(strconv.AppendFloat(b[:0], plan.LostSaleCost, 'f', 4, 64))
	w.WriteString(",0,0.000,")
	for k, u := range plan.Unfilled {
		if k > 0 {
			w.WriteByte(';')
		}
		r := u.Reason
		if r != solver.ReasonUneconomic {
			r = unfilledReason(reasons, u.Line)
		}
		w.WriteString(r.String())
	}
	w.WriteByte('\n')
}

// unfilledReason explains an unfilled line from the problem alone, the same
// way for every policy. A SKU the network never stocked is UNKNOWN_SKU
// (solver.Line.UnknownSKU, set by the Builder from the replay's stock
// table, as the server does). When some option may ship: NO_STOCK if the usable
// options hold less than the quantity, else CAPACITY (capacity or the
// shipment limit left the line out). When none may: why the nearest option
// is out (CLOSED, OUTSIDE_RADIUS, MISSES_PROMISE...), preferring any reason
// to METHOD_NOT_ALLOWED, which only says the customer did not ask for it.
func unfilledReason(p *solver.Problem, l int) solver.Reason {
	if p.Lines[l].UnknownSKU {
		return solver.ReasonUnknownSKU
	}
	var usableATP int64
	anyUsable := false
	nearest, nearestKm := -1, 0.0
	for o := range p.Options {
		if usable(p, o) {
			anyUsable = true
			usableATP += int64(max(p.Available[p.At(o, l)], 0))
			continue
		}
		r := policy.Why(p, o)
		if nearest < 0 || (r != solver.ReasonMethodNotAllowed && (policy.Why(p, nearest) == solver.ReasonMethodNotAllowed || p.Options[o].DistanceKm < nearestKm)) {
			nearest, nearestKm = o, p.Options[o].DistanceKm
		}
	}
	switch {
	case anyUsable && usableATP >= int64(p.Lines[l].Quantity):
		return solver.ReasonCapacity
	case anyUsable || nearest < 0:
		return solver.ReasonNoStock
	}
	return policy.Why(p, nearest)
}

// anyUsable reports whether some option of p is usable. When one is,
// unfilledReason looks at usable options only, so a lean problem explains
// its unfilled lines as the full one would.
func anyUsable(p *solver.Problem) bool {
	for o := range p.Options {
		if usable(p, o) {
			return true
		}
	}
	return false
}

// writeLinesField writes the n items "sku:qty" joined by ';' as one CSV
// field, quoted when a SKU holds a comma, a quote or a line break.
func writeLinesField(w *bufio.Writer, n int, item func(k int) (sku string, qty int32)) {
	quote := false
	for k := 0; k < n && !quote; k++ {
		sku, _ := item(k)
		quote = strings.ContainsAny(sku, ",\"\n\r")
	}
	if quote {
		w.WriteByte('"')
	}
	var b [16]byte
	for k := 0; k < n; k++ {
		if k > 0 {
			w.WriteByte(';')
		}
		sku, qty := item(k)
		if quote {
			sku = strings.ReplaceAll(sku, `"`, `""`)
		}
		w.WriteString(sku)
		w.WriteByte(':')
		w.Write(strconv.AppendInt(b[:0], int64(qty), 10))
	}
	if quote {
		w.WriteByte('"')
	}
}

func writeCSVField(w *bufio.Writer, s string) {
	if !strings.ContainsAny(s, ",\"\n\r") {
		w.WriteString(s)
		return
	}
	w.WriteByte('"')
	w.WriteString(strings.ReplaceAll(s, `"`, `""`))
	w.WriteByte('"')
}
