package postgres

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/internal/testdb"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

var schemaSeq atomic.Int64

// newSchema creates a fresh schema on the test server, runs setup in it
// (search_path set to it) and returns its name and an admin pool.
func newSchema(t testing.TB, setup ...string) (string, *pgxpool.Pool) {
	t.Helper()
	dsn := testdb.Postgres(t)
	admin, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(admin.Close)
	name := fmt.Sprintf("t%d_%s", schemaSeq.Add(1), strings.ToLower(regexp.MustCompile(`\W`).ReplaceAllString(t.Name(), "_")))
	if len(name) > 60 {
		name = name[:60]
	}
	exec(t, admin, "CREATE SCHEMA "+quoteIdent(name))
	for _, q := range setup {
		exec(t, admin, "SET search_path TO "+quoteIdent(name)+"; "+q)
	}
	return name, admin
}

func exec(t testing.TB, pool *pgxpool.Pool, sql string, args ...any) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// newConnector configures a connector on schema whose Arrow allocations
// are checked: every test ends with all memory released and the pool
// closed.
func newConnector(t testing.TB, schema string, extra map[string]any) *Connector {
	t.Helper()
	c := New()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	c.mem = mem
	opts := map[string]any{"dsn": testdb.Postgres(t), "schema": schema}
	for k, v := range extra {
		opts[k] = v
	}
	if err := c.Configure(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.Close()
		mem.AssertSize(t, 0)
	})
	return c
}

// drain reads a whole scan into rows of Go values (see value) and
// releases it.
func drain(t testing.TB, s *connectors.Scan) [][]any {
	t.Helper()
	defer s.Reader.Release()
	var out [][]any
	for s.Reader.Next() {
		rec := s.Reader.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			row := make([]any, rec.NumCols())
			for j := range row {
				row[j] = value(rec.Column(j), i)
			}
			out = append(out, row)
		}
	}
	if err := s.Reader.Err(); err != nil {
		t.Fatalf("scan: %v", err)
	}
	return out
}

// value returns element i of arr as a Go value: the Arrow Go type for
// numbers, dates and times, string, []byte, decimals as their text, nil
// for NULL.
func value(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Int16:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Float32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Binary:
		return append([]byte{}, a.Value(i)...)
	case *array.Date32:
		return a.Value(i)
	case *array.Timestamp:
		return a.Value(i)
	case *array.Time64:
		return a.Value(i)
	case *array.Decimal128:
		return a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	}
	panic(fmt.Sprintf("value: unhandled %T", arr))
}

func scan(t testing.TB, c *Connector, req connectors.ScanRequest) *connectors.Scan {
	t.Helper()
	s, err := c.Scan(context.Background(), req)
	if err != nil {
		t.Fatalf("Scan(%+v): %v", req, err)
	}
	return s
}

// ids returns the first column of rows as int32s.
func ids(rows [][]any) []int32 {
	out := make([]int32, len(rows))
	for i, r := range rows {
		out[i] = r[0].(int32)
	}
	return out
}

// statements returns the SQL statements of the server log, without the
// DETAIL lines that list parameter values.
func statements(t testing.TB) []string {
	t.Helper()
	var out []string
	for _, line := range strings.Split(testdb.QueryLog(t, "postgres"), "\n") {
		if i := strings.Index(line, "LOG:  "); i >= 0 {
			out = append(out, line[i+len("LOG:  "):])
		}
	}
	return out
}
