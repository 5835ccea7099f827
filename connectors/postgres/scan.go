package postgres

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tributary-sql/tributary/connectors"
)

// Scan reads one table with one SELECT: the requested columns, the filters
// that can be pushed (see filter.go; Exact says which), and the limit. The
// table and its columns are looked up in pg_catalog first (one round trip),
// so an unknown table or column fails with ErrTableNotFound or
// ErrColumnNotFound before any data query runs.
//
// The returned Reader holds a pool connection until it is exhausted or
// released; releasing it early cancels the query on the server and gives
// the connection back. Cancelling ctx does the same and makes the reader
// fail with an error wrapping ctx's error.
func (c *Connector) Scan(ctx context.Context, req connectors.ScanRequest) (*connectors.Scan, error) {
	cfg, pool, err := c.connect()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rel, err := findRelation(ctx, cfg, pool, req.Table)
	if err != nil {
		return nil, err
	}
	cols, colOf, err := resolve(rel, req)
	if err != nil {
		return nil, err
	}
	q := buildSelect(cfg.schema, rel, cols, req.Filters, colOf, req.Limit, req.Split, req.Splits)

	// The scan's own context lets Release stop the query: pgx reads a
	// result to its end on Close unless the query is cancelled.
	scanCtx, cancel := context.WithCancel(ctx)
	rows, err := queryRetry(scanCtx, pool, q.sql, q.args...)
	if err != nil {
		cancel()
		return nil, cfg.classify(ctx, "scan of "+rel.name, err)
	}
	fields := make([]arrow.Field, len(cols))
	for i, idx := range cols {
		fields[i] = rel.columns[idx].field()
	}
	r := newReader(scanCtx, cancel, cfg, rel.name, arrow.NewSchema(fields, nil), rows, c.mem, batchSize(cfg.batchRows, req.Limit))
	return &connectors.Scan{Reader: r, Exact: q.exact}, nil
}

// batchSize does not allocate 64k rows of builders to return 10.
func batchSize(batchRows int, limit int64) int {
	if limit > 0 && limit < int64(batchRows) {
		return int(limit)
	}
	return batchRows
}

// resolve maps the requested columns (all when none) to indices of
// rel.columns, and each filter to the index of its column.
func resolve(rel *relation, req connectors.ScanRequest) (cols, colOf []int, err error) {
	if len(req.Columns) == 0 {
		cols = make([]int, len(rel.columns))
		for i := range cols {
			cols[i] = i
		}
	} else {
		cols = make([]int, len(req.Columns))
		for i, name := range req.Columns {
			if cols[i], err = rel.lookup(name); err != nil {
				return nil, nil, err
			}
		}
	}
	colOf = make([]int, len(req.Filters))
	for i, f := range req.Filters {
		if colOf[i], err = rel.lookup(f.Column); err != nil {
			return nil, nil, err
		}
	}
	return cols, colOf, nil
}

// queryRetry runs a query, once more when the first attempt failed before
// anything reached the server (a pooled connection the server had closed,
// e.g. after a restart): pgx says when that is safe.
func queryRetry(ctx context.Context, pool querier, sql string, args ...any) (pgx.Rows, error) {
	rows, err := pool.Query(ctx, sql, args...)
	if err != nil && pgconn.SafeToRetry(err) && ctx.Err() == nil {
		rows, err = pool.Query(ctx, sql, args...)
	}
	return rows, err
}

// Reader is the array.RecordReader of a scan: it decodes PostgreSQL's
// binary (and, for text-output types, text) values straight from pgx's
// row buffer into Arrow builders, batchRows rows per batch.
//
// Like any RecordReader it is used by one goroutine at a time. It starts
// no goroutine. It gives its connection back to the pool as soon as the
// result is exhausted, fails, or the last reference is released; an early
// release cancels the query on the server first.
type Reader struct {
	refs      atomic.Int64
	ctx       context.Context
	cancel    context.CancelFunc
	cfg       *config
	table     string
	schema    *arrow.Schema
	rows      pgx.Rows // nil once closed
	bld       *array.RecordBuilder
	appenders []appender
	batchRows int
	cur       arrow.RecordBatch
	err       error
	// refused, when set, classifies a server error of a pushed-down query.
	refused func(error) error
}

var _ array.RecordReader = (*Reader)(nil)

func newReader(ctx context.Context, cancel context.CancelFunc, cfg *config, table string, schema *arrow.Schema,
	rows pgx.Rows, mem memory.Allocator, batchRows int) *Reader {
	bld := array.NewRecordBuilder(mem, schema)
	r := &Reader{ctx: ctx, cancel: cancel, cfg: cfg, table: table, schema: schema, rows: rows, bld: bld, batchRows: batchRows}
	r.appenders = make([]appender, schema.NumFields())
	for i, f := range schema.Fields() {
		r.appenders[i] = newAppender(f.Type, bld.Field(i))
	}
	r.refs.Add(1)
	return r
}

// Schema has exactly the requested columns, in the requested order.
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// RecordBatch is the current batch, valid until the next call to Next or
// Release; Retain it to keep it longer.
func (r *Reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is the current batch.
//
// Deprecated: use RecordBatch (kept to satisfy array.RecordReader).
func (r *Reader) Record() arrow.RecordBatch { return r.cur }

// Err is the error that ended the scan, nil at normal exhaustion. A
// cancelled scan reports an error wrapping the context's error.
func (r *Reader) Err() error { return r.err }

// Retain adds a reference.
func (r *Reader) Retain() { r.refs.Add(1) }

// Release drops a reference; the last one stops the query if it is still
// running and returns the connection to the pool.
func (r *Reader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	r.releaseCurrent()
	r.closeRows()
	r.bld.Release()
}

// Next decodes the next batch; false at the end or on error.
func (r *Reader) Next() bool {
	r.releaseCurrent()
	if r.rows == nil {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.fail(fmt.Errorf("postgres: scan of %s: %w", r.table, err))
		return false
	}
	n := 0
	for n < r.batchRows && r.rows.Next() {
		for i, raw := range r.rows.RawValues() {
			if err := r.appenders[i](raw); err != nil {
				r.fail(fmt.Errorf("postgres: scan of %s, column %q: %w", r.table, r.schema.Field(i).Name, err))
				return false
			}
		}
		n++
	}
	if n < r.batchRows { // the result is exhausted, or failed
		if err := r.rows.Err(); err != nil {
			err = r.cfg.classify(r.ctx, "scan of "+r.table, err)
			if r.refused != nil {
				err = r.refused(err)
			}
			r.fail(err)
			return false
		}
		r.closeRows()
		if n == 0 {
			return false
		}
	}
	r.cur = r.bld.NewRecordBatch()
	return true
}

func (r *Reader) fail(err error) {
	r.err = err
	r.closeRows()
	// Drop the rows of the failed batch; the builder is reused by nobody.
	if rec := r.bld.NewRecordBatch(); rec != nil {
		rec.Release()
	}
}

func (r *Reader) releaseCurrent() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

// closeRows ends the query. Unless pgx has already read the whole result,
// the scan's context is cancelled first, so that pgx sends a cancel request
// instead of reading the rest of the table to find the end.
func (r *Reader) closeRows() {
	if r.rows == nil {
		return
	}
	if !r.rows.CommandTag().Select() { // no CommandComplete yet: still running
		r.cancel()
	}
	r.rows.Close()
	r.rows = nil
	r.cancel()
}

// ExplainScan returns the query Scan would send for req, with its
// parameters as placeholders, for EXPLAIN. It reads the catalog like Scan.
func (c *Connector) ExplainScan(ctx context.Context, req connectors.ScanRequest) (string, error) {
	cfg, pool, err := c.connect()
	if err != nil {
		return "", err
	}
	rel, err := findRelation(ctx, cfg, pool, req.Table)
	if err != nil {
		return "", err
	}
	cols, colOf, err := resolve(rel, req)
	if err != nil {
		return "", err
	}
	return buildSelect(cfg.schema, rel, cols, req.Filters, colOf, req.Limit, req.Split, req.Splits).sql, nil
}

var _ connectors.ScanExplainer = (*Connector)(nil)
