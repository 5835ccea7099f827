// Package gateway executes the statements clients send: it sits behind the
// server's Executor interface and drives the parser, the catalog, the
// planner and the engine. Session statements (SET, USE, SHOW, DESCRIBE)
// are answered from the catalog and the session without DuckDB.
package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
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
	engine  *engine.Engine
	users   map[string]catalog.UserConfig
	version string
	log     *slog.Logger
	killer  Killer
	metrics *metrics
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
}

// NewWithOptions is New with options.
func NewWithOptions(cat *catalog.Catalog, eng *engine.Engine, users []catalog.UserConfig, version string, log *slog.Logger, opts Options) *Gateway {
	g := &Gateway{cat: cat, planner: &planner.Planner{Catalog: cat, NoPushdown: !opts.Pushdown, MaxSplits: opts.MaxSplits,
		DirectRead: func(l *connectors.Location) bool { return eng.CanRead(l.Path) }}, engine: eng,
		users: map[string]catalog.UserConfig{}, version: version, log: log, metrics: newMetrics(opts.Metrics)}
	for _, u := range users {
		g.users[u.Name] = u
	}
	return g
}

// Execute runs one COM_QUERY text.
func (g *Gateway) Execute(ctx context.Context, s *server.Session, query string, w server.ResultWriter) error {
	stmts, err := parser.Parse(query)
	if err != nil {
		return err
	}
	switch len(stmts) {
	case 0:
		return sqlerr.New(sqlerr.Syntax, "Query was empty")
	case 1:
	default:
		return sqlerr.New(sqlerr.Unsupported, "multiple statements in one query are not supported yet")
	}
	start := time.Now()
	err = g.statement(ctx, s, stmts[0], w)
	g.metrics.statement(statementKind(stmts[0]), start, err)
	return err
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
		return g.query(ctx, s, st, w)
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
	ctx = g.visible(ctx, s)
	p, err := g.planner.Plan(ctx, stmt, g.options(s))
	if err != nil {
		return nil, err
	}
	for _, sc := range p.Scans {
		if !g.allowed(s.User, sc.Table.DB) {
			return nil, g.denied(s, sc.Table.DB)
		}
	}
	return p, nil
}

// query runs a SELECT and streams its rows.
func (g *Gateway) query(ctx context.Context, s *server.Session, stmt ast.StmtNode, w server.ResultWriter) error {
	p, err := g.plan(ctx, s, stmt)
	if err != nil {
		return err
	}
	rows, err := g.engine.Query(g.visible(ctx, s), p.SQL, g.inputs(p))
	if err != nil {
		g.log.Debug("query failed", "sql", p.SQL, "err", err)
		return err
	}
	defer rows.Close()
	cols := rows.Columns()
	out := make([]server.Column, len(cols))
	for i, c := range cols {
		out[i] = resultColumn(c)
	}
	if err := w.Columns(out); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	for rows.Next() {
		for i, v := range rows.Values() {
			vals[i] = clientValue(v)
		}
		if err := w.Row(vals); err != nil {
			return err
		}
	}
	return rows.Err()
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
		res, err := src.Connector.Scan(ctx, sc.Request)
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

// visible limits information_schema to the databases the user may read.
func (g *Gateway) visible(ctx context.Context, s *server.Session) context.Context {
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
