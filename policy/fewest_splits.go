package policy

import (
	"cmp"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// fewestSplits ships from the closest node that can take the whole order,
// else adds the node covering the most remaining units at each step, so
// the order arrives in as few shipments as the greedy choice finds.
type fewestSplits struct{}

func newFewestSplits(*network.Network) (Policy, error) {
	return &greedy{name: FewestSplits, rule: fewestSplits{}}, nil
}

func (fewestSplits) compare(a, b *solver.Option) int { return cmp.Compare(a.DistanceKm, b.DistanceKm) }
func (fewestSplits) mostUnits() bool                 { return true }
