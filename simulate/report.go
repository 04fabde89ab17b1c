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

	"github.com/omniroute/omniroute/solver"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// ReportTopNodes is how many nodes the utilisation chart shows.
const ReportTopNodes = 20

// The report's chart files.
const (
	ChartCostPerDay  = "cost_per_day.svg"
	ChartMethodMix   = "method_mix.svg"
	ChartSplitRate   = "split_rate.svg"
	ChartUtilization = "node_utilization.svg"
)

// WriteReport writes dir/index.html with the KPI table side by side and
// SVG charts: cost per day per policy, method mix, split rate and the
// utilisation of the busiest nodes.
func WriteReport(dir string, res *Results) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	charts := []struct {
		file, title string
		make        func(*Results) (*plot.Plot, vg.Length, vg.Length, error)
	}{
		{ChartCostPerDay, "Cost per day", costPerDayChart},
		{ChartMethodMix, "Method mix", methodMixChart},
		{ChartSplitRate, "Split rate", splitRateChart},
		{ChartUtilization, "Utilisation of the busiest nodes", utilizationChart},
	}
	type chartRef struct{ File, Title string }
	var refs []chartRef
	for _, c := range charts {
		p, w, h, err := c.make(res)
		if err != nil {
			return fmt.Errorf("report: %s: %w", c.file, err)
		}
		if err := p.Save(w, h, filepath.Join(dir, c.file)); err != nil {
			return fmt.Errorf("report: %s: %w", c.file, err)
		}
		refs = append(refs, chartRef{c.file, c.title})
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
	for _, kr := range kpiRows() {
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
	err = reportTemplate.Execute(f, map[string]any{
		"Heads": heads, "Rows": rows, "Charts": refs, "Input": res.Input, "Partial": res.Partial,
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
<html lang="en"><head><meta charset="utf-8"><title>omniroute simulation report</title>
<style>
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{border:1px solid #ccc;padding:.3em .6em}td{text-align:right}th{background:#f3f3f3}
td.l{text-align:left;font-weight:600}img{max-width:100%;margin:1em 0;display:block}
</style></head><body>
<h1>omniroute simulation report</h1>
<p>{{.Input.Orders}} orders ({{.Input.Rows}} rows) replayed{{if .Input.BadRows}}; {{.Input.BadRows}} malformed rows skipped{{end}}{{if .Input.OutOfOrder}}; {{.Input.OutOfOrder}} orders out of time order{{end}}.
{{if .Partial}}<strong>Partial: the replay was interrupted; columns marked * stop early.</strong>{{end}}</p>
<h2>KPIs</h2>
<table>
<tr><th>scenario</th>{{range .Heads}}<th>{{index . 0}}</th>{{end}}</tr>
<tr><th>policy</th>{{range .Heads}}<th>{{index . 1}}</th>{{end}}</tr>
{{range .Rows}}<tr><td class="l">{{.Label}}</td>{{range .Cells}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>
{{range .Charts}}<h2>{{.Title}}</h2><img src="{{.File}}" alt="{{.Title}}">
{{end}}</body></html>
`))

func runLabel(res *Results, r *Result) string {
	multi := false
	for i := range res.Results {
		if res.Results[i].Scenario != res.Results[0].Scenario {
			multi = true
		}
	}
	if multi {
		return r.Scenario + "/" + r.Policy
	}
	return r.Policy
}

func costPerDayChart(res *Results) (*plot.Plot, vg.Length, vg.Length, error) {
	p := plot.New()
	p.Title.Text = "Cost per day"
	p.X.Label.Text = "day"
	p.Y.Label.Text = "cost"
	p.Legend.Top = true
	for i := range res.Results {
		r := &res.Results[i]
		pts := make(plotter.XYs, len(r.Series.DayCost))
		for d, c := range r.Series.DayCost {
			pts[d] = plotter.XY{X: float64(d + 1), Y: c}
		}
		if len(pts) == 0 {
			continue
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, 0, 0, err
		}
		l.Color = plotutil.Color(i)
		l.Dashes = plotutil.Dashes(i / 7)
		l.Width = vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(runLabel(res, r), l)
	}
	n := len(res.Results)
	headroom(p, 1.15+0.05*float64(n))
	return p, 22 * vg.Centimeter, 9*vg.Centimeter + vg.Length(n)*0.5*vg.Centimeter, nil
}

func methodMixChart(res *Results) (*plot.Plot, vg.Length, vg.Length, error) {
	p := plot.New()
	p.Title.Text = "Method mix (share of shipments)"
	p.Y.Label.Text = "share"
	p.Legend.Top = true
	n := len(res.Results)
	names := make([]string, n)
	for i := range res.Results {
		names[i] = runLabel(res, &res.Results[i])
	}
	methods := solver.Methods()
	w := vg.Points(max(6, 60/float64(len(methods))))
	for k, m := range methods {
		vals := make(plotter.Values, n)
		for i := range res.Results {
			vals[i] = res.Results[i].MethodMix[m.String()]
		}
		b, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, 0, 0, err
		}
		b.LineStyle.Width = 0
		b.Color = plotutil.Color(k)
		b.Offset = vg.Length(k-len(methods)/2)*w + w/2
		p.Add(b)
		p.Legend.Add(m.String(), b)
	}
	p.NominalX(names...)
	rotate(p, n)
	p.Y.Min, p.Y.Max = 0, 1.35
	return p, max(16*vg.Centimeter, vg.Length(n)*2.5*vg.Centimeter), 11 * vg.Centimeter, nil
}

func splitRateChart(res *Results) (*plot.Plot, vg.Length, vg.Length, error) {
	p := plot.New()
	p.Title.Text = "Split rate (share of served orders in 2+ shipments)"
	p.Y.Label.Text = "split rate"
	n := len(res.Results)
	vals := make(plotter.Values, n)
	names := make([]string, n)
	for i := range res.Results {
		vals[i] = res.Results[i].SplitRate
		names[i] = runLabel(res, &res.Results[i])
	}
	b, err := plotter.NewBarChart(vals, vg.Points(24))
	if err != nil {
		return nil, 0, 0, err
	}
	b.LineStyle.Width = 0
	b.Color = color.RGBA{R: 70, G: 110, B: 180, A: 255}
	p.Add(b)
	p.NominalX(names...)
	rotate(p, n)
	return p, max(14*vg.Centimeter, vg.Length(n)*1.6*vg.Centimeter), 10 * vg.Centimeter, nil
}

// utilizationChart shows, for the ReportTopNodes nodes busiest in any
// result, each result's utilisation (units picked / capacity x days).
func utilizationChart(res *Results) (*plot.Plot, vg.Length, vg.Length, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("Node utilisation, top %d nodes", ReportTopNodes)
	p.Y.Label.Text = "units picked / capacity"
	p.Legend.Top = true
	type nodeMax struct {
		id  string
		max float64
	}
	best := map[string]float64{}
	var order []string
	for i := range res.Results {
		s := &res.Results[i].Series
		for n, u := range s.NodeUtil {
			if math.IsNaN(u) {
				continue
			}
			id := s.NodeIDs[n]
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
	nodes = nodes[:min(len(nodes), ReportTopNodes)]
	names := make([]string, len(nodes))
	for i, nd := range nodes {
		names[i] = nd.id
	}
	nr := max(len(res.Results), 1)
	w := vg.Points(max(2, 48/float64(nr)))
	for i := range res.Results {
		r := &res.Results[i]
		idx := map[string]int{}
		for n, id := range r.Series.NodeIDs {
			idx[id] = n
		}
		vals := make(plotter.Values, len(nodes))
		for k, nd := range nodes {
			if n, ok := idx[nd.id]; ok && n < len(r.Series.NodeUtil) && !math.IsNaN(r.Series.NodeUtil[n]) {
				vals[k] = r.Series.NodeUtil[n]
			}
		}
		if len(vals) == 0 {
			continue
		}
		b, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return nil, 0, 0, err
		}
		b.LineStyle.Width = 0
		b.Color = plotutil.Color(i)
		b.Offset = vg.Length(i)*w - vg.Length(nr-1)*w/2
		p.Add(b)
		p.Legend.Add(runLabel(res, r), b)
	}
	if len(names) > 0 {
		p.NominalX(names...)
	}
	rotate(p, len(names))
	// The legend has a row per result: give it room above the bars.
	headroom(p, 1.15+0.05*float64(nr))
	return p, 26 * vg.Centimeter, 10*vg.Centimeter + vg.Length(nr)*0.5*vg.Centimeter, nil
}

// headroom raises the top of the y axis so that the legend clears the data.
func headroom(p *plot.Plot, f float64) {
	p.Y.Min = min(p.Y.Min, 0)
	if p.Y.Max > 0 {
		p.Y.Max *= f
	}
}

// rotate tilts the x tick labels when there are many.
func rotate(p *plot.Plot, n int) {
	if n > 4 {
		p.X.Tick.Label.Rotation = math.Pi / 5
		p.X.Tick.Label.XAlign = -1
		p.X.Tick.Label.YAlign = -1
	}
}
