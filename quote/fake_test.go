package quote

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeCourier is a local courier quote API: it answers by its mode, counts
// its calls and keeps the last body it received.
type fakeCourier struct {
	srv     *httptest.Server
	calls   atomic.Int64
	mu      sync.Mutex
	mode    string
	expires time.Time
	last    body
	release chan struct{}
}

// The fake's modes.
const (
	modeOK          = "ok"          // a quote
	modeSlow        = "slow"        // no answer until the caller gives up
	modeFail        = "fail"        // HTTP 500
	modeGarbage     = "garbage"     // 200 with a body that is not JSON
	modeNoPrice     = "no-price"    // 200 JSON without a price
	modeUnavailable = "unavailable" // 200 {"available": false}
	modeBlock       = "block"       // a quote once release is closed
)

func newFakeCourier(t *testing.T) *fakeCourier {
	f := &fakeCourier{mode: modeOK, release: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeCourier) set(mode string) {
	f.mu.Lock()
	f.mode = mode
	f.mu.Unlock()
}

func (f *fakeCourier) serve(w http.ResponseWriter, r *http.Request) {
	n := f.calls.Add(1)
	var b body
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&b) != nil {
		http.Error(w, "want a JSON POST", http.StatusBadRequest)
		return
	}
	f.mu.Lock()
	f.last = b
	mode, expires := f.mode, f.expires
	f.mu.Unlock()
	switch mode {
	case modeSlow:
		<-r.Context().Done()
		return
	case modeFail:
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	case modeGarbage:
		fmt.Fprint(w, "{not json")
		return
	case modeNoPrice:
		fmt.Fprint(w, `{"quote_id": "q", "eta_minutes": 3}`)
		return
	case modeUnavailable:
		fmt.Fprint(w, `{"available": false, "reason": "no riders"}`)
		return
	case modeBlock:
		select {
		case <-f.release:
		case <-r.Context().Done():
			return
		}
	}
	exp := ""
	if !expires.IsZero() {
		exp = expires.UTC().Format(time.RFC3339)
	}
	fmt.Fprintf(w, `{"quote_id": "q-%d", "price": 4.25, "currency": "USD", "eta_minutes": 17.5, "expires_at": %q}`, n, exp)
}

func (f *fakeCourier) lastBody() body {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// fakeClock is a clock the test moves.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}
