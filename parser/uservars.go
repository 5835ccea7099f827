package parser

import (
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// User variables assigned in a select list.
//
// MySQL evaluates a select list left to right for each row, so a field can
// read a user variable that an earlier field of the same row assigned. The
// MariaDB ODBC driver's SQLColumns query depends on it:
//
//	SELECT CASE DATA_TYPE WHEN 'bit' THEN @dt:=(-7) … ELSE @dt:=(-4) END AS DATA_TYPE, …,
//	       CAST(CASE @dt WHEN (-7) THEN 1 … END AS SIGNED) AS BUFFER_LENGTH, …
//
// DuckDB has no per-row variables, but when every branch of an expression
// assigns the same variable, the variable's value after the expression is
// the expression's value: the translator prints that expression again
// where a later field reads the variable. An assignment's own value is the
// assigned value. Any other use of a user variable stays unsupported.

// recordAssignments notes the variables that expression e (one select
// field, already printed) leaves assigned on every path.
func (t *translator) recordAssignments(e ast.ExprNode) {
	e.Accept(&assignFinder{t: t})
}

type assignFinder struct{ t *translator }

func (f *assignFinder) Enter(n ast.Node) (ast.Node, bool) {
	e, ok := n.(ast.ExprNode)
	if !ok {
		return n, false
	}
	if name, ok := assignedVar(e); ok {
		if f.t.userVars == nil {
			f.t.userVars = map[string]ast.ExprNode{}
		}
		f.t.userVars[name] = e
		return n, true
	}
	if conditional(e) {
		// Assigned on some paths only: the value after it is unknown.
		e.Accept(&forgetter{f.t})
		return n, true
	}
	return n, false
}

// conditional reports whether e may evaluate some of its operands only,
// or evaluates them for other rows than the current one.
func conditional(e ast.ExprNode) bool {
	switch x := e.(type) {
	case *ast.CaseExpr, *ast.SubqueryExpr, *ast.ExistsSubqueryExpr, *ast.CompareSubqueryExpr,
		*ast.AggregateFuncExpr, *ast.WindowFuncExpr:
		return true
	case *ast.FuncCallExpr:
		switch x.FnName.L {
		case "if", "ifnull", "nullif", "coalesce":
			return true
		}
	case *ast.BinaryOperationExpr:
		// AND and OR may not evaluate their right side; other operators
		// are treated alike, which only makes fewer reads supported.
		return true
	}
	return false
}

// forgetter drops every user variable assigned inside a node.
type forgetter struct{ t *translator }

func (f *forgetter) Enter(n ast.Node) (ast.Node, bool) {
	if v, ok := n.(*ast.VariableExpr); ok && !v.IsSystem && v.Value != nil {
		delete(f.t.userVars, strings.ToLower(v.Name))
	}
	return n, false
}

func (f *forgetter) Leave(n ast.Node) (ast.Node, bool) { return n, true }

func (f *assignFinder) Leave(n ast.Node) (ast.Node, bool) { return n, true }

// assignedVar reports the user variable (lower-cased) that e assigns on
// every path: `@v := x`, or a CASE with an ELSE, or IF(), all of whose
// results assign @v.
func assignedVar(e ast.ExprNode) (string, bool) {
	switch x := e.(type) {
	case *ast.VariableExpr:
		if !x.IsSystem && x.Value != nil {
			return strings.ToLower(x.Name), true
		}
	case *ast.ParenthesesExpr:
		return assignedVar(x.Expr)
	case *ast.CaseExpr:
		if x.ElseClause == nil {
			return "", false
		}
		name, ok := assignedVar(x.ElseClause)
		for _, w := range x.WhenClauses {
			n, wok := assignedVar(w.Result)
			ok = ok && wok && n == name
		}
		return name, ok
	case *ast.FuncCallExpr:
		if x.FnName.L == "if" && len(x.Args) == 3 {
			a, aok := assignedVar(x.Args[1])
			b, bok := assignedVar(x.Args[2])
			return a, aok && bok && a == b
		}
	}
	return "", false
}

// userVariable prints a user variable: an assignment as its value, a read
// as the expression an earlier field assigned it with.
func (t *translator) userVariable(v *ast.VariableExpr) string {
	if v.Value != nil {
		return t.expr(v.Value)
	}
	name := strings.ToLower(v.Name)
	def, ok := t.userVars[name]
	if !ok {
		return t.unsupported("user variables")
	}
	// A definition that reads its own variable (@n := @n + 1) reads the
	// previous row's value, which no rewrite gives.
	delete(t.userVars, name)
	defer func() { t.userVars[name] = def }()
	return "(" + t.expr(def) + ")"
}
