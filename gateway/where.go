package gateway

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/opcode"

	"github.com/tributary-sql/tributary/server"
	"github.com/tributary-sql/tributary/sqlerr"
)

// whereWriter passes on the rows of a SHOW for which its WHERE is true.
// The expression is checked against the result's columns before they are
// sent, so an unknown column or an unsupported expression is an error
// instead of a result. Supported: column references, literals,
// parentheses, = <=> <> != < <= > >=, [NOT] LIKE, [NOT] IN (list),
// IS [NOT] NULL, AND, OR, XOR, NOT. Comparisons follow MySQL: strings
// compare case-insensitively (utf8mb4_general_ci), a string against a
// number compares as numbers, NULL makes a comparison NULL.
type whereWriter struct {
	w    server.ResultWriter
	expr ast.ExprNode
	idx  map[string]int // lower-case column name → position
}

func (f *whereWriter) Columns(cols []server.Column) error {
	f.idx = make(map[string]int, len(cols))
	for i, c := range cols {
		f.idx[strings.ToLower(c.Name)] = i
	}
	if err := f.check(f.expr); err != nil {
		return err
	}
	return f.w.Columns(cols)
}

func (f *whereWriter) Row(vals []any) error {
	if truth(f.eval(f.expr, vals)) {
		return f.w.Row(vals)
	}
	return nil
}

func (f *whereWriter) check(e ast.ExprNode) error {
	switch e := e.(type) {
	case *ast.ColumnNameExpr:
		if _, ok := f.idx[e.Name.Name.L]; !ok {
			return sqlerr.New(sqlerr.UnknownColumn, "Unknown column '%s' in 'where clause'", e.Name.Name.O)
		}
		return nil
	case ast.ValueExpr:
		return nil
	case *ast.ParenthesesExpr:
		return f.check(e.Expr)
	case *ast.BinaryOperationExpr:
		switch e.Op {
		case opcode.LogicAnd, opcode.LogicOr, opcode.LogicXor, opcode.EQ, opcode.NullEQ, opcode.NE,
			opcode.LT, opcode.LE, opcode.GT, opcode.GE:
			if err := f.check(e.L); err != nil {
				return err
			}
			return f.check(e.R)
		}
	case *ast.UnaryOperationExpr:
		if e.Op == opcode.Not || e.Op == opcode.Not2 {
			return f.check(e.V)
		}
	case *ast.PatternLikeOrIlikeExpr:
		if err := f.check(e.Expr); err != nil {
			return err
		}
		return f.check(e.Pattern)
	case *ast.PatternInExpr:
		if e.Sel == nil {
			for _, x := range append([]ast.ExprNode{e.Expr}, e.List...) {
				if err := f.check(x); err != nil {
					return err
				}
			}
			return nil
		}
	case *ast.IsNullExpr:
		return f.check(e.Expr)
	}
	return sqlerr.New(sqlerr.Unsupported, "SHOW … WHERE supports comparisons, LIKE, IN, IS NULL, AND, OR and NOT of columns and literals")
}

// eval computes e over one row: nil (NULL), string, int64, uint64 or
// float64; truth values are int64 1 and 0. check has accepted e.
func (f *whereWriter) eval(e ast.ExprNode, row []any) any {
	switch e := e.(type) {
	case *ast.ColumnNameExpr:
		return normalize(row[f.idx[e.Name.Name.L]])
	case ast.ValueExpr:
		return normalize(e.GetValue())
	case *ast.ParenthesesExpr:
		return f.eval(e.Expr, row)
	case *ast.UnaryOperationExpr:
		v := f.eval(e.V, row)
		if v == nil {
			return nil
		}
		return boolValue(!truth(v))
	case *ast.IsNullExpr:
		return boolValue((f.eval(e.Expr, row) == nil) != e.Not)
	case *ast.PatternLikeOrIlikeExpr:
		v, p := f.eval(e.Expr, row), f.eval(e.Pattern, row)
		if v == nil || p == nil {
			return nil
		}
		return boolValue(likeMatch(fmt.Sprint(p), fmt.Sprint(v)) != e.Not)
	case *ast.PatternInExpr:
		v := f.eval(e.Expr, row)
		if v == nil {
			return nil
		}
		var sawNull bool
		for _, x := range e.List {
			c, null := compare(v, f.eval(x, row))
			if null {
				sawNull = true
			} else if c == 0 {
				return boolValue(!e.Not)
			}
		}
		if sawNull {
			return nil
		}
		return boolValue(e.Not)
	case *ast.BinaryOperationExpr:
		l, r := f.eval(e.L, row), f.eval(e.R, row)
		switch e.Op {
		case opcode.LogicAnd:
			if (l != nil && !truth(l)) || (r != nil && !truth(r)) {
				return boolValue(false)
			}
			if l == nil || r == nil {
				return nil
			}
			return boolValue(true)
		case opcode.LogicOr:
			if truth(l) || truth(r) {
				return boolValue(true)
			}
			if l == nil || r == nil {
				return nil
			}
			return boolValue(false)
		case opcode.LogicXor:
			if l == nil || r == nil {
				return nil
			}
			return boolValue(truth(l) != truth(r))
		case opcode.NullEQ:
			if l == nil || r == nil {
				return boolValue(l == nil && r == nil)
			}
		}
		c, null := compare(l, r)
		if null {
			return nil
		}
		switch e.Op {
		case opcode.EQ, opcode.NullEQ:
			return boolValue(c == 0)
		case opcode.NE:
			return boolValue(c != 0)
		case opcode.LT:
			return boolValue(c < 0)
		case opcode.LE:
			return boolValue(c <= 0)
		case opcode.GT:
			return boolValue(c > 0)
		case opcode.GE:
			return boolValue(c >= 0)
		}
	}
	return nil
}

func boolValue(b bool) any {
	if b {
		return int64(1)
	}
	return int64(0)
}

// normalize maps the values SHOW rows and literals hold onto the few kinds
// eval works with.
func normalize(v any) any {
	switch v := v.(type) {
	case nil, string, int64, uint64, float64:
		return v
	case []byte:
		return string(v)
	case int:
		return int64(v)
	case int32:
		return int64(v)
	case uint32:
		return uint64(v)
	case bool:
		return boolValue(v)
	case float32:
		return float64(v)
	}
	return fmt.Sprint(v) // decimals, times
}

// truth is MySQL's truth of a value: non-zero numbers; strings as numbers.
func truth(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return number(v) != 0
	case int64:
		return v != 0
	case uint64:
		return v != 0
	case float64:
		return v != 0
	}
	return false
}

// compare orders two non-NULL values; null reports a NULL operand.
func compare(a, b any) (c int, null bool) {
	if a == nil || b == nil {
		return 0, true
	}
	as, aStr := a.(string)
	bs, bStr := b.(string)
	if aStr && bStr {
		return strings.Compare(strings.ToLower(as), strings.ToLower(bs)), false
	}
	x, y := toFloat(a), toFloat(b)
	switch {
	case x < y:
		return -1, false
	case x > y:
		return 1, false
	}
	return 0, false
}

func toFloat(v any) float64 {
	switch v := v.(type) {
	case string:
		return number(v)
	case int64:
		return float64(v)
	case uint64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

// number reads the leading number of s as MySQL does ('12abc' is 12, 'abc' 0).
func number(s string) float64 {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && strings.IndexByte("+-0123456789.eE", s[end]) >= 0 {
		end++
	}
	for ; end > 0; end-- {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil {
			return f
		}
	}
	return 0
}
