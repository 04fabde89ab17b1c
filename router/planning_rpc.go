package router

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/omniroute/omniroute/allocate"
	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/stock"
)

// DefaultAllocateConcurrency is how many Allocate calls plan at once when
// Config.AllocateConcurrency is zero.
const DefaultAllocateConcurrency = 1

// Allocate plans supply placement and transfers (package allocate) on the
// network in use and a copy of the live stock as the call arrived;
// nothing is changed. Bad input is InvalidArgument naming the field (and,
// in a CSV, its line), at once. A valid call then waits for its turn
// (Config.AllocateConcurrency plan at once) within its deadline, and
// plans with Config.AllocateWorkers goroutines.
func (s *Service) Allocate(ctx context.Context, req *pb.AllocateRequest) (*pb.AllocateResponse, error) {
	if len(req.GetOrdersCsv()) == 0 {
		return nil, status.Error(codes.InvalidArgument, "orders_csv: empty: send the order history (the orders-file CSV)")
	}
	if req.GetHorizonMinutes() < 0 {
		return nil, status.Errorf(codes.InvalidArgument, "horizon_minutes: %d must not be negative", req.GetHorizonMinutes())
	}
	s.mu.RLock()
	net, table := s.inv.net, s.inv.table.Clone()
	s.mu.RUnlock()
	in := allocate.Input{
		Network: net, Stock: table,
		History: simulate.BytesSource{FileName: "orders_csv", Data: req.GetOrdersCsv()},
		Horizon: time.Duration(req.GetHorizonMinutes()) * time.Minute,
		Policy:  req.GetPolicy(), Windows: int(req.GetWindows()),
	}
	if in.Policy != "" && !simulate.DefaultRegistry().Has(in.Policy) {
		return nil, status.Errorf(codes.InvalidArgument, "policy: unknown routing policy %q (want one of %s)",
			in.Policy, strings.Join(simulate.DefaultRegistry().Names(), ", "))
	}
	if in.Horizon == 0 {
		in.Horizon = allocate.DefaultHorizon
	}
	if req.At != nil {
		if err := req.At.CheckValid(); err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "at: %v", err)
		}
		in.At = req.At.AsTime()
	} else {
		at, err := allocate.LastOrder(in.History)
		if err != nil {
			return nil, allocateStatus(err)
		}
		in.At = at
	}
	if r := req.GetFallsHistoryCsv(); len(r) > 0 {
		falls, err := simulate.ReadReplenishments(simulate.BytesSource{FileName: "falls_history_csv", Data: r}, net)
		if err != nil {
			return nil, allocateStatus(err)
		}
		in.Falls = falls
	}
	if r := req.GetReplenishmentsCsv(); len(r) > 0 {
		arr, err := simulate.ReadArrivals(simulate.BytesSource{FileName: "replenishments_csv", Data: r}, net)
		if err != nil {
			return nil, allocateStatus(err)
		}
		in.Arrivals = arr
	}
	for i, sp := range req.GetSupply() {
		f := fmt.Sprintf("supply[%d]", i)
		n, ok := net.NodeIndex(sp.GetNodeId())
		switch {
		case !ok:
			return nil, status.Errorf(codes.InvalidArgument, "%s.node_id: unknown node %q", f, sp.GetNodeId())
		case !net.Nodes[n].Transfers.CanReceive():
			return nil, status.Errorf(codes.InvalidArgument, "%s.node_id: node %q may not receive", f, sp.GetNodeId())
		case !table.KnownSKU(sp.GetSku()):
			return nil, status.Errorf(codes.InvalidArgument, "%s.sku: unknown SKU %q", f, sp.GetSku())
		case sp.GetQty() <= 0 || sp.GetQty() > stock.MaxLevel:
			return nil, status.Errorf(codes.InvalidArgument, "%s.qty: %d is outside 1..%d", f, sp.GetQty(), stock.MaxLevel)
		case sp.AvailableAt == nil || sp.AvailableAt.CheckValid() != nil:
			return nil, status.Errorf(codes.InvalidArgument, "%s.available_at: missing or invalid", f)
		case sp.AvailableAt.AsTime().After(in.At.Add(in.Horizon)):
			return nil, status.Errorf(codes.InvalidArgument, "%s.available_at: %s is after the horizon ends (%s)", f,
				sp.AvailableAt.AsTime().UTC().Format(time.RFC3339), in.At.Add(in.Horizon).UTC().Format(time.RFC3339))
		}
		in.Supply = append(in.Supply, allocate.Supply{Node: n, SKU: sp.GetSku(), Qty: sp.GetQty(), AvailableAt: sp.AvailableAt.AsTime()})
	}
	release, err := s.allocateTurn(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	in.Workers = s.cfg.AllocateWorkers
	res, err := allocate.Plan(ctx, in)
	if err != nil {
		return nil, allocateStatus(err)
	}
	out := &pb.AllocateResponse{
		Objective: res.Objective, ExpectedCostBefore: res.ExpectedCostBefore, ExpectedCostAfter: res.ExpectedCostAfter,
		UnitsMoved: res.UnitsMoved, TransferCost: res.TransferCost, SolveMs: float64(res.SolveTime.Microseconds()) / 1000,
		ExpectedBy: res.ExpectedBy, ModelCostBefore: res.ModelCostBefore, ModelCostAfter: res.ModelCostAfter,
		ExpectedFallUnits: res.FallUnits, ExpectedAdjustmentUnits: res.AdjustmentUnits,
		Replays: int32(res.Replays),
	}
	for _, g := range res.Groups {
		out.Groups = append(out.Groups, &pb.AllocateGroup{Group: g.Group, Units: g.Units, Saving: g.Saving,
			WindowSavings: g.WindowSavings, Judged: g.Judged, Kept: g.Kept})
	}
	for _, w := range res.Windows {
		out.Windows = append(out.Windows, &pb.AllocateWindow{From: timestamppb.New(w.From), Orders: int32(w.Orders),
			Before: w.Before, After: w.After})
	}
	for _, t := range res.Transfers {
		pt := &pb.Transfer{ToNodeId: net.Nodes[t.To].ID, Sku: t.SKU, Qty: t.Qty,
			ShipAt: timestamppb.New(t.ShipAt), ArriveAt: timestamppb.New(t.ArriveAt)}
		if t.From >= 0 {
			pt.FromNodeId = net.Nodes[t.From].ID
		}
		out.Transfers = append(out.Transfers, pt)
	}
	return out, nil
}

// allocateTurn waits for one of the Config.AllocateConcurrency turns to
// plan and returns its release; a call whose context ends first gets
// its status (DeadlineExceeded or Canceled) saying what it waited for.
func (s *Service) allocateTurn(ctx context.Context) (func(), error) {
	s.m.allocateWaiting.Inc()
	select {
	case s.allocTurns <- struct{}{}:
		s.m.allocateWaiting.Dec()
	case <-ctx.Done():
		s.m.allocateWaiting.Dec()
		return nil, status.Errorf(status.FromContextError(ctx.Err()).Code(),
			"waiting for a turn to allocate (%d at once, all taken): %v", cap(s.allocTurns), ctx.Err())
	}
	s.m.allocateRunning.Inc()
	if s.cfg.allocateGate != nil {
		select {
		case <-s.cfg.allocateGate:
		case <-ctx.Done():
		}
	}
	return func() {
		s.m.allocateRunning.Dec()
		<-s.allocTurns
	}, nil
}

// allocateStatus maps an allocation error to a status: malformed input
// and an empty history are the caller's; a cancelled call is Canceled or
// DeadlineExceeded; the rest is Internal.
func allocateStatus(err error) error {
	switch {
	case errors.Is(err, simulate.ErrBadRow), errors.Is(err, allocate.ErrNoHistory):
		return status.Error(codes.InvalidArgument, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	}
	return status.Error(codes.Internal, err.Error())
}
