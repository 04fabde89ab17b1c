package bench

import (
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	omniroutev1 "github.com/omniroute/omniroute/api/omniroute/v1"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerateOrdersIsDeterministic(t *testing.T) {
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	a, err := GenerateOrders(GenConfig{Seed: 42, Count: 300, Start: start})
	require.NoError(t, err)
	b, err := GenerateOrders(GenConfig{Seed: 42, Count: 300, Start: start})
	require.NoError(t, err)
	c, err := GenerateOrders(GenConfig{Seed: 43, Count: 300, Start: start})
	require.NoError(t, err)
	same, differ := 0, 0
	for i := range a {
		if proto.Equal(a[i], b[i]) {
			same++
		}
		a[i].Id, c[i].Id = "", "" // ids name the seed
		if !proto.Equal(a[i], c[i]) {
			differ++
		}
	}
	assert.Len(t, a, same, "same seed: %d of %d orders equal", same, len(a))
	assert.NotEqual(t, 0, differ, "seeds 42 and 43 gave the same orders")
}

// distanceKm is the great-circle distance, for checking where customers are.
func distanceKm(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371.0
	rad := math.Pi / 180
	dlat, dlon := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}

func TestGenerateOrdersIsRealistic(t *testing.T) {
	const n = 2000
	orders, err := GenerateOrders(GenConfig{Seed: 1, Count: n})
	require.NoError(t, err)
	skus := DefaultSKUs()
	rank := make(map[string]int, len(skus))
	for i, s := range skus {
		rank[s.ID] = i
	}
	cities := DefaultCities()
	perCity := make([]int, len(cities))
	skuCount := make([]int, len(skus))
	ids := make(map[string]bool, n)
	for _, o := range orders {
		require.False(t, ids[o.GetId()], "duplicate id %s", o.GetId())
		ids[o.GetId()] = true
		if o.GetCreatedAt() != nil {
			t.Fatalf("order %s has created_at without a Start", o.GetId())
		}
		near := -1
		for i, c := range cities {
			// 3 spreads on each axis: within 3·√2·spread of the centre.
			if distanceKm(c.Lat, c.Lon, o.GetCustomer().GetLat(), o.GetCustomer().GetLon()) <= 3*math.Sqrt2*c.SpreadKm+0.01 {
				near = i
			}
		}
		require.GreaterOrEqual(t, near, 0, "order %s: customer %v near no city", o.GetId(), o.GetCustomer())
		perCity[near]++
		if l := len(o.GetLines()); l < 1 || l > 5 {
			t.Fatalf("order %s has %d lines", o.GetId(), l)
		}
		seen := map[string]bool{}
		for _, l := range o.GetLines() {
			r, ok := rank[l.GetSku()]
			require.True(t, ok, "order %s: bad or repeated line %v", o.GetId(), l)
			require.False(t, seen[l.GetSku()], "order %s: bad or repeated line %v", o.GetId(), l)
			require.GreaterOrEqual(t, l.GetQuantity(), int32(1), "order %s: bad or repeated line %v", o.GetId(), l)
			require.Greater(t, l.GetUnitWeightKg(), float64(0), "order %s: bad or repeated line %v", o.GetId(), l)
			seen[l.GetSku()] = true
			skuCount[r]++
		}
		require.GreaterOrEqual(t, o.GetMaxShipments(), int32(1), "order %s: split %v max shipments %d", o.GetId(), o.GetAllowSplit(), o.GetMaxShipments())
		if !o.GetAllowSplit() && o.GetMaxShipments() != 1 {
			t.Fatalf("order %s: split %v max shipments %d", o.GetId(), o.GetAllowSplit(), o.GetMaxShipments())
		}
	}
	// Almaty has 60% of the orders: far from 0%, 50% or 100% at n=2000.
	if share := float64(perCity[0]) / n; share < 0.55 || share > 0.65 {
		t.Errorf("Almaty share %.3f, want about 0.6", share)
	}
	assert.Greater(t, skuCount[0], 2*skuCount[len(skus)-1], "most popular SKU on %d lines, least on %d: no skew", skuCount[0], skuCount[len(skus)-1])
}

func TestGenerateOrdersSpacesCreatedAt(t *testing.T) {
	start := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	orders, err := GenerateOrders(GenConfig{Seed: 3, Count: 50, Start: start})
	require.NoError(t, err)
	if got := orders[0].GetCreatedAt().AsTime(); !got.Equal(start) {
		t.Errorf("first created_at %v, want %v", got, start)
	}
	for i := 1; i < len(orders); i++ {
		require.False(t, orders[i].GetCreatedAt().AsTime().Before(orders[i-1].GetCreatedAt().AsTime()), "created_at goes back at order %d", i)
	}
}

func TestGenerateOrdersFewSKUs(t *testing.T) {
	skus, err := ParseSKUs("A, B")
	require.NoError(t, err)
	orders, err := GenerateOrders(GenConfig{Seed: 9, Count: 200, SKUs: skus})
	require.NoError(t, err)
	for _, o := range orders {
		require.LessOrEqual(t, len(o.GetLines()), 2, "order %s has %d lines from 2 SKUs", o.GetId(), len(o.GetLines()))
	}
	if _, err := GenerateOrders(GenConfig{Seed: 9, Count: 0}); err == nil {
		t.Error("count 0 accepted")
	}
	if _, err := GenerateOrders(GenConfig{Seed: 9, Count: 1, SKUs: []SKU{}}); err == nil {
		t.Error("empty SKU list accepted")
	}
}

func TestReadOrders(t *testing.T) {
	const one = `{"id":"a","customer":{"lat":43.2,"lon":76.9},"lines":[{"sku":"MILK-1L","quantity":2}]}`
	const two = `{"id":"b","lines":[{"sku":"EGGS-10","quantity":1}],"allowSplit":true}`
	for _, tc := range []struct {
		name  string
		input string
		ids   []string
		err   string
	}{
		{"json lines", one + "\n" + two + "\n", []string{"a", "b"}, ""},
		{"array", "[" + one + ",\n" + two + "]", []string{"a", "b"}, ""},
		{"pretty objects", "{\n  \"id\": \"a\"\n}\n{\n  \"id\": \"b\"\n}\n", []string{"a", "b"}, ""},
		{"enum and timestamp", `{"id":"c","createdAt":"2026-11-25T10:00:00Z","preference":"FULFILLMENT_PREFERENCE_PICKUP"}`, []string{"c"}, ""},
		{"unknown field", one + "\n" + `{"id":"x","colour":"red"}`, nil, "order 2"},
		{"broken json", one + "\n{\"id\":", nil, "after 1 orders"},
		{"empty", "\n", nil, "no orders"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			orders, err := ReadOrders(strings.NewReader(tc.input))
			if tc.err != "" {
				require.Error(t, err, "error %v, want one containing %q", err, tc.err)
				require.ErrorContains(t, err, tc.err, "error %v, want one containing %q", err, tc.err)
				return
			}
			require.NoError(t, err)
			var ids []string
			for _, o := range orders {
				ids = append(ids, o.GetId())
			}
			assert.Equal(t, strings.Join(tc.ids, ","), strings.Join(ids, ","), "ids %v, want %v", ids, tc.ids)
		})
	}
}

func TestLoadOrdersNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "orders.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(`{"id":"a","bogus":1}`), 0o644))
	if _, err := LoadOrders(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("error %v, want one naming %s", err, path)
	}
	ok := filepath.Join(t.TempDir(), "ok.json")
	require.NoError(t, os.WriteFile(ok, []byte(`[{"id":"a"}]`), 0o644))
	orders, err := LoadOrders(ok)
	if err != nil || len(orders) != 1 || !proto.Equal(orders[0], &omniroutev1.Order{Id: "a"}) {
		t.Errorf("LoadOrders: %v %v", orders, err)
	}
}

func TestReadSKUs(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
		want  string
		err   string
	}{
		{"stock file", "node_id,sku,on_hand,safety_stock\nALA-01,MILK-1L,10,1\nALA-02,MILK-1L,4,0\nAST-01,EGGS-10,7,0\n", "MILK-1L,EGGS-10", ""},
		{"with weights", "sku,unit_weight_kg\nA,1.5\nB,x\n", "A,B", ""},
		{"comments and spaces", "# demo\nSKU , node\n A ,n1\n", "A", ""},
		{"no sku column", "node,qty\nn,1\n", "", "no \"sku\" column"},
		{"no rows", "sku\n", "", "no SKUs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			skus, err := readSKUs(strings.NewReader(tc.input))
			if tc.err != "" {
				require.Error(t, err, "error %v, want one containing %q", err, tc.err)
				require.ErrorContains(t, err, tc.err, "error %v, want one containing %q", err, tc.err)
				return
			}
			require.NoError(t, err)
			var ids []string
			for _, s := range skus {
				ids = append(ids, s.ID)
				assert.Greater(t, s.WeightKg, float64(0), "SKU %s weighs %g", s.ID, s.WeightKg)
			}
			assert.Equal(t, tc.want, strings.Join(ids, ","), "SKUs")
		})
	}
	skus, err := readSKUs(strings.NewReader("sku,unit_weight_kg\nA,1.5\n"))
	if err != nil || skus[0].WeightKg != 1.5 {
		t.Errorf("weight column ignored: %v %v", skus, err)
	}
}

func TestParseSKUs(t *testing.T) {
	skus, err := ParseSKUs(" A,B,,A , C")
	require.NoError(t, err)
	if len(skus) != 3 || skus[0].ID != "A" || skus[2].ID != "C" {
		t.Errorf("ParseSKUs: %v", skus)
	}
	again, _ := ParseSKUs("A")
	assert.Equal(t, skus[0], again[0], "weights not stable: %v vs %v", again[0], skus[0])
	if _, err := ParseSKUs(" , "); err == nil {
		t.Error("empty list accepted")
	}
}

func TestDerivedWeight(t *testing.T) {
	for _, tc := range []struct {
		id   string
		want float64
	}{
		{"MILK-1L", 1.03},
		{"WATER-1.5L-LITE", 1.545},
		{"RICE-1KG", 1},
		{"CREAM-200ML", 0.206},
		{"TEA-100G", 0.1},
		{"SSD-2TB", derivedWeight("SSD-2TB")},
	} {
		assert.Equal(t, tc.want, derivedWeight(tc.id), "derivedWeight(%s)", tc.id)
	}
	if w := derivedWeight("PHONE-X12"); w < 0.1 || w > 3.001 {
		t.Errorf("derivedWeight(PHONE-X12) = %g, want 0.1..3", w)
	}
}

// The built-in catalogue uses the demo stock's codes, when that file is in
// the tree.
func TestDefaultSKUsAreInDemoStock(t *testing.T) {
	demo, err := LoadSKUs(filepath.Join("..", "network", "demo", "stock.csv"))
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("no demo stock")
	}
	require.NoError(t, err)
	stocked := make(map[string]bool, len(demo))
	for _, s := range demo {
		stocked[s.ID] = true
	}
	for _, s := range DefaultSKUs() {
		assert.True(t, stocked[s.ID], "built-in SKU %s is not in the demo stock", s.ID)
	}
}
