package router

import (
	"context"
	"fmt"
	"strings"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

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
	s.led.maintain(ctx)
	av, err := s.led.availability(ctx, req.Skus, req.NodeIds)
	if err != nil {
		return nil, err
	}
	return &pb.GetAvailabilityResponse{Availability: av}, nil
}
