package planner

import (
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/tributary-sql/tributary/connectors"
)

// pushFilters hands each scan the conjuncts of its SELECT's WHERE that
// compare one of its columns with a constant. Outer joins need care: a
// filter that keeps NULLs (IS NULL) must not be pushed into the
// null-supplying side, where it would turn a non-matching row into a
// NULL-extended one that the WHERE then accepts.
func pushFilters(stmt ast.StmtNode, refs []*ref) {
	byNode := map[*ast.TableName]*ref{}
	for _, r := range refs {
		byNode[r.name] = r
	}
	walk(stmt, func(n ast.Node) {
		sel, ok := n.(*ast.SelectStmt)
		if !ok || sel.Where == nil || sel.From == nil || sel.From.TableRefs == nil {
			return
		}
		scope := &scope{nullable: map[*ref]bool{}}
		scope.collect(sel.From.TableRefs, byNode, false)
		for _, c := range conjuncts(sel.Where) {
			for _, cf := range implied(c, scope) {
				cf.push(scope)
			}
		}
	})
}

// columnFilters are filters on one column of one table.
type columnFilters struct {
	r     *ref
	field arrow.Field
	fs    []connectors.Filter // constants not yet typed
}

// push gives the filters to the table's scan, typed to its column.
func (cf columnFilters) push(scope *scope) {
	r, field := cf.r, cf.field
	for _, f := range cf.fs {
		if f.Op == connectors.OpIsNull && scope.nullable[r] {
			continue
		}
		if f, ok := typed(f, field); ok {
			f.Column = field.Name
			r.filters = append(r.filters, f)
			if r.scan != nil { // else a file DuckDB reads and filters itself
				r.scan.Request.Filters = append(r.scan.Request.Filters, f)
			}
		}
	}
}

// implied returns the column filters a WHERE conjunct implies: its own
// `column op constant` shape, or, for an OR, what every branch implies —
// a filter all branches share, the union of their equalities on a column
// (`(a = 1 AND …) OR (a = 2 AND …)` implies `a IN (1, 2)`), the loosest
// of their numeric bounds. Implied filters only narrow what a source
// sends; the WHERE itself still runs in DuckDB.
func implied(c ast.ExprNode, scope *scope) []columnFilters {
	branches := disjuncts(c)
	if len(branches) == 1 {
		col, fs := extract(c)
		if col == nil {
			return nil
		}
		r := scope.find(col)
		if r == nil {
			return nil
		}
		field, ok := fieldOf(r.table.Schema(), col.Name.L)
		if !ok {
			return nil
		}
		return []columnFilters{{r: r, field: field, fs: fs}}
	}
	// Per branch, per column: the filters its conjuncts imply.
	type key struct {
		r    *ref
		name string
	}
	var common map[key]columnFilters
	for i, b := range branches {
		here := map[key]columnFilters{}
		for _, bc := range conjuncts(b) {
			for _, cf := range implied(bc, scope) {
				k := key{cf.r, cf.field.Name}
				prev := here[k]
				prev.r, prev.field = cf.r, cf.field
				prev.fs = append(prev.fs, cf.fs...)
				here[k] = prev
			}
		}
		if i == 0 {
			common = here
			continue
		}
		for k, cf := range common {
			other, ok := here[k]
			if !ok {
				delete(common, k)
				continue
			}
			cf.fs = union(cf.fs, other.fs)
			if len(cf.fs) == 0 {
				delete(common, k)
				continue
			}
			common[k] = cf
		}
	}
	out := make([]columnFilters, 0, len(common))
	for _, cf := range common {
		out = append(out, cf)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].field.Name < out[j].field.Name }) // stable plans
	return out
}

func disjuncts(e ast.ExprNode) []ast.ExprNode {
	switch e := e.(type) {
	case *ast.ParenthesesExpr:
		return disjuncts(e.Expr)
	case *ast.BinaryOperationExpr:
		if e.Op == opcode.LogicOr {
			return append(disjuncts(e.L), disjuncts(e.R)...)
		}
	}
	return []ast.ExprNode{e}
}

// union is what holds when either a's or b's filters (on one column) all
// hold: the equal values of both, the lower of two lower bounds, the
// higher of two upper bounds, a filter both have.
func union(a, b []connectors.Filter) []connectors.Filter {
	var out []connectors.Filter
	if va, ok := equalValues(a); ok {
		if vb, ok := equalValues(b); ok {
			out = append(out, connectors.Filter{Op: connectors.OpIn, Values: distinct(append(va, vb...))})
		}
	}
	for _, lower := range []bool{true, false} {
		la, va, oka := bound(a, lower)
		lb, vb, okb := bound(b, lower)
		if oka && okb {
			op := connectors.OpLe
			if lower {
				op = connectors.OpGe
			}
			if (la < lb) == lower {
				out = append(out, connectors.Filter{Op: op, Values: []any{va}})
			} else {
				out = append(out, connectors.Filter{Op: op, Values: []any{vb}})
			}
		}
	}
	for _, fa := range a {
		for _, fb := range b {
			if fa.String() == fb.String() && fa.Op != connectors.OpIn && fa.Op != connectors.OpEq {
				out = append(out, fa)
			}
		}
	}
	return out
}

// equalValues are the values an `=` or IN filter among fs allows.
func equalValues(fs []connectors.Filter) ([]any, bool) {
	for _, f := range fs {
		if f.Op == connectors.OpEq || f.Op == connectors.OpIn {
			return slices.Clone(f.Values), true
		}
	}
	return nil, false
}

// bound is the tightest numeric lower (or upper) bound among fs, with `>`
// read as `>=` (looser, which is all a pushed filter needs).
func bound(fs []connectors.Filter, lower bool) (float64, any, bool) {
	found, best, bestValue := false, 0.0, any(nil)
	for _, f := range fs {
		var isBound bool
		if lower {
			isBound = f.Op == connectors.OpGe || f.Op == connectors.OpGt
		} else {
			isBound = f.Op == connectors.OpLe || f.Op == connectors.OpLt
		}
		if !isBound || len(f.Values) != 1 {
			continue
		}
		v, ok := number(f.Values[0])
		if !ok {
			continue
		}
		if !found || (v > best) == lower {
			best, bestValue, found = v, f.Values[0], true
		}
	}
	return best, bestValue, found
}

// distinct drops repeated values, keeping the first of each.
func distinct(vals []any) []any {
	seen := map[string]bool{}
	out := vals[:0]
	for _, v := range vals {
		k := fmt.Sprintf("%T:%v", v, v)
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
		}
	}
	return out
}

// number reads a parser constant that is an integer small enough to be
// exact as a float64.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		if n > -1<<53 && n < 1<<53 {
			return float64(n), true
		}
	case uint64:
		if n < 1<<53 {
			return float64(n), true
		}
	}
	return 0, false
}

// scope is the FROM clause of one SELECT.
type scope struct {
	refs     []*ref
	nullable map[*ref]bool // on the null-supplying side of an outer join
	opaque   bool          // holds a derived table or view: unqualified names may be theirs
}

func (s *scope) collect(n ast.ResultSetNode, byNode map[*ast.TableName]*ref, nullable bool) {
	switch n := n.(type) {
	case *ast.Join:
		s.collect(n.Left, byNode, nullable || n.Tp == ast.RightJoin)
		if n.Right != nil {
			s.collect(n.Right, byNode, nullable || n.Tp == ast.LeftJoin)
		}
	case *ast.TableSource:
		tn, ok := n.Source.(*ast.TableName)
		if !ok {
			if j, isJoin := n.Source.(*ast.Join); isJoin {
				s.collect(j, byNode, nullable)
				return
			}
			s.opaque = true
			return
		}
		r := byNode[tn]
		if r == nil || r.table == nil { // a CTE or a view
			s.opaque = true
			return
		}
		s.refs = append(s.refs, r)
		s.nullable[r] = nullable
	}
}

// lookup is find for correlated names: here reports that col binds in this
// scope (r is nil when it is not certain to which table), !here that it
// certainly does not, so an enclosing SELECT's tables are next.
func (s *scope) lookup(col *ast.ColumnName) (r *ref, here bool) {
	if col.Table.L != "" {
		if r := s.find(col); r != nil {
			return r, true
		}
		return nil, s.opaque // a derived table's alias, maybe
	}
	if s.opaque {
		return nil, true
	}
	n := 0
	for _, c := range s.refs {
		if _, ok := fieldOf(c.table.Schema(), col.Name.L); ok {
			r, n = c, n+1
		}
	}
	switch n {
	case 0:
		return nil, false
	case 1:
		return r, true
	}
	return nil, true
}

// find resolves a column reference to the one table of the scope it can
// mean, or nil when that is not certain.
func (s *scope) find(col *ast.ColumnName) *ref {
	if col.Table.L != "" {
		for _, r := range s.refs {
			if r.alias == col.Table.L && (col.Schema.L == "" || strings.EqualFold(col.Schema.L, r.table.DB)) {
				return r
			}
		}
		return nil
	}
	if s.opaque {
		return nil
	}
	var found *ref
	for _, r := range s.refs {
		if _, ok := fieldOf(r.table.Schema(), col.Name.L); ok {
			if found != nil {
				return nil // ambiguous: DuckDB will say so
			}
			found = r
		}
	}
	return found
}

func conjuncts(e ast.ExprNode) []ast.ExprNode {
	switch e := e.(type) {
	case *ast.ParenthesesExpr:
		return conjuncts(e.Expr)
	case *ast.BinaryOperationExpr:
		if e.Op == opcode.LogicAnd {
			return append(conjuncts(e.L), conjuncts(e.R)...)
		}
	}
	return []ast.ExprNode{e}
}

var comparisons = map[opcode.Op]connectors.Op{
	opcode.EQ: connectors.OpEq, opcode.NE: connectors.OpNe,
	opcode.LT: connectors.OpLt, opcode.LE: connectors.OpLe,
	opcode.GT: connectors.OpGt, opcode.GE: connectors.OpGe,
}

var flipped = map[connectors.Op]connectors.Op{
	connectors.OpEq: connectors.OpEq, connectors.OpNe: connectors.OpNe,
	connectors.OpLt: connectors.OpGt, connectors.OpLe: connectors.OpGe,
	connectors.OpGt: connectors.OpLt, connectors.OpGe: connectors.OpLe,
}

// extract recognises `column op constant` shapes (BETWEEN gives two
// filters). The filters' values are still the parser's raw constants;
// typed converts them. A nil column means nothing to push.
func extract(e ast.ExprNode) (*ast.ColumnName, []connectors.Filter) {
	one := func(col *ast.ColumnName, op connectors.Op, vals ...any) (*ast.ColumnName, []connectors.Filter) {
		return col, []connectors.Filter{{Op: op, Values: vals}}
	}
	switch e := e.(type) {
	case *ast.ParenthesesExpr:
		return extract(e.Expr)
	case *ast.BinaryOperationExpr:
		op, ok := comparisons[e.Op]
		if !ok {
			break
		}
		if col, ok := column(e.L); ok {
			if v, ok := constant(e.R); ok {
				return one(col, op, v)
			}
		}
		if col, ok := column(e.R); ok {
			if v, ok := constant(e.L); ok {
				return one(col, flipped[op], v)
			}
		}
	case *ast.BetweenExpr:
		col, ok := column(e.Expr)
		if !ok || e.Not {
			break
		}
		lo, okLo := constant(e.Left)
		hi, okHi := constant(e.Right)
		if okLo && okHi {
			return col, []connectors.Filter{
				{Op: connectors.OpGe, Values: []any{lo}},
				{Op: connectors.OpLe, Values: []any{hi}},
			}
		}
	case *ast.PatternInExpr:
		col, ok := column(e.Expr)
		if !ok || e.Not || e.Sel != nil || len(e.List) == 0 {
			break
		}
		vals := make([]any, 0, len(e.List))
		for _, item := range e.List {
			v, ok := constant(item)
			if !ok {
				return nil, nil
			}
			vals = append(vals, v)
		}
		return one(col, connectors.OpIn, vals...)
	case *ast.IsNullExpr:
		if col, ok := column(e.Expr); ok {
			if e.Not {
				return one(col, connectors.OpIsNotNull)
			}
			return one(col, connectors.OpIsNull)
		}
	case *ast.PatternLikeOrIlikeExpr:
		col, ok := column(e.Expr)
		if !ok || e.Not || !e.IsLike || e.Escape != '\\' {
			break
		}
		if v, ok := constant(e.Pattern); ok {
			if s, isString := v.(string); isString {
				return one(col, connectors.OpLike, s)
			}
		}
	}
	return nil, nil
}

func column(e ast.ExprNode) (*ast.ColumnName, bool) {
	if p, ok := e.(*ast.ParenthesesExpr); ok {
		return column(p.Expr)
	}
	c, ok := e.(*ast.ColumnNameExpr)
	if !ok {
		return nil, false
	}
	return c.Name, true
}

// constant returns a literal's value; NULL is not a constant worth pushing
// (a comparison with NULL is never true).
func constant(e ast.ExprNode) (any, bool) {
	switch e := e.(type) {
	case *ast.ParenthesesExpr:
		return constant(e.Expr)
	case ast.ValueExpr:
		v := e.GetValue()
		if v == nil {
			return nil, false
		}
		return v, true
	case *ast.FuncCallExpr:
		// DATE '1998-12-01' and TIMESTAMP '…' arrive as literal functions.
		if (e.FnName.L == ast.DateLiteral || e.FnName.L == ast.TimestampLiteral) && len(e.Args) == 1 {
			return constant(e.Args[0])
		}
		// DATE '1994-01-01' + INTERVAL '1' YEAR (the parser's date_add).
		switch e.FnName.L {
		case "date_add", "adddate", "date_sub", "subdate":
			return dateConstant(e)
		}
	case *ast.BinaryOperationExpr:
		// 0.06 - 0.01, 24 * 2: folded exactly, so the bound reaches the
		// source.
		switch e.Op {
		case opcode.Plus, opcode.Minus, opcode.Mul:
			l, lok := constant(e.L)
			r, rok := constant(e.R)
			if lok && rok {
				return arith(e.Op, l, r)
			}
		}
	case *ast.UnaryOperationExpr:
		if e.Op == opcode.Minus {
			v, ok := constant(e.V)
			switch n := v.(type) {
			case int64:
				return -n, ok
			case float64:
				return -n, ok
			}
		}
	}
	return nil, false
}

func fieldOf(s *arrow.Schema, lower string) (arrow.Field, bool) {
	for _, f := range s.Fields() {
		if strings.ToLower(f.Name) == lower {
			return f, true
		}
	}
	return arrow.Field{}, false
}

// typed converts a filter's constants to the column's type, or reports
// that it cannot be pushed. MySQL compares a string column with a number
// numerically, and a number column with a string after converting it;
// those mixed comparisons stay in DuckDB alone, because a source comparing
// them its own way could drop rows the query wants.
func typed(f connectors.Filter, field arrow.Field) (connectors.Filter, bool) {
	out := f
	out.Values = make([]any, len(f.Values))
	for i, v := range f.Values {
		tv, ok := convert(v, field.Type)
		if !ok {
			return f, false
		}
		out.Values[i] = tv
	}
	if f.Op == connectors.OpLike && !isString(field.Type) {
		return f, false
	}
	return out, true
}

func isString(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		return true
	}
	return false
}

func convert(v any, t arrow.DataType) (any, bool) {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		switch n := v.(type) {
		case int64, uint64:
			return n, true
		}
	case arrow.FLOAT32, arrow.FLOAT64:
		switch n := v.(type) {
		case int64:
			return float64(n), true
		case uint64:
			return float64(n), true
		case float64:
			return n, true
		case interface{ ToFloat64() (float64, error) }:
			if x, err := n.ToFloat64(); err == nil {
				return x, true
			}
		}
	case arrow.DECIMAL128, arrow.DECIMAL256:
		switch n := v.(type) {
		case int64:
			return connectors.Decimal(strconv.FormatInt(n, 10)), true
		case uint64:
			return connectors.Decimal(strconv.FormatUint(n, 10)), true
		case interface{ String() string }:
			return connectors.Decimal(n.String()), true
		}
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW:
		if s, ok := v.(string); ok {
			return s, true
		}
	case arrow.DATE32:
		if s, ok := v.(string); ok {
			if d, err := time.Parse("2006-01-02", s); err == nil {
				return connectors.Date(d.Unix() / 86400), true
			}
		}
	case arrow.TIMESTAMP:
		ts := t.(*arrow.TimestampType)
		if ts.TimeZone != "" {
			return nil, false
		}
		if s, ok := v.(string); ok {
			for _, layout := range []string{"2006-01-02 15:04:05.999999", "2006-01-02"} {
				if d, err := time.Parse(layout, s); err == nil {
					return connectors.Timestamp(d.UnixMicro()), true
				}
			}
		}
	}
	return nil, false
}

// decimalConst is a folded exact decimal constant, in its text form (typed
// and convert take decimals by their String).
type decimalConst string

func (d decimalConst) String() string { return string(d) }

// exact reads an integer or decimal constant as a rational and its scale.
func exact(v any) (*big.Rat, int, bool) {
	switch n := v.(type) {
	case int64:
		return new(big.Rat).SetInt64(n), 0, true
	case uint64:
		return new(big.Rat).SetUint64(n), 0, true
	case float64:
		return nil, 0, false // MySQL computes in double: not folded
	case interface{ String() string }:
		s := n.String()
		r, ok := new(big.Rat).SetString(s)
		return r, decimalScale(s), ok
	}
	return nil, 0, false
}

func decimalScale(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}

// arith folds l op r exactly, with MySQL's result scale; integers stay
// integers unless they overflow (then nothing is folded).
func arith(op opcode.Op, l, r any) (any, bool) {
	a, sa, ok1 := exact(l)
	b, sb, ok2 := exact(r)
	if !ok1 || !ok2 {
		return nil, false
	}
	var out *big.Rat
	scale := max(sa, sb)
	switch op {
	case opcode.Plus:
		out = new(big.Rat).Add(a, b)
	case opcode.Minus:
		out = new(big.Rat).Sub(a, b)
	case opcode.Mul:
		out, scale = new(big.Rat).Mul(a, b), sa+sb
	default:
		return nil, false
	}
	_, lInt := l.(int64)
	_, rInt := r.(int64)
	if lInt && rInt {
		if !out.IsInt() || !out.Num().IsInt64() {
			return nil, false
		}
		return out.Num().Int64(), true
	}
	return decimalConst(out.FloatString(scale)), true
}

// dateConstant folds DATE 'd' ± INTERVAL n unit for whole days, weeks,
// months, quarters and years, as MySQL (and the engine) compute it: a
// month added to the 31st lands on the month's last day.
func dateConstant(e *ast.FuncCallExpr) (any, bool) {
	if len(e.Args) != 3 {
		return nil, false
	}
	lit, ok := e.Args[0].(*ast.FuncCallExpr)
	if !ok || lit.FnName.L != ast.DateLiteral {
		return nil, false
	}
	v, ok := constant(lit)
	s, isStr := v.(string)
	if !ok || !isStr {
		return nil, false
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return nil, false
	}
	nv, ok := constant(e.Args[1])
	if !ok {
		return nil, false
	}
	var n int64
	switch x := nv.(type) {
	case int64:
		n = x
	case string:
		if n, err = strconv.ParseInt(strings.TrimSpace(x), 10, 32); err != nil {
			return nil, false
		}
	default:
		return nil, false
	}
	if e.FnName.L == "date_sub" || e.FnName.L == "subdate" {
		n = -n
	}
	unit, ok := e.Args[2].(*ast.TimeUnitExpr)
	if !ok || n > 100_000 || n < -100_000 {
		return nil, false
	}
	switch unit.Unit {
	case ast.TimeUnitDay:
		d = d.AddDate(0, 0, int(n))
	case ast.TimeUnitWeek:
		d = d.AddDate(0, 0, 7*int(n))
	case ast.TimeUnitMonth:
		d = addMonths(d, int(n))
	case ast.TimeUnitQuarter:
		d = addMonths(d, 3*int(n))
	case ast.TimeUnitYear:
		d = addMonths(d, 12*int(n))
	default:
		return nil, false
	}
	if d.Year() < 1 || d.Year() > 9999 {
		return nil, false
	}
	return d.Format("2006-01-02"), true
}

// addMonths adds months, keeping the day unless the target month is
// shorter (then its last day).
func addMonths(d time.Time, n int) time.Time {
	first := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d.Day(), last)-1)
}
