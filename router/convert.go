package router

import (
	"bytes"
	"cmp"
	"compress/flate"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

func timestampOf(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

// orderFromProto converts a validated order; field names in errors start
// with f ("order" or "requests[3].order"). at is the time the order is
// planned for (see plannedAt), which becomes its CreatedAt.
func orderFromProto(f string, o *pb.Order, net *network.Network, at time.Time, dst *network.Order) error {
	*dst = network.Order{
		ID:                 o.Id,
		CreatedAt:          at,
		Lines:              dst.Lines[:0],
		PickupNodeID:       o.PickupNodeId,
		PickupRadiusKm:     o.PickupRadiusKm,
		AllowSplit:         o.AllowSplit,
		PickupRedirectCost: o.PickupRedirectCost,
		MaxShipments:       int(o.MaxShipments),
	}
	if o.PromiseBy != nil {
		dst.PromiseBy = o.PromiseBy.AsTime()
	}
	switch o.Preference {
	case pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_DELIVERY:
		dst.Want = network.WantDelivery
	case pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP:
		dst.Want = network.WantPickup
	default:
		dst.Want = network.WantAny
	}
	if o.PickupNodeId != "" {
		if _, ok := net.NodeIndex(o.PickupNodeId); !ok {
			return notFound(f+".pickup_node_id", "unknown node %q", o.PickupNodeId)
		}
	}
	chosen, err := orderChoice(f, o)
	if err != nil {
		return err
	}
	if err := chosen.apply(f, net, dst); err != nil {
		return err
	}
	if o.Customer != nil {
		dst.Lat, dst.Lon = o.Customer.Lat, o.Customer.Lon
	} else if i, ok := net.NodeIndex(dst.PickupNodeID); ok {
		// Pickup at a named node: the customer is there.
		dst.Lat, dst.Lon = net.Nodes[i].Lat, net.Nodes[i].Lon
	}
	for _, l := range o.Lines {
		dst.Lines = append(dst.Lines, solver.Line{SKU: l.Sku, Quantity: l.Quantity, UnitWeightKg: l.UnitWeightKg, LostSaleCost: l.LostSaleCost})
	}
	return nil
}

// apiFields names the request's fields that a network.Order field comes
// from, where the names differ; the others (lines[i].sku, promise_by,
// pickup_node_id...) are spelled alike.
var apiFields = map[string]string{"lat": "customer.lat", "lon": "customer.lon", "want": "preference"}

// buildError turns a Builder error into a request error naming the field
// under f ("order"): an InvalidArgument for a *network.FieldError, err
// itself otherwise.
func buildError(f string, err error) error {
	var fe *network.FieldError
	if !errors.As(err, &fe) {
		return err
	}
	path := fe.Path
	if p, ok := apiFields[path]; ok {
		path = p
	}
	return invalid(f+"."+path, "%s", fe.Message)
}

// planEncoder keeps plans compactly for idempotent replays: protobuf,
// deflated (a plan on a large network is mostly repeated node ids). Its
// compressors are pooled: each holds large tables.
type planEncoder struct {
	writers sync.Pool
}

func (e *planEncoder) encode(p *pb.Plan) []byte {
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(p)
	if err != nil {
		return nil // a built plan always encodes
	}
	var buf bytes.Buffer
	buf.Grow(len(raw)/2 + 64)
	w, _ := e.writers.Get().(*flate.Writer)
	if w == nil {
		w, _ = flate.NewWriter(&buf, flate.BestSpeed) // a valid level never fails
	} else {
		w.Reset(&buf)
	}
	_, _ = w.Write(raw) // writes to a bytes.Buffer do not fail
	_ = w.Close()
	e.writers.Put(w)
	return buf.Bytes()
}

// decodePlan reads what encodePlan wrote.
func decodePlan(b []byte) (*pb.Plan, error) {
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(b)))
	if err != nil {
		return nil, fmt.Errorf("decode saved plan: %w", err)
	}
	p := new(pb.Plan)
	if err := proto.Unmarshal(raw, p); err != nil {
		return nil, fmt.Errorf("decode saved plan: %w", err)
	}
	return p, nil
}

// fingerprint identifies an order's content apart from its id and time,
// for idempotency checks.
func fingerprint(o *pb.Order) string {
	c := proto.Clone(o).(*pb.Order)
	c.Id = ""
	c.CreatedAt = nil
	b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// courierOf is the API's partner of an option: its courier partner; the
// parcel carrier of a parcel option is its carrier, not its partner (the
// partner is what an order chooses, order.partner).
func courierOf(op *solver.Option) string {
	if op.Method == solver.Courier {
		return op.Partner
	}
	return ""
}

func lineSKU(p *solver.Problem, l int) string {
	if l < 0 || l >= len(p.Lines) {
		return ""
	}
	return p.Lines[l].SKU
}

// planToProto converts a plan of problem p; it copies everything, so the
// plan may be reused afterwards. limit says which exclusions to list:
// every one in option order when negative or when there are at most
// limit, none when 0, else limit of them, the candidates nearest the
// customer first (ties by option order: node, method, partner);
// ExcludedTotal counts them all.
//
// When ex is not nil, p is the lean problem ex explains
// (network.Builder.BuildExplained, with limit >= 0 and at least limit
// nearest asked for): the answer is the one of the plan over the full
// problem, counting and listing the Builder's exclusions that p leaves
// out.
func planToProto(p *solver.Problem, plan *solver.Plan, solveTime time.Duration, currency string, limit int, ex *network.Explanation) *pb.Plan {
	out := &pb.Plan{
		Shipments:     shipmentsToProto(p, plan),
		TotalCost:     plan.TotalCost,
		LostSaleCost:  plan.LostSaleCost,
		Currency:      currency,
		ExcludedTotal: int32(len(plan.Excluded)),
		Stats:         statsToProto(plan, solveTime),
		Unfilled:      unfilledToProto(p, plan),
	}
	if ex != nil {
		out.ExcludedTotal += int32(ex.Excluded())
		out.Stats.Candidates = int32(ex.Options)
	}
	out.Alternatives = alternativesToProto(p, plan)
	excluded := listExcluded(p, plan, limit, ex, int(out.ExcludedTotal))
	if n := len(excluded); n > 0 {
		// One allocation each for the exclusions and their candidates:
		// on a large network they are most of the answer.
		out.Excluded = make([]*pb.Exclusion, n)
		excl := make([]pb.Exclusion, n)
		cands := make([]pb.Candidate, n)
		for i, e := range excluded {
			c := &cands[i]
			if op := e.op; op != nil {
				c.NodeId, c.Method, c.Partner = op.NodeID, methodToProto(op.Method), courierOf(op)
			}
			x := &excl[i]
			x.Candidate, x.Reason = c, reasonToProto(e.reason)
			out.Excluded[i] = x
		}
	}
	return out
}

// excludedRef is one exclusion an answer lists: the option (nil when the
// plan names none), its index in the full problem and the reason.
type excludedRef struct {
	op     *solver.Option
	index  int
	reason solver.Reason
}

// km is the distance that orders the exclusions; an exclusion without an
// option comes last.
func (e *excludedRef) km() float64 {
	if e.op == nil {
		return math.Inf(1)
	}
	return e.op.DistanceKm
}

// nearer orders exclusions nearest the customer first, ties by index.
func nearer(a, b *excludedRef) bool {
	if c := cmp.Compare(a.km(), b.km()); c != 0 {
		return c < 0
	}
	return a.index < b.index
}

// listExcluded returns the exclusions planToProto lists (see there), of
// total in all.
func listExcluded(p *solver.Problem, plan *solver.Plan, limit int, ex *network.Explanation, total int) []excludedRef {
	if limit == 0 || total == 0 {
		return nil
	}
	all := limit < 0 || total <= limit
	k := total
	if !all {
		k = limit
	}
	best := make([]excludedRef, 0, k)
	// add keeps e when the list takes every exclusion, else when it is
	// among the k nearest so far, in order.
	add := func(e excludedRef) {
		if all {
			best = append(best, e)
			return
		}
		if len(best) == k && !nearer(&e, &best[k-1]) {
			return
		}
		i := sort.Search(len(best), func(i int) bool { return nearer(&e, &best[i]) })
		if len(best) < k {
			best = append(best, excludedRef{})
		}
		copy(best[i+1:], best[i:len(best)-1])
		best[i] = e
	}
	for _, e := range plan.Excluded {
		r := excludedRef{index: e.Option, reason: e.Reason}
		if e.Option >= 0 && e.Option < len(p.Options) {
			r.op = &p.Options[e.Option]
			if ex != nil {
				r.index = int(ex.Index[e.Option])
			}
		}
		add(r)
	}
	if ex == nil {
		return best
	}
	for i := range ex.Nearest {
		e := &ex.Nearest[i]
		add(excludedRef{op: &e.Option, index: int(e.Index), reason: e.Option.Excluded})
	}
	if all {
		// Every one, in option order: the solver's and the Builder's
		// come apart.
		slices.SortFunc(best, func(a, b excludedRef) int { return cmp.Compare(a.index, b.index) })
	}
	return best
}

// statsToProto converts a plan's solver facts.
func statsToProto(plan *solver.Plan, solveTime time.Duration) *pb.SolverStats {
	return &pb.SolverStats{
		Candidates:  int32(plan.Stats.Candidates),
		Eligible:    int32(plan.Stats.Eligible),
		Exact:       plan.Stats.Exact,
		Optimal:     plan.Stats.Optimal,
		LowerBound:  plan.Stats.LowerBound,
		Gap:         plan.Stats.Gap,
		Nodes:       int64(plan.Stats.Nodes),
		SolveTimeNs: solveTime.Nanoseconds(),
	}
}

// shipmentsToProto converts a plan's shipments (nil when it has none).
// The messages of each kind share one allocation.
func shipmentsToProto(p *solver.Problem, plan *solver.Plan) []*pb.Shipment {
	n := len(plan.Shipments)
	if n == 0 {
		return nil
	}
	lines := 0
	for i := range plan.Shipments {
		lines += len(plan.Shipments[i].Lines)
	}
	out := make([]*pb.Shipment, n)
	ships := make([]pb.Shipment, n)
	costs := make([]pb.CostBreakdown, n)
	linePtrs := make([]*pb.ShipmentLine, lines)
	lineMsgs := make([]pb.ShipmentLine, lines)
	for i := range plan.Shipments {
		sh := &plan.Shipments[i]
		s := &ships[i]
		if sh.Option >= 0 && sh.Option < len(p.Options) {
			op := &p.Options[sh.Option]
			s.NodeId, s.Method, s.Partner, s.DistanceKm = op.NodeID, methodToProto(op.Method), courierOf(op), op.DistanceKm
		}
		s.EtaMinutes = sh.ETAMinutes
		c := &costs[i]
		c.Fixed, c.Units, c.SplitPenalty, c.Total = sh.FixedCost, sh.UnitsCost, sh.Penalty, sh.Cost
		s.Cost = c
		k := len(sh.Lines)
		s.Lines, linePtrs = linePtrs[:k:k], linePtrs[k:]
		for j, a := range sh.Lines {
			l := &lineMsgs[j]
			l.Sku, l.Quantity = lineSKU(p, a.Line), a.Quantity
			s.Lines[j] = l
		}
		lineMsgs = lineMsgs[k:]
		out[i] = s
	}
	return out
}

// alternativesToProto converts a plan's ranked alternatives (nil when it
// has none). The messages of each kind share one allocation.
func alternativesToProto(p *solver.Problem, plan *solver.Plan) []*pb.Alternative {
	n := len(plan.Alternatives)
	if n == 0 {
		return nil
	}
	cands := 0
	for i := range plan.Alternatives {
		cands += len(plan.Alternatives[i].Options)
	}
	out := make([]*pb.Alternative, n)
	alts := make([]pb.Alternative, n)
	candPtrs := make([]*pb.Candidate, cands)
	candMsgs := make([]pb.Candidate, cands)
	for i := range plan.Alternatives {
		a := &plan.Alternatives[i]
		alt := &alts[i]
		alt.TotalCost = a.TotalCost
		k := len(a.Options)
		alt.Candidates, candPtrs = candPtrs[:k:k], candPtrs[k:]
		for j, o := range a.Options {
			c := &candMsgs[j]
			if o >= 0 && o < len(p.Options) {
				op := &p.Options[o]
				c.NodeId, c.Method, c.Partner = op.NodeID, methodToProto(op.Method), courierOf(op)
			}
			alt.Candidates[j] = c
		}
		candMsgs = candMsgs[k:]
		out[i] = alt
	}
	return out
}

// unfilledToProto converts a plan's unfilled lines (nil when none).
func unfilledToProto(p *solver.Problem, plan *solver.Plan) []*pb.UnfilledLine {
	var out []*pb.UnfilledLine
	for _, u := range plan.Unfilled {
		out = append(out, &pb.UnfilledLine{Sku: lineSKU(p, u.Line), Quantity: u.Quantity, Reason: reasonToProto(u.Reason),
			LostSaleCost: u.LostSaleCost, CostSaved: u.CostSaved})
	}
	return out
}

// planItems lists the units a plan takes, by node and SKU, in plan order.
func planItems(p *solver.Problem, plan *solver.Plan) []stock.Item {
	var items []stock.Item
	for i := range plan.Shipments {
		sh := &plan.Shipments[i]
		if sh.Option < 0 || sh.Option >= len(p.Options) {
			continue
		}
		node := int(p.Options[sh.Option].Node)
		for _, a := range sh.Lines {
			if a.Quantity <= 0 {
				continue
			}
			items = append(items, stock.Item{Node: node, SKU: lineSKU(p, a.Line), Qty: a.Quantity})
		}
	}
	return items
}

// networkToProto describes a network for GetNetwork.
func networkToProto(n *network.Network) *pb.Network {
	out := &pb.Network{Name: n.Name, Currency: n.Currency, Nodes: make([]*pb.Node, len(n.Nodes))}
	for i := range n.Nodes {
		nd := &n.Nodes[i]
		pn := &pb.Node{
			Id: nd.ID, Name: nd.Name, Kind: string(nd.Kind), City: nd.City,
			Position:       &pb.LatLng{Lat: nd.Lat, Lon: nd.Lon},
			CapacityPerDay: int32(nd.CapacityPerDay),
			Enabled:        nd.Enabled,
			Tags:           append([]string(nil), nd.Tags...),
		}
		for _, m := range nd.Methods {
			pn.Methods = append(pn.Methods, methodToProto(m))
		}
		out.Nodes[i] = pn
	}
	for _, c := range n.Carriers {
		out.Carriers = append(out.Carriers, c.Name)
	}
	for _, c := range n.Couriers {
		out.Couriers = append(out.Couriers, c.Name)
	}
	return out
}
