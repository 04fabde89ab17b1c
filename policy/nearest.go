package policy

import (
	"cmp"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// nearest ships from the closest node that can take the whole order, else
// splits over the nearest nodes, nearest first.
type nearest struct{}

func newNearest(*network.Network) (Policy, error) {
	return &greedy{name: Nearest, rule: nearest{}}, nil
}

func (nearest) compare(a, b *solver.Option) int { return cmp.Compare(a.DistanceKm, b.DistanceKm) }
func (nearest) mostUnits() bool                 { return false }
