package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testResult is a result over the given latencies in microseconds.
func testResult(t *testing.T, micros ...int64) *Result {
	t.Helper()
	r := &Result{
		Requests:     int64(len(micros)),
		Errors:       2,
		ErrorsByCode: map[string]int64{"Unavailable": 2},
		Duration:     2 * time.Second,
		Histogram:    newHistogram(),
		Mode:         "closed",
		Concurrency:  4,
	}
	for _, us := range micros {
		require.NoError(t, r.Histogram.RecordValue(us))
	}
	r.summarise()
	return r
}

func TestResultJSONContract(t *testing.T) {
	r := testResult(t, 1000, 2000, 3000, 4000)
	out, err := json.Marshal(r)
	require.NoError(t, err)

	// The contract keys come first and in this order.
	dec := json.NewDecoder(bytes.NewReader(out))
	var keys []string
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	for dec.More() {
		tok, err := dec.Token()
		require.NoError(t, err)
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		require.NoError(t, dec.Decode(&skip))
	}
	want := []string{"requests", "errors", "duration_s", "throughput_rps", "latency_ms", "errors_by_code"}
	if len(keys) < len(want) || strings.Join(keys[:len(want)], ",") != strings.Join(want, ",") {
		t.Errorf("keys %v, want %v first", keys, want)
	}

	var got struct {
		Requests      int64              `json:"requests"`
		Errors        int64              `json:"errors"`
		DurationS     float64            `json:"duration_s"`
		ThroughputRPS float64            `json:"throughput_rps"`
		LatencyMs     map[string]float64 `json:"latency_ms"`
		ErrorsByCode  map[string]int64   `json:"errors_by_code"`
	}
	require.NoError(t, json.Unmarshal(out, &got))
	if got.Requests != 4 || got.Errors != 2 || got.DurationS != 2 || got.ThroughputRPS != 2 {
		t.Errorf("numbers: %+v", got)
	}
	assert.EqualValues(t, 2, got.ErrorsByCode["Unavailable"], "errors_by_code %v", got.ErrorsByCode)
	for _, k := range []string{"p50", "p90", "p99", "p999", "max"} {
		if _, ok := got.LatencyMs[k]; !ok {
			t.Errorf("latency_ms lacks %q: %v", k, got.LatencyMs)
		}
	}
	// HDR keeps 3 significant digits: values are exact to 0.1%.
	if p50, max := got.LatencyMs["p50"], got.LatencyMs["max"]; math.Abs(p50-2) > 0.002 || math.Abs(max-4) > 0.004 {
		t.Errorf("latency_ms %v, want p50 2 and max 4", got.LatencyMs)
	}
}

func TestResultJSONWithoutErrors(t *testing.T) {
	out, err := json.Marshal(&Result{Histogram: newHistogram()})
	require.NoError(t, err)
	assert.True(t, bytes.Contains(out, []byte(`"errors_by_code":{}`)), "errors_by_code must be an empty object: %s", out)
}

func TestResultTable(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, testResult(t, 1000, 2000).WriteTable(&b))
	for _, want := range []string{"requests", "errors", "  Unavailable", "throughput", "latency p50", "latency p99.9", "latency max", "ms"} {
		assert.Contains(t, b.String(), want, "table lacks %q:\n%s", want, b.String())
	}
}

func TestThresholdsCheck(t *testing.T) {
	r := testResult(t, 1000, 1000, 1000, 9000) // p99 9ms; 2 errors of 4
	for _, tc := range []struct {
		name string
		th   Thresholds
		want []string // fragments of the error; nil means pass
	}{
		{"no limits", Thresholds{MaxErrorRate: NoErrorRateLimit}, nil},
		{"within", Thresholds{MaxP99: 10 * time.Millisecond, MaxErrorRate: 0.5}, nil},
		{"p99", Thresholds{MaxP99: 5 * time.Millisecond, MaxErrorRate: NoErrorRateLimit}, []string{"p99 latency", "above the limit 5ms by 4"}},
		{"zero errors", Thresholds{MaxErrorRate: 0}, []string{"error rate 50%", "(2 of 4)", "by 50 points"}},
		{"both", Thresholds{MaxP99: time.Millisecond, MaxErrorRate: 0.1}, []string{"p99 latency", "error rate"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.th.Check(r)
			if tc.want == nil {
				assert.NoError(t, err, "Check")
				return
			}
			require.ErrorIs(t, err, ErrThreshold, "Check: %v, want ErrThreshold", err)
			for _, w := range tc.want {
				assert.ErrorContains(t, err, w, "%q lacks %q", err, w)
			}
		})
	}
	empty := &Result{Histogram: newHistogram()}
	if err := (Thresholds{MaxErrorRate: 0}).Check(empty); !errors.Is(err, ErrThreshold) {
		t.Errorf("a run without requests passed: %v", err)
	}
	missed := testResult(t, 1000)
	missed.Errors, missed.ErrorsByCode, missed.Missed = 0, nil, 1
	if err := (Thresholds{MaxErrorRate: 0}).Check(missed); !errors.Is(err, ErrThreshold) {
		t.Errorf("missed open-loop requests passed a zero-error gate: %v", err)
	}
}
