package lp

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSortIndicesSortsAsSlicesSort checks the radix sort against
// slices.Sort on lists short and long, with repeats, over limits that take
// one, two and three passes.
func TestSortIndicesSortsAsSlicesSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var tmp []int
	for _, limit := range []int{1, 2, 200, 256, 257, 5000, 65536, 70000, 1 << 20} {
		for _, n := range []int{0, 1, 50, radixMin, 1000, 20000} {
			a := make([]int, n)
			for i := range a {
				a[i] = r.IntN(limit)
			}
			want := slices.Clone(a)
			slices.Sort(want)
			tmp = sortIndices(a, tmp, limit)
			require.Equal(t, want, a, "limit %d, n %d", limit, n)
		}
	}
}
