package allocate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/stock"
)

// Input is what one allocation plans from.
type Input struct {
	// Network is initialised; its lanes are the transfers it may plan.
	Network *network.Network
	// Stock is the stock at At; it is not changed.
	Stock *stock.Table
	// History is the orders file the demand is estimated from: the
	// orders before At (from HistoryFrom when set). Demand, when set,
	// replaces it: a forecast by region, SKU and method (package
	// forecast), and At is then required.
	History     simulate.Source
	HistoryFrom time.Time
	Demand      *forecast.Demand
	// Supply is stock arriving from outside the network, to be placed.
	Supply []Supply
	// Arrivals are the scheduled replenishments: those within the horizon
	// count as stock of their node (they are not placed, nor written).
	Arrivals []simulate.Replenishment
	// At is when the plan starts (transfers leave then); the zero value
	// means just after the last order of the history (LastOrder).
	At time.Time
	// Horizon is how far ahead the plan looks (DefaultHorizon when 0).
	Horizon time.Duration
	// CellDeg is the side of a demand cell in degrees (DefaultCellDeg
	// when 0).
	CellDeg float64
	// Workers bounds the goroutines that work at once: the SKUs solved,
	// then the replays of the windows (one goroutine each); 0 means
	// GOMAXPROCS.
	Workers int
	// Policy is the routing policy (a name of simulate.DefaultRegistry)
	// the plan is replayed with to judge it; "" means DefaultPolicy.
	Policy string
	// Windows is how many of the history's latest horizon-long windows
	// are replayed (DefaultWindows when 0); a negative value replays
	// nothing and leaves the expected costs to the model (as does a plan
	// without History).
	Windows int
	// KeepModel keeps the last round's LP, every SKU's block in one model,
	// in Result.Model (omniroute allocate --lp-out writes it).
	KeepModel bool
	// Falls, when set, are the falls of stock observed: the rows of a
	// replenishments file (the order log's receipts), those of negative
	// qty the falls (sales at the till; adjustments, recounts and
	// write-offs, are no demand, and the units they are expected to take
	// are taken from the stock the plan places), those of positive qty
	// only marking the time observed. The falls up to At teach each
	// (node, SKU)'s rate (planning.FallRates); the units the sales expect
	// over the horizon are the walk-in demand of their node (a demand
	// point of its own: served by the node's stock only, at no cost, lost
	// at the node's walk-in price of the SKU; Result.FallUnits), so that the plan
	// keeps the units a store's own customers will buy and sends stock
	// where they would go without. Each replayed window replays its own
	// falls, shifted as its orders are, as a server meets them
	// (simulate.Config.LiveFalls): what the tills do not find counts in the
	// expected costs.
	Falls []simulate.Replenishment
}

// Defaults of an Input.
const (
	DefaultHorizon = 7 * 24 * time.Hour
	DefaultCellDeg = 0.05
)

// Model limits: how many nodes may serve a demand point (the cheapest
// that hold or may receive the SKU), and how many lanes may feed a
// receiver per SKU (the cheapest per unit). A point is also served by
// the HoldersPerPoint cheapest nodes that hold the SKU, however far.
const (
	NodesPerPoint    = 6
	HoldersPerPoint  = 2
	LanesPerReceiver = 4
	// ScalingRounds is how many times the LP is solved with the lanes'
	// per-shipment costs spread over the loads of the previous round
	// (slope scaling); the first round spreads nothing.
	ScalingRounds = 3
)

// Result is an allocation plan and what it is expected to change.
type Result struct {
	// Transfers are the plan's rows: supply placements first, then
	// transfers by ship time, sender, receiver and SKU.
	Transfers []simulate.Transfer
	// Objective is the last LP relaxation's optimum (per-shipment costs
	// spread over the loads), a guide rather than a bound.
	Objective float64
	// ExpectedCostBefore and ExpectedCostAfter are the expected
	// fulfilment + lost-sale cost over the horizon without and with the
	// integer plan; After includes TransferCost. ExpectedBy says how they
	// were obtained: by replaying the history's latest windows with the
	// routing policy (Input.Windows), or by the model.
	ExpectedCostBefore float64
	ExpectedCostAfter  float64
	ExpectedBy         string
	// ModelCostBefore and ModelCostAfter are the model's own expectation
	// for the plan before the replays judged it: each SKU's LP without
	// transfers, less the units' expected savings (see the package doc).
	ModelCostBefore float64
	ModelCostAfter  float64
	// Groups are the candidate transfers by sender and receiver kind, what
	// each saved in the replays and whether the plan keeps it (empty
	// without replays).
	Groups []GroupSaving
	// Windows are the replayed history windows, latest first, with their
	// costs without and with the plan (ExpectedCostBefore and After are
	// their means).
	Windows []WindowCost
	// Replays counts the replays run to judge the plan, ReplayTime their
	// wall time.
	Replays    int
	ReplayTime time.Duration
	// UnitsMoved are the units the transfers move between nodes (not the
	// supply placed); TransferCost what their shipments cost by the
	// lanes' rule (network.Lane.Cost).
	UnitsMoved   int64
	TransferCost float64
	// Shape of the LPs solved per round, summed over SKUs.
	Rows, Cols, SKUs, Points int
	// SolveTime is the wall time of the LP solves (and the rounding), the
	// replays not included.
	SolveTime time.Duration
	// AdjustmentUnits are the units the adjustments of Input.Falls
	// (recounts down, write-offs) are expected to take over the horizon:
	// taken from the stock the plan places, up to what each row has.
	AdjustmentUnits int64
	// FallUnits are the walk-in units the falls of Input.Falls expect over
	// the horizon, rounded: the demand of the walk-in points.
	FallUnits int64
	// Forecast is the demand the plan was made for.
	Forecast *Forecast `json:"-"`
	// Model is the last round's LP of all SKUs (Input.KeepModel); its
	// optimum is Objective.
	Model *lp.Model `json:"-"`
	// At and Horizon are the plan's.
	At      time.Time
	Horizon time.Duration
}

// ErrInfeasible is returned (wrapped) when an LP has no solution, which
// the model's construction should rule out.
var ErrInfeasible = errors.New("allocation LP not solved to optimality")

// planner holds what every SKU's block reads.
type planner struct {
	in       Input
	net      *network.Network
	routes   []network.Route
	forecast *Forecast
	costs    [][]nodeCost
	// onHandTotal is per node, all SKUs, with the supply.
	onHandTotal []int64
	// adjusted are the units the adjustments are expected to take over
	// the horizon, by SKU and node (expectedAdjustments), and
	// adjustedUnits those taken from the stock the plan places.
	adjusted      map[string]map[int]int64
	adjustedUnits int64
	// supply per SKU name: node -> units, and node -> latest arrival.
	supply     map[string]map[int]int64
	supplyLast map[string]map[int]time.Time
	// arrivals per SKU name: node -> replenished units within the horizon.
	arrivals map[string]map[int]int64
	mustFill float64
	blocks   []*block
	// held is per node the share of the forecast's units whose SKU the
	// node holds (or is replenished with) at the start: the chance that
	// another line of an order it could serve is there too.
	held []float64
}

// Plan estimates the demand, solves the allocation LP and returns the
// integer plan (see the package doc).
func Plan(ctx context.Context, in Input) (*Result, error) {
	if in.Network == nil || !in.Network.Initialized() {
		return nil, errors.New("allocate: network missing or not initialised")
	}
	if in.Stock == nil || (in.History == nil && in.Demand == nil) {
		return nil, errors.New("allocate: stock, or history and forecast, missing")
	}
	if in.Demand != nil && in.At.IsZero() {
		return nil, errors.New("allocate: a plan from a forecast needs its start (At)")
	}
	if in.Horizon == 0 {
		in.Horizon = DefaultHorizon
	}
	if in.Horizon < 0 {
		return nil, fmt.Errorf("allocate: horizon %v must be positive", in.Horizon)
	}
	if in.CellDeg == 0 {
		in.CellDeg = DefaultCellDeg
	}
	if in.Policy == "" {
		in.Policy = DefaultPolicy
	}
	if !simulate.DefaultRegistry().Has(in.Policy) {
		return nil, fmt.Errorf("allocate: unknown policy %q (one of %v)", in.Policy, simulate.PolicyNames())
	}
	if in.At.IsZero() {
		last, err := LastOrder(in.History)
		if err != nil {
			return nil, err
		}
		in.At = last
	}
	pl := &planner{in: in, net: in.Network, routes: in.Network.Routes()}
	var f *Forecast
	var err error
	if in.Demand != nil {
		f = fromDemand(pl.net, in.Demand, in.At, in.Horizon)
	} else if f, err = estimate(ctx, pl.net, in.History, in.HistoryFrom, in.At, in.Horizon, in.CellDeg); err != nil {
		return nil, err
	}
	var fallUnits int64
	if len(in.Falls) > 0 {
		rates := fallRates(in.Falls, in.At)
		fallUnits = int64(math.Round(addWalkIns(f, pl.net, rates, in.At, in.Horizon)))
		pl.adjusted = expectedAdjustments(rates, in.At, in.Horizon)
	}
	pl.forecast = f
	if pl.costs, err = pointCosts(pl.net, f); err != nil {
		return nil, err
	}
	pl.prepareStock()
	pl.buildBlocks()
	pl.heldShares()
	res := &Result{Forecast: f, At: in.At, Horizon: in.Horizon, SKUs: len(pl.blocks), Points: len(f.Points), FallUnits: fallUnits, AdjustmentUnits: pl.adjustedUnits}
	t0 := time.Now()
	if err := pl.solveAll(ctx, res); err != nil {
		return nil, err
	}
	res.SolveTime = time.Since(t0) - res.ReplayTime
	return res, nil
}

// LastOrder is just after the latest order of a history file (one
// second later): the default start of a plan, so that the last order is
// part of the history.
func LastOrder(src simulate.Source) (time.Time, error) {
	rd, err := simulate.OpenOrders(src, false)
	if err != nil {
		return time.Time{}, fmt.Errorf("allocate: history: %w", err)
	}
	defer rd.Close()
	var last time.Time
	for {
		o, err := rd.Next()
		if errors.Is(err, io.EOF) {
			if last.IsZero() {
				return last, fmt.Errorf("allocate: %s: %w", src.Name(), ErrNoHistory)
			}
			return last.Add(time.Second), nil
		}
		if err != nil {
			return last, fmt.Errorf("allocate: %w", err)
		}
		if o.CreatedAt.After(last) {
			last = o.CreatedAt
		}
	}
}

func (pl *planner) prepareStock() {
	pl.onHandTotal = make([]int64, len(pl.net.Nodes))
	for _, r := range pl.in.Stock.Snapshot() {
		pl.onHandTotal[r.Node] += int64(r.OnHand)
	}
	pl.supply = map[string]map[int]int64{}
	pl.supplyLast = map[string]map[int]time.Time{}
	for _, s := range pl.in.Supply {
		if pl.supply[s.SKU] == nil {
			pl.supply[s.SKU] = map[int]int64{}
			pl.supplyLast[s.SKU] = map[int]time.Time{}
		}
		pl.supply[s.SKU][s.Node] += int64(s.Qty)
		pl.onHandTotal[s.Node] += int64(s.Qty)
		if s.AvailableAt.After(pl.supplyLast[s.SKU][s.Node]) {
			pl.supplyLast[s.SKU][s.Node] = s.AvailableAt
		}
	}
	pl.arrivals = map[string]map[int]int64{}
	end := pl.in.At.Add(pl.in.Horizon)
	for _, a := range pl.in.Arrivals {
		if a.At.Before(pl.in.At) || !a.At.Before(end) {
			continue
		}
		if pl.arrivals[a.SKU] == nil {
			pl.arrivals[a.SKU] = map[int]int64{}
		}
		pl.arrivals[a.SKU][a.Node] += int64(a.Qty)
	}
	// An unpriced unit must be filled whenever stock allows: its lost
	// sale costs more than any way of serving it.
	worst := 0.0
	for _, cs := range pl.costs {
		for _, c := range cs {
			worst = max(worst, c.cost)
		}
	}
	for i := range pl.routes {
		l := &pl.net.Lanes[pl.routes[i].Lane]
		worst = max(worst, l.CostPerUnit+l.CostPerShipment)
	}
	pl.mustFill = 10*worst + 100
}

// solveAll runs the slope-scaling rounds, the repair and the evaluation.
func (pl *planner) solveAll(ctx context.Context, res *Result) error {
	share := make([]float64, len(pl.routes))
	for round := 0; round < ScalingRounds; round++ {
		if err := pl.each(ctx, func(b *block, ws *lp.Workspace) error { return b.solveRelaxed(ctx, pl, share, ws) }); err != nil {
			return err
		}
		if round == ScalingRounds-1 && pl.in.KeepModel {
			res.Model = lp.NewModel("allocate")
			for _, b := range pl.blocks {
				b.addTo(res.Model, pl, share, relaxed, true)
			}
		}
		load := make([]float64, len(pl.routes))
		for _, b := range pl.blocks {
			for k, r := range b.routes {
				load[r] += b.flow[k]
			}
		}
		res.Objective = 0
		for _, b := range pl.blocks {
			res.Objective += b.objective
		}
		for r := range share {
			l := &pl.net.Lanes[pl.routes[r].Lane]
			if load[r] > 1e-9 {
				share[r] = l.CostPerShipment / max(load[r], float64(l.MinQty), 1)
			} else {
				share[r] = l.CostPerShipment / max(float64(l.MinQty), 1)
			}
		}
	}
	res.Objective = round4(res.Objective)
	res.Rows, res.Cols = 0, 0
	for _, b := range pl.blocks {
		res.Rows += b.rows
		res.Cols += b.cols
	}
	if err := pl.each(ctx, func(b *block, ws *lp.Workspace) error { return b.solveWithout(ctx, pl, ws) }); err != nil {
		return err
	}
	pl.repair()
	for _, b := range pl.blocks {
		b.evaluate(pl)
		b.lp = nil // done with it
	}
	before, after, cost := pl.totals()
	res.ModelCostBefore, res.ModelCostAfter = round4(before), round4(after+cost)
	if pl.replays() {
		if err := pl.replayEvaluate(ctx, res); err != nil {
			return err
		}
		_, _, cost = pl.totals()
	} else {
		if after+cost >= before {
			// The integer plan does not pay for itself: plan nothing.
			for _, b := range pl.blocks {
				clear(b.qty)
			}
			after, cost = before, 0
		}
		res.ExpectedCostBefore = round4(before)
		res.ExpectedCostAfter = round4(after + cost)
		res.ExpectedBy = "model"
	}
	res.TransferCost = round4(cost)
	res.Transfers, res.UnitsMoved = pl.transfers()
	return nil
}

// replays tells whether the plan is judged by replaying the history.
func (pl *planner) replays() bool { return pl.in.History != nil && pl.in.Windows >= 0 }

// policy is the routing policy the replays use.
func (pl *planner) policy() string { return pl.in.Policy }

// each runs fn for every block, Workers at a time; the first error wins.
// Each worker lends its solves one lp.Workspace, so that a plan's
// thousands of block LPs reuse their arrays rather than allocate them.
func (pl *planner) each(ctx context.Context, fn func(b *block, ws *lp.Workspace) error) error {
	workers := pl.in.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var (
		wg   sync.WaitGroup
		next = make(chan *block)
		errs = make([]error, len(pl.blocks))
	)
	for range min(workers, max(len(pl.blocks), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := new(lp.Workspace)
			for b := range next {
				errs[b.index] = fn(b, ws)
			}
		}()
	}
	for _, b := range pl.blocks {
		if ctx.Err() != nil {
			break
		}
		next <- b
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// totals sums the blocks' expected costs without and with the plan, and
// the plan's transfer cost by the lanes' rule.
func (pl *planner) totals() (before, after, cost float64) {
	units := make([]int64, len(pl.routes))
	for _, b := range pl.blocks {
		before += b.before
		after += b.after
		for k, r := range b.routes {
			units[r] += b.qty[k]
		}
	}
	for r, u := range units {
		cost += pl.net.Lanes[pl.routes[r].Lane].Cost(u)
	}
	return before, after, cost
}

// transfers lists the plan's rows (see Result.Transfers) and the units
// moved.
func (pl *planner) transfers() ([]simulate.Transfer, int64) {
	var out []simulate.Transfer
	for _, s := range pl.in.Supply {
		out = append(out, simulate.Transfer{From: -1, To: s.Node, SKU: s.SKU, Qty: s.Qty, ShipAt: s.AvailableAt, ArriveAt: s.AvailableAt})
	}
	var moved int64
	var rows []simulate.Transfer
	for _, b := range pl.blocks {
		sent := map[int]int64{}
		for k, r := range b.routes {
			q := b.qty[k]
			if q <= 0 {
				continue
			}
			rt := pl.routes[r]
			ship := pl.in.At
			sent[rt.From] += q
			if sent[rt.From] > b.stockAt(rt.From) {
				// Some of what the sender sends is supply: it leaves when
				// the last of that supply has arrived.
				if last := pl.supplyLast[b.sku][rt.From]; last.After(ship) {
					ship = last
				}
			}
			lead := pl.net.Lanes[rt.Lane].LeadTime()
			rows = append(rows, simulate.Transfer{From: rt.From, To: rt.To, SKU: b.sku, Qty: int32(q), ShipAt: ship, ArriveAt: ship.Add(lead)})
			moved += q
		}
	}
	slices.SortFunc(rows, func(a, b simulate.Transfer) int {
		return cmp.Or(a.ShipAt.Compare(b.ShipAt), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To), cmp.Compare(a.SKU, b.SKU))
	})
	return append(out, rows...), moved
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }

// solveIterations bounds the simplex iterations of one of a block's LPs:
// many times what a solve of that size takes, so that one that stalls
// (degenerate steps that do not end) is stopped rather than waited for.
func solveIterations(m *lp.Model) int { return 50*(m.NumRows()+m.NumVars()) + 10_000 }

// solve runs one LP (with ws's arrays) and insists on an optimum. A warm
// start that stalls past solveIterations is solved again from scratch.
func solve(ctx context.Context, m *lp.Model, start *lp.Basis, ws *lp.Workspace) (*lp.Result, error) {
	set := lp.Settings{Start: start, MaxIterations: solveIterations(m), Workspace: ws}
	r, err := lp.Solve(ctx, m, set)
	if err == nil && r.Status == lp.StatusIterationLimit && start != nil {
		set.Start = nil
		r, err = lp.Solve(ctx, m, set)
	}
	if err != nil {
		return nil, fmt.Errorf("allocate: %s: %w", m.Name(), err)
	}
	if r.Status != lp.StatusOptimal {
		return nil, fmt.Errorf("allocate: %s: %w: %s", m.Name(), ErrInfeasible, r.Status)
	}
	return r, nil
}

// heldShares sets pl.held (see planner).
func (pl *planner) heldShares() {
	pl.held = make([]float64, len(pl.net.Nodes))
	var total float64
	for _, b := range pl.blocks {
		var d float64
		for _, p := range b.points {
			if pt := &pl.forecast.Points[p]; !pt.WalkIn {
				d += pt.Demand[b.s] // the online orders' lines
			}
		}
		total += d
		for n, q := range b.avail {
			if q > 0 || b.arrive[n] > 0 {
				pl.held[n] += d
			}
		}
		for n, q := range b.arrive {
			if q > 0 && b.avail[n] <= 0 {
				pl.held[n] += d
			}
		}
	}
	if total > 0 {
		for n := range pl.held {
			pl.held[n] /= total
		}
	}
}
