package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// Policy decides how one built problem is fulfilled.
type Policy interface {
	// Name is the name the policy is registered under.
	Name() string
	// Choose returns the plan for p. Settings tune a policy that solves
	// (the optimal one); rules ignore them. The plan is valid until the
	// next call; its Excluded lists every option it could not use, with
	// why.
	Choose(p *solver.Problem, s solver.Settings) (*solver.Plan, error)
}

// Factory makes a fresh policy for the network net (a rule may derive
// rankings from its nodes).
type Factory func(net *network.Network) (Policy, error)

// Registry maps policy names to their factories, in registration order
// (the order of reports). The zero value is empty and usable; it is not
// safe for concurrent use while it is being filled.
type Registry struct {
	names     []string
	factories map[string]Factory
}

// Register adds a policy under name. A name is lower case letters, digits
// and dashes, and registered once.
func (r *Registry) Register(name string, f Factory) error {
	if name == "" || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
		return fmt.Errorf("policy %q: a name is lower-case letters, digits and dashes", name)
	}
	if f == nil {
		return fmt.Errorf("policy %q: nil factory", name)
	}
	if _, dup := r.factories[name]; dup {
		return fmt.Errorf("policy %q: registered twice", name)
	}
	if r.factories == nil {
		r.factories = make(map[string]Factory)
	}
	r.names = append(r.names, name)
	r.factories[name] = f
	return nil
}

// Names returns the registered names, in registration order.
func (r *Registry) Names() []string { return slices.Clone(r.names) }

// Has reports whether name is registered.
func (r *Registry) Has(name string) bool {
	_, ok := r.factories[name]
	return ok
}

// New makes a fresh policy by name for net; an unknown name is an error
// that lists the registered ones.
func (r *Registry) New(name string, net *network.Network) (Policy, error) {
	f, ok := r.factories[name]
	if !ok {
		return nil, r.unknown(name)
	}
	p, err := f(net)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", name, err)
	}
	return p, nil
}

func (r *Registry) unknown(name string) error {
	return fmt.Errorf("unknown policy %q (want %s)", name, strings.Join(r.names, ", "))
}

// Parse splits a comma-separated list of policy names, checking each,
// keeping the given order and dropping duplicates and blanks.
func (r *Registry) Parse(list string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		if n == "" || seen[n] {
			continue
		}
		if !r.Has(n) {
			return nil, r.unknown(n)
		}
		seen[n] = true
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no policy given (want %s)", strings.Join(r.names, ", "))
	}
	return out, nil
}

// The names of the policies of DefaultRegistry, in their report order.
const (
	Nearest      = "nearest"
	FewestSplits = "fewest-splits"
	Priority     = "priority"
	Optimal      = "optimal"
)

// DefaultRegistry returns a new registry of this package's policies: one
// line per policy.
func DefaultRegistry() *Registry {
	r := &Registry{}
	must(r.Register(Nearest, newNearest))
	must(r.Register(FewestSplits, newFewestSplits))
	must(r.Register(Priority, newPriority))
	must(r.Register(Optimal, newOptimal))
	must(r.Register(Lookahead, newLookahead))
	return r
}

// must panics on a registration error of DefaultRegistry: a programming
// error that every test run finds.
func must(err error) {
	if err != nil {
		panic(err)
	}
}
