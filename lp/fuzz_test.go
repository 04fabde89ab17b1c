package lp

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzReadLP: ReadLP never panics, and a model it reads writes and reads
// back as the same model.
func FuzzReadLP(f *testing.F) {
	var buf bytes.Buffer
	require.NoError(f, mixedModel().WriteLP(&buf))
	f.Add(buf.String())
	f.Add("Maximize\n obj: x + 2 y\nSubject To\n c1: x + y <= 4\n c2: x\n  - y >= -2\nBounds\n x <= 3\nEnd\n")
	f.Add("Minimize\n obj: - x\nSubject To\n r: 2 x - ~r_1 = 1\nBounds\n -inf <= ~r_1 <= 3\n x free\nEnd\n")
	f.Fuzz(func(t *testing.T, src string) {
		m, err := ReadLP(bytes.NewReader([]byte(src)))
		if err != nil {
			return
		}
		if m.validate() != nil {
			return // readable but not solvable (e.g. lo > hi): Solve reports it
		}
		var out bytes.Buffer
		require.NoError(t, m.WriteLP(&out))
		back, err := ReadLP(&out)
		require.NoError(t, err, out.String())
		requireSameModel(t, m, back)
	})
}
