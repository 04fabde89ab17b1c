package simulate

import (
	"cmp"
	"fmt"
	"html/template"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/omniroute/omniroute/solver"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// ReportTopNodes is how many nodes the utilisation chart shows per
// scenario; the rest are summarised in the panel's title.
const ReportTopNodes = 10

// ReportMapLabels is how many of the busiest nodes the maps name.
const ReportMapLabels = 8

// The report's chart files. Maps are one per policy of the first scenario:
// ChartMapPrefix + policy + ".svg".
const (
	ChartCostPerDay  = "cost_per_day.svg"
	ChartMethodMix   = "method_mix.svg"
	ChartSplitRate   = "split_rate.svg"
	ChartUtilization = "node_utilization.svg"
	// ChartGapByKind is drawn only when some run has a hindsight routing
	// (Result.GapByKind).
	ChartGapByKind = "gap_by_kind.svg"
	ChartMapPrefix = "map_"
)

// The report's colours. Policies take their colour by their position in
// the run (the same in every chart) from Okabe and Ito's palette, which
// stays distinct for colour-blind readers; beyond its eight colours lines
// also change their dashes. Methods have colours of their own.
var (
	policyPalette = []color.Color{
		rgb(0xE6, 0x9F, 0x00), // orange
		rgb(0x56, 0xB4, 0xE9), // sky blue
		rgb(0x00, 0x9E, 0x73), // bluish green
		rgb(0xD5, 0x5E, 0x00), // vermillion
		rgb(0x00, 0x72, 0xB2), // blue
		rgb(0xCC, 0x79, 0xA7), // reddish purple
		rgb(0xF0, 0xE4, 0x42), // yellow
		rgb(0x00, 0x00, 0x00), // black
	}
	methodColors = map[solver.Method]color.Color{
		solver.ShipFromStore: rgb(0x00, 0x72, 0xB2),
		solver.Pickup:        rgb(0x00, 0x9E, 0x73),
		solver.WarehouseShip: rgb(0xE6, 0x9F, 0x00),
		solver.Courier:       rgb(0xCC, 0x79, 0xA7),
	}
	customerColor = color.RGBA{R: 0x70, G: 0x70, B: 0x70, A: 0x60}
	unfilledColor = rgb(0xD5, 0x1E, 0x1E)
	idleColor     = rgb(0xB0, 0xB0, 0xB0)
)

func rgb(r, g, b uint8) color.RGBA { return color.RGBA{R: r, G: g, B: b, A: 255} }

// methodColor is m's colour; a method added later without one of its own
// is drawn grey until it gets one.
func methodColor(m solver.Method) color.Color {
	if c, ok := methodColors[m]; ok {
		return c
	}
	return rgb(0x80, 0x80, 0x80)
}

// policyStyle is the colour and dashes of the i-th policy.
func policyStyle(i int) (color.Color, []vg.Length) {
	c := policyPalette[i%len(policyPalette)]
	if i < len(policyPalette) {
		return c, nil
	}
	return c, []vg.Length{vg.Points(6), vg.Points(2 + 2*float64(i/len(policyPalette)))}
}

// Chart sizes: every chart is as wide as the page it is shown on (its SVG
// has a viewBox); chartWidth sets the scale of its text.
const (
	chartWidth  = 28 * vg.Centimeter
	legendWidth = 5.5 * vg.Centimeter
)

// figure is one chart file: panels stacked top to bottom, aligned, with
// an optional legend in a column of its own on the right.
type figure struct {
	file, title, caption string
	panels               []*plot.Plot
	panelHeight          vg.Length
	legend               *plot.Legend
}

func (f *figure) save(dir string) error {
	h := f.panelHeight * vg.Length(len(f.panels))
	img := vgsvg.New(chartWidth, h)
	dc := draw.New(img)
	area := dc
	if f.legend != nil {
		area = draw.Crop(dc, 0, -legendWidth, 0, 0)
		f.legend.Draw(draw.Crop(dc, chartWidth-legendWidth+vg.Points(8), 0, 0, -vg.Points(8)))
	}
	if len(f.panels) == 1 {
		f.panels[0].Draw(area)
	} else {
		rows := make([][]*plot.Plot, len(f.panels))
		for i, p := range f.panels {
			rows[i] = []*plot.Plot{p}
		}
		tiles := draw.Tiles{Rows: len(rows), Cols: 1, PadY: vg.Points(14), PadBottom: vg.Points(2)}
		for i, c := range plot.Align(rows, tiles, area) {
			rows[i][0].Draw(c[0])
		}
	}
	out, err := os.Create(filepath.Join(dir, f.file))
	if err != nil {
		return err
	}
	if _, err := img.WriteTo(out); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// runs is what the charts need to know about the results' layout.
type runs struct {
	res       *Results
	scenarios []string       // in result order
	policies  []string       // in result order
	policyIx  map[string]int // colour index of a policy
}

func newRuns(res *Results) runs {
	r := runs{res: res, policyIx: map[string]int{}}
	for i := range res.Results {
		x := &res.Results[i]
		if !slices.Contains(r.scenarios, x.Scenario) {
			r.scenarios = append(r.scenarios, x.Scenario)
		}
		if _, ok := r.policyIx[x.Policy]; !ok {
			r.policyIx[x.Policy] = len(r.policies)
			r.policies = append(r.policies, x.Policy)
		}
	}
	return r
}

// label names a run: the policy, with its scenario when there are several.
func (r runs) label(x *Result) string {
	if len(r.scenarios) > 1 {
		return x.Scenario + " / " + x.Policy
	}
	return x.Policy
}

// newLegend is a legend for the column on the right of a figure.
func newLegend() plot.Legend {
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.TextStyle.Font.Size = vg.Points(10)
	l.ThumbnailWidth = vg.Points(16)
	l.Padding = vg.Points(3)
	return l
}

// policyLegend is the key of the policy colours.
func (r runs) policyLegend() *plot.Legend {
	l := newLegend()
	for i, name := range r.policies {
		c, dashes := policyStyle(i)
		l.Add(name, legendLine{c, dashes})
	}
	return &l
}

// legendLine is a legend thumbnail: a thick line.
type legendLine struct {
	c      color.Color
	dashes []vg.Length
}

func (t legendLine) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(draw.LineStyle{Color: t.c, Width: vg.Points(3), Dashes: t.dashes}, c.Min.X, y, c.Max.X, y)
}

// legendBox is a legend thumbnail: a filled square, or a dot.
type legendBox struct {
	c   color.Color
	dot bool
}

func (t legendBox) Thumbnail(c *draw.Canvas) {
	if t.dot {
		g := draw.GlyphStyle{Color: t.c, Radius: vg.Points(3), Shape: draw.CircleGlyph{}}
		c.DrawGlyph(g, c.Center())
		return
	}
	side := min(c.Max.X-c.Min.X, c.Max.Y-c.Min.Y)
	ctr := c.Center()
	pts := []vg.Point{
		{X: ctr.X - side/2, Y: ctr.Y - side/2}, {X: ctr.X + side/2, Y: ctr.Y - side/2},
		{X: ctr.X + side/2, Y: ctr.Y + side/2}, {X: ctr.X - side/2, Y: ctr.Y + side/2},
	}
	c.FillPolygon(t.c, pts)
}

// percentAxis makes an axis of shares run from 0 to max (at most 1), with
// ticks as percentages.
func percentAxis(a *plot.Axis, max float64) {
	a.Min, a.Max = 0, max
	a.Tick.Marker = percentTicks{}
}

// percentTicks labels a share axis in percent, at most ten steps of a
// round share (10%, 5%, 2%, 1%, ...).
type percentTicks struct{}

// Ticks implements plot.Ticker.
func (percentTicks) Ticks(min, max float64) []plot.Tick {
	span := max - min
	if !(span > 0) {
		return []plot.Tick{{Value: min, Label: percent(min)}}
	}
	step := 0.1
	for _, s := range []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.025, 0.05, 0.1, 0.2, 0.25, 0.5, 1} {
		if span/s <= 10+1e-9 {
			step = s
			break
		}
	}
	var ticks []plot.Tick
	for k := math.Ceil(min/step - 1e-9); k*step <= max+1e-9; k++ {
		v := k * step
		if v == 0 {
			v = 0 // not -0
		}
		ticks = append(ticks, plot.Tick{Value: v, Label: percent(v)})
	}
	return ticks
}

// percent formats a share as a percentage with no needless decimals.
func percent(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e5)/1e3, 'f', -1, 64) + "%"
}

// niceShare is an axis end for shares up to x: 100% for large shares, a
// round figure above x for small ones, never above 100%.
func niceShare(x float64) float64 {
	for _, top := range []float64{0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5} {
		if x <= top*0.95 {
			return top
		}
	}
	return 1
}

// WriteReport writes dir/index.html: the KPI table side by side, and SVG
// charts of the cost per day (one panel per scenario), the method mix, the
// split rate, the utilisation of the busiest nodes (one panel per
// scenario) and a map per policy of the first scenario, with the nodes
// sized by the units they shipped and coloured by their method mix, and
// the customers.
func WriteReport(dir string, res *Results) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	r := newRuns(res)
	figures := []*figure{costPerDayFigure(r), methodMixFigure(r), splitRateFigure(r), utilizationFigure(r)}
	if f := gapByKindFigure(r); f != nil {
		figures = append(figures, f)
	}
	figures = append(figures, mapFigures(r)...)
	type chartRef struct{ File, Title, Caption string }
	var refs []chartRef
	for _, f := range figures {
		if err := f.save(dir); err != nil {
			return fmt.Errorf("report: %s: %w", f.file, err)
		}
		refs = append(refs, chartRef{f.file, f.title, f.caption})
	}
	type row struct {
		Label string
		Cells []string
	}
	var heads [][2]string
	for i := range res.Results {
		s, p := columnTitle(&res.Results[i])
		heads = append(heads, [2]string{s, p})
	}
	var rows []row
	var invalid int64
	for i := range res.Results {
		invalid = max(invalid, res.Results[i].InvalidOrders)
	}
	for _, kr := range kpiRows(res) {
		r := row{Label: kr.label}
		for i := range res.Results {
			r.Cells = append(r.Cells, kr.value(&res.Results[i]))
		}
		rows = append(rows, r)
	}
	f, err := os.Create(filepath.Join(dir, "index.html"))
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	savings, nodes := transferReport(res)
	err = reportTemplate.Execute(f, map[string]any{
		"Heads": heads, "Rows": rows, "Charts": refs, "Input": res.Input, "Partial": res.Partial,
		"FileOrders": res.Input.Orders + res.Input.SkippedOrders, "Invalid": invalid,
		"BoundNotes": boundNotes(res), "HindsightNotes": hindsightNotes(res), "Savings": savings, "TransferNodes": nodes,
	})
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

var reportTemplate = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>omniroute simulation report</title>
<style>
body{font-family:system-ui,sans-serif;margin:0 auto;padding:1em 2em;max-width:1800px;color:#222;line-height:1.4}
.wide{overflow-x:auto}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ccc;padding:.3em .6em;white-space:nowrap}td{text-align:right}th{background:#f3f3f3}
td.l{text-align:left;font-weight:600}
figure{margin:2em 0}
figure img{display:block;width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;margin:.3em 0 0}
</style></head><body>
<h1>omniroute simulation report</h1>
<p>{{.FileOrders}} orders in the file ({{.Input.Rows}} rows).
{{if .Invalid}}Each column replays all of them but its <em>invalid orders</em>, skipped with --skip-bad ({{.Input.SkippedOrders}} with a malformed row; the others rejected by the column's network).{{end}}
{{if .Input.OutOfOrder}}{{.Input.OutOfOrder}} orders came out of time order (first at line {{.Input.FirstOutOfOrderLine}}).{{end}}
{{if .Partial}}<strong>Partial: the replay was interrupted; columns marked * stop early.</strong>{{end}}</p>
{{range .BoundNotes}}<p>Hindsight bound of {{.}}</p>{{end}}
{{range .HindsightNotes}}<p>Hindsight routing of {{.}}</p>
{{end}}<h2>KPIs</h2>
<div class="wide"><table>
<tr><th>scenario</th>{{range .Heads}}<th>{{index . 0}}</th>{{end}}</tr>
<tr><th>policy</th>{{range .Heads}}<th>{{index . 1}}</th>{{end}}</tr>
{{range .Rows}}<tr><td class="l">{{.Label}}</td>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table></div>
{{if .Savings}}<h2>Transfer plan</h2>
<p>The saving is the baseline's total cost with lost sales minus the plan's, transfer cost included, under the same policy.</p>
<div class="wide"><table>
<tr><th>scenario</th><th>policy</th><th>expected saving</th><th>replayed saving</th></tr>
{{range .Savings}}<tr><td class="l">{{.Scenario}}</td><td class="l">{{.Policy}}</td><td>{{.Expected}}</td><td>{{.Replayed}}</td></tr>
{{end}}</table></div>
<h3>Stock per node ({{.TransferNodes.Of}})</h3>
<div class="wide"><table>
<tr><th>node</th><th>on hand before</th><th>in</th><th>out</th><th>after the plan</th></tr>
{{range .TransferNodes.Rows}}<tr><td class="l">{{.ID}}</td><td>{{.Before}}</td><td>{{.In}}</td><td>{{.Out}}</td><td>{{.After}}</td></tr>
{{end}}</table></div>{{end}}
{{range .Charts}}<figure>
<h2>{{.Title}}</h2>
<img src="{{.File}}" alt="{{.Title}}">
{{if .Caption}}<figcaption>{{.Caption}}</figcaption>{{end}}
</figure>
{{end}}</body></html>
`))

// costPerDayFigure has a panel per scenario, a line per policy, on one
// cost scale.
func costPerDayFigure(r runs) *figure {
	top := 0.0
	for i := range r.res.Results {
		for _, c := range r.res.Results[i].Series.DayCost {
			top = max(top, c)
		}
	}
	var panels []*plot.Plot
	for _, sc := range r.scenarios {
		p := plot.New()
		p.Title.Text = "Cost per day"
		if len(r.scenarios) > 1 {
			p.Title.Text += ": " + sc
		}
		p.X.Label.Text = "day"
		p.Y.Label.Text = "cost"
		p.Add(plotter.NewGrid())
		for i := range r.res.Results {
			x := &r.res.Results[i]
			if x.Scenario != sc || len(x.Series.DayCost) == 0 {
				continue
			}
			pts := make(plotter.XYs, len(x.Series.DayCost))
			for d, c := range x.Series.DayCost {
				pts[d] = plotter.XY{X: float64(d + 1), Y: c}
			}
			l, dots, err := plotter.NewLinePoints(pts)
			if err != nil {
				continue // NaN or Inf: nothing to draw
			}
			l.Color, l.Dashes = policyStyle(r.policyIx[x.Policy])
			l.Width = vg.Points(2)
			dots.Color = l.Color
			dots.Shape = draw.CircleGlyph{}
			dots.Radius = vg.Points(2.5)
			p.Add(l, dots)
		}
		p.Y.Min, p.Y.Max = 0, math.Max(top*1.05, 1)
		p.X.Min = 1
		panels = append(panels, p)
	}
	return &figure{
		file: ChartCostPerDay, title: "Cost per day",
		caption: "One panel per scenario, on the same scale; one line per policy.",
		panels:  panels, panelHeight: 8 * vg.Centimeter, legend: r.policyLegend(),
	}
}

// barRows is the height of a chart of n horizontal bars.
func barRows(n int) vg.Length {
	return vg.Length(n)*0.75*vg.Centimeter + 3*vg.Centimeter
}

// runNames are the results' labels, bottom to top as a y axis lists them.
func (r runs) runNames() []string {
	n := len(r.res.Results)
	names := make([]string, n)
	for i := range r.res.Results {
		names[n-1-i] = r.label(&r.res.Results[i])
	}
	return names
}

// methodMixFigure stacks each run's shares of shipments per method into
// one horizontal bar from 0 to 100%.
func methodMixFigure(r runs) *figure {
	p := plot.New()
	p.Title.Text = "Method mix (share of shipments)"
	n := len(r.res.Results)
	var under *plotter.BarChart
	l := newLegend()
	for _, m := range solver.Methods() {
		vals := make(plotter.Values, n)
		for i := range r.res.Results {
			vals[n-1-i] = r.res.Results[i].MethodMix[m.String()]
		}
		b, err := plotter.NewBarChart(vals, vg.Points(16))
		if err != nil {
			continue
		}
		b.Horizontal = true
		b.LineStyle.Width = 0
		b.Color = methodColor(m)
		if under != nil {
			b.StackOn(under)
		}
		under = b
		p.Add(b)
		l.Add(m.String(), legendBox{c: b.Color})
	}
	p.NominalY(r.runNames()...)
	percentAxis(&p.X, 1)
	p.Add(plotter.NewGrid())
	return &figure{
		file: ChartMethodMix, title: "Method mix",
		caption: "Each bar is one run's shipments, split by method; it ends at 100% (a run that shipped nothing has no bar).",
		panels:  []*plot.Plot{p}, panelHeight: barRows(n), legend: &l,
	}
}

// splitRateFigure is one horizontal bar per run, in its policy's colour.
func splitRateFigure(r runs) *figure {
	p := plot.New()
	p.Title.Text = "Split rate (share of served orders in 2+ shipments)"
	n := len(r.res.Results)
	top := 0.0
	for i := range r.res.Results {
		top = max(top, r.res.Results[i].SplitRate)
	}
	for i := range r.res.Results {
		x := &r.res.Results[i]
		vals := make(plotter.Values, n)
		vals[n-1-i] = x.SplitRate
		b, err := plotter.NewBarChart(vals, vg.Points(16))
		if err != nil {
			continue
		}
		b.Horizontal = true
		b.LineStyle.Width = 0
		b.Color, _ = policyStyle(r.policyIx[x.Policy])
		p.Add(b)
	}
	p.NominalY(r.runNames()...)
	percentAxis(&p.X, niceShare(top))
	p.Add(plotter.NewGrid())
	return &figure{
		file: ChartSplitRate, title: "Split rate",
		caption: "The axis ends at the first round share above the largest split rate, at most 100%.",
		panels:  []*plot.Plot{p}, panelHeight: barRows(n), legend: r.policyLegend(),
	}
}

// utilizationFigure has a panel per scenario: its ReportTopNodes busiest
// nodes (by their highest utilisation in any of its runs), busiest on top,
// with a bar per policy; the title summarises the other nodes.
func utilizationFigure(r runs) *figure {
	var panels []*plot.Plot
	rowsMax := 1
	for _, sc := range r.scenarios {
		var results []*Result
		for i := range r.res.Results {
			if r.res.Results[i].Scenario == sc {
				results = append(results, &r.res.Results[i])
			}
		}
		type nodeMax struct {
			id  string
			max float64
		}
		best := map[string]float64{}
		var order []string
		for _, x := range results {
			for n, u := range x.Series.NodeUtil {
				if math.IsNaN(u) {
					continue
				}
				id := x.Series.NodeIDs[n]
				if _, ok := best[id]; !ok {
					order = append(order, id)
				}
				best[id] = max(best[id], u)
			}
		}
		nodes := make([]nodeMax, 0, len(order))
		for _, id := range order {
			nodes = append(nodes, nodeMax{id, best[id]})
		}
		slices.SortStableFunc(nodes, func(a, b nodeMax) int {
			if c := cmp.Compare(b.max, a.max); c != 0 {
				return c
			}
			return cmp.Compare(a.id, b.id)
		})
		top, rest := nodes[:min(len(nodes), ReportTopNodes)], nodes[min(len(nodes), ReportTopNodes):]
		rowsMax = max(rowsMax, len(top))

		p := plot.New()
		p.Title.Text = "Node utilisation"
		if len(r.scenarios) > 1 {
			p.Title.Text += ": " + sc
		}
		if len(rest) > 0 {
			p.Title.Text += fmt.Sprintf(" (the other %d nodes with a capacity: at most %.0f%%)", len(rest), 100*rest[0].max)
		}
		k := len(top)
		names := make([]string, k)
		for j, nd := range top {
			names[k-1-j] = nd.id
		}
		bar := vg.Points(max(3, 18/float64(max(len(results), 1))))
		for pi, x := range results {
			idx := map[string]int{}
			for n, id := range x.Series.NodeIDs {
				idx[id] = n
			}
			vals := make(plotter.Values, k)
			for j, nd := range top {
				if n, ok := idx[nd.id]; ok && !math.IsNaN(x.Series.NodeUtil[n]) {
					vals[k-1-j] = x.Series.NodeUtil[n]
				}
			}
			if k == 0 {
				continue
			}
			if b := r.groupBar(vals, bar, x.Policy, pi, len(results)); b != nil {
				p.Add(b)
			}
		}
		if k > 0 {
			p.NominalY(names...)
		}
		percentAxis(&p.X, 1)
		p.X.Label.Text = "units picked / (daily capacity x days)"
		p.Add(plotter.NewGrid())
		panels = append(panels, p)
	}
	return &figure{
		file: ChartUtilization, title: "Utilisation of the busiest nodes",
		caption: fmt.Sprintf("Per scenario, the %d nodes with a daily capacity that came closest to it in any run, busiest on top; one bar per policy. The KPI table has the mean over every node.", ReportTopNodes),
		panels:  panels, panelHeight: vg.Length(rowsMax)*vg.Length(len(r.policies)+1)*0.22*vg.Centimeter + 3*vg.Centimeter,
		legend: r.policyLegend(),
	}
}

// groupBar is the horizontal bar chart of vals, bar thick, in policy's
// colour, placed pi-th of n bars grouped around each row (the first on
// top); nil when vals cannot be drawn.
func (r runs) groupBar(vals plotter.Values, bar vg.Length, policy string, pi, n int) *plotter.BarChart {
	b, err := plotter.NewBarChart(vals, bar)
	if err != nil {
		return nil
	}
	b.Horizontal = true
	b.LineStyle.Width = 0
	b.Color, _ = policyStyle(r.policyIx[policy])
	b.Offset = (vg.Length(n-1)/2 - vg.Length(pi)) * bar
	return b
}

// gapByKindFigure has a panel per scenario whose runs have a hindsight
// routing: the kinds of order its runs have (Result.GapByKind), the first
// on top, with a bar per policy of what its orders of that kind cost more
// than in hindsight (less, to the left of 0). Nil when no run has one.
func gapByKindFigure(r runs) *figure {
	var panels []*plot.Plot
	rowsMax := 0
	for _, sc := range r.scenarios {
		var results []*Result
		var kinds []string
		for i := range r.res.Results {
			x := &r.res.Results[i]
			if x.Scenario != sc || len(x.GapByKind) == 0 {
				continue
			}
			results = append(results, x)
			for _, g := range x.GapByKind {
				if !slices.Contains(kinds, g.Kind) {
					kinds = append(kinds, g.Kind)
				}
			}
		}
		if len(results) == 0 {
			continue
		}
		// The kinds in orderKinds' order, the first on top.
		slices.SortFunc(kinds, func(a, b string) int {
			return cmp.Compare(slices.Index(orderKinds[:], b), slices.Index(orderKinds[:], a))
		})
		rowsMax = max(rowsMax, len(kinds))
		p := plot.New()
		p.Title.Text = "Gap to the hindsight routing, by kind of order"
		if len(r.scenarios) > 1 {
			p.Title.Text += ": " + sc
		}
		bar := vg.Points(max(3, 18/float64(len(results))))
		for pi, x := range results {
			vals := make(plotter.Values, len(kinds))
			for j, kind := range kinds {
				if g := kindGap(x, kind); g != nil {
					vals[j] = g.Gap
				}
			}
			if b := r.groupBar(vals, bar, x.Policy, pi, len(results)); b != nil {
				p.Add(b)
			}
		}
		p.NominalY(kinds...)
		// Room for the outer bars of the first and last kinds.
		p.Y.Min, p.Y.Max = p.Y.Min-0.5, p.Y.Max+0.5
		p.X.Label.Text = "cost with lost sales, less the hindsight routing's"
		p.Add(plotter.NewGrid())
		panels = append(panels, p)
	}
	if len(panels) == 0 {
		return nil
	}
	return &figure{
		file: ChartGapByKind, title: "Where the gap to the hindsight routing lies",
		caption: "Per scenario, what each kind of order cost each policy (shipping and lost sales) more than the same orders routed in hindsight, every order known; one bar per policy. The bars of a policy add up to its total cost with lost sales less the hindsight routing's cost.",
		panels:  panels, panelHeight: vg.Length(rowsMax)*vg.Length(len(r.policies)+1)*0.22*vg.Centimeter + 3*vg.Centimeter,
		legend: r.policyLegend(),
	}
}

// mapFigures draws, for each policy of the first scenario, the nodes and a
// sample of the customers on a longitude/latitude plot.
func mapFigures(r runs) []*figure {
	var out []*figure
	if len(r.scenarios) == 0 {
		return nil
	}
	for i := range r.res.Results {
		x := &r.res.Results[i]
		if x.Scenario != r.scenarios[0] {
			continue
		}
		out = append(out, mapFigure(r, x))
	}
	return out
}

func mapFigure(r runs, x *Result) *figure {
	s := &x.Series
	p := plot.New()
	p.Title.Text = "Where the orders go: " + x.Policy
	if len(r.scenarios) > 1 {
		p.Title.Text += " (" + x.Scenario + ")"
	}
	p.X.Label.Text = "longitude (°E)"
	p.Y.Label.Text = "latitude (°N)"
	p.Add(plotter.NewGrid())

	var filled, unfilled plotter.XYs
	for _, c := range s.Customers {
		pt := plotter.XY{X: float64(c.Lon), Y: float64(c.Lat)}
		if c.Filled {
			filled = append(filled, pt)
		} else {
			unfilled = append(unfilled, pt)
		}
	}
	// Nodes first, then the customers over them (faint, so that the pies
	// show through), then the names.
	nodes := &nodePies{series: s}
	p.Add(nodes)
	if len(filled) > 0 {
		sc, err := plotter.NewScatter(filled)
		if err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: customerColor, Radius: vg.Points(1.2), Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
	}
	if len(unfilled) > 0 {
		sc, err := plotter.NewScatter(unfilled)
		if err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: unfilledColor, Radius: vg.Points(1.6), Shape: draw.CrossGlyph{}}
			p.Add(sc)
		}
	}
	l := newLegend()
	for _, m := range solver.Methods() {
		l.Add(m.String(), legendBox{c: methodColor(m)})
	}
	l.Add("idle node", legendBox{c: idleColor})
	l.Add("customer, filled", legendBox{c: color.RGBA{R: 0x70, G: 0x70, B: 0x70, A: 0xFF}, dot: true})
	l.Add("customer, not filled", legendBox{c: unfilledColor, dot: true})

	// Keep a degree of longitude its true length against one of latitude
	// at the map's mean latitude.
	xmin, xmax, ymin, ymax := nodes.DataRange()
	for _, pts := range []plotter.XYs{filled, unfilled} {
		for _, pt := range pts {
			xmin, xmax = math.Min(xmin, pt.X), math.Max(xmax, pt.X)
			ymin, ymax = math.Min(ymin, pt.Y), math.Max(ymax, pt.Y)
		}
	}
	padX, padY := math.Max((xmax-xmin)*0.04, 0.02), math.Max((ymax-ymin)*0.04, 0.02)
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = xmin-padX, xmax+padX, ymin-padY, ymax+padY
	if labels := nodes.labels(ReportMapLabels, (p.X.Max-p.X.Min)/25); labels != nil {
		p.Add(labels)
	}
	kmX := (p.X.Max - p.X.Min) * math.Cos((p.Y.Min+p.Y.Max)/2*math.Pi/180)
	kmY := p.Y.Max - p.Y.Min
	dataW := float64(chartWidth - legendWidth - 2*vg.Centimeter)
	h := vg.Length(dataW*kmY/math.Max(kmX, 1e-9)) + 2*vg.Centimeter
	h = min(max(h, 12*vg.Centimeter), 24*vg.Centimeter)

	return &figure{
		file:  ChartMapPrefix + x.Policy + ".svg",
		title: "Map: " + x.Policy,
		caption: fmt.Sprintf("Nodes as pies, their area in proportion to the units they shipped, split by method; %d sampled customers (evenly over the replay), crosses where the order was not filled completely; the busiest nodes are named (one per place).",
			len(s.Customers)),
		panels: []*plot.Plot{p}, panelHeight: h, legend: &l,
	}
}

// nodePies draws every node of a run as a pie: its area in proportion to
// the units it shipped, its slices the shares of each method; a node that
// shipped nothing is a small grey dot. Larger pies are drawn first so that
// smaller ones stay visible.
type nodePies struct {
	series *Series
}

var (
	_ plot.Plotter    = (*nodePies)(nil)
	_ plot.DataRanger = (*nodePies)(nil)
)

// Pie radii: the busiest node gets maxPie; the area scales with units.
const (
	maxPie  = 16
	minPie  = 2.5
	idlePie = 2
)

func (n *nodePies) order() []int {
	s := n.series
	ix := make([]int, len(s.NodeIDs))
	for i := range ix {
		ix[i] = i
	}
	slices.SortStableFunc(ix, func(a, b int) int { return cmp.Compare(s.NodeUnits[b], s.NodeUnits[a]) })
	return ix
}

// Plot implements plot.Plotter.
func (n *nodePies) Plot(c draw.Canvas, plt *plot.Plot) {
	s := n.series
	trX, trY := plt.Transforms(&c)
	var most int64
	for _, u := range s.NodeUnits {
		most = max(most, u)
	}
	white := draw.LineStyle{Color: color.White, Width: vg.Points(0.6)}
	for _, i := range n.order() {
		ctr := vg.Point{X: trX(s.NodeLon[i]), Y: trY(s.NodeLat[i])}
		if !c.Contains(ctr) {
			continue
		}
		units := s.NodeUnits[i]
		if units <= 0 || most <= 0 {
			c.DrawGlyph(draw.GlyphStyle{Color: idleColor, Radius: vg.Points(idlePie), Shape: draw.CircleGlyph{}}, ctr)
			continue
		}
		rad := vg.Points(minPie + (maxPie-minPie)*math.Sqrt(float64(units)/float64(most)))
		start := math.Pi / 2
		for _, m := range solver.Methods() {
			if int(m) >= len(s.NodeMethodUnits[i]) {
				continue
			}
			share := float64(s.NodeMethodUnits[i][m]) / float64(units)
			if share <= 0 {
				continue
			}
			var path vg.Path
			path.Move(ctr)
			if share >= 1 {
				path.Move(vg.Point{X: ctr.X + rad, Y: ctr.Y})
				path.Arc(ctr, rad, 0, 2*math.Pi)
			} else {
				path.Arc(ctr, rad, start, -2*math.Pi*share)
			}
			path.Close()
			c.SetColor(methodColor(m))
			c.Fill(path)
			start -= 2 * math.Pi * share
		}
		var ring vg.Path
		ring.Move(vg.Point{X: ctr.X + rad, Y: ctr.Y})
		ring.Arc(ctr, rad, 0, 2*math.Pi)
		ring.Close()
		c.SetLineStyle(white)
		c.Stroke(ring)
	}
}

// DataRange implements plot.DataRanger: the nodes' positions.
func (n *nodePies) DataRange() (xmin, xmax, ymin, ymax float64) {
	s := n.series
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for i := range s.NodeLat {
		xmin, xmax = math.Min(xmin, s.NodeLon[i]), math.Max(xmax, s.NodeLon[i])
		ymin, ymax = math.Min(ymin, s.NodeLat[i]), math.Max(ymax, s.NodeLat[i])
	}
	if len(s.NodeLat) == 0 {
		return 0, 1, 0, 1
	}
	return xmin, xmax, ymin, ymax
}

// labels names the k busiest nodes (those that shipped anything), leaving
// out a node within gap degrees of one already named, so that the names of
// a city's nodes do not overprint each other.
func (n *nodePies) labels(k int, gap float64) *plotter.Labels {
	s := n.series
	var xys plotter.XYs
	var names []string
	for _, i := range n.order() {
		if len(names) == k || s.NodeUnits[i] <= 0 {
			break
		}
		near := false
		for _, xy := range xys {
			near = near || math.Hypot(xy.X-s.NodeLon[i], xy.Y-s.NodeLat[i]) < gap
		}
		if near {
			continue
		}
		xys = append(xys, plotter.XY{X: s.NodeLon[i], Y: s.NodeLat[i]})
		names = append(names, s.NodeIDs[i])
	}
	if len(names) == 0 {
		return nil
	}
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: names})
	if err != nil {
		return nil
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Font.Size = vg.Points(9)
		l.TextStyle[i].Color = color.RGBA{A: 0xFF}
	}
	l.Offset = vg.Point{X: vg.Points(maxPie/2 + 2), Y: vg.Points(2)}
	return l
}

// savingRow is a row of the report's transfer savings, as text.
type savingRow struct{ Scenario, Policy, Expected, Replayed string }

// transferNodes is the report's stock-per-node table of a transfer plan.
type transferNodes struct {
	// Of names the replay the figures come from.
	Of   string
	Rows []transferNodeRow
}

type transferNodeRow struct {
	ID                     string
	Before, In, Out, After int64
}

// transferReport is the report's transfer section: the savings, and per
// node that the plan touched, the units on hand before the replay, in, out
// and after the plan (before + in - out), from the first replay with a plan.
func transferReport(res *Results) ([]savingRow, transferNodes) {
	var rows []savingRow
	for _, s := range res.TransferSavings {
		e := "-"
		if s.Expected != nil {
			e = num(*s.Expected, 2)
		}
		rows = append(rows, savingRow{s.Scenario, s.Policy, e, num(s.Replayed, 2)})
	}
	var nodes transferNodes
	for i := range res.Results {
		r := &res.Results[i]
		se := &r.Series
		if se.NodeTransferIn == nil {
			continue
		}
		nodes.Of = r.Scenario + ", " + r.Policy
		for n := range se.NodeTransferIn {
			in, out := se.NodeTransferIn[n], se.NodeTransferOut[n]
			if in == 0 && out == 0 {
				continue
			}
			b := se.NodeStockBefore[n]
			nodes.Rows = append(nodes.Rows, transferNodeRow{se.NodeIDs[n], b, in, out, b + in - out})
		}
		break
	}
	return rows, nodes
}
