package bench

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrThreshold is wrapped by every error Thresholds.Check returns.
var ErrThreshold = errors.New("threshold broken")

// Thresholds are the limits a load test must stay within, for CI gates.
type Thresholds struct {
	// MaxP99 is the highest acceptable p99 latency; zero means no limit.
	MaxP99 time.Duration
	// MaxErrorRate is the highest acceptable fraction of failed requests
	// (0.01 is 1%; 0 means no error at all); negative means no limit.
	MaxErrorRate float64
}

// NoErrorRateLimit is the MaxErrorRate that means no limit.
const NoErrorRateLimit = -1

// Enabled reports whether any limit is set.
func (t Thresholds) Enabled() bool { return t.MaxP99 > 0 || t.MaxErrorRate >= 0 }

// Check returns nil when r is within every limit, and otherwise an error
// wrapping ErrThreshold that names each broken limit and by how much. A run
// that completed no request fails any enabled limit.
func (t Thresholds) Check(r *Result) error {
	if !t.Enabled() {
		return nil
	}
	if r == nil || r.Requests == 0 {
		return fmt.Errorf("%w: no request completed", ErrThreshold)
	}
	var broken []string
	if t.MaxP99 > 0 && r.Latency.P99 > t.MaxP99 {
		broken = append(broken, fmt.Sprintf("p99 latency %v is above the limit %v by %v",
			r.Latency.P99, t.MaxP99, r.Latency.P99-t.MaxP99))
	}
	if rate := r.ErrorRate(); t.MaxErrorRate >= 0 && rate > t.MaxErrorRate {
		broken = append(broken, fmt.Sprintf("error rate %.4g%% (%d of %d) is above the limit %.4g%% by %.4g points",
			100*rate, r.Errors+r.Missed, r.Requests+r.Missed, 100*t.MaxErrorRate, 100*(rate-t.MaxErrorRate)))
	}
	if len(broken) == 0 {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrThreshold, strings.Join(broken, "; "))
}
