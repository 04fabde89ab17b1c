package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/joint"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/quote"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/stock"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// runGen writes a synthetic dataset: network.yaml, stock.csv, orders.csv and
// replenishments.csv.
func runGen(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gen", stderr)
	d := dataset.DefaultConfig()
	seed := fs.Uint64("seed", d.Seed, "random seed: the same seed and sizes give the same bytes")
	out := fs.String("out", "", "directory to write the dataset into (required)")
	stores := fs.Int("stores", d.Stores, "number of stores")
	warehouses := fs.Int("warehouses", d.Warehouses, "number of warehouses")
	dark := fs.Int("dark-stores", d.DarkStores, "number of dark stores")
	skus := fs.Int("skus", d.SKUs, "number of SKUs")
	orders := fs.Int("orders", d.Orders, "number of orders")
	days := fs.Int("days", d.Days, "number of days the orders span")
	start := fs.String("start", d.Start.Format("2006-01-02"), "first day (YYYY-MM-DD)")
	profile := fs.String("profile", "default", "kind of network: default (stores, dark stores and warehouses over Kazakhstan), "+dataset.ProfileJasinSinha+
		" (10 warehouses, 100 customer cities, multi-item orders, lost sales, no replenishment) or "+dataset.ProfileAmilMakhdoumiWei+
		" (10 warehouses, 99 customer cities, 20 SKUs in 25 order types of 1 to 5 SKUs, stock at the mean demand, lost sales, no replenishment); for these two, sizes not given take the profile's defaults")
	regions := fs.Int("regions", dataset.JasinSinhaConfig().Regions, fmt.Sprintf("customer cities of the %s profile, and of the %s profile (%d when not given)",
		dataset.ProfileJasinSinha, dataset.ProfileAmilMakhdoumiWei, dataset.AmilMakhdoumiWeiConfig().Regions))
	historyDays := fs.Int("history-days", dataset.JasinSinhaConfig().HistoryDays, "days of orders before --start the "+dataset.ProfileJasinSinha+
		" and "+dataset.ProfileAmilMakhdoumiWei+" profiles write to "+dataset.HistoryFile+" (0: none), for simulate --history")
	shape := dataset.AMWDefaultShape()
	maxSize := fs.Int("max-order-size", shape.MaxSize, "the "+dataset.ProfileAmilMakhdoumiWei+" profile's largest order type (SKUs), and the most parcels an order may ship in")
	typesPerSize := fs.Int("types-per-size", shape.TypesPerSize, "the "+dataset.ProfileAmilMakhdoumiWei+" profile's order types of each size")
	carry := fs.Float64("carry", shape.Carry, "the "+dataset.ProfileAmilMakhdoumiWei+" profile's chance that a warehouse carries a SKU")
	tillSales := fs.Float64("till-sales", 0, "the default profile's stores' sales at the till, written into replenishments.csv as falls of stock (rows of qty -1): of each SKU a store stocks, this many times what its online demand asks of it a day (0: none)")
	writeOffs := fs.Float64("write-offs", 0, "the default profile's stores' and dark stores' write-offs (damage, expiry, recounts down), written into replenishments.csv as falls marked adjustments (qty -1, reason adjustment): of each SKU a node stocks, this many times what its online demand asks of it a day (0: none)")
	tillStocked := fs.Bool("till-stocked", false, "with --till-sales, stock, refill and shelve the stores for their tills' sales as well as their online demand (without it the tills soon go without)")
	safetyZ := fs.Float64("safety-z", shape.SafetyZ, "the "+dataset.ProfileAmilMakhdoumiWei+" profile's stock above the mean demand, in standard deviations of a Poisson count of that mean")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: omniroute gen --out DIR [--profile %s] [--seed N --stores N --warehouses N --dark-stores N --skus N --orders N --days N --start YYYY-MM-DD --regions N --history-days N --till-sales F --till-stocked --write-offs F] [--max-order-size N --types-per-size N --carry P --safety-z Z]\n\n"+
			"Writes %s, %s, %s and %s: a network over Kazakhstan's cities with demand\n"+
			"proportional to population, Zipf-like SKU popularity, daily and weekly seasonality, and\n"+
			"pickup (BOPIS) and express courier requests; or, with --profile %s or %s,\n"+
			"a network of warehouses in the style of the paper of that name.\n\n",
			strings.Join(dataset.Profiles(), "|"), dataset.NetworkFile, dataset.StockFile, dataset.OrdersFile, dataset.ReplenishmentsFile,
			dataset.ProfileJasinSinha, dataset.ProfileAmilMakhdoumiWei)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("%w: --out is required", errUsage)
	}
	st, err := time.Parse("2006-01-02", *start)
	if err != nil {
		return fmt.Errorf("%w: --start: %v", errUsage, err)
	}
	cfg := dataset.Config{
		Seed: *seed, Stores: *stores, Warehouses: *warehouses, DarkStores: *dark,
		SKUs: *skus, Orders: *orders, Days: *days, Start: st, TillSales: *tillSales, TillStocked: *tillStocked, WriteOffs: *writeOffs,
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for _, name := range []string{"max-order-size", "types-per-size", "carry", "safety-z"} {
		if set[name] && *profile != dataset.ProfileAmilMakhdoumiWei {
			return fmt.Errorf("%w: --%s is for --profile %s", errUsage, name, dataset.ProfileAmilMakhdoumiWei)
		}
	}
	if *profile == dataset.ProfileAmilMakhdoumiWei {
		if *maxSize < 1 || *typesPerSize < 1 || *carry <= 0 {
			return fmt.Errorf("%w: --max-order-size and --types-per-size must be at least 1 and --carry above 0", errUsage)
		}
		cfg.Shape = dataset.AMWShape{MaxSize: *maxSize, TypesPerSize: *typesPerSize, Carry: *carry, SafetyZ: *safetyZ}
	}
	switch *profile {
	case "default", "":
		if set["history-days"] {
			return fmt.Errorf("%w: --history-days is for --profile %s or %s (the default profile's orders span weeks: split them by date)",
				errUsage, dataset.ProfileJasinSinha, dataset.ProfileAmilMakhdoumiWei)
		}
	case dataset.ProfileJasinSinha, dataset.ProfileAmilMakhdoumiWei:
		// The profile's own sizes, but for the flags given.
		js := dataset.JasinSinhaConfig()
		if *profile == dataset.ProfileAmilMakhdoumiWei {
			js = dataset.AmilMakhdoumiWeiConfig()
		}
		pick := func(name string, flagValue, profileValue int) int {
			if set[name] {
				return flagValue
			}
			return profileValue
		}
		cfg.Profile = js.Profile
		cfg.Regions, cfg.HistoryDays = pick("regions", *regions, js.Regions), pick("history-days", *historyDays, js.HistoryDays)
		cfg.Stores, cfg.DarkStores = pick("stores", *stores, 0), pick("dark-stores", *dark, 0)
		cfg.Warehouses, cfg.SKUs = pick("warehouses", *warehouses, js.Warehouses), pick("skus", *skus, js.SKUs)
		cfg.Orders, cfg.Days = pick("orders", *orders, js.Orders), pick("days", *days, js.Days)
	default:
		return fmt.Errorf("%w: --profile: %q is not one of %s", errUsage, *profile, strings.Join(dataset.Profiles(), ", "))
	}
	sum, err := dataset.Generate(ctx, cfg, *out)
	if errors.Is(err, dataset.ErrConfig) {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: %d nodes, %d SKUs, %d stock rows, %d orders (%d lines), %d replenishments\n",
		*out, sum.Nodes, sum.SKUs, sum.StockRows, sum.Orders, sum.Lines, sum.Replenishments)
	if sum.HistoryOrders > 0 {
		fmt.Fprintf(stdout, "wrote %s: %d orders (%d lines) before %s\n",
			filepath.Join(*out, dataset.HistoryFile), sum.HistoryOrders, sum.HistoryLines, cfg.Start.Format("2006-01-02"))
	}
	return nil
}

// multiFlag collects a repeatable flag.
type multiFlag []string

// String implements flag.Value.
func (m *multiFlag) String() string { return strings.Join(*m, ",") }

// Set implements flag.Value: each use of the flag adds a value.
func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

// runSimulate replays orders through policies and scenarios and prints KPIs.
// The words --season-end takes beside a time: the replay's end (the
// default) and no season.
const (
	seasonAtReplayEnd = "replay"
	seasonNone        = "none"
)

func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("simulate", stderr)
	netPath := fs.String("network", "", "network file (YAML, required)")
	stockPath := fs.String("stock", "", "stock file (CSV node,sku,on_hand,safety_stock; required)")
	ordersPath := fs.String("orders", "", "orders file (CSV, one row per line, sorted by created_at; required); several files or glob patterns, separated by commas, are merged by created_at")
	repPath := fs.String("replenishments", "", "replenishments file (CSV at,node,sku,qty; sorted by at; several files or glob patterns, separated by commas, are merged by at)")
	registry := simulate.DefaultRegistry()
	// By default the policies that decide one order at a time; lookahead
	// and batch, which solve linear programmes as the replay goes, run
	// when named.
	perOrder := slices.DeleteFunc(registry.Names(), func(n string) bool { return n == policy.Lookahead || n == simulate.PolicyBatch })
	policies := fs.String("policy", strings.Join(perOrder, ","), "comma-separated policies of "+strings.Join(registry.Names(), ", ")+"; lookahead and batch only when named")
	var scenarios multiFlag
	fs.Var(&scenarios, "scenario", "scenario file (YAML overrides); repeatable; the baseline is always run")
	asJSON := fs.Bool("json", false, "print the results as JSON")
	reportDir := fs.String("report", "", "write an HTML report with charts into this directory")
	decisions := fs.String("decisions", "", "write every decision to this CSV file")
	skipBad := fs.Bool("skip-bad", false, "count and skip malformed rows and invalid orders instead of failing")
	falls := fs.String("falls", "held", "how the falls of stock of --replenishments (rows of negative qty: sales at the till, write-offs) are replayed: held (their units kept from every order from the start) or live (each takes what is on hand at its time, what it misses counted as walk_in_short_units, and the look-ahead learns their rates)")
	quotesPath := fs.String("quotes", "", "recorded courier quotes (CSV "+quote.RecordedHeader+"); trips not in it are priced by the rate cards")
	workers := fs.Int("workers", 0, "replays to run at once (0 = number of CPUs)")
	bound := fs.Bool("bound", false, "compute each scenario's hindsight bound (every order known in advance), its hindsight routing and each policy's gap_to_bound")
	boundMax := fs.Int("bound-max-vars", simulate.DefaultBoundMaxVars, "with --bound-method lp, skip the bound when its model passes this many columns")
	boundTime := fs.Duration("bound-time-limit", simulate.DefaultBoundTimeLimit, "stop each scenario's bound after this long: the bound is then a weaker one (what the Lagrangian rounds or the LP's duals proved by then), and an LP stopped has no hindsight routing")
	boundMethod := fs.String("bound-method", simulate.BoundLagrangian, "how the bound is computed: lagrangian (whole plans of each order, priced on the stock and capacity the orders share, by column generation; any size, at least the LP's bound) or lp (the hindsight LP, up to --bound-max-vars columns)")
	boundRounds := fs.Int("bound-rounds", joint.DefaultLagrangeRounds, "the most pricing rounds of the Lagrangian bound")
	boundLP := fs.String("bound-lp-out", "", "with --bound, write each scenario's hindsight model (CPLEX LP) into this directory as SCENARIO.lp")
	boundPrices := fs.String("bound-prices-out", "", "with --bound, write each scenario's hindsight prices (what a unit of each node and SKU is worth with every order known; for --prices) into this directory as SCENARIO.prices.csv")
	batchWindow := fs.Duration("batch-window", simulate.DefaultBatchWindow, "the batch policy's wave: it holds non-express orders this long at most")
	transfersPath := fs.String("transfers", "", "transfer plan (CSV "+simulate.TransferHeader+", as omniroute allocate writes it): replayed as scenario \"transfers\" beside the others")
	allocationPath := fs.String("allocation", "", "omniroute allocate's --json output for the --transfers plan: its expected saving is shown beside the replayed one")
	history := fs.String("history", "", "orders before the replay (CSV as --orders; several files as --orders): the lookahead policy's forecast starts from them")
	forecastPath := fs.String("forecast", "", "demand forecast (CSV region,sku,method,units_per_day[,...], as omniroute plan --forecast-out writes it) instead of --history: each plan of lookahead and batch blends it with the orders replayed so far, the file weighing as a day of them")
	planInterval := fs.Duration("plan-interval", 0, fmt.Sprintf("simulated time between two plans of the lookahead policy (0: %v, or the replay's span / %d when it spans less than a day; %d times that with --plan-model %s)",
		simulate.DefaultPlanInterval, simulate.MinReplayPlans, planning.OrdersPlanEvery, simulate.PlanOrders))
	planSamples := fs.Int("plan-samples", 0, fmt.Sprintf("how many samples of the orders a plan by orders averages its prices over (0: %d); fewer is faster", planning.OrdersPlanScenarios))
	planWorkers := fs.Int("plan-workers", 0, "how many samples of a plan by orders a replay solves at once, the plan the same for any number (0: one per CPU)")
	planModel := fs.String("plan-model", simulate.PlanAuto, "what the plans of lookahead and batch price units with: "+simulate.PlanDemand+
		" (the expected-demand LP over regions and SKUs), "+simulate.PlanOrders+" (the mean Lagrangian stock values of samples of the orders seen, the history and those replayed, over the stock on hand and the arrivals due) or "+
		simulate.PlanAuto+" ("+planning.AutoRule()+")")
	planHorizon := fs.Duration("plan-horizon", 0, fmt.Sprintf("how far each plan of the lookahead policy looks ahead (0: %v, or, when the replenishments schedule no arrival after the first plan, %v or the season's length from the first plan to --season-end when longer)",
		simulate.DefaultPlanHorizon, simulate.SeasonPlanHorizon))
	seasonEnd := fs.String("season-end", seasonAtReplayEnd, "when the season ends: the stock and the replenishments before then must last until then, and lookahead and batch keep the units of SKUs likely to sell out by then for the later orders that need them when that is worth more, weighed by the chance; an RFC 3339 time, \""+seasonAtReplayEnd+"\" (the latest order's time: nothing the replay counts comes after it) or \""+seasonNone+"\"")
	pricesPath := fs.String("prices", "", "opportunity costs (CSV node,sku,price, as omniroute plan --out writes it) for lookahead and batch, fixed for the whole replay: no plans")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: omniroute simulate --network F --stock F --orders F [--replenishments F] [--policy P,...] [--quotes F]\n"+
			"         [--scenario S.yaml ...] [--transfers T.csv [--allocation A.json]] [--json] [--report DIR] [--decisions F.csv]\n"+
			"         [--skip-bad] [--workers N] [--falls held|live] [--history F | --forecast F] [--plan-model auto|demand|orders [--plan-samples N] [--plan-workers N]] [--plan-interval D] [--plan-horizon D] [--season-end T] [--prices P.csv]\n"+
			"         [--bound [--bound-method lagrangian|lp] [--bound-max-vars N] [--bound-rounds N] [--bound-time-limit D] [--bound-lp-out DIR] [--bound-prices-out DIR]] [--batch-window D]")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *netPath == "" || *stockPath == "" || *ordersPath == "" {
		return fmt.Errorf("%w: --network, --stock and --orders are required", errUsage)
	}
	pols, err := registry.Parse(*policies)
	if err != nil {
		return fmt.Errorf("%w: --policy: %v", errUsage, err)
	}
	if *workers < 0 {
		return fmt.Errorf("%w: --workers must not be negative", errUsage)
	}
	if *falls != "held" && *falls != "live" {
		return fmt.Errorf("%w: --falls %q: want held or live", errUsage, *falls)
	}
	if *batchWindow <= 0 {
		return fmt.Errorf("%w: --batch-window must be positive", errUsage)
	}
	if *boundTime <= 0 {
		return fmt.Errorf("%w: --bound-time-limit must be positive", errUsage)
	}
	if *boundMax <= 0 {
		return fmt.Errorf("%w: --bound-max-vars must be positive", errUsage)
	}
	switch *boundMethod {
	case simulate.BoundLP, simulate.BoundLagrangian:
	default:
		return fmt.Errorf("%w: --bound-method %q: want %s or %s", errUsage, *boundMethod, simulate.BoundLagrangian, simulate.BoundLP)
	}
	if *boundRounds <= 0 {
		return fmt.Errorf("%w: --bound-rounds must be positive", errUsage)
	}
	for _, out := range []struct{ flag, dir string }{{"--bound-lp-out", *boundLP}, {"--bound-prices-out", *boundPrices}} {
		if out.dir == "" {
			continue
		}
		if !*bound {
			return fmt.Errorf("%w: %s needs --bound", errUsage, out.flag)
		}
		if st, err := os.Stat(out.dir); err != nil || !st.IsDir() {
			return fmt.Errorf("%w: %s %s: not a directory", errUsage, out.flag, out.dir)
		}
	}
	if *planInterval < 0 || *planHorizon < 0 {
		return fmt.Errorf("%w: --plan-interval and --plan-horizon must not be negative", errUsage)
	}
	var season time.Time
	switch *seasonEnd {
	case seasonAtReplayEnd, seasonNone:
	default:
		if season, err = time.Parse(time.RFC3339, *seasonEnd); err != nil {
			return fmt.Errorf("%w: --season-end: %q is neither an RFC 3339 time nor %q or %q", errUsage, *seasonEnd, seasonAtReplayEnd, seasonNone)
		}
		if *pricesPath != "" {
			return fmt.Errorf("%w: --season-end is for the replay's plans, --prices fixes the prices: give one", errUsage)
		}
	}
	if *pricesPath != "" && (*history != "" || *forecastPath != "") {
		return fmt.Errorf("%w: --prices fixes the prices, --history and --forecast are for the replay's plans: give one", errUsage)
	}
	switch *planModel {
	case simulate.PlanAuto, simulate.PlanDemand, simulate.PlanOrders:
	default:
		return fmt.Errorf("%w: --plan-model %q: want %s, %s or %s", errUsage, *planModel, simulate.PlanAuto, simulate.PlanDemand, simulate.PlanOrders)
	}
	if *pricesPath != "" && *planModel == simulate.PlanOrders {
		return fmt.Errorf("%w: --prices fixes the prices, --plan-model is for the replay's plans: give one", errUsage)
	}
	if *history != "" && *forecastPath != "" {
		return fmt.Errorf("%w: give one of --history and --forecast", errUsage)
	}
	net, err := network.Load(*netPath)
	if err != nil {
		return err
	}
	for _, w := range net.Warnings() {
		fmt.Fprintf(stderr, "omniroute simulate: warning: %s: %s\n", *netPath, w)
	}
	sf, err := os.Open(*stockPath)
	if err != nil {
		return fmt.Errorf("stock: %w", err)
	}
	table, err := stock.ReadCSV(sf, *stockPath, net)
	sf.Close()
	if err != nil {
		return err
	}
	orders, err := orderFiles("orders", *ordersPath)
	if err != nil {
		return err
	}
	cfg := simulate.Config{
		Network: net, Stock: table, Orders: orders,
		Policies: pols, Registry: registry, SkipBad: *skipBad, Workers: *workers,
		Bound: *bound, BoundMaxVars: *boundMax, BoundTimeLimit: *boundTime, BoundMethod: *boundMethod, BoundRounds: *boundRounds, BoundLPDir: *boundLP, BoundPricesDir: *boundPrices, BatchWindow: *batchWindow,
		PlanInterval: *planInterval, PlanHorizon: *planHorizon, SeasonEnd: season, PlanModel: *planModel, PlanSamples: *planSamples, PlanWorkers: *planWorkers,
		SeasonAtReplayEnd: *seasonEnd == seasonAtReplayEnd,
		LiveFalls:         *falls == "live",
	}
	if *history != "" {
		if cfg.History, err = orderFiles("history", *history); err != nil {
			return err
		}
	}
	if *forecastPath != "" {
		r, err := os.Open(*forecastPath)
		if err != nil {
			return fmt.Errorf("forecast: %w", err)
		}
		cfg.Forecast, err = forecast.ReadCSV(r, *forecastPath, forecast.NewRegions(net))
		r.Close()
		if err != nil {
			return err
		}
	}
	if *pricesPath != "" {
		prices, at, err := readPricesFile(*pricesPath, net)
		if err != nil {
			return err
		}
		cfg.Prices, cfg.PricesAt = planning.NewPrices(prices, len(net.Nodes), at), at
	}
	if *quotesPath != "" {
		if cfg.Quotes, err = quote.LoadRecorded(*quotesPath); err != nil {
			return err
		}
	}
	if *repPath != "" {
		if cfg.Replenishments, err = orderFiles("replenishments", *repPath); err != nil {
			return err
		}
	}
	for _, p := range scenarios {
		s, err := simulate.LoadScenario(p)
		if err != nil {
			return err
		}
		cfg.Scenarios = append(cfg.Scenarios, s)
	}
	if *allocationPath != "" && *transfersPath == "" {
		return fmt.Errorf("%w: --allocation needs --transfers", errUsage)
	}
	if *transfersPath != "" {
		plan, err := readTransferPlan(*transfersPath, net, table)
		if err != nil {
			return err
		}
		cfg.Scenarios = append(cfg.Scenarios, &simulate.Scenario{Name: "transfers", Transfers: plan})
	}
	if *allocationPath != "" {
		saving, err := readExpectedSaving(*allocationPath)
		if err != nil {
			return err
		}
		cfg.ExpectedSaving = &saving
	}
	var decFile *os.File
	if *decisions != "" {
		// Like --report DIR, a directory the file names is created.
		if err := os.MkdirAll(filepath.Dir(*decisions), 0o755); err != nil {
			return fmt.Errorf("decisions: %w", err)
		}
		if decFile, err = os.Create(*decisions); err != nil {
			return fmt.Errorf("decisions: %w", err)
		}
		defer decFile.Close()
		cfg.Decisions = decFile
		cfg.TempDir = filepath.Dir(*decisions)
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar := progressbar.NewOptions64(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("replaying"),
			progressbar.OptionShowBytes(true),
			progressbar.OptionSetWidth(30),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionClearOnFinish(),
		)
		cfg.Progress = func(done, total int64) {
			if bar.GetMax64() != total {
				bar.ChangeMax64(total)
			}
			_ = bar.Set64(done)
		}
		defer bar.Finish()
		var shown bool
		cfg.BoundProgress = func(p simulate.BoundProgress) {
			// One line, written over as the bound moves, cleared at the end.
			fmt.Fprintf(stderr, "\r\033[K%s", boundLine(p))
			shown = true
		}
		defer func() {
			if shown {
				fmt.Fprint(stderr, "\r\033[K")
			}
		}()
	}

	res, runErr := simulate.Run(ctx, cfg)
	if runErr != nil && !errors.Is(runErr, simulate.ErrInterrupted) {
		return runErr
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		if err := simulate.WriteTable(stdout, res); err != nil {
			return err
		}
	}
	if err := simulate.WriteSkipped(stderr, res, "omniroute simulate: "); err != nil {
		return err
	}
	if s := res.Input; s.BadRows > 0 || s.OutOfOrder > 0 {
		fmt.Fprintf(stderr, "omniroute simulate: %s: %s\n", *ordersPath, s)
	}
	if *reportDir != "" {
		if err := simulate.WriteReport(*reportDir, res); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "report written to %s\n", filepath.Join(*reportDir, "index.html"))
	}
	if decFile != nil {
		if err := decFile.Close(); err != nil {
			return fmt.Errorf("decisions: %w", err)
		}
	}
	return runErr
}

// boundLine says where a scenario's hindsight bound stands, for a
// terminal while it is computed.
func boundLine(p simulate.BoundProgress) string {
	if p.DiveSteps > 0 {
		return fmt.Sprintf("hindsight bound of %s: %.2f after %d rounds; routing in hindsight: step %d, %.2f",
			p.Scenario, p.Bound, p.Round, p.DiveSteps, p.Master)
	}
	return fmt.Sprintf("hindsight bound of %s: round %d, %.2f, its master %.2f (%d plans)",
		p.Scenario, p.Round, p.Bound, p.Master, p.Columns)
}
