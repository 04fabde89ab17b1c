package solver_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/omniroute/omniroute/solver"
)

// TestCarry: each of the four limits binds on its own, none makes the
// answer negative, and the weight limit has its tolerance.
func TestCarry(t *testing.T) {
	inf := math.Inf(1)
	tests := []struct {
		name                 string
		want, stock, capLeft int64
		weightLeft, unitKg   float64
		carry                int64
	}{
		{"the line's quantity binds", 2, 5, 9, inf, 1, 2},
		{"stock binds", 9, 5, 9, inf, 1, 5},
		{"capacity binds", 9, 5, 3, inf, 1, 3},
		{"weight binds", 9, 5, 9, 2.5, 1, 2},
		{"no limits but stock", solver.NoLimit, 7, solver.NoLimit, inf, 0.5, 7},
		{"weightless units ignore the weight limit", 9, 5, 9, 0.1, 0, 5},
		{"a full shipment carries nothing", 9, 5, 0, inf, 1, 0},
		{"an overfull shipment carries nothing, not less", 9, 5, -2, -1, 1, 0},
		{"the weight limit is met within 1e-9 kg", 9, 5, 9, 3 - 1e-10, 1, 3},
		{"a light unit under a huge limit", solver.NoLimit, 40, solver.NoLimit, 1e12, 1e-6, 40},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.carry, solver.Carry(tt.want, tt.stock, tt.capLeft, tt.weightLeft, tt.unitKg))
		})
	}
}

// TestProblemCarry: an option's capacity and weight limit apply to what a
// shipment already holds; a capacity of -1 and a weight limit of 0 are no
// limits.
func TestProblemCarry(t *testing.T) {
	p := &solver.Problem{
		Lines: []solver.Line{{SKU: "A", Quantity: 4, UnitWeightKg: 2}, {SKU: "B", Quantity: 9}},
		Options: []solver.Option{
			{Node: 0, CapacityUnits: 5, MaxWeightKg: 7},
			{Node: 1, CapacityUnits: -1},
		},
		Available: []int32{4, 9, 8, 8},
		UnitCost:  []float64{1, 1, 1, 1},
	}
	assert.EqualValues(t, 3, p.Carry(0, 0, 4, 0, 0), "7 kg carry 3 units of 2 kg")
	assert.EqualValues(t, 2, p.Carry(0, 0, 4, 1, 3), "4 kg left")
	assert.EqualValues(t, 1, p.Carry(0, 1, 9, 4, 1), "1 unit of capacity left")
	assert.EqualValues(t, 0, p.Carry(0, 1, 9, 6, 1), "over capacity")
	assert.EqualValues(t, 8, p.Carry(1, 0, solver.NoLimit, 100, 1e6), "no limits: the stock")
	assert.EqualValues(t, 2, p.Carry(1, 1, 2, 0, 0), "the quantity wanted")
}
