package e2e

import (
	"bytes"
	"database/sql"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

var updateClients = flag.Bool("update", false, "rewrite e2e/testdata/clients/*.golden with what the clients report")

const clientsDir = "testdata/clients"

// The clients' password: every client logs in with one, as a BI tool would.
const clientPassword = "s3cret'pw"

// clientsGateway serves one virtual database, shop, whose tables live in
// PostgreSQL (orders), MariaDB (customers, shipments) and files (products
// as JSON lines, order_items as Parquet), to user analyst.
func clientsGateway(t *testing.T) *gateway {
	t.Helper()
	pgDSN, myDSN := loadDemo(t)
	my, err := sql.Open("mysql", myDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer my.Close()
	// Shipments bring the types the demo lacks: INT, DATETIME, DOUBLE
	// with NULLs, and a secondary index.
	mustExec(t, my, "DROP TABLE IF EXISTS shipments")
	mustExec(t, my, `CREATE TABLE shipments (shipment_id int PRIMARY KEY, order_id bigint NOT NULL,
		shipped_at datetime NOT NULL, weight_kg double, carrier varchar(20) NOT NULL, KEY (order_id))`)
	mustExec(t, my, `INSERT INTO shipments VALUES
		(1, 10, '2024-03-01 08:15:00', 1.25, 'DHL'),
		(2, 11, '2024-03-02 17:45:30', 0.5, 'UPS'),
		(3, 12, '2024-03-03 09:00:05', NULL, 'DHL'),
		(4, 13, '2024-03-04 23:59:59', 12.75, 'DHL'),
		(5, 40, '2024-04-01 00:00:00', 3, 'O''Neil Freight')`)
	demo, _ := filepath.Abs(demoDir)
	return start(t, fmt.Sprintf(`
users:
  - {name: analyst, password: %q, databases: [shop]}
sources:
  sales: {connector: postgres, options: {dsn: %q}, hidden: true}
  crm: {connector: mysql, options: {dsn: %q}, hidden: true}
  lake: {connector: files, options: {root: %q}, hidden: true}
databases:
  shop:
    tables:
      customers: crm.customers
      shipments: crm.shipments
      orders: sales.orders
      products: lake.products
      order_items: lake.order_items
    views:
      big_orders: SELECT order_id, customer_id, total FROM orders WHERE total > 1000
`, clientPassword, pgDSN, myDSN, demo))
}

// clientCase is one real client. Each drives the gateway the way the tools
// built on it do (the programs under testdata/clients say what they send)
// and prints what it saw — names, type codes, sizes and values as that
// client's own types — which must match testdata/clients/NAME.golden.
type clientCase struct {
	name string
	// cmd returns the client's command, or fails the test when the client is
	// not installed (scripts/test.sh installs every one).
	cmd func(t *testing.T, dir string) *exec.Cmd
	// report, instead of cmd, runs a client in this process.
	report func(t *testing.T, g *gateway) string
}

// systemPython is Debian's python, which has the Debian python3-* packages;
// a python3 earlier on PATH (pyenv) does not.
const systemPython = "/usr/bin/python3"

func python(module, script string) func(t *testing.T, dir string) *exec.Cmd {
	return func(t *testing.T, dir string) *exec.Cmd {
		need(t, exec.Command(systemPython, "-c", "import "+module), "Debian packages python3-pymysql python3-sqlalchemy python3-pandas python3-pyodbc")
		return exec.Command(systemPython, filepath.Join(clientsDir, script))
	}
}

// mariadbJar is Debian libmariadb-java's MariaDB Connector/J.
const mariadbJar = "/usr/share/java/mariadb-java-client.jar"

func connectorJ(t *testing.T, dir string) *exec.Cmd {
	need(t, exec.Command("javac", "-version"), "a JDK (Debian package default-jdk-headless)")
	if _, err := os.Stat(mariadbJar); err != nil {
		t.Fatalf("client not installed: need Debian package libmariadb-java (scripts/test.sh installs it): %v", err)
	}
	out, err := exec.Command("javac", "-d", dir, "-cp", mariadbJar, filepath.Join(clientsDir, "ConnectorJ.java")).CombinedOutput()
	if err != nil {
		t.Fatalf("javac: %v\n%s", err, out)
	}
	return exec.Command("java", "-cp", dir+string(os.PathListSeparator)+mariadbJar, "ConnectorJ")
}

func nodeMySQL2(t *testing.T, dir string) *exec.Cmd {
	need(t, exec.Command("npm", "--version"), "node and npm (Debian package npm)")
	nodeDir := filepath.Join(clientsDir, "node")
	if _, err := os.Stat(filepath.Join(nodeDir, "node_modules", "mysql2")); err != nil {
		npm := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		npm.Dir = nodeDir
		if out, err := npm.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", nodeDir, err, out)
		}
	}
	return exec.Command("node", filepath.Join(nodeDir, "mysql2.js"))
}

// need fails the test with a clear message when probe fails.
func need(t *testing.T, probe *exec.Cmd, what string) {
	t.Helper()
	if out, err := probe.CombinedOutput(); err != nil {
		t.Fatalf("client not installed: need %s (scripts/test.sh installs it): %v\n%s", what, err, out)
	}
}

var clientCases = []clientCase{
	{name: "pymysql", cmd: python("pymysql", "pymysql_client.py")},
	{name: "sqlalchemy", cmd: python("sqlalchemy, pandas, pymysql", "sqlalchemy_client.py")},
	{name: "connectorj", cmd: connectorJ},
	{name: "odbc", cmd: python("pyodbc", "odbc_client.py")},
	{name: "mysql2", cmd: nodeMySQL2},
	{name: "go-interpolate", report: func(t *testing.T, g *gateway) string { return goClientReport(t, g, true) }},
	{name: "go-prepared", report: func(t *testing.T, g *gateway) string { return goClientReport(t, g, false) }},
}

// TestClients runs every real client against one gateway and compares what
// each reports with its golden file (go test -run TestClients -update
// rewrites them; review the diff: it is the compatibility record).
func TestClients(t *testing.T) {
	g := clientsGateway(t)
	host, port, _ := net.SplitHostPort(g.addr)
	env := append(os.Environ(), "TRIBUTARY_HOST="+host, "TRIBUTARY_PORT="+port,
		"TRIBUTARY_USER=analyst", "TRIBUTARY_PASSWORD="+clientPassword, "TRIBUTARY_DATABASE=shop")
	for _, c := range clientCases {
		t.Run(c.name, func(t *testing.T) {
			var got string
			if c.report != nil {
				got = c.report(t, g)
			} else {
				cmd := c.cmd(t, t.TempDir())
				cmd.Env = env
				var stderr bytes.Buffer
				cmd.Stderr = &stderr
				out, err := cmd.Output()
				if err != nil {
					t.Fatalf("%s: %v\nstdout:\n%s\nstderr:\n%s", c.name, err, out, stderr.String())
				}
				got = string(out)
			}
			golden := filepath.Join(clientsDir, c.name+".golden")
			if *updateClients {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s reports differ from %s (-update rewrites it):\n%s", c.name, golden, lineDiff(string(want), got))
			}
		})
	}
}

// lineDiff lists the lines of want and got that differ, by position.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d\n  want %q\n  got  %q\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// shipmentsQuery is the parameterised query every client runs: a join of
// MariaDB and PostgreSQL tables with a column of each type the clients map
// (INT, BIGINT, DECIMAL, VARCHAR, DATE, DATETIME, DOUBLE with a NULL).
// Clients substitute their own placeholder for ?.
const shipmentsQuery = `SELECT s.shipment_id, o.order_id, o.total, c.name, o.order_date, s.shipped_at, s.weight_kg
FROM shipments s JOIN orders o ON o.order_id = s.order_id JOIN customers c ON c.customer_id = o.customer_id
WHERE s.order_id BETWEEN ? AND ? AND s.carrier <> ? ORDER BY s.shipment_id`

// typedQuery takes parameters of the types clients bind: a DATETIME, a
// DATE, a DECIMAL and a NULL.
const typedQuery = `SELECT s.shipment_id, o.total FROM shipments s JOIN orders o ON o.order_id = s.order_id
WHERE s.shipped_at >= ? AND o.order_date <= ? AND o.total > ? AND COALESCE(?, s.carrier) = s.carrier ORDER BY s.shipment_id`

// goClientReport is the go-sql-driver/mysql client: the shipments query
// with the arguments interpolated into the text (COM_QUERY) or bound in a
// prepared statement (COM_STMT_PREPARE/EXECUTE, binary rows).
func goClientReport(t *testing.T, g *gateway, interpolate bool) string {
	c := mysql.NewConfig()
	c.User, c.Passwd, c.Net, c.Addr, c.DBName = "analyst", clientPassword, "tcp", g.addr, "shop"
	c.ParseTime, c.InterpolateParams = true, interpolate
	db, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	rows, err := db.Query(shipmentsQuery, 10, 13, "UPS")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	for _, ct := range cts {
		precision, scale, ok := ct.DecimalSize()
		size := "-"
		if ok {
			size = fmt.Sprintf("%d,%d", precision, scale)
		}
		nullable, _ := ct.Nullable()
		fmt.Fprintf(&b, "column %s %s decimal=%s nullable=%v scan=%v\n", ct.Name(), ct.DatabaseTypeName(), size, nullable, ct.ScanType())
	}
	for rows.Next() {
		vals := make([]any, len(cts))
		ptrs := make([]any, len(cts))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		var cells []string
		for _, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			cells = append(cells, fmt.Sprintf("%T(%v)", v, v))
		}
		fmt.Fprintf(&b, "row %s\n", strings.Join(cells, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	var name string
	if err := db.QueryRow("SELECT carrier FROM shipments WHERE carrier = ?", "O'Neil Freight").Scan(&name); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(&b, "quoted parameter %q\n", name)
	typed := collectExact(t, db, typedQuery, time.Date(2024, 3, 2, 0, 0, 0, 0, time.UTC), "2022-02-10", "500.00", nil)
	fmt.Fprintf(&b, "typed parameters %v\n", typed)
	return b.String()
}
