package network

import (
	"fmt"
	"time"
)

// window is a daily opening window in minutes after local midnight. open ==
// close == 0 with always set means open all day; close < open means the
// window runs past midnight.
type window struct {
	open, close int
	always      bool
}

// parseHours reads an Hours value. Both fields empty means always open;
// "00:00"-"24:00" is also all day.
func parseHours(h Hours) (window, error) {
	if h.Open == "" && h.Close == "" {
		return window{always: true}, nil
	}
	if h.Open == "" || h.Close == "" {
		return window{}, fmt.Errorf("open %q and close %q: give both or neither", h.Open, h.Close)
	}
	o, err := parseClock(h.Open)
	if err != nil {
		return window{}, fmt.Errorf("open: %w", err)
	}
	c, err := parseClock(h.Close)
	if err != nil {
		return window{}, fmt.Errorf("close: %w", err)
	}
	if o == 24*60 {
		return window{}, fmt.Errorf("open: %q is not a time of day", h.Open)
	}
	if o == c {
		return window{}, fmt.Errorf("open and close are both %q (leave both empty for always open)", h.Open)
	}
	if o == 0 && c == 24*60 {
		return window{always: true}, nil
	}
	return window{open: o, close: c % (24 * 60)}, nil
}

// parseClock reads "HH:MM" (00:00 to 24:00) as minutes after midnight.
func parseClock(s string) (int, error) {
	if len(s) != 5 || s[2] != ':' || !digit(s[0]) || !digit(s[1]) || !digit(s[3]) || !digit(s[4]) {
		return 0, fmt.Errorf("%q is not HH:MM", s)
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("%q is not a time between 00:00 and 24:00", s)
	}
	return h*60 + m, nil
}

func digit(c byte) bool { return c >= '0' && c <= '9' }

// isOpen reports whether the window is open at minute m of the local day.
func (w window) isOpen(m int) bool {
	switch {
	case w.always:
		return true
	case w.open < w.close:
		return m >= w.open && m < w.close
	default: // past midnight
		return m >= w.open || m < w.close
	}
}

// untilOpen is the number of minutes from minute m of the local day until
// the window is open (0 when open).
func (w window) untilOpen(m int) int {
	if w.isOpen(m) {
		return 0
	}
	return ((w.open-m)%(24*60) + 24*60) % (24 * 60)
}

// localMinute is the minute of the local day of t in a zone offsetMinutes
// east of UTC.
func localMinute(t time.Time, offsetMinutes int) int {
	u := t.Unix()/60 + int64(offsetMinutes)
	m := u % (24 * 60)
	if m < 0 {
		m += 24 * 60
	}
	return int(m)
}
