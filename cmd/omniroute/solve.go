package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/solver/solvertest"
)

// solveOutput is what "omniroute solve" prints: the plan with every
// exclusion and unfilled line named (node, method, reason as a name such as
// "NO_STOCK"), and the options the shipments and alternatives refer to.
type solveOutput struct {
	Plan    planView     `json:"plan"`
	Options []optionView `json:"options"`
}

// planView is a solver.Plan for people: the reasons are names, not numbers.
type planView struct {
	Shipments []solver.Shipment `json:"shipments"`
	// TotalCost = ShippingCost + LostSaleCost, what the solver minimised.
	TotalCost    float64              `json:"total_cost"`
	ShippingCost float64              `json:"shipping_cost"`
	LostSaleCost float64              `json:"lost_sale_cost"`
	Alternatives []solver.Alternative `json:"alternatives"`
	Excluded     []exclusionView      `json:"excluded"`
	Unfilled     []unfilledView       `json:"unfilled"`
	Stats        solver.Stats         `json:"stats"`
}

type optionView struct {
	Index   int     `json:"index"`
	NodeID  string  `json:"node_id"`
	Method  string  `json:"method"`
	Partner string  `json:"partner,omitempty"`
	Km      float64 `json:"distance_km"`
}

type exclusionView struct {
	Option  int    `json:"option"`
	NodeID  string `json:"node_id"`
	Method  string `json:"method"`
	Partner string `json:"partner,omitempty"`
	Reason  string `json:"reason"`
}

type unfilledView struct {
	Line         int     `json:"line"`
	SKU          string  `json:"sku"`
	Quantity     int32   `json:"quantity"`
	Reason       string  `json:"reason"`
	LostSaleCost float64 `json:"lost_sale_cost"`
	CostSaved    float64 `json:"cost_saved"`
}

func runSolve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("solve", stderr)
	problemPath := fs.String("problem", "", "problem JSON file (required; - for stdin)")
	lpOut := fs.String("lp-out", "", "also write the model as a MIP in CPLEX LP format to this file")
	alternatives := fs.Int("alternatives", solver.DefaultAlternatives, "how many next-best plans to return (0 = none)")
	exactMaxLines := fs.Int("exact-max-lines", solver.DefaultExactMaxLines, "orders with more lines go to the heuristic")
	nodeBudget := fs.Int("node-budget", solver.DefaultNodeBudget, "search nodes before the exact search stops with a gap")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *problemPath == "" {
		return fmt.Errorf("%w: --problem is required", errUsage)
	}
	if *alternatives < 0 {
		return fmt.Errorf("%w: --alternatives must be >= 0", errUsage)
	}
	p, err := readProblem(*problemPath)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s := solver.Settings{Alternatives: *alternatives, ExactMaxLines: *exactMaxLines, NodeBudget: *nodeBudget}
	if s.Alternatives == 0 {
		s.Alternatives = -1 // Settings: zero means default, negative means none
	}
	plan, err := solver.Solve(p, s)
	if err != nil {
		return fmt.Errorf("problem %s: %w", *problemPath, err)
	}
	if *lpOut != "" {
		if err := writeLPFile(*lpOut, p); err != nil {
			return err
		}
	}
	return writeJSON(stdout, explain(p, plan))
}

// explain turns a plan into what solve prints: reasons by name, and the
// options it refers to.
func explain(p *solver.Problem, plan *solver.Plan) solveOutput {
	out := solveOutput{
		Plan: planView{
			Shipments: plan.Shipments, TotalCost: plan.TotalCost, ShippingCost: plan.ShippingCost, LostSaleCost: plan.LostSaleCost,
			Alternatives: plan.Alternatives, Stats: plan.Stats,
			Excluded: []exclusionView{}, Unfilled: []unfilledView{},
		},
		Options: []optionView{},
	}
	seen := map[int]bool{}
	add := func(o int) {
		if seen[o] || o < 0 || o >= len(p.Options) {
			return
		}
		seen[o] = true
		opt := p.Options[o]
		out.Options = append(out.Options, optionView{Index: o, NodeID: opt.NodeID, Method: opt.Method.String(), Partner: opt.Partner, Km: opt.DistanceKm})
	}
	for _, s := range plan.Shipments {
		add(s.Option)
	}
	for _, a := range plan.Alternatives {
		for _, o := range a.Options {
			add(o)
		}
	}
	for _, e := range plan.Excluded {
		opt := p.Options[e.Option]
		out.Plan.Excluded = append(out.Plan.Excluded, exclusionView{Option: e.Option, NodeID: opt.NodeID, Method: opt.Method.String(), Partner: opt.Partner, Reason: e.Reason.String()})
	}
	for _, u := range plan.Unfilled {
		out.Plan.Unfilled = append(out.Plan.Unfilled, unfilledView{Line: u.Line, SKU: p.Lines[u.Line].SKU, Quantity: u.Quantity,
			Reason: u.Reason.String(), LostSaleCost: u.LostSaleCost, CostSaved: u.CostSaved})
	}
	return out
}

func readProblem(path string) (*solver.Problem, error) {
	var r io.Reader
	if path == "-" {
		r = os.Stdin
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("problem: %w", err)
		}
		defer f.Close()
		r = f
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var p solver.Problem
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("problem %s: %w", path, err)
	}
	return &p, nil
}

func writeLPFile(path string, p *solver.Problem) (err error) {
	// Like --report DIR, a directory the file names is created.
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("lp-out: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("lp-out: %w", err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("lp-out %s: %w", path, cerr)
		}
	}()
	if err := solver.WriteLP(f, p); err != nil {
		return fmt.Errorf("lp-out %s: %w", path, err)
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

func runGenProblem(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("gen-problem", stderr)
	seed := fs.Int64("seed", 1, "random seed; the same seed gives the same problem")
	nodes := fs.Int("nodes", 100, "number of candidate options (node x method)")
	lines := fs.Int("lines", 5, "number of order lines")
	density := fs.Float64("stock-density", 0.3, "probability that a store holds a SKU (0..1)")
	lostSale := fs.Float64("lost-sale-cost", 0, "lost-sale cost per unit: each line gets it times a seeded factor in [0.5, 2), the order it once per order (0 = none)")
	out := fs.String("out", "", "output file (default stdout)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *nodes < 0:
		return fmt.Errorf("%w: --nodes must be >= 0", errUsage)
	case *lines < 1:
		return fmt.Errorf("%w: --lines must be >= 1", errUsage)
	case !(*density >= 0 && *density <= 1):
		return fmt.Errorf("%w: --stock-density must be in [0, 1]", errUsage)
	case !(*lostSale >= 0 && *lostSale <= math.MaxFloat64):
		return fmt.Errorf("%w: --lost-sale-cost must be a finite number >= 0", errUsage)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p := solvertest.GenerateProblem(*seed, *nodes, *lines, *density)
	solvertest.AddLostSaleCosts(p, *seed, *lostSale)
	if *out == "" {
		return writeJSON(stdout, p)
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return fmt.Errorf("gen-problem: %w", err)
	}
	f, err := os.Create(*out)
	if err != nil {
		return fmt.Errorf("gen-problem: %w", err)
	}
	werr := writeJSON(f, p)
	if err := f.Close(); err != nil && werr == nil {
		werr = fmt.Errorf("gen-problem %s: %w", *out, err)
	}
	return werr
}
