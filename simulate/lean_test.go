package simulate

import (
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// TestLeanBuildSamePlans replays a generated 300-node dataset with every
// policy twice in step, once over the full problem (network.Builder.Build)
// and once over the lean one (BuildEligible), committing the plans to one
// shared stock: every plan must be the same (total cost exactly,
// shipments as node, method, partner and lines, unfilled lines), and an
// unfilled line must get the same reason from the lean problem whenever
// the replay explains it from there (some option usable).
func TestLeanBuildSamePlans(t *testing.T) {
	t.Parallel()
	orders := 3000
	if testing.Short() {
		orders = 500
	}
	net, table, ords, _ := benchData(t, orders)
	for _, name := range PolicyNames() {
		t.Run("policy="+name, func(t *testing.T) {
			st := &replayState{table: table.Clone(), acc: newAccumulator(net)}
			fullPol, err := NewPolicy(name, net)
			require.NoError(t, err)
			leanPol, err := NewPolicy(name, net)
			require.NoError(t, err)
			full, lean := network.NewBuilder(net, nil), network.NewBuilder(net, nil)
			var pf, pl solver.Problem
			rc, err := ords.Open()
			require.NoError(t, err)
			defer rc.Close()
			or, err := NewOrderReader(rc, ords.Name(), false)
			require.NoError(t, err)
			unfilled := 0
			for n := 0; ; n++ {
				o, err := or.Next()
				if err == io.EOF {
					break
				}
				require.NoError(t, err)
				if n%500 == 0 {
					st.table.ResetDay()
				}
				require.NoError(t, full.Build(o, st.table, st.table, &pf))
				require.NoError(t, lean.BuildEligible(o, st.table, st.table, &pl))
				planF, err := fullPol.Choose(&pf, solverSettings())
				require.NoError(t, err)
				planL, err := leanPol.Choose(&pl, solverSettings())
				require.NoError(t, err)
				require.Equal(t, decisionKey(&pl, planL), decisionKey(&pf, planF), "order %s: plans differ\nfull", o.ID)
				if anyUsable(&pl) {
					for _, u := range planL.Unfilled {
						unfilled++
						require.Equal(t, unfilledReason(&pl, u.Line), unfilledReason(&pf, u.Line), "order %s line %d: reason", o.ID, u.Line)
					}
				}
				require.NoError(t, st.commit(&pl, planL))
			}
			t.Logf("%d unfilled lines explained from the lean problem", unfilled)
		})
	}
}

// decisionKey renders what a plan decides: total cost (exactly), shipments
// as node, method, partner and lines, and the unfilled lines.
func decisionKey(p *solver.Problem, plan *solver.Plan) string {
	s := fmt.Sprintf("total=%v", plan.TotalCost)
	for _, sh := range plan.Shipments {
		op := &p.Options[sh.Option]
		s += fmt.Sprintf(" | %s %v %s cost=%v eta=%d %v", op.NodeID, op.Method, op.Partner, sh.Cost, sh.ETAMinutes, sh.Lines)
	}
	for _, u := range plan.Unfilled {
		s += fmt.Sprintf(" | unfilled %d:%d", u.Line, u.Quantity)
	}
	return s
}
