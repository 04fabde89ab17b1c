package planning

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/omniroute/omniroute/forecast"
)

// TestMatchSortedIsLookup: StartFrom's merge of two plans' supplies (by
// SKU, then node index) and cells (by region, SKU, method) finds what
// looking each key up in the other plan's index finds, as stock rows and
// cells come and go between the plans.
func TestMatchSortedIsLookup(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 8))
	for round := range 200 {
		type supply struct {
			key  supplyKey
			node int32
		}
		var all []supply
		for s := range 1 + r.IntN(30) {
			for n := range 1 + r.IntN(12) {
				if r.IntN(3) > 0 {
					node := int32(3*n + n%2) // node order, ids in reverse
					all = append(all, supply{supplyKey{fmt.Sprintf("n%02d", 50-node), fmt.Sprintf("SKU-%03d", s)}, node})
				}
			}
		}
		pick := func() (keys []supplyKey, nodes []int32) {
			for _, s := range all {
				if r.IntN(5) > 0 {
					keys, nodes = append(keys, s.key), append(nodes, s.node)
				}
			}
			return keys, nodes
		}
		oldKeys, oldNodes := pick()
		curKeys, curNodes := pick()
		got := matchSorted(len(curKeys), len(oldKeys), func(i, j int) int {
			if curKeys[i].sku != oldKeys[j].sku {
				if curKeys[i].sku < oldKeys[j].sku {
					return -1
				}
				return 1
			}
			return int(curNodes[i]) - int(oldNodes[j])
		})
		assert.Equal(t, lookup(curKeys, index(oldKeys)), got, "round %d: supplies", round)

		var cells []cellKey
		for _, region := range []string{"Almaty", "Astana", "Shymkent"} {
			for s := range 1 + r.IntN(20) {
				for _, m := range forecast.Methods() {
					if r.IntN(2) == 0 {
						cells = append(cells, cellKey{region, fmt.Sprintf("SKU-%03d", s), m})
					}
				}
			}
		}
		oldCells := slices.DeleteFunc(slices.Clone(cells), func(cellKey) bool { return r.IntN(4) == 0 })
		curCells := slices.DeleteFunc(slices.Clone(cells), func(cellKey) bool { return r.IntN(4) == 0 })
		assert.True(t, increasing(oldCells) && increasing(curCells))
		got = matchSorted(len(curCells), len(oldCells), func(i, j int) int { return curCells[i].compare(oldCells[j]) })
		assert.Equal(t, lookup(curCells, index(oldCells)), got, "round %d: cells", round)
	}
	assert.False(t, increasing([]cellKey{{"A", "s", forecast.Parcel}, {"A", "s", forecast.Parcel}}), "a key twice is not increasing")
}
