package planner

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/tributary-sql/tributary/connectors"
)

// Dynamic filtering. In a join of a filtered table with a big one (nation
// WHERE n_name = 'GERMANY' with supplier, supplier with lineitem), the big
// side needs only the rows whose join key the small side has. Before the
// query runs, the small side's keys are read (its filters applied, only
// the key column, at most maxKeys distinct values) and the big side's scan
// gets `key IN (…)`: the source sends a fraction of the table. Filters
// chain: supplier, filtered by nation's keys, then filters lineitem.
//
// The join itself still runs in DuckDB, so the filter only has to keep
// every row that can match, which holds when the small side's rows are
// all the join can see of it (an inner join, or the small side preserved
// by an outer join) — and a source applying it loosely changes nothing.

// maxKeys bounds an IN list: a small side with more distinct keys gives
// no filter. maxKeyTableRows bounds the tables whose keys are read (the
// read is a query of its own).
const (
	maxKeys         = 50_000
	maxKeyTableRows = 2_000_000
)

// edge is `a.colA = b.colB` in the WHERE (or a join's ON) of one
// SELECT, between two tables of its FROM; or, when oneWay, a correlated
// subquery's `inner.colB = outer.colA` (a is the outer table), which lets
// the outer table's keys filter the inner one but not the reverse (NOT
// EXISTS keeps the outer rows without a match).
type edge struct {
	a, b       *ref
	colA, colB string // as the tables name them
	oneWay     bool
}

// joinEdges finds the equi-join conjuncts of every SELECT of stmt. A side
// on the null-supplying side of an outer join gives no edge from it.
func joinEdges(stmt ast.StmtNode, refs []*ref) (edges []edge, nullable map[*ref]bool) {
	byNode := map[*ast.TableName]*ref{}
	for _, r := range refs {
		byNode[r.name] = r
	}
	nullable = map[*ref]bool{}
	var scopes []*scope // the SELECTs around the one being read, innermost last
	stmt.Accept(&scopeVisitor{enter: func(sel *ast.SelectStmt) {
		sc := &scope{nullable: map[*ref]bool{}}
		if sel.From != nil && sel.From.TableRefs != nil {
			sc.collect(sel.From.TableRefs, byNode, false)
		}
		scopes = append(scopes, sc)
		if sel.From == nil || sel.From.TableRefs == nil {
			return
		}
		for r, null := range sc.nullable {
			nullable[r] = nullable[r] || null
		}
		var conds []ast.ExprNode
		if sel.Where != nil {
			conds = conjuncts(sel.Where)
		}
		conds = append(conds, joinOn(sel.From.TableRefs)...)
		for _, c := range conds {
			edges = append(edges, equiJoins(c, scopes)...)
		}
	}, leave: func() { scopes = scopes[:len(scopes)-1] }})
	return edges, nullable
}

// equiJoins are the join edges a conjunct states: `a.x = b.y` itself, or
// one that every branch of an OR states (TPC-H q19 repeats its join in
// each branch).
func equiJoins(c ast.ExprNode, scopes []*scope) []edge {
	branches := disjuncts(c)
	if len(branches) == 1 {
		if e, ok := equiJoin(c, scopes); ok {
			return []edge{e}
		}
		return nil
	}
	var common map[string]edge
	for i, b := range branches {
		here := map[string]edge{}
		for _, bc := range conjuncts(b) {
			if e, ok := equiJoin(bc, scopes); ok {
				here[e.key()] = e
			}
		}
		if i == 0 {
			common = here
			continue
		}
		for k := range common {
			if _, ok := here[k]; !ok {
				delete(common, k)
			}
		}
	}
	out := make([]edge, 0, len(common))
	for _, e := range common {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key() < out[j].key() })
	return out
}

// equiJoin reads `a.x = b.y` between two tables, the outer one first when
// the conjunct is a correlated subquery's.
func equiJoin(c ast.ExprNode, scopes []*scope) (edge, bool) {
	x, ok := c.(*ast.BinaryOperationExpr)
	if !ok || x.Op != opcode.EQ {
		return edge{}, false
	}
	l, lok := column(x.L)
	r, rok := column(x.R)
	if !lok || !rok {
		return edge{}, false
	}
	a, aOuter := resolveOut(scopes, l)
	b, bOuter := resolveOut(scopes, r)
	if a == nil || b == nil || a == b || (aOuter && bOuter) {
		return edge{}, false
	}
	fa, _ := fieldOf(a.table.Schema(), l.Name.L)
	fb, _ := fieldOf(b.table.Schema(), r.Name.L)
	if bOuter {
		return edge{a: b, b: a, colA: fb.Name, colB: fa.Name, oneWay: true}, true
	}
	return edge{a: a, b: b, colA: fa.Name, colB: fb.Name, oneWay: aOuter}, true
}

// key names an edge whichever way round it was written.
func (e edge) key() string {
	x := fmt.Sprintf("%p.%s", e.a, e.colA)
	y := fmt.Sprintf("%p.%s", e.b, e.colB)
	if !e.oneWay && y < x {
		x, y = y, x
	}
	return x + "=" + y
}

// resolveOut finds the table a column of the innermost SELECT names: in
// its own FROM, or else (a correlated reference) in the nearest enclosing
// SELECT that has it. nil when unsure.
func resolveOut(scopes []*scope, col *ast.ColumnName) (r *ref, outer bool) {
	for i := len(scopes) - 1; i >= 0; i-- {
		r, here := scopes[i].lookup(col)
		if here {
			return r, i < len(scopes)-1
		}
	}
	return nil, false
}

// scopeVisitor calls enter for every SELECT (parents first) and leave when
// its subtree is done.
type scopeVisitor struct {
	enter func(*ast.SelectStmt)
	leave func()
}

func (v *scopeVisitor) Enter(n ast.Node) (ast.Node, bool) {
	if sel, ok := n.(*ast.SelectStmt); ok {
		v.enter(sel)
	}
	return n, false
}

func (v *scopeVisitor) Leave(n ast.Node) (ast.Node, bool) {
	if _, ok := n.(*ast.SelectStmt); ok {
		v.leave()
	}
	return n, true
}

// joinOn returns the ON conjuncts of the joins of a FROM tree. Those of an
// outer join hold for every row the join takes from its null-supplying
// side, which is the only side they may filter (the nullable check).
func joinOn(n ast.ResultSetNode) []ast.ExprNode {
	var out []ast.ExprNode
	switch j := n.(type) {
	case *ast.Join:
		out = append(out, joinOn(j.Left)...)
		if j.Right != nil {
			out = append(out, joinOn(j.Right)...)
		}
		if j.On != nil {
			out = append(out, conjuncts(j.On.Expr)...)
		}
	case *ast.TableSource:
		if inner, ok := j.Source.(*ast.Join); ok {
			out = append(out, joinOn(inner)...)
		}
	}
	return out
}

// DynamicFilter is one filter the planner built from another table's keys,
// for EXPLAIN.
type DynamicFilter struct {
	View   string // the scan that got it
	Column string
	From   string // "source.table.column" whose keys it holds
	Keys   int
}

// dynamicFilters applies the key filters of every edge, small tables
// first, until nothing changes.
func (b *builder) dynamicFilters(stmt ast.StmtNode, refs []*ref) {
	edges, nullable := joinEdges(stmt, refs)
	if len(edges) == 0 {
		return
	}
	var directed []edge
	for _, e := range edges {
		directed = append(directed, e)
		if !e.oneWay {
			directed = append(directed, edge{a: e.b, b: e.a, colA: e.colB, colB: e.colA})
		}
	}
	// Smaller (known) tables first: their keys are cheap and filter most.
	sort.SliceStable(directed, func(i, j int) bool { return rows(directed[i].a) < rows(directed[j].a) })
	keys := map[string][]any{} // by small table and column; nil: none usable
	done := map[string]bool{}
	for round := 0; round < 4; round++ {
		changed := false
		for _, e := range directed {
			small, big := e.a, e.b
			id := fmt.Sprintf("%p.%s>%p.%s", small, e.colA, big, e.colB)
			if done[id] || nullable[small] || !b.worthFiltering(small, big) {
				continue
			}
			done[id] = true
			k := fmt.Sprintf("%p.%s", small, e.colA)
			vals, seen := keys[k]
			if !seen {
				vals = b.readKeys(small, e.colA)
				keys[k] = vals
			}
			if len(vals) == 0 {
				continue
			}
			field, _ := fieldOf(big.table.Schema(), strings.ToLower(e.colB))
			f, ok := typed(connectors.Filter{Column: field.Name, Op: connectors.OpIn, Values: vals}, field)
			if !ok {
				continue
			}
			big.scan.Request.Filters = append(big.scan.Request.Filters, f)
			big.filters = append(big.filters, f)
			b.plan.Dynamic = append(b.plan.Dynamic, DynamicFilter{View: big.scan.View, Column: field.Name,
				From: small.table.Source.Name + "." + small.table.Remote.Name + "." + e.colA, Keys: len(vals)})
			changed = true
		}
		if !changed {
			break
		}
	}
}

// worthFiltering: small has filters that make its keys few, is not too
// big to read them from, and big is a scan of a bigger table, not joined
// with small at their common source anyway.
func (b *builder) worthFiltering(small, big *ref) bool {
	switch {
	case len(small.filters) == 0, big.scan == nil, big.scan.Query != nil, b.joinsAtSource(small, big):
		return false
	case known(small) && rows(small) > maxKeyTableRows:
		return false
	case known(big) && known(small) && rows(big) <= rows(small):
		return false
	}
	return true
}

func known(r *ref) bool { return r.table.Remote.RowCount >= 0 }

// joinsAtSource: both tables live in one source that runs queries, where
// join pushdown (pushjoin.go) joins them; keys read to filter one by the
// other would be wasted.
func (b *builder) joinsAtSource(x, y *ref) bool {
	if b.describe == nil || x.table.Source != y.table.Source || x.scan == nil {
		return false
	}
	q, ok := x.table.Source.Connector.(connectors.Querier)
	return ok && q.Dialect() == connectors.DialectPostgres
}

// rows is a table's row estimate, unknown counting as huge.
func rows(r *ref) int64 {
	if n := r.table.Remote.RowCount; n >= 0 {
		return n
	}
	return 1 << 62
}

// readKeys reads the distinct non-NULL values of col in r's rows that pass
// its filters, through DuckDB (Planner.Keys), which applies the filters
// exactly whatever the source did with them and reads a Parquet file
// itself. nil when there are more than maxKeys, or reading fails (the
// query then runs without this filter; a dead source will say so).
func (b *builder) readKeys(r *ref, col string) []any {
	if b.keys == nil {
		return nil
	}
	var from string
	var scans []*Scan
	if r.scan == nil && r.direct != nil {
		from = "read_parquet(" + quoteString(r.direct.Path) + ")"
	} else if r.scan != nil && r.scan.Query == nil {
		cols := []string{col}
		for _, f := range r.filters {
			if !slices.Contains(cols, f.Column) {
				cols = append(cols, f.Column)
			}
		}
		sc := &Scan{View: "tributary_keys", Table: r.table,
			Request: connectors.ScanRequest{Table: r.table.Remote.Name, Columns: cols, Filters: r.filters}}
		scans, from = []*Scan{sc}, quote(sc.View)
	} else {
		return nil
	}
	conds := []string{quote(col) + " IS NOT NULL"}
	for _, f := range r.filters {
		if c, ok := filterSQL(f); ok {
			conds = append(conds, c)
		}
	}
	sql := fmt.Sprintf("SELECT DISTINCT %s FROM %s WHERE %s LIMIT %d", quote(col), from, strings.Join(conds, " AND "), maxKeys+1)
	vals, err := b.keys(b.ctx, sql, scans)
	if err != nil || len(vals) > maxKeys {
		return nil
	}
	return vals
}

// filterSQL prints a pushed filter as DuckDB SQL; ok=false for one it
// cannot print (the keys are then a superset, which is still correct).
func filterSQL(f connectors.Filter) (string, bool) {
	col := quote(f.Column)
	switch f.Op {
	case connectors.OpIsNull, connectors.OpIsNotNull:
		return col + " " + string(f.Op), true
	}
	vals := make([]string, len(f.Values))
	for i, v := range f.Values {
		lit, ok := literalSQL(v)
		if !ok {
			return "", false
		}
		vals[i] = lit
	}
	switch f.Op {
	case connectors.OpIn:
		return col + " IN (" + strings.Join(vals, ", ") + ")", len(vals) > 0
	case connectors.OpLike:
		return col + " LIKE " + vals[0] + ` ESCAPE '\'`, true
	}
	if len(vals) != 1 {
		return "", false
	}
	return col + " " + string(f.Op) + " " + vals[0], true
}

func literalSQL(v any) (string, bool) {
	switch x := v.(type) {
	case int64:
		return strconv.FormatInt(x, 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", false
		}
		return strconv.FormatFloat(x, 'e', -1, 64), true
	case bool:
		return strings.ToUpper(strconv.FormatBool(x)), true
	case string:
		if strings.ContainsRune(x, 0) {
			return "", false
		}
		return quoteString(x), true
	case connectors.Decimal:
		if _, err := strconv.ParseFloat(string(x), 64); err != nil {
			return "", false
		}
		return string(x), true
	case connectors.Date:
		return "DATE " + quoteString(time.Unix(int64(x)*86400, 0).UTC().Format("2006-01-02")), true
	case connectors.Timestamp:
		return "TIMESTAMP " + quoteString(time.UnixMicro(int64(x)).UTC().Format("2006-01-02 15:04:05.999999")), true
	}
	return "", false
}
