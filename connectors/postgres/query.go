package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tributary-sql/tributary/connectors"
)

// Dialect says PostgreSQL runs whole queries: the planner pushes joins,
// aggregations and top-N that touch only this source's tables.
func (c *Connector) Dialect() string { return connectors.DialectPostgres }

// Query runs a query the planner printed in PostgreSQL's dialect. Its
// tables resolve in the configured schema (search_path is set on every
// connection). Each result column is cast to the PostgreSQL type that
// matches the Arrow type the planner expects and read in binary, by the
// same decoders as a scan:
//
//	SELECT q.c1::int8, q.c2::numeric(38,2) FROM (<query>) AS q(c1, c2)
//
// so a SUM that PostgreSQL returns as an unconstrained numeric arrives as
// the DECIMAL(38,2) DuckDB would have computed.
func (c *Connector) Query(ctx context.Context, req connectors.QueryRequest) (*connectors.Scan, error) {
	cfg, pool, err := c.connect()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	sql, err := wrapQuery(req)
	if err != nil {
		return nil, err
	}
	formats := make(pgx.QueryResultFormats, req.Schema.NumFields())
	for i := range formats {
		formats[i] = pgx.BinaryFormatCode
	}
	args := append([]any{formats}, req.Args...)
	scanCtx, cancel := context.WithCancel(ctx)
	rows, err := queryRetry(scanCtx, pool, sql, args...)
	if err != nil {
		cancel()
		return nil, refused(cfg.classify(ctx, "query", err))
	}
	r := newReader(scanCtx, cancel, cfg, "query", req.Schema, rows, c.mem, cfg.batchRows)
	r.refused = refused
	return &connectors.Scan{Reader: r}, nil
}

// refused marks PostgreSQL's rejection of a query itself (its SQL, its
// types or its values: SQLSTATE classes 42, 22 and 0A) as ErrUnsupported,
// so that the gateway runs that query with scans instead: the printer
// should not let such SQL through, and if it does the client still gets
// the engine's answer.
func refused(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && len(pgErr.Code) == 5 {
		switch pgErr.Code[:2] {
		case "42", "22", "0A":
			return fmt.Errorf("%w (%w)", err, connectors.ErrUnsupported)
		}
	}
	return err
}

var _ connectors.Querier = (*Connector)(nil)

// wrapQuery casts every result column of req.SQL to the PostgreSQL type of
// its expected Arrow type. The derived table's column list names the
// columns by position, so duplicate or odd output names do not matter.
func wrapQuery(req connectors.QueryRequest) (string, error) {
	if req.Schema == nil || req.Schema.NumFields() == 0 {
		return "", fmt.Errorf("postgres: query without a result schema: %w", connectors.ErrUnsupported)
	}
	n := req.Schema.NumFields()
	cols := make([]string, n)
	names := make([]string, n)
	for i, f := range req.Schema.Fields() {
		typ, ok := castType(f.Type)
		if !ok {
			return "", fmt.Errorf("postgres: query result column %q of type %s: %w", f.Name, f.Type, connectors.ErrUnsupported)
		}
		names[i] = "c" + strconv.Itoa(i+1)
		cols[i] = "q." + names[i] + "::" + typ
	}
	return "SELECT " + strings.Join(cols, ", ") + " FROM (" + req.SQL + ") AS q(" + strings.Join(names, ", ") + ")", nil
}

// castType is the PostgreSQL type whose binary form the decoder of t reads
// (decode.go); ok=false for Arrow types outside connectors.QueryableType.
func castType(t arrow.DataType) (string, bool) {
	if !connectors.QueryableType(t) {
		return "", false
	}
	switch t.ID() {
	case arrow.INT16:
		return "int2", true
	case arrow.INT32:
		return "int4", true
	case arrow.INT64:
		return "int8", true
	case arrow.FLOAT32:
		return "float4", true
	case arrow.FLOAT64:
		return "float8", true
	case arrow.BOOL:
		return "bool", true
	case arrow.STRING:
		return "text", true
	case arrow.BINARY:
		return "bytea", true
	case arrow.DATE32:
		return "date", true
	case arrow.TIME64:
		return "time", true
	case arrow.TIMESTAMP:
		if t.(*arrow.TimestampType).TimeZone != "" {
			return "timestamptz", true
		}
		return "timestamp", true
	case arrow.DECIMAL128:
		d := t.(*arrow.Decimal128Type)
		return fmt.Sprintf("numeric(%d,%d)", d.Precision, d.Scale), true
	}
	return "", false
}
