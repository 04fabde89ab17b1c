package router

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/solver"
)

// TestRoutePolicy: the configured policy plans Route: the default
// (optimal) sends the demo order by courier from the nearest store,
// priority from a warehouse, and both explain what they left out.
func TestRoutePolicy(t *testing.T) {
	for _, c := range []struct {
		policy string
		node   string
		method pb.Method
	}{
		{"", "alm-s16", pb.Method_METHOD_COURIER},
		{policy.Optimal, "alm-s16", pb.Method_METHOD_COURIER},
		{policy.Priority, "alm-wh1", pb.Method_METHOD_WAREHOUSE_SHIP},
	} {
		t.Run("policy="+c.policy, func(t *testing.T) {
			e := newEnv(t, func(cfg *Config) { cfg.Policy = c.policy })
			resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("p1"), Explain: pb.Explain_EXPLAIN_FULL})
			require.NoError(t, err)
			require.Len(t, resp.Plan.Shipments, 1)
			assert.Equal(t, c.node, resp.Plan.Shipments[0].NodeId)
			assert.Equal(t, c.method, resp.Plan.Shipments[0].Method)
			assert.NotEmpty(t, resp.Plan.Excluded)
			assert.EqualValues(t, len(resp.Plan.Excluded), resp.Plan.ExcludedTotal)
		})
	}
}

// lastResort ships the whole order from the farthest usable option: a
// policy registered by a program that embeds the server.
type lastResort struct{}

func (lastResort) Name() string { return "last-resort" }

func (lastResort) Choose(p *solver.Problem, _ solver.Settings) (*solver.Plan, error) {
	best := -1
	for o := range p.Options {
		if policy.Usable(p, o) && (best < 0 || p.Options[o].DistanceKm > p.Options[best].DistanceKm) {
			best = o
		}
	}
	plan := &solver.Plan{Stats: solver.Stats{Candidates: len(p.Options)}}
	if best < 0 {
		return plan, nil
	}
	s := solver.Shipment{Option: best, FixedCost: p.Options[best].FixedCost, ETAMinutes: p.Options[best].ETAMinutes}
	for l, ln := range p.Lines {
		s.Lines = append(s.Lines, solver.Allocation{Line: l, Quantity: ln.Quantity})
		s.UnitsCost += float64(ln.Quantity) * p.UnitCost[p.At(best, l)]
	}
	s.Cost = s.FixedCost + s.UnitsCost
	plan.Shipments, plan.TotalCost = []solver.Shipment{s}, s.Cost
	return plan, nil
}

// TestRouteCustomPolicy: a policy registered in the service's registry
// plans Route; an unknown name stops New with the names it knows.
func TestRouteCustomPolicy(t *testing.T) {
	reg := policy.DefaultRegistry()
	require.NoError(t, reg.Register("last-resort", func(*network.Network) (policy.Policy, error) { return lastResort{}, nil }))
	e := newEnv(t, func(cfg *Config) { cfg.Policies, cfg.Policy = reg, "last-resort" })
	o := oneLine("p2", "MILK-1L", 1)
	o.AllowSplit = false
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: o})
	require.NoError(t, err)
	require.Len(t, resp.Plan.Shipments, 1)
	assert.Equal(t, pb.Method_METHOD_WAREHOUSE_SHIP, resp.Plan.Shipments[0].Method)

	n := demoNetwork(t)
	_, err = New(Config{Network: n, Policy: "cheapest"})
	assert.EqualError(t, err, `router: unknown policy "cheapest" (want nearest, fewest-splits, priority, optimal, lookahead)`)
}
