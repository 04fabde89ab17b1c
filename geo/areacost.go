package geo

// largestPolygon is the number of ring vertices of the area's largest
// polygon (outer ring and holes). A Contains call skips, by their boxes,
// the polygons the position is not in, so this, not the area's total, is
// what a look-up may cost.
func (a *Area) largestPolygon() int {
	most := 0
	for i := range a.polys {
		n := 0
		for j := range a.polys[i].rings {
			n += len(a.polys[i].rings[j].xy)/2 - 1
		}
		most = max(most, n)
	}
	return most
}
