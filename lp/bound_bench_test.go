package lp

import (
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// hindsightModel is the hindsight-bound model (package joint, as simulate
// --bound builds it) of a 400-order replay of `omniroute gen --seed 1
// --orders 400 --days 2 --stores 60 --warehouses 4 --dark-stores 10 --skus
// 150`: order lines covered by shipment columns, each shipment's fixed
// charge linked to its units (x - k·y ≤ 0 rows), shared stock rows per node
// and SKU, daily capacity rows per node. The linking rows give its bases a
// nucleus of a thousand rows or more, unlike the network-like planning
// models.
const hindsightModel = "testdata/hindsight-400.lp.gz"

// hindsightObjective is its optimum, as glpsol --lp finds it.
const hindsightObjective = 3633.703098

// readGzipLP reads a gzip-compressed CPLEX LP file.
func readGzipLP(tb testing.TB, path string) *Model {
	tb.Helper()
	f, err := os.Open(filepath.FromSlash(path))
	require.NoError(tb, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(tb, err)
	m, err := ReadLP(zr)
	require.NoError(tb, err)
	return m
}

// BenchmarkSolveHindsight solves the hindsight-bound model:
// go test ./lp -run '^$' -bench BenchmarkSolveHindsight -benchtime 1x -count 6.
func BenchmarkSolveHindsight(b *testing.B) {
	m := readGzipLP(b, hindsightModel)
	b.ReportAllocs()
	var res *Result
	for b.Loop() {
		var err error
		res, err = Solve(context.Background(), m, Settings{})
		require.NoError(b, err)
		require.Equal(b, StatusOptimal, res.Status)
	}
	require.InEpsilon(b, hindsightObjective, res.Objective, 1e-6)
	b.ReportMetric(float64(res.Iterations), "iterations")
	b.ReportMetric(float64(m.NumVars()), "cols")
	b.ReportMetric(float64(m.NumRows()), "rows")
}
