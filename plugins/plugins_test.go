package plugins_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/plugins"
)

// newSource returns a Source running this test binary as its plugin; it is
// closed when the test ends.
func newSource(t testing.TB, opts map[string]any) *plugins.Source {
	t.Helper()
	s := plugins.NewSource(plugins.Launch{
		Source:  "test",
		Command: []string{os.Args[0]},
		Options: opts,
		Logger:  testLogger(t),
	})
	t.Cleanup(func() { s.Close() })
	return s
}

// testLogger logs warnings and errors through t, so a failing test shows
// what the plugin said.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// readAll drains a scan; the reader is released.
func readAll(t testing.TB, scan *connectors.Scan) ([]arrow.RecordBatch, error) {
	t.Helper()
	defer scan.Reader.Release()
	var recs []arrow.RecordBatch
	for scan.Reader.Next() {
		rec := scan.Reader.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	t.Cleanup(func() {
		for _, r := range recs {
			r.Release()
		}
	})
	return recs, scan.Reader.Err()
}

func rows(recs []arrow.RecordBatch) int64 {
	var n int64
	for _, r := range recs {
		n += r.NumRows()
	}
	return n
}

func TestInfoAndTables(t *testing.T) {
	t.Parallel()
	s := newSource(t, nil)
	if pid := s.PID(); pid != 0 {
		t.Fatalf("NewSource started a process (pid %d)", pid)
	}
	info, err := s.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := plugins.Info{ProtocolVersion: 1, Name: "test", Version: "0.1.0",
		Capabilities: plugins.Capabilities{Projection: true, Filters: true, Limit: true}}
	if info != want {
		t.Errorf("Info = %+v, want %+v", info, want)
	}
	tables, err := s.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 7 || tables[0].Name != "types" || tables[0].RowCount != 1000 || tables[2].RowCount != -1 {
		t.Fatalf("Tables = %v", tables)
	}
	if loc := tables[1].Location; loc == nil || *loc != (connectors.Location{Format: "parquet", Path: "/data/bench.parquet"}) || tables[0].Location != nil {
		t.Errorf("locations: %+v, %+v", tables[0].Location, tables[1].Location)
	}
	if !tables[0].Schema.Equal(typesSchema) {
		t.Errorf("schema of types:\n got %s\nwant %s", tables[0].Schema, typesSchema)
	}
}

// TestRoundTrip compares every batch read through the plugin with the same
// batch built in-process: all types, nulls, batch boundaries.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	s := newSource(t, map[string]any{"rows": 1000, "batch": 128})
	scan, err := s.Scan(context.Background(), connectors.ScanRequest{Table: "types"})
	if err != nil {
		t.Fatal(err)
	}
	if scan.Exact != nil {
		t.Errorf("Exact = %v without filters, want nil", scan.Exact)
	}
	if !scan.Reader.Schema().Equal(typesSchema) {
		t.Fatalf("schema:\n got %s\nwant %s", scan.Reader.Schema(), typesSchema)
	}
	recs, err := readAll(t, scan)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 8 || rows(recs) != 1000 {
		t.Fatalf("got %d batches, %d rows; want 8, 1000", len(recs), rows(recs))
	}
	for i, got := range recs {
		want := buildTypes(memory.DefaultAllocator, int64(i)*128, min(int64(i+1)*128, 1000))
		if !array.RecordEqual(got, want) {
			t.Errorf("batch %d differs:\n got %v\nwant %v", i, got, want)
		}
		want.Release()
	}
	if n := recs[0].Column(0).NullN(); n == 0 {
		t.Error("no nulls arrived")
	}
}

func TestProjectionAndLimit(t *testing.T) {
	t.Parallel()
	s := newSource(t, map[string]any{"rows": 1000, "batch": 100})
	tests := []struct {
		name    string
		columns []string
		limit   int64
		rows    int64
	}{
		{"all", nil, 0, 1000},
		{"limit inside a batch", nil, 250, 250},
		{"limit on a boundary", nil, 300, 300},
		{"limit above rows", nil, 5000, 1000},
		{"projection reordered", []string{"s", "i64", "dec"}, 0, 1000},
		{"projection and limit", []string{"tstz"}, 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scan, err := s.Scan(context.Background(), connectors.ScanRequest{Table: "types", Columns: tt.columns, Limit: tt.limit})
			if err != nil {
				t.Fatal(err)
			}
			schema := scan.Reader.Schema()
			recs, err := readAll(t, scan)
			if err != nil {
				t.Fatal(err)
			}
			if got := rows(recs); got != tt.rows {
				t.Errorf("rows = %d, want %d", got, tt.rows)
			}
			if tt.columns == nil {
				return
			}
			var names []string
			for _, f := range schema.Fields() {
				names = append(names, f.Name)
			}
			if strings.Join(names, ",") != strings.Join(tt.columns, ",") {
				t.Errorf("columns = %v, want %v", names, tt.columns)
			}
			for _, r := range recs {
				if !r.Schema().Equal(schema) {
					t.Errorf("batch schema %s, reader schema %s", r.Schema(), schema)
				}
			}
		})
	}
}

// TestFilterValues checks that every kind of typed value arrives as the
// same Go value, and that the exact flags come back in order.
func TestFilterValues(t *testing.T) {
	t.Parallel()
	s := newSource(t, nil)
	filters := []connectors.Filter{
		{Column: "a", Op: connectors.OpEq, Values: []any{int64(-42)}},
		{Column: "b", Op: connectors.OpIn, Values: []any{nil, true, uint64(1 << 63), 2.5, "x'y", []byte{0, 1}}},
		{Column: "c", Op: connectors.OpGe, Values: []any{connectors.Decimal("-12.50")}},
		{Column: "d", Op: connectors.OpLt, Values: []any{connectors.Date(19000)}},
		{Column: "e", Op: connectors.OpNe, Values: []any{connectors.Timestamp(-1)}},
		{Column: "f", Op: connectors.OpIsNull},
		{Column: "g", Op: connectors.OpLike, Values: []any{`a\%b_`}},
		{Column: "h", Op: connectors.OpIsNotNull},
		{Column: "i", Op: connectors.OpLe, Values: []any{0.0}},
		{Column: "j", Op: connectors.OpGt, Values: []any{""}},
	}
	scan, err := s.Scan(context.Background(), connectors.ScanRequest{Table: "echo", Filters: filters})
	if err != nil {
		t.Fatal(err)
	}
	wantExact := []bool{true, false, true, false, true, false, true, false, true, false}
	if fmt.Sprint(scan.Exact) != fmt.Sprint(wantExact) {
		t.Errorf("Exact = %v, want %v", scan.Exact, wantExact)
	}
	recs, err := readAll(t, scan)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			got = append(got, fmt.Sprintf("%d %s %s %s", r.Column(0).(*array.Int64).Value(i),
				r.Column(1).(*array.String).Value(i), r.Column(2).(*array.String).Value(i), r.Column(3).(*array.String).Value(i)))
		}
	}
	want := []string{
		"0 a = int64 -42",
		"1 b IN <nil> <nil>",
		"1 b IN bool true",
		"1 b IN uint64 9223372036854775808",
		"1 b IN float64 2.5",
		"1 b IN string x'y",
		"1 b IN []uint8 [0 1]",
		"2 c >= connectors.Decimal -12.50",
		"3 d < connectors.Date 19000",
		"4 e <> connectors.Timestamp -1",
		"5 f IS NULL string <none>",
		`6 g LIKE string a\%b_`,
		"7 h IS NOT NULL string <none>",
		"8 i <= float64 0",
		"9 j > string ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("filters received:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	s := newSource(t, nil)
	tests := []struct {
		name string
		req  connectors.ScanRequest
		want error
	}{
		{"unknown table", connectors.ScanRequest{Table: "nope"}, connectors.ErrTableNotFound},
		{"unknown column (connector)", connectors.ScanRequest{Table: "types", Columns: []string{"nope"}}, connectors.ErrColumnNotFound},
		{"unknown column (SDK)", connectors.ScanRequest{Table: "types", Columns: []string{"i8", "zzz"}}, connectors.ErrColumnNotFound},
		{"unsupported", connectors.ScanRequest{Table: "unsupported"}, connectors.ErrUnsupported},
		{"unsupported filter value", connectors.ScanRequest{Table: "echo", Filters: []connectors.Filter{
			{Column: "a", Op: connectors.OpEq, Values: []any{struct{}{}}}}}, connectors.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scan, err := s.Scan(context.Background(), tt.req)
			if err == nil {
				scan.Reader.Release()
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("error %q is not %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), `source "test"`) {
				t.Errorf("error %q does not name the source", err)
			}
		})
	}
}

func TestInvalidOptions(t *testing.T) {
	t.Parallel()
	s := newSource(t, map[string]any{"bogus": 1})
	_, err := s.Tables(context.Background())
	if !errors.Is(err, connectors.ErrInvalidOptions) || !strings.Contains(err.Error(), `source "test"`) {
		t.Fatalf("Tables with bad options: %v", err)
	}
	if s.PID() != 0 {
		t.Error("process of a failed start still running")
	}
}

func TestStartFailure(t *testing.T) {
	t.Parallel()
	s := plugins.NewSource(plugins.Launch{Source: "ghost", Command: []string{"/nonexistent/plugin"}, Logger: testLogger(t)})
	defer s.Close()
	_, err := s.Tables(context.Background())
	if !errors.Is(err, connectors.ErrUnavailable) || !strings.Contains(err.Error(), `source "ghost"`) {
		t.Fatalf("got %v", err)
	}
}

// TestKillMidScan kills the plugin while a scan streams: the reader fails
// with ErrUnavailable naming the source, and the next call runs on a new
// process.
func TestKillMidScan(t *testing.T) {
	t.Parallel()
	s := newSource(t, map[string]any{"rows": 100000, "batch": 10, "sleep_ms": 20})
	scan, err := s.Scan(context.Background(), connectors.ScanRequest{Table: "types"})
	if err != nil {
		t.Fatal(err)
	}
	defer scan.Reader.Release()
	if !scan.Reader.Next() {
		t.Fatalf("no first batch: %v", scan.Reader.Err())
	}
	pid := s.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for scan.Reader.Next() {
	}
	err = scan.Reader.Err()
	if !errors.Is(err, connectors.ErrUnavailable) {
		t.Fatalf("reader error %v is not ErrUnavailable", err)
	}
	if !strings.Contains(err.Error(), `source "test": plugin process exited`) {
		t.Errorf("reader error %q does not say the process exited", err)
	}
	t.Logf("error after kill: %v", err)

	if _, err := s.Tables(context.Background()); err != nil {
		t.Fatalf("Tables after restart: %v", err)
	}
	if p := s.PID(); p == 0 || p == pid {
		t.Errorf("pid after restart = %d, was %d", p, pid)
	}
	scan2, err := s.Scan(context.Background(), connectors.ScanRequest{Table: "types", Limit: 25})
	if err != nil {
		t.Fatal(err)
	}
	if recs, err := readAll(t, scan2); err != nil || rows(recs) != 25 {
		t.Fatalf("scan after restart: %d rows, %v", rows(recs), err)
	}
}

// countingHandler counts "plugin started" records.
type countingHandler struct {
	slog.Handler
	starts *atomic.Int64
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "plugin started" {
		h.starts.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return countingHandler{h.Handler.WithAttrs(as), h.starts}
}

// TestRestartOnce kills the process, then lets many callers notice at once:
// exactly one new process starts and every call succeeds.
func TestRestartOnce(t *testing.T) {
	t.Parallel()
	var starts atomic.Int64
	s := plugins.NewSource(plugins.Launch{
		Source: "test", Command: []string{os.Args[0]},
		Logger: slog.New(countingHandler{slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}), &starts}),
	})
	defer s.Close()
	ctx := context.Background()
	if _, err := s.Tables(ctx); err != nil {
		t.Fatal(err)
	}
	pid := s.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); s.PID() != 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("death not noticed")
		}
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := s.Tables(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := starts.Load(); n != 2 {
		t.Errorf("%d process starts, want 2", n)
	}
}

// TestPanic: a panic in the connector fails that call only.
func TestPanic(t *testing.T) {
	t.Parallel()
	s := newSource(t, map[string]any{"batch": 100})
	ctx := context.Background()
	if _, err := s.Tables(ctx); err != nil {
		t.Fatal(err)
	}
	pid := s.PID()

	_, err := s.Scan(ctx, connectors.ScanRequest{Table: "panic_scan"})
	if err == nil || !strings.Contains(err.Error(), "boom in Scan") || !strings.Contains(err.Error(), `source "test"`) {
		t.Errorf("Scan of panic_scan: %v", err)
	}

	// The SDK reads the connector while it sends, so the panic in Next may
	// come before the scan's header (an error from Scan) or after it (an
	// error from the reader): either way that call fails, nothing else.
	var recs []arrow.RecordBatch
	scan, err := s.Scan(ctx, connectors.ScanRequest{Table: "panic_next"})
	if err == nil {
		recs, err = readAll(t, scan)
	}
	if err == nil || !strings.Contains(err.Error(), "boom in Next") || errors.Is(err, connectors.ErrUnavailable) {
		t.Errorf("reading panic_next: %d rows, err %v", rows(recs), err)
	}

	if s.PID() != pid {
		t.Errorf("process changed after panics: %d -> %d", pid, s.PID())
	}
	scan, err = s.Scan(ctx, connectors.ScanRequest{Table: "types"})
	if err != nil {
		t.Fatal(err)
	}
	if recs, err := readAll(t, scan); err != nil || rows(recs) != 1000 {
		t.Errorf("scan after panics: %d rows, %v", rows(recs), err)
	}
}

func TestConcurrentScans(t *testing.T) {
	t.Parallel()
	s := newSource(t, map[string]any{"rows": 5000, "batch": 64})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			req := connectors.ScanRequest{Table: "types"}
			if i%2 == 1 {
				req.Columns, req.Limit = []string{"s", "i64"}, int64(100*i)
			}
			scan, err := s.Scan(context.Background(), req)
			if err != nil {
				t.Error(err)
				return
			}
			recs, err := readAll(t, scan)
			want := int64(5000)
			if req.Limit > 0 {
				want = req.Limit
			}
			if err != nil || rows(recs) != want {
				t.Errorf("scan %d: %d rows, want %d, err %v", i, rows(recs), want, err)
			}
		})
	}
	wg.Wait()
}

// TestCancel: cancelling the caller's context ends the read with the
// context's error, not ErrUnavailable, and the process stays.
func TestCancel(t *testing.T) {
	t.Parallel()
	s := newSource(t, map[string]any{"rows": 100000, "batch": 10, "sleep_ms": 10})
	ctx, cancel := context.WithCancel(context.Background())
	scan, err := s.Scan(ctx, connectors.ScanRequest{Table: "types"})
	if err != nil {
		t.Fatal(err)
	}
	pid := s.PID()
	scan.Reader.Next()
	cancel()
	for scan.Reader.Next() {
	}
	scan.Reader.Release()
	if err := scan.Reader.Err(); !errors.Is(err, context.Canceled) || errors.Is(err, connectors.ErrUnavailable) {
		t.Errorf("error after cancel: %v", err)
	}
	if s.PID() != pid {
		t.Error("process restarted after a cancel")
	}
}

// TestEarlyReleaseNoLeak releases readers mid-stream; goroutines on both
// sides return to their baseline. Not parallel: it counts the host's
// goroutines (parallel tests run only after it).
func TestEarlyReleaseNoLeak(t *testing.T) {
	s := newSource(t, map[string]any{"rows": 1_000_000, "batch": 100, "sleep_ms": 1})
	ctx := context.Background()
	pluginGoroutines := func() int64 {
		scan, err := s.Scan(ctx, connectors.ScanRequest{Table: "goroutines"})
		if err != nil {
			t.Fatal(err)
		}
		recs, err := readAll(t, scan)
		if err != nil || len(recs) != 1 {
			t.Fatalf("goroutines: %v", err)
		}
		return recs[0].Column(0).(*array.Int64).Value(0)
	}
	pluginBase := pluginGoroutines()
	hostBase := runtime.NumGoroutine()

	for range 20 {
		scan, err := s.Scan(ctx, connectors.ScanRequest{Table: "types"})
		if err != nil {
			t.Fatal(err)
		}
		for range 3 {
			if !scan.Reader.Next() {
				t.Fatal(scan.Reader.Err())
			}
		}
		scan.Reader.Release()
	}

	settled := func(get func() int64, base int64) (int64, bool) {
		var n int64
		for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if n = get(); n <= base {
				return n, true
			}
		}
		return n, false
	}
	if n, ok := settled(func() int64 { return int64(runtime.NumGoroutine()) }, int64(hostBase)); !ok {
		var buf bytes.Buffer
		buf.Grow(1 << 16)
		stack := make([]byte, 1<<20)
		buf.Write(stack[:runtime.Stack(stack, true)])
		t.Errorf("host goroutines: %d, baseline %d\n%s", n, hostBase, buf.String())
	}
	if n, ok := settled(pluginGoroutines, pluginBase); !ok {
		t.Errorf("plugin goroutines: %d, baseline %d", n, pluginBase)
	}
}

func TestClose(t *testing.T) {
	t.Parallel()
	s := newSource(t, nil)
	if _, err := s.Tables(context.Background()); err != nil {
		t.Fatal(err)
	}
	pid := s.PID()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.PID() != 0 {
		t.Error("PID after Close")
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("process %d still alive after Close", pid)
	}
	if _, err := s.Tables(context.Background()); !errors.Is(err, connectors.ErrUnavailable) {
		t.Errorf("Tables after Close: %v", err)
	}
}

func TestExplainScan(t *testing.T) {
	s := newSource(t, nil)
	req := connectors.ScanRequest{Table: "echo", Columns: []string{"a"}, Limit: 3,
		Filters: []connectors.Filter{{Column: "a", Op: connectors.OpEq, Values: []any{"x'y"}}}}
	got, err := s.ExplainScan(context.Background(), req)
	if err != nil || got != "SELECT [a] FROM echo WHERE [a = \"x'y\"] LIMIT 3" {
		t.Fatalf("ExplainScan = %q, %v", got, err)
	}
	if _, err := s.ExplainScan(context.Background(), connectors.ScanRequest{Table: "types"}); !errors.Is(err, connectors.ErrUnsupported) {
		t.Fatalf("unsupported explain: %v", err)
	}
}
