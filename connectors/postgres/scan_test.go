package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/internal/testdb"
)

func TestOptions(t *testing.T) {
	dsn := "postgres://u:pw@127.0.0.1:5432/db"
	cases := []struct {
		name    string
		opts    map[string]any
		wantErr string // "" means success
	}{
		{"minimal", map[string]any{"dsn": dsn}, ""},
		{"all, numbers as int", map[string]any{"dsn": dsn, "schema": "s", "pool_size": 2, "batch_rows": 10, "statement_timeout": "30s"}, ""},
		{"numbers as int64", map[string]any{"dsn": dsn, "pool_size": int64(2), "batch_rows": int64(5)}, ""},
		{"numbers as uint64", map[string]any{"dsn": dsn, "pool_size": uint64(2), "batch_rows": uint64(5)}, ""},
		{"numbers as float64", map[string]any{"dsn": dsn, "pool_size": 2.0, "batch_rows": 100.0}, ""},
		{"missing dsn", map[string]any{}, `"dsn"`},
		{"unknown key", map[string]any{"dsn": dsn, "shema": "x"}, `"shema"`},
		{"dsn not a string", map[string]any{"dsn": 5}, `"dsn"`},
		{"bad dsn", map[string]any{"dsn": "postgres://u:hunter2@host:notaport/db"}, `"dsn"`},
		{"pool_size zero", map[string]any{"dsn": dsn, "pool_size": 0}, `"pool_size"`},
		{"pool_size fraction", map[string]any{"dsn": dsn, "pool_size": 1.5}, `"pool_size"`},
		{"batch_rows string", map[string]any{"dsn": dsn, "batch_rows": "10"}, `"batch_rows"`},
		{"batch_rows huge", map[string]any{"dsn": dsn, "batch_rows": 1 << 30}, `"batch_rows"`},
		{"statement_timeout number", map[string]any{"dsn": dsn, "statement_timeout": 30}, `"statement_timeout"`},
		{"statement_timeout bad", map[string]any{"dsn": dsn, "statement_timeout": "soon"}, `"statement_timeout"`},
		{"statement_timeout negative", map[string]any{"dsn": dsn, "statement_timeout": "-1s"}, `"statement_timeout"`},
		{"schema empty", map[string]any{"dsn": dsn, "schema": ""}, `"schema"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := New().Configure(context.Background(), tc.opts)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, connectors.ErrInvalidOptions) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("got %v, want ErrInvalidOptions naming %s", err, tc.wantErr)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("password in error: %v", err)
			}
		})
	}
	if _, err := New().Tables(context.Background()); !errors.Is(err, connectors.ErrInvalidOptions) {
		t.Errorf("unconfigured Tables: %v", err)
	}
}

func TestDiscovery(t *testing.T) {
	schema, admin := newSchema(t,
		"CREATE DOMAIN posint AS integer NOT NULL CHECK (VALUE > 0)",
		"CREATE TABLE big (id bigint PRIMARY KEY, name text NOT NULL, note varchar(20), qty posint)",
		"INSERT INTO big SELECT g, 'n' || g, NULL, g FROM generate_series(1, 1000) g",
		"ANALYZE big",
		"CREATE TABLE fresh (a int)",
		"ALTER TABLE big DROP COLUMN note", // dropped columns are not listed
		"ALTER TABLE big ADD COLUMN extra date",
		"CREATE VIEW v AS SELECT id, name FROM big",
		"CREATE MATERIALIZED VIEW mv AS SELECT id * 2 AS twice FROM big",
		"CREATE SEQUENCE seq", // not a table
		"CREATE INDEX big_name ON big (name)")
	// Other schemas do not leak in.
	exec(t, admin, "CREATE TABLE public.elsewhere_"+schema+" (x int)")
	t.Cleanup(func() { exec(t, admin, "DROP TABLE public.elsewhere_"+schema) })
	c := newConnector(t, schema, nil)
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
	if want := []string{"big", "fresh", "mv", "v"}; !slices.Equal(names, want) {
		t.Fatalf("tables %v, want %v", names, want)
	}
	wantSchema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int32},
		{Name: "extra", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	}, nil)
	if !got["big"].Schema.Equal(wantSchema) {
		t.Errorf("big schema:\n%s\nwant\n%s", got["big"].Schema, wantSchema)
	}
	if got["big"].RowCount != 1000 {
		t.Errorf("big RowCount %d, want 1000 after ANALYZE", got["big"].RowCount)
	}
	if got["fresh"].RowCount != -1 {
		t.Errorf("fresh RowCount %d, want -1 (never analyzed)", got["fresh"].RowCount)
	}
	if f := got["v"].Schema.Field(0); !f.Nullable || f.Name != "id" {
		t.Errorf("view column: %+v (view columns are nullable)", f)
	}
	if n := got["mv"].Schema.NumFields(); n != 1 {
		t.Errorf("mv has %d fields", n)
	}
}

func TestScanErrors(t *testing.T) {
	schema, _ := newSchema(t, "CREATE TABLE t (a int, \"B\" int)", "INSERT INTO t VALUES (1, 2)")
	c := newConnector(t, schema, nil)
	ctx := context.Background()
	if _, err := c.Scan(ctx, connectors.ScanRequest{Table: "nope"}); !errors.Is(err, connectors.ErrTableNotFound) {
		t.Errorf("unknown table: %v", err)
	}
	if _, err := c.Scan(ctx, connectors.ScanRequest{Table: "t", Columns: []string{"zz"}}); !errors.Is(err, connectors.ErrColumnNotFound) {
		t.Errorf("unknown column: %v", err)
	}
	_, err := c.Scan(ctx, connectors.ScanRequest{Table: "t", Filters: []connectors.Filter{{Column: "zz", Op: connectors.OpIsNull}}})
	if !errors.Is(err, connectors.ErrColumnNotFound) {
		t.Errorf("unknown filter column: %v", err)
	}
	// Names are matched exactly first, then case-insensitively.
	rows := drain(t, scan(t, c, connectors.ScanRequest{Table: "T", Columns: []string{"b", "A"}}))
	if fmt.Sprint(rows) != "[[2 1]]" {
		t.Errorf("case-insensitive names: %v", rows)
	}
}

func TestProjectionAndLimit(t *testing.T) {
	schema, _ := newSchema(t,
		"CREATE TABLE t (id int, s text, f float8)",
		"INSERT INTO t SELECT g, 's' || g, g / 2.0 FROM generate_series(1, 10) g")
	c := newConnector(t, schema, map[string]any{"batch_rows": 3})
	s := scan(t, c, connectors.ScanRequest{Table: "t", Columns: []string{"f", "id", "f"}})
	if got := s.Reader.Schema().String(); !strings.Contains(got, "f: type=float64") || s.Reader.Schema().Field(1).Name != "id" {
		t.Errorf("schema %s", got)
	}
	rows := drain(t, s)
	if len(rows) != 10 || fmt.Sprint(rows[3]) != "[2 4 2]" {
		t.Errorf("rows %v", rows)
	}
	s = scan(t, c, connectors.ScanRequest{Table: "t", Columns: []string{"id"}, Limit: 4})
	if rows := drain(t, s); len(rows) != 4 {
		t.Errorf("limit 4: %d rows", len(rows))
	}
	want := fmt.Sprintf(`SELECT "id" FROM "%s"."t" LIMIT $1::int8`, schema)
	if !slices.ContainsFunc(statements(t), func(s string) bool { return strings.HasSuffix(s, want) }) {
		t.Errorf("no statement %q in the server log", want)
	}
}

// TestFilters checks each operator: the SQL the server received, the
// rows, and the exactness reported.
func TestFilters(t *testing.T) {
	schema, _ := newSchema(t,
		"CREATE TABLE f (id int, i bigint, s text, d date, ts timestamp, tz timestamptz, n numeric(10,2), b bool, by bytea, fl float8, r real, cc char(3), u uuid, sm smallint)",
		`INSERT INTO f VALUES
		 (1, 10, 'apple',  '2024-01-01', '2024-01-01 10:00', '2024-01-01 10:00+00', 1.50, true,  '\x01', 0.5, 0.5, 'a', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 1),
		 (2, 20, 'banana', '2024-06-01', '2024-06-01 10:00', '2024-06-01 10:00+00', 2.50, false, '\x02', 1.5, 1.5, 'b', NULL, 2),
		 (3, 30, 'a_b%c',  '2025-01-01', '2025-01-01 10:00', '2025-01-01 10:00+00', 3.50, NULL,  '\x03', 2.5, 2.5, 'c', NULL, 3),
		 (4, NULL, NULL,   NULL,         NULL,               NULL,                  NULL, NULL,  NULL,   NULL, NULL, NULL, NULL, NULL)`)
	c := newConnector(t, schema, nil)
	day := func(s string) connectors.Date {
		tm, _ := time.Parse("2006-01-02", s)
		return connectors.Date(tm.Unix() / 86400)
	}
	ts := func(s string) connectors.Timestamp {
		tm, _ := time.Parse("2006-01-02 15:04", s)
		return connectors.Timestamp(tm.UnixMicro())
	}
	f := func(col string, op connectors.Op, vals ...any) connectors.Filter {
		return connectors.Filter{Column: col, Op: op, Values: vals}
	}
	cases := []struct {
		filter connectors.Filter
		sql    string // expected WHERE clause; "" means not pushed
		want   []int32
		exact  bool
	}{
		{f("i", connectors.OpEq, int64(20)), `"i" = $1::int8`, []int32{2}, true},
		{f("i", connectors.OpNe, int64(20)), `"i" <> $1::int8`, []int32{1, 3}, true},
		{f("i", connectors.OpLt, int64(20)), `"i" < $1::int8`, []int32{1}, true},
		{f("i", connectors.OpLe, int64(20)), `"i" <= $1::int8`, []int32{1, 2}, true},
		{f("i", connectors.OpGt, int64(20)), `"i" > $1::int8`, []int32{3}, true},
		{f("i", connectors.OpGe, int64(20)), `"i" >= $1::int8`, []int32{2, 3}, true},
		{f("i", connectors.OpIn, int64(10), int64(30), int64(99)), `"i" IN ($1::int8,$2::int8,$3::int8)`, []int32{1, 3}, true},
		{f("i", connectors.OpIn, manyInts(10, 30)...), `"i" = ANY($1::int8[])`, []int32{1, 3}, true}, // a dynamic filter's long list
		{f("sm", connectors.OpIn, manyInts(2, 3)...), `"sm" = ANY($1::int2[])`, []int32{2, 3}, true},
		{f("s", connectors.OpIn, append(manyStrings(), "apple")...), `"s" = ANY($1::text[])`, []int32{1}, true},
		{f("i", connectors.OpIsNull), `"i" IS NULL`, []int32{4}, true},
		{f("i", connectors.OpIsNotNull), `"i" IS NOT NULL`, []int32{1, 2, 3}, true},
		{f("i", connectors.OpGt, uint64(1<<63)), `"i" > $1::numeric`, nil, true},
		{f("i", connectors.OpGt, 15.5), `"i" > $1::float8`, []int32{2, 3}, false},
		{f("sm", connectors.OpLt, int64(100000)), `"sm" < $1::int8`, []int32{1, 2, 3}, true}, // no smallint overflow
		{f("s", connectors.OpEq, "banana"), `"s" = $1::text`, []int32{2}, true},
		{f("s", connectors.OpIn, "apple", "kiwi"), `"s" IN ($1::text,$2::text)`, []int32{1}, true},
		{f("s", connectors.OpGt, "b"), `"s" > $1::text`, []int32{2}, false},
		{f("s", connectors.OpLike, "a%"), `"s" LIKE $1::text ESCAPE E'\\'`, []int32{1, 3}, false},
		{f("s", connectors.OpLike, `a\_b\%c`), `"s" LIKE $1::text ESCAPE E'\\'`, []int32{3}, false},
		{f("s", connectors.OpLike, `a_b%`), `"s" LIKE $1::text ESCAPE E'\\'`, []int32{3}, false},
		{f("s", connectors.OpLike, `abc\`), "", []int32{1, 2, 3, 4}, false}, // PostgreSQL rejects a trailing escape
		{f("d", connectors.OpGe, day("2024-06-01")), `"d" >= $1::date`, []int32{2, 3}, true},
		{f("ts", connectors.OpLt, ts("2024-06-01 10:00")), `"ts" < $1::timestamp`, []int32{1}, true},
		{f("tz", connectors.OpEq, ts("2024-06-01 10:00")), `"tz" = $1::timestamptz`, []int32{2}, true},
		{f("n", connectors.OpGt, connectors.Decimal("2.5")), `"n" > $1::numeric`, []int32{3}, true},
		{f("n", connectors.OpEq, connectors.Decimal("not a number")), "", []int32{1, 2, 3, 4}, false},
		{f("b", connectors.OpEq, true), `"b" = $1::bool`, []int32{1}, true},
		{f("by", connectors.OpGe, []byte{2}), `"by" >= $1::bytea`, []int32{2, 3}, true},
		{f("fl", connectors.OpLe, 1.5), `"fl" <= $1::float8`, []int32{1, 2}, true},
		{f("r", connectors.OpEq, 1.5), "", []int32{1, 2, 3, 4}, false},             // real: not pushed
		{f("cc", connectors.OpEq, "a"), `"cc"::text = $1::text`, []int32{1}, true}, // char(n) as the text a scan returns
		{f("cc", connectors.OpEq, "a "), `"cc"::text = $1::text`, nil, true},       // (no padding), as DuckDB compares it
		{f("cc", connectors.OpIn, "a", "c"), `"cc"::text IN ($1::text,$2::text)`, []int32{1, 3}, true},
		{f("u", connectors.OpEq, "not-a-uuid"), "", []int32{1, 2, 3, 4}, false},
		{f("u", connectors.OpIsNotNull), `"u" IS NOT NULL`, []int32{1}, true},
		{f("i", connectors.OpEq, "20"), "", []int32{1, 2, 3, 4}, false}, // mismatched value type
		{f("i", connectors.OpEq, nil), "", []int32{1, 2, 3, 4}, false},
		{f("i", connectors.OpIn), "", []int32{1, 2, 3, 4}, false},
	}
	for _, tc := range cases {
		t.Run(tc.filter.String(), func(t *testing.T) {
			s := scan(t, c, connectors.ScanRequest{Table: "f", Columns: []string{"id"}, Filters: []connectors.Filter{tc.filter}})
			exact := s.Exact[0]
			got := ids(drain(t, s))
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("rows %v, want %v", got, tc.want)
			}
			if exact != tc.exact {
				t.Errorf("exact %v, want %v", exact, tc.exact)
			}
			want := fmt.Sprintf(`SELECT "id" FROM "%s"."f"`, schema)
			if tc.sql != "" {
				want += " WHERE " + tc.sql
			}
			if !slices.ContainsFunc(statements(t), func(s string) bool { return strings.HasSuffix(s, ": "+want) }) {
				t.Errorf("no statement %q in the server log", want)
			}
		})
	}
	// Several filters are ANDed, parameters numbered in order, limit last.
	s := scan(t, c, connectors.ScanRequest{Table: "f", Columns: []string{"id"}, Limit: 5, Filters: []connectors.Filter{
		f("i", connectors.OpGe, int64(10)), f("r", connectors.OpEq, 9.0), f("s", connectors.OpIn, "apple", "banana")}})
	if !slices.Equal(s.Exact, []bool{true, false, true}) {
		t.Errorf("exact %v", s.Exact)
	}
	if got := ids(drain(t, s)); len(got) != 2 {
		t.Errorf("rows %v", got)
	}
	want := fmt.Sprintf(`SELECT "id" FROM "%s"."f" WHERE "i" >= $1::int8 AND "s" IN ($2::text,$3::text) LIMIT $4::int8`, schema)
	if !slices.ContainsFunc(statements(t), func(s string) bool { return strings.HasSuffix(s, ": "+want) }) {
		t.Errorf("no statement %q in the server log", want)
	}
}

// injectionCorpus holds filter values that would break naive SQL.
var injectionCorpus = []string{
	"'", "''", `\`, `\'`, "%", "_", "a%b_c", `'; DROP TABLE victims; --`, `" OR 1=1 --`,
	"$1", "$$ dollar $$", "E'\\x41'", "ünïcødé ✓ 日本 🎉", "line\nbreak", "tab\tx", "ends with \\",
}

func TestInjectionCorpus(t *testing.T) {
	schema, admin := newSchema(t, "CREATE TABLE victims (id int, s text)")
	for i, v := range injectionCorpus {
		exec(t, admin, fmt.Sprintf("INSERT INTO %s.victims VALUES ($1, $2)", quoteIdent(schema)), i, v)
	}
	c := newConnector(t, schema, nil)
	for i, v := range injectionCorpus {
		for _, op := range []connectors.Op{connectors.OpEq, connectors.OpIn, connectors.OpLike, connectors.OpGe} {
			s := scan(t, c, connectors.ScanRequest{Table: "victims", Columns: []string{"id", "s"},
				Filters: []connectors.Filter{{Column: "s", Op: op, Values: []any{v}}}})
			rows := drain(t, s)
			found := slices.ContainsFunc(rows, func(r []any) bool { return r[0].(int32) == int32(i) && r[1] == v })
			if op != connectors.OpLike && !found {
				t.Errorf("%s %q: row %d missing from %v", op, v, i, rows)
			}
			if (op == connectors.OpEq || op == connectors.OpIn) && len(rows) != 1 {
				t.Errorf("%s %q: %d rows, want 1", op, v, len(rows))
			}
		}
	}
	// NUL is not a PostgreSQL text character: the filter is not pushed
	// (left to the planner) instead of failing the query.
	s := scan(t, c, connectors.ScanRequest{Table: "victims", Filters: []connectors.Filter{{Column: "s", Op: connectors.OpEq, Values: []any{"a\x00b"}}}})
	if s.Exact[0] {
		t.Error("NUL filter reported exact")
	}
	if n := len(drain(t, s)); n != len(injectionCorpus) {
		t.Errorf("NUL filter: %d rows", n)
	}
	// No value became SQL text: every statement on victims is a template.
	for _, st := range statements(t) {
		if strings.Contains(st, `"victims"`) && (strings.Contains(st, "DROP") || strings.Contains(st, "OR 1=1") || strings.Contains(st, "ünï")) {
			t.Errorf("value in SQL text: %s", st)
		}
	}
	var n int
	if err := admin.QueryRow(context.Background(), "SELECT count(*) FROM "+quoteIdent(schema)+".victims").Scan(&n); err != nil || n != len(injectionCorpus) {
		t.Errorf("victims: %d rows, %v", n, err)
	}
}

func TestHostileIdentifiers(t *testing.T) {
	table, col := `we"ird; tab le`, `c"ol; x --`
	schema, _ := newSchema(t,
		fmt.Sprintf(`CREATE TABLE %s (id int, %s text, "sp ace" int)`, quoteIdent(table), quoteIdent(col)),
		fmt.Sprintf(`INSERT INTO %s VALUES (1, 'x', 10), (2, 'y"', 20)`, quoteIdent(table)))
	c := newConnector(t, schema, nil)
	tables, err := c.Tables(context.Background())
	if err != nil || len(tables) != 1 || tables[0].Name != table {
		t.Fatalf("tables %v %v", tables, err)
	}
	rows := drain(t, scan(t, c, connectors.ScanRequest{Table: table, Columns: []string{"sp ace", col},
		Filters: []connectors.Filter{{Column: col, Op: connectors.OpEq, Values: []any{`y"`}}}}))
	if fmt.Sprint(rows) != `[[20 y"]]` {
		t.Errorf("rows %v", rows)
	}
}

// TestEarlyRelease releases a reader mid-stream: the query stops on the
// server, the connection returns to the pool, no goroutine is left.
func TestEarlyRelease(t *testing.T) {
	schema, admin := newSchema(t, "CREATE TABLE big AS SELECT g AS id, repeat('x', 100) AS s FROM generate_series(1, 300000) g")
	c := newConnector(t, schema, map[string]any{"batch_rows": 1000, "pool_size": 1})
	before := runtime.NumGoroutine()
	for range 3 { // pool_size 1: a leaked connection would block the next scan
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		s, err := c.Scan(ctx, connectors.ScanRequest{Table: "big"})
		if err != nil {
			t.Fatal(err)
		}
		if !s.Reader.Next() || s.Reader.RecordBatch().NumRows() != 1000 {
			t.Fatalf("first batch: %v", s.Reader.Err())
		}
		start := time.Now()
		s.Reader.Release()
		cancel()
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Release took %v", d)
		}
	}
	_, pool, _ := c.connect()
	if st := pool.Stat(); st.AcquiredConns() != 0 {
		t.Errorf("%d connections still acquired", st.AcquiredConns())
	}
	waitFor(t, "no active query on big", func() bool { return activeQueries(t, admin, schema) == 0 })
	waitFor(t, "goroutines back", func() bool { return runtime.NumGoroutine() <= before+1 })
}

// activeQueries counts the running queries that mention marker, other
// than this one.
func activeQueries(t *testing.T, admin *pgxpool.Pool, marker string) int {
	t.Helper()
	var n int
	err := admin.QueryRow(context.Background(),
		"SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND strpos(query, $1) > 0 AND pid <> pg_backend_pid()",
		marker).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCancel cancels a slow scan: the scan fails with context.Canceled
// within seconds, and the query stops on the server (pgx sends a cancel
// request). The server buffers the first rows of the slow view for a few
// seconds, so the cancel may land in Scan or in Next: both must honour it.
func TestCancel(t *testing.T) {
	schema, admin := newSchema(t, "CREATE VIEW slow AS SELECT g, length(pg_sleep(0.01)::text) AS z FROM generate_series(1, 100000) g")
	c := newConnector(t, schema, nil)
	for _, delay := range []time.Duration{0, 6 * time.Second} { // in Scan; in Next
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			s, err := c.Scan(ctx, connectors.ScanRequest{Table: "slow", Columns: []string{"g"}})
			if err != nil {
				done <- err
				return
			}
			defer s.Reader.Release()
			for s.Reader.Next() {
			}
			done <- s.Reader.Err()
		}()
		waitFor(t, "slow query running", func() bool { return activeQueries(t, admin, `"slow"`) == 1 })
		time.Sleep(delay)
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("after %v: got %v, want context.Canceled", delay, err)
			}
		case <-time.After(3 * time.Second):
			t.Fatalf("after %v: scan still running 3s after cancel", delay)
		}
		waitFor(t, "slow query stopped", func() bool { return activeQueries(t, admin, `"slow"`) == 0 })
	}
	// The connection survived the cancel request and serves the next scan.
	if rows := drain(t, scan(t, c, connectors.ScanRequest{Table: "slow", Columns: []string{"g"}, Limit: 2})); len(rows) != 2 {
		t.Errorf("after cancel: %v", rows)
	}
}

func TestStatementTimeout(t *testing.T) {
	schema, _ := newSchema(t, "CREATE VIEW slow AS SELECT g, length(pg_sleep(0.01)::text) AS z FROM generate_series(1, 100000) g")
	c := newConnector(t, schema, map[string]any{"statement_timeout": "300ms"})
	s, err := c.Scan(context.Background(), connectors.ScanRequest{Table: "slow"})
	if err == nil {
		for s.Reader.Next() {
		}
		err = s.Reader.Err()
		s.Reader.Release()
	}
	if err == nil || !strings.Contains(err.Error(), "statement timeout") {
		t.Fatalf("got %v, want a statement timeout", err)
	}
}

// TestUnavailable: a closed port and a missing database are
// ErrUnavailable, with no password in the message.
func TestUnavailable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	dsn := testdb.Postgres(t)
	for name, d := range map[string]string{
		"closed port":      "postgres://tributary:s3cr3t-pw@" + closed + "/postgres?sslmode=disable&connect_timeout=5",
		"missing database": strings.Replace(dsn, "tributary@", "tributary:s3cr3t-pw@", 1) + "&dbname=nope",
	} {
		t.Run(name, func(t *testing.T) {
			c := New()
			if err := c.Configure(context.Background(), map[string]any{"dsn": d}); err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			_, err := c.Tables(context.Background())
			if !errors.Is(err, connectors.ErrUnavailable) || strings.Contains(err.Error(), "s3cr3t") {
				t.Fatalf("Tables: %v", err)
			}
			_, err = c.Scan(context.Background(), connectors.ScanRequest{Table: "t"})
			if !errors.Is(err, connectors.ErrUnavailable) || strings.Contains(err.Error(), "s3cr3t") {
				t.Fatalf("Scan: %v", err)
			}
			t.Log(err)
		})
	}
}

// TestRecovers puts a proxy between connector and server and takes it
// away: scans fail with ErrUnavailable, and work again once it is back,
// without reconfiguring.
func TestRecovers(t *testing.T) {
	schema, _ := newSchema(t, "CREATE TABLE t AS SELECT 1 AS x")
	p := testdb.NewProxy(t, serverAddr(t))
	dsn := strings.Replace(testdb.Postgres(t), serverAddr(t), p.Addr, 1)
	c := newConnector(t, schema, map[string]any{"dsn": dsn})
	if rows := drain(t, scan(t, c, connectors.ScanRequest{Table: "t"})); len(rows) != 1 {
		t.Fatal(rows)
	}
	p.Down()
	if _, err := c.Scan(context.Background(), connectors.ScanRequest{Table: "t"}); !errors.Is(err, connectors.ErrUnavailable) {
		t.Fatalf("server gone: %v", err)
	}
	p.Up(t)
	if rows := drain(t, scan(t, c, connectors.ScanRequest{Table: "t"})); len(rows) != 1 {
		t.Fatal(rows)
	}
}

func serverAddr(t *testing.T) string {
	dsn := testdb.Postgres(t)
	rest := dsn[strings.Index(dsn, "@")+1:]
	return rest[:strings.Index(rest, "/")]
}

// TestConcurrentScans runs many scans at once through a small pool (run
// with -race).
func TestConcurrentScans(t *testing.T) {
	schema, _ := newSchema(t, "CREATE TABLE t AS SELECT g AS id, md5(g::text) AS s FROM generate_series(1, 20000) g")
	c := newConnector(t, schema, map[string]any{"pool_size": 3, "batch_rows": 1000})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := connectors.ScanRequest{Table: "t", Filters: []connectors.Filter{{Column: "id", Op: connectors.OpLe, Values: []any{int64(1000 * (i + 1))}}}}
			s, err := c.Scan(context.Background(), req)
			if err != nil {
				errs <- err
				return
			}
			defer s.Reader.Release()
			var n int64
			for s.Reader.Next() {
				n += s.Reader.RecordBatch().NumRows()
			}
			if err := s.Reader.Err(); err != nil {
				errs <- err
			} else if n != int64(1000*(i+1)) {
				errs <- fmt.Errorf("scan %d: %d rows", i, n)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// manyInts is a long IN list: the given values and a hundred that match
// nothing.
func manyInts(vals ...int64) []any {
	out := make([]any, 0, len(vals)+100)
	for _, v := range vals {
		out = append(out, v)
	}
	for i := range 100 {
		out = append(out, int64(1000+i))
	}
	return out
}

func manyStrings() []any {
	out := make([]any, 100)
	for i := range out {
		out[i] = fmt.Sprintf("none-%d", i)
	}
	return out
}
