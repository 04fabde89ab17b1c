package dataset

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/omniroute/omniroute/geo"
	"github.com/omniroute/omniroute/network"
)

// ProfileAmilMakhdoumiWei is a network in the style of Amil, Makhdoumi &
// Wei, "Multi-item order fulfillment revisited: LP formulation and
// prophet inequality": the Jasin & Sinha setting (warehouses shipping
// parcels at their rates to customers in many cities, no replenishment)
// with demand made of a few order types, five sets of SKUs for each order
// size from 1 to 5, each SKU carried by a random subset of the
// warehouses, stock equal to the mean demand at the nearest warehouse
// carrying it, and a lost sale priced as shipping from a dummy warehouse
// at twice the costs of the farthest one.
const ProfileAmilMakhdoumiWei = "amil-makhdoumi-wei"

// AmilMakhdoumiWeiConfig returns the amil-makhdoumi-wei profile's default
// sizes: 10 warehouses, 99 cities, 20 SKUs and 7,000 orders over 7 days,
// after a history of 7 days.
func AmilMakhdoumiWeiConfig() Config {
	return Config{
		Profile: ProfileAmilMakhdoumiWei, Seed: 1, Warehouses: 10, SKUs: 20, Orders: 7000, Days: 7, Regions: 99,
		HistoryDays: 7, Start: DefaultConfig().Start,
	}
}

// AMWShape is the amil-makhdoumi-wei profile's demand and stock. The
// zero value of each field is the profile's (AMWDefaultShape); the
// published setups vary them, from 20 SKUs in 25 types carried with
// probability 0.75 to 100 SKUs in 100 types of up to 10 SKUs carried with
// probability 0.5 or 0.25 and stocked half a standard deviation above the
// mean.
type AMWShape struct {
	// MaxSize is the largest order size (SKUs of a type), and the
	// network's most parcels an order may ship in.
	MaxSize int
	// TypesPerSize is how many order types each size has (all the sets of
	// that size when there are fewer).
	TypesPerSize int
	// Carry is the chance that a warehouse carries a SKU, drawn
	// independently for each warehouse and SKU.
	Carry float64
	// SafetyZ is the stock above the mean demand a warehouse is given, in
	// standard deviations of a Poisson count of that mean (0: the mean,
	// rounded up).
	SafetyZ float64
}

// AMWDefaultShape is the profile's shape: orders of 1 to 5 SKUs, five
// types of each size, each warehouse carrying a SKU with probability
// 0.75, stock at the mean demand.
func AMWDefaultShape() AMWShape {
	return AMWShape{MaxSize: 5, TypesPerSize: 5, Carry: 0.75}
}

// orDefaults returns sh with its zero fields set to AMWDefaultShape's.
func (sh AMWShape) orDefaults() AMWShape {
	d := AMWDefaultShape()
	if sh.MaxSize == 0 {
		sh.MaxSize = d.MaxSize
	}
	if sh.TypesPerSize == 0 {
		sh.TypesPerSize = d.TypesPerSize
	}
	if sh.Carry == 0 {
		sh.Carry = d.Carry
	}
	return sh
}

// Amil-Makhdoumi-Wei profile constants.
const (
	// amwLostSaleFactor scales the costs of the dummy warehouse that a
	// lost sale ships from.
	amwLostSaleFactor = 2
)

// Random streams of the profile (cfg.rng): the default profile uses 1 to
// 7, jasin-sinha 11 to 16.
const (
	amwGeoStream uint64 = 21 + iota
	amwSKUStream
	amwTypeStream
	amwStockStream
	amwOrderStream
	amwHistoryStream
)

// amwType is an order type: one unit of each of its SKUs.
type amwType struct {
	// skus are the SKUs' indices, ascending.
	skus []int
	// prob is the chance that an order is of this type.
	prob float64
}

// amwModel is the profile's network and demand.
type amwModel struct {
	shape  AMWShape
	cities []jsCity
	net    *network.Network
	skus   []sku
	types  []amwType
	// lostSale[c] is the lost-sale cost of a unit for a customer of city
	// c.
	lostSale []float64
}

// newAMWModel draws the profile's network and demand from cfg's seed.
func newAMWModel(cfg Config) (*amwModel, error) {
	nCities := cfg.Regions
	if nCities <= 0 {
		nCities = AmilMakhdoumiWeiConfig().Regions
	}
	r := cfg.rng(amwGeoStream)
	m := &amwModel{shape: cfg.Shape.orDefaults(), cities: drawJSCities(r, nCities), skus: makeSKUs(cfg.rng(amwSKUStream), cfg.SKUs)}
	m.net = &network.Network{
		Name:     fmt.Sprintf("%s-seed-%d", ProfileAmilMakhdoumiWei, cfg.Seed),
		Currency: "USD",
		Policy: network.Policy{
			DefaultMaxShipment: m.shape.MaxSize, TZOffsetMinutes: int(jsTZ / time.Minute),
			LostSaleCostPerOrder: amwLostSaleFactor * network.JasinSinhaPerPackage,
		},
		Carriers: []network.Carrier{jsParcelCarrier()},
		Nodes:    jsWarehouses(r, m.cities, cfg.Warehouses),
	}
	if err := m.net.Init(); err != nil {
		return nil, fmt.Errorf("dataset: generated network: %w", err)
	}
	m.types = amwDrawTypes(cfg.rng(amwTypeStream), len(m.skus), m.shape)
	// A lost unit ships from a dummy warehouse at twice the costs, as far
	// as the farthest warehouse.
	m.lostSale = make([]float64, len(m.cities))
	for c, city := range m.cities {
		var far float64
		for _, nd := range m.net.Nodes {
			far = max(far, geo.DistanceKm(city.lat, city.lon, nd.Lat, nd.Lon))
		}
		m.lostSale[c] = round(amwLostSaleFactor*(network.JasinSinhaPerItem+network.JasinSinhaPerItemPerMile*far/geo.KmPerMile), 4)
	}
	return m, nil
}

// amwDrawTypes draws the order types over nSKUs SKUs: for each size n
// from 1 to sh.MaxSize, sh.TypesPerSize distinct sets of n SKUs, drawn
// uniformly (all of them when there are no more); each size's
// probability from a random weight, and each type's share of its size
// from another.
func amwDrawTypes(r *rand.Rand, nSKUs int, sh AMWShape) []amwType {
	var types []amwType
	sizeW := make([]float64, sh.MaxSize+1)
	var wsum float64
	for n := 1; n <= sh.MaxSize; n++ {
		sets := amwSets(r, nSKUs, n, sh.TypesPerSize)
		sizeW[n] = 1 - r.Float64()
		if len(sets) == 0 {
			continue
		}
		wsum += sizeW[n]
		shares := make([]float64, len(sets))
		var ssum float64
		for i := range shares {
			shares[i] = 1 - r.Float64()
			ssum += shares[i]
		}
		for i, set := range sets {
			types = append(types, amwType{skus: set, prob: sizeW[n] * shares[i] / ssum})
		}
	}
	for i := range types {
		types[i].prob /= wsum
	}
	return types
}

// amwSets returns perSize distinct sets of n of the SKUs 0 to nSKUs-1,
// each ascending, drawn uniformly from r; all of them, in lexicographic
// order, when there are no more than perSize.
func amwSets(r *rand.Rand, nSKUs, n, perSize int) [][]int {
	if n > nSKUs {
		return nil
	}
	combos := 1.0
	for i := range n {
		combos = combos * float64(nSKUs-i) / float64(i+1)
	}
	var sets [][]int
	if combos <= float64(perSize) {
		set := make([]int, n)
		var walk func(i, from int)
		walk = func(i, from int) {
			if i == n {
				sets = append(sets, slices.Clone(set))
				return
			}
			for s := from; s <= nSKUs-(n-i); s++ {
				set[i] = s
				walk(i+1, s+1)
			}
		}
		walk(0, 0)
		return sets
	}
	for len(sets) < perSize {
		set := make([]int, 0, n)
		for len(set) < n {
			if s := r.IntN(nSKUs); !slices.Contains(set, s) {
				set = append(set, s)
			}
		}
		slices.Sort(set)
		if !slices.ContainsFunc(sets, func(o []int) bool { return slices.Equal(o, set) }) {
			sets = append(sets, set)
		}
	}
	return sets
}

// stock places the stock for orders orders: each SKU of a type is carried
// by each warehouse with probability shape.Carry (by one drawn at random
// if by none), each city's expected demand for it goes to the nearest
// warehouse carrying it (ties to the lower index), and a warehouse holds
// the expected units it was given plus shape.SafetyZ standard deviations
// of a Poisson count of that mean, rounded up. The rows are sorted by
// node and SKU; a warehouse given no demand of a SKU has no row.
func (m *amwModel) stock(r *rand.Rand, orders int) []stockRow {
	nw := len(m.net.Nodes)
	// demand[s] is the expected units of SKU s per order.
	demand := make([]float64, len(m.skus))
	for _, t := range m.types {
		for _, s := range t.skus {
			demand[s] += t.prob
		}
	}
	var used []int
	for s, d := range demand {
		if d > 0 {
			used = append(used, s)
		}
	}
	carries := make([][]bool, len(used))
	for i := range used {
		carries[i] = make([]bool, nw)
		some := false
		for w := range carries[i] {
			carries[i][w] = r.Float64() < m.shape.Carry
			some = some || carries[i][w]
		}
		if !some {
			carries[i][r.IntN(nw)] = true
		}
	}
	assigned := make([][]float64, len(used))
	for i := range assigned {
		assigned[i] = make([]float64, nw)
	}
	dist := make([]float64, nw)
	near := make([]int, nw)
	for _, c := range m.cities {
		for w, nd := range m.net.Nodes {
			dist[w] = geo.DistanceKm(c.lat, c.lon, nd.Lat, nd.Lon)
			near[w] = w
		}
		slices.SortStableFunc(near, func(a, b int) int {
			switch {
			case dist[a] < dist[b]:
				return -1
			case dist[a] > dist[b]:
				return 1
			}
			return a - b
		})
		for i, s := range used {
			for _, w := range near {
				if carries[i][w] {
					assigned[i][w] += float64(orders) * demand[s] * c.weight
					break
				}
			}
		}
	}
	var rows []stockRow
	for w := range nw {
		for i, s := range used {
			mean := assigned[i][w]
			if q := int(math.Ceil(mean + m.shape.SafetyZ*math.Sqrt(mean))); q > 0 {
				rows = append(rows, stockRow{node: w, sku: s, qty: q})
			}
		}
	}
	return rows
}

// generateAmilMakhdoumiWei writes the amil-makhdoumi-wei profile's
// dataset into dir.
func generateAmilMakhdoumiWei(ctx context.Context, cfg Config, dir string) (Summary, error) {
	m, err := newAMWModel(cfg)
	if err != nil {
		return Summary{}, err
	}
	return writeProfile(ctx, cfg, dir, profileFiles{
		net: m.net, skus: m.skus, stock: m.stock(cfg.rng(amwStockStream), cfg.Orders),
		orders: m.writeOrders, prefix: "A", orderStream: amwOrderStream, historyStream: amwHistoryStream,
	})
}

// writeOrders writes the profile's orders: uniform over the horizon, each
// a type and a city drawn independently by their probabilities, the
// customer around the city's centre, one unit of each of the type's SKUs
// for delivery without a promise, split allowed, lost sales priced by the
// city.
func (m *amwModel) writeOrders(ctx context.Context, d jsDraw, b *bufio.Writer) (orders, lines int, err error) {
	r := d.r
	cityCum := make([]float64, len(m.cities))
	for i := range m.cities {
		cityCum[i] = m.cities[i].weight
	}
	cityCum = cumulative(cityCum)
	typeCum := make([]float64, len(m.types))
	for i := range m.types {
		typeCum[i] = m.types[i].prob
	}
	typeCum = cumulative(typeCum)
	secs := d.times()
	start := d.start.Add(-jsTZ)
	b.WriteString(OrdersHeader + "\n")
	var buf []byte
	for i, sec := range secs {
		if i%1024 == 0 && ctx.Err() != nil {
			return orders, lines, ctx.Err()
		}
		orders++
		created := start.Add(time.Duration(sec) * time.Second).UTC().Format(time.RFC3339)
		ci := pick(r, cityCum)
		c := &m.cities[ci]
		lat, lon := offset(c.lat, c.lon, 8*r.NormFloat64(), 8*r.NormFloat64())
		t := &m.types[pick(r, typeCum)]
		id := fmt.Sprintf("%s%08d", d.prefix, orders)
		for _, s := range t.skus {
			lines++
			buf = appendJSLine(buf[:0], id, created, lat, lon, &m.skus[s], m.lostSale[ci])
			if _, err := b.Write(buf); err != nil {
				return orders, lines, err
			}
		}
	}
	return orders, lines, nil
}
