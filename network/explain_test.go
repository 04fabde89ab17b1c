package network_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
	"github.com/omniroute/omniroute/stock"
)

// TestBuildExplainedMatchesBuild is the proof that an explained build
// explains a plan as a full build does: over random orders on the demo and
// generated networks (and policy variants of each), its problem is
// BuildEligible's, it counts Build's options, indexes each lean option at
// the same option of Build's problem, and lists the same nearest
// exclusions Build's problem holds (by distance, ties by index), for
// several limits.
func TestBuildExplainedMatchesBuild(t *testing.T) {
	dn, dst := demo(t)
	g1000, st1000 := generated(t, 1000, 120)
	orders := 300
	if testing.Short() {
		orders = 50
	}
	limits := []int{0, 1, 3, 20, 100000}
	for _, base := range []struct {
		name string
		net  *network.Network
		st   *stock.Table
	}{{"demo", dn, dst}, {"generated-1000", g1000, st1000}} {
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
				rng := rand.New(rand.NewPCG(uint64(len(net.Nodes))+7, uint64(len(vname))))
				st := base.st.Clone()
				for n := range net.Nodes {
					if rng.IntN(8) == 0 {
						_ = st.Use(n, int32(rng.IntN(400)))
					}
				}
				full, lean, expl := network.NewBuilder(net, nil), network.NewBuilder(net, nil), network.NewBuilder(net, nil)
				var pf, pl, pe solver.Problem
				var ex network.Explanation
				for i := range orders {
					o := randomOrder(rng, net, skus, i)
					var sv network.StockView = st
					if i%3 == 0 {
						sv = callbackStock{st}
					}
					k := limits[i%len(limits)]
					errF := full.Build(o, sv, st, &pf)
					errL := lean.BuildEligible(o, sv, st, &pl)
					errE := expl.BuildExplained(o, sv, st, &pe, k, &ex)
					require.Equal(t, errF == nil, errE == nil, "order %d: Build error %v, BuildExplained error %v", i, errF, errE)
					if errF != nil {
						require.Equal(t, errL, errE, "order %d", i)
						continue
					}
					require.NoError(t, errL)
					sameEligible(t, i, &pf, &pe)
					sameEligible(t, i, &pl, &pe)
					require.Equal(t, len(pf.Options), ex.Options, "order %d: options counted", i)
					require.Len(t, ex.Index, len(pe.Options), "order %d", i)
					for j, at := range ex.Index {
						require.Equal(t, pf.Options[at], pe.Options[j], "order %d: lean option %d indexed at %d", i, j, at)
					}
					want := nearestBuilderExcluded(&pf, k)
					got := make([]string, len(ex.Nearest))
					for j, e := range ex.Nearest {
						got[j] = fmt.Sprintf("%d %+v", e.Index, e.Option)
					}
					require.Equal(t, want, got, "order %d: nearest %d exclusions", i, k)
				}
			})
		}
	}
}

// nearestBuilderExcluded lists, as BuildExplained should, the k options
// of the full problem p that the Builder excludes, nearest first, ties by
// index.
func nearestBuilderExcluded(p *solver.Problem, k int) []string {
	var idx []int
	for o := range p.Options {
		if p.Options[o].Excluded != solver.ReasonNone {
			idx = append(idx, o)
		}
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(p.Options[a].DistanceKm, p.Options[b].DistanceKm) })
	out := []string{}
	for _, o := range idx[:min(k, len(idx))] {
		out = append(out, fmt.Sprintf("%d %+v", o, p.Options[o]))
	}
	return out
}

// TestBuildExplainedDoesNotAllocate checks the steady state of an
// explained build listing the 20 nearest exclusions.
func TestBuildExplainedDoesNotAllocate(t *testing.T) {
	n, st := demo(t)
	b := network.NewBuilder(n, nil)
	var p solver.Problem
	var ex network.Explanation
	o := network.DemoOrder()
	require.NoError(t, b.BuildExplained(o, st, st, &p, 20, &ex))
	require.NotEmpty(t, ex.Nearest, "the demo order has exclusions to explain")
	allocs := testing.AllocsPerRun(100, func() { _ = b.BuildExplained(o, st, st, &p, 20, &ex) })
	require.Zero(t, allocs, "BuildExplained allocates per order")
}

// catalogCallbackStock is callbackStock that knows the table's SKUs.
type catalogCallbackStock struct{ callbackStock }

func (c catalogCallbackStock) KnownSKU(sku string) bool { return c.t.KnownSKU(sku) }

// TestBuildReadsStockAlike: a build over a StockView that lists each
// line's stock (merged line by line) makes the same problem as over one
// read node by node through EachATP, for orders of one to many lines,
// with and without a named pickup node, in every build mode.
func TestBuildReadsStockAlike(t *testing.T) {
	for _, c := range []struct {
		name  string
		nodes int
	}{{"demo", 0}, {"generated-1000", 1000}} {
		t.Run(c.name, func(t *testing.T) {
			net, st := demo(t)
			if c.nodes > 0 {
				net, st = generated(t, c.nodes, 120)
			}
			skus := tableSKUs(st)
			rng := rand.New(rand.NewPCG(11, uint64(c.nodes)))
			fast, slow := network.NewBuilder(net, nil), network.NewBuilder(net, nil)
			var pf, ps solver.Problem
			var ef, es network.Explanation
			for i := range 200 {
				o := randomOrder(rng, net, skus, i)
				for mode, build := range map[string]func(b *network.Builder, sv network.StockView, p *solver.Problem, ex *network.Explanation) error{
					"full": func(b *network.Builder, sv network.StockView, p *solver.Problem, _ *network.Explanation) error {
						return b.Build(o, sv, st, p)
					},
					"eligible": func(b *network.Builder, sv network.StockView, p *solver.Problem, _ *network.Explanation) error {
						return b.BuildEligible(o, sv, st, p)
					},
					"explained": func(b *network.Builder, sv network.StockView, p *solver.Problem, ex *network.Explanation) error {
						return b.BuildExplained(o, sv, st, p, 20, ex)
					},
				} {
					errF := build(fast, st, &pf, &ef)
					errS := build(slow, catalogCallbackStock{callbackStock{st}}, &ps, &es)
					require.Equal(t, errS, errF, "order %d %s", i, mode)
					require.Equal(t, ps.Options, pf.Options, "order %d %s: options", i, mode)
					require.Equal(t, ps.Available, pf.Available, "order %d %s: stock", i, mode)
					require.Equal(t, ps.UnitCost, pf.UnitCost, "order %d %s: unit costs", i, mode)
					require.Equal(t, ps.Lines, pf.Lines, "order %d %s: lines", i, mode)
					if mode == "explained" {
						require.Equal(t, es, ef, "order %d: explanation", i)
					}
				}
			}
		})
	}
}

// TestBuildExplainedCountsFarNodes: on a large network an explained build
// of the 20 nearest exclusions only counts many orders' enabled nodes
// beyond the reach (it neither measures nor builds them) and still
// explains as Build does, without allocating; asked for more exclusions
// than lie within the reach's radius, it measures every node instead.
func TestBuildExplainedCountsFarNodes(t *testing.T) {
	net, st := generated(t, 1000, 120)
	skus := tableSKUs(st)
	rng := rand.New(rand.NewPCG(3, 4))
	full, expl := network.NewBuilder(net, nil), network.NewBuilder(net, nil)
	var pf, pe solver.Problem
	var ex network.Explanation
	counted := 0
	const orders = 200
	for i := range orders {
		o := randomOrder(rng, net, skus, i)
		if full.Build(o, st, st, &pf) != nil {
			continue
		}
		for _, k := range []int{20, 100000} {
			require.NoError(t, expl.BuildExplained(o, st, st, &pe, k, &ex), "order %d", i)
			far := network.FarCounted(expl)
			if k == 100000 {
				require.Zero(t, far, "order %d: fewer exclusions than asked for lie within the radius", i)
			} else if far > 0 {
				counted++
				require.Greater(t, len(ex.Nearest), 0, "order %d", i)
			}
			require.Equal(t, len(pf.Options), ex.Options, "order %d: options counted", i)
			for j, at := range ex.Index {
				require.Equal(t, pf.Options[at], pe.Options[j], "order %d: lean option %d indexed at %d", i, j, at)
			}
			got := make([]string, len(ex.Nearest))
			for j, e := range ex.Nearest {
				got[j] = fmt.Sprintf("%d %+v", e.Index, e.Option)
			}
			require.Equal(t, nearestBuilderExcluded(&pf, k), got, "order %d: nearest %d exclusions", i, k)
		}
	}
	require.Greater(t, counted, orders/4, "many orders count far nodes only")

	o := network.DemoOrder()
	o.Lines = o.Lines[:1]
	o.Lines[0].SKU = skus[0]
	require.NoError(t, expl.BuildExplained(o, st, st, &pe, 20, &ex))
	require.Positive(t, network.FarCounted(expl))
	allocs := testing.AllocsPerRun(100, func() { _ = expl.BuildExplained(o, st, st, &pe, 20, &ex) })
	require.Zero(t, allocs, "an explained build counting far nodes allocates per order")
}
