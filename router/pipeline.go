package router

import (
	"fmt"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/policy"
)

// pipeline is what a route runs besides the Builder and the solver, wired
// in this one place: the routing policy that chooses the plan. It is
// shared by every snapshot; what depends on the network is made per
// snapshot (snapshotOf).
type pipeline struct {
	policies *policy.Registry
	policy   string
}

// newPipeline checks and wires the configured policy.
func newPipeline(cfg *Config, m *Metrics) (*pipeline, error) {
	p := &pipeline{policies: cfg.Policies, policy: cfg.Policy}
	if p.policies == nil {
		p.policies = policy.DefaultRegistry()
	}
	if p.policy == "" {
		p.policy = policy.Optimal
	}
	if _, err := p.policies.New(p.policy, cfg.Network); err != nil {
		return nil, err
	}
	return p, nil
}

// snapshotOf makes the snapshot of net, checking that the policy can be
// made for it.
func (s *Service) snapshotOf(net *network.Network, source string, version uint64) (*snapshot, error) {
	if _, err := s.pipe.policies.New(s.pipe.policy, net); err != nil {
		return nil, fmt.Errorf("network %s: %w", source, err)
	}
	sn := newSnapshot(net, source, version)
	sn.pipe = s.pipe
	return sn, nil
}
