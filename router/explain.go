package router

import (
	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// DefaultMaxExcluded is how many excluded candidates a Route answer lists
// unless the request asks otherwise (explain, max_excluded): the nearest
// the customer. On a large network the exclusion list is most of an
// answer, and most of its cost.
const DefaultMaxExcluded = 20

// excludedLimit is the limit of planToProto that the request's explain and
// max_excluded ask for: the 20 nearest by default (max_excluded says how
// many), every one with EXPLAIN_FULL (max_excluded, when set, still caps),
// none with EXPLAIN_NONE.
func excludedLimit(req *pb.RouteRequest) int {
	n := int(req.MaxExcluded)
	switch req.Explain {
	case pb.Explain_EXPLAIN_NONE:
		return 0
	case pb.Explain_EXPLAIN_FULL:
		if n > 0 {
			return n
		}
		return -1
	}
	if n > 0 {
		return n
	}
	return DefaultMaxExcluded
}

// markRedirected names, on each pickup shipment of an order that named
// its store and may be collected at another (pickup_redirect_cost) that
// goes to another store, the store the order named, and reports whether
// there was one.
func markRedirected(out []*pb.Shipment, o *network.Order) bool {
	if o.PickupNodeID == "" || o.PickupRedirectCost <= 0 {
		return false
	}
	redirected := false
	for _, sh := range out {
		if sh.Method == pb.Method_METHOD_PICKUP && sh.NodeId != o.PickupNodeID {
			sh.RedirectedFrom, redirected = o.PickupNodeID, true
		}
	}
	return redirected
}

// describeTrips completes the converted shipments of plan (over problem
// p) with who carries each and where its price came from: the parcel
// carrier or courier partner, and for a courier trip with a quote in
// live, the quote's id, price, source and expiry.
func describeTrips(out []*pb.Shipment, p *solver.Problem, plan *solver.Plan, net *network.Network, live *network.Live) {
	for i, sh := range out {
		o := plan.Shipments[i].Option
		if o < 0 || o >= len(p.Options) {
			continue
		}
		op := &p.Options[o]
		if op.Partner == "" {
			continue // pickup: no partner
		}
		sh.Carrier = op.Partner
		sh.QuoteSource = pb.QuoteSource_QUOTE_SOURCE_RATE_CARD
		sh.QuotePrice = op.FixedCost - net.Nodes[op.Node].PickCostPerOrder
		if op.Method != solver.Courier {
			continue
		}
		ci, ok := net.CourierIndex(op.Partner)
		if !ok {
			continue
		}
		if q := live.Quote(int(op.Node), ci); q != nil && !q.Unavailable {
			sh.QuoteId = q.ID
			sh.QuotePrice = q.Price
			sh.QuoteSource = quoteSourceToProto(q.Source)
			if !q.ExpiresAt.IsZero() {
				sh.QuoteExpiresAt = timestampOf(q.ExpiresAt)
			}
		}
	}
}

func quoteSourceToProto(s network.QuoteSource) pb.QuoteSource {
	switch s {
	case network.SourceLive:
		return pb.QuoteSource_QUOTE_SOURCE_LIVE
	case network.SourceRecorded:
		return pb.QuoteSource_QUOTE_SOURCE_RECORDED
	}
	return pb.QuoteSource_QUOTE_SOURCE_RATE_CARD
}
