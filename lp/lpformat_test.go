package lp

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mixedModel has every kind of bound and row the format must carry.
func mixedModel() *Model {
	m := NewModel("mixed")
	x := m.AddVar("x", -3, 5, 2)
	y := m.AddVar("y", -Inf, Inf, 3)
	z := m.AddVar("z", 2, 2, -1)
	w := m.AddVar("w", -Inf, 4, 1)
	v := m.AddVar("1st var*", 0, Inf, 0.5)
	u := m.AddVar("x", 1.5, Inf, 0.25) // clashes with x
	m.AddRow("r1", 1, 4, []int{x, y}, []float64{1, 1})
	m.AddRow("r2", -2, Inf, []int{x, y}, []float64{1, -1})
	m.AddRow("r3", 3, 3, []int{x, z, w}, []float64{1, 1, 1})
	m.AddRow("free", -Inf, Inf, []int{y, w, u}, []float64{1, 1, 1})
	m.AddRow("", -Inf, 10, []int{y, w, v, u}, []float64{1, 1, 1e-3, 1})
	return m
}

func TestWriteLP(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, mixedModel().WriteLP(&buf))
	want := `\* Problem: mixed *\

Minimize
 obj: + 2 x + 3 y - z + w + 0.5 _1st_var_ + 0.25 x6

Subject To
 r1: + x + y - ~r_1 = 1
 r2: + x - y >= -2
 r3: + x + z + w = 3
 _free: + y + w + x6 - ~r_4 = 0
 r5: + y + w + 0.001 _1st_var_ + x6 <= 10

Bounds
 0 <= ~r_1 <= 3
 ~r_4 free
 -3 <= x <= 5
 y free
 z = 2
 -Inf <= w <= 4
 x6 >= 1.5

End
`
	assert.Equal(t, want, buf.String())
}

func TestReadLPRoundTrip(t *testing.T) {
	m := mixedModel()
	var buf bytes.Buffer
	require.NoError(t, m.WriteLP(&buf))
	back, err := ReadLP(&buf)
	require.NoError(t, err)
	requireSameModel(t, m, back)
	assert.Equal(t, "mixed", back.Name())
	assert.Equal(t, "_1st_var_", back.VarName(4))

	// What glpsol writes of our file reads back as the same model too.
	glpsol := glpsolPath(t)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.lp"), filepath.Join(dir, "out.lp")
	buf.Reset()
	require.NoError(t, m.WriteLP(&buf))
	require.NoError(t, os.WriteFile(in, buf.Bytes(), 0o644))
	msg, err := exec.Command(glpsol, "--lp", in, "--wlp", out).CombinedOutput()
	require.NoError(t, err, string(msg))
	f, err := os.Open(out)
	require.NoError(t, err)
	defer f.Close()
	fromGlpsol, err := ReadLP(f)
	require.NoError(t, err)
	requireSameModel(t, m, fromGlpsol)
	a, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	b, err := Solve(context.Background(), fromGlpsol, Settings{})
	require.NoError(t, err)
	assert.InDelta(t, a.Objective, b.Objective, 1e-9)
}

func TestReadLPMaximize(t *testing.T) {
	src := "Maximize\n obj: x + 2 y\nSubject To\n c1: x + y <= 4\n c2: x\n  - y >= -2\nBounds\n x <= 3\nEnd\n"
	m, err := ReadLP(bytes.NewReader([]byte(src)))
	require.NoError(t, err)
	require.Equal(t, 2, m.NumVars())
	assert.Equal(t, -1.0, m.Cost(0))
	assert.Equal(t, -2.0, m.Cost(1))
	res, err := Solve(context.Background(), m, Settings{})
	require.NoError(t, err)
	requireOptimal(t, m, res, testTol)
	assert.InDelta(t, -7, res.Objective, 1e-9) // x=1, y=3
}

func TestReadLPErrors(t *testing.T) {
	cases := map[string]struct{ src, want string }{
		"no objective":   {"Subject To\n c: x >= 1\nEnd\n", `line 1: CPLEX LP format: "Subject To" before the objective section`},
		"missing rhs":    {"Minimize\n obj: x\nSubject To\n c: x + y >=\nEnd\n", `line 4: CPLEX LP format: row "c" needs a number after >=`},
		"no operator":    {"Minimize\n obj: x\nSubject To\n c: x + y\nEnd\n", `row "c" needs <=, >= or =`},
		"constant":       {"Minimize\n obj: x + 3\nEnd\n", "line 2: CPLEX LP format: a term without a variable"},
		"integer":        {"Minimize\n obj: x\nGeneral\n x\nEnd\n", `line 3: CPLEX LP format: section "General" not supported`},
		"bad bound":      {"Minimize\n obj: x\nBounds\n x <= y\nEnd\n", "line 4: CPLEX LP format: bound: expected a number"},
		"duplicate row":  {"Minimize\n obj: x\nSubject To\n c: x >= 1\n c: x <= 3\nEnd\n", `line 5: CPLEX LP format: row "c" defined twice`},
		"after end":      {"Minimize\n obj: x\nEnd\n x\n", "line 4"},
		"bad number":     {"Minimize\n obj: 1.2.3 x\nEnd\n", `line 2: CPLEX LP format: number "1.2.3"`},
		"bound operator": {"Minimize\n obj: x\nBounds\n 3 x\nEnd\n", "line 4: CPLEX LP format: bound: a number must be followed by"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ReadLP(bytes.NewReader([]byte(tc.src)))
			require.Error(t, err)
			assert.True(t, errors.Is(err, ErrLPFormat), err.Error())
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
