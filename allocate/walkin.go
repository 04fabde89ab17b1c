package allocate

import (
	"bytes"
	"cmp"
	"encoding/csv"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/planning"
	"github.com/omniroute/omniroute/simulate"
)

// fallRates learns the rate of each (node, SKU)'s falls from the falls
// history's rows up to at (simulate.ObserveFallRows).
func fallRates(falls []simulate.Replenishment, at time.Time) *planning.FallRates {
	rates := &planning.FallRates{}
	simulate.ObserveFallRows(falls, at, rates)
	return rates
}

// addWalkIns adds to f, for each node whose falls the rates expect over
// the horizon after at, a demand point of its walk-in customers: the
// units of each SKU it is expected to lose (at least MinDemand), served by
// the node's own stock only, at no cost, and lost at the node's walk-in
// price of the SKU (Network.WalkInLostSaleCost; a SKU without one is left
// out, as a replay prices its walk-in shortfall at nothing). SKUs that only the tills sold join
// f.SKUs, which stay sorted, every point's maps re-indexed. It returns the
// units the walk-in points expect in all.
func addWalkIns(f *Forecast, net *network.Network, rates *planning.FallRates, at time.Time, horizon time.Duration) float64 {
	type want struct {
		node int
		sku  string
		mean float64
	}
	var wants []want
	rates.EachExpected(at, horizon, func(node int, sku string, mean float64) {
		if mean >= MinDemand {
			wants = append(wants, want{node, sku, mean})
		}
	})
	if len(wants) == 0 {
		return 0
	}
	mean := meanLostPrices(f) // a SKU only the tills sold has none: 0
	var extra []string
	for _, w := range wants {
		if _, ok := slices.BinarySearch(f.SKUs, w.sku); !ok && !slices.Contains(extra, w.sku) {
			extra = append(extra, w.sku)
		}
	}
	if len(extra) > 0 {
		reindex(f, extra)
	}
	tz := time.Duration(net.Policy.TZOffsetMinutes) * time.Minute
	created := localMidnight(at, tz).Add(13 * time.Hour)
	var total float64
	for i := 0; i < len(wants); {
		n := wants[i].node
		nd := &net.Nodes[n]
		pt := Point{
			WalkIn: true, Demand: map[int]float64{}, LostSale: map[int]float64{}, UnitsPerOrder: 1, UnitsPerLine: 1,
			Order: network.Order{ID: "walk-in-" + nd.ID, CreatedAt: created, Lat: nd.Lat, Lon: nd.Lon, Want: network.WantPickup, PickupNodeID: nd.ID},
		}
		for ; i < len(wants) && wants[i].node == n; i++ {
			w := wants[i]
			p := net.WalkInLostSaleCost(n, mean[w.sku])
			if p <= 0 {
				continue
			}
			s, _ := slices.BinarySearch(f.SKUs, w.sku)
			pt.Demand[s], pt.LostSale[s] = w.mean, p
			total += w.mean
		}
		if len(pt.Demand) > 0 {
			f.Points = append(f.Points, pt)
		}
	}
	return total
}

// expectedAdjustments is, by SKU and node, the units the adjustments the
// rates learnt (recounts down, write-offs) are expected to take over the
// horizon after at, rounded.
func expectedAdjustments(rates *planning.FallRates, at time.Time, horizon time.Duration) map[string]map[int]int64 {
	out := map[string]map[int]int64{}
	rates.EachAdjustment(at, horizon, func(node int, sku string, mean float64) {
		if q := int64(math.Round(mean)); q > 0 {
			if out[sku] == nil {
				out[sku] = map[int]int64{}
			}
			out[sku][node] = q
		}
	})
	return out
}

// meanLostPrices is, by SKU, the mean lost-sale price of a unit the
// forecast's online demand asks for (0 for none), from which a node's
// walk-in price is taken as a replay takes it for the units live falls do
// not find (Network.WalkInLostSaleCost).
func meanLostPrices(f *Forecast) map[string]float64 {
	sum, units := make([]float64, len(f.SKUs)), make([]float64, len(f.SKUs))
	for i := range f.Points {
		pt := &f.Points[i]
		for s, d := range pt.Demand {
			if l := pt.LostSale[s]; l > 0 {
				sum[s] += d * l
				units[s] += d
			}
		}
	}
	out := make(map[string]float64, len(f.SKUs))
	for s, sku := range f.SKUs {
		if units[s] > 0 {
			out[sku] = sum[s] / units[s]
		}
	}
	return out
}

// reindex adds the SKUs extra (not in f.SKUs) to f.SKUs, sorted, and
// re-indexes every point's demand and lost-sale maps to match.
func reindex(f *Forecast, extra []string) {
	skus := slices.Concat(f.SKUs, extra)
	slices.Sort(skus)
	to := make([]int, len(f.SKUs))
	for i, sku := range f.SKUs {
		to[i], _ = slices.BinarySearch(skus, sku)
	}
	for i := range f.Points {
		pt := &f.Points[i]
		d, l := make(map[int]float64, len(pt.Demand)), make(map[int]float64, len(pt.LostSale))
		for s, v := range pt.Demand {
			d[to[s]] = v
		}
		for s, v := range pt.LostSale {
			l[to[s]] = v
		}
		pt.Demand, pt.LostSale = d, l
	}
	f.SKUs = skus
}

// windowFalls are the falls of the history window [from, from+h), shifted
// by shift as its orders are, for its replay.
func windowFalls(falls []simulate.Replenishment, from time.Time, h, shift time.Duration) []simulate.Replenishment {
	var out []simulate.Replenishment
	to := from.Add(h)
	for _, r := range falls {
		if r.Qty < 0 && !r.At.Before(from) && r.At.Before(to) {
			r.At = r.At.Add(shift)
			out = append(out, r)
		}
	}
	return out
}

// replenishmentsSource writes rows as a replenishments file for a replay,
// in time order (then node, SKU, and arrivals before falls).
func replenishmentsSource(net *network.Network, name string, rows []simulate.Replenishment) simulate.Source {
	rows = slices.Clone(rows)
	slices.SortStableFunc(rows, func(a, b simulate.Replenishment) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Node, b.Node), cmp.Compare(a.SKU, b.SKU), cmp.Compare(b.Qty, a.Qty))
	})
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	// Writes to a bytes.Buffer do not fail.
	_ = w.Write([]string{"at", "node", "sku", "qty", "reason"})
	for _, r := range rows {
		reason := ""
		if r.Adjustment {
			reason = simulate.ReasonAdjustment
		}
		_ = w.Write([]string{r.At.UTC().Format(time.RFC3339Nano), net.Nodes[r.Node].ID, r.SKU, strconv.Itoa(int(r.Qty)), reason})
	}
	w.Flush()
	return simulate.BytesSource{FileName: name, Data: buf.Bytes()}
}
