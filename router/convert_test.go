package router

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/prototext"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// TestPlanConversionSharesAllocations: converting shipments and
// alternatives into messages that share one allocation per kind gives
// what converting them one message at a time gives, on plans of several
// shipments, lines and alternatives.
func TestPlanConversionSharesAllocations(t *testing.T) {
	n, st := bigNetwork(t, 300)
	b := network.NewBuilder(n, nil)
	ws := solver.NewWorkspace()
	at := time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)
	set := solver.DefaultSettings()
	set.Alternatives = 4
	var p solver.Problem
	var o network.Order
	shipments, lines, alts := 0, 0, 0
	for i, lat := range []float64{43.2389, 43.25, 43.21, 51.13} {
		req := demoOrder("c")
		req.Customer.Lat = lat
		req.MaxShipments = int32(1 + i%3)
		require.NoError(t, orderFromProto("order", req, n, at, &o))
		require.NoError(t, b.Build(&o, st, st, &p))
		plan, err := ws.Solve(&p, set)
		require.NoError(t, err)
		want := &pb.Plan{Shipments: oneByOneShipments(&p, plan), Alternatives: oneByOneAlternatives(&p, plan)}
		got := &pb.Plan{Shipments: shipmentsToProto(&p, plan), Alternatives: alternativesToProto(&p, plan)}
		require.Equal(t, prototext.Format(want), prototext.Format(got), "order %d", i)
		shipments += len(got.Shipments)
		for _, sh := range got.Shipments {
			lines += len(sh.Lines)
		}
		alts += len(got.Alternatives)
	}
	require.GreaterOrEqual(t, shipments, 3)
	require.Greater(t, lines, shipments)
	require.Greater(t, alts, 4)

	// A plan made by hand, of several shipments with several lines each.
	plan := &solver.Plan{
		Shipments: []solver.Shipment{
			{Option: 0, Lines: []solver.Allocation{{Line: 0, Quantity: 2}, {Line: 2, Quantity: 1}}, Cost: 3, ETAMinutes: 30},
			{Option: 3, Lines: []solver.Allocation{{Line: 1, Quantity: 1}}, Cost: 4, FixedCost: 1, ETAMinutes: 40},
			{Option: 5, Lines: []solver.Allocation{{Line: 2, Quantity: 4}, {Line: 0, Quantity: 1}, {Line: 1, Quantity: 2}}, Penalty: 1.5},
		},
		Alternatives: []solver.Alternative{{TotalCost: 9, Options: []int{1, 2}}, {TotalCost: 10, Options: []int{4}}, {TotalCost: 11, Options: []int{0, 6, 7}}},
	}
	want := &pb.Plan{Shipments: oneByOneShipments(&p, plan), Alternatives: oneByOneAlternatives(&p, plan)}
	got := &pb.Plan{Shipments: shipmentsToProto(&p, plan), Alternatives: alternativesToProto(&p, plan)}
	require.Equal(t, prototext.Format(want), prototext.Format(got))
}

// oneByOneShipments is the conversion of shipments one message at a time.
func oneByOneShipments(p *solver.Problem, plan *solver.Plan) []*pb.Shipment {
	var out []*pb.Shipment
	for _, sh := range plan.Shipments {
		op := &p.Options[sh.Option]
		s := &pb.Shipment{
			NodeId: op.NodeID, Method: methodToProto(op.Method), Partner: courierOf(op), DistanceKm: op.DistanceKm,
			EtaMinutes: sh.ETAMinutes,
			Cost:       &pb.CostBreakdown{Fixed: sh.FixedCost, Units: sh.UnitsCost, SplitPenalty: sh.Penalty, Total: sh.Cost},
		}
		for _, a := range sh.Lines {
			s.Lines = append(s.Lines, &pb.ShipmentLine{Sku: p.Lines[a.Line].SKU, Quantity: a.Quantity})
		}
		out = append(out, s)
	}
	return out
}

// oneByOneAlternatives is the conversion of alternatives one message at a
// time.
func oneByOneAlternatives(p *solver.Problem, plan *solver.Plan) []*pb.Alternative {
	var out []*pb.Alternative
	for _, a := range plan.Alternatives {
		alt := &pb.Alternative{TotalCost: a.TotalCost}
		for _, o := range a.Options {
			op := &p.Options[o]
			alt.Candidates = append(alt.Candidates, &pb.Candidate{NodeId: op.NodeID, Method: methodToProto(op.Method), Partner: courierOf(op)})
		}
		out = append(out, alt)
	}
	return out
}
