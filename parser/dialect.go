package parser

import (
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/mysql"
	"github.com/pingcap/tidb/pkg/parser/opcode"
	"github.com/pingcap/tidb/pkg/parser/test_driver"
)

// Dialect is the SQL the translator prints.
type Dialect int

const (
	// DuckDB is the engine's dialect: every construct the translator knows.
	DuckDB Dialect = iota
	// Postgres prints a query for a PostgreSQL source (whole-query
	// pushdown). Only constructs whose PostgreSQL meaning is the one the
	// engine would compute are printed; anything else makes Translate
	// fail with sqlerr.Unsupported, and the planner then keeps the query
	// for DuckDB. String values become parameters (Options.Param), never
	// SQL text; ordering comparisons of strings use the "C" collation,
	// which orders by bytes as DuckDB does.
	Postgres
)

// Kind is what the translator needs to know of a column's type in the
// Postgres dialect: whether ordering it depends on a collation.
type Kind int

const (
	KindUnknown  Kind = iota
	KindNumber        // integers, decimals, floats
	KindString        // text: ordered by collation
	KindTemporal      // dates, times, timestamps
	KindBytes         // binary strings: ordered by bytes everywhere
	KindBool
)

// pgFunctions are the MySQL functions whose translation means the same in
// PostgreSQL.
var pgFunctions = map[string]bool{
	"coalesce": true, "ifnull": true, "nullif": true, "abs": true,
	"upper": true, "ucase": true, "lower": true, "lcase": true,
	ast.DateLiteral: true, ast.TimestampLiteral: true,
	"date_add": true, "adddate": true, "date_sub": true, "subdate": true,
}

// pgAggregates are the aggregates PostgreSQL computes as DuckDB does (the
// result types differ; the connector casts them to the engine's).
var pgAggregates = map[string]bool{
	ast.AggFuncCount: true, ast.AggFuncSum: true, ast.AggFuncAvg: true,
	ast.AggFuncMin: true, ast.AggFuncMax: true,
}

// pgOps are the binary operators printed the same way for PostgreSQL.
var pgOps = map[opcode.Op]bool{
	opcode.LogicOr: true, opcode.LogicAnd: true, opcode.EQ: true, opcode.NE: true,
	opcode.LT: true, opcode.LE: true, opcode.GT: true, opcode.GE: true, opcode.NullEQ: true,
	opcode.Plus: true, opcode.Minus: true, opcode.Mul: true, opcode.Div: true,
}

func (t *translator) pg() bool { return t.opts.Dialect == Postgres }

// pgAllowed checks e against what the Postgres dialect prints; it records
// the failure and returns false for anything outside it.
func (t *translator) pgAllowed(e ast.ExprNode) bool {
	ok := true
	switch x := e.(type) {
	case *test_driver.ValueExpr:
		switch x.Kind() {
		case test_driver.KindBinaryLiteral:
			ok = x.Type.GetFlag()&mysql.UnsignedFlag == 0 // as a number only
		case test_driver.KindBytes:
			ok = false
		}
	case *ast.BinaryOperationExpr:
		ok = pgOps[x.Op]
		if x.Op == opcode.LogicAnd || x.Op == opcode.LogicOr {
			// MySQL reads any value as a truth value, PostgreSQL only
			// booleans.
			ok = t.kindOf(x.L) == KindBool && t.kindOf(x.R) == KindBool
		}
	case *ast.UnaryOperationExpr:
		ok = x.Op != opcode.BitNeg
		if x.Op == opcode.Not || x.Op == opcode.Not2 {
			ok = t.kindOf(x.V) == KindBool
		}
	case *ast.FuncCallExpr:
		ok = pgFunctions[x.FnName.L] && x.Schema.L == ""
	case *ast.AggregateFuncExpr:
		ok = pgAggregates[strings.ToLower(x.F)] && x.Order == nil && len(x.Args) == 1
	case *ast.PatternLikeOrIlikeExpr:
		ok = x.IsLike && t.kindOf(x.Expr) == KindString
	case *ast.PatternRegexpExpr, *ast.WindowFuncExpr, *ast.FuncCastExpr, *ast.IsTruthExpr,
		*ast.SetCollationExpr, *test_driver.ParamMarkerExpr:
		ok = false
	}
	if !ok {
		t.unsupported(exprKind(e) + " in a query for PostgreSQL")
	}
	return ok
}

// param prints a value as the next placeholder of the Postgres dialect.
func (t *translator) param(v any) string {
	if t.opts.Param == nil {
		return t.unsupported("values without Options.Param")
	}
	return t.opts.Param(v)
}

// ordered prints an operand of an ordering comparison (<, BETWEEN, ORDER
// BY, MIN): strings in the "C" collation, so PostgreSQL orders them by
// bytes as DuckDB does. An operand whose kind is unknown is refused.
func (t *translator) ordered(e ast.ExprNode, p int, right bool) string {
	s := t.operand(e, p, right)
	if !t.pg() {
		return s
	}
	switch t.kindOf(e) {
	case KindString:
		if _, lit := e.(*test_driver.ValueExpr); lit {
			return s
		}
		return "(" + s + ` COLLATE "C")`
	case KindUnknown:
		return t.unsupported("ordering a value of unknown type in a query for PostgreSQL")
	}
	return s
}

// kindOf infers an expression's Kind in the Postgres dialect.
func (t *translator) kindOf(e ast.ExprNode) Kind {
	switch x := e.(type) {
	case *test_driver.ValueExpr:
		switch x.Kind() {
		case test_driver.KindString:
			return KindString
		case test_driver.KindBytes:
			return KindBytes
		}
		if x.Type.GetFlag()&mysql.IsBooleanFlag != 0 {
			return KindBool
		}
		return KindNumber // numbers, and NULL, which orders nothing
	case *ast.ColumnNameExpr:
		if t.opts.ColumnKind != nil {
			if k := t.opts.ColumnKind(x.Name); k != KindUnknown {
				return k
			}
		}
		// An alias names a select field; aliases naming each other
		// (SELECT b AS a, a AS b) must not send this round in circles.
		if f := t.selectAlias(x.Name); f != nil && t.aliasDepth < 8 {
			t.aliasDepth++
			defer func() { t.aliasDepth-- }()
			return t.kindOf(f.Expr)
		}
	case *ast.ParenthesesExpr:
		return t.kindOf(x.Expr)
	case *ast.BinaryOperationExpr:
		switch x.Op {
		case opcode.Plus, opcode.Minus, opcode.Mul, opcode.Div:
			if _, ok := x.L.(*ast.FuncCallExpr); ok { // date ± interval
				return t.kindOf(x.L)
			}
			return KindNumber
		}
		return KindBool
	case *ast.UnaryOperationExpr:
		if x.Op == opcode.Not || x.Op == opcode.Not2 {
			return KindBool
		}
		return KindNumber
	case *ast.AggregateFuncExpr:
		switch strings.ToLower(x.F) {
		case ast.AggFuncMin, ast.AggFuncMax:
			if len(x.Args) == 1 {
				return t.kindOf(x.Args[0])
			}
			return KindUnknown
		}
		return KindNumber
	case *ast.FuncCallExpr:
		switch x.FnName.L {
		case ast.DateLiteral, ast.TimestampLiteral, "date_add", "adddate", "date_sub", "subdate":
			return KindTemporal
		case "abs":
			return KindNumber
		case "upper", "ucase", "lower", "lcase":
			return KindString
		case "coalesce", "ifnull", "nullif":
			if len(x.Args) > 0 {
				return t.kindOf(x.Args[0])
			}
		}
	case *ast.CaseExpr:
		for _, w := range x.WhenClauses {
			if k := t.kindOf(w.Result); k != KindNumber || !isNull(w.Result) {
				return k
			}
		}
		if x.ElseClause != nil {
			return t.kindOf(x.ElseClause)
		}
	case *ast.IsNullExpr, *ast.PatternInExpr, *ast.PatternLikeOrIlikeExpr, *ast.BetweenExpr, *ast.ExistsSubqueryExpr,
		*ast.CompareSubqueryExpr:
		return KindBool
	}
	return KindUnknown
}

func isNull(e ast.ExprNode) bool {
	v, ok := e.(*test_driver.ValueExpr)
	return ok && v.Kind() == test_driver.KindNull
}

// selectAlias finds the select field of the innermost SELECT being
// printed whose alias is c (unqualified); nil when there is none.
func (t *translator) selectAlias(c *ast.ColumnName) *ast.SelectField {
	if c.Table.L != "" || len(t.fieldLists) == 0 {
		return nil
	}
	for _, f := range t.fieldLists[len(t.fieldLists)-1].Fields {
		if f.AsName.L == c.Name.L && f.WildCard == nil {
			return f
		}
	}
	return nil
}

// pgColumn refuses a column the planner cannot place in the query's
// tables: an outer query's column (a correlated subquery) or a name only
// MySQL would resolve (a select alias in HAVING). ORDER BY and GROUP BY
// print aliases themselves.
func (t *translator) pgColumn(c *ast.ColumnName) bool {
	if t.opts.ColumnKind != nil && t.opts.ColumnKind(c) != KindUnknown {
		return true
	}
	t.unsupported("column " + c.Name.O + " outside the query's tables in a query for PostgreSQL")
	return false
}

// pgInterval prints INTERVAL n unit with a literal n as a parameter
// ("90 day") cast to PostgreSQL's interval.
func (t *translator) pgInterval(n, unit ast.ExprNode) string {
	u, ok := unit.(*ast.TimeUnitExpr)
	v, lit := n.(*test_driver.ValueExpr)
	if !ok || !lit {
		return t.unsupported("an interval that is not a literal in a query for PostgreSQL")
	}
	var count int64
	switch v.Kind() {
	case test_driver.KindInt64:
		count = v.GetInt64()
	case test_driver.KindString:
		c, err := strconv.ParseInt(strings.TrimSpace(v.GetString()), 10, 64)
		if err != nil {
			return t.unsupported("an interval that is not a whole number in a query for PostgreSQL")
		}
		count = c
	default:
		return t.unsupported("an interval that is not a whole number in a query for PostgreSQL")
	}
	name := map[ast.TimeUnitType]string{
		ast.TimeUnitMicrosecond: "microseconds", ast.TimeUnitSecond: "seconds", ast.TimeUnitMinute: "minutes",
		ast.TimeUnitHour: "hours", ast.TimeUnitDay: "days", ast.TimeUnitWeek: "weeks",
		ast.TimeUnitMonth: "months", ast.TimeUnitYear: "years",
	}[u.Unit]
	if u.Unit == ast.TimeUnitQuarter {
		count, name = count*3, "months"
	}
	if name == "" {
		return t.unsupported("the time unit " + u.Unit.String() + " in a query for PostgreSQL")
	}
	return "CAST(" + t.param(strconv.FormatInt(count, 10)+" "+name) + " AS INTERVAL)"
}
