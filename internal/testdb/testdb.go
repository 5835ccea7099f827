// Package testdb starts throwaway PostgreSQL and MariaDB servers for tests:
// each in its own temporary data directory, on a free loopback port, once
// per test binary, stopped by Main when the tests end. The servers come
// from the machine's Debian packages (postgresql, mariadb-server), which
// scripts/test.sh installs when they are missing; a test that needs a
// server fails, never skips, when it cannot start one.
package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// Main runs the tests and then stops the servers they started. Call it
// from TestMain: os.Exit(testdb.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	stopAll()
	return code
}

var (
	mu      sync.Mutex
	servers = map[string]*server{}
)

type server struct {
	dsn  string
	cmd  *exec.Cmd
	dir  string
	err  error
	once sync.Once
}

func stopAll() {
	mu.Lock()
	defer mu.Unlock()
	for _, s := range servers {
		if s.cmd != nil && s.cmd.Process != nil {
			s.cmd.Process.Signal(os.Interrupt)
			done := make(chan struct{})
			go func() { s.cmd.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				s.cmd.Process.Kill()
			}
		}
		if s.dir != "" {
			os.RemoveAll(s.dir)
		}
	}
}

func get(kind string, start func(*server) error) (string, error) {
	mu.Lock()
	s, ok := servers[kind]
	if !ok {
		s = &server{}
		servers[kind] = s
	}
	mu.Unlock()
	s.once.Do(func() { s.err = start(s) })
	return s.dsn, s.err
}

// Postgres returns the DSN (postgres://…) of a superuser `tributary` on a
// throwaway PostgreSQL server, database `postgres`.
func Postgres(t testing.TB) string {
	t.Helper()
	dsn, err := get("postgres", startPostgres)
	if err != nil {
		t.Fatalf("testdb: PostgreSQL: %v", err)
	}
	return dsn
}

// MariaDB returns the DSN (go-sql-driver form) of user `tributary` with all
// privileges on a throwaway MariaDB server, no default database.
func MariaDB(t testing.TB) string {
	t.Helper()
	dsn, err := get("mariadb", startMariaDB)
	if err != nil {
		t.Fatalf("testdb: MariaDB: %v", err)
	}
	return dsn
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// pgBin finds a PostgreSQL server program; Debian keeps them out of PATH.
func pgBin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) == 0 {
		return "", fmt.Errorf("%s not found: install the Debian package postgresql", name)
	}
	return matches[len(matches)-1], nil
}

// asPostgres runs a command as the postgres user when we are root, since
// PostgreSQL refuses to run as root.
func asPostgres(args ...string) *exec.Cmd {
	if os.Geteuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--"}, args...)...)
	}
	return exec.Command(args[0], args[1:]...)
}

func startPostgres(s *server) error {
	initdb, err := pgBin("initdb")
	if err != nil {
		return err
	}
	postgres, err := pgBin("postgres")
	if err != nil {
		return err
	}
	if s.dir, err = os.MkdirTemp("", "tributary-pg-"); err != nil {
		return err
	}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("no postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(s.dir, uid, gid); err != nil {
			return err
		}
	}
	data := filepath.Join(s.dir, "data")
	if out, err := asPostgres(initdb, "-D", data, "-U", "tributary", "--auth=trust", "--encoding=UTF8", "--locale=C").CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	s.cmd = asPostgres(postgres, "-D", data, "-p", strconv.Itoa(port), "-h", "127.0.0.1", "-k", s.dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "log_statement=all",
		"-c", "logging_collector=off")
	logf, err := os.Create(filepath.Join(s.dir, "postgres.log"))
	if err != nil {
		return err
	}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.dsn = fmt.Sprintf("postgres://tributary@127.0.0.1:%d/postgres?sslmode=disable", port)
	return waitFor("pgx", s.dsn, filepath.Join(s.dir, "postgres.log"))
}

func startMariaDB(s *server) error {
	install, err := exec.LookPath("mariadb-install-db")
	if err != nil {
		return fmt.Errorf("mariadb-install-db not found: install the Debian package mariadb-server")
	}
	mariadbd, err := exec.LookPath("mariadbd")
	if err != nil {
		if mariadbd, err = exec.LookPath("/usr/sbin/mariadbd"); err != nil {
			return fmt.Errorf("mariadbd not found: install the Debian package mariadb-server")
		}
	}
	if s.dir, err = os.MkdirTemp("", "tributary-mariadb-"); err != nil {
		return err
	}
	data := filepath.Join(s.dir, "data")
	args := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	if out, err := exec.Command(install, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("mariadb-install-db: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	sock := filepath.Join(s.dir, "mysqld.sock")
	dargs := []string{"--no-defaults", "--datadir=" + data, "--socket=" + sock, "--port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1", "--pid-file=" + filepath.Join(s.dir, "mysqld.pid"),
		"--log-error=" + filepath.Join(s.dir, "error.log"), "--general-log=1", "--general-log-file=" + filepath.Join(s.dir, "general.log"),
		"--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=0", "--skip-log-bin"}
	if os.Geteuid() == 0 {
		dargs = append(dargs, "--user=root")
	}
	s.cmd = exec.Command(mariadbd, dargs...)
	if err := s.cmd.Start(); err != nil {
		return err
	}
	rootDSN := "root@unix(" + sock + ")/"
	if err := waitFor("mysql", rootDSN, filepath.Join(s.dir, "error.log")); err != nil {
		return err
	}
	db, err := sql.Open("mysql", rootDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE USER 'tributary'@'%' IDENTIFIED BY 'tributary'",
		"GRANT ALL PRIVILEGES ON *.* TO 'tributary'@'%' WITH GRANT OPTION",
	} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
	s.dsn = fmt.Sprintf("tributary:tributary@tcp(127.0.0.1:%d)/", port)
	return nil
}

// waitFor pings until the server answers, for up to 60 seconds.
func waitFor(driver, dsn, logPath string) error {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err = db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("server did not start: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// QueryLog returns what the server has logged so far (PostgreSQL's log
// with log_statement=all, MariaDB's general log): tests use it to prove
// which SQL a source received.
func QueryLog(t testing.TB, kind string) string {
	t.Helper()
	mu.Lock()
	s := servers[kind]
	mu.Unlock()
	if s == nil {
		t.Fatalf("testdb: no %s server started", kind)
	}
	name := "postgres.log"
	if kind == "mariadb" {
		name = "general.log"
	}
	b, err := os.ReadFile(filepath.Join(s.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
