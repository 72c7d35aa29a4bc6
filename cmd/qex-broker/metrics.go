package main

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/qexcompanion/qex-companion/internal/broker"
)

// metrics are the broker's Prometheus metrics, on their own registry (no
// Go runtime or process collectors unless asked: fewer surprises).
type metrics struct {
	registry  *prometheus.Registry
	refreshes *prometheus.CounterVec
	exchange  *prometheus.HistogramVec
	inFlight  prometheus.Gauge
}

func newMetrics(store broker.Store) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		refreshes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "qex_broker_refreshes_total",
			Help: "Refreshes by outcome: exchange (EXchange asked), shared (another refresh's token answered), refused, lost, failed.",
		}, []string{"outcome"}),
		exchange: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "qex_broker_exchange_seconds",
			Help:    "Calls to EXchange by path and outcome (answered or unanswered).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15},
		}, []string{"path", "outcome"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "qex_broker_requests_in_flight",
			Help: "API requests being answered.",
		}),
	}
	grants := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "qex_broker_grants",
		Help: "Grants in the database (every broker process on it says the same).",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := store.Count(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	m.registry.MustRegister(m.refreshes, m.exchange, m.inFlight, grants,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

func (m *metrics) Refreshed(outcome string) { m.refreshes.WithLabelValues(outcome).Inc() }

func (m *metrics) ExchangeCalled(path string, took time.Duration, outcome string) {
	m.exchange.WithLabelValues(path, outcome).Observe(took.Seconds())
}

// handler serves /metrics beside the broker's API, counting API requests
// in flight.
func (m *metrics) handler(api http.Handler) http.Handler {
	counted := promhttp.InstrumentHandlerInFlight(m.inFlight, api)
	metrics := promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/metrics":
			metrics.ServeHTTP(w, r)
		case strings.HasPrefix(r.URL.Path, "/v1/"):
			counted.ServeHTTP(w, r)
		default:
			api.ServeHTTP(w, r)
		}
	})
}
