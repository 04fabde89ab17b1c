package allocate

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/policy"
	"github.com/omniroute/omniroute/simulate"
	"github.com/omniroute/omniroute/solver"
)

// pointKey groups the history's orders into demand points: the customer's
// cell, what the customer asked for (delivery, pickup, either; a pickup
// store; a chosen method and partner) and how tight the promise was.
type pointKey struct {
	cellLat, cellLon int32
	want             network.Want
	pickup           string
	method           solver.Method
	partner          string
	promise          int32 // promise band: an index into promiseBands, or -1 for none
}

// promiseBands are the upper ends of the promise bands, in minutes after
// the order: same day (express), next day, three days, a week, longer.
var promiseBands = []int32{4 * 60, 36 * 60, 3 * 24 * 60, 7 * 24 * 60, math.MaxInt32}

// Point is one demand point of the forecast: where and how a group of
// the history's orders asked to be served, and how many units of each
// SKU it is expected to ask for over the horizon.
type Point struct {
	// Order is the representative order the point is priced with (one
	// line, see pointCosts): the mean position of its orders, their mean
	// local time of day on the plan's first day, the strictest promise.
	Order network.Order
	// Demand is expected units per SKU index over the horizon.
	Demand map[int]float64
	// LostSale is the mean lost-sale cost per unit per SKU index (the
	// lines' own, else the network's per-unit default), 0 when unpriced.
	LostSale map[int]float64
	// UnitsPerOrder is the mean units of the point's orders, over which a
	// shipment's fixed cost is spread; UnitsPerLine the mean quantity of a
	// line, over which the per-order lost-sale cost is spread (it is
	// charged when any line is short).
	UnitsPerOrder float64
	UnitsPerLine  float64
	// WeightKg is the mean unit weight of its lines.
	WeightKg float64
	// WalkIn marks the walk-in demand of the node Order.PickupNodeID
	// names (Input.Falls): served by its stock only, at no cost, lost at
	// LostSale without the per-order lost-sale cost.
	WalkIn bool
}

// Forecast is the expected demand over the horizon, by demand point and
// SKU, estimated from the history's rate.
type Forecast struct {
	// SKUs are the SKUs ordered in the window, sorted; demand is indexed
	// by their position.
	SKUs   []string
	Points []Point
	// From and To bound the window of history the rate was estimated on.
	From, To time.Time
	// Orders counts the orders of the window.
	Orders int64
}

// pointAcc gathers one point's orders.
type pointAcc struct {
	key              pointKey
	lat, lon         float64
	minuteOfDay      float64
	promiseMinutes   int32 // strictest promise; 0 = none
	orders, units    float64
	lines            float64
	weight           float64
	demand, lostCost map[int]float64
}

// estimate reads the history and counts the units ordered per point and
// SKU in [from, at); the forecast over the horizon is that count x
// horizon / (at - from). from is the first order's time when zero.
func estimate(ctx context.Context, net *network.Network, history simulate.Source, from, at time.Time, horizon time.Duration, cellDeg float64) (*Forecast, error) {
	rd, err := simulate.OpenOrders(history, false)
	if err != nil {
		return nil, fmt.Errorf("allocate: history: %w", err)
	}
	defer rd.Close()
	tz := time.Duration(net.Policy.TZOffsetMinutes) * time.Minute
	skuIndex := map[string]int{}
	var skus []string
	points := map[pointKey]*pointAcc{}
	first := time.Time{}
	var orders int64
	for n := 0; ; n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		o, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("allocate: %w", err)
		}
		if !o.CreatedAt.Before(at) || (!from.IsZero() && o.CreatedAt.Before(from)) {
			continue
		}
		if first.IsZero() || o.CreatedAt.Before(first) {
			first = o.CreatedAt
		}
		orders++
		k := pointKey{
			cellLat: int32(math.Floor(o.Lat / cellDeg)), cellLon: int32(math.Floor(o.Lon / cellDeg)),
			want: o.Want, pickup: o.PickupNodeID, method: o.Method, partner: o.Partner, promise: -1,
		}
		var lead int32
		if !o.PromiseBy.IsZero() {
			lead = int32(min(max(o.PromiseBy.Sub(o.CreatedAt).Minutes(), 1), math.MaxInt32/2))
			k.promise = int32(slices.IndexFunc(promiseBands, func(b int32) bool { return lead <= b }))
		}
		p := points[k]
		if p == nil {
			p = &pointAcc{key: k, demand: map[int]float64{}, lostCost: map[int]float64{}}
			points[k] = p
		}
		p.lat += o.Lat
		p.lon += o.Lon
		local := o.CreatedAt.Add(tz)
		p.minuteOfDay += float64(local.Hour()*60 + local.Minute())
		if lead > 0 && (p.promiseMinutes == 0 || lead < p.promiseMinutes) {
			p.promiseMinutes = lead
		}
		p.orders++
		p.lines += float64(len(o.Lines))
		for _, l := range o.Lines {
			s, ok := skuIndex[l.SKU]
			if !ok {
				s = len(skus)
				skuIndex[l.SKU] = s
				skus = append(skus, l.SKU)
			}
			q := float64(l.Quantity)
			p.units += q
			p.weight += q * l.UnitWeightKg
			p.demand[s] += q
			lost := l.LostSaleCost
			if lost == 0 {
				lost = net.Policy.LostSaleCostPerUnit
			}
			p.lostCost[s] += q * lost
		}
	}
	if orders == 0 {
		return nil, fmt.Errorf("allocate: %s: %w", history.Name(), ErrNoHistory)
	}
	if from.IsZero() {
		from = first
	}
	span := at.Sub(from)
	if span < time.Hour {
		span = time.Hour
	}
	scale := float64(horizon) / float64(span)

	// SKUs sorted, with the demand maps re-indexed to match.
	order := make([]int, len(skus))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(skus[a], skus[b]) })
	newIndex := make([]int, len(skus))
	f := &Forecast{From: from, To: at, Orders: orders}
	for ni, oi := range order {
		newIndex[oi] = ni
		f.SKUs = append(f.SKUs, skus[oi])
	}
	global := make([]float64, len(skus))
	globalLost := make([]float64, len(skus))
	var total float64
	for _, a := range points {
		for s, q := range a.demand {
			global[s] += q
			globalLost[s] += a.lostCost[s]
			total += q
		}
	}
	keys := make([]pointKey, 0, len(points))
	for k := range points {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, comparePointKeys)
	day := localMidnight(at, tz)
	for _, k := range keys {
		a := points[k]
		pt := Point{
			Demand: make(map[int]float64, len(a.demand)), LostSale: make(map[int]float64, len(a.demand)),
			UnitsPerOrder: a.units / a.orders, UnitsPerLine: a.units / max(a.lines, 1), WeightKg: a.weight / max(a.units, 1),
		}
		// The point's SKU mix: its own counts shrunk toward the network's
		// mix (the mean of a Dirichlet posterior with PriorUnits of prior
		// weight), so that a SKU the point did not order in the window,
		// but is likely to, has demand too.
		shrink := a.units / (a.units + PriorUnits)
		for s := range skus {
			q := (a.demand[s] + PriorUnits*global[s]/total) * shrink * scale
			if q < MinDemand {
				continue
			}
			pt.Demand[newIndex[s]] = q
			if own := a.demand[s]; own > 0 {
				pt.LostSale[newIndex[s]] = a.lostCost[s] / own
			} else {
				pt.LostSale[newIndex[s]] = globalLost[s] / global[s]
			}
		}
		created := day.Add(time.Duration(a.minuteOfDay/a.orders) * time.Minute)
		pt.Order = network.Order{
			ID: fmt.Sprintf("point-%d", len(f.Points)), CreatedAt: created,
			Lat: a.lat / a.orders, Lon: a.lon / a.orders,
			Want: k.want, PickupNodeID: k.pickup, Method: k.method, Partner: k.partner,
		}
		if a.promiseMinutes > 0 {
			pt.Order.PromiseBy = created.Add(time.Duration(a.promiseMinutes) * time.Minute)
		}
		f.Points = append(f.Points, pt)
	}
	return f, nil
}

// The forecast's pooling: PriorUnits is how many units of the network's
// SKU mix a point's own mix is blended with; a SKU whose expected units at
// a point over the horizon fall below MinDemand is left out there.
const (
	PriorUnits = 20
	MinDemand  = 0.05
)

// ErrNoHistory is returned (wrapped) when the history holds no order
// before the plan's time.
var ErrNoHistory = errors.New("no orders in the history window")

func comparePointKeys(a, b pointKey) int {
	return cmp.Or(
		cmp.Compare(a.cellLat, b.cellLat), cmp.Compare(a.cellLon, b.cellLon),
		cmp.Compare(a.want, b.want), cmp.Compare(a.pickup, b.pickup),
		cmp.Compare(a.method, b.method), cmp.Compare(a.partner, b.partner),
		cmp.Compare(a.promise, b.promise),
	)
}

// localMidnight is the UTC instant of the local midnight that starts t's
// local day.
func localMidnight(t time.Time, tz time.Duration) time.Time {
	l := t.Add(tz).UTC()
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC).Add(-tz)
}

// nodeCost is the cost of serving one unit of a point from a node.
type nodeCost struct {
	node int
	cost float64
}

// everywhere is a stock view in which every node holds every SKU, so that
// a Builder prices every option the network would offer.
type everywhere struct{ nodes int }

func (e everywhere) ATP(int, string) int32 { return 1 << 20 }
func (e everywhere) EachATP(_ string, fn func(node int, atp int32)) {
	for n := 0; n < e.nodes; n++ {
		fn(n, 1<<20)
	}
}

// noLimit is a capacity view without daily limits.
type noLimit struct{}

func (noLimit) Remaining(int) int32 { return -1 }

// pointCosts prices each point: per node, the cheapest usable option's
// cost of one unit (its per-unit cost plus its fixed cost spread over the
// point's mean units per order), by the network's own Builder and the
// routing policy's usability rule, cheapest first (ties by node).
func pointCosts(net *network.Network, f *Forecast) ([][]nodeCost, error) {
	b := network.NewBuilder(net, nil)
	view := everywhere{nodes: len(net.Nodes)}
	var p solver.Problem
	out := make([][]nodeCost, len(f.Points))
	best := make([]float64, len(net.Nodes))
	for i := range f.Points {
		pt := &f.Points[i]
		if pt.WalkIn {
			if n, ok := net.NodeIndex(pt.Order.PickupNodeID); ok {
				out[i] = []nodeCost{{node: n}}
			}
			continue
		}
		o := pt.Order
		o.Lines = []solver.Line{{SKU: "forecast", Quantity: 1, UnitWeightKg: pt.WeightKg}}
		if err := b.BuildEligible(&o, view, noLimit{}, &p); err != nil {
			if errors.Is(err, network.ErrInvalidOrder) {
				continue // no node may serve it (a pickup store the network lacks): lost either way
			}
			return nil, fmt.Errorf("allocate: demand point %d (%.4f, %.4f): %w", i, o.Lat, o.Lon, err)
		}
		for n := range best {
			best[n] = math.Inf(1)
		}
		for k := range p.Options {
			if !policy.Usable(&p, k) {
				continue
			}
			op := &p.Options[k]
			c := p.UnitCost[p.At(k, 0)] + op.FixedCost/max(pt.UnitsPerOrder, 1)
			best[op.Node] = min(best[op.Node], c)
		}
		for n, c := range best {
			if !math.IsInf(c, 1) {
				out[i] = append(out[i], nodeCost{node: n, cost: c})
			}
		}
		slices.SortStableFunc(out[i], func(a, b nodeCost) int { return cmp.Compare(a.cost, b.cost) })
	}
	return out, nil
}
