package network_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

func demo(t testing.TB) (*network.Network, *stock.Table) {
	t.Helper()
	n, err := network.Demo()
	require.NoError(t, err)
	st, err := stock.ReadCSV(bytes.NewReader(network.DemoStock()), network.DemoStockFile, n)
	require.NoError(t, err)
	return n, st
}

// TestDemoOrderPlan builds and solves the README's demo order: milk, bread
// and a phone for a customer in central Almaty, delivered. The sensible
// answer is one glovo courier trip from a nearby store that holds all three.
func TestDemoOrderPlan(t *testing.T) {
	n, st := demo(t)
	b := network.NewBuilder(n, nil)
	var p solver.Problem
	require.NoError(t, b.Build(network.DemoOrder(), st, st, &p))
	plan, err := solver.NewWorkspace().Solve(&p, solver.Settings{})
	require.NoError(t, err)
	require.Len(t, plan.Shipments, 1, "want one shipment covering everything, got %+v", plan)
	require.Len(t, plan.Unfilled, 0, "want one shipment covering everything, got %+v", plan)
	sh := plan.Shipments[0]
	opt := p.Options[sh.Option]
	if opt.Method != solver.Courier || opt.Partner != "glovo" || opt.DistanceKm > 6 || !strings.HasPrefix(opt.NodeID, "alm-") {
		t.Errorf("shipment from %s by %s/%s over %.1f km, want a glovo courier from a nearby Almaty store", opt.NodeID, opt.Method, opt.Partner, opt.DistanceKm)
	}
	if sh.ETAMinutes > 60 || plan.TotalCost > 10 {
		t.Errorf("ETA %d minutes, cost %.2f: not an express delivery", sh.ETAMinutes, plan.TotalCost)
	}
	t.Logf("plan: %s %s %.1f km, %d min, cost %.2f (stats %+v)", opt.NodeID, opt.Method, opt.DistanceKm, sh.ETAMinutes, plan.TotalCost, plan.Stats)
}

// TestDemoPickupPlan asks to collect the same order: the plan is a pickup
// at a store within the pickup radius.
func TestDemoPickupPlan(t *testing.T) {
	n, st := demo(t)
	b := network.NewBuilder(n, nil)
	var p solver.Problem
	o := network.DemoOrder()
	o.Want = network.WantPickup
	require.NoError(t, b.Build(o, st, st, &p))
	plan, err := solver.NewWorkspace().Solve(&p, solver.Settings{})
	require.NoError(t, err)
	require.Len(t, plan.Shipments, 1, "want one pickup, got %+v", plan.Shipments)
	require.Equal(t, solver.Pickup, p.Options[plan.Shipments[0].Option].Method, "want one pickup, got %+v", plan.Shipments)
}

// generated returns a network of n nodes spread over Kazakhstan's big
// cities, with stock of skus SKUs (sparse in stores, dense in warehouses).
func generated(t testing.TB, nodes, skus int) (*network.Network, *stock.Table) {
	t.Helper()
	base, err := network.Demo()
	require.NoError(t, err)
	net := base.Clone()
	net.Nodes = net.Nodes[:0]
	cities := []struct {
		name     string
		lat, lon float64
	}{{"Almaty", 43.2389, 76.8897}, {"Astana", 51.1605, 71.4704}, {"Shymkent", 42.3417, 69.5901}, {"Karaganda", 49.8047, 73.1094}, {"Aktobe", 50.2839, 57.1670}}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range nodes {
		c := cities[i%len(cities)]
		nd := network.Node{
			City: c.name, Kind: network.Store,
			Lat: c.lat + rng.NormFloat64()*0.05, Lon: c.lon + rng.NormFloat64()*0.07,
			Methods:          []solver.Method{solver.ShipFromStore, solver.Pickup, solver.Courier},
			CapacityPerDay:   300,
			PickCostPerOrder: 1.6, PickCostPerUnit: 0.2,
			Hours:   network.Hours{Open: "08:00", Close: "23:00"},
			Enabled: true,
		}
		switch {
		case i%100 == 0:
			nd.Kind, nd.Methods, nd.Hours = network.Warehouse, []solver.Method{solver.WarehouseShip}, network.Hours{}
		case i%20 == 1:
			nd.Kind, nd.Methods, nd.Hours = network.DarkStore, []solver.Method{solver.Courier}, network.Hours{}
		}
		nd.ID = fmt.Sprintf("n%04d", i)
		net.Nodes = append(net.Nodes, nd)
	}
	net.Couriers[0].Areas = "" // the demo zones cover two of the cities only
	require.NoError(t, net.Init())
	var csv strings.Builder
	csv.WriteString("node,sku,on_hand,safety_stock\n")
	for i, nd := range net.Nodes {
		for s := range skus {
			if nd.Kind == network.Warehouse || rng.IntN(10) < 3 {
				fmt.Fprintf(&csv, "%s,SKU-%04d,%d,1\n", net.Nodes[i].ID, s, 1+rng.IntN(50))
			}
		}
	}
	st, err := stock.ReadCSV(strings.NewReader(csv.String()), "generated.csv", net)
	require.NoError(t, err)
	return net, st
}

func TestGeneratedBuildSolve(t *testing.T) {
	net, st := generated(t, 1000, 200)
	b := network.NewBuilder(net, nil)
	var p solver.Problem
	o := network.DemoOrder()
	o.Lines = []solver.Line{{SKU: "SKU-0001", Quantity: 2, UnitWeightKg: 1}, {SKU: "SKU-0002", Quantity: 1, UnitWeightKg: 0.3}, {SKU: "SKU-0150", Quantity: 1, UnitWeightKg: 2}}
	require.NoError(t, b.Build(o, st, st, &p))
	assert.GreaterOrEqual(t, len(p.Options), 300, "only %d options on a 1,000-node network", len(p.Options))
	plan, err := solver.NewWorkspace().Solve(&p, solver.Settings{})
	require.NoError(t, err)
	if len(plan.Unfilled) != 0 || len(plan.Shipments) == 0 {
		t.Errorf("plan %+v", plan)
	}
}

func BenchmarkBuild(b *testing.B) {
	dn, dst := demo(b)
	gn, gst := generated(b, 1000, 200)
	demoOrder := network.DemoOrder()
	genOrder := network.DemoOrder()
	genOrder.Lines = nil
	for l := range 5 {
		genOrder.Lines = append(genOrder.Lines, solver.Line{SKU: fmt.Sprintf("SKU-%04d", l*37), Quantity: 1 + int32(l%2), UnitWeightKg: 0.5})
	}
	cases := []struct {
		name string
		net  *network.Network
		st   *stock.Table
		o    *network.Order
	}{
		{fmt.Sprintf("demo/nodes=%d/lines=%d", len(dn.Nodes), len(demoOrder.Lines)), dn, dst, demoOrder},
		{fmt.Sprintf("generated/nodes=%d/lines=%d", len(gn.Nodes), len(genOrder.Lines)), gn, gst, genOrder},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			bl := network.NewBuilder(c.net, nil)
			var p solver.Problem
			require.NoError(b, bl.Build(c.o, c.st, c.st, &p))
			b.ReportAllocs()
			for b.Loop() {
				if err := bl.Build(c.o, c.st, c.st, &p); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(p.Options)), "options")
		})
	}
}

// TestBuildersShareNetwork runs builders in parallel over one network (the
// router's shape: one Builder per goroutine); run with -race. Every
// goroutine must see the problem a lone builder sees.
func TestBuildersShareNetwork(t *testing.T) {
	n, st := demo(t)
	var want solver.Problem
	require.NoError(t, network.NewBuilder(n, nil).Build(network.DemoOrder(), st, st, &want))
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			b := network.NewBuilder(n, nil)
			var p solver.Problem
			for range 50 {
				if err := b.Build(network.DemoOrder(), st, st, &p); err != nil {
					errs <- err
					return
				}
				if !slices.Equal(p.Options, want.Options) || !slices.Equal(p.UnitCost, want.UnitCost) {
					errs <- fmt.Errorf("a parallel build differs")
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		assert.NoError(t, <-errs)
	}
}

// BenchmarkDemoRoute is what one demo order costs the router besides I/O
// and locking: build the problem, then solve it.
func BenchmarkDemoRoute(b *testing.B) {
	n, st := demo(b)
	bl := network.NewBuilder(n, nil)
	ws := solver.NewWorkspace()
	var p solver.Problem
	o := network.DemoOrder()
	b.ReportAllocs()
	for b.Loop() {
		if err := bl.Build(o, st, st, &p); err != nil {
			b.Fatal(err)
		}
		if _, err := ws.Solve(&p, solver.Settings{}); err != nil {
			b.Fatal(err)
		}
	}
}
