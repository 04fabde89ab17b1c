package planning_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/simulate/dataset"
)

// TestOrdersPlanSamplesStartFromTheLast: each sample of a plan by the
// orders after the first starts its Lagrangian rounds at the values the
// sample before it ended on. The starts cut rounds, not the bound: the
// plan's bound (the mean of its samples') is the same as with every
// sample started at no prices, in fewer rounds, and two planners give
// the same plan, figure for figure.
func TestOrdersPlanSamplesStartFromTheLast(t *testing.T) {
	cfg := dataset.AmilMakhdoumiWeiConfig()
	cfg.Orders = 600
	dir, net, table := generated(t, cfg)
	var seen planning.OrderWindow
	est := forecast.NewEstimator(net, forecast.NewRegions(net))
	observe := func(o *network.Order) { est.Observe(o); seen.Observe(o) }
	require.NoError(t, simulate.ObserveOrders(simulate.FileSource(filepath.Join(dir, dataset.HistoryFile)), false, observe))
	d := est.Estimate(time.Time{})
	rate := float64(d.Orders) / d.Days
	latest := seen.Latest(nil)
	plan := func(cold bool) *planning.OrdersPlan {
		op := planning.NewOrderPlanner(net)
		op.Scenarios = 4
		op.SetColdSamples(cold)
		p, err := op.Plan(context.Background(), table, latest, nil, d.To, d.To.Add(7*24*time.Hour), rate)
		require.NoError(t, err)
		require.True(t, p.Converged)
		return p
	}
	started, cold := plan(false), plan(true)
	assert.InDelta(t, cold.Bound, started.Bound, 1e-6*cold.Bound, "the same bound")
	assert.Less(t, started.Rounds, cold.Rounds, "fewer rounds")
	t.Logf("rounds %d started, %d cold; bound %.4f", started.Rounds, cold.Rounds, started.Bound)

	again := plan(false)
	again.SolveMs, started.SolveMs = 0, 0
	assert.Equal(t, started, again, "the same plan again")
}
