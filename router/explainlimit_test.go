package router

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/solver"
)

// TestExplain: by default an answer lists the 20 exclusions nearest the
// customer; NEAREST with max_excluded says how many, FULL lists all (an
// explicit max_excluded still caps), NONE lists none; excluded_total
// always counts them all and the plan is the same.
func TestExplain(t *testing.T) {
	n, st := bigNetwork(t, 200)
	e := newEnv(t, func(c *Config) { c.Network, c.Stock = n, st })
	route := func(x pb.Explain, max int32) *pb.Plan {
		resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("x"), Explain: x, MaxExcluded: max})
		require.NoError(t, err)
		return resp.Plan
	}
	full := route(pb.Explain_EXPLAIN_FULL, 0)
	total := full.ExcludedTotal
	require.Greater(t, total, int32(100))
	assert.Len(t, full.Excluded, int(total))
	for _, c := range []struct {
		name    string
		explain pb.Explain
		max     int32
		want    int
	}{
		{"default", pb.Explain_EXPLAIN_UNSPECIFIED, 0, DefaultMaxExcluded},
		{"default with max", pb.Explain_EXPLAIN_UNSPECIFIED, 5, 5},
		{"nearest", pb.Explain_EXPLAIN_NEAREST, 0, DefaultMaxExcluded},
		{"nearest 7", pb.Explain_EXPLAIN_NEAREST, 7, 7},
		{"full capped", pb.Explain_EXPLAIN_FULL, 9, 9},
		{"none", pb.Explain_EXPLAIN_NONE, 0, 0},
		{"none beats max", pb.Explain_EXPLAIN_NONE, 9, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := route(c.explain, c.max)
			assert.Len(t, p.Excluded, c.want)
			assert.Equal(t, total, p.ExcludedTotal)
			assert.Equal(t, full.TotalCost, p.TotalCost)
			assert.Equal(t, full.Shipments[0].NodeId, p.Shipments[0].NodeId)
		})
	}
	_, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("bad"), Explain: 42})
	assert.Equal(t, codes.InvalidArgument, status.Code(err))
	assert.Contains(t, status.Convert(err).Message(), "explain: unknown value 42")
}

// TestNearestExcludedSelects: keeping the k best while scanning gives the
// k first of a full sort, for every k, ties and all.
func TestNearestExcludedSelects(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	p := &solver.Problem{}
	var excl []solver.Exclusion
	for i := range 300 {
		p.Options = append(p.Options, solver.Option{DistanceKm: float64(rng.IntN(40))}) // many ties
		if rng.IntN(3) > 0 {
			excl = append(excl, solver.Exclusion{Option: i, Reason: solver.ReasonNoStock})
		}
	}
	excl = append(excl, solver.Exclusion{Option: 999}) // out of range: last
	sorted := slices.Clone(excl)
	slices.SortFunc(sorted, func(a, b solver.Exclusion) int {
		da, db := 1e300, 1e300
		if a.Option < len(p.Options) {
			da = p.Options[a.Option].DistanceKm
		}
		if b.Option < len(p.Options) {
			db = p.Options[b.Option].DistanceKm
		}
		return cmp.Or(cmp.Compare(da, db), cmp.Compare(a.Option, b.Option))
	})
	plan := &solver.Plan{Excluded: excl}
	for _, k := range []int{1, 2, 20, 100, len(excl) - 1} {
		var got []solver.Exclusion
		for _, e := range listExcluded(p, plan, k, nil, len(excl)) {
			got = append(got, solver.Exclusion{Option: e.index, Reason: e.reason})
		}
		assert.Equal(t, sorted[:k], got, "k=%d", k)
	}
	// At most the limit: every one, in option order.
	assert.Len(t, listExcluded(p, plan, len(excl), nil, len(excl)), len(excl))
	assert.Equal(t, excl[0].Option, listExcluded(p, plan, len(excl), nil, len(excl))[0].index)
}
