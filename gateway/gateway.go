// Package gateway executes the statements clients send: it sits behind the
// server's Executor interface and drives the parser, the catalog, the
// planner and the engine. Session statements (SET, USE, SHOW, DESCRIBE)
// are answered from the catalog and the session without DuckDB.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/tributary-sql/tributary/catalog"
	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/engine"
	"github.com/tributary-sql/tributary/parser"
	"github.com/tributary-sql/tributary/planner"
	"github.com/tributary-sql/tributary/server"
	"github.com/tributary-sql/tributary/sqlerr"
)

// Gateway implements server.Executor. It is safe for concurrent use; each
// session runs one statement at a time.
type Gateway struct {
	cat     *catalog.Catalog
	planner *planner.Planner
	// scans plans without whole-query pushdown: the fallback when a
	// source refuses a query it was sent.
	scans     *planner.Planner
	described schemaCache
	engine    *engine.Engine
	users     map[string]catalog.UserConfig
	version   string
	log       *slog.Logger
	killer    Killer
	metrics   *metrics
	started   time.Time // for SHOW STATUS Uptime
	// serverVars override sysvars' defaults with the server's settings.
	serverVars map[string]any
	queries    atomic.Uint64 // statements run, for SHOW STATUS Queries
}

// Killer ends statements and connections for KILL; the server is one.
type Killer interface {
	// Kill cancels the statement on connection id (query) or closes the
	// connection; false when there is no such connection.
	Kill(id uint32, query bool) bool
	// Owner is the user logged in on connection id.
	Owner(id uint32) (user string, ok bool)
}

// SetKiller enables KILL. The server is created after the gateway (it
// needs it as its executor), hence a setter; call it before serving.
func (g *Gateway) SetKiller(k Killer) { g.killer = k }

var _ server.Executor = (*Gateway)(nil)

// New wires a gateway. version is what VERSION() and @@version report.
func New(cat *catalog.Catalog, eng *engine.Engine, users []catalog.UserConfig, version string, log *slog.Logger) *Gateway {
	return NewWithOptions(cat, eng, users, version, log, Options{Pushdown: true})
}

// Options tune a gateway.
type Options struct {
	// Pushdown lets scans take columns, filters and limits to the sources.
	Pushdown bool
	// MaxSplits is how many parallel scans a large splittable table may be
	// read with (planner.Planner.MaxSplits).
	MaxSplits int
	// Metrics, when set, receives the gateway's Prometheus series.
	Metrics prometheus.Registerer
	// TLS and RequireSecureTransport say how the server is configured,
	// for @@have_ssl and @@require_secure_transport.
	TLS, RequireSecureTransport bool
}

// NewWithOptions is New with options.
func NewWithOptions(cat *catalog.Catalog, eng *engine.Engine, users []catalog.UserConfig, version string, log *slog.Logger, opts Options) *Gateway {
	scans := &planner.Planner{Catalog: cat, NoPushdown: !opts.Pushdown, MaxSplits: opts.MaxSplits,
		DirectRead: func(l *connectors.Location) bool { return eng.CanRead(l.Path) }}
	g := &Gateway{cat: cat, scans: scans, engine: eng,
		users: map[string]catalog.UserConfig{}, version: version, log: log, metrics: newMetrics(opts.Metrics), started: time.Now()}
	if opts.Pushdown {
		scans.Keys = g.keys
	}
	whole := *scans
	whole.Describe = g.describe
	g.planner = &whole
	for _, u := range users {
		g.users[u.Name] = u
	}
	if opts.TLS {
		g.serverVars = map[string]any{"have_ssl": "YES", "have_openssl": "YES"}
		if opts.RequireSecureTransport {
			g.serverVars["require_secure_transport"] = int64(1)
		}
	}
	return g
}

// Execute runs one COM_QUERY text.
func (g *Gateway) Execute(ctx context.Context, s *server.Session, query string, w server.ResultWriter) error {
	stmts, err := parser.Parse(query)
	if err != nil {
		return err
	}
	if len(stmts) == 0 {
		return sqlerr.New(sqlerr.Syntax, "Query was empty")
	}
	var mw server.MultiResultWriter
	if len(stmts) > 1 {
		var ok bool
		mw, ok = w.(server.MultiResultWriter)
		if !s.MultiStatements || !ok {
			// MySQL's parser stops at the first ';' without
			// CLIENT_MULTI_STATEMENTS, and says where.
			return notMulti(query, stmts)
		}
	}
	// Each statement runs to its end before the next starts; the first
	// error ends the query, after the results so far (MySQL's semantics).
	for i, stmt := range stmts {
		start := time.Now()
		err = g.statement(ctx, s, stmt, w)
		g.statementDone(stmt, start, err)
		if err != nil {
			return err
		}
		if i < len(stmts)-1 {
			if err := mw.NextResult(); err != nil {
				return err
			}
		}
	}
	return nil
}

// notMulti is MySQL's error for a multi-statement query from a client that
// did not enable them: a syntax error near the second statement.
func notMulti(query string, stmts []ast.StmtNode) error {
	pos := 0
	if i := strings.Index(query, stmts[0].Text()); i >= 0 {
		pos = i + len(stmts[0].Text())
	}
	if i := strings.Index(query[pos:], stmts[1].Text()); i >= 0 {
		pos += i
	}
	rest := strings.TrimLeft(query[pos:], " \t\r\n")
	pos = len(query) - len(rest)
	if len(rest) > 80 {
		rest = rest[:80]
	}
	return sqlerr.New(sqlerr.Syntax, "%s near '%s' at line %d", syntaxPrefix, rest, 1+strings.Count(query[:pos], "\n"))
}

const syntaxPrefix = "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use"

// statementDone counts a statement for SHOW STATUS and the metrics.
func (g *Gateway) statementDone(stmt ast.StmtNode, start time.Time, err error) {
	g.queries.Add(1)
	g.metrics.statement(statementKind(stmt), start, err)
}

// statementKind labels a statement for metrics: a handful of values, never
// text from the client.
func statementKind(stmt ast.StmtNode) string {
	switch stmt.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		return "select"
	case *ast.ShowStmt:
		return "show"
	case *ast.ExplainStmt:
		return "explain"
	case *ast.SetStmt:
		return "set"
	case *ast.UseStmt:
		return "use"
	case *ast.KillStmt:
		return "kill"
	}
	return "other"
}

func (g *Gateway) statement(ctx context.Context, s *server.Session, stmt ast.StmtNode, w server.ResultWriter) error {
	switch st := stmt.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		limit := g.executionTime(s, st)
		if limit <= 0 {
			return g.query(ctx, s, st, w)
		}
		qctx, cancel := context.WithTimeout(ctx, limit)
		defer cancel()
		err := g.query(qctx, s, st, w)
		if err != nil && ctx.Err() == nil && errors.Is(qctx.Err(), context.DeadlineExceeded) {
			// Whatever the engine or a source made of the cancellation.
			return sqlerr.New(sqlerr.QueryTimeout, "Query execution was interrupted, maximum statement execution time exceeded")
		}
		return err
	case *ast.ShowStmt:
		return g.show(ctx, s, st, w)
	case *ast.ExplainStmt:
		if show, ok := st.Stmt.(*ast.ShowStmt); ok { // DESCRIBE t
			return g.show(ctx, s, show, w)
		}
		return g.explain(ctx, s, st, w)
	case *ast.SetStmt:
		return g.set(ctx, s, st)
	case *ast.UseStmt:
		return g.UseDB(ctx, s, st.DBName)
	case *ast.KillStmt:
		return g.kill(s, st)
	case *ast.BeginStmt, *ast.CommitStmt, *ast.RollbackStmt:
		// Reads need no transaction; clients and pools send these anyway.
		return nil
	}
	return sqlerr.New(sqlerr.Unsupported, "this statement is not supported: Tributary serves reads (SELECT, SHOW, DESCRIBE, EXPLAIN, SET, USE)")
}

// executionTime is how long a SELECT may run: its MAX_EXECUTION_TIME(ms)
// hint, else the session's max_execution_time (ms); 0 is no limit. As in
// MySQL, it applies to top-level SELECTs only (not to SET's subqueries).
func (g *Gateway) executionTime(s *server.Session, stmt ast.StmtNode) time.Duration {
	if sel, ok := stmt.(*ast.SelectStmt); ok {
		for _, h := range sel.TableHints {
			if h.HintName.L == "max_execution_time" {
				if ms, ok := h.HintData.(uint64); ok {
					return time.Duration(min(ms, math.MaxInt64/uint64(time.Millisecond))) * time.Millisecond
				}
			}
		}
	}
	v, _ := g.variable(s, "max_execution_time")
	switch ms := v.(type) {
	case int64:
		return time.Duration(max(0, min(ms, math.MaxInt64/int64(time.Millisecond)))) * time.Millisecond
	case uint64:
		return time.Duration(min(ms, math.MaxInt64/uint64(time.Millisecond))) * time.Millisecond
	}
	return 0
}

// options is the translation context of a session.
func (g *Gateway) options(s *server.Session) parser.Options {
	return parser.Options{
		CurrentDB:    s.DB,
		User:         s.User + "@" + hostOf(s.RemoteAddr),
		Version:      g.version,
		ConnectionID: s.ID,
		Variable: func(name, scope string) (any, bool) {
			return g.variable(s, name)
		},
	}
}

func hostOf(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i > 0 {
		addr = addr[:i]
	}
	return strings.Trim(addr, "[]")
}

// plan plans a query and checks that the user may read every table in it.
func (g *Gateway) plan(ctx context.Context, s *server.Session, stmt ast.StmtNode) (*planner.Plan, error) {
	return g.planWith(ctx, g.planner, s, stmt)
}

func (g *Gateway) planWith(ctx context.Context, pl *planner.Planner, s *server.Session, stmt ast.StmtNode) (*planner.Plan, error) {
	ctx = g.visible(ctx, s)
	ctx = planner.WithAccess(ctx, func(db string) error {
		if !g.allowed(s.User, db) {
			return g.denied(s, db)
		}
		return nil
	})
	p, err := pl.Plan(ctx, stmt, g.options(s))
	if err != nil {
		return nil, err
	}
	for _, sc := range p.Scans {
		tables := sc.Tables
		if tables == nil {
			tables = []*catalog.Table{sc.Table}
		}
		for _, t := range tables {
			if !g.allowed(s.User, t.DB) {
				return nil, g.denied(s, t.DB)
			}
		}
	}
	return p, nil
}

// keys answers the planner's key reads for dynamic filtering: the first
// column of sql's rows, as filter constants (numbers, strings, decimals by
// their text, dates and timestamps as strings).
func (g *Gateway) keys(ctx context.Context, sql string, scans []*planner.Scan) ([]any, error) {
	rows, err := g.engine.Query(ctx, sql, g.inputs(&planner.Plan{Scans: scans}))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []any
	for rows.Next() {
		switch v := rows.Values()[0].(type) {
		case int8, int16, int32, int64:
			out = append(out, reflect.ValueOf(v).Int())
		case uint8, uint16, uint32, uint64:
			out = append(out, reflect.ValueOf(v).Uint())
		case string:
			out = append(out, strings.Clone(v))
		case engine.Decimal:
			out = append(out, connectors.Decimal(v))
		case time.Time:
			if v.Equal(v.Truncate(24 * time.Hour)) {
				out = append(out, v.Format("2006-01-02"))
			} else {
				out = append(out, v.Format("2006-01-02 15:04:05.999999"))
			}
		default:
			return nil, fmt.Errorf("keys of type %T", v)
		}
	}
	return out, rows.Err()
}

// describe tells the planner the types DuckDB would give sql over scans.
// Answers are cached by the SQL and the scans' schemas: dashboards send
// the same queries again and again.
func (g *Gateway) describe(ctx context.Context, sql string, scans []*planner.Scan) (*arrow.Schema, error) {
	var key strings.Builder
	key.WriteString(sql)
	for _, sc := range scans {
		fmt.Fprintf(&key, "\x00%s %v", sc.View, scanSchema(sc))
	}
	if s, ok := g.described.get(key.String()); ok {
		return s, nil
	}
	cols, err := g.engine.Describe(ctx, sql, g.inputs(&planner.Plan{Scans: scans}))
	if err != nil {
		return nil, err
	}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = arrow.Field{Name: c.Name, Type: c.Type, Nullable: true}
	}
	s := arrow.NewSchema(fields, nil)
	g.described.put(key.String(), s)
	return s, nil
}

// schemaCache remembers result schemas; when full it starts over, which
// is simple and good enough for a working set of repeated queries.
type schemaCache struct {
	mu sync.Mutex
	m  map[string]*arrow.Schema
}

const schemaCacheSize = 2048

func (c *schemaCache) get(key string) (*arrow.Schema, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := c.m[key]
	return s, ok
}

func (c *schemaCache) put(key string, s *arrow.Schema) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= schemaCacheSize {
		c.m = make(map[string]*arrow.Schema)
	}
	c.m[key] = s
}

// query runs a SELECT and streams its rows.
func (g *Gateway) query(ctx context.Context, s *server.Session, stmt ast.StmtNode, w server.ResultWriter) error {
	began := time.Now()
	p, err := g.plan(ctx, s, stmt)
	if err != nil {
		return err
	}
	planned := time.Since(began)
	rows, more, err := g.start(ctx, s, p)
	if err != nil && errors.Is(err, connectors.ErrUnsupported) && pushesQueries(p) {
		// A source refused a query it was sent (PostgreSQL rejected a
		// construct the printer let through): run the query the ordinary
		// way, with scans. Nothing has reached the client yet.
		g.log.Info("source refused a pushed-down query; running it with scans", "err", err)
		if p, err = g.planWith(ctx, g.scans, s, stmt); err != nil {
			return err
		}
		rows, more, err = g.start(ctx, s, p)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	if g.log.Enabled(ctx, slog.LevelDebug) {
		first := time.Since(began)
		defer func() {
			g.log.Debug("query", "plan_ms", ms(planned), "first_row_ms", ms(first), "total_ms", ms(time.Since(began)),
				"scans", len(p.Scans), "dynamic_filters", len(p.Dynamic))
		}()
	}
	cols := rows.Columns()
	out := make([]server.Column, len(cols))
	for i, c := range cols {
		out[i] = resultColumn(c)
	}
	if err := w.Columns(out); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	for ; more; more = rows.Next() {
		for i, v := range rows.Values() {
			vals[i] = clientValue(v)
		}
		if err := w.Row(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// resultRows are a query's rows: from DuckDB, or straight from a source that
// answered the whole query.
type resultRows interface {
	Columns() []engine.Column
	Next() bool
	Values() []any
	Err() error
	Close() error
}

// start runs a plan up to its first row (more=false: there is none), so
// that a source's refusal is known before anything is sent. A query sent
// whole to its source is read from it directly: DuckDB would only copy it.
func (g *Gateway) start(ctx context.Context, s *server.Session, p *planner.Plan) (rows resultRows, more bool, err error) {
	if sc := wholeQuery(p); sc != nil {
		rd, err := g.openScan(sc)(g.visible(ctx, s))
		if err != nil {
			return nil, false, err
		}
		rows = engine.NewArrowRows(ctx, rd)
	} else if rows, err = g.engine.Query(g.visible(ctx, s), p.SQL, g.inputs(p)); err != nil {
		g.log.Debug("query failed", "sql", p.SQL, "err", err)
		return nil, false, err
	}
	more = rows.Next()
	if !more && rows.Err() != nil {
		err = rows.Err()
		rows.Close()
		return nil, false, err
	}
	return rows, more, nil
}

// wholeQuery is the one scan of a plan whose SQL only reads it: a query a
// source answers whole.
func wholeQuery(p *planner.Plan) *planner.Scan {
	if len(p.Scans) != 1 || p.Scans[0].Query == nil || p.SQL != "SELECT * FROM "+quoteIdent(p.Scans[0].View) {
		return nil
	}
	return p.Scans[0]
}

func pushesQueries(p *planner.Plan) bool {
	for _, sc := range p.Scans {
		if sc.Query != nil {
			return true
		}
	}
	return false
}

// inputs are the engine's view of a plan's scans.
func (g *Gateway) inputs(p *planner.Plan) []engine.Input {
	var in []engine.Input
	for _, sc := range p.Scans {
		if sc.Direct == nil {
			in = append(in, engine.Input{View: sc.View, Open: g.openScan(sc), Schema: scanSchema(sc)})
		}
	}
	return in
}

// scanSchema is the schema a scan returns: the requested columns of the
// table, in order. Knowing it lets the engine open the scan only when
// DuckDB first reads it.
func scanSchema(sc *planner.Scan) *arrow.Schema {
	if sc.Query != nil {
		return sc.Query.Schema
	}
	full := sc.Table.Schema()
	if len(sc.Request.Columns) == 0 {
		return full
	}
	fields := make([]arrow.Field, 0, len(sc.Request.Columns))
	for _, name := range sc.Request.Columns {
		idx := full.FieldIndices(name)
		if len(idx) != 1 {
			return nil // let the scan say what it returns
		}
		fields = append(fields, full.Field(idx[0]))
	}
	return arrow.NewSchema(fields, nil)
}

// openScan starts a scan at its source when DuckDB is about to read it.
func (g *Gateway) openScan(sc *planner.Scan) func(ctx context.Context) (array.RecordReader, error) {
	return func(ctx context.Context) (array.RecordReader, error) {
		src := sc.Table.Source
		var res *connectors.Scan
		var err error
		if sc.Query != nil {
			q, ok := src.Connector.(connectors.Querier)
			if !ok {
				return nil, sqlerr.New(sqlerr.Internal, "source %s runs no queries", src.Name)
			}
			res, err = q.Query(ctx, *sc.Query)
		} else {
			res, err = src.Connector.Scan(ctx, sc.Request)
		}
		g.metrics.scan(src.Name, err)
		if err != nil {
			return nil, catalog.SourceError(src.Name, err)
		}
		return &sourceReader{RecordReader: res.Reader, source: src.Name, metrics: g.metrics}, nil
	}
}

// sourceReader names its source in the error that ends a scan, so that a
// client whose query died with a plugin learns which source failed, and
// counts the rows and bytes the source sent.
type sourceReader struct {
	array.RecordReader
	source  string
	metrics *metrics
}

func (r *sourceReader) Next() bool {
	if !r.RecordReader.Next() {
		return false
	}
	r.metrics.received(r.source, r.RecordReader.RecordBatch())
	return true
}

func (r *sourceReader) Err() error { return catalog.SourceError(r.source, r.RecordReader.Err()) }

// explain answers EXPLAIN with one row per scan and the DuckDB query.
func (g *Gateway) explain(ctx context.Context, s *server.Session, st *ast.ExplainStmt, w server.ResultWriter) error {
	switch st.Stmt.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
	default:
		return sqlerr.New(sqlerr.Unsupported, "EXPLAIN supports queries only")
	}
	p, err := g.plan(ctx, s, st.Stmt)
	if err != nil {
		return err
	}
	if err := w.Columns(textColumns("step", "target", "detail")); err != nil {
		return err
	}
	for _, sc := range p.Scans {
		if sc.Query != nil {
			if err := w.Row([]any{"query", fmt.Sprintf("source %s as %s", sc.Table.Source.Name, sc.View), explainQuery(sc.Query)}); err != nil {
				return err
			}
			continue
		}
		if sc.Direct != nil {
			target := fmt.Sprintf("%s.%s (source %s, table %s)", sc.Table.DB, sc.Table.Name, sc.Table.Source.Name, sc.Table.Remote.Name)
			if err := w.Row([]any{"read", target, "duckdb reads " + sc.Direct.Format + " file " + sc.Direct.Path}); err != nil {
				return err
			}
			continue
		}
		detail := fmt.Sprintf("columns=[%s]", strings.Join(sc.Request.Columns, ", "))
		if len(sc.Request.Filters) > 0 {
			fs := make([]string, len(sc.Request.Filters))
			for i, f := range sc.Request.Filters {
				fs[i] = f.String()
			}
			detail += fmt.Sprintf(" filters=[%s]", strings.Join(fs, " AND "))
		}
		if sc.Request.Limit > 0 {
			detail += fmt.Sprintf(" limit=%d", sc.Request.Limit)
		}
		if ex, ok := sc.Table.Source.Connector.(connectors.ScanExplainer); ok {
			// What the source itself will run, when it can say.
			if text, err := ex.ExplainScan(ctx, sc.Request); err == nil && text != "" {
				detail += " source query: " + text
			}
		}
		target := fmt.Sprintf("%s.%s (source %s, table %s) as %s", sc.Table.DB, sc.Table.Name, sc.Table.Source.Name, sc.Request.Table, sc.View)
		if err := w.Row([]any{"scan", target, detail}); err != nil {
			return err
		}
	}
	for _, d := range p.Dynamic {
		detail := fmt.Sprintf("%s IN (%d keys of %s)", d.Column, d.Keys, d.From)
		if err := w.Row([]any{"dynamic filter", d.View, detail}); err != nil {
			return err
		}
	}
	return w.Row([]any{"duckdb", "engine", p.SQL})
}

// kill answers KILL [QUERY|CONNECTION] id. A user may kill only their own
// connections: there are no PROCESS or SUPER privileges to grant more.
func (g *Gateway) kill(s *server.Session, st *ast.KillStmt) error {
	id := uint32(st.ConnectionID)
	owner, ok := "", false
	if g.killer != nil && uint64(id) == st.ConnectionID {
		owner, ok = g.killer.Owner(id)
	}
	if !ok {
		return sqlerr.New(sqlerr.NoSuchThread, "Unknown thread id: %d", st.ConnectionID)
	}
	if owner != s.User {
		return sqlerr.New(sqlerr.KillDenied, "You are not owner of thread %d", st.ConnectionID)
	}
	if !g.killer.Kill(id, st.Query) {
		return sqlerr.New(sqlerr.NoSuchThread, "Unknown thread id: %d", st.ConnectionID)
	}
	return nil
}

// UseDB changes the session's database.
func (g *Gateway) UseDB(ctx context.Context, s *server.Session, db string) error {
	if strings.EqualFold(db, "information_schema") {
		s.DB = "information_schema"
		return nil
	}
	d, err := g.cat.Database(db)
	if err != nil {
		return err
	}
	if !g.allowed(s.User, d.Name) {
		return g.denied(s, d.Name)
	}
	s.DB = d.Name
	return nil
}

// FieldList answers COM_FIELD_LIST, which old clients send for completion.
func (g *Gateway) FieldList(ctx context.Context, s *server.Session, table, wildcard string) ([]server.Column, error) {
	if s.DB == "" {
		return nil, sqlerr.New(sqlerr.NoDatabaseSelected, "No database selected")
	}
	e, err := g.cat.Lookup(ctx, s.DB, table)
	if err != nil {
		return nil, err
	}
	if e.Table == nil {
		return nil, nil
	}
	var cols []server.Column
	for _, f := range e.Table.Schema().Fields() {
		if wildcard != "" && !likeMatch(wildcard, f.Name) {
			continue
		}
		col := resultColumn(engine.Column{Name: f.Name, Type: f.Type})
		col.Table, col.OrgTable, col.Schema = e.Name, e.Name, e.Table.DB
		cols = append(cols, col)
	}
	return cols, nil
}

// visible limits information_schema to the databases the user may read,
// and lets it list views' columns (JDBC's getColumns and ODBC's SQLColumns
// read them there).
func (g *Gateway) visible(ctx context.Context, s *server.Session) context.Context {
	ctx = catalog.WithViewColumns(ctx, func(ctx context.Context, db, view string) ([]arrow.Field, error) {
		return g.viewFields(ctx, s, db, view)
	})
	return catalog.WithVisible(ctx, func(db string) bool { return g.allowed(s.User, db) })
}

// allowed reports whether user may read db. Users without a database list
// may read everything.
func (g *Gateway) allowed(user, db string) bool {
	u, ok := g.users[user]
	if !ok || len(u.Databases) == 0 || strings.EqualFold(db, "information_schema") {
		return true
	}
	for _, d := range u.Databases {
		if strings.EqualFold(d, db) {
			return true
		}
	}
	return false
}

func (g *Gateway) denied(s *server.Session, db string) error {
	return sqlerr.New(sqlerr.DatabaseAccessDenied, "Access denied for user '%s'@'%s' to database '%s'", s.User, hostOf(s.RemoteAddr), db)
}

// explainQuery shows a pushed-down query with its parameter values.
func explainQuery(q *connectors.QueryRequest) string {
	if len(q.Args) == 0 {
		return q.SQL
	}
	args := make([]string, len(q.Args))
	for i, a := range q.Args {
		args[i] = fmt.Sprintf("$%d=%s", i+1, connectors.FormatValue(a))
	}
	return q.SQL + " -- " + strings.Join(args, ", ")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }
