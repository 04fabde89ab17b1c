package quote

import (
	"context"
	"sync"
	"time"

	"github.com/omniroute/omniroute/network"
)

// Fetcher asks the quote APIs of a network's courier partners (those with
// a quote block) for the trips of an order, before the order is built and
// outside every lock: the answers go into the order's network.Live, which
// the Builder reads. It is safe for concurrent use.
type Fetcher struct {
	net     *network.Network
	clients []*Client // by courier index; nil where the partner has no quote API
	any     bool
}

// NewFetcher makes a client per courier partner of net that has a quote
// block.
func NewFetcher(net *network.Network, o Options) (*Fetcher, error) {
	f := &Fetcher{net: net, clients: make([]*Client, len(net.Couriers))}
	for i := range net.Couriers {
		c := &net.Couriers[i]
		if c.Quote == nil {
			continue
		}
		cl, err := NewClient(c, i, net.Currency, o)
		if err != nil {
			return nil, err
		}
		f.clients[i], f.any = cl, true
	}
	return f, nil
}

// Live reports whether some partner has a quote API: without one, Fetch
// does nothing.
func (f *Fetcher) Live() bool { return f != nil && f.any }

// Client returns the client of courier partner i, nil when it has none.
func (f *Fetcher) Client(i int) *Client {
	if f == nil || i < 0 || i >= len(f.clients) {
		return nil
	}
	return f.clients[i]
}

// Fetch asks for a quote of every courier trip of o that a build may use
// (network.Network.CourierTrips), all at once (each partner at most its
// max_in_flight at a time), and adds the answers to live, sorted. A trip
// whose quote fails gets none: the rate card prices it. It returns when
// every call has answered or given up (each within the partner's timeout,
// and all within ctx).
func (f *Fetcher) Fetch(ctx context.Context, o *network.Order, live *network.Live) {
	if !f.Live() {
		return
	}
	trips := f.net.CourierTrips(o, func(ci int) bool { return f.clients[ci] != nil }, nil)
	if len(trips) == 0 {
		return
	}
	trip := f.net.TripOrderOf(o)
	got := make([]network.Quote, len(trips))
	ok := make([]bool, len(trips))
	var wg sync.WaitGroup
	for i, t := range trips {
		cl := f.clients[t.Courier]
		nd := &f.net.Nodes[t.Node]
		r := Request{
			Node: t.Node, NodeID: nd.ID, NodeLat: nd.Lat, NodeLon: nd.Lon,
			CustomerLat: o.Lat, CustomerLon: o.Lon, WeightKg: trip.Kg, Items: trip.Units,
			ReadyAt: o.CreatedAt.Add(time.Duration(f.net.Couriers[t.Courier].PrepMinutes) * time.Minute),
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			q, err := cl.Quote(ctx, r)
			got[i], ok[i] = q, err == nil
		}()
	}
	wg.Wait()
	for i := range got {
		if ok[i] {
			live.Quotes = append(live.Quotes, got[i])
		}
	}
	live.Sort()
}
