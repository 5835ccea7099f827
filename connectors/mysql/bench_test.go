package mysql

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/internal/testdb"
)

const benchRows = 1_000_000

// BenchmarkScan reads a 1M-row table (BIGINT, DOUBLE, VARCHAR) through the
// connector into Arrow batches, and the same table with a bare
// go-sql-driver loop (prepared statement, Scan into int64/float64/string)
// in the same run: rows/s of both and their ratio.
func BenchmarkScan(b *testing.B) {
	db := admin(b)
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'bench'", testDB).Scan(&n); err != nil {
		b.Fatal(err)
	}
	if n == 0 {
		mustExec(b, db, "CREATE TABLE bench (id BIGINT PRIMARY KEY, v DOUBLE, s VARCHAR(32))")
		mustExec(b, db, "INSERT INTO bench SELECT seq, seq * 0.5, CONCAT('name-', seq) FROM seq_1_to_1000000")
	}
	c := newTestConnector(b, nil)
	raw, err := sql.Open("mysql", testdb.MariaDB(b))
	if err != nil {
		b.Fatal(err)
	}
	defer raw.Close()
	var conn, bare time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if got := scanConnector(b, c); got != benchRows {
			b.Fatalf("connector: %d rows", got)
		}
		conn += time.Since(start)
		start = time.Now()
		if got := scanBare(b, raw); got != benchRows {
			b.Fatalf("driver: %d rows", got)
		}
		bare += time.Since(start)
	}
	rows := float64(benchRows) * float64(b.N)
	b.ReportMetric(rows/conn.Seconds(), "rows/s")
	b.ReportMetric(rows/bare.Seconds(), "driver-rows/s")
	b.ReportMetric(bare.Seconds()/conn.Seconds(), "speed-vs-driver")
}

func scanConnector(b *testing.B, c *Connector) int64 {
	s, err := c.Scan(context.Background(), connectors.ScanRequest{Table: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Reader.Release()
	var n int64
	for s.Reader.Next() {
		n += s.Reader.RecordBatch().NumRows()
	}
	if err := s.Reader.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

func scanBare(b *testing.B, db *sql.DB) int64 {
	stmt, err := db.Prepare("SELECT `id`,`v`,`s` FROM `" + testDB + "`.`bench`")
	if err != nil {
		b.Fatal(err)
	}
	defer stmt.Close()
	rows, err := stmt.Query()
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var n int64
	var id int64
	var v float64
	var s string
	for rows.Next() {
		if err := rows.Scan(&id, &v, &s); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}
