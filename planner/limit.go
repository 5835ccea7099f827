package planner

import (
	"github.com/pingcap/tidb/pkg/parser/ast"
)

// pushLimit gives the scan a limit when the query is a plain
// `SELECT … FROM t LIMIT n [OFFSET m]`: no WHERE, grouping, ordering,
// DISTINCT, aggregate or window function between the scan and the limit.
// The source then sends n+m rows and DuckDB applies the offset.
func pushLimit(stmt ast.StmtNode, refs []*ref) {
	sel, ok := stmt.(*ast.SelectStmt)
	if !ok || sel.Limit == nil || sel.Where != nil || sel.GroupBy != nil || sel.Having != nil ||
		sel.OrderBy != nil || sel.Distinct || len(sel.WindowSpecs) > 0 || sel.From == nil {
		return
	}
	ts, ok := sel.From.TableRefs.Left.(*ast.TableSource)
	if !ok || sel.From.TableRefs.Right != nil {
		return
	}
	tn, ok := ts.Source.(*ast.TableName)
	if !ok {
		return
	}
	var target *ref
	for _, r := range refs {
		if r.name == tn {
			target = r
		}
	}
	if target == nil || target.scan == nil || hasAggregate(sel.Fields) {
		return
	}
	count, ok := uintValue(sel.Limit.Count)
	if !ok {
		return
	}
	offset := uint64(0)
	if sel.Limit.Offset != nil {
		if offset, ok = uintValue(sel.Limit.Offset); !ok {
			return
		}
	}
	if n := count + offset; n >= count && n < 1<<62 {
		target.scan.Request.Limit = int64(n)
	}
}

func hasAggregate(fields *ast.FieldList) bool {
	found := false
	walk(fields, func(n ast.Node) {
		switch n.(type) {
		case *ast.AggregateFuncExpr, *ast.WindowFuncExpr, *ast.SubqueryExpr:
			found = true
		}
	})
	return found
}

func uintValue(e ast.ExprNode) (uint64, bool) {
	v, ok := e.(ast.ValueExpr)
	if !ok {
		return 0, false
	}
	switch n := v.GetValue().(type) {
	case uint64:
		return n, true
	case int64:
		if n >= 0 {
			return uint64(n), true
		}
	}
	return 0, false
}
