package postgres

import (
	"context"
	"testing"

	"github.com/tributary-sql/tributary/connectors"
)

const benchRows = 1_000_000

// BenchmarkScan scans a 1-million-row table (bigint, double precision,
// text) through the connector and reports rows/s, plus the ratio to a
// bare pgx loop reading the same table in the same run (x_pgx: 1.0 means
// the connector costs nothing over pgx scanning into Go values).
func BenchmarkScan(b *testing.B) {
	schema, admin := newSchema(b,
		"CREATE TABLE big AS SELECT g::int8 AS id, g * 0.5::float8 AS amount, 'city_' || (g % 1000) AS city FROM generate_series(1, 1000000) g",
		"ANALYZE big")
	c := newConnector(b, schema, nil)
	ctx := context.Background()
	var baseline float64
	b.Run("pgx", func(b *testing.B) {
		var rows int64
		for b.Loop() {
			r, err := admin.Query(ctx, `SELECT "id","amount","city" FROM "`+schema+`"."big"`)
			if err != nil {
				b.Fatal(err)
			}
			var (
				id   int64
				amt  float64
				city string
			)
			for r.Next() {
				if err := r.Scan(&id, &amt, &city); err != nil {
					b.Fatal(err)
				}
				rows++
			}
			if err := r.Err(); err != nil {
				b.Fatal(err)
			}
		}
		baseline = float64(rows) / b.Elapsed().Seconds()
		b.ReportMetric(baseline, "rows/s")
	})
	b.Run("connector", func(b *testing.B) {
		var rows int64
		for b.Loop() {
			s, err := c.Scan(ctx, connectors.ScanRequest{Table: "big"})
			if err != nil {
				b.Fatal(err)
			}
			for s.Reader.Next() {
				rows += s.Reader.RecordBatch().NumRows()
			}
			if err := s.Reader.Err(); err != nil {
				b.Fatal(err)
			}
			s.Reader.Release()
		}
		if rows != int64(benchRows)*int64(b.N) {
			b.Fatalf("%d rows", rows)
		}
		perSec := float64(rows) / b.Elapsed().Seconds()
		b.ReportMetric(perSec, "rows/s")
		if baseline > 0 {
			b.ReportMetric(perSec/baseline, "x_pgx")
		}
	})
}
