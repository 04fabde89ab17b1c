package quote

import "github.com/prometheus/client_golang/prometheus"

// Metrics count the quote calls and show each partner's breaker. A nil
// *Metrics counts nothing.
type Metrics struct {
	quotes  *prometheus.CounterVec
	breaker *prometheus.GaugeVec
}

// NewMetrics registers the quote metrics on reg:
// omniroute_partner_quotes_total{partner,result} and
// omniroute_partner_breaker_state{partner} (0 closed, 1 half-open, 2
// open).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		quotes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omniroute_partner_quotes_total",
			Help: "Live quote look-ups by partner and result: live, cached, shared, unavailable, and the ones priced by the rate card instead: timeout, error, bad_response, circuit_open.",
		}, []string{"partner", "result"}),
		breaker: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "omniroute_partner_breaker_state",
			Help: "State of each quoting partner's circuit breaker: 0 closed, 1 half-open, 2 open (skipped: rate card).",
		}, []string{"partner"}),
	}
	reg.MustRegister(m.quotes, m.breaker)
	return m
}

func (m *Metrics) count(partner, result string) {
	if m != nil {
		m.quotes.WithLabelValues(partner, result).Inc()
	}
}

func (m *Metrics) breakerState(partner string, s State) {
	if m != nil {
		m.breaker.WithLabelValues(partner).Set(float64(s))
	}
}

// Counter is the counter of partner and result, for tests and reports.
func (m *Metrics) Counter(partner, result string) prometheus.Counter {
	return m.quotes.WithLabelValues(partner, result)
}
