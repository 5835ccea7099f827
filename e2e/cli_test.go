package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// `tributary check` reports every error of a config, with its path, and
// exits non-zero; a good config passes.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(`
users: [{name: a, databases: [nowhere]}]
sources:
  s: {connector: oracle}
databases:
  v:
    tables: {t: missing.t}
    views: {x: "SELEC 1"}
`), 0o600)
	out, err := exec.Command(binary, "check", bad).CombinedOutput()
	if err == nil {
		t.Fatalf("check passed a bad config:\n%s", out)
	}
	for _, want := range []string{"4 error(s)", `users[0].databases: unknown database "nowhere"`,
		`sources.s.connector: unknown connector "oracle"`, `databases.v.tables.t: unknown source "missing"`, "databases.v.views.x:"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	unknownKey := filepath.Join(dir, "typo.yaml")
	os.WriteFile(unknownKey, []byte("users: [{name: a}]\nlisten: 127.0.0.1:1\nlsiten: x\n"), 0o600)
	out, err = exec.Command(binary, "check", unknownKey).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "[3:1]") || !strings.Contains(string(out), "lsiten") {
		t.Fatalf("unknown key: %v\n%s", err, out)
	}
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte("users: [{name: a}]\nsources:\n  s: {connector: files, options: {root: /tmp}}\n"), 0o600)
	if out, err := exec.Command(binary, "check", good).CombinedOutput(); err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("good config: %v\n%s", err, out)
	}
	if out, err := exec.Command(binary, "version").CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "tributary ") {
		t.Fatalf("version: %v\n%s", err, out)
	}
}

// A passwordless user is refused on a non-loopback address.
func TestRefusesOpenRoot(t *testing.T) {
	out, err := exec.Command(binary, "serve", "--listen", "0.0.0.0:0").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no password") {
		t.Fatalf("demo on 0.0.0.0: %v\n%s", err, out)
	}
}

// Users see only the databases granted to them.
func TestDatabaseGrants(t *testing.T) {
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
	db := g.open(t, "shopper", "pw", "")
	got := collect(t, db, "SHOW DATABASES")
	if len(got) != 2 || got[0][0] != "information_schema" || got[1][0] != "shop" {
		t.Fatalf("SHOW DATABASES for shopper = %v", got)
	}
	if got := collect(t, db, "SELECT COUNT(*) FROM shop.orders"); got[0][0] != "20000" {
		t.Fatalf("count = %v", got)
	}
	if got := collect(t, db, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA ORDER BY 1"); fmt.Sprint(got) != "[[information_schema] [shop]]" {
		t.Fatalf("information_schema.SCHEMATA for shopper = %v", got)
	}
	if got := collect(t, db, "SELECT DISTINCT TABLE_SCHEMA FROM information_schema.COLUMNS ORDER BY 1"); fmt.Sprint(got) != "[[information_schema] [shop]]" {
		t.Fatalf("information_schema.COLUMNS schemas for shopper = %v", got)
	}
	_, err := db.Exec("SELECT COUNT(*) FROM demo.orders")
	mysqlErr(t, err, 1044, "42000")
	_, err = db.Exec("USE demo")
	mysqlErr(t, err, 1044, "42000")
	denied := g.open(t, "shopper", "pw", "demo")
	mysqlErr(t, denied.Ping(), 1044, "42000")
}

// The admin address serves health and Prometheus metrics.
func TestAdminEndpoint(t *testing.T) {
	admin := freePort(t)
	demo, _ := filepath.Abs(demoDir)
	g := start(t, fmt.Sprintf("admin: %s\nusers: [{name: root}]\nsources:\n  demo: {connector: files, options: {root: %q}}\n", admin, demo))
	db := g.open(t, "root", "", "demo")
	collect(t, db, "SELECT COUNT(*) FROM customers")
	db.Exec("SELECT * FROM nope")
	get := func(path string) string {
		resp, err := http.Get("http://" + admin + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return string(b)
	}
	if got := get("/healthz"); got != "ok\n" {
		t.Fatalf("/healthz = %q", got)
	}
	if got := get("/readyz"); got != "ok\n" { // sources were warmed up by now
		t.Fatalf("/readyz = %q", got)
	}
	m := get("/metrics")
	for _, want := range []string{
		`tributary_statements_total{code="0",kind="select"} 1`,
		`tributary_statements_total{code="1146",kind="select"} 1`,
		`tributary_source_scans_total{source="demo"} 1`,
		"tributary_statement_duration_seconds_bucket",
		"process_resident_memory_bytes",
	} {
		if !strings.Contains(m, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
}
