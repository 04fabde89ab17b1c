package auth

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// AnyClient is the name in a rate-limit list that stands for every client
// without an entry of its own.
const AnyClient = "*"

// ParseRateLimits reads a rate-limit list, "NAME=RATE[:BURST],...": RATE
// calls per second (0 for no limit), BURST calls at once (default one
// second of calls). NAME is a client name or "*" for every client without
// an entry of its own.
func ParseRateLimits(s string) (map[string]Limit, error) {
	out := map[string]Limit{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		name, spec, ok := strings.Cut(item, "=")
		if !ok || name == "" || spec == "" {
			return nil, fmt.Errorf("%q: want NAME=RATE or NAME=RATE:BURST", item)
		}
		if name != AnyClient && !validName.MatchString(name) {
			return nil, fmt.Errorf("%q: %q is not a client name", item, name)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("%q: %s is given twice", item, name)
		}
		rateText, burstText, hasBurst := strings.Cut(spec, ":")
		r, err := strconv.ParseFloat(rateText, 64)
		if err != nil || math.IsNaN(r) || r < 0 || r > MaxRate {
			return nil, fmt.Errorf("%q: rate %q: want calls per second, 0 (no limit) to %g", item, rateText, float64(MaxRate))
		}
		l := Limit{PerSecond: r}
		if hasBurst {
			b, err := strconv.Atoi(burstText)
			if err != nil || b < 1 || b > MaxRate {
				return nil, fmt.Errorf("%q: burst %q: want a whole number of calls, at least 1", item, burstText)
			}
			if r == 0 {
				return nil, fmt.Errorf("%q: a burst needs a rate above 0", item)
			}
			l.Burst = b
		}
		out[name] = l.WithDefaultBurst()
	}
	return out, nil
}

// RateLimits returns the limits of a server: the clients' own (from the
// auth file, a may be nil) overridden by flags (from ParseRateLimits).
// Every name in flags other than "*" must be a client of a; without an
// auth file only "*" (which then limits every caller together, or each
// certificate name on its own) is allowed.
func RateLimits(a *Authenticator, flags map[string]Limit) (map[string]Limit, error) {
	out := map[string]Limit{}
	if a != nil {
		for _, c := range a.clients {
			if c.RateLimit.PerSecond > 0 {
				out[c.Name] = c.RateLimit
			}
		}
	}
	var errs []error
	for name, l := range flags {
		if name != AnyClient {
			if a == nil {
				errs = append(errs, fmt.Errorf("%s: without an auth file there are no client names; use %s=RATE", name, AnyClient))
				continue
			}
			if _, ok := a.Client(name); !ok {
				errs = append(errs, fmt.Errorf("%s: no such client in the auth file", name))
				continue
			}
		}
		out[name] = l
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
