package e2e

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

// benchRows is the size of the benchmark table: 10 million rows of
// (id bigint, value double, label varchar).
const benchRows = 10_000_000

// benchSetup writes the table once per benchmark and starts a gateway
// serving it as source `big`.
func benchSetup(b *testing.B) (*gateway, string) {
	b.Helper()
	dir := b.TempDir()
	path := filepath.Join(dir, "events.parquet")
	writeBigParquet(b, path, benchRows)
	g := start(b, fmt.Sprintf("users: [{name: root}]\nsources:\n  big: {connector: files, options: {root: %q}}\n", dir))
	return g, path
}

func timeQuery(b *testing.B, db *sql.DB, query string) (time.Duration, int) {
	b.Helper()
	start := time.Now()
	rows, err := db.Query(query)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]sql.RawBytes, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start), n
}

// BenchmarkScanThroughPlugin scans every column of 10M rows through the
// files connector's plugin process and DuckDB, returning one row, and
// compares that with DuckDB reading the same Parquet file in process.
func BenchmarkScanThroughPlugin(b *testing.B) {
	g, path := benchSetup(b)
	gw := g.open(b, "root", "", "big")
	direct, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close()
	const agg = "SELECT COUNT(*), SUM(id), SUM(value), MAX(label) FROM %s"
	timeQuery(b, gw, fmt.Sprintf(agg, "events")) // warm: plugin started, schema cached
	b.ResetTimer()
	var tribTotal, duckTotal time.Duration
	for i := 0; i < b.N; i++ {
		d, _ := timeQuery(b, gw, fmt.Sprintf(agg, "events"))
		tribTotal += d
		d, _ = timeQuery(b, direct, fmt.Sprintf(agg, fmt.Sprintf("read_parquet('%s')", path)))
		duckTotal += d
	}
	trib := tribTotal.Seconds() / float64(b.N)
	duck := duckTotal.Seconds() / float64(b.N)
	b.ReportMetric(benchRows/trib, "rows/s")
	b.ReportMetric(benchRows/duck, "duckdb-direct-rows/s")
	b.ReportMetric(trib/duck, "x-duckdb-direct")
	b.Logf("10M-row scan: tributary %.3fs (%.1fM rows/s), duckdb on the file %.3fs (%.1fM rows/s), ratio %.1fx",
		trib, benchRows/trib/1e6, duck, benchRows/duck/1e6, trib/duck)
}

// BenchmarkStreamResult streams a 10M-row result to a Go client and
// reports the gateway's peak resident memory; the baseline is DuckDB
// handing the same rows to Go in process.
func BenchmarkStreamResult(b *testing.B) {
	g, path := benchSetup(b)
	gw := g.open(b, "root", "", "big")
	direct, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close()
	rssBefore := g.peakRSS(b)
	b.ResetTimer()
	var tribTotal, duckTotal time.Duration
	for i := 0; i < b.N; i++ {
		d, n := timeQuery(b, gw, "SELECT id, value, label FROM events")
		if n != benchRows {
			b.Fatalf("%d rows", n)
		}
		tribTotal += d
		d, _ = timeQuery(b, direct, fmt.Sprintf("SELECT id, value, label FROM read_parquet('%s')", path))
		duckTotal += d
	}
	trib := tribTotal.Seconds() / float64(b.N)
	duck := duckTotal.Seconds() / float64(b.N)
	peak := g.peakRSS(b)
	b.ReportMetric(benchRows/trib, "rows/s")
	b.ReportMetric(peak, "gateway-peak-MiB")
	b.ReportMetric(trib/duck, "x-duckdb-direct")
	b.Logf("10M-row result: tributary %.2fs (%.2fM rows/s), duckdb in process %.2fs, ratio %.1fx; gateway peak RSS %.0f MiB (%.0f MiB before the stream)",
		trib, benchRows/trib/1e6, duck, trib/duck, peak, rssBefore)
}
