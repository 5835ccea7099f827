package gateway

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/tributary-sql/tributary/server"
	"github.com/tributary-sql/tributary/sqlerr"
)

// set handles SET for session system variables, SET NAMES and SET
// CHARACTER SET. Values that are not literals (SET sql_mode =
// CONCAT(@@sql_mode, …)) are evaluated by DuckDB as a SELECT. SET GLOBAL
// is refused: the gateway's settings come from its config.
func (g *Gateway) set(ctx context.Context, s *server.Session, st *ast.SetStmt) error {
	if s.Vars == nil {
		s.Vars = map[string]any{}
	}
	for _, v := range st.Variables {
		name := strings.ToLower(v.Name)
		switch {
		case name == strings.ToLower(ast.SetNames) || name == strings.ToLower(ast.SetCharset):
			cs := "utf8mb4"
			if val, ok := v.Value.(ast.ValueExpr); ok && val.GetValue() != nil {
				cs = strings.ToLower(val.GetString())
			}
			for _, n := range []string{"character_set_client", "character_set_connection", "character_set_results"} {
				s.Vars[n] = cs
			}
			continue
		case !v.IsSystem:
			// User variables: accepted and kept, though queries cannot
			// read them yet.
			val, err := g.evaluate(ctx, s, v.Value)
			if err != nil {
				return err
			}
			s.Vars["@"+name] = val
			continue
		case v.IsGlobal:
			return sqlerr.New(sqlerr.Forbidden, "Access denied; SET GLOBAL is not allowed: the gateway's settings come from its configuration")
		}
		def, ok := sysvars[name]
		if !ok {
			return sqlerr.New(sqlerr.UnknownSystemVariable, "Unknown system variable '%s'", v.Name)
		}
		if _, isDefault := v.Value.(*ast.DefaultExpr); isDefault || v.Value == nil {
			delete(s.Vars, name)
			delete(s.Vars, sysvarAliases[name])
			continue
		}
		val, err := g.evaluate(ctx, s, v.Value)
		if err != nil {
			return err
		}
		val, err = coerce(name, def, val)
		if err != nil {
			return err
		}
		s.Vars[name] = val
		if alias, ok := sysvarAliases[name]; ok {
			s.Vars[alias] = val
		}
	}
	return nil
}

// sysvarAliases pairs the two names of one variable: the parser turns SET
// TRANSACTION … into the old tx_* names, clients read either.
var sysvarAliases = map[string]string{
	"tx_isolation":          "transaction_isolation",
	"transaction_isolation": "tx_isolation",
	"tx_read_only":          "transaction_read_only",
	"transaction_read_only": "tx_read_only",
}

// evaluate computes a SET value: literals and bare words (ON, OFF,
// READ-COMMITTED…) directly, anything else through DuckDB.
func (g *Gateway) evaluate(ctx context.Context, s *server.Session, e ast.ExprNode) (any, error) {
	switch e := e.(type) {
	case ast.ValueExpr:
		return e.GetValue(), nil
	case *ast.ColumnNameExpr:
		return e.Name.Name.O, nil
	}
	sel := &ast.SelectStmt{Kind: ast.SelectStmtKindSelect, Fields: &ast.FieldList{Fields: []*ast.SelectField{{Expr: e}}}}
	rec := &capture{}
	if err := g.query(ctx, s, sel, rec); err != nil {
		return nil, err
	}
	if len(rec.rows) != 1 || len(rec.rows[0]) != 1 {
		return nil, sqlerr.New(sqlerr.WrongValueForVariable, "Variable value must be a single value")
	}
	return rec.rows[0][0], nil
}

// coerce gives a variable's new value the type of its default, the way
// MySQL accepts ON/OFF/1/0 for booleans.
func coerce(name string, def, val any) (any, error) {
	wrong := func() error {
		return sqlerr.New(sqlerr.WrongValueForVariable, "Variable '%s' can't be set to the value of '%v'", name, val)
	}
	switch def.(type) {
	case int64, uint64:
		switch v := val.(type) {
		case int64:
			return v, nil
		case uint64:
			return v, nil
		case string:
			switch strings.ToUpper(v) {
			case "ON", "TRUE":
				return int64(1), nil
			case "OFF", "FALSE":
				return int64(0), nil
			}
			// SET SESSION TRANSACTION READ ONLY arrives from the parser
			// as tx_read_only = '1'.
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				return n, nil
			}
			return nil, wrong()
		}
		return nil, wrong()
	case string:
		if val == nil {
			return "", nil
		}
		switch v := val.(type) {
		case string:
			return v, nil
		case []byte:
			return string(v), nil
		}
		return anyString(val), nil
	}
	return val, nil
}

func anyString(v any) string { return fmt.Sprint(v) }

// capture is a ResultWriter that keeps rows in memory, for the few
// internal queries with one-row answers.
type capture struct {
	cols []server.Column
	rows [][]any
}

func (c *capture) Columns(cols []server.Column) error { c.cols = cols; return nil }

// Row copies the values: strings and byte slices from the engine alias its
// batches, which the next row may free.
func (c *capture) Row(vals []any) error {
	row := make([]any, len(vals))
	for i, v := range vals {
		switch t := v.(type) {
		case string:
			row[i] = strings.Clone(t)
		case []byte:
			row[i] = bytes.Clone(t)
		default:
			row[i] = v
		}
	}
	c.rows = append(c.rows, row)
	return nil
}
