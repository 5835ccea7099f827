package tpch

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// binary is the tributary executable built by TestMain.
var binary string

func buildBinary(dir string) error {
	binary = filepath.Join(dir, "tributary")
	return BuildGateway("..", binary)
}

// start runs the gateway with config; it is stopped when the test ends,
// and its log is shown if the test failed.
func start(t testing.TB, config string) *Gateway {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tributary.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := StartGateway(binary, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		g.Stop()
		if t.Failed() {
			t.Logf("gateway log:\n%s", g.Log())
		}
	})
	return g
}

// open connects to the gateway's database db for the rest of the test.
func open(t testing.TB, g *Gateway, db string) *sql.DB {
	t.Helper()
	conn, err := g.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
