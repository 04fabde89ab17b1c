package lp

import (
	"math/bits"
	"slices"
)

// radixMin is the list length from which sortIndices sorts by radix: below
// it a comparison sort is as fast.
const radixMin = 128

// sortIndices sorts a, whose values lie in [0, limit), in ascending order,
// with tmp as scratch (grown when short and returned for reuse). The
// simplex sorts the row and position lists its sparse solves produce
// every iteration, hundreds to thousands long: a least-significant-digit
// radix sort, one pass per byte of limit, costs a few passes over them
// where a comparison sort costs log n.
func sortIndices(a, tmp []int, limit int) []int {
	if len(a) < radixMin || limit <= 0 {
		slices.Sort(a)
		return tmp
	}
	tmp = growInts(tmp, len(a))[:len(a)]
	src, dst := a, tmp
	var count [256]int
	for shift := 0; shift < bits.Len(uint(limit-1)); shift += 8 {
		clear(count[:])
		for _, v := range src {
			count[(v>>shift)&0xff]++
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, v := range src {
			d := (v >> shift) & 0xff
			dst[count[d]] = v
			count[d]++
		}
		src, dst = dst, src
	}
	if &src[0] != &a[0] {
		copy(a, src)
	}
	return tmp
}
