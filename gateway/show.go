package gateway

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/go-mysql-org/go-mysql/mysql"
	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/tributary-sql/tributary/catalog"
	"github.com/tributary-sql/tributary/parser"
	"github.com/tributary-sql/tributary/server"
	"github.com/tributary-sql/tributary/sqlerr"
)

// show answers the SHOW statements clients send on connect, while browsing
// and when administrators look around. Column names and types are MySQL
// 8.0's. SHOW … WHERE filters the produced rows (whereWriter).
func (g *Gateway) show(ctx context.Context, s *server.Session, st *ast.ShowStmt, w server.ResultWriter) error {
	if st.Where != nil {
		w = &whereWriter{w: w, expr: st.Where}
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
		return g.showStatus(s, match, w)
	case ast.ShowCreateTable:
		return g.showCreateTable(ctx, s, st, w)
	case ast.ShowIndex:
		return g.showIndex(ctx, s, st, w)
	case ast.ShowEngines:
		return writeRows(w, showColumns(str("Engine", 64), str("Support", 8), str("Comment", 80),
			str("Transactions", 3), str("XA", 3), str("Savepoints", 3)), catalog.Engines, match)
	case ast.ShowPlugins:
		return writeRows(w, showColumns(str("Name", 64), str("Status", 10), str("Type", 80), str("Library", 4096), str("License", 80)),
			[][]any{
				{"mysql_native_password", "ACTIVE", "AUTHENTICATION", nil, "Apache-2.0"},
				{"caching_sha2_password", "ACTIVE", "AUTHENTICATION", nil, "Apache-2.0"},
				{"Tributary", "ACTIVE", "STORAGE ENGINE", nil, "Apache-2.0"},
			}, match)
	case ast.ShowCharset:
		rows := make([][]any, len(catalog.CharacterSets))
		for i, r := range catalog.CharacterSets { // name, default collation, description, maxlen
			rows[i] = []any{r[0], r[2], r[1], uint32(r[3].(int64))}
		}
		return writeRows(w, showColumns(str("Charset", 64), str("Description", 2048), str("Default collation", 64),
			num("Maxlen", mysql.MYSQL_TYPE_LONG, true)), rows, match)
	case ast.ShowCollation:
		rows := make([][]any, len(catalog.Collations))
		for i, r := range catalog.Collations {
			rows[i] = []any{r[0], r[1], uint64(r[2].(int64)), r[3], r[4], uint32(r[5].(int64)), r[6]}
		}
		return writeRows(w, showColumns(str("Collation", 64), str("Charset", 64), num("Id", mysql.MYSQL_TYPE_LONGLONG, true),
			str("Default", 3), str("Compiled", 3), num("Sortlen", mysql.MYSQL_TYPE_LONG, true), str("Pad_attribute", 9)), rows, match)
	case ast.ShowGrants:
		return g.showGrants(s, st, w)
	case ast.ShowProcessList:
		return g.showProcessList(s, st, w)
	case ast.ShowTableStatus:
		return g.showTableStatus(ctx, s, st, match, w)
	case ast.ShowCreateDatabase:
		db, err := g.dbOf(s, st.DBName)
		if err != nil {
			return err
		}
		if !strings.EqualFold(db, "information_schema") {
			d, err := g.cat.Database(db)
			if err != nil {
				return err
			}
			db = d.Name
		}
		if err := w.Columns(showColumns(str("Database", 64), str("Create Database", 1024))); err != nil {
			return err
		}
		return w.Row([]any{db, "CREATE DATABASE `" + strings.ReplaceAll(db, "`", "``") +
			"` /*!40100 DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci */ /*!80016 DEFAULT ENCRYPTION='N' */"})
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

// str is a VARCHAR(n) result column; num an integer one.
func str(name string, n uint32) server.Column {
	return server.Column{Name: name, OrgName: name, Type: mysql.MYSQL_TYPE_VAR_STRING, Length: 4 * n, Charset: charsetUTF8MB4}
}

func num(name string, typ byte, unsigned bool) server.Column {
	c := server.Column{Name: name, OrgName: name, Type: typ, Charset: charsetBinary, Flags: mysql.BINARY_FLAG | mysql.NUM_FLAG}
	if unsigned {
		c.Flags |= mysql.UNSIGNED_FLAG
	}
	return c
}

func showColumns(cols ...server.Column) []server.Column { return cols }

// writeRows sends a fixed result; match filters on the first column (LIKE).
func writeRows(w server.ResultWriter, cols []server.Column, rows [][]any, match func(string) bool) error {
	if err := w.Columns(cols); err != nil {
		return err
	}
	for _, r := range rows {
		if name, ok := r[0].(string); ok && !match(name) {
			continue
		}
		if err := w.Row(r); err != nil {
			return err
		}
	}
	return nil
}

// showIndex answers SHOW INDEX/KEYS FROM t. Sources do not report their
// keys to the catalog, so the set is empty; the table must exist.
func (g *Gateway) showIndex(ctx context.Context, s *server.Session, st *ast.ShowStmt, w server.ResultWriter) error {
	db, err := g.dbOf(s, firstNonEmpty(st.DBName, st.Table.Schema.O))
	if err != nil {
		return err
	}
	if _, err := g.cat.Lookup(ctx, db, st.Table.Name.O); err != nil {
		return err
	}
	cols := showColumns(str("Table", 64), num("Non_unique", mysql.MYSQL_TYPE_LONG, false), str("Key_name", 64),
		num("Seq_in_index", mysql.MYSQL_TYPE_LONG, true), str("Column_name", 64), str("Collation", 1),
		num("Cardinality", mysql.MYSQL_TYPE_LONGLONG, false), num("Sub_part", mysql.MYSQL_TYPE_LONGLONG, false),
		str("Packed", 0), str("Null", 3), str("Index_type", 11), str("Comment", 8), str("Index_comment", 2048),
		str("Visible", 3), server.Column{Name: "Expression", OrgName: "Expression", Type: mysql.MYSQL_TYPE_BLOB, Charset: charsetUTF8MB4})
	return w.Columns(cols)
}

// showGrants answers SHOW GRANTS [FOR CURRENT_USER[()] | FOR self] from the
// user's configured databases. Another user's grants are refused as MySQL
// refuses them without SELECT on the mysql schema.
func (g *Gateway) showGrants(s *server.Session, st *ast.ShowStmt, w server.ResultWriter) error {
	if st.User != nil && !st.User.CurrentUser && st.User.Username != s.User {
		return sqlerr.New(sqlerr.DatabaseAccessDenied, "Access denied for user '%s'@'%s' to database 'mysql'", s.User, hostOf(s.RemoteAddr))
	}
	who := "`" + strings.ReplaceAll(s.User, "`", "``") + "`@`%`"
	if err := w.Columns(showColumns(str("Grants for "+s.User+"@%", 1024))); err != nil {
		return err
	}
	u := g.users[s.User]
	if len(u.Databases) == 0 {
		return w.Row([]any{"GRANT SELECT ON *.* TO " + who})
	}
	if err := w.Row([]any{"GRANT USAGE ON *.* TO " + who}); err != nil {
		return err
	}
	for _, db := range u.Databases {
		if d, err := g.cat.Database(db); err == nil {
			db = d.Name
		}
		if err := w.Row([]any{"GRANT SELECT ON `" + strings.ReplaceAll(db, "`", "``") + "`.* TO " + who}); err != nil {
			return err
		}
	}
	return nil
}

// ProcessLister lists the server's connections; the server is one. A
// Killer that is not one leaves SHOW PROCESSLIST empty.
type ProcessLister interface {
	Processes() []server.Process
}

// showProcessList answers SHOW [FULL] PROCESSLIST with the user's own
// connections: there is no PROCESS privilege to see others' (as with KILL).
func (g *Gateway) showProcessList(s *server.Session, st *ast.ShowStmt, w server.ResultWriter) error {
	info := str("Info", 100)
	if st.Full {
		info = server.Column{Name: "Info", OrgName: "Info", Type: mysql.MYSQL_TYPE_BLOB, Charset: charsetUTF8MB4}
	}
	cols := showColumns(num("Id", mysql.MYSQL_TYPE_LONGLONG, true), str("User", 32), str("Host", 261), str("db", 64),
		str("Command", 16), num("Time", mysql.MYSQL_TYPE_LONG, false), str("State", 64), info)
	cols[0].Flags |= mysql.NOT_NULL_FLAG
	if err := w.Columns(cols); err != nil {
		return err
	}
	pl, ok := g.killer.(ProcessLister)
	if !ok {
		return nil
	}
	now := time.Now()
	for _, p := range pl.Processes() {
		if p.User != s.User {
			continue
		}
		var db, state, text any
		if p.DB != "" {
			db = p.DB
		}
		if p.Info != "" {
			state, text = "executing", p.Info
			if !st.Full && len(p.Info) > 100 {
				text = p.Info[:100]
			}
		}
		row := []any{uint64(p.ID), p.User, p.Host, db, p.Command, int64(now.Sub(p.Since) / time.Second), state, text}
		if err := w.Row(row); err != nil {
			return err
		}
	}
	return nil
}

// showStatus answers SHOW [SESSION|GLOBAL] STATUS with the counters the
// gateway keeps; all are server-wide except the Ssl_ ones.
func (g *Gateway) showStatus(s *server.Session, match func(string) bool, w server.ResultWriter) error {
	if err := w.Columns(showColumns(str("Variable_name", 64), str("Value", 1024))); err != nil {
		return err
	}
	threads, running := 0, 0
	if pl, ok := g.killer.(ProcessLister); ok {
		for _, p := range pl.Processes() {
			threads++
			if p.Command != "Sleep" {
				running++
			}
		}
	}
	queries := strconv.FormatUint(g.queries.Load(), 10)
	rows := [][]any{
		{"Queries", queries},
		{"Questions", queries},
		{"Ssl_cipher", s.TLSCipher},
		{"Ssl_version", s.TLSVersion},
		{"Threads_connected", strconv.Itoa(threads)},
		{"Threads_running", strconv.Itoa(running)},
		{"Uptime", strconv.FormatInt(int64(time.Since(g.started)/time.Second), 10)},
	}
	for _, r := range rows {
		if match(r[0].(string)) {
			if err := w.Row(r); err != nil {
				return err
			}
		}
	}
	return nil
}

// showTableStatus answers SHOW TABLE STATUS [FROM db] with what
// information_schema.TABLES says of each table: the engine is the source,
// the row count the source's estimate when it has one.
func (g *Gateway) showTableStatus(ctx context.Context, s *server.Session, st *ast.ShowStmt, match func(string) bool, w server.ResultWriter) error {
	db, err := g.dbOf(s, st.DBName)
	if err != nil {
		return err
	}
	entries, err := g.cat.Entries(ctx, db)
	if err != nil {
		return err
	}
	long := func(name string) server.Column { return num(name, mysql.MYSQL_TYPE_LONGLONG, true) }
	dt := func(name string) server.Column {
		return server.Column{Name: name, OrgName: name, Type: mysql.MYSQL_TYPE_DATETIME, Charset: charsetBinary}
	}
	cols := showColumns(str("Name", 64), str("Engine", 64), num("Version", mysql.MYSQL_TYPE_LONG, false), str("Row_format", 10),
		long("Rows"), long("Avg_row_length"), long("Data_length"), long("Max_data_length"), long("Index_length"),
		long("Data_free"), long("Auto_increment"), dt("Create_time"), dt("Update_time"), dt("Check_time"),
		str("Collation", 64), long("Checksum"), str("Create_options", 256), str("Comment", 2048))
	if err := w.Columns(cols); err != nil {
		return err
	}
	for _, e := range entries {
		if !match(e.Name) {
			continue
		}
		row := []any{e.Name, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, "VIEW"}
		if e.Table != nil {
			var rows any
			if n := e.Table.Remote.RowCount; n >= 0 {
				rows = uint64(n)
			}
			row = []any{e.Name, e.Table.Source.Name, int64(10), "Dynamic", rows, uint64(0), uint64(0), uint64(0), uint64(0),
				uint64(0), nil, nil, nil, nil, "utf8mb4_general_ci", nil, "",
				"source " + e.Table.Source.Name + ", table " + e.Table.Remote.Name}
		}
		if err := w.Row(row); err != nil {
			return err
		}
	}
	return nil
}
