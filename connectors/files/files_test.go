package files

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tributary-sql/tributary/connectors"
)

func TestConfigureErrors(t *testing.T) {
	dir := t.TempDir()
	notDir := writeFile(t, dir, "x.csv", "a\n1\n")
	tests := []struct {
		name    string
		options map[string]any
		want    string // in the message
	}{
		{"missing root", map[string]any{}, `"root": is required`},
		{"root not a string", map[string]any{"root": 3}, `"root": must be a string`},
		{"root missing on disk", map[string]any{"root": filepath.Join(dir, "nope")}, `"root"`},
		{"root is a file", map[string]any{"root": notDir}, "is not a directory"},
		{"unknown key", map[string]any{"root": dir, "rooot": dir}, `"rooot": unknown option`},
		{"batch_rows zero", map[string]any{"root": dir, "batch_rows": 0}, `"batch_rows": must be between`},
		{"batch_rows fractional", map[string]any{"root": dir, "batch_rows": 2.5}, "whole number"},
		{"batch_rows text", map[string]any{"root": dir, "batch_rows": "10"}, "must be a number"},
		{"batch_rows huge", map[string]any{"root": dir, "batch_rows": uint64(1 << 63)}, "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := New().Configure(context.Background(), tt.options)
			if !errors.Is(err, connectors.ErrInvalidOptions) {
				t.Fatalf("err = %v, want ErrInvalidOptions", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestConfigureNumberTypes(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []any{int(7), int64(7), uint64(7), float64(7), int32(7), uint(7)} {
		c := New()
		if err := c.Configure(context.Background(), map[string]any{"root": dir, "batch_rows": n}); err != nil {
			t.Fatalf("%T: %v", n, err)
		}
		if got := c.cfg.Load().batchRows; got != 7 {
			t.Fatalf("%T: batchRows = %d", n, got)
		}
	}
}

func TestUnconfigured(t *testing.T) {
	_, err := New().Tables(context.Background())
	if !errors.Is(err, connectors.ErrInvalidOptions) {
		t.Fatalf("err = %v", err)
	}
}

const peopleCSV = "\ufeffid,name,score,active,born,seen,zip,mixed,empty\n" +
	"1,Ada,1.5,true,1815-12-10,2024-01-02 03:04:05,007,1,\n" +
	"2,\"Lovelace, Jr\",2,FALSE,1990-02-28,2024-01-02 03:04:05.25,12345,x,\n" +
	"-3,,,,,,,2.5,\n"

const peopleJSON = `{"id": 1, "name": "Ada", "score": 1.5, "active": true, "born": "1815-12-10", "seen": "2024-01-02 03:04:05", "tags": ["a", "b"]}

{"name": "Bob", "id": 2, "score": 2, "active": false, "extra": {"k": 1}, "mixed": 1}
{"id": -3, "score": null, "mixed": "x", "born": null}
`

func TestTablesSchemaInference(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "People.CSV", peopleCSV)
	writeFile(t, dir, "events.jsonl", peopleJSON)
	writeFile(t, dir, "notes.txt", "not a table")
	writeFile(t, dir, ".hidden.csv", "a\n1\n")
	if err := os.Mkdir(filepath.Join(dir, "sub.csv"), 0o755); err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	prunable10k(t, mem, filepath.Join(dir, "sales.parquet"))

	c := newTestConnector(t, dir, nil)
	tables, err := c.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]connectors.Table{}
	var names []string
	for _, tb := range tables {
		got[tb.Name] = tb
		names = append(names, tb.Name)
	}
	if want := []string{"events", "people", "sales"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("tables = %v, want %v", names, want)
	}
	ts := "timestamp[us]"
	tests := []struct {
		table string
		rows  int64
		want  string // name:type, ...
	}{
		{"people", 3, "id:int64 name:utf8 score:float64 active:bool born:date32 seen:" + ts +
			" zip:utf8 mixed:utf8 empty:utf8"},
		{"events", 3, "id:int64 name:utf8 score:float64 active:bool born:date32 seen:" + ts +
			" tags:utf8 extra:utf8 mixed:utf8"},
		{"sales", 10000, "id:int64 name:utf8 day:date32 ts:timestamp[us] price:decimal(12, 2) score:float64 note:utf8"},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			tb := got[tt.table]
			if tb.RowCount != tt.rows {
				t.Errorf("RowCount = %d, want %d", tb.RowCount, tt.rows)
			}
			var fields []string
			for _, f := range tb.Schema.Fields() {
				fields = append(fields, f.Name+":"+f.Type.String())
			}
			if s := strings.Join(fields, " "); s != tt.want {
				t.Errorf("schema\n got %s\nwant %s", s, tt.want)
			}
		})
	}
}

func TestScanTextValues(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "people.csv", peopleCSV)
	writeFile(t, dir, "events.ndjson", peopleJSON)
	c := newTestConnector(t, dir, nil)
	born, _ := parseDate("1815-12-10")
	seen, _ := parseTimestamp("2024-01-02 03:04:05")
	tests := []struct {
		table   string
		columns []string
		want    []row
	}{
		{"people", []string{"seen", "id", "name", "zip", "active", "born", "score"}, []row{
			{"seen": seen, "id": int64(1), "name": "Ada", "zip": "007", "active": true, "born": born, "score": 1.5},
			{"seen": seen + 250_000, "id": int64(2), "name": "Lovelace, Jr", "zip": "12345", "active": false, "born": arrow.Date32(7363), "score": 2.0},
			{"seen": nil, "id": int64(-3), "name": nil, "zip": nil, "active": nil, "born": nil, "score": nil},
		}},
		{"events", []string{"mixed", "tags", "extra", "id", "born"}, []row{
			{"mixed": nil, "tags": `["a","b"]`, "extra": nil, "id": int64(1), "born": born},
			{"mixed": "1", "tags": nil, "extra": `{"k":1}`, "id": int64(2), "born": nil},
			{"mixed": "x", "tags": nil, "extra": nil, "id": int64(-3), "born": nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			s := scan(t, c, connectors.ScanRequest{Table: tt.table, Columns: tt.columns})
			var order []string
			for _, f := range s.Reader.Schema().Fields() {
				order = append(order, f.Name)
			}
			if !reflect.DeepEqual(order, tt.columns) {
				t.Errorf("columns = %v, want %v", order, tt.columns)
			}
			if got := drain(t, s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("rows\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestScanProjectionLimitAllFormats(t *testing.T) {
	dir := t.TempDir()
	var csv, js strings.Builder
	csv.WriteString("a,b,c\n")
	for i := 0; i < 1000; i++ {
		csv.WriteString(itoa(i) + ",x" + itoa(i) + "," + itoa(i*2) + "\n")
		js.WriteString(`{"c": ` + itoa(i*2) + `, "a": ` + itoa(i) + `, "b": "x` + itoa(i) + `"}` + "\n")
	}
	writeFile(t, dir, "t_csv.csv", csv.String())
	writeFile(t, dir, "t_json.json", js.String())
	c := newTestConnector(t, dir, map[string]any{"batch_rows": 64})
	for _, table := range []string{"t_csv", "t_json"} {
		for _, limit := range []int64{0, 1, 64, 100, 999, 1000, 5000} {
			s := scan(t, c, connectors.ScanRequest{Table: strings.ToUpper(table), Columns: []string{"c", "a"}, Limit: limit})
			rows := drain(t, s)
			want := limit
			if want == 0 || want > 1000 {
				want = 1000
			}
			if int64(len(rows)) != want {
				t.Fatalf("%s limit %d: %d rows", table, limit, len(rows))
			}
			last := rows[len(rows)-1]
			if last["a"] != want-1 || last["c"] != 2*(want-1) || len(last) != 2 {
				t.Fatalf("%s limit %d: last row %v", table, limit, last)
			}
		}
	}
}

func TestScanErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.csv", "x,y\n1,2\n")
	writeFile(t, dir, "b.jsonl", `{"x": 1}`+"\n")
	prunable10k(t, memory.NewGoAllocator(), filepath.Join(dir, "p.parquet"))
	c := newTestConnector(t, dir, nil)
	tests := []struct {
		name string
		req  connectors.ScanRequest
		want error
	}{
		{"unknown table", connectors.ScanRequest{Table: "nope"}, connectors.ErrTableNotFound},
		{"csv column", connectors.ScanRequest{Table: "a", Columns: []string{"x", "z"}}, connectors.ErrColumnNotFound},
		{"json column", connectors.ScanRequest{Table: "b", Columns: []string{"y"}}, connectors.ErrColumnNotFound},
		{"parquet column", connectors.ScanRequest{Table: "p", Columns: []string{"nope"}}, connectors.ErrColumnNotFound},
		{"filter column", connectors.ScanRequest{Table: "p", Columns: []string{"id"},
			Filters: []connectors.Filter{{Column: "nope", Op: connectors.OpIsNull}}}, connectors.ErrColumnNotFound},
		{"csv filter column", connectors.ScanRequest{Table: "a", Columns: []string{"x"},
			Filters: []connectors.Filter{{Column: "nope", Op: connectors.OpIsNull}}}, connectors.ErrColumnNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Scan(context.Background(), tt.req)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCollision(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "orders.csv", "a\n1\n")
	writeFile(t, dir, "Orders.jsonl", `{"a":1}`+"\n")
	writeFile(t, dir, "other.csv", "a\n1\n")
	c := newTestConnector(t, dir, nil)
	_, err := c.Tables(context.Background())
	if err == nil || !strings.Contains(err.Error(), "Orders.jsonl, orders.csv") {
		t.Fatalf("err = %v", err)
	}
	if _, err := c.Scan(context.Background(), connectors.ScanRequest{Table: "orders"}); err == nil {
		t.Fatal("scan of a colliding table succeeded")
	}
	drain(t, scan(t, c, connectors.ScanRequest{Table: "other"})) // unaffected
}

func TestBadDataAfterSample(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("n\n")
	for i := 0; i < sampleRows; i++ {
		b.WriteString("1\n")
	}
	b.WriteString("oops\n")
	writeFile(t, dir, "late.csv", b.String())
	c := newTestConnector(t, dir, nil)
	s := scan(t, c, connectors.ScanRequest{Table: "late"})
	defer s.Reader.Release()
	for s.Reader.Next() {
	}
	err := s.Reader.Err()
	if err == nil || !strings.Contains(err.Error(), `line 10002 column "n": "oops" is not a valid int64`) {
		t.Fatalf("err = %v", err)
	}
}

func TestSchemaCache(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "t.csv", "a\n1\n")
	c := newTestConnector(t, dir, nil)
	typeOfA := func() string {
		tables, err := c.Tables(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return tables[0].Schema.Field(0).Type.String()
	}
	if got := typeOfA(); got != "int64" {
		t.Fatalf("type = %s", got)
	}
	// Poison the cache: a hit must not re-read the file.
	c.mu.Lock()
	ct := c.cache[path]
	ct.info.rows = 42
	c.cache[path] = ct
	c.mu.Unlock()
	tables, _ := c.Tables(context.Background())
	if tables[0].RowCount != 42 {
		t.Fatal("Tables re-read an unchanged file")
	}
	writeFile(t, dir, "t.csv", "a\nx\ny\n")
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if got := typeOfA(); got != "utf8" {
		t.Fatalf("after change type = %s", got)
	}
}

// openFiles counts this process's open file descriptors.
func openFiles(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd")
	}
	return len(fds)
}

func TestEarlyReleaseAndCancel(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("a,b\n")
	for i := 0; i < 5000; i++ {
		b.WriteString(itoa(i) + ",v\n")
	}
	writeFile(t, dir, "big.csv", b.String())
	writeFile(t, dir, "big.jsonl", strings.Repeat(`{"a": 1}`+"\n", 5000))
	prunable10k(t, memory.NewGoAllocator(), filepath.Join(dir, "big.parquet"))
	// Distinct names for the three formats of the same data.
	must(t, os.Rename(filepath.Join(dir, "big.jsonl"), filepath.Join(dir, "bigj.jsonl")))
	must(t, os.Rename(filepath.Join(dir, "big.parquet"), filepath.Join(dir, "bigp.parquet")))
	c := newTestConnector(t, dir, map[string]any{"batch_rows": 100})

	for _, table := range []string{"big", "bigj", "bigp"} {
		t.Run(table+"/release", func(t *testing.T) {
			before, goroutines := openFiles(t), runtime.NumGoroutine()
			s := scan(t, c, connectors.ScanRequest{Table: table})
			if !s.Reader.Next() || !s.Reader.Next() {
				t.Fatal(s.Reader.Err())
			}
			s.Reader.Release() // mid-stream
			if after := openFiles(t); after != before {
				t.Errorf("open files %d -> %d", before, after)
			}
			if g := runtime.NumGoroutine(); g > goroutines {
				t.Errorf("goroutines %d -> %d", goroutines, g)
			}
		})
		t.Run(table+"/cancel", func(t *testing.T) {
			before := openFiles(t)
			ctx, cancel := context.WithCancel(context.Background())
			s, err := c.Scan(ctx, connectors.ScanRequest{Table: table})
			must(t, err)
			defer s.Reader.Release()
			if !s.Reader.Next() {
				t.Fatal(s.Reader.Err())
			}
			cancel()
			if s.Reader.Next() {
				t.Fatal("Next after cancel returned a batch")
			}
			if err := s.Reader.Err(); !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v", err)
			}
			if after := openFiles(t); after != before {
				t.Errorf("file still open after cancel: %d -> %d", before, after)
			}
		})
	}
	t.Run("limit closes the file", func(t *testing.T) {
		before := openFiles(t)
		s := scan(t, c, connectors.ScanRequest{Table: "big", Limit: 10})
		defer s.Reader.Release()
		if !s.Reader.Next() || s.Reader.RecordBatch().NumRows() != 10 {
			t.Fatal("want one batch of 10")
		}
		if after := openFiles(t); after != before {
			t.Errorf("file open after the limit was reached: %d -> %d", before, after)
		}
	})
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestConcurrentUse runs Tables and scans of every format at once; with
// -race it checks the connector's shared state (config, schema cache).
func TestConcurrentUse(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "people.csv", peopleCSV)
	writeFile(t, dir, "events.jsonl", peopleJSON)
	prunable10k(t, memory.NewGoAllocator(), filepath.Join(dir, "sales.parquet"))
	c := newTestConnector(t, dir, nil)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Go(func() {
			if _, err := c.Tables(context.Background()); err != nil {
				t.Error(err)
			}
			for _, table := range []string{"people", "events", "sales"} {
				s, err := c.Scan(context.Background(), connectors.ScanRequest{Table: table, Limit: 2})
				if err != nil {
					t.Error(err)
					return
				}
				for s.Reader.Next() {
				}
				if err := s.Reader.Err(); err != nil {
					t.Error(err)
				}
				s.Reader.Release()
			}
		})
	}
	wg.Wait()
}

// Parquet tables carry their file's location for the engine to read
// directly, unless direct_read is off; other formats never do.
func TestLocation(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.csv", "x\n1\n")
	b := array.NewInt64Builder(memory.DefaultAllocator)
	b.Append(1)
	col := b.NewArray()
	schema := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	writeParquet(t, filepath.Join(dir, "b.parquet"), array.NewRecordBatch(schema, []arrow.Array{col}, 1), 10)
	for _, direct := range []bool{true, false} {
		c := newTestConnector(t, dir, map[string]any{"direct_read": direct})
		tables, err := c.Tables(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if tables[0].Location != nil {
			t.Errorf("csv has a location: %+v", tables[0].Location)
		}
		loc := tables[1].Location
		switch {
		case direct && (loc == nil || loc.Format != "parquet" || loc.Path != filepath.Join(dir, "b.parquet")):
			t.Errorf("direct_read: location %+v", loc)
		case !direct && loc != nil:
			t.Errorf("direct_read false: location %+v", loc)
		}
	}
}
