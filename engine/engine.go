// Package engine is the embedded DuckDB that joins and aggregates what the
// connectors stream. It is the only package that uses cgo.
//
// Every query runs on a connection of its own: the scans it needs are
// registered there as Arrow views (temporary, so invisible to other
// connections), the translated SQL runs, and the views are dropped when the
// rows are closed. An Arrow view can be read only once, so the planner gives
// every table reference its own Input.
//
// The engine is locked down at start-up: external access (files, network,
// extensions) is disabled and the configuration is locked, so SQL that
// reaches DuckDB cannot read files, ATTACH, INSTALL or SET anything.
package engine

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/tributary-sql/tributary/sqlerr"
)

// Config sets DuckDB's resources.
type Config struct {
	// MemoryLimit is DuckDB's memory_limit, e.g. "2GB". Empty: DuckDB's
	// default (80% of RAM).
	MemoryLimit string
	// SpillDir is where operators that exceed MemoryLimit spill. Empty:
	// spilling is disabled and such queries fail.
	SpillDir string
	// Threads is DuckDB's worker count; 0 means one per core.
	Threads int
	// Macros run once before the lock-down (CREATE MACRO statements).
	Macros []string
}

// Engine is safe for concurrent use; each Query takes its own connection.
type Engine struct {
	db     *sql.DB
	nextID atomic.Uint64
}

// Open starts DuckDB in memory, defines the macros and locks it down.
func Open(cfg Config) (*Engine, error) {
	q := url.Values{}
	if cfg.MemoryLimit != "" {
		q.Set("memory_limit", cfg.MemoryLimit)
	}
	if cfg.SpillDir != "" {
		q.Set("temp_directory", cfg.SpillDir)
	}
	if cfg.Threads > 0 {
		q.Set("threads", fmt.Sprint(cfg.Threads))
	}
	connector, err := duckdb.NewConnector("?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("engine: open duckdb: %w", err)
	}
	db := sql.OpenDB(connector)
	e := &Engine{db: db}
	setup := append([]string{}, cfg.Macros...)
	setup = append(setup,
		// Autoload and autoinstall would fetch extensions; none may be loaded.
		"SET autoinstall_known_extensions = false",
		"SET autoload_known_extensions = false",
		"SET enable_external_access = false",
		"SET lock_configuration = true",
	)
	for _, stmt := range setup {
		if _, err := db.Exec(stmt); err != nil {
			db.Close()
			return nil, fmt.Errorf("engine: start-up statement %q: %w", firstLine(stmt), err)
		}
	}
	return e, nil
}

// Close shuts DuckDB down. Queries still running fail.
func (e *Engine) Close() error { return e.db.Close() }

// Input is one table reference of a query: a view the SQL names, and how to
// open the scan that feeds it. Open is called once, when Query starts.
type Input struct {
	View string
	Open func(ctx context.Context) (array.RecordReader, error)
}

// Column is one result column as DuckDB types it.
type Column struct {
	Name string
	// DuckType is DuckDB's type name, e.g. "BIGINT", "DECIMAL(12,2)",
	// "VARCHAR", "TIMESTAMP WITH TIME ZONE".
	DuckType  string
	Precision int64 // for DECIMAL
	Scale     int64 // for DECIMAL
}

// Rows streams a query's result. Not safe for concurrent use. Close must be
// called; it releases the connection and the scans.
type Rows struct {
	rows    *sql.Rows
	cols    []Column
	vals    []any
	ptrs    []any
	inputs  []*trackedReader
	cleanup func()
	err     error
}

// Query runs sql after registering every input as a view. Errors from a
// scan (a source that died mid-query, say) are returned as themselves, not
// as DuckDB's rewording of them.
func (e *Engine) Query(ctx context.Context, query string, inputs []Input) (*Rows, error) {
	conn, err := e.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("engine: connection: %w", err)
	}
	r := &Rows{}
	var releases []func()
	var views []string
	r.cleanup = func() {
		for _, rel := range releases {
			rel()
		}
		for _, v := range views {
			// A fresh context: the query's may be cancelled already.
			_, _ = conn.ExecContext(context.Background(), "DROP VIEW IF EXISTS "+quoteIdent(v))
		}
		conn.Close()
	}
	fail := func(err error) (*Rows, error) {
		err = r.scanError(err)
		r.cleanup()
		return nil, err
	}
	err = conn.Raw(func(dc any) error {
		ar, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		for _, in := range inputs {
			rd, err := in.Open(ctx)
			if err != nil {
				return err
			}
			t := &trackedReader{RecordReader: rd}
			r.inputs = append(r.inputs, t)
			rel, err := ar.RegisterView(t, in.View)
			// The exported stream holds its own reference; ours is dropped
			// now so that releasing the stream ends the scan.
			t.Release()
			if err != nil {
				return fmt.Errorf("engine: register %s: %w", in.View, err)
			}
			releases = append(releases, rel)
			views = append(views, in.View)
		}
		return nil
	})
	if err != nil {
		return fail(err)
	}
	rows, err := conn.QueryContext(ctx, query)
	if err != nil {
		return fail(classify(ctx, err))
	}
	r.rows = rows
	types, err := rows.ColumnTypes()
	if err != nil {
		rows.Close()
		return fail(err)
	}
	for _, t := range types {
		c := Column{Name: t.Name(), DuckType: t.DatabaseTypeName()}
		if p, s, ok := t.DecimalSize(); ok {
			c.Precision, c.Scale = p, s
		}
		r.cols = append(r.cols, c)
	}
	r.vals = make([]any, len(types))
	r.ptrs = make([]any, len(types))
	for i := range r.vals {
		r.ptrs[i] = &r.vals[i]
	}
	return r, nil
}

// Columns describes the result.
func (r *Rows) Columns() []Column { return r.cols }

// Next advances to the next row.
func (r *Rows) Next() bool {
	if r.err != nil || !r.rows.Next() {
		return false
	}
	if err := r.rows.Scan(r.ptrs...); err != nil {
		r.err = err
		return false
	}
	return true
}

// Values returns the current row; the slice is reused by Next.
func (r *Rows) Values() []any { return r.vals }

// Err reports the error that ended iteration, if any.
func (r *Rows) Err() error {
	err := r.err
	if err == nil {
		err = r.rows.Err()
	}
	if err == nil {
		return nil
	}
	return r.scanError(err)
}

// Close releases the result's connection and scans. Safe to call twice.
func (r *Rows) Close() error {
	if r.cleanup == nil {
		return nil
	}
	err := r.rows.Close()
	r.cleanup()
	r.cleanup = nil
	return err
}

// scanError prefers the error of a failed scan over DuckDB's report of it:
// DuckDB sees only text through the Arrow C interface, while the scan's own
// error keeps its kind and the source's name.
func (r *Rows) scanError(err error) error {
	for _, t := range r.inputs {
		if serr := t.Err(); serr != nil {
			return serr
		}
	}
	return err
}

// trackedReader is a scan whose error the engine can still read after
// DuckDB has reduced it to text.
type trackedReader struct {
	array.RecordReader
}

// classify turns DuckDB errors into the error vocabulary. Parser errors here
// mean the translator printed something DuckDB rejects: a bug, reported as
// such; binder errors are mostly unknown columns.
func classify(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return sqlerr.New(sqlerr.QueryInterrupted, "Query execution was interrupted")
	}
	var de *duckdb.Error
	if errors.As(err, &de) {
		msg := de.Msg
		switch de.Type {
		case duckdb.ErrorTypeBinder:
			if strings.Contains(msg, "Referenced column") || strings.Contains(msg, "not found in FROM clause") {
				return sqlerr.New(sqlerr.UnknownColumn, "%s", msg)
			}
			return sqlerr.New(sqlerr.Internal, "%s", msg)
		case duckdb.ErrorTypePermission:
			return sqlerr.New(sqlerr.Forbidden, "%s", msg)
		case duckdb.ErrorTypeInterrupt:
			return sqlerr.New(sqlerr.QueryInterrupted, "Query execution was interrupted")
		case duckdb.ErrorTypeOutOfMemory:
			return sqlerr.New(sqlerr.Internal, "out of memory: %s", msg)
		}
		return sqlerr.New(sqlerr.Internal, "%s", msg)
	}
	return err
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + "…"
	}
	return s
}
