// Package engine is the embedded DuckDB that joins and aggregates what the
// connectors stream. It is the only package that uses cgo.
//
// It drives DuckDB's C API directly (through duckdb-go-bindings) rather
// than database/sql, because duckdb-go materialises every result before
// the first row is returned; here results stream chunk by chunk, so a
// 10-million-row answer goes to the client with flat memory, and a scan is
// pulled from its source only as fast as the client reads.
//
// Every query runs on a connection of its own: the scans it needs are
// registered there as Arrow views (temporary: invisible to other
// connections, gone when the connection closes), the translated SQL runs
// as a streaming query, and the connection is closed with the rows. An
// Arrow view can be read only once, so the planner gives every table
// reference its own Input.
//
// The engine is locked down at start-up: external access (files, network,
// extensions) is disabled and the configuration is locked, so SQL that
// reaches DuckDB cannot read files, ATTACH, INSTALL or SET anything.
package engine

// #include <stdlib.h>
import "C"

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/cdata"
	bindings "github.com/duckdb/duckdb-go-bindings"

	"github.com/tributary-sql/tributary/sqlerr"
)

// Config sets DuckDB's resources.
type Config struct {
	// MemoryLimit is DuckDB's memory_limit, e.g. "2GB". Empty: DuckDB's
	// default (80% of RAM).
	MemoryLimit string
	// SpillDir is where operators that exceed MemoryLimit spill. Empty:
	// DuckDB's default (.tmp beside an in-memory database: none).
	SpillDir string
	// Threads is DuckDB's worker count; 0 means one per core.
	Threads int
	// Macros run once before the lock-down (CREATE MACRO statements).
	Macros []string
	// AllowedDirectories stay readable after the lock-down: the planner
	// has DuckDB read Parquet files there itself (see CanRead). SQL from
	// clients cannot name files: the translator prints no file functions.
	AllowedDirectories []string
}

// Engine is safe for concurrent use; each Query takes its own connection.
type Engine struct {
	mu      sync.RWMutex // guards db against Close during Query
	db      bindings.Database
	closed  bool
	allowed []string // absolute, cleaned
}

// Open starts DuckDB in memory, defines the macros and locks it down.
func Open(cfg Config) (*Engine, error) {
	var config bindings.Config
	if bindings.CreateConfig(&config) == bindings.StateError {
		return nil, fmt.Errorf("engine: create config")
	}
	defer bindings.DestroyConfig(&config)
	settings := map[string]string{
		// Autoload and autoinstall would fetch extensions; none may be.
		"autoinstall_known_extensions": "false",
		"autoload_known_extensions":    "false",
	}
	if cfg.MemoryLimit != "" {
		settings["memory_limit"] = cfg.MemoryLimit
	}
	if cfg.SpillDir != "" {
		settings["temp_directory"] = cfg.SpillDir
	}
	if cfg.Threads > 0 {
		settings["threads"] = fmt.Sprint(cfg.Threads)
	}
	for k, v := range settings {
		if bindings.SetConfig(config, k, v) == bindings.StateError {
			return nil, fmt.Errorf("engine: setting %s=%q was refused", k, v)
		}
	}
	e := &Engine{}
	var errMsg string
	if bindings.OpenExt(":memory:", &e.db, config, &errMsg) == bindings.StateError {
		return nil, fmt.Errorf("engine: open duckdb: %s", errMsg)
	}
	setup := append([]string{}, cfg.Macros...)
	for _, dir := range cfg.AllowedDirectories {
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("engine: allowed directory %s: %w", dir, err)
		}
		e.allowed = append(e.allowed, filepath.Clean(abs))
	}
	if len(e.allowed) > 0 {
		quoted := make([]string, len(e.allowed))
		for i, d := range e.allowed {
			quoted[i] = "'" + strings.ReplaceAll(d+string(filepath.Separator), "'", "''") + "'"
		}
		setup = append(setup, "SET allowed_directories = ["+strings.Join(quoted, ", ")+"]")
	}
	setup = append(setup,
		"SET enable_external_access = false",
		"SET lock_configuration = true",
	)
	if err := e.exec(setup); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// CanRead reports whether DuckDB may read the file at path: it lies inside
// one of the allowed directories.
func (e *Engine) CanRead(path string) bool {
	if !filepath.IsAbs(path) {
		return false
	}
	path = filepath.Clean(path)
	for _, d := range e.allowed {
		if rel, err := filepath.Rel(d, path); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return true
		}
	}
	return false
}

// exec runs statements without results on a connection of their own.
func (e *Engine) exec(stmts []string) error {
	var conn bindings.Connection
	if bindings.Connect(e.db, &conn) == bindings.StateError {
		return fmt.Errorf("engine: connect")
	}
	defer bindings.Disconnect(&conn)
	for _, s := range stmts {
		var res bindings.Result
		if bindings.Query(conn, s, &res) == bindings.StateError {
			msg := bindings.ResultError(&res)
			bindings.DestroyResult(&res)
			return fmt.Errorf("engine: start-up statement %q: %s", firstLine(s), msg)
		}
		bindings.DestroyResult(&res)
	}
	return nil
}

// Close shuts DuckDB down. Call it after every Rows is closed.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.closed {
		e.closed = true
		bindings.Close(&e.db)
	}
	return nil
}

// Input is one table reference of a query: a view the SQL names, and how to
// open the scan that feeds it.
type Input struct {
	View string
	Open func(ctx context.Context) (array.RecordReader, error)
	// Schema, when set, is the schema Open's reader will have: the scan is
	// then opened only when DuckDB first reads it, not when the query
	// starts. Without it Open is called when Query starts. Lazy opening
	// matters: a source's connection pool is bounded, and a query whose
	// scans were all opened up front, before DuckDB reads any, could wait
	// forever for a connection held by a scan nobody is reading yet.
	Schema *arrow.Schema
}

// Column is one result column.
type Column struct {
	Name string
	// Type is the Arrow type DuckDB delivers the column in.
	Type arrow.DataType
	// DuckType is DuckDB's own type id name (BOOLEAN, HUGEINT, UUID, …),
	// for the distinctions Arrow does not keep.
	DuckType string
}

// Query runs sql after registering every input as a view, and streams the
// result. Errors from a scan (a source that died mid-query, say) are
// returned as themselves, not as DuckDB's rewording of them.
func (e *Engine) Query(ctx context.Context, sql string, inputs []Input) (*Rows, error) {
	r, err := e.connect(ctx)
	if err != nil {
		return nil, err
	}
	go r.watch()
	if err := r.register(inputs); err != nil {
		return nil, r.fail(err)
	}
	if err := r.execute(sql); err != nil {
		return nil, r.fail(err)
	}
	return r, nil
}

// Describe returns the columns sql would produce over inputs, without
// running it: the inputs are registered but never opened (each must have
// a Schema). The planner uses it to know the types of a subquery it sends
// to a source whole, so that the source's answer arrives in the types
// DuckDB would have computed.
func (e *Engine) Describe(ctx context.Context, sql string, inputs []Input) ([]Column, error) {
	for _, in := range inputs {
		if in.Schema == nil {
			return nil, sqlerr.New(sqlerr.Internal, "engine: describe needs the schema of %s", in.View)
		}
	}
	r, err := e.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	if err := r.register(inputs); err != nil {
		return nil, err
	}
	if err := r.prepare(sql); err != nil {
		return nil, err
	}
	n := bindings.PreparedStatementColumnCount(r.stmt)
	names := make([]string, n)
	types := make([]bindings.LogicalType, n)
	for i := range n {
		names[i] = bindings.PreparedStatementColumnName(r.stmt, i)
		types[i] = bindings.PreparedStatementColumnLogicalType(r.stmt, i)
	}
	var opts bindings.ArrowOptions
	bindings.ConnectionGetArrowOptions(r.conn, &opts)
	defer bindings.DestroyArrowOptions(&opts)
	cols, _, err := columns(opts, names, types)
	return cols, err
}

// columns describes result columns by their DuckDB types and the Arrow
// types DuckDB delivers them in. It destroys types.
func columns(opts bindings.ArrowOptions, names []string, types []bindings.LogicalType) ([]Column, *arrow.Schema, error) {
	defer func() {
		for i := range types {
			bindings.DestroyLogicalType(&types[i])
		}
	}()
	schema, ed := bindings.NewArrowSchema(opts, types, names)
	if err := errorData(ed); err != nil {
		return nil, nil, err
	}
	cols := make([]Column, len(names))
	for i := range cols {
		cols[i] = Column{Name: names[i], Type: schema.Field(i).Type, DuckType: typeName(bindings.GetTypeId(types[i]))}
	}
	return cols, schema, nil
}

// connect takes the engine's read lock and a connection of its own for
// one query; from then on, the Rows' Close releases both.
func (e *Engine) connect(ctx context.Context) (*Rows, error) {
	e.mu.RLock()
	if e.closed {
		e.mu.RUnlock()
		return nil, sqlerr.New(sqlerr.Internal, "engine is closed")
	}
	r := &Rows{ctx: ctx, engine: e, done: make(chan struct{})}
	if bindings.Connect(e.db, &r.conn) == bindings.StateError {
		e.mu.RUnlock()
		return nil, fmt.Errorf("engine: connect")
	}
	r.connected = true
	return r, nil
}

// Rows streams a query's result. Not safe for concurrent use. Close must be
// called; it releases the connection and the scans.
type Rows struct {
	ctx       context.Context
	engine    *Engine
	conn      bindings.Connection
	connected bool
	done      chan struct{} // closed by Close; stops watch
	mu        sync.Mutex    // orders watch's Interrupt before Close's Disconnect
	closing   bool

	streams []unsafe.Pointer // C ArrowArrayStreams handed to DuckDB
	scans   []array.RecordReader

	stmt     bindings.PreparedStatement
	pending  bindings.PendingResult
	res      bindings.Result
	hasStmt  bool
	hasPend  bool
	hasRes   bool
	opts     bindings.ArrowOptions
	hasOpts  bool
	schema   *arrow.Schema
	cols     []Column
	rec      arrow.RecordBatch
	row      int
	vals     []any
	err      error
	finished bool
}

// watch interrupts DuckDB when the query's context ends, so KILL, a
// client that hangs up and timeouts stop the work and the scans.
func (r *Rows) watch() {
	select {
	case <-r.ctx.Done():
	case <-r.done:
		return
	}
	// An interrupt only stops the statement running at that moment, so it
	// is repeated until the rows are closed.
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		r.mu.Lock()
		if !r.closing {
			bindings.Interrupt(r.conn)
		}
		r.mu.Unlock()
		select {
		case <-tick.C:
		case <-r.done:
			return
		}
	}
}

func (r *Rows) register(inputs []Input) error {
	for _, in := range inputs {
		var rd array.RecordReader
		if in.Schema != nil {
			rd = newLazyReader(r.ctx, in.Schema, in.Open)
		} else {
			var err error
			if rd, err = in.Open(r.ctx); err != nil {
				return err
			}
		}
		r.scans = append(r.scans, rd)
		stream := C.calloc(1, C.size_t(unsafe.Sizeof(cdata.CArrowArrayStream{})))
		r.streams = append(r.streams, stream)
		// The exported stream takes its own reference to the reader.
		cdata.ExportRecordReader(rd, (*cdata.CArrowArrayStream)(stream))
		raw := in.View + "__arrow"
		if bindings.ArrowScan(r.conn, raw, bindings.ArrowStream{Ptr: stream}) == bindings.StateError {
			return fmt.Errorf("engine: registering scan %s failed", in.View)
		}
		// DuckDB's C-API Arrow scan pushes projections and filters into
		// the stream and trusts it to apply them, which a plain C stream
		// cannot: rows would come back unfiltered, or columns misread
		// (duckdb/duckdb#16050). So the view reads each row whole, as one
		// struct that no column pruning can see into, behind OFFSET 0,
		// which no filter is pushed through (a STREAMING_LIMIT, nothing
		// materialised), and unpacks it above; DuckDB then filters and
		// projects itself. The planner already asked the source for only
		// the columns the query uses.
		barrier := fmt.Sprintf("CREATE TEMP VIEW %s AS SELECT UNNEST(r) FROM (SELECT %s AS r FROM %s OFFSET 0)",
			quoteIdent(in.View), quoteIdent(raw), quoteIdent(raw))
		if err := r.run(barrier); err != nil {
			return err
		}
	}
	return nil
}

// run executes a statement without a result on the query's connection.
func (r *Rows) run(sql string) error {
	var res bindings.Result
	defer bindings.DestroyResult(&res)
	if bindings.Query(r.conn, sql, &res) == bindings.StateError {
		return classify(bindings.ResultError(&res))
	}
	return nil
}

// prepare prepares sql on the query's connection.
func (r *Rows) prepare(sql string) error {
	if bindings.Prepare(r.conn, sql, &r.stmt) == bindings.StateError {
		msg := bindings.PrepareError(r.stmt)
		bindings.DestroyPrepare(&r.stmt)
		return r.classify(msg)
	}
	r.hasStmt = true
	return nil
}

func (r *Rows) execute(sql string) error {
	if r.ctx.Err() != nil {
		return interrupted(r.ctx)
	}
	if err := r.prepare(sql); err != nil {
		return err
	}
	if bindings.PendingPreparedStreaming(r.stmt, &r.pending) == bindings.StateError {
		msg := bindings.PendingError(r.pending)
		bindings.DestroyPending(&r.pending)
		return r.classify(msg)
	}
	r.hasPend = true
	if bindings.ExecutePending(r.pending, &r.res) == bindings.StateError {
		msg := bindings.ResultError(&r.res)
		bindings.DestroyResult(&r.res)
		return r.classify(msg)
	}
	r.hasRes = true
	n := bindings.ColumnCount(&r.res)
	names := make([]string, n)
	types := make([]bindings.LogicalType, n)
	for i := range n {
		names[i] = bindings.ColumnName(&r.res, i)
		types[i] = bindings.ColumnLogicalType(&r.res, i)
	}
	r.opts = bindings.ResultGetArrowOptions(&r.res)
	r.hasOpts = true
	cols, schema, err := columns(r.opts, names, types)
	if err != nil {
		return err
	}
	r.schema, r.cols = schema, cols
	r.vals = make([]any, n)
	return nil
}

// Columns describes the result.
func (r *Rows) Columns() []Column { return r.cols }

// Next advances to the next row, fetching the next chunk when needed.
func (r *Rows) Next() bool {
	for r.rec == nil || r.row+1 >= int(r.rec.NumRows()) {
		if r.rec != nil {
			r.rec.Release()
			r.rec = nil
		}
		if r.finished || r.err != nil {
			return false
		}
		chunk := bindings.FetchChunk(r.res)
		if chunk.Ptr == nil {
			r.finished = true
			if msg := bindings.ResultError(&r.res); msg != "" {
				r.err = r.classify(msg)
			}
			return false
		}
		rec, ed := bindings.DataChunkToArrowArray(r.opts, r.schema, chunk)
		bindings.DestroyDataChunk(&chunk)
		if err := errorData(ed); err != nil {
			r.err = err
			return false
		}
		r.rec, r.row = rec, -1
	}
	r.row++
	for i, col := range r.rec.Columns() {
		r.vals[i] = value(col, r.row)
	}
	return true
}

// Values returns the current row. The slice, and strings and byte slices
// in it, are valid only until the next call to Next.
func (r *Rows) Values() []any { return r.vals }

// Err reports the error that ended iteration, if any.
func (r *Rows) Err() error {
	if r.err == nil && r.ctx.Err() != nil && !r.finished {
		return interrupted(r.ctx)
	}
	return r.err
}

// Close releases the result, its scans and its connection. Safe to call
// twice.
func (r *Rows) Close() error {
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return nil
	}
	r.closing = true
	r.mu.Unlock()
	close(r.done)
	if r.rec != nil {
		r.rec.Release()
		r.rec = nil
	}
	if r.hasRes {
		bindings.DestroyResult(&r.res)
	}
	if r.hasOpts {
		bindings.DestroyArrowOptions(&r.opts)
	}
	if r.hasPend {
		bindings.DestroyPending(&r.pending)
	}
	if r.hasStmt {
		bindings.DestroyPrepare(&r.stmt)
	}
	// Disconnecting drops the views; then the streams can go.
	if r.connected {
		bindings.Disconnect(&r.conn)
	}
	for _, s := range r.streams {
		cdata.ReleaseCArrowArrayStream((*cdata.CArrowArrayStream)(s))
		C.free(s)
	}
	for _, rd := range r.scans {
		rd.Release()
	}
	r.engine.mu.RUnlock()
	return nil
}

// fail closes a query that could not start, preferring a scan's own error.
func (r *Rows) fail(err error) error {
	r.Close()
	return err
}

// classify turns a DuckDB error message into the error vocabulary. A
// failed scan wins over DuckDB's text report of it: the scan's error keeps
// its kind and names the source.
func (r *Rows) classify(msg string) error {
	for _, rd := range r.scans {
		if err := rd.Err(); err != nil {
			return err
		}
	}
	if r.ctx.Err() != nil {
		return interrupted(r.ctx)
	}
	return classify(msg)
}

func interrupted(ctx context.Context) error {
	if ctx.Err() == context.DeadlineExceeded {
		return sqlerr.New(sqlerr.QueryTimeout, "Query execution was interrupted, maximum statement execution time exceeded")
	}
	return sqlerr.New(sqlerr.QueryInterrupted, "Query execution was interrupted")
}

// classify maps DuckDB's "<Type> Error: …" messages. Parser errors here
// mean the translator printed something DuckDB rejects; binder errors are
// mostly unknown columns.
func classify(msg string) error {
	kind, _, _ := strings.Cut(msg, " Error: ")
	switch kind {
	case "Binder":
		if strings.Contains(msg, "Referenced column") || strings.Contains(msg, "not found in FROM clause") ||
			strings.Contains(msg, "cannot be referenced before it is defined") {
			return sqlerr.New(sqlerr.UnknownColumn, "%s", msg)
		}
	case "Permission":
		return sqlerr.New(sqlerr.Forbidden, "%s", msg)
	case "INTERRUPT", "Interrupt":
		return sqlerr.New(sqlerr.QueryInterrupted, "Query execution was interrupted")
	case "Catalog":
		if strings.Contains(msg, "Function with name") || strings.Contains(msg, "Scalar Function") || strings.Contains(msg, "Table Function") {
			return sqlerr.New(sqlerr.UnknownFunction, "%s", msg)
		}
	}
	return sqlerr.New(sqlerr.Internal, "%s", msg)
}

func errorData(ed bindings.ErrorData) error {
	defer bindings.DestroyErrorData(&ed)
	if !bindings.ErrorDataHasError(ed) {
		return nil
	}
	return classify(bindings.ErrorDataMessage(ed))
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + "…"
	}
	return s
}
