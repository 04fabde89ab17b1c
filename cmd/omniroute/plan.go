package main

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"time"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/stock"
)

// topPrices is how many of the dearest (node, SKU) prices plan's JSON lists,
// and topSellOuts how many of the SKUs likeliest to sell out.
const (
	topPrices   = 10
	topSellOuts = 10
)

// planReport is what omniroute plan prints.
type planReport struct {
	// Model is what the plan priced units with: planning.ModelDemand (the
	// LP: Result is its) or planning.ModelOrders (Result holds the
	// sample's status, bound, size and prices, Sample the rest).
	Model string `json:"model"`
	planning.Result
	Horizon string `json:"horizon"`
	// Sample describes a plan by orders.
	Sample *sampleReport `json:"sample,omitempty"`
	// Seen is what --plan-model auto chose by.
	Seen *seenReport `json:"orders_seen,omitempty"`
	// Forecast describes the demand the plan was made for.
	Forecast struct {
		Source string    `json:"source"`
		Orders int64     `json:"orders,omitempty"`
		From   time.Time `json:"from,omitzero"`
		To     time.Time `json:"to,omitzero"`
		Days   float64   `json:"days,omitempty"`
		Cells  int       `json:"cells"`
	} `json:"forecast"`
	Arrivals    int              `json:"arrivals"`
	PricedPairs int              `json:"priced_pairs"`
	TopPrices   []planning.Price `json:"top_prices"`
	// Season is the outlook until --season-end (planning.SeasonOutlook).
	Season *seasonReport `json:"season,omitempty"`
	// ExpectedFallUnits is the stock kept out of the supply priced for
	// the falls --falls-history expects within the plan's time.
	ExpectedFallUnits int64 `json:"expected_fall_units,omitempty"`
}

// sampleReport is a plan by orders' samples (planning.OrdersPlan): the
// orders the first built, their units, the units on hand of the pairs
// priced, the stock's scale, the Lagrangian rounds of all, and how many
// samples there were.
type sampleReport struct {
	Orders    int     `json:"orders"`
	Units     float64 `json:"units"`
	OnHand    float64 `json:"on_hand"`
	Scale     float64 `json:"stock_scale"`
	Rounds    int     `json:"rounds"`
	Converged bool    `json:"converged"`
	Until     string  `json:"until"`
	Scenarios int     `json:"scenarios"`
}

// seenReport is what planning.ModelAuto looks at in the --orders
// (planning.OrderWindow): how many it holds, the share of the latest of
// two lines or more whose set of SKUs recurs, and the lines per SKU.
type seenReport struct {
	Orders      int     `json:"orders"`
	RepeatShare float64 `json:"repeat_share"`
	LinesPerSKU float64 `json:"lines_per_sku"`
}

// seasonReport sums up the season's outlook: how many SKUs the forecast
// expects, how many are likely to sell out (policy.SureSellOut), the units
// expected short, and the SKUs likeliest to sell out.
type seasonReport struct {
	End           time.Time          `json:"end"`
	SKUs          int                `json:"skus"`
	Likely        int                `json:"likely_to_sell_out"`
	ExpectedShort float64            `json:"expected_short_units"`
	Top           []planning.Outlook `json:"top"`
}

// newSeasonReport sums outlook up, its SKUs likeliest to sell out first.
func newSeasonReport(end time.Time, outlook []planning.Outlook) *seasonReport {
	r := &seasonReport{End: end, SKUs: len(outlook)}
	for _, o := range outlook {
		if o.SellOut >= policy.SureSellOut {
			r.Likely++
		}
		r.ExpectedShort += o.Short
	}
	r.ExpectedShort = math.Round(r.ExpectedShort*1e4) / 1e4
	top := slices.Clone(outlook)
	slices.SortStableFunc(top, func(a, b planning.Outlook) int { return cmp.Compare(b.SellOut, a.SellOut) })
	r.Top = top[:min(topSellOuts, len(top))]
	return r
}

func runPlan(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plan", stderr)
	netPath := fs.String("network", "", "network file (YAML, required)")
	stockPath := fs.String("stock", "", "stock file (CSV node,sku,on_hand,safety_stock; required)")
	ordersPath := fs.String("orders", "", "order history (CSV as simulate reads it; several files or glob patterns, separated by commas, are merged by created_at): the demand forecast, unless --forecast")
	forecastPath := fs.String("forecast", "", "demand forecast (CSV region,sku,method,units_per_day[,...]) instead of the history's")
	repPath := fs.String("replenishments", "", "scheduled arrivals (CSV at,node,sku,qty[,reason]; several files or glob patterns, separated by commas, are merged by at): those within the horizon add to supply")
	horizon := fs.Duration("horizon", 24*time.Hour, "how far the plan looks ahead")
	atFlag := fs.String("at", "", "when the plan starts (RFC 3339; default: the history's last order)")
	asJSON := fs.Bool("json", false, "print the summary as JSON")
	outPath := fs.String("out", "", "write the opportunity costs to this CSV file (node,sku,price)")
	lpOut := fs.String("lp-out", "", "write the LP model to this file (CPLEX LP format)")
	seasonEnd := fs.String("season-end", "", "when the season ends (RFC 3339): the stock and the arrivals before then must last until then; the summary lists the SKUs likely to sell out by then")
	seasonOut := fs.String("season-out", "", "with --season-end, write every SKU's outlook to this CSV file (sku,supply,expected,sd,sell_out,short)")
	forecastOut := fs.String("forecast-out", "", "write the forecast the plan used to this CSV file, in --forecast's format (to review, edit and plan or serve with)")
	fallsPath := fs.String("falls-history", "", "receipts files of the order log (CSV at,node,sku,qty[,reason]; several files or glob patterns, separated by commas): their falls of stock before the plan's start (negative rows: sales at the till; those whose reason is adjustment, recounts and write-offs, are not demand and are left out) give each row's rate, and the falls expected within the plan's time are kept out of the supply it prices")
	planModel := fs.String("plan-model", planning.ModelAuto, "what the plan prices units with: "+planning.ModelDemand+
		" (the expected-demand LP), "+planning.ModelOrders+" (the mean Lagrangian stock values of samples of the --orders, the latest first and drawn at random, as many as their rate says will come until --season-end or the horizon's end, over the stock on hand and the arrivals due by then) or "+
		planning.ModelAuto+" (over --orders: "+planning.AutoRule()+")")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: omniroute plan --network N --stock S --orders HISTORY.csv [--forecast F.csv] [--replenishments R]\n"+
			"         [--horizon 24h] [--at TIME] [--json] [--out prices.csv] [--lp-out plan.lp] [--forecast-out forecast.csv]\n"+
			"         [--season-end T [--season-out season.csv]] [--plan-model auto|demand|orders] [--falls-history R.csv]")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *netPath == "" || *stockPath == "":
		return fmt.Errorf("%w: --network and --stock are required", errUsage)
	case *ordersPath == "" && *forecastPath == "":
		return fmt.Errorf("%w: --orders (a history) or --forecast is required", errUsage)
	case *horizon <= 0:
		return fmt.Errorf("%w: --horizon %s must be positive", errUsage, *horizon)
	case *ordersPath == "" && *atFlag == "":
		return fmt.Errorf("%w: --at is required with --forecast and no --orders", errUsage)
	case *seasonOut != "" && *seasonEnd == "":
		return fmt.Errorf("%w: --season-out needs --season-end", errUsage)
	case *planModel == planning.ModelOrders && *ordersPath == "":
		return fmt.Errorf("%w: --plan-model %s samples the --orders: give them", errUsage, planning.ModelOrders)
	case *planModel == planning.ModelOrders && *lpOut != "":
		return fmt.Errorf("%w: --lp-out writes the demand model's LP, and --plan-model %s plans without one", errUsage, planning.ModelOrders)
	}
	if err := planning.CheckModel(*planModel); err != nil {
		return fmt.Errorf("%w: --plan-model: %v", errUsage, err)
	}
	at, err := optionalTime("at", *atFlag)
	if err != nil {
		return err
	}
	end, err := optionalTime("season-end", *seasonEnd)
	if err != nil {
		return err
	}

	net, err := network.Load(*netPath)
	if err != nil {
		return err
	}
	for _, w := range net.Warnings() {
		fmt.Fprintf(stderr, "omniroute plan: warning: %s: %s\n", *netPath, w)
	}
	table, err := readStock(*stockPath, net)
	if err != nil {
		return err
	}
	regions := forecast.NewRegions(net)
	var rep planReport
	var demand, hist *forecast.Demand
	var seen planning.OrderWindow
	if *ordersPath != "" {
		est := forecast.NewEstimator(net, regions)
		observe := est.Observe
		if *planModel != planning.ModelDemand {
			observe = func(o *network.Order) {
				est.Observe(o)
				seen.Observe(o)
			}
		}
		src, err := orderFiles("orders", *ordersPath)
		if err != nil {
			return err
		}
		if err := simulate.ObserveOrders(src, false, observe); err != nil {
			return err
		}
		if est.Orders() == 0 && *forecastPath == "" {
			return fmt.Errorf("%s: no orders to forecast from", *ordersPath)
		}
		hist = est.Estimate(at)
		if at.IsZero() {
			at = hist.To
		}
		demand = hist
		rep.Forecast.Source = *ordersPath
	}
	if *forecastPath != "" {
		f, err := os.Open(*forecastPath)
		if err != nil {
			return fmt.Errorf("forecast: %w", err)
		}
		demand, err = forecast.ReadCSV(f, *forecastPath, regions)
		f.Close()
		if err != nil {
			return err
		}
		rep.Forecast.Source = *forecastPath
	}
	var arrivals []planning.Arrival
	if *repPath != "" {
		if arrivals, err = readArrivals(*repPath, net); err != nil {
			return err
		}
	}

	if !end.IsZero() && !end.After(at) {
		return fmt.Errorf("%w: --season-end %s is not after the plan's start %s", errUsage, *seasonEnd, at.UTC().Format(time.RFC3339))
	}
	// The stock each plan prices: less the falls expected within its time.
	falls := &planning.FallRates{}
	if *fallsPath != "" {
		src, err := orderFiles("falls-history", *fallsPath)
		if err != nil {
			return err
		}
		if err := simulate.ObserveFalls(src, net, at, falls); err != nil {
			return err
		}
	}
	var held, heldSales planning.ExpectedFalls // the falls the plan's model expects; their sales
	supply := func(d time.Duration) network.StockView {
		held, heldSales = falls.Expected(at, d), falls.ExpectedSales(at, d)
		rep.ExpectedFallUnits = held.From(table)
		return planning.LessFalls(table, held)
	}
	in := &planning.Input{Network: net, Regions: regions, Stock: supply(*horizon), Demand: demand, Arrivals: arrivals, At: at, Horizon: *horizon}
	var model *planning.Model
	var res *planning.Result
	var solveErr error
	if *planModel == planning.ModelAuto && seen.Len() > 0 {
		rep.Seen = &seenReport{Orders: seen.Len(), RepeatShare: math.Round(seen.RepeatShare()*1e4) / 1e4, LinesPerSKU: math.Round(seen.LinesPerSKU()*100) / 100}
	}
	if planByOrders(*planModel, &seen) {
		if *lpOut != "" {
			return fmt.Errorf("%w: --lp-out writes the demand model's LP, and the plan is by orders (--plan-model %s for the LP)", errUsage, planning.ModelDemand)
		}
		until := at.Add(*horizon)
		if end.After(at) {
			until = end
		}
		var rate float64 // orders a day, the history's
		if hist.Days > 0 {
			rate = float64(hist.Orders) / hist.Days
		}
		planner := planning.NewOrderPlanner(net)
		planner.Workers = runtime.GOMAXPROCS(0)
		op, err := planner.Plan(ctx, supply(until.Sub(at)), seen.Latest(nil), arrivals, at, until, rate)
		if err != nil {
			return err
		}
		rep.Model = planning.ModelOrders
		res = &planning.Result{Status: "stopped", Objective: op.Bound, Rows: op.Rows, Cols: op.Columns,
			SolveMs: op.SolveMs, At: at, ExpectedUnits: op.Units / op.Scale, Prices: op.Prices, Capacities: op.Capacities}
		if op.Converged {
			res.Status = "converged"
		}
		rep.Sample = &sampleReport{Orders: op.Orders, Units: op.Units, OnHand: op.OnHand, Scale: op.Scale, Rounds: op.Rounds,
			Converged: op.Converged, Until: until.UTC().Format(time.RFC3339), Scenarios: op.Scenarios}
	} else {
		if model, err = planning.Build(in); err != nil {
			return err
		}
		if res, solveErr = model.Solve(ctx, in, lp.Settings{}); res == nil {
			return solveErr
		}
		rep.Model = planning.ModelDemand
	}
	// The rows the falls take whole are priced at a lost sale
	// (planning.HeldPrices), those the tills sell from: a unit only
	// written off costs no sale.
	selling := planning.ExpectedFalls{}
	for k, e := range held {
		if heldSales[k] > 0 {
			selling[k] = e
		}
	}
	res.Prices = planning.WithHeld(res.Prices, planning.HeldPrices(selling, table, demand, net))
	rep.Result = *res
	rep.Horizon = horizon.String()
	rep.Forecast.Orders, rep.Forecast.From, rep.Forecast.To, rep.Forecast.Days = demand.Orders, demand.From, demand.To, demand.Days
	rep.Forecast.Cells = len(demand.Cells)
	horizonEnd := at.Add(*horizon)
	for _, a := range arrivals {
		if a.At.After(at) && !a.At.After(horizonEnd) {
			rep.Arrivals++
		}
	}
	top := slices.Clone(res.Prices)
	slices.SortStableFunc(top, func(a, b planning.Price) int { return cmp.Compare(b.Price, a.Price) })
	for _, p := range top {
		if p.Price > 0 {
			rep.PricedPairs++
		}
	}
	rep.TopPrices = top[:min(topPrices, rep.PricedPairs)]
	var outlook []planning.Outlook
	if !end.IsZero() {
		outlook = planning.SeasonOutlook(demand, planning.LessFalls(table, falls.Expected(at, end.Sub(at))), arrivals, at, end)
		rep.Season = newSeasonReport(end, outlook)
	}

	// Every output is made in memory first: nothing is written on error.
	var lpText, pricesCSV, seasonCSV, forecastCSV bytes.Buffer
	if *lpOut != "" {
		if err := model.LP().WriteLP(&lpText); err != nil {
			return err
		}
	}
	if *outPath != "" && solveErr == nil {
		if err := planning.WritePricesCSV(&pricesCSV, res.Prices); err != nil {
			return err
		}
	}
	if *seasonOut != "" {
		if err := planning.WriteOutlookCSV(&seasonCSV, outlook); err != nil {
			return err
		}
	}
	if *forecastOut != "" {
		if err := forecast.WriteCSV(&forecastCSV, demand); err != nil {
			return err
		}
	}
	if *lpOut != "" {
		if err := writeFileAtomic(*lpOut, lpText.Bytes()); err != nil {
			return err
		}
	}
	if solveErr != nil {
		return solveErr // an LP that is not optimal writes no prices
	}
	if *outPath != "" {
		if err := writeFileAtomic(*outPath, pricesCSV.Bytes()); err != nil {
			return err
		}
	}
	if *seasonOut != "" {
		if err := writeFileAtomic(*seasonOut, seasonCSV.Bytes()); err != nil {
			return err
		}
	}
	if *forecastOut != "" {
		if err := writeFileAtomic(*forecastOut, forecastCSV.Bytes()); err != nil {
			return err
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(&rep)
	}
	if s := rep.Seen; s != nil {
		fmt.Fprintf(stdout, "auto chose %s: repeat share %.4f (%s from %g), %.2f lines per SKU over the latest %d orders (%s from %d)\n",
			rep.Model, s.RepeatShare, planning.ModelOrders, planning.RepeatShare, s.LinesPerSKU, s.Orders, planning.ModelOrders, planning.DenseLines)
	}
	if s := rep.Sample; s != nil {
		fmt.Fprintf(stdout, "plan at %s by orders until %s: %d orders of %s sampled (stock x %.4f), bound %.4f (%s, %d rounds, %.1f ms)\n",
			at.UTC().Format(time.RFC3339), s.Until, s.Orders, *ordersPath, s.Scale, res.Objective, res.Status, s.Rounds, res.SolveMs)
		fmt.Fprintf(stdout, "sampled units %.0f, on hand %.0f; %d (node, sku) priced above 0\n", s.Units, s.OnHand, rep.PricedPairs)
	} else {
		fmt.Fprintf(stdout, "plan at %s for %s: %s, objective %.4f (%d rows, %d columns, %.1f ms)\n",
			at.UTC().Format(time.RFC3339), rep.Horizon, res.Status, res.Objective, res.Rows, res.Cols, res.SolveMs)
		fmt.Fprintf(stdout, "expected units %.2f, lost %.2f; shipping %.4f, lost sales %.4f; %d (node, sku) priced above 0\n",
			res.ExpectedUnits, res.ExpectedLostUnits, res.ShippingCost, res.LostSaleCost, rep.PricedPairs)
	}
	for _, p := range rep.TopPrices {
		fmt.Fprintf(stdout, "  %-12s %-14s %10.4f  (supply %g, used %.2f)\n", p.NodeID, p.SKU, p.Price, p.Supply, p.Used)
	}
	for _, c := range res.Capacities {
		if c.Price > 0 {
			fmt.Fprintf(stdout, "  %-12s %-14s %10.4f  (capacity %g, used %.2f)\n", c.NodeID, "pick", c.Price, c.Units, c.Used)
		}
	}
	if s := rep.Season; s != nil {
		fmt.Fprintf(stdout, "season until %s: %d SKUs expected, %d likely to sell out (P >= %g), %.2f units expected short\n",
			s.End.UTC().Format(time.RFC3339), s.SKUs, s.Likely, policy.SureSellOut, s.ExpectedShort)
		for _, o := range s.Top {
			fmt.Fprintf(stdout, "  %-14s P(sell out) %.3f  (supply %g, expected %.2f, short %.2f)\n", o.SKU, o.SellOut, o.Supply, o.Expected, o.Short)
		}
	}
	return nil
}

// planByOrders reports whether omniroute plan plans by orders under
// model: ModelOrders always, ModelAuto when the orders seen stand for the
// orders to come.
func planByOrders(model string, seen *planning.OrderWindow) bool {
	return model == planning.ModelOrders || model == planning.ModelAuto && seen.Representative()
}

// optionalTime parses the value of flag --name as an RFC 3339 time; an
// empty value is the zero time.
func optionalTime(name, value string) (time.Time, error) {
	if value == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: --%s %q is not an RFC 3339 time", errUsage, name, value)
	}
	return t, nil
}

// readStock reads a stock file over net.
func readStock(path string, net *network.Network) (*stock.Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("stock: %w", err)
	}
	defer f.Close()
	return stock.ReadCSV(f, path, net)
}

// readArrivals reads a replenishments file, or several merged by time
// (as simulate reads them).
func readArrivals(path string, net *network.Network) ([]planning.Arrival, error) {
	reps, err := replenishmentFiles(path, net)
	if err != nil {
		return nil, err
	}
	out := make([]planning.Arrival, len(reps))
	for i, rep := range reps {
		out[i] = planning.Arrival{At: rep.At, Node: rep.Node, SKU: rep.SKU, Qty: rep.Qty}
	}
	return out, nil
}

// replenishmentFiles reads the arrivals of --replenishments: a file, or
// several files or glob patterns separated by commas, merged by time; a
// fall (a row of negative qty, as the order log's receipts record) is not
// scheduled and is left out (simulate.ReadArrivals).
func replenishmentFiles(path string, net *network.Network) ([]simulate.Replenishment, error) {
	src, err := orderFiles("replenishments", path)
	if err != nil {
		return nil, err
	}
	return simulate.ReadArrivals(src, net)
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory renamed over it, so that a reader never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// readPricesFile reads a prices file (planning.ReadPricesCSV) over net;
// the prices count as planned when the file was last written.
func readPricesFile(path string, net *network.Network) ([]planning.Price, time.Time, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("prices: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("prices: %w", err)
	}
	prices, err := planning.ReadPricesCSV(f, path, net)
	if err != nil {
		return nil, time.Time{}, err
	}
	return prices, st.ModTime().UTC(), nil
}
