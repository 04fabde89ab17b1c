package geo

import (
	"fmt"
	"math"

	lru "github.com/hashicorp/golang-lru/v2"
)

// CachedArea answers Area.Contains for positions rounded to a grid, and
// remembers the answers of large areas in a bounded LRU cache. Customers
// cluster (the same buildings order again and again), so with service areas
// of hundreds or thousands of vertices a cache hit is much cheaper than a
// ray cast.
//
// The answer is always the area's answer at the rounded position, whether
// it came from the cache or not, so results never depend on what was asked
// before. With the default grid of 1e-4 degrees a position moves by at most
// about 8 m.
//
// A CachedArea is safe for concurrent use.
type CachedArea struct {
	area  *Area
	scale float64
	// cache is nil when the area is small enough that a ray cast is
	// cheaper than a cache look-up.
	cache *lru.Cache[cell, bool]
}

type cell struct{ lat, lon int32 }

// DefaultCellDeg is the default rounding grid of CachedArea, in degrees.
const DefaultCellDeg = 1e-4

// CacheMinVertices is the size of an area's largest polygon (in vertices)
// from which CachedArea keeps a cache; below it a ray cast costs less than
// a look-up. A multi-polygon of many small polygons (one per city) is not
// cached: a position is tested against the one polygon whose box holds it.
const CacheMinVertices = 64

// NewCachedArea wraps a with a cache of at most size entries (size <= 0
// disables caching) over a grid of cellDeg degrees (0 means
// DefaultCellDeg).
func NewCachedArea(a *Area, size int, cellDeg float64) (*CachedArea, error) {
	if a == nil {
		return nil, fmt.Errorf("%w: nil area", ErrBadGeometry)
	}
	if cellDeg == 0 {
		cellDeg = DefaultCellDeg
	}
	if !(cellDeg >= 1e-7 && cellDeg <= 1) {
		return nil, fmt.Errorf("cell size %v degrees: want 1e-7..1", cellDeg)
	}
	c := &CachedArea{area: a, scale: 1 / cellDeg}
	if size > 0 && a.largestPolygon() >= CacheMinVertices {
		var err error
		if c.cache, err = lru.New[cell, bool](size); err != nil {
			return nil, fmt.Errorf("area cache: %w", err)
		}
	}
	return c, nil
}

// Area returns the wrapped area.
func (c *CachedArea) Area() *Area { return c.area }

// Contains reports whether the rounded (lat, lon) is inside the area.
func (c *CachedArea) Contains(lat, lon float64) bool {
	if !ValidLatLon(lat, lon) {
		return false
	}
	k := cell{int32(math.Round(lat * c.scale)), int32(math.Round(lon * c.scale))}
	if c.cache != nil {
		if in, ok := c.cache.Get(k); ok {
			return in
		}
	}
	in := c.area.Contains(float64(k.lat)/c.scale, float64(k.lon)/c.scale)
	if c.cache != nil {
		c.cache.Add(k, in)
	}
	return in
}

// CacheLen is the number of cached answers (0 when not caching).
func (c *CachedArea) CacheLen() int {
	if c.cache == nil {
		return 0
	}
	return c.cache.Len()
}
