package planner

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/tributary-sql/tributary/catalog"
	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/parser"
)

// Whole-query pushdown. A SELECT (the statement, a subquery, a derived
// table, a CTE body, a branch of a UNION) whose tables all live in one
// source that runs queries is sent to that source as one query in its
// dialect, and DuckDB reads its answer like a scan: a join, an
// aggregation or a top-N on PostgreSQL runs where the data is, and only
// the result crosses the wire.
//
// The answer must be the one DuckDB would have computed, types included.
// So the part is first planned the ordinary way and DuckDB describes its
// result (Planner.Describe); the source casts its columns to those types.
// The dialect printer refuses whatever PostgreSQL would compute
// differently (parser.Postgres), and the part then stays with DuckDB. The
// outermost pushable part wins: its subqueries go with it.

// pushQueries finds the parts of stmt that go to a source whole, adds a
// query scan for each, and returns what stands for them in the DuckDB SQL.
func (b *builder) pushQueries(stmt ast.StmtNode, opts parser.Options, depth int) map[ast.Node]string {
	if b.describe == nil || b.noPushdown {
		return nil
	}
	ctes := map[string]bool{}
	walk(stmt, func(n ast.Node) {
		if c, ok := n.(*ast.CommonTableExpression); ok {
			ctes[c.Name.L] = true
		}
	})
	replaced := map[ast.Node]string{}
	walkUnless(stmt, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.SelectStmt, *ast.SetOprStmt:
			if sql, ok := b.pushQuery(n.(ast.StmtNode), opts, depth, ctes); ok {
				replaced[n] = sql
				return true
			}
		}
		return false
	})
	return replaced
}

// pushQuery tries to send one part to its source; ok=false leaves it to
// DuckDB (the reason is only logged by callers that care: EXPLAIN shows
// what was pushed).
func (b *builder) pushQuery(part ast.StmtNode, opts parser.Options, depth int, ctes map[string]bool) (string, bool) {
	if s, ok := part.(*ast.SelectStmt); ok && (s.With != nil || s.From == nil) {
		return "", false
	}
	if s, ok := part.(*ast.SetOprStmt); ok && s.With != nil {
		return "", false
	}
	tables, ok := b.singleSource(part, opts, ctes)
	if !ok {
		return "", false
	}
	// The same part in the source's dialect, values as parameters.
	sql, args, ok := printPostgres(part, tables, opts)
	if !ok {
		return "", false
	}
	// What DuckDB would compute: the part planned as usual, described.
	sub := &builder{ctx: b.ctx, cat: b.cat, plan: &Plan{}, noPushdown: b.noPushdown}
	duckSQL, err := sub.query(part, opts, depth)
	if err != nil {
		return "", false
	}
	schema, err := b.describe(b.ctx, duckSQL, sub.plan.Scans)
	if err != nil || !queryable(schema) {
		return "", false
	}
	all := make([]*catalog.Table, 0, len(tables))
	for _, t := range tables {
		all = append(all, t)
	}
	sc := &Scan{
		View:   fmt.Sprintf("tributary_query_%d", len(b.plan.Scans)),
		Table:  all[0],
		Tables: all,
		Query:  &connectors.QueryRequest{SQL: sql, Args: args, Schema: schema},
	}
	b.plan.Scans = append(b.plan.Scans, sc)
	return "SELECT * FROM " + quote(sc.View), true
}

// singleSource resolves every table of part; ok when all are tables (not
// views, not CTEs) of one source whose connector runs PostgreSQL queries.
func (b *builder) singleSource(part ast.Node, opts parser.Options, ctes map[string]bool) (map[*ast.TableName]*catalog.Table, bool) {
	tables := map[*ast.TableName]*catalog.Table{}
	var src *catalog.Source
	ok := true
	walk(part, func(n ast.Node) {
		tn, is := n.(*ast.TableName)
		if !is || !ok {
			return
		}
		if tn.Schema.L == "" && ctes[tn.Name.L] {
			ok = false
			return
		}
		db := tn.Schema.O
		if db == "" {
			db = opts.CurrentDB
		}
		entry, err := b.cat.Lookup(b.ctx, db, tn.Name.O)
		if err != nil || entry.View != nil || (src != nil && entry.Table.Source != src) || b.access(entry.Table) != nil {
			ok = false
			return
		}
		src = entry.Table.Source
		tables[tn] = entry.Table
	})
	if !ok || src == nil {
		return nil, false
	}
	q, is := src.Connector.(connectors.Querier)
	if !is || q.Dialect() != connectors.DialectPostgres {
		return nil, false
	}
	return tables, true
}

// queryable: every column has a type sources deliver, and a name of its
// own (DuckDB reads the answer as a struct, whose fields must differ).
func queryable(s *arrow.Schema) bool {
	if s == nil || s.NumFields() == 0 {
		return false
	}
	seen := map[string]bool{}
	for _, f := range s.Fields() {
		name := strings.ToLower(f.Name)
		if seen[name] || !connectors.QueryableType(f.Type) {
			return false
		}
		seen[name] = true
	}
	return true
}

// aliasFields maps each alias (or table name) of part to the schemas it
// may stand for: one table normally, several when subqueries reuse an
// alias.
func aliasFields(part ast.Node, tables map[*ast.TableName]*catalog.Table) (byAlias map[string][]*arrow.Schema, all []*arrow.Schema) {
	byAlias = map[string][]*arrow.Schema{}
	walk(part, func(n ast.Node) {
		ts, ok := n.(*ast.TableSource)
		if !ok {
			return
		}
		tn, ok := ts.Source.(*ast.TableName)
		if !ok {
			return
		}
		alias := ts.AsName.L
		if alias == "" {
			alias = tn.Name.L
		}
		s := tables[tn].Schema()
		byAlias[alias] = append(byAlias[alias], s)
		all = append(all, s)
	})
	return byAlias, all
}

// columnFields finds the fields a column reference may name in part's
// tables: those of its qualifier, else of every table with that column.
func columnFields(c *ast.ColumnName, byAlias map[string][]*arrow.Schema, all []*arrow.Schema) []arrow.Field {
	schemas := all
	if c.Table.L != "" {
		schemas = byAlias[c.Table.L]
	}
	var out []arrow.Field
	for _, s := range schemas {
		if f, ok := fieldOf(s, c.Name.L); ok {
			out = append(out, f)
		}
	}
	return out
}

// tableKinds answers parser.Options.ColumnKind for part's tables; a
// column whose candidates disagree is unknown.
func tableKinds(part ast.Node, tables map[*ast.TableName]*catalog.Table) func(*ast.ColumnName) parser.Kind {
	byAlias, all := aliasFields(part, tables)
	return func(c *ast.ColumnName) parser.Kind {
		kind := parser.KindUnknown
		for i, f := range columnFields(c, byAlias, all) {
			k := kindOf(f.Type)
			if i > 0 && k != kind {
				return parser.KindUnknown
			}
			kind = k
		}
		return kind
	}
}

// tableScales answers parser.Options.ColumnScale for part's tables.
func tableScales(part ast.Node, tables map[*ast.TableName]*catalog.Table) func(*ast.ColumnName) (int, bool) {
	byAlias, all := aliasFields(part, tables)
	return func(c *ast.ColumnName) (int, bool) {
		return sameScale(columnFields(c, byAlias, all))
	}
}

func kindOf(t arrow.DataType) parser.Kind {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256:
		return parser.KindNumber
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return parser.KindString
	case arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW, arrow.FIXED_SIZE_BINARY:
		return parser.KindBytes
	case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64:
		return parser.KindTemporal
	case arrow.BOOL:
		return parser.KindBool
	}
	return parser.KindUnknown
}

// walkUnless calls fn for every node, parents first, and does not descend
// below a node for which fn returns true.
func walkUnless(n ast.Node, fn func(ast.Node) bool) {
	n.Accept(&skipVisitor{fn: fn})
}

type skipVisitor struct{ fn func(ast.Node) bool }

func (v *skipVisitor) Enter(n ast.Node) (ast.Node, bool) { return n, v.fn(n) }
func (v *skipVisitor) Leave(n ast.Node) (ast.Node, bool) { return n, true }
