package parser

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/tributary-sql/tributary/sqlerr"
)

// Options supplies what the translator cannot know from the SQL text alone.
// All fields may be zero; a nil callback makes the construct that needs it
// an error (or, for ColumnScale, a less faithful translation).
type Options struct {
	// Table returns the DuckDB SQL that replaces a table reference (a quoted
	// view name like "t0" or a parenthesised subquery). Not called for CTE
	// names. The translator adds ` AS "alias"` itself: the alias written by
	// the user, else the table's own name, so qualified column refs keep
	// working.
	Table func(t *ast.TableName) (string, error)
	// Variable returns @@name's value (scope "" / "session" / "global");
	// ok=false → sqlerr.UnknownSystemVariable. Strings print quoted, numbers
	// bare, bools as 1/0 (as MySQL shows them), nil as NULL.
	Variable func(name, scope string) (value any, ok bool)
	// CurrentDB, User and Version answer DATABASE()/SCHEMA() (NULL when
	// CurrentDB is ""), USER()/CURRENT_USER()/SESSION_USER()/SYSTEM_USER()
	// and VERSION().
	CurrentDB, User, Version string
	// ConnectionID answers CONNECTION_ID().
	ConnectionID uint32
	// ColumnScale reports the scale of a column of exact numeric type
	// (integers: 0, DECIMAL(p,s): s); ok=false for other or unknown types.
	// It lets `a / b` produce MySQL's DECIMAL result; without it the
	// division of a column is a DOUBLE division.
	ColumnScale func(c *ast.ColumnName) (scale int, ok bool)

	// Dialect is DuckDB unless a query is printed for a source.
	Dialect Dialect
	// Param returns the placeholder for the next value of a query printed
	// in the Postgres dialect ("$3") and records the value.
	Param func(v any) string
	// ColumnKind tells the Postgres dialect the kind of a column of the
	// query's tables; KindUnknown for a column it does not know, which
	// refuses the query.
	ColumnKind func(c *ast.ColumnName) Kind
	// Replace, when it returns ok, gives the SQL that stands for a SELECT
	// or set operation (the whole statement, a subquery, a derived table
	// or a CTE body), a table in FROM (with its alias) or an expression:
	// the planner sends that part to a source.
	Replace func(n ast.Node) (sql string, ok bool)
	// Column, when it returns ok, gives the SQL for a column reference
	// (one of a table whose rows now come from a query sent to its
	// source).
	Column func(c *ast.ColumnName) (sql string, ok bool)
}

// Translate prints a SELECT, a set operation (UNION/INTERSECT/EXCEPT
// [ALL|DISTINCT]) or a WITH query as DuckDB SQL. Any other statement is
// sqlerr.Unsupported. Translate does not modify stmt and is safe for
// concurrent use on distinct statements.
func Translate(stmt ast.StmtNode, opts Options) (string, error) {
	t := &translator{opts: opts}
	var out string
	switch s := stmt.(type) {
	case *ast.SelectStmt, *ast.SetOprStmt:
		out = t.query(s)
	default:
		return "", sqlerr.New(sqlerr.Unsupported, "This version of MySQL doesn't yet support '%s' as a query", stmtKind(stmt))
	}
	if t.err != nil {
		return "", t.err
	}
	return out, nil
}

// TranslateExpr prints one expression (used by the planner for pushed
// filters and EXPLAIN).
func TranslateExpr(e ast.ExprNode, opts Options) (string, error) {
	t := &translator{opts: opts}
	out := t.expr(e)
	if t.err != nil {
		return "", t.err
	}
	return out, nil
}

// stmtKind names a statement for error messages: "CopyStmt" → "COPY".
func stmtKind(stmt ast.StmtNode) string {
	name := fmt.Sprintf("%T", stmt)
	name = strings.TrimPrefix(name, "*ast.")
	name = strings.TrimSuffix(name, "Stmt")
	return strings.ToUpper(name)
}

// translator prints one statement. Errors are sticky: the first one is
// kept in err and printing carries on with empty strings, so the printing
// functions stay free of error plumbing (like bufio.Writer).
type translator struct {
	opts Options
	err  error
	// ctes holds the CTE names in scope, innermost WITH last.
	ctes []map[string]bool
	// userVars holds the user variables assigned by the fields printed so
	// far of the select list being printed (see uservars.go).
	userVars map[string]ast.ExprNode
	// fieldLists holds the select lists being printed, innermost last.
	fieldLists []*ast.FieldList
	aliasDepth int // kindOf's alias lookups in progress
}

func (t *translator) fail(k sqlerr.Kind, format string, args ...any) string {
	if t.err == nil {
		t.err = sqlerr.New(k, format, args...)
	}
	return ""
}

func (t *translator) unsupported(what string) string {
	return t.fail(sqlerr.Unsupported, "This version of MySQL doesn't yet support '%s'", what)
}

// query prints a SELECT or set operation, without surrounding parentheses.
func (t *translator) query(n ast.Node) string {
	if t.opts.Replace != nil {
		if sql, ok := t.opts.Replace(n); ok {
			return sql
		}
	}
	switch q := n.(type) {
	case *ast.SelectStmt:
		return t.selectStmt(q)
	case *ast.SetOprStmt:
		return t.setOprStmt(q)
	case *ast.SubqueryExpr:
		return t.query(q.Query)
	}
	return t.unsupported(fmt.Sprintf("%T as a query", n))
}

func (t *translator) selectStmt(s *ast.SelectStmt) string {
	var b strings.Builder
	if s.With != nil {
		b.WriteString(t.with(s.With))
		defer t.popScope()
	}
	if s.Kind != ast.SelectStmtKindSelect {
		return t.unsupported("TABLE and VALUES statements")
	}
	if s.SelectIntoOpt != nil {
		return t.unsupported("SELECT ... INTO")
	}
	if t.pg() && len(s.WindowSpecs) > 0 {
		return t.unsupported("WINDOW in a query for PostgreSQL")
	}
	t.fieldLists = append(t.fieldLists, s.Fields)
	defer func() { t.fieldLists = t.fieldLists[:len(t.fieldLists)-1] }()
	// Hints (SQL_CALC_FOUND_ROWS, SQL_NO_CACHE, HIGH_PRIORITY, STRAIGHT_JOIN,
	// optimizer comments) and locking clauses have no meaning for a
	// read-only DuckDB query and are dropped.
	b.WriteString("SELECT ")
	if s.Distinct {
		b.WriteString("DISTINCT ")
	}
	b.WriteString(t.fields(s.Fields))
	if s.From != nil && s.From.TableRefs != nil {
		b.WriteString(" FROM ")
		b.WriteString(t.join(s.From.TableRefs))
	}
	if s.Where != nil {
		b.WriteString(" WHERE ")
		b.WriteString(t.expr(s.Where))
	}
	if s.GroupBy != nil {
		b.WriteString(t.groupBy(s.GroupBy))
	}
	if s.Having != nil {
		b.WriteString(" HAVING ")
		b.WriteString(t.expr(s.Having.Expr))
	}
	if len(s.WindowSpecs) > 0 {
		b.WriteString(t.windowClause(s.WindowSpecs))
	}
	b.WriteString(t.orderBy(s.OrderBy))
	b.WriteString(t.limit(s.Limit))
	return b.String()
}

func (t *translator) setOprStmt(s *ast.SetOprStmt) string {
	var b strings.Builder
	if s.With != nil {
		b.WriteString(t.with(s.With))
		defer t.popScope()
	}
	b.WriteString(t.setOprList(s.SelectList))
	b.WriteString(t.orderBy(s.OrderBy))
	b.WriteString(t.limit(s.Limit))
	return b.String()
}

// setOprList prints the members of a set operation. A member that was
// parenthesised in MySQL, or is itself a set operation, is parenthesised
// here, which keeps MySQL's grouping (INTERSECT binds tighter than UNION
// and EXCEPT in both dialects).
func (t *translator) setOprList(l *ast.SetOprSelectList) string {
	if l == nil {
		return t.unsupported("empty set operation")
	}
	var b strings.Builder
	if l.With != nil {
		b.WriteString(t.with(l.With))
		defer t.popScope()
	}
	for i, n := range l.Selects {
		var op *ast.SetOprType
		var text string
		switch m := n.(type) {
		case *ast.SelectStmt:
			op, text = m.AfterSetOperator, t.query(m)
			if m.IsInBraces {
				text = "(" + text + ")"
			}
		case *ast.SetOprSelectList:
			op, text = m.AfterSetOperator, "("+t.setOprList(m)+")"
		default:
			return t.unsupported(fmt.Sprintf("%T in a set operation", n))
		}
		if i > 0 {
			b.WriteString(setOprKeyword(op))
		}
		b.WriteString(text)
	}
	if l.OrderBy != nil || l.Limit != nil {
		return "(" + b.String() + t.orderBy(l.OrderBy) + t.limit(l.Limit) + ")"
	}
	return b.String()
}

func setOprKeyword(op *ast.SetOprType) string {
	if op == nil {
		return " UNION "
	}
	switch *op {
	case ast.UnionAll:
		return " UNION ALL "
	case ast.Except:
		return " EXCEPT "
	case ast.ExceptAll:
		return " EXCEPT ALL "
	case ast.Intersect:
		return " INTERSECT "
	case ast.IntersectAll:
		return " INTERSECT ALL "
	}
	return " UNION "
}

// with prints a WITH clause and pushes its CTE names in scope; the caller
// pops them once the whole query is printed.
func (t *translator) with(w *ast.WithClause) string {
	scope := map[string]bool{}
	t.ctes = append(t.ctes, scope)
	var b strings.Builder
	b.WriteString("WITH ")
	if w.IsRecursive {
		b.WriteString("RECURSIVE ")
	}
	for i, cte := range w.CTEs {
		if i > 0 {
			b.WriteString(", ")
		}
		// A recursive CTE sees its own name; a plain one only earlier CTEs.
		if w.IsRecursive {
			scope[cte.Name.L] = true
		}
		b.WriteString(quoteIdent(cte.Name.O))
		if len(cte.ColNameList) > 0 {
			names := make([]string, len(cte.ColNameList))
			for j, c := range cte.ColNameList {
				names[j] = quoteIdent(c.O)
			}
			b.WriteString(" (" + strings.Join(names, ", ") + ")")
		}
		b.WriteString(" AS (")
		if cte.Query != nil {
			b.WriteString(t.query(cte.Query.Query))
		}
		b.WriteString(")")
		scope[cte.Name.L] = true
	}
	b.WriteString(" ")
	return b.String()
}

func (t *translator) popScope() { t.ctes = t.ctes[:len(t.ctes)-1] }

func (t *translator) isCTE(tn *ast.TableName) bool {
	if tn.Schema.L != "" {
		return false
	}
	for _, scope := range t.ctes {
		if scope[tn.Name.L] {
			return true
		}
	}
	return false
}

func (t *translator) fields(fl *ast.FieldList) string {
	if fl == nil || len(fl.Fields) == 0 {
		return t.unsupported("SELECT without fields")
	}
	parts := make([]string, 0, len(fl.Fields))
	outer := t.userVars
	t.userVars = nil
	defer func() { t.userVars = outer }()
	for _, f := range fl.Fields {
		if f.Auxiliary {
			continue
		}
		parts = append(parts, t.field(f))
		if f.Expr != nil {
			t.recordAssignments(f.Expr)
		}
	}
	return strings.Join(parts, ", ")
}

// field prints one select field. Every expression gets an explicit alias
// so that DuckDB names result columns exactly as MySQL does; this matters
// for clients and for derived tables whose columns are referenced by name.
func (t *translator) field(f *ast.SelectField) string {
	if w := f.WildCard; w != nil {
		if w.Table.O != "" {
			return quoteIdent(w.Table.O) + ".*"
		}
		return "*"
	}
	name := f.AsName.O
	if name == "" {
		name = columnName(f)
	}
	if name == "" {
		// SELECT '' (MariaDB ODBC's SQLGetTypeInfo has '' fields): DuckDB
		// has no empty identifier, so the column keeps DuckDB's name.
		return t.expr(f.Expr)
	}
	return t.expr(f.Expr) + " AS " + t.ident(name)
}

// columnName is the name MySQL gives an un-aliased select field: a column's
// own name, a string literal's value, otherwise the expression's text as
// the client wrote it.
func columnName(f *ast.SelectField) string {
	switch e := f.Expr.(type) {
	case *ast.ColumnNameExpr:
		return e.Name.Name.O
	case ast.ValueExpr:
		if s, ok := e.GetValue().(string); ok {
			return s
		}
	}
	if text := strings.TrimSpace(f.Text()); text != "" {
		return text
	}
	var sb strings.Builder
	_ = f.Expr.Restore(newRestoreCtx(&sb))
	return sb.String()
}

func (t *translator) groupBy(g *ast.GroupByClause) string {
	items := make([]string, len(g.Items))
	for i, it := range g.Items {
		items[i] = t.byExpr(it)
	}
	if g.Rollup {
		return " GROUP BY ROLLUP (" + strings.Join(items, ", ") + ")"
	}
	return " GROUP BY " + strings.Join(items, ", ")
}

// orderBy prints ORDER BY with explicit NULL placement: MySQL sorts NULLs
// as the smallest value, DuckDB by default as the largest.
func (t *translator) orderBy(o *ast.OrderByClause) string {
	if o == nil || len(o.Items) == 0 {
		return ""
	}
	return " ORDER BY " + t.byItems(o.Items)
}

func (t *translator) byItems(items []*ast.ByItem) string {
	parts := make([]string, len(items))
	for i, it := range items {
		dir := " ASC NULLS FIRST"
		if it.Desc {
			dir = " DESC NULLS LAST"
		}
		if t.pg() {
			parts[i] = t.pgOrderKey(it) + dir
			continue
		}
		parts[i] = t.byExpr(it) + dir
	}
	return strings.Join(parts, ", ")
}

// byExpr prints a GROUP BY / ORDER BY expression; a position number stays a
// position number, which DuckDB reads the same way.
func (t *translator) byExpr(it *ast.ByItem) string {
	if p, ok := it.Expr.(*ast.PositionExpr); ok {
		if p.P != nil {
			return t.unsupported("a parameter as ORDER BY position")
		}
		return strconv.Itoa(p.N)
	}
	if c, ok := it.Expr.(*ast.ColumnNameExpr); ok && t.pg() && t.selectAlias(c.Name) != nil &&
		(t.opts.ColumnKind == nil || t.opts.ColumnKind(c.Name) == KindUnknown) {
		return t.ident(c.Name.Name.O) // PostgreSQL takes a bare output name
	}
	return t.expr(it.Expr)
}

// pgOrderKey prints an ORDER BY key for PostgreSQL: a string key in the
// "C" collation; an output name or position only when it is not a string
// (PostgreSQL takes neither inside an expression).
func (t *translator) pgOrderKey(it *ast.ByItem) string {
	e := it.Expr
	if p, ok := e.(*ast.PositionExpr); ok {
		if len(t.fieldLists) == 0 { // the ORDER BY of a UNION
			return t.unsupported("ORDER BY position of a set operation in a query for PostgreSQL")
		}
		fl := t.fieldLists[len(t.fieldLists)-1]
		if p.N < 1 || p.N > len(fl.Fields) || fl.Fields[p.N-1].WildCard != nil {
			return t.unsupported("this ORDER BY position in a query for PostgreSQL")
		}
		e = fl.Fields[p.N-1].Expr
	} else if c, ok := e.(*ast.ColumnNameExpr); !ok || t.opts.ColumnKind == nil || t.opts.ColumnKind(c.Name) != KindUnknown {
		return t.ordered(it.Expr, 0, false)
	}
	switch t.kindOf(e) {
	case KindString, KindUnknown:
		return t.unsupported("ordering by an output column of text in a query for PostgreSQL")
	}
	return t.byExpr(it)
}

// limit prints MySQL's `LIMIT off, n` and `LIMIT n OFFSET off` alike.
func (t *translator) limit(l *ast.Limit) string {
	if l == nil {
		return ""
	}
	s := ""
	if l.Count != nil {
		s = " LIMIT " + t.expr(l.Count)
	}
	if l.Offset != nil {
		s += " OFFSET " + t.expr(l.Offset)
	}
	return s
}

func (t *translator) windowClause(specs []ast.WindowSpec) string {
	parts := make([]string, len(specs))
	for i := range specs {
		parts[i] = quoteIdent(specs[i].Name.O) + " AS (" + t.windowBody(&specs[i]) + ")"
	}
	return " WINDOW " + strings.Join(parts, ", ")
}

// join prints a FROM clause tree. Comma joins and JOIN without a condition
// become CROSS JOIN; STRAIGHT_JOIN is an optimizer hint and becomes a
// plain join.
func (t *translator) join(j *ast.Join) string {
	left := t.tableRef(j.Left)
	if j.Right == nil {
		return left
	}
	right := t.tableRef(j.Right)
	if rj, ok := j.Right.(*ast.Join); ok && rj.Right != nil && !rj.ExplicitParens {
		right = "(" + right + ")"
	}
	var kw string
	switch j.Tp {
	case ast.LeftJoin:
		kw = "LEFT JOIN"
	case ast.RightJoin:
		kw = "RIGHT JOIN"
	default:
		kw = "JOIN"
		if j.On == nil && len(j.Using) == 0 && !j.NaturalJoin {
			kw = "CROSS JOIN"
		}
	}
	if j.NaturalJoin {
		kw = "NATURAL " + kw
	}
	s := left + " " + kw + " " + right
	switch {
	case j.On != nil:
		s += " ON " + t.expr(j.On.Expr)
	case len(j.Using) > 0:
		cols := make([]string, len(j.Using))
		for i, c := range j.Using {
			cols[i] = t.ident(c.Name.O)
		}
		s += " USING (" + strings.Join(cols, ", ") + ")"
	}
	if j.ExplicitParens {
		s = "(" + s + ")"
	}
	return s
}

func (t *translator) tableRef(n ast.ResultSetNode) string {
	switch r := n.(type) {
	case *ast.Join:
		return t.join(r)
	case *ast.TableSource:
		return t.tableSource(r)
	}
	return t.unsupported(fmt.Sprintf("%T in FROM", n))
}

func (t *translator) tableSource(ts *ast.TableSource) string {
	if t.opts.Replace != nil {
		if sql, ok := t.opts.Replace(ts); ok {
			return sql
		}
	}
	switch src := ts.Source.(type) {
	case *ast.TableName:
		return t.tableName(src, ts.AsName.O)
	case *ast.SelectStmt, *ast.SetOprStmt:
		s := "(" + t.query(src) + ")"
		if ts.AsName.O != "" {
			s += " AS " + t.ident(ts.AsName.O)
		}
		return s
	case *ast.Join:
		s := t.join(src)
		if !src.ExplicitParens {
			s = "(" + s + ")"
		}
		return s
	}
	return t.unsupported(fmt.Sprintf("%T in FROM", ts.Source))
}

// tableName prints a base table through Options.Table, or a CTE by name.
// Index hints are dropped: DuckDB plans its own access.
func (t *translator) tableName(tn *ast.TableName, alias string) string {
	if tn.TableSample != nil || tn.AsOf != nil || len(tn.PartitionNames) > 0 {
		return t.unsupported("TABLESAMPLE, AS OF and PARTITION")
	}
	if alias == "" {
		alias = tn.Name.O
	}
	if t.isCTE(tn) {
		if alias == tn.Name.O {
			return t.ident(tn.Name.O)
		}
		return t.ident(tn.Name.O) + " AS " + t.ident(alias)
	}
	if t.opts.Table == nil {
		return t.fail(sqlerr.Internal, "no table resolver for %s", tn.Name.O)
	}
	sql, err := t.opts.Table(tn)
	if err != nil {
		if t.err == nil {
			t.err = err
		}
		return ""
	}
	return sql + " AS " + t.ident(alias)
}

// ident quotes an identifier for DuckDB. NUL cannot be passed through the
// C API intact, so it is refused rather than silently truncated.
func (t *translator) ident(name string) string {
	if strings.ContainsRune(name, 0) {
		return t.fail(sqlerr.Syntax, "Invalid identifier containing NUL")
	}
	return quoteIdent(name)
}

func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func quoteString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
