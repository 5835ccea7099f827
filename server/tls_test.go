package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/tributary-sql/tributary/internal/testcert"
)

var registerTLS sync.Once

// tlsServer serves over TLS with a fresh self-signed certificate and
// registers it with go-sql-driver as tls=tributary.
func tlsServer(t *testing.T, cfg Config) (*Server, testcert.Pair) {
	t.Helper()
	pair, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLS, err = pair.Server(); err != nil {
		t.Fatal(err)
	}
	if err := driver.RegisterTLSConfig("tributary", pair.Client()); err != nil {
		t.Fatal(err)
	}
	return startServer(t, cfg, newTestExecutor()), pair
}

func TestTLS(t *testing.T) {
	for _, method := range []string{"caching_sha2_password", "mysql_native_password"} {
		t.Run(method, func(t *testing.T) {
			srv, _ := tlsServer(t, Config{AuthMethod: method})
			db := openDB(t, srv, "alice", "s3cret", "shop", "tls=tributary")
			var version, cipher string
			if err := db.QueryRow("select tls").Scan(&version, &cipher); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(version, "TLSv1.") || cipher == "" {
				t.Fatalf("session TLS %q %q", version, cipher)
			}
			var n int
			if err := db.QueryRow("select count").Scan(&n); err == nil {
				t.Fatal("unknown statement succeeded")
			}
			rows, err := db.Query("select rows 5000")
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				n++
			}
			if rows.Close(); n != 5000 {
				t.Fatalf("%d rows over TLS", n)
			}
			// Failed logins over TLS read exactly as in plain text.
			for _, user := range []string{"alice", "nobody"} {
				bad := openDB(t, srv, user, "wrong", "", "tls=tributary")
				me := mysqlErr(t, bad.Ping())
				if want := "Access denied for user '" + user + "'@'127.0.0.1' (using password: YES)"; me.Number != 1045 || me.Message != want {
					t.Errorf("bad login over TLS: %d %q", me.Number, me.Message)
				}
			}
			// Plain connections still work when TLS is offered but not required.
			plain := openDB(t, srv, "alice", "s3cret", "", "")
			if err := plain.QueryRow("select tls").Scan(&version, &cipher); err != nil || version != "" {
				t.Fatalf("plain session: %q %v", version, err)
			}
		})
	}
}

func TestRequireSecureTransport(t *testing.T) {
	if _, err := New(Config{RequireSecureTransport: true}, newTestExecutor()); err == nil {
		t.Fatal("RequireSecureTransport without TLS accepted")
	}
	srv, _ := tlsServer(t, Config{RequireSecureTransport: true})
	plain := openDB(t, srv, "alice", "s3cret", "", "")
	me := mysqlErr(t, plain.Ping())
	if me.Number != 3159 || string(me.SQLState[:]) != "HY000" ||
		me.Message != "Connections using insecure transport are prohibited while --require_secure_transport=ON." {
		t.Fatalf("plain login: %d %s %q", me.Number, me.SQLState, me.Message)
	}
	secure := openDB(t, srv, "alice", "s3cret", "", "tls=tributary")
	if err := secure.PingContext(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// The mysql CLI (MariaDB's) over TLS: with its default --ssl, with the
// certificate verified, and refused without TLS when it is required.
func TestCLITLS(t *testing.T) {
	srv, pair := tlsServer(t, Config{RequireSecureTransport: true})
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, pair.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	bin, err := exec.LookPath("mysql")
	if err != nil {
		t.Fatal("the mysql client is required (Debian package mariadb-client; scripts/test.sh installs it)")
	}
	port := srv.Addr().(interface{ String() string }).String()
	port = port[strings.LastIndexByte(port, ':')+1:]
	cli := func(args ...string) (string, error) {
		base := []string{"--no-defaults", "-h127.0.0.1", "-P" + port, "--batch", "-ualice", "-ps3cret"}
		out, err := exec.Command(bin, append(base, args...)...).CombinedOutput()
		return string(out), err
	}
	for _, args := range [][]string{
		{"--ssl", "--skip-ssl-verify-server-cert"},
		{"--ssl-ca=" + ca, "--ssl-verify-server-cert"},
	} {
		out, err := cli(append(args, "-N", "-e", "select tls; select rows 2")...)
		if err != nil || !strings.HasPrefix(out, "TLSv1.") || !strings.HasSuffix(out, "0\t0\talpha\n1\t0.5\tbeta\n") {
			t.Errorf("mysql %v: %v\n%s", args, err, out)
		}
	}
	out, err := cli("--ssl", "-pwrong", "-e", "select db")
	if err == nil || !strings.Contains(out, "ERROR 1045 (28000): Access denied for user 'alice'@'127.0.0.1' (using password: YES)") {
		t.Errorf("wrong password over TLS: %v %q", err, out)
	}
	out, err = cli("--skip-ssl", "-e", "select db")
	if err == nil || !strings.Contains(out, "ERROR 3159 (HY000)") {
		t.Errorf("plain login with TLS required: %v %q", err, out)
	}
}

// A TLS client that goes away mid-statement cancels it, as a plain one does:
// the disconnect watcher reads below the TLS layer.
func TestTLSDisconnectCancels(t *testing.T) {
	pair, err := testcert.New()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := pair.Server()
	if err != nil {
		t.Fatal(err)
	}
	exec := newTestExecutor()
	srv := startServer(t, Config{TLS: cfg}, exec)
	if err := driver.RegisterTLSConfig("tributary-disconnect", pair.Client()); err != nil {
		t.Fatal(err)
	}
	db := openDB(t, srv, "alice", "s3cret", "", "tls=tributary-disconnect")
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Rows after a statement (the watcher stopped and restarted) still arrive.
	for range 3 {
		var d string
		if err := conn.QueryRowContext(context.Background(), "select db").Scan(&d); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := conn.ExecContext(ctx, "sleep"); done <- err }()
	<-exec.sleeping
	cancel() // go-sql-driver closes the connection
	<-done
	waitFor(t, func() bool { exec.mu.Lock(); defer exec.mu.Unlock(); return exec.cancelled == 1 })
}
