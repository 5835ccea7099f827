package parser

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/format"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/tributary-sql/tributary/sqlerr"
)

func newRestoreCtx(sb *strings.Builder) *format.RestoreCtx {
	return format.NewRestoreCtx(format.DefaultRestoreFlags, sb)
}

// Precedence of the DuckDB text an expression prints as, lowest first
// (PostgreSQL's table, which DuckDB follows). An operand whose precedence
// is lower than its operator's is parenthesised; MySQL's tree already
// encodes MySQL's grouping, so this only has to preserve it.
const (
	precOr = iota + 1
	precAnd
	precNot
	precIs    // IS, IS NULL, IS DISTINCT FROM
	precCmp   // = <> < <= > >=
	precLike  // LIKE BETWEEN IN
	precOther // & | << >>
	precAdd
	precMul
	precUnary
	precAtom
)

// nonAssoc levels need parentheses even for an operand of equal level.
func nonAssoc(p int) bool { return p == precIs || p == precCmp || p == precLike }

var binaryOps = map[opcode.Op]struct {
	sql  string
	prec int
}{
	opcode.LogicOr:    {"OR", precOr},
	opcode.LogicAnd:   {"AND", precAnd},
	opcode.EQ:         {"=", precCmp},
	opcode.NE:         {"<>", precCmp},
	opcode.LT:         {"<", precCmp},
	opcode.LE:         {"<=", precCmp},
	opcode.GT:         {">", precCmp},
	opcode.GE:         {">=", precCmp},
	opcode.NullEQ:     {"IS NOT DISTINCT FROM", precIs},
	opcode.Plus:       {"+", precAdd},
	opcode.Minus:      {"-", precAdd},
	opcode.Mul:        {"*", precMul},
	opcode.And:        {"&", precOther},
	opcode.Or:         {"|", precOther},
	opcode.LeftShift:  {"<<", precOther},
	opcode.RightShift: {">>", precOther},
}

// prec is the precedence of what expr prints for e.
func prec(e ast.ExprNode) int {
	switch x := e.(type) {
	case *ast.BinaryOperationExpr:
		if op, ok := binaryOps[x.Op]; ok {
			return op.prec
		}
	case *ast.UnaryOperationExpr:
		switch x.Op {
		case opcode.Not, opcode.Not2:
			return precNot
		case opcode.Plus:
			return prec(x.V)
		}
		return precUnary
	case *ast.IsNullExpr, *ast.IsTruthExpr:
		return precIs
	case *ast.CompareSubqueryExpr:
		return precCmp
	case *ast.PatternLikeOrIlikeExpr, *ast.BetweenExpr, *ast.PatternInExpr:
		return precLike
	case *ast.PatternRegexpExpr:
		if x.Not {
			return precNot
		}
	case *ast.ExistsSubqueryExpr:
		if x.Not {
			return precNot
		}
	}
	return precAtom
}

// operand prints e as an operand of an operator of precedence p.
func (t *translator) operand(e ast.ExprNode, p int, right bool) string {
	s := t.expr(e)
	q := prec(e)
	if q < p || (q == p && (right || nonAssoc(p))) {
		return "(" + s + ")"
	}
	return s
}

// isBoolean reports whether e prints as a DuckDB BOOLEAN. MySQL booleans
// are integers, so such an operand of arithmetic (SUM(a > 0)) needs a cast.
func isBoolean(e ast.ExprNode) bool {
	switch x := e.(type) {
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.LogicAnd, opcode.LogicOr, opcode.LogicXor, opcode.EQ, opcode.NE,
			opcode.LT, opcode.LE, opcode.GT, opcode.GE, opcode.NullEQ:
			return true
		}
	case *ast.UnaryOperationExpr:
		return x.Op == opcode.Not || x.Op == opcode.Not2
	case *ast.ParenthesesExpr:
		return isBoolean(x.Expr)
	case *ast.IsNullExpr, *ast.IsTruthExpr, *ast.CompareSubqueryExpr, *ast.PatternLikeOrIlikeExpr,
		*ast.BetweenExpr, *ast.PatternInExpr, *ast.PatternRegexpExpr, *ast.ExistsSubqueryExpr:
		return true
	}
	return false
}

// numeric prints e where MySQL expects a number: booleans become 0/1 and
// hexadecimal literals integers.
func (t *translator) numeric(e ast.ExprNode, p int, right bool) string {
	if isBoolean(e) {
		return "CAST(" + t.expr(e) + " AS INTEGER)"
	}
	if v, ok := e.(*test_driver.ValueExpr); ok && v.Kind() == test_driver.KindBinaryLiteral {
		return t.binaryAsInt(v.GetBytes())
	}
	return t.operand(e, p, right)
}

func (t *translator) expr(e ast.ExprNode) string {
	if t.err != nil {
		return ""
	}
	if t.opts.Replace != nil {
		if sql, ok := t.opts.Replace(e); ok {
			return sql
		}
	}
	if t.pg() && !t.pgAllowed(e) {
		return ""
	}
	switch x := e.(type) {
	case nil:
		return t.fail(sqlerr.Internal, "missing expression")
	case *verbatim:
		return x.sql
	case *test_driver.ParamMarkerExpr:
		return "?"
	case *test_driver.ValueExpr:
		return t.value(x)
	case *ast.ColumnNameExpr:
		return t.column(x.Name)
	case *ast.ParenthesesExpr:
		return "(" + t.expr(x.Expr) + ")"
	case *ast.BinaryOperationExpr:
		return t.binary(x)
	case *ast.UnaryOperationExpr:
		return t.unary(x)
	case *ast.IsNullExpr:
		return t.operand(x.Expr, precIs, false) + " IS " + not(x.Not) + "NULL"
	case *ast.IsTruthExpr:
		truth := "TRUE"
		if x.True == 0 {
			truth = "FALSE"
		}
		return t.operand(x.Expr, precIs, false) + " IS " + not(x.Not) + truth
	case *ast.BetweenExpr:
		return t.ordered(x.Expr, precLike, false) + " " + not(x.Not) + "BETWEEN " +
			t.ordered(x.Left, precLike, true) + " AND " + t.ordered(x.Right, precLike, true)
	case *ast.PatternInExpr:
		return t.in(x)
	case *ast.PatternLikeOrIlikeExpr:
		return t.like(x)
	case *ast.PatternRegexpExpr:
		// TODO: MySQL's REGEXP follows the collation (case-insensitive by
		// default); regexp_matches is case-sensitive.
		return not(x.Not) + "regexp_matches(" + t.expr(x.Expr) + ", " + t.expr(x.Pattern) + ")"
	case *ast.ExistsSubqueryExpr:
		return not(x.Not) + "EXISTS " + t.expr(x.Sel)
	case *ast.SubqueryExpr:
		return "(" + t.query(x.Query) + ")"
	case *ast.CompareSubqueryExpr:
		return t.compareSubquery(x)
	case *ast.CaseExpr:
		return t.caseExpr(x)
	case *ast.RowExpr:
		return "(" + t.exprList(x.Values) + ")"
	case *ast.VariableExpr:
		return t.variable(x)
	case *ast.FuncCallExpr:
		return t.funcCall(x)
	case *ast.FuncCastExpr:
		return t.cast(x)
	case *ast.AggregateFuncExpr:
		return t.aggregate(x)
	case *ast.WindowFuncExpr:
		return t.window(x)
	case *ast.PositionExpr:
		return strconv.Itoa(x.N)
	case *ast.SetCollationExpr:
		// TODO: collations (case-insensitive comparison) are not mapped.
		return t.expr(x.Expr)
	}
	return t.unsupported(exprKind(e))
}

func exprKind(e ast.ExprNode) string {
	return strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%T", e), "*ast."), "Expr") + " expressions"
}

func not(b bool) string {
	if b {
		return "NOT "
	}
	return ""
}

func (t *translator) exprList(es []ast.ExprNode) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = t.expr(e)
	}
	return strings.Join(parts, ", ")
}

// column prints db.t.c as "t"."c": the schema is gone once tables become
// DuckDB views aliased by their table name.
func (t *translator) column(c *ast.ColumnName) string {
	if t.opts.Column != nil {
		if sql, ok := t.opts.Column(c); ok {
			return sql
		}
	}
	if t.pg() && !t.pgColumn(c) {
		return ""
	}
	if c.Table.O != "" {
		return t.ident(c.Table.O) + "." + t.ident(c.Name.O)
	}
	return t.ident(c.Name.O)
}

func (t *translator) value(v *test_driver.ValueExpr) string {
	switch v.Kind() {
	case test_driver.KindNull:
		return "NULL"
	case test_driver.KindInt64:
		if v.Type.GetFlag()&mysql.IsBooleanFlag != 0 {
			if v.GetInt64() != 0 {
				return "TRUE"
			}
			return "FALSE"
		}
		return strconv.FormatInt(v.GetInt64(), 10)
	case test_driver.KindUint64:
		return strconv.FormatUint(v.GetUint64(), 10)
	case test_driver.KindFloat32, test_driver.KindFloat64:
		// The exponent keeps the literal a DOUBLE, as MySQL's 1e3 is.
		if t.pg() { // where 1e3 is a numeric
			return "CAST(" + floatLit(v.GetFloat64()) + " AS DOUBLE PRECISION)"
		}
		return floatLit(v.GetFloat64())
	case test_driver.KindMysqlDecimal:
		return v.GetMysqlDecimal().String()
	case test_driver.KindString, test_driver.KindBytes:
		// Charset introducers (_utf8'x', N'x') are dropped: DuckDB strings
		// are UTF-8.
		return t.stringLit(v.GetString())
	case test_driver.KindBinaryLiteral:
		if v.Type.GetFlag()&mysql.UnsignedFlag == 0 {
			// b'0101' is almost always meant as a number.
			return t.binaryAsInt(v.GetBytes())
		}
		return blobLit(v.GetBytes())
	}
	return t.unsupported(fmt.Sprintf("literal of kind %d", v.Kind()))
}

// stringLit prints s as a DuckDB string. DuckDB strings may hold NUL but
// its literals cannot, so a NUL is spliced in with chr(0): 'a\0b' (or a
// prepared statement's argument holding one) prints as ('a' || chr(0) || 'b').
func (t *translator) stringLit(s string) string {
	if t.pg() {
		if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
			return t.unsupported("a string PostgreSQL cannot hold")
		}
		return t.param(s)
	}
	if !strings.ContainsRune(s, 0) {
		return quoteString(s)
	}
	parts := strings.Split(s, "\x00")
	for i, p := range parts {
		parts[i] = quoteString(p)
	}
	return "(" + strings.Join(parts, " || chr(0) || ") + ")"
}

func blobLit(b []byte) string {
	var sb strings.Builder
	sb.WriteString("'")
	for _, c := range b {
		fmt.Fprintf(&sb, `\x%02X`, c)
	}
	sb.WriteString("'::BLOB")
	return sb.String()
}

func (t *translator) binaryAsInt(b []byte) string {
	if len(b) > 8 {
		return t.unsupported("hexadecimal literals wider than 64 bits as numbers")
	}
	var buf [8]byte
	copy(buf[8-len(b):], b)
	return strconv.FormatUint(binary.BigEndian.Uint64(buf[:]), 10)
}

func (t *translator) binary(x *ast.BinaryOperationExpr) string {
	switch x.Op {
	case opcode.Div:
		return t.divide(x)
	case opcode.IntDiv:
		// Truncates toward zero; NULL when dividing by zero (macros.go).
		return "mysql_intdiv(" + t.numeric(x.L, 0, false) + ", " + t.numeric(x.R, 0, false) + ")"
	case opcode.Mod:
		// DuckDB's % keeps the dividend's sign, as MySQL does.
		return "(" + t.numeric(x.L, precMul, false) + " % NULLIF(" + t.numeric(x.R, 0, false) + ", 0))"
	case opcode.Xor:
		return "xor(" + t.numeric(x.L, 0, false) + ", " + t.numeric(x.R, 0, false) + ")"
	case opcode.LogicXor:
		// NULL when either side is NULL, as in MySQL.
		return "(CAST(" + t.expr(x.L) + " AS BOOLEAN) <> CAST(" + t.expr(x.R) + " AS BOOLEAN))"
	}
	op, ok := binaryOps[x.Op]
	if !ok {
		return t.unsupported("operator " + x.Op.String())
	}
	if op.prec >= precOther {
		return t.numeric(x.L, op.prec, false) + " " + op.sql + " " + t.numeric(x.R, op.prec, true)
	}
	switch x.Op {
	case opcode.LT, opcode.LE, opcode.GT, opcode.GE:
		return t.ordered(x.L, op.prec, false) + " " + op.sql + " " + t.ordered(x.R, op.prec, true)
	}
	// TODO: MySQL compares strings by collation (case-insensitive by
	// default); DuckDB compares bytes.
	return t.operand(x.L, op.prec, false) + " " + op.sql + " " + t.operand(x.R, op.prec, true)
}

// divide prints MySQL's `/`: NULL on a zero divisor, and for exact operands
// a DECIMAL with the dividend's scale + 4 (div_precision_increment), where
// DuckDB would return a DOUBLE (it has no DECIMAL / DECIMAL). We divide in
// DOUBLE and round to MySQL's scale: exact to about 15 significant digits,
// and the result type and digits a client sees match MySQL. When the scale
// of the dividend is unknown (a column without Options.ColumnScale, a
// function) the result stays a DOUBLE.
func (t *translator) divide(x *ast.BinaryOperationExpr) string {
	div := t.numeric(x.L, precMul, false) + " / NULLIF(" + t.numeric(x.R, 0, false) + ", 0)"
	if t.pg() { // a DOUBLE division, as in DuckDB, not an integer one
		div = "CAST(" + t.numeric(x.L, 0, false) + " AS DOUBLE PRECISION) / NULLIF(" + t.numeric(x.R, 0, false) + ", 0)"
	}
	_, rExact := t.scale(x.R)
	if s, ok := t.scale(x.L); ok && rExact {
		return fmt.Sprintf("CAST(%s AS DECIMAL(38, %d))", div, min(s+4, 30))
	}
	return "(" + div + ")"
}

// scale infers the MySQL scale of an exact numeric expression; ok=false
// when e is not exact or its type is unknown.
func (t *translator) scale(e ast.ExprNode) (int, bool) {
	switch x := e.(type) {
	case *test_driver.ValueExpr:
		switch x.Kind() {
		case test_driver.KindInt64, test_driver.KindUint64:
			return 0, true
		case test_driver.KindMysqlDecimal:
			return decimalScale(x.GetMysqlDecimal().String()), true
		}
	case *ast.ColumnNameExpr:
		if t.opts.ColumnScale != nil {
			return t.opts.ColumnScale(x.Name)
		}
	case *ast.ParenthesesExpr:
		return t.scale(x.Expr)
	case *ast.UnaryOperationExpr:
		if x.Op == opcode.Minus || x.Op == opcode.Plus {
			return t.scale(x.V)
		}
	case *ast.BinaryOperationExpr:
		return t.binaryScale(x)
	case *ast.AggregateFuncExpr:
		switch x.F {
		case ast.AggFuncCount:
			return 0, true
		case ast.AggFuncSum, ast.AggFuncMax, ast.AggFuncMin:
			if len(x.Args) == 1 {
				return t.scale(x.Args[0])
			}
		}
	case *ast.FuncCastExpr:
		switch x.Tp.GetType() {
		case mysql.TypeLonglong:
			return 0, true
		case mysql.TypeNewDecimal:
			return max(x.Tp.GetDecimal(), 0), true
		}
	}
	return 0, false
}

func (t *translator) binaryScale(x *ast.BinaryOperationExpr) (int, bool) {
	if x.Op == opcode.IntDiv {
		return 0, true
	}
	l, lok := t.scale(x.L)
	r, rok := t.scale(x.R)
	if !lok || !rok {
		return 0, false
	}
	switch x.Op {
	case opcode.Plus, opcode.Minus, opcode.Mod:
		return max(l, r), true
	case opcode.Mul:
		return min(l+r, 30), true
	case opcode.Div:
		return min(l+4, 30), true
	}
	return 0, false
}

func (t *translator) unary(x *ast.UnaryOperationExpr) string {
	switch x.Op {
	case opcode.Not, opcode.Not2:
		return "NOT " + t.operand(x.V, precNot, true)
	case opcode.Plus:
		return t.expr(x.V)
	case opcode.Minus, opcode.BitNeg:
		sign := "-"
		if x.Op == opcode.BitNeg {
			sign = "~"
		}
		v := t.numeric(x.V, precUnary, true)
		// "- -1" must not print as "--1", a comment.
		if strings.HasPrefix(v, "-") {
			v = "(" + v + ")"
		}
		return sign + v
	}
	return t.unsupported("operator " + x.Op.String())
}

func (t *translator) in(x *ast.PatternInExpr) string {
	s := t.operand(x.Expr, precLike, false) + " " + not(x.Not) + "IN "
	if x.Sel != nil {
		return s + t.expr(x.Sel)
	}
	return s + "(" + t.exprList(x.List) + ")"
}

// like keeps MySQL's default escape character, the backslash, which DuckDB
// does not have unless told.
func (t *translator) like(x *ast.PatternLikeOrIlikeExpr) string {
	kw := "LIKE"
	if !x.IsLike {
		kw = "ILIKE"
	}
	esc := x.Escape
	if esc == 0 {
		esc = '\\'
	}
	// TODO: MySQL's LIKE is case-insensitive under the default collation.
	return t.operand(x.Expr, precLike, false) + " " + not(x.Not) + kw + " " +
		t.operand(x.Pattern, precLike, true) + " ESCAPE " + t.stringLit(string(rune(esc)))
}

func (t *translator) compareSubquery(x *ast.CompareSubqueryExpr) string {
	op, ok := binaryOps[x.Op]
	if !ok || op.prec != precCmp {
		return t.unsupported("operator " + x.Op.String() + " with a subquery")
	}
	q := " ANY "
	if x.All {
		q = " ALL "
	}
	return t.operand(x.L, precCmp, false) + " " + op.sql + q + t.expr(x.R)
}

func (t *translator) caseExpr(x *ast.CaseExpr) string {
	var b strings.Builder
	b.WriteString("CASE")
	if x.Value != nil {
		b.WriteString(" " + t.expr(x.Value))
	}
	for _, w := range x.WhenClauses {
		b.WriteString(" WHEN " + t.expr(w.Expr) + " THEN " + t.expr(w.Result))
	}
	if x.ElseClause != nil {
		b.WriteString(" ELSE " + t.expr(x.ElseClause))
	}
	b.WriteString(" END")
	return b.String()
}

// variable prints @@x as the literal value the session has; user variables
// (@x) only as far as userVariable can.
func (t *translator) variable(v *ast.VariableExpr) string {
	if !v.IsSystem {
		return t.userVariable(v)
	}
	if v.Value != nil {
		return t.unsupported("assignment to system variables in a query")
	}
	scope := ""
	if v.ExplicitScope {
		scope = "session"
		if v.IsGlobal {
			scope = "global"
		}
	}
	if t.opts.Variable == nil {
		return t.fail(sqlerr.UnknownSystemVariable, "Unknown system variable '%s'", v.Name)
	}
	val, ok := t.opts.Variable(v.Name, scope)
	if !ok {
		return t.fail(sqlerr.UnknownSystemVariable, "Unknown system variable '%s'", v.Name)
	}
	return t.literal(val)
}

// literal prints a Go value as a DuckDB literal.
func (t *translator) literal(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case string:
		return t.stringLit(x)
	case bool:
		if x {
			return "1"
		}
		return "0"
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprint(x)
	case float32:
		return floatLit(float64(x))
	case float64:
		return floatLit(x)
	}
	return t.stringLit(fmt.Sprint(v))
}

// floatLit prints a DOUBLE literal; MySQL has no NaN or infinity, so those
// print as NULL.
func floatLit(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "NULL"
	}
	return strconv.FormatFloat(f, 'e', -1, 64)
}

func decimalScale(s string) int {
	if i := strings.IndexByte(s, '.'); i >= 0 {
		return len(s) - i - 1
	}
	return 0
}
