package geo

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// A ring must be simple: its edges meet only where consecutive edges share
// a vertex. A ring that crosses or touches itself (a bow tie, a figure
// eight, a spike back along an edge) has no well-defined inside, so the
// even-odd test would answer something nobody meant.

// checkSimple returns an error naming two edges of ring ri that meet,
// where xy is the closed ring as (lon, lat) pairs. Repeated consecutive
// positions are tolerated.
func checkSimple(ri int, xy []float64) error {
	v := make([][2]float64, 0, len(xy)/2)
	for k := 0; k+1 < len(xy); k += 2 {
		p := [2]float64{xy[k], xy[k+1]}
		if len(v) > 0 && v[len(v)-1] == p {
			continue
		}
		v = append(v, p)
	}
	if len(v) > 1 && v[0] == v[len(v)-1] {
		v = v[:len(v)-1] // the closing position
	}
	n := len(v)
	if n < 3 {
		return fmt.Errorf("%w: ring %d has %d distinct positions, want at least 3", ErrBadGeometry, ri, n)
	}
	// Edge e runs from v[e] to v[(e+1)%n]. Sweep the edges by their
	// smallest longitude: only edges whose longitude ranges overlap can meet.
	type edge struct {
		e          int
		minX, maxX float64
	}
	edges := make([]edge, n)
	for e := range edges {
		a, b := v[e], v[(e+1)%n]
		edges[e] = edge{e, math.Min(a[0], b[0]), math.Max(a[0], b[0])}
	}
	slices.SortFunc(edges, func(x, y edge) int {
		if c := cmp.Compare(x.minX, y.minX); c != 0 {
			return c
		}
		return cmp.Compare(x.e, y.e)
	})
	for i := range edges {
		for j := i + 1; j < len(edges) && edges[j].minX <= edges[i].maxX; j++ {
			e, f := min(edges[i].e, edges[j].e), max(edges[i].e, edges[j].e)
			a0, a1 := v[e], v[(e+1)%n]
			b0, b1 := v[f], v[(f+1)%n]
			var meet bool
			switch {
			case f == e+1: // a1 == b0
				meet = backtracks(a0, a1, b1)
			case e == 0 && f == n-1: // b1 == a0
				meet = backtracks(a1, a0, b0)
			default:
				meet = segmentsMeet(a0, a1, b0, b1)
			}
			if meet {
				return fmt.Errorf("%w: ring %d crosses itself: the edge from %s to %s meets the edge from %s to %s",
					ErrBadGeometry, ri, position(a0), position(a1), position(b0), position(b1))
			}
		}
	}
	return nil
}

// position formats a (lon, lat) pair as GeoJSON writes it.
func position(p [2]float64) string { return fmt.Sprintf("[%v, %v]", p[0], p[1]) }

// orient is the sign of the turn p -> q -> r: +1 left, -1 right, 0 straight.
func orient(p, q, r [2]float64) int {
	d := (q[0]-p[0])*(r[1]-p[1]) - (q[1]-p[1])*(r[0]-p[0])
	switch {
	case d > 0:
		return 1
	case d < 0:
		return -1
	}
	return 0
}

// onSegment reports whether r, collinear with p and q, lies between them.
func onSegment(p, q, r [2]float64) bool {
	return math.Min(p[0], q[0]) <= r[0] && r[0] <= math.Max(p[0], q[0]) &&
		math.Min(p[1], q[1]) <= r[1] && r[1] <= math.Max(p[1], q[1])
}

// segmentsMeet reports whether the closed segments a and b share a point.
func segmentsMeet(a0, a1, b0, b1 [2]float64) bool {
	o1, o2 := orient(a0, a1, b0), orient(a0, a1, b1)
	o3, o4 := orient(b0, b1, a0), orient(b0, b1, a1)
	if o1 != o2 && o3 != o4 && o1*o2 <= 0 && o3*o4 <= 0 {
		return true
	}
	return (o1 == 0 && onSegment(a0, a1, b0)) || (o2 == 0 && onSegment(a0, a1, b1)) ||
		(o3 == 0 && onSegment(b0, b1, a0)) || (o4 == 0 && onSegment(b0, b1, a1))
}

// backtracks reports whether the consecutive edges p -> q -> r fold back
// on each other (r on the segment p-q, or p on q-r): they then share more
// than their common vertex q.
func backtracks(p, q, r [2]float64) bool {
	if orient(p, q, r) != 0 {
		return false
	}
	return (onSegment(p, q, r) && r != q) || (onSegment(q, r, p) && p != q)
}
