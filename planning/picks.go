package planning

import (
	"maps"
	"math"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/solver"
)

// A pickup that names its store can be served by that store only. When
// the store's picks for the day, or its units of a SKU, run out before
// such an order comes, the order goes short, while an order that other
// sources can serve would have taken one of them. BoundPicks counts those
// bound orders, and its PickOutlook prices a pick of a node's rest of the
// day, and a unit of its stock, by them.

// boundSizes is the largest order size BoundPicks tells apart; larger
// bound orders count as this size.
const boundSizes = 32

// boundPrior is the weight, in days, of the network's mean rate of bound
// orders a node in a node's own rate (PickOutlook): a node that has not
// been seen for a day is taken to get about as many as the others.
const boundPrior = 24 * time.Hour

// lossTail is the smallest loss a PickOutlook keeps: W(r) below it is
// taken as 0.
const lossTail = 1e-6

// poissonTail is the probability of more orders than lossTable counts.
const poissonTail = 1e-12

// BoundPicks learns, from the orders it observes, how many orders each
// node gets that only it can serve (pickups that name their store), how
// large they are and what they lose going short, and, from every order,
// when in the day orders come and the share of each SKU in the units
// ordered. The zero value has seen nothing. It is not safe for
// concurrent use.
type BoundPicks struct {
	// count is the bound orders seen by node id; sizes[s] those of s
	// units.
	count map[string]float64
	sizes [boundSizes + 1]float64
	// units sums the bound orders' units, priced their lost-sale cost
	// where the line has one, unpriced the units of lines without (they
	// take the network's per-unit cost); an order another store may serve
	// at a redirect cost (network.Order.PickupRedirectCost) is priced that
	// cost instead, and counted in redirectable.
	units, priced, unpriced float64
	redirectable            float64
	// quarters counts every order observed by its quarter hour of the UTC
	// day (a network's local day is the same turned by its offset).
	quarters    [96]float64
	first, last time.Time
	// skuUnits counts every order's units by SKU, all their sum.
	skuUnits map[string]float64
	all      float64
}

// Observe counts o: when in the day it came, its units by SKU, and, when
// it names a pickup store and may not be collected at another
// (network.Order.PickupRedirectCost), as an order bound to that store.
func (b *BoundPicks) Observe(o *network.Order) {
	if o.CreatedAt.IsZero() {
		return
	}
	if b.first.IsZero() || o.CreatedAt.Before(b.first) {
		b.first = o.CreatedAt
	}
	if o.CreatedAt.After(b.last) {
		b.last = o.CreatedAt
	}
	t := o.CreatedAt.UTC()
	b.quarters[(t.Hour()*60+t.Minute())/15]++
	if b.skuUnits == nil {
		b.skuUnits = map[string]float64{}
	}
	for _, ln := range o.Lines {
		q := float64(max(ln.Quantity, 0))
		b.skuUnits[ln.SKU] += q
		b.all += q
	}
	if o.PickupNodeID == "" {
		return
	}
	var units, priced, unpriced float64
	for _, ln := range o.Lines {
		q := float64(max(ln.Quantity, 0))
		units += q
		if ln.LostSaleCost > 0 {
			priced += q * ln.LostSaleCost
		} else {
			unpriced += q
		}
	}
	if units == 0 {
		return
	}
	if o.PickupRedirectCost > 0 {
		// Another store near the customer may have it ready: short at its
		// own store, it costs the redirect, not a sale.
		priced, unpriced = o.PickupRedirectCost, 0
		b.redirectable++
	}
	if b.count == nil {
		b.count = map[string]float64{}
	}
	b.count[o.PickupNodeID]++
	b.sizes[min(int(units), boundSizes)]++
	b.units += units
	b.priced += priced
	b.unpriced += unpriced
}

// BoundOrders returns how many orders bound to each node (by id) b has
// observed: pickups that name their store, redirectable or not.
func (b *BoundPicks) BoundOrders() map[string]float64 {
	return maps.Clone(b.count)
}

// Redirectable returns how many of the bound orders observed may be
// collected at another store (network.Order.PickupRedirectCost).
func (b *BoundPicks) Redirectable() float64 {
	return b.redirectable
}

// Clone returns a copy of b that observes apart from it.
func (b *BoundPicks) Clone() *BoundPicks {
	c := *b
	c.count = maps.Clone(b.count)
	c.skuUnits = maps.Clone(b.skuUnits)
	return &c
}

// Outlook returns what a pick of each node of net's rest of the day, at
// at, and a unit of its stock until until (the end of what a plan at at
// plans for) are worth to the orders bound to it, or nil when the orders
// observed give nothing to price (no bound order, no lost-sale cost, no
// order to come by until or by midnight, whichever is later).
//
// A node that picks a limited number of units a day and offers pickup
// expects N more bound orders before its local midnight (the network's
// Policy.TZOffsetMinutes), N Poisson with mean λ·F: λ its bound orders a
// day, its own count over the days observed leaned towards the network's
// mean by boundPrior, and F the share of a day's orders that come after
// at (by the quarter hours observed). Their sizes are those observed. An
// order of s units with r picks left goes short of s − r of them when
// s > r, at the mean lost-sale cost a unit less the node's pick cost a
// unit, and the per-order lost-sale cost once. W(r), what the bound
// orders are expected to lose with r picks left, follows by recursion
// over the orders to come in the order they come.
//
// The same orders price a store's stock, whatever its picks. A SKU's
// stock at a store must last until its next arrival after midnight, or
// until until (the end of what the plan plans for) when none comes
// sooner, and never less than until midnight: over that span S (in days'
// orders, F and the whole days and the part of the last day by the
// quarter hours observed) the bound orders are expected to ask for
// μ = λ·S·ū·π units of the SKU, ū the mean units of a bound order and π
// the SKU's share of all the units ordered, D Poisson(μ) of them; a unit
// a store holds is worth what it saves them, the unit's lost-sale cost
// less its pick cost for each unit short, E[(D − s)⁺] with s its units on
// hand and due by midnight (of arrivals, those after at). A bound order
// that another store may have ready at a redirect cost loses that cost
// going short, not its sale: its units are worth the cost over them, and
// it pays no per-order lost-sale cost.
func (b *BoundPicks) Outlook(net *network.Network, at, until time.Time, arrivals []Arrival) *PickOutlook {
	var bound, pickup float64 // bound orders of net's pickup stores; those stores
	for i := range net.Nodes {
		if nd := &net.Nodes[i]; offersPickup(nd) {
			pickup++
			bound += b.count[nd.ID]
		}
	}
	perUnit := 0.0
	if b.units > 0 {
		perUnit = (b.priced + b.unpriced*net.Policy.LostSaleCostPerUnit) / b.units
	}
	var orders float64 // every bound order, of any store
	for _, n := range b.sizes {
		orders += n
	}
	perOrder := net.Policy.LostSaleCostPerOrder
	if orders > 0 {
		perOrder *= 1 - b.redirectable/orders // a redirect loses no sale
	}
	if bound == 0 || perUnit <= 0 && perOrder <= 0 {
		return nil // also when no store offers pickup
	}
	tz := time.Duration(net.Policy.TZOffsetMinutes) * time.Minute
	rest := b.restOfDay(at, tz)
	local := at.Add(tz).UTC()
	midnight := at.Add(24*time.Hour - local.Sub(local.Truncate(24*time.Hour)))
	span := rest
	if until.After(midnight) {
		span += b.between(midnight, until, tz)
	}
	if span <= 0 {
		return nil
	}
	days := max(b.last.Sub(b.first), time.Hour).Hours() / 24
	prior := boundPrior.Hours() / 24
	mean := bound / pickup / days // bound orders a node a day
	var sizes [boundSizes + 1]float64
	for s := 1; s <= boundSizes; s++ {
		sizes[s] = b.sizes[s] / orders
	}
	out := &PickOutlook{
		PlannedAt: at,
		loss:      make([][]float64, len(net.Nodes)),
		units:     make([]float64, len(net.Nodes)),
		value:     make([]float64, len(net.Nodes)),
	}
	out.span = span
	if b.all > 0 {
		out.share = make(map[string]float64, len(b.skuUnits))
		for sku, u := range b.skuUnits {
			out.share[sku] = u / b.all
		}
	}
	perBound := b.units / orders // units of a bound order
	for i := range arrivals {
		a := &arrivals[i]
		if !a.At.After(at) || a.Qty <= 0 || a.Node < 0 || a.Node >= len(net.Nodes) ||
			a.At.After(midnight) && !a.At.Before(until) || !offersPickup(&net.Nodes[a.Node]) {
			continue
		}
		if out.due == nil {
			out.due = make([]map[string]stockSpan, len(net.Nodes))
		}
		m := out.due[a.Node]
		if m == nil {
			m = map[string]stockSpan{}
			out.due[a.Node] = m
		}
		sp := m[a.SKU]
		if !a.At.After(midnight) {
			sp.due += a.Qty
		} else if t := a.At.UnixNano(); sp.next == 0 || t < sp.next {
			sp.next = t // the first arrival after midnight ends the span
		}
		m[a.SKU] = sp
	}
	spans := map[int64]float64{} // by arrival: arrivals come in rounds
	for _, m := range out.due {
		for sku, sp := range m {
			sp.span = span
			if sp.next != 0 {
				var ok bool
				if sp.span, ok = spans[sp.next]; !ok {
					sp.span = rest + b.between(midnight, time.Unix(0, sp.next), tz)
					spans[sp.next] = sp.span
				}
			}
			m[sku] = sp
		}
	}
	for i := range net.Nodes {
		nd := &net.Nodes[i]
		if !offersPickup(nd) {
			continue
		}
		v := max(perUnit-nd.PickCostPerUnit, 0)
		if v == 0 && perOrder <= 0 {
			continue
		}
		lambda := (b.count[nd.ID] + mean*prior) / (days + prior)
		out.units[i], out.value[i] = lambda*perBound, v
		if nd.CapacityPerDay > 0 {
			out.loss[i] = lossTable(lambda*rest, sizes[:], v, perOrder, nd.CapacityPerDay)
		}
	}
	return out
}

// offersPickup reports whether nd is enabled and offers pickup.
func offersPickup(nd *network.Node) bool {
	return nd.Enabled && nd.Offers(solver.Pickup)
}

// restOfDay is the share of a day's orders that come after at and before
// the midnight of the day tz ahead of UTC, by the quarter hours observed
// (at's own counted for the part of it left).
func (b *BoundPicks) restOfDay(at time.Time, tz time.Duration) float64 {
	var all float64
	for _, n := range b.quarters {
		all += n
	}
	if all == 0 {
		return 0
	}
	local := at.Add(tz).UTC()
	since := local.Sub(local.Truncate(24 * time.Hour)) // into the local day
	utc0 := at.UTC().Add(-since)                       // the local midnight, in UTC
	q0 := int(since / (15 * time.Minute))
	into := float64(since%(15*time.Minute)) / float64(15*time.Minute)
	var rest float64
	for q := q0; q < 96; q++ {
		t := utc0.Add(time.Duration(q) * 15 * time.Minute)
		n := b.quarters[(t.Hour()*60+t.Minute())/15]
		if q == q0 {
			n *= 1 - into
		}
		rest += n
	}
	return rest / all
}

// between is the number of days' orders that come from from to to, by
// the quarter hours observed: whole days count 1 each.
func (b *BoundPicks) between(from, to time.Time, tz time.Duration) float64 {
	if !to.After(from) {
		return 0
	}
	full := math.Floor(to.Sub(from).Hours() / 24)
	last := from.Add(time.Duration(full) * 24 * time.Hour)
	return full + b.restOfDay(last, tz) - b.restOfDay(to, tz)
}

// lossTable returns W(r) for r = 0..capacity: what orders arriving
// Poisson(mu) times, of size s with probability sizes[s], each taking
// what is left of r picks when it is more than that and losing perUnit a
// unit short plus perOrder, are expected to lose. It ends where W is
// below lossTail (W(r) is 0 from there).
func lossTable(mu float64, sizes []float64, perUnit, perOrder float64, capacity int) []float64 {
	if mu <= 0 {
		return nil
	}
	w := make([]float64, capacity+1)
	prev := make([]float64, capacity+1) // f_{k-1}: k−1 orders to come
	next := make([]float64, capacity+1)
	pk := math.Exp(-mu)
	left := 1 - pk // P(N ≥ k)
	for k := 1; left > poissonTail && k < 1000; k++ {
		pk *= mu / float64(k)
		left -= pk
		for r := range next {
			var f float64
			for s := 1; s < len(sizes); s++ {
				if sizes[s] == 0 {
					continue
				}
				if s <= r {
					f += sizes[s] * prev[r-s]
				} else {
					f += sizes[s] * (float64(s-r)*perUnit + perOrder + prev[0])
				}
			}
			next[r] = f
			w[r] += pk * f
		}
		prev, next = next, prev
	}
	n := len(w)
	for n > 0 && w[n-1] < lossTail {
		n--
	}
	return w[:n]
}

// PickOutlook is what a pick of each node's rest of the day, and a unit
// of its stock, is worth to the orders that only that node can serve
// (BoundPicks.Outlook). A PickOutlook is read-only once made and safe for
// concurrent use.
type PickOutlook struct {
	// PlannedAt is the time the outlook looks from.
	PlannedAt time.Time
	// loss[node][r] is W(r) at the node; nil where nothing is bound or
	// picks have no limit.
	loss [][]float64
	// units[node] is the units the node's bound orders are expected to
	// ask for a day, value[node] what they lose a unit short; share is
	// each SKU's share of the units ordered.
	units, value []float64
	share        map[string]float64
	// span is the days' orders (F, then whole days, then the part of the
	// last) the stock of a node must last when no arrival ends it sooner:
	// until the plan's end, or midnight when that is sooner. due[node][sku]
	// holds the units arriving by midnight and, where one arrives after
	// midnight and before the plan's end, the span until it (nil: no
	// arrival).
	span float64
	due  []map[string]stockSpan
}

// stockSpan is the units of a SKU due at a node by midnight and the span
// its stock must last (PickOutlook.due).
type stockSpan struct {
	due  int32
	span float64
	next int64 // the first arrival after midnight (Unix ns), 0 if none
}

// StockValue returns what the orders bound to node are expected to lose
// more when another order takes units of the onHand units of sku the
// node holds: with s = onHand and the units due by midnight, and D what
// they ask for until the SKU's next arrival or the plan's end, the unit
// value times E[(D − (s − units))⁺] − E[(D − s)⁺] (see
// BoundPicks.Outlook); 0 when units exceed onHand or nothing is bound to
// the node. A nil *PickOutlook prices nothing.
func (o *PickOutlook) StockValue(node int, sku string, onHand, units int32) float64 {
	if o == nil || node < 0 || node >= len(o.units) || units <= 0 || units > onHand || o.units[node] == 0 {
		return 0
	}
	span, s := o.span, onHand
	if o.due != nil {
		if sp, ok := o.due[node][sku]; ok {
			span, s = sp.span, s+sp.due
		}
	}
	mu := o.units[node] * span * o.share[sku]
	if mu <= 0 {
		return 0
	}
	return o.value[node] * (expectedOver(mu, s-units) - expectedOver(mu, s))
}

// expectedOver is E[(D − k)⁺] for D Poisson(mu): mu − k plus what the
// values below k fall short of it.
func expectedOver(mu float64, k int32) float64 {
	if float64(k) > mu+12*math.Sqrt(mu)+12 {
		return 0 // below 1e-12 of a unit
	}
	e := mu - float64(k)
	p := math.Exp(-mu)
	for j := int32(0); j < k; j++ {
		if j > 0 {
			p *= mu / float64(j)
		}
		e += float64(k-j) * p
	}
	return max(e, 0)
}

// PickValue returns what the orders bound to node are expected to lose
// more when another order takes units of the left picks it has today:
// W(left − units) − W(left), 0 when units exceed left or nothing is bound
// to the node. A nil *PickOutlook prices nothing.
func (o *PickOutlook) PickValue(node int, left, units int32) float64 {
	if o == nil || node < 0 || node >= len(o.loss) || units <= 0 || units > left {
		return 0
	}
	w := o.loss[node]
	at := func(r int32) float64 {
		if int(r) < len(w) {
			return w[r]
		}
		return 0
	}
	return at(left-units) - at(left)
}

// StockValue returns what another order's taking units of the onHand
// units of sku at node costs the orders bound to it
// (PickOutlook.StockValue) and the tills (TillOutlook.StockValue); 0 when
// the prices carry neither (WithPicks, WithTills).
func (p *Prices) StockValue(node int, sku string, onHand, units int32) float64 {
	if p == nil {
		return 0
	}
	return p.picks.StockValue(node, sku, onHand, units) + p.tills.StockValue(node, sku, onHand, units)
}

// WithTills returns a copy of p whose StockValue also counts what the
// tills lose (TillOutlook.StockValue); p itself is left as it was.
func (p *Prices) WithTills(tills *TillOutlook) *Prices {
	c := *p
	c.tills = tills
	return &c
}

// WithPicks returns a copy of p that also answers PickValue from picks
// (p itself is left as it was). The copy shares p's prices, which are
// read-only.
func (p *Prices) WithPicks(picks *PickOutlook) *Prices {
	c := *p
	c.picks = picks
	return &c
}

// PickValue returns what another order's taking units of node's left
// picks today costs the orders bound to it (PickOutlook.PickValue); 0
// when the prices carry no outlook (WithPicks).
func (p *Prices) PickValue(node int, left, units int32) float64 {
	if p == nil {
		return 0
	}
	return p.picks.PickValue(node, left, units)
}
