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
	g := start(b, fmt.Sprintf(`users: [{name: root}]
sources:
  big: {connector: files, options: {root: %q, direct_read: false}}
  bigdirect: {connector: files, options: {root: %q}}
`, dir, dir))
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
	vals := make([]any, len(cols))
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
// compares that with DuckDB reading the same Parquet file in process; the
// third column is the gateway letting DuckDB read the file (direct_read),
// which is what the numbers chose for Parquet.
func BenchmarkScanThroughPlugin(b *testing.B) {
	g, path := benchSetup(b)
	gw := g.open(b, "root", "", "")
	direct, err := sql.Open("duckdb", "")
	if err != nil {
		b.Fatal(err)
	}
	defer direct.Close()
	const agg = "SELECT COUNT(*), SUM(id), SUM(value), MAX(label) FROM %s"
	timeQuery(b, gw, fmt.Sprintf(agg, "big.events")) // warm: plugins started, schemas cached
	timeQuery(b, gw, fmt.Sprintf(agg, "bigdirect.events"))
	b.ResetTimer()
	var plugin, gwDirect, duck time.Duration
	for i := 0; i < b.N; i++ {
		d, _ := timeQuery(b, gw, fmt.Sprintf(agg, "big.events"))
		plugin += d
		d, _ = timeQuery(b, gw, fmt.Sprintf(agg, "bigdirect.events"))
		gwDirect += d
		d, _ = timeQuery(b, direct, fmt.Sprintf(agg, fmt.Sprintf("read_parquet('%s')", path)))
		duck += d
	}
	n := float64(b.N)
	tp, td, tk := plugin.Seconds()/n, gwDirect.Seconds()/n, duck.Seconds()/n
	b.ReportMetric(benchRows/tp, "plugin-rows/s")
	b.ReportMetric(tp/tk, "plugin-x-duckdb")
	b.ReportMetric(td/tk, "direct-x-duckdb")
	b.Logf("10M-row scan: through the plugin %.3fs (%.1fM rows/s, %.1fx DuckDB); gateway with direct read %.3fs (%.1fx); DuckDB on the file in process %.3fs (%.1fM rows/s)",
		tp, benchRows/tp/1e6, tp/tk, td, td/tk, tk, benchRows/tk/1e6)
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
		d, n := timeQuery(b, gw, "SELECT id, value, label FROM big.events")
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
