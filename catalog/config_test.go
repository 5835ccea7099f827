package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tributary-sql/tributary/internal/testcert"
)

func TestParseConfigStrict(t *testing.T) {
	_, err := ParseConfig([]byte("listen: 127.0.0.1:1\nsources:\n  a:\n    connector: files\n    colour: red\n"))
	if err == nil || !strings.Contains(err.Error(), "[5:5]") || !strings.Contains(err.Error(), "colour") {
		t.Fatalf("unknown key error = %v, want line 5 column 5 naming the key", err)
	}
}

func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "pw")
	if err := os.WriteFile(secret, []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TRIB_TEST_PW", "from-env")
	cfg, err := ParseConfig([]byte(`
users:
  - {name: a, password: "${env:TRIB_TEST_PW}"}
  - {name: b, password: "${file:` + secret + `}"}
sources:
  s:
    connector: files
    options: {dsn: "u:${env:TRIB_TEST_PW}@h", nested: {list: ["${file:` + secret + `}"]}}
`))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Users[0].Password != "from-env" || cfg.Users[1].Password != "from-file" {
		t.Fatalf("passwords %q %q", cfg.Users[0].Password, cfg.Users[1].Password)
	}
	if cfg.Sources["s"].Options["dsn"] != "u:from-env@h" {
		t.Fatalf("dsn %v", cfg.Sources["s"].Options["dsn"])
	}
	if got := cfg.Sources["s"].Options["nested"].(map[string]any)["list"].([]any)[0]; got != "from-file" {
		t.Fatalf("nested %v", got)
	}
	if cfg.Listen != DefaultListen {
		t.Fatalf("listen %q", cfg.Listen)
	}

	_, err = ParseConfig([]byte("users: [{name: a, password: '${env:TRIB_TEST_MISSING}'}]\n"))
	if err == nil || !strings.Contains(err.Error(), "users[0].password") || !strings.Contains(err.Error(), "TRIB_TEST_MISSING") {
		t.Fatalf("missing env error = %v", err)
	}
}

func TestValidateReportsEveryError(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
users:
  - {name: a, databases: [nope]}
  - {name: a}
sources:
  s1: {connector: files}
  s2: {connector: oracle}
  s3: {}
  mysql: {connector: files}
databases:
  s1:
    tables: {t: s1.t}
  v:
    tables: {t: missing.t, u: bad}
    views: {t: "SELECT 1", e: " "}
`))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, e := range cfg.Validate([]string{"files"}) {
		msgs = append(msgs, e.Error())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{
		`users[0].databases: unknown database "nope"`,
		`users[1].name: duplicate user "a"`,
		`sources.s2.connector: unknown connector "oracle"`,
		`sources.s3: one of connector or plugin is required`,
		`sources.mysql: "mysql" is a reserved database name`,
		`databases.s1: database name also defined by sources.s1`,
		`databases.v.tables.t: unknown source "missing"`,
		`databases.v.tables.u: "bad" is not of the form source.table`,
		`databases.v.views.t: a table of that name exists`,
		`databases.v.views.e: empty query`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing error %q in:\n%s", want, all)
		}
	}
	if errors.Join(cfg.Validate([]string{"files"})...) == nil {
		t.Fatal("no errors")
	}
}

func TestTLSConfig(t *testing.T) {
	dir := t.TempDir()
	pair, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	cert, key := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(cert, pair.CertPEM, 0o600)
	os.WriteFile(key, pair.KeyPEM, 0o600)
	cases := []struct{ tls, want string }{
		{"{cert: " + cert + ", key: " + key + ", require_secure_transport: true}", ""},
		{"{key: " + key + "}", "tls.cert: required"},
		{"{cert: " + cert + "}", "tls.key: required"},
		{"{cert: " + dir + "/missing.pem, key: " + key + "}", "missing.pem: no such file"},
		{"{cert: " + key + ", key: " + cert + "}", "tls: certificate"},
	}
	for _, c := range cases {
		cfg, err := ParseConfig([]byte("users: [{name: a}]\ntls: " + c.tls + "\n"))
		if err != nil {
			t.Fatal(err)
		}
		errs := errors.Join(cfg.Validate(nil)...)
		if c.want == "" && errs != nil || c.want != "" && (errs == nil || !strings.Contains(errs.Error(), c.want)) {
			t.Errorf("tls %s: %v, want %q", c.tls, errs, c.want)
		}
	}
	if _, err := ParseConfig([]byte("users: [{name: a}]\ntls: {cert: a, key: b, requre_secure_transport: true}\n")); err == nil {
		t.Error("unknown tls key accepted")
	}
}
