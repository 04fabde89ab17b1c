package network

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHours(t *testing.T) {
	tests := []struct {
		name        string
		h           Hours
		open        []string // local times when open
		closed      []string // local times when closed
		untilAt     string
		untilMinute int
	}{
		{"day", Hours{"09:00", "22:00"}, []string{"09:00", "12:30", "21:59"}, []string{"08:59", "22:00", "23:30", "00:00"}, "23:00", 10 * 60},
		{"overnight", Hours{"20:00", "06:00"}, []string{"20:00", "23:59", "00:00", "05:59"}, []string{"06:00", "12:00", "19:59"}, "07:00", 13 * 60},
		{"always-empty", Hours{}, []string{"00:00", "12:00", "23:59"}, nil, "03:00", 0},
		{"always-24h", Hours{"00:00", "24:00"}, []string{"00:00", "23:59"}, nil, "03:00", 0},
		{"until-midnight", Hours{"08:00", "24:00"}, []string{"08:00", "23:59"}, []string{"00:00", "07:59"}, "07:30", 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := parseHours(tt.h)
			require.NoError(t, err)
			for _, s := range tt.open {
				m, _ := parseClock(s)
				assert.True(t, w.isOpen(m%1440), "closed at %s", s)
			}
			for _, s := range tt.closed {
				m, _ := parseClock(s)
				assert.False(t, w.isOpen(m%1440), "open at %s", s)
			}
			m, _ := parseClock(tt.untilAt)
			assert.Equal(t, tt.untilMinute, w.untilOpen(m), "untilOpen(%s)", tt.untilAt)
		})
	}
}

func TestHoursErrors(t *testing.T) {
	for _, h := range []Hours{{"9:00", "22:00"}, {"09:00", "25:00"}, {"09:60", "22:00"}, {"24:00", "08:00"}, {"09:00", "09:00"}, {"", "22:00"}} {
		if _, err := parseHours(h); err == nil {
			t.Errorf("parseHours(%+v) accepted", h)
		}
	}
}

func TestLocalMinute(t *testing.T) {
	ts := time.Date(2026, 11, 25, 21, 30, 0, 0, time.UTC)
	assert.Equal(t, 2*60+30, localMinute(ts, 300), "localMinute")
	assert.Equal(t, 150, localMinute(ts.In(time.FixedZone("x", 3600)), 300), "localMinute depends on the time's location")
	assert.Equal(t, 23*60+10, localMinute(time.Date(1960, 1, 1, 0, 10, 0, 0, time.UTC), -60), "localMinute before 1970")
}
