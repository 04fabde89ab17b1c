package simulate

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stretchr/testify/assert"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.True(t, bytes.Equal(want, got), "%s differs from the golden file (go test -update to accept):\n got:\n%s\nwant:\n%s", name, got, want)
}

// TestGoldenOutputs pins the JSON and table outputs of the tiny replay,
// solve times set to zero.
func TestGoldenOutputs(t *testing.T) {
	res, err := Run(context.Background(), tinyConfig(t, tinyOrders))
	require.NoError(t, err)
	for i := range res.Results {
		res.Results[i].SolveTimeUS = Percentiles{}
	}
	var js bytes.Buffer
	enc := json.NewEncoder(&js)
	enc.SetIndent("", "  ")
	require.NoError(t, enc.Encode(res))
	golden(t, "tiny.json.golden", js.Bytes())
	var tab bytes.Buffer
	require.NoError(t, WriteTable(&tab, res))
	golden(t, "tiny.table.golden", tab.Bytes())
}
