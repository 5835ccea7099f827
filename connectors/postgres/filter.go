package postgres

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tributary-sql/tributary/connectors"
)

// Filter pushdown. A filter is pushed when PostgreSQL can evaluate it
// without error and without dropping a row that DuckDB's evaluation of the
// same filter would keep; it is exact when PostgreSQL's answer is DuckDB's
// answer, so the planner need not re-apply it:
//
//	column kind               value types           pushed ops           exact
//	any                       —                     IS [NOT] NULL        yes
//	smallint/integer/bigint   int64, uint64, Decimal = <> < <= > >= IN  yes
//	                          float64                                    no
//	numeric(p,s)              Decimal               = <> < <= > >= IN    yes
//	                          int64, uint64, float64                     no
//	double precision          float64               = <> < <= > >= IN    yes
//	                          int64, Decimal                             no
//	boolean                   bool                  = <> IN …            yes
//	text, varchar, name,      string                = <> IN              yes (deterministic collation)
//	char(n) (as ::text)                             < <= > >= LIKE       no (collation order ≠ DuckDB's)
//	bytea                     []byte                = <> < <= > >= IN    yes (both compare bytes)
//	date                      Date                  = <> < <= > >= IN    yes
//	timestamp, timestamptz    Timestamp             = <> < <= > >= IN    yes
//
// Nothing else is pushed: real (a float64 constant against a float32
// column compares differently), time and every text-output type (their comparisons are not those of
// their text). Strings holding a NUL byte or invalid UTF-8, which
// PostgreSQL rejects as text, are not pushed either, nor are nil values;
// a LIKE pattern ending in a lone backslash (PostgreSQL rejects it) neither.
//
// Every value is a bind parameter with an explicit cast ($1::int8), so the
// parameter's type is the value's, not the column's: a bigint constant
// against a smallint column cannot overflow the parameter.

// selectQuery is the SQL of one scan with its arguments.
type selectQuery struct {
	sql  string
	args []any // pgx.QueryResultFormats first, then the parameters
	// exact[i] tells whether filter i was applied exactly.
	exact []bool
}

// buildSelect writes SELECT cols FROM schema.rel WHERE … LIMIT …; cols
// index rel.columns, filters are resolved (colOf[i] is filter i's column).
func buildSelect(schema string, rel *relation, cols []int, filters []connectors.Filter, colOf []int, limit int64, split, splits int) selectQuery {
	var sb strings.Builder
	formats := make(pgx.QueryResultFormats, len(cols))
	sb.WriteString("SELECT ")
	for i, idx := range cols {
		if i > 0 {
			sb.WriteByte(',')
		}
		col := rel.columns[idx]
		sb.WriteString(quoteIdent(col.name))
		switch col.kind {
		case kindNumericFloat:
			sb.WriteString("::float8")
		case kindBpchar:
			// char(n) to text drops the trailing blanks, as MySQL returns
			// CHAR values and as both compare them.
			sb.WriteString("::text")
		}
		if col.kind.binary() {
			formats[i] = pgx.BinaryFormatCode
		} else {
			formats[i] = pgx.TextFormatCode
		}
	}
	sb.WriteString(" FROM ")
	sb.WriteString(quoteIdent(schema))
	sb.WriteByte('.')
	sb.WriteString(quoteIdent(rel.name))

	q := selectQuery{args: []any{formats}}
	if len(filters) > 0 {
		q.exact = make([]bool, len(filters))
	}
	sep := " WHERE "
	for i, f := range filters {
		cond, args, exact, ok := translate(rel.columns[colOf[i]], f, len(q.args)-1) // args[0] is the formats
		if !ok {
			continue
		}
		sb.WriteString(sep)
		sb.WriteString(cond)
		sep = " AND "
		q.args = append(q.args, args...)
		q.exact[i] = exact
	}
	if cond := splitCondition(rel, split, splits); cond != "" {
		sb.WriteString(sep)
		sb.WriteString(cond)
	}
	if limit > 0 {
		q.args = append(q.args, limit)
		sb.WriteString(" LIMIT $" + strconv.Itoa(len(q.args)-1) + "::int8")
	}
	q.sql = sb.String()
	return q
}

// splitCondition restricts a scan to part split of splits of a table by
// ranges of heap blocks (ctid), which PostgreSQL 14+ reads with a TID Range
// Scan. The ranges come from pg_class.relpages, an estimate: the last part
// is open-ended, so rows in pages added since are still read exactly once.
// The bounds are integers computed here, never client values.
func splitCondition(rel *relation, split, splits int) string {
	if splits <= 1 || !rel.heap {
		return ""
	}
	bound := func(i int) int64 { return rel.pages * int64(i) / int64(splits) }
	var conds []string
	if split > 0 {
		conds = append(conds, fmt.Sprintf("ctid >= '(%d,0)'::tid", bound(split)))
	}
	if split < splits-1 {
		conds = append(conds, fmt.Sprintf("ctid < '(%d,0)'::tid", bound(split+1)))
	}
	return strings.Join(conds, " AND ")
}

// quoteIdent quotes a PostgreSQL identifier by doubling its double quotes.
// Identifiers come from pg_catalog, never from a client unchecked.
func quoteIdent(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// translate renders one filter as SQL on col, with parameters numbered
// after the n already bound. ok is false when the filter is not pushed.
func translate(col column, f connectors.Filter, n int) (cond string, args []any, exact, ok bool) {
	ident := quoteIdent(col.name)
	if col.kind == kindBpchar {
		// Compared as the text the scan returns (without the padding),
		// not as char(n), which ignores trailing blanks.
		ident += "::text"
	}
	switch f.Op {
	case connectors.OpIsNull, connectors.OpIsNotNull:
		return ident + " " + string(f.Op), nil, true, true
	case connectors.OpEq, connectors.OpNe, connectors.OpLt, connectors.OpLe, connectors.OpGt, connectors.OpGe:
		if len(f.Values) != 1 {
			return "", nil, false, false
		}
		b, ok := bind(col, f.Op, f.Values[0])
		if !ok {
			return "", nil, false, false
		}
		return ident + " " + string(f.Op) + " " + placeholder(n+1, b.cast), []any{b.arg}, b.exact, true
	case connectors.OpIn:
		if len(f.Values) == 0 {
			return "", nil, false, false
		}
		if len(f.Values) > shortIn {
			return inArray(col, ident, f, n)
		}
		var sb strings.Builder
		sb.WriteString(ident + " IN (")
		exact = true
		for i, v := range f.Values {
			b, ok := bind(col, connectors.OpEq, v)
			if !ok {
				return "", nil, false, false
			}
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(placeholder(n+1+i, b.cast))
			args = append(args, b.arg)
			exact = exact && b.exact
		}
		sb.WriteByte(')')
		return sb.String(), args, exact, true
	case connectors.OpLike:
		if len(f.Values) != 1 || (col.kind != kindString && col.kind != kindBpchar) || !col.deterministic {
			return "", nil, false, false
		}
		pat, ok := f.Values[0].(string)
		if !ok || !pgText(pat) || endsInEscape(pat) {
			return "", nil, false, false
		}
		// MySQL's pattern syntax (% _ and \ escapes) is PostgreSQL's with
		// backslash as escape character; saying so explicitly keeps it
		// independent of server defaults. E'' reads the same whatever
		// standard_conforming_strings is.
		return ident + " LIKE " + placeholder(n+1, "text") + ` ESCAPE E'\\'`, []any{pat}, false, true
	}
	return "", nil, false, false
}

// shortIn is the longest IN list sent as one parameter per value; a
// longer one (a dynamic filter's keys) is one array parameter,
// `col = ANY($1::int8[])`, which has no length limit (PostgreSQL takes at
// most 65,535 parameters) and is cheaper to parse.
const shortIn = 64

// inArray binds a long IN list as one array of the values' common type;
// ok=false when the values do not share one.
func inArray(col column, ident string, f connectors.Filter, n int) (cond string, args []any, exact, ok bool) {
	first, ok := bind(col, connectors.OpEq, f.Values[0])
	if !ok {
		return "", nil, false, false
	}
	vals := make([]any, len(f.Values))
	exact = true
	for i, v := range f.Values {
		b, ok := bind(col, connectors.OpEq, v)
		if !ok || b.cast != first.cast {
			return "", nil, false, false
		}
		vals[i], exact = b.arg, exact && b.exact
	}
	var arr any
	switch first.arg.(type) {
	case int16, int32, int64:
		arr = convertAll(vals, func(a any) int64 { return reflect.ValueOf(a).Int() })
	case string:
		arr = convertAll(vals, func(a any) string { return a.(string) })
	default:
		return "", nil, false, false
	}
	return ident + " = ANY(" + placeholder(n+1, first.cast+"[]") + ")", []any{arr}, exact, true
}

func convertAll[T any](vals []any, conv func(any) T) []T {
	out := make([]T, len(vals))
	for i, v := range vals {
		out[i] = conv(v)
	}
	return out
}

func placeholder(n int, cast string) string {
	return "$" + strconv.Itoa(n) + "::" + cast
}

// binding is one filter value ready to be bound.
type binding struct {
	arg   any
	cast  string
	exact bool
}

// bind converts a filter value for a comparison on col; ok is false when
// the comparison is not pushed (see the table above).
func bind(col column, op connectors.Op, v any) (binding, bool) {
	switch col.kind {
	case kindInt16, kindInt32, kindInt64:
		b, ok := bindNumber(v, true, false, false)
		if n, isInt := v.(int64); ok && isInt {
			// In the column's own type when it fits: PostgreSQL hashes
			// a long IN list only when both sides hash alike, and
			// int4 = int8 does not.
			switch {
			case col.kind == kindInt16 && n >= math.MinInt16 && n <= math.MaxInt16:
				b.arg, b.cast = int16(n), "int2"
			case col.kind == kindInt32 && n >= math.MinInt32 && n <= math.MaxInt32:
				b.arg, b.cast = int32(n), "int4"
			}
		}
		return b, ok
	case kindDecimal:
		return bindNumber(v, false, false, true)
	case kindFloat64:
		return bindNumber(v, false, true, false)
	case kindNumericFloat:
		// The source compares exact numerics, DuckDB the doubles read:
		// they may disagree at the last digit, so never exact.
		b, ok := bindNumber(v, false, false, false)
		return b, ok
	case kindBool:
		if b, ok := v.(bool); ok {
			return binding{b, "bool", true}, true
		}
	case kindString, kindBpchar:
		if s, ok := v.(string); ok && pgText(s) {
			exact := col.deterministic && (op == connectors.OpEq || op == connectors.OpNe)
			return binding{s, "text", exact}, true
		}
	case kindBytea:
		if b, ok := v.([]byte); ok && b != nil {
			return binding{b, "bytea", true}, true
		}
	case kindDate:
		if d, ok := v.(connectors.Date); ok {
			return binding{dateParam(d), "date", true}, true
		}
	case kindTimestamp:
		if t, ok := v.(connectors.Timestamp); ok {
			return binding{pgtype.Timestamp{Time: time.UnixMicro(int64(t)).UTC(), InfinityModifier: tsInfinity(t), Valid: true}, "timestamp", true}, true
		}
	case kindTimestamptz:
		if t, ok := v.(connectors.Timestamp); ok {
			return binding{pgtype.Timestamptz{Time: time.UnixMicro(int64(t)).UTC(), InfinityModifier: tsInfinity(t), Valid: true}, "timestamptz", true}, true
		}
	}
	return binding{}, false
}

// bindNumber binds a numeric value against an integer, float or decimal
// column: exact when the value is of the column's family, pushed but not
// exact across families (both engines then compare in the wider type).
func bindNumber(v any, intCol, floatCol, decCol bool) (binding, bool) {
	switch n := v.(type) {
	case int64:
		return binding{n, "int8", intCol}, true
	case uint64:
		return binding{pgtype.Numeric{Int: new(big.Int).SetUint64(n), Valid: true}, "numeric", intCol}, true
	case float64:
		return binding{n, "float8", floatCol}, true
	case connectors.Decimal:
		var num pgtype.Numeric
		if err := num.Scan(string(n)); err != nil || !num.Valid || num.NaN || num.InfinityModifier != pgtype.Finite {
			return binding{}, false
		}
		return binding{num, "numeric", intCol || decCol}, true
	}
	return binding{}, false
}

// pgText reports whether s can be a PostgreSQL text value: valid UTF-8
// without NUL bytes. Anything else would be rejected by the server.
func pgText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// endsInEscape reports whether a LIKE pattern ends in an unpaired
// backslash, which PostgreSQL rejects and MySQL reads as a literal.
func endsInEscape(pat string) bool {
	n := 0
	for i := len(pat) - 1; i >= 0 && pat[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func dateParam(d connectors.Date) pgtype.Date {
	return pgtype.Date{Time: time.Unix(int64(d)*86400, 0).UTC(), InfinityModifier: dateInfinity(d), Valid: true}
}

// dateInfinity recognises DuckDB's date infinity sentinels, which scans
// return for PostgreSQL's ±infinity.
func dateInfinity(d connectors.Date) pgtype.InfinityModifier {
	switch d {
	case math.MaxInt32:
		return pgtype.Infinity
	case -math.MaxInt32:
		return pgtype.NegativeInfinity
	}
	return pgtype.Finite
}

// tsInfinity is dateInfinity for timestamps.
func tsInfinity(t connectors.Timestamp) pgtype.InfinityModifier {
	switch t {
	case math.MaxInt64:
		return pgtype.Infinity
	case -math.MaxInt64:
		return pgtype.NegativeInfinity
	}
	return pgtype.Finite
}
