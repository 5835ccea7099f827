package e2e

import (
	"database/sql"
	"fmt"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

const demoDir = "../examples/demo"

// duckdbDirect runs a query in an unlocked in-process DuckDB over the demo
// files themselves: the answer Tributary must give.
func duckdbDirect(t testing.TB, query string) [][]string {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	abs, _ := filepath.Abs(demoDir)
	for _, v := range []string{
		fmt.Sprintf(`CREATE VIEW customers AS SELECT * FROM read_csv('%s/customers.csv')`, abs),
		fmt.Sprintf(`CREATE VIEW orders AS SELECT * FROM read_parquet('%s/orders.parquet')`, abs),
	} {
		if _, err := db.Exec(v); err != nil {
			t.Fatal(err)
		}
	}
	return collect(t, db, query)
}

// collect reads every row as normalised text (see cell), NULL as "NULL".
func collect(t testing.TB, db *sql.DB, query string, args ...any) [][]string {
	t.Helper()
	return collectWith(t, db, cell, query, args...)
}

// collectExact reads every row as the text the server sent.
func collectExact(t testing.TB, db *sql.DB, query string, args ...any) [][]string {
	t.Helper()
	return collectWith(t, db, exactCell, query, args...)
}

func exactCell(v any) string {
	switch t := v.(type) {
	case []byte:
		return string(t)
	case float64: // go-sql-driver parses DOUBLE text into float64
		return strconv.FormatFloat(t, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(t), 'g', -1, 32)
	}
	return cell(v)
}

func collectWith(t testing.TB, db *sql.DB, cell func(any) string, query string, args ...any) [][]string {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			row[i] = cell(v)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return out
}

// cell renders a value the same way whether it came from Tributary over
// the MySQL text protocol or from DuckDB directly: numbers with a fraction
// to 12 significant digits (decimals stay exact at the sizes tested), dates
// and timestamps in MySQL's form.
func cell(v any) string {
	var s string
	switch t := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		s = string(t)
	case string:
		s = t
	case time.Time:
		if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
			return t.Format("2006-01-02")
		}
		return t.Format("2006-01-02 15:04:05.999999")
	case float64:
		return strconv.FormatFloat(t, 'g', 12, 64)
	case float32:
		return strconv.FormatFloat(float64(t), 'g', 12, 64)
	default:
		s = fmt.Sprint(t)
	}
	if strings.ContainsAny(s, ".eE") {
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return strconv.FormatFloat(f, 'g', 12, 64)
		}
	}
	return s
}

type colType struct{ name, dbType string }

func columnTypes(t testing.TB, db *sql.DB, query string) []colType {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	out := make([]colType, len(cts))
	for i, c := range cts {
		out[i] = colType{c.Name(), c.DatabaseTypeName()}
	}
	for rows.Next() {
	}
	return out
}

func TestDemoQueries(t *testing.T) {
	g := start(t, "")
	db := g.open(t, "root", "", "demo")

	cases := []struct {
		name  string
		query string
		types []colType
	}{
		{
			name: "cross-format join with group by and order by",
			query: `SELECT c.country, COUNT(*) AS orders, SUM(o.total) AS revenue
				FROM customers c JOIN orders o ON o.customer_id = c.customer_id
				GROUP BY c.country ORDER BY revenue DESC, c.country LIMIT 5`,
			types: []colType{{"country", "VARCHAR"}, {"orders", "BIGINT"}, {"revenue", "DECIMAL"}},
		},
		{
			name: "filtered scan",
			query: `SELECT order_id, customer_id, total FROM orders
				WHERE status = 'delivered' AND total > 100 AND order_id BETWEEN 100 AND 400 ORDER BY order_id`,
			types: []colType{{"order_id", "BIGINT"}, {"customer_id", "BIGINT"}, {"total", "DECIMAL"}},
		},
		{
			name:  "self join reads each reference separately",
			query: `SELECT COUNT(*) FROM orders a JOIN orders b ON a.order_id = b.order_id`,
			types: []colType{{"COUNT(*)", "BIGINT"}},
		},
		{
			name: "subquery, CTE and window",
			query: `WITH big AS (SELECT customer_id, SUM(total) AS spent FROM orders GROUP BY customer_id)
				SELECT customer_id, spent, RANK() OVER (ORDER BY spent DESC) AS r FROM big
				WHERE customer_id IN (SELECT customer_id FROM customers WHERE country = 'Germany')
				ORDER BY r, customer_id LIMIT 3`,
		},
		{
			name:  "union",
			query: `SELECT country FROM customers WHERE customer_id = 1 UNION ALL SELECT status FROM orders WHERE order_id = 1`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := collect(t, db, c.query)
			want := duckdbDirect(t, strings.ReplaceAll(c.query, "COUNT(*)", "COUNT(*)"))
			if len(got) == 0 {
				t.Fatal("no rows")
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("rows differ\n got %v\nwant %v", got, want)
			}
			if c.types != nil {
				if ct := columnTypes(t, db, c.query); !reflect.DeepEqual(ct, c.types) {
					t.Fatalf("column types %v, want %v", ct, c.types)
				}
			}
		})
	}
}

func TestBrowsing(t *testing.T) {
	g := start(t, "")
	db := g.open(t, "root", "", "")
	if got := collect(t, db, "SHOW DATABASES"); !reflect.DeepEqual(got, [][]string{{"information_schema"}, {"demo"}}) {
		t.Fatalf("SHOW DATABASES = %v", got)
	}
	got := collect(t, db, "SHOW TABLES FROM demo")
	names := []string{}
	for _, r := range got {
		names = append(names, r[0])
	}
	for _, want := range []string{"customers", "orders", "products"} {
		if !strings.Contains(strings.Join(names, ","), want) {
			t.Fatalf("SHOW TABLES = %v, missing %s", names, want)
		}
	}
	desc := collect(t, db, "DESCRIBE demo.orders")
	wantDesc := map[string]string{"order_id": "bigint", "customer_id": "bigint", "total": "decimal(12,2)", "order_date": "date", "status": "text"}
	for _, r := range desc {
		if w, ok := wantDesc[r[0]]; ok && r[1] != w {
			t.Errorf("DESCRIBE orders: %s is %s, want %s", r[0], r[1], w)
		}
		delete(wantDesc, r[0])
	}
	if len(wantDesc) > 0 {
		t.Errorf("DESCRIBE orders lacks %v (got %v)", wantDesc, desc)
	}
	// What the mysql CLI and drivers send on connect.
	for q, want := range map[string]string{
		"SELECT @@version_comment LIMIT 1": "Tributary SQL federation gateway",
		"SELECT @@max_allowed_packet":      "67108864",
		"SELECT DATABASE()":                "NULL",
	} {
		if got := collect(t, db, q); got[0][0] != want {
			t.Errorf("%s = %v, want %s", q, got, want)
		}
	}
	conn, err := db.Conn(ctxTimeout(t, 10e9))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, q := range []string{"SET NAMES utf8mb4", "SET autocommit=1", "SET SESSION sql_mode = 'ANSI'", "USE demo"} {
		if _, err := conn.ExecContext(ctxTimeout(t, 10e9), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var dbName string
	if err := conn.QueryRowContext(ctxTimeout(t, 10e9), "SELECT DATABASE()").Scan(&dbName); err != nil || dbName != "demo" {
		t.Fatalf("after USE demo, DATABASE() = %q, %v", dbName, err)
	}
	var mode string
	if err := conn.QueryRowContext(ctxTimeout(t, 10e9), "SELECT @@sql_mode").Scan(&mode); err != nil || mode != "ANSI" {
		t.Fatalf("@@sql_mode = %q, %v", mode, err)
	}
}

func TestErrors(t *testing.T) {
	g := start(t, "")
	db := g.open(t, "root", "", "demo")
	cases := []struct {
		query  string
		number uint16
		state  string
	}{
		{"SELECT * FROM no_such_table", 1146, "42S02"},
		{"SELECT * FROM nodb.t", 1049, "42000"},
		{"SELEC 1", 1064, "42000"},
		{"SELECT no_such_column FROM orders", 1054, "42S22"},
		{"SELECT getenv('HOME')", 1305, "42000"},
		{"SELECT * FROM read_csv('/etc/passwd')", 1064, "42000"},
		{"SELECT read_text('/etc/passwd')", 1305, "42000"},
		{"INSERT INTO orders VALUES (1)", 1235, "42000"},
		{"SET GLOBAL max_connections = 1", 1227, "42000"},
		{"SET memory_limit = '1GB'", 1193, "HY000"},
	}
	for _, c := range cases {
		t.Run(c.query, func(t *testing.T) {
			_, err := db.Exec(c.query)
			mysqlErr(t, err, c.number, c.state)
		})
	}
	// COPY, ATTACH, INSTALL are not MySQL: syntax errors, never run.
	for _, q := range []string{"COPY orders TO '/tmp/x.csv'", "ATTACH '/tmp/x.db'", "INSTALL httpfs", "LOAD httpfs"} {
		if _, err := db.Exec(q); err == nil {
			t.Errorf("%s succeeded", q)
		}
	}
	// The session still works after every error.
	if got := collect(t, db, "SELECT COUNT(*) FROM customers"); got[0][0] == "0" {
		t.Fatal("no customers")
	}
	// Wrong password and unknown user look the same.
	for _, user := range []string{"root", "nobody"} {
		bad := g.open(t, user, "wrong", "")
		mysqlErr(t, bad.Ping(), 1045, "28000")
	}
}

// The mysql command-line client, as a person would use it.
func TestMySQLCLI(t *testing.T) {
	cli, err := exec.LookPath("mysql")
	if err != nil {
		t.Fatal("the mysql client is required (Debian package mariadb-client); .ci/run installs it")
	}
	g := start(t, "")
	host, port, _ := strings.Cut(g.addr, ":")
	run := func(args ...string) (string, error) {
		base := []string{"-h", host, "-P", port, "-u", "root", "--protocol=tcp", "--skip-ssl", "--batch"}
		out, err := exec.Command(cli, append(base, args...)...).CombinedOutput()
		return string(out), err
	}
	out, err := run("demo", "-e", "SELECT c.country, COUNT(*) AS n FROM customers c JOIN orders o ON o.customer_id = c.customer_id GROUP BY c.country ORDER BY n DESC, c.country LIMIT 3")
	if err != nil {
		t.Fatalf("mysql: %v\n%s", err, out)
	}
	want := duckdbDirect(t, "SELECT c.country, COUNT(*) AS n FROM customers c JOIN orders o ON o.customer_id = c.customer_id GROUP BY c.country ORDER BY n DESC, c.country LIMIT 3")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if lines[0] != "country\tn" || len(lines) != 4 {
		t.Fatalf("output:\n%s", out)
	}
	for i, row := range want {
		if lines[i+1] != strings.Join(row, "\t") {
			t.Errorf("line %d = %q, want %q", i+1, lines[i+1], strings.Join(row, "\t"))
		}
	}
	out, err = run("-e", "SHOW DATABASES")
	if err != nil || !strings.Contains(out, "demo") {
		t.Fatalf("SHOW DATABASES: %v\n%s", err, out)
	}
	out, err = run("demo", "-e", "SELECT * FROM nope")
	if err == nil || !strings.Contains(out, "ERROR 1146 (42S02)") {
		t.Fatalf("unknown table: %v\n%s", err, out)
	}
}
