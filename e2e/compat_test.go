package e2e

import (
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/tributary-sql/tributary/internal/testcert"
)

// cli runs the mysql command-line client against g in batch mode with
// stdin as its input and returns its combined output.
func (g *gateway) cli(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("mysql")
	if err != nil {
		t.Fatal("the mysql client is required (Debian package mariadb-client); .ci/run installs it")
	}
	host, port, _ := strings.Cut(g.addr, ":")
	base := []string{"--no-defaults", "-h", host, "-P", port, "--protocol=tcp", "--batch"}
	cmd := exec.Command(bin, append(base, args...)...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// resultSets reads every result set of a multi-statement query.
func resultSets(t *testing.T, rows *sql.Rows) ([][][]string, error) {
	t.Helper()
	defer rows.Close()
	var sets [][][]string
	for {
		cols, err := rows.Columns()
		if err != nil {
			return sets, err
		}
		var set [][]string
		for rows.Next() {
			vals := make([]sql.NullString, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				return sets, err
			}
			row := make([]string, len(cols))
			for i, v := range vals {
				row[i] = v.String
			}
			set = append(set, row)
		}
		sets = append(sets, set)
		if !rows.NextResultSet() {
			return sets, rows.Err()
		}
	}
}

// Several statements in one COM_QUERY, from go-sql-driver with
// multiStatements=true and from the mysql CLI (which sends a whole
// delimited block as one query).
func TestMultiStatementQueries(t *testing.T) {
	g := start(t, "")
	ctx := ctxTimeout(t, 60*time.Second)
	db, err := sql.Open("mysql", g.dsn("root", "", "demo")+"&multiStatements=true")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, "SELECT COUNT(*) FROM customers; SET @x = 'a;b'; SELECT 'semi;colon' /* ; */ AS s; SELECT 2")
	if err != nil {
		t.Fatal(err)
	}
	sets, err := resultSets(t, rows)
	if err != nil || fmt.Sprint(sets) != "[[[2000]] [[semi;colon]] [[2]]]" {
		t.Fatalf("result sets %v, %v", sets, err)
	}
	rows, err = conn.QueryContext(ctx, "SELECT 1; SELECT * FROM nope; SELECT 3")
	if err != nil {
		t.Fatal(err)
	}
	sets, err = resultSets(t, rows)
	if fmt.Sprint(sets) != "[[[1]]]" {
		t.Fatalf("results before the error: %v", sets)
	}
	mysqlErr(t, err, 1146, "42S02")
	var one int
	if err := conn.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		t.Fatalf("session after the error: %v", err)
	}

	plain := g.open(t, "root", "", "demo")
	_, err = plain.ExecContext(ctx, "SELECT 1; SELECT 2")
	mysqlErr(t, err, 1064, "42000")

	out, err := g.cli(t, "DELIMITER //\nSELECT 1 AS a; SELECT 'x;y' AS b; SELECT COUNT(*) AS n FROM customers//\n", "demo")
	if err != nil || out != "a\n1\nb\nx;y\nn\n2000\n" {
		t.Fatalf("mysql CLI: %v\n%q", err, out)
	}
	out, err = g.cli(t, "DELIMITER //\nSELECT 1 AS a; SELECT * FROM nope; SELECT 2 AS c//\n", "demo")
	if err == nil || !strings.HasPrefix(out, "a\n1\n") || !strings.Contains(out, "ERROR 1146 (42S02) at line 2") || strings.Contains(out, "c\n2") {
		t.Fatalf("mysql CLI error: %v\n%q", err, out)
	}
}

// The SHOW statements administrators and tools send, through the mysql CLI.
func TestShowStatements(t *testing.T) {
	demo, _ := filepath.Abs(demoDir)
	g := start(t, `
users:
  - {name: root}
  - {name: shopper, password: pw, databases: [shop]}
sources:
  demo: {connector: files, options: {root: "`+demo+`"}}
databases:
  shop:
    tables: {orders: demo.orders}
`)
	other := g.open(t, "shopper", "pw", "shop")
	if err := other.Ping(); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ user, query, want string }{
		{"root", "SHOW INDEX FROM customers", ""},
		{"root", "SHOW GRANTS", "Grants for root@%\nGRANT SELECT ON *.* TO `root`@`%`\n"},
		{"shopper", "SHOW GRANTS FOR CURRENT_USER()", "Grants for shopper@%\nGRANT USAGE ON *.* TO `shopper`@`%`\nGRANT SELECT ON `shop`.* TO `shopper`@`%`\n"},
		{"root", "SHOW COLLATION WHERE Charset = 'binary'", "Collation\tCharset\tId\tDefault\tCompiled\tSortlen\tPad_attribute\nbinary\tbinary\t63\tYes\tYes\t1\tNO PAD\n"},
		{"root", "SHOW CHARACTER SET LIKE 'utf8%'", "Charset\tDescription\tDefault collation\tMaxlen\nutf8mb4\tUTF-8 Unicode\tutf8mb4_general_ci\t4\n"},
		{"root", "SHOW ENGINES", "Engine\tSupport\tComment\tTransactions\tXA\tSavepoints\nTributary\tDEFAULT\tFederated, read-only tables of the configured sources\tNO\tNO\tNO\n"},
		{"root", "SHOW TABLES WHERE Tables_in_demo LIKE 'order%'", "Tables_in_demo\norder_items\norders\n"},
		{"root", "SHOW STATUS WHERE Variable_name = 'Threads_connected'", "Variable_name\tValue\nThreads_connected\t2\n"},
		{"root", "SHOW TABLE STATUS WHERE Name = 'customers' AND Engine = 'demo'", "Name\tEngine\tVersion\tRow_format\tRows\tAvg_row_length\tData_length\tMax_data_length\tIndex_length\tData_free\tAuto_increment\tCreate_time\tUpdate_time\tCheck_time\tCollation\tChecksum\tCreate_options\tComment\n" +
			"customers\tdemo\t10\tDynamic\t2000\t0\t0\t0\t0\t0\tNULL\tNULL\tNULL\tNULL\tutf8mb4_general_ci\tNULL\t\tsource demo, table customers\n"},
		{"shopper", "SHOW CREATE DATABASE shop", "Database\tCreate Database\nshop\tCREATE DATABASE `shop` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci */ /*!80016 DEFAULT ENCRYPTION='N' */\n"},
	}
	for _, c := range cases {
		pw := []string{}
		if c.user == "shopper" {
			pw = []string{"-ppw"}
		}
		db := "demo"
		if c.user == "shopper" {
			db = "shop"
		}
		out, err := g.cli(t, "", append(pw, "-u", c.user, "-e", c.query, db)...)
		if err != nil || out != c.want {
			t.Errorf("%s: %v\n got %q\nwant %q", c.query, err, out, c.want)
		}
	}
	// Each user sees their own connections only; the CLI's own statement
	// is running.
	out, err := g.cli(t, "", "-u", "root", "-e", "SHOW FULL PROCESSLIST", "demo")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 2 || lines[0] != "Id\tUser\tHost\tdb\tCommand\tTime\tState\tInfo" ||
		!strings.HasSuffix(lines[1], "\tdemo\tQuery\t0\texecuting\tSHOW FULL PROCESSLIST") || !strings.Contains(lines[1], "\troot\t127.0.0.1:") {
		t.Errorf("SHOW FULL PROCESSLIST: %v\n%s", err, out)
	}
	out, err = g.cli(t, "", "-u", "root", "-e", "status", "demo")
	if err != nil || !strings.Contains(out, "Uptime:") || !strings.Contains(out, "Threads: 2  Questions: ") {
		t.Errorf("status: %v\n%s", err, out)
	}
	var n int
	rows, err := other.Query("SHOW PROCESSLIST")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		n++
	}
	if rows.Close(); n < 1 {
		t.Errorf("shopper sees %d connections", n)
	}
}

// max_execution_time, as a hint and as a session variable, over the wire.
func TestMaxExecutionTime(t *testing.T) {
	g := start(t, "")
	ctx := ctxTimeout(t, 90*time.Second)
	conn, err := g.open(t, "root", "", "demo").Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	const slow = "SELECT COUNT(*) FROM orders a, orders b, customers c WHERE a.total + b.total > c.customer_id"
	var n int64
	start := time.Now()
	err = conn.QueryRowContext(ctx, "SELECT /*+ MAX_EXECUTION_TIME(300) */ COUNT(*) FROM orders a, orders b, customers c WHERE a.total + b.total > c.customer_id").Scan(&n)
	mysqlErr(t, err, 3024, "HY000")
	if _, err := conn.ExecContext(ctx, "SET SESSION max_execution_time = 300"); err != nil {
		t.Fatal(err)
	}
	err = conn.QueryRowContext(ctx, slow).Scan(&n)
	mysqlErr(t, err, 3024, "HY000")
	if d := time.Since(start); d > 60*time.Second {
		t.Fatalf("timeouts took %v", d)
	}
	if err := conn.QueryRowContext(ctx, "SELECT COUNT(*) FROM customers").Scan(&n); err != nil || n != 2000 {
		t.Fatalf("session after the timeouts: %d %v", n, err)
	}
}

// TLS from the config: go-sql-driver verifying a self-signed certificate,
// the mysql CLI with --ssl, plain logins refused with
// require_secure_transport, and `tributary check` on bad files.
func TestTLSLogin(t *testing.T) {
	dir := t.TempDir()
	pair, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pair.CertPEM, 0o600)
	os.WriteFile(key, pair.KeyPEM, 0o600)
	demo, _ := filepath.Abs(demoDir)
	config := fmt.Sprintf(`
users: [{name: analyst, password: s3cret}]
sources:
  demo: {connector: files, options: {root: %q}}
tls: {cert: %q, key: %q, require_secure_transport: true}
`, demo, cert, key)
	path := filepath.Join(dir, "tributary.yaml")
	os.WriteFile(path, []byte(config), 0o600)
	if out, err := exec.Command(binary, "check", path).CombinedOutput(); err != nil {
		t.Fatalf("check: %v\n%s", err, out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(config, cert, filepath.Join(dir, "nope.pem"), 1)), 0o600)
	if out, err := exec.Command(binary, "check", bad).CombinedOutput(); err == nil || !strings.Contains(string(out), "nope.pem") {
		t.Fatalf("check with a missing certificate: %v\n%s", err, out)
	}

	g := start(t, config)
	if err := mysql.RegisterTLSConfig("e2e", pair.Client()); err != nil {
		t.Fatal(err)
	}
	secure, err := sql.Open("mysql", g.dsn("analyst", "s3cret", "demo")+"&tls=e2e")
	if err != nil {
		t.Fatal(err)
	}
	defer secure.Close()
	var name, cipher string
	var n int
	if err := secure.QueryRow("SELECT COUNT(*) FROM customers").Scan(&n); err != nil || n != 2000 {
		t.Fatalf("query over TLS: %d %v", n, err)
	}
	if err := secure.QueryRow("SHOW STATUS LIKE 'Ssl_cipher'").Scan(&name, &cipher); err != nil || cipher == "" {
		t.Fatalf("Ssl_cipher %q %v", cipher, err)
	}
	var haveSSL string
	if err := secure.QueryRow("SELECT @@have_ssl").Scan(&haveSSL); err != nil || haveSSL != "YES" {
		t.Fatalf("@@have_ssl %q %v", haveSSL, err)
	}
	mysqlErr(t, g.open(t, "analyst", "s3cret", "demo").Ping(), 3159, "HY000")

	out, err := g.cli(t, "", "--ssl", "--skip-ssl-verify-server-cert", "-u", "analyst", "-ps3cret", "-N", "-e", "SHOW STATUS LIKE 'Ssl_version'; SELECT COUNT(*) FROM customers", "demo")
	if err != nil || !strings.HasPrefix(out, "Ssl_version\tTLSv1.") || !strings.HasSuffix(out, "\n2000\n") {
		t.Errorf("mysql --ssl: %v\n%s", err, out)
	}
	out, err = g.cli(t, "", "--ssl-ca="+cert, "--ssl-verify-server-cert", "-u", "analyst", "-ps3cret", "-N", "-e", "SELECT 1")
	if err != nil || out != "1\n" {
		t.Errorf("mysql --ssl-verify-server-cert: %v\n%s", err, out)
	}
	out, err = g.cli(t, "", "--skip-ssl", "-u", "analyst", "-ps3cret", "-e", "SELECT 1")
	if err == nil || !strings.Contains(out, "ERROR 3159 (HY000)") {
		t.Errorf("mysql --skip-ssl: %v\n%s", err, out)
	}
}
