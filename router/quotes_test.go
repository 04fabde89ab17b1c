package router

import (
	"encoding/json"
	"fmt"
	"google.golang.org/protobuf/proto"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	pb "github.com/omniroute/omniroute/api/omniroute/v1"
	"github.com/omniroute/omniroute/network"
)

// courierAPI is a local courier quote API: it prices a trip at 1.0 plus
// 0.1 per km of latitude between node and customer (so that quotes differ
// by node), or answers by its mode, and counts its calls.
type courierAPI struct {
	srv   *httptest.Server
	calls atomic.Int64
	mu    sync.Mutex
	mode  string // "ok", "fail", "slow", "unavailable", "garbage"
	nodes map[string]bool
}

func newCourierAPI(t *testing.T) *courierAPI {
	a := &courierAPI{mode: "ok", nodes: map[string]bool{}}
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := a.calls.Add(1)
		var b struct {
			Partner string `json:"partner"`
			Pickup  struct {
				NodeID string `json:"node_id"`
			} `json:"pickup"`
			Dropoff struct {
				Lat float64 `json:"lat"`
			} `json:"dropoff"`
			WeightKg float64 `json:"weight_kg"`
			ReadyAt  string  `json:"ready_at"`
		}
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.Partner != "glovo" || b.ReadyAt == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		a.mu.Lock()
		mode := a.mode
		a.nodes[b.Pickup.NodeID] = true
		a.mu.Unlock()
		switch mode {
		case "fail":
			http.Error(w, "down", http.StatusServiceUnavailable)
		case "slow":
			<-r.Context().Done()
		case "unavailable":
			fmt.Fprint(w, `{"available": false}`)
		case "garbage":
			fmt.Fprint(w, `<html>`)
		default:
			fmt.Fprintf(w, `{"quote_id": "gq-%s-%d", "price": 3, "currency": "USD", "eta_minutes": 9, "expires_at": "2026-11-25T09:40:00Z"}`, b.Pickup.NodeID, n)
		}
	}))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *courierAPI) set(mode string) {
	a.mu.Lock()
	a.mode = mode
	a.mu.Unlock()
}

// quotingEnv serves the demo network whose glovo partner asks api.
func quotingEnv(t *testing.T, api *courierAPI, timeout time.Duration) *env {
	n := demoNetwork(t).Clone()
	n.Couriers[0].Quote = &network.QuoteConfig{URL: api.srv.URL, Timeout: timeout, FailureThreshold: 100}
	require.NoError(t, n.Init())
	return newEnv(t, func(c *Config) { c.Network, c.Stock = n, demoStock(t, n) })
}

// courierShipment is the plan's courier shipment, nil when there is none.
func courierShipment(p *pb.Plan) *pb.Shipment {
	for _, s := range p.Shipments {
		if s.Method == pb.Method_METHOD_COURIER {
			return s
		}
	}
	return nil
}

// TestRouteLiveQuote: a live quote prices the courier trip: the shipment
// carries its id, price, source and expiry, its cost is the node's pick
// cost plus the quote, and the reservation keeps the quote for booking.
func TestRouteLiveQuote(t *testing.T) {
	api := newCourierAPI(t)
	e := quotingEnv(t, api, time.Second)
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("live-1"), Reserve: true})
	require.NoError(t, err)
	sh := courierShipment(resp.Plan)
	require.NotNil(t, sh, "%v", resp.Plan)
	assert.Equal(t, pb.QuoteSource_QUOTE_SOURCE_LIVE, sh.QuoteSource)
	assert.Regexp(t, `^gq-`+sh.NodeId+`-\d+$`, sh.QuoteId)
	assert.Equal(t, "glovo", sh.Carrier)
	assert.InDelta(t, 3.0, sh.QuotePrice, 1e-9)
	n := e.svc.Network()
	i, _ := n.NodeIndex(sh.NodeId)
	assert.InDelta(t, n.Nodes[i].PickCostPerOrder+3, sh.Cost.Fixed, 1e-9)
	assert.EqualValues(t, n.Couriers[0].PrepMinutes+9, sh.EtaMinutes)
	assert.Equal(t, "2026-11-25T09:40:00Z", sh.QuoteExpiresAt.AsTime().Format(time.RFC3339))
	calls := api.calls.Load()
	assert.Positive(t, calls)

	rsv := resp.Reservation
	require.NotNil(t, rsv)
	require.Len(t, rsv.Quotes, len(resp.Plan.Shipments))
	assert.Equal(t, sh.QuoteId, rsv.Quotes[0].QuoteId)
	assert.Equal(t, "USD", rsv.Quotes[0].Currency)
	for _, it := range rsv.Items {
		assert.Equal(t, sh.QuoteId, it.QuoteId)
	}
	got, err := e.route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: rsv.Id})
	require.NoError(t, err)
	assert.Equal(t, rsv.Quotes[0].QuoteId, got.Quotes[0].QuoteId)

	// Options prices the courier offer with the same quotes.
	opts, err := e.route.Options(ctx(t), &pb.OptionsRequest{Order: demoOrder("")})
	require.NoError(t, err)
	var offered *pb.Shipment
	for _, f := range opts.Offers {
		if f.OfferId == "courier:glovo" && f.Plan != nil {
			offered = courierShipment(f.Plan)
		}
	}
	require.NotNil(t, offered)
	assert.Equal(t, pb.QuoteSource_QUOTE_SOURCE_LIVE, offered.QuoteSource)
	assert.NotEmpty(t, offered.QuoteId)

	// The same trips again: from the cache, no call.
	calls = api.calls.Load()
	_, err = e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("live-2")})
	require.NoError(t, err)
	assert.Equal(t, calls, api.calls.Load())
	assert.Positive(t, testutil.ToFloat64(e.svc.m.quotes.Counter("glovo", "cached")))
}

// TestRouteQuoteFallsBack: a partner whose quote API fails, is slow or
// answers garbage prices its trips by the rate card, and the shipment
// says so; the answer is what the rate card gives without quotes.
func TestRouteQuoteFallsBack(t *testing.T) {
	plain := newEnv(t, nil)
	want, err := plain.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("p")})
	require.NoError(t, err)
	for _, mode := range []string{"fail", "slow", "garbage"} {
		t.Run(mode, func(t *testing.T) {
			api := newCourierAPI(t)
			api.set(mode)
			e := quotingEnv(t, api, 50*time.Millisecond)
			resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("f")})
			require.NoError(t, err)
			sh := courierShipment(resp.Plan)
			require.NotNil(t, sh)
			assert.Equal(t, pb.QuoteSource_QUOTE_SOURCE_RATE_CARD, sh.QuoteSource)
			assert.Empty(t, sh.QuoteId)
			assert.InDelta(t, want.Plan.TotalCost, resp.Plan.TotalCost, 1e-9)
			assert.Equal(t, courierShipment(want.Plan).NodeId, sh.NodeId)
			assert.Positive(t, api.calls.Load())
			result := map[string]string{"fail": "error", "slow": "timeout", "garbage": "bad_response"}[mode]
			assert.Positive(t, testutil.ToFloat64(e.svc.m.quotes.Counter("glovo", result)))
		})
	}
}

// TestRouteQuoteUnavailable: a partner that answers it cannot take the
// trips leaves them out with PARTNER_UNAVAILABLE, and the order goes
// another way.
func TestRouteQuoteUnavailable(t *testing.T) {
	api := newCourierAPI(t)
	api.set("unavailable")
	e := quotingEnv(t, api, time.Second)
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("u"), Explain: pb.Explain_EXPLAIN_FULL})
	require.NoError(t, err)
	assert.Nil(t, courierShipment(resp.Plan))
	unavailable := 0
	for _, x := range resp.Plan.Excluded {
		if x.Reason == pb.ExclusionReason_EXCLUSION_REASON_PARTNER_UNAVAILABLE {
			unavailable++
			assert.Equal(t, "glovo", x.Candidate.Partner)
			assert.True(t, api.nodes[x.Candidate.NodeId], "excluded without being asked: %s", x.Candidate.NodeId)
		}
	}
	assert.Positive(t, unavailable)
}

// TestRouteRoadDistances: with an OSRM table service configured, options
// take its road distance (never below the great circle) and a courier its
// travel time; a node the service does not answer keeps the great circle.
func TestRouteRoadDistances(t *testing.T) {
	var calls atomic.Int64
	osrm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var sources []string
		for _, kv := range strings.Split(r.URL.RawQuery, "&") {
			if v, ok := strings.CutPrefix(kv, "sources="); ok {
				sources = strings.Split(v, ";")
			}
		}
		row := `[4200]`
		dur := `[600]`
		var d, u []string
		for range sources {
			d, u = append(d, row), append(u, dur)
		}
		fmt.Fprintf(w, `{"code": "Ok", "distances": [%s], "durations": [%s]}`, strings.Join(d, ","), strings.Join(u, ","))
	}))
	t.Cleanup(osrm.Close)
	n := demoNetwork(t).Clone()
	n.Distance = &network.DistanceConfig{OSRMURL: osrm.URL, MaxKm: 6}
	require.NoError(t, n.Init())
	e := newEnv(t, func(c *Config) { c.Network, c.Stock = n, demoStock(t, n) })
	resp, err := e.route.Route(ctx(t), &pb.RouteRequest{Order: demoOrder("roads")})
	require.NoError(t, err)
	sh := courierShipment(resp.Plan)
	require.NotNil(t, sh)
	assert.InDelta(t, 4.2, sh.DistanceKm, 1e-9, "the road, not the great circle")
	assert.EqualValues(t, n.Couriers[0].PrepMinutes+10, sh.EtaMinutes)
	c := &n.Couriers[0]
	assert.InDelta(t, c.Base+c.PerKm*4.2, sh.QuotePrice, 1e-9)
	assert.EqualValues(t, 1, calls.Load())
	assert.InDelta(t, 1, testutil.ToFloat64(e.svc.m.distances.Counter("osrm", "ok")), 0)
}

// TestReservationKeepsQuotesOnEveryLedger: the quotes a reservation was
// priced with (and each item's quote id) survive in every ledger: a read
// of the reservation and a retry of the order give them back.
func TestReservationKeepsQuotesOnEveryLedger(t *testing.T) {
	api := newCourierAPI(t)
	ledgers(t, func(t *testing.T, start func(func(*Config)) *env) {
		n := demoNetwork(t).Clone()
		n.Couriers[0].Quote = &network.QuoteConfig{URL: api.srv.URL, Timeout: time.Second, FailureThreshold: 100}
		require.NoError(t, n.Init())
		e := start(func(c *Config) { c.Network, c.Stock = n, demoStock(t, n) })
		req := &pb.RouteRequest{Order: demoOrder("kept-1"), Reserve: true}
		resp, err := e.route.Route(ctx(t), req)
		require.NoError(t, err)
		sh := courierShipment(resp.Plan)
		require.NotNil(t, sh)
		require.NotEmpty(t, sh.QuoteId)
		rsv := resp.Reservation
		require.NotNil(t, rsv)
		require.NotEmpty(t, rsv.Quotes)

		got, err := e.route.GetReservation(ctx(t), &pb.GetReservationRequest{ReservationId: rsv.Id})
		require.NoError(t, err)
		assert.True(t, proto.Equal(rsv, got), "read back:\n%v\n%v", rsv, got)
		again, err := e.route.Route(ctx(t), req)
		require.NoError(t, err)
		assert.Equal(t, rsv.Id, again.Reservation.Id)
		assert.Equal(t, sh.QuoteId, again.Reservation.Quotes[0].QuoteId)
		for _, it := range again.Reservation.Items {
			assert.Equal(t, sh.QuoteId, it.QuoteId)
		}
	})
}
