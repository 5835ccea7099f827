// Package mysql is the built-in connector for MySQL and MariaDB servers: it
// exposes the tables and views of one database and scans them with
// projection, filter and limit pushdown, streaming Arrow record batches.
//
// Every value sent to the server is a parameter of a server-side prepared
// statement (interpolateParams is forced off); identifiers are quoted with
// backticks, doubled inside. Cancelling a scan's context, or releasing its
// reader early, stops the query on the server with KILL QUERY: closing the
// client socket, which is all the driver does, leaves the server working
// until it next writes.
//
// Sessions run with time_zone '+00:00', so that TIMESTAMP values (stored in
// UTC) come back in UTC, and without NO_BACKSLASH_ESCAPES, so that the
// ESCAPE '\\' of pushed LIKE filters means one backslash. The type mapping is
// documented on [Connector].
package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	gomysql "github.com/go-sql-driver/mysql"

	"github.com/tributary-sql/tributary/connectors"
)

const (
	// DefaultBatchRows is the number of rows per batch when batch_rows is unset.
	DefaultBatchRows = 65536
	// DefaultPoolSize is the number of server connections when pool_size is unset.
	DefaultPoolSize = 4
	// maxBatchRows bounds batch_rows so that a typo cannot make every scan
	// allocate gigabytes for one batch.
	maxBatchRows = 1 << 24
	// maxPoolSize bounds pool_size well below any server's max_connections.
	maxPoolSize = 1024
	// killTimeout bounds a KILL QUERY: cancellation must not hang on a
	// server that stopped answering.
	killTimeout = 5 * time.Second
)

// Connector serves the tables and views of one MySQL or MariaDB database.
//
// It is safe for concurrent use once configured: Configure must happen
// before, not during, the other calls (the host calls it once at start).
// Scans run concurrently, each on a pool connection of its own (at most
// pool_size; further scans wait for a free one). Nothing is cached: every
// Tables and Scan call reads information_schema afresh, because the host
// caches schemas itself. A server that is down or refuses the credentials
// gives errors wrapping connectors.ErrUnavailable; the pool reconnects by
// itself once the server is back.
//
// Type mapping (MySQL/MariaDB column type → Arrow):
//
//	TINYINT, TINYINT(1), BOOL         int8      (TINYINT(1) is only a display width:
//	                                             it can hold -128..127, so it is not
//	                                             narrowed to bool, which would lose data)
//	SMALLINT                          int16
//	MEDIUMINT, INT                    int32
//	BIGINT                            int64
//	TINYINT..BIGINT UNSIGNED          uint8, uint16, uint32 (MEDIUMINT and INT), uint64
//	DECIMAL(p,s), p ≤ 38              decimal128(p,s)
//	DECIMAL(p,s), p > 38              utf8 (the server's text form)
//	FLOAT                             float32
//	DOUBLE, REAL                      float64
//	BIT(n)                            uint64
//	YEAR                              int16 (YEAR 0000 is 0)
//	CHAR, VARCHAR, *TEXT              utf8 (connections use utf8mb4)
//	ENUM, SET                         utf8 (the labels; a SET as "a,b")
//	JSON                              utf8 (the document's text)
//	BINARY, VARBINARY, *BLOB          binary
//	GEOMETRY and its subtypes         binary, WKB (read through ST_AsBinary, without
//	                                             MySQL's 4-byte SRID prefix)
//	DATE                              date32
//	DATETIME(fsp)                     timestamp[us] without zone (wall clock)
//	TIMESTAMP(fsp)                    timestamp[us, tz=UTC]
//	TIME(fsp)                         time64[us]
//	anything else (INET6, UUID, …)    utf8 (the server's text form)
//
// Zero and partial dates (0000-00-00, 2024-00-10) have no Arrow value and
// arrive as NULL; TIME values outside 00:00:00..23:59:59.999999 (MySQL's
// TIME runs from -838:59:59 to 838:59:59, for durations) arrive as NULL too.
// Columns of these types are therefore always reported nullable.
type Connector struct {
	cfg atomic.Pointer[config]
	mem memory.Allocator // tests swap in a checked allocator
}

var (
	_ connectors.Connector  = (*Connector)(nil)
	_ connectors.Configurer = (*Connector)(nil)
)

// config is one configuration with its pools; it is replaced as a whole.
type config struct {
	database  string
	batchRows int
	// db runs scans and discovery (pool_size connections).
	db *sql.DB
	// ctl runs KILL QUERY on its own small pool, so that cancelling works
	// while every connection of db is busy scanning.
	ctl *sql.DB
	// where names the server for error messages: user@address, never the
	// password.
	where string
}

// New returns an unconfigured connector; it touches nothing until used.
func New() *Connector {
	return &Connector{mem: memory.DefaultAllocator}
}

// Configure takes the source's options: dsn (required, go-sql-driver form
// "user:password@tcp(host:3306)/db"), database (the database whose tables
// are exposed; default the DSN's), pool_size (default DefaultPoolSize),
// statement_timeout (a Go duration such as "30s"; sets MariaDB's
// max_statement_time or MySQL's max_execution_time for every session) and
// batch_rows (default DefaultBatchRows). Unknown keys are errors. Errors
// wrap connectors.ErrInvalidOptions. Configure does not contact the server.
func (c *Connector) Configure(_ context.Context, options map[string]any) error {
	opts, err := decodeOptions(options)
	if err != nil {
		return err
	}
	cfg, err := opts.open()
	if err != nil {
		return err
	}
	if old := c.cfg.Swap(cfg); old != nil {
		old.close()
	}
	return nil
}

// Close closes the connection pools. Scans still running fail.
func (c *Connector) Close() error {
	if cfg := c.cfg.Swap(nil); cfg != nil {
		return cfg.close()
	}
	return nil
}

func (c *Connector) config() (*config, error) {
	cfg := c.cfg.Load()
	if cfg == nil {
		return nil, fmt.Errorf("mysql: not configured (option \"dsn\" is required): %w", connectors.ErrInvalidOptions)
	}
	return cfg, nil
}

func (cfg *config) close() error {
	return errors.Join(cfg.db.Close(), cfg.ctl.Close())
}

// options are the decoded, validated options of Configure.
type options struct {
	dsn              *gomysql.Config
	database         string
	poolSize         int
	statementTimeout time.Duration
	batchRows        int
}

func decodeOptions(raw map[string]any) (*options, error) {
	o := &options{poolSize: DefaultPoolSize, batchRows: DefaultBatchRows}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the same key first on every run
	for _, k := range keys {
		if err := o.set(k, raw[k]); err != nil {
			return nil, err
		}
	}
	if o.dsn == nil {
		return nil, optionError("dsn", "is required (go-sql-driver form, user:password@tcp(host:3306)/db)")
	}
	if o.database == "" {
		o.database = o.dsn.DBName
	}
	if o.database == "" {
		return nil, optionError("database", "is required when the DSN names no database")
	}
	return o, nil
}

func (o *options) set(key string, v any) error {
	switch key {
	case "dsn":
		s, ok := v.(string)
		if !ok {
			return optionError(key, "must be a string, got %T", v)
		}
		cfg, err := gomysql.ParseDSN(s)
		if err != nil {
			// The driver's message never quotes the DSN, so no password leaks.
			return optionError(key, "%v", err)
		}
		o.dsn = cfg
	case "database":
		s, ok := v.(string)
		if !ok || s == "" {
			return optionError(key, "must be a non-empty string, got %T", v)
		}
		o.database = s
	case "pool_size":
		n, err := connectors.IntOption(v)
		if err == nil && (n < 1 || n > maxPoolSize) {
			err = fmt.Errorf("must be between 1 and %d, got %d", maxPoolSize, n)
		}
		if err != nil {
			return optionError(key, "%v", err)
		}
		o.poolSize = int(n)
	case "batch_rows":
		n, err := connectors.IntOption(v)
		if err == nil && (n < 1 || n > maxBatchRows) {
			err = fmt.Errorf("must be between 1 and %d, got %d", maxBatchRows, n)
		}
		if err != nil {
			return optionError(key, "%v", err)
		}
		o.batchRows = int(n)
	case "statement_timeout":
		s, ok := v.(string)
		if !ok {
			return optionError(key, "must be a duration string such as \"30s\", got %T", v)
		}
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Millisecond {
			return optionError(key, "must be a duration of at least 1ms such as \"30s\", got %q", s)
		}
		o.statementTimeout = d
	default:
		return optionError(key, "unknown option (known: dsn, database, pool_size, statement_timeout, batch_rows)")
	}
	return nil
}

// open builds the pools. sql.OpenDB connects lazily, so nothing reaches
// the server here.
func (o *options) open() (*config, error) {
	dc := o.dsn.Clone()
	// Values travel as parameters of server-side prepared statements, never
	// as text the driver escaped.
	dc.InterpolateParams = false
	// Dates and times arrive as the server's text and are parsed here:
	// with parseTime the driver turns 0000-00-00 into 0001-01-01 and
	// 2024-00-10 into 2023-11-30, which cannot be told from real dates.
	dc.ParseTime = false
	// time.Time parameters (Timestamp filters) are sent in UTC, the
	// session's time zone.
	dc.Loc = time.UTC
	sc := &sessionConnector{timeout: o.statementTimeout}
	var err error
	if sc.base, err = gomysql.NewConnector(dc); err != nil {
		return nil, optionError("dsn", "%v", err)
	}
	cfg := &config{
		database:  o.database,
		batchRows: o.batchRows,
		db:        sql.OpenDB(sc),
		ctl:       sql.OpenDB(sc),
		where:     dc.User + "@" + dc.Addr,
	}
	cfg.db.SetMaxOpenConns(o.poolSize)
	cfg.db.SetMaxIdleConns(o.poolSize)
	// Idle connections die on the server (wait_timeout) and behind NATs;
	// recycle them before that happens.
	cfg.db.SetConnMaxIdleTime(5 * time.Minute)
	cfg.ctl.SetMaxOpenConns(2)
	cfg.ctl.SetMaxIdleConns(1)
	cfg.ctl.SetConnMaxIdleTime(time.Minute)
	return cfg, nil
}

func optionError(key, format string, args ...any) error {
	return fmt.Errorf("mysql: option %q: %s: %w", key, fmt.Sprintf(format, args...), connectors.ErrInvalidOptions)
}

// sessionConnector prepares every new server connection: UTC session time
// zone, backslash escapes on, and the statement timeout in the variable the
// server understands.
type sessionConnector struct {
	base    driver.Connector
	timeout time.Duration
}

func (s *sessionConnector) Driver() driver.Driver { return s.base.Driver() }

func (s *sessionConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := s.base.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.setup(ctx, conn); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func (s *sessionConnector) setup(ctx context.Context, conn driver.Conn) error {
	exec := conn.(driver.ExecerContext)
	set := "SET SESSION time_zone = '+00:00', sql_mode = REPLACE(@@sql_mode, 'NO_BACKSLASH_ESCAPES', '')"
	if s.timeout > 0 {
		mariadb, err := isMariaDB(ctx, conn)
		if err != nil {
			return err
		}
		// The numbers are ours, formatted from a time.Duration: no
		// outside value becomes SQL text.
		if mariadb {
			set += fmt.Sprintf(", max_statement_time = %.6f", s.timeout.Seconds())
		} else {
			set += fmt.Sprintf(", max_execution_time = %d", s.timeout.Milliseconds())
		}
	}
	_, err := exec.ExecContext(ctx, set, nil)
	return err
}

// isMariaDB tells MariaDB from MySQL: they name the statement timeout
// differently (max_statement_time in seconds, max_execution_time in ms).
func isMariaDB(ctx context.Context, conn driver.Conn) (bool, error) {
	rows, err := conn.(driver.QueryerContext).QueryContext(ctx, "SELECT VERSION()", nil)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	dest := make([]driver.Value, 1)
	if err := rows.Next(dest); err != nil {
		return false, err
	}
	v, _ := dest[0].([]byte)
	return strings.Contains(strings.ToLower(string(v)), "mariadb"), nil
}

// unavailable wraps an error of reaching the server (connecting, logging
// in, a connection lost mid-query) as connectors.ErrUnavailable. The
// driver's messages carry neither the DSN nor the password.
func (cfg *config) unavailable(err error) error {
	return fmt.Errorf("mysql: server %s: %v: %w", cfg.where, err, connectors.ErrUnavailable)
}

// isConnError tells errors of the connection (the server is unreachable,
// refused us, or went away) from errors of a statement.
func isConnError(err error) bool {
	var me *gomysql.MySQLError
	if errors.As(err, &me) {
		switch me.Number {
		case 1040, // too many connections
			1044, // access denied to the database
			1045, // access denied (bad credentials)
			1049, // unknown database (at connect)
			1129, // host blocked
			1130, // host not allowed
			1053, // server shutdown in progress
			1927: // MariaDB: connection was killed
			return true
		}
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, gomysql.ErrInvalidConn) || errors.Is(err, net.ErrClosed)
}
