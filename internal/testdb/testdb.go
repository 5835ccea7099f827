// Package testdb starts throwaway PostgreSQL and MariaDB servers for tests:
// each in its own temporary data directory, on a free loopback port, once
// per test binary, stopped by Main when the tests end. The servers come
// from the machine's Debian packages (postgresql, mariadb-server), which
// scripts/test.sh installs when they are missing; a test that needs a
// server fails, never skips, when it cannot start one.
//
// StartPostgres and StartMariaDB, under the test helpers, start a server
// in a given directory for programs that are not tests (the TPC-H
// benchmark).
package testdb

import (
	"os"
	"sync"
	"testing"
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
	servers = map[string]*shared{}
)

// shared is the one server of a kind per test binary.
type shared struct {
	srv  *Server
	err  error
	once sync.Once
}

func stopAll() {
	mu.Lock()
	defer mu.Unlock()
	for _, s := range servers {
		if s.srv != nil {
			s.srv.Stop()
			os.RemoveAll(s.srv.Dir)
		}
	}
}

// get starts the server of kind on first use, in a temporary directory
// and with the query log on.
func get(kind string, start func(string, Options) (*Server, error)) (*Server, error) {
	mu.Lock()
	s, ok := servers[kind]
	if !ok {
		s = &shared{}
		servers[kind] = s
	}
	mu.Unlock()
	s.once.Do(func() {
		dir, err := os.MkdirTemp("", "tributary-"+kind+"-")
		if err != nil {
			s.err = err
			return
		}
		if s.srv, s.err = start(dir, Options{QueryLog: true}); s.err != nil {
			os.RemoveAll(dir)
		}
	})
	return s.srv, s.err
}

// Postgres returns the DSN (postgres://…) of a superuser `tributary` on a
// throwaway PostgreSQL server, database `postgres`.
func Postgres(t testing.TB) string {
	t.Helper()
	s, err := get("postgres", StartPostgres)
	if err != nil {
		t.Fatalf("testdb: PostgreSQL: %v", err)
	}
	return s.DSN
}

// MariaDB returns the DSN (go-sql-driver form) of user `tributary` with all
// privileges on a throwaway MariaDB server, no default database.
func MariaDB(t testing.TB) string {
	t.Helper()
	s, err := get("mariadb", StartMariaDB)
	if err != nil {
		t.Fatalf("testdb: MariaDB: %v", err)
	}
	return s.DSN
}

// QueryLog returns what the server has logged so far (PostgreSQL's log
// with log_statement=all, MariaDB's general log): tests use it to prove
// which SQL a source received.
func QueryLog(t testing.TB, kind string) string {
	t.Helper()
	mu.Lock()
	s := servers[kind]
	mu.Unlock()
	if s == nil || s.srv == nil {
		t.Fatalf("testdb: no %s server started", kind)
	}
	b, err := os.ReadFile(s.srv.log)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
