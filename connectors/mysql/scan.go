package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tributary-sql/tributary/connectors"
)

// Scan starts a scan on a pool connection of its own, waiting for one when
// pool_size scans already run. The SELECT is a server-side prepared
// statement with every value bound as a parameter. Filters are pushed as
// buildQuery explains; Exact says which ones the planner may drop. The
// reader must be released; releasing it early, or cancelling ctx, kills
// the query on the server (KILL QUERY from another connection) and
// returns the connection to the pool or discards it.
func (c *Connector) Scan(ctx context.Context, req connectors.ScanRequest) (*connectors.Scan, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	conn, err := cfg.db.Conn(ctx)
	if err != nil {
		return nil, cfg.queryError(ctx, "connecting", err)
	}
	r, q, err := c.startScan(ctx, cfg, conn, req)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &connectors.Scan{Reader: r, Exact: q.exact}, nil
}

func (c *Connector) startScan(ctx context.Context, cfg *config, conn *sql.Conn, req connectors.ScanRequest) (*reader, query, error) {
	q, proj, err := plan(ctx, cfg, conn, req)
	if err != nil {
		return nil, query{}, err
	}
	// The id lets another connection KILL this one's query: the driver
	// itself only closes the socket, and the server goes on working.
	var id uint64
	if err := conn.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		return nil, query{}, cfg.queryError(ctx, "reading the connection id", err)
	}
	r := &reader{
		ctx: ctx, cfg: cfg, table: req.Table, schema: schemaOf(proj),
		mem: c.mem, batchRows: cfg.batchRows, conn: conn, cols: proj,
	}
	var scanCtx context.Context
	scanCtx, r.cancel = context.WithCancel(ctx)
	r.watch = cfg.watch(scanCtx, id)
	if err := r.start(scanCtx, q); err != nil {
		r.closeQuery()
		return nil, query{}, err
	}
	r.refs.Add(1)
	return r, q, nil
}

// project returns the requested columns in the requested order (all of
// them when none are named).
func project(table string, cols []column, names []string) ([]column, error) {
	if len(names) == 0 {
		return cols, nil
	}
	out := make([]column, len(names))
	for i, n := range names {
		c, ok := findColumn(cols, n)
		if !ok {
			return nil, fmt.Errorf("mysql: column %q of %s: %w", n, table, connectors.ErrColumnNotFound)
		}
		out[i] = c
	}
	return out, nil
}

// watcher kills the query of one connection when its context ends before
// the scan does.
type watcher struct {
	stop   chan struct{}
	done   chan struct{}
	killed atomic.Bool
}

func (cfg *config) watch(ctx context.Context, id uint64) *watcher {
	w := &watcher{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		defer func() { recover() }() //nolint:errcheck // a failed kill must not take the process down
		select {
		case <-w.stop:
		case <-ctx.Done():
			w.killed.Store(true)
			cfg.kill(id)
		}
	}()
	return w
}

// finish stops the watcher and waits for it, so that no KILL can reach
// the connection once it is back in the pool. It reports whether a KILL
// was sent.
func (w *watcher) finish() bool {
	close(w.stop)
	<-w.done
	return w.killed.Load()
}

// kill stops the query running on connection id. Failure is ignored: the
// query may have ended meanwhile, and the driver has closed the socket,
// which the server notices at its next write anyway.
func (cfg *config) kill(id uint64) {
	ctx, cancel := context.WithTimeout(context.Background(), killTimeout)
	defer cancel()
	// id is the server's own connection number, not an outside value.
	cfg.ctl.ExecContext(ctx, fmt.Sprintf("KILL QUERY %d", id)) //nolint:errcheck
}

// reader is the array.RecordReader of a scan. Like any RecordReader it is
// used by one goroutine at a time. It gives its connection back as soon as
// the rows are exhausted, fail, or it is released (early release is safe:
// the query is killed on the server first).
type reader struct {
	refs      atomic.Int64
	ctx       context.Context // the caller's, for reporting cancellation
	cfg       *config
	table     string
	schema    *arrow.Schema
	mem       memory.Allocator
	batchRows int

	cols   []column
	conn   *sql.Conn
	cancel context.CancelFunc
	watch  *watcher
	stmt   *sql.Stmt
	rows   *sql.Rows // nil once closed
	// exhausted: the server sent the last row (or an error), so no
	// query runs there any more.
	exhausted bool
	bld       *array.RecordBuilder
	decs      []*decoder
	dests     []any

	cur arrow.RecordBatch
	err error
}

var _ array.RecordReader = (*reader)(nil)

// start prepares and executes the query. Prepare and execute use the scan
// context, so a cancel during either reaches the watcher too.
func (r *reader) start(ctx context.Context, q query) error {
	var err error
	if r.stmt, err = r.conn.PrepareContext(ctx, q.sql); err != nil {
		return r.cfg.queryError(r.ctx, "preparing the scan of "+r.table, err)
	}
	if r.rows, err = r.stmt.QueryContext(ctx, q.args...); err != nil {
		return r.cfg.queryError(r.ctx, "scanning "+r.table, err)
	}
	r.bld = array.NewRecordBuilder(r.mem, r.schema)
	r.decs = make([]*decoder, len(r.schema.Fields()))
	r.dests = make([]any, len(r.decs))
	for i, c := range r.cols {
		r.decs[i] = newDecoder(c, r.bld.Field(i))
		r.dests[i] = r.decs[i].dest
	}
	return nil
}

// Schema has exactly the requested columns, in the requested order.
func (r *reader) Schema() *arrow.Schema { return r.schema }

// RecordBatch is the current batch, valid until the next call to Next or
// Release; Retain it to keep it longer.
func (r *reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is the current batch.
//
// Deprecated: use RecordBatch (kept to satisfy array.RecordReader).
func (r *reader) Record() arrow.RecordBatch { return r.cur }

// Err is the error that ended the scan, nil at normal exhaustion. A
// cancelled scan reports an error wrapping the context's error.
func (r *reader) Err() error { return r.err }

// Retain adds a reference.
func (r *reader) Retain() { r.refs.Add(1) }

// Release drops a reference; the last one ends the query and frees the
// connection.
func (r *reader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	r.releaseCurrent()
	r.closeQuery()
}

// Next reads up to batch_rows rows into the next batch.
func (r *reader) Next() bool {
	r.releaseCurrent()
	if r.rows == nil {
		return false
	}
	n := 0
	for n < r.batchRows {
		if !r.rows.Next() {
			r.exhausted = true
			break
		}
		if err := r.scanRow(); err != nil {
			r.fail(err)
			return false
		}
		n++
	}
	if r.exhausted {
		if err := r.rows.Err(); err != nil {
			r.fail(r.cfg.queryError(r.ctx, "scanning "+r.table, err))
			return false
		}
	}
	if n > 0 {
		r.cur = r.bld.NewRecordBatch()
	}
	if r.exhausted {
		// Give the connection back now rather than when the caller gets
		// round to Release.
		r.closeQuery()
	}
	return n > 0
}

func (r *reader) scanRow() error {
	if err := r.rows.Scan(r.dests...); err != nil {
		return r.cfg.queryError(r.ctx, "scanning "+r.table, err)
	}
	for i, d := range r.decs {
		if err := d.append(d); err != nil {
			return fmt.Errorf("mysql: scanning %s, column %s: %w", r.table, r.schema.Field(i).Name, err)
		}
	}
	return nil
}

func (r *reader) fail(err error) {
	r.err = err
	r.closeQuery()
}

func (r *reader) releaseCurrent() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

// closeQuery ends the query and returns the connection; it is idempotent.
// Before exhaustion it cancels the scan context first: the watcher kills
// the query on the server and the driver drops the socket, so closing the
// rows does not read the rest of the result.
func (r *reader) closeQuery() {
	if r.conn == nil {
		return
	}
	if !r.exhausted {
		r.cancel()
	}
	if r.rows != nil {
		r.rows.Close()
		r.rows = nil
	}
	if r.stmt != nil {
		r.stmt.Close()
	}
	killed := r.watch.finish()
	r.cancel()
	if killed {
		// A connection whose query was killed is not reused: a KILL that
		// arrived after the query ended could otherwise hit the next one.
		r.conn.Raw(func(any) error { return driver.ErrBadConn }) //nolint:errcheck
	}
	r.conn.Close()
	r.conn = nil
	if r.bld != nil {
		r.bld.Release()
		r.bld = nil
	}
}

// ExplainScan returns the statement Scan would prepare for req, with `?`
// for its parameters, for EXPLAIN.
func (c *Connector) ExplainScan(ctx context.Context, req connectors.ScanRequest) (string, error) {
	cfg, err := c.config()
	if err != nil {
		return "", err
	}
	conn, err := cfg.db.Conn(ctx)
	if err != nil {
		return "", cfg.queryError(ctx, "connecting", err)
	}
	defer conn.Close()
	q, _, err := plan(ctx, cfg, conn, req)
	return q.sql, err
}

// plan reads the table's columns and builds the scan's statement.
func plan(ctx context.Context, cfg *config, conn *sql.Conn, req connectors.ScanRequest) (query, []column, error) {
	all, err := cfg.columns(ctx, conn, req.Table)
	if err != nil {
		return query{}, nil, err
	}
	cols := all[req.Table]
	if len(cols) == 0 {
		return query{}, nil, fmt.Errorf("mysql: table %q in database %s: %w", req.Table, cfg.database, connectors.ErrTableNotFound)
	}
	proj, err := project(req.Table, cols, req.Columns)
	if err != nil {
		return query{}, nil, err
	}
	q, err := buildQuery(cfg.database, req.Table, cols, proj, req.Filters, req.Limit)
	return q, proj, err
}

var _ connectors.ScanExplainer = (*Connector)(nil)
