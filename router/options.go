package router

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// Limits and defaults of an Options call.
const (
	// DefaultPickupStores is how many pickup stores Options offers unless
	// the request says otherwise.
	DefaultPickupStores = 3
	// MaxPickupStores is the most pickup stores one Options call may ask
	// for.
	MaxPickupStores = 20
)

// Options answers what a shop can offer for a cart at checkout: one best
// plan per offer the network can make the cart (ship from store, pickup,
// warehouse shipping, courier per partner; network.Network.Offers), and
// for pickup the nearest stores (request.pickup_stores, 3 by default)
// that can have the whole cart ready, each with its ready time, distance
// and opening hours. An offer that cannot take the whole cart says why
// (offerReason). Nothing is reserved, and a cart with no offer at all gets
// its offers, each with its reason, not an error.
//
// The cart is built into one problem under the read lock; each offer is
// then that problem held to the offer's eligible options
// (network.RestrictEligible) and solved to the plan Route's settings give
// (worker.solveOffer). That is the problem Route
// builds for the order that chose the offer (Order.method, partner,
// pickup_node_id or offer_id) without the options it excludes, so while
// the stock does not change, routing the chosen offer gives the offer's
// plan.
func (s *Service) Options(ctx context.Context, req *pb.OptionsRequest) (*pb.OptionsResponse, error) {
	start := time.Now()
	resp, err := s.options(ctx, req)
	s.m.optionsSeconds.WithLabelValues(status.Code(err).String()).Observe(time.Since(start).Seconds())
	return resp, err
}

func (s *Service) options(ctx context.Context, req *pb.OptionsRequest) (*pb.OptionsResponse, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	if err := validateOptionsRequest(req); err != nil {
		return nil, err
	}
	s.led.maintain(ctx)
	if err := ctxError(ctx); err != nil {
		return nil, err
	}
	var (
		snap *snapshot
		w    *worker
	)
	f := s.prefetch(ctx, req.Order)
	err := func() error {
		s.mu.RLock()
		defer s.mu.RUnlock()
		snap = s.snap.Load()
		w = snap.get()
		w.fetched = f
		w.view = stockView{in: s.inv}
		defer func() { w.view = stockView{} }()
		return s.build("", req.Order, snap, w, &w.view, s.planningNow(), -1) // offers need the full problem
	}()
	defer snap.put(w)
	if err != nil {
		return nil, err
	}
	k := int(req.PickupStores)
	if k == 0 {
		k = DefaultPickupStores
	}
	return s.quote(ctx, w, snap.net, k)
}

// solveError is the status of a solver error for an offer.
func solveError(err error) error {
	if errors.Is(err, solver.ErrInvalidProblem) {
		return status.Errorf(codes.InvalidArgument, "order: %v", err)
	}
	return status.Errorf(codes.Internal, "order: solve: %v", err)
}

// quote plans every offer of the worker's built cart; k is how many
// pickup stores to offer. It stops with the context's status when ctx is
// done.
func (s *Service) quote(ctx context.Context, w *worker, net *network.Network, k int) (*pb.OptionsResponse, error) {
	at := w.order.CreatedAt
	q := quoteScope{net: net, at: at, set: s.settings(0)}
	out := &pb.OptionsResponse{Currency: net.Currency, QuotedAt: timestamppb.New(at)}
	w.offers = net.Offers(&w.order, w.offers[:0])
	for _, f := range w.offers {
		if err := ctxError(ctx); err != nil {
			return nil, err
		}
		if f.Method == solver.Pickup && f.Node < 0 {
			offers, err := q.pickupStores(w, k)
			if err != nil {
				return nil, solveError(err)
			}
			out.Offers = append(out.Offers, offers...)
			continue
		}
		plan, took, err := w.solveOffer(f, q.set)
		if err != nil {
			return nil, solveError(err)
		}
		out.Offers = append(out.Offers, q.offer(w, plan, f, took))
	}
	return out, nil
}

// quoteScope is what the offers of one Options call share.
type quoteScope struct {
	net *network.Network
	at  time.Time // the cart's time: ETAs count from it
	set solver.Settings
}

// pickupStores offers pickup at the k stores nearest the customer (by
// distance, then node id) that can have the whole cart ready: each
// eligible pickup option of the cart that holds the stock of every line is
// solved, nearest first, held to its store. When none can, the one offer
// says why: the most telling reason of every eligible store (the solver's,
// the short ones solved too) and of the pickup options excluded before
// (too far, disabled...), NO_STOCK when no store that offers pickup holds
// any of the cart.
func (q *quoteScope) pickupStores(w *worker, k int) ([]*pb.Offer, error) {
	p := &w.p
	w.stores = w.stores[:0]
	why := solver.ReasonNone
	for i := range p.Options {
		op := &p.Options[i]
		switch {
		case op.Method != solver.Pickup:
		case op.Excluded == solver.ReasonNone:
			w.stores = append(w.stores, int32(i))
		default:
			why = solver.MostTelling(why, op.Excluded)
		}
	}
	slices.SortFunc(w.stores, func(a, b int32) int {
		oa, ob := &p.Options[a], &p.Options[b]
		return cmp.Or(cmp.Compare(oa.DistanceKm, ob.DistanceKm), cmp.Compare(oa.NodeID, ob.NodeID))
	})
	var out []*pb.Offer
	short := w.short[:0] // stores whose stock cannot cover some line
	for _, o := range w.stores {
		if !holdsCart(p, int(o)) {
			short = append(short, o)
			continue
		}
		f := network.Offer{Method: solver.Pickup, Node: int(p.Options[o].Node)}
		plan, took, err := w.solveOffer(f, q.set)
		if err != nil {
			return nil, err
		}
		if !covers(plan) {
			why = solver.MostTelling(why, offerReason(w, plan, f))
			continue
		}
		out = append(out, q.offer(w, plan, f, took))
		if len(out) == k {
			break
		}
	}
	w.short = short
	if len(out) == 0 {
		// No store can: ask the solver why of the stores skipped too.
		for _, o := range short {
			f := network.Offer{Method: solver.Pickup, Node: int(p.Options[o].Node)}
			plan, _, err := w.solveOffer(f, q.set)
			if err != nil {
				return nil, err
			}
			why = solver.MostTelling(why, offerReason(w, plan, f))
		}
		if why == solver.ReasonNone {
			why = solver.ReasonNoStock
		}
		f := network.Offer{Method: solver.Pickup, Node: -1}
		out = append(out, &pb.Offer{OfferId: offerID(q.net, f), Method: methodToProto(f.Method), Reason: reasonToProto(why)})
	}
	return out, nil
}

// holdsCart reports whether option o of p has the stock of every line of
// the cart: one option can ship no more of a line than its stock, so a
// store without it cannot have the whole cart ready and is not solved.
func holdsCart(p *solver.Problem, o int) bool {
	nl := len(p.Lines)
	for l, a := range p.Available[o*nl : (o+1)*nl] {
		if a < p.Lines[l].Quantity {
			return false
		}
	}
	return true
}

// covers reports whether a plan ships the whole cart.
func covers(plan *solver.Plan) bool { return len(plan.Unfilled) == 0 && len(plan.Shipments) > 0 }

// offerReason says why offer f cannot be made, from its plan over
// w.restricted: when some of its candidates were eligible, the most
// telling reason (solver.MostTelling) of the lines they could not cover;
// else the most telling reason its candidates were excluded for, by the
// Builder (in w.p) or by the solver; NO_STOCK when it had no candidate at
// all (no node offering it holds any of the cart).
func offerReason(w *worker, plan *solver.Plan, f network.Offer) solver.Reason {
	why := solver.ReasonNone
	if plan.Stats.Eligible > 0 {
		for _, u := range plan.Unfilled {
			why = solver.MostTelling(why, u.Reason)
		}
		if why != solver.ReasonNone {
			return why
		}
	}
	for _, e := range plan.Excluded {
		why = solver.MostTelling(why, e.Reason)
	}
	lo, hi := 0, len(w.p.Options)
	if f.Node >= 0 {
		lo, hi = network.NodeOptions(&w.p, f.Node)
	}
	for i := lo; i < hi; i++ {
		if o := &w.p.Options[i]; o.Excluded != solver.ReasonNone && f.Allows(o) {
			why = solver.MostTelling(why, o.Excluded)
		}
	}
	if why == solver.ReasonNone {
		why = solver.ReasonNoStock
	}
	return why
}

// offer converts offer f's plan over w.restricted. Its solver facts are
// those Route reports for the order that chose f: every candidate of the
// cart counts, and all but the eligible ones are excluded.
func (q *quoteScope) offer(w *worker, plan *solver.Plan, f network.Offer, took time.Duration) *pb.Offer {
	net, p := q.net, &w.restricted
	out := &pb.Offer{OfferId: offerID(net, f), Method: methodToProto(f.Method), Partner: f.Partner}
	if f.Node >= 0 && f.Node < len(net.Nodes) {
		out.PickupNodeId = net.Nodes[f.Node].ID
	}
	if !covers(plan) {
		out.Reason = reasonToProto(offerReason(w, plan, f))
		if plan.Stats.Eligible > 0 {
			// Only lines that candidates of the offer could not cover;
			// with none eligible, the reason says it all.
			out.Unfilled = unfilledToProto(p, plan)
		}
		return out
	}
	out.Available = true
	out.Plan = &pb.Plan{
		Shipments: shipmentsToProto(p, plan),
		TotalCost: plan.TotalCost,
		Stats:     statsToProto(plan, took),
		Currency:  net.Currency,
	}
	describeTrips(out.Plan.Shipments, p, plan, net, w.order.Live)
	out.Plan.Stats.Candidates = int32(len(w.p.Options))
	out.Plan.ExcludedTotal = out.Plan.Stats.Candidates - out.Plan.Stats.Eligible
	out.TotalCost = plan.TotalCost
	for i := range plan.Shipments {
		sh := &plan.Shipments[i]
		out.EtaMinutes = max(out.EtaMinutes, sh.ETAMinutes)
		out.DistanceKm = max(out.DistanceKm, p.Options[sh.Option].DistanceKm)
	}
	eta := q.at.Add(time.Duration(out.EtaMinutes) * time.Minute)
	out.Eta = timestamppb.New(eta)
	if f.Method == solver.Pickup && f.Node >= 0 && f.Node < len(net.Nodes) {
		out.Store = pickupStore(net, f.Node, out.DistanceKm, eta)
	}
	return out
}

// pickupStore describes pickup node i, km from the customer, for an order
// ready at ready.
func pickupStore(net *network.Network, i int, km float64, ready time.Time) *pb.PickupStore {
	nd := &net.Nodes[i]
	hours := &pb.OpeningHours{Open: nd.Hours.Open, Close: nd.Hours.Close, UtcOffsetMinutes: int32(net.Policy.TZOffsetMinutes)}
	if net.AlwaysOpen(i) {
		hours.Open, hours.Close = "00:00", "24:00"
	}
	return &pb.PickupStore{
		NodeId: nd.ID, Name: nd.Name, City: nd.City,
		Position:    &pb.LatLng{Lat: nd.Lat, Lon: nd.Lon},
		DistanceKm:  km,
		Hours:       hours,
		CollectFrom: timestamppb.New(net.OpenAt(i, ready)),
	}
}

// validateOptionsRequest checks an Options request apart from what needs
// the network.
func validateOptionsRequest(r *pb.OptionsRequest) error {
	if r == nil {
		return invalid("request", "required")
	}
	if r.PickupStores < 0 || r.PickupStores > MaxPickupStores {
		return invalid("pickup_stores", "must be between 0 and %d", MaxPickupStores)
	}
	return validateOrder("order", r.Order, false)
}
