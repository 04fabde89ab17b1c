package dataset

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// The profiles Generate knows (Config.Profile).
const (
	// ProfileDefault is the omnichannel network over Kazakhstan's cities.
	ProfileDefault = ""
	// ProfileJasinSinha is a network in the style of Jasin & Sinha (2015),
	// "An LP-based correlated rounding scheme for multi-item e-commerce
	// order fulfillment": a handful of warehouses shipping parcels to
	// customers in 100 cities (customer regions), multi-item orders,
	// every unit left unfilled priced, and no replenishment within the
	// horizon, so that the stock placed at the start is all there is and
	// where an order takes it from decides what later orders can have.
	ProfileJasinSinha = "jasin-sinha"
)

// Profiles lists the profile names, the default first.
func Profiles() []string { return []string{"default", ProfileJasinSinha, ProfileAmilMakhdoumiWei} }

// JasinSinhaConfig returns the jasin-sinha profile's default sizes: 10
// warehouses, 100 cities, 200 SKUs and 4,000 orders over 7 days, after a
// history of 7 days.
func JasinSinhaConfig() Config {
	return Config{
		Profile: ProfileJasinSinha, Seed: 1, Warehouses: 10, SKUs: 200, Orders: 4000, Days: 7, Regions: 100,
		HistoryDays: 7, Start: DefaultConfig().Start,
	}
}

// Jasin-Sinha profile constants.
const (
	// jsStockCover is the share of the horizon's expected demand of a SKU
	// that the warehouses hold in all: a little short, so that stock is
	// contested.
	jsStockCover = 0.95
	// jsCarriers is how many warehouses carry each SKU (at least one).
	jsCarriers = 3
	// jsMaxShipments bounds an order's parcels.
	jsMaxShipments = 4
	// jsTZ is the network's local time (UTC-6).
	jsTZ = -6 * time.Hour
	// jsMinLostSale and jsMaxLostSale bound a SKU's lost-sale cost per
	// unit, drawn uniformly.
	jsMinLostSale, jsMaxLostSale = 15.0, 60.0
)

// jsLinesWeight[k] is the weight of an order with k+1 lines: multi-item
// orders are the point of the profile.
var jsLinesWeight = []float64{0.3, 0.35, 0.2, 0.1, 0.05}

// jsCity is a customer region of the jasin-sinha profile.
type jsCity struct {
	lat, lon float64
	weight   float64
}

// generateJasinSinha writes the jasin-sinha profile's dataset into dir.
func generateJasinSinha(ctx context.Context, cfg Config, dir string) (Summary, error) {
	r := cfg.rng(11)
	nCities := cfg.Regions
	if nCities <= 0 {
		nCities = JasinSinhaConfig().Regions
	}
	cities := drawJSCities(r, nCities)
	skus := makeSKUs(cfg.rng(12), cfg.SKUs)
	// A unit left unfilled costs more than shipping it across the
	// continent (about 10.5), but less than several extra parcels.
	pr := cfg.rng(13)
	for i := range skus {
		skus[i].lostSale = round(jsMinLostSale+(jsMaxLostSale-jsMinLostSale)*pr.Float64(), 2)
	}
	net := &network.Network{
		Name:     fmt.Sprintf("jasin-sinha-seed-%d", cfg.Seed),
		Currency: "USD",
		Policy: network.Policy{
			DefaultMaxShipment: jsMaxShipments, TZOffsetMinutes: int(jsTZ / time.Minute),
			LostSaleCostPerOrder: LostSaleCostPerOrder,
		},
		Carriers: []network.Carrier{jsParcelCarrier()},
		Nodes:    jsWarehouses(r, cities, cfg.Warehouses),
	}
	if err := net.Init(); err != nil {
		return Summary{}, fmt.Errorf("dataset: generated network: %w", err)
	}
	// Stock: each SKU at jsCarriers warehouses, its expected demand over
	// the horizon (x jsStockCover) split at random between them.
	expUnits := float64(cfg.Orders) * meanOf(jsLinesWeight)
	sr := cfg.rng(14)
	var rows []stockRow
	for s := range skus {
		carriers := sr.Perm(cfg.Warehouses)[:min(jsCarriers, cfg.Warehouses)]
		total := expUnits * skus[s].share * jsStockCover
		shares := make([]float64, len(carriers))
		for i := range shares {
			shares[i] = 0.5 + sr.Float64()
		}
		for i, q := range apportion(stochastic(sr, total), shares) {
			if q > 0 {
				rows = append(rows, stockRow{carriers[i], s, q})
			}
		}
	}
	slices.SortFunc(rows, func(a, b stockRow) int {
		if a.node != b.node {
			return a.node - b.node
		}
		return a.sku - b.sku
	})
	orders := func(ctx context.Context, d jsDraw, b *bufio.Writer) (int, int, error) {
		return writeJSOrders(ctx, d, cities, skus, b)
	}
	return writeProfile(ctx, cfg, dir, profileFiles{net: net, skus: skus, stock: rows, orders: orders, prefix: "J", orderStream: 15, historyStream: 16})
}

// stockRow is a row of a published-style profile's stock: units of a SKU
// (by index) at a node (by index).
type stockRow struct {
	node, sku int
	qty       int
}

// profileFiles is what a published-style profile (jasin-sinha,
// amil-makhdoumi-wei) writes: its network, its stock rows, and how its
// orders are drawn (each from a jsDraw), with the prefix of the replay's
// order ids and the random streams of the replay's and the history's
// orders.
type profileFiles struct {
	net                        *network.Network
	skus                       []sku
	stock                      []stockRow
	orders                     func(ctx context.Context, d jsDraw, b *bufio.Writer) (orders, lines int, err error)
	prefix                     string
	orderStream, historyStream uint64
}

// writeProfile writes a published-style profile's files into dir: the
// network, the stock, the orders over cfg.Days from cfg.Start, the
// history's over cfg.HistoryDays before (the same demand at the same rate
// a day, from a stream of its own, so that the replay's orders stay as
// they are), and no replenishment (the file's header only).
func writeProfile(ctx context.Context, cfg Config, dir string, p profileFiles) (Summary, error) {
	sum := Summary{Nodes: len(p.net.Nodes), SKUs: len(p.skus)}
	if err := writeFile(filepath.Join(dir, NetworkFile), func(b *bufio.Writer) error { return p.net.WriteYAML(b) }); err != nil {
		return sum, err
	}
	err := writeFile(filepath.Join(dir, StockFile), func(b *bufio.Writer) error {
		b.WriteString("node,sku,on_hand,safety_stock\n")
		for _, rw := range p.stock {
			fmt.Fprintf(b, "%s,%s,%d,0\n", p.net.Nodes[rw.node].ID, p.skus[rw.sku].id, rw.qty)
		}
		sum.StockRows = len(p.stock)
		return nil
	})
	if err != nil {
		return sum, err
	}
	horizon := time.Duration(cfg.Days) * 24 * time.Hour
	err = writeFile(filepath.Join(dir, OrdersFile), func(b *bufio.Writer) error {
		o, l, err := p.orders(ctx, jsDraw{r: cfg.rng(p.orderStream), orders: cfg.Orders, start: cfg.Start, horizon: horizon, prefix: p.prefix}, b)
		sum.Orders, sum.Lines = o, l
		return err
	})
	if err != nil {
		return sum, err
	}
	if cfg.HistoryDays > 0 {
		back, n := jsHistory(cfg)
		err = writeFile(filepath.Join(dir, HistoryFile), func(b *bufio.Writer) error {
			o, l, err := p.orders(ctx, jsDraw{r: cfg.rng(p.historyStream), orders: n, start: cfg.Start.Add(-back), horizon: back, prefix: "H"}, b)
			sum.HistoryOrders, sum.HistoryLines = o, l
			return err
		})
		if err != nil {
			return sum, err
		}
	}
	return sum, writeFile(filepath.Join(dir, ReplenishmentsFile), func(b *bufio.Writer) error {
		_, err := b.WriteString("at,node,sku,qty\n")
		return err
	})
}

// meanOf is the mean number of lines of an order drawn from weights
// (weights[k] for k+1 lines).
func meanOf(weights []float64) float64 {
	var n, w float64
	for k, x := range weights {
		n += float64(k+1) * x
		w += x
	}
	return n / w
}

// jsDraw is what writeJSOrders draws: orders orders from r, uniform over
// [start, start+horizon) local time, with ids prefix + a number.
type jsDraw struct {
	r       *rand.Rand
	orders  int
	start   time.Time
	horizon time.Duration
	prefix  string
}

// writeJSOrders writes the profile's orders: uniform over the horizon,
// customers around the cities by weight, one unit per line of distinct
// SKUs by popularity, delivery without a promise, split allowed.
func writeJSOrders(ctx context.Context, d jsDraw, cities []jsCity, skus []sku, b *bufio.Writer) (orders, lines int, err error) {
	r := d.r
	cityCum := make([]float64, len(cities))
	for i := range cities {
		cityCum[i] = cities[i].weight
	}
	cityCum = cumulative(cityCum)
	skuCum := make([]float64, len(skus))
	for i := range skus {
		skuCum[i] = skus[i].share
	}
	skuCum = cumulative(skuCum)
	linesCum := cumulative(jsLinesWeight)
	secs := d.times()
	start := d.start.Add(-jsTZ)
	b.WriteString(OrdersHeader + "\n")
	var picked []int
	var buf []byte
	for i, sec := range secs {
		if i%1024 == 0 && ctx.Err() != nil {
			return orders, lines, ctx.Err()
		}
		orders++
		created := start.Add(time.Duration(sec) * time.Second).UTC().Format(time.RFC3339)
		c := &cities[pick(r, cityCum)]
		lat, lon := offset(c.lat, c.lon, 8*r.NormFloat64(), 8*r.NormFloat64())
		nl := pick(r, linesCum) + 1
		picked = picked[:0]
		for tries := 0; len(picked) < nl && tries < 8*nl; tries++ {
			if s := pick(r, skuCum); !slices.Contains(picked, s) {
				picked = append(picked, s)
			}
		}
		id := fmt.Sprintf("%s%08d", d.prefix, orders)
		for _, s := range picked {
			lines++
			buf = appendJSLine(buf[:0], id, created, lat, lon, &skus[s], skus[s].lostSale)
			if _, err := b.Write(buf); err != nil {
				return orders, lines, err
			}
		}
	}
	return orders, lines, nil
}

// drawJSCities draws n customer cities from r: spread over a
// continent-sized box (about 4,000 x 1,700 km), with Zipf-like
// populations (weights summing to 1), the largest first.
func drawJSCities(r *rand.Rand, n int) []jsCity {
	cities := make([]jsCity, n)
	var wsum float64
	for i := range cities {
		cities[i] = jsCity{lat: round(30+16*r.Float64(), 4), lon: round(-120+45*r.Float64(), 4), weight: 1 / math.Pow(float64(i+1), 0.9)}
		wsum += cities[i].weight
	}
	for i := range cities {
		cities[i].weight /= wsum
	}
	return cities
}

// jsWarehouses places n warehouses in the largest cities, a few km out
// (drawn from r), round again when there are more warehouses than
// cities.
func jsWarehouses(r *rand.Rand, cities []jsCity, n int) []network.Node {
	var nodes []network.Node
	for k := 0; k < n; k++ {
		c := &cities[k%len(cities)]
		lat, lon := offset(c.lat, c.lon, 10*r.NormFloat64(), 10*r.NormFloat64())
		nodes = append(nodes, network.Node{
			ID: fmt.Sprintf("wh-%02d", k+1), Name: fmt.Sprintf("warehouse %d", k+1), City: fmt.Sprintf("city %03d", k%len(cities)+1),
			Kind: network.Warehouse, Lat: lat, Lon: lon, Methods: []solver.Method{solver.WarehouseShip}, Enabled: true,
		})
	}
	return nodes
}

// jsParcelCarrier is the parcel carrier at the Jasin & Sinha rates, with
// transit days by distance over a continent.
func jsParcelCarrier() network.Carrier {
	return network.Carrier{
		Name:       "parcel",
		PerPackage: network.JasinSinhaPerPackage, PerItem: network.JasinSinhaPerItem,
		PerItemPerMile: network.JasinSinhaPerItemPerMile,
		Transit:        []network.TransitBand{{MaxKm: 500, Days: 1}, {MaxKm: 1500, Days: 2}, {MaxKm: 3000, Days: 3}, {MaxKm: 6000, Days: 5}},
	}
}

// jsHistory is the span of cfg's history (HistoryDays before Start) and
// how many orders it holds: the replay's daily rate over it.
func jsHistory(cfg Config) (time.Duration, int) {
	back := time.Duration(cfg.HistoryDays) * 24 * time.Hour
	n := 0
	if cfg.Days > 0 {
		n = int(math.Round(float64(cfg.Orders) * float64(cfg.HistoryDays) / float64(cfg.Days)))
	}
	return back, n
}

// times draws the orders' times from d.r: seconds after d.start, uniform
// over the horizon, ascending.
func (d jsDraw) times() []int64 {
	secs := make([]int64, d.orders)
	for i := range secs {
		secs[i] = d.r.Int64N(max(1, int64(d.horizon/time.Second)))
	}
	slices.Sort(secs)
	return secs
}

// appendJSLine appends an orders.csv row to buf: one unit of s for
// delivery to (lat, lon), no promise, split allowed, lostSale per unit.
func appendJSLine(buf []byte, id, created string, lat, lon float64, s *sku, lostSale float64) []byte {
	buf = append(buf, id...)
	buf = append(buf, ',')
	buf = append(buf, created...)
	buf = append(buf, ',')
	buf = strconv.AppendFloat(buf, lat, 'f', 5, 64)
	buf = append(buf, ',')
	buf = strconv.AppendFloat(buf, lon, 'f', 5, 64)
	buf = append(buf, ',')
	buf = append(buf, s.id...)
	buf = append(buf, ",1,delivery,,"...)
	buf = strconv.AppendFloat(buf, s.weight, 'f', -1, 64)
	buf = append(buf, ",,true,"...)
	buf = strconv.AppendFloat(buf, lostSale, 'f', -1, 64)
	return append(buf, '\n')
}
