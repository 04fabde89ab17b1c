package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
)

func TestGenProblemThenSolve(t *testing.T) {
	dir := t.TempDir()
	probPath := filepath.Join(dir, "new", "dir", "problem.json") // directories are created
	var stdout, stderr bytes.Buffer
	err := runGenProblem(context.Background(), []string{"--seed", "7", "--nodes", "40", "--lines", "4", "--out", probPath}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("gen-problem: %v (%s)", err, stderr.String())
	}
	raw, err := os.ReadFile(probPath)
	if err != nil {
		t.Fatal(err)
	}
	var p solver.Problem
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	if len(p.Options) != 40 || len(p.Lines) != 4 {
		t.Fatalf("got %d options, %d lines", len(p.Options), len(p.Lines))
	}

	lpPath := filepath.Join(dir, "lp", "problem.lp")
	stdout.Reset()
	err = runSolve(context.Background(), []string{"--problem", probPath, "--lp-out", lpPath, "--alternatives", "2"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("solve: %v (%s)", err, stderr.String())
	}
	var out solveOutput
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("solve output: %v\n%s", err, stdout.String())
	}
	if len(out.Plan.Shipments) == 0 || !out.Plan.Stats.Optimal {
		t.Fatalf("unexpected plan: %s", stdout.String())
	}
	if len(out.Plan.Alternatives) > 2 {
		t.Fatalf("%d alternatives, want at most 2", len(out.Plan.Alternatives))
	}
	for _, s := range out.Plan.Shipments {
		found := false
		for _, o := range out.Options {
			found = found || (o.Index == s.Option && o.NodeID != "" && o.Method != "")
		}
		if !found {
			t.Fatalf("shipment option %d not explained", s.Option)
		}
	}
	lp, err := os.ReadFile(lpPath)
	if err != nil || !strings.Contains(string(lp), "Minimize") {
		t.Fatalf("lp file: %v", err)
	}
}

func TestSolveErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"lines":[{"sku":"A","quantity":-1}],"options":[],"available":[],"unit_cost":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	err := runSolve(context.Background(), []string{"--problem", bad}, &stdout, &stderr)
	if !errors.Is(err, solver.ErrInvalidProblem) || !strings.Contains(err.Error(), "lines[0].quantity") {
		t.Fatalf("got %v, want an invalid-problem error naming lines[0].quantity", err)
	}
	err = runSolve(context.Background(), nil, &stdout, &stderr)
	if !errors.Is(err, errUsage) {
		t.Fatalf("got %v, want a usage error", err)
	}
	err = runGenProblem(context.Background(), []string{"--stock-density", "2"}, &stdout, &stderr)
	if !errors.Is(err, errUsage) {
		t.Fatalf("got %v, want a usage error", err)
	}
}

// TestSolvePrintsReasonNames: the plan solve prints names every exclusion
// and unfilled line by its reason's name, as route does, with the node it
// concerns.
func TestSolvePrintsReasonNames(t *testing.T) {
	dir := t.TempDir()
	probPath := filepath.Join(dir, "problem.json")
	var stdout, stderr bytes.Buffer
	require.NoError(t, runGenProblem(context.Background(), []string{"--seed", "7", "--nodes", "10", "--lines", "2", "--out", probPath}, &stdout, &stderr))
	stdout.Reset()
	require.NoError(t, runSolve(context.Background(), []string{"--problem", probPath}, &stdout, &stderr))

	var raw struct {
		Plan struct {
			Excluded []map[string]any `json:"excluded"`
			Unfilled []map[string]any `json:"unfilled"`
		} `json:"plan"`
	}
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &raw), stdout.String())
	require.NotEmpty(t, raw.Plan.Excluded, "this problem excludes options")
	require.NotEmpty(t, raw.Plan.Unfilled, "this problem leaves a line unfilled")
	names := map[string]bool{}
	for r := solver.ReasonNoStock; r < 64; r++ {
		if n := r.String(); !strings.HasPrefix(n, "Reason(") {
			names[n] = true
		}
	}
	for _, e := range append(raw.Plan.Excluded, raw.Plan.Unfilled...) {
		reason, ok := e["reason"].(string)
		require.True(t, ok, "reason %v is not a name", e["reason"])
		assert.True(t, names[reason], "reason %q is not a solver reason name", reason)
	}
	for _, e := range raw.Plan.Excluded {
		assert.NotEmpty(t, e["node_id"])
		assert.NotEmpty(t, e["method"])
	}
	assert.Contains(t, stdout.String(), `"reason": "NO_STOCK"`)
}

// TestGenProblemLostSale: --lost-sale-cost prices the lines and the order,
// solve reports what it leaves unfilled with its costs, and the LP it
// writes has CBC's optimum equal to the plan's total cost.
func TestGenProblemLostSale(t *testing.T) {
	dir := t.TempDir()
	probPath := filepath.Join(dir, "problem.json")
	var stdout, stderr bytes.Buffer
	err := runGenProblem(context.Background(), []string{"--seed", "3", "--nodes", "12", "--lines", "6",
		"--stock-density", "0.2", "--lost-sale-cost", "2", "--out", probPath}, &stdout, &stderr)
	require.NoError(t, err, stderr.String())
	raw, err := os.ReadFile(probPath)
	require.NoError(t, err)
	var p solver.Problem
	require.NoError(t, json.Unmarshal(raw, &p))
	assert.Equal(t, 2.0, p.LostSaleCostPerOrder)
	for _, l := range p.Lines {
		assert.True(t, l.LostSaleCost >= 1 && l.LostSaleCost < 4, "line %s: %v", l.SKU, l.LostSaleCost)
	}
	lpPath := filepath.Join(dir, "problem.lp")
	stdout.Reset()
	require.NoError(t, runSolve(context.Background(), []string{"--problem", probPath, "--lp-out", lpPath}, &stdout, &stderr))
	var out solveOutput
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &out))
	require.NotEmpty(t, out.Plan.Unfilled, "nothing left unfilled: %s", stdout.String())
	reasons := map[string]bool{}
	for _, u := range out.Plan.Unfilled {
		reasons[u.Reason] = true
		assert.Equal(t, float64(u.Quantity)*p.Lines[u.Line].LostSaleCost, u.LostSaleCost)
	}
	assert.True(t, reasons["UNECONOMIC"], "no line left unfilled by choice: %s", stdout.String())
	assert.InDelta(t, out.Plan.ShippingCost+out.Plan.LostSaleCost, out.Plan.TotalCost, 1e-9)
	lp, err := os.ReadFile(lpPath)
	require.NoError(t, err)
	assert.Contains(t, string(lp), " u_")

	err = runGenProblem(context.Background(), []string{"--lost-sale-cost", "-1"}, &stdout, &stderr)
	assert.ErrorIs(t, err, errUsage)
}
