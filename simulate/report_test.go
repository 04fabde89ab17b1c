package simulate

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// threeScenarios replays the tiny orders, spread over three days, under
// the baseline and two scenarios: 4 policies x 3 scenarios = 12 runs.
func threeScenarios(t *testing.T) *Results {
	t.Helper()
	orders := strings.NewReplacer("2026-03-02T10:20", "2026-03-03T10:20", "2026-03-02T10:30", "2026-03-03T10:30",
		"2026-03-02T10:40", "2026-03-04T10:40").Replace(tinyOrders)
	cfg := tinyConfig(t, orders)
	for _, y := range []string{"name: no-pickup\ndisable_methods: [pickup]\n", "name: small-store\nnodes:\n  - match: {id: [s1]}\n    capacity_per_day: 2\n"} {
		s, err := ParseScenario([]byte(y), "s.yaml")
		require.NoError(t, err)
		cfg.Scenarios = append(cfg.Scenarios, s)
	}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	require.Len(t, res.Results, 3*len(PolicyNames()))
	return res
}

var (
	strokeColor = regexp.MustCompile(`style="fill:none;stroke:(#[0-9A-F]{6});stroke-width:2"`)
	barPath     = regexp.MustCompile(`<path d="M([\d.]+),([\d.]+)L([\d.]+),([\d.]+)L([\d.]+),([\d.]+)L([\d.]+),([\d.]+)Z" style="fill:(#[0-9A-F]{6})" />`)
)

func hexColor(i int) string {
	c, _ := policyStyle(i)
	r, g, b, _ := c.RGBA()
	return fmt.Sprintf("#%02X%02X%02X", r>>8, g>>8, b>>8)
}

// TestReportColoursAreDistinct: every policy has a colour of its own, the
// same in every panel; eight policies still get eight colours.
func TestReportColoursAreDistinct(t *testing.T) {
	seen := map[string]int{}
	for i := range policyPalette {
		c := hexColor(i)
		_, taken := seen[c]
		assert.False(t, taken, "policy %d has the colour of policy %d", i, seen[c])
		seen[c] = i
	}

	dir := t.TempDir()
	require.NoError(t, WriteReport(dir, threeScenarios(t)))
	svg, err := os.ReadFile(filepath.Join(dir, ChartCostPerDay))
	require.NoError(t, err)
	lines := map[string]int{}
	for _, m := range strokeColor.FindAllStringSubmatch(string(svg), -1) {
		lines[m[1]]++
	}
	want := map[string]int{}
	for i := range PolicyNames() {
		want[hexColor(i)] = 3 // one line per scenario panel
	}
	assert.Equal(t, want, lines, "one line per policy and scenario, each policy in its own colour")
}

type rect struct{ x0, y0, x1, y1 float64 }

// bars reads the filled rectangles of an SVG chart, by fill colour.
func bars(t *testing.T, svg string) map[string][]rect {
	t.Helper()
	out := map[string][]rect{}
	for _, m := range barPath.FindAllStringSubmatch(svg, -1) {
		var v [8]float64
		for i := range v {
			f, err := strconv.ParseFloat(m[i+1], 64)
			require.NoError(t, err)
			v[i] = f
		}
		r := rect{min(v[0], v[4]), min(v[1], v[5]), max(v[0], v[4]), max(v[1], v[5])}
		out[m[9]] = append(out[m[9]], r)
	}
	return out
}

// TestUtilisationBarsDoNotOverlap: in the utilisation chart no two bars
// share any area, and every bar lies within the 0..100% axis.
func TestUtilisationBarsDoNotOverlap(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, WriteReport(dir, threeScenarios(t)))
	svg, err := os.ReadFile(filepath.Join(dir, ChartUtilization))
	require.NoError(t, err)
	var all []rect
	for i := range PolicyNames() {
		all = append(all, bars(t, string(svg))[hexColor(i)]...)
	}
	require.NotEmpty(t, all)
	const eps = 0.01
	overlaps := 0
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			a, b := all[i], all[j]
			if min(a.x1, b.x1)-max(a.x0, b.x0) > eps && min(a.y1, b.y1)-max(a.y0, b.y0) > eps {
				overlaps++
			}
		}
	}
	assert.Zero(t, overlaps, "of %d bars", len(all))
}

// TestShareAxesEndAtOneHundredPercent: the method mix and utilisation axes
// run from 0 to 100%, the split rate's to a round share no higher; and
// the labels are percentages.
func TestShareAxesEndAtOneHundredPercent(t *testing.T) {
	r := newRuns(threeScenarios(t))
	mix := methodMixFigure(r)
	assert.Equal(t, 0.0, mix.panels[0].X.Min)
	assert.Equal(t, 1.0, mix.panels[0].X.Max)
	for _, p := range utilizationFigure(r).panels {
		assert.Equal(t, 1.0, p.X.Max)
	}
	split := splitRateFigure(r).panels[0]
	assert.LessOrEqual(t, split.X.Max, 1.0)
	assert.Greater(t, split.X.Max, 0.25, "the tiny replays split a quarter of their orders")

	var labels []string
	for _, tk := range (percentTicks{}).Ticks(0, 1) {
		if tk.Label != "" {
			labels = append(labels, tk.Label)
		}
	}
	assert.Equal(t, []string{"0%", "10%", "20%", "30%", "40%", "50%", "60%", "70%", "80%", "90%", "100%"}, labels)
	labels = labels[:0]
	for _, tk := range (percentTicks{}).Ticks(0, 0.02) {
		labels = append(labels, tk.Label)
	}
	assert.Equal(t, []string{"0%", "0.2%", "0.4%", "0.6%", "0.8%", "1%", "1.2%", "1.4%", "1.6%", "1.8%", "2%"}, labels)
	assert.Equal(t, 0.02, niceShare(0.0145))
	assert.Equal(t, 1.0, niceShare(0.6))
}

// TestReportHasAMap: each policy of the first scenario gets a map with its
// nodes and customers; the HTML lays every chart out at the page's width.
func TestReportHasAMap(t *testing.T) {
	res := threeScenarios(t)
	dir := t.TempDir()
	require.NoError(t, WriteReport(dir, res))
	html, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(html), "figure img{display:block;width:100%;height:auto")
	for _, p := range PolicyNames() {
		file := ChartMapPrefix + p + ".svg"
		assert.Contains(t, string(html), `src="`+file+`"`)
		svg, err := os.ReadFile(filepath.Join(dir, file))
		require.NoError(t, err)
		assert.Contains(t, string(svg), "longitude")
		assert.Contains(t, string(svg), "latitude")
	}
	assert.NotContains(t, string(html), "no-pickup / "+ChartMapPrefix, "maps are of the first scenario only")
	// The tiny orders all live at s1: five sampled customers per run.
	assert.Len(t, res.Results[0].Series.Customers, 5)
	assert.Len(t, res.Results[0].Series.NodeMethodUnits, 2)
}

// TestCustomerSampleIsBoundedAndEven: the map's customers stay within
// MapCustomers however many orders there are, spread over all of them.
func TestCustomerSampleIsBoundedAndEven(t *testing.T) {
	var c customerSample
	n := 3*MapCustomers + 17
	for i := range n {
		c.add(float64(i), 0, true)
	}
	require.LessOrEqual(t, len(c.points), MapCustomers)
	assert.Greater(t, len(c.points), MapCustomers/4)
	assert.Equal(t, float32(0), c.points[0].Lat, "the first order is kept")
	step := c.points[1].Lat - c.points[0].Lat
	for i := 1; i < len(c.points); i++ {
		assert.Equal(t, step, c.points[i].Lat-c.points[i-1].Lat, "evenly spaced")
	}
	assert.Greater(t, float64(c.points[len(c.points)-1].Lat), float64(n)*0.9, "the sample reaches the end")
}
