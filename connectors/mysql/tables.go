package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tributary-sql/tributary/connectors"
)

// querier is what discovery needs of a pool or of one connection.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

const columnsQuery = "SELECT TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, IS_NULLABLE " +
	"FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ?"

// Tables lists the database's base tables and views, sorted by name, with
// columns in ordinal order. RowCount is information_schema's TABLE_ROWS
// (an estimate for InnoDB), -1 for views and when unknown.
func (c *Connector) Tables(ctx context.Context) ([]connectors.Table, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	counts, err := cfg.tableRows(ctx)
	if err != nil {
		return nil, err
	}
	cols, err := cfg.columns(ctx, cfg.db, "")
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(counts))
	for name := range counts {
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]connectors.Table, 0, len(names))
	for _, name := range names {
		if len(cols[name]) == 0 {
			continue // dropped between the two queries
		}
		out = append(out, connectors.Table{Name: name, Schema: schemaOf(cols[name]), RowCount: counts[name]})
	}
	return out, nil
}

func (cfg *config) tableRows(ctx context.Context) (map[string]int64, error) {
	rows, err := cfg.db.QueryContext(ctx,
		"SELECT TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?", cfg.database)
	if err != nil {
		return nil, cfg.queryError(ctx, "listing tables", err)
	}
	defer rows.Close()
	counts := map[string]int64{}
	for rows.Next() {
		var name string
		var n sql.NullInt64
		if err := rows.Scan(&name, &n); err != nil {
			return nil, cfg.queryError(ctx, "listing tables", err)
		}
		counts[name] = -1
		if n.Valid {
			counts[name] = n.Int64
		}
	}
	if err := rows.Err(); err != nil {
		return nil, cfg.queryError(ctx, "listing tables", err)
	}
	return counts, nil
}

// columns reads the columns of one table, or of all tables when table is
// empty, by table name in ordinal order.
func (cfg *config) columns(ctx context.Context, q querier, table string) (map[string][]column, error) {
	query, args := columnsQuery, []any{cfg.database}
	if table != "" {
		// information_schema compares names case-insensitively; the
		// exact match is made below.
		query += " AND TABLE_NAME = ?"
		args = append(args, table)
	}
	rows, err := q.QueryContext(ctx, query+" ORDER BY TABLE_NAME, ORDINAL_POSITION", args...)
	if err != nil {
		return nil, cfg.queryError(ctx, "reading columns", err)
	}
	defer rows.Close()
	out := map[string][]column{}
	for rows.Next() {
		var tname, nullable string
		var ci colInfo
		if err := rows.Scan(&tname, &ci.name, &ci.dataType, &ci.columnType, &ci.precision, &ci.scale, &nullable); err != nil {
			return nil, cfg.queryError(ctx, "reading columns", err)
		}
		if table != "" && tname != table {
			continue
		}
		ci.nullable = nullable == "YES"
		out[tname] = append(out[tname], newColumn(ci))
	}
	if err := rows.Err(); err != nil {
		return nil, cfg.queryError(ctx, "reading columns", err)
	}
	return out, nil
}

func schemaOf(cols []column) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		fields[i] = c.field
	}
	return arrow.NewSchema(fields, nil)
}

// queryError wraps a failed statement: connection trouble is
// ErrUnavailable, a cancelled context is reported as such.
func (cfg *config) queryError(ctx context.Context, what string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("mysql: %s: %w", what, ctx.Err())
	}
	if isConnError(err) {
		return cfg.unavailable(err)
	}
	return fmt.Errorf("mysql: %s in database %s: %w", what, cfg.database, err)
}
