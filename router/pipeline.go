package router

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/distance"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/quote"
)

// pipeline is what a route runs besides the Builder and the solver, wired
// in this one place: what is fetched before the build (live courier
// quotes, road distances) and the routing policy that chooses the plan.
// It is shared by every snapshot; what depends on the network is made per
// snapshot (snapshotOf): the quote clients, with their caches and
// breakers, start afresh when the network is reloaded.
//
// The flow of a Route: prefetch (I/O, with the call's context, no lock)
// -> build (read lock, no I/O, nothing allocated) -> policy -> reserve.
type pipeline struct {
	policies *policy.Registry
	policy   string
	http     *http.Client
	// board holds the prices of a look-ahead policy (policy.Planned),
	// shared by every worker's copy of it; the planner swaps them. The
	// service counts the outcomes of the orders it routes on it
	// (Service.solve), not every plan the workers choose.
	board *policy.PriceBoard
}

// fetched is what was fetched for one order before its build, over the
// network it was fetched for.
type fetched struct {
	net  *network.Network
	live network.Live
}

// newPipeline checks and wires the configured policy.
func newPipeline(cfg *Config, m *Metrics) (*pipeline, error) {
	p := &pipeline{policies: cfg.Policies, policy: cfg.Policy, http: cfg.HTTPClient, board: &policy.PriceBoard{}}
	p.board.CountByOwner()
	if p.policies == nil {
		p.policies = policy.DefaultRegistry()
	}
	if p.policy == "" {
		p.policy = policy.Optimal
	}
	if _, err := p.policies.New(p.policy, cfg.Network); err != nil {
		return nil, err
	}
	return p, nil
}

// snapshotOf makes the snapshot of net, checking that the policy can be
// made for it.
func (s *Service) snapshotOf(net *network.Network, source string, version uint64) (*snapshot, error) {
	if _, err := s.pipe.policies.New(s.pipe.policy, net); err != nil {
		return nil, fmt.Errorf("network %s: %w", source, err)
	}
	fetch, err := quote.NewFetcher(net, quote.Options{HTTP: s.pipe.http, Now: s.clock.Now, Metrics: s.m.quotes})
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", source, err)
	}
	roads, err := distance.NewFetcher(net, s.pipe.http, s.m.distances, true)
	if err != nil {
		return nil, fmt.Errorf("network %s: %w", source, err)
	}
	sn := newSnapshot(net, source, version)
	sn.pipe, sn.quotes, sn.roads = s.pipe, fetch, roads
	return sn, nil
}

// prefetch fetches what the build of order will read, before any lock is
// taken: the road distances from the nodes near the customer and the
// courier quotes of its trips, both at once, with ctx. It returns nil when
// there is nothing to fetch (no partner quotes live, no distance source)
// or the order is invalid (the build reports why).
func (s *Service) prefetch(ctx context.Context, order *pb.Order) *fetched {
	snap := s.snap.Load()
	if (!snap.quotes.Live() && snap.roads == nil) || order == nil {
		return nil
	}
	var o network.Order
	at, _ := plannedAt(order.CreatedAt, s.clock.Now(), s.cfg.MaxClockSkew)
	if orderFromProto("order", order, snap.net, at, &o) != nil {
		return nil
	}
	if _, err := snap.net.ValidateOrder(&o); err != nil {
		return nil
	}
	f := &fetched{net: snap.net}
	var roads network.Live
	var wg sync.WaitGroup
	if snap.roads != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			snap.roads.Fetch(ctx, &o, &roads)
		}()
	}
	snap.quotes.Fetch(ctx, &o, &f.live)
	wg.Wait()
	f.live.Legs = roads.Legs
	return f
}
