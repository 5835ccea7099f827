package testdb

import (
	"database/sql"
	"os"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

func TestServersStart(t *testing.T) {
	for _, c := range []struct{ driver, dsn, query, want string }{
		{"pgx", Postgres(t), "SELECT current_user", "tributary"},
		{"mysql", MariaDB(t), "SELECT CURRENT_USER()", "tributary@%"},
	} {
		db, err := sql.Open(c.driver, c.dsn)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		if err := db.QueryRow(c.query).Scan(&got); err != nil || got != c.want {
			t.Errorf("%s: %q, %v", c.driver, got, err)
		}
		db.Close()
	}
	if !strings.Contains(QueryLog(t, "postgres"), "SELECT current_user") {
		t.Error("PostgreSQL log lacks the query")
	}
	if !strings.Contains(QueryLog(t, "mariadb"), "SELECT CURRENT_USER()") {
		t.Error("MariaDB general log lacks the query")
	}
}
