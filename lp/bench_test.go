package lp

import (
	"context"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// benchModels are the models of the benchmarks and of the glpsol
// comparison in the README: planning-shaped (stock rows per node x SKU,
// demand cells per region x SKU x method with lost-sale columns), a
// multi-item warehouse network whose capacity rows couple the items, a
// transportation model and a random sparse LP, each of about 100,000
// columns or more, and smaller ones.
var benchModels = []struct {
	name  string
	build func() *Model
}{
	{"planning-300n-500s", func() *Model { return planning(rand.New(rand.NewPCG(1, 1)), 300, 500, 40, 2, 4) }},
	{"planning-100n-200s", func() *Model { return planning(rand.New(rand.NewPCG(1, 1)), 100, 200, 30, 2, 4) }},
	{"warehouses-10w-100c-100i", func() *Model { return warehouses(rand.New(rand.NewPCG(1, 1)), 10, 100, 100) }},
	{"warehouses-10w-100c-20i", func() *Model { return warehouses(rand.New(rand.NewPCG(1, 1)), 10, 100, 20) }},
	{"transport-50x2000", func() *Model { return transportation(rand.New(rand.NewPCG(1, 1)), 50, 2000, 1.1, true) }},
	{"random-300x100000", func() *Model { return sparseRandom(rand.New(rand.NewPCG(1, 1)), 300, 100000, 2) }},
}

func BenchmarkSolve(b *testing.B) {
	for _, bm := range benchModels {
		b.Run(bm.name, func(b *testing.B) {
			m := bm.build()
			b.ReportAllocs()
			var res *Result
			for b.Loop() {
				var err error
				res, err = Solve(context.Background(), m, Settings{})
				require.NoError(b, err)
				require.Equal(b, StatusOptimal, res.Status)
			}
			b.ReportMetric(float64(res.Iterations), "iterations")
			b.ReportMetric(float64(m.NumVars()), "cols")
			b.ReportMetric(float64(m.NumRows()), "rows")
		})
	}
}

var lpDir = flag.String("lpdir", "", "TestWriteBenchModels writes the benchmark models as CPLEX LP files into this directory")

// TestWriteBenchModels writes the benchmark models for glpsol:
// go test ./lp -run TestWriteBenchModels -args -lpdir DIR.
func TestWriteBenchModels(t *testing.T) {
	if *lpDir == "" {
		t.Skip("no -lpdir")
	}
	require.NoError(t, os.MkdirAll(*lpDir, 0o755))
	for _, bm := range benchModels {
		f, err := os.Create(filepath.Join(*lpDir, bm.name+".lp"))
		require.NoError(t, err)
		require.NoError(t, bm.build().WriteLP(f))
		require.NoError(t, f.Close())
	}
}
