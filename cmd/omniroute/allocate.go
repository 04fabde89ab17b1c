package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/omniroute/omniroute/allocate"
	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/stock"
)

// allocationJSON is what allocate --json prints; the keys are a contract.
type allocationJSON struct {
	Objective          float64 `json:"objective"`
	ExpectedCostBefore float64 `json:"expected_cost_before"`
	ExpectedCostAfter  float64 `json:"expected_cost_after"`
	// ExpectedBy says how the two were obtained (a replay of history
	// windows with a policy, or the model).
	ExpectedBy      string                 `json:"expected_by"`
	ModelCostBefore float64                `json:"model_cost_before"`
	ModelCostAfter  float64                `json:"model_cost_after"`
	Groups          []allocate.GroupSaving `json:"groups"`
	Windows         []allocate.WindowCost  `json:"windows"`
	Replays         int                    `json:"replays"`
	ReplayMS        float64                `json:"replay_ms"`
	UnitsMoved      int64                  `json:"units_moved"`
	TransferCost    float64                `json:"transfer_cost"`
	SolveMS         float64                `json:"solve_ms"`
	Transfers       int                    `json:"transfers"`
	SKUs            int                    `json:"skus"`
	DemandPoints    int                    `json:"demand_points"`
	Rows            int                    `json:"rows"`
	Cols            int                    `json:"cols"`
	At              string                 `json:"at"`
	Horizon         string                 `json:"horizon"`
	HistoryOrders   int64                  `json:"history_orders"`
	// ExpectedAdjustmentUnits are the units the adjustments of
	// --falls-history (recounts down, write-offs) are expected to take
	// from the stock over the horizon, which the plan does not place.
	ExpectedAdjustmentUnits int64 `json:"expected_adjustment_units,omitempty"`
	// ExpectedFallUnits are the walk-in units the falls of
	// --falls-history expect within the horizon.
	ExpectedFallUnits int64 `json:"expected_fall_units,omitempty"`
}

// runAllocate plans supply placement and transfers and writes them.
func runAllocate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("allocate", stderr)
	netPath := fs.String("network", "", "network file (YAML with lanes; required)")
	stockPath := fs.String("stock", "", "stock file at --at (CSV node,sku,on_hand,safety_stock; required)")
	ordersPath := fs.String("orders", "", "order history (CSV, the simulate format; required; several files or glob patterns, separated by commas, are merged by created_at): demand is estimated from the orders before --at")
	forecastPath := fs.String("forecast", "", "demand forecast (CSV region,sku,method,units_per_day,..., as omniroute plan reads it): replaces the estimate from --orders")
	supplyPath := fs.String("supply", "", "supply to place (CSV "+allocate.SupplyHeader+")")
	repPath := fs.String("replenishments", "", "scheduled replenishments (CSV at,node,sku,qty[,reason]; several files or glob patterns, separated by commas, are merged by at): those within the horizon count as their node's stock")
	horizon := fs.String("horizon", "7d", "how far ahead to plan (Go duration, or whole days as 7d)")
	at := fs.String("at", "", "when the plan starts, RFC 3339 (default: just after the last order of the history)")
	from := fs.String("from", "", "use only the history from this time, RFC 3339 (default: all of it)")
	out := fs.String("out", "", "write the plan here (CSV "+simulate.TransferHeader+"; required)")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	lpOut := fs.String("lp-out", "", "write the LP (the last slope-scaling round, every SKU) in CPLEX LP format, for glpsol --lp")
	workers := fs.Int("workers", 0, "SKUs solved at once (0 = number of CPUs)")
	pol := fs.String("policy", allocate.DefaultPolicy, "routing policy the plan is replayed with to judge it (one of "+strings.Join(simulate.PolicyNames(), ", ")+")")
	fallsPath := fs.String("falls-history", "", "receipts files of the order log (CSV at,node,sku,qty[,reason]; several files or glob patterns, separated by commas): their falls of stock before --at (negative rows: sales at the till; those whose reason is adjustment, recounts and write-offs, are not demand and are left out) give each row's rate; the falls expected within the horizon are the walk-in demand of their node, served by its own stock only, and each replayed window replays its own falls as a server meets them")
	windows := fs.Int("windows", allocate.DefaultWindows, "replay the latest N horizon-long windows of the history to judge the plan (0 = no replay: the model's expected costs)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: omniroute allocate --network N --stock S --orders HISTORY.csv [--forecast F.csv] [--supply SUPPLY.csv] [--replenishments R.csv]\n"+
			"         [--horizon 7d] [--at TIME] [--from TIME] --out transfers.csv [--json] [--lp-out F.lp] [--workers N]\n"+
			"         [--policy optimal] [--windows 3] [--falls-history R.csv]")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *netPath == "" || *stockPath == "" || *ordersPath == "" || *out == "" {
		return fmt.Errorf("%w: --network, --stock, --orders and --out are required", errUsage)
	}
	h, err := parseHorizon(*horizon)
	if err != nil {
		return fmt.Errorf("%w: --horizon: %v", errUsage, err)
	}
	in := allocate.Input{Horizon: h, Workers: *workers, KeepModel: *lpOut != "", Policy: *pol, Windows: *windows}
	if *windows < 0 {
		return fmt.Errorf("%w: --windows must not be negative", errUsage)
	}
	if *windows == 0 {
		in.Windows = -1
	}
	if !simulate.DefaultRegistry().Has(*pol) {
		return fmt.Errorf("%w: --policy: unknown policy %q (one of %s)", errUsage, *pol, strings.Join(simulate.PolicyNames(), ", "))
	}
	if *at != "" {
		if in.At, err = time.Parse(time.RFC3339, *at); err != nil {
			return fmt.Errorf("%w: --at: %v", errUsage, err)
		}
	}
	if *from != "" {
		if in.HistoryFrom, err = time.Parse(time.RFC3339, *from); err != nil {
			return fmt.Errorf("%w: --from: %v", errUsage, err)
		}
	}
	if *workers < 0 {
		return fmt.Errorf("%w: --workers must not be negative", errUsage)
	}
	if in.Network, err = network.Load(*netPath); err != nil {
		return err
	}
	for _, w := range in.Network.Warnings() {
		fmt.Fprintf(stderr, "omniroute allocate: warning: %s: %s\n", *netPath, w)
	}
	sf, err := os.Open(*stockPath)
	if err != nil {
		return fmt.Errorf("stock: %w", err)
	}
	in.Stock, err = stock.ReadCSV(sf, *stockPath, in.Network)
	sf.Close()
	if err != nil {
		return err
	}
	if in.History, err = orderFiles("orders", *ordersPath); err != nil {
		return err
	}
	if in.At.IsZero() && (*supplyPath != "" || *forecastPath != "") {
		// The supply is checked against the horizon, and a forecast
		// starts, at the last order.
		at, err := allocate.LastOrder(in.History)
		if err != nil {
			return err
		}
		in.At = at
	}
	if *forecastPath != "" {
		f, err := os.Open(*forecastPath)
		if err != nil {
			return fmt.Errorf("forecast: %w", err)
		}
		in.Demand, err = forecast.ReadCSV(f, *forecastPath, forecast.NewRegions(in.Network))
		f.Close()
		if err != nil {
			return err
		}
	}
	if *supplyPath != "" {
		if in.At.IsZero() {
			// The supply is checked against the horizon, which starts at
			// the last order.
			res, err := allocate.LastOrder(in.History)
			if err != nil {
				return err
			}
			in.At = res
		}
		f, err := os.Open(*supplyPath)
		if err != nil {
			return fmt.Errorf("supply: %w", err)
		}
		in.Supply, err = allocate.ReadSupply(f, *supplyPath, in.Network, in.Stock, in.At.Add(h))
		f.Close()
		if err != nil {
			return err
		}
	}
	if *repPath != "" {
		if in.Arrivals, err = replenishmentFiles(*repPath, in.Network); err != nil {
			return err
		}
	}
	if *fallsPath != "" {
		// The walk-in demand, from the falls before the plan's start.
		src, err := orderFiles("falls-history", *fallsPath)
		if err != nil {
			return err
		}
		if in.Falls, err = simulate.ReadReplenishments(src, in.Network); err != nil {
			return err
		}
	}
	res, err := allocate.Plan(ctx, in)
	if err != nil {
		return err
	}
	if *lpOut != "" {
		if err := writeAtomically(*lpOut, res.Model.WriteLP); err != nil {
			return err
		}
	}
	if err := writeAtomically(*out, func(w io.Writer) error { return simulate.WriteTransfers(w, in.Network, res.Transfers) }); err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // the groups' names hold ">"
		return enc.Encode(allocationJSON{
			Objective: res.Objective, ExpectedCostBefore: res.ExpectedCostBefore, ExpectedCostAfter: res.ExpectedCostAfter,
			ExpectedBy: res.ExpectedBy, ModelCostBefore: res.ModelCostBefore, ModelCostAfter: res.ModelCostAfter,
			Groups: res.Groups, Windows: res.Windows, Replays: res.Replays, ReplayMS: float64(res.ReplayTime.Microseconds()) / 1000,
			UnitsMoved: res.UnitsMoved, TransferCost: res.TransferCost,
			SolveMS:   float64(res.SolveTime.Microseconds()) / 1000,
			Transfers: len(res.Transfers), SKUs: res.SKUs, DemandPoints: res.Points, Rows: res.Rows, Cols: res.Cols,
			At: res.At.UTC().Format(time.RFC3339), Horizon: res.Horizon.String(), HistoryOrders: res.Forecast.Orders,
			ExpectedFallUnits: res.FallUnits, ExpectedAdjustmentUnits: res.AdjustmentUnits,
		})
	}
	_, err = fmt.Fprintf(stdout, "wrote %s: %d rows, %d units moved, transfer cost %.2f; expected cost %.2f -> %.2f (%s) over %v from %s (LP %d rows x %d cols, %d SKUs, %.0f ms)\n",
		*out, len(res.Transfers), res.UnitsMoved, res.TransferCost, res.ExpectedCostBefore, res.ExpectedCostAfter, res.ExpectedBy,
		res.Horizon, res.At.UTC().Format(time.RFC3339), res.Rows, res.Cols, res.SKUs, float64(res.SolveTime.Microseconds())/1000)
	for _, g := range res.Groups {
		if err != nil {
			break
		}
		verdict := "kept"
		switch {
		case !g.Kept:
			verdict = "dropped"
		case !g.Judged:
			verdict = "kept, not judged (the replays' budget ran out)"
		}
		per := make([]string, len(g.WindowSavings))
		for w, v := range g.WindowSavings {
			per[w] = strconv.FormatFloat(v, 'f', 2, 64)
		}
		_, err = fmt.Fprintf(stdout, "  %s: %d units, replayed saving %.2f a window (%s): %s\n", g.Group, g.Units, g.Saving, strings.Join(per, ", "), verdict)
	}
	if err == nil && res.FallUnits > 0 {
		_, err = fmt.Fprintf(stdout, "planned for %d walk-in units, the falls --falls-history expects (the other channels' demand)\n", res.FallUnits)
	}
	return err
}

// parseHorizon reads a Go duration or whole days ("7d").
func parseHorizon(s string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, err
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%s must be positive", s)
	}
	return d, nil
}

// writeAtomically writes a file through a temporary file in its
// directory, renamed into place only when fill succeeded: nothing is
// written on error.
func writeAtomically(path string, fill func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("out: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := fill(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("out: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("out: %w", err)
	}
	return nil
}
