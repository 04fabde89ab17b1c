package network_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// callbackStock hides the table's ATPLister fast path, so that the
// Builder reads stock through EachATP.
type callbackStock struct{ t *stock.Table }

func (c callbackStock) ATP(node int, sku string) int32 { return c.t.ATP(node, sku) }

func (c callbackStock) EachATP(sku string, fn func(int, int32)) { c.t.EachATP(sku, fn) }

// randomOrder draws an order around one of the network's nodes (or, now and
// then, anywhere in Kazakhstan) over the table's SKUs.
func randomOrder(rng *rand.Rand, net *network.Network, skus []string, i int) *network.Order {
	created := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(7*24*60)) * time.Minute)
	o := &network.Order{ID: fmt.Sprintf("o%d", i), CreatedAt: created}
	if rng.IntN(10) == 0 {
		o.Lat, o.Lon = 41+rng.Float64()*12, 50+rng.Float64()*35
	} else {
		nd := &net.Nodes[rng.IntN(len(net.Nodes))]
		o.Lat, o.Lon = nd.Lat+rng.NormFloat64()*0.05, nd.Lon+rng.NormFloat64()*0.07
	}
	nl := 1 + rng.IntN(4)
	if rng.IntN(20) == 0 {
		nl = 8 + rng.IntN(8)
	}
	for _, k := range rng.Perm(len(skus))[:min(nl, len(skus))] {
		o.Lines = append(o.Lines, solver.Line{SKU: skus[k], Quantity: 1 + int32(rng.IntN(4)), UnitWeightKg: rng.Float64() * 6})
	}
	if rng.IntN(10) == 0 {
		o.Lines = append(o.Lines, solver.Line{SKU: "NO-SUCH-SKU", Quantity: 1})
	}
	o.Want = network.Want(rng.IntN(3))
	if o.Want != network.WantDelivery && rng.IntN(3) == 0 {
		for {
			k := rng.IntN(len(net.Nodes))
			if net.Nodes[k].Offers(solver.Pickup) {
				o.PickupNodeID = net.Nodes[k].ID
				break
			}
		}
		if rng.IntN(2) == 0 {
			// Another store near the customer may have it ready, at a cost.
			o.PickupRedirectCost = rng.Float64() * 5
		}
	}
	if rng.IntN(4) == 0 {
		o.PickupRadiusKm = float64(rng.IntN(30))
	}
	if rng.IntN(4) == 0 {
		// The customer chose an offer: a method the preference allows,
		// for a courier now and then a partner.
		var ms []solver.Method
		if o.Want != network.WantDelivery {
			ms = append(ms, solver.Pickup)
		}
		if o.Want != network.WantPickup {
			ms = append(ms, solver.ShipFromStore, solver.WarehouseShip, solver.Courier)
		}
		o.Method = ms[rng.IntN(len(ms))]
		if o.Method == solver.Courier && len(net.Couriers) > 0 && rng.IntN(2) == 0 {
			o.Partner = net.Couriers[rng.IntN(len(net.Couriers))].Name
		}
	}
	switch rng.IntN(3) {
	case 0:
		o.PromiseBy = created.Add(3 * time.Hour)
	case 1:
		o.PromiseBy = created.Add(time.Duration(1+rng.IntN(5)) * 24 * time.Hour)
	}
	o.AllowSplit = rng.IntN(3) != 0
	if o.AllowSplit {
		o.MaxShipments = rng.IntN(4)
	}
	return o
}

// variants returns the network and copies with other policies: a
// candidate radius (narrow or wide), a wide pickup radius, no pickup radius, couriers without a radius, a tenth
// of the nodes disabled, no parcel carrier.
func variants(t *testing.T, net *network.Network) map[string]*network.Network {
	t.Helper()
	out := map[string]*network.Network{"as-is": net}
	edit := func(name string, f func(*network.Network)) {
		c := net.Clone()
		f(c)
		require.NoError(t, c.Init(), "%s", name)
		out[name] = c
	}
	edit("candidate-radius", func(c *network.Network) { c.Policy.CandidateRadiusKm = 30 })
	// Radii of 50 km and more take the reach from the cache of cells.
	edit("wide-candidate-radius", func(c *network.Network) { c.Policy.CandidateRadiusKm = 120 })
	edit("wide-pickup-radius", func(c *network.Network) {
		c.Policy.CandidateRadiusKm = 50
		c.Policy.PickupRadiusKm = 70
	})
	edit("no-candidate-radius", func(c *network.Network) { c.Policy.CandidateRadiusKm = 0 })
	edit("no-pickup-radius", func(c *network.Network) { c.Policy.PickupRadiusKm = 0 })
	edit("unbounded-couriers", func(c *network.Network) {
		c.Policy.CandidateRadiusKm = 0
		for i := range c.Couriers {
			c.Couriers[i].MaxRadiusKm = 0
		}
	})
	edit("some-disabled", func(c *network.Network) {
		for i := range c.Nodes {
			if i%10 == 3 {
				c.Nodes[i].Enabled = false
			}
		}
	})
	edit("no-carrier", func(c *network.Network) {
		c.Carriers = nil
		for i := range c.Nodes {
			c.Nodes[i].Methods = slices.DeleteFunc(c.Nodes[i].Methods, func(m solver.Method) bool {
				return m == solver.ShipFromStore || m == solver.WarehouseShip
			})
			if len(c.Nodes[i].Methods) == 0 {
				c.Nodes[i].Methods = []solver.Method{solver.Pickup}
			}
		}
	})
	return out
}

// TestBuildEligibleMatchesBuild is the proof that a lean build changes no
// plan: over random orders on the demo and generated networks (and policy
// variants of each), the lean problem's options are exactly the full
// problem's options that are not excluded, in the same order with the same
// stock and unit costs, and the solver's plan from either is the same:
// same total cost, same shipments (node, method, partner, lines), same
// unfilled lines.
func TestBuildEligibleMatchesBuild(t *testing.T) {
	dn, dst := demo(t)
	g300, st300 := generated(t, 300, 120)
	g1000, st1000 := generated(t, 1000, 120)
	orders := 400
	if testing.Short() {
		orders = 60
	}
	for _, base := range []struct {
		name string
		net  *network.Network
		st   *stock.Table
	}{{"demo", dn, dst}, {"generated-300", g300, st300}, {"generated-1000", g1000, st1000}} {
		var skus []string
		seen := map[string]bool{}
		for _, r := range base.st.Snapshot() {
			if !seen[r.SKU] {
				seen[r.SKU] = true
				skus = append(skus, r.SKU)
			}
		}
		slices.Sort(skus)
		for vname, net := range variants(t, base.net) {
			t.Run(base.name+"/"+vname, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(uint64(len(net.Nodes)), uint64(len(vname))))
				st := base.st.Clone()
				for n := range net.Nodes {
					if rng.IntN(8) == 0 {
						_ = st.Use(n, int32(rng.IntN(400)))
					}
				}
				full, lean := network.NewBuilder(net, nil), network.NewBuilder(net, nil)
				wsFull, wsLean := solver.NewWorkspace(), solver.NewWorkspace()
				var pf, pl solver.Problem
				var opts, kept int
				for i := range orders {
					o := randomOrder(rng, net, skus, i)
					var sv network.StockView = st
					if i%3 == 0 {
						sv = callbackStock{st}
					}
					errF := full.Build(o, sv, st, &pf)
					errL := lean.BuildEligible(o, sv, st, &pl)
					require.Equal(t, errL == nil, errF == nil, "order %d: Build error %v, BuildEligible error %v", i, errF, errL)
					if errF != nil {
						continue
					}
					sameEligible(t, i, &pf, &pl)
					opts += len(pf.Options)
					kept += len(pl.Options)
					planF, err := wsFull.Solve(&pf, solver.DefaultSettings())
					require.NoError(t, err, "order %d: full", i)
					planL, err := wsLean.Solve(&pl, solver.DefaultSettings())
					require.NoError(t, err, "order %d: lean", i)
					require.Equal(t, planKey(&pl, planL), planKey(&pf, planF), "order %d: plans differ\nfull", i)
				}
				t.Logf("%d orders, %d options, %d kept", orders, opts, kept)
			})
		}
	}
}

// sameEligible checks that lean holds exactly full's options that are not
// excluded, in full's order, with their stock and unit costs.
func sameEligible(t *testing.T, order int, full, lean *solver.Problem) {
	t.Helper()
	require.True(t, slices.Equal(full.Lines, lean.Lines), "order %d: problem headers differ", order)
	require.Equal(t, lean.MaxShipments, full.MaxShipments, "order %d: problem headers differ", order)
	require.Equal(t, lean.SplitLines, full.SplitLines, "order %d: problem headers differ", order)
	require.Equal(t, lean.SplitPenalty, full.SplitPenalty, "order %d: problem headers differ", order)
	require.Equal(t, lean.PromiseMinutes, full.PromiseMinutes, "order %d: problem headers differ", order)
	nl := len(full.Lines)
	k := 0
	for o := range full.Options {
		if full.Options[o].Excluded != solver.ReasonNone {
			continue
		}
		require.Less(t, k, len(lean.Options), "order %d: lean problem lacks option %d (%+v)", order, o, full.Options[o])
		require.Equal(t, lean.Options[k], full.Options[o], "order %d: lean option %d is %+v, want %+v", order, k, lean.Options[k], full.Options[o])
		require.True(t, slices.Equal(full.Available[o*nl:(o+1)*nl], lean.Available[k*nl:(k+1)*nl]), "order %d: option %d (%s %v): stock or unit costs differ", order, o, full.Options[o].NodeID, full.Options[o].Method)
		require.True(t, slices.Equal(full.UnitCost[o*nl:(o+1)*nl], lean.UnitCost[k*nl:(k+1)*nl]), "order %d: option %d (%s %v): stock or unit costs differ", order, o, full.Options[o].NodeID, full.Options[o].Method)
		k++
	}
	require.Len(t, lean.Options, k, "order %d: lean problem has %d options, want %d", order, len(lean.Options), k)
	require.Len(t, lean.Available, k*nl, "order %d: lean problem has %d options, want %d", order, len(lean.Options), k)
	require.Len(t, lean.UnitCost, k*nl, "order %d: lean problem has %d options, want %d", order, len(lean.Options), k)
}

// planKey renders what a plan decides: total cost (exactly), shipments as
// node, method, partner and lines, and the unfilled lines.
func planKey(p *solver.Problem, plan *solver.Plan) string {
	s := fmt.Sprintf("total=%v", plan.TotalCost)
	for _, sh := range plan.Shipments {
		op := &p.Options[sh.Option]
		s += fmt.Sprintf(" | %s %v %s cost=%v eta=%d %v", op.NodeID, op.Method, op.Partner, sh.Cost, sh.ETAMinutes, sh.Lines)
	}
	for _, u := range plan.Unfilled {
		s += fmt.Sprintf(" | unfilled %d:%d", u.Line, u.Quantity)
	}
	return s
}

// TestBuildEligibleDoesNotAllocate checks the steady state of a lean build.
func TestBuildEligibleDoesNotAllocate(t *testing.T) {
	n, st := demo(t)
	b := network.NewBuilder(n, nil)
	var p solver.Problem
	o := network.DemoOrder()
	require.NoError(t, b.BuildEligible(o, st, st, &p))
	assert.EqualValues(t, 0, testing.AllocsPerRun(100, func() { _ = b.BuildEligible(o, st, st, &p) }), "BuildEligible allocates")
}
