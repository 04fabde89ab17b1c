package geo

import "math"

// EarthRadiusKm is the mean Earth radius (IUGG R1) used by every distance in
// this package, in kilometres.
const EarthRadiusKm = 6371.0088

// KmPerMile converts statute miles to kilometres.
const KmPerMile = 1.609344

const degToRad = math.Pi / 180

// Point is a position in degrees.
type Point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// Valid reports whether p is a finite position with latitude in [-90, 90]
// and longitude in [-180, 180].
func (p Point) Valid() bool {
	return ValidLatLon(p.Lat, p.Lon)
}

// ValidLatLon reports whether (lat, lon) is a finite position with latitude
// in [-90, 90] and longitude in [-180, 180].
func ValidLatLon(lat, lon float64) bool {
	return lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
}

// DistanceKm is the great-circle (haversine) distance between two positions
// in kilometres, on a sphere of radius EarthRadiusKm.
func DistanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	φ1 := lat1 * degToRad
	φ2 := lat2 * degToRad
	dφ := (lat2 - lat1) * degToRad
	dλ := (lon2 - lon1) * degToRad
	s1 := math.Sin(dφ / 2)
	s2 := math.Sin(dλ / 2)
	h := s1*s1 + math.Cos(φ1)*math.Cos(φ2)*s2*s2
	if h > 1 {
		h = 1
	}
	return 2 * EarthRadiusKm * math.Asin(math.Sqrt(h))
}

// Box is a latitude/longitude rectangle in degrees. A Box never wraps the
// antimeridian: MinLon <= MaxLon always.
type Box struct {
	MinLat float64 `json:"min_lat"`
	MinLon float64 `json:"min_lon"`
	MaxLat float64 `json:"max_lat"`
	MaxLon float64 `json:"max_lon"`
}

// BoxAround returns a box that contains every position within radiusKm of
// (lat, lon). It is exact in latitude and conservative in longitude; near
// a pole or across the antimeridian it widens to the full longitude range.
func BoxAround(lat, lon, radiusKm float64) Box {
	if radiusKm < 0 {
		radiusKm = 0
	}
	dLat := radiusKm / EarthRadiusKm / degToRad
	b := Box{MinLat: lat - dLat, MaxLat: lat + dLat, MinLon: -180, MaxLon: 180}
	if b.MinLat <= -90 || b.MaxLat >= 90 {
		b.MinLat = math.Max(b.MinLat, -90)
		b.MaxLat = math.Min(b.MaxLat, 90)
		return b
	}
	// The widest longitude span of a small circle (Chamberlain & Duquette).
	r := radiusKm / EarthRadiusKm
	s := math.Sin(r) / math.Cos(lat*degToRad)
	if s >= 1 {
		return b
	}
	dLon := math.Asin(s) / degToRad
	if lon-dLon < -180 || lon+dLon > 180 {
		return b
	}
	b.MinLon, b.MaxLon = lon-dLon, lon+dLon
	return b
}

// Contains reports whether (lat, lon) is inside the box, edges included.
func (b Box) Contains(lat, lon float64) bool {
	return lat >= b.MinLat && lat <= b.MaxLat && lon >= b.MinLon && lon <= b.MaxLon
}

// Extend grows the box to contain (lat, lon). The zero Box is not empty;
// start from EmptyBox.
func (b *Box) Extend(lat, lon float64) {
	b.MinLat = math.Min(b.MinLat, lat)
	b.MaxLat = math.Max(b.MaxLat, lat)
	b.MinLon = math.Min(b.MinLon, lon)
	b.MaxLon = math.Max(b.MaxLon, lon)
}

// DistanceKm is about the great-circle distance from (lat, lon) to the
// box: the distance to the box's position nearest in latitude and in
// longitude (0 inside it). It is meant for telling near from far, not for
// measuring; boxes across the antimeridian are not handled.
func (b Box) DistanceKm(lat, lon float64) float64 {
	return DistanceKm(lat, lon, math.Min(math.Max(lat, b.MinLat), b.MaxLat), math.Min(math.Max(lon, b.MinLon), b.MaxLon))
}

// EmptyBox returns a box that contains nothing and that Extend grows from.
func EmptyBox() Box {
	return Box{MinLat: math.Inf(1), MinLon: math.Inf(1), MaxLat: math.Inf(-1), MaxLon: math.Inf(-1)}
}

// unit returns the position as a unit vector; the chord between two unit
// vectors grows monotonically with their great-circle distance.
func unit(lat, lon float64) (x, y, z float64) {
	φ := lat * degToRad
	λ := lon * degToRad
	c := math.Cos(φ)
	return c * math.Cos(λ), c * math.Sin(λ), math.Sin(φ)
}

// chordForKm is the squared chord length of an arc of km on the unit sphere.
func chordForKm(km float64) float64 {
	if km >= math.Pi*EarthRadiusKm {
		return 4
	}
	c := 2 * math.Sin(km/EarthRadiusKm/2)
	return c * c
}

// Unit is a position as a unit vector (earth-centred, x towards 0°E on the
// equator, z towards the North Pole). Converting once and measuring many
// times is cheaper than DistanceKm: one square root and one arcsine per
// pair.
type Unit [3]float64

// ToUnit converts a position in degrees to a unit vector.
func ToUnit(lat, lon float64) Unit {
	x, y, z := unit(lat, lon)
	return Unit{x, y, z}
}

// DistanceKm is the great-circle distance between u and v in kilometres;
// it agrees with the package's DistanceKm to within a few millimetres.
func (u Unit) DistanceKm(v Unit) float64 {
	dx, dy, dz := u[0]-v[0], u[1]-v[1], u[2]-v[2]
	c := math.Sqrt(dx*dx+dy*dy+dz*dz) / 2
	return 2 * EarthRadiusKm * asin(c)
}

// asin is math.Asin for 0 <= x <= 1, with a short Taylor series below 0.1
// (arcs under about 1,280 km), where the series is exact to rounding and
// several times faster.
func asin(x float64) float64 {
	if x >= 0.1 {
		if x > 1 {
			x = 1
		}
		return math.Asin(x)
	}
	return asinSeries(x)
}

// asinSeries is asin's Taylor series, for 0 <= x < 0.1.
func asinSeries(x float64) float64 {
	x2 := x * x
	return x * (1 + x2*(1.0/6+x2*(3.0/40+x2*(5.0/112+x2*(35.0/1152+x2*(63.0/2816+x2*(231.0/13312+x2*(143.0/10240))))))))
}
