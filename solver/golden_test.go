package solver_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/solver/solvertest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenProblem is a small order with every kind of decision in it: a split
// across two nodes, exclusions for several reasons and an unfillable line.
func goldenProblem() *solver.Problem {
	return &solver.Problem{
		Lines: []solver.Line{
			{SKU: "JACKET-M", Quantity: 1, UnitWeightKg: 1.2},
			{SKU: "BOOTS-42", Quantity: 2, UnitWeightKg: 1.5},
			{SKU: "SCARF", Quantity: 1, UnitWeightKg: 0.2},
			{SKU: "UMBRELLA", Quantity: 1, UnitWeightKg: 0.5},
		},
		Options: []solver.Option{
			{Node: 0, NodeID: "almaty-store-01", Method: solver.ShipFromStore, FixedCost: 9.959, CapacityUnits: 20, ETAMinutes: 1460, DistanceKm: 4.2},
			{Node: 0, NodeID: "almaty-store-01", Method: solver.Courier, Partner: "glovo", FixedCost: 8.48, CapacityUnits: 20, MaxWeightKg: 10, ETAMinutes: 40, DistanceKm: 4.2},
			{Node: 0, NodeID: "almaty-store-01", Method: solver.Pickup, FixedCost: 1.2, CapacityUnits: 20, ETAMinutes: 120, DistanceKm: 4.2, Excluded: solver.ReasonMethodNotAllowed},
			{Node: 1, NodeID: "almaty-dark-02", Method: solver.Courier, Partner: "glovo", FixedCost: 6.2, CapacityUnits: 0, MaxWeightKg: 10, ETAMinutes: 35, DistanceKm: 1.5},
			{Node: 2, NodeID: "almaty-store-03", Method: solver.Courier, Partner: "glovo", FixedCost: 9.8, CapacityUnits: -1, MaxWeightKg: 10, ETAMinutes: 55, DistanceKm: 6.8},
			{Node: 3, NodeID: "astana-wh-01", Method: solver.WarehouseShip, FixedCost: 9.359, CapacityUnits: -1, ETAMinutes: 4400, DistanceKm: 970},
			{Node: 4, NodeID: "almaty-wh-02", Method: solver.WarehouseShip, FixedCost: 9.359, CapacityUnits: -1, ETAMinutes: 1600, DistanceKm: 25},
		},
		Available: []int32{
			1, 0, 3, 0,
			1, 0, 3, 0,
			1, 0, 3, 0,
			1, 2, 1, 0,
			0, 2, 0, 0,
			5, 9, 9, 0,
			0, 4, 0, 0,
		},
		UnitCost: []float64{
			0.98, 0.98, 0.98, 0.98,
			0.55, 0.55, 0.55, 0.55,
			0.55, 0.55, 0.55, 0.55,
			0.5, 0.5, 0.5, 0.5,
			0.6, 0.6, 0.6, 0.6,
			0.82, 0.82, 0.82, 0.82,
			0.59, 0.59, 0.59, 0.59,
		},
		MaxShipments:   2,
		SplitLines:     true,
		SplitPenalty:   2,
		PromiseMinutes: 3 * 24 * 60,
	}
}

func TestGolden(t *testing.T) {
	cases := []struct {
		name string
		p    *solver.Problem
	}{
		{"small_order", goldenProblem()},
		{"generated_seed42", solvertest.GenerateProblem(42, 60, 4, 0.3)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pl, err := solver.Solve(c.p, solver.Settings{})
			require.NoError(t, err)
			checkPlan(t, c.p, pl)
			got, err := json.MarshalIndent(pl, "", "  ")
			require.NoError(t, err)
			got = append(got, '\n')
			path := filepath.Join("testdata", c.name+".golden")
			if *update {
				require.NoError(t, os.WriteFile(path, got, 0o644))
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "%v (run go test -run TestGolden -update)", err)
			require.True(t, bytes.Equal(got, want), "plan differs from %s (run with -update if intended):\n%s", path, got)
		})
	}
}
