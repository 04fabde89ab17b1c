package bench

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	omniroutev1 "github.com/omniroute/omniroute/api/omniroute/v1"
)

// LoadOrders reads order templates from a file of protojson Order objects:
// one per line (JSON lines), a JSON array of them, or several objects one
// after another.
func LoadOrders(path string) ([]*omniroutev1.Order, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("orders: %w", err)
	}
	defer f.Close()
	orders, err := ReadOrders(f)
	if err != nil {
		return nil, fmt.Errorf("orders %s: %w", path, err)
	}
	return orders, nil
}

// ReadOrders reads protojson Order objects from r: JSON lines, a JSON array,
// or a sequence of objects. It fails on unknown fields and on an empty input.
func ReadOrders(r io.Reader) ([]*omniroutev1.Order, error) {
	dec := json.NewDecoder(bufio.NewReader(r))
	var orders []*omniroutev1.Order
	parse := func(raw json.RawMessage) error {
		o := new(omniroutev1.Order)
		if err := protojson.Unmarshal(raw, o); err != nil {
			return fmt.Errorf("order %d: %w", len(orders)+1, err)
		}
		orders = append(orders, o)
		return nil
	}
	for {
		var raw json.RawMessage
		err := dec.Decode(&raw)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("after %d orders: %w", len(orders), err)
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) > 0 && raw[0] == '[' {
			var list []json.RawMessage
			if err := json.Unmarshal(raw, &list); err != nil {
				return nil, fmt.Errorf("after %d orders: %w", len(orders), err)
			}
			for _, item := range list {
				if err := parse(item); err != nil {
					return nil, err
				}
			}
			continue
		}
		if err := parse(raw); err != nil {
			return nil, err
		}
	}
	if len(orders) == 0 {
		return nil, errors.New("no orders")
	}
	return orders, nil
}

// SKU is a catalogue item the generator may put on an order line.
type SKU struct {
	// ID is the SKU code, as in the stock file.
	ID string
	// WeightKg is the weight of one unit.
	WeightKg float64
}

// DefaultSKUs returns the built-in catalogue, most popular first: everyday
// groceries, then household goods, then electronics. The codes are those of
// the demo stock (network/demo/stock.csv), so generated orders find stock on
// the demo server. It is used when no SKU list is given.
func DefaultSKUs() []SKU {
	return []SKU{
		{"MILK-1L", 1.03}, {"BREAD-WHITE", 0.5}, {"EGGS-10", 0.6}, {"WATER-1.5L", 1.55},
		{"LEPESHKA", 0.35}, {"KEFIR-1L", 1.03}, {"BANANA-1KG", 1}, {"TOMATO-1KG", 1},
		{"SUGAR-1KG", 1}, {"TEA-BLACK-100", 0.22}, {"POTATO-2KG", 2}, {"CHICKEN-1KG", 1},
		{"CUCUMBER-1KG", 1}, {"YOGURT-500G", 0.52}, {"BUTTER-200G", 0.21}, {"CHEESE-300G", 0.31},
		{"RICE-1KG", 1}, {"ONION-1KG", 1}, {"SODA-1L", 1.05}, {"BAURSAK-500G", 0.5},
		{"CHIPS-150G", 0.16}, {"CHOCOLATE-100G", 0.11}, {"COFFEE-INSTANT-100G", 0.15}, {"PASTA-500G", 0.51},
		{"SAUSAGE-500G", 0.51}, {"BEEF-1KG", 1}, {"APPLE-ALMATY-1KG", 1}, {"JUICE-APPLE-1L", 1.08},
		{"OIL-SUNFLOWER-1L", 0.95}, {"FLOUR-2KG", 2}, {"KUMYS-1L", 1.03}, {"DUMPLINGS-1KG", 1},
		{"MANTY-1KG", 1}, {"HORSE-KAZY-500G", 0.5}, {"CANDY-500G", 0.52}, {"WATER-5L", 5.1},
		{"DISH-SOAP-1L", 1.08}, {"SHAMPOO-400ML", 0.44}, {"TOOTHPASTE-100ML", 0.15}, {"PAPER-TOWEL-2", 0.4},
		{"TOILET-PAPER-8", 0.9}, {"DETERGENT-3KG", 3.05}, {"DIAPERS-M", 1.3}, {"CATFOOD-1KG", 1.02},
		{"CHARGER-USBC", 0.12}, {"CABLE-USBC", 0.06}, {"EARBUDS", 0.08}, {"POWERBANK-20K", 0.42},
		{"PHONE-A5", 0.35}, {"PHONE-X12", 0.4}, {"HEADPHONES-BT", 0.3}, {"WATCH-SMART", 0.15},
		{"KETTLE", 1.3}, {"TOASTER", 1.9}, {"BLENDER", 2.6}, {"LAPTOP-14", 2.2},
		{"TV-43", 9.5}, {"MICROWAVE", 11.5},
	}
}

// ParseSKUs turns a comma-separated list of SKU codes into a catalogue, in
// the order given (most popular first). Unit weights are derived from the
// code, so the same list always gives the same orders.
func ParseSKUs(list string) ([]SKU, error) {
	var skus []SKU
	seen := make(map[string]bool)
	for _, id := range strings.Split(list, ",") {
		id = strings.TrimSpace(id)
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		skus = append(skus, SKU{ID: id, WeightKg: derivedWeight(id)})
	}
	if len(skus) == 0 {
		return nil, fmt.Errorf("sku list %q: no SKUs", list)
	}
	return skus, nil
}

// LoadSKUs reads the distinct SKUs of a CSV file with a header row and a
// "sku" column, such as a stock file, in order of first appearance. A
// "unit_weight_kg" or "weight_kg" column, when present, gives the weights.
func LoadSKUs(path string) ([]SKU, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("skus: %w", err)
	}
	defer f.Close()
	skus, err := readSKUs(f)
	if err != nil {
		return nil, fmt.Errorf("skus %s: %w", path, err)
	}
	return skus, nil
}

func readSKUs(r io.Reader) ([]SKU, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	skuCol, weightCol := -1, -1
	for i, name := range header {
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "sku":
			skuCol = i
		case "unit_weight_kg", "weight_kg":
			weightCol = i
		}
	}
	if skuCol < 0 {
		return nil, fmt.Errorf("no %q column in header %q", "sku", strings.Join(header, ","))
	}
	var skus []SKU
	seen := make(map[string]bool)
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if skuCol >= len(rec) {
			return nil, fmt.Errorf("line %d: %d fields, no sku", line, len(rec))
		}
		id := strings.TrimSpace(rec[skuCol])
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		w := derivedWeight(id)
		if weightCol >= 0 && weightCol < len(rec) {
			if v, err := strconv.ParseFloat(strings.TrimSpace(rec[weightCol]), 64); err == nil && v > 0 {
				w = v
			}
		}
		skus = append(skus, SKU{ID: id, WeightKg: w})
	}
	if len(skus) == 0 {
		return nil, errors.New("no SKUs")
	}
	return skus, nil
}

// packSize finds a pack size in a SKU code: "MILK-1L", "RICE-1KG",
// "CREAM-200ML", "TEA-100G", "WATER-1.5L".
var packSize = regexp.MustCompile(`(?i)(\d+(?:\.\d+)?)(KG|G|ML|L)\b`)

// derivedWeight gives a stable unit weight from a code: its pack size when
// it names one (a litre weighs about 1.03 kg), otherwise a value between 0.1
// and 3 kg drawn from the code's hash.
func derivedWeight(id string) float64 {
	if m := packSize.FindStringSubmatch(id); m != nil {
		if v, err := strconv.ParseFloat(m[1], 64); err == nil && v > 0 {
			switch strings.ToUpper(m[2]) {
			case "KG":
				return v
			case "G":
				return v / 1000
			case "ML":
				return math.Round(v*1.03) / 1000
			case "L":
				return math.Round(v*1030) / 1000
			}
		}
	}
	h := fnv.New32a()
	h.Write([]byte(id))
	return 0.1 + float64(h.Sum32()%2901)/1000
}

// City is a centre customers are placed around.
type City struct {
	// Name is for people.
	Name string
	// Lat and Lon are the centre, WGS84 degrees.
	Lat, Lon float64
	// Share is the city's relative weight in the order mix.
	Share float64
	// SpreadKm is the standard deviation of a customer's distance from the
	// centre along each axis.
	SpreadKm float64
}

// DefaultCities are the demo network's cities, weighted roughly by
// population.
func DefaultCities() []City {
	return []City{
		{Name: "Almaty", Lat: 43.2389, Lon: 76.8897, Share: 0.6, SpreadKm: 6},
		{Name: "Astana", Lat: 51.1605, Lon: 71.4704, Share: 0.4, SpreadKm: 5},
	}
}

// GenConfig describes a generated set of orders.
type GenConfig struct {
	// Seed makes the orders reproducible: the same GenConfig always gives
	// the same orders.
	Seed uint64
	// Count is the number of orders.
	Count int
	// SKUs is the catalogue, most popular first; nil means DefaultSKUs.
	SKUs []SKU
	// Cities place the customers; nil means DefaultCities.
	Cities []City
	// Start, when set, is the created_at of the first order; the others
	// follow at random gaps averaging MeanGap. Unset leaves created_at empty
	// (Run then stamps each request with its send time).
	Start time.Time
	// MeanGap is the average time between orders; zero means one second.
	MeanGap time.Duration
}

// Shape of the generated order mix.
const (
	zipfS           = 1.1  // popularity skew of SKUs
	maxSpreadSigmas = 3.0  // customers are clipped to this many spreads
	pickupShare     = 0.08 // orders collected in store
	deliveryShare   = 0.12 // orders that must be delivered
	splitShare      = 0.75 // orders that may ship in several parcels
	kmPerDegreeLat  = 111.32
	maxSKUDraws     = 16 // Zipf draws per line before falling back
)

// GenerateOrders returns cfg.Count realistic orders: customers around the
// cities in proportion to their shares, 1-5 lines of distinct SKUs drawn
// with a Zipf-like popularity, mostly single units, a mix of delivery,
// pickup and either, and most orders allowed to split.
func GenerateOrders(cfg GenConfig) ([]*omniroutev1.Order, error) {
	if cfg.Count <= 0 {
		return nil, fmt.Errorf("generate orders: count %d, want > 0", cfg.Count)
	}
	skus := cfg.SKUs
	if skus == nil {
		skus = DefaultSKUs()
	}
	if len(skus) == 0 {
		return nil, errors.New("generate orders: empty SKU list")
	}
	cities := cfg.Cities
	if cities == nil {
		cities = DefaultCities()
	}
	var totalShare float64
	for _, c := range cities {
		if c.Share < 0 {
			return nil, fmt.Errorf("generate orders: city %s has a negative share", c.Name)
		}
		totalShare += c.Share
	}
	if totalShare <= 0 {
		return nil, errors.New("generate orders: no city with a positive share")
	}
	gap := cfg.MeanGap
	if gap <= 0 {
		gap = time.Second
	}

	rng := rand.New(rand.NewPCG(cfg.Seed, 0x6f6d6e69726f7574)) // "omnirout"
	var zipf *rand.Zipf
	if len(skus) > 1 {
		zipf = rand.NewZipf(rng, zipfS, 1, uint64(len(skus)-1))
	}
	at := cfg.Start
	orders := make([]*omniroutev1.Order, cfg.Count)
	used := make([]bool, len(skus))
	for i := range orders {
		o := &omniroutev1.Order{Id: fmt.Sprintf("gen-%d-%06d", cfg.Seed, i+1)}
		if !cfg.Start.IsZero() {
			if i > 0 {
				at = at.Add(time.Duration(rng.ExpFloat64() * float64(gap)))
			}
			o.CreatedAt = timestamppb.New(at)
		}
		o.Customer = customerNear(rng, pickCity(rng, cities, totalShare))

		n := pickLines(rng)
		n = min(n, len(skus))
		clear(used)
		for range n {
			idx := drawSKU(rng, zipf, used)
			used[idx] = true
			o.Lines = append(o.Lines, &omniroutev1.OrderLine{
				Sku:          skus[idx].ID,
				Quantity:     pickQuantity(rng),
				UnitWeightKg: skus[idx].WeightKg,
			})
		}

		switch p := rng.Float64(); {
		case p < pickupShare:
			// Any store near the customer; the network's policy sets the radius.
			o.Preference = omniroutev1.FulfillmentPreference_FULFILLMENT_PREFERENCE_PICKUP
		case p < pickupShare+deliveryShare:
			o.Preference = omniroutev1.FulfillmentPreference_FULFILLMENT_PREFERENCE_DELIVERY
		default:
			o.Preference = omniroutev1.FulfillmentPreference_FULFILLMENT_PREFERENCE_ANY
		}
		o.MaxShipments = 1
		if n > 1 && rng.Float64() < splitShare {
			o.AllowSplit = true
			o.MaxShipments = 2
			if n >= 4 {
				o.MaxShipments = 3
			}
		}
		orders[i] = o
	}
	return orders, nil
}

// pickCity draws a city in proportion to its share of total.
func pickCity(rng *rand.Rand, cities []City, total float64) City {
	x := rng.Float64() * total
	for _, c := range cities {
		if x < c.Share {
			return c
		}
		x -= c.Share
	}
	return cities[len(cities)-1]
}

// customerNear places a customer around c, normally distributed along each
// axis and clipped to maxSpreadSigmas spreads.
func customerNear(rng *rand.Rand, c City) *omniroutev1.LatLng {
	clip := func(v float64) float64 { return math.Max(-maxSpreadSigmas, math.Min(maxSpreadSigmas, v)) }
	north := clip(rng.NormFloat64()) * c.SpreadKm
	east := clip(rng.NormFloat64()) * c.SpreadKm
	lat := c.Lat + north/kmPerDegreeLat
	lon := c.Lon + east/(kmPerDegreeLat*math.Cos(c.Lat*math.Pi/180))
	return &omniroutev1.LatLng{Lat: round6(lat), Lon: round6(lon)}
}

// round6 keeps micro-degree precision (about 10 cm), as real addresses have.
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }

// pickLines draws the number of lines: 1 to 5, fewer more often.
func pickLines(rng *rand.Rand) int {
	weights := [...]float64{0.40, 0.25, 0.17, 0.11, 0.07}
	x := rng.Float64()
	for i, w := range weights {
		if x < w {
			return i + 1
		}
		x -= w
	}
	return len(weights)
}

// pickQuantity draws units per line: mostly one.
func pickQuantity(rng *rand.Rand) int32 {
	switch x := rng.Float64(); {
	case x < 0.75:
		return 1
	case x < 0.92:
		return 2
	default:
		return 3
	}
}

// drawSKU draws an unused SKU index by popularity; after a bounded number of
// repeats it takes the most popular unused one.
func drawSKU(rng *rand.Rand, zipf *rand.Zipf, used []bool) int {
	if zipf != nil {
		for range maxSKUDraws {
			if i := int(zipf.Uint64()); !used[i] {
				return i
			}
		}
	}
	for i, u := range used {
		if !u {
			return i
		}
	}
	return 0
}
