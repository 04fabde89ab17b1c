package solver_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/solver"
)

// validProblem is a small well-formed problem: 2 options x 2 lines.
func validProblem() *solver.Problem {
	return &solver.Problem{
		Lines: []solver.Line{{SKU: "A", Quantity: 1, UnitWeightKg: 1}, {SKU: "B", Quantity: 2}},
		Options: []solver.Option{
			{Node: 0, NodeID: "s0", Method: solver.ShipFromStore, FixedCost: 5, CapacityUnits: -1},
			{Node: 1, NodeID: "w1", Method: solver.WarehouseShip, FixedCost: 9, CapacityUnits: -1},
		},
		Available: []int32{1, 2, 5, 5},
		UnitCost:  []float64{1, 1, 0.5, 0.5},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(p *solver.Problem)
		field  string // "" = valid
	}{
		{"valid", func(p *solver.Problem) {}, ""},
		{"empty order", func(p *solver.Problem) { p.Lines = nil; p.Available = nil; p.UnitCost = nil }, "lines: empty order"},
		{"negative quantity", func(p *solver.Problem) { p.Lines[1].Quantity = -3 }, "lines[1].quantity: must be positive"},
		{"zero quantity", func(p *solver.Problem) { p.Lines[0].Quantity = 0 }, "lines[0].quantity"},
		{"duplicate line", func(p *solver.Problem) { p.Lines[1].SKU = "A" }, `lines[1].sku: duplicate "A"`},
		{"empty sku", func(p *solver.Problem) { p.Lines[0].SKU = "" }, "lines[0].sku: empty"},
		{"NaN weight", func(p *solver.Problem) { p.Lines[0].UnitWeightKg = math.NaN() }, "lines[0].unit_weight_kg: NaN"},
		{"negative weight", func(p *solver.Problem) { p.Lines[1].UnitWeightKg = -1 }, "lines[1].unit_weight_kg: negative"},
		{"NaN fixed cost", func(p *solver.Problem) { p.Options[1].FixedCost = math.NaN() }, "options[1].fixed_cost: NaN"},
		{"infinite fixed cost", func(p *solver.Problem) { p.Options[0].FixedCost = math.Inf(1) }, "options[0].fixed_cost: infinite"},
		{"NaN max weight", func(p *solver.Problem) { p.Options[0].MaxWeightKg = math.NaN() }, "options[0].max_weight_kg: NaN"},
		{"NaN distance", func(p *solver.Problem) { p.Options[1].DistanceKm = math.NaN() }, "options[1].distance_km: NaN"},
		{"negative node", func(p *solver.Problem) { p.Options[1].Node = -1 }, "options[1].node"},
		{"unknown method", func(p *solver.Problem) { p.Options[0].Method = 42 }, "options[0].method"},
		{"negative eta", func(p *solver.Problem) { p.Options[0].ETAMinutes = -1 }, "options[0].eta_minutes"},
		{"unknown reason", func(p *solver.Problem) { p.Options[1].Excluded = 99 }, "options[1].excluded"},
		{"available too short", func(p *solver.Problem) { p.Available = p.Available[:3] }, "available: length 3, want 4"},
		{"unit cost too long", func(p *solver.Problem) { p.UnitCost = append(p.UnitCost, 1) }, "unit_cost: length 5, want 4"},
		{"negative available", func(p *solver.Problem) { p.Available[3] = -1 }, "available[3] (options[1] lines[1]): negative"},
		{"NaN unit cost", func(p *solver.Problem) { p.UnitCost[2] = math.NaN() }, "unit_cost[2] (options[1] lines[0]): NaN"},
		{"negative unit cost", func(p *solver.Problem) { p.UnitCost[0] = -0.5 }, "unit_cost[0] (options[0] lines[0]): negative"},
		{"negative max shipments", func(p *solver.Problem) { p.MaxShipments = -1 }, "max_shipments"},
		{"NaN split penalty", func(p *solver.Problem) { p.SplitPenalty = math.NaN() }, "split_penalty: NaN"},
		{"negative promise", func(p *solver.Problem) { p.PromiseMinutes = -5 }, "promise_minutes"},
		{"negative lost-sale cost", func(p *solver.Problem) { p.Lines[1].LostSaleCost = -2 }, "lines[1].lost_sale_cost: must be >= 0, got -2"},
		{"NaN lost-sale cost", func(p *solver.Problem) { p.Lines[0].LostSaleCost = math.NaN() }, "lines[0].lost_sale_cost: must be >= 0, got NaN"},
		{"infinite lost-sale cost", func(p *solver.Problem) { p.Lines[0].LostSaleCost = math.Inf(1) }, "lines[0].lost_sale_cost: must be finite, got +Inf"},
		{"negative per-order cost", func(p *solver.Problem) { p.LostSaleCostPerOrder = -1 }, "lost_sale_cost_per_order: must be >= 0, got -1"},
		{"NaN per-order cost", func(p *solver.Problem) { p.LostSaleCostPerOrder = math.NaN() }, "lost_sale_cost_per_order: must be >= 0, got NaN"},
		{"valid lost-sale costs", func(p *solver.Problem) { p.Lines[0].LostSaleCost = 3; p.LostSaleCostPerOrder = 2 }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := validProblem()
			tt.mutate(p)
			err := p.Validate()
			if tt.field == "" {
				require.NoError(t, err, "unexpected error")
				return
			}
			require.Error(t, err, "no error, want one naming %q", tt.field)
			require.ErrorIs(t, err, solver.ErrInvalidProblem, "error %v does not wrap ErrInvalidProblem", err)
			require.ErrorContains(t, err, tt.field, "error %q does not name %q", err, tt.field)
			// Solve reports the same error and does not panic.
			if _, serr := solver.NewWorkspace().Solve(p, solver.Settings{}); !errors.Is(serr, solver.ErrInvalidProblem) {
				t.Fatalf("Solve: got %v", serr)
			}
		})
	}
	// A large order takes the map path for duplicates.
	big := &solver.Problem{}
	for i := 0; i < 300; i++ {
		big.Lines = append(big.Lines, solver.Line{SKU: fmt.Sprintf("S%d", i%299), Quantity: 1})
	}
	if err := big.Validate(); err == nil || !strings.Contains(err.Error(), `lines[299].sku: duplicate "S0" (also lines[0])`) {
		t.Fatalf("large order: %v", err)
	}
	var nilProblem *solver.Problem
	if err := nilProblem.Validate(); !errors.Is(err, solver.ErrInvalidProblem) {
		t.Fatalf("nil problem: %v", err)
	}
}

// TestNegativeZeroCost: -0 is a valid (zero) cost, in orders of one line
// and of several.
func TestNegativeZeroCost(t *testing.T) {
	for _, lines := range []int{1, 2} {
		p := &solver.Problem{Options: []solver.Option{{Node: 0, FixedCost: 1, CapacityUnits: -1}}}
		for l := 0; l < lines; l++ {
			p.Lines = append(p.Lines, solver.Line{SKU: string(rune('A' + l)), Quantity: 1})
			p.Available = append(p.Available, 1)
			p.UnitCost = append(p.UnitCost, math.Copysign(0, -1))
		}
		pl, err := solver.Solve(p, solver.Settings{})
		require.NoError(t, err, "lines=%d: %v, %+v", lines, err, pl)
		require.EqualValues(t, 1, pl.TotalCost, "lines=%d: %v, %+v", lines, err, pl)
		p.UnitCost[0] = math.Inf(1)
		if _, err := solver.Solve(p, solver.Settings{}); err == nil || !strings.Contains(err.Error(), "unit_cost[0]") {
			t.Fatalf("lines=%d: error %v, want unit_cost[0]", lines, err)
		}
	}
}
