package geo

import "math"

// DistancesKm sets km[i] to u.DistanceKm(pos[idx[i]]) for every i, bit for
// bit, for len(idx) positions (km must be as long). It measures two at a
// time so that the processor overlaps them: several times faster than a
// loop of DistanceKm calls when measuring from one customer to hundreds of
// nodes.
func (u Unit) DistancesKm(pos []Unit, idx []int32, km []float64) {
	km = km[:len(idx)]
	i := 0
	for ; i+1 < len(idx); i += 2 {
		a, b := &pos[idx[i]], &pos[idx[i+1]]
		ax, ay, az := u[0]-a[0], u[1]-a[1], u[2]-a[2]
		bx, by, bz := u[0]-b[0], u[1]-b[1], u[2]-b[2]
		ca := math.Sqrt(ax*ax+ay*ay+az*az) / 2
		cb := math.Sqrt(bx*bx+by*by+bz*bz) / 2
		var sa, sb float64
		if ca < 0.1 && cb < 0.1 {
			sa, sb = asinSeries(ca), asinSeries(cb)
		} else {
			sa, sb = asin(ca), asin(cb)
		}
		km[i], km[i+1] = 2*EarthRadiusKm*sa, 2*EarthRadiusKm*sb
	}
	if i < len(idx) {
		km[i] = u.DistanceKm(pos[idx[i]])
	}
}
