package gateway

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tributary-sql/tributary/sqlerr"
)

// metrics are the gateway's Prometheus series. A nil *metrics records
// nothing, so a gateway without a registry needs no special cases.
type metrics struct {
	statements *prometheus.CounterVec   // by kind and MySQL error code ("0": success)
	duration   *prometheus.HistogramVec // by kind
	scans      *prometheus.CounterVec   // by source
	scanErrors *prometheus.CounterVec   // by source
}

func newMetrics(reg prometheus.Registerer) *metrics {
	if reg == nil {
		return nil
	}
	m := &metrics{
		statements: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tributary_statements_total",
			Help: "Statements executed, by kind and MySQL error code (0 for success).",
		}, []string{"kind", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tributary_statement_duration_seconds",
			Help:    "Time from parsing to the last row sent, by statement kind.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"kind"}),
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tributary_source_scans_total",
			Help: "Scans started at each source.",
		}, []string{"source"}),
		scanErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tributary_source_scan_errors_total",
			Help: "Scans of each source that failed to start.",
		}, []string{"source"}),
	}
	reg.MustRegister(m.statements, m.duration, m.scans, m.scanErrors)
	return m
}

func (m *metrics) statement(kind string, start time.Time, err error) {
	if m == nil {
		return
	}
	code := "0"
	if err != nil {
		c, _ := sqlerr.KindOf(err).Code()
		code = strconv.Itoa(int(c))
	}
	m.statements.WithLabelValues(kind, code).Inc()
	m.duration.WithLabelValues(kind).Observe(time.Since(start).Seconds())
}

func (m *metrics) scan(source string, err error) {
	if m == nil {
		return
	}
	m.scans.WithLabelValues(source).Inc()
	if err != nil {
		m.scanErrors.WithLabelValues(source).Inc()
	}
}
