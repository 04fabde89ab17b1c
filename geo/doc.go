// Package geo is the geometry omniroute needs to route orders: great-circle
// distance on a spherical Earth, bounding boxes, service-area polygons read
// from GeoJSON (point in polygon, holes included; a ring that crosses or
// touches itself is refused), an immutable spatial index over node
// positions (within a radius, k nearest), and a bounded, concurrency-safe
// cache of area look-ups per rounded position.
//
// Coordinates are degrees (latitude, longitude) in WGS 84; distances are
// kilometres. GeoJSON positions are (longitude, latitude), as the format
// says; every function here that takes separate arguments takes latitude
// first.
//
// geo knows nothing of nodes, stock or orders. It must never do I/O, read a
// clock, or keep global mutable state; every result is a pure function of
// its inputs, so that plans stay deterministic.
package geo
