package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// planNetwork: store "near" in city A ships parcels and hands out
// pickups; warehouse "far" in city B ships parcels; a lost unit costs 50.
const planNetwork = `
name: scarce
policy: {split_penalty: 1, pickup_radius_km: 10, pickup_ready_minutes: 60, tz_offset_minutes: 0, lost_sale_cost_per_unit: 50}
carriers:
  - {name: post, per_package: 5, per_item: 1, per_item_per_mile: 0.01, per_kg: 0, transit: [{max_km: 5000, days: 2}]}
couriers: []
nodes:
  - {id: near, city: A, kind: store, lat: 43.25, lon: 76.90, methods: [ship_from_store, pickup], pick_cost_per_order: 1, pick_cost_per_unit: 0}
  - {id: far, city: B, kind: warehouse, lat: 51.16, lon: 71.43, methods: [warehouse_ship], pick_cost_per_order: 1, pick_cost_per_unit: 0}
`

// planFiles writes the network, a stock of one unit at "near" and ten at
// "far", and a history in which A picks up about ten units a day at
// "near" and has one or two delivered.
func planFiles(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	var h strings.Builder
	h.WriteString("order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n")
	for i := range 8 {
		fmt.Fprintf(&h, "h%d,2026-03-01T%02d:00:00Z,43.25,76.90,s,1,pickup,near\n", i, 8+i)
		fmt.Fprintf(&h, "h%d,2026-03-02T%02d:00:00Z,43.25,76.90,s,1,pickup,near\n", 10+i, 8+i)
	}
	h.WriteString("h20,2026-03-01T20:00:00Z,43.26,76.91,s,1,delivery,\n")
	h.WriteString("h21,2026-03-02T20:00:00Z,43.26,76.91,s,1,delivery,\n")
	for name, body := range map[string]string{
		"network.yaml": planNetwork,
		"stock.csv":    "node,sku,on_hand,safety_stock\nnear,s,1,0\nfar,s,10,0\n",
		"history.csv":  h.String(),
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
	}
	return dir
}

func TestPlanPricesTheScarceUnit(t *testing.T) {
	dir := planFiles(t)
	in := func(n string) string { return filepath.Join(dir, n) }
	var stdout, stderr bytes.Buffer
	err := runPlan(context.Background(), []string{
		"--network", in("network.yaml"), "--stock", in("stock.csv"), "--orders", in("history.csv"),
		"--json", "--out", in("out/prices.csv"), "--lp-out", in("plan.lp"),
	}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())

	var rep struct {
		Model      string  `json:"model"`
		Status     string  `json:"status"`
		Objective  float64 `json:"objective"`
		Rows, Cols int
		SolveMs    *float64 `json:"solve_ms"`
		At         string   `json:"at"`
		Horizon    string   `json:"horizon"`
		Expected   float64  `json:"expected_units"`
		Lost       float64  `json:"expected_lost_units"`
		Priced     int      `json:"priced_pairs"`
		Top        []struct {
			Node  string  `json:"node"`
			SKU   string  `json:"sku"`
			Dual  float64 `json:"dual"`
			Price float64 `json:"price"`
		} `json:"top_prices"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	assert.Equal(t, planning.ModelDemand, rep.Model, "auto: orders of one line have no set to repeat")
	assert.Equal(t, "optimal", rep.Status)
	assert.Equal(t, 4, rep.Rows, "two stock rows, two demand cells (A parcel, A pickup)")
	assert.NotNil(t, rep.SolveMs)
	assert.Equal(t, "2026-03-02T20:00:00Z", rep.At, "the history's last order")
	assert.Equal(t, "24h0m0s", rep.Horizon)
	// 16 pickups and 2 deliveries over 1.5 days, for one day.
	assert.InDelta(t, 18/1.5, rep.Expected, 1e-9)
	// The one unit at near goes to a pickup (the only way to serve one);
	// the other pickups are lost, the deliveries come from far.
	assert.InDelta(t, 16/1.5-1, rep.Lost, 1e-9)
	require.Len(t, rep.Top, 1)
	assert.Equal(t, "near", rep.Top[0].Node)
	assert.InDelta(t, 50-1, rep.Top[0].Dual, 1e-9, "a pickup's lost sale less its pick cost")
	// Its one unit is needed when a demand of mean 1 asks for one.
	assert.InDelta(t, 49*(1-math.Exp(-1)), rep.Top[0].Price, 1e-9)

	prices, err := os.ReadFile(in("out/prices.csv"))
	require.NoError(t, err)
	assert.Equal(t, "node,sku,price\nfar,s,0.000000\nnear,s,30.973907\n", string(prices))
	model, err := os.ReadFile(in("plan.lp"))
	require.NoError(t, err)
	assert.Contains(t, string(model), "Minimize")
	assert.Contains(t, string(model), "stock")
}

// TestPlanPricesTheScarcePick: "near" holds ten units but picks two a
// day, and A's pickups want about ten: the plan prices near's pick (a
// lost pickup less its pick cost, times the chance that the second pick
// is needed), lists it, and near's unit carries it in the prices file.
func TestPlanPricesTheScarcePick(t *testing.T) {
	dir := planFiles(t)
	in := func(n string) string { return filepath.Join(dir, n) }
	capped := strings.Replace(planNetwork, "methods: [ship_from_store, pickup],", "methods: [ship_from_store, pickup], capacity_per_day: 2,", 1)
	require.NoError(t, os.WriteFile(in("network.yaml"), []byte(capped), 0o644))
	require.NoError(t, os.WriteFile(in("stock.csv"), []byte("node,sku,on_hand,safety_stock\nnear,s,10,0\nfar,s,10,0\n"), 0o644))
	args := []string{"--network", in("network.yaml"), "--stock", in("stock.csv"), "--orders", in("history.csv"), "--out", in("prices.csv")}
	var stdout, stderr bytes.Buffer
	require.NoError(t, runPlan(context.Background(), append(slices.Clone(args), "--json"), &stdout, &stderr), stderr.String())
	var rep struct {
		Capacities []struct {
			Node              string
			Units, Used, Dual float64
			Price             float64
		} `json:"capacities"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	require.Len(t, rep.Capacities, 1)
	c := rep.Capacities[0]
	assert.Equal(t, "near", c.Node)
	assert.InDelta(t, 2, c.Units, 0)
	assert.InDelta(t, 2, c.Used, 1e-9)
	assert.InDelta(t, 49, c.Dual, 1e-9)
	want := 49 * (1 - 3*math.Exp(-2)) // P(Poisson(2) >= 2)
	assert.InDelta(t, want, c.Price, 1e-9)
	prices, err := os.ReadFile(in("prices.csv"))
	require.NoError(t, err)
	assert.Contains(t, string(prices), fmt.Sprintf("near,s,%.6f\n", want), "its stock is ample: the pick is what is priced")

	stdout.Reset()
	require.NoError(t, runPlan(context.Background(), args, &stdout, &stderr), stderr.String())
	assert.Contains(t, stdout.String(), fmt.Sprintf("  near         pick           %10.4f  (capacity 2, used 2.00)\n", want))
}

func TestPlanWithForecastFile(t *testing.T) {
	dir := planFiles(t)
	in := func(n string) string { return filepath.Join(dir, n) }
	require.NoError(t, os.WriteFile(in("f.csv"), []byte("region,sku,method,units_per_day\nA,s,pickup,0.5\n"), 0o644))
	var stdout, stderr bytes.Buffer
	err := runPlan(context.Background(), []string{
		"--network", in("network.yaml"), "--stock", in("stock.csv"), "--forecast", in("f.csv"), "--at", "2026-03-03T00:00:00Z",
	}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	// Half a pickup expected: the unit at near is not scarce.
	assert.Contains(t, stdout.String(), "plan at 2026-03-03T00:00:00Z for 24h0m0s: optimal")
	assert.Contains(t, stdout.String(), "0 (node, sku) priced above 0")
}

// TestPlanForecastOut: --forecast-out writes the forecast the plan
// estimated from the history, in --forecast's format; planned again from
// that file at the same time, the plan is the same, price for price, and
// the file written again is the same file.
func TestPlanForecastOut(t *testing.T) {
	dir := planFiles(t)
	in := func(n string) string { return filepath.Join(dir, n) }
	base := []string{"--network", in("network.yaml"), "--stock", in("stock.csv"), "--season-end", "2026-03-04T20:00:00Z"}
	// The summary without solve_ms, the one figure that is a time.
	summary := func(out []byte) map[string]any {
		var m map[string]any
		require.NoError(t, json.Unmarshal(out, &m), string(out))
		delete(m, "solve_ms")
		delete(m, "forecast")    // where it came from: the history, then the file
		delete(m, "orders_seen") // what auto saw in the history (none in the file)
		return m
	}
	var stdout, stderr bytes.Buffer
	require.NoError(t, runPlan(context.Background(), append(slices.Clone(base),
		"--orders", in("history.csv"), "--json", "--out", in("prices.csv"), "--forecast-out", in("out/forecast.csv")), &stdout, &stderr), stderr.String())
	fromHistory := summary(stdout.Bytes())
	written, err := os.ReadFile(in("out/forecast.csv"))
	require.NoError(t, err)
	// 16 pickups at near and 2 deliveries over the day and a half.
	assert.Equal(t, "region,sku,method,units_per_day,variance_per_day,units_per_order,unit_weight_kg,lost_sale_cost,units_counted\n"+
		"A,s,parcel,1.3333333333333333,0,1,0,0,2\n"+
		"A,s,pickup,10.666666666666666,0,1,0,0,16\n", string(written))

	stdout.Reset()
	require.NoError(t, runPlan(context.Background(), append(slices.Clone(base),
		"--forecast", in("out/forecast.csv"), "--at", "2026-03-02T20:00:00Z", "--json", "--out", in("prices2.csv"), "--forecast-out", in("forecast2.csv")), &stdout, &stderr), stderr.String())
	assert.Equal(t, fromHistory, summary(stdout.Bytes()))
	p1, err := os.ReadFile(in("prices.csv"))
	require.NoError(t, err)
	p2, err := os.ReadFile(in("prices2.csv"))
	require.NoError(t, err)
	assert.Equal(t, string(p1), string(p2))
	again, err := os.ReadFile(in("forecast2.csv"))
	require.NoError(t, err)
	assert.Equal(t, string(written), string(again))
}

func TestPlanErrorsWriteNothing(t *testing.T) {
	dir := planFiles(t)
	in := func(n string) string { return filepath.Join(dir, n) }
	require.NoError(t, os.WriteFile(in("bad.csv"), []byte("region,sku,method,units_per_day\nA,s,pickup,1\nA,s,drone,1\n"), 0o644))
	require.NoError(t, os.WriteFile(in("badrep.csv"), []byte("at,node,sku,qty\n2026-03-03T00:00:00Z,nowhere,s,1\n"), 0o644))
	base := []string{"--network", in("network.yaml"), "--stock", in("stock.csv"), "--out", in("prices.csv"), "--lp-out", in("plan.lp"), "--forecast-out", in("forecast.csv")}
	cases := []struct {
		name  string
		args  []string
		usage bool
		want  string
	}{
		{"no demand", nil, true, "--orders (a history) or --forecast is required"},
		{"bad horizon", []string{"--orders", in("history.csv"), "--horizon", "-1h"}, true, "--horizon -1h0m0s must be positive"},
		{"bad at", []string{"--orders", in("history.csv"), "--at", "yesterday"}, true, `--at "yesterday"`},
		{"forecast without at", []string{"--forecast", in("bad.csv")}, true, "--at is required"},
		{"bad forecast row", []string{"--forecast", in("bad.csv"), "--at", "2026-03-03T00:00:00Z"}, false, "bad.csv:3: method:"},
		{"bad replenishment row", []string{"--orders", in("history.csv"), "--replenishments", in("badrep.csv")}, false, "badrep.csv:2"},
		{"season out without end", []string{"--orders", in("history.csv"), "--season-out", in("season.csv")}, true, "--season-out needs --season-end"},
		{"bad season end", []string{"--orders", in("history.csv"), "--season-end", "soon", "--season-out", in("season.csv")}, true, `--season-end "soon"`},
		{"season ending before the plan", []string{"--orders", in("history.csv"), "--season-end", "2026-03-01T00:00:00Z", "--season-out", in("season.csv")}, true, "is not after the plan's start 2026-03-02T20:00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := runPlan(context.Background(), append(append([]string{}, base...), c.args...), &stdout, &stderr)
			require.Error(t, err)
			assert.Equal(t, c.usage, errors.Is(err, errUsage), err.Error())
			assert.Contains(t, err.Error(), c.want)
			assert.NoFileExists(t, in("prices.csv"))
			assert.NoFileExists(t, in("plan.lp"))
			assert.NoFileExists(t, in("season.csv"))
			assert.NoFileExists(t, in("forecast.csv"))
			assert.Empty(t, stdout.String())
		})
	}
}

// TestPlanSeasonOutlook: the history asks about 12 units of s a day (18
// over a day and a half); 11 are in stock, so by a season's end two days
// after the history s is likely to sell out (P about 0.975, the forecast
// allowed a fifth of error), about 13 units short. The summary says so,
// in JSON and in text, and --season-out writes the row.
func TestPlanSeasonOutlook(t *testing.T) {
	dir := planFiles(t)
	in := func(n string) string { return filepath.Join(dir, n) }
	args := []string{"--network", in("network.yaml"), "--stock", in("stock.csv"), "--orders", in("history.csv"),
		"--season-end", "2026-03-04T20:00:00Z", "--season-out", in("out/season.csv")}
	var stdout, stderr bytes.Buffer
	require.NoError(t, runPlan(context.Background(), append(slices.Clone(args), "--json"), &stdout, &stderr), stderr.String())
	var rep struct {
		Season struct {
			End           time.Time `json:"end"`
			SKUs          int       `json:"skus"`
			Likely        int       `json:"likely_to_sell_out"`
			ExpectedShort float64   `json:"expected_short_units"`
			Top           []struct {
				SKU      string  `json:"sku"`
				Supply   float64 `json:"supply"`
				Expected float64 `json:"expected"`
				SellOut  float64 `json:"sell_out"`
				Short    float64 `json:"short"`
			} `json:"top"`
		} `json:"season"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	s := rep.Season
	assert.Equal(t, time.Date(2026, 3, 4, 20, 0, 0, 0, time.UTC), s.End.UTC())
	assert.Equal(t, 1, s.SKUs)
	assert.Equal(t, 1, s.Likely)
	require.Len(t, s.Top, 1)
	top := s.Top[0]
	assert.Equal(t, "s", top.SKU)
	assert.InDelta(t, 11, top.Supply, 0)
	assert.InDelta(t, 24, top.Expected, 1e-9, "18 units over 1.5 days, for 2 days")
	assert.Greater(t, top.SellOut, 0.95)
	assert.InDelta(t, 13, top.Short, 0.5)
	assert.InDelta(t, top.Short, s.ExpectedShort, 1e-4)

	csv, err := os.ReadFile(in("out/season.csv"))
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, "sku,supply,expected,sd,sell_out,short", lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "s,11.000000,24.000000,"), lines[1])

	stdout.Reset()
	require.NoError(t, runPlan(context.Background(), args, &stdout, &stderr))
	assert.Contains(t, stdout.String(), "season until 2026-03-04T20:00:00Z: 1 SKUs expected, 1 likely to sell out (P >= 0.9)")
	assert.Contains(t, stdout.String(), "  s              P(sell out) ")
}

// TestPricesFileDrivesLookahead: the prices omniroute plan writes are read
// back by simulate --prices and serve --prices. In the replay the one unit
// at near, priced, stays for the pickup that comes after the delivery,
// with no plan made; a bad row is named by file and line; and serve takes
// the file alone (no planner) or beside a forecast.
func TestPricesFileDrivesLookahead(t *testing.T) {
	in, simulate := planThenReplay(t, "--out", "prices.csv")
	total, plans, err := simulate("--prices", in("prices.csv"))
	require.NoError(t, err)
	assert.Less(t, total["lookahead"], total["optimal"]-40, "optimal loses the pickup (50), lookahead ships the delivery from far")
	assert.Zero(t, plans["lookahead"], "no plan: the prices are given")

	require.NoError(t, os.WriteFile(in("bad.csv"), []byte("node,sku,price\nnear,s,1\nnowhere,s,2\n"), 0o644))
	_, _, err = simulate("--prices", in("bad.csv"))
	require.Error(t, err)
	assert.Equal(t, in("bad.csv")+`:3: node: unknown node "nowhere"`, err.Error())
	_, _, err = simulate("--prices", in("prices.csv"), "--history", in("history.csv"))
	assert.ErrorIs(t, err, errUsage)

	// serve: the file alone, or beside a history.
	net, err := network.Load(in("network.yaml"))
	require.NoError(t, err)
	reg := policy.DefaultRegistry()
	f := &servePlanFlags{prices: in("prices.csv"), interval: time.Hour, horizon: time.Hour}
	cfg, fixed, err := f.config(policy.Lookahead, reg, net)
	require.NoError(t, err)
	assert.Nil(t, cfg, "no forecast: no planner")
	require.NotNil(t, fixed)
	assert.Len(t, fixed.Prices, 2)
	f.history = in("history.csv")
	cfg, fixed, err = f.config(policy.Lookahead, reg, net)
	require.NoError(t, err)
	assert.NotNil(t, cfg)
	assert.NotNil(t, fixed)
	_, _, err = f.config(policy.Optimal, reg, net)
	assert.ErrorIs(t, err, errUsage, "--prices is for lookahead")
	_, _, err = (&servePlanFlags{}).config(policy.Lookahead, reg, net)
	assert.ErrorIs(t, err, errUsage, "lookahead needs a forecast or prices")
}

// TestBoundPricesOut: simulate --bound --bound-prices-out writes the
// hindsight prices as a file that simulate --prices replays: the unit at
// near, which two pickups want, is worth the sale it saves less the
// pickup's cost, and at that price lookahead keeps it from the delivery.
func TestBoundPricesOut(t *testing.T) {
	dir := planFiles(t)
	in := func(n string) string { return filepath.Join(dir, n) }
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
		"o1,2026-03-03T10:00:00Z,43.26,76.91,s,1,delivery,\n" +
		"o2,2026-03-03T11:00:00Z,43.25,76.90,s,1,pickup,near\n" +
		"o3,2026-03-03T12:00:00Z,43.25,76.90,s,1,pickup,near\n"
	require.NoError(t, os.WriteFile(in("orders.csv"), []byte(orders), 0o644))
	out := t.TempDir()
	var stdout, stderr bytes.Buffer
	args := []string{"--network", in("network.yaml"), "--stock", in("stock.csv"), "--orders", in("orders.csv"), "--json"}
	require.NoError(t, runSimulate(context.Background(), append(args, "--policy", "optimal", "--bound", "--bound-prices-out", out), &stdout, &stderr), stderr.String())
	raw, err := os.ReadFile(filepath.Join(out, "baseline.prices.csv"))
	require.NoError(t, err)
	assert.Equal(t, "node,sku,price\nfar,s,0.000000\nnear,s,49.000000\n", string(raw))

	stdout.Reset()
	require.NoError(t, runSimulate(context.Background(), append(args, "--policy", "optimal,lookahead", "--prices", filepath.Join(out, "baseline.prices.csv")), &stdout, &stderr), stderr.String())
	var rep struct {
		Results []struct {
			Policy string  `json:"policy"`
			Total  float64 `json:"total_cost_with_lost_sales"`
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	require.Len(t, rep.Results, 2)
	assert.Equal(t, "lookahead", rep.Results[1].Policy)
	assert.Less(t, rep.Results[1].Total, rep.Results[0].Total-40, "optimal loses a pickup to the delivery")
}

// TestServeSeasonEnd: serve --season-end reaches the planner's
// configuration, and is refused without a forecast, for another policy,
// or when it is not a time.
func TestServeSeasonEnd(t *testing.T) {
	dir := planFiles(t)
	net, err := network.Load(filepath.Join(dir, "network.yaml"))
	require.NoError(t, err)
	reg := policy.DefaultRegistry()
	f := &servePlanFlags{history: filepath.Join(dir, "history.csv"), interval: time.Hour, horizon: time.Hour, seasonEnd: "2026-03-09T06:00:00Z"}
	cfg, _, err := f.config(policy.Lookahead, reg, net)
	require.NoError(t, err)
	require.NotNil(t, cfg)
	assert.Equal(t, time.Date(2026, 3, 9, 6, 0, 0, 0, time.UTC), cfg.SeasonEnd.UTC())

	_, _, err = f.config(policy.Optimal, reg, net)
	assert.ErrorIs(t, err, errUsage, "for lookahead only")
	f.seasonEnd = "friday"
	_, _, err = f.config(policy.Lookahead, reg, net)
	assert.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), "--season-end")
	f = &servePlanFlags{prices: filepath.Join(dir, "prices.csv"), seasonEnd: "2026-03-09T06:00:00Z"}
	require.NoError(t, os.WriteFile(f.prices, []byte("node,sku,price\nnear,s,1\n"), 0o644))
	_, _, err = f.config(policy.Lookahead, reg, net)
	assert.ErrorIs(t, err, errUsage, "no forecast, no sell-out")
}

// TestServePlanModel: serve --plan-model reaches the planner's
// configuration; the orders model and auto see the --history's orders, the
// demand model keeps none; another name is refused. --plan-workers
// reaches it too, and a negative one is refused.
func TestServePlanModel(t *testing.T) {
	dir := planFiles(t)
	net, err := network.Load(filepath.Join(dir, "network.yaml"))
	require.NoError(t, err)
	history, err := os.ReadFile(filepath.Join(dir, "history.csv"))
	require.NoError(t, err)
	orders := len(strings.Split(strings.TrimSpace(string(history)), "\n")) - 1
	require.Positive(t, orders)
	reg := policy.DefaultRegistry()
	for _, model := range []string{planning.ModelOrders, planning.ModelAuto} {
		f := &servePlanFlags{history: filepath.Join(dir, "history.csv"), interval: time.Hour, horizon: time.Hour, model: model}
		cfg, _, err := f.config(policy.Lookahead, reg, net)
		require.NoError(t, err)
		assert.Equal(t, model, cfg.Model)
		require.NotNil(t, cfg.Seen, model)
		assert.Equal(t, orders, cfg.Seen.Len(), model)
	}
	f := &servePlanFlags{history: filepath.Join(dir, "history.csv"), interval: time.Hour, horizon: time.Hour, model: planning.ModelDemand}
	cfg, _, err := f.config(policy.Lookahead, reg, net)
	require.NoError(t, err)
	assert.Nil(t, cfg.Seen, "the demand model samples no order")
	f.model = "bundles"
	_, _, err = f.config(policy.Lookahead, reg, net)
	assert.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), "--plan-model")
	f.model, f.workers = planning.ModelOrders, 2
	cfg, _, err = f.config(policy.Lookahead, reg, net)
	require.NoError(t, err)
	assert.Equal(t, 2, cfg.Workers, "--plan-workers")
	f.workers = -1
	_, _, err = f.config(policy.Lookahead, reg, net)
	assert.ErrorIs(t, err, errUsage)
	assert.Contains(t, err.Error(), "--plan-workers")
}

// TestSimulateSeasonEnd: the replay's season ends at its latest order by
// default, --season-end none has none and a time sets it; the JSON says
// which.
func TestSimulateSeasonEnd(t *testing.T) {
	dir := planFiles(t)
	in := func(n string) string { return filepath.Join(dir, n) }
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
		"o1,2026-03-03T10:00:00Z,43.26,76.91,s,1,delivery,\n" +
		"o2,2026-03-03T11:00:00Z,43.25,76.90,s,1,pickup,near\n"
	require.NoError(t, os.WriteFile(in("orders.csv"), []byte(orders), 0o644))
	seasonEnd := func(extra ...string) string {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--network", in("network.yaml"), "--stock", in("stock.csv"), "--orders", in("orders.csv"),
			"--history", in("history.csv"), "--policy", "lookahead", "--json"}, extra...)
		require.NoError(t, runSimulate(context.Background(), args, &stdout, &stderr), stderr.String())
		var rep struct {
			Results []struct {
				SeasonEnd *string `json:"season_end"`
			} `json:"results"`
		}
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
		require.Len(t, rep.Results, 1)
		if rep.Results[0].SeasonEnd == nil {
			return "absent"
		}
		return *rep.Results[0].SeasonEnd
	}
	assert.Equal(t, "2026-03-03T11:00:00Z", seasonEnd())
	assert.Equal(t, "2026-03-03T11:00:00Z", seasonEnd("--season-end", "replay"))
	assert.Equal(t, "absent", seasonEnd("--season-end", "none"))
	assert.Equal(t, "2026-03-05T00:00:00Z", seasonEnd("--season-end", "2026-03-05T01:00:00+01:00"))
}

// TestSimulatePlanModel: --plan-model chooses what the replay's plans
// price with: the demand model keeps the unit at near for the pickup; the
// orders model plans too (over the one order the hour to the season's end
// expects, a sample too small to keep it: TestPlanOrdersOnOrderTypes
// shows it at work), the same on one or three workers a plan. A model it does not
// know, or one beside --prices, is a usage error.
func TestSimulatePlanModel(t *testing.T) {
	in, simulate := planThenReplay(t, "--out", "prices.csv")
	total, plans, err := simulate("--history", in("history.csv"), "--plan-model", "demand")
	require.NoError(t, err)
	assert.Less(t, total["lookahead"], total["optimal"]-40, "lookahead ships the delivery from far")
	assert.Positive(t, plans["lookahead"])
	total, plans, err = simulate("--history", in("history.csv"), "--plan-model", "orders")
	require.NoError(t, err)
	assert.LessOrEqual(t, total["lookahead"], total["optimal"]+1e-9)
	assert.Positive(t, plans["lookahead"])
	one, _, err := simulate("--history", in("history.csv"), "--plan-model", "orders", "--plan-samples", "1")
	require.NoError(t, err)
	assert.LessOrEqual(t, one["lookahead"], one["optimal"]+1e-9)
	_, _, err = simulate("--plan-model", "orders", "--plan-samples", "-1")
	assert.ErrorContains(t, err, "plan samples -1")
	for _, workers := range []string{"1", "3"} {
		again, _, err := simulate("--history", in("history.csv"), "--plan-model", "orders", "--plan-workers", workers)
		require.NoError(t, err)
		assert.Equal(t, total, again, "the same replay on %s workers a plan", workers)
	}
	_, _, err = simulate("--plan-model", "orders", "--plan-workers", "-1")
	assert.ErrorContains(t, err, "plan workers -1")
	for _, bad := range [][]string{{"--plan-model", "guess"}, {"--plan-model", "orders", "--prices", in("prices.csv")}} {
		_, _, err := simulate(bad...)
		assert.ErrorIs(t, err, errUsage, "%v", bad)
	}
}

// planThenReplay writes planFiles, runs omniroute plan over their history
// with out (a flag and a file name in the same directory, e.g. --out
// prices.csv), and writes orders.csv: a delivery in A, then a pickup at
// near, which the one unit at near can serve. It returns the files' paths
// by name, and simulate: omniroute simulate of optimal and lookahead over
// those orders with extra flags.
func planThenReplay(t *testing.T, flag, file string) (in func(string) string, simulate func(extra ...string) (map[string]float64, map[string]float64, error)) {
	t.Helper()
	dir := planFiles(t)
	in = func(n string) string { return filepath.Join(dir, n) }
	var stdout, stderr bytes.Buffer
	require.NoError(t, runPlan(context.Background(), []string{
		"--network", in("network.yaml"), "--stock", in("stock.csv"), "--orders", in("history.csv"), flag, in(file),
	}, &stdout, &stderr), stderr.String())
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
		"o1,2026-03-03T10:00:00Z,43.26,76.91,s,1,delivery,\n" +
		"o2,2026-03-03T11:00:00Z,43.25,76.90,s,1,pickup,near\n"
	require.NoError(t, os.WriteFile(in("orders.csv"), []byte(orders), 0o644))
	simulate = func(extra ...string) (map[string]float64, map[string]float64, error) {
		return simulateTotals(t, append([]string{"--network", in("network.yaml"), "--stock", in("stock.csv"), "--orders", in("orders.csv"),
			"--policy", "optimal,lookahead"}, extra...)...)
	}
	return in, simulate
}

// simulateTotals runs omniroute simulate --json with args and returns each
// policy's total_cost_with_lost_sales and plans made.
func simulateTotals(t *testing.T, args ...string) (total, plans map[string]float64, err error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := runSimulate(context.Background(), append(args, "--json"), &stdout, &stderr); err != nil {
		return nil, nil, err
	}
	var rep struct {
		Results []struct {
			Policy string   `json:"policy"`
			Total  float64  `json:"total_cost_with_lost_sales"`
			Plans  *float64 `json:"plans"`
		} `json:"results"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
	total, plans = map[string]float64{}, map[string]float64{}
	for _, r := range rep.Results {
		total[r.Policy] = r.Total
		if r.Plans != nil {
			plans[r.Policy] = *r.Plans
		}
	}
	return total, plans, nil
}

// TestSimulateForecast: the forecast omniroute plan --forecast-out writes
// from the history drives the replay's plans in its place (simulate
// --forecast): the unit at near stays for the pickup from the first order
// on. A bad row is named by file and line; --forecast goes with neither
// --history nor --prices.
func TestSimulateForecast(t *testing.T) {
	in, simulate := planThenReplay(t, "--forecast-out", "forecast.csv")
	total, plans, err := simulate("--forecast", in("forecast.csv"))
	require.NoError(t, err)
	assert.Less(t, total["lookahead"], total["optimal"]-40, "optimal loses the pickup (50), lookahead ships the delivery from far")
	assert.EqualValues(t, 2, plans["lookahead"], "from the first order on")
	noForecast, _, err := simulate()
	require.NoError(t, err)
	assert.InDelta(t, noForecast["optimal"], noForecast["lookahead"], 1e-9, "nothing to plan from before o1")

	require.NoError(t, os.WriteFile(in("bad.csv"), []byte("region,sku,method,units_per_day\nA,s,pickup,4\nA,s,parcel,-1\n"), 0o644))
	_, _, err = simulate("--forecast", in("bad.csv"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), in("bad.csv")+":3: units_per_day")
	for _, other := range [][]string{{"--history", in("history.csv")}, {"--prices", in("forecast.csv")}} {
		_, _, err = simulate(append([]string{"--forecast", in("forecast.csv")}, other...)...)
		assert.ErrorIs(t, err, errUsage, other[0])
	}
}

// TestPlanByOrders: omniroute plan over an amil-makhdoumi-wei history,
// whose orders repeat a few sets of SKUs, plans by orders at the default
// (auto): a sample of the history priced by its Lagrangian bound, its
// prices written as serve --prices reads them; --plan-model demand gives
// the LP; --lp-out has no LP to write by orders, and the orders model
// needs the orders.
func TestPlanByOrders(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	require.NoError(t, runGen(context.Background(), []string{"--profile", dataset.ProfileAmilMakhdoumiWei, "--seed", "2", "--out", dir,
		"--orders", "300", "--regions", "25", "--history-days", "21"}, &out, &errOut), errOut.String())
	in := func(n string) string { return filepath.Join(dir, n) }
	plan := func(extra ...string) (map[string]any, error) {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--network", in(dataset.NetworkFile), "--stock", in(dataset.StockFile), "--orders", in(dataset.HistoryFile), "--json"}, extra...)
		if err := runPlan(context.Background(), args, &stdout, &stderr); err != nil {
			return nil, err
		}
		var rep map[string]any
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep))
		return rep, nil
	}

	rep, err := plan("--out", in("prices.csv"), "--season-end", "2026-03-09T06:00:00Z")
	require.NoError(t, err)
	assert.Equal(t, planning.ModelOrders, rep["model"])
	assert.Contains(t, []any{"converged", "stopped"}, rep["status"])
	sample, ok := rep["sample"].(map[string]any)
	require.True(t, ok, "%v", rep)
	assert.Positive(t, sample["orders"])
	assert.Equal(t, "2026-03-09T06:00:00Z", sample["until"], "the sample runs to the season's end")
	assert.Positive(t, rep["priced_pairs"])
	seen, ok := rep["orders_seen"].(map[string]any)
	require.True(t, ok, "auto says what it chose by: %v", rep)
	assert.GreaterOrEqual(t, seen["repeat_share"], planning.RepeatShare, "amil-makhdoumi-wei's order types repeat")
	assert.Positive(t, seen["lines_per_sku"])
	net, err := network.Load(in(dataset.NetworkFile))
	require.NoError(t, err)
	prices, _, err := readPricesFile(in("prices.csv"), net)
	require.NoError(t, err)
	assert.NotEmpty(t, prices)

	rep, err = plan("--plan-model", planning.ModelDemand)
	require.NoError(t, err)
	assert.Equal(t, planning.ModelDemand, rep["model"])
	assert.Equal(t, "optimal", rep["status"])
	assert.Nil(t, rep["sample"])
	assert.Nil(t, rep["orders_seen"], "no choice made")

	_, err = plan("--lp-out", in("plan.lp"))
	assert.ErrorIs(t, err, errUsage, "auto chose orders: no LP")
	assert.NoFileExists(t, in("plan.lp"))
	_, err = plan("--plan-model", planning.ModelOrders, "--lp-out", in("plan.lp"))
	assert.ErrorIs(t, err, errUsage)
	_, err = plan("--plan-model", "bundles")
	assert.ErrorIs(t, err, errUsage)
	var stdout, stderr bytes.Buffer
	err = runPlan(context.Background(), []string{"--network", in(dataset.NetworkFile), "--stock", in(dataset.StockFile),
		"--forecast", in("forecast.csv"), "--at", "2026-03-02T06:00:00Z", "--plan-model", planning.ModelOrders}, &stdout, &stderr)
	assert.ErrorIs(t, err, errUsage, "the orders model samples --orders")
}

// TestServeFallsHistory: serve --falls-history gives the planner the falls
// of stock of the order log's receipts files (their negative rows; a
// receipt is no fall), from the files' first row on; a pattern that
// matches nothing yet leaves it to learn from the updates it applies; a
// bad row is named by file and line; it is for a planner only.
func TestServeFallsHistory(t *testing.T) {
	dir := planFiles(t)
	net, err := network.Load(filepath.Join(dir, "network.yaml"))
	require.NoError(t, err)
	near, ok := net.NodeIndex("near")
	require.True(t, ok)
	reg := policy.DefaultRegistry()
	receipts := filepath.Join(dir, "receipts-2026-03-01.csv")
	require.NoError(t, os.WriteFile(receipts, []byte("at,node,sku,qty\n"+
		"2026-03-01T00:00:00Z,far,s,5\n2026-03-02T00:00:00Z,near,s,-2\n"), 0o644))
	f := &servePlanFlags{history: filepath.Join(dir, "history.csv"), interval: time.Hour, horizon: time.Hour,
		falls: filepath.Join(dir, "receipts-*.csv")}
	cfg, _, err := f.config(policy.Lookahead, reg, net)
	require.NoError(t, err)
	require.NotNil(t, cfg.Falls)
	assert.Equal(t, 1, cfg.Falls.Len())
	// Two units in the day observed: two expected in the day after.
	exp := cfg.Falls.Expected(time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC), 24*time.Hour)
	assert.EqualValues(t, 2, exp.Units(near, "s"))
	assert.Equal(t, int64(2), exp.Total())

	f.falls = filepath.Join(dir, "none-*.csv")
	cfg, _, err = f.config(policy.Lookahead, reg, net)
	require.NoError(t, err)
	assert.Nil(t, cfg.Falls, "nothing to read yet")

	require.NoError(t, os.WriteFile(receipts, []byte("at,node,sku,qty\n2026-03-01T00:00:00Z,far,s,5\n2026-03-02T00:00:00Z,near,s,0\n"), 0o644))
	f.falls = receipts
	_, _, err = f.config(policy.Lookahead, reg, net)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "receipts-2026-03-01.csv:3: qty")

	_, _, err = f.config(policy.Optimal, reg, net)
	assert.ErrorIs(t, err, errUsage, "for lookahead only")
	f = &servePlanFlags{prices: filepath.Join(dir, "prices.csv"), falls: receipts}
	require.NoError(t, os.WriteFile(f.prices, []byte("node,sku,price\nnear,s,1\n"), 0o644))
	_, _, err = f.config(policy.Lookahead, reg, net)
	assert.ErrorIs(t, err, errUsage, "no planner to give them to")
	f = &servePlanFlags{historyDays: 7, logURL: "postgres://nowhere", interval: time.Hour, horizon: time.Hour, falls: receipts}
	_, err = f.fallRates(net)
	assert.ErrorIs(t, err, errUsage, "the database's receipts are the falls' history")
}

// TestPlanFallsHistory: plan --falls-history keeps out of far's supply
// the falls its receipts expect within the day (9 of its 10 units: 9 fell
// in the day before the plan; a fall after the plan's start is not known),
// and far's last unit, short of the day's deliveries, is priced.
func TestPlanFallsHistory(t *testing.T) {
	dir := planFiles(t)
	in := func(n string) string { return filepath.Join(dir, n) }
	require.NoError(t, os.WriteFile(in("receipts.csv"), []byte("at,node,sku,qty\n"+
		"2026-03-02T00:00:00Z,far,s,-5\n2026-03-02T12:00:00Z,far,s,-4\n2026-03-03T00:00:00Z,far,s,-50\n"), 0o644))
	plan := func(extra ...string) (falls int64, prices map[string]float64) {
		var stdout, stderr bytes.Buffer
		err := runPlan(context.Background(), append([]string{
			"--network", in("network.yaml"), "--stock", in("stock.csv"), "--orders", in("history.csv"), "--json",
		}, extra...), &stdout, &stderr)
		require.NoError(t, err, stderr.String())
		var rep struct {
			Falls int64 `json:"expected_fall_units"`
			Top   []struct {
				Node  string  `json:"node"`
				Price float64 `json:"price"`
			} `json:"top_prices"`
		}
		require.NoError(t, json.Unmarshal(stdout.Bytes(), &rep), stdout.String())
		prices = map[string]float64{}
		for _, p := range rep.Top {
			prices[p.Node] = p.Price
		}
		return rep.Falls, prices
	}
	falls, prices := plan()
	assert.Zero(t, falls)
	assert.NotContains(t, prices, "far", "far's ten units are plenty")
	falls, prices = plan("--falls-history", in("receipts.csv"))
	assert.EqualValues(t, 9, falls)
	assert.Positive(t, prices["far"], "its one unit left is short of the deliveries")

	// Written off instead of sold, the same units are kept out: they
	// leave the stock all the same.
	require.NoError(t, os.WriteFile(in("adjusted.csv"), []byte("at,node,sku,qty,reason\n"+
		"2026-03-02T00:00:00Z,far,s,-5,adjustment\n2026-03-02T12:00:00Z,far,s,-4,adjustment\n2026-03-03T00:00:00Z,far,s,-50,adjustment\n"), 0o644))
	falls, prices = plan("--falls-history", in("adjusted.csv"))
	assert.EqualValues(t, 9, falls)
	assert.Positive(t, prices["far"])

	var stderr bytes.Buffer
	require.NoError(t, os.WriteFile(in("bad.csv"), []byte("at,node,sku,qty\n2026-03-02T00:00:00Z,nowhere,s,-5\n"), 0o644))
	err := runPlan(context.Background(), []string{"--network", in("network.yaml"), "--stock", in("stock.csv"),
		"--orders", in("history.csv"), "--falls-history", in("bad.csv")}, io.Discard, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.csv:2: node")
}
