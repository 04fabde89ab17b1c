package allocate

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/omniroute/omniroute/forecast"
	"github.com/omniroute/omniroute/network"
)

// fromDemand turns a forecast (package forecast: units per day by region,
// SKU and method) into demand points: one per region and method, at the
// region's centre, asking for a delivery (parcel), a delivery within
// forecast.SameDay (courier) or a pickup at any store near the centre;
// priced at 13:00 local time on the plan's first day.
func fromDemand(net *network.Network, d *forecast.Demand, at time.Time, horizon time.Duration) *Forecast {
	regions := forecast.NewRegions(net)
	tz := time.Duration(net.Policy.TZOffsetMinutes) * time.Minute
	created := localMidnight(at, tz).Add(13 * time.Hour)
	f := &Forecast{From: d.From, To: d.To, Orders: d.Orders}
	skuIndex := map[string]int{}
	for _, c := range d.Cells {
		if _, ok := skuIndex[c.SKU]; !ok {
			skuIndex[c.SKU] = 0
			f.SKUs = append(f.SKUs, c.SKU)
		}
	}
	slices.Sort(f.SKUs)
	for i, s := range f.SKUs {
		skuIndex[s] = i
	}
	type key struct {
		region string
		method forecast.Method
	}
	type acc struct {
		units, perOrder, weight float64
		demand, lost            map[int]float64
	}
	points := map[key]*acc{}
	for _, c := range d.Cells {
		k := key{c.Region, c.Method}
		a := points[k]
		if a == nil {
			a = &acc{demand: map[int]float64{}, lost: map[int]float64{}}
			points[k] = a
		}
		q := c.Expected(horizon)
		s := skuIndex[c.SKU]
		a.demand[s] += q
		lost := c.LostSaleCost
		if lost == 0 {
			lost = net.Policy.LostSaleCostPerUnit
		}
		a.lost[s] = lost
		a.units += q
		a.perOrder += q * c.UnitsPerOrder
		a.weight += q * c.UnitWeightKg
	}
	keys := make([]key, 0, len(points))
	for k := range points {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int { return cmp.Or(cmp.Compare(a.region, b.region), cmp.Compare(a.method, b.method)) })
	for _, k := range keys {
		a := points[k]
		ri, ok := regions.Index(k.region)
		if !ok || a.units <= 0 {
			continue
		}
		lat, lon := regions.Center(ri)
		o := network.Order{ID: fmt.Sprintf("%s-%s", k.region, k.method), CreatedAt: created, Lat: lat, Lon: lon, Want: network.WantDelivery}
		switch k.method {
		case forecast.Courier:
			o.PromiseBy = created.Add(forecast.SameDay)
		case forecast.Pickup:
			o.Want = network.WantPickup
		}
		f.Points = append(f.Points, Point{
			Order: o, Demand: a.demand, LostSale: a.lost,
			UnitsPerOrder: max(a.perOrder/a.units, 1), UnitsPerLine: 1, WeightKg: a.weight / a.units,
		})
	}
	return f
}
