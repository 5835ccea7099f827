package catalog

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tributary-sql/tributary/connectors"
)

// InformationSchema is the name of MySQL's metadata database, which the
// catalog serves from itself.
const InformationSchema = "information_schema"

type visibleKey struct{}

// WithVisible returns a context under which information_schema shows only
// the databases for which visible is true: the gateway passes the user's
// grants this way.
func WithVisible(ctx context.Context, visible func(db string) bool) context.Context {
	return context.WithValue(ctx, visibleKey{}, visible)
}

type viewColumnsKey struct{}

// ViewColumns describes the result columns of a view. The catalog cannot
// plan a view's query; the gateway can.
type ViewColumns func(ctx context.Context, db, view string) ([]arrow.Field, error)

// WithViewColumns returns a context under which information_schema.COLUMNS
// lists the columns of views too, as cols describes them. Without it,
// views have no COLUMNS rows; a view cols fails on is left out.
func WithViewColumns(ctx context.Context, cols ViewColumns) context.Context {
	return context.WithValue(ctx, viewColumnsKey{}, cols)
}

func visibleFrom(ctx context.Context) func(string) bool {
	if f, ok := ctx.Value(visibleKey{}).(func(string) bool); ok {
		return f
	}
	return func(string) bool { return true }
}

// infoSchema is an in-process connector whose tables describe the catalog
// the way MySQL's information_schema does, so that BI tools can browse it
// with the queries they send to MySQL. Tables that describe things the
// gateway does not have (routines, constraints…) exist and are empty.
// A source that cannot be reached is left out of the listing rather than
// failing every metadata query.
type infoSchema struct{ cat *Catalog }

var _ connectors.Connector = (*infoSchema)(nil)

type infoColumn struct {
	name string
	typ  arrow.DataType
}

func str(name string) infoColumn { return infoColumn{name, arrow.BinaryTypes.String} }
func num(name string) infoColumn { return infoColumn{name, arrow.PrimitiveTypes.Int64} }

// infoTable is one information_schema table: its columns and rows.
type infoTable struct {
	cols []infoColumn
	rows func(ctx context.Context, c *Catalog) [][]any
}

var none = func(context.Context, *Catalog) [][]any { return nil }

// infoTables is filled by init: the TABLES and COLUMNS rows list the
// information_schema tables themselves, which a plain initialiser cannot
// refer to.
var infoTables map[string]infoTable

func init() {
	infoTables = map[string]infoTable{
		"SCHEMATA": {
			cols: []infoColumn{str("CATALOG_NAME"), str("SCHEMA_NAME"), str("DEFAULT_CHARACTER_SET_NAME"),
				str("DEFAULT_COLLATION_NAME"), str("SQL_PATH"), str("DEFAULT_ENCRYPTION")},
			rows: func(ctx context.Context, c *Catalog) [][]any {
				var out [][]any
				for _, db := range append([]string{InformationSchema}, c.Databases()...) {
					if visibleFrom(ctx)(db) {
						out = append(out, []any{"def", db, "utf8mb4", "utf8mb4_general_ci", nil, "NO"})
					}
				}
				return out
			},
		},
		"TABLES": {
			cols: []infoColumn{str("TABLE_CATALOG"), str("TABLE_SCHEMA"), str("TABLE_NAME"), str("TABLE_TYPE"), str("ENGINE"),
				num("VERSION"), str("ROW_FORMAT"), num("TABLE_ROWS"), num("AVG_ROW_LENGTH"), num("DATA_LENGTH"),
				num("MAX_DATA_LENGTH"), num("INDEX_LENGTH"), num("DATA_FREE"), num("AUTO_INCREMENT"), str("CREATE_TIME"),
				str("UPDATE_TIME"), str("CHECK_TIME"), str("TABLE_COLLATION"), num("CHECKSUM"), str("CREATE_OPTIONS"),
				str("TABLE_COMMENT")},
			rows: func(ctx context.Context, c *Catalog) [][]any {
				var out [][]any
				for name := range infoTables {
					if visibleFrom(ctx)(InformationSchema) {
						out = append(out, []any{"def", InformationSchema, name, "SYSTEM VIEW", "MEMORY", int64(10), "Fixed",
							nil, int64(0), int64(0), int64(0), int64(0), int64(0), nil, nil, nil, nil, "utf8mb4_general_ci", nil, "", ""})
					}
				}
				c.eachEntry(ctx, func(db string, e Entry) {
					if e.View != nil {
						out = append(out, []any{"def", db, e.Name, "VIEW", nil, nil, nil, nil, nil, nil, nil, nil, nil, nil,
							nil, nil, nil, nil, nil, nil, "VIEW"})
						return
					}
					var rows any
					if e.Table.Remote.RowCount >= 0 {
						rows = e.Table.Remote.RowCount
					}
					out = append(out, []any{"def", db, e.Name, "BASE TABLE", e.Table.Source.Name, int64(10), "Dynamic",
						rows, int64(0), int64(0), int64(0), int64(0), int64(0), nil, nil, nil, nil, "utf8mb4_general_ci", nil, "",
						"source " + e.Table.Source.Name + ", table " + e.Table.Remote.Name})
				})
				return out
			},
		},
		"COLUMNS": {
			cols: []infoColumn{str("TABLE_CATALOG"), str("TABLE_SCHEMA"), str("TABLE_NAME"), str("COLUMN_NAME"),
				num("ORDINAL_POSITION"), str("COLUMN_DEFAULT"), str("IS_NULLABLE"), str("DATA_TYPE"),
				num("CHARACTER_MAXIMUM_LENGTH"), num("CHARACTER_OCTET_LENGTH"), num("NUMERIC_PRECISION"), num("NUMERIC_SCALE"),
				num("DATETIME_PRECISION"), str("CHARACTER_SET_NAME"), str("COLLATION_NAME"), str("COLUMN_TYPE"),
				str("COLUMN_KEY"), str("EXTRA"), str("PRIVILEGES"), str("COLUMN_COMMENT"), str("GENERATION_EXPRESSION"), num("SRS_ID")},
			rows: func(ctx context.Context, c *Catalog) [][]any {
				var out [][]any
				emit := func(db, table string, fields []arrow.Field) {
					for i, f := range fields {
						t := DescribeType(f.Type)
						nullable := "NO"
						if f.Nullable {
							nullable = "YES"
						}
						out = append(out, []any{"def", db, table, f.Name, int64(i + 1), nil, nullable, t.DataType,
							t.CharMaxLength, t.CharOctetLength, t.NumericPrecision, t.NumericScale, t.DatetimePrecision,
							t.Charset, t.Collation, t.ColumnType, "", "", "select", "", "", nil})
					}
				}
				if visibleFrom(ctx)(InformationSchema) {
					for _, name := range sortedKeys(infoTables) {
						emit(InformationSchema, name, infoTables[name].schema().Fields())
					}
				}
				viewCols, _ := ctx.Value(viewColumnsKey{}).(ViewColumns)
				c.eachEntry(ctx, func(db string, e Entry) {
					switch {
					case e.Table != nil:
						emit(db, e.Name, e.Table.Schema().Fields())
					case viewCols != nil:
						// Not again for a view over information_schema.COLUMNS.
						fields, err := viewCols(context.WithValue(ctx, viewColumnsKey{}, nil), db, e.Name)
						if err == nil {
							emit(db, e.Name, fields)
						}
					}
				})
				return out
			},
		},
		"STATISTICS": {cols: []infoColumn{str("TABLE_CATALOG"), str("TABLE_SCHEMA"), str("TABLE_NAME"), num("NON_UNIQUE"),
			str("INDEX_SCHEMA"), str("INDEX_NAME"), num("SEQ_IN_INDEX"), str("COLUMN_NAME"), str("COLLATION"), num("CARDINALITY"),
			num("SUB_PART"), str("PACKED"), str("NULLABLE"), str("INDEX_TYPE"), str("COMMENT"), str("INDEX_COMMENT"),
			str("IS_VISIBLE"), str("EXPRESSION")}, rows: none},
		"KEY_COLUMN_USAGE": {cols: []infoColumn{str("CONSTRAINT_CATALOG"), str("CONSTRAINT_SCHEMA"), str("CONSTRAINT_NAME"),
			str("TABLE_CATALOG"), str("TABLE_SCHEMA"), str("TABLE_NAME"), str("COLUMN_NAME"), num("ORDINAL_POSITION"),
			num("POSITION_IN_UNIQUE_CONSTRAINT"), str("REFERENCED_TABLE_SCHEMA"), str("REFERENCED_TABLE_NAME"),
			str("REFERENCED_COLUMN_NAME")}, rows: none},
		"TABLE_CONSTRAINTS": {cols: []infoColumn{str("CONSTRAINT_CATALOG"), str("CONSTRAINT_SCHEMA"), str("CONSTRAINT_NAME"),
			str("TABLE_SCHEMA"), str("TABLE_NAME"), str("CONSTRAINT_TYPE"), str("ENFORCED")}, rows: none},
		"REFERENTIAL_CONSTRAINTS": {cols: []infoColumn{str("CONSTRAINT_CATALOG"), str("CONSTRAINT_SCHEMA"), str("CONSTRAINT_NAME"),
			str("UNIQUE_CONSTRAINT_CATALOG"), str("UNIQUE_CONSTRAINT_SCHEMA"), str("UNIQUE_CONSTRAINT_NAME"), str("MATCH_OPTION"),
			str("UPDATE_RULE"), str("DELETE_RULE"), str("TABLE_NAME"), str("REFERENCED_TABLE_NAME")}, rows: none},
		"ROUTINES": {cols: []infoColumn{str("SPECIFIC_NAME"), str("ROUTINE_CATALOG"), str("ROUTINE_SCHEMA"), str("ROUTINE_NAME"),
			str("ROUTINE_TYPE"), str("DATA_TYPE"), str("ROUTINE_BODY"), str("ROUTINE_DEFINITION"), str("IS_DETERMINISTIC"),
			str("SQL_DATA_ACCESS"), str("SECURITY_TYPE"), str("CREATED"), str("LAST_ALTERED"), str("SQL_MODE"),
			str("ROUTINE_COMMENT"), str("DEFINER")}, rows: none},
		"PARAMETERS": {cols: []infoColumn{str("SPECIFIC_CATALOG"), str("SPECIFIC_SCHEMA"), str("SPECIFIC_NAME"),
			num("ORDINAL_POSITION"), str("PARAMETER_MODE"), str("PARAMETER_NAME"), str("DATA_TYPE"), str("DTD_IDENTIFIER"),
			str("ROUTINE_TYPE")}, rows: none},
		// Privileges: the gateway grants whole databases (its config), which
		// MySQL lists nowhere in these tables but SCHEMA_PRIVILEGES; a
		// tool reads them only to decide what to show, and shows all.
		"COLUMN_PRIVILEGES": {cols: []infoColumn{str("GRANTEE"), str("TABLE_CATALOG"), str("TABLE_SCHEMA"), str("TABLE_NAME"),
			str("COLUMN_NAME"), str("PRIVILEGE_TYPE"), str("IS_GRANTABLE")}, rows: none},
		"TABLE_PRIVILEGES": {cols: []infoColumn{str("GRANTEE"), str("TABLE_CATALOG"), str("TABLE_SCHEMA"), str("TABLE_NAME"),
			str("PRIVILEGE_TYPE"), str("IS_GRANTABLE")}, rows: none},
		"SCHEMA_PRIVILEGES": {cols: []infoColumn{str("GRANTEE"), str("TABLE_CATALOG"), str("TABLE_SCHEMA"),
			str("PRIVILEGE_TYPE"), str("IS_GRANTABLE")}, rows: none},
		"USER_PRIVILEGES": {cols: []infoColumn{str("GRANTEE"), str("TABLE_CATALOG"), str("PRIVILEGE_TYPE"),
			str("IS_GRANTABLE")}, rows: none},
		"CHECK_CONSTRAINTS": {cols: []infoColumn{str("CONSTRAINT_CATALOG"), str("CONSTRAINT_SCHEMA"), str("CONSTRAINT_NAME"),
			str("CHECK_CLAUSE")}, rows: none},
		"TRIGGERS": {cols: []infoColumn{str("TRIGGER_CATALOG"), str("TRIGGER_SCHEMA"), str("TRIGGER_NAME"),
			str("EVENT_MANIPULATION"), str("EVENT_OBJECT_CATALOG"), str("EVENT_OBJECT_SCHEMA"), str("EVENT_OBJECT_TABLE"),
			num("ACTION_ORDER"), str("ACTION_CONDITION"), str("ACTION_STATEMENT"), str("ACTION_ORIENTATION"),
			str("ACTION_TIMING"), str("ACTION_REFERENCE_OLD_TABLE"), str("ACTION_REFERENCE_NEW_TABLE"),
			str("ACTION_REFERENCE_OLD_ROW"), str("ACTION_REFERENCE_NEW_ROW"), str("CREATED"), str("SQL_MODE"),
			str("DEFINER"), str("CHARACTER_SET_CLIENT"), str("COLLATION_CONNECTION"), str("DATABASE_COLLATION")}, rows: none},
		"EVENTS": {cols: []infoColumn{str("EVENT_CATALOG"), str("EVENT_SCHEMA"), str("EVENT_NAME"), str("DEFINER"),
			str("TIME_ZONE"), str("EVENT_BODY"), str("EVENT_DEFINITION"), str("EVENT_TYPE"), str("EXECUTE_AT"),
			str("INTERVAL_VALUE"), str("INTERVAL_FIELD"), str("SQL_MODE"), str("STARTS"), str("ENDS"), str("STATUS"),
			str("ON_COMPLETION"), str("CREATED"), str("LAST_ALTERED"), str("LAST_EXECUTED"), str("EVENT_COMMENT"),
			num("ORIGINATOR"), str("CHARACTER_SET_CLIENT"), str("COLLATION_CONNECTION"), str("DATABASE_COLLATION")}, rows: none},
		"PARTITIONS": {cols: []infoColumn{str("TABLE_CATALOG"), str("TABLE_SCHEMA"), str("TABLE_NAME"), str("PARTITION_NAME"),
			str("SUBPARTITION_NAME"), num("PARTITION_ORDINAL_POSITION"), num("SUBPARTITION_ORDINAL_POSITION"),
			str("PARTITION_METHOD"), str("SUBPARTITION_METHOD"), str("PARTITION_EXPRESSION"), str("SUBPARTITION_EXPRESSION"),
			str("PARTITION_DESCRIPTION"), num("TABLE_ROWS"), num("AVG_ROW_LENGTH"), num("DATA_LENGTH"), num("MAX_DATA_LENGTH"),
			num("INDEX_LENGTH"), num("DATA_FREE"), str("CREATE_TIME"), str("UPDATE_TIME"), str("CHECK_TIME"), num("CHECKSUM"),
			str("PARTITION_COMMENT"), str("NODEGROUP"), str("TABLESPACE_NAME")}, rows: none},
		"VIEWS": {
			cols: []infoColumn{str("TABLE_CATALOG"), str("TABLE_SCHEMA"), str("TABLE_NAME"), str("VIEW_DEFINITION"),
				str("CHECK_OPTION"), str("IS_UPDATABLE"), str("DEFINER"), str("SECURITY_TYPE"),
				str("CHARACTER_SET_CLIENT"), str("COLLATION_CONNECTION")},
			rows: func(ctx context.Context, c *Catalog) [][]any {
				var out [][]any
				c.eachEntry(ctx, func(db string, e Entry) {
					if e.View != nil {
						out = append(out, []any{"def", db, e.Name, e.View.SQL, "NONE", "NO", "tributary@%", "DEFINER", "utf8mb4", "utf8mb4_general_ci"})
					}
				})
				return out
			},
		},
		"ENGINES": {
			cols: []infoColumn{str("ENGINE"), str("SUPPORT"), str("COMMENT"), str("TRANSACTIONS"), str("XA"), str("SAVEPOINTS")},
			rows: func(context.Context, *Catalog) [][]any {
				return Engines
			},
		},
		"CHARACTER_SETS": {
			cols: []infoColumn{str("CHARACTER_SET_NAME"), str("DEFAULT_COLLATE_NAME"), str("DESCRIPTION"), num("MAXLEN")},
			rows: func(context.Context, *Catalog) [][]any {
				return CharacterSets
			},
		},
		"COLLATIONS": {
			cols: []infoColumn{str("COLLATION_NAME"), str("CHARACTER_SET_NAME"), num("ID"), str("IS_DEFAULT"),
				str("IS_COMPILED"), num("SORTLEN"), str("PAD_ATTRIBUTE")},
			rows: func(context.Context, *Catalog) [][]any {
				return Collations
			},
		},
	}
}

// What the gateway has of engines, character sets and collations, for
// information_schema and SHOW ENGINES/CHARACTER SET/COLLATION. Read-only.
var (
	// Engines rows: ENGINE, SUPPORT, COMMENT, TRANSACTIONS, XA, SAVEPOINTS.
	Engines = [][]any{{"Tributary", "DEFAULT", "Federated, read-only tables of the configured sources", "NO", "NO", "NO"}}
	// CharacterSets rows: CHARACTER_SET_NAME, DEFAULT_COLLATE_NAME,
	// DESCRIPTION, MAXLEN.
	CharacterSets = [][]any{{"utf8mb4", "utf8mb4_general_ci", "UTF-8 Unicode", int64(4)}, {"binary", "binary", "Binary pseudo charset", int64(1)}}
	// Collations rows: COLLATION_NAME, CHARACTER_SET_NAME, ID, IS_DEFAULT,
	// IS_COMPILED, SORTLEN, PAD_ATTRIBUTE.
	Collations = [][]any{
		{"utf8mb4_general_ci", "utf8mb4", int64(45), "Yes", "Yes", int64(1), "PAD SPACE"},
		{"utf8mb4_bin", "utf8mb4", int64(46), "", "Yes", int64(1), "PAD SPACE"},
		{"binary", "binary", int64(63), "Yes", "Yes", int64(1), "NO PAD"},
	}
)

func (t infoTable) schema() *arrow.Schema {
	fields := make([]arrow.Field, len(t.cols))
	for i, c := range t.cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.typ, Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// eachEntry calls fn for every table and view of every visible database,
// in name order. Databases whose sources fail are skipped.
func (c *Catalog) eachEntry(ctx context.Context, fn func(db string, e Entry)) {
	visible := visibleFrom(ctx)
	for _, db := range c.Databases() {
		if !visible(db) {
			continue
		}
		entries, err := c.Entries(ctx, db)
		if err != nil {
			continue
		}
		for _, e := range entries {
			fn(db, e)
		}
	}
}

func (s *infoSchema) Tables(context.Context) ([]connectors.Table, error) {
	out := make([]connectors.Table, 0, len(infoTables))
	for _, name := range sortedKeys(infoTables) {
		out = append(out, connectors.Table{Name: name, Schema: infoTables[name].schema(), RowCount: -1})
	}
	return out, nil
}

// Scan builds the table's rows from the catalog at the time of the scan.
// Filters are left to the engine; the tables are small.
func (s *infoSchema) Scan(ctx context.Context, req connectors.ScanRequest) (*connectors.Scan, error) {
	t, ok := infoTables[strings.ToUpper(req.Table)]
	if !ok {
		return nil, fmt.Errorf("information_schema.%s: %w", req.Table, connectors.ErrTableNotFound)
	}
	schema := t.schema()
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	rows := t.rows(ctx, s.cat)
	sort.SliceStable(rows, func(i, j int) bool { return fmt.Sprint(rows[i][1:3]) < fmt.Sprint(rows[j][1:3]) })
	for _, row := range rows {
		for i, v := range row {
			appendValue(b.Field(i), v)
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	out := rec
	if len(req.Columns) > 0 {
		var err error
		if out, err = project(rec, req.Columns); err != nil {
			return nil, err
		}
		defer out.Release()
	}
	// The reader takes its own reference to the batch.
	rd, err := array.NewRecordReader(out.Schema(), []arrow.RecordBatch{out})
	if err != nil {
		return nil, err
	}
	return &connectors.Scan{Reader: rd}, nil
}

func (s *infoSchema) Close() error { return nil }

func appendValue(b array.Builder, v any) {
	if v == nil {
		b.AppendNull()
		return
	}
	switch b := b.(type) {
	case *array.StringBuilder:
		b.Append(fmt.Sprint(v))
	case *array.Int64Builder:
		b.Append(v.(int64))
	}
}

// project keeps the named columns of rec, in that order.
func project(rec arrow.RecordBatch, cols []string) (arrow.RecordBatch, error) {
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	for i, name := range cols {
		idx := -1
		for j, f := range rec.Schema().Fields() {
			if strings.EqualFold(f.Name, name) {
				idx = j
			}
		}
		if idx < 0 {
			return nil, fmt.Errorf("information_schema column %s: %w", name, connectors.ErrColumnNotFound)
		}
		fields[i], arrs[i] = rec.Schema().Field(idx), rec.Column(idx)
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, rec.NumRows()), nil
}
