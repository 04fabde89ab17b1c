package simulate

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// checker holds the small set of assertions the tests use. expect reports
// and goes on; must stops the test.
type checker struct{ fatal bool }

var (
	expect = checker{fatal: false}
	must   = checker{fatal: true}
)

func (c checker) fail(t testing.TB, msg []any, format string, args ...any) {
	t.Helper()
	s := fmt.Sprintf(format, args...)
	if len(msg) > 0 {
		if f, ok := msg[0].(string); ok {
			s += ": " + fmt.Sprintf(f, msg[1:]...)
		} else {
			s += ": " + fmt.Sprint(msg...)
		}
	}
	if c.fatal {
		t.Fatal(s)
	}
	t.Error(s)
}

func toFloat(x any) (float64, bool) {
	v := reflect.ValueOf(x)
	switch v.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint()), true
	case reflect.Float32, reflect.Float64:
		return v.Float(), true
	}
	return 0, false
}

func (c checker) NoError(t testing.TB, err error, msg ...any) {
	t.Helper()
	if err != nil {
		c.fail(t, msg, "unexpected error: %v", err)
	}
}

func (c checker) Error(t testing.TB, err error, msg ...any) {
	t.Helper()
	if err == nil {
		c.fail(t, msg, "expected an error")
	}
}

func (c checker) ErrorIs(t testing.TB, err, target error, msg ...any) {
	t.Helper()
	if !errors.Is(err, target) {
		c.fail(t, msg, "error %v is not %v", err, target)
	}
}

func (c checker) ErrorContains(t testing.TB, err error, sub string, msg ...any) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), sub) {
		c.fail(t, msg, "error %v does not contain %q", err, sub)
	}
}

func (c checker) Equal(t testing.TB, want, got any, msg ...any) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		c.fail(t, msg, "got %v, want %v", got, want)
	}
}

func (c checker) NotEqual(t testing.TB, a, b any, msg ...any) {
	t.Helper()
	if reflect.DeepEqual(a, b) {
		c.fail(t, msg, "both are %v", a)
	}
}

func (c checker) EqualValues(t testing.TB, want, got any, msg ...any) {
	t.Helper()
	w, ok1 := toFloat(want)
	g, ok2 := toFloat(got)
	if ok1 && ok2 {
		if w != g {
			c.fail(t, msg, "got %v, want %v", got, want)
		}
		return
	}
	c.Equal(t, want, got, msg...)
}

func (c checker) InDelta(t testing.TB, want, got any, delta float64, msg ...any) {
	t.Helper()
	w, _ := toFloat(want)
	g, _ := toFloat(got)
	if math.IsNaN(g) || math.Abs(w-g) > delta {
		c.fail(t, msg, "got %v, want %v ± %v", got, want, delta)
	}
}

func (c checker) LessOrEqual(t testing.TB, a, b any, msg ...any) {
	t.Helper()
	x, _ := toFloat(a)
	y, _ := toFloat(b)
	if !(x <= y) {
		c.fail(t, msg, "%v is not <= %v", a, b)
	}
}

func (c checker) Greater(t testing.TB, a, b any, msg ...any) {
	t.Helper()
	x, _ := toFloat(a)
	y, _ := toFloat(b)
	if !(x > y) {
		c.fail(t, msg, "%v is not > %v", a, b)
	}
}

func (c checker) Positive(t testing.TB, a any, msg ...any) {
	t.Helper()
	c.Greater(t, a, 0, msg...)
}

func (c checker) Zero(t testing.TB, a any, msg ...any) {
	t.Helper()
	if a != nil && !reflect.ValueOf(a).IsZero() {
		c.fail(t, msg, "%v is not zero", a)
	}
}

func (c checker) True(t testing.TB, b bool, msg ...any) {
	t.Helper()
	if !b {
		c.fail(t, msg, "is false")
	}
}

func (c checker) False(t testing.TB, b bool, msg ...any) {
	t.Helper()
	if b {
		c.fail(t, msg, "is true")
	}
}

func (c checker) NotNil(t testing.TB, a any, msg ...any) {
	t.Helper()
	if a == nil || (reflect.ValueOf(a).Kind() == reflect.Pointer && reflect.ValueOf(a).IsNil()) {
		c.fail(t, msg, "is nil")
	}
}

func (c checker) Len(t testing.TB, a any, n int, msg ...any) {
	t.Helper()
	if l := reflect.ValueOf(a).Len(); l != n {
		c.fail(t, msg, "has %d elements, want %d", l, n)
	}
}

func (c checker) Contains(t testing.TB, s, sub any, msg ...any) {
	t.Helper()
	if str, ok := s.(string); ok {
		if !strings.Contains(str, fmt.Sprint(sub)) {
			c.fail(t, msg, "%q does not contain %q", str, sub)
		}
		return
	}
	v := reflect.ValueOf(s)
	for i := 0; i < v.Len(); i++ {
		if reflect.DeepEqual(v.Index(i).Interface(), sub) {
			return
		}
	}
	c.fail(t, msg, "%v does not contain %v", s, sub)
}
