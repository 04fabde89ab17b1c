package quote

import (
	"sync"
	"time"
)

// State is a circuit breaker's state.
type State int

// The breaker's states, as the state gauge reports them.
const (
	// Closed: calls go through; failures in a row are counted.
	Closed State = 0
	// HalfOpen: the partner was skipped long enough; one call tries it.
	HalfOpen State = 1
	// Open: the partner failed too often in a row; calls are skipped.
	Open State = 2
)

var stateNames = [...]string{"closed", "half_open", "open"}

// String returns "closed", "half_open" or "open".
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// Breaker skips a partner that keeps failing: after threshold failures in
// a row it opens and refuses calls for openFor, then lets one call through
// (half-open): its success closes the breaker, its failure opens it again
// for openFor. It reads time from an injected clock, so tests control it.
// It is safe for concurrent use.
//
// It is written here rather than taken from a library because the
// libraries read the wall clock, and a test of "recovers after 30 s" must
// not wait 30 s.
type Breaker struct {
	threshold int
	openFor   time.Duration
	now       func() time.Time
	onChange  func(State)

	mu       sync.Mutex // guards the fields below
	state    State
	failures int
	openedAt time.Time
	probing  bool
}

// NewBreaker returns a closed breaker. onChange, when not nil, is told
// every new state (outside the breaker's lock).
func NewBreaker(threshold int, openFor time.Duration, now func() time.Time, onChange func(State)) *Breaker {
	return &Breaker{threshold: max(threshold, 1), openFor: openFor, now: now, onChange: onChange}
}

// Allow reports whether a call may go now. A true from a half-open
// breaker is the one probe: the caller must report its outcome.
func (b *Breaker) Allow() bool {
	b.mu.Lock()
	allow, changed := false, false
	switch b.state {
	case Closed:
		allow = true
	case Open:
		if !b.now().Before(b.openedAt.Add(b.openFor)) {
			b.state, b.probing, changed, allow = HalfOpen, true, true, true
		}
	case HalfOpen:
		if !b.probing {
			b.probing, allow = true, true
		}
	}
	st := b.state
	b.mu.Unlock()
	if changed && b.onChange != nil {
		b.onChange(st)
	}
	return allow
}

// Success reports a call that worked: the breaker closes.
func (b *Breaker) Success() {
	b.mu.Lock()
	changed := b.state != Closed
	b.state, b.failures, b.probing = Closed, 0, false
	b.mu.Unlock()
	if changed && b.onChange != nil {
		b.onChange(Closed)
	}
}

// Failure reports a call that failed: threshold of them in a row, or a
// failed probe, open the breaker.
func (b *Breaker) Failure() {
	b.mu.Lock()
	changed := false
	b.failures++
	if b.state == HalfOpen || (b.state == Closed && b.failures >= b.threshold) {
		changed = b.state != Open
		b.state, b.openedAt, b.probing = Open, b.now(), false
	}
	st := b.state
	b.mu.Unlock()
	if changed && b.onChange != nil {
		b.onChange(st)
	}
}

// State returns the breaker's state now (an open breaker whose time is up
// still says Open until a call is allowed).
func (b *Breaker) State() State {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}
