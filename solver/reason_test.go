package solver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTellingOrderRanksEveryReason: every reason the package defines has
// its own place in the precedence, so a new reason cannot be forgotten.
func TestTellingOrderRanksEveryReason(t *testing.T) {
	seen := map[Reason]bool{}
	for _, r := range tellingOrder {
		require.False(t, seen[r], "%v ranked twice", r)
		seen[r] = true
	}
	for r := ReasonNone + 1; int(r) < len(reasonNames); r++ {
		assert.True(t, seen[r], "%v has no rank", r)
	}
	assert.Len(t, tellingOrder, len(reasonNames)-1)
}

func TestMostTelling(t *testing.T) {
	cases := []struct {
		name    string
		reasons []Reason
		want    Reason
	}{
		{"none", nil, ReasonNone},
		{"only none", []Reason{ReasonNone}, ReasonNone},
		{"stock beats radius", []Reason{ReasonOutsideRadius, ReasonNoStock, ReasonOutsideRadius}, ReasonNoStock},
		{"closed beats zone", []Reason{ReasonOutsideZone, ReasonClosed}, ReasonClosed},
		{"zone beats radius", []Reason{ReasonOutsideRadius, ReasonOutsideZone}, ReasonOutsideZone},
		{"promise beats closed", []Reason{ReasonClosed, ReasonMissesPromise}, ReasonMissesPromise},
		{"stock beats capacity", []Reason{ReasonCapacity, ReasonNoStock}, ReasonNoStock},
		{"anything beats disabled", []Reason{ReasonDisabled, ReasonMethodNotAllowed}, ReasonMethodNotAllowed},
		{"overweight first", []Reason{ReasonNoStock, ReasonOverweight}, ReasonOverweight},
		{"a reason beats none", []Reason{ReasonNone, ReasonDisabled}, ReasonDisabled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, MostTelling(c.reasons...))
		})
	}
	assert.True(t, MoreTelling(ReasonNoStock, ReasonOutsideZone))
	assert.False(t, MoreTelling(ReasonOutsideZone, ReasonNoStock))
	assert.False(t, MoreTelling(ReasonNoStock, ReasonNoStock))
	assert.False(t, MoreTelling(ReasonNone, ReasonDisabled))
}
