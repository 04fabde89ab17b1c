package joint

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/omniroute/omniroute/lp"
	"github.com/omniroute/omniroute/solver"
)

// benchInstance is n orders of randomInstance's kind over shared stock:
// the instances of seeds 1..n merged, their supplies summed.
func benchInstance(n int) *Instance {
	inst := &Instance{}
	idx := map[supplyKey]int{}
	for seed := uint64(1); len(inst.Orders) < n; seed++ {
		part := randomInstance(seed, false, false)
		inst.Orders = append(inst.Orders, part.Orders...)
		for _, s := range part.Supply {
			k := supplyKey{s.Node, s.SKU}
			if i, ok := idx[k]; ok {
				inst.Supply[i].Start += s.Start
				continue
			}
			idx[k] = len(inst.Supply)
			inst.Supply = append(inst.Supply, Supply{Node: s.Node, SKU: s.SKU, Start: s.Start})
		}
	}
	inst.Orders = inst.Orders[:n]
	return inst
}

// BenchmarkSolve measures the relaxation of batches of n orders; the
// result is checked before the clock starts.
func BenchmarkSolve(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		inst := benchInstance(n)
		b.Run(fmt.Sprintf("orders=%d", n), func(b *testing.B) {
			rel, err := Solve(context.Background(), inst, Settings{})
			if err != nil || rel.Status != lp.StatusOptimal {
				b.Fatalf("not optimal: %v %v", err, rel)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Solve(context.Background(), inst, Settings{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rel.Vars), "columns")
			b.ReportMetric(float64(rel.Rows), "rows")
		})
	}
}

// BenchmarkRoute measures a whole batch: relaxation, shares and the exact
// repair of every order, with and without the dive; it reports the gap of
// the batch's cost to the bound.
func BenchmarkRoute(b *testing.B) {
	for _, n := range []int{100, 1000} {
		inst := benchInstance(n)
		ss := solver.Settings{Alternatives: -1}
		for _, dive := range []int{0, DefaultDive} {
			b.Run(fmt.Sprintf("orders=%d/dive=%d", n, dive), func(b *testing.B) {
				s := Settings{Dive: dive}
				batch, err := Route(context.Background(), inst, s, ss)
				if err != nil || !batch.Optimized {
					b.Fatalf("not optimised: %v", err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Route(context.Background(), inst, s, ss); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(batch.Gap, "gap")
				b.ReportMetric(float64(batch.Relaxation.DiveRounds), "rounds")
			})
		}
	}
}

// BenchmarkLagrangian measures the Lagrangian bound of batches of n orders
// (one worker), beside the relaxation of BenchmarkSolve, its master
// unboxed and boxed (LagrangeSettings.Boxed); it reports the bound's
// excess over the LP's, its rounds, the master's columns and its simplex
// iterations.
func BenchmarkLagrangian(b *testing.B) {
	for _, n := range []int{100, 1000} {
		inst := benchInstance(n)
		for _, boxed := range []bool{false, true} {
			b.Run(fmt.Sprintf("orders=%d/boxed=%t", n, boxed), func(b *testing.B) {
				rel, err := Solve(context.Background(), inst, Settings{})
				if err != nil || rel.Status != lp.StatusOptimal {
					b.Fatalf("not optimal: %v %v", err, rel)
				}
				set := LagrangeSettings{Boxed: boxed}
				lag, err := Lagrangian(context.Background(), inst, set)
				if err != nil || !lag.Converged {
					b.Fatalf("not converged: %v %+v", err, lag)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Lagrangian(context.Background(), inst, set); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(lag.Bound/rel.Bound-1, "above-lp")
				b.ReportMetric(float64(lag.Rounds), "rounds")
				b.ReportMetric(float64(lag.Columns), "columns")
				b.ReportMetric(float64(lag.Iterations), "iterations")
			})
		}
	}
}

// repriced adds to inst's unit costs a price per (node, SKU), drawn at
// random up to scale for a third of the supplies, as the look-ahead
// policy's prices would (policy.PriceUnits).
func repriced(inst *Instance, scale float64) {
	r := rand.New(rand.NewPCG(1, 2))
	price := map[supplyKey]float64{}
	for _, s := range inst.Supply {
		if r.IntN(3) == 0 {
			price[supplyKey{s.Node, s.SKU}] = r.Float64() * scale
		}
	}
	for _, o := range inst.Orders {
		p := o.Problem
		nl := len(p.Lines)
		for k := range p.Options {
			for l := range p.Lines {
				p.UnitCost[k*nl+l] += price[supplyKey{p.Options[k].Node, p.Lines[l].SKU}]
			}
		}
	}
}

// BenchmarkSolveRepriced measures the relaxation of a batch whose unit
// costs were priced after its first solve (the server's optimised
// RouteBatch under the look-ahead policy), from scratch and from the
// first optimum's basis (Relaxation.Basis); it reports the iterations.
func BenchmarkSolveRepriced(b *testing.B) {
	for _, n := range []int{100, 1000} {
		for _, scale := range []float64{2, 10} {
			inst := benchInstance(n)
			rel, err := Solve(context.Background(), inst, Settings{})
			if err != nil || rel.Status != lp.StatusOptimal {
				b.Fatalf("not optimal: %v %v", err, rel)
			}
			repriced(inst, scale)
			for _, warm := range []bool{false, true} {
				b.Run(fmt.Sprintf("orders=%d/prices=%g/warm=%v", n, scale, warm), func(b *testing.B) {
					var s Settings
					if warm {
						s.LP.Start = rel.Basis
					}
					var iterations int
					b.ReportAllocs()
					for b.Loop() {
						res, err := Solve(context.Background(), inst, s)
						if err != nil || res.Status != lp.StatusOptimal {
							b.Fatalf("not optimal: %v %v", err, res)
						}
						iterations = res.Iterations
					}
					b.ReportMetric(float64(iterations), "iterations")
				})
			}
		}
	}
}

// BenchmarkLagrangianRoute measures the Lagrangian bound of batches of n
// orders and their routing by its master (one worker, Lagrange.Route),
// without and with the dive; it reports the routing's gap to the bound
// and, with the dive, its steps.
func BenchmarkLagrangianRoute(b *testing.B) {
	ss := solver.Settings{Alternatives: -1}
	for _, n := range []int{300, 1000} {
		inst := benchInstance(n)
		for _, dive := range []bool{false, true} {
			b.Run(fmt.Sprintf("orders=%d/dive=%t", n, dive), func(b *testing.B) {
				var lag *Lagrange
				var batch *Batch
				b.ReportAllocs()
				for b.Loop() {
					var err error
					if lag, err = Lagrangian(context.Background(), inst, LagrangeSettings{Dive: dive}); err != nil {
						b.Fatal(err)
					}
					if batch, err = lag.Route(context.Background(), inst, ss); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(batch.Gap, "gap")
				b.ReportMetric(float64(lag.DiveSteps), "steps")
			})
		}
	}
}
