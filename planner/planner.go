// Package planner decides what each source does for a query and what is
// left for DuckDB.
//
// Every table reference becomes a Scan of its own (an Arrow view may be read
// only once, so a self-join needs two scans) with the columns the query
// uses and the WHERE conjuncts that compare one of its columns with a
// constant. The full query, WHERE included, still runs in DuckDB over those
// scans: a pushed filter only reduces what a source sends, so a connector
// that applies it loosely (Parquet row-group pruning, say) never changes
// the answer. A LIMIT goes to the source only when nothing else stands
// between the scan and the limit.
package planner

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/tributary-sql/tributary/catalog"
	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/parser"
	"github.com/tributary-sql/tributary/sqlerr"
)

// Plan is a query ready to run: DuckDB SQL over the views its scans feed.
type Plan struct {
	SQL   string
	Scans []*Scan
	// Dynamic lists the filters built from other tables' keys.
	Dynamic []DynamicFilter
}

// Scan is one table reference read from its source; or, when Direct is
// set, a file DuckDB reads itself (View and Request are then unused); or,
// when Query is set, a part of the query its source runs whole (Request
// is then unused, Table is the first of the Tables it reads).
type Scan struct {
	View    string // the DuckDB view name the SQL uses
	Table   *catalog.Table
	Request connectors.ScanRequest
	Direct  *connectors.Location
	Query   *connectors.QueryRequest
	Tables  []*catalog.Table
}

type accessKey struct{}

// WithAccess gives planning a check of the user's access to a database:
// a table the user may not read fails the plan with check's error before
// any source is asked anything (dynamic filtering reads keys while
// planning).
func WithAccess(ctx context.Context, check func(db string) error) context.Context {
	return context.WithValue(ctx, accessKey{}, check)
}

// access checks a table against the context's WithAccess; nil without one.
func (b *builder) access(t *catalog.Table) error {
	if check, ok := b.ctx.Value(accessKey{}).(func(string) error); ok {
		return check(t.DB)
	}
	return nil
}

// Planner is safe for concurrent use.
type Planner struct {
	Catalog *catalog.Catalog
	// DirectRead reports whether the engine may read a table's file itself;
	// nil means never. The engine answers it for the directories it was
	// allowed to read.
	DirectRead func(*connectors.Location) bool
	// NoPushdown makes scans ask for whole tables: no column pruning, no
	// filters, no limits. Answers must not change (tests prove it).
	NoPushdown bool
	// MaxSplits is how many parallel scans a large splittable table may be
	// read with; below 2, tables are read with one scan.
	MaxSplits int
	// Keys returns the first column of DuckDB's answer to sql over scans:
	// how dynamic filtering (dynamic.go) reads the keys of a small
	// filtered table before the query runs. Nil turns it off.
	Keys func(ctx context.Context, sql string, scans []*Scan) ([]any, error)
	// Describe returns the result schema DuckDB would give sql over
	// scans, without running it. Whole-query pushdown needs it (the
	// source's answer must come in DuckDB's types); nil turns it off.
	Describe func(ctx context.Context, sql string, scans []*Scan) (*arrow.Schema, error)
}

// splitRows is the smallest number of rows per split worth a scan of its
// own: below it the fixed cost of a scan outweighs the parallelism.
const splitRows = 250_000

// maxViewDepth bounds view expansion, so that a view defined over itself
// is an error instead of a stack overflow.
const maxViewDepth = 16

// Plan plans one SELECT (or set operation, or WITH query). opts carries the
// session (current database, variables) for the translation; its Table
// callback is set by the planner.
func (p *Planner) Plan(ctx context.Context, stmt ast.StmtNode, opts parser.Options) (*Plan, error) {
	b := &builder{ctx: ctx, cat: p.Catalog, plan: &Plan{}, direct: p.DirectRead, noPushdown: p.NoPushdown, maxSplits: p.MaxSplits, describe: p.Describe, keys: p.Keys}
	sql, err := b.query(stmt, opts, 0)
	if err != nil {
		return nil, err
	}
	b.plan.SQL = sql
	return b.plan, nil
}

type builder struct {
	ctx    context.Context
	cat    *catalog.Catalog
	plan   *Plan
	direct func(*connectors.Location) bool
	// noPushdown, maxSplits and describe: see Planner.
	noPushdown bool
	maxSplits  int
	describe   func(ctx context.Context, sql string, scans []*Scan) (*arrow.Schema, error)
	keys       func(ctx context.Context, sql string, scans []*Scan) ([]any, error)
}

// ref is one table reference in the query text.
type ref struct {
	name   *ast.TableName
	alias  string // lower-case: the alias, or the table's name
	table  *catalog.Table
	scan   *Scan
	sql    string               // what replaces the reference in the DuckDB SQL
	direct *connectors.Location // a file DuckDB reads itself
	// filters are the pushable conjuncts on this table (also for a file
	// DuckDB reads itself): what dynamic filtering reads its keys with.
	filters []connectors.Filter
}

// query resolves every table reference of stmt and translates it.
func (b *builder) query(stmt ast.StmtNode, opts parser.Options, depth int) (string, error) {
	if depth > maxViewDepth {
		return "", sqlerr.New(sqlerr.Unsupported, "views nested more than %d deep (a view that refers to itself?)", maxViewDepth)
	}
	replaced := b.pushQueries(stmt, opts, depth)
	var columns map[*ast.ColumnName]string
	refs, err := b.resolve(stmt, opts, depth, replaced)
	if err != nil {
		return "", err
	}
	if b.noPushdown {
		for _, r := range refs {
			if r.scan != nil {
				r.scan.Request.Columns = fieldNames(r.table.Schema())
			}
		}
	} else {
		pruneColumns(stmt, refs)
		pushFilters(stmt, refs)
		pushLimit(stmt, refs)
		if b.keys != nil {
			b.dynamicFilters(stmt, refs)
		}
		if replaced == nil {
			replaced = map[ast.Node]string{}
		}
		columns = b.pushJoins(stmt, refs, opts, depth, replaced)
	}
	b.split(refs)
	for _, r := range refs {
		if r.scan != nil && r.table.Source.Name == catalog.InformationSchema {
			r.sql = caseInsensitive(r.sql, r.table.Schema(), r.scan.Request.Columns)
		}
	}
	byNode := make(map[*ast.TableName]*ref, len(refs))
	for _, r := range refs {
		byNode[r.name] = r
	}
	opts.ColumnScale = columnScale(refs)
	opts.Table = func(t *ast.TableName) (string, error) {
		r, ok := byNode[t]
		if !ok {
			return "", sqlerr.New(sqlerr.Internal, "table %s was not planned", t.Name.O)
		}
		return r.sql, nil
	}
	opts.Replace = func(n ast.Node) (string, bool) {
		sql, ok := replaced[n]
		return sql, ok
	}
	opts.Column = func(c *ast.ColumnName) (string, bool) {
		sql, ok := columns[c]
		return sql, ok
	}
	return parser.Translate(stmt, opts)
}

// resolve finds every table reference (CTE names excluded) in the catalog,
// giving tables a scan and expanding views into subqueries.
func (b *builder) resolve(stmt ast.StmtNode, opts parser.Options, depth int, replaced map[ast.Node]string) ([]*ref, error) {
	ctes := map[string]bool{}
	aliases := map[*ast.TableName]string{}
	var names []*ast.TableName
	walkUnless(stmt, func(n ast.Node) bool {
		if _, ok := replaced[n]; ok {
			return true // its tables are the source's business
		}
		switch n := n.(type) {
		case *ast.CommonTableExpression:
			ctes[n.Name.L] = true
		case *ast.TableSource:
			if tn, ok := n.Source.(*ast.TableName); ok {
				aliases[tn] = n.AsName.L
			}
		case *ast.TableName:
			names = append(names, n)
		}
		return false
	})
	var refs []*ref
	for _, tn := range names {
		if tn.Schema.L == "" && ctes[tn.Name.L] {
			continue
		}
		db := tn.Schema.O
		if db == "" {
			db = opts.CurrentDB
		}
		if db == "" {
			return nil, sqlerr.New(sqlerr.NoDatabaseSelected, "No database selected")
		}
		entry, err := b.cat.Lookup(b.ctx, db, tn.Name.O)
		if err != nil {
			return nil, err
		}
		if entry.Table != nil {
			if err := b.access(entry.Table); err != nil {
				return nil, err
			}
		}
		r := &ref{name: tn, alias: aliases[tn]}
		if r.alias == "" {
			r.alias = tn.Name.L
		}
		if entry.View != nil {
			sql, err := b.view(entry.View, db, opts, depth)
			if err != nil {
				return nil, err
			}
			r.sql = "(" + sql + ")"
		} else if loc := entry.Table.Remote.Location; loc != nil && loc.Format == "parquet" && b.direct != nil && b.direct(loc) {
			// DuckDB reads the file itself, with its own projection,
			// filter pushdown and parallelism.
			r.table, r.direct = entry.Table, loc
			b.plan.Scans = append(b.plan.Scans, &Scan{Table: entry.Table, Direct: loc})
			r.sql = "read_parquet(" + quoteString(loc.Path) + ")"
		} else {
			r.table = entry.Table
			r.scan = &Scan{
				View:    fmt.Sprintf("tributary_scan_%d", len(b.plan.Scans)),
				Table:   entry.Table,
				Request: connectors.ScanRequest{Table: entry.Table.Remote.Name},
			}
			b.plan.Scans = append(b.plan.Scans, r.scan)
			r.sql = quote(r.scan.View)
		}
		refs = append(refs, r)
	}
	return refs, nil
}

// split reads each large splittable table with several scans at once, each
// asking its source for one disjoint part, and lets DuckDB read them in
// parallel as a UNION ALL. A scan with a limit stays whole.
func (b *builder) split(refs []*ref) {
	for _, r := range refs {
		if r.scan == nil || !r.table.Remote.Splittable || r.scan.Request.Limit > 0 || selective(r.scan.Request.Filters) {
			continue
		}
		n := min(int64(b.maxSplits), r.table.Remote.RowCount/splitRows)
		if n < 2 {
			continue
		}
		r.scan.Request.Split, r.scan.Request.Splits = 0, int(n)
		parts := []string{"SELECT * FROM " + quote(r.scan.View)}
		for i := 1; i < int(n); i++ {
			part := *r.scan
			part.View = fmt.Sprintf("%s_%d", r.scan.View, i)
			part.Request.Split = i
			b.plan.Scans = append(b.plan.Scans, &part)
			parts = append(parts, "SELECT * FROM "+quote(part.View))
		}
		r.sql = "(" + strings.Join(parts, " UNION ALL ") + ")"
	}
}

// selective guesses that equality filters (a key lookup, a short IN list)
// leave few rows, where extra scans cost more than they bring.
func selective(filters []connectors.Filter) bool {
	for _, f := range filters {
		if f.Op == connectors.OpEq || f.Op == connectors.OpIn {
			return true
		}
	}
	return false
}

// view plans a view's query in its own database.
func (b *builder) view(v *catalog.View, db string, opts parser.Options, depth int) (string, error) {
	stmts, err := parser.Parse(v.SQL)
	if err != nil {
		return "", sqlerr.New(sqlerr.Syntax, "view %s.%s: %v", db, v.Name, err)
	}
	if len(stmts) != 1 {
		return "", sqlerr.New(sqlerr.Unsupported, "view %s.%s must be a single SELECT", db, v.Name)
	}
	opts.CurrentDB = db
	return b.query(stmts[0], opts, depth+1)
}

// pruneColumns asks each scan for only the columns the query mentions. The
// match is by name anywhere in the statement, a superset that needs no
// scoping rules; `*` asks for every column of the tables of its SELECT
// (except in EXISTS, whose select list is never read), `t.*` for every
// column of t, a NATURAL join for every column of every table.
func pruneColumns(stmt ast.StmtNode, refs []*ref) {
	byNode := map[*ast.TableName]*ref{}
	for _, r := range refs {
		byNode[r.name] = r
	}
	used := map[string]bool{}
	allFor := map[string]bool{} // aliases with alias.*
	allOf := map[*ref]bool{}    // tables under a SELECT *
	all := false
	exists := map[ast.Node]bool{}
	walk(stmt, func(n ast.Node) {
		switch n := n.(type) {
		case *ast.ExistsSubqueryExpr:
			if sq, ok := n.Sel.(*ast.SubqueryExpr); ok {
				exists[sq.Query] = true
			}
		case *ast.ColumnName:
			used[n.Name.L] = true
		case *ast.SelectStmt:
			// The AST walk does not descend into wildcards.
			for _, f := range n.Fields.Fields {
				w := f.WildCard
				switch {
				case w == nil:
				case w.Table.L != "":
					allFor[w.Table.L] = true
				case exists[n]:
				case n.From == nil || n.From.TableRefs == nil:
				default:
					sc := &scope{nullable: map[*ref]bool{}}
					sc.collect(n.From.TableRefs, byNode, false)
					for _, r := range sc.refs {
						allOf[r] = true
					}
				}
			}
		case *ast.Join:
			if n.NaturalJoin {
				all = true
			}
		}
	})
	for _, r := range refs {
		if r.scan == nil {
			continue
		}
		schema := r.table.Schema()
		if all || allFor[r.alias] || allOf[r] {
			r.scan.Request.Columns = fieldNames(schema)
			continue
		}
		var cols []string
		for _, f := range schema.Fields() {
			if used[strings.ToLower(f.Name)] {
				cols = append(cols, f.Name)
			}
		}
		if len(cols) == 0 && schema.NumFields() > 0 {
			// COUNT(*) and the like need rows, not values: read the
			// first column, the cheapest thing that still counts rows.
			cols = []string{schema.Field(0).Name}
		}
		r.scan.Request.Columns = cols
	}
}

func fieldNames(s *arrow.Schema) []string {
	out := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = f.Name
	}
	return out
}

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func quoteString(s string) string { return `'` + strings.ReplaceAll(s, `'`, `''`) + `'` }

// walk calls fn for every node of the tree, parents first.
func walk(n ast.Node, fn func(ast.Node)) {
	n.Accept(&visitor{fn: fn})
}

type visitor struct{ fn func(ast.Node) }

func (v *visitor) Enter(n ast.Node) (ast.Node, bool) { v.fn(n); return n, false }
func (v *visitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// columnScale tells the translator the scale of exact numeric columns, so
// that `a / b` can keep MySQL's DECIMAL result. A name is answered only
// when every scanned table that has it agrees.
func columnScale(refs []*ref) func(*ast.ColumnName) (int, bool) {
	return func(c *ast.ColumnName) (int, bool) {
		var fields []arrow.Field
		for _, r := range refs {
			if r.table == nil || (c.Table.L != "" && c.Table.L != r.alias) {
				continue
			}
			if f, ok := fieldOf(r.table.Schema(), c.Name.L); ok {
				fields = append(fields, f)
			}
		}
		return sameScale(fields)
	}
}

// sameScale is the scale of exact numeric fields that all agree on one;
// ok=false when one is not exact, they disagree, or there are none.
func sameScale(fields []arrow.Field) (int, bool) {
	scale, found := 0, false
	for _, f := range fields {
		s, exact := exactScale(f.Type)
		if !exact || (found && s != scale) {
			return 0, false
		}
		scale, found = s, true
	}
	return scale, found
}

func exactScale(t arrow.DataType) (int, bool) {
	switch t := t.(type) {
	case arrow.DecimalType:
		return int(t.GetScale()), true
	}
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return 0, true
	}
	return 0, false
}
