package lp

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAddColumn: a model grown column by column into existing rows, as a
// column-generation master grows, is the model written row by row: the
// same rows, the same optimum; and a basis carried over (Basis.Map) to
// the grown model warm-starts it to that optimum.
func TestAddColumn(t *testing.T) {
	// twoVar with a third column z, 1 in both rows, written row by row.
	whole := NewModel("whole")
	x := whole.AddVar("x", 0, Inf, -1)
	y := whole.AddVar("y", 0, Inf, -1)
	z := whole.AddVar("z", 0, Inf, -1.5)
	whole.AddRow("a", -Inf, 4, []int{x, y, z}, []float64{1, 2, 1})
	whole.AddRow("b", -Inf, 6, []int{x, y, z}, []float64{3, 1, 1})

	grown := twoVar()
	first, err := Solve(context.Background(), grown, Settings{})
	require.NoError(t, err)
	j := grown.AddColumn("z", 0, Inf, -1.5, []int{1, 0}, []float64{1, 1})
	assert.Equal(t, 2, j)
	for i := 0; i < 2; i++ {
		cols, vals := grown.Row(i)
		wc, wv := whole.Row(i)
		assert.Equal(t, wc, cols, "row %d", i)
		assert.Equal(t, wv, vals, "row %d", i)
	}
	assert.Equal(t, whole.NumNonzeros(), grown.NumNonzeros())

	want, err := Solve(context.Background(), whole, Settings{})
	require.NoError(t, err)
	require.Equal(t, StatusOptimal, want.Status)
	warm, err := Solve(context.Background(), grown, Settings{Start: first.Basis.Map([]int{0, 1, -1}, []int{0, 1})})
	require.NoError(t, err)
	require.Equal(t, StatusOptimal, warm.Status)
	assert.InDelta(t, want.Objective, warm.Objective, testTol)
	assert.Less(t, warm.Objective, first.Objective-testTol)

	// A zero coefficient is dropped.
	k := grown.AddColumn("w", 0, Inf, 1, []int{0, 1}, []float64{0, 2})
	cols, _ := grown.Row(0)
	assert.NotContains(t, cols, k)
	cols, _ = grown.Row(1)
	assert.Contains(t, cols, k)
}
