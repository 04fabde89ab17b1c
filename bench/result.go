package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"text/tabwriter"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Histogram bounds: latencies are recorded in microseconds from 1 µs to 60 s
// with 3 significant digits. Longer calls are recorded as 60 s.
const (
	histMinMicros = 1
	histMaxMicros = 60_000_000
	histSigFigs   = 3
)

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histMinMicros, histMaxMicros, histSigFigs)
}

// Latency is a summary of the latency distribution.
type Latency struct {
	P50, P90, P99, P999, Max time.Duration
}

// Result is what one load test measured.
type Result struct {
	// Requests is the number of calls that ended, successful or not.
	Requests int64
	// Errors is the number of calls that ended with an error.
	Errors int64
	// ErrorsByCode counts the errors by gRPC status code name
	// ("Unavailable", "DeadlineExceeded", ...). Never nil.
	ErrorsByCode map[string]int64
	// Duration is the measured run's wall time, warmup excluded.
	Duration time.Duration
	// Throughput is Requests per second of Duration.
	Throughput float64
	// Latency summarises Histogram.
	Latency Latency
	// Histogram holds every latency in microseconds, merged from the
	// workers.
	Histogram *hdrhistogram.Histogram

	// Mode is "closed" or "open".
	Mode string
	// Concurrency is the number of workers.
	Concurrency int
	// Rate is the open-loop rate per second; zero in closed loop.
	Rate float64
	// Scheduled is the number of requests the open-loop schedule held.
	Scheduled int64
	// Missed counts open-loop requests not sent within the call timeout of
	// their intended time because every worker was busy; they count as
	// failures in ErrorRate.
	Missed int64
	// Unfilled counts successful answers whose plan left some line unfilled.
	Unfilled int64
	// Reserved counts successful answers that carried a reservation.
	Reserved int64
	// WarmupRequests is the number of calls made, and discarded, in the
	// warmup.
	WarmupRequests int64
	// Interrupted is true when the context was cancelled before the run
	// ended; the numbers cover what was done until then.
	Interrupted bool
	// ServerLost is true when the run stopped because the server went away
	// (see Run); the numbers cover what was done until then.
	ServerLost bool
}

// ErrorRate is the fraction of failed requests, counting missed open-loop
// requests as failed. It is zero when nothing was sent.
func (r *Result) ErrorRate() float64 {
	total := r.Requests + r.Missed
	if total == 0 {
		return 0
	}
	return float64(r.Errors+r.Missed) / float64(total)
}

// summarise fills Latency and Throughput from Histogram and Duration.
func (r *Result) summarise() {
	at := func(q float64) time.Duration {
		return time.Duration(r.Histogram.ValueAtQuantile(q)) * time.Microsecond
	}
	if r.Histogram.TotalCount() > 0 {
		r.Latency = Latency{
			P50:  at(50),
			P90:  at(90),
			P99:  at(99),
			P999: at(99.9),
			Max:  time.Duration(r.Histogram.Max()) * time.Microsecond,
		}
	}
	if r.Duration > 0 {
		r.Throughput = float64(r.Requests) / r.Duration.Seconds()
	}
}

// jsonLatency is the latency object of the JSON output, in milliseconds.
type jsonLatency struct {
	P50  float64 `json:"p50"`
	P90  float64 `json:"p90"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
	Max  float64 `json:"max"`
}

// jsonResult is the JSON output. The first six keys are a contract scripts
// depend on; the rest may grow.
type jsonResult struct {
	Requests       int64            `json:"requests"`
	Errors         int64            `json:"errors"`
	DurationS      float64          `json:"duration_s"`
	ThroughputRPS  float64          `json:"throughput_rps"`
	LatencyMs      jsonLatency      `json:"latency_ms"`
	ErrorsByCode   map[string]int64 `json:"errors_by_code"`
	ErrorRate      float64          `json:"error_rate"`
	Mode           string           `json:"mode"`
	Concurrency    int              `json:"concurrency"`
	RateRPS        float64          `json:"rate_rps,omitempty"`
	Scheduled      int64            `json:"scheduled,omitempty"`
	Missed         int64            `json:"missed"`
	Unfilled       int64            `json:"unfilled"`
	Reserved       int64            `json:"reserved"`
	WarmupRequests int64            `json:"warmup_requests"`
	Interrupted    bool             `json:"interrupted"`
	ServerLost     bool             `json:"server_lost,omitempty"`
}

// ms converts to milliseconds, kept to the microsecond.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// round3 keeps three decimals.
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// MarshalJSON writes the result as {"requests":..,"errors":..,
// "duration_s":..,"throughput_rps":..,"latency_ms":{"p50":..,"p90":..,
// "p99":..,"p999":..,"max":..},"errors_by_code":{..}, ...}.
func (r *Result) MarshalJSON() ([]byte, error) {
	byCode := r.ErrorsByCode
	if byCode == nil {
		byCode = map[string]int64{}
	}
	return json.Marshal(jsonResult{
		Requests:      r.Requests,
		Errors:        r.Errors,
		DurationS:     round3(r.Duration.Seconds()),
		ThroughputRPS: round3(r.Throughput),
		LatencyMs: jsonLatency{
			P50: ms(r.Latency.P50), P90: ms(r.Latency.P90), P99: ms(r.Latency.P99),
			P999: ms(r.Latency.P999), Max: ms(r.Latency.Max),
		},
		ErrorsByCode:   byCode,
		ErrorRate:      r.ErrorRate(),
		Mode:           r.Mode,
		Concurrency:    r.Concurrency,
		RateRPS:        r.Rate,
		Scheduled:      r.Scheduled,
		Missed:         r.Missed,
		Unfilled:       r.Unfilled,
		Reserved:       r.Reserved,
		WarmupRequests: r.WarmupRequests,
		Interrupted:    r.Interrupted,
		ServerLost:     r.ServerLost,
	})
}

// WriteTable writes the result as a small aligned table for people.
func (r *Result) WriteTable(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	mode := fmt.Sprintf("closed loop, %d workers", r.Concurrency)
	if r.Mode == "open" {
		mode = fmt.Sprintf("open loop, %g req/s, %d workers", r.Rate, r.Concurrency)
	}
	if r.Interrupted {
		mode += " (interrupted: partial results)"
	}
	if r.ServerLost {
		mode += " (server lost: partial results)"
	}
	fmt.Fprintf(tw, "mode\t%s\n", mode)
	fmt.Fprintf(tw, "requests\t%d\n", r.Requests)
	fmt.Fprintf(tw, "errors\t%d (%.3f%%)\n", r.Errors, 100*r.ErrorRate())
	codes := make([]string, 0, len(r.ErrorsByCode))
	for c := range r.ErrorsByCode {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	for _, c := range codes {
		fmt.Fprintf(tw, "  %s\t%d\n", c, r.ErrorsByCode[c])
	}
	if r.Mode == "open" {
		fmt.Fprintf(tw, "scheduled\t%d\n", r.Scheduled)
		fmt.Fprintf(tw, "missed\t%d\n", r.Missed)
	}
	fmt.Fprintf(tw, "duration\t%.3f s\n", r.Duration.Seconds())
	fmt.Fprintf(tw, "throughput\t%.1f req/s\n", r.Throughput)
	for _, row := range []struct {
		name string
		d    time.Duration
	}{
		{"latency p50", r.Latency.P50},
		{"latency p90", r.Latency.P90},
		{"latency p99", r.Latency.P99},
		{"latency p99.9", r.Latency.P999},
		{"latency max", r.Latency.Max},
	} {
		fmt.Fprintf(tw, "%s\t%.3f ms\n", row.name, ms(row.d))
	}
	if r.Unfilled > 0 || r.Reserved > 0 {
		fmt.Fprintf(tw, "unfilled plans\t%d\n", r.Unfilled)
		fmt.Fprintf(tw, "reservations\t%d\n", r.Reserved)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write result: %w", err)
	}
	return nil
}

// String is the one-line summary of the result.
func (r *Result) String() string {
	return fmt.Sprintf("%d requests, %d errors in %.3fs (%.1f req/s); p50 %v p99 %v max %v",
		r.Requests, r.Errors, r.Duration.Seconds(), r.Throughput, r.Latency.P50, r.Latency.P99, r.Latency.Max)
}
