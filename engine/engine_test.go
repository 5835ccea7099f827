package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tributary-sql/tributary/sqlerr"
)

func open(t *testing.T) *Engine {
	t.Helper()
	e, err := Open(Config{MemoryLimit: "512MB", SpillDir: t.TempDir(), Threads: 2,
		Macros: []string{"CREATE MACRO twice(x) AS x * 2"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// numbers is a scan of n rows (i int64), in batches of batch rows. When
// failAfter > 0 the reader fails after that many batches.
func numbers(n, batch, failAfter int) func(context.Context) (array.RecordReader, error) {
	return func(context.Context) (array.RecordReader, error) {
		schema := arrow.NewSchema([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int64}}, nil)
		var recs []arrow.RecordBatch
		for start := 0; start < n; start += batch {
			b := array.NewInt64Builder(memory.DefaultAllocator)
			for i := start; i < min(start+batch, n); i++ {
				b.Append(int64(i))
			}
			col := b.NewArray()
			recs = append(recs, array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len())))
			b.Release()
			col.Release()
		}
		rd, err := array.NewRecordReader(schema, recs)
		if err != nil {
			return nil, err
		}
		if failAfter > 0 {
			return &failing{RecordReader: rd, left: failAfter}, nil
		}
		return rd, nil
	}
}

type failing struct {
	array.RecordReader
	left int
	err  error
}

var errSourceDied = errors.New("source died")

func (f *failing) Next() bool {
	if f.left == 0 {
		f.err = errSourceDied
		return false
	}
	f.left--
	return f.RecordReader.Next()
}

func (f *failing) Err() error { return f.err }

func queryAll(t *testing.T, e *Engine, sql string, inputs ...Input) ([][]any, error) {
	t.Helper()
	rows, err := e.Query(context.Background(), sql, inputs)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out [][]any
	for rows.Next() {
		out = append(out, append([]any(nil), rows.Values()...))
	}
	return out, rows.Err()
}

func TestLockedDown(t *testing.T) {
	e := open(t)
	for _, q := range []string{
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT * FROM read_text('/etc/passwd')",
		"SELECT * FROM glob('/etc/*')",
		"COPY (SELECT 1) TO '/tmp/tributary-lockdown-test.csv'",
		"ATTACH '/tmp/tributary-lockdown-test.duckdb' AS x",
		"INSTALL httpfs",
		"LOAD httpfs",
		"SET memory_limit = '8GB'",
		"SET enable_external_access = true",
		"RESET lock_configuration",
		"SELECT * FROM read_parquet('https://example.com/x.parquet')",
	} {
		t.Run(q, func(t *testing.T) {
			if _, err := queryAll(t, e, q); err == nil {
				t.Fatalf("%s was allowed", q)
			}
		})
	}
	got, err := queryAll(t, e, "SELECT current_setting('memory_limit'), twice(21)")
	if err != nil {
		t.Fatal(err)
	}
	if lim := fmt.Sprint(got[0][0]); !strings.Contains(lim, "488") && !strings.Contains(lim, "512") {
		t.Errorf("memory_limit = %v", lim)
	}
	if got[0][1] != int32(42) && got[0][1] != int64(42) {
		t.Errorf("macro: %v (%T)", got[0][1], got[0][1])
	}
}

// Every reference needs its own scan; two scans of the same data join.
func TestSelfJoinOverTwoScans(t *testing.T) {
	e := open(t)
	got, err := queryAll(t, e, `SELECT COUNT(*), SUM(a.i) FROM "s0" a JOIN "s1" b ON a.i = b.i`,
		Input{View: "s0", Open: numbers(10000, 1000, 0)},
		Input{View: "s1", Open: numbers(10000, 1000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if got[0][0] != int64(10000) || fmt.Sprint(got[0][1]) != "49995000" {
		t.Fatalf("got %v", got)
	}
	// Views are dropped with their rows: the next query on a new
	// connection may reuse the names.
	if _, err := queryAll(t, e, `SELECT COUNT(*) FROM "s0"`, Input{View: "s0", Open: numbers(5, 5, 0)}); err != nil {
		t.Fatal(err)
	}
}

// A scan that fails mid-stream fails the query with the scan's own error,
// not DuckDB's text rendering of it.
func TestScanErrorSurfaces(t *testing.T) {
	e := open(t)
	_, err := queryAll(t, e, `SELECT SUM(i) FROM "s0"`, Input{View: "s0", Open: numbers(100000, 1000, 3)})
	if !errors.Is(err, errSourceDied) {
		t.Fatalf("err = %v, want the scan's error", err)
	}
	// An error opening a scan is returned as is.
	_, err = queryAll(t, e, `SELECT 1`, Input{View: "s0", Open: func(context.Context) (array.RecordReader, error) {
		return nil, sqlerr.New(sqlerr.SourceUnavailable, "source x is down")
	}})
	if sqlerr.KindOf(err) != sqlerr.SourceUnavailable {
		t.Fatalf("err = %v", err)
	}
}

func TestCancel(t *testing.T) {
	e := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := e.Query(ctx, `SELECT COUNT(*) FROM range(100000000000)`, nil)
	if err == nil {
		t.Fatal("cancelled query ran")
	}
}
