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
	f, err := src.Open()
	if err != nil {
		return time.Time{}, err
	}
	defer f.Close()
	r, err := NewOrderReader(f, src.Name(), skipBad)
	if err != nil {
		return time.Time{}, err
	}
	var end time.Time
	for {
		o, err := r.Next()
		if errors.Is(err, io.EOF) {
			return end, nil
		}
		if err != nil {
			return time.Time{}, fmt.Errorf("orders: %w", err)
		}
		if o.CreatedAt.After(end) {
			end = o.CreatedAt
		}
	}
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
