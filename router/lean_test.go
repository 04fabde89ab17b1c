package router

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/stock"
)

// TestLeanRouteAnswersAsFull is the proof that planning a route over the
// lean problem (network.Builder.BuildExplained) changes no answer: over
// random orders on the demo network and a 300-node one (with some nodes
// disabled), with the optimal and a heuristic policy and every way of
// asking for explanations, a Route answers byte for byte what it answers
// when planned over the full problem, solve time aside.
func TestLeanRouteAnswersAsFull(t *testing.T) {
	big, bigStock := bigNetwork(t, 300)
	disabled := big.Clone()
	for i := range disabled.Nodes {
		if i%7 == 2 {
			disabled.Nodes[i].Enabled = false
		}
	}
	require.NoError(t, disabled.Init())
	demo := demoNetwork(t)
	orders := 150
	if testing.Short() {
		orders = 40
	}
	for _, c := range []struct {
		name string
		net  *network.Network
		st   *stock.Table
	}{
		{"demo", demo, demoStock(t, demo)},
		{"nodes=300", big, bigStock},
		{"nodes=300-some-disabled", disabled, bigStock},
	} {
		for _, pol := range []string{policy.Optimal, policy.Nearest} {
			t.Run(c.name+"/"+pol, func(t *testing.T) {
				env := func(full bool) *env {
					return newEnv(t, func(cfg *Config) {
						cfg.Network, cfg.Stock, cfg.Policy, cfg.fullBuild = c.net, c.st.Clone(), pol, full
					})
				}
				lean, full := env(false), env(true)
				rng := rand.New(rand.NewPCG(uint64(len(c.net.Nodes)), uint64(len(pol))))
				answered, listed := 0, 0
				for i := range orders {
					req := randomRoute(rng, c.net, i)
					want, errF := full.route.Route(ctx(t), req)
					got, errL := lean.route.Route(ctx(t), req)
					if errF != nil {
						require.Equal(t, errF.Error(), errL.Error(), "order %d", i)
						continue
					}
					require.NoError(t, errL, "order %d", i)
					want.Plan.Stats.SolveTimeNs, got.Plan.Stats.SolveTimeNs = 0, 0
					require.Equal(t, prototext.Format(want), prototext.Format(got), "order %d: %v", i, req)
					answered++
					listed += len(got.Plan.Excluded)
				}
				t.Logf("%d of %d orders answered, %d exclusions listed", answered, orders, listed)
				require.Greater(t, answered, orders/2)
			})
		}
	}
}

// randomRoute draws a route request around a node of net: one to four
// demo SKUs, any preference, now and then a pickup node, a promise, no
// split, more alternatives, and each way of asking for explanations.
func randomRoute(rng *rand.Rand, net *network.Network, i int) *pb.RouteRequest {
	skus := []string{"MILK-1L", "BREAD-WHITE", "PHONE-X12", "NO-SUCH-SKU"}
	o := demoOrder(fmt.Sprintf("r%d", i))
	created := o.CreatedAt.AsTime().Add(time.Duration(rng.IntN(24*60)) * time.Minute)
	o.CreatedAt = timestamppb.New(created)
	nd := &net.Nodes[rng.IntN(len(net.Nodes))]
	o.Customer = &pb.LatLng{Lat: nd.Lat + rng.NormFloat64()*0.05, Lon: nd.Lon + rng.NormFloat64()*0.07}
	o.Lines = o.Lines[:0]
	for _, k := range rng.Perm(len(skus))[:1+rng.IntN(3)] {
		o.Lines = append(o.Lines, &pb.OrderLine{Sku: skus[k], Quantity: 1 + int32(rng.IntN(3)), UnitWeightKg: rng.Float64() * 3})
	}
	o.Preference = pb.FulfillmentPreference(rng.IntN(4))
	if o.Preference != pb.FulfillmentPreference_FULFILLMENT_PREFERENCE_DELIVERY && rng.IntN(4) == 0 {
		o.PickupNodeId = net.Nodes[rng.IntN(len(net.Nodes))].ID
	}
	switch rng.IntN(3) {
	case 0:
		o.PromiseBy = timestamppb.New(created.Add(3 * time.Hour))
	case 1:
		o.PromiseBy = nil
	}
	o.AllowSplit = rng.IntN(3) > 0
	req := &pb.RouteRequest{Order: o}
	switch i % 6 {
	case 1:
		req.Explain, req.MaxExcluded = pb.Explain_EXPLAIN_NEAREST, 1
	case 2:
		req.Explain, req.MaxExcluded = pb.Explain_EXPLAIN_NEAREST, 7
	case 3:
		req.Explain, req.MaxExcluded = pb.Explain_EXPLAIN_FULL, 9
	case 4:
		req.Explain = pb.Explain_EXPLAIN_NONE
	case 5:
		req.Explain, req.MaxExcluded = pb.Explain_EXPLAIN_NEAREST, 200
	}
	if rng.IntN(3) == 0 {
		req.Alternatives = 3
	}
	return req
}
