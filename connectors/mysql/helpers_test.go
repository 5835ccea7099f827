package mysql

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/internal/testdb"
)

// testDB is the database every test of this package creates its tables in.
const testDB = "tributary_mysql_test"

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

var setupOnce sync.Once

// admin returns a pool on the test server for setting up fixtures, in UTC
// like the connector's sessions, with the test database created.
func admin(t testing.TB) *sql.DB {
	t.Helper()
	dsn := testdb.MariaDB(t) + "?time_zone=" + url.QueryEscape("'+00:00'")
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	setupOnce.Do(func() {
		mustExec(t, db, "DROP DATABASE IF EXISTS "+testDB)
		mustExec(t, db, "CREATE DATABASE "+testDB+" CHARACTER SET utf8mb4")
	})
	if _, err := db.Exec("USE " + testDB); err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1) // keeps USE and session settings on one connection
	return db
}

func mustExec(t testing.TB, db *sql.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// newTestConnector configures a connector on the test database whose Arrow
// allocations are checked: every test ends with all memory released.
func newTestConnector(t testing.TB, extra map[string]any) *Connector {
	t.Helper()
	admin(t)
	c := New()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	c.mem = mem
	t.Cleanup(func() {
		c.Close()
		mem.AssertSize(t, 0)
	})
	opts := map[string]any{"dsn": testdb.MariaDB(t), "database": testDB}
	for k, v := range extra {
		opts[k] = v
	}
	if err := c.Configure(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	return c
}

// scanAll runs a scan and returns its rows as Go values (see value).
func scanAll(t testing.TB, c *Connector, req connectors.ScanRequest) ([][]any, *connectors.Scan) {
	t.Helper()
	s, err := c.Scan(context.Background(), req)
	if err != nil {
		t.Fatalf("scan %+v: %v", req, err)
	}
	return drain(t, s), s
}

func drain(t testing.TB, s *connectors.Scan) [][]any {
	t.Helper()
	defer s.Reader.Release()
	var rows [][]any
	for s.Reader.Next() {
		rec := s.Reader.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			for j := range row {
				row[j] = value(rec.Column(j), i)
			}
			rows = append(rows, row)
		}
	}
	if err := s.Reader.Err(); err != nil {
		t.Fatalf("reader: %v", err)
	}
	return rows
}

// value is one Arrow value as a comparable Go value: int64, uint64,
// float64, string (also decimals, dates and times, in MySQL's text form),
// "0x…" for binary, nil for NULL.
func value(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Int8:
		return int64(a.Value(i))
	case *array.Int16:
		return int64(a.Value(i))
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return uint64(a.Value(i))
	case *array.Uint16:
		return uint64(a.Value(i))
	case *array.Uint32:
		return uint64(a.Value(i))
	case *array.Uint64:
		return a.Value(i)
	case *array.Float32:
		return float64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return "0x" + hex.EncodeToString(a.Value(i))
	case *array.Date32:
		return a.Value(i).ToTime().Format("2006-01-02")
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(i))).UTC().Format("2006-01-02 15:04:05.999999")
	case *array.Time64:
		return a.Value(i).ToTime(arrow.Microsecond).Format("15:04:05.999999")
	}
	return fmt.Sprintf("unhandled %T", arr)
}

// logSince returns the general-log lines written after offset whose text
// contains marker, and the log's current length.
func logSince(t testing.TB, offset int, marker string) []string {
	t.Helper()
	log := testdb.QueryLog(t, "mariadb")
	var out []string
	for _, line := range strings.Split(log[min(offset, len(log)):], "\n") {
		if strings.Contains(line, marker) {
			out = append(out, line)
		}
	}
	return out
}

func logLen(t testing.TB) int { return len(testdb.QueryLog(t, "mariadb")) }

// prepared extracts the statement text of the Prepare lines among lines.
func prepared(lines []string) []string {
	var out []string
	for _, l := range lines {
		if _, sql, ok := strings.Cut(l, "Prepare\t"); ok {
			out = append(out, sql)
		}
	}
	return out
}
