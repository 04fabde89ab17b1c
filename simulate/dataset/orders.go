package dataset

import (
	"bufio"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/omniroute/omniroute/geo"
)

// Weekly and daily seasonality: relative order volume per weekday (Monday
// first) and per local hour.
var (
	weekdayWeight = [7]float64{0.95, 0.93, 0.97, 1.0, 1.1, 1.25, 1.15}
	hourWeight    = [24]float64{
		0.25, 0.15, 0.08, 0.05, 0.05, 0.1, 0.3, 0.6, 0.9, 1.1, 1.25, 1.35,
		1.55, 1.5, 1.3, 1.25, 1.3, 1.5, 1.8, 2.1, 2.2, 1.9, 1.3, 0.7,
	}
	// linesWeight[k] is the weight of an order with k+1 lines.
	linesWeight = []float64{0.56, 0.24, 0.1, 0.05, 0.025, 0.012, 0.008, 0.005}
	qtyWeight   = []float64{0.8, 0.14, 0.04, 0.015, 0.005}
)

// Shares of requested methods: in cities with a courier zone, and
// elsewhere (no express there).
const (
	sharePickup  = 0.15
	shareAny     = 0.10
	shareExpress = 0.14
	// shareNamedPickup is the share of pickup orders naming their store.
	shareNamedPickup = 0.6
	// shareNoSplit is the share of orders that must arrive in one shipment.
	shareNoSplit = 0.15
)

// pick draws an index with probability proportional to cum's increments.
func pick(r *rand.Rand, cum []float64) int {
	x := r.Float64() * cum[len(cum)-1]
	i, _ := slices.BinarySearch(cum, x)
	return min(i, len(cum)-1)
}

func cumulative(ws []float64) []float64 {
	out := make([]float64, len(ws))
	var s float64
	for i, w := range ws {
		s += w
		out[i] = s
	}
	return out
}

// writeOrders writes orders.csv, one hour of orders at a time.
func (w *world) writeOrders(ctx context.Context, b *bufio.Writer) (orders, lines int, err error) {
	r := w.cfg.rng(6)
	zipf := rand.NewZipf(r, zipfS, 2.7, uint64(max(len(w.skus), 1)-1))
	cityCum := make([]float64, len(w.cities))
	for i := range w.cities {
		cityCum[i] = w.cities[i].weight
	}
	cityCum = cumulative(cityCum)
	linesCum, qtyCum := cumulative(linesWeight), cumulative(qtyWeight)

	// Orders per (day, hour), proportional to the seasonality.
	slots := make([]float64, w.cfg.Days*24)
	for d := 0; d < w.cfg.Days; d++ {
		wd := (int(w.cfg.Start.AddDate(0, 0, d).Weekday()) + 6) % 7
		for h := 0; h < 24; h++ {
			slots[d*24+h] = weekdayWeight[wd] * hourWeight[h]
		}
	}
	counts := apportion(w.cfg.Orders, slots)

	b.WriteString(OrdersHeader + "\n")
	var secs []int
	var skus []int
	var buf []byte
	for slot, n := range counts {
		if err := ctx.Err(); err != nil {
			return orders, lines, err
		}
		hourStart := w.cfg.Start.Add(time.Duration(slot)*time.Hour - tzOffset)
		secs = secs[:0]
		for range n {
			secs = append(secs, r.IntN(3600))
		}
		slices.Sort(secs)
		for _, sec := range secs {
			orders++
			created := hourStart.Add(time.Duration(sec) * time.Second)
			ci := pick(r, cityCum)
			c := &w.cities[ci]
			lat, lon := offset(c.Lat, c.Lon, r.NormFloat64()*c.radiusKm*0.55, r.NormFloat64()*c.radiusKm*0.55)

			nl := pick(r, linesCum) + 1
			skus = skus[:0]
			for tries := 0; len(skus) < nl && tries < 4*nl; tries++ {
				s := int(zipf.Uint64())
				if !slices.Contains(skus, s) {
					skus = append(skus, s)
				}
			}
			method, pickup, promise := "delivery", "", ""
			x := r.Float64()
			switch {
			case x < sharePickup && len(c.stores) > 0:
				// Most pickup customers choose a store; the others let the
				// router pick any store within the pickup radius.
				method = "pickup"
				if r.Float64() < shareNamedPickup {
					pickup = w.pickupStore(ci, lat, lon, skus)
				}
			case x < sharePickup+shareAny:
				method = "any"
			case x < sharePickup+shareAny+shareExpress && c.Courier:
				method = "express"
				promise = created.Add(3 * time.Hour).UTC().Format(time.RFC3339)
			default:
				promise = created.Add(5 * 24 * time.Hour).UTC().Format(time.RFC3339)
			}
			split := "true"
			if r.Float64() < shareNoSplit {
				split = "false"
			}

			id := fmt.Sprintf("O%08d", orders)
			ts := created.UTC().Format(time.RFC3339)
			for _, s := range skus {
				lines++
				buf = buf[:0]
				buf = append(buf, id...)
				buf = append(buf, ',')
				buf = append(buf, ts...)
				buf = append(buf, ',')
				buf = strconv.AppendFloat(buf, lat, 'f', 5, 64)
				buf = append(buf, ',')
				buf = strconv.AppendFloat(buf, lon, 'f', 5, 64)
				buf = append(buf, ',')
				buf = append(buf, w.skus[s].id...)
				buf = append(buf, ',')
				buf = strconv.AppendInt(buf, int64(pick(r, qtyCum)+1), 10)
				buf = append(buf, ',')
				buf = append(buf, method...)
				buf = append(buf, ',')
				buf = append(buf, pickup...)
				buf = append(buf, ',')
				buf = strconv.AppendFloat(buf, w.skus[s].weight, 'f', -1, 64)
				buf = append(buf, ',')
				buf = append(buf, promise...)
				buf = append(buf, ',')
				buf = append(buf, split...)
				buf = append(buf, ',')
				buf = strconv.AppendFloat(buf, w.skus[s].lostSale, 'f', -1, 64)
				buf = append(buf, '\n')
				if _, err := b.Write(buf); err != nil {
					return orders, lines, err
				}
			}
		}
	}
	return orders, lines, nil
}

// pickupStore is the id of the store a customer at (lat, lon) in city ci
// chooses for pickup: the nearest whose assortment has every SKU of the
// order (as a store-availability page shows), else the nearest.
func (w *world) pickupStore(ci int, lat, lon float64, skus []int) string {
	best, bestKm := -1, math.Inf(1)
	carried, carriedKm := -1, math.Inf(1)
	for _, n := range w.cities[ci].stores {
		nd := &w.net.Nodes[n]
		km := geo.DistanceKm(lat, lon, nd.Lat, nd.Lon)
		if km < bestKm {
			best, bestKm = n, km
		}
		if km < carriedKm && w.carriesAll(n, skus) {
			carried, carriedKm = n, km
		}
	}
	if carried >= 0 {
		best = carried
	}
	return w.net.Nodes[best].ID
}

func (w *world) carriesAll(node int, skus []int) bool {
	for _, s := range skus {
		if _, ok := slices.BinarySearch(w.nodes[node].skus, int32(s)); !ok {
			return false
		}
	}
	return true
}
