package router

import (
	"net/http"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/omniroute/omniroute/distance"
	"github.com/omniroute/omniroute/quote"
)

// Reservation outcomes counted by omniroute_reservations_total.
const (
	outcomeReserved     = "reserved"
	outcomeIdempotent   = "idempotent"
	outcomeInsufficient = "insufficient"
	outcomeRetried      = "retried"
	outcomeCommitted    = "committed"
	outcomeReleased     = "released"
	outcomeExpired      = "expired"
)

// Metrics are the service's Prometheus metrics on their own registry.
type Metrics struct {
	reg *prometheus.Registry

	routeSeconds   *prometheus.HistogramVec
	optionsSeconds *prometheus.HistogramVec
	solveSeconds   prometheus.Histogram
	candidates     prometheus.Histogram
	reservations   *prometheus.CounterVec
	activeReserved prometheus.Gauge
	stockUpdates   *prometheus.CounterVec
	belowReserved  prometheus.Counter
	reloads        *prometheus.CounterVec
	refused        *prometheus.CounterVec
	rateLimited    *prometheus.CounterVec
	clockSkew      *prometheus.CounterVec
	redirects      prometheus.Counter
	// PlanningService.Allocate's calls planning and waiting for a turn.
	allocateRunning prometheus.Gauge
	allocateWaiting prometheus.Gauge
	quotes          *quote.Metrics
	distances       *distance.Metrics

	// The PostgreSQL ledger's (zero with a local ledger).
	ledgerUp        prometheus.Gauge
	ledgerListening prometheus.Gauge
	ledgerRefreshes *prometheus.CounterVec
	ledgerRows      prometheus.Counter
	ledgerTxSeconds *prometheus.HistogramVec
	ledgerGroup     prometheus.Histogram
	// viewAge, once set, tells omniroute_ledger_view_age_seconds.
	viewAge atomic.Pointer[func() float64]
}

// NewMetrics returns the metrics registered on a fresh registry together
// with the Go and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		routeSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "omniroute_route_duration_seconds",
			Help:    "Time to answer one routed order (validation, build, solve, reservation, persistence).",
			Buckets: prometheus.ExponentialBuckets(20e-6, 2, 16),
		}, []string{"code"}),
		optionsSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "omniroute_options_duration_seconds",
			Help:    "Time to answer one Options call (validation, build, one solve per offer and pickup store tried).",
			Buckets: prometheus.ExponentialBuckets(20e-6, 2, 16),
		}, []string{"code"}),
		solveSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "omniroute_solver_duration_seconds",
			Help:    "Time the solver took for one order.",
			Buckets: prometheus.ExponentialBuckets(1e-6, 2, 18),
		}),
		candidates: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "omniroute_route_candidates",
			Help:    "Candidate options (node, method, partner) per routed order.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 14),
		}),
		reservations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omniroute_reservations_total",
			Help: "Reservation events by outcome: reserved, idempotent, insufficient, retried, committed, released, expired.",
		}, []string{"outcome"}),
		activeReserved: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "omniroute_reservations_active",
			Help: "Reservations currently ACTIVE.",
		}),
		stockUpdates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omniroute_stock_updates_total",
			Help: "Stock updates by result: applied, or ignored (repeated or older sequence number).",
		}, []string{"result"}),
		belowReserved: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "omniroute_stock_below_reserved_total",
			Help: "Stock rows that an UpdateStock or StreamStock chunk left with fewer units on hand than reserved (each row once per call).",
		}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omniroute_network_reloads_total",
			Help: "Network reloads by result: ok or error.",
		}, []string{"result"}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omniroute_calls_refused_total",
			Help: "Calls refused by authentication or authorisation, by gRPC code: Unauthenticated or PermissionDenied.",
		}, []string{"code"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omniroute_calls_rate_limited_total",
			Help: "Calls refused with ResourceExhausted because the client was over its rate limit, by client name.",
		}, []string{"client"}),
		clockSkew: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "omniroute_order_created_at_rejected_total",
			Help: "Orders whose created_at was further than the maximum clock skew from the server's clock and was replaced by it, by direction: ahead or behind.",
		}, []string{"direction"}),
		redirects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "omniroute_pickup_redirects_total",
			Help: "Routed orders that named a pickup store and were planned at another (Order.pickup_redirect_cost).",
		}),
	}
	m.allocateRunning = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "omniroute_allocate_calls_running",
		Help: "PlanningService.Allocate calls planning now (at most serve --allocate-concurrency).",
	})
	m.allocateWaiting = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "omniroute_allocate_calls_waiting",
		Help: "PlanningService.Allocate calls waiting for a turn to plan.",
	})
	m.reg.MustRegister(m.allocateRunning, m.allocateWaiting)
	m.ledgerUp = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "omniroute_ledger_up",
		Help: "1 while the last read of the shared database succeeded (PostgreSQL ledger only).",
	})
	m.ledgerListening = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "omniroute_ledger_notifications_up",
		Help: "1 while the replica receives the database's change notifications; 0 means it polls (PostgreSQL ledger only).",
	})
	m.ledgerRefreshes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "omniroute_ledger_view_refreshes_total",
		Help: "Reads of the rows other replicas changed, by what started them: notify or poll (PostgreSQL ledger only).",
	}, []string{"trigger"})
	m.ledgerRows = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "omniroute_ledger_view_rows_total",
		Help: "Stock and capacity rows read into the view by its refreshes (PostgreSQL ledger only).",
	})
	m.ledgerTxSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "omniroute_ledger_transaction_seconds",
		Help:    "Time of one ledger transaction in the database, by operation, retries included (PostgreSQL ledger only).",
		Buckets: prometheus.ExponentialBuckets(50e-6, 2, 16),
	}, []string{"op"})
	m.ledgerGroup = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "omniroute_ledger_reservation_group_size",
		Help:    "Reservations decided by one database transaction (PostgreSQL ledger only).",
		Buckets: prometheus.ExponentialBuckets(1, 2, 9),
	})
	viewAge := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "omniroute_ledger_view_age_seconds",
		Help: "Seconds since the replica's stock view was last known to match the shared database (PostgreSQL ledger only; 0 otherwise).",
	}, func() float64 {
		if f := m.viewAge.Load(); f != nil {
			return (*f)()
		}
		return 0
	})
	m.reg.MustRegister(m.ledgerUp, m.ledgerListening, m.ledgerRefreshes, m.ledgerRows, m.ledgerTxSeconds, m.ledgerGroup, viewAge)
	for _, tr := range []string{"notify", "poll"} {
		m.ledgerRefreshes.WithLabelValues(tr)
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.routeSeconds, m.optionsSeconds, m.solveSeconds, m.candidates, m.reservations,
		m.activeReserved, m.stockUpdates, m.belowReserved, m.reloads, m.refused, m.rateLimited, m.clockSkew,
		m.redirects,
	)
	m.quotes = quote.NewMetrics(m.reg)
	m.distances = distance.NewMetrics(m.reg)
	for _, o := range []string{outcomeReserved, outcomeIdempotent, outcomeInsufficient, outcomeRetried, outcomeCommitted, outcomeReleased, outcomeExpired} {
		m.reservations.WithLabelValues(o)
	}
	m.stockUpdates.WithLabelValues("applied")
	m.stockUpdates.WithLabelValues("ignored")
	m.reloads.WithLabelValues("ok")
	m.reloads.WithLabelValues("error")
	m.refused.WithLabelValues("Unauthenticated")
	m.refused.WithLabelValues("PermissionDenied")
	m.clockSkew.WithLabelValues("ahead")
	m.clockSkew.WithLabelValues("behind")
	return m
}

// Registry returns the registry the metrics live on.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}
