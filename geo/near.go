package geo

import "math"

// AppendNear appends to buf the indices of the positions whose chord
// distance from u is within that of radiusKm (or a hair more: the test is
// widened by 1e-9 of the chord, so that rounding never leaves a position
// out), in no particular order, and returns it. It is the cheap filter
// before an exact test: no trigonometry per position, no sort.
func (ix *Index) AppendNear(u Unit, radiusKm float64, buf []int32) []int32 {
	if !(radiusKm >= 0) || len(ix.nodes) == 0 {
		return buf
	}
	c2 := chordForKm(radiusKm)
	if c2 < 4 {
		c2 *= 1 + 1e-9
		c2 += 1e-18
	}
	return ix.near([3]float64(u), c2, math.Sqrt(c2), 0, len(ix.nodes), buf)
}

func (ix *Index) near(q [3]float64, c2, c float64, lo, hi int, buf []int32) []int32 {
	for hi > lo {
		mid := (lo + hi) / 2
		n := &ix.nodes[mid]
		dx, dy, dz := q[0]-n.v[0], q[1]-n.v[1], q[2]-n.v[2]
		if dx*dx+dy*dy+dz*dz <= c2 {
			buf = append(buf, n.idx)
		}
		d := q[n.axis] - n.v[n.axis]
		// Recurse into the side that may hold less, loop on the other.
		if d < 0 {
			if d >= -c {
				buf = ix.near(q, c2, c, mid+1, hi, buf)
			}
			hi = mid
		} else {
			if d <= c {
				buf = ix.near(q, c2, c, lo, mid, buf)
			}
			lo = mid + 1
		}
	}
	return buf
}
