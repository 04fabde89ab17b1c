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
	"strings"
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
// with f ("order" or "requests[3].order"). now fills a missing created_at.
func orderFromProto(f string, o *pb.Order, net *network.Network, now time.Time, dst *network.Order) error {
	*dst = network.Order{
		ID:             o.Id,
		CreatedAt:      now,
		Lines:          dst.Lines[:0],
		PickupNodeID:   o.PickupNodeId,
		PickupRadiusKm: o.PickupRadiusKm,
		AllowSplit:     o.AllowSplit,
		MaxShipments:   int(o.MaxShipments),
	}
	if o.CreatedAt != nil {
		dst.CreatedAt = o.CreatedAt.AsTime()
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
		i, ok := net.NodeIndex(o.PickupNodeId)
		if !ok {
			return notFound(f+".pickup_node_id", "unknown node %q", o.PickupNodeId)
		}
		if o.Customer == nil {
			dst.Lat, dst.Lon = net.Nodes[i].Lat, net.Nodes[i].Lon
		}
	}
	if o.Customer != nil {
		dst.Lat, dst.Lon = o.Customer.Lat, o.Customer.Lon
	}
	for _, l := range o.Lines {
		dst.Lines = append(dst.Lines, solver.Line{SKU: l.Sku, Quantity: l.Quantity, UnitWeightKg: l.UnitWeightKg, LostSaleCost: l.LostSaleCost})
	}
	return nil
}

// builderFields maps the Builder's field names to the request's.
var builderFields = strings.NewReplacer("lat:", "customer.lat:", "lon:", "customer.lon:", "want:", "preference:")

// buildError turns a Builder error into a request error naming the field.
func buildError(f string, err error) error {
	if errors.Is(err, network.ErrInvalidOrder) {
		msg := strings.TrimPrefix(err.Error(), network.ErrInvalidOrder.Error()+": ")
		if !strings.HasPrefix(msg, "lines") {
			msg = builderFields.Replace(msg)
		}
		field, rest, _ := strings.Cut(msg, ": ")
		return invalid(f+"."+field, "%s", rest)
	}
	return err
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

func methodToProto(m solver.Method) pb.Method {
	switch m {
	case solver.ShipFromStore:
		return pb.Method_METHOD_SHIP_FROM_STORE
	case solver.Pickup:
		return pb.Method_METHOD_PICKUP
	case solver.WarehouseShip:
		return pb.Method_METHOD_WAREHOUSE_SHIP
	case solver.Courier:
		return pb.Method_METHOD_COURIER
	}
	return pb.Method_METHOD_UNSPECIFIED
}

func reasonToProto(r solver.Reason) pb.ExclusionReason {
	switch r {
	case solver.ReasonNoStock:
		return pb.ExclusionReason_EXCLUSION_REASON_NO_STOCK
	case solver.ReasonCapacity:
		return pb.ExclusionReason_EXCLUSION_REASON_CAPACITY
	case solver.ReasonOutsideZone:
		return pb.ExclusionReason_EXCLUSION_REASON_OUTSIDE_ZONE
	case solver.ReasonOutsideRadius:
		return pb.ExclusionReason_EXCLUSION_REASON_OUTSIDE_RADIUS
	case solver.ReasonClosed:
		return pb.ExclusionReason_EXCLUSION_REASON_CLOSED
	case solver.ReasonMissesPromise:
		return pb.ExclusionReason_EXCLUSION_REASON_MISSES_PROMISE
	case solver.ReasonMethodNotAllowed:
		return pb.ExclusionReason_EXCLUSION_REASON_METHOD_NOT_ALLOWED
	case solver.ReasonOverweight:
		return pb.ExclusionReason_EXCLUSION_REASON_OVERWEIGHT
	case solver.ReasonDisabled:
		return pb.ExclusionReason_EXCLUSION_REASON_DISABLED
	case solver.ReasonUneconomic:
		return pb.ExclusionReason_EXCLUSION_REASON_UNECONOMIC
	}
	return pb.ExclusionReason_EXCLUSION_REASON_UNSPECIFIED
}

func candidateOf(p *solver.Problem, o int) *pb.Candidate {
	if o < 0 || o >= len(p.Options) {
		return &pb.Candidate{}
	}
	op := &p.Options[o]
	return &pb.Candidate{NodeId: op.NodeID, Method: methodToProto(op.Method), Partner: op.Partner}
}

func lineSKU(p *solver.Problem, l int) string {
	if l < 0 || l >= len(p.Lines) {
		return ""
	}
	return p.Lines[l].SKU
}

// planToProto converts a plan of problem p; it copies everything, so the
// plan may be reused afterwards.
// planToProto converts a plan. maxExcluded > 0 keeps only that many
// exclusions, the candidates nearest the customer first (ties by option
// order: node, method, partner); 0 keeps them all in option order.
func planToProto(p *solver.Problem, plan *solver.Plan, solveTime time.Duration, currency string, maxExcluded int) *pb.Plan {
	out := &pb.Plan{
		TotalCost:     plan.TotalCost,
		LostSaleCost:  plan.LostSaleCost,
		Currency:      currency,
		ExcludedTotal: int32(len(plan.Excluded)),
		Stats: &pb.SolverStats{
			Candidates:  int32(plan.Stats.Candidates),
			Eligible:    int32(plan.Stats.Eligible),
			Exact:       plan.Stats.Exact,
			Optimal:     plan.Stats.Optimal,
			LowerBound:  plan.Stats.LowerBound,
			Gap:         plan.Stats.Gap,
			Nodes:       int64(plan.Stats.Nodes),
			SolveTimeNs: solveTime.Nanoseconds(),
		},
	}
	if len(plan.Shipments) > 0 {
		out.Shipments = make([]*pb.Shipment, len(plan.Shipments))
	}
	for i := range plan.Shipments {
		sh := &plan.Shipments[i]
		c := candidateOf(p, sh.Option)
		s := &pb.Shipment{
			NodeId:     c.NodeId,
			Method:     c.Method,
			Partner:    c.Partner,
			EtaMinutes: sh.ETAMinutes,
			Cost: &pb.CostBreakdown{
				Fixed: sh.FixedCost, Units: sh.UnitsCost, SplitPenalty: sh.Penalty, Total: sh.Cost,
			},
			Lines: make([]*pb.ShipmentLine, len(sh.Lines)),
		}
		if sh.Option >= 0 && sh.Option < len(p.Options) {
			s.DistanceKm = p.Options[sh.Option].DistanceKm
		}
		for j, a := range sh.Lines {
			s.Lines[j] = &pb.ShipmentLine{Sku: lineSKU(p, a.Line), Quantity: a.Quantity}
		}
		out.Shipments[i] = s
	}
	for _, a := range plan.Alternatives {
		alt := &pb.Alternative{TotalCost: a.TotalCost, Candidates: make([]*pb.Candidate, len(a.Options))}
		for j, o := range a.Options {
			alt.Candidates[j] = candidateOf(p, o)
		}
		out.Alternatives = append(out.Alternatives, alt)
	}
	excluded := plan.Excluded
	if maxExcluded > 0 && len(excluded) > maxExcluded {
		excluded = nearestExcluded(p, excluded, maxExcluded)
	}
	if n := len(excluded); n > 0 {
		// One allocation each for the exclusions and their candidates:
		// on a large network they are most of the answer.
		out.Excluded = make([]*pb.Exclusion, n)
		excl := make([]pb.Exclusion, n)
		cands := make([]pb.Candidate, n)
		for i, e := range excluded {
			c := &cands[i]
			if e.Option >= 0 && e.Option < len(p.Options) {
				op := &p.Options[e.Option]
				c.NodeId, c.Method, c.Partner = op.NodeID, methodToProto(op.Method), op.Partner
			}
			x := &excl[i]
			x.Candidate, x.Reason = c, reasonToProto(e.Reason)
			out.Excluded[i] = x
		}
	}
	for _, u := range plan.Unfilled {
		out.Unfilled = append(out.Unfilled, &pb.UnfilledLine{Sku: lineSKU(p, u.Line), Quantity: u.Quantity, Reason: reasonToProto(u.Reason),
			LostSaleCost: u.LostSaleCost, CostSaved: u.CostSaved})
	}
	return out
}

// nearestExcluded returns the k exclusions whose candidates are nearest
// the customer, nearest first, ties by option index.
func nearestExcluded(p *solver.Problem, excluded []solver.Exclusion, k int) []solver.Exclusion {
	dist := func(e solver.Exclusion) float64 {
		if e.Option >= 0 && e.Option < len(p.Options) {
			return p.Options[e.Option].DistanceKm
		}
		return math.Inf(1)
	}
	sorted := slices.Clone(excluded)
	slices.SortFunc(sorted, func(a, b solver.Exclusion) int {
		if c := cmp.Compare(dist(a), dist(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.Option, b.Option)
	})
	return sorted[:k]
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
