package network_test

import (
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

// expandOffers lists o's offers with pickup "any store" also expanded into
// every store whose pickup option p does not exclude, as a checkout offers
// them.
func expandOffers(net *network.Network, o *network.Order, p *solver.Problem) []network.Offer {
	var out []network.Offer
	for _, f := range net.Offers(o, nil) {
		out = append(out, f)
		if f.Method != solver.Pickup || f.Node >= 0 {
			continue
		}
		for i := range p.Options {
			op := &p.Options[i]
			if op.Method == solver.Pickup && op.Excluded == solver.ReasonNone {
				out = append(out, network.Offer{Method: solver.Pickup, Node: int(op.Node)})
			}
		}
	}
	return out
}

// restrict makes dst the problem p with every option that p does not
// exclude and f does not allow excluded as METHOD_NOT_ALLOWED: what the
// Builder must give for an order that chose f.
func restrict(dst, p *solver.Problem, f network.Offer) {
	opts := append(dst.Options[:0], p.Options...)
	*dst = *p
	dst.Options = opts
	for i := range opts {
		if o := &opts[i]; o.Excluded == solver.ReasonNone && !f.Allows(o) {
			o.Excluded = solver.ReasonMethodNotAllowed
		}
	}
}

// choose returns a copy of o that chose offer f.
func choose(net *network.Network, o *network.Order, f network.Offer) *network.Order {
	c := *o
	c.Method, c.Partner = f.Method, f.Partner
	if f.Node >= 0 {
		c.PickupNodeID = net.Nodes[f.Node].ID
	}
	return &c
}

// TestRestrictIsTheChosenOrdersProblem is the proof that one build serves
// every offer: over random orders on the demo and a generated network, for
// every offer the network can make (each pickup store on its own too), the
// problem restricted to the offer has the options, stock and costs of the
// problem Build gives for the order that chose it, the same options are
// eligible, and the solver gives both the same plan and alternatives; the
// compact restriction (RestrictEligible) is BuildEligible's problem for
// that order and gets the same plan too.
func TestRestrictIsTheChosenOrdersProblem(t *testing.T) {
	dn, dst := demo(t)
	g300, st300 := generated(t, 300, 120)
	orders := 120
	if testing.Short() {
		orders = 30
	}
	for _, base := range []struct {
		name string
		net  *network.Network
		st   *stock.Table
	}{{"demo", dn, dst}, {"generated-300", g300, st300}} {
		t.Run(base.name, func(t *testing.T) {
			skus := tableSKUs(base.st)
			rng := rand.New(rand.NewPCG(7, uint64(len(base.net.Nodes))))
			b, lean := network.NewBuilder(base.net, nil), network.NewBuilder(base.net, nil)
			ws := solver.NewWorkspace()
			var full, restricted, chosen, compact, chosenLean solver.Problem
			offers, pickups := 0, 0
			for i := range orders {
				o := randomOrder(rng, base.net, skus, i)
				o.Method, o.Partner = solver.MethodUnspecified, ""
				require.NoError(t, b.Build(o, base.st, base.st, &full))
				for _, f := range expandOffers(base.net, o, &full) {
					restrict(&restricted, &full, f)
					co := choose(base.net, o, f)
					require.NoError(t, b.Build(co, base.st, base.st, &chosen), "order %d offer %+v", i, f)
					sameProblem(t, i, f, &restricted, &chosen)
					a := planText(t, ws, &restricted)
					bb := planText(t, ws, &chosen)
					require.Equal(t, a, bb, "order %d offer %+v: plans differ", i, f)

					// Without the excluded options: BuildEligible's problem
					// for the chosen order, and the same plan.
					network.RestrictEligible(&compact, &full, f)
					require.NoError(t, lean.BuildEligible(co, base.st, base.st, &chosenLean))
					require.Equal(t, chosenLean.Options, compact.Options, "order %d offer %+v", i, f)
					require.Equal(t, chosenLean.Available, compact.Available)
					require.Equal(t, chosenLean.UnitCost, compact.UnitCost)
					require.Equal(t, a, planText(t, ws, &compact), "order %d offer %+v: compact plan differs", i, f)
					offers++
					if f.Method == solver.Pickup && f.Node >= 0 {
						pickups++
					}
				}
				// Neither restriction changed the full problem.
				again := full
				again.Options = slices.Clone(full.Options)
				require.NoError(t, b.Build(o, base.st, base.st, &full))
				require.Equal(t, again.Options, full.Options)
			}
			t.Logf("%d orders, %d offers (%d pickup stores)", orders, offers, pickups)
			assert.Positive(t, pickups)
		})
	}
}

// sameProblem checks that r (restricted) and c (built for the chosen
// order) are the same problem: headers, options in order, stock, costs and
// which options are eligible. Only the reasons of options both exclude may
// differ.
func sameProblem(t *testing.T, order int, f network.Offer, r, c *solver.Problem) {
	t.Helper()
	require.Equal(t, r.Lines, c.Lines)
	require.Equal(t, [4]any{r.MaxShipments, r.SplitLines, r.SplitPenalty, r.PromiseMinutes},
		[4]any{c.MaxShipments, c.SplitLines, c.SplitPenalty, c.PromiseMinutes})
	require.Len(t, c.Options, len(r.Options), "order %d offer %+v", order, f)
	for i := range r.Options {
		a, b := r.Options[i], c.Options[i]
		if a.Excluded != solver.ReasonNone && b.Excluded != solver.ReasonNone {
			a.Excluded, b.Excluded = 0, 0
		}
		require.Equal(t, a, b, "order %d offer %+v option %d", order, f, i)
		if f.Node < 0 {
			require.Equal(t, r.Options[i].Excluded, c.Options[i].Excluded, "order %d offer %+v option %d", order, f, i)
		}
	}
	require.Equal(t, r.Available, c.Available)
	require.Equal(t, r.UnitCost, c.UnitCost)
}

// planText solves p and renders what its plan decides, alternatives too.
func planText(t *testing.T, ws *solver.Workspace, p *solver.Problem) string {
	t.Helper()
	plan, err := ws.Solve(p, solver.DefaultSettings())
	require.NoError(t, err)
	s := planKey(p, plan)
	for _, a := range plan.Alternatives {
		s += " | alt"
		for _, o := range a.Options {
			s += " " + p.Options[o].NodeID + "/" + p.Options[o].Method.String()
		}
	}
	return s
}

func TestOffers(t *testing.T) {
	n, _ := demo(t)
	glovo := network.Offer{Method: solver.Courier, Partner: "glovo", Node: -1}
	sfs := network.Offer{Method: solver.ShipFromStore, Node: -1}
	pickup := network.Offer{Method: solver.Pickup, Node: -1}
	wh := network.Offer{Method: solver.WarehouseShip, Node: -1}
	s07, ok := n.NodeIndex("alm-s07")
	require.True(t, ok)
	cases := []struct {
		name string
		edit func(o *network.Order)
		want []network.Offer
	}{
		{"any", func(o *network.Order) { o.Want = network.WantAny }, []network.Offer{sfs, pickup, wh, glovo}},
		{"delivery", func(o *network.Order) { o.Want = network.WantDelivery }, []network.Offer{sfs, wh, glovo}},
		{"pickup", func(o *network.Order) { o.Want = network.WantPickup }, []network.Offer{pickup}},
		{"pickup at a named store", func(o *network.Order) { o.Want, o.PickupNodeID = network.WantAny, "alm-s07" },
			[]network.Offer{sfs, {Method: solver.Pickup, Node: s07}, wh, glovo}},
		{"chose courier", func(o *network.Order) { o.Want, o.Method = network.WantAny, solver.Courier }, []network.Offer{glovo}},
		{"chose a partner", func(o *network.Order) { o.Want, o.Partner = network.WantAny, "glovo" }, []network.Offer{glovo}},
		{"chose warehouse", func(o *network.Order) { o.Method = solver.WarehouseShip }, []network.Offer{wh}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := network.DemoOrder()
			c.edit(o)
			assert.Equal(t, c.want, n.Offers(o, nil))
		})
	}

	// Partners come by name, and only those that collect from some node.
	c := n.Clone()
	c.Couriers = append(c.Couriers, c.Couriers[0], c.Couriers[0])
	c.Couriers[1].Name, c.Couriers[2].Name = "bolt", "yandex"
	c.Couriers[2].Kinds = []network.Kind{network.Warehouse} // no warehouse offers courier
	require.NoError(t, c.Init())
	o := network.DemoOrder()
	assert.Equal(t, []network.Offer{sfs, wh, {Method: solver.Courier, Partner: "bolt", Node: -1}, glovo}, c.Offers(o, nil))
}

func TestChoiceValidation(t *testing.T) {
	n, st := demo(t)
	b := network.NewBuilder(n, nil)
	var p solver.Problem
	cases := []struct {
		name string
		edit func(o *network.Order)
		want string
	}{
		{"unknown method", func(o *network.Order) { o.Method = 9 }, "method: unknown value 9"},
		{"partner with another method", func(o *network.Order) { o.Method, o.Partner = solver.Pickup, "glovo" }, "partner: set with method PICKUP"},
		{"unknown partner", func(o *network.Order) { o.Partner = "bolt" }, `partner: unknown courier partner "bolt"`},
		{"pickup on a delivery order", func(o *network.Order) { o.Want, o.Method = network.WantDelivery, solver.Pickup }, "method: PICKUP on a delivery order"},
		{"courier on a pickup order", func(o *network.Order) { o.Want, o.Method = network.WantPickup, solver.Courier }, "method: COURIER on a pickup order"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := network.DemoOrder()
			c.edit(o)
			err := b.Build(o, st, st, &p)
			require.ErrorIs(t, err, network.ErrInvalidOrder)
			assert.Contains(t, err.Error(), c.want)
		})
	}
}

// TestChosenOfferExcludesTheRest: an order that chose glovo keeps every
// option of the full build, in order, and excludes the other methods'
// options that were eligible as METHOD_NOT_ALLOWED; reasons found before
// stay.
func TestChosenOfferExcludesTheRest(t *testing.T) {
	n, st := demo(t)
	b := network.NewBuilder(n, nil)
	var full, chosen solver.Problem
	o := network.DemoOrder()
	o.Want = network.WantAny
	require.NoError(t, b.Build(o, st, st, &full))
	o.Method, o.Partner = solver.Courier, "glovo"
	require.NoError(t, b.Build(o, st, st, &chosen))
	require.Len(t, chosen.Options, len(full.Options))
	notAllowed := 0
	for i, f := range full.Options {
		c := chosen.Options[i]
		switch {
		case f.Excluded != solver.ReasonNone:
			assert.Equal(t, f.Excluded, c.Excluded, "option %d keeps its reason", i)
		case f.Method == solver.Courier:
			assert.Equal(t, solver.ReasonNone, c.Excluded)
		default:
			assert.Equal(t, solver.ReasonMethodNotAllowed, c.Excluded, "option %d %s %v", i, f.NodeID, f.Method)
			notAllowed++
		}
	}
	assert.Positive(t, notAllowed)
}

func TestOpenAt(t *testing.T) {
	n, _ := demo(t)
	s01, _ := n.NodeIndex("alm-s01") // 08:00-23:00, UTC+5
	local := func(h, m int) time.Time { return time.Date(2026, 11, 25, h-5, m, 30, 0, time.UTC) }
	assert.Equal(t, local(12, 0), n.OpenAt(s01, local(12, 0)), "open: now")
	assert.Equal(t, time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC), n.OpenAt(s01, local(23, 30)), "closed: tomorrow 08:00")
	assert.Equal(t, time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC), n.OpenAt(s01, local(7, 15)), "early: today 08:00")
	assert.False(t, n.AlwaysOpen(s01))
	d01, _ := n.NodeIndex("alm-d01")
	assert.True(t, n.AlwaysOpen(d01))
	assert.Equal(t, local(3, 0), n.OpenAt(d01, local(3, 0)))
	assert.Equal(t, local(1, 0), n.OpenAt(-1, local(1, 0)))
}
