package lp

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNonbasicRowsFollowTheBasis: the rows over the nonbasic columns,
// updated exchange by exchange as the dual simplex updates them, are those
// built afresh from the basis after each: the same columns in the same
// order with the same coefficients.
func TestNonbasicRowsFollowTheBasis(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 9))
	for trial := 0; trial < 20; trial++ {
		model := randomModel(rng, 5+rng.IntN(30), 10+rng.IntN(60), 0.2)
		s := newSimplex(model, nil)
		s.nonbasic.build(s)
		for step := 0; step < 200; step++ {
			// Exchange a random basic variable for a random nonbasic one.
			r := rng.IntN(s.m)
			out := s.head[r]
			in := rng.IntN(s.n + s.m)
			if s.state[in] == stateBasic {
				continue
			}
			s.state[out], s.state[in] = stateLower, stateBasic
			s.head[r] = in
			s.nonbasic.swap(s, in, out)

			var fresh nonbasicRows
			fresh.build(s)
			for i := 0; i < s.m; i++ {
				gotCols, gotVals := s.nonbasic.row(i)
				wantCols, wantVals := fresh.row(i)
				require.Equal(t, wantCols, gotCols, "trial %d step %d row %d", trial, step, i)
				require.Equal(t, wantVals, gotVals, "trial %d step %d row %d", trial, step, i)
				for _, j := range gotCols {
					require.NotEqual(t, stateBasic, s.state[j])
				}
				require.True(t, slices.IsSorted(gotCols))
			}
		}
	}
}
