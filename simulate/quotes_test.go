package simulate

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/quote"
	"github.com/omniroute/omniroute/stock"
)

// quotedNetwork is tinyNetwork with a courier partner at s1 whose rate
// card (10 a trip) loses to the parcel (5 + 1 a unit), a quote API and an
// OSRM service at url, and a road distance matrix at matrix ("" for none).
func quotedNetwork(t *testing.T, url, matrix string) (*network.Network, *stock.Table) {
	t.Helper()
	src := strings.Replace(tinyNetwork, "couriers: []\n", `couriers:
  - {name: glovo, base: 10, per_km: 0, max_radius_km: 20, speed_kmh: 20, prep_minutes: 10,
     quote: {url: "`+url+`/quote"}}
`, 1)
	src = strings.Replace(src, "methods: [ship_from_store, pickup]", "methods: [ship_from_store, pickup, courier]", 1)
	if matrix != "" {
		src += "distance: {csv: " + matrix + "}\n"
	} else {
		src += "distance: {osrm_url: \"" + url + "/osrm\"}\n"
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "network.yaml")
	require.NoError(t, os.WriteFile(path, []byte(src), 0o644))
	if matrix != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, matrix), []byte("node,lat,lon,km,minutes\ns1,0,0.1,3,6\n"), 0o644))
	}
	net, err := network.Load(path)
	require.NoError(t, err)
	table, err := stock.ReadCSV(strings.NewReader(tinyStock), "stock.csv", net)
	require.NoError(t, err)
	return net, table
}

// TestReplayNeverCallsTheNetwork: a network whose partner has a quote API
// and whose roads come from an OSRM service replays without calling
// either: rate cards and great circles price it, or a recorded quotes file
// and a CSV matrix.
func TestReplayNeverCallsTheNetwork(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("a replay called %s", r.URL.Path)
		http.Error(w, "no", http.StatusTeapot)
	}))
	t.Cleanup(srv.Close)
	orders := "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node\n" +
		"o1,2026-03-02T10:00:00Z,0,0.1,D,1,delivery,\n"

	net, table := quotedNetwork(t, srv.URL, "")
	cfg := Config{Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)}, Policies: []string{PolicyOptimal}}
	res, err := Run(context.Background(), cfg)
	require.NoError(t, err)
	k := res.Results[0].KPIs
	assert.InDelta(t, 0, k.MethodMix["COURIER"], 0, "the rate card loses to the parcel")
	assert.InDelta(t, 8, k.TotalCost, 1e-9)

	// A recorded quote of 1 for the trip from s1 to the customer's cell
	// wins; the matrix gives the road.
	rec, err := quote.ReadRecorded(strings.NewReader(quote.RecordedHeader+"\nglovo,s1,0.0001,0.1001,0.5,1,12,rq-1,true\nglovo,nowhere,0,0,1,1,1\n"), "quotes.csv")
	require.NoError(t, err)
	net, table = quotedNetwork(t, srv.URL, "roads.csv")
	cfg = Config{Network: net, Stock: table, Orders: BytesSource{"orders.csv", []byte(orders)}, Policies: []string{PolicyOptimal}, Quotes: rec}
	var decisions strings.Builder
	cfg.Decisions, cfg.TempDir = &decisions, t.TempDir()
	res, err = Run(context.Background(), cfg)
	require.NoError(t, err)
	k = res.Results[0].KPIs
	assert.InDelta(t, 1, k.MethodMix["COURIER"], 0)
	assert.InDelta(t, 2+1, k.TotalCost, 1e-9, "pick 2 + the recorded 1")
	assert.InDelta(t, 3, k.AvgDistanceKm, 1e-9, "the matrix's road")
	assert.Contains(t, decisions.String(), ",s1,COURIER,glovo,D:1,1,3.0000,22,3.000,")
}

func TestRecordedQuotesFile(t *testing.T) {
	for _, c := range []struct{ rows, want string }{
		{"glovo,s1,0,0,1,1\n", "quotes.csv:2: 6 fields"},
		{"glovo,s1,0,0,1,-1,1\n", `quotes.csv:2: price: "-1" is not a number`},
		{"glovo,s1,91,0,1,1,1\n", "quotes.csv:2: lat, lon: 91, 0 is out of range"},
		{"glovo,s1,0,0,1,1,1,q,maybe\n", `quotes.csv:2: available: "maybe" is not true or false`},
		{",s1,0,0,1,1,1\n", "quotes.csv:2: partner and node are required"},
	} {
		_, err := quote.ReadRecorded(strings.NewReader(quote.RecordedHeader+"\n"+c.rows), "quotes.csv")
		assert.ErrorContains(t, err, c.want)
	}
}
