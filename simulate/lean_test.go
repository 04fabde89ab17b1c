package simulate

import (
	"fmt"
	"io"
	"testing"

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
	orders := 3000
	if testing.Short() {
		orders = 500
	}
	net, table, ords, _ := benchData(t, orders)
	for _, name := range PolicyNames() {
		t.Run("policy="+name, func(t *testing.T) {
			st := &replayState{table: table.Clone(), acc: newAccumulator(net)}
			fullPol, err := NewPolicy(name, net)
			if err != nil {
				t.Fatal(err)
			}
			leanPol, err := NewPolicy(name, net)
			if err != nil {
				t.Fatal(err)
			}
			full, lean := network.NewBuilder(net, nil), network.NewBuilder(net, nil)
			var pf, pl solver.Problem
			rc, err := ords.Open()
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			or, err := NewOrderReader(rc, ords.Name(), false)
			if err != nil {
				t.Fatal(err)
			}
			unfilled := 0
			for n := 0; ; n++ {
				o, err := or.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if n%500 == 0 {
					st.table.ResetDay()
				}
				if err := full.Build(o, st.table, st.table, &pf); err != nil {
					t.Fatal(err)
				}
				if err := lean.BuildEligible(o, st.table, st.table, &pl); err != nil {
					t.Fatal(err)
				}
				planF, err := fullPol.Choose(&pf, solverSettings())
				if err != nil {
					t.Fatal(err)
				}
				planL, err := leanPol.Choose(&pl, solverSettings())
				if err != nil {
					t.Fatal(err)
				}
				if a, b := decisionKey(&pf, planF), decisionKey(&pl, planL); a != b {
					t.Fatalf("order %s: plans differ\nfull: %s\nlean: %s", o.ID, a, b)
				}
				if anyUsable(&pl) {
					for _, u := range planL.Unfilled {
						unfilled++
						if a, b := unfilledReason(&pf, u.Line), unfilledReason(&pl, u.Line); a != b {
							t.Fatalf("order %s line %d: reason %v from the full problem, %v from the lean one", o.ID, u.Line, a, b)
						}
					}
				}
				if err := st.commit(&pl, planL); err != nil {
					t.Fatal(err)
				}
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
