// Package postgres is the built-in connector that serves the tables, views
// and materialized views of one PostgreSQL schema.
//
// Discovery reads pg_catalog on every call (the host caches). Scans send
// one SELECT per scan with the requested columns, the filters it can
// express and the limit, every value bound as a parameter and every
// identifier quoted; rows arrive in PostgreSQL's binary format and are
// decoded straight into Arrow builders. See types.go for the type mapping
// and filter.go for which filters are pushed and which are exact.
//
// Connections come from a pgxpool created on first use: Configure never
// touches the network. A server that is down or refuses the credentials
// gives errors wrapping connectors.ErrUnavailable, and the pool reconnects
// by itself once the server is back. Cancelling a scan's context sends a
// cancel request to the server, so the source query stops too.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgconn/ctxwatch"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tributary-sql/tributary/connectors"
)

// Defaults of the options.
const (
	DefaultSchema    = "public"
	DefaultPoolSize  = 4
	DefaultBatchRows = 65536
)

// maxBatchRows bounds batch_rows so that a typo cannot make every scan
// allocate gigabytes for one batch.
const maxBatchRows = 1 << 24

// Connector serves one schema of one PostgreSQL database. It is safe for
// concurrent use once configured: Configure must happen before, not during,
// the other calls (the host calls it once at start). Scans run concurrently,
// each on a connection of its own from a pool of pool_size connections; a
// scan waits for a free connection when all are busy.
type Connector struct {
	mem memory.Allocator // tests swap in a checked allocator

	mu     sync.Mutex
	cfg    *config
	pool   *pgxpool.Pool // created on first use
	closed bool
}

var (
	_ connectors.Connector  = (*Connector)(nil)
	_ connectors.Configurer = (*Connector)(nil)
)

type config struct {
	pool      *pgxpool.Config
	schema    string
	batchRows int
	password  string // only to redact it from error messages
	target    string // "host:port/database as user", for messages
}

// New returns an unconfigured connector; it touches nothing until used.
func New() *Connector {
	return &Connector{mem: memory.DefaultAllocator}
}

// Configure takes the source's options:
//
//   - dsn (required): a libpq connection string or postgres:// URL;
//   - schema (default "public"): the schema whose relations become tables;
//   - pool_size (default 4): the most connections, hence concurrent scans;
//   - statement_timeout (optional, a Go duration such as "30s"): set as the
//     session parameter of every connection, so the server aborts any scan
//     that runs longer;
//   - batch_rows (default 65536): rows per Arrow record batch.
//
// Unknown keys are errors naming the key. Errors wrap
// connectors.ErrInvalidOptions. Configure does not contact the server: the
// first Tables or Scan does. Calling it again replaces the pool (scans
// still running on the old one finish first).
func (c *Connector) Configure(_ context.Context, options map[string]any) error {
	cfg, err := decodeOptions(options)
	if err != nil {
		return err
	}
	c.mu.Lock()
	old := c.pool
	c.cfg, c.pool, c.closed = cfg, nil, false
	c.mu.Unlock()
	if old != nil {
		go old.Close() // waits for running scans; nothing new is handed out
	}
	return nil
}

func decodeOptions(options map[string]any) (*config, error) {
	cfg := &config{schema: DefaultSchema, batchRows: DefaultBatchRows}
	var (
		dsn      string
		poolSize = int64(DefaultPoolSize)
		timeout  time.Duration
	)
	keys := make([]string, 0, len(options))
	for k := range options {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the same key first on every run
	for _, k := range keys {
		v := options[k]
		switch k {
		case "dsn":
			s, ok := v.(string)
			if !ok || s == "" {
				return nil, optionError("dsn", "must be a non-empty string (a postgres:// URL or key=value list), got %T", v)
			}
			dsn = s
		case "schema":
			s, ok := v.(string)
			if !ok || s == "" {
				return nil, optionError("schema", "must be a non-empty string, got %T", v)
			}
			cfg.schema = s
		case "pool_size":
			n, err := connectors.IntOption(v)
			if err != nil {
				return nil, optionError("pool_size", "%v", err)
			}
			if n < 1 || n > math.MaxInt32 {
				return nil, optionError("pool_size", "must be at least 1, got %d", n)
			}
			poolSize = n
		case "statement_timeout":
			s, ok := v.(string)
			if !ok {
				return nil, optionError("statement_timeout", "must be a duration string such as \"30s\", got %T", v)
			}
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				return nil, optionError("statement_timeout", "must be a positive duration such as \"30s\", got %q", s)
			}
			timeout = d
		case "batch_rows":
			n, err := connectors.IntOption(v)
			if err != nil {
				return nil, optionError("batch_rows", "%v", err)
			}
			if n < 1 || n > maxBatchRows {
				return nil, optionError("batch_rows", "must be between 1 and %d, got %d", maxBatchRows, n)
			}
			cfg.batchRows = int(n)
		default:
			return nil, optionError(k, "unknown option (known: dsn, schema, pool_size, statement_timeout, batch_rows)")
		}
	}
	if dsn == "" {
		return nil, optionError("dsn", "is required: the connection string of the PostgreSQL database")
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx redacts the password from its parse errors; redact what it
		// cannot know is one (a malformed URL may not parse far enough).
		return nil, optionError("dsn", "%s", redactDSN(err.Error(), dsn))
	}
	pc.MaxConns = int32(poolSize)
	pc.MinConns = 0 // connect on demand: Configure and an idle source stay offline
	cc := pc.ConnConfig
	if _, ok := cc.RuntimeParams["application_name"]; !ok {
		cc.RuntimeParams["application_name"] = "tributary"
	}
	// Pushed-down queries name tables without a schema (the planner does
	// not know it): they resolve in the schema this source exposes.
	cc.RuntimeParams["search_path"] = quoteIdent(cfg.schema)
	if timeout > 0 {
		// In the startup packet, so every connection, new or reconnected,
		// has it without an extra round trip.
		ms := (timeout + time.Millisecond - 1) / time.Millisecond
		cc.RuntimeParams["statement_timeout"] = strconv.FormatInt(int64(ms), 10)
	}
	// pgx's default reaction to a cancelled context is to break the
	// connection, which the server notices only when it next writes. A
	// cancel request stops the query at once and keeps the connection;
	// the deadline is the fallback when the server does not answer.
	cc.BuildContextWatcherHandler = func(pc *pgconn.PgConn) ctxwatch.Handler {
		return &pgconn.CancelRequestContextWatcherHandler{Conn: pc, DeadlineDelay: 5 * time.Second}
	}
	cfg.pool = pc
	cfg.password = cc.Password
	cfg.target = fmt.Sprintf("%s:%d/%s as %s", cc.Host, cc.Port, cc.Database, cc.User)
	return cfg, nil
}

func optionError(key, format string, args ...any) error {
	return fmt.Errorf("postgres: option %q: %s: %w", key, fmt.Sprintf(format, args...), connectors.ErrInvalidOptions)
}

// redactDSN removes anything that may be a password of dsn from msg.
func redactDSN(msg, dsn string) string {
	if cfg, err := pgconn.ParseConfig(dsn); err == nil && cfg.Password != "" {
		msg = strings.ReplaceAll(msg, cfg.Password, "xxxxx")
	}
	msg = strings.ReplaceAll(msg, dsn, "(dsn)")
	return msg
}

// connect returns the configuration and the pool, creating the pool on
// first use. Creating it does not connect: pgxpool dials on Acquire.
func (c *Connector) connect() (*config, *pgxpool.Pool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.cfg == nil {
		return nil, nil, fmt.Errorf("postgres: not configured (option \"dsn\" is required): %w", connectors.ErrInvalidOptions)
	}
	if c.closed {
		return nil, nil, fmt.Errorf("postgres: connector is closed: %w", connectors.ErrUnavailable)
	}
	if c.pool == nil {
		p, err := pgxpool.NewWithConfig(context.Background(), c.cfg.pool.Copy())
		if err != nil {
			return nil, nil, c.cfg.classify(context.Background(), "open pool", err)
		}
		c.pool = p
	}
	return c.cfg, c.pool, nil
}

// Close closes the pool. It waits until every running scan has been
// released (pgxpool.Close returns connections only when they come back);
// afterwards Tables and Scan fail with ErrUnavailable.
func (c *Connector) Close() error {
	c.mu.Lock()
	p := c.pool
	c.pool, c.closed = nil, true
	c.mu.Unlock()
	if p != nil {
		p.Close()
	}
	return nil
}

// classify turns a pgx error into the connector's vocabulary: connection
// failures and refused logins wrap ErrUnavailable, cancellations wrap the
// context's error, anything else (a server error about this query) keeps
// its *pgconn.PgError. The password never appears in the message.
//
// A query stopped by a cancel request comes back as the server's error
// 57014, so ctx (the context the work ran under) is asked first.
func (cfg *config) classify(ctx context.Context, op string, err error) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("postgres: %s: %w", op, ctx.Err())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("postgres: %s: %w", op, ctxErr(err))
	case isUnavailable(err):
		return fmt.Errorf("postgres: %s: cannot use %s: %s: %w", op, cfg.target, cfg.redact(err.Error()), connectors.ErrUnavailable)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fmt.Errorf("postgres: %s: %w", op, pgErr)
	}
	return fmt.Errorf("postgres: %s: %s", op, cfg.redact(err.Error()))
}

// ctxErr picks the context error out of err, so that callers can test
// errors.Is(err, context.Canceled) even when pgx wrapped it its own way.
func ctxErr(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return context.Canceled
}

func (cfg *config) redact(msg string) string {
	if cfg.password != "" {
		msg = strings.ReplaceAll(msg, cfg.password, "xxxxx")
	}
	return msg
}

// isUnavailable reports whether err means the server cannot be used at all
// (rather than that this query failed): no connection, a lost connection,
// a refused login, a missing database, a server shutting down.
func isUnavailable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		code := pgErr.Code
		return strings.HasPrefix(code, "08") || // connection exception
			strings.HasPrefix(code, "28") || // invalid authorization
			code == "3D000" || // database does not exist
			code == "53300" || // too many connections
			code == "57P01" || code == "57P02" || code == "57P03" // shutdown, crash, cannot connect now
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		pgconn.SafeToRetry(err) || strings.Contains(err.Error(), "conn closed")
}
