package policy

import (
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// optimal is the cost-minimising solver, exactly as the router runs it.
type optimal struct {
	ws *solver.Workspace
}

var _ Policy = (*optimal)(nil)

func newOptimal(*network.Network) (Policy, error) { return &optimal{ws: solver.NewWorkspace()}, nil }

// Name implements Policy.
func (*optimal) Name() string { return Optimal }

// Choose implements Policy: the solver's plan under s.
func (o *optimal) Choose(p *solver.Problem, s solver.Settings) (*solver.Plan, error) {
	return o.ws.Solve(p, s)
}

// Solves reports whether p is this package's optimal policy, the solver
// itself: a caller that keeps its own solver.Workspace (the server) may
// then solve with it directly.
func Solves(p Policy) bool {
	_, ok := p.(*optimal)
	return ok
}
