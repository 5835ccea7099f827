package gateway

import (
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
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
	rows       *prometheus.CounterVec   // by source
	bytes      *prometheus.CounterVec   // by source
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
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tributary_source_rows_total",
			Help: "Rows received from each source's scans (not counting files DuckDB reads directly).",
		}, []string{"source"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tributary_source_bytes_total",
			Help: "Arrow buffer bytes of the batches received from each source's scans (not counting files DuckDB reads directly).",
		}, []string{"source"}),
	}
	reg.MustRegister(m.statements, m.duration, m.scans, m.scanErrors, m.rows, m.bytes)
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

// received counts a batch a scan of source delivered. The bytes are the
// batch's Arrow buffers, which is close to what crossed the plugin
// boundary (Arrow IPC is those buffers plus a little framing).
func (m *metrics) received(source string, rec arrow.RecordBatch) {
	if m == nil || rec == nil {
		return
	}
	m.rows.WithLabelValues(source).Add(float64(rec.NumRows()))
	var n int
	for _, col := range rec.Columns() {
		n += dataBytes(col.Data())
	}
	m.bytes.WithLabelValues(source).Add(float64(n))
}

// dataBytes sums the lengths of an array's buffers, its children's and
// its dictionary's. (arrow/util has this, but pulls in protobuf
// reflection packages the module does not otherwise need.)
func dataBytes(d arrow.ArrayData) int {
	if d == nil {
		return 0
	}
	n := 0
	for _, b := range d.Buffers() {
		if b != nil {
			n += b.Len()
		}
	}
	for _, c := range d.Children() {
		n += dataBytes(c)
	}
	if d.DataType().ID() == arrow.DICTIONARY { // else Dictionary is a typed nil
		n += dataBytes(d.Dictionary())
	}
	return n
}
