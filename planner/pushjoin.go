package planner

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/tributary-sql/tributary/catalog"
	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/parser"
)

// Join pushdown. When a SELECT joins tables of several sources, the tables
// it takes from one SQL source are joined at that source: TPC-H's orders
// and lineitem, both in PostgreSQL, meet there, with every WHERE conjunct
// that concerns only them (EXISTS and IN subqueries over the same source
// included, and the dynamic filters the planner gave them), and DuckDB
// reads the joined rows instead of both tables.
//
// In the DuckDB query the first of those tables becomes the query's view,
// the others a one-row placeholder (a no-op in an inner join), and their
// columns are read from the view. Conjuncts with subqueries are answered
// at the source and become TRUE; the others are evaluated again by DuckDB
// over the view's columns, which changes nothing. Only inner joins, no
// wildcards, no NATURAL or USING, and only when every column reference of
// the statement can be placed with certainty.

// joinGroup is the tables of one source in one SELECT.
type joinGroup struct {
	sel    *ast.SelectStmt
	refs   []*ref
	source *catalog.Source
}

// pushJoins finds and pushes the groups of stmt; it returns what the
// translator replaces (table sources, subquery conjuncts) and how the
// moved tables' columns are read.
func (b *builder) pushJoins(stmt ast.StmtNode, refs []*ref, opts parser.Options, depth int,
	replaced map[ast.Node]string) (columns map[*ast.ColumnName]string) {
	if b.describe == nil || b.noPushdown {
		return nil
	}
	columns = map[*ast.ColumnName]string{}
	for _, g := range b.joinGroups(stmt, refs) {
		b.pushJoin(stmt, refs, g, opts, depth, replaced, columns)
	}
	return columns
}

// joinGroups lists, per SELECT with only inner joins, the sources with two
// or more scanned tables that run PostgreSQL queries.
func (b *builder) joinGroups(stmt ast.StmtNode, refs []*ref) []joinGroup {
	byNode := map[*ast.TableName]*ref{}
	for _, r := range refs {
		byNode[r.name] = r
	}
	var groups []joinGroup
	walk(stmt, func(n ast.Node) {
		sel, ok := n.(*ast.SelectStmt)
		if !ok || sel.From == nil || sel.From.TableRefs == nil || hasWildcard(sel) || !plainJoins(sel.From.TableRefs) {
			return
		}
		sc := &scope{nullable: map[*ref]bool{}}
		sc.collect(sel.From.TableRefs, byNode, false)
		if sc.opaque {
			return
		}
		bySource := map[*catalog.Source][]*ref{}
		var order []*catalog.Source
		for _, r := range sc.refs {
			if r.scan == nil || r.scan.Query != nil {
				continue
			}
			q, ok := r.table.Source.Connector.(connectors.Querier)
			if !ok || q.Dialect() != connectors.DialectPostgres {
				continue
			}
			if bySource[r.table.Source] == nil {
				order = append(order, r.table.Source)
			}
			bySource[r.table.Source] = append(bySource[r.table.Source], r)
		}
		for _, src := range order {
			if len(bySource[src]) >= 2 {
				groups = append(groups, joinGroup{sel: sel, refs: bySource[src], source: src})
			}
		}
	})
	return groups
}

func hasWildcard(sel *ast.SelectStmt) bool {
	for _, f := range sel.Fields.Fields {
		if f.WildCard != nil {
			return true
		}
	}
	return false
}

// plainJoins: a FROM of tables, comma joins and inner joins with ON.
func plainJoins(n ast.ResultSetNode) bool {
	switch j := n.(type) {
	case *ast.Join:
		if (j.Right != nil && j.Tp != ast.CrossJoin) || j.NaturalJoin || len(j.Using) > 0 || j.StraightJoin {
			return false
		}
		return plainJoins(j.Left) && (j.Right == nil || plainJoins(j.Right))
	case *ast.TableSource:
		switch s := j.Source.(type) {
		case *ast.TableName:
			return true
		case *ast.Join:
			return plainJoins(s)
		}
	}
	return false
}

// pushJoin pushes one group, or leaves everything as it was.
func (b *builder) pushJoin(stmt ast.StmtNode, refs []*ref, g joinGroup, opts parser.Options, depth int,
	replaced map[ast.Node]string, columns map[*ast.ColumnName]string) {
	inGroup := map[*ref]bool{}
	aliases := map[string]*ref{}
	for _, r := range g.refs {
		inGroup[r] = true
		aliases[r.alias] = r
	}
	byNode := map[*ast.TableName]*ref{}
	for _, r := range refs {
		byNode[r.name] = r
	}
	others := map[string]bool{} // column names of the SELECT's other tables
	sc := &scope{nullable: map[*ref]bool{}}
	sc.collect(g.sel.From.TableRefs, byNode, false)
	for _, r := range sc.refs {
		if !inGroup[r] {
			for _, f := range r.table.Schema().Fields() {
				others[strings.ToLower(f.Name)] = true
			}
		}
	}

	// The conjuncts the source can answer.
	var conds []ast.ExprNode
	if g.sel.Where != nil {
		conds = conjuncts(g.sel.Where)
	}
	conds = append(conds, joinOn(g.sel.From.TableRefs)...)
	var local []ast.ExprNode
	var subqueryRefs []*ref
	var innerTables []*catalog.Table // of the pushed subqueries: grants apply to them too
	tables := map[*ast.TableName]*catalog.Table{}
	for _, r := range g.refs {
		tables[r.name] = r.table
	}
	linked := map[*ref]map[*ref]bool{}
	var from ast.ResultSetNode
	for _, r := range g.refs {
		ts := tableSourceOf(g.sel.From.TableRefs, r.name)
		if ts == nil {
			return
		}
		if from == nil {
			from = ts
		} else {
			from = &ast.Join{Left: from, Right: ts, Tp: ast.CrossJoin}
		}
	}
	var sent []ast.ExprNode // what the source gets for each local conjunct
	for _, c := range conds {
		out := c
		if list := b.inList(c, replaced); list != nil {
			out = list
		}
		inner, ok := b.localConjunct(out, g, aliases, others, opts)
		if !ok {
			continue
		}
		// And PostgreSQL computes it as DuckDB would.
		probe := &ast.SelectStmt{Kind: ast.SelectStmtKindSelect, From: &ast.TableRefsClause{TableRefs: from.(*ast.Join)}, Where: out,
			Fields: &ast.FieldList{Fields: []*ast.SelectField{{Expr: ast.NewValueExpr(int64(1), "", "")}}}}
		withInner := maps.Clone(tables)
		maps.Copy(withInner, inner)
		if _, _, ok := printPostgres(probe, withInner, opts); !ok {
			continue
		}
		local = append(local, c)
		sent = append(sent, out)
		for tn, t := range inner {
			innerTables = append(innerTables, t)
			tables[tn] = t
			if r := byNode[tn]; r != nil {
				subqueryRefs = append(subqueryRefs, r)
			}
		}
		// Which group tables the conjunct joins (for connectivity).
		var touched []*ref
		walk(c, func(n ast.Node) {
			if cn, ok := n.(*ast.ColumnName); ok {
				if r := groupColumn(cn, g.refs, aliases); r != nil && !slices.Contains(touched, r) {
					touched = append(touched, r)
				}
			}
		})
		for _, x := range touched {
			for _, y := range touched {
				if linked[x] == nil {
					linked[x] = map[*ref]bool{}
				}
				linked[x][y] = true
			}
		}
	}
	if !connected(g.refs, linked) {
		return // a cross product is cheaper to ship as two tables
	}

	// Every column reference of the statement must be placeable: the
	// moved tables' columns are read from the view.
	view := fmt.Sprintf("tributary_join_%d", len(b.plan.Scans))
	moved := map[*ast.ColumnName]string{}
	needed := map[*ref][]string{}
	safe := true
	pushedSub := map[ast.Node]bool{}
	for _, c := range local {
		if hasSubquery(c) {
			pushedSub[c] = true
		}
	}
	var scopes []*scope
	skip := 0 // inside a pushed subquery conjunct
	stmt.Accept(&columnVisitor{
		enterSel: func(sel *ast.SelectStmt) {
			s := &scope{nullable: map[*ref]bool{}}
			if sel.From != nil && sel.From.TableRefs != nil {
				s.collect(sel.From.TableRefs, byNode, false)
			}
			scopes = append(scopes, s)
		},
		leaveSel: func() { scopes = scopes[:len(scopes)-1] },
		enter: func(n ast.Node) {
			if pushedSub[n] {
				skip++
			}
		},
		leave: func(n ast.Node) {
			if pushedSub[n] {
				skip--
			}
		},
		column: func(cn *ast.ColumnName) {
			if skip > 0 || !safe {
				return
			}
			r, _ := resolveOut(scopes, cn)
			if r == nil {
				for _, gr := range g.refs {
					if _, ok := fieldOf(gr.table.Schema(), cn.Name.L); ok {
						safe = false // might be one of ours: unsure
					}
				}
				return
			}
			if !inGroup[r] {
				return
			}
			f, _ := fieldOf(r.table.Schema(), cn.Name.L)
			name := r.alias + "." + f.Name
			moved[cn] = quote(view) + "." + quote(name)
			if !slices.Contains(needed[r], f.Name) {
				needed[r] = append(needed[r], f.Name)
			}
		},
	})
	if !safe {
		return
	}

	// The query: the group's tables, the local conjuncts and the dynamic
	// filters the planner gave them, selecting the columns used.
	sel := &ast.SelectStmt{Kind: ast.SelectStmtKindSelect, Fields: &ast.FieldList{}}
	for _, r := range g.refs {
		for _, col := range needed[r] {
			sel.Fields.Fields = append(sel.Fields.Fields, &ast.SelectField{
				Expr:   &ast.ColumnNameExpr{Name: &ast.ColumnName{Table: ast.NewCIStr(r.alias), Name: ast.NewCIStr(col)}},
				AsName: ast.NewCIStr(r.alias + "." + col),
			})
		}
	}
	if len(sel.Fields.Fields) == 0 {
		return
	}
	sel.From = &ast.TableRefsClause{TableRefs: from.(*ast.Join)}
	where := slices.Clone(sent)
	for _, r := range g.refs {
		for _, d := range b.plan.Dynamic {
			if d.View != r.scan.View {
				continue
			}
			if in := dynamicCondition(r, d.Column); in != nil {
				where = append(where, in)
			}
		}
	}
	for _, c := range where {
		if sel.Where == nil {
			sel.Where = c
		} else {
			sel.Where = &ast.BinaryOperationExpr{Op: opcode.LogicAnd, L: sel.Where, R: c}
		}
	}
	sql, args, ok := printPostgres(sel, tables, opts)
	if !ok {
		return
	}
	sub := &builder{ctx: b.ctx, cat: b.cat, plan: &Plan{}, noPushdown: b.noPushdown}
	duckSQL, err := sub.query(sel, opts, depth)
	if err != nil {
		return
	}
	schema, err := b.describe(b.ctx, duckSQL, sub.plan.Scans)
	if err != nil || !queryable(schema) {
		return
	}

	// Commit: the group's scans (and those of the pushed subqueries) go,
	// one query scan comes.
	gone := map[*Scan]bool{}
	var all []*catalog.Table
	for _, r := range append(slices.Clone(g.refs), subqueryRefs...) {
		if r.scan != nil {
			gone[r.scan] = true
			for i := range b.plan.Dynamic {
				if b.plan.Dynamic[i].View == r.scan.View {
					b.plan.Dynamic[i].View = view
				}
			}
		}
		r.scan = nil
		all = append(all, r.table)
	}
	all = append(all, innerTables...)
	b.plan.Scans = slices.DeleteFunc(b.plan.Scans, func(s *Scan) bool { return gone[s] })
	b.plan.Scans = append(b.plan.Scans, &Scan{View: view, Table: all[0], Tables: all,
		Query: &connectors.QueryRequest{SQL: sql, Args: args, Schema: schema}})
	for i, r := range g.refs {
		ts := tableSourceOf(g.sel.From.TableRefs, r.name)
		if i == 0 {
			replaced[ts] = quote(view) + " AS " + quote(view)
		} else {
			replaced[ts] = fmt.Sprintf("(SELECT 1 AS %s) AS %s", quote("tributary_unit"), quote(fmt.Sprintf("%s_%d", view, i)))
		}
	}
	for c := range pushedSub {
		replaced[c] = "TRUE"
		// A part of it already sent whole is now inside this query.
		walk(c, func(n ast.Node) {
			if sql, ok := replaced[n]; ok && n != c {
				b.plan.Scans = slices.DeleteFunc(b.plan.Scans, func(s *Scan) bool {
					return s.Query != nil && sql == "SELECT * FROM "+quote(s.View)
				})
			}
		})
	}
	for cn, sql := range moved {
		columns[cn] = sql
	}
}

// inList answers `x IN (subquery)` when the subquery was sent whole to a
// source and has few rows: its values, read now, become the list of the
// condition the join's source gets. PostgreSQL then looks the few keys up
// instead of planning the subquery into the join (TPC-H q18, where its
// parallel plan aggregated lineitem once per worker). A conjunct of the
// WHERE, so a NULL among the values would change nothing; NULLs are
// dropped. nil when that does not apply or the subquery has too many rows.
func (b *builder) inList(c ast.ExprNode, replaced map[ast.Node]string) ast.ExprNode {
	in, ok := c.(*ast.PatternInExpr)
	if !ok || in.Not || in.Sel == nil || b.keys == nil {
		return nil
	}
	sq, ok := in.Sel.(*ast.SubqueryExpr)
	if !ok {
		return nil
	}
	sql, ok := replaced[sq.Query]
	if !ok {
		return nil
	}
	var sc *Scan
	for _, s := range b.plan.Scans {
		if s.Query != nil && sql == "SELECT * FROM "+quote(s.View) {
			sc = s
		}
	}
	if sc == nil || sc.Query.Schema.NumFields() != 1 {
		return nil
	}
	col := quote(sc.Query.Schema.Field(0).Name)
	vals, err := b.keys(b.ctx, fmt.Sprintf("SELECT DISTINCT %s FROM %s WHERE %s IS NOT NULL LIMIT %d",
		col, quote(sc.View), col, maxKeys+1), []*Scan{sc})
	if err != nil || len(vals) == 0 || len(vals) > maxKeys {
		return nil
	}
	list := literalList(vals)
	if list == nil {
		return nil
	}
	return &ast.PatternInExpr{Expr: in.Expr, List: list}
}

// literalList turns keys into literals of an IN list for the PostgreSQL
// printer; nil for values it cannot write, or for more strings than stay
// well below PostgreSQL's 65,535 parameters (each string is one).
func literalList(vals []any) []ast.ExprNode {
	list := make([]ast.ExprNode, 0, len(vals))
	for _, v := range vals {
		switch x := v.(type) {
		case int64, uint64:
			list = append(list, ast.NewValueExpr(x, "", ""))
		case string:
			if len(vals) > 10_000 {
				return nil
			}
			list = append(list, ast.NewValueExpr(x, "", ""))
		default:
			return nil
		}
	}
	return list
}

// localConjunct reports whether the group's source can evaluate c: every
// column is one of the group's tables or of tables inside c's subqueries,
// which must all be tables of the same source; it returns those inner
// tables.
func (b *builder) localConjunct(c ast.ExprNode, g joinGroup, aliases map[string]*ref, others map[string]bool,
	opts parser.Options) (map[*ast.TableName]*catalog.Table, bool) {
	inner := map[*ast.TableName]*catalog.Table{}
	innerAliases := map[string]bool{}
	ok := true
	walk(c, func(n ast.Node) {
		switch n := n.(type) {
		case *ast.TableSource:
			if tn, is := n.Source.(*ast.TableName); is {
				alias := n.AsName.L
				if alias == "" {
					alias = tn.Name.L
				}
				innerAliases[alias] = true
			}
		case *ast.TableName:
			db := n.Schema.O
			if db == "" {
				db = opts.CurrentDB
			}
			e, err := b.cat.Lookup(b.ctx, db, n.Name.O)
			if err != nil || e.View != nil || e.Table.Source != g.source || b.access(e.Table) != nil {
				ok = false
				return
			}
			inner[n] = e.Table
		case *ast.SelectStmt:
			if n.With != nil {
				ok = false
			}
		}
	})
	if !ok {
		return nil, false
	}
	innerCols := map[string]bool{}
	for _, t := range inner {
		for _, f := range t.Schema().Fields() {
			innerCols[strings.ToLower(f.Name)] = true
		}
	}
	walk(c, func(n ast.Node) {
		cn, is := n.(*ast.ColumnName)
		if !is || !ok {
			return
		}
		if cn.Table.L != "" {
			ok = aliases[cn.Table.L] != nil || innerAliases[cn.Table.L]
			return
		}
		if others[cn.Name.L] {
			ok = false
			return
		}
		ok = innerCols[cn.Name.L] || groupColumn(cn, g.refs, aliases) != nil
	})
	return inner, ok
}

// groupColumn is the group table a column names (by qualifier, or the
// one table having it), or nil.
func groupColumn(cn *ast.ColumnName, refs []*ref, aliases map[string]*ref) *ref {
	if cn.Table.L != "" {
		r := aliases[cn.Table.L]
		if r != nil {
			if _, ok := fieldOf(r.table.Schema(), cn.Name.L); ok {
				return r
			}
		}
		return nil
	}
	var found *ref
	for _, r := range refs {
		if _, ok := fieldOf(r.table.Schema(), cn.Name.L); ok {
			if found != nil {
				return nil
			}
			found = r
		}
	}
	return found
}

// connected reports whether the local conjuncts join every table of the
// group with every other (through any path).
func connected(refs []*ref, linked map[*ref]map[*ref]bool) bool {
	seen := map[*ref]bool{refs[0]: true}
	queue := []*ref{refs[0]}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		for y := range linked[x] {
			if !seen[y] {
				seen[y] = true
				queue = append(queue, y)
			}
		}
	}
	return len(seen) == len(refs)
}

func hasSubquery(e ast.ExprNode) bool {
	found := false
	walk(e, func(n ast.Node) {
		if _, ok := n.(*ast.SubqueryExpr); ok {
			found = true
		}
	})
	return found
}

// tableSourceOf finds the FROM entry of a table name.
func tableSourceOf(n ast.ResultSetNode, tn *ast.TableName) *ast.TableSource {
	switch j := n.(type) {
	case *ast.Join:
		if ts := tableSourceOf(j.Left, tn); ts != nil {
			return ts
		}
		if j.Right != nil {
			return tableSourceOf(j.Right, tn)
		}
	case *ast.TableSource:
		if j.Source == tn {
			return j
		}
		if inner, ok := j.Source.(*ast.Join); ok {
			return tableSourceOf(inner, tn)
		}
	}
	return nil
}

// dynamicCondition turns the dynamic filter on r's column into the
// condition `alias.column IN (…)` for the pushed query; nil for values it
// cannot write as literals.
func dynamicCondition(r *ref, column string) ast.ExprNode {
	for _, f := range r.scan.Request.Filters {
		if f.Op != connectors.OpIn || f.Column != column {
			continue
		}
		list := literalList(f.Values)
		if list == nil {
			return nil
		}
		return &ast.PatternInExpr{
			Expr: &ast.ColumnNameExpr{Name: &ast.ColumnName{Table: ast.NewCIStr(r.alias), Name: ast.NewCIStr(column)}},
			List: list,
		}
	}
	return nil
}

// printPostgres prints a SELECT over tables in PostgreSQL's dialect.
func printPostgres(sel ast.StmtNode, tables map[*ast.TableName]*catalog.Table, opts parser.Options) (string, []any, bool) {
	var args []any
	popts := parser.Options{
		Dialect:      parser.Postgres,
		CurrentDB:    opts.CurrentDB,
		User:         opts.User,
		Version:      opts.Version,
		Variable:     opts.Variable,
		ConnectionID: opts.ConnectionID,
		Param: func(v any) string {
			args = append(args, v)
			return fmt.Sprintf("$%d", len(args))
		},
		Table: func(tn *ast.TableName) (string, error) {
			t, ok := tables[tn]
			if !ok {
				return "", fmt.Errorf("table %s is not in the query", tn.Name.O)
			}
			return quote(t.Remote.Name), nil
		},
		ColumnKind:  tableKinds(sel, tables),
		ColumnScale: tableScales(sel, tables),
	}
	sql, err := parser.Translate(sel, popts)
	if err != nil {
		return "", nil, false
	}
	return sql, args, true
}

// columnVisitor walks a statement keeping track of SELECT scopes.
type columnVisitor struct {
	enterSel     func(*ast.SelectStmt)
	leaveSel     func()
	enter, leave func(ast.Node)
	column       func(*ast.ColumnName)
}

func (v *columnVisitor) Enter(n ast.Node) (ast.Node, bool) {
	v.enter(n)
	switch n := n.(type) {
	case *ast.SelectStmt:
		v.enterSel(n)
	case *ast.ColumnName:
		v.column(n)
	}
	return n, false
}

func (v *columnVisitor) Leave(n ast.Node) (ast.Node, bool) {
	if _, ok := n.(*ast.SelectStmt); ok {
		v.leaveSel()
	}
	v.leave(n)
	return n, true
}
