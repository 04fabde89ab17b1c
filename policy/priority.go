package policy

import (
	"cmp"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// priority ranks nodes statically, warehouses first, then dark stores,
// then stores, each in file order, and ships from the best-ranked node
// that can take the whole order, else splits in rank order.
type priority struct {
	rank []int32 // by node index
}

func newPriority(net *network.Network) (Policy, error) {
	return &greedy{name: Priority, rule: priority{rank: priorityRanks(net)}}, nil
}

func (r priority) compare(a, b *solver.Option) int {
	return cmp.Compare(r.rankOf(a.Node), r.rankOf(b.Node))
}
func (priority) mostUnits() bool { return false }

func (r priority) rankOf(n int32) int32 {
	if int(n) < len(r.rank) && n >= 0 {
		return r.rank[n]
	}
	return int32(len(r.rank)) + n
}

// priorityRanks is the static node ranking: warehouses first, then dark
// stores, then stores, each in file order, then any other kind.
func priorityRanks(net *network.Network) []int32 {
	rank := make([]int32, len(net.Nodes))
	r := int32(0)
	for _, k := range []network.Kind{network.Warehouse, network.DarkStore, network.Store} {
		for i := range net.Nodes {
			if net.Nodes[i].Kind == k {
				rank[i] = r
				r++
			}
		}
	}
	for i := range net.Nodes {
		switch net.Nodes[i].Kind {
		case network.Warehouse, network.DarkStore, network.Store:
		default:
			rank[i] = r
			r++
		}
	}
	return rank
}
