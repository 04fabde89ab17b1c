package router

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
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
	if !explicit {
		for n := range s.inv.net.Nodes {
			nodes = append(nodes, n)
		}
	} else {
		slices.Sort(nodes)
		nodes = slices.Compact(nodes)
	}
	out := &pb.GetAvailabilityResponse{}
	for _, n := range nodes {
		for _, sku := range req.Skus {
			r, ok := s.inv.table.Get(n, sku)
			if !ok && !explicit {
				continue
			}
			out.Availability = append(out.Availability, &pb.NodeAvailability{
				NodeId: s.inv.net.Nodes[n].ID, Sku: sku, Atp: r.ATP(),
				OnHand: r.OnHand, Reserved: r.Reserved, SafetyStock: r.Safety,
			})
		}
	}
	return out, nil
}
