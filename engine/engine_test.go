package engine

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

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
		row := make([]any, 0, len(rows.Columns()))
		for _, v := range rows.Values() {
			if s, ok := v.(string); ok {
				v = strings.Clone(s) // values alias the batch
			}
			row = append(row, v)
		}
		out = append(out, row)
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

// DuckDB pushes filters into Arrow scans and expects the stream to apply
// them; the engine must make it apply them itself.
func TestFiltersOverScansApply(t *testing.T) {
	e := open(t)
	cases := map[string]string{
		`SELECT COUNT(*) FROM "s0" WHERE i < 10`:                                          "10",
		`SELECT COUNT(*) FROM "s0" WHERE i + 0 > 9990`:                                    "9",
		`SELECT MIN(i) FROM "s0" WHERE i >= 500`:                                          "500",
		`SELECT COUNT(*) FROM "s0" a JOIN "s1" b ON a.i = b.i WHERE a.i < 10 AND b.i > 5`: "4",
	}
	for q, want := range cases {
		got, err := queryAll(t, e, q, Input{View: "s0", Open: numbers(10000, 1000, 0)}, Input{View: "s1", Open: numbers(10000, 1000, 0)})
		if err != nil || fmt.Sprint(got[0][0]) != want {
			t.Errorf("%s = %v, %v; want %s", q, got, err, want)
		}
	}
}

// Rows stream: the first row arrives while the scan is still far from done.
func TestResultsStream(t *testing.T) {
	e := open(t)
	var pulled int
	open := numbers(1_000_000, 1000, 0)
	rows, err := e.Query(context.Background(), `SELECT i FROM "s0"`, []Input{{View: "s0", Open: func(ctx context.Context) (array.RecordReader, error) {
		rd, err := open(ctx)
		return &counting{RecordReader: rd, n: &pulled}, err
	}}})
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatal(rows.Err())
	}
	if pulled >= 1000 {
		t.Fatalf("%d of 1000 batches pulled before the first row: the result was materialised", pulled)
	}
	n := 1
	for rows.Next() {
		n++
	}
	if n != 1_000_000 || rows.Err() != nil {
		t.Fatalf("%d rows, %v", n, rows.Err())
	}
}

type counting struct {
	array.RecordReader
	n *int
}

func (c *counting) Next() bool {
	ok := c.RecordReader.Next()
	if ok {
		*c.n++
	}
	return ok
}

// threeColumns is a scan of (a, b, s) over five rows.
func threeColumns(context.Context) (array.RecordReader, error) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64},
		{Name: "b", Type: arrow.PrimitiveTypes.Int64},
		{Name: "s", Type: arrow.BinaryTypes.String},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for i := 0; i < 5; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.Int64Builder).Append(int64(100 + i))
		b.Field(2).(*array.StringBuilder).Append(fmt.Sprint("s", i))
	}
	return array.NewRecordReader(schema, []arrow.RecordBatch{b.NewRecordBatch()})
}

// DuckDB would push a projection into the Arrow scan and then misread the
// columns of a stream that did not apply it (a crash, or wrong values).
func TestProjectionsOverScans(t *testing.T) {
	e := open(t)
	cases := map[string]string{
		`SELECT s FROM s0 ORDER BY s`:                  "[[s0] [s1] [s2] [s3] [s4]]",
		`SELECT b FROM s0 WHERE a = 2`:                 "[[102]]",
		`SELECT s, a FROM s0 WHERE b > 102 ORDER BY a`: "[[s3 3] [s4 4]]",
		`SELECT COUNT(*) FROM s0 WHERE b > 101`:        "[[3]]",
		`SELECT COUNT(*) FROM s0`:                      "[[5]]",
	}
	for q, want := range cases {
		got, err := queryAll(t, e, q, Input{View: "s0", Open: threeColumns})
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("%s = %v, %v; want %s", q, got, err, want)
		}
	}
}

// Allowed directories stay readable after the lock-down; nothing else.
func TestAllowedDirectories(t *testing.T) {
	dir := t.TempDir()
	other := t.TempDir()
	for _, d := range []string{dir, other} {
		writeParquet(t, filepath.Join(d, "t.parquet"))
	}
	e, err := Open(Config{AllowedDirectories: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	got, err := queryAll(t, e, fmt.Sprintf("SELECT COUNT(*), SUM(a) FROM read_parquet('%s/t.parquet')", dir))
	if err != nil || fmt.Sprint(got) != "[[5 10]]" {
		t.Fatalf("allowed read = %v, %v", got, err)
	}
	if _, err := queryAll(t, e, fmt.Sprintf("SELECT COUNT(*) FROM read_parquet('%s/t.parquet')", other)); err == nil {
		t.Fatal("read outside the allowed directories succeeded")
	}
	// DuckDB's allowed_directories also permits writes there; clients
	// cannot reach COPY (the parser rejects it), and elsewhere stays shut.
	if _, err := queryAll(t, e, fmt.Sprintf("COPY (SELECT 1) TO '%s/x.csv'", other)); err == nil {
		t.Fatal("write outside the allowed directories succeeded")
	}
	for path, want := range map[string]bool{
		dir + "/t.parquet":     true,
		dir + "/sub/t.parquet": true,
		dir + "/../x.parquet":  false,
		other + "/t.parquet":   false,
		dir:                    true,
		"relative/t.parquet":   false,
		dir + "x/t.parquet":    false,
	} {
		if e.CanRead(path) != want {
			t.Errorf("CanRead(%s) = %v", path, !want)
		}
	}
}

// writeParquet writes a(0..4) with arrow-go: the locked engine cannot COPY.
func writeParquet(t *testing.T, path string) {
	t.Helper()
	rd, err := threeColumns(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Release()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := pqarrow.NewFileWriter(rd.Schema(), f, nil, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	for rd.Next() {
		if err := w.Write(rd.RecordBatch()); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// With a known schema a scan opens only when DuckDB reads it (a view the
// query never reads is never opened); a scan that then turns out to have
// other types fails the query instead of being misread.
func TestLazyInputs(t *testing.T) {
	e := open(t)
	opened := 0
	counting := func(inner func(context.Context) (array.RecordReader, error)) func(context.Context) (array.RecordReader, error) {
		return func(ctx context.Context) (array.RecordReader, error) {
			opened++
			return inner(ctx)
		}
	}
	schema := arrow.NewSchema([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int64}}, nil)
	rows, err := e.Query(context.Background(), `SELECT COUNT(*) FROM "s0"`, []Input{
		{View: "s0", Open: counting(numbers(10, 5, 0)), Schema: schema},
		{View: "s1", Open: counting(numbers(10, 5, 0)), Schema: schema}, // never read
	})
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
	}
	rows.Close()
	// s1 is registered but never read: it must never have been opened.
	if opened != 1 {
		t.Fatalf("%d scans opened, want only the one read", opened)
	}
	wrong := arrow.NewSchema([]arrow.Field{{Name: "i", Type: arrow.BinaryTypes.String}}, nil)
	_, err = queryAll(t, e, `SELECT * FROM "s0"`, Input{View: "s0", Open: numbers(10, 5, 0), Schema: wrong})
	if err == nil || !strings.Contains(err.Error(), "expected") {
		t.Fatalf("type mismatch: %v", err)
	}
}

func TestDescribe(t *testing.T) {
	e := open(t)
	opened := false
	schema := arrow.NewSchema([]arrow.Field{{Name: "i", Type: arrow.PrimitiveTypes.Int64}}, nil)
	cols, err := e.Describe(context.Background(), `SELECT SUM(i) AS s, AVG(i) AS a, COUNT(*) AS n, CAST(i AS DECIMAL(15,2)) / 3 AS d FROM "s0" GROUP BY i`, []Input{{
		View:   "s0",
		Open:   func(context.Context) (array.RecordReader, error) { opened = true; return nil, fmt.Errorf("never") },
		Schema: schema,
	}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cols {
		got = append(got, c.Name+" "+c.Type.String())
	}
	want := []string{"s decimal(38, 0)", "a float64", "n int64", "d float64"}
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("got %v, want %v", got, want)
	}
	if opened {
		t.Error("Describe opened a scan")
	}
	if _, err := e.Describe(context.Background(), `SELECT nope FROM "s0"`, []Input{{View: "s0", Schema: schema}}); err == nil {
		t.Error("unknown column described")
	}
}
