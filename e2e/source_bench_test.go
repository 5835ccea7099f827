package e2e

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tributary-sql/tributary/internal/testdb"
)

// BenchmarkSourceQueries times typical queries through Tributary against
// the same query answered by PostgreSQL directly (and, for the join, by
// PostgreSQL holding both tables), and prints the ratios.
//
//	go test -tags duckdb_arrow -run '^$' -bench SourceQueries -benchtime 3x ./e2e/
func BenchmarkSourceQueries(b *testing.B) {
	const rows = 1_000_000
	pgDSN := testdb.Postgres(b)
	pg, err := sql.Open("pgx", pgDSN)
	if err != nil {
		b.Fatal(err)
	}
	defer pg.Close()
	for _, q := range []string{
		"DROP TABLE IF EXISTS facts, dims",
		fmt.Sprintf(`CREATE TABLE facts AS SELECT g AS id, g %% 1000 AS dim_id, ((g::bigint * 7919) %% 100000) / 100.0 AS amount,
			'item-' || (g %% 5000) AS label FROM generate_series(1, %d) g`, rows),
		"ALTER TABLE facts ADD PRIMARY KEY (id)",
		"CREATE TABLE dims AS SELECT g AS dim_id, 'region-' || (g % 7) AS region FROM generate_series(0, 999) g",
		"ANALYZE facts", "ANALYZE dims",
	} {
		if _, err := pg.Exec(q); err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	my, err := sql.Open("mysql", testdb.MariaDB(b))
	if err != nil {
		b.Fatal(err)
	}
	defer my.Close()
	for _, q := range []string{"DROP DATABASE IF EXISTS benchcrm", "CREATE DATABASE benchcrm",
		"CREATE TABLE benchcrm.dims (dim_id int PRIMARY KEY, region varchar(20))"} {
		if _, err := my.Exec(q); err != nil {
			b.Fatal(err)
		}
	}
	var vals []string
	for i := 0; i < 1000; i++ {
		vals = append(vals, fmt.Sprintf("(%d, 'region-%d')", i, i%7))
	}
	if _, err := my.Exec("INSERT INTO benchcrm.dims VALUES " + strings.Join(vals, ",")); err != nil {
		b.Fatal(err)
	}
	g := start(b, fmt.Sprintf(`
users: [{name: root}]
sources:
  sales: {connector: postgres, options: {dsn: %q}}
  crm: {connector: mysql, options: {dsn: %q}}
`, pgDSN, testdb.MariaDB(b)+"benchcrm"))
	gw := g.open(b, "root", "", "sales")
	single := start(b, fmt.Sprintf(`
engine: {scan_splits: 1}
users: [{name: root}]
sources:
  sales: {connector: postgres, options: {dsn: %q}}
`, pgDSN)).open(b, "root", "", "sales")
	cases := []struct{ name, tributary, direct string }{
		{"selective filter", "SELECT * FROM facts WHERE id = 123456", "SELECT * FROM facts WHERE id = 123456"},
		{"top-N", "SELECT id, amount FROM facts ORDER BY amount DESC, id LIMIT 10", "SELECT id, amount FROM facts ORDER BY amount DESC, id LIMIT 10"},
		{"aggregate", "SELECT dim_id, COUNT(*), SUM(amount) FROM facts GROUP BY dim_id", "SELECT dim_id, COUNT(*), SUM(amount) FROM facts GROUP BY dim_id"},
		{"cross-source join", "SELECT d.region, SUM(f.amount) FROM facts f JOIN crm.dims d ON d.dim_id = f.dim_id WHERE d.region = 'region-3' GROUP BY d.region",
			"SELECT d.region, SUM(f.amount) FROM facts f JOIN dims d ON d.dim_id = f.dim_id WHERE d.region = 'region-3' GROUP BY d.region"},
	}
	for _, c := range cases {
		timeQuery(b, gw, c.tributary) // warm: plugins, schemas, pools
		timeQuery(b, pg, c.direct)
		if testing.Verbose() {
			b.Logf("EXPLAIN %s:\n%s", c.name, explainText(b, gw, c.tributary))
		}
	}
	// CONCAT is not sent to PostgreSQL, so this stays a full scan
	// aggregated in DuckDB (not a whole query pushed down).
	const scanAll = "SELECT dim_id, COUNT(*), SUM(amount), MAX(CONCAT(label, '')) FROM facts GROUP BY dim_id"
	timeQuery(b, single, scanAll)
	b.ResetTimer()
	// Parallel splits: the same full scan read by one scan and by one per core.
	var one, many time.Duration
	for i := 0; i < b.N; i++ {
		d, _ := timeQuery(b, single, scanAll)
		one += d
		d, _ = timeQuery(b, gw, scanAll)
		many += d
	}
	b.Logf("full scan, one scan %.3fs, split into parallel scans %.3fs: %.2fx faster", one.Seconds()/float64(b.N), many.Seconds()/float64(b.N), one.Seconds()/many.Seconds())
	b.ReportMetric(one.Seconds()/many.Seconds(), "split-speedup")
	for _, c := range cases {
		var trib, direct time.Duration
		for i := 0; i < b.N; i++ {
			d, _ := timeQuery(b, gw, c.tributary)
			trib += d
			d, _ = timeQuery(b, pg, c.direct)
			direct += d
		}
		n := float64(b.N)
		b.Logf("%-18s tributary %8.3fs  postgres direct %8.3fs  ratio %6.1fx", c.name, trib.Seconds()/n, direct.Seconds()/n, trib.Seconds()/direct.Seconds())
		b.ReportMetric(trib.Seconds()/direct.Seconds(), strings.ReplaceAll(c.name, " ", "-")+"-x")
	}
}

// explainText is EXPLAIN's rows, one per line.
func explainText(tb testing.TB, db *sql.DB, query string) string {
	rows, err := db.Query("EXPLAIN " + query)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var step, target, detail string
		if err := rows.Scan(&step, &target, &detail); err != nil {
			tb.Fatal(err)
		}
		if len(detail) > 300 {
			detail = detail[:300] + "…"
		}
		lines = append(lines, step+" | "+target+" | "+detail)
	}
	return strings.Join(lines, "\n")
}
