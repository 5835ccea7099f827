package planner

import (
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
			col, fs := extract(c)
			if col == nil {
				continue
			}
			r := scope.find(col)
			if r == nil || r.scan == nil {
				continue // unknown, or a file DuckDB reads and filters itself
			}
			field, ok := fieldOf(r.table.Schema(), col.Name.L)
			if !ok {
				continue
			}
			for _, f := range fs {
				if f.Op == connectors.OpIsNull && scope.nullable[r] {
					continue
				}
				if f, ok := typed(f, field); ok {
					f.Column = field.Name
					r.scan.Request.Filters = append(r.scan.Request.Filters, f)
				}
			}
		}
	})
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
