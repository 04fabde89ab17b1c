package geo

import (
	"math"
	"slices"
)

// Index is an immutable spatial index over a set of positions, addressed by
// their position in the slice given to NewIndex. It is a 3-d tree over unit
// vectors: the chord between two unit vectors grows with their great-circle
// distance, so radius and nearest-neighbour queries are exact on the
// sphere, with no trouble at the poles or the antimeridian.
//
// An Index is safe for concurrent use. Queries do not allocate when the
// caller's buffer is large enough.
type Index struct {
	// nodes is the tree in implicit form: the median of [lo, hi) sits at
	// (lo+hi)/2, its left subtree in [lo, mid), its right in [mid+1, hi).
	nodes []kdNode
	pts   []Point
}

type kdNode struct {
	v    [3]float64
	idx  int32
	axis uint8
}

// NewIndex builds an index over pts. Invalid positions (NaN, out of range)
// are left out: no query returns them.
func NewIndex(pts []Point) *Index {
	ix := &Index{pts: slices.Clone(pts)}
	ix.nodes = make([]kdNode, 0, len(pts))
	for i, p := range pts {
		if !p.Valid() {
			continue
		}
		x, y, z := unit(p.Lat, p.Lon)
		ix.nodes = append(ix.nodes, kdNode{v: [3]float64{x, y, z}, idx: int32(i)})
	}
	ix.build(0, len(ix.nodes))
	return ix
}

func (ix *Index) build(lo, hi int) {
	if hi-lo <= 1 {
		if hi-lo == 1 {
			ix.nodes[lo].axis = 0
		}
		return
	}
	s := ix.nodes[lo:hi]
	// Split on the axis of widest spread.
	var min, max [3]float64
	min, max = s[0].v, s[0].v
	for _, n := range s[1:] {
		for a := 0; a < 3; a++ {
			min[a] = math.Min(min[a], n.v[a])
			max[a] = math.Max(max[a], n.v[a])
		}
	}
	axis := 0
	for a := 1; a < 3; a++ {
		if max[a]-min[a] > max[axis]-min[axis] {
			axis = a
		}
	}
	// Only the median needs its place: select it, smaller ones to its left.
	selectNth(s, (hi-lo)/2, axis)
	mid := (lo + hi) / 2
	ix.nodes[mid].axis = uint8(axis)
	ix.build(lo, mid)
	ix.build(mid+1, hi)
}

// Len is the number of positions the index was built over (valid or not).
func (ix *Index) Len() int { return len(ix.pts) }

// Point returns position i as given to NewIndex.
func (ix *Index) Point(i int) Point { return ix.pts[i] }

// Within appends to buf[:0] the indices of every position within radiusKm
// of (lat, lon), in ascending index order, and returns it.
func (ix *Index) Within(lat, lon, radiusKm float64, buf []int) []int {
	buf = buf[:0]
	if !ValidLatLon(lat, lon) || !(radiusKm >= 0) || len(ix.nodes) == 0 {
		return buf
	}
	x, y, z := unit(lat, lon)
	q := [3]float64{x, y, z}
	// Widen the chord bound a little; the exact haversine test decides.
	c2 := chordForKm(radiusKm)
	slack := math.Sqrt(c2) + 1e-9
	buf = ix.within(q, slack, lat, lon, radiusKm, 0, len(ix.nodes), buf)
	slices.Sort(buf)
	return buf
}

func (ix *Index) within(q [3]float64, slack, lat, lon, radiusKm float64, lo, hi int, buf []int) []int {
	for hi > lo {
		mid := (lo + hi) / 2
		n := &ix.nodes[mid]
		d := q[n.axis] - n.v[n.axis]
		if math.Abs(d) <= slack {
			p := ix.pts[n.idx]
			if DistanceKm(lat, lon, p.Lat, p.Lon) <= radiusKm {
				buf = append(buf, int(n.idx))
			}
		}
		// Recurse into the side that may hold less, loop on the other.
		if d < 0 {
			if d >= -slack {
				buf = ix.within(q, slack, lat, lon, radiusKm, mid+1, hi, buf)
			}
			hi = mid
		} else {
			if d <= slack {
				buf = ix.within(q, slack, lat, lon, radiusKm, lo, mid, buf)
			}
			lo = mid + 1
		}
	}
	return buf
}

// Nearest appends to buf[:0] the indices of the k positions nearest to
// (lat, lon), nearest first, ties broken by the lower index, and returns
// it. Fewer than k come back when the index holds fewer valid positions.
func (ix *Index) Nearest(lat, lon float64, k int, buf []int) []int {
	buf = buf[:0]
	if k <= 0 || !ValidLatLon(lat, lon) || len(ix.nodes) == 0 {
		return buf
	}
	k = min(k, len(ix.nodes))
	x, y, z := unit(lat, lon)
	s := nearestSearch{ix: ix, q: [3]float64{x, y, z}, k: k, heap: buf}
	s.search(0, len(ix.nodes))
	// Heap sort in place: repeatedly move the farthest to the end.
	h := s.heap
	for n := len(h) - 1; n > 0; n-- {
		h[0], h[n] = h[n], h[0]
		s.heap = h[:n]
		s.down(0)
	}
	for i, slot := range h {
		h[i] = int(ix.nodes[slot].idx)
	}
	return h
}

// nearestSearch keeps a max-heap (farthest on top) of at most k candidate
// indices; distances are recomputed from the stored vectors rather than
// kept, so the caller's []int is all the memory a query needs.
type nearestSearch struct {
	ix   *Index
	q    [3]float64
	k    int
	heap []int // indices into ix.nodes while searching, then point indices
}

func (s *nearestSearch) dist2(slot int) float64 {
	v := &s.ix.nodes[slot].v
	dx, dy, dz := v[0]-s.q[0], v[1]-s.q[1], v[2]-s.q[2]
	return dx*dx + dy*dy + dz*dz
}

// farther orders slots by distance, then by point index.
func (s *nearestSearch) farther(a, b int) bool {
	da, db := s.dist2(a), s.dist2(b)
	if da != db {
		return da > db
	}
	return s.ix.nodes[a].idx > s.ix.nodes[b].idx
}

func (s *nearestSearch) search(lo, hi int) {
	for hi > lo {
		mid := (lo + hi) / 2
		n := &s.ix.nodes[mid]
		s.offer(mid)
		d := s.q[n.axis] - n.v[n.axis]
		near, far := [2]int{lo, mid}, [2]int{mid + 1, hi}
		if d >= 0 {
			near, far = far, near
		}
		s.search(near[0], near[1])
		if len(s.heap) == s.k && d*d > s.dist2(s.heap[0]) {
			return
		}
		lo, hi = far[0], far[1]
	}
}

func (s *nearestSearch) offer(slot int) {
	if len(s.heap) < s.k {
		s.heap = append(s.heap, slot)
		s.up(len(s.heap) - 1)
		return
	}
	if s.farther(s.heap[0], slot) {
		s.heap[0] = slot
		s.down(0)
	}
}

func (s *nearestSearch) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !s.farther(s.heap[i], s.heap[p]) {
			return
		}
		s.heap[i], s.heap[p] = s.heap[p], s.heap[i]
		i = p
	}
}

func (s *nearestSearch) down(i int) {
	n := len(s.heap)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		c := l
		if r := l + 1; r < n && s.farther(s.heap[r], s.heap[l]) {
			c = r
		}
		if !s.farther(s.heap[c], s.heap[i]) {
			return
		}
		s.heap[i], s.heap[c] = s.heap[c], s.heap[i]
		i = c
	}
}

// kdLess orders nodes along axis, ties by point index, so the order is
// total and the tree is the same on every run.
func kdLess(p, q *kdNode, axis int) bool {
	if p.v[axis] != q.v[axis] {
		return p.v[axis] < q.v[axis]
	}
	return p.idx < q.idx
}

// selectNth reorders s so that s[k] is the element a sort would put there,
// with no greater element before it and no smaller after it (quickselect,
// median-of-three pivot; expected linear time).
func selectNth(s []kdNode, k, axis int) {
	lo, hi := 0, len(s)-1
	for hi > lo {
		if hi-lo < 16 {
			for i := lo + 1; i <= hi; i++ {
				for j := i; j > lo && kdLess(&s[j], &s[j-1], axis); j-- {
					s[j], s[j-1] = s[j-1], s[j]
				}
			}
			return
		}
		mid := lo + (hi-lo)/2
		if kdLess(&s[mid], &s[lo], axis) {
			s[mid], s[lo] = s[lo], s[mid]
		}
		if kdLess(&s[hi], &s[lo], axis) {
			s[hi], s[lo] = s[lo], s[hi]
		}
		if kdLess(&s[hi], &s[mid], axis) {
			s[hi], s[mid] = s[mid], s[hi]
		}
		// s[lo] <= s[mid] <= s[hi]; partition around the median s[mid].
		pivot := s[mid]
		s[mid], s[hi-1] = s[hi-1], s[mid]
		i, j := lo, hi-1
		for {
			for i++; kdLess(&s[i], &pivot, axis); i++ {
			}
			for j--; kdLess(&pivot, &s[j], axis); j-- {
			}
			if i >= j {
				break
			}
			s[i], s[j] = s[j], s[i]
		}
		s[i], s[hi-1] = s[hi-1], s[i]
		switch {
		case k < i:
			hi = i - 1
		case k > i:
			lo = i + 1
		default:
			return
		}
	}
}
