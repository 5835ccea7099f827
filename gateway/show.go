package gateway

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/tributary-sql/tributary/catalog"
	"github.com/tributary-sql/tributary/parser"
	"github.com/tributary-sql/tributary/server"
	"github.com/tributary-sql/tributary/sqlerr"
)

// show answers the SHOW statements every client sends on connect and while
// browsing. The rest of SHOW arrives with MySQL compatibility work.
func (g *Gateway) show(ctx context.Context, s *server.Session, st *ast.ShowStmt, w server.ResultWriter) error {
	if st.Where != nil {
		return sqlerr.New(sqlerr.Unsupported, "SHOW … WHERE is not supported yet; use LIKE")
	}
	match := func(name string) bool { return st.Pattern == nil || likeMatch(patternOf(st.Pattern), name) }
	switch st.Tp {
	case ast.ShowDatabases:
		return g.showDatabases(s, match, w)
	case ast.ShowTables:
		return g.showTables(ctx, s, st, match, w)
	case ast.ShowColumns:
		return g.showColumns(ctx, s, st, match, w)
	case ast.ShowVariables:
		if err := w.Columns(textColumns("Variable_name", "Value")); err != nil {
			return err
		}
		for _, n := range sysvarNames() {
			if !match(n) {
				continue
			}
			v, _ := g.variable(s, n)
			if err := w.Row([]any{n, fmt.Sprint(v)}); err != nil {
				return err
			}
		}
		return nil
	case ast.ShowWarnings, ast.ShowErrors:
		return w.Columns(textColumns("Level", "Code", "Message"))
	case ast.ShowStatus:
		return w.Columns(textColumns("Variable_name", "Value"))
	case ast.ShowCreateTable:
		return g.showCreateTable(ctx, s, st, w)
	}
	return sqlerr.New(sqlerr.Unsupported, "this SHOW statement is not supported yet")
}

func patternOf(p *ast.PatternLikeOrIlikeExpr) string {
	if v, ok := p.Pattern.(ast.ValueExpr); ok {
		return fmt.Sprint(v.GetValue())
	}
	return "%"
}

func (g *Gateway) showDatabases(s *server.Session, match func(string) bool, w server.ResultWriter) error {
	if err := w.Columns(textColumns("Database")); err != nil {
		return err
	}
	names := append([]string{"information_schema"}, g.cat.Databases()...)
	for _, n := range names {
		if match(n) && g.allowed(s.User, n) {
			if err := w.Row([]any{n}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (g *Gateway) dbOf(s *server.Session, name string) (string, error) {
	if name == "" {
		name = s.DB
	}
	if name == "" {
		return "", sqlerr.New(sqlerr.NoDatabaseSelected, "No database selected")
	}
	if !g.allowed(s.User, name) {
		return "", g.denied(s, name)
	}
	return name, nil
}

func (g *Gateway) showTables(ctx context.Context, s *server.Session, st *ast.ShowStmt, match func(string) bool, w server.ResultWriter) error {
	db, err := g.dbOf(s, st.DBName)
	if err != nil {
		return err
	}
	entries, err := g.cat.Entries(ctx, db)
	if err != nil {
		return err
	}
	d, _ := g.cat.Database(db)
	cols := []string{"Tables_in_" + d.Name}
	if st.Full {
		cols = append(cols, "Table_type")
	}
	if err := w.Columns(textColumns(cols...)); err != nil {
		return err
	}
	for _, e := range entries {
		if !match(e.Name) {
			continue
		}
		row := []any{e.Name}
		if st.Full {
			kind := "BASE TABLE"
			if e.View != nil {
				kind = "VIEW"
			}
			row = append(row, kind)
		}
		if err := w.Row(row); err != nil {
			return err
		}
	}
	return nil
}

// showColumns answers SHOW [FULL] COLUMNS and DESCRIBE. A view's columns
// are those of its query's result, which needs planning it.
func (g *Gateway) showColumns(ctx context.Context, s *server.Session, st *ast.ShowStmt, match func(string) bool, w server.ResultWriter) error {
	db, err := g.dbOf(s, firstNonEmpty(st.DBName, st.Table.Schema.O))
	if err != nil {
		return err
	}
	e, err := g.cat.Lookup(ctx, db, st.Table.Name.O)
	if err != nil {
		return err
	}
	fields := []arrow.Field(nil)
	if e.Table != nil {
		fields = e.Table.Schema().Fields()
	} else if fields, err = g.viewFields(ctx, s, db, e.Name); err != nil {
		return err
	}
	names := []string{"Field", "Type", "Null", "Key", "Default", "Extra"}
	if st.Full {
		names = []string{"Field", "Type", "Collation", "Null", "Key", "Default", "Extra", "Privileges", "Comment"}
	}
	cols := textColumns(names...)
	if err := w.Columns(cols); err != nil {
		return err
	}
	for _, f := range fields {
		if !match(f.Name) || (st.Column != nil && !strings.EqualFold(st.Column.Name.O, f.Name)) {
			continue
		}
		null := "NO"
		if f.Nullable {
			null = "YES"
		}
		typ := catalog.DescribeType(f.Type).ColumnType
		row := []any{f.Name, typ, null, "", nil, ""}
		if st.Full {
			var coll any
			if typ == "text" {
				coll = "utf8mb4_general_ci"
			}
			row = []any{f.Name, typ, coll, null, "", nil, "", "select", ""}
		}
		if err := w.Row(row); err != nil {
			return err
		}
	}
	return nil
}

// viewFields are a view's columns: those of its query's result, found by
// running it with LIMIT 0.
func (g *Gateway) viewFields(ctx context.Context, s *server.Session, db, view string) ([]arrow.Field, error) {
	stmts, err := parser.Parse(fmt.Sprintf("SELECT * FROM `%s`.`%s` LIMIT 0", strings.ReplaceAll(db, "`", "``"), strings.ReplaceAll(view, "`", "``")))
	if err != nil {
		return nil, err
	}
	p, err := g.plan(ctx, s, stmts[0])
	if err != nil {
		return nil, err
	}
	rows, err := g.engine.Query(ctx, p.SQL, g.inputs(p))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var fields []arrow.Field
	for _, c := range rows.Columns() {
		fields = append(fields, arrow.Field{Name: c.Name, Type: c.Type, Nullable: true})
	}
	return fields, nil
}

func (g *Gateway) showCreateTable(ctx context.Context, s *server.Session, st *ast.ShowStmt, w server.ResultWriter) error {
	db, err := g.dbOf(s, st.Table.Schema.O)
	if err != nil {
		return err
	}
	e, err := g.cat.Lookup(ctx, db, st.Table.Name.O)
	if err != nil {
		return err
	}
	if e.View != nil {
		if err := w.Columns(textColumns("View", "Create View", "character_set_client", "collation_connection")); err != nil {
			return err
		}
		def := fmt.Sprintf("CREATE VIEW `%s` AS %s", strings.ReplaceAll(e.Name, "`", "``"), e.View.SQL)
		return w.Row([]any{e.Name, def, "utf8mb4", "utf8mb4_general_ci"})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE `%s` (\n", e.Name)
	for i, f := range e.Table.Schema().Fields() {
		null := " NOT NULL"
		if f.Nullable {
			null = " DEFAULT NULL"
		}
		sep := ","
		if i == e.Table.Schema().NumFields()-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "  `%s` %s%s%s\n", strings.ReplaceAll(f.Name, "`", "``"), catalog.DescribeType(f.Type).ColumnType, null, sep)
	}
	fmt.Fprintf(&b, ") ENGINE=%s", e.Table.Source.Name)
	if err := w.Columns(textColumns("Table", "Create Table")); err != nil {
		return err
	}
	return w.Row([]any{e.Name, b.String()})
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// likeMatch matches MySQL LIKE patterns case-insensitively, as SHOW does.
func likeMatch(pattern, s string) bool {
	var re strings.Builder
	re.WriteString("(?is)^")
	esc := false
	for _, r := range pattern {
		switch {
		case esc:
			re.WriteString(regexp.QuoteMeta(string(r)))
			esc = false
		case r == '\\':
			esc = true
		case r == '%':
			re.WriteString(".*")
		case r == '_':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	ok, err := regexp.MatchString(re.String(), s)
	return err == nil && ok
}
