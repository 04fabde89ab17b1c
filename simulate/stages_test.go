package simulate

import (
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// builtProblems reads and builds every order of src on the starting stock
// (nothing consumed), keeping copies: lean problems, as the replay gives
// its policies.
func builtProblems(tb testing.TB, net *network.Network, src Source, st interface {
	network.StockView
	network.CapacityView
}) []solver.Problem {
	tb.Helper()
	rc, err := src.Open()
	if err != nil {
		tb.Fatal(err)
	}
	defer rc.Close()
	or, err := NewOrderReader(rc, src.Name(), false)
	if err != nil {
		tb.Fatal(err)
	}
	b := network.NewBuilder(net, nil)
	var out []solver.Problem
	for {
		o, err := or.Next()
		if err == io.EOF {
			return out
		}
		if err != nil {
			tb.Fatal(err)
		}
		var p solver.Problem
		if err := b.BuildEligible(o, st, st, &p); err != nil {
			tb.Fatal(err)
		}
		out = append(out, p)
	}
}

// BenchmarkStages splits the replay of one order into its stages, to show
// where the time goes: reading the CSV, building the problem (the network
// Builder over live stock; mode=full is Build, mode=lean BuildEligible, which
// the replay uses) and each policy's decision.
func BenchmarkStages(b *testing.B) {
	const orders = 5_000
	net, table, ords, _ := benchData(b, orders)
	b.Run("stage=read", func(b *testing.B) {
		b.ReportAllocs()
		n := 0
		cpu0 := cpuTime()
		for b.Loop() {
			rc, _ := ords.Open()
			or, err := NewOrderReader(rc, ords.Name(), false)
			if err != nil {
				b.Fatal(err)
			}
			for {
				if _, err := or.Next(); err != nil {
					break
				}
				n++
			}
		}
		b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "orders/s")
		b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "orders/cpu-s")
	})
	for _, mode := range []string{"full", "lean"} {
		b.Run("stage=build/mode="+mode, func(b *testing.B) {
			rc, _ := ords.Open()
			or, err := NewOrderReader(rc, ords.Name(), false)
			require.NoError(b, err)
			var list []network.Order
			for {
				o, err := or.Next()
				if err != nil {
					break
				}
				c := *o
				c.Lines = append(c.Lines[:0:0], o.Lines...)
				list = append(list, c)
			}
			bl := network.NewBuilder(net, nil)
			build := bl.Build
			if mode == "lean" {
				build = bl.BuildEligible
			}
			var p solver.Problem
			var options, eligible int
			b.ReportAllocs()
			n := 0
			cpu0 := cpuTime()
			for b.Loop() {
				for i := range list {
					if err := build(&list[i], table, table, &p); err != nil {
						b.Fatal(err)
					}
					options += len(p.Options)
					for _, op := range p.Options {
						if op.Excluded == solver.ReasonNone {
							eligible++
						}
					}
					n++
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "orders/s")
			b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "orders/cpu-s")
			b.ReportMetric(float64(options)/float64(n), "options/order")
			b.ReportMetric(float64(eligible)/float64(n), "not-excluded/order")
		})
	}
	problems := builtProblems(b, net, ords, table)
	for _, name := range PolicyNames() {
		b.Run(fmt.Sprintf("stage=choose/policy=%s", name), func(b *testing.B) {
			pol, err := NewPolicy(name, net)
			require.NoError(b, err)
			b.ReportAllocs()
			n := 0
			cpu0 := cpuTime()
			for b.Loop() {
				for i := range problems {
					if _, err := pol.Choose(&problems[i], solverSettings()); err != nil {
						b.Fatal(err)
					}
					n++
				}
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "orders/s")
			b.ReportMetric(float64(n)/(cpuTime()-cpu0).Seconds(), "orders/cpu-s")
		})
	}
}
