package simulate

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/omniroute/omniroute/solver"
)

// kpiRow is one row of the side-by-side table: a label and how to format
// the figure of a result.
type kpiRow struct {
	label string
	value func(r *Result) string
}

// The rows of the hindsight bound, shown only when some result has one.
const (
	boundRow = "bound"
	gapRow   = "gap to bound"
)

func pct(x float64) string { return strconv.FormatFloat(100*x, 'f', 2, 64) + "%" }
func num(x float64, d int) string {
	return strconv.FormatFloat(x, 'f', d, 64)
}
func integer(n int64) string { return strconv.FormatInt(n, 10) }

// optNum formats a figure that may be absent ("-").
func optNum(x *float64, f func(float64, int) string, d int) string {
	if x == nil {
		return "-"
	}
	return f(*x, d)
}

// kpiRows are the rows of res's table and report: the bound's only when a
// result has one, the transfer rows only when some replay applied a
// transfer plan.
func kpiRows(res *Results) []kpiRow {
	rows := kpiRowsAll(res)
	for i := range res.Results {
		if res.Results[i].Bound != nil {
			return rows
		}
	}
	return slices.DeleteFunc(rows, func(r kpiRow) bool { return r.label == boundRow || r.label == gapRow })
}

func kpiRowsAll(res *Results) []kpiRow {
	rows := []kpiRow{
		{"orders", func(r *Result) string { return integer(r.Orders) }},
		{"invalid orders", func(r *Result) string { return integer(r.InvalidOrders) }},
		{"lines", func(r *Result) string { return integer(r.Lines) }},
		{"fill rate", func(r *Result) string { return pct(r.FillRate) }},
		{"unfilled units", func(r *Result) string { return integer(r.UnfilledUnits) }},
	}
	if hasUneconomic(res) {
		rows = append(rows, kpiRow{"uneconomic units (unsold)", func(r *Result) string {
			return integer(r.UneconomicUnits) + " (" + integer(r.UneconomicUnsold) + ")"
		}})
	}
	rows = append(rows, []kpiRow{
		{"total cost", func(r *Result) string { return num(r.TotalCost, 2) }},
		{"lost-sale cost", func(r *Result) string { return num(r.LostSaleCost, 2) }},
	}...)
	if hasTransfers(res) {
		rows = append(rows, kpiRow{"transfer cost", func(r *Result) string { return num(r.TransferCost, 2) }})
	}
	if slices.ContainsFunc(res.Results, func(r Result) bool { return r.RedirectedPickups > 0 }) {
		rows = append(rows, kpiRow{"redirected pickups", func(r *Result) string { return integer(r.RedirectedPickups) }})
	}
	rows = append(rows, []kpiRow{
		{"total cost with lost sales", func(r *Result) string { return num(r.TotalWithLost, 2) }},
		{boundRow, func(r *Result) string { return optNum(r.Bound, num, 2) }},
		{gapRow, func(r *Result) string {
			return optNum(r.GapToBound, func(x float64, _ int) string { return pct(x) }, 0)
		}},
		{"cost per order", func(r *Result) string { return num(r.CostPerOrder, 4) }},
		{"shipments per order", func(r *Result) string { return num(r.ShipmentsPerOrder, 4) }},
		{"split rate", func(r *Result) string { return pct(r.SplitRate) }},
		{"avg distance km", func(r *Result) string { return num(r.AvgDistanceKm, 2) }},
		{"SLA hit rate", func(r *Result) string { return pct(r.SLAHitRate) }},
	}...)
	for _, m := range solver.Methods() {
		name := m.String()
		rows = append(rows, kpiRow{"mix " + name, func(r *Result) string { return pct(r.MethodMix[name]) }})
	}
	rows = append(rows,
		kpiRow{"node utilization mean", func(r *Result) string { return pct(r.NodeUtilization.Mean) }},
		kpiRow{"node utilization max", func(r *Result) string { return pct(r.NodeUtilization.Max) }},
		kpiRow{"stockout events", func(r *Result) string { return integer(r.StockoutEvents) }},
		kpiRow{"solve time p50 us", func(r *Result) string { return num(r.SolveTimeUS.P50, 2) }},
		kpiRow{"solve time p99 us", func(r *Result) string { return num(r.SolveTimeUS.P99, 2) }},
	)
	rows = append(rows, kindRows(res)...)
	if hasTransfers(res) {
		rows = append(rows,
			kpiRow{"transfer units", func(r *Result) string { return integer(r.TransferUnits) }},
			kpiRow{"transfer short units", func(r *Result) string { return integer(r.TransferShortUnits) }},
			kpiRow{"supply units", func(r *Result) string { return integer(r.SupplyUnits) }},
		)
	}
	if slices.ContainsFunc(res.Results, func(r Result) bool { return r.WalkInUnits > 0 }) {
		rows = append(rows,
			kpiRow{"walk-in units", func(r *Result) string { return integer(r.WalkInUnits) }},
			kpiRow{"walk-in short units", func(r *Result) string { return integer(r.WalkInShortUnits) }},
			kpiRow{"walk-in lost cost", func(r *Result) string { return num(r.WalkInLostCost, 2) }},
		)
	}
	return rows
}

// kindRows are the rows of the gap to the hindsight routing by kind of
// order (Result.GapByKind), for the kinds some result has: the gap, and
// the orders left short, the policy's beside the hindsight routing's.
func kindRows(res *Results) []kpiRow {
	var rows []kpiRow
	for _, kind := range orderKinds {
		has := false
		for i := range res.Results {
			has = has || kindGap(&res.Results[i], kind) != nil
		}
		if !has {
			continue
		}
		rows = append(rows,
			kpiRow{"gap to hindsight, " + kind, func(r *Result) string {
				if g := kindGap(r, kind); g != nil {
					return num(g.Gap, 2)
				}
				return "-"
			}},
			kpiRow{"short orders (hindsight), " + kind, func(r *Result) string {
				if g := kindGap(r, kind); g != nil {
					return integer(g.ShortOrders) + " (" + integer(g.HindsightShortOrders) + ")"
				}
				return "-"
			}},
		)
	}
	return rows
}

// kindGap returns r's row of GapByKind for kind, nil when it has none.
func kindGap(r *Result, kind string) *KindGap {
	for i := range r.GapByKind {
		if r.GapByKind[i].Kind == kind {
			return &r.GapByKind[i]
		}
	}
	return nil
}

// hasTransfers reports whether some replay of res applied a transfer plan.
func hasTransfers(res *Results) bool {
	for i := range res.Results {
		if res.Results[i].Series.NodeTransferIn != nil {
			return true
		}
	}
	return false
}

// columnTitle is a result's column heading; partial results carry a "*".
func columnTitle(r *Result) (scenario, policy string) {
	policy = r.Policy
	if r.Partial {
		policy += "*"
	}
	return r.Scenario, policy
}

// WriteTable prints the results side by side: one column per (scenario,
// policy), one row per KPI, numbers aligned right.
func WriteTable(w io.Writer, res *Results) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	line := func(label string, cell func(r *Result) string) {
		fmt.Fprintf(tw, "%s\t", label)
		for i := range res.Results {
			fmt.Fprintf(tw, "%s\t", cell(&res.Results[i]))
		}
		fmt.Fprintln(tw)
	}
	line("scenario", func(r *Result) string { s, _ := columnTitle(r); return s })
	line("policy", func(r *Result) string { _, p := columnTitle(r); return p })
	for _, row := range kpiRows(res) {
		line(row.label, row.value)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, n := range boundNotes(res) {
		if _, err := fmt.Fprintf(w, "hindsight bound of %s\n", n); err != nil {
			return err
		}
	}
	for _, n := range hindsightNotes(res) {
		if _, err := fmt.Fprintf(w, "hindsight routing of %s\n", n); err != nil {
			return err
		}
	}
	if res.Partial {
		_, err := fmt.Fprintln(w, "* partial: the replay was interrupted before the end of the orders")
		return err
	}
	return nil
}

// WriteSkipped says on w, one line each, why orders were skipped
// (Config.SkipBad): the first MaxSkipNotes malformed rows and orders the
// network rejected, with file:line, then how many each replay skipped in
// all, which is the "invalid orders" row of the table and the report. Each
// line starts with prefix. It writes nothing when nothing was skipped.
func WriteSkipped(w io.Writer, res *Results, prefix string) error {
	var notes []string
	seen := map[string]bool{}
	add := func(note string) {
		if len(notes) < MaxSkipNotes && !seen[note] {
			seen[note] = true
			notes = append(notes, note)
		}
	}
	for _, b := range res.Input.Bad {
		add(b)
	}
	// A scenario's network rejects the same orders under every policy.
	var scenarios []string
	invalid := map[string]int64{}
	for i := range res.Results {
		r := &res.Results[i]
		for _, n := range r.Rejected {
			add(n)
		}
		if _, ok := invalid[r.Scenario]; !ok {
			scenarios = append(scenarios, r.Scenario)
			invalid[r.Scenario] = r.InvalidOrders
		}
	}
	var total int64
	same := true
	for _, s := range scenarios {
		same = same && invalid[s] == invalid[scenarios[0]]
		total = max(total, invalid[s])
	}
	if total == 0 && len(notes) == 0 {
		return nil
	}
	for _, n := range notes {
		if _, err := fmt.Fprintf(w, "%s%s: order skipped\n", prefix, n); err != nil {
			return err
		}
	}
	count := fmt.Sprintf("%d", total)
	if !same {
		parts := make([]string, len(scenarios))
		for i, s := range scenarios {
			parts[i] = fmt.Sprintf("%d under %s", invalid[s], s)
		}
		count = strings.Join(parts, ", ")
	}
	malformed := res.Input.SkippedOrders
	_, err := fmt.Fprintf(w, "%sinvalid orders skipped (--skip-bad): %s (%d with a malformed row, the rest rejected by the network); %d described above\n",
		prefix, count, malformed, len(notes))
	return err
}

// hindsightNotes says, once per scenario with a hindsight routing, what
// it cost and where the best possible lies: between the bound (named by
// its method) and the cheapest of the hindsight routing and the
// scenario's replays, named; or, where the routing meets the bound, that
// it is the best possible.
func hindsightNotes(res *Results) []string {
	var notes []string
	seen := map[string]bool{}
	for i := range res.Results {
		r := &res.Results[i]
		if r.HindsightCost == nil || r.Bound == nil || seen[r.Scenario] {
			continue
		}
		seen[r.Scenario] = true
		best, by := *r.HindsightCost, "it"
		for k := range res.Results {
			if o := &res.Results[k]; o.Scenario == r.Scenario && !o.Partial && o.TotalWithLost < best {
				best, by = o.TotalWithLost, o.Policy
			}
		}
		kind := "LP"
		if r.BoundMethod == BoundLagrangian {
			kind = "Lagrangian"
		}
		var note string
		switch {
		case *r.HindsightCost-*r.Bound <= 1e-4*max(1, *r.Bound):
			// The bound is rounded down to 4 decimals: within that, they meet.
			note = fmt.Sprintf("%s: %.2f, every order known, meets the %s bound: the best possible", r.Scenario, *r.HindsightCost, kind)
		case by == "it":
			note = fmt.Sprintf("%s: %.2f, every order known; the best possible lies between the %s bound, %.2f, and it", r.Scenario, *r.HindsightCost, kind, *r.Bound)
		default:
			note = fmt.Sprintf("%s: %.2f, every order known; the best possible lies between the %s bound, %.2f, and %s's %.2f", r.Scenario, *r.HindsightCost, kind, *r.Bound, by, best)
		}
		notes = append(notes, note)
	}
	return notes
}

// boundNotes says, once per scenario, why it has no hindsight bound or a
// weaker one:
// "SCENARIO: NOTE".
func boundNotes(res *Results) []string {
	var notes []string
	seen := map[string]bool{}
	for i := range res.Results {
		r := &res.Results[i]
		if r.BoundNote == "" || seen[r.Scenario] {
			continue
		}
		seen[r.Scenario] = true
		notes = append(notes, r.Scenario+": "+r.BoundNote)
	}
	return notes
}

// hasUneconomic reports whether a result left a unit unfilled by choice.
func hasUneconomic(res *Results) bool {
	for i := range res.Results {
		if res.Results[i].UneconomicUnits > 0 {
			return true
		}
	}
	return false
}
