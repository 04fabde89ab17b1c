package planning_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/simulate/dataset"
)

// TestOrdersPlanSamplesStartFromTheFirst: each sample of a plan by the
// orders after the first starts its Lagrangian rounds at the values the
// first one ended on. The starts cut rounds, not the bound: the plan's
// bound (the mean of its samples') is the same as with every sample
// started at no prices, in fewer rounds. The samples after the first are
// solved Workers at a time, and the plan is the same, figure for figure,
// again and whatever the number of workers.
func TestOrdersPlanSamplesStartFromTheFirst(t *testing.T) {
	cfg := dataset.AmilMakhdoumiWeiConfig()
	cfg.Orders = 600
	h := seenHistory(t, cfg)
	net, table, latest, rate := h.net, h.table, h.latest, h.rate
	op := planning.NewOrderPlanner(net)
	plan := func(cold bool, workers int) *planning.OrdersPlan {
		op.Scenarios, op.Workers = 4, workers
		op.SetColdSamples(cold)
		op.Forget()
		p, err := op.Plan(context.Background(), table, latest, nil, h.end, h.end.Add(7*24*time.Hour), rate)
		require.NoError(t, err)
		require.True(t, p.Converged)
		p.SolveMs = 0
		return p
	}
	started, cold := plan(false, 1), plan(true, 1)
	assert.InDelta(t, cold.Bound, started.Bound, 1e-6*cold.Bound, "the same bound")
	assert.Less(t, started.Rounds, cold.Rounds, "fewer rounds")
	t.Logf("rounds %d started, %d cold; bound %.4f", started.Rounds, cold.Rounds, started.Bound)

	assert.Equal(t, started, plan(false, 1), "the same plan again")
	assert.Equal(t, started, plan(false, 3), "the same plan on three workers")
	other := planning.NewOrderPlanner(net)
	other.Scenarios, other.Workers = 4, 2
	p, err := other.Plan(context.Background(), table, latest, nil, h.end, h.end.Add(7*24*time.Hour), rate)
	require.NoError(t, err)
	p.SolveMs = 0
	assert.Equal(t, started, p, "the same plan from another planner on two workers")
}

// TestOrdersPlanStartsFromTheLastPlan: a plan's first sample starts its
// rounds at the values the planner's last plan's first sample ended on,
// six hours and some sales before. The bound is the one a new planner
// finds from no prices, in fewer rounds; after Forget the planner plans as
// a new one does, figure for figure.
func TestOrdersPlanStartsFromTheLastPlan(t *testing.T) {
	cfg := dataset.AmilMakhdoumiWeiConfig()
	cfg.Orders = 600
	h := seenHistory(t, cfg)
	net, table, latest, rate := h.net, h.table, h.latest, h.rate
	until := h.end.Add(7 * 24 * time.Hour)
	next := h.end.Add(6 * time.Hour)
	plan := func(op *planning.OrderPlanner, st network.StockView, at time.Time) *planning.OrdersPlan {
		op.Scenarios, op.Workers = 4, 1
		p, err := op.Plan(context.Background(), st, latest, nil, at, until, rate)
		require.NoError(t, err)
		require.True(t, p.Converged)
		p.SolveMs = 0
		return p
	}
	op := planning.NewOrderPlanner(net)
	plan(op, table, h.end)
	carried := plan(op, sold{table}, next)
	fresh := plan(planning.NewOrderPlanner(net), sold{table}, next)
	assert.InDelta(t, fresh.Bound, carried.Bound, 1e-6*fresh.Bound, "the same bound")
	assert.Less(t, carried.Rounds, fresh.Rounds, "fewer rounds")
	t.Logf("rounds %d from the last plan, %d from none; bound %.4f", carried.Rounds, fresh.Rounds, carried.Bound)

	op.Forget()
	assert.Equal(t, fresh, plan(op, sold{table}, next), "after Forget, as a new planner")
}
