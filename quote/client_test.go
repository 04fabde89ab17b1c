package quote

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/omniroute/omniroute/network"
)

type env struct {
	fake   *fakeCourier
	clock  *fakeClock
	client *Client
	m      *Metrics
}

func newEnv(t *testing.T, edit func(*network.QuoteConfig)) *env {
	t.Helper()
	e := &env{fake: newFakeCourier(t), clock: newFakeClock(), m: NewMetrics(prometheus.NewRegistry())}
	cfg := network.QuoteConfig{URL: e.fake.srv.URL, Timeout: time.Second, FailureThreshold: 3, OpenFor: 30 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	c := &network.CourierPartner{Name: "glovo", Quote: &cfg}
	cl, err := NewClient(c, 0, "USD", Options{Now: e.clock.Now, Metrics: e.m})
	require.NoError(t, err)
	e.client = cl
	return e
}

func (e *env) count(result string) int {
	return int(testutil.ToFloat64(e.m.quotes.WithLabelValues("glovo", result)))
}

func trip(lat, lon, kg float64) Request {
	return Request{Node: 3, NodeID: "alm-s16", NodeLat: 43.251, NodeLon: 76.92, CustomerLat: lat, CustomerLon: lon,
		WeightKg: kg, Items: 4, ReadyAt: time.Date(2026, 11, 25, 9, 45, 0, 0, time.UTC)}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// TestQuoteAndCache: a quote comes back with its id, price and ETA; the
// call carries the documented body (the cell's centre, the weight band's
// top); the same partner, node, cell and band reuse it until the cache TTL
// or the quote's own expiry, whichever is first.
func TestQuoteAndCache(t *testing.T) {
	e := newEnv(t, func(c *network.QuoteConfig) { c.CacheTTL = time.Minute })
	q, err := e.client.Quote(ctx(t), trip(43.2389, 76.8897, 2.6))
	require.NoError(t, err)
	assert.Equal(t, network.Quote{Node: 3, Courier: 0, Price: 4.25, ETAMinutes: 18, Source: network.SourceLive, ID: "q-1"}, q)
	b := e.fake.lastBody()
	assert.Equal(t, body{Partner: "glovo", Pickup: pickup{NodeID: "alm-s16", Lat: 43.251, Lon: 76.92},
		Dropoff: point{Lat: 43.2375, Lon: 76.8875}, WeightKg: 5, Items: 4, ReadyAt: "2026-11-25T09:45:00Z"}, b)

	// The same cell and band: cached. Another cell or band: a call.
	_, err = e.client.Quote(ctx(t), trip(43.2377, 76.8899, 4.9))
	require.NoError(t, err)
	assert.EqualValues(t, 1, e.fake.calls.Load())
	assert.Equal(t, 1, e.count(ResultCached))
	_, err = e.client.Quote(ctx(t), trip(43.2389, 76.8897, 5.1))
	require.NoError(t, err)
	_, err = e.client.Quote(ctx(t), trip(43.26, 76.8897, 2.6))
	require.NoError(t, err)
	assert.EqualValues(t, 3, e.fake.calls.Load())

	// Past the TTL: asked again.
	e.clock.Advance(61 * time.Second)
	q, err = e.client.Quote(ctx(t), trip(43.2389, 76.8897, 2.6))
	require.NoError(t, err)
	assert.Equal(t, "q-4", q.ID)

	// A quote that expires before the TTL is kept only until it expires.
	e.clock.Advance(2 * time.Minute)
	e.fake.mu.Lock()
	e.fake.expires = e.clock.Now().Add(10 * time.Second)
	e.fake.mu.Unlock()
	q, err = e.client.Quote(ctx(t), trip(43.2389, 76.8897, 2.6))
	require.NoError(t, err)
	assert.Equal(t, "q-5", q.ID)
	assert.Equal(t, e.clock.Now().Add(10*time.Second), q.ExpiresAt)
	e.clock.Advance(9 * time.Second)
	q, _ = e.client.Quote(ctx(t), trip(43.2389, 76.8897, 2.6))
	assert.Equal(t, "q-5", q.ID)
	e.clock.Advance(time.Second)
	q, _ = e.client.Quote(ctx(t), trip(43.2389, 76.8897, 2.6))
	assert.Equal(t, "q-6", q.ID)
	assert.Equal(t, 6, e.count(ResultLive))
}

// TestQuoteFailures: a partner that is slow, fails or answers garbage gets
// an error (the rate card prices the trip), counted by kind; nothing is
// cached.
func TestQuoteFailures(t *testing.T) {
	for _, c := range []struct {
		mode, result string
		want         string
	}{
		{modeSlow, ResultTimeout, "deadline exceeded"},
		{modeFail, ResultError, "HTTP 500"},
		{modeGarbage, ResultBadResponse, "bad quote response"},
		{modeNoPrice, ResultBadResponse, "price missing"},
	} {
		t.Run(c.mode, func(t *testing.T) {
			e := newEnv(t, func(q *network.QuoteConfig) { q.Timeout = 50 * time.Millisecond })
			e.fake.set(c.mode)
			_, err := e.client.Quote(ctx(t), trip(43.2389, 76.8897, 1))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Equal(t, 1, e.count(c.result))
			_, err = e.client.Quote(ctx(t), trip(43.2389, 76.8897, 1))
			require.Error(t, err)
			assert.EqualValues(t, 2, e.fake.calls.Load(), "a failure is not cached")
		})
	}
	t.Run("caller deadline", func(t *testing.T) {
		// The caller's own deadline ends its wait even when the partner's
		// timeout is longer.
		e := newEnv(t, nil)
		e.fake.set(modeSlow)
		c, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := e.client.Quote(c, trip(43.2389, 76.8897, 1))
		assert.ErrorIs(t, err, context.DeadlineExceeded)
	})
	t.Run("currency", func(t *testing.T) {
		e := newEnv(t, nil)
		e.client.currency = "KZT"
		_, err := e.client.Quote(ctx(t), trip(43.2389, 76.8897, 1))
		assert.ErrorContains(t, err, `currency "USD", the network's is "KZT"`)
	})
}

// TestQuoteUnavailable: {"available": false} is an answer, not a failure:
// the trip is marked unavailable, and the answer is cached.
func TestQuoteUnavailable(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.set(modeUnavailable)
	for range 2 {
		q, err := e.client.Quote(ctx(t), trip(43.2389, 76.8897, 1))
		require.NoError(t, err)
		assert.True(t, q.Unavailable)
	}
	assert.EqualValues(t, 1, e.fake.calls.Load())
	assert.Equal(t, 1, e.count(ResultUnavailable))
	assert.Equal(t, Closed, e.client.Breaker().State())
}

// TestQuoteCircuitBreaker: after failure_threshold failures in a row the
// partner is skipped without a call until open_for has passed; then one
// call tries it: a failure opens the breaker again, a success closes it.
func TestQuoteCircuitBreaker(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.set(modeFail)
	for range 3 {
		_, err := e.client.Quote(ctx(t), trip(43.2389, 76.8897, 1))
		require.Error(t, err)
	}
	assert.Equal(t, Open, e.client.Breaker().State())
	assert.InDelta(t, 2, testutil.ToFloat64(e.m.breaker.WithLabelValues("glovo")), 0)
	_, err := e.client.Quote(ctx(t), trip(43.2389, 76.8897, 1))
	assert.ErrorIs(t, err, ErrCircuitOpen)
	assert.EqualValues(t, 3, e.fake.calls.Load(), "an open breaker calls nobody")
	assert.Equal(t, 1, e.count(ResultCircuitOpen))

	e.clock.Advance(30 * time.Second)
	_, err = e.client.Quote(ctx(t), trip(43.2389, 76.8897, 1))
	require.Error(t, err, "the probe fails")
	assert.EqualValues(t, 4, e.fake.calls.Load())
	assert.Equal(t, Open, e.client.Breaker().State())

	e.fake.set(modeOK)
	e.clock.Advance(29 * time.Second)
	_, err = e.client.Quote(ctx(t), trip(43.2389, 76.8897, 1))
	assert.ErrorIs(t, err, ErrCircuitOpen, "open_for counts from the failed probe")
	e.clock.Advance(time.Second)
	q, err := e.client.Quote(ctx(t), trip(43.2389, 76.8897, 1))
	require.NoError(t, err)
	assert.Equal(t, "q-5", q.ID)
	assert.Equal(t, Closed, e.client.Breaker().State())
	assert.InDelta(t, 0, testutil.ToFloat64(e.m.breaker.WithLabelValues("glovo")), 0)
}

// TestQuoteSharedCall: concurrent look-ups of the same trip share one call
// (the quote expires at once, so the cache cannot be what saves calls).
func TestQuoteSharedCall(t *testing.T) {
	e := newEnv(t, nil)
	e.fake.set(modeBlock)
	e.fake.expires = e.clock.Now()
	const n = 8
	joined := make(chan struct{}, n)
	e.client.joined = func() { joined <- struct{}{} }
	var wg sync.WaitGroup
	ids := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q, err := e.client.Quote(ctx(t), trip(43.2389, 76.8897, 1))
			assert.NoError(t, err)
			ids[i] = q.ID
		}()
	}
	for range n {
		<-joined
	}
	close(e.fake.release)
	wg.Wait()
	assert.EqualValues(t, 1, e.fake.calls.Load())
	for _, id := range ids {
		assert.Equal(t, "q-1", id)
	}
	assert.Equal(t, n-1, e.count(ResultShared))

	// Not cached: the next look-up calls again.
	_, err := e.client.Quote(ctx(t), trip(43.2389, 76.8897, 1))
	require.NoError(t, err)
	assert.EqualValues(t, 2, e.fake.calls.Load())
}

// TestBreakerStates walks the breaker through its states on a fake clock.
func TestBreakerStates(t *testing.T) {
	clock := newFakeClock()
	var seen []State
	b := NewBreaker(2, time.Minute, clock.Now, func(s State) { seen = append(seen, s) })
	assert.True(t, b.Allow())
	b.Failure()
	b.Success()
	b.Failure()
	assert.Equal(t, Closed, b.State(), "failures in a row, not in all")
	b.Failure()
	assert.Equal(t, Open, b.State())
	assert.False(t, b.Allow())
	clock.Advance(time.Minute)
	assert.True(t, b.Allow(), "the probe")
	assert.False(t, b.Allow(), "one probe at a time")
	b.Success()
	assert.True(t, b.Allow())
	assert.Equal(t, []State{Open, HalfOpen, Closed}, seen)
	assert.Equal(t, "half_open", HalfOpen.String())
}

func TestNewClientNeedsQuote(t *testing.T) {
	_, err := NewClient(&network.CourierPartner{Name: "x"}, 0, "USD", Options{})
	assert.Error(t, err)
	var se *statusError
	assert.False(t, errors.As(errors.New("x"), &se))
	assert.True(t, strings.HasPrefix((&statusError{partner: "p", code: 502}).Error(), "quote p: HTTP 502"))
}
