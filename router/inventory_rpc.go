package router

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/stock"
)

// UpdateStock applies a batch of stock updates in order, all or none: the
// batch is checked first (a bad update or an unknown node rejects it with
// the field named, e.g. updates[3].node_id), then applied and made durable
// in one step. An update whose seq is not above the last one applied to
// its (node, SKU) is ignored and counted. Field names start with prefix
// ("updates" for UpdateStock; StreamStock passes its own).
func (s *Service) UpdateStock(ctx context.Context, prefix string, first int, updates []*pb.StockUpdate) (applied, ignored int64, err error) {
	if len(updates) > MaxStockUpdates {
		return 0, 0, invalid(prefix, "%d updates, at most %d allowed", len(updates), MaxStockUpdates)
	}
	for i, u := range updates {
		if err := validateStockUpdate(fmt.Sprintf("%s[%d]", prefix, first+i), u); err != nil {
			return 0, 0, err
		}
	}
	if err := s.check(); err != nil {
		return 0, 0, err
	}
	if err := ctxError(ctx); err != nil {
		return 0, 0, err
	}
	b, err := func() (*batch, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		ups := make([]stock.Update, len(updates))
		for i, u := range updates {
			node, ok := s.inv.node(u.NodeId)
			if !ok {
				return nil, notFound(fmt.Sprintf("%s[%d].node_id", prefix, first+i), "unknown node %q", u.NodeId)
			}
			up := stock.Update{Node: node, SKU: u.Sku, Seq: u.Seq}
			switch c := u.Change.(type) {
			case *pb.StockUpdate_OnHand:
				v := c.OnHand
				up.OnHand = &v
			case *pb.StockUpdate_Delta:
				up.Delta = c.Delta
			}
			if u.SafetyStock != nil {
				v := *u.SafetyStock
				up.Safety = &v
			}
			ups[i] = up
		}
		// All or none: a batch of several updates is first applied to a
		// scratch table holding copies of the rows it touches, so that a
		// bad update (on hand below zero) rejects the batch before the
		// live table changes; undoing on the live table could not remove
		// a row that an earlier update of the batch created.
		if len(ups) > 1 {
			scratch := stock.New(s.inv.net)
			for i, up := range ups {
				if _, copied := scratch.Get(up.Node, up.SKU); !copied {
					if r, ok := s.inv.table.Get(up.Node, up.SKU); ok {
						if err := scratch.Set(up.Node, up.SKU, r); err != nil {
							return nil, status.Errorf(codes.Internal, "%s[%d]: %v", prefix, first+i, err)
						}
					}
				}
				if _, err := scratch.Apply(up); err != nil {
					return nil, updateError(prefix, first+i, updates[i], err)
				}
			}
		}
		// The rows are saved first, so that an update the live table
		// refuses after all is undone with the ones before it.
		rows := make([]stock.Row, 0, len(ups))
		for _, up := range ups {
			r, _ := s.inv.table.Get(up.Node, up.SKU)
			r.Node, r.SKU = up.Node, up.SKU
			rows = append(rows, r)
		}
		ch := &changes{}
		for i, up := range ups {
			ok, err := s.inv.table.Apply(up)
			if err != nil {
				for j := i - 1; j >= 0; j-- {
					_ = s.inv.table.Set(rows[j].Node, rows[j].SKU, rows[j])
				}
				applied, ignored = 0, 0
				return nil, updateError(prefix, first+i, updates[i], err)
			}
			if !ok {
				ignored++
				continue
			}
			applied++
			ch.putStock(stockKey{node: updates[i].NodeId, sku: up.SKU}, s.inv.row(up.Node, up.SKU))
		}
		s.m.stockUpdates.WithLabelValues("applied").Add(float64(applied))
		s.m.stockUpdates.WithLabelValues("ignored").Add(float64(ignored))
		return s.c.add(ch), nil
	}()
	if err == nil {
		if werr := b.wait(); werr != nil {
			return 0, 0, unavailable(werr)
		}
	}
	if err != nil {
		return 0, 0, err
	}
	return applied, ignored, nil
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
	s.maintain()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var nodes []int
	for i, id := range req.NodeIds {
		if err := checkID(fmt.Sprintf("node_ids[%d]", i), id); err != nil {
			return nil, err
		}
		n, ok := s.inv.node(id)
		if !ok {
			return nil, notFound(fmt.Sprintf("node_ids[%d]", i), "unknown node %q", id)
		}
		nodes = append(nodes, n)
	}
	explicit := len(nodes) > 0
	slices.Sort(nodes)
	nodes = slices.Compact(nodes)
	var km []float64
	switch {
	case req.Position != nil:
		nodes, km = s.nearNodes(req, nodes, explicit)
		explicit = true // every SKU asked, for each node found
	case !explicit:
		for n := range s.inv.net.Nodes {
			nodes = append(nodes, n)
		}
	}
	out := &pb.GetAvailabilityResponse{}
	for i, n := range nodes {
		nd := &s.inv.net.Nodes[n]
		for _, sku := range req.Skus {
			r, ok := s.inv.table.Get(n, sku)
			if !ok && !explicit {
				continue
			}
			a := &pb.NodeAvailability{
				NodeId: nd.ID, Sku: sku, Atp: r.ATP(),
				OnHand: r.OnHand, Reserved: r.Reserved, SafetyStock: r.Safety,
				NodeName: nd.Name, Kind: string(nd.Kind),
			}
			if km != nil {
				a.DistanceKm = km[i]
			}
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
