package tpch

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strings"
	"time"

	"github.com/duckdb/duckdb-go/v2"
)

// Answers are compared the way the federated TPC-H test and the benchmark
// (cmd/tpchbench) need: a query's rows from any database/sql driver (the
// gateway's MySQL protocol, DuckDB, PostgreSQL) reduced to cells, and a
// diff that is exact for integers and decimals, 1e-9 relative for doubles.

// cell is a result value reduced to what the comparison cares about, so
// that the MySQL driver's and DuckDB's Go types meet.
type cell struct {
	null  bool
	exact *big.Rat // integers and decimals
	scale int      // digits after the point of a decimal
	float *float64
	text  string // strings, and dates as YYYY-MM-DD
}

func (c cell) String() string {
	switch {
	case c.null:
		return "NULL"
	case c.exact != nil:
		return c.exact.FloatString(c.scale)
	case c.float != nil:
		return fmt.Sprint(*c.float)
	}
	return fmt.Sprintf("%q", c.text)
}

// Row is one row of an answer, as Collect reduced it.
type Row []cell

// Collect runs a query and returns its rows.
func Collect(ctx context.Context, db *sql.DB, query string) ([]Row, error) {
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return nil, err
	}
	var out []Row
	for rows.Next() {
		vals := make([]any, len(types))
		ptrs := make([]any, len(types))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		r := make(Row, len(vals))
		for i, v := range vals {
			if r[i], err = toCell(v, types[i].DatabaseTypeName()); err != nil {
				return nil, fmt.Errorf("column %s: %w", types[i].Name(), err)
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func toCell(v any, dbType string) (cell, error) {
	switch v := v.(type) {
	case nil:
		return cell{null: true}, nil
	case []byte:
		return textCell(string(v), dbType)
	case string:
		return textCell(v, dbType)
	case int64:
		return cell{exact: new(big.Rat).SetInt64(v)}, nil
	case int32:
		return cell{exact: new(big.Rat).SetInt64(int64(v))}, nil
	case int8, int16, uint8, uint16, uint32, uint64:
		return cell{exact: new(big.Rat).SetInt64(toInt64(v))}, nil
	case *big.Int:
		return cell{exact: new(big.Rat).SetInt(v)}, nil
	case float64:
		return cell{float: &v}, nil
	case float32:
		f := float64(v)
		return cell{float: &f}, nil
	case duckdb.Decimal:
		r := new(big.Rat).SetFrac(v.Value, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(v.Scale)), nil))
		return cell{exact: r, scale: int(v.Scale)}, nil
	case time.Time:
		return cell{text: v.Format(time.DateOnly)}, nil
	}
	return cell{}, fmt.Errorf("unexpected value %v (%T)", v, v)
}

func toInt64(v any) int64 {
	var n int64
	fmt.Sscan(fmt.Sprint(v), &n)
	return n
}

// textCell reads a value sent as text: numbers of numeric columns (the
// MySQL text protocol's, PostgreSQL's NUMERIC), strings of the others.
// PostgreSQL pads CHAR(n) values with blanks, which the other sides do
// not return, so they are trimmed.
func textCell(s, dbType string) (cell, error) {
	switch dbType {
	case "BPCHAR":
		return cell{text: strings.TrimRight(s, " ")}, nil
	case "NUMERIC", "DECIMAL", "BIGINT", "INT", "SMALLINT", "TINYINT", "MEDIUMINT", "UNSIGNED BIGINT", "UNSIGNED INT":
		r, ok := new(big.Rat).SetString(s)
		if !ok {
			return cell{}, fmt.Errorf("%s %q is not a number", dbType, s)
		}
		scale := 0
		if i := strings.IndexByte(s, '.'); i >= 0 {
			scale = len(s) - i - 1
		}
		return cell{exact: r, scale: scale}, nil
	case "DOUBLE", "FLOAT":
		var f float64
		if _, err := fmt.Sscan(s, &f); err != nil {
			return cell{}, err
		}
		return cell{float: &f}, nil
	}
	return cell{text: s}, nil
}

// same reports whether the gateway's value got equals DuckDB's want:
// exact numbers exactly; a gateway decimal against a DuckDB double (MySQL
// keeps AVG and / exact where DuckDB uses doubles) when it is the double
// correctly rounded to the decimal's scale; doubles within 1e-9 relative;
// strings and dates exactly.
func same(got, want cell) bool {
	switch {
	case got.null || want.null:
		return got.null == want.null
	case got.exact != nil && want.exact != nil:
		return got.exact.Cmp(want.exact) == 0
	case got.exact != nil && want.float != nil:
		g, _ := got.exact.Float64()
		half := 0.5 * math.Pow10(-got.scale)
		return math.Abs(g-*want.float) <= half*(1+1e-9)+1e-12*math.Abs(*want.float)
	case got.float != nil && (want.float != nil || want.exact != nil):
		w := want.float
		if w == nil {
			f, _ := want.exact.Float64()
			w = &f
		}
		return closeFloat(*got.float, *w)
	case got.exact == nil && got.float == nil && want.exact == nil && want.float == nil:
		return got.text == want.text
	}
	return false
}

func closeFloat(a, b float64) bool {
	return a == b || math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// Diff describes the first difference between two answers, or is empty.
// Without ORDER BY (ordered false) the row order is free, so both sides
// are sorted first.
func Diff(got, want []Row, ordered bool) string {
	if len(got) != len(want) {
		return fmt.Sprintf("%d rows, want %d (first got %v, first want %v)", len(got), len(want), first(got), first(want))
	}
	if !ordered {
		got, want = sortedRows(got), sortedRows(want)
	}
	for i := range got {
		if len(got[i]) != len(want[i]) {
			return fmt.Sprintf("row %d: %d columns, want %d", i, len(got[i]), len(want[i]))
		}
		for j := range got[i] {
			if !same(got[i][j], want[i][j]) {
				return fmt.Sprintf("row %d column %d: got %v, want %v\n got row %v\nwant row %v", i, j, got[i][j], want[i][j], got[i], want[i])
			}
		}
	}
	return ""
}

func first(rows []Row) any {
	if len(rows) == 0 {
		return "none"
	}
	return rows[0]
}

func sortedRows(rows []Row) []Row {
	s := slices.Clone(rows)
	slices.SortFunc(s, func(a, b Row) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	return s
}

// Vacuous reports whether an answer is empty or only NULLs (an aggregate
// over no rows), which any broken gateway could match.
func Vacuous(rows []Row) bool {
	for _, r := range rows {
		for _, c := range r {
			if !c.null {
				return false
			}
		}
	}
	return true
}
