package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-sql-driver/mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // the peer's driver

	"github.com/tributary-sql/tributary/internal/testdb"
	"github.com/tributary-sql/tributary/tpch"
)

// env is everything the measurements run against.
type env struct {
	root    string // the module's directory
	dir     string // this scale factor's: parquet/, csv/, postgres/, mariadb/
	servers []*testdb.Server
	pgDSN   string // database tpch, superuser
	myDSN   string // database tpch
	gateway *tpch.Gateway
	admin   string // the gateway's admin address (metrics)
	gw      *sql.DB
	peer    *sql.DB
	duck    *sql.DB
}

func (e *env) close() {
	for _, db := range []*sql.DB{e.gw, e.peer, e.duck} {
		if db != nil {
			db.Close()
		}
	}
	if e.gateway != nil {
		e.gateway.Stop()
	}
	for _, s := range e.servers {
		s.Stop()
	}
}

// Server settings for the benchmark: what a DBA would give a reporting
// database on this machine, instead of the tests' small defaults. Both
// Tributary and the peer read the same servers, so they share the tuning.
var (
	pgSettings      = []string{"shared_buffers=1GB", "work_mem=64MB", "effective_cache_size=8GB"}
	mariadbSettings = []string{"innodb-buffer-pool-size=512M"}
)

// setUp makes the data, the servers, the peer and the gateway ready. On an
// error the env returned so far is to be closed by the caller.
func setUp(ctx context.Context, o *options) (*env, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	data, err := filepath.Abs(o.data) // the peer's server reads the CSV files by absolute path
	if err != nil {
		return nil, err
	}
	e := &env{root: root, dir: filepath.Join(data, "sf"+sfName(o.sf))}
	steps := []struct {
		what string
		fn   func() error
	}{
		{"data", func() error { return e.ensureData(o.sf) }},
		{"servers", func() error { return e.startServers(o) }},
		{"load", func() error { return e.load(ctx, o.sf) }},
		{"peer", func() error { return e.setUpPeer(ctx, o) }},
		{"gateway", e.startGateway},
		{"DuckDB", func() (err error) { e.duck, err = tpch.OpenDuckDB(e.parquet()); return err }},
	}
	for _, s := range steps {
		if err := step(s.what, s.fn); err != nil {
			return e, fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return e, nil
}

func step(what string, fn func() error) error {
	start := now()
	logf("%s …", what)
	err := fn()
	logf("%s: %.1f s", what, since(start))
	return err
}

// moduleRoot finds the directory of go.mod above the working directory:
// the queries and the gateway's source are read from there.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run tpchbench inside the tributary module (no go.mod above the working directory)")
		}
		dir = parent
	}
}

// parquet is the directory of the Parquet files: the lake source's root,
// which holds nothing else (the files connector serves every file in it).
func (e *env) parquet() string { return filepath.Join(e.dir, "parquet") }

// csv is the directory of the CSV copies the peer's file_fdw reads.
func (e *env) csv() string { return filepath.Join(e.dir, "csv") }

// ensureData generates the Parquet files unless they are there for sf
// already (the file SF, written last, says so), and writes the CSV copies
// the peer reads.
func (e *env) ensureData(sf float64) error {
	marker := filepath.Join(e.dir, "SF")
	if b, err := os.ReadFile(marker); err == nil && strings.TrimSpace(string(b)) == sfName(sf) {
		logf("reusing the data in %s", e.dir)
		return nil
	}
	if err := tpch.Generate(sf, e.parquet()); err != nil {
		return err
	}
	if err := tpch.WriteCSV(e.parquet(), e.csv(), tpch.ParquetTables...); err != nil {
		return err
	}
	return os.WriteFile(marker, []byte(sfName(sf)+"\n"), 0o644)
}

// startServers starts PostgreSQL and MariaDB with their data under the
// data directory (reused by later runs), unless DSNs were given, and
// creates database tpch in each.
func (e *env) startServers(o *options) error {
	pgAdmin, myAdmin := o.pgDSN, o.myDSN
	if pgAdmin == "" {
		s, err := testdb.StartPostgres(filepath.Join(e.dir, "postgres"), testdb.Options{Settings: pgSettings})
		if err != nil {
			return err
		}
		e.servers = append(e.servers, s)
		pgAdmin = s.DSN
	}
	if myAdmin == "" {
		s, err := testdb.StartMariaDB(filepath.Join(e.dir, "mariadb"), testdb.Options{Settings: mariadbSettings})
		if err != nil {
			return err
		}
		e.servers = append(e.servers, s)
		myAdmin = s.DSN
	}
	var err error
	if e.pgDSN, err = createPostgresDB(pgAdmin, "tpch"); err != nil {
		return fmt.Errorf("PostgreSQL: %w", err)
	}
	if e.myDSN, err = createMariaDB(myAdmin, "tpch"); err != nil {
		return fmt.Errorf("MariaDB: %w", err)
	}
	return nil
}

// createPostgresDB creates database name unless it exists and returns the
// DSN of it.
func createPostgresDB(adminDSN, name string) (string, error) {
	db, err := sql.Open("pgx", adminDSN)
	if err != nil {
		return "", err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRow("SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if !exists {
		if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
			return "", err
		}
	}
	u, err := url.Parse(adminDSN)
	if err != nil {
		return "", fmt.Errorf("--pg-dsn must be a postgres:// URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// createMariaDB creates database name unless it exists and returns the
// DSN of it.
func createMariaDB(adminDSN, name string) (string, error) {
	cfg, err := mysql.ParseDSN(adminDSN)
	if err != nil {
		return "", err
	}
	cfg.DBName = ""
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.Exec("CREATE DATABASE IF NOT EXISTS " + name + " CHARACTER SET utf8mb4"); err != nil {
		return "", err
	}
	cfg.DBName = name
	return cfg.FormatDSN(), nil
}

// loadedTable records the scale factor a database was loaded with; it is
// written after the load, so an interrupted load is redone.
const loadedTable = "tpch_loaded"

// load loads PostgreSQL's and MariaDB's share of the tables unless they
// hold this scale factor already.
func (e *env) load(ctx context.Context, sf float64) error {
	for _, side := range []struct {
		name, driver, dsn string
		load              func() error
	}{
		{"PostgreSQL", "pgx", e.pgDSN, func() error { return tpch.LoadPostgres(ctx, e.pgDSN, e.parquet(), tpch.PostgresTables...) }},
		{"MariaDB", "mysql", e.myDSN, func() error { return tpch.LoadMySQL(ctx, e.myDSN, e.parquet(), tpch.MySQLTables...) }},
	} {
		db, err := sql.Open(side.driver, side.dsn)
		if err != nil {
			return err
		}
		err = loadOnce(db, sf, side.name, side.load)
		db.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", side.name, err)
		}
	}
	return nil
}

func loadOnce(db *sql.DB, sf float64, name string, load func() error) error {
	var loaded string
	if db.QueryRow("SELECT sf FROM "+loadedTable).Scan(&loaded) == nil && loaded == sfName(sf) {
		logf("%s holds SF %s already", name, loaded)
		return nil
	}
	start := now()
	if _, err := db.Exec("DROP TABLE IF EXISTS " + loadedTable); err != nil {
		return err
	}
	if err := load(); err != nil {
		return err
	}
	for _, q := range []string{
		"CREATE TABLE " + loadedTable + " (sf VARCHAR(20) NOT NULL)",
		"INSERT INTO " + loadedTable + " VALUES ('" + sfName(sf) + "')", // a number we formatted
	} {
		if _, err := db.Exec(q); err != nil {
			return err
		}
	}
	logf("loaded %s in %.1f s", name, since(start))
	return nil
}

// setUpPeer creates the peer's foreign tables and opens its connection
// pool: search_path to the foreign tables first, and the time limit.
func (e *env) setUpPeer(ctx context.Context, o *options) error {
	if o.peerRuns == 0 {
		return nil
	}
	if err := tpch.SetupPeer(ctx, e.pgDSN, e.myDSN, e.csv()); err != nil {
		return err
	}
	u, err := url.Parse(e.pgDSN)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("search_path", tpch.PeerSchema+",public")
	q.Set("statement_timeout", strconv.FormatInt(o.peerTimeout.Milliseconds(), 10))
	u.RawQuery = q.Encode()
	e.peer, err = sql.Open("pgx", u.String())
	return err
}

// startGateway builds the gateway from this module and starts it on the
// split, with an admin address for its metrics.
func (e *env) startGateway() error {
	binary := filepath.Join(e.dir, "..", "bin", "tributary")
	if err := tpch.BuildGateway(e.root, binary); err != nil {
		return err
	}
	admin, err := tpch.FreeAddr()
	if err != nil {
		return err
	}
	config := fmt.Sprintf("admin: %s\n%s", admin, tpch.Config(e.pgDSN, e.myDSN, e.parquet()))
	path := filepath.Join(e.dir, "tributary.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return err
	}
	if e.gateway, err = tpch.StartGateway(binary, path); err != nil {
		return err
	}
	e.admin = admin
	e.gw, err = e.gateway.Open("tpch")
	return err
}
