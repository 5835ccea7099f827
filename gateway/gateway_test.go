package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
		{stmt: "SET SESSION TRANSACTION READ ONLY", check: "SELECT @@transaction_read_only", want: "1"}, // DBeaver's read-only connections
		{stmt: "SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED", check: "SELECT @@transaction_isolation", want: "READ-UNCOMMITTED"},
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
	if _, err := run(t, g, s, "SELECT 1; SELECT 2"); sqlerr.KindOf(err) != sqlerr.Syntax ||
		!strings.HasSuffix(err.Error(), "near 'SELECT 2' at line 1") {
		t.Errorf("multi-statement without CLIENT_MULTI_STATEMENTS: %v", err)
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
		// Text compares without regard to case, as in MySQL (Connector/J's
		// getColumns: IF(IS_NULLABLE = 'yes',1,0)).
		{"SELECT COLUMN_NAME, IF(IS_NULLABLE = 'yes', 1, 0) FROM information_schema.COLUMNS " +
			"WHERE table_schema = 'DEMO' AND table_name LIKE 'ORDER_ITEM%' ORDER BY ORDINAL_POSITION",
			"[[order_id 0] [product_id 0] [quantity 0]]"},
		{"SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'demo' AND IS_NULLABLE IN ('yes')", "[[10]]"},
		{"SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = 'Demo' AND IS_NULLABLE = 'no'", "[[8]]"},
	}
	for _, c := range cases {
		w, err := run(t, g, s, c.query)
		if err != nil || fmt.Sprint(w.rows) != c.want {
			t.Errorf("%s\n got %v, %v\nwant %s", c.query, w.rows, err, c.want)
		}
	}
	s.DB = "information_schema"
	w, err := run(t, g, s, "SHOW TABLES LIKE 'SCHEMAT%'")
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

// results is a MultiResultWriter that keeps every statement's result.
type results struct {
	capture
	sets []capture
}

func (r *results) NextResult() error {
	r.sets = append(r.sets, r.capture)
	r.capture = capture{}
	return nil
}

func (r *results) all() []capture { return append(r.sets, r.capture) }

func TestMultiStatements(t *testing.T) {
	g := newGateway(t)
	s := newSession()
	s.MultiStatements = true
	cases := []struct {
		query string
		want  string // each result's rows; a statement without rows is []
		kind  sqlerr.Kind
	}{
		{query: "SELECT 1; SELECT 'a;b' AS x", want: "[[[1]] [[a;b]]]"},
		{query: "USE demo; SELECT COUNT(*) FROM customers /* ; */; SET @x = 1;", want: "[[] [[2000]] []]"},
		{query: "SELECT 1 -- ; SELECT 2\n; SELECT 3", want: "[[[1]] [[3]]]"},
		{query: "SELECT 1; SELECT * FROM nope; SELECT 3", want: "[[[1]] []]", kind: sqlerr.UnknownTable},
		{query: "SELECT 1; SELEC 2", kind: sqlerr.Syntax},
	}
	for _, c := range cases {
		w := &results{}
		err := g.Execute(context.Background(), s, c.query, w)
		if sqlerr.KindOf(err) != c.kind || (err != nil && c.kind == sqlerr.Internal) {
			t.Errorf("%s: %v, want kind %d", c.query, err, c.kind)
			continue
		}
		if c.want == "" {
			continue
		}
		var got []any
		for _, r := range w.all() {
			rows := []any{}
			for _, row := range r.rows {
				rows = append(rows, row)
			}
			got = append(got, rows)
		}
		if fmt.Sprint(got) != c.want {
			t.Errorf("%s: results %v, want %s", c.query, got, c.want)
		}
	}
	s.MultiStatements = false
	err := g.Execute(context.Background(), s, "SELECT 1;\n  SELECT 2; SELECT 3", &results{})
	if sqlerr.KindOf(err) != sqlerr.Syntax || !strings.HasSuffix(err.Error(), "near 'SELECT 2; SELECT 3' at line 2") {
		t.Errorf("without CLIENT_MULTI_STATEMENTS: %v", err)
	}
}

// fakeServer is the Killer and ProcessLister of gateway tests.
type fakeServer struct{ procs []server.Process }

func (f *fakeServer) Kill(uint32, bool) bool      { return false }
func (f *fakeServer) Owner(uint32) (string, bool) { return "", false }
func (f *fakeServer) Processes() []server.Process { return f.procs }

func TestShowMore(t *testing.T) {
	g := newGateway(t)
	g.users["shopper"] = catalog.UserConfig{Name: "shopper", Databases: []string{"DEMO"}}
	g.SetKiller(&fakeServer{procs: []server.Process{
		{ID: 7, User: "root", Host: "127.0.0.1:5555", DB: "demo", Command: "Query", Since: time.Now(), Info: "SHOW PROCESSLIST"},
		{ID: 8, User: "root", Host: "127.0.0.1:5556", Command: "Sleep", Since: time.Now().Add(-3 * time.Second)},
		{ID: 9, User: "shopper", Host: "127.0.0.1:5557", Command: "Sleep", Since: time.Now()},
	}})
	cases := []struct {
		user, query string
		cols        string // column names, when checked
		want        string // rows
		kind        sqlerr.Kind
	}{
		{query: "SHOW INDEX FROM demo.customers", cols: "[Table Non_unique Key_name Seq_in_index Column_name Collation Cardinality Sub_part Packed Null Index_type Comment Index_comment Visible Expression]", want: "[]"},
		{query: "SHOW KEYS FROM customers FROM demo", want: "[]"},
		{query: "SHOW INDEX FROM demo.nope", kind: sqlerr.UnknownTable},
		{query: "SHOW ENGINES", cols: "[Engine Support Comment Transactions XA Savepoints]", want: "[[Tributary DEFAULT Federated, read-only tables of the configured sources NO NO NO]]"},
		{query: "SHOW PLUGINS WHERE Name LIKE '%sha2%'", cols: "[Name Status Type Library License]", want: "[[caching_sha2_password ACTIVE AUTHENTICATION <nil> Apache-2.0]]"},
		{query: "SHOW COLLATION LIKE 'utf8mb4%'", cols: "[Collation Charset Id Default Compiled Sortlen Pad_attribute]", want: "[[utf8mb4_general_ci utf8mb4 45 Yes Yes 1 PAD SPACE] [utf8mb4_bin utf8mb4 46  Yes 1 PAD SPACE]]"},
		{query: "SHOW COLLATION WHERE Id = 63", want: "[[binary binary 63 Yes Yes 1 NO PAD]]"},
		{query: "SHOW CHARACTER SET LIKE 'utf8%'", cols: "[Charset Description Default collation Maxlen]", want: "[[utf8mb4 UTF-8 Unicode utf8mb4_general_ci 4]]"},
		{query: "SHOW CHARSET WHERE Maxlen < 2", want: "[[binary Binary pseudo charset binary 1]]"},
		{query: "SHOW GRANTS", cols: "[Grants for root@%]", want: "[[GRANT SELECT ON *.* TO `root`@`%`]]"},
		{query: "SHOW GRANTS FOR CURRENT_USER()", user: "shopper", want: "[[GRANT USAGE ON *.* TO `shopper`@`%`] [GRANT SELECT ON `demo`.* TO `shopper`@`%`]]"},
		{query: "SHOW GRANTS FOR CURRENT_USER", user: "shopper", want: "[[GRANT USAGE ON *.* TO `shopper`@`%`] [GRANT SELECT ON `demo`.* TO `shopper`@`%`]]"},
		{query: "SHOW GRANTS FOR root", user: "shopper", kind: sqlerr.DatabaseAccessDenied},
		{query: "SHOW PROCESSLIST", cols: "[Id User Host db Command Time State Info]", want: "[[7 root 127.0.0.1:5555 demo Query 0 executing SHOW PROCESSLIST] [8 root 127.0.0.1:5556 <nil> Sleep 3 <nil> <nil>]]"},
		{query: "SHOW FULL PROCESSLIST", user: "shopper", want: "[[9 shopper 127.0.0.1:5557 <nil> Sleep 0 <nil> <nil>]]"},
		{query: "SHOW STATUS LIKE 'Threads_connected'", cols: "[Variable_name Value]", want: "[[Threads_connected 3]]"},
		{query: "SHOW GLOBAL STATUS WHERE Variable_name IN ('Threads_running', 'ssl_cipher')", want: "[[Ssl_cipher ] [Threads_running 1]]"},
		{query: "SHOW DATABASES WHERE `Database` = 'DEMO' OR `Database` LIKE 'info%'", want: "[[information_schema] [demo]]"},
		{query: "SHOW TABLES FROM demo WHERE Tables_in_demo LIKE 'order%' AND NOT Tables_in_demo = 'orders'", want: "[[order_items]]"},
		{query: "SHOW FULL TABLES FROM demo WHERE Table_type <> 'BASE TABLE'", want: "[]"},
		{query: "SHOW COLUMNS FROM demo.customers WHERE Field IN ('customer_id', 'nope') OR `Null` IS NULL", want: "[[customer_id bigint YES  <nil> ]]"},
		{query: "SHOW VARIABLES WHERE Variable_name = 'max_allowed_packet' AND Value > 1000", want: "[[max_allowed_packet 67108864]]"},
		{query: "SHOW VARIABLES WHERE Value = 67108864 AND (Variable_name LIKE 'max%' XOR 0)", want: "[[max_allowed_packet 67108864]]"},
		{query: "SHOW TABLE STATUS FROM demo WHERE Name = 'customers'", cols: "[Name Engine Version Row_format Rows Avg_row_length Data_length Max_data_length Index_length Data_free Auto_increment Create_time Update_time Check_time Collation Checksum Create_options Comment]",
			want: "[[customers demo 10 Dynamic 2000 0 0 0 0 0 <nil> <nil> <nil> <nil> utf8mb4_general_ci <nil>  source demo, table customers]]"},
		{query: "SHOW TABLE STATUS FROM demo LIKE 'nothing%'", want: "[]"},
		{query: "SHOW CREATE DATABASE DEMO", cols: "[Database Create Database]", want: "[[demo CREATE DATABASE `demo` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci */ /*!80016 DEFAULT ENCRYPTION='N' */]]"},
		{query: "SHOW CREATE DATABASE nope", kind: sqlerr.UnknownDatabase},
		{query: "SHOW VARIABLES WHERE nope = 1", kind: sqlerr.UnknownColumn},
		{query: "SHOW VARIABLES WHERE Variable_name = CONCAT('a', 'b')", kind: sqlerr.Unsupported},
	}
	for _, c := range cases {
		s := newSession()
		if c.user != "" {
			s.User = c.user
		}
		w, err := run(t, g, s, c.query)
		if sqlerr.KindOf(err) != c.kind || (err != nil && c.kind == sqlerr.Internal) {
			t.Errorf("%s: %v, want kind %d", c.query, err, c.kind)
			continue
		}
		if err != nil {
			continue
		}
		if c.cols != "" {
			var names []string
			for _, col := range w.cols {
				names = append(names, col.Name)
			}
			if fmt.Sprint(names) != c.cols {
				t.Errorf("%s: columns %v, want %s", c.query, names, c.cols)
			}
		}
		rows := fmt.Sprint(w.rows)
		if w.rows == nil {
			rows = "[]"
		}
		if rows != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.query, rows, c.want)
		}
	}
	w, err := run(t, g, newSession(), "SHOW STATUS WHERE Variable_name IN ('Uptime', 'Queries')")
	if err != nil || len(w.rows) != 2 || w.rows[0][1] == "0" {
		t.Errorf("SHOW STATUS counters: %v %v", w.rows, err)
	}
}

// A SELECT over its max_execution_time (hint or session variable) ends with
// 3024 and the session goes on.
func TestMaxExecutionTime(t *testing.T) {
	g := newGateway(t)
	s := newSession()
	s.DB = "demo"
	// 20,000 × 20,000 × 2,000 rows: hours, unless stopped.
	const slow = "FROM orders a, orders b, customers c WHERE a.total + b.total > c.customer_id"
	for _, c := range []struct{ set, query string }{
		{query: "SELECT /*+ MAX_EXECUTION_TIME(200) */ COUNT(*) " + slow},
		{set: "SET SESSION max_execution_time = 200", query: "SELECT COUNT(*) " + slow},
		{set: "SET @@max_execution_time = 200", query: "SELECT COUNT(*) " + slow + " UNION ALL SELECT 1"},
	} {
		if c.set != "" {
			if _, err := run(t, g, s, c.set); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		_, err := run(t, g, s, c.query)
		if sqlerr.KindOf(err) != sqlerr.QueryTimeout || err.Error() != "Query execution was interrupted, maximum statement execution time exceeded" {
			t.Fatalf("%s: %v, want a timeout", c.query, err)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Fatalf("%s: stopped only after %v", c.query, d)
		}
		if w, err := run(t, g, s, "SELECT /*+ MAX_EXECUTION_TIME(60000) */ COUNT(*) FROM customers"); err != nil || fmt.Sprint(w.rows) != "[[2000]]" {
			t.Fatalf("after the timeout: %v %v", w.rows, err)
		}
	}
	// SET itself is not limited, and 0 lifts the limit.
	if _, err := run(t, g, s, "SET max_execution_time = 0"); err != nil {
		t.Fatal(err)
	}
	if w, err := run(t, g, s, "SELECT @@max_execution_time"); err != nil || fmt.Sprint(w.rows) != "[[0]]" {
		t.Fatalf("@@max_execution_time: %v %v", w.rows, err)
	}
}

// information_schema.COLUMNS lists views' columns, as MySQL does (JDBC's
// getColumns and ODBC's SQLColumns read them there), also for a view over
// information_schema.COLUMNS itself.
func TestInformationSchemaViewColumns(t *testing.T) {
	dir, _ := filepath.Abs("../examples/demo")
	cfg := &catalog.Config{
		Sources: map[string]catalog.SourceConfig{"demo": {Connector: "files", Options: map[string]any{"root": dir}}},
		Databases: map[string]catalog.DatabaseConfig{"shop": {
			Tables: map[string]string{"orders": "demo.orders"},
			Views: map[string]string{
				"big_orders": "SELECT order_id, total, total * 2 AS twice FROM orders WHERE total > 1000",
				"all_cols":   "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS",
			},
		}},
	}
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
	g := New(cat, eng, []catalog.UserConfig{{Name: "root"}}, "8.0.36-test", slog.New(slog.NewTextHandler(io.Discard, nil)))
	w, err := run(t, g, newSession(), "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE FROM information_schema.COLUMNS "+
		"WHERE TABLE_SCHEMA = 'shop' AND TABLE_NAME <> 'orders' ORDER BY TABLE_NAME, ORDINAL_POSITION")
	want := "[[all_cols TABLE_NAME text text] [all_cols COLUMN_NAME text text] " +
		"[big_orders order_id bigint bigint] [big_orders total decimal decimal(12,2)] [big_orders twice decimal decimal(18,2)]]"
	if err != nil || fmt.Sprint(w.rows) != want {
		t.Errorf("view columns: %v, %v\nwant %s", w.rows, err, want)
	}
}
