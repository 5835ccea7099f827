package gateway

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pingcap/tidb/pkg/parser/ast"
	"github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/tributary-sql/tributary/parser"
	"github.com/tributary-sql/tributary/server"
	"github.com/tributary-sql/tributary/sqlerr"
)

// Prepared statements. A statement is parsed at PREPARE (to report syntax
// errors and count its parameter markers) and again at each EXECUTE, where
// every ? of the tree is replaced by the AST node the parser would have
// built for the argument written as a literal: a number, a string, X'…'
// for bytes, DATE/TIMESTAMP/TIME '…' for temporal values. The statement
// then runs exactly as the same text would over COM_QUERY (translation,
// pushdown of `col = ?` to sources, LIMIT ?), and the arguments reach DuckDB
// only through the translator's literal printer, which quotes and escapes
// them: a client's value never becomes SQL text.

// Prepare answers COM_STMT_PREPARE. Result columns are not computed in
// advance (that would mean planning, and for information_schema and
// functions of the arguments even running, the query): clients learn them
// from each execution's result.
func (g *Gateway) Prepare(ctx context.Context, s *server.Session, query string) (int, []server.Column, error) {
	_, markers, err := parsePrepared(query)
	if err != nil {
		return 0, nil, err
	}
	return len(markers), nil, nil
}

// ExecutePrepared runs a prepared statement with one argument per marker.
func (g *Gateway) ExecutePrepared(ctx context.Context, s *server.Session, query string, args []any, w server.ResultWriter) error {
	stmt, markers, err := parsePrepared(query)
	if err != nil {
		return err
	}
	if len(args) != len(markers) {
		return sqlerr.New(sqlerr.Syntax, "Incorrect arguments to mysqld_stmt_execute: %d values for %d parameters", len(args), len(markers))
	}
	b := &binder{repl: make(map[*test_driver.ParamMarkerExpr]ast.ExprNode, len(markers))}
	for i, m := range markers {
		e, err := paramExpr(args[i])
		if err != nil {
			return err
		}
		b.repl[m] = e
	}
	node, _ := stmt.Accept(b)
	if b.replaced != len(markers) {
		return sqlerr.New(sqlerr.Internal, "internal error: bound %d of %d parameters", b.replaced, len(markers))
	}
	stmt, ok := node.(ast.StmtNode)
	if !ok {
		return sqlerr.New(sqlerr.Internal, "internal error: binding parameters changed the statement to %T", node)
	}
	start := time.Now()
	err = g.statement(ctx, s, stmt, w)
	g.statementDone(stmt, start, err)
	return err
}

// parsePrepared parses a prepared statement's text, which must hold one
// statement, and returns its parameter markers in text order.
func parsePrepared(query string) (ast.StmtNode, []*test_driver.ParamMarkerExpr, error) {
	stmts, err := parser.Parse(query)
	if err != nil {
		return nil, nil, err
	}
	switch len(stmts) {
	case 0:
		return nil, nil, sqlerr.New(sqlerr.Syntax, "Query was empty")
	case 1:
	default:
		return nil, nil, sqlerr.New(sqlerr.Unsupported, "multiple statements in one prepared statement are not supported")
	}
	var c markerCollector
	stmts[0].Accept(&c)
	// The visit order follows the tree (FROM before the select list, …);
	// arguments follow the text.
	slices.SortStableFunc(c.markers, func(a, b *test_driver.ParamMarkerExpr) int { return a.Offset - b.Offset })
	return stmts[0], c.markers, nil
}

type markerCollector struct {
	markers []*test_driver.ParamMarkerExpr
}

func (c *markerCollector) Enter(n ast.Node) (ast.Node, bool) {
	if m, ok := n.(*test_driver.ParamMarkerExpr); ok {
		c.markers = append(c.markers, m)
	}
	return n, false
}

func (c *markerCollector) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// binder replaces each marker by its argument's node.
type binder struct {
	repl     map[*test_driver.ParamMarkerExpr]ast.ExprNode
	replaced int
}

// Enter names a select-list `?` as MySQL does, "?": unnamed, the column
// would be named after its value, which for a string is the string itself.
func (b *binder) Enter(n ast.Node) (ast.Node, bool) {
	if f, ok := n.(*ast.SelectField); ok && f.AsName.O == "" {
		if _, ok := f.Expr.(*test_driver.ParamMarkerExpr); ok {
			f.AsName = ast.NewCIStr("?")
		}
	}
	return n, false
}

func (b *binder) Leave(n ast.Node) (ast.Node, bool) {
	if m, ok := n.(*test_driver.ParamMarkerExpr); ok {
		if e, ok := b.repl[m]; ok {
			b.replaced++
			return e, true
		}
	}
	return n, true
}

// paramExpr is the literal node for one argument (see server.Executor
// ExecutePrepared for the types).
func paramExpr(v any) (ast.ExprNode, error) {
	switch v := v.(type) {
	case nil:
		return ast.NewValueExpr(nil, "", ""), nil
	case bool:
		n := int64(0)
		if v {
			n = 1
		}
		return ast.NewValueExpr(n, "", ""), nil
	case int:
		return ast.NewValueExpr(int64(v), "", ""), nil
	case int64, uint64, float64:
		return ast.NewValueExpr(v, "", ""), nil
	case float32:
		// The shortest decimal that reads back as this float32 (1.1, not
		// 1.100000023841858), as MySQL prints a FLOAT.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(v), 'g', -1, 32), 64)
		return ast.NewValueExpr(f, "", ""), nil
	case string:
		// DuckDB text must be UTF-8; other bytes can only be a BLOB.
		if utf8.ValidString(v) {
			return ast.NewValueExpr(v, "utf8mb4", "utf8mb4_bin"), nil
		}
		return blobExpr([]byte(v)), nil
	case []byte:
		// Text sent as bytes (drivers do) compares as text, as MySQL
		// compares a binary string with a column; anything else is a BLOB.
		if utf8.Valid(v) {
			return ast.NewValueExpr(string(v), "utf8mb4", "utf8mb4_bin"), nil
		}
		return blobExpr(v), nil
	case server.Decimal:
		// MyDecimal parses a valid prefix ("1; DROP" as 1): check the whole.
		text := strings.TrimSpace(string(v))
		d := new(test_driver.MyDecimal)
		if !decimalText.MatchString(text) || d.FromString([]byte(text)) != nil {
			return nil, sqlerr.New(sqlerr.Syntax, "Incorrect DECIMAL value: '%.64s'", string(v))
		}
		return ast.NewValueExpr(d, "", ""), nil
	case server.Date:
		return typedLiteral(ast.DateLiteral, v.Format("2006-01-02")), nil
	case time.Time:
		return typedLiteral(ast.TimestampLiteral, v.Format("2006-01-02 15:04:05.999999")), nil
	case time.Duration:
		if v >= 0 && v < 24*time.Hour {
			return typedLiteral(ast.TimeLiteral, mysqlTime(v)), nil
		}
		// Beyond DuckDB's TIME range: MySQL's text, as a string.
		return ast.NewValueExpr(mysqlTime(v), "utf8mb4", "utf8mb4_bin"), nil
	}
	return nil, sqlerr.New(sqlerr.Internal, "internal error: parameter of type %T", v)
}

var decimalText = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// blobExpr is the node of X'…': a binary literal the translator prints as
// a DuckDB BLOB.
func blobExpr(b []byte) ast.ExprNode {
	return ast.NewValueExpr(test_driver.HexLiteral(bytes.Clone(b)), "binary", "binary")
}

// typedLiteral is the node of DATE '…', TIME '…' or TIMESTAMP '…'.
func typedLiteral(fn, text string) ast.ExprNode {
	return &ast.FuncCallExpr{FnName: ast.NewCIStr(fn), Args: []ast.ExprNode{ast.NewValueExpr(text, "utf8mb4", "utf8mb4_bin")}}
}

// mysqlTime formats d as MySQL TIME text, [-]HH:MM:SS[.ffffff].
func mysqlTime(d time.Duration) string {
	sign := ""
	u := uint64(d)
	if d < 0 {
		sign, u = "-", uint64(-d)
	}
	us := u / uint64(time.Microsecond)
	s := fmt.Sprintf("%s%02d:%02d:%02d", sign, us/3_600_000_000, us/60_000_000%60, us/1_000_000%60)
	if frac := us % 1_000_000; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%06d", frac), "0")
	}
	return s
}
