package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/tributary-sql/tributary/catalog"
	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/connectors/files"
	"github.com/tributary-sql/tributary/engine"
	"github.com/tributary-sql/tributary/parser"
	"github.com/tributary-sql/tributary/server"
	"github.com/tributary-sql/tributary/sqlerr"
)

// newGateway serves the demo data with the files connector in process:
// the plugin boundary has its own tests, these are about statements.
func newGateway(t *testing.T) *Gateway {
	t.Helper()
	dir, _ := filepath.Abs("../examples/demo")
	cfg := &catalog.Config{Sources: map[string]catalog.SourceConfig{"demo": {Connector: "files", Options: map[string]any{"root": dir}}}}
	cat := catalog.New(cfg, func(string, catalog.SourceConfig) connectors.Connector {
		c := files.New()
		if err := c.Configure(context.Background(), map[string]any{"root": dir}); err != nil {
			t.Fatal(err)
		}
		return c
	})
	eng, err := engine.Open(engine.Config{Macros: parser.DuckDBMacros(), AllowedDirectories: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close(); eng.Close() })
	return New(cat, eng, []catalog.UserConfig{{Name: "root"}}, "8.0.36-test", slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func run(t *testing.T, g *Gateway, s *server.Session, query string) (*capture, error) {
	t.Helper()
	w := &capture{}
	err := g.Execute(context.Background(), s, query, w)
	return w, err
}

func newSession() *server.Session {
	return &server.Session{ID: 7, User: "root", Vars: map[string]any{}, RemoteAddr: "127.0.0.1:5555"}
}

func TestSet(t *testing.T) {
	g := newGateway(t)
	s := newSession()
	cases := []struct {
		stmt  string
		check string // a SELECT whose single value must print as want
		want  string
		kind  sqlerr.Kind // when the statement must fail
	}{
		{stmt: "SET autocommit = OFF", check: "SELECT @@autocommit", want: "0"},
		{stmt: "SET SESSION autocommit = 1", check: "SELECT @@session.autocommit", want: "1"},
		{stmt: "SET NAMES latin1", check: "SELECT @@character_set_client", want: "latin1"},
		{stmt: "SET sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES')", check: "SELECT @@sql_mode LIKE '%,ANSI_QUOTES'", want: "1"},
		{stmt: "SET @@session.time_zone = '+00:00'", check: "SELECT @@time_zone", want: "+00:00"},
		{stmt: "SET time_zone = DEFAULT", check: "SELECT @@time_zone", want: "SYSTEM"},
		{stmt: "SET @x = 5"},
		{stmt: "SET no_such_variable = 1", kind: sqlerr.UnknownSystemVariable},
		{stmt: "SET GLOBAL autocommit = 0", kind: sqlerr.Forbidden},
		{stmt: "SET autocommit = 'maybe'", kind: sqlerr.WrongValueForVariable},
	}
	for _, c := range cases {
		_, err := run(t, g, s, c.stmt)
		if c.kind != sqlerr.Internal {
			if sqlerr.KindOf(err) != c.kind {
				t.Errorf("%s: %v, want kind %d", c.stmt, err, c.kind)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.stmt, err)
			continue
		}
		if c.check == "" {
			continue
		}
		w, err := run(t, g, s, c.check)
		if err != nil || len(w.rows) != 1 || fmt.Sprint(w.rows[0][0]) != c.want {
			t.Errorf("after %s, %s = %v, %v; want %s", c.stmt, c.check, w.rows, err, c.want)
		}
	}
}

func TestShowAndUse(t *testing.T) {
	g := newGateway(t)
	s := newSession()
	w, err := run(t, g, s, "SHOW VARIABLES LIKE 'max_allowed%'")
	if err != nil || len(w.rows) != 1 || w.rows[0][0] != "max_allowed_packet" {
		t.Fatalf("SHOW VARIABLES LIKE = %v, %v", w.rows, err)
	}
	if _, err := run(t, g, s, "SHOW TABLES"); sqlerr.KindOf(err) != sqlerr.NoDatabaseSelected {
		t.Fatalf("SHOW TABLES without a database: %v", err)
	}
	if _, err := run(t, g, s, "USE nope"); sqlerr.KindOf(err) != sqlerr.UnknownDatabase {
		t.Fatalf("USE nope: %v", err)
	}
	if _, err := run(t, g, s, "use DEMO"); err != nil || s.DB != "demo" {
		t.Fatalf("USE DEMO: %v, db %q", err, s.DB)
	}
	w, err = run(t, g, s, "SHOW FULL TABLES LIKE 'order%'")
	if err != nil || fmt.Sprint(w.rows) != "[[order_items BASE TABLE] [orders BASE TABLE]]" {
		t.Fatalf("SHOW FULL TABLES LIKE = %v, %v", w.rows, err)
	}
	w, err = run(t, g, s, "SHOW WARNINGS")
	if err != nil || len(w.cols) != 3 || len(w.rows) != 0 {
		t.Fatalf("SHOW WARNINGS = %v %v, %v", w.cols, w.rows, err)
	}
	for _, q := range []string{"BEGIN", "START TRANSACTION", "COMMIT", "ROLLBACK"} {
		if _, err := run(t, g, s, q); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	if _, err := run(t, g, s, "SELECT 1; SELECT 2"); sqlerr.KindOf(err) != sqlerr.Unsupported {
		t.Errorf("multi-statement: %v", err)
	}
	if _, err := run(t, g, s, "   "); sqlerr.KindOf(err) != sqlerr.Syntax {
		t.Errorf("empty query: %v", err)
	}
}

func TestFieldList(t *testing.T) {
	g := newGateway(t)
	s := newSession()
	s.DB = "demo"
	cols, err := g.FieldList(context.Background(), s, "orders", "")
	if err != nil || len(cols) != 5 {
		t.Fatalf("FieldList = %v, %v", cols, err)
	}
	want := map[string]byte{"order_id": mysql.MYSQL_TYPE_LONGLONG, "order_date": mysql.MYSQL_TYPE_DATE,
		"status": mysql.MYSQL_TYPE_VAR_STRING, "total": mysql.MYSQL_TYPE_NEWDECIMAL}
	for _, c := range cols {
		if w, ok := want[c.Name]; ok && c.Type != w {
			t.Errorf("%s: type %d, want %d", c.Name, c.Type, w)
		}
		if c.Table != "orders" || c.Schema != "demo" {
			t.Errorf("%s: table %q schema %q", c.Name, c.Table, c.Schema)
		}
	}
	if cols, _ := g.FieldList(context.Background(), s, "orders", "order%"); len(cols) != 2 {
		t.Errorf("wildcard: %v", cols)
	}
}

func TestLikeMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, s string
		want       bool
	}{
		{"ord%", "orders", true}, {"ORD%", "orders", true}, {"o_ders", "orders", true},
		{"orders", "order", false}, {`a\%b`, "a%b", true}, {`a\%b`, "axb", false}, {"a.b", "axb", false},
	} {
		if got := likeMatch(c.pattern, c.s); got != c.want {
			t.Errorf("likeMatch(%q, %q) = %v", c.pattern, c.s, got)
		}
	}
}

// information_schema answers the metadata queries BI tools send.
func TestInformationSchema(t *testing.T) {
	g := newGateway(t)
	s := newSession()
	cases := []struct{ query, want string }{
		{"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1", "[[demo] [information_schema]]"},
		{"SELECT table_name, table_type FROM information_schema.tables WHERE table_schema = 'demo' ORDER BY table_name",
			"[[customers BASE TABLE] [order_items BASE TABLE] [orders BASE TABLE] [products BASE TABLE]]"},
		{"SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, NUMERIC_PRECISION, NUMERIC_SCALE FROM information_schema.COLUMNS " +
			"WHERE TABLE_SCHEMA = 'demo' AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION",
			"[[order_id bigint bigint NO 19 0] [customer_id bigint bigint NO 19 0] [order_date date date NO <nil> <nil>] " +
				"[status text text NO <nil> <nil>] [total decimal decimal(12,2) NO 12 2]]"},
		{"SELECT t.TABLE_NAME, COUNT(*) FROM information_schema.TABLES t JOIN information_schema.COLUMNS c " +
			"ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME WHERE t.TABLE_SCHEMA = 'demo' GROUP BY 1 ORDER BY 1",
			"[[customers 6] [order_items 3] [orders 5] [products 4]]"},
		{"SELECT COUNT(*) FROM information_schema.KEY_COLUMN_USAGE", "[[0]]"},
		{"SELECT COUNT(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = 'demo'", "[[0]]"},
		{"SELECT COLLATION_NAME FROM information_schema.COLLATIONS WHERE IS_DEFAULT = 'Yes' ORDER BY 1", "[[binary] [utf8mb4_general_ci]]"},
		{"SELECT COUNT(*) > 10 FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'information_schema' AND TABLE_NAME = 'TABLES'", "[[1]]"},
	}
	for _, c := range cases {
		w, err := run(t, g, s, c.query)
		if err != nil || fmt.Sprint(w.rows) != c.want {
			t.Errorf("%s\n got %v, %v\nwant %s", c.query, w.rows, err, c.want)
		}
	}
	s.DB = "information_schema"
	w, err := run(t, g, s, "SHOW TABLES LIKE 'SCHEMA%'")
	if err != nil || fmt.Sprint(w.rows) != "[[SCHEMATA]]" {
		t.Errorf("SHOW TABLES in information_schema: %v, %v", w.rows, err)
	}
}

// Statements are counted by kind and MySQL code, prepared ones too; the
// rows and bytes each source sent are counted.
func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	base := newGateway(t)
	g := NewWithOptions(base.cat, base.engine, nil, "8.0.36-test", base.log, Options{Pushdown: true, Metrics: reg})
	s := newSession()
	run(t, g, s, "SELECT 1")
	run(t, g, s, "SELECT * FROM demo.nope")
	if err := g.ExecutePrepared(context.Background(), s, "SELECT ? + 1", []any{int64(41)}, &capture{}); err != nil {
		t.Fatal(err)
	}
	if got := testutil.ToFloat64(g.metrics.statements.WithLabelValues("select", "0")); got != 2 {
		t.Errorf("successful selects = %v, want 2", got)
	}
	if got := testutil.ToFloat64(g.metrics.statements.WithLabelValues("select", "1146")); got != 1 {
		t.Errorf("selects failing with 1146 = %v, want 1", got)
	}
	run(t, g, s, "SELECT COUNT(*) FROM demo.customers") // CSV: through the connector
	if got := testutil.ToFloat64(g.metrics.rows.WithLabelValues("demo")); got != 2000 {
		t.Errorf("rows from demo = %v, want 2000", got)
	}
	if got := testutil.ToFloat64(g.metrics.bytes.WithLabelValues("demo")); got <= 0 {
		t.Errorf("bytes from demo = %v, want some", got)
	}
}
