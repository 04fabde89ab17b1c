package simulate

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/omniroute/omniroute/network"
	"github.com/omniroute/omniroute/policy"
)

// ReplayEnd returns the latest created_at of the orders of src: when the
// replay of that file ends. Malformed rows fail the read as they fail the
// replay, unless skipBad. A file without orders has no end: the zero time.
func ReplayEnd(src Source, skipBad bool) (time.Time, error) {
	_, end, err := ReplaySpan(src, skipBad)
	return end, err
}

// ReplaySpan returns the earliest and the latest created_at of the orders
// of src, as ReplayEnd reads them; both are zero for a file without
// orders.
func ReplaySpan(src Source, skipBad bool) (first, last time.Time, err error) {
	r, err := OpenOrders(src, skipBad)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	defer r.Close()
	for {
		o, err := r.Next()
		if errors.Is(err, io.EOF) {
			return first, last, nil
		}
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("orders: %w", err)
		}
		if first.IsZero() || o.CreatedAt.Before(first) {
			first = o.CreatedAt
		}
		if o.CreatedAt.After(last) {
			last = o.CreatedAt
		}
	}
}

// PlanInterval is the default time between two plans of a replay whose
// orders span span: DefaultPlanInterval, or, for a replay shorter than
// MinReplayPlans of them, span / MinReplayPlans (at least a minute), so
// that a replay whose clock runs fast (orders an instance puts minutes
// apart rather than hours) plans as often for its orders as a replay of
// days does.
func PlanInterval(span time.Duration) time.Duration {
	if span <= 0 || span >= MinReplayPlans*DefaultPlanInterval {
		return DefaultPlanInterval
	}
	return max(span/MinReplayPlans, time.Minute)
}

// plans reports whether any of the named policies plans (policy.Planned):
// only those have a season.
func plans(reg *policy.Registry, names []string, net *network.Network) bool {
	for _, name := range names {
		p, err := reg.New(name, net)
		if err != nil {
			continue // Run reports it
		}
		if _, ok := p.(policy.Planned); ok {
			return true
		}
	}
	return false
}
