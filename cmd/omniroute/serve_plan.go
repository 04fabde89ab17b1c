package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/orderlog"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/router"
	"github.com/omniroute/omniroute/simulate"
)

// servePlanFlags are serve's flags for the background planner of
// --policy lookahead.
type servePlanFlags struct {
	history, forecast, replenishments, prices string
	// falls are the receipts files whose falls of stock the planner
	// learns the other channels' demand from.
	falls string
	// historyDays reads the history from the database's order log
	// (logURL, set when serve records there).
	historyDays       int
	logURL            string
	interval, horizon time.Duration
	recent, workers   int
	seasonEnd         string
	model             string
	// log is told of a --history that names no file yet.
	log *slog.Logger
}

func addServePlanFlags(fs *flag.FlagSet) *servePlanFlags {
	f := &servePlanFlags{}
	fs.StringVar(&f.history, "history", "", "order history (CSV as simulate reads it; several files or glob patterns, separated by commas, are merged by created_at): the lookahead policy's forecast")
	fs.IntVar(&f.historyDays, "history-days", 0, "with --order-log-db: the lookahead policy's history is the orders the replicas recorded in the database over the last `N` days, instead of --history")
	fs.StringVar(&f.falls, "falls-history", "", "receipts files of the order log (CSV at,node,sku,qty[,reason]; several files or glob patterns, separated by commas): the lookahead policy's plans learn from their falls of stock (negative rows: sales at the till; those whose reason is adjustment, recounts and write-offs, are not demand and are left out) how fast each row falls other than by the orders routed, and keep the falls expected out of the supply they price; with --history-days the database's receipts of those days take its place (the two together are refused)")
	fs.StringVar(&f.forecast, "forecast", "", "demand forecast (CSV region,sku,method,units_per_day[,...]) instead of --history")
	fs.StringVar(&f.replenishments, "replenishments", "", "scheduled arrivals (CSV at,node,sku,qty[,reason]; several files or glob patterns, separated by commas, are merged by at) the lookahead policy's plans count")
	fs.StringVar(&f.prices, "prices", "", "opportunity costs given ahead (CSV node,sku,price, as omniroute plan --out writes it): the lookahead policy's prices until its first plan, or for good without --history or --forecast")
	fs.DurationVar(&f.interval, "plan-interval", router.DefaultPlanInterval, "how often the lookahead policy plans in the background")
	fs.DurationVar(&f.horizon, "plan-horizon", router.DefaultPlanHorizon, "how far each plan of the lookahead policy looks ahead")
	fs.IntVar(&f.workers, "plan-workers", 1, "how many samples of a plan by orders are solved at once, on as many CPUs (0 as 1; the plan is the same for any number)")
	fs.IntVar(&f.recent, "plan-recent-orders", router.DefaultRecentOrders, "the newest routed orders each plan adds to the forecast (0: none)")
	fs.StringVar(&f.model, "plan-model", planning.ModelAuto, "what the lookahead policy's plans price units with: "+planning.ModelDemand+
		" (the expected-demand LP over regions and SKUs), "+planning.ModelOrders+" (the mean Lagrangian stock values of samples of the orders seen, the --history and those routed since start, over the stock on hand and the arrivals due) or "+
		planning.ModelAuto+" ("+planning.AutoRule()+")")
	fs.StringVar(&f.seasonEnd, "season-end", "", "when the season ends (RFC 3339): the stock and the replenishments before then must last until then; lookahead then keeps the units of SKUs likely to sell out by then for the later orders that need them when that is worth more, weighed by the chance")
	return f
}

// config returns the planner's configuration for a look-ahead policy (nil
// for any other, or with --prices alone), reading its forecast, and the
// prices given ahead (nil without --prices).
func (f *servePlanFlags) config(name string, reg *policy.Registry, net *network.Network) (*router.PlanningConfig, *router.FixedPrices, error) {
	pol, err := reg.New(name, net)
	if err != nil {
		return nil, nil, err
	}
	if f.historyDays < 0 {
		return nil, nil, fmt.Errorf("%w: --history-days must not be negative", errUsage)
	}
	if f.historyDays > 0 && f.logURL == "" {
		return nil, nil, fmt.Errorf("%w: --history-days reads the database's order log: it needs --order-log-db", errUsage)
	}
	if _, ok := pol.(policy.Planned); !ok {
		if f.history != "" || f.historyDays > 0 || f.forecast != "" || f.prices != "" || f.seasonEnd != "" || f.falls != "" {
			return nil, nil, fmt.Errorf("%w: --history, --history-days, --forecast, --prices, --season-end and --falls-history are for --policy %s", errUsage, policy.Lookahead)
		}
		return nil, nil, nil
	}
	if n := btoi(f.history != "") + btoi(f.historyDays > 0) + btoi(f.forecast != ""); n > 1 {
		return nil, nil, fmt.Errorf("%w: --policy %s takes one of --history, --history-days and --forecast", errUsage, name)
	}
	var fixed *router.FixedPrices
	if f.prices != "" {
		prices, at, err := readPricesFile(f.prices, net)
		if err != nil {
			return nil, nil, err
		}
		fixed = &router.FixedPrices{Prices: prices, At: at}
	}
	if f.history == "" && f.historyDays == 0 && f.forecast == "" {
		if f.seasonEnd != "" || f.falls != "" {
			return nil, nil, fmt.Errorf("%w: --season-end and --falls-history need --history, --history-days or --forecast", errUsage)
		}
		if fixed == nil {
			return nil, nil, fmt.Errorf("%w: --policy %s needs one of --history, --history-days, --forecast and --prices", errUsage, name)
		}
		return nil, fixed, nil
	}
	cfg, err := f.planning(net)
	return cfg, fixed, err
}

// planning returns the planner's configuration, reading its forecast.
func (f *servePlanFlags) planning(net *network.Network) (*router.PlanningConfig, error) {
	if f.interval <= 0 || f.horizon <= 0 {
		return nil, fmt.Errorf("%w: --plan-interval and --plan-horizon must be positive", errUsage)
	}
	if f.recent < 0 {
		return nil, fmt.Errorf("%w: --plan-recent-orders must not be negative", errUsage)
	}
	if f.workers < 0 {
		return nil, fmt.Errorf("%w: --plan-workers must not be negative", errUsage)
	}
	if f.model != "" {
		if err := planning.CheckModel(f.model); err != nil {
			return nil, fmt.Errorf("%w: --plan-model: %v", errUsage, err)
		}
	}
	cfg := &router.PlanningConfig{Interval: f.interval, Horizon: f.horizon, RecentOrders: f.recent, Model: f.model, Workers: f.workers}
	if f.seasonEnd != "" {
		end, err := time.Parse(time.RFC3339, f.seasonEnd)
		if err != nil {
			return nil, fmt.Errorf("%w: --season-end: %q is not an RFC 3339 time", errUsage, f.seasonEnd)
		}
		cfg.SeasonEnd = end
	}
	if f.recent == 0 {
		cfg.RecentOrders = -1
	}
	regions := forecast.NewRegions(net)
	if f.history != "" || f.historyDays > 0 {
		est := forecast.NewEstimator(net, regions)
		cfg.Bound = &planning.BoundPicks{}
		observe := func(o *network.Order) {
			est.Observe(o)
			cfg.Bound.Observe(o)
		}
		if f.model == planning.ModelOrders || f.model == planning.ModelAuto {
			cfg.Seen = &planning.OrderWindow{}
			observe = func(o *network.Order) {
				est.Observe(o)
				cfg.Bound.Observe(o)
				cfg.Seen.Observe(o)
			}
		}
		var src simulate.Source = orderlog.DBSource{URL: f.logURL, From: time.Now().Add(-time.Duration(f.historyDays) * forecast.Day)}
		if f.history != "" {
			var err error
			src, err = f.historyFiles()
			if err != nil {
				return nil, err
			}
		}
		if src != nil {
			if err := simulate.ObserveOrders(src, false, observe); err != nil {
				return nil, err
			}
		}
		cfg.Demand = est.Estimate(time.Time{})
	} else {
		r, err := os.Open(f.forecast)
		if err != nil {
			return nil, fmt.Errorf("forecast: %w", err)
		}
		cfg.Demand, err = forecast.ReadCSV(r, f.forecast, regions)
		r.Close()
		if err != nil {
			return nil, err
		}
	}
	if f.replenishments != "" {
		var err error
		if cfg.Arrivals, err = readArrivals(f.replenishments, net); err != nil {
			return nil, err
		}
	}
	var err error
	if cfg.Falls, err = f.fallRates(net); err != nil {
		return nil, err
	}
	return cfg, nil
}

// fallRates reads the falls of stock the planner starts from: those of
// --falls-history, or of the database's receipts over --history-days
// (nil with neither). The time observed starts at the first row read
// (at the days' start from the database), so that a row that did not
// fall in it counts as not falling.
func (f *servePlanFlags) fallRates(net *network.Network) (*planning.FallRates, error) {
	var src simulate.Source
	var since time.Time
	switch {
	case f.falls != "" && f.historyDays > 0:
		return nil, fmt.Errorf("%w: --falls-history and --history-days: the database's receipts are the falls' history", errUsage)
	case f.falls != "":
		var err error
		if src, err = f.optionalFiles("falls-history", f.falls, "the look-ahead learns from the falls of the stock updates it applies"); src == nil || err != nil {
			return nil, err
		}
	case f.historyDays > 0:
		since = time.Now().Add(-time.Duration(f.historyDays) * forecast.Day)
		src = orderlog.DBSource{URL: f.logURL, From: since, Receipts: true}
	default:
		return nil, nil
	}
	rates := &planning.FallRates{}
	if !since.IsZero() {
		rates.Start(since)
	}
	return rates, simulate.ObserveFalls(src, net, time.Time{}, rates)
}

// historyFiles opens --history. Its patterns may match nothing yet (the
// order log's day files at a first start, say): then, when nothing else
// is named, it is nil, and the planner learns from the orders routed
// from then on; a path that does not exist is still an error.
func (f *servePlanFlags) historyFiles() (simulate.Source, error) {
	return f.optionalFiles("history", f.history, "the look-ahead learns from the orders it routes")
}

// optionalFiles opens the files of flag name (value: files or glob
// patterns separated by commas), leaving out, with a warning that ends
// with then, the patterns that match nothing yet; nil when none is left.
func (f *servePlanFlags) optionalFiles(name, value, then string) (simulate.Source, error) {
	src, err := orderFiles(name, value)
	if !errors.Is(err, simulate.ErrNoMatch) {
		return src, err
	}
	// Drop the patterns that match nothing and read what is left.
	var kept []string
	for part := range strings.SplitSeq(value, ",") {
		part = strings.TrimSpace(part)
		if m, _ := filepath.Glob(part); part != "" && (len(m) > 0 || !strings.ContainsAny(part, "*?[")) {
			kept = append(kept, part)
		}
	}
	if f.log != nil {
		f.log.Warn("--"+name+": a pattern matches no file yet; "+then, name, value)
	}
	if len(kept) == 0 {
		return nil, nil
	}
	return orderFiles(name, strings.Join(kept, ","))
}

// btoi is 1 for true.
func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
