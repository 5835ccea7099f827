// Package connectors defines the interface every data source implements.
//
// A Connector is small on purpose: it lists its tables and scans one of them,
// streaming Arrow record batches. Everything else a source can do for the
// planner (filters, limits, statistics, whole queries) is an optional
// capability, declared in ScanRequest fields the connector may honour or
// ignore, and reported back in Scan.Exact. The package imports only the
// standard library and arrow-go: it knows nothing of MySQL, DuckDB or gRPC.
package connectors

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Connector is one configured source. Implementations must be safe for
// concurrent use: the host scans several tables of one source at once.
type Connector interface {
	// Tables lists the tables the source exposes, with their Arrow schemas.
	Tables(ctx context.Context) ([]Table, error)
	// Scan starts reading one table. The returned Scan's reader streams
	// batches until io.EOF-like exhaustion (Next returns false); the caller
	// must Release it. Cancelling ctx stops the scan and the source query.
	Scan(ctx context.Context, req ScanRequest) (*Scan, error)
	// Close releases the source's resources (pools, file handles).
	Close() error
}

// Configurer is implemented by connectors that take options from the config
// (the `options:` map of a source). The host calls Configure once, before
// any other method; a connector without it takes no options.
type Configurer interface {
	Configure(ctx context.Context, options map[string]any) error
}

// ScanExplainer is implemented by connectors that can say what a scan will
// run at the source (a SQL source: its query text, with placeholders for
// the values), for EXPLAIN. Without it EXPLAIN shows the scan request.
type ScanExplainer interface {
	ExplainScan(ctx context.Context, req ScanRequest) (string, error)
}

// Querier is implemented by SQL sources that can run a whole query in
// their own dialect: the planner then sends a join, an aggregation or a
// top-N that touches only that source's tables as one query instead of
// pulling the tables (whole-query pushdown).
type Querier interface {
	// Dialect names the SQL the source runs ("postgres"); "" means the
	// source cannot run queries after all (a plugin without the
	// capability), and the planner scans its tables.
	Dialect() string
	// Query runs req.SQL. The returned reader has exactly req.Schema: the
	// connector converts the source's result columns to those types (the
	// planner chose them so that the answer is the one the engine would
	// have computed).
	Query(ctx context.Context, req QueryRequest) (*Scan, error)
}

// DialectPostgres is the Dialect of PostgreSQL sources: double-quoted
// identifiers, $n placeholders.
const DialectPostgres = "postgres"

// QueryRequest is one query for a Querier. Its tables are named without a
// schema; the connector resolves them in the schema it exposes.
type QueryRequest struct {
	SQL string
	// Args are the values of the query's placeholders, in order: the same
	// typed values as Filter.Values (strings, numbers, …), never SQL text.
	Args []any
	// Schema is the result the planner expects, one field per column of
	// the query's result in order.
	Schema *arrow.Schema
}

// Table describes one table of a source.
type Table struct {
	Name string
	// Schema holds one field per column; Nullable is honoured.
	Schema *arrow.Schema
	// RowCount is an estimate for the planner; -1 when unknown.
	RowCount int64
	// Splittable says Scan honours ScanRequest.Split/Splits for this table,
	// so that the planner may read it with several scans at once.
	Splittable bool
	// Location, when set, says the table is a file in a format the engine
	// reads natively, which it may do instead of calling Scan (it does so
	// only for paths inside directories it was allowed to read). Nil: the
	// table is read through Scan.
	Location *Location
}

// Location is a file the engine can read itself.
type Location struct {
	Format string // "parquet"
	Path   string // absolute
}

// ScanRequest says what the planner wants from one table. Every pushdown
// field is a hint: a connector that ignores Filters or Limit is still
// correct, because the planner re-applies whatever is not reported exact.
type ScanRequest struct {
	Table string
	// Columns to return, in this order. Empty means all columns.
	Columns []string
	// Filters are ANDed together. Each refers to a column of the table (it
	// need not be in Columns).
	Filters []Filter
	// Limit is the number of rows wanted; 0 or negative means no limit. The
	// planner only sets it when the rows do not need any residual filtering.
	Limit int64
	// Split and Splits ask for one part of a table read in Splits parallel
	// scans (Split is 0-based). The planner sets them only for tables the
	// connector marked Splittable; the parts must be disjoint and together
	// hold every row. Splits of 0 or 1 means the whole table.
	Split, Splits int
}

// Scan is a running scan.
type Scan struct {
	// Reader streams the rows. Its schema has exactly the requested columns.
	Reader array.RecordReader
	// Exact[i] is true when Filters[i] was applied exactly by the source, so
	// the planner need not re-apply it. Nil means none.
	Exact []bool
}

// Op is a comparison operator of a pushed-down filter.
type Op string

const (
	OpEq        Op = "="
	OpNe        Op = "<>"
	OpLt        Op = "<"
	OpLe        Op = "<="
	OpGt        Op = ">"
	OpGe        Op = ">="
	OpIn        Op = "IN"      // Values holds the list
	OpIsNull    Op = "IS NULL" // Values is empty
	OpIsNotNull Op = "IS NOT NULL"
	OpLike      Op = "LIKE" // Values[0] is the pattern, MySQL syntax (% _ \)
)

// Filter is `Column Op Values`. Values are typed Go values, never SQL text:
// nil, bool, int64, uint64, float64, string, []byte, Decimal, Date,
// Timestamp.
type Filter struct {
	Column string
	Op     Op
	Values []any
}

// String renders the filter for EXPLAIN and logs; it is not SQL.
func (f Filter) String() string {
	switch f.Op {
	case OpIsNull, OpIsNotNull:
		return fmt.Sprintf("%s %s", f.Column, f.Op)
	case OpIn:
		vals := make([]string, len(f.Values))
		for i, v := range f.Values {
			vals[i] = FormatValue(v)
		}
		return fmt.Sprintf("%s IN (%s)", f.Column, strings.Join(vals, ", "))
	}
	if len(f.Values) == 0 {
		return fmt.Sprintf("%s %s ?", f.Column, f.Op)
	}
	return fmt.Sprintf("%s %s %s", f.Column, f.Op, FormatValue(f.Values[0]))
}

// FormatValue renders a filter value readably: strings quoted, dates and
// timestamps in ISO form.
func FormatValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "NULL"
	case string:
		return strconv.Quote(t)
	case []byte:
		return fmt.Sprintf("x'%x'", t)
	case Date:
		return "DATE " + time.Unix(int64(t)*86400, 0).UTC().Format("2006-01-02")
	case Timestamp:
		return "TIMESTAMP " + time.UnixMicro(int64(t)).UTC().Format("2006-01-02 15:04:05.999999")
	}
	return fmt.Sprint(v)
}

// Decimal is an exact decimal value in its canonical text form ("-12.50").
type Decimal string

// Date is a calendar date as days since 1970-01-01.
type Date int32

// Timestamp is microseconds since 1970-01-01 00:00:00 UTC.
type Timestamp int64

// Errors a connector returns, wrapped with detail (fmt.Errorf("…: %w", Err…)).
// The host maps them to MySQL errors; plugins carry them across gRPC as
// status codes.
var (
	// ErrTableNotFound: the table does not exist in the source.
	ErrTableNotFound = errors.New("table not found")
	// ErrColumnNotFound: a requested or filtered column does not exist.
	ErrColumnNotFound = errors.New("column not found")
	// ErrUnavailable: the source cannot be reached or its process died.
	ErrUnavailable = errors.New("source unavailable")
	// ErrInvalidOptions: the source's options are wrong.
	ErrInvalidOptions = errors.New("invalid connector options")
	// ErrUnsupported: the request asks for something the source cannot do.
	ErrUnsupported = errors.New("unsupported")
)

// QueryableType reports whether t may appear in a QueryRequest's Schema:
// the types every Querier must deliver. Integers (signed), floats,
// decimals up to 38 digits, booleans, strings, binary, dates, times and
// timestamps in microseconds (without a time zone, or in UTC).
func QueryableType(t arrow.DataType) bool {
	switch t := t.(type) {
	case *arrow.Decimal128Type:
		return t.Precision >= 1 && t.Precision <= 38
	case *arrow.TimestampType:
		return t.Unit == arrow.Microsecond && (t.TimeZone == "" || t.TimeZone == "UTC")
	case *arrow.Time64Type:
		return t.Unit == arrow.Microsecond
	}
	switch t.ID() {
	case arrow.INT16, arrow.INT32, arrow.INT64, arrow.FLOAT32, arrow.FLOAT64,
		arrow.BOOL, arrow.STRING, arrow.BINARY, arrow.DATE32:
		return true
	}
	return false
}
