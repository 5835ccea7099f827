package e2e

import (
	"database/sql"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
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
