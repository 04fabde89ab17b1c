package quote

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"golang.org/x/sync/singleflight"

	"github.com/omniroute/omniroute/network"
)

// Defaults of a zero network.QuoteConfig field.
const (
	DefaultTimeout          = 800 * time.Millisecond
	DefaultCacheTTL         = 2 * time.Minute
	DefaultMaxInFlight      = 8
	DefaultWeightBandKg     = 5.0
	DefaultFailureThreshold = 5
	DefaultOpenFor          = 30 * time.Second
	// CacheSize bounds each partner's cache of quotes.
	CacheSize = 1 << 14
	// CellDeg is the side of a customer cell in degrees (about 550 m of
	// latitude): quotes are asked for the cell's centre and cached per
	// cell.
	CellDeg = 0.005
	// maxBody bounds a quote answer.
	maxBody = 64 << 10
)

// The results counted by omniroute_partner_quotes_total.
const (
	ResultLive        = "live"         // the API answered a quote
	ResultCached      = "cached"       // a cached quote (or answer) was used
	ResultShared      = "shared"       // a call in flight for the same trip was joined
	ResultUnavailable = "unavailable"  // the partner cannot take the trip
	ResultTimeout     = "timeout"      // no answer in time: the rate card prices it
	ResultError       = "error"        // a non-200 answer or no connection: the rate card
	ResultBadResponse = "bad_response" // a 200 whose body is not a quote: the rate card
	ResultCircuitOpen = "circuit_open" // the partner is being skipped: the rate card
)

// Request is one trip to quote: a partner collecting from a node for a
// customer's cell. The same Request always gives the same call body.
type Request struct {
	// Node is the node's index in Network.Nodes; NodeID, Lat and Lon its
	// id and position.
	Node        int
	NodeID      string
	NodeLat     float64
	NodeLon     float64
	CustomerLat float64
	CustomerLon float64
	// WeightKg and Items are the order's; ReadyAt when it is ready for
	// collection.
	WeightKg float64
	Items    int32
	ReadyAt  time.Time
}

// key identifies a cached quote: partner (one client per partner), node,
// customer cell and weight band.
type key struct {
	node             int32
	cellLat, cellLon int32
	band             int32
}

// entry is a cached answer.
type entry struct {
	q       network.Quote
	expires time.Time
}

// body is what is POSTed to the partner.
type body struct {
	Partner  string  `json:"partner"`
	Pickup   pickup  `json:"pickup"`
	Dropoff  point   `json:"dropoff"`
	WeightKg float64 `json:"weight_kg"`
	Items    int32   `json:"items"`
	ReadyAt  string  `json:"ready_at"`
}

type pickup struct {
	NodeID string  `json:"node_id"`
	Lat    float64 `json:"lat"`
	Lon    float64 `json:"lon"`
}

type point struct {
	Lat float64 `json:"lat"`
	Lon float64 `json:"lon"`
}

// answer is what the partner answers with 200.
type answer struct {
	Available  *bool    `json:"available"`
	QuoteID    string   `json:"quote_id"`
	Price      *float64 `json:"price"`
	Currency   string   `json:"currency"`
	ETAMinutes *float64 `json:"eta_minutes"`
	ExpiresAt  string   `json:"expires_at"`
}

// ErrCircuitOpen is returned while the partner's breaker skips it.
var ErrCircuitOpen = errors.New("circuit open: the partner failed too often and is skipped for now")

// ErrBadResponse is wrapped by errors about an answer that is not a quote.
var ErrBadResponse = errors.New("bad quote response")

// Client asks one courier partner's quote API for trip prices, with a
// cache, shared calls for identical trips, a bound on calls in flight, a
// timeout and a circuit breaker. It is safe for concurrent use, and
// starts no goroutine that outlives a call.
type Client struct {
	partner  string
	courier  int32
	currency string
	cfg      network.QuoteConfig
	http     *http.Client
	now      func() time.Time
	m        *Metrics

	cache   *lru.Cache[key, entry]
	group   singleflight.Group
	slots   chan struct{}
	breaker *Breaker

	// joined, when set, is called after a caller joined or started the
	// shared call of its trip (tests).
	joined func()
}

// Options are what a Client shares with the rest of the process.
type Options struct {
	// HTTP sends the calls (http.DefaultClient's transport when nil).
	HTTP *http.Client
	// Now tells the time of caching and the breaker (time.Now when nil).
	Now func() time.Time
	// Metrics counts the calls (none when nil).
	Metrics *Metrics
}

// NewClient returns a client of courier partner c (index courier in its
// network, whose prices are in currency), with c.Quote's settings, zero
// ones taking the defaults.
func NewClient(c *network.CourierPartner, courier int, currency string, o Options) (*Client, error) {
	if c.Quote == nil {
		return nil, fmt.Errorf("courier %s: no quote settings", c.Name)
	}
	cfg := *c.Quote
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.CacheTTL == 0 {
		cfg.CacheTTL = DefaultCacheTTL
	}
	if cfg.MaxInFlight == 0 {
		cfg.MaxInFlight = DefaultMaxInFlight
	}
	if cfg.WeightBandKg == 0 {
		cfg.WeightBandKg = DefaultWeightBandKg
	}
	if cfg.FailureThreshold == 0 {
		cfg.FailureThreshold = DefaultFailureThreshold
	}
	if cfg.OpenFor == 0 {
		cfg.OpenFor = DefaultOpenFor
	}
	cache, err := lru.New[key, entry](CacheSize)
	if err != nil {
		return nil, fmt.Errorf("courier %s: quote cache: %w", c.Name, err)
	}
	cl := &Client{
		partner: c.Name, courier: int32(courier), currency: currency, cfg: cfg,
		http: o.HTTP, now: o.Now, m: o.Metrics, cache: cache,
		slots: make(chan struct{}, cfg.MaxInFlight),
	}
	if cl.http == nil {
		cl.http = &http.Client{}
	}
	if cl.now == nil {
		cl.now = time.Now
	}
	cl.breaker = NewBreaker(cfg.FailureThreshold, cfg.OpenFor, cl.now, func(s State) { cl.m.breakerState(cl.partner, s) })
	cl.m.breakerState(cl.partner, Closed)
	return cl, nil
}

// Partner is the partner's name.
func (c *Client) Partner() string { return c.partner }

// Breaker is the partner's circuit breaker.
func (c *Client) Breaker() *Breaker { return c.breaker }

// Config is the client's settings, defaults filled in.
func (c *Client) Config() network.QuoteConfig { return c.cfg }

// cellOf is the cell of a position and its centre.
func cellOf(lat, lon float64) (row, col int32, cLat, cLon float64) {
	row, col = int32(math.Floor(lat/CellDeg)), int32(math.Floor(lon/CellDeg))
	return row, col, (float64(row) + 0.5) * CellDeg, (float64(col) + 0.5) * CellDeg
}

// Quote returns the partner's quote for trip r: from the cache, from a
// call in flight for the same trip, or from a call of its own, each
// bounded by the client's timeout and ctx. A quote whose partner cannot
// take the trip comes back with Unavailable set. Every error (timeout,
// refused connection, a non-200 answer, a body that is not a quote, the
// breaker open) means: price the trip by the rate card.
func (c *Client) Quote(ctx context.Context, r Request) (network.Quote, error) {
	k, b := c.prepare(r)
	now := c.now()
	if e, ok := c.cache.Get(k); ok && now.Before(e.expires) {
		c.m.count(c.partner, ResultCached)
		return e.q, nil
	}
	if !c.breaker.Allow() {
		c.m.count(c.partner, ResultCircuitOpen)
		return network.Quote{}, ErrCircuitOpen
	}
	name := strconv.Itoa(int(k.node)) + "/" + strconv.Itoa(int(k.cellLat)) + "/" + strconv.Itoa(int(k.cellLon)) + "/" + strconv.Itoa(int(k.band))
	led := false // only the caller whose function runs leads the call
	ch := c.group.DoChan(name, func() (any, error) {
		led = true
		// The shared call is not cancelled by its first caller: it has
		// its own timeout, and every caller waits with its own context.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.Timeout)
		defer cancel()
		q, err := c.call(cctx, k, b)
		c.settle(k, q, err)
		return q, err
	})
	if c.joined != nil {
		c.joined()
	}
	select {
	case res := <-ch:
		if res.Shared && !led {
			c.m.count(c.partner, ResultShared)
		}
		q, _ := res.Val.(network.Quote)
		return q, res.Err
	case <-ctx.Done():
		c.m.count(c.partner, ResultTimeout)
		return network.Quote{}, fmt.Errorf("quote %s: %w", c.partner, ctx.Err())
	}
}

// prepare rounds the request to its cache key and builds the call body:
// the dropoff is the centre of the customer's cell and the weight the top
// of its band, so that a cached quote is right for every trip of its key.
func (c *Client) prepare(r Request) (key, body) {
	row, col, cLat, cLon := cellOf(r.CustomerLat, r.CustomerLon)
	band := int32(math.Ceil(r.WeightKg / c.cfg.WeightBandKg))
	band = max(band, 1)
	k := key{node: int32(r.Node), cellLat: row, cellLon: col, band: band}
	b := body{
		Partner:  c.partner,
		Pickup:   pickup{NodeID: r.NodeID, Lat: r.NodeLat, Lon: r.NodeLon},
		Dropoff:  point{Lat: round6(cLat), Lon: round6(cLon)},
		WeightKg: float64(band) * c.cfg.WeightBandKg,
		Items:    r.Items,
		ReadyAt:  r.ReadyAt.UTC().Format(time.RFC3339),
	}
	return k, b
}

func round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

// call asks the API once, holding one of the client's slots.
func (c *Client) call(ctx context.Context, k key, b body) (network.Quote, error) {
	select {
	case c.slots <- struct{}{}:
		defer func() { <-c.slots }()
	case <-ctx.Done():
		return network.Quote{}, fmt.Errorf("quote %s: waiting for a slot: %w", c.partner, ctx.Err())
	}
	raw, err := json.Marshal(b)
	if err != nil {
		return network.Quote{}, fmt.Errorf("quote %s: %w", c.partner, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.URL, bytes.NewReader(raw))
	if err != nil {
		return network.Quote{}, fmt.Errorf("quote %s: %w", c.partner, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return network.Quote{}, fmt.Errorf("quote %s: %w", c.partner, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return network.Quote{}, fmt.Errorf("quote %s: read answer: %w", c.partner, err)
	}
	if resp.StatusCode != http.StatusOK {
		return network.Quote{}, &statusError{partner: c.partner, code: resp.StatusCode}
	}
	if len(data) > maxBody {
		return network.Quote{}, fmt.Errorf("quote %s: %w: larger than %d bytes", c.partner, ErrBadResponse, maxBody)
	}
	return c.parse(k, data)
}

// statusError is a non-200 answer.
type statusError struct {
	partner string
	code    int
}

func (e *statusError) Error() string {
	return fmt.Sprintf("quote %s: HTTP %d %s", e.partner, e.code, http.StatusText(e.code))
}

// parse reads a 200 answer: {"available": false} or a quote.
func (c *Client) parse(k key, data []byte) (network.Quote, error) {
	var a answer
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&a); err != nil {
		return network.Quote{}, fmt.Errorf("quote %s: %w: %v", c.partner, ErrBadResponse, err)
	}
	q := network.Quote{Node: k.node, Courier: c.courier, Source: network.SourceLive}
	if a.Available != nil && !*a.Available {
		q.Unavailable = true
		return q, nil
	}
	switch {
	case a.QuoteID == "":
		return q, fmt.Errorf("quote %s: %w: quote_id missing", c.partner, ErrBadResponse)
	case len(a.QuoteID) > 256:
		return q, fmt.Errorf("quote %s: %w: quote_id longer than 256 bytes", c.partner, ErrBadResponse)
	case a.Price == nil || math.IsNaN(*a.Price) || math.IsInf(*a.Price, 0) || *a.Price < 0:
		return q, fmt.Errorf("quote %s: %w: price missing or not a number >= 0", c.partner, ErrBadResponse)
	case a.ETAMinutes == nil || !(*a.ETAMinutes >= 0 && *a.ETAMinutes <= network.MaxLeadMinutes):
		return q, fmt.Errorf("quote %s: %w: eta_minutes missing or outside 0..%d", c.partner, ErrBadResponse, network.MaxLeadMinutes)
	case a.Currency != "" && c.currency != "" && a.Currency != c.currency:
		return q, fmt.Errorf("quote %s: %w: currency %q, the network's is %q", c.partner, ErrBadResponse, a.Currency, c.currency)
	}
	q.ID, q.Price, q.ETAMinutes = a.QuoteID, *a.Price, int32(math.Ceil(*a.ETAMinutes))
	if a.ExpiresAt != "" {
		t, err := time.Parse(time.RFC3339, a.ExpiresAt)
		if err != nil {
			return q, fmt.Errorf("quote %s: %w: expires_at: %v", c.partner, ErrBadResponse, err)
		}
		q.ExpiresAt = t
	}
	return q, nil
}

// settle counts the outcome of a call, tells the breaker and caches what
// may be reused: a quote until the earlier of the cache TTL and its own
// expiry, an "unavailable" for the cache TTL.
func (c *Client) settle(k key, q network.Quote, err error) {
	switch {
	case err == nil:
		c.breaker.Success()
		now := c.now()
		exp := now.Add(c.cfg.CacheTTL)
		if !q.ExpiresAt.IsZero() && q.ExpiresAt.Before(exp) {
			exp = q.ExpiresAt
		}
		if exp.After(now) {
			c.cache.Add(k, entry{q: q, expires: exp})
		}
		if q.Unavailable {
			c.m.count(c.partner, ResultUnavailable)
		} else {
			c.m.count(c.partner, ResultLive)
		}
	case errors.Is(err, context.DeadlineExceeded):
		c.breaker.Failure()
		c.m.count(c.partner, ResultTimeout)
	case errors.Is(err, ErrBadResponse):
		c.breaker.Failure()
		c.m.count(c.partner, ResultBadResponse)
	default:
		c.breaker.Failure()
		c.m.count(c.partner, ResultError)
	}
}
