package simulate

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/solver"
)

// TestOrdersRepeating: the window counts orders of two lines or more by
// their set of SKUs, in any order of lines; it says the orders repeat
// once it is full and half of them share their set with another.
func TestOrdersRepeating(t *testing.T) {
	op := &orderPlanner{inWindow: map[string]int{}}
	order := func(skus ...string) *network.Order {
		o := &network.Order{}
		for _, s := range skus {
			o.Lines = append(o.Lines, solver.Line{SKU: s, Quantity: 1})
		}
		return o
	}
	for i := range RepeatWindow / 2 {
		op.count(order(fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i))) // all different
		op.count(order("single"))                                     // one line: not counted
	}
	assert.False(t, op.repeating(), "not full")
	for i := range RepeatWindow/2 - 1 {
		op.count(order(fmt.Sprintf("b%d", i), fmt.Sprintf("a%d", i))) // the same sets, lines swapped
	}
	op.count(order("x", "y"))
	assert.Len(t, op.window, RepeatWindow)
	assert.Equal(t, RepeatWindow-2, op.recurring)
	assert.True(t, op.repeating())
	// New sets push the repeated ones out.
	for i := range RepeatWindow {
		op.count(order(fmt.Sprintf("c%d", i), "d"))
	}
	assert.Zero(t, op.recurring)
	assert.False(t, op.repeating())
}

// TestPlanAutoChooses: PlanAuto plans over the orders on a small
// amil-makhdoumi-wei replay, whose orders come in a few types (cheaper
// than planning by demand), and by demand on a small jasin-sinha one,
// whose orders draw their SKUs freely (the same cost as by demand, figure
// for figure).
func TestPlanAutoChooses(t *testing.T) {
	if testing.Short() {
		t.Skip("replays with plans")
	}
	amw := dataset.AmilMakhdoumiWeiConfig()
	amw.Orders, amw.Days, amw.Regions = 1000, 2, 40
	js := dataset.JasinSinhaConfig()
	js.SKUs, js.Orders, js.Days, js.Regions = 60, 400, 2, 40
	for _, c := range []struct {
		name   string
		gen    dataset.Config
		chosen string
	}{{"amil-makhdoumi-wei", amw, PlanOrders}, {"jasin-sinha", js, PlanDemand}} {
		cfg := genReplay(t, c.gen)
		cfg.History = historyBeside(cfg.Orders)
		cfg.SeasonAtReplayEnd, cfg.Bound = true, false
		cfg.Policies = []string{"lookahead"}
		total := map[string]float64{}
		for _, model := range []string{PlanDemand, PlanAuto} {
			cfg.PlanModel, cfg.PlanInterval = model, 0
			res, err := Run(context.Background(), cfg)
			require.NoError(t, err)
			r := res.Results[0]
			total[model] = r.TotalWithLost
			if model == PlanAuto {
				assert.Equal(t, c.chosen, r.PlanModel, c.name)
			}
		}
		t.Logf("%s: %v", c.name, total)
		if c.chosen == PlanOrders {
			assert.Less(t, total[PlanAuto], total[PlanDemand], c.name)
		} else {
			assert.Equal(t, total[PlanDemand], total[PlanAuto], c.name)
		}
	}
}
