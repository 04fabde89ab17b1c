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
	"sync"
	"sync/atomic"
	"time"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/joint"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/quote"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// ErrInterrupted is returned (wrapped) with partial results when the
// context is cancelled during a replay.
var ErrInterrupted = errors.New("replay interrupted: results are partial")

// Config is what to replay and how.
type Config struct {
	// Network is the baseline network, initialised.
	Network *network.Network
	// Stock is the baseline stock over Network; it is never changed.
	Stock *stock.Table
	// Orders is the orders file (see OrderReader); Replenishments, when not
	// nil, the replenishments file (see ReplenishmentReader).
	Orders         Source
	Replenishments Source
	// Policies are policy names of Registry; empty means all of them.
	Policies []string
	// Registry holds the policies; nil means DefaultRegistry.
	Registry *policy.Registry
	// Quotes, when not nil, are recorded courier quotes: the trips they
	// list are priced by them, the others by the rate cards. A replay never
	// asks a partner's quote API, nor an OSRM service: road distances come
	// only from a network's CSV matrix.
	Quotes *quote.Recorded
	// Scenarios are replayed besides the implicit baseline, in this order.
	Scenarios []*Scenario
	// NoBaseline replays only Scenarios (at least one), not the baseline
	// before them: for a caller that replays many plans and knows the
	// baseline's figures already.
	NoBaseline bool
	// SkipBad counts and skips malformed rows and invalid orders instead of
	// failing.
	SkipBad bool
	// LiveFalls replays the falls of the replenishments file (its rows of
	// negative qty) as they came, unannounced: each takes what is on hand
	// at its time (the safety stock too), what it found missing is counted
	// (KPIs.WalkInShortUnits), and the look-ahead's planner learns their
	// rates as a server's does (planning.FallRates); the hindsight bound
	// has each fall as an order of its node (walkIns). Without it a replay
	// holds each fall's units from the start (applyFalls).
	LiveFalls bool
	// Workers bounds the replays that run at once; 0 means GOMAXPROCS.
	Workers int
	// Settings are the solver's; the zero value means
	// solver.DefaultSettings without alternatives (a replay needs only the
	// chosen plan).
	Settings *solver.Settings
	// Decisions, when not nil, receives every decision as CSV (see
	// DecisionHeader), replays in result order, then with Bound each
	// scenario's hindsight routing under policy PolicyHindsight.
	Decisions io.Writer
	// TempDir holds per-replay decision files before they are merged; ""
	// means os.TempDir().
	TempDir string
	// Bound computes each scenario's hindsight bound (see bound.go) and
	// every result's gap to it; BoundMaxVars bounds the model's columns
	// (0: DefaultBoundMaxVars) and BoundTimeLimit its LP (0:
	// DefaultBoundTimeLimit); BoundMaxIterations, when positive, stops
	// the LP after that many iterations as the time limit does, but at the
	// same point on every machine.
	Bound              bool
	BoundMaxVars       int
	BoundTimeLimit     time.Duration
	BoundMaxIterations int
	// BoundMethod is how the bound is computed: BoundLagrangian, the
	// default ("") (whole plans of each order priced on the shared stock
	// and capacity, joint.Lagrangian; any size up to BoundMaxCells) or
	// BoundLP (the joint linear programme, skipped above BoundMaxVars).
	// BoundRounds bounds the Lagrangian rounds (0:
	// joint.DefaultLagrangeRounds); BoundTimeLimit bounds them too.
	BoundMethod string
	BoundRounds int
	// BoundLPDir, when set with Bound, receives each scenario's hindsight
	// model in CPLEX LP format (joint.WriteLP), named by BoundLPFile.
	BoundLPDir string
	// BoundPricesDir, when set with Bound, receives each scenario's
	// hindsight prices (CSV node,sku,price as omniroute plan --out writes
	// them, named by BoundPricesFile): what a unit of each (node, SKU) on
	// hand at the start is worth with every order known
	// (joint.Relaxation.StockValues). Replayed with Prices, they show how
	// far the look-ahead policy gets with perfect prices, apart from how
	// well its forecast guesses them.
	BoundPricesDir string
	// BatchWindow is the batch policy's wave (0: DefaultBatchWindow).
	BatchWindow time.Duration
	// ExpectedSaving, when not nil, is what the transfer plan of a
	// scenario was expected to save (omniroute allocate's
	// expected_cost_before - expected_cost_after), shown beside the
	// replayed saving (see TransferSaving).
	ExpectedSaving *float64
	// History, when not nil, is an orders file of the orders before the
	// replay: the look-ahead policy's forecast starts from it (and goes on
	// with the orders replayed so far; without it, from those alone).
	History Source
	// Forecast, when not nil, is a demand forecast over the network's
	// regions (forecast.ReadCSV, as omniroute plan --forecast-out writes
	// it) that the look-ahead policies plan from instead of History: each
	// plan blends it with the rolling estimate of the orders replayed so
	// far, as a server blends its forecast with the orders it routed
	// (forecast.Blend: the file weighs as a day of orders), and the first
	// plans before any order is replayed. Not with History.
	Forecast *forecast.Demand
	// PlanInterval is the simulated time between two plans of the
	// look-ahead policy (when 0: PlanInterval of the orders' span,
	// DefaultPlanInterval for a replay of a day or more); PlanHorizon how far
	// each looks ahead (when 0: DefaultPlanHorizon, or, when
	// Replenishments schedule no arrival after the first plan,
	// SeasonPlanHorizon or the season's length to SeasonEnd if longer).
	PlanInterval time.Duration
	PlanHorizon  time.Duration
	// PlanModel is what the look-ahead policies' plans price units with:
	// PlanDemand ("" too), PlanOrders, whose default interval is
	// planning.OrdersPlanEvery times PlanDemand's, or PlanAuto, which chooses
	// between them as the replay goes.
	PlanModel string
	// PlanSamples is how many samples of the orders a plan by orders
	// averages over (0: planning.OrdersPlanScenarios): fewer is faster
	// and prices the stock for fewer of the orders that could come.
	PlanSamples int
	// PlanWorkers is how many samples of a plan by orders a replay solves
	// at once (planning.OrderPlanner.Workers; the plan is the same for any
	// number); 0 means GOMAXPROCS. Replays that run at once then share the
	// CPUs while they plan together, and the last one left, often a
	// look-ahead replay beside policies that finish sooner, plans on them
	// all.
	PlanWorkers int
	// SeasonEnd, when set, is when the season ends: the stock on hand and
	// the replenishments before then are all the look-ahead policy's
	// forecast demand until then will get. Each plan then tells the
	// policy how likely each SKU is to sell out (planning.SellOut), and a
	// unit is charged what it is worth to the later order that would get
	// it, weighed by that chance (policy.KeepSoldOut). Zero: no season, no such rule,
	// unless SeasonAtReplayEnd.
	SeasonEnd time.Time
	// SeasonAtReplayEnd, when SeasonEnd is zero, ends the season at the
	// replay's end: the latest created_at of the orders file (ReplayEnd).
	// A replay counts the cost of its orders only: a unit still on hand
	// after the last one is worth nothing to it, as to its bound, so the
	// stock has to last exactly that long. The time is all the policy
	// learns of the orders to come. It applies only when a policy plans
	// (not with Prices).
	SeasonAtReplayEnd bool
	// Prices, when not nil, are the look-ahead policies' opportunity costs
	// for the whole replay, planned at PricesAt (a prices file, as
	// omniroute plan --out writes it; planning.ReadPricesCSV): the replay
	// then does not plan, and History, Forecast, PlanInterval,
	// PlanHorizon and Replenishments' schedule do not price anything.
	Prices   policy.OpportunityCosts
	PricesAt time.Time
	// Progress, when not nil, is told the bytes of orders read so far by
	// all replays and the total to read. It is called from one goroutine
	// at a time, about every few thousand orders.
	Progress func(done, total int64)
	// BoundProgress, when not nil, is told after each round of a
	// scenario's Lagrangian bound, and each step of its dive, how far the
	// bound has come (one scenario after another, from one goroutine).
	BoundProgress func(BoundProgress)
}

// BoundProgress is where a scenario's Lagrangian bound stands
// (Config.BoundProgress).
type BoundProgress struct {
	Scenario string
	joint.RoundReport
}

// registry is the configured policy registry, or the default one
// (DefaultRegistry).
func (cfg *Config) registry() *policy.Registry {
	if cfg.Registry != nil {
		return cfg.Registry
	}
	return DefaultRegistry()
}

// Results are the outcome of Run.
type Results struct {
	// Results are per (scenario, policy): scenarios in order (baseline
	// first), then policies in the order given.
	Results []Result `json:"results"`
	// Input describes the orders file as the first replay read it.
	Input ReadStats `json:"input"`
	// Partial is true when the replay was interrupted.
	Partial bool `json:"partial,omitempty"`
	// TransferSavings compare, policy by policy, each replay with a
	// transfer plan with the same policy's baseline replay.
	TransferSavings []TransferSaving `json:"transfer_savings,omitempty"`
}

// BoundModel is the size of a hindsight model (ScenarioBound) and the time
// it took. For the LP: its rows and columns, and its solve with the dive of
// the hindsight routing. For the Lagrangian bound: its master's shared rows
// and columns (plans), its rounds, and the rounds' time.
type BoundModel struct {
	Rows    int     `json:"rows"`
	Cols    int     `json:"cols"`
	SolveMS float64 `json:"solve_ms"`
	Rounds  int     `json:"rounds,omitempty"`
}

// Result is the KPIs of one policy under one scenario.
type Result struct {
	Policy   string `json:"policy"`
	Scenario string `json:"scenario"`
	// Partial is true when this replay stopped before the end of the file.
	Partial bool `json:"partial,omitempty"`
	KPIs
	// Bound is the scenario's hindsight bound (Config.Bound) and
	// GapToBound = (TotalWithLost - Bound) / Bound; both absent without a
	// bound, when BoundNote says why. BoundNote beside a bound says it is
	// a weaker one (its LP, or its Lagrangian rounds, stopped at a limit).
	Bound      *float64 `json:"bound,omitempty"`
	GapToBound *float64 `json:"gap_to_bound,omitempty"`
	BoundNote  string   `json:"bound_note,omitempty"`
	// HindsightCost is, beside the bound, what the scenario's orders cost
	// routed jointly with every one known in advance (ScenarioBound.Hindsight):
	// the best possible lies between Bound and HindsightCost.
	HindsightCost *float64 `json:"hindsight_cost,omitempty"`
	// GapByKind sets out, beside HindsightCost, what each kind of order
	// cost the policy and the hindsight routing (KindGap): where the
	// policy's gap lies. Absent without a hindsight routing, and for a
	// replay that stopped early.
	GapByKind []KindGap `json:"gap_by_kind,omitempty"`
	// kinds are the replay's costs by kind of order.
	kinds *kindTally
	// BoundMethod says how Bound was computed: "lp" or "lagrangian"
	// (Config.BoundMethod).
	BoundMethod string `json:"bound_method,omitempty"`
	// BoundModel is the size of the scenario's hindsight model and how
	// long it took; absent when the model was not solved (skipped above
	// Config.BoundMaxVars or BoundMaxCells).
	BoundModel *BoundModel `json:"bound_model,omitempty"`
	// InvalidOrders counts the orders of the file this replay skipped
	// (only with Config.SkipBad): those with a malformed row
	// (Input.SkippedOrders, the same for every replay) and those the
	// scenario's network rejects (an unknown pickup node, a repeated SKU...).
	// Orders + InvalidOrders is every order of the file. The table, the JSON
	// and the report show this one count.
	InvalidOrders int64 `json:"invalid_orders"`
	// Rejected are the first MaxSkipNotes orders the network rejected, with
	// why, as "orders.csv:17: order O17: invalid order: lines[1].sku: ...".
	Rejected []string `json:"-"`
	// Plans and PlanFailures count the look-ahead policy's plans (those
	// that failed kept the prices before them).
	Plans        int64 `json:"plans,omitempty"`
	PlanFailures int64 `json:"plan_failures,omitempty"`
	// PlanHorizon is how far the look-ahead policy's plans looked ahead
	// (Config.PlanHorizon, or the one the first plan chose), as "48h0m0s".
	PlanHorizon string `json:"plan_horizon,omitempty"`
	// PlanInterval is the simulated time between two of its scheduled
	// plans (Config.PlanInterval, or the one the replay's span chose).
	PlanInterval string `json:"plan_interval,omitempty"`
	// PlanModel is what its last plan priced units with: PlanDemand or
	// PlanOrders (under PlanAuto, the one it chose last).
	PlanModel string `json:"plan_model,omitempty"`
	// SeasonEnd is the look-ahead policy's season's end (Config.SeasonEnd,
	// or the replay's end with Config.SeasonAtReplayEnd), RFC 3339; empty
	// without one.
	SeasonEnd string `json:"season_end,omitempty"`
	// Keep is what the season's rule weighed a kept unit by at the
	// replay's end (policy.Outcomes.Later), with a season's end.
	Keep *KeepInputs `json:"keep,omitempty"`
	// Series feed the report's charts.
	Series Series `json:"-"`
}

// KeepInputs are the counts the season's rule weighs a unit kept for a
// later order by (policy.KeepValue): the share of the orders left short
// of stock that missed a single unit (the lower end of its 90% interval)
// and the mean shipping cost of a unit shipped.
type KeepInputs struct {
	SingleUnitShare float64 `json:"single_unit_share"`
	ShippingPerUnit float64 `json:"shipping_per_unit"`
}

// MaxSkipNotes is how many skipped orders (malformed, rejected) a replay
// describes one by one; the rest are counted.
const MaxSkipNotes = 10

// solverSettings are the solver's defaults without alternatives: a replay
// needs only the chosen plan, and alternatives do not change it.
func solverSettings() solver.Settings {
	s := solver.DefaultSettings()
	s.Alternatives = -1 // none
	return s
}

// job is one replay: a policy under a prepared scenario.
type job struct {
	index  int
	policy string
	scen   *prepared
	table  *stock.Table
	read   atomic.Int64 // bytes of orders read, for progress
}

// Run replays the orders under every (scenario, policy) pair, each on its own
// copy of the stock, Workers at a time. When ctx is cancelled it stops,
// and returns the partial results with an error wrapping ErrInterrupted.
func Run(ctx context.Context, cfg Config) (*Results, error) {
	if cfg.Network == nil || !cfg.Network.Initialized() {
		return nil, errors.New("simulate: network missing or not initialised")
	}
	if cfg.Stock == nil {
		return nil, errors.New("simulate: stock missing")
	}
	if cfg.Stock.Nodes() != len(cfg.Network.Nodes) {
		return nil, fmt.Errorf("simulate: the stock covers %d nodes, the network has %d", cfg.Stock.Nodes(), len(cfg.Network.Nodes))
	}
	if cfg.Orders == nil {
		return nil, errors.New("simulate: orders missing")
	}
	if cfg.History != nil && cfg.Forecast != nil {
		return nil, errors.New("simulate: a history and a forecast: give one")
	}
	if cfg.PlanModel != "" {
		if err := planning.CheckModel(cfg.PlanModel); err != nil {
			return nil, fmt.Errorf("simulate: %w", err)
		}
	}
	if cfg.PlanSamples < 0 {
		return nil, fmt.Errorf("simulate: plan samples %d: want 0 (the default) or more", cfg.PlanSamples)
	}
	if cfg.PlanWorkers < 0 {
		return nil, fmt.Errorf("simulate: plan workers %d: want 0 (the default) or more", cfg.PlanWorkers)
	}
	switch cfg.BoundMethod {
	case "", BoundLagrangian, BoundLP:
	default:
		return nil, fmt.Errorf("simulate: bound method %q: want %q or %q", cfg.BoundMethod, BoundLagrangian, BoundLP)
	}
	reg := cfg.registry()
	cfg.Registry = reg
	policies := cfg.Policies
	if len(policies) == 0 {
		policies = reg.Names()
	}
	for _, p := range policies {
		if !reg.Has(p) {
			_, err := reg.New(p, cfg.Network)
			return nil, fmt.Errorf("simulate: %w", err)
		}
	}
	if cfg.Prices == nil && plans(reg, policies, cfg.Network) {
		// The replay's span sets the season's end (SeasonAtReplayEnd) and
		// how often a short replay plans (PlanInterval).
		if atEnd := cfg.SeasonAtReplayEnd && cfg.SeasonEnd.IsZero(); atEnd || cfg.PlanInterval <= 0 {
			first, last, err := ReplaySpan(cfg.Orders, cfg.SkipBad)
			if err != nil {
				return nil, fmt.Errorf("simulate: the replay's span: %w", err)
			}
			if atEnd {
				cfg.SeasonEnd = last
			}
			if cfg.PlanInterval <= 0 {
				cfg.PlanInterval = PlanInterval(last.Sub(first))
				if cfg.PlanModel == PlanOrders {
					cfg.PlanInterval *= planning.OrdersPlanEvery
				}
			}
		}
	}
	settings := solverSettings()
	if cfg.Settings != nil {
		settings = *cfg.Settings
	}
	scens := make([]*prepared, 0, 1+len(cfg.Scenarios))
	names := map[string]bool{}
	all := append([]*Scenario{nil}, cfg.Scenarios...)
	if cfg.NoBaseline {
		if len(cfg.Scenarios) == 0 {
			return nil, errors.New("simulate: no baseline and no scenario to replay")
		}
		all = cfg.Scenarios
	}
	for _, s := range all {
		pr, err := s.apply(cfg.Network)
		if err != nil {
			return nil, err
		}
		if names[pr.name] {
			return nil, fmt.Errorf("scenario %s: name used twice", pr.name)
		}
		names[pr.name] = true
		scens = append(scens, pr)
	}
	var jobs []*job
	tables := make([]*stock.Table, len(scens))
	for i, sc := range scens {
		table, err := scenarioStock(cfg.Stock, sc)
		if err != nil {
			return nil, err
		}
		sc.reps = cfg.Replenishments
		if !cfg.LiveFalls {
			if table, sc.reps, err = applyFalls(table, cfg.Replenishments, sc.net, cfg.SkipBad); err != nil {
				return nil, fmt.Errorf("scenario %s: %w", sc.name, err)
			}
		}
		tables[i] = table
		for _, p := range policies {
			jobs = append(jobs, &job{index: len(jobs), policy: p, scen: sc, table: table})
		}
	}

	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(jobs))
	planWorkers := cfg.PlanWorkers
	if planWorkers <= 0 {
		planWorkers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	results := make([]Result, len(jobs))
	stats := make([]ReadStats, len(jobs))
	decisionFiles := make([]string, len(jobs))
	defer func() {
		for _, f := range decisionFiles {
			if f != "" {
				os.Remove(f)
			}
		}
	}()
	errs := make([]error, len(jobs))
	queue := make(chan *job)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				r := &replay{cfg: &cfg, job: j, settings: settings, planWorkers: planWorkers}
				if cfg.Decisions != nil {
					f, err := os.CreateTemp(cfg.TempDir, "omniroute-decisions-*.csv")
					if err != nil {
						errs[j.index] = fmt.Errorf("decisions: %w", err)
						cancel(errs[j.index])
						continue
					}
					decisionFiles[j.index] = f.Name()
					r.decisions = f
				}
				res, st, err := r.run(ctx)
				if r.decisions != nil {
					if cerr := r.decisions.Close(); err == nil && cerr != nil {
						err = fmt.Errorf("decisions: %w", cerr)
					}
				}
				results[j.index], stats[j.index], errs[j.index] = res, st, err
				if err != nil && !errors.Is(err, ErrInterrupted) {
					cancel(err)
				}
			}
		}()
	}
	stopProgress := startProgress(ctx, cfg, jobs)
feed:
	for _, j := range jobs {
		select {
		case queue <- j:
		case <-ctx.Done():
			// Jobs never started are reported as partial (empty) replays.
			for _, k := range jobs[j.index:] {
				results[k.index] = emptyResult(k)
				errs[k.index] = ErrInterrupted
			}
			break feed
		}
	}
	close(queue)
	wg.Wait()
	stopProgress()

	// A real failure wins over an interruption; an interruption caused by
	// one run's failure reports that failure.
	var interrupted bool
	for _, err := range errs {
		if err != nil && !errors.Is(err, ErrInterrupted) {
			return nil, err
		}
		if err != nil {
			interrupted = true
		}
	}
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.Canceled) {
		return nil, cause
	}
	if cfg.Bound && !interrupted {
		files, err := cfg.addBounds(ctx, scens, tables, policies, results)
		decisionFiles = append(decisionFiles, files...)
		if err != nil {
			return nil, err
		}
	}
	out := &Results{Results: results, Input: stats[0], Partial: interrupted}
	out.TransferSavings = transferSavings(results, cfg.ExpectedSaving)
	if cfg.Decisions != nil {
		if err := mergeDecisions(cfg.Decisions, decisionFiles); err != nil {
			return nil, err
		}
	}
	if interrupted {
		return out, ErrInterrupted
	}
	return out, nil
}

// addBounds computes each scenario's hindsight bound and sets it, with
// each policy's gap to it, on the scenario's results. With cfg.Decisions
// it writes each scenario's hindsight routing as decisions (policy
// PolicyHindsight) into temporary files, returned (even with an error, to
// be removed) to be merged after the replays'.
func (cfg *Config) addBounds(ctx context.Context, scens []*prepared, tables []*stock.Table, policies []string, results []Result) (decisionFiles []string, err error) {
	var relax time.Duration
	if slices.Contains(policies, PolicyBatch) {
		relax = cfg.batchWindow()
	}
	for i, sc := range scens {
		var b ScenarioBound
		if len(sc.transfers) > 0 {
			// The model has no transfer movements: a bound without them
			// would not bound a replay that applies them.
			b.Note = "no bound for a replay with a transfer plan"
		} else {
			var dw *bufio.Writer
			var f *os.File
			if cfg.Decisions != nil {
				if f, err = os.CreateTemp(cfg.TempDir, "omniroute-decisions-*.csv"); err != nil {
					return decisionFiles, fmt.Errorf("decisions: %w", err)
				}
				decisionFiles = append(decisionFiles, f.Name())
				dw = bufio.NewWriterSize(f, 256<<10)
			}
			b, err = cfg.hindsightBound(ctx, sc, tables[i], relax, dw)
			if f != nil {
				if ferr := dw.Flush(); err == nil && ferr != nil {
					err = fmt.Errorf("decisions: %w", ferr)
				}
				if cerr := f.Close(); err == nil && cerr != nil {
					err = fmt.Errorf("decisions: %w", cerr)
				}
			}
			if err != nil {
				return decisionFiles, fmt.Errorf("scenario %s: %w", sc.name, err)
			}
			if b.OK && b.lent > 0 {
				// The tills may take a row's safety stock and reserved
				// units, which the bound then lends the orders too (see
				// walkIns): weaker, still a bound.
				b.Note = strings.TrimPrefix(b.Note+fmt.Sprintf("; safety or reserved units the tills may take, which the bound lends the orders too: %d", b.lent), "; ")
			}
		}
		for k := range results {
			r := &results[k]
			if r.Scenario != sc.name {
				continue
			}
			if b.Vars > 0 {
				r.BoundModel = &BoundModel{Rows: b.Rows, Cols: b.Vars, SolveMS: b.SolveMS, Rounds: b.Rounds}
			}
			r.BoundNote = b.Note
			if !b.OK {
				continue
			}
			bound, gap := b.Bound, round(joint.GapTo(r.TotalWithLost, b.Bound), 6)
			r.Bound, r.GapToBound, r.BoundMethod = &bound, &gap, b.Method
			if b.HindsightOK {
				h := b.Hindsight
				r.HindsightCost = &h
				if r.kinds != nil && !r.Partial {
					r.GapByKind = gapByKind(r.kinds, b.kinds)
				}
			}
		}
	}
	return decisionFiles, nil
}

// emptyResult is the result of a replay that never started.
func emptyResult(j *job) Result {
	r := Result{Policy: j.policy, Scenario: j.scen.name, Partial: true}
	r.KPIs, r.Series = newAccumulator(j.scen.net).kpis(j.scen.net)
	return r
}

// scenarioStock returns the starting stock of a scenario: the baseline
// table itself, or a new table over the scenario's network with the
// baseline rows and the scenario's safety stock and added-node copies.
func scenarioStock(base *stock.Table, sc *prepared) (*stock.Table, error) {
	if sc.safety == nil && len(sc.copies) == 0 && len(sc.net.Nodes) == base.Nodes() && sc.name == Baseline {
		return base, nil
	}
	t := stock.New(sc.net)
	rows := base.Snapshot()
	for _, r := range rows {
		if sc.safety != nil && sc.safety[r.Node] >= 0 {
			r.Safety = sc.safety[r.Node]
		}
		if err := t.Set(r.Node, r.SKU, r); err != nil {
			return nil, fmt.Errorf("scenario %s: stock: %w", sc.name, err)
		}
	}
	for _, c := range sc.copies {
		for _, r := range rows {
			if r.Node != c.from {
				continue
			}
			q := float64(r.OnHand)*c.factor + 0.5
			if q > math.MaxInt32 {
				return nil, fmt.Errorf("scenario %s: stock of %s: %s x %v is above %d", sc.name, sc.net.Nodes[c.to].ID, r.SKU, c.factor, math.MaxInt32)
			}
			r.OnHand = int32(q)
			r.Reserved, r.Seq = 0, 0
			if sc.safety != nil && sc.safety[c.to] >= 0 {
				r.Safety = sc.safety[c.to]
			}
			if err := t.Set(c.to, r.SKU, r); err != nil {
				return nil, fmt.Errorf("scenario %s: stock of %s: %w", sc.name, sc.net.Nodes[c.to].ID, err)
			}
		}
	}
	return t, nil
}

// mergeDecisions writes the header and each replay's decision file, in
// order.
func mergeDecisions(w io.Writer, files []string) error {
	if _, err := io.WriteString(w, DecisionHeader+"\n"); err != nil {
		return fmt.Errorf("decisions: %w", err)
	}
	for _, name := range files {
		if name == "" {
			continue
		}
		f, err := os.Open(name)
		if err != nil {
			return fmt.Errorf("decisions: %w", err)
		}
		_, err = io.Copy(w, f)
		f.Close()
		if err != nil {
			return fmt.Errorf("decisions: %s: %w", filepath.Base(name), err)
		}
	}
	return nil
}
