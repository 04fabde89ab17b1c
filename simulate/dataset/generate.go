package dataset

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
	"gonum.org/v1/gonum/stat/distuv"
)

// Config sizes a dataset. Sizes are taken as given (0 dark stores is a
// network without dark stores); only Start and Cities have defaults.
type Config struct {
	// Profile is the kind of network: ProfileDefault, ProfileJasinSinha or
	// ProfileAmilMakhdoumiWei.
	Profile    string
	Seed       uint64
	Stores     int
	Warehouses int
	DarkStores int
	SKUs       int
	Orders     int
	Days       int
	// Start is the first day; orders begin at its local midnight (UTC+5).
	// The zero value means Monday 2 March 2026.
	Start time.Time
	// Cities is the geography; empty means Kazakhstan(). The jasin-sinha
	// and amil-makhdoumi-wei profiles draw their own.
	Cities []City
	// Regions is the jasin-sinha and amil-makhdoumi-wei profiles' number
	// of customer cities (0: 100 and 99).
	Regions int
	// HistoryDays is how many days of orders before Start the jasin-sinha
	// and amil-makhdoumi-wei profiles write to HistoryFile, drawn from the
	// same demand at the same daily rate (0: no history): the orders a
	// forecast learns from (simulate --history), which the replay's stock
	// does not cover.
	HistoryDays int
	// Shape is the amil-makhdoumi-wei profile's demand and stock; its
	// zero fields take the profile's (AMWDefaultShape). Other profiles
	// take no shape.
	Shape AMWShape
	// TillSales, with the default profile, adds the stores' sales at the
	// till to the replenishments file as falls of stock (rows of negative
	// qty, one unit each): each store sells of each SKU it stocks
	// TillSales times what its online demand asks of it a day, between
	// 09:00 and 21:00 local time, at random moments (a Poisson count a
	// day), from a stream of their own, so that the other files do not
	// change with it. 0 writes none.
	TillSales float64
	// TillStocked, with TillSales, stocks, refills and shelves the stores
	// for their tills' sales as well as their online demand (each SKU's
	// daily units times 1 + TillSales), as a shop stocks a store; without
	// it a store holds its online demand only, and its tills soon go
	// without. The orders, the falls and the warehouses' and dark stores'
	// stock are the same either way.
	TillStocked bool
	// WriteOffs, with the default profile, adds the stores' and dark
	// stores' write-offs (damage, expiry, recounts down) to the
	// replenishments file as falls marked adjustments (reason
	// "adjustment", one unit a row): of each SKU a node stocks, a Poisson
	// count of WriteOffs times what its online demand asks of it a day, at
	// random moments, from a stream of their own, so that the other files
	// and rows do not change with it. 0 writes none (and no reason column).
	WriteOffs float64
}

// DefaultConfig returns the default sizes: 120 stores, 6 warehouses, 20
// dark stores, 500 SKUs and 50,000 orders over 28 days from Monday
// 2 March 2026.
func DefaultConfig() Config {
	return Config{
		Seed: 1, Stores: 120, Warehouses: 6, DarkStores: 20, SKUs: 500, Orders: 50_000, Days: 28,
		Start: time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC),
	}
}

func (c Config) withDefaults() Config {
	if c.Start.IsZero() {
		c.Start = DefaultConfig().Start
	}
	if len(c.Cities) == 0 {
		c.Cities = Kazakhstan()
	}
	return c
}

// ErrConfig is wrapped by every error about a Config's values.
var ErrConfig = errors.New("dataset: bad config")

func (c Config) check() error {
	switch {
	case c.Profile != ProfileDefault && c.Profile != ProfileJasinSinha && c.Profile != ProfileAmilMakhdoumiWei:
		return fmt.Errorf("%w: unknown profile %q (want one of %s)", ErrConfig, c.Profile, strings.Join(Profiles(), ", "))
	case c.HistoryDays < 0 || c.HistoryDays > 3660:
		return fmt.Errorf("%w: history days must be in 0..3660", ErrConfig)
	case c.HistoryDays > 0 && c.Profile == ProfileDefault:
		return fmt.Errorf("%w: a history is written by the %s and %s profiles only (the default profile's orders span weeks: split them by date)", ErrConfig, ProfileJasinSinha, ProfileAmilMakhdoumiWei)
	case c.Profile == ProfileAmilMakhdoumiWei && c.Warehouses < 1:
		return fmt.Errorf("%w: the %s profile needs at least one warehouse", ErrConfig, ProfileAmilMakhdoumiWei)
	case c.TillSales < 0 || c.TillSales > 100 || math.IsNaN(c.TillSales):
		return fmt.Errorf("%w: till sales must be in 0..100 times the online demand", ErrConfig)
	case c.TillSales > 0 && c.Profile != ProfileDefault:
		return fmt.Errorf("%w: till sales are for the %s profile's stores", ErrConfig, ProfileDefault)
	case c.TillStocked && c.TillSales == 0:
		return fmt.Errorf("%w: stores stocked for their tills need till sales", ErrConfig)
	case c.WriteOffs < 0 || c.WriteOffs > 100 || math.IsNaN(c.WriteOffs):
		return fmt.Errorf("%w: write-offs must be in 0..100 times the online demand", ErrConfig)
	case c.WriteOffs > 0 && c.Profile != ProfileDefault:
		return fmt.Errorf("%w: write-offs are for the %s profile's stores and dark stores", ErrConfig, ProfileDefault)
	case c.Shape != AMWShape{} && c.Profile != ProfileAmilMakhdoumiWei:
		return fmt.Errorf("%w: an order-type shape is for the %s profile only", ErrConfig, ProfileAmilMakhdoumiWei)
	case c.Shape.MaxSize < 0 || c.Shape.MaxSize > 100 || c.Shape.TypesPerSize < 0 || c.Shape.TypesPerSize > 10_000:
		return fmt.Errorf("%w: order sizes must be in 0..100 and types per size in 0..10000", ErrConfig)
	case c.Shape.Carry < 0 || c.Shape.Carry > 1 || math.IsNaN(c.Shape.Carry):
		return fmt.Errorf("%w: the chance that a warehouse carries a SKU must be in 0..1", ErrConfig)
	case c.Shape.SafetyZ < 0 || c.Shape.SafetyZ > 10 || math.IsNaN(c.Shape.SafetyZ):
		return fmt.Errorf("%w: safety stock must be in 0..10 standard deviations", ErrConfig)
	case c.Regions < 0 || c.Regions > 100_000:
		return fmt.Errorf("%w: regions must be in 0..100000", ErrConfig)
	case c.Stores < 0 || c.Warehouses < 0 || c.DarkStores < 0 || c.Orders < 0:
		return fmt.Errorf("%w: sizes must not be negative", ErrConfig)
	case c.Stores+c.Warehouses+c.DarkStores == 0:
		return fmt.Errorf("%w: no nodes", ErrConfig)
	case c.SKUs < 1 || c.Days < 1:
		return fmt.Errorf("%w: at least one SKU and one day", ErrConfig)
	case c.Stores > 100_000 || c.Warehouses > 1_000 || c.DarkStores > 10_000:
		return fmt.Errorf("%w: too many nodes (stores <= 100000, warehouses <= 1000, dark stores <= 10000)", ErrConfig)
	case c.SKUs > 1_000_000:
		return fmt.Errorf("%w: too many SKUs (<= 1000000)", ErrConfig)
	case c.Days > 3660:
		return fmt.Errorf("%w: too many days (<= 3660)", ErrConfig)
	}
	return nil
}

// Summary counts what Generate wrote.
type Summary struct {
	Nodes          int
	SKUs           int
	StockRows      int
	Orders         int
	Lines          int
	Replenishments int
	// HistoryOrders and HistoryLines are HistoryFile's (jasin-sinha and
	// amil-makhdoumi-wei).
	HistoryOrders, HistoryLines int
}

// File names written by Generate.
const (
	NetworkFile        = "network.yaml"
	StockFile          = "stock.csv"
	OrdersFile         = "orders.csv"
	ReplenishmentsFile = "replenishments.csv"
	// HistoryFile holds the orders before the replay (Config.HistoryDays).
	HistoryFile = "history.csv"
)

// OrdersHeader is the header of orders.csv. requested_method is one of any,
// delivery, pickup, express; pickup_node is set for pickup orders;
// promise_by is empty when there is no promise; allow_split is true or
// false; lost_sale_cost is the SKU's lost margin per unit (see PriceBands).
const OrdersHeader = "order_id,created_at,lat,lon,sku,qty,requested_method,pickup_node,unit_weight_kg,promise_by,allow_split,lost_sale_cost"

// LostSaleCostPerOrder is the network's per-order lost-sale cost (policy
// lost_sale_cost_per_order): the goodwill an order left unfilled costs on
// top of its lost margins.
const LostSaleCostPerOrder = 10.0

// PriceBand is a kind of SKU with its price range and the share of the
// price a lost unit costs (its gross margin).
type PriceBand struct {
	// Name says what the band sells: grocery, household, ...
	Name string
	// Share is the band's share of the catalogue's SKUs.
	Share float64
	// MinPrice and MaxPrice bound its prices, drawn log-uniform in
	// [MinPrice, MaxPrice).
	MinPrice, MaxPrice float64
	// LostSaleOfPrice is the share of the price a unit left unfilled
	// costs: its lost-sale cost per unit is price x LostSaleOfPrice.
	LostSaleOfPrice float64
}

// PriceBands returns the catalogue's price bands, cheapest first: each SKU
// draws its band and price from the seed (stream 7), so the same seed
// gives the same prices.
func PriceBands() []PriceBand {
	return []PriceBand{
		{Name: "grocery", Share: 0.55, MinPrice: 0.8, MaxPrice: 8, LostSaleOfPrice: 0.3},
		{Name: "household", Share: 0.2, MinPrice: 4, MaxPrice: 30, LostSaleOfPrice: 0.4},
		{Name: "apparel", Share: 0.15, MinPrice: 15, MaxPrice: 90, LostSaleOfPrice: 0.5},
		{Name: "electronics", Share: 0.1, MinPrice: 60, MaxPrice: 900, LostSaleOfPrice: 0.15},
	}
}

// tzOffset is the network's local time: Kazakhstan, UTC+5.
const tzOffset = 5 * time.Hour

// world is the generated network with what the demand model needs.
type world struct {
	cfg    Config
	net    *network.Network
	nodes  []nodeInfo
	skus   []sku
	cities []cityInfo
	// unitsPerDay is the expected number of units ordered per day.
	unitsPerDay float64
}

type nodeInfo struct {
	city  int
	kind  network.Kind
	share float64 // share of its city's (courier) demand it is stocked for
	skus  []int32 // carried SKUs (ascending)
}

type sku struct {
	id     string
	weight float64
	share  float64 // share of all units
	// price and lostSale (per unit) come from the SKU's PriceBand.
	price    float64
	lostSale float64
}

type cityInfo struct {
	City
	radiusKm float64
	weight   float64 // share of customers
	stores   []int   // node indices of stores offering pickup
}

// Generate writes a dataset into dir (created if missing).
func Generate(ctx context.Context, cfg Config, dir string) (Summary, error) {
	cfg = cfg.withDefaults()
	if err := cfg.check(); err != nil {
		return Summary{}, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Summary{}, fmt.Errorf("dataset: %w", err)
	}
	switch cfg.Profile {
	case ProfileJasinSinha:
		return generateJasinSinha(ctx, cfg, dir)
	case ProfileAmilMakhdoumiWei:
		return generateAmilMakhdoumiWei(ctx, cfg, dir)
	}
	w, err := newWorld(cfg)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Nodes: len(w.net.Nodes), SKUs: len(w.skus)}
	err = writeFile(filepath.Join(dir, NetworkFile), func(b *bufio.Writer) error { return w.net.WriteYAML(b) })
	if err != nil {
		return sum, err
	}
	err = writeFile(filepath.Join(dir, StockFile), func(b *bufio.Writer) error {
		n, err := w.writeStock(b)
		sum.StockRows = n
		return err
	})
	if err != nil {
		return sum, err
	}
	err = writeFile(filepath.Join(dir, OrdersFile), func(b *bufio.Writer) error {
		o, l, err := w.writeOrders(ctx, b)
		sum.Orders, sum.Lines = o, l
		return err
	})
	if err != nil {
		return sum, err
	}
	err = writeFile(filepath.Join(dir, ReplenishmentsFile), func(b *bufio.Writer) error {
		n, err := w.writeReplenishments(ctx, b)
		sum.Replenishments = n
		return err
	})
	return sum, err
}

func writeFile(path string, fill func(*bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	b := bufio.NewWriterSize(f, 1<<20)
	err = fill(b)
	if err == nil {
		err = b.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("dataset: %s: %w", filepath.Base(path), err)
	}
	return nil
}

// rng returns the generator of one stream of the dataset.
func (c Config) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(c.Seed, 0x9e3779b97f4a7c15^stream))
}

// apportion splits total into len(weights) integers proportional to the
// weights (largest remainder; ties to the lower index).
func apportion(total int, weights []float64) []int {
	out := make([]int, len(weights))
	var sum float64
	for _, w := range weights {
		sum += w
	}
	if total <= 0 || sum <= 0 {
		return out
	}
	type rem struct {
		i int
		r float64
	}
	rems := make([]rem, len(weights))
	left := total
	for i, w := range weights {
		x := float64(total) * w / sum
		out[i] = int(x)
		left -= out[i]
		rems[i] = rem{i, x - float64(out[i])}
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.r > b.r:
			return -1
		case a.r < b.r:
			return 1
		}
		return a.i - b.i
	})
	for k := 0; k < left; k++ {
		out[rems[k%len(rems)].i]++
	}
	return out
}

const kmPerDegLat = 111.32

// offset moves (lat, lon) by (north, east) km.
func offset(lat, lon, northKm, eastKm float64) (float64, float64) {
	la := lat + northKm/kmPerDegLat
	lo := lon + eastKm/(kmPerDegLat*math.Cos(lat*math.Pi/180))
	return round(la, 5), round(lo, 5)
}

func round(x float64, d int) float64 {
	p := math.Pow10(d)
	return math.Round(x*p) / p
}

func newWorld(cfg Config) (*world, error) {
	r := cfg.rng(1)
	w := &world{cfg: cfg}
	// Expected units per day: orders/day x lines/order x units/line.
	w.unitsPerDay = float64(cfg.Orders) / float64(max(cfg.Days, 1)) * meanLines * meanQty

	var popSum float64
	for _, c := range cfg.Cities {
		popSum += float64(c.Population)
	}
	for _, c := range cfg.Cities {
		w.cities = append(w.cities, cityInfo{
			City:     c,
			radiusKm: 2 + 4*math.Sqrt(float64(c.Population)/1e6),
			weight:   float64(c.Population) / popSum,
		})
	}
	w.skus = makeSKUs(cfg.rng(2), cfg.SKUs)
	priceSKUs(cfg.rng(7), w.skus)

	net := &network.Network{
		Name:     fmt.Sprintf("kazakhstan-seed-%d", cfg.Seed),
		Currency: "USD",
		Policy: network.Policy{
			SplitPenalty: 2.5, DefaultMaxShipment: 3, PickupRadiusKm: 10,
			PickupReadyMinutes: 120, TZOffsetMinutes: int(tzOffset / time.Minute),
			LostSaleCostPerOrder: LostSaleCostPerOrder,
			// Stores ship parcels within their region; warehouses ship
			// nationwide (warehouse shipping has no radius).
			CandidateRadiusKm: 300,
		},
		Carriers: []network.Carrier{{
			Name:       "kazpost",
			PerPackage: network.JasinSinhaPerPackage, PerItem: network.JasinSinhaPerItem,
			PerItemPerMile: network.JasinSinhaPerItemPerMile, PerKg: 0.08,
			Transit: []network.TransitBand{{MaxKm: 60, Days: 1}, {MaxKm: 500, Days: 2}, {MaxKm: 1500, Days: 3}, {MaxKm: 4000, Days: 5}},
		}},
	}
	w.net = net
	var glovoAreas, yandexAreas []string
	for _, c := range w.cities {
		if !c.Courier {
			continue
		}
		glovoAreas = append(glovoAreas, circle(c.Lat, c.Lon, c.radiusKm*1.8, 24))
		if c.Population >= 1_000_000 {
			yandexAreas = append(yandexAreas, circle(c.Lat, c.Lon, c.radiusKm*1.2, 24))
		}
	}
	if len(glovoAreas) > 0 {
		net.Couriers = append(net.Couriers, network.CourierPartner{
			Name: "glovo", Base: 3.5, PerKm: 0.9, MaxRadiusKm: 15, MaxWeightKg: 20, SpeedKmh: 25, PrepMinutes: 15,
			Hours: network.Hours{Open: "08:00", Close: "23:00"}, Areas: multiPolygon(glovoAreas),
			Kinds: []network.Kind{network.Store, network.DarkStore},
		})
	}
	if len(yandexAreas) > 0 {
		net.Couriers = append(net.Couriers, network.CourierPartner{
			Name: "yandex", Base: 4.2, PerKm: 0.7, MaxRadiusKm: 12, MaxWeightKg: 15, SpeedKmh: 28, PrepMinutes: 10,
			Areas: multiPolygon(yandexAreas), Kinds: []network.Kind{network.DarkStore},
		})
	}

	cityW := make([]float64, len(w.cities))
	courierW := make([]float64, len(w.cities))
	for i, c := range w.cities {
		cityW[i] = c.weight
		if c.Courier {
			courierW[i] = c.weight
		}
	}
	// Warehouses: one per large city, largest first, then round again.
	for k := 0; k < cfg.Warehouses; k++ {
		ci := k % min(len(w.cities), 8)
		c := &w.cities[ci]
		ang := r.Float64() * 2 * math.Pi
		d := c.radiusKm*1.2 + 3*r.Float64()
		lat, lon := offset(c.Lat, c.Lon, d*math.Sin(ang), d*math.Cos(ang))
		capa := w.unitsPerDay * 0.6 / float64(max(cfg.Warehouses, 1)) * (1 + 0.5*r.Float64())
		w.addNode(network.Node{
			ID: fmt.Sprintf("wh-%s-%d", c.Code, k/min(len(w.cities), 8)+1), Name: c.Name + " distribution centre", City: c.Name,
			Kind: network.Warehouse, Lat: lat, Lon: lon, Methods: []solver.Method{solver.WarehouseShip},
			CapacityPerDay: max(50, int(capa)), PickCostPerOrder: 0.6, PickCostPerUnit: 0.15, Enabled: true,
			Tags: []string{"dc"},
		}, nodeInfo{city: ci, kind: network.Warehouse, share: 1 / float64(max(cfg.Warehouses, 1))})
	}
	// Dark stores: in courier cities, by population.
	if slices.ContainsFunc(courierW, func(x float64) bool { return x > 0 }) {
		for ci, n := range apportion(cfg.DarkStores, courierW) {
			c := &w.cities[ci]
			for k := 0; k < n; k++ {
				lat, lon := offset(c.Lat, c.Lon, r.NormFloat64()*c.radiusKm*0.45, r.NormFloat64()*c.radiusKm*0.45)
				capa := w.unitsPerDay * c.weight * 0.5 / float64(n) * (0.8 + 0.6*r.Float64())
				w.addNode(network.Node{
					ID: fmt.Sprintf("%s-d%02d", c.Code, k+1), Name: fmt.Sprintf("%s dark store %d", c.Name, k+1), City: c.Name,
					Kind: network.DarkStore, Lat: lat, Lon: lon, Methods: []solver.Method{solver.Courier},
					CapacityPerDay: max(20, int(capa)), PickCostPerOrder: 0.8, PickCostPerUnit: 0.2,
					Hours: network.Hours{Open: "07:00", Close: "24:00"}, Enabled: true, Tags: []string{"express"},
				}, nodeInfo{city: ci, kind: network.DarkStore, share: 1 / float64(n)})
			}
		}
	}
	// Stores: every city by population.
	for ci, n := range apportion(cfg.Stores, cityW) {
		c := &w.cities[ci]
		for k := 0; k < n; k++ {
			s := c.radiusKm * 0.6
			lat, lon := offset(c.Lat, c.Lon, r.NormFloat64()*s, r.NormFloat64()*s)
			methods := []solver.Method{solver.ShipFromStore, solver.Pickup}
			if c.Courier {
				methods = append(methods, solver.Courier)
			}
			tags := []string{}
			if k == 0 {
				tags = append(tags, "flagship")
			}
			if r.Float64() < 0.3 {
				tags = append(tags, "mall")
			}
			capa := w.unitsPerDay * c.weight * 1.0 / float64(n) * (0.6 + 0.8*r.Float64())
			w.addNode(network.Node{
				ID: fmt.Sprintf("%s-s%03d", c.Code, k+1), Name: fmt.Sprintf("%s store %d", c.Name, k+1), City: c.Name,
				Kind: network.Store, Lat: lat, Lon: lon, Methods: methods,
				CapacityPerDay: max(10, int(capa)), PickCostPerOrder: 1.2, PickCostPerUnit: 0.35,
				Hours: network.Hours{Open: "10:00", Close: "22:00"}, Enabled: true, Tags: tags,
			}, nodeInfo{city: ci, kind: network.Store, share: 1 / float64(n)})
			w.cities[ci].stores = append(w.cities[ci].stores, len(w.net.Nodes)-1)
		}
	}
	for i := range w.net.Nodes {
		if len(w.net.Nodes[i].Tags) == 0 {
			w.net.Nodes[i].Tags = nil
		}
	}
	if err := w.net.Init(); err != nil {
		return nil, fmt.Errorf("dataset: generated network: %w", err)
	}
	w.assortment(cfg.rng(3))
	w.addTransfers()
	if err := w.net.Init(); err != nil {
		return nil, fmt.Errorf("dataset: generated network with lanes: %w", err)
	}
	return w, nil
}

// Transfer lanes and shelves of a generated network: each warehouse feeds
// the stores and dark stores of its region (within WarehouseLaneKm) in a
// day, and a store sends to the other stores of its city in a few hours;
// stores and dark stores have room for ShelfDays of their expected sales
// of each SKU they carry, and at least shelfFacing units of it.
const (
	WarehouseLaneKm = 400
	ShelfDays       = 21
	shelfFacing     = 6
	shelfPerSKU     = 40
)

// addTransfers gives the network its lanes and its stores and dark
// stores their shelf limits. It draws nothing at random, so the rest of
// the dataset is what it was without them.
func (w *world) addTransfers() {
	for i := range w.net.Nodes {
		nd := &w.net.Nodes[i]
		if nd.Kind == network.Warehouse {
			w.net.Lanes = append(w.net.Lanes, network.Lane{
				Name: nd.ID + "-region", From: nd.ID, ToKinds: []network.Kind{network.Store, network.DarkStore},
				MaxKm: WarehouseLaneKm, CostPerUnit: 0.2, CostPerShipment: 20, LeadHours: 24, MinQty: 10,
			})
			continue
		}
		var room float64
		for _, s := range w.nodes[i].skus {
			room += max(shelfFacing, w.stockedUnits(i, s)*ShelfDays)
		}
		nd.ShelfPerSKU = shelfPerSKU
		nd.ShelfTotal = max(100, int(math.Ceil(room)))
	}
	w.net.Lanes = append(w.net.Lanes, network.Lane{
		Name: "store-to-store", FromKinds: []network.Kind{network.Store}, ToKinds: []network.Kind{network.Store},
		SameCity: true, CostPerUnit: 0.5, CostPerShipment: 6, LeadHours: 6, MinQty: 3,
	})
}

func (w *world) addNode(nd network.Node, info nodeInfo) {
	w.net.Nodes = append(w.net.Nodes, nd)
	w.nodes = append(w.nodes, info)
}

// circle is a GeoJSON ring (lon, lat) of n vertices around a centre.
func circle(lat, lon, radiusKm float64, n int) string {
	var b strings.Builder
	b.WriteString("[[")
	for i := 0; i <= n; i++ {
		a := 2 * math.Pi * float64(i%n) / float64(n)
		la, lo := offset(lat, lon, radiusKm*math.Sin(a), radiusKm*math.Cos(a))
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "[%s,%s]", strconv.FormatFloat(lo, 'f', 5, 64), strconv.FormatFloat(la, 'f', 5, 64))
	}
	b.WriteString("]]")
	return b.String()
}

func multiPolygon(polys []string) string {
	return `{"type":"MultiPolygon","coordinates":[` + strings.Join(polys, ",") + `]}`
}

// Demand model constants.
const (
	meanLines = 1.75
	meanQty   = 1.3
	zipfS     = 1.07
)

// makeSKUs draws the catalogue: ids, unit weights (log-normal, median
// 0.6 kg) and Zipf-like popularity shares by rank.
func makeSKUs(r *rand.Rand, n int) []sku {
	out := make([]sku, n)
	var sum float64
	for i := range out {
		out[i].id = fmt.Sprintf("SKU-%05d", i+1)
		out[i].weight = round(min(15, max(0.05, 0.6*math.Exp(0.9*r.NormFloat64()))), 3)
		out[i].share = 1 / math.Pow(float64(i)+2.7, zipfS) // as rand.Zipf draws ranks
		sum += out[i].share
	}
	for i := range out {
		out[i].share /= sum
	}
	return out
}

// priceSKUs draws each SKU's price band and price, and prices its lost
// sales: a share of the price by band.
func priceSKUs(r *rand.Rand, skus []sku) {
	bands := PriceBands()
	var cum []float64
	for _, b := range bands {
		cum = append(cum, b.Share)
	}
	cum = cumulative(cum)
	for i := range skus {
		b := &bands[pick(r, cum)]
		price := b.MinPrice * math.Pow(b.MaxPrice/b.MinPrice, r.Float64())
		skus[i].price = round(price, 2)
		skus[i].lostSale = round(skus[i].price*b.LostSaleOfPrice, 2)
	}
}

// assortment decides which SKUs each node carries: warehouses everything,
// dark stores and stores the popular ones, fewer further down the tail.
func (w *world) assortment(r *rand.Rand) {
	n := float64(len(w.skus))
	for i := range w.nodes {
		info := &w.nodes[i]
		for s := range w.skus {
			var p float64
			switch info.kind {
			case network.Warehouse:
				p = 1
			case network.DarkStore:
				p = 0.98 * math.Exp(-float64(s)/(0.2*n))
			default:
				p = 0.95 * math.Exp(-float64(s)/(0.35*n))
			}
			if r.Float64() < p {
				info.skus = append(info.skus, int32(s))
			}
		}
	}
}

// dailyUnits is the expected units of sku s a node's online demand asks
// for per day.
func (w *world) dailyUnits(node int, s int32) float64 {
	info := &w.nodes[node]
	d := w.unitsPerDay * w.skus[s].share
	switch info.kind {
	case network.Warehouse:
		return d * 0.55 * info.share
	case network.DarkStore:
		return d * w.cities[info.city].weight * 0.2 * info.share
	default:
		return d * w.cities[info.city].weight * 0.45 * info.share
	}
}

// stockedUnits is the units of sku s a node is stocked for per day: its
// online demand's (dailyUnits), and a store's tills' too with
// Config.TillStocked.
func (w *world) stockedUnits(node int, s int32) float64 {
	d := w.dailyUnits(node, s)
	if w.cfg.TillStocked && w.nodes[node].kind == network.Store {
		d *= 1 + w.cfg.TillSales
	}
	return d
}

// stochastic rounds x up or down at random, keeping the mean.
func stochastic(r *rand.Rand, x float64) int {
	f := math.Floor(x)
	if r.Float64() < x-f {
		f++
	}
	return int(f)
}

func (w *world) writeStock(b *bufio.Writer) (int, error) {
	r := w.cfg.rng(4)
	b.WriteString("node,sku,on_hand,safety_stock\n")
	rows := 0
	for i := range w.nodes {
		info := &w.nodes[i]
		var days float64
		var safety int
		switch info.kind {
		case network.Warehouse:
			days = 10
		case network.DarkStore:
			days = 4
		default:
			days, safety = 9, 1
		}
		for _, s := range info.skus {
			q := stochastic(r, w.stockedUnits(i, s)*days*(0.5+r.Float64()))
			switch info.kind {
			case network.Warehouse:
				q = max(q, 3) // distribution centres hold the whole catalogue
			case network.DarkStore:
				q = max(q, 3) // a carried SKU has a minimum facing
			default:
				q = max(q, 2)
			}
			if q == 0 {
				continue
			}
			fmt.Fprintf(b, "%s,%s,%d,%d\n", w.net.Nodes[i].ID, w.skus[s].id, q+safety, safety)
			rows++
		}
	}
	return rows, nil
}

// facingRefill is the chance that a store or dark store gets one unit of
// a carried SKU whose expected sales until the next arrival round to none.
const facingRefill = 0.3

// Replenishment cadence: warehouses every Monday at 03:00, dark stores on
// Monday, Wednesday and Friday at 05:00, stores on Tuesday and Friday at
// 06:00 (local time), each bringing about what it is stocked to sell until
// the next arrival. With Config.TillSales, the stores' sales at the till
// come between them, each day's rows in time order.
func (w *world) writeReplenishments(ctx context.Context, b *bufio.Writer) (int, error) {
	r := w.cfg.rng(5)
	tills := w.cfg.rng(8)
	writeOffs := w.cfg.rng(9)
	if w.cfg.WriteOffs > 0 {
		b.WriteString("at,node,sku,qty,reason\n")
	} else {
		b.WriteString("at,node,sku,qty\n")
	}
	rows := 0
	type wave struct {
		hour  int
		kind  network.Kind
		days  []time.Weekday
		cover float64
	}
	waves := []wave{
		{3, network.Warehouse, []time.Weekday{time.Monday}, 7},
		{5, network.DarkStore, []time.Weekday{time.Monday, time.Wednesday, time.Friday}, 2.4},
		{6, network.Store, []time.Weekday{time.Tuesday, time.Friday}, 4},
	}
	var day []repRow
	for d := 0; d < w.cfg.Days; d++ {
		if err := ctx.Err(); err != nil {
			return rows, err
		}
		date := w.cfg.Start.AddDate(0, 0, d)
		day = day[:0]
		for _, wv := range waves {
			if d == 0 || !slices.Contains(wv.days, date.Weekday()) {
				continue
			}
			at := date.Add(time.Duration(wv.hour)*time.Hour - tzOffset)
			for i := range w.nodes {
				if w.nodes[i].kind != wv.kind {
					continue
				}
				for _, s := range w.nodes[i].skus {
					q := stochastic(r, w.stockedUnits(i, s)*wv.cover*(0.9+0.4*r.Float64()))
					if q == 0 && wv.kind != network.Warehouse && r.Float64() < facingRefill {
						q = 1 // a slow seller's empty facing is refilled now and then
					}
					if q == 0 {
						continue
					}
					day = append(day, repRow{at: at, node: i, sku: s, qty: q})
				}
			}
		}
		if w.cfg.TillSales > 0 {
			day = w.tillSales(tills, day, date)
		}
		if w.cfg.WriteOffs > 0 {
			day = w.writeOffs(writeOffs, day, date)
		}
		slices.SortStableFunc(day, func(a, b repRow) int { return a.at.Compare(b.at) })
		for _, row := range day {
			fmt.Fprintf(b, "%s,%s,%s,%d", row.at.UTC().Format(time.RFC3339), w.net.Nodes[row.node].ID, w.skus[row.sku].id, row.qty)
			switch {
			case row.adjustment:
				b.WriteString("," + reasonAdjustment + "\n")
			case w.cfg.WriteOffs > 0:
				b.WriteString(",\n")
			default:
				b.WriteString("\n")
			}
		}
		rows += len(day)
	}
	return rows, nil
}

// repRow is a row of the replenishments file: qty units of a SKU at a
// node at a time, a fall when negative, a write-off when adjustment.
type repRow struct {
	at         time.Time
	node       int
	sku        int32
	qty        int
	adjustment bool
}

// reasonAdjustment is simulate.ReasonAdjustment (which this package's
// tests cannot have it import).
const reasonAdjustment = "adjustment"

// writeOffs appends to day each store's and dark store's write-offs on
// date, one unit a row, marked adjustments (Config.WriteOffs): of each
// SKU it stocks a Poisson count of mean WriteOffs times its online demand
// of a day, at moments drawn over the day.
func (w *world) writeOffs(r *rand.Rand, day []repRow, date time.Time) []repRow {
	return w.randomFalls(r, day, []network.Kind{network.Store, network.DarkStore}, w.cfg.WriteOffs, date.Add(-tzOffset), 24*time.Hour, true)
}

// tillSales appends to day each store's sales at the till on date, one
// unit a row (Config.TillSales): of each SKU it stocks a Poisson count of
// mean TillSales times its online demand of a day, at moments drawn
// between 09:00 and 21:00 local time.
func (w *world) tillSales(r *rand.Rand, day []repRow, date time.Time) []repRow {
	return w.randomFalls(r, day, []network.Kind{network.Store}, w.cfg.TillSales, date.Add(9*time.Hour-tzOffset), 12*time.Hour, false)
}

// randomFalls appends to day, for each node of kinds and each SKU it
// stocks, a Poisson count of mean times its online demand of a day of
// falls of one unit (adjustments when adjustment), at moments drawn
// uniformly over span from start, to the second.
func (w *world) randomFalls(r *rand.Rand, day []repRow, kinds []network.Kind, times float64, start time.Time, span time.Duration, adjustment bool) []repRow {
	for i := range w.nodes {
		if !slices.Contains(kinds, w.nodes[i].kind) {
			continue
		}
		for _, s := range w.nodes[i].skus {
			mean := times * w.dailyUnits(i, s)
			if !(mean > 0) {
				continue
			}
			n := int(distuv.Poisson{Lambda: mean, Src: r}.Rand())
			for range n {
				at := start.Add(time.Duration(r.Float64() * float64(span))).Truncate(time.Second)
				day = append(day, repRow{at: at, node: i, sku: s, qty: -1, adjustment: adjustment})
			}
		}
	}
	return day
}
