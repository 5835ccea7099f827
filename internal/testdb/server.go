package testdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// Server is a PostgreSQL or MariaDB server started by StartPostgres or
// StartMariaDB, running until Stop. It is the non-testing API under the
// test helpers: the TPC-H benchmark starts its servers with it too.
type Server struct {
	// DSN is the superuser's: postgres://tributary@…/postgres for
	// PostgreSQL, tributary:tributary@tcp(…)/ (no database) for MariaDB.
	DSN string
	// Dir holds the data directory, the socket and the logs.
	Dir     string
	Port    int
	log     string // the file QueryLog reads
	pidFile string // PostgreSQL's postmaster.pid
	driver  string // database/sql driver of DSN
	cmd     *exec.Cmd
}

// Options tune a server.
type Options struct {
	// QueryLog logs every statement (PostgreSQL's log_statement=all,
	// MariaDB's general log), for tests that prove what a source received.
	QueryLog bool
	// Settings are extra server settings: "name=value" pairs passed as
	// -c name=value to PostgreSQL and --name=value to MariaDB.
	Settings []string
}

// Stop shuts the server down (SIGINT: PostgreSQL's fast shutdown; after
// 10 s SIGKILL). The data directory stays: a later Start on the same Dir
// reuses it.
func (s *Server) Stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	server := s.serverProcess()
	server.Signal(os.Interrupt)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		server.Kill()
		s.cmd.Process.Kill()
		<-done
	}
	return nil
}

// serverProcess is the server itself. As root, PostgreSQL runs under
// runuser, which does not pass SIGINT on: signalled, runuser went away
// and left the postmaster running. The postmaster's pid is the first line
// of its postmaster.pid, the fourth its port.
func (s *Server) serverProcess() *os.Process {
	if s.pidFile == "" {
		return s.cmd.Process
	}
	b, err := os.ReadFile(s.pidFile)
	if err != nil {
		return s.cmd.Process
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) < 4 || strings.TrimSpace(lines[3]) != strconv.Itoa(s.Port) {
		return s.cmd.Process // not our postmaster's file (ours never started)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(lines[0]))
	if err != nil {
		return s.cmd.Process
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return s.cmd.Process
	}
	return p
}

// Version asks the server for its version string.
func (s *Server) Version() (string, error) {
	db, err := sql.Open(s.driver, s.DSN)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var v string
	err = db.QueryRow("SELECT version()").Scan(&v)
	return v, err
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

// chownPostgres gives dir to the postgres user when we are root.
func chownPostgres(dir string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("no postgres user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// created makes a data directory with create, in a temporary name renamed
// once it succeeded: an interrupted or failed initialisation leaves no
// half-made directory that a later start would take for a ready one.
func created(data string, create func(tmp string) error) error {
	tmp := data + ".new"
	os.RemoveAll(tmp)
	if err := create(tmp); err != nil {
		return err
	}
	return os.Rename(tmp, data)
}

// StartPostgres starts PostgreSQL on a free loopback port with its data in
// dir/data, which is created (initdb, superuser tributary, trust
// authentication on loopback) unless it exists from an earlier start.
func StartPostgres(dir string, opts Options) (*Server, error) {
	initdb, err := pgBin("initdb")
	if err != nil {
		return nil, err
	}
	postgres, err := pgBin("postgres")
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := chownPostgres(dir); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if !exists(data) {
		err := created(data, func(tmp string) error {
			if out, err := asPostgres(initdb, "-D", tmp, "-U", "tributary", "--auth=trust", "--encoding=UTF8", "--locale=C").CombinedOutput(); err != nil {
				return fmt.Errorf("initdb: %v\n%s", err, out)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, Port: port, log: filepath.Join(dir, "postgres.log"), driver: "pgx",
		pidFile: filepath.Join(data, "postmaster.pid")}
	args := []string{postgres, "-D", data, "-p", strconv.Itoa(port), "-h", "127.0.0.1", "-k", dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off", "-c", "logging_collector=off"}
	if opts.QueryLog {
		args = append(args, "-c", "log_statement=all")
	}
	for _, kv := range opts.Settings {
		args = append(args, "-c", kv)
	}
	s.cmd = asPostgres(args...)
	logf, err := os.Create(s.log)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child has its own descriptor
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	s.DSN = fmt.Sprintf("postgres://tributary@127.0.0.1:%d/postgres?sslmode=disable", port)
	if err := waitFor("pgx", s.DSN, s.log); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func mariadbd() (string, error) {
	if p, err := exec.LookPath("mariadbd"); err == nil {
		return p, nil
	}
	if p, err := exec.LookPath("/usr/sbin/mariadbd"); err == nil {
		return p, nil
	}
	return "", errors.New("mariadbd not found: install the Debian package mariadb-server")
}

// StartMariaDB starts MariaDB on a free loopback port with its data in
// dir/data, which is created (mariadb-install-db) unless it exists from
// an earlier start, and user tributary (password tributary) with all
// privileges.
func StartMariaDB(dir string, opts Options) (*Server, error) {
	daemon, err := mariadbd()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	if !exists(data) {
		if err := created(data, installMariaDB); err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, Port: port, log: filepath.Join(dir, "error.log"), driver: "mysql"}
	sock := filepath.Join(dir, "mysqld.sock")
	args := []string{"--no-defaults", "--datadir=" + data, "--socket=" + sock, "--port=" + strconv.Itoa(port),
		"--bind-address=127.0.0.1", "--pid-file=" + filepath.Join(dir, "mysqld.pid"),
		"--log-error=" + s.log, "--tmpdir=" + dir, "--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=0", "--skip-log-bin"}
	if opts.QueryLog {
		s.log = filepath.Join(dir, "general.log")
		args = append(args, "--general-log=1", "--general-log-file="+s.log)
	}
	for _, kv := range opts.Settings {
		args = append(args, "--"+kv)
	}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	s.cmd = exec.Command(daemon, args...)
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	if err := createMariaDBUser("root@unix("+sock+")/", filepath.Join(dir, "error.log")); err != nil {
		s.Stop()
		return nil, err
	}
	s.DSN = fmt.Sprintf("tributary:tributary@tcp(127.0.0.1:%d)/", port)
	return s, nil
}

func installMariaDB(data string) error {
	install, err := exec.LookPath("mariadb-install-db")
	if err != nil {
		return errors.New("mariadb-install-db not found: install the Debian package mariadb-server")
	}
	args := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"}
	if os.Geteuid() == 0 {
		args = append(args, "--user=root")
	}
	cmd := exec.Command(install, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+filepath.Dir(data)) // its own, not the shared /tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("mariadb-install-db: %v\n%s", err, out)
	}
	return nil
}

// createMariaDBUser waits for the server and creates user tributary
// (idempotently, for a reused data directory).
func createMariaDBUser(rootDSN, logPath string) error {
	if err := waitFor("mysql", rootDSN, logPath); err != nil {
		return err
	}
	db, err := sql.Open("mysql", rootDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{
		"CREATE USER IF NOT EXISTS 'tributary'@'%' IDENTIFIED BY 'tributary'",
		"GRANT ALL PRIVILEGES ON *.* TO 'tributary'@'%' WITH GRANT OPTION",
	} {
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("%s: %w", q, err)
		}
	}
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
