package plugins_test

import (
	"context"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tributary-sql/tributary/connectors"
)

// BenchmarkScanThroughPlugin streams 10 million rows (int64, float64, short
// utf8) from the test connector through a real plugin process, and from the
// same connector called in-process, as the baseline of the ratio.
func BenchmarkScanThroughPlugin(b *testing.B) {
	const rows, batch = 10_000_000, 64 * 1024
	opts := map[string]any{"rows": rows, "batch": batch}
	var rates = map[string]float64{}

	run := func(b *testing.B, name string, c connectors.Connector) {
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			if _, err := c.Tables(ctx); err != nil { // start the process outside the timer
				b.Fatal(err)
			}
			var n, size int64
			var elapsed time.Duration
			for b.Loop() {
				start := time.Now()
				scan, err := c.Scan(ctx, connectors.ScanRequest{Table: "bench"})
				if err != nil {
					b.Fatal(err)
				}
				for scan.Reader.Next() {
					rec := scan.Reader.RecordBatch()
					n += rec.NumRows()
					size += recordBytes(rec)
				}
				if err := scan.Reader.Err(); err != nil {
					b.Fatal(err)
				}
				scan.Reader.Release()
				elapsed += time.Since(start)
			}
			if n != int64(b.N)*rows {
				b.Fatalf("read %d rows, want %d", n, int64(b.N)*rows)
			}
			secs := elapsed.Seconds()
			rates[name] = float64(n) / secs
			b.ReportMetric(float64(n)/secs, "rows/s")
			b.ReportMetric(float64(size)/secs/1e6, "MB/s")
		})
	}
	run(b, "in-process", &testConnector{rows: rows, batch: batch})
	run(b, "plugin", newSource(b, opts))
	if rates["plugin"] > 0 {
		b.Logf("plugin throughput = %.2f × in-process (%.3g vs %.3g rows/s)",
			rates["plugin"]/rates["in-process"], rates["plugin"], rates["in-process"])
	}
}

// recordBytes is the size of the batch's buffers (flat columns only, which
// is all the bench table has).
func recordBytes(rec arrow.RecordBatch) int64 {
	var n int64
	for _, col := range rec.Columns() {
		for _, buf := range col.Data().Buffers() {
			if buf != nil {
				n += int64(buf.Len())
			}
		}
	}
	return n
}
