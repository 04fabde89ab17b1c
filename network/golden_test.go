package network_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestDemoProblemGolden pins the problem built for the README's demo order:
// every option, eligibility reason, cost and ETA. Run with -update after a
// deliberate change and review the diff.
func TestDemoProblemGolden(t *testing.T) {
	n, st := demo(t)
	var p solver.Problem
	require.NoError(t, network.NewBuilder(n, nil).Build(network.DemoOrder(), st, st, &p))
	// Round to 1e-9 so that fused multiply-adds on other architectures do
	// not move the last digits.
	r := func(x float64) float64 { return math.Round(x*1e9) / 1e9 }
	for i := range p.Options {
		p.Options[i].FixedCost = r(p.Options[i].FixedCost)
		p.Options[i].DistanceKm = r(p.Options[i].DistanceKm)
	}
	for i := range p.UnitCost {
		p.UnitCost[i] = r(p.UnitCost[i])
	}
	got, err := json.MarshalIndent(&p, "", " ")
	require.NoError(t, err)
	got = append(got, '\n')
	path := filepath.Join("testdata", "demo_problem.golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "%v (run with -update to create it)", err)
	assert.True(t, bytes.Equal(got, want), "the demo problem differs from %s; run with -update if the change is meant", path)
}

// TestBuildDoesNotAllocate checks the steady state: once a Builder and a
// Problem have grown, building again allocates nothing.
func TestBuildDoesNotAllocate(t *testing.T) {
	n, st := demo(t)
	b := network.NewBuilder(n, nil)
	var p solver.Problem
	o := network.DemoOrder()
	require.NoError(t, b.Build(o, st, st, &p))
	assert.EqualValues(t, 0, testing.AllocsPerRun(100, func() { _ = b.Build(o, st, st, &p) }), "Build allocates")
}
