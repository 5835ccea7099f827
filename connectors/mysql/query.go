package mysql

import (
	"fmt"
	"strings"
	"time"

	"github.com/tributary-sql/tributary/connectors"
)

// query is the SELECT of one scan: SQL text holding only quoted
// identifiers, keywords and `?` placeholders, and the values bound to them.
type query struct {
	sql   string
	args  []any
	exact []bool
}

// buildQuery writes the SELECT of a scan of db.table returning proj, with
// every filter that can be pushed safely. A pushed filter that is not exact
// returns a superset of the matching rows (the planner re-applies it); a
// filter that could lose rows (say a string range under a collation that
// orders differently from bytes) is not pushed at all.
func buildQuery(db, table string, cols, proj []column, filters []connectors.Filter, limit int64) (query, error) {
	q := query{exact: make([]bool, len(filters))}
	var sb strings.Builder
	sb.WriteString("SELECT ")
	for i, c := range proj {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(c.selectExpr())
	}
	sb.WriteString(" FROM ")
	sb.WriteString(quoteIdent(db))
	sb.WriteByte('.')
	sb.WriteString(quoteIdent(table))
	sep := " WHERE "
	for i, f := range filters {
		c, ok := findColumn(cols, f.Column)
		if !ok {
			return query{}, fmt.Errorf("mysql: filter on %q: no such column in %s: %w", f.Column, table, connectors.ErrColumnNotFound)
		}
		cond, args, exact, ok := pushFilter(c, f)
		if !ok || len(q.args)+len(args) > maxPlaceholders {
			continue // a filter not pushed is applied by the planner
		}
		sb.WriteString(sep)
		sb.WriteString(cond)
		sep = " AND "
		q.args = append(q.args, args...)
		q.exact[i] = exact
	}
	if limit > 0 {
		sb.WriteString(" LIMIT ?")
		q.args = append(q.args, limit)
	}
	q.sql = sb.String()
	return q, nil
}

// findColumn finds a column by its exact name, else case-insensitively
// (MySQL column names are case-insensitive) when that is unambiguous.
func findColumn(cols []column, name string) (column, bool) {
	var found []column
	for _, c := range cols {
		if c.name == name {
			return c, true
		}
		if strings.EqualFold(c.name, name) {
			found = append(found, c)
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return column{}, false
}

// maxPlaceholders keeps a statement under MySQL's limit of 65,535
// placeholders (long IN lists come from dynamic filters), with room for
// the LIMIT.
const maxPlaceholders = 65_000

// pushFilter renders one filter as a condition on c, or says it cannot be
// pushed (ok false).
func pushFilter(c column, f connectors.Filter) (cond string, args []any, exact, ok bool) {
	col := quoteIdent(c.name)
	temporal := c.kind == kDate || c.kind == kDatetime || c.kind == kTimestamp || c.kind == kTime
	switch f.Op {
	case connectors.OpIsNull:
		// MySQL's IS NULL also matches zero dates, but only in NOT NULL
		// columns; this connector shows every zero date as NULL, so the
		// server's answer could miss rows: not pushed for temporal columns.
		return col + " IS NULL", nil, true, !temporal
	case connectors.OpIsNotNull:
		// Zero dates pass the server's IS NOT NULL and arrive as NULL:
		// a superset, re-checked by the planner.
		return col + " IS NOT NULL", nil, !temporal, true
	case connectors.OpLike:
		if c.kind != kText || len(f.Values) != 1 {
			return "", nil, false, false
		}
		s, isStr := f.Values[0].(string)
		if !isStr {
			return "", nil, false, false
		}
		// Collations compare case- (and often accent-) insensitively, so
		// the server's LIKE matches a superset of DuckDB's byte-wise LIKE.
		return col + " LIKE ? ESCAPE '\\\\'", []any{s}, false, true
	case connectors.OpEq, connectors.OpIn:
		return pushCompare(c, f, col, true)
	case connectors.OpNe, connectors.OpLt, connectors.OpLe, connectors.OpGt, connectors.OpGe:
		if c.kind == kText {
			// A collation orders strings differently from bytes ('B' < 'a'
			// in bytes, not in utf8mb4_general_ci; 'a' <> 'A' is false):
			// the server's answer could miss rows DuckDB keeps.
			return "", nil, false, false
		}
		return pushCompare(c, f, col, false)
	}
	return "", nil, false, false
}

// pushCompare renders `col op ?` or `col IN (?, …)` when every value fits
// the column's kind. Equality on temporal columns is exact (a matching row
// holds a real date); ranges and <> are not, since zero dates compare on
// the server but arrive as NULL.
func pushCompare(c column, f connectors.Filter, col string, equality bool) (string, []any, bool, bool) {
	if len(f.Values) == 0 || (f.Op != connectors.OpIn && len(f.Values) != 1) {
		return "", nil, false, false
	}
	exact := c.kind != kText && (equality || !isTemporal(c.kind))
	marks := make([]string, len(f.Values))
	args := make([]any, len(f.Values))
	for i, v := range f.Values {
		mark, arg, ok := bindValue(c.kind, v)
		if !ok {
			return "", nil, false, false
		}
		marks[i], args[i] = mark, arg
	}
	if f.Op == connectors.OpIn {
		return col + " IN (" + strings.Join(marks, ",") + ")", args, exact, true
	}
	return col + " " + string(f.Op) + " " + marks[0], args, exact, true
}

func isTemporal(k kind) bool {
	return k == kDate || k == kDatetime || k == kTimestamp || k == kTime
}

// bindValue turns a typed filter value into a placeholder and its
// argument, when the value's type fits a column of kind k such that the
// server compares the way DuckDB does.
func bindValue(k kind, v any) (mark string, arg any, ok bool) {
	if v == nil {
		return "?", nil, true // comparisons with NULL are never true, on both sides
	}
	switch k {
	case kInt8, kInt16, kInt32, kInt64, kUint8, kUint16, kUint32, kUint64, kBit, kDecimal, kFloat64:
		return bindNumber(v)
	case kText:
		s, ok := v.(string)
		return "?", s, ok
	case kBinary:
		b, ok := v.([]byte)
		return "?", b, ok
	case kDate:
		d, ok := v.(connectors.Date)
		return "?", time.Unix(int64(d)*86400, 0).UTC().Format("2006-01-02"), ok
	case kDatetime, kTimestamp:
		// The driver formats a time.Time in UTC (loc=UTC), the session's
		// zone, so TIMESTAMP columns compare in UTC too.
		ts, ok := v.(connectors.Timestamp)
		return "?", time.UnixMicro(int64(ts)).UTC(), ok
	}
	// FLOAT (float32 on the server, compared after widening), YEAR
	// (two-digit values are reinterpreted), TIME, JSON, geometry, wide
	// decimals and unknown types: not pushed.
	return "", nil, false
}

func bindNumber(v any) (string, any, bool) {
	switch n := v.(type) {
	case int64, uint64, float64:
		return "?", n, true
	case bool:
		if n {
			return "?", int64(1), true
		}
		return "?", int64(0), true
	case connectors.Decimal:
		// A string parameter would be compared as a double; cast to a
		// DECIMAL as wide as the value, so the comparison is exact. The
		// precision and scale are integers counted here, not outside text.
		p, s, ok := decimalShape(string(n))
		if !ok {
			return "", nil, false
		}
		return fmt.Sprintf("CAST(? AS DECIMAL(%d,%d))", p, s), string(n), true
	}
	return "", nil, false
}

// decimalShape returns the precision and scale of a canonical decimal
// ("-12.50" is 4,2), refusing what MySQL's DECIMAL cannot hold.
func decimalShape(s string) (p, sc int, ok bool) {
	s = strings.TrimPrefix(s, "-")
	intPart, frac, _ := strings.Cut(s, ".")
	if intPart == "" && frac == "" {
		return 0, 0, false
	}
	for _, r := range intPart + frac {
		if r < '0' || r > '9' {
			return 0, 0, false
		}
	}
	p, sc = len(intPart)+len(frac), len(frac)
	if p == 0 || p > 65 || sc > 30 {
		return 0, 0, false
	}
	return p, sc, true
}
