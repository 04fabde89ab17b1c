package simulate

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/simulate/dataset"
	"github.com/omniroute/omniroute/stock"
)

// chromiumPath finds a Chromium to render the report with: $CHROMIUM, or
// Debian's chromium on the PATH.
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// generatedReport replays a small generated dataset under the baseline and
// two scenarios and writes the report; it returns index.html's path.
func generatedReport(t *testing.T) string {
	t.Helper()
	data := t.TempDir()
	cfg := dataset.DefaultConfig()
	cfg.Seed, cfg.Stores, cfg.Warehouses, cfg.DarkStores, cfg.SKUs, cfg.Orders, cfg.Days = 3, 30, 2, 4, 80, 1500, 4
	_, err := dataset.Generate(context.Background(), cfg, data)
	require.NoError(t, err)
	net, err := network.Load(filepath.Join(data, dataset.NetworkFile))
	require.NoError(t, err)
	f, err := os.Open(filepath.Join(data, dataset.StockFile))
	require.NoError(t, err)
	table, err := stock.ReadCSV(f, dataset.StockFile, net)
	f.Close()
	require.NoError(t, err)
	var scens []*Scenario
	for _, name := range []string{"courier-everywhere.yaml", "no-ship-from-store.yaml"} {
		s, err := LoadScenario(filepath.Join("testdata", "scenarios", name))
		require.NoError(t, err)
		scens = append(scens, s)
	}
	res, err := Run(context.Background(), Config{
		Network: net, Stock: table, Scenarios: scens,
		Orders:         FileSource(filepath.Join(data, dataset.OrdersFile)),
		Replenishments: FileSource(filepath.Join(data, dataset.ReplenishmentsFile)),
	})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, WriteReport(dir, res))
	return filepath.Join(dir, "index.html")
}

// pageImage is what the browser says about one <img> of the report.
type pageImage struct {
	Src                         string
	Complete                    bool
	NaturalWidth, NaturalHeight float64
	Width, Height               float64
	ParentWidth                 float64
}

// pageFacts is what the test asks the page.
type pageFacts struct {
	Images    []pageImage
	KPIRows   int
	PageWidth float64
}

const pageFactsJS = `(async () => {
  await Promise.all([...document.images].map(i => i.complete ? null :
    new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  return {
    Images: [...document.images].map(i => ({
      Src: i.getAttribute('src'), Complete: i.complete,
      NaturalWidth: i.naturalWidth, NaturalHeight: i.naturalHeight,
      Width: i.getBoundingClientRect().width, Height: i.getBoundingClientRect().height,
      ParentWidth: i.parentElement.getBoundingClientRect().width,
    })),
    KPIRows: document.querySelectorAll('table tr').length,
    PageWidth: document.documentElement.clientWidth,
  };
})()`

// TestReportInBrowser renders the report in headless Chromium at two
// window widths: the page logs no error, every chart loads, has a size
// and fills the width of the page, and the KPI table is there. Without
// Chromium the test is skipped, unless CI is set (then it fails: CI must
// install it).
func TestReportInBrowser(t *testing.T) {
	chrome := chromiumPath()
	if chrome == "" {
		require.Equal(t, "", os.Getenv("CI"), "chromium is not installed (apt-get install chromium); CI must run this test")
		t.Skip("chromium is not installed (apt-get install chromium); set CI to make this a failure")
	}
	index := generatedReport(t)

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.NoSandbox, // CI runs as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()
	require.NoError(t, chromedp.Do(browser), "start chromium")

	// Every console message, exception and browser log entry (a chart
	// that fails to load is one) of level warning or worse is a problem.
	consoleCtx, stopConsole := context.WithCancel(browser)
	messages := chromedp.Console(consoleCtx)
	var problems []string
	listened := make(chan struct{})
	go func() {
		defer close(listened)
		for m, err := range messages {
			if err != nil {
				return
			}
			switch m.Type {
			case chromedp.ConsoleWarning, chromedp.ConsoleError, chromedp.ConsoleException:
				problems = append(problems, fmt.Sprintf("%s (%s:%d)", m, m.URL, m.Line+1))
			}
		}
	}()

	charts := []string{ChartCostPerDay, ChartMethodMix, ChartSplitRate, ChartUtilization}
	for _, p := range PolicyNames() {
		charts = append(charts, ChartMapPrefix+p+".svg")
	}
	for _, width := range []int64{1400, 700} {
		t.Run(fmt.Sprintf("width %d", width), func(t *testing.T) {
			err := chromedp.Do(browser,
				chromedp.EmulateViewport(width, 900),
				chromedp.Navigate("file://"+index),
				chromedp.WaitReady("body"),
			)
			require.NoError(t, err)
			facts, err := chromedp.Run(browser, chromedp.Evaluate[pageFacts](pageFactsJS, chromedp.EvalAwaitPromise))
			require.NoError(t, err)

			assert.Greater(t, facts.KPIRows, 20, "the KPI table has a row per KPI")
			var srcs []string
			for _, img := range facts.Images {
				srcs = append(srcs, img.Src)
				assert.True(t, img.Complete, "%s did not load", img.Src)
				assert.Positive(t, img.NaturalWidth, "%s has no width: it did not load or is not an image", img.Src)
				assert.Positive(t, img.NaturalHeight, "%s has no height", img.Src)
				assert.Positive(t, img.Height, "%s is drawn with no height", img.Src)
				assert.InDelta(t, img.ParentWidth, img.Width, 2, "%s is not as wide as the page's column", img.Src)
				assert.Greater(t, img.Width, 0.85*facts.PageWidth, "%s does not use the page's width", img.Src)
			}
			assert.ElementsMatch(t, charts, srcs, "the report shows each chart once")
		})
	}
	stopConsole()
	<-listened
	assert.Empty(t, problems, "the page logged errors or warnings")
}
