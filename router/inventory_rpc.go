package router

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/network"
)

// WriteFreeStock writes the stock free now as a stock file: each row's on
// hand less the units reserved, and its safety stock (what the order log
// keeps as the stock a day starts with, orderlog.StockSource). It copies
// the stock under the read lock, as a plan does, and writes the copy.
func (s *Service) WriteFreeStock(w io.Writer) error {
	s.mu.RLock()
	t := s.inv.table.Clone()
	s.mu.RUnlock()
	return t.WriteFreeCSV(w)
}

// UpdateStock applies a batch of stock updates in order, all or none: the
// batch is checked first (a bad update or an unknown node rejects it with
// the field named, e.g. updates[3].node_id), then applied and made durable
// in one step. An update whose seq is not above the last one applied to
// its (node, SKU) is ignored and counted. Rows the batch leaves with
// fewer units on hand than reserved are listed in below_reserved (and
// counted in omniroute_stock_below_reserved_total). Field names start
// with prefix ("updates" for UpdateStock; StreamStock passes its own),
// numbered from first.
func (s *Service) UpdateStock(ctx context.Context, prefix string, first int, updates []*pb.StockUpdate) (*pb.UpdateStockResponse, error) {
	if len(updates) > MaxStockUpdates {
		return nil, invalid(prefix, "%d updates, at most %d allowed", len(updates), MaxStockUpdates)
	}
	for i, u := range updates {
		if err := validateStockUpdate(fmt.Sprintf("%s[%d]", prefix, first+i), u); err != nil {
			return nil, err
		}
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := ctxError(ctx); err != nil {
		return nil, err
	}
	res, b, err := s.led.updateStock(ctx, &stockBatch{prefix: prefix, first: first, updates: updates})
	if res, err = durable(res, b, err); err != nil {
		return nil, err
	}
	at := s.clock.Now()
	if s.planner != nil {
		s.planner.stockMoved(res.moved)
		net := s.snap.Load().net
		for _, r := range res.received {
			if node, ok := net.NodeIndex(r.key.node); ok && r.units < 0 {
				s.planner.fell(at, node, r.key.sku, -r.units, r.adjustment)
			}
		}
	}
	if rec, ok := s.cfg.OrderLog.(ReceiptRecorder); ok && len(res.received) > 0 {
		for _, r := range res.received {
			rec.RecordReceipt(at, r.key.node, r.key.sku, r.units, r.adjustment)
		}
	}
	s.m.stockUpdates.WithLabelValues("applied").Add(float64(res.applied))
	s.m.stockUpdates.WithLabelValues("ignored").Add(float64(res.ignored))
	s.m.belowReserved.Add(float64(len(res.below)))
	if len(res.below) > 0 {
		s.log.Warn("stock updates left on hand below the reserved units", "rows", len(res.below),
			"first", res.below[0].NodeId+"/"+res.below[0].Sku)
	}
	return &pb.UpdateStockResponse{Applied: res.applied, Ignored: res.ignored,
		BelowReserved: res.below, BelowReservedTotal: int64(len(res.below))}, nil
}

// updateError is the InvalidArgument for the stock table refusing update
// i: its message without the table's own prefix, which names the update by
// node index. Validation leaves only a delta that takes on hand out of
// range to refuse, so a delta update's error names its delta.
func updateError(prefix string, i int, u *pb.StockUpdate, err error) error {
	msg := err.Error()
	if k := strings.LastIndex(msg, ": "); k >= 0 {
		msg = msg[k+2:]
	}
	field := fmt.Sprintf("%s[%d]", prefix, i)
	if _, ok := u.GetChange().(*pb.StockUpdate_Delta); ok {
		field += ".delta"
	}
	return invalid(field, "%s", msg)
}

// GetAvailability returns the stock of the given SKUs at the given nodes
// (every node of the network with a row for the SKU when nodeIDs is
// empty), in network node order, then SKU order as asked.
//
// With a position it answers "pick up near me": the nearest enabled nodes
// of the kinds asked (stores by default) within radius_km (the network's
// pickup radius by default) that have some of the SKUs available (ATP >
// 0), at most limit (10 by default) of them, nearest first (ties by
// network order), each with every SKU asked and its distance; node_ids,
// when also given, limit the nodes considered.
func (s *Service) GetAvailability(ctx context.Context, req *pb.GetAvailabilityRequest) (*pb.GetAvailabilityResponse, error) {
	if len(req.GetSkus()) == 0 {
		return nil, invalid("skus", "at least one SKU required")
	}
	if len(req.Skus) > MaxAvailabilitySKUs {
		return nil, invalid("skus", "%d SKUs, at most %d allowed", len(req.Skus), MaxAvailabilitySKUs)
	}
	if len(req.NodeIds) > MaxAvailabilitySKUs {
		return nil, invalid("node_ids", "%d nodes, at most %d allowed", len(req.NodeIds), MaxAvailabilitySKUs)
	}
	for i, sku := range req.Skus {
		if err := checkID(fmt.Sprintf("skus[%d]", i), sku); err != nil {
			return nil, err
		}
	}
	if err := validateNear(req); err != nil {
		return nil, err
	}
	if err := s.check(); err != nil {
		return nil, err
	}
	s.led.maintain(ctx)
	if req.Position == nil {
		av, err := s.led.availability(ctx, req.Skus, req.NodeIds)
		if err != nil {
			return nil, err
		}
		return &pb.GetAvailabilityResponse{Availability: av}, nil
	}
	// Near a position: the nodes are chosen on this replica's view of the
	// stock, and their rows read from the ledger like any others.
	s.mu.RLock()
	only, limited, err := resolveNodes(s.inv.net, req.NodeIds)
	var nodes []int
	var km []float64
	if err == nil {
		nodes, km = s.nearNodes(req, only, limited)
	}
	net := s.inv.net
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(nodes))
	for i, n := range nodes {
		ids[i] = net.Nodes[n].ID
	}
	out := &pb.GetAvailabilityResponse{}
	if len(ids) == 0 {
		return out, nil
	}
	av, err := s.led.availability(ctx, req.Skus, ids)
	if err != nil {
		return nil, err
	}
	// The ledger answers in network order; the answer goes nearest first.
	byNode := make(map[string][]*pb.NodeAvailability, len(ids))
	for _, a := range av {
		byNode[a.NodeId] = append(byNode[a.NodeId], a)
	}
	for i, id := range ids {
		for _, a := range byNode[id] {
			a.DistanceKm = km[i]
			out.Availability = append(out.Availability, a)
		}
	}
	return out, nil
}

// Defaults and limits of GetAvailability around a position.
const (
	// DefaultAvailabilityNodes is how many nodes GetAvailability answers
	// around a position unless the request says otherwise.
	DefaultAvailabilityNodes = 10
	// MaxAvailabilityNodes is the most nodes it answers around a position.
	MaxAvailabilityNodes = 1000
)

// validateNear checks the position fields of an availability request.
func validateNear(req *pb.GetAvailabilityRequest) error {
	if req.Position == nil {
		if req.RadiusKm != 0 || req.Limit != 0 || len(req.Kinds) > 0 {
			return invalid("position", "required with radius_km, limit or kinds")
		}
		return nil
	}
	if p := req.Position; !finite(p.Lat) || p.Lat < -90 || p.Lat > 90 {
		return invalid("position.lat", "must be between -90 and 90")
	}
	if p := req.Position; !finite(p.Lon) || p.Lon < -180 || p.Lon > 180 {
		return invalid("position.lon", "must be between -180 and 180")
	}
	if !finite(req.RadiusKm) || req.RadiusKm < 0 || req.RadiusKm > maxRadiusKm {
		return invalid("radius_km", "must be between 0 and %d", maxRadiusKm)
	}
	if req.Limit < 0 || req.Limit > MaxAvailabilityNodes {
		return invalid("limit", "must be between 0 and %d", MaxAvailabilityNodes)
	}
	for i, k := range req.Kinds {
		if !network.Kind(k).Valid() {
			return invalid(fmt.Sprintf("kinds[%d]", i), "unknown kind %q (want store, dark_store or warehouse)", k)
		}
	}
	return nil
}

// nearNodes finds the nodes a GetAvailability around a position answers
// (see GetAvailability), nearest first, with their distances; only (a
// sorted list) limits the nodes when limited is set.
func (s *Service) nearNodes(req *pb.GetAvailabilityRequest, only []int, limited bool) ([]int, []float64) {
	net := s.inv.net
	lat, lon := req.Position.Lat, req.Position.Lon
	radius := req.RadiusKm
	if radius == 0 {
		radius = net.Policy.PickupRadiusKm
	}
	if radius == 0 {
		radius = maxRadiusKm // no bound: the whole Earth
	}
	limit := int(req.Limit)
	if limit == 0 {
		limit = DefaultAvailabilityNodes
	}
	kinds := req.Kinds
	if len(kinds) == 0 {
		kinds = []string{string(network.Store)}
	}
	type near struct {
		node int
		km   float64
	}
	var found []near
	// Distances as the Builder measures them, so that a store is as far
	// here as in a plan or an offer.
	me := geo.ToUnit(lat, lon)
	for _, n := range net.NodesWithin(lat, lon, radius, nil) {
		nd := &net.Nodes[n]
		if !nd.Enabled || !slices.Contains(kinds, string(nd.Kind)) {
			continue
		}
		if _, ok := slices.BinarySearch(only, n); limited && !ok {
			continue
		}
		if !slices.ContainsFunc(req.Skus, func(sku string) bool { return s.inv.table.ATP(n, sku) > 0 }) {
			continue
		}
		found = append(found, near{node: n, km: me.DistanceKm(geo.ToUnit(nd.Lat, nd.Lon))})
	}
	slices.SortFunc(found, func(a, b near) int { return cmp.Or(cmp.Compare(a.km, b.km), cmp.Compare(a.node, b.node)) })
	found = found[:min(len(found), limit)]
	nodes, km := make([]int, len(found)), make([]float64, len(found))
	for i, f := range found {
		nodes[i], km[i] = f.node, f.km
	}
	return nodes, km
}
