package router

import "time"

// Clock tells the time. Tests inject a fake one so that expiry needs no sleep.
type Clock interface {
	Now() time.Time
}

// systemClock is the wall clock.
type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }
