package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/internal/testdb"
)

func TestDiscovery(t *testing.T) {
	db := admin(t)
	mustExec(t, db, "DROP TABLE IF EXISTS disco")
	mustExec(t, db, "CREATE TABLE disco (z INT NOT NULL, a VARCHAR(10), m DECIMAL(5,1) NOT NULL)")
	mustExec(t, db, "INSERT INTO disco VALUES (1, 'x', 1.5), (2, NULL, 2.5)")
	mustExec(t, db, "ANALYZE TABLE disco")
	mustExec(t, db, "CREATE OR REPLACE VIEW disco_v AS SELECT a, z FROM disco")
	c := newTestConnector(t, nil)
	tables, err := c.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]connectors.Table{}
	var names []string
	for _, tb := range tables {
		byName[tb.Name] = tb
		names = append(names, tb.Name)
	}
	if !sort.StringsAreSorted(names) {
		t.Errorf("tables not sorted: %v", names)
	}
	tb, ok := byName["disco"]
	if !ok {
		t.Fatalf("disco missing from %v", names)
	}
	if got := tb.Schema.String(); got != "schema:\n  fields: 3\n    - z: type=int32\n    - a: type=utf8, nullable\n    - m: type=decimal(5, 1)" {
		t.Errorf("schema:\n%s", got)
	}
	if tb.RowCount != 2 {
		t.Errorf("RowCount = %d, want 2", tb.RowCount)
	}
	v, ok := byName["disco_v"]
	if !ok {
		t.Fatalf("view missing from %v", names)
	}
	if v.RowCount != -1 || v.Schema.NumFields() != 2 || v.Schema.Field(0).Name != "a" {
		t.Errorf("view: rows %d schema %s", v.RowCount, v.Schema)
	}
	if _, err := c.Scan(context.Background(), connectors.ScanRequest{Table: "nope"}); !errors.Is(err, connectors.ErrTableNotFound) {
		t.Errorf("unknown table: %v", err)
	}
	if _, err := c.Scan(context.Background(), connectors.ScanRequest{Table: "DISCO"}); !errors.Is(err, connectors.ErrTableNotFound) {
		t.Errorf("table names are case-sensitive on this server: %v", err)
	}
	if _, err := c.Scan(context.Background(), connectors.ScanRequest{Table: "disco", Columns: []string{"nope"}}); !errors.Is(err, connectors.ErrColumnNotFound) {
		t.Errorf("unknown column: %v", err)
	}
	_, err = c.Scan(context.Background(), connectors.ScanRequest{Table: "disco", Filters: []connectors.Filter{{Column: "nope", Op: connectors.OpIsNull}}})
	if !errors.Is(err, connectors.ErrColumnNotFound) {
		t.Errorf("unknown filter column: %v", err)
	}
	// Projection order, a view, and the limit.
	rows, s := scanAll(t, c, connectors.ScanRequest{Table: "disco", Columns: []string{"m", "z"}})
	if want := [][]any{{"1.5", int64(1)}, {"2.5", int64(2)}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("projection: %v", rows)
	}
	if s.Reader.Schema().Field(0).Name != "m" {
		t.Errorf("schema %s", s.Reader.Schema())
	}
	rows, _ = scanAll(t, c, connectors.ScanRequest{Table: "disco_v", Columns: []string{"z"}, Limit: 1})
	if len(rows) != 1 {
		t.Errorf("limit 1: %v", rows)
	}
}

func TestFilters(t *testing.T) {
	db := admin(t)
	mustExec(t, db, "DROP TABLE IF EXISTS ft")
	mustExec(t, db, `CREATE TABLE ft (id INT, name VARCHAR(20), price DECIMAL(10,2), d DATE, ts DATETIME(6),
		bin VARBINARY(10), score DOUBLE, u BIGINT UNSIGNED, f FLOAT)`)
	mustExec(t, db, `INSERT INTO ft VALUES
		(1, 'Bob', 10.50, '2024-01-01', '2024-01-01 10:00:00', 0x01, 1.5, 18446744073709551615, 1),
		(2, 'bob', 20.00, '2024-02-01', '2024-01-01 10:00:00.5', 0x02, 2.5, 0, 2),
		(3, 'Alice', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
		(4, 'a_b%c', 99999999.99, '1999-12-31', '1999-12-31 23:59:59', 0x0300, -1, 5, 3),
		(5, NULL, 0.01, '2024-01-01', '2030-01-01 00:00:00', '', 0, 1, 4)`)
	c := newTestConnector(t, nil)
	ts := func(s string) connectors.Timestamp {
		tm, err := time.Parse("2006-01-02 15:04:05.999999", s)
		if err != nil {
			t.Fatal(err)
		}
		return connectors.Timestamp(tm.UnixMicro())
	}
	date := func(s string) connectors.Date {
		tm, _ := time.Parse("2006-01-02", s)
		return connectors.Date(tm.Unix() / 86400)
	}
	f := func(col string, op connectors.Op, vals ...any) connectors.Filter {
		return connectors.Filter{Column: col, Op: op, Values: vals}
	}
	cases := []struct {
		name   string
		filter connectors.Filter
		cond   string // in the prepared SQL; "" when not pushed
		exact  bool
		ids    []int64 // rows the source returns
	}{
		{"int eq", f("id", connectors.OpEq, int64(2)), "`id` = ?", true, []int64{2}},
		{"int ne", f("id", connectors.OpNe, int64(2)), "`id` <> ?", true, []int64{1, 3, 4, 5}},
		{"int lt", f("id", connectors.OpLt, int64(2)), "`id` < ?", true, []int64{1}},
		{"int le", f("id", connectors.OpLe, int64(2)), "`id` <= ?", true, []int64{1, 2}},
		{"int gt", f("id", connectors.OpGt, int64(4)), "`id` > ?", true, []int64{5}},
		{"int ge", f("id", connectors.OpGe, int64(4)), "`id` >= ?", true, []int64{4, 5}},
		{"int in", f("id", connectors.OpIn, int64(1), int64(5), nil), "`id` IN (?,?,?)", true, []int64{1, 5}},
		{"bool as int", f("id", connectors.OpEq, true), "`id` = ?", true, []int64{1}},
		{"is null", f("price", connectors.OpIsNull), "`price` IS NULL", true, []int64{3}},
		{"is not null", f("name", connectors.OpIsNotNull), "`name` IS NOT NULL", true, []int64{1, 2, 3, 4}},
		{"uint max", f("u", connectors.OpEq, uint64(18446744073709551615)), "`u` = ?", true, []int64{1}},
		{"decimal eq", f("price", connectors.OpEq, connectors.Decimal("10.5")), "`price` = CAST(? AS DECIMAL(3,1))", true, []int64{1}},
		{"decimal gt", f("price", connectors.OpGt, connectors.Decimal("20.001")), "`price` > CAST(? AS DECIMAL(5,3))", true, []int64{4}},
		{"decimal vs int", f("price", connectors.OpGe, int64(20)), "`price` >= ?", true, []int64{2, 4}},
		{"double", f("score", connectors.OpLt, float64(1.5)), "`score` < ?", true, []int64{4, 5}},
		{"float32 not pushed", f("f", connectors.OpEq, float64(1)), "", false, []int64{1, 2, 3, 4, 5}},
		{"string eq is case-insensitive", f("name", connectors.OpEq, "bob"), "`name` = ?", false, []int64{1, 2}},
		{"string in", f("name", connectors.OpIn, "alice", "x"), "`name` IN (?,?)", false, []int64{3}},
		{"string range not pushed", f("name", connectors.OpGt, "a"), "", false, []int64{1, 2, 3, 4, 5}},
		{"like", f("name", connectors.OpLike, "b%"), "`name` LIKE ? ESCAPE '\\\\'", false, []int64{1, 2}},
		{"like escapes", f("name", connectors.OpLike, `a\_b\%%`), "`name` LIKE ? ESCAPE '\\\\'", false, []int64{4}},
		{"like underscore", f("name", connectors.OpLike, "_ob"), "`name` LIKE ? ESCAPE '\\\\'", false, []int64{1, 2}},
		{"binary", f("bin", connectors.OpGe, []byte{2}), "`bin` >= ?", true, []int64{2, 4}},
		{"binary eq empty", f("bin", connectors.OpEq, []byte{}), "`bin` = ?", true, []int64{5}},
		{"date eq", f("d", connectors.OpEq, date("2024-01-01")), "`d` = ?", true, []int64{1, 5}},
		{"date lt", f("d", connectors.OpLt, date("2024-01-01")), "`d` < ?", false, []int64{4}},
		{"date is null not pushed", f("d", connectors.OpIsNull), "", false, []int64{1, 2, 3, 4, 5}},
		{"datetime eq fraction", f("ts", connectors.OpEq, ts("2024-01-01 10:00:00.5")), "`ts` = ?", true, []int64{2}},
		{"datetime ge", f("ts", connectors.OpGe, ts("2024-01-01 10:00:00")), "`ts` >= ?", false, []int64{1, 2, 5}},
		{"type mismatch not pushed", f("id", connectors.OpEq, "2"), "", false, []int64{1, 2, 3, 4, 5}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			off := logLen(t)
			rows, s := scanAll(t, c, connectors.ScanRequest{Table: "ft", Columns: []string{"id"}, Filters: []connectors.Filter{tc.filter}})
			var ids []int64
			for _, r := range rows {
				ids = append(ids, r[0].(int64))
			}
			sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
			if !reflect.DeepEqual(ids, tc.ids) {
				t.Errorf("ids %v, want %v", ids, tc.ids)
			}
			if s.Exact[0] != tc.exact {
				t.Errorf("exact %v, want %v", s.Exact[0], tc.exact)
			}
			want := "SELECT `id` FROM `" + testDB + "`.`ft`"
			if tc.cond != "" {
				want += " WHERE " + tc.cond
			}
			got := prepared(logSince(t, off, "`ft`"))
			if len(got) != 1 || got[0] != want {
				t.Errorf("prepared %q\nwant       %q", got, want)
			}
		})
	}
}

// TestInjection: hostile values are bound, never spliced into SQL, and
// match exactly the rows holding them.
func TestInjection(t *testing.T) {
	corpus := []string{"'", "''", `\`, `\'`, "%", "_", "a\x00b", "'; DROP TABLE inj; --", "\" OR 1=1 --",
		"` OR 1=1", "日本語", "😀", "ß", "SLEEP(5)", "?", "$1", "\\' OR '1'='1"}
	db := admin(t)
	mustExec(t, db, "DROP TABLE IF EXISTS inj")
	mustExec(t, db, "CREATE TABLE inj (id INT, s VARCHAR(100) COLLATE utf8mb4_bin, b VARBINARY(100))")
	for i, v := range corpus {
		mustExec(t, db, "INSERT INTO inj VALUES (?, ?, ?)", i, v, []byte(v))
	}
	c := newTestConnector(t, nil)
	for i, v := range corpus {
		off := logLen(t)
		for _, fl := range []connectors.Filter{
			{Column: "s", Op: connectors.OpEq, Values: []any{v}},
			{Column: "s", Op: connectors.OpIn, Values: []any{v, "zz"}},
			{Column: "b", Op: connectors.OpEq, Values: []any{[]byte(v)}},
		} {
			rows, _ := scanAll(t, c, connectors.ScanRequest{Table: "inj", Columns: []string{"id", "s"}, Filters: []connectors.Filter{fl}})
			if len(rows) != 1 || rows[0][0] != int64(i) || rows[0][1] != v {
				t.Errorf("%s %q: got %v", fl.Op, v, rows)
			}
		}
		for _, p := range prepared(logSince(t, off, "`inj`")) {
			if strings.ContainsAny(p, "'\"\\%;") || strings.Contains(p, "DROP") {
				t.Errorf("value text in prepared SQL: %q", p)
			}
		}
	}
	// LIKE with the raw corpus: % and _ are wildcards, the rest literal
	// (or escapes); the table survives whatever the pattern.
	rows, _ := scanAll(t, c, connectors.ScanRequest{Table: "inj", Columns: []string{"id"},
		Filters: []connectors.Filter{{Column: "s", Op: connectors.OpLike, Values: []any{"'; DROP TABLE inj; --"}}}})
	if len(rows) != 1 {
		t.Errorf("LIKE injection: %v", rows)
	}
	rows, _ = scanAll(t, c, connectors.ScanRequest{Table: "inj", Columns: []string{"id"},
		Filters: []connectors.Filter{{Column: "s", Op: connectors.OpLike, Values: []any{`\%`}}}})
	if len(rows) != 1 || rows[0][0] != int64(4) {
		t.Errorf(`LIKE '\%%': %v`, rows)
	}
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM inj").Scan(&n); err != nil || n != len(corpus) {
		t.Errorf("table damaged: %d rows, %v", n, err)
	}
}

// TestHostileIdentifiers: names with backticks, spaces and semicolons are
// quoted, in discovery, projection and filters.
func TestHostileIdentifiers(t *testing.T) {
	db := admin(t)
	table, col := "we`ird; tab le", "co`l; DROP TABLE x --"
	qt, qc := "`we``ird; tab le`", "`co``l; DROP TABLE x --`"
	mustExec(t, db, "DROP TABLE IF EXISTS "+qt)
	mustExec(t, db, "CREATE TABLE "+qt+" (id INT, "+qc+" VARCHAR(10))")
	mustExec(t, db, "INSERT INTO "+qt+" VALUES (1, 'a'), (2, 'b')")
	c := newTestConnector(t, nil)
	tables, err := c.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, tb := range tables {
		if tb.Name == table && tb.Schema.Field(1).Name == col {
			found = true
		}
	}
	if !found {
		t.Errorf("hostile table not discovered")
	}
	off := logLen(t)
	rows, _ := scanAll(t, c, connectors.ScanRequest{Table: table, Columns: []string{col, "id"},
		Filters: []connectors.Filter{{Column: col, Op: connectors.OpEq, Values: []any{"b"}}}})
	if want := [][]any{{"b", int64(2)}}; !reflect.DeepEqual(rows, want) {
		t.Errorf("got %v", rows)
	}
	want := "SELECT " + qc + ",`id` FROM `" + testDB + "`." + qt + " WHERE " + qc + " = ?"
	if got := prepared(logSince(t, off, "ird; tab le")); len(got) != 1 || got[0] != want {
		t.Errorf("prepared %q\nwant       %q", got, want)
	}
}

// seqDB readies views over MariaDB's sequence engine.
func seqDB(t *testing.T) *sql.DB {
	db := admin(t)
	mustExec(t, db, "CREATE OR REPLACE VIEW slow AS SELECT seq, SLEEP(0.01) AS z FROM seq_1_to_100000")
	mustExec(t, db, "CREATE OR REPLACE VIEW big AS SELECT seq, REPEAT('x', 100) AS pad FROM seq_1_to_5000000")
	return db
}

// running counts the statements on the server that mention marker, other
// than the one asking.
func running(t *testing.T, db *sql.DB, marker string) int {
	var n int
	err := db.QueryRow("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE ? AND ID <> CONNECTION_ID()",
		"%"+marker+"%").Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func waitGone(t *testing.T, db *sql.DB, marker string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for running(t, db, marker) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("query on %s still running on the server after 5s", marker)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestCancelKillsServerQuery(t *testing.T) {
	db := seqDB(t)
	c := newTestConnector(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := c.Scan(ctx, connectors.ScanRequest{Table: "slow"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Reader.Release()
	done := make(chan bool)
	go func() { done <- s.Reader.Next() }()
	time.Sleep(300 * time.Millisecond)
	if running(t, db, "`slow`") != 1 {
		t.Fatal("slow query not seen running")
	}
	off := logLen(t)
	cancel()
	select {
	case ok := <-done:
		if ok {
			t.Fatal("Next returned a batch after cancel")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not return after cancel")
	}
	if !errors.Is(s.Reader.Err(), context.Canceled) {
		t.Errorf("Err = %v, want context.Canceled", s.Reader.Err())
	}
	waitGone(t, db, "`slow`")
	if len(logSince(t, off, "KILL QUERY")) == 0 {
		t.Error("no KILL QUERY in the server log")
	}
}

// TestEarlyRelease: releasing mid-stream kills the query and frees the
// connection and goroutines, so a pool of one serves the next scans.
func TestEarlyRelease(t *testing.T) {
	db := seqDB(t)
	c := newTestConnector(t, map[string]any{"pool_size": 1, "batch_rows": 1000})
	for i := 0; i < 3; i++ {
		s, err := c.Scan(context.Background(), connectors.ScanRequest{Table: "big"})
		if err != nil {
			t.Fatal(err)
		}
		if !s.Reader.Next() || s.Reader.RecordBatch().NumRows() != 1000 {
			t.Fatal("no first batch")
		}
		start := time.Now()
		s.Reader.Release()
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Release took %v: it read the rest of the result", d)
		}
	}
	waitGone(t, db, "`big`")
	rows, _ := scanAll(t, c, connectors.ScanRequest{Table: "big", Columns: []string{"seq"}, Limit: 3})
	if len(rows) != 3 {
		t.Errorf("after early releases: %v", rows)
	}
	if st := c.cfg.Load().db.Stats(); st.InUse != 0 {
		t.Errorf("%d connections still in use", st.InUse)
	}
	// The pools keep one driver goroutine per open connection (at most
	// pool_size + 2); what must not survive a scan is a goroutine of ours.
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "mysql.(*config).watch") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("scan goroutines survive release:\n%s", stacks)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestStatementTimeout(t *testing.T) {
	seqDB(t)
	c := newTestConnector(t, map[string]any{"statement_timeout": "300ms"})
	s, err := c.Scan(context.Background(), connectors.ScanRequest{Table: "slow"})
	if err == nil {
		for s.Reader.Next() {
		}
		err = s.Reader.Err()
		s.Reader.Release()
	}
	if err == nil || !strings.Contains(err.Error(), "max_statement_time") {
		t.Errorf("want a max_statement_time error, got %v", err)
	}
}

func TestConcurrentScans(t *testing.T) {
	seqDB(t)
	c := newTestConnector(t, map[string]any{"pool_size": 2, "batch_rows": 777})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lim := int64(2000 + i)
			s, err := c.Scan(context.Background(), connectors.ScanRequest{Table: "big", Columns: []string{"seq"},
				Filters: []connectors.Filter{{Column: "seq", Op: connectors.OpGt, Values: []any{int64(i)}}}, Limit: lim})
			if err != nil {
				errs <- err
				return
			}
			defer s.Reader.Release()
			var n, sum int64
			for s.Reader.Next() {
				rec := s.Reader.RecordBatch()
				n += rec.NumRows()
				for j := 0; j < int(rec.NumRows()); j++ {
					sum += int64(value(rec.Column(0), j).(uint64))
				}
			}
			first := int64(i + 1)
			if want := (first + first + lim - 1) * lim / 2; n != lim || sum != want || s.Reader.Err() != nil {
				errs <- fmt.Errorf("scan %d: %d rows, sum %d (want %d), err %v", i, n, sum, want, s.Reader.Err())
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestOptions(t *testing.T) {
	dsn := testdb.MariaDB(t)
	for _, tc := range []struct {
		opts map[string]any
		want string // in the error; "" for success
	}{
		{map[string]any{"dsn": dsn, "database": "x"}, ""},
		{map[string]any{"dsn": dsn + "x", "pool_size": float64(2), "batch_rows": uint64(10), "statement_timeout": "1s"}, ""},
		{map[string]any{"dsn": dsn + "x", "pool_size": int64(3)}, ""},
		{map[string]any{"dsn": dsn}, `"database"`},
		{map[string]any{"database": "x"}, `"dsn"`},
		{map[string]any{"dsn": dsn, "database": "x", "colour": 1}, `"colour"`},
		{map[string]any{"dsn": 3, "database": "x"}, `"dsn"`},
		{map[string]any{"dsn": "no slash", "database": "x"}, `"dsn"`},
		{map[string]any{"dsn": dsn, "database": "x", "pool_size": 0}, `"pool_size"`},
		{map[string]any{"dsn": dsn, "database": "x", "pool_size": 1.5}, `"pool_size"`},
		{map[string]any{"dsn": dsn, "database": "x", "batch_rows": "many"}, `"batch_rows"`},
		{map[string]any{"dsn": dsn, "database": "x", "statement_timeout": "soon"}, `"statement_timeout"`},
		{map[string]any{"dsn": dsn, "database": "x", "statement_timeout": 5}, `"statement_timeout"`},
	} {
		err := New().Configure(context.Background(), tc.opts)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.opts, err)
		case tc.want != "" && (err == nil || !errors.Is(err, connectors.ErrInvalidOptions) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: got %v, want an invalid-options error naming %s", tc.opts, err, tc.want)
		}
	}
	if _, err := New().Tables(context.Background()); !errors.Is(err, connectors.ErrInvalidOptions) {
		t.Errorf("unconfigured: %v", err)
	}
}

// TestUnavailable: a server that is down or refuses the credentials is
// ErrUnavailable without the password; the connector recovers by itself.
func TestUnavailable(t *testing.T) {
	admin(t)
	const secret = "s3cr3t-Pa55"
	dsn := testdb.MariaDB(t)
	addr := dsn[strings.Index(dsn, "(")+1 : strings.Index(dsn, ")")]

	t.Run("bad password", func(t *testing.T) {
		c := New()
		defer c.Close()
		if err := c.Configure(context.Background(), map[string]any{"dsn": "tributary:" + secret + "@tcp(" + addr + ")/", "database": testDB}); err != nil {
			t.Fatal(err)
		}
		_, err := c.Tables(context.Background())
		checkUnavailable(t, err, secret)
		_, err = c.Scan(context.Background(), connectors.ScanRequest{Table: "ft"})
		checkUnavailable(t, err, secret)
	})

	t.Run("down and back", func(t *testing.T) {
		p := testdb.NewProxy(t, addr)
		c := newTestConnector(t, map[string]any{"dsn": "tributary:tributary@tcp(" + p.Addr + ")/?timeout=2s"})
		if _, err := c.Tables(context.Background()); err != nil {
			t.Fatal(err)
		}
		p.Down()
		_, err := c.Tables(context.Background())
		checkUnavailable(t, err, "tributary:tributary")
		_, err = c.Scan(context.Background(), connectors.ScanRequest{Table: "disco"})
		checkUnavailable(t, err, "tributary:tributary")
		p.Up(t)
		if _, err := c.Tables(context.Background()); err != nil {
			t.Fatalf("after the server came back: %v", err)
		}
	})
}

func checkUnavailable(t *testing.T, err error, secret string) {
	t.Helper()
	if !errors.Is(err, connectors.ErrUnavailable) {
		t.Errorf("got %v, want ErrUnavailable", err)
	}
	if err != nil && strings.Contains(err.Error(), secret) {
		t.Errorf("error leaks the password: %v", err)
	}
}
