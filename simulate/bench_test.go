package simulate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/stock"
)

// benchData generates a 300-node dataset (250 stores, 10 warehouses, 40
// dark stores) and loads its network and stock.
func benchData(tb testing.TB, orders int) (*network.Network, *stock.Table, Source, Source) {
	tb.Helper()
	return genData(tb, dataset.Config{Seed: 7, Stores: 250, Warehouses: 10, DarkStores: 40, SKUs: 500, Orders: orders, Days: 28})
}

// genData generates the dataset cfg describes and loads it: the network,
// its stock, the orders and the replenishments.
func genData(tb testing.TB, cfg dataset.Config) (*network.Network, *stock.Table, Source, Source) {
	tb.Helper()
	dir := tb.TempDir()
	if _, err := dataset.Generate(context.Background(), cfg, dir); err != nil {
		tb.Fatal(err)
	}
	net, err := network.Load(filepath.Join(dir, dataset.NetworkFile))
	if err != nil {
		tb.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, dataset.StockFile))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	table, err := stock.ReadCSV(f, dataset.StockFile, net)
	if err != nil {
		tb.Fatal(err)
	}
	load := func(name string) Source {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			tb.Fatal(err)
		}
		return BytesSource{FileName: name, Data: b}
	}
	return net, table, load(dataset.OrdersFile), load(dataset.ReplenishmentsFile)
}

// BenchmarkReplay measures replayed orders per second per policy on a
// 300-node network, with one replay (workers=1) and two replays side by
// side (workers=2, one per core). The policies that plan (lookahead,
// batch) are left out: their replay is their plans (an LP an hour of
// simulated time), which planning's BenchmarkReplan measures.
func BenchmarkReplay(b *testing.B) {
	const orders = 20_000
	net, table, ords, reps := benchData(b, orders)
	for _, name := range PolicyNames() {
		if p, err := NewPolicy(name, net); err != nil {
			b.Fatal(err)
		} else if _, plans := p.(policy.Planned); plans {
			continue
		}
		for _, workers := range []int{1, 2} {
			b.Run(fmt.Sprintf("policy=%s/nodes=%d/workers=%d", name, len(net.Nodes), workers), func(b *testing.B) {
				var scens []*Scenario
				for k := 1; k < workers; k++ {
					scens = append(scens, &Scenario{Name: fmt.Sprintf("copy-%d", k)})
				}
				cfg := Config{
					Network: net, Stock: table, Orders: ords, Replenishments: reps,
					Policies: []string{name}, Scenarios: scens, Workers: workers,
				}
				b.ReportAllocs()
				var replayed int64
				cpu0 := cpuTime()
				for b.Loop() {
					res, err := Run(context.Background(), cfg)
					if err != nil {
						b.Fatal(err)
					}
					for _, r := range res.Results {
						replayed += r.Orders
					}
				}
				b.ReportMetric(float64(replayed)/b.Elapsed().Seconds(), "orders/s")
				// On a shared machine wall time depends on the neighbours;
				// orders per CPU-second is the per-core figure.
				b.ReportMetric(float64(replayed)/(cpuTime()-cpu0).Seconds(), "orders/cpu-s")
			})
		}
	}
}

// cpuTime is the CPU time (user + system) the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkApplyFalls measures what falls add to a replay's start, per
// scenario: the 300-node network's 28 days of replenishments (20,000
// orders) scanned for a fall ("none"), and the same file with every tenth
// row a fall of its units, read whole, its falls' rows rescheduled and
// written back ("falls").
func BenchmarkApplyFalls(b *testing.B) {
	net, table, _, reps := benchData(b, 20_000)
	r, err := reps.Open()
	if err != nil {
		b.Fatal(err)
	}
	data, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		b.Fatal(err)
	}
	rows := bytes.SplitAfter(data, []byte("\n"))
	var falls bytes.Buffer
	for i, r := range rows {
		if i > 0 && i%10 == 0 {
			if k := bytes.LastIndexByte(r, ','); k >= 0 {
				falls.Write(r[:k+1])
				falls.WriteByte('-')
				falls.Write(r[k+1:])
				continue
			}
		}
		falls.Write(r)
	}
	for _, c := range []struct {
		name string
		src  Source
	}{
		{"none", reps},
		{"falls", BytesSource{FileName: "falls.csv", Data: falls.Bytes()}},
	} {
		b.Run(fmt.Sprintf("%s/rows=%d", c.name, len(rows)-2), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := applyFalls(table, c.src, net, false); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
