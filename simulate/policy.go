package simulate

import (
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/solver"
)

// The names of the policies of policy.DefaultRegistry, in their report
// order.
const (
	PolicyNearest      = policy.Nearest
	PolicyFewestSplits = policy.FewestSplits
	PolicyPriority     = policy.Priority
	PolicyOptimal      = policy.Optimal
)

// Policy decides how one built problem is fulfilled (see package policy).
type Policy = policy.Policy

// PolicyNames lists the policies of the default registry (DefaultRegistry),
// in report order.
func PolicyNames() []string { return DefaultRegistry().Names() }

// ParsePolicies splits a comma-separated list of names of the default
// registry (see policy.Registry.Parse).
func ParsePolicies(list string) ([]string, error) { return DefaultRegistry().Parse(list) }

// NewPolicy returns a fresh policy of the default registry for one replay
// over net.
func NewPolicy(name string, net *network.Network) (Policy, error) {
	return DefaultRegistry().New(name, net)
}

// usable reports whether option o may take part at all (policy.Usable).
func usable(p *solver.Problem, o int) bool { return policy.Usable(p, o) }
