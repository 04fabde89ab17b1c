package router

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
)

// Network returns the network in use now.
func (s *Service) Network() *network.Network { return s.snap.Load().net }

// GetNetwork describes the network in use now. The message is shared and
// must not be changed.
func (s *Service) GetNetwork(ctx context.Context) *pb.Network { return s.snap.Load().proto }

// Reload reads the network again from where it came from and swaps it in.
// Calls in flight finish on the network they started with; the live stock
// and the reservations move to the new network by node id. A network that
// fails to load or validate leaves the current one in place
// (FailedPrecondition with the reason).
func (s *Service) Reload(ctx context.Context) (*pb.ReloadNetworkResponse, error) {
	if s.cfg.LoadNetwork == nil {
		return nil, status.Error(codes.FailedPrecondition, "the network was not loaded from a file and cannot be reloaded")
	}
	s.reloadMu.Lock()
	defer s.reloadMu.Unlock()
	net, source, err := s.cfg.LoadNetwork(ctx)
	if err == nil && (net == nil || !net.Initialized()) {
		err = network.ErrNotInitialized
	}
	if err != nil {
		s.m.reloads.WithLabelValues("error").Inc()
		s.log.Error("network reload failed; keeping the current network", "err", err)
		return nil, status.Errorf(codes.FailedPrecondition, "reload network: %v", err)
	}
	old := s.snap.Load()
	next, err := s.snapshotOf(net, source, old.version+1)
	if err != nil {
		s.m.reloads.WithLabelValues("error").Inc()
		s.log.Error("network reload failed; keeping the current network", "err", err)
		return nil, status.Errorf(codes.FailedPrecondition, "reload network: %v", err)
	}
	s.mu.Lock()
	if err := s.inv.rebind(net); err != nil {
		s.mu.Unlock()
		s.m.reloads.WithLabelValues("error").Inc()
		return nil, status.Errorf(codes.Internal, "reload network: %v", err)
	}
	s.snap.Store(next)
	s.mu.Unlock()
	if s.fixed != nil && (s.planner == nil || s.planner.lastOK.Load() == nil) {
		// The prices given ahead, still on the board: matched to the new
		// network's nodes by id (a planner's next plan is over it anyway).
		s.fixed.set(s.pipe.board, net)
	}
	s.m.reloads.WithLabelValues("ok").Inc()
	s.log.Info("network reloaded", "source", source, "nodes", len(net.Nodes), "version", next.version)
	s.logNetworkWarnings(net, source)
	return &pb.ReloadNetworkResponse{Nodes: int32(len(net.Nodes)), Source: source}, nil
}

// logNetworkWarnings logs what the network's Init found suspicious (a
// courier area no node can reach...), one line each.
func (s *Service) logNetworkWarnings(net *network.Network, source string) {
	for _, w := range net.Warnings() {
		s.log.Warn("network warning", "source", source, "warning", w)
	}
}
