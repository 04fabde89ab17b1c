package simulate

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/simulate/dataset"
)

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
