package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-sql/tributary/internal/testdb"
)

// A source that goes down: its queries fail with 1429 naming it, other
// sources keep answering, and it works again by itself when it returns.
func TestSourceDownAndBack(t *testing.T) {
	pgDSN := testdb.Postgres(t)
	hostPort := pgDSN[strings.Index(pgDSN, "@")+1 : strings.LastIndex(pgDSN, "/")]
	px := testdb.NewProxy(t, hostPort)
	viaProxy := strings.Replace(pgDSN, hostPort, px.Addr, 1)
	pg, err := sql.Open("pgx", pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	mustExec(t, pg, "DROP TABLE IF EXISTS flaky")
	mustExec(t, pg, "CREATE TABLE flaky AS SELECT g AS id FROM generate_series(1, 100) g")
	demo, _ := filepath.Abs(demoDir)
	g := start(t, fmt.Sprintf(`
users: [{name: root}]
sources:
  sales: {connector: postgres, options: {dsn: %q}}
  demo: {connector: files, options: {root: %q}}
`, viaProxy, demo))
	db := g.open(t, "root", "", "")
	count := func() (string, error) {
		var n string
		err := db.QueryRow("SELECT COUNT(*) FROM sales.flaky").Scan(&n)
		return n, err
	}
	if n, err := count(); err != nil || n != "100" {
		t.Fatalf("before: %s, %v", n, err)
	}
	px.Down()
	_, err = count()
	mysqlErr(t, err, 1429, "HY000")
	if !strings.Contains(err.Error(), `"sales"`) {
		t.Fatalf("error does not name the source: %v", err)
	}
	if got := collect(t, db, "SELECT COUNT(*) FROM demo.orders"); got[0][0] != "20000" {
		t.Fatalf("other source: %v", got)
	}
	px.Up(t)
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, err := count()
		if err == nil && n == "100" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("source did not come back: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// KILL QUERY reaches the source: the PostgreSQL query behind a killed
// statement stops running.
func TestKillReachesSource(t *testing.T) {
	pgDSN := testdb.Postgres(t)
	pg, err := sql.Open("pgx", pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	mustExec(t, pg, "CREATE OR REPLACE VIEW slow_rows AS SELECT g AS id FROM generate_series(1, 100000) g WHERE pg_sleep(0.01) IS NOT NULL")
	g := start(t, fmt.Sprintf("users: [{name: root}]\nsources:\n  sales: {connector: postgres, options: {dsn: %q}}\n", pgDSN))
	db := g.open(t, "root", "", "sales")
	ctx := ctxTimeout(t, 60*time.Second)
	victim, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close()
	var id int64
	if err := victim.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		var n int64
		done <- victim.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM slow_rows").Scan(&n)
	}()
	active := func() int {
		var n int
		pg.QueryRow("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%slow_rows%' AND pid <> pg_backend_pid()").Scan(&n)
		return n
	}
	for deadline := time.Now().Add(10 * time.Second); active() == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the source query never started")
		}
	}
	if _, err := db.ExecContext(ctx, fmt.Sprintf("KILL QUERY %d", id)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		mysqlErr(t, err, 1317, "70100")
	case <-time.After(20 * time.Second):
		t.Fatal("KILL QUERY did not end the statement")
	}
	for deadline := time.Now().Add(10 * time.Second); active() > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the PostgreSQL query still runs after KILL QUERY")
		}
	}
}

// More scans of one source than its connection pool holds: scans open only
// when DuckDB reads them, so a query never waits for a connection held by
// a scan nobody is reading yet.
func TestMoreScansThanConnections(t *testing.T) {
	pgDSN := testdb.Postgres(t)
	pg, err := sql.Open("pgx", pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	mustExec(t, pg, "DROP TABLE IF EXISTS few")
	// Wide enough that a scan cannot finish into gRPC's and the sockets'
	// buffers: it holds its connection until someone reads it.
	mustExec(t, pg, "CREATE TABLE few AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 200000) g")
	g := start(t, fmt.Sprintf("users: [{name: root}]\nsources:\n  sales: {connector: postgres, options: {dsn: %q, pool_size: 1, batch_rows: 1024}}\n", pgDSN))
	db := g.open(t, "root", "", "sales")
	ctx := ctxTimeout(t, 60*time.Second)
	for q, want := range map[string]string{
		"SELECT COUNT(*) FROM few a JOIN few b ON a.id = b.id JOIN few c ON c.pad = b.pad AND c.id = b.id":           "200000",
		"SELECT COUNT(pad) FROM (SELECT pad FROM few UNION ALL SELECT pad FROM few UNION ALL SELECT pad FROM few) u": "600000",
	} {
		var got string
		if err := db.QueryRowContext(ctx, q).Scan(&got); err != nil || got != want {
			t.Fatalf("%s = %s, %v; want %s", q, got, err, want)
		}
	}
}
