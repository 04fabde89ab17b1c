package router

import (
	"context"
	"errors"
	"io"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
)

// streamChunk is how many streamed stock updates are applied and made
// durable together.
const streamChunk = 256

// maxStreamShortfalls caps the rows a StreamStock summary lists in
// below_reserved; below_reserved_total counts them all.
const maxStreamShortfalls = 1000

// routingServer serves RoutingService.
type routingServer struct {
	pb.UnimplementedRoutingServiceServer
	s *Service
}

func (g routingServer) Route(ctx context.Context, req *pb.RouteRequest) (*pb.RouteResponse, error) {
	return g.s.Route(ctx, req)
}

func (g routingServer) Options(ctx context.Context, req *pb.OptionsRequest) (*pb.OptionsResponse, error) {
	return g.s.Options(ctx, req)
}

func (g routingServer) RouteBatch(ctx context.Context, req *pb.RouteBatchRequest) (*pb.RouteBatchResponse, error) {
	return g.s.RouteBatch(ctx, req)
}

func (g routingServer) CommitReservation(ctx context.Context, req *pb.CommitReservationRequest) (*pb.Reservation, error) {
	return g.s.CommitReservation(ctx, req.GetReservationId())
}

func (g routingServer) ReleaseReservation(ctx context.Context, req *pb.ReleaseReservationRequest) (*pb.Reservation, error) {
	return g.s.ReleaseReservation(ctx, req.GetReservationId())
}

func (g routingServer) GetReservation(ctx context.Context, req *pb.GetReservationRequest) (*pb.Reservation, error) {
	return g.s.GetReservation(ctx, req.GetReservationId())
}

// inventoryServer serves InventoryService.
type inventoryServer struct {
	pb.UnimplementedInventoryServiceServer
	s *Service
}

func (g inventoryServer) UpdateStock(ctx context.Context, req *pb.UpdateStockRequest) (*pb.UpdateStockResponse, error) {
	if len(req.GetUpdates()) == 0 {
		return nil, invalid("updates", "at least one update required")
	}
	return g.s.UpdateStock(ctx, "updates", 0, req.Updates)
}

// StreamStock applies the streamed updates in chunks as they come; the
// summary counts them all and lists the rows left below their reserved
// units (each row once, with its latest figures, at most
// maxStreamShortfalls of them). An invalid update ends the stream with an
// error naming its position (updates[i]); the chunks before it stay
// applied.
func (g inventoryServer) StreamStock(stream pb.InventoryService_StreamStockServer) error {
	ctx := stream.Context()
	var sum pb.UpdateStockResponse
	short := map[heldKey]int{} // row -> index in sum.BelowReserved
	chunk := make([]*pb.StockUpdate, 0, streamChunk)
	seen := 0
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		r, err := g.s.UpdateStock(ctx, "updates", seen-len(chunk), chunk)
		if err != nil {
			return err
		}
		sum.Applied += r.Applied
		sum.Ignored += r.Ignored
		for _, b := range r.BelowReserved {
			k := heldKey{b.NodeId, b.Sku}
			if i, ok := short[k]; ok {
				if i >= 0 {
					sum.BelowReserved[i] = b
				}
				continue
			}
			sum.BelowReservedTotal++
			short[k] = -1
			if len(sum.BelowReserved) < maxStreamShortfalls {
				short[k] = len(sum.BelowReserved)
				sum.BelowReserved = append(sum.BelowReserved, b)
			}
		}
		chunk = chunk[:0]
		return nil
	}
	for {
		u, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			if err := flush(); err != nil {
				return err
			}
			return stream.SendAndClose(&sum)
		}
		if err != nil {
			return err
		}
		chunk = append(chunk, u)
		seen++
		if len(chunk) == streamChunk {
			if err := flush(); err != nil {
				return err
			}
		}
	}
}

func (g inventoryServer) GetAvailability(ctx context.Context, req *pb.GetAvailabilityRequest) (*pb.GetAvailabilityResponse, error) {
	return g.s.GetAvailability(ctx, req)
}

// networkServer serves NetworkService.
type networkServer struct {
	pb.UnimplementedNetworkServiceServer
	s *Service
}

func (g networkServer) GetNetwork(ctx context.Context, _ *pb.GetNetworkRequest) (*pb.Network, error) {
	return g.s.GetNetwork(ctx), nil
}

func (g networkServer) ReloadNetwork(ctx context.Context, _ *pb.ReloadNetworkRequest) (*pb.ReloadNetworkResponse, error) {
	return g.s.Reload(ctx)
}

// planningServer serves PlanningService.
type planningServer struct {
	pb.UnimplementedPlanningServiceServer
	s *Service
}

func (g planningServer) Plan(ctx context.Context, req *pb.PlanRequest) (*pb.PlanResponse, error) {
	return g.s.Plan(ctx, req)
}

func (g planningServer) Allocate(ctx context.Context, req *pb.AllocateRequest) (*pb.AllocateResponse, error) {
	return g.s.Allocate(ctx, req)
}
