package geo

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/twpayne/go-geom"
	"github.com/twpayne/go-geom/encoding/geojson"
)

// ErrBadGeometry is wrapped by every error about an unusable polygon.
var ErrBadGeometry = errors.New("bad geometry")

// Area is a prepared service area: one or more polygons, each an outer ring
// with optional holes. A position is inside when it lies inside an outer
// ring and inside none of that polygon's holes (even-odd rule). Positions
// exactly on an edge get a deterministic but unspecified answer. Every ring
// is simple: a ring that crosses or touches itself is refused.
//
// An Area is immutable and safe for concurrent use.
type Area struct {
	polys    []polygon
	box      Box
	vertices int
}

type polygon struct {
	box   Box
	rings []ring // rings[0] is the outer ring, the rest are holes
}

type ring struct {
	box Box
	// xy holds (lon, lat) pairs; the last pair repeats the first.
	xy []float64
}

// ParseArea reads a GeoJSON Polygon or MultiPolygon geometry (a bare
// geometry, a Feature, or a FeatureCollection of polygon features).
func ParseArea(data []byte) (*Area, error) {
	var probe struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadGeometry, err)
	}
	var geoms []geom.T
	switch probe.Type {
	case "Feature":
		var f geojson.Feature
		if err := f.UnmarshalJSON(data); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadGeometry, err)
		}
		geoms = append(geoms, f.Geometry)
	case "FeatureCollection":
		var fc geojson.FeatureCollection
		if err := fc.UnmarshalJSON(data); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadGeometry, err)
		}
		for _, f := range fc.Features {
			geoms = append(geoms, f.Geometry)
		}
	default:
		var g geom.T
		if err := geojson.Unmarshal(data, &g); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrBadGeometry, err)
		}
		geoms = append(geoms, g)
	}
	return NewArea(geoms...)
}

// NewArea prepares an area from go-geom Polygons and MultiPolygons.
func NewArea(gs ...geom.T) (*Area, error) {
	a := &Area{box: EmptyBox()}
	for i, g := range gs {
		switch g := g.(type) {
		case *geom.Polygon:
			if err := a.addPolygon(g); err != nil {
				return nil, withIndex(len(gs), i, err)
			}
		case *geom.MultiPolygon:
			for j := 0; j < g.NumPolygons(); j++ {
				if err := a.addPolygon(g.Polygon(j)); err != nil {
					return nil, withIndex(len(gs), i, fmt.Errorf("polygon %d: %w", j, err))
				}
			}
		case nil:
			return nil, withIndex(len(gs), i, fmt.Errorf("%w: no geometry", ErrBadGeometry))
		default:
			return nil, withIndex(len(gs), i, fmt.Errorf("%w: %T is not a Polygon or MultiPolygon", ErrBadGeometry, g))
		}
	}
	if len(a.polys) == 0 {
		return nil, fmt.Errorf("%w: no polygon", ErrBadGeometry)
	}
	return a, nil
}

func withIndex(n, i int, err error) error {
	if n == 1 {
		return err
	}
	return fmt.Errorf("geometry %d: %w", i, err)
}

func (a *Area) addPolygon(p *geom.Polygon) error {
	if p.NumLinearRings() == 0 {
		return fmt.Errorf("%w: polygon has no ring", ErrBadGeometry)
	}
	stride := p.Stride()
	flat := p.FlatCoords()
	start := 0
	poly := polygon{box: EmptyBox()}
	for ri, end := range p.Ends() {
		n := (end - start) / stride
		if n < 4 {
			return fmt.Errorf("%w: ring %d has %d positions, want at least 4", ErrBadGeometry, ri, n)
		}
		r := ring{box: EmptyBox(), xy: make([]float64, 0, 2*n)}
		for k := start; k < end; k += stride {
			lon, lat := flat[k], flat[k+1]
			if !ValidLatLon(lat, lon) {
				return fmt.Errorf("%w: ring %d position %d: [%v, %v] is not a valid [lon, lat]", ErrBadGeometry, ri, (k-start)/stride, lon, lat)
			}
			r.xy = append(r.xy, lon, lat)
			r.box.Extend(lat, lon)
		}
		if r.xy[0] != r.xy[len(r.xy)-2] || r.xy[1] != r.xy[len(r.xy)-1] {
			return fmt.Errorf("%w: ring %d is not closed (first and last positions differ)", ErrBadGeometry, ri)
		}
		if err := checkSimple(ri, r.xy); err != nil {
			return err
		}
		if ri == 0 {
			poly.box = r.box
		}
		poly.rings = append(poly.rings, r)
		a.vertices += n - 1
		start = end
	}
	a.box.Extend(poly.box.MinLat, poly.box.MinLon)
	a.box.Extend(poly.box.MaxLat, poly.box.MaxLon)
	a.polys = append(a.polys, poly)
	return nil
}

// Contains reports whether (lat, lon) is inside the area.
func (a *Area) Contains(lat, lon float64) bool {
	if math.IsNaN(lat) || math.IsNaN(lon) || !a.box.Contains(lat, lon) {
		return false
	}
	for i := range a.polys {
		p := &a.polys[i]
		if !p.box.Contains(lat, lon) || !p.rings[0].contains(lat, lon) {
			continue
		}
		inHole := false
		for j := 1; j < len(p.rings); j++ {
			if p.rings[j].box.Contains(lat, lon) && p.rings[j].contains(lat, lon) {
				inHole = true
				break
			}
		}
		if !inHole {
			return true
		}
	}
	return false
}

// Bounds is the smallest box that holds every outer ring.
func (a *Area) Bounds() Box { return a.box }

// Polygons is the number of polygons in the area.
func (a *Area) Polygons() int { return len(a.polys) }

// PolygonBounds is the smallest box that holds polygon i's outer ring.
func (a *Area) PolygonBounds(i int) Box { return a.polys[i].box }

// Vertices is the number of distinct ring vertices, a measure of how much a
// Contains call costs.
func (a *Area) Vertices() int { return a.vertices }

// contains is the even-odd ray cast of a horizontal ray towards +lon.
func (r *ring) contains(lat, lon float64) bool {
	in := false
	xy := r.xy
	for i := 2; i < len(xy); i += 2 {
		x1, y1 := xy[i-2], xy[i-1]
		x2, y2 := xy[i], xy[i+1]
		if (y1 > lat) != (y2 > lat) {
			x := x1 + (lat-y1)*(x2-x1)/(y2-y1)
			if lon < x {
				in = !in
			}
		}
	}
	return in
}
