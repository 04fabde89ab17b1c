package policy

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/omniroute/omniroute/solver"
)

func TestTakeableWeightLimit(t *testing.T) {
	p := &solver.Problem{
		Lines:     []solver.Line{{SKU: "A", Quantity: 5, UnitWeightKg: 1e-9}, {SKU: "B", Quantity: 5, UnitWeightKg: 4}},
		Options:   []solver.Option{{Node: 0, CapacityUnits: -1, MaxWeightKg: 15}},
		Available: []int32{5, 5},
		UnitCost:  []float64{1, 1},
	}
	// 15 kg holds 1.5e10 units of A: the ATP limits it, not the weight.
	assert.EqualValues(t, 5, takeableAlone(p, 0, 0))
	// 15 kg holds three units of B.
	assert.EqualValues(t, 3, takeableAlone(p, 0, 1))

	// Added to a shipment: A still fits whole; B fits twice beside 5 kg,
	// and not at all beside 15 kg.
	p.SplitLines = true
	assert.EqualValues(t, 5, takeable(p, 0, 0, 5, 0, 0))
	assert.EqualValues(t, 2, takeable(p, 0, 1, 5, 1, 5))
	assert.EqualValues(t, 0, takeable(p, 0, 1, 5, 1, 15))
}
