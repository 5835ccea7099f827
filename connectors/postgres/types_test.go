package postgres

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tributary-sql/tributary/connectors"
)

func days(y int, m time.Month, d int) arrow.Date32 {
	return arrow.Date32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

func micros(s string) arrow.Timestamp {
	t, err := time.Parse("2006-01-02 15:04:05.999999Z07", s)
	if err != nil {
		panic(err)
	}
	return arrow.Timestamp(t.UnixMicro())
}

// typeCases is the type table of types.go, one row per PostgreSQL type:
// three SQL literals and the values a scan must return for them (a fourth
// row holds NULL in every column).
var typeCases = []struct {
	pg   string
	want arrow.DataType
	lits [3]string
	vals [3]any
}{
	{"smallint", arrow.PrimitiveTypes.Int16, [3]string{"-32768", "32767", "0"}, [3]any{int16(-32768), int16(32767), int16(0)}},
	{"integer", arrow.PrimitiveTypes.Int32, [3]string{"-2147483648", "2147483647", "0"}, [3]any{int32(math.MinInt32), int32(math.MaxInt32), int32(0)}},
	{"bigint", arrow.PrimitiveTypes.Int64, [3]string{"-9223372036854775808", "9223372036854775807", "1"}, [3]any{int64(math.MinInt64), int64(math.MaxInt64), int64(1)}},
	{"real", arrow.PrimitiveTypes.Float32, [3]string{"'3.4028235e38'", "'-Infinity'", "'NaN'"}, [3]any{float32(math.MaxFloat32), float32(math.Inf(-1)), float32(math.NaN())}},
	{"double precision", arrow.PrimitiveTypes.Float64, [3]string{"'1.7976931348623157e308'", "'5e-324'", "'-0.1'"}, [3]any{math.MaxFloat64, 5e-324, -0.1}},
	{"numeric(10,2)", &arrow.Decimal128Type{Precision: 10, Scale: 2}, [3]string{"-99999999.99", "0.01", "0"}, [3]any{"-99999999.99", "0.01", "0.00"}},
	{"numeric(38,0)", &arrow.Decimal128Type{Precision: 38}, [3]string{"99999999999999999999999999999999999999", "-99999999999999999999999999999999999999", "10000"}, [3]any{"99999999999999999999999999999999999999", "-99999999999999999999999999999999999999", "10000"}},
	{"numeric(38,38)", &arrow.Decimal128Type{Precision: 38, Scale: 38}, [3]string{"0.12345678901234567890123456789012345678", "-0.00000000000000000000000000000000000001", "0.5"}, [3]any{"0.12345678901234567890123456789012345678", "-0.00000000000000000000000000000000000001", "0.50000000000000000000000000000000000000"}},
	{"numeric(20,5)", &arrow.Decimal128Type{Precision: 20, Scale: 5}, [3]string{"12345.6", "-0.00001", "123456789012345.12345"}, [3]any{"12345.60000", "-0.00001", "123456789012345.12345"}},
	{"numeric", arrow.PrimitiveTypes.Float64, [3]string{"123.4500", "'NaN'", "-1e-30"}, [3]any{123.45, math.NaN(), -1e-30}},
	{"numeric(50,10)", arrow.BinaryTypes.String, [3]string{"1", "-2.5", "0"}, [3]any{"1.0000000000", "-2.5000000000", "0.0000000000"}},
	{"numeric(3,-2)", arrow.BinaryTypes.String, [3]string{"12345", "0", "-50"}, [3]any{"12300", "0", "-100"}},
	{"boolean", arrow.FixedWidthTypes.Boolean, [3]string{"true", "false", "'yes'"}, [3]any{true, false, true}},
	{"text", arrow.BinaryTypes.String, [3]string{"'héllo wörld ✓ 日本語 🎉'", "''", "'a''b\\c'"}, [3]any{"héllo wörld ✓ 日本語 🎉", "", `a'b\c`}},
	{"varchar(5)", arrow.BinaryTypes.String, [3]string{"'ñandú'", "'a'", "' x '"}, [3]any{"ñandú", "a", " x "}},
	{"char(4)", arrow.BinaryTypes.String, [3]string{"'ab'", "'ñ'", "'abcd'"}, [3]any{"ab", "ñ", "abcd"}},
	{"name", arrow.BinaryTypes.String, [3]string{"'pg_name'", "'ünï'", "''"}, [3]any{"pg_name", "ünï", ""}},
	{"bytea", arrow.BinaryTypes.Binary, [3]string{`'\x00ff'`, `'\x'`, `'\x2722'`}, [3]any{[]byte{0, 255}, []byte{}, []byte(`'"`)}},
	{"date", arrow.FixedWidthTypes.Date32, [3]string{"'2024-02-29'", "'0001-01-01 BC'", "'infinity'"}, [3]any{days(2024, 2, 29), days(0, 1, 1), arrow.Date32(math.MaxInt32)}},
	{"timestamp", &arrow.TimestampType{Unit: arrow.Microsecond}, [3]string{"'2024-02-29 13:14:15.123456'", "'1900-01-01 00:00:00'", "'-infinity'"}, [3]any{micros("2024-02-29 13:14:15.123456Z"), micros("1900-01-01 00:00:00Z"), arrow.Timestamp(-math.MaxInt64)}},
	{"timestamptz", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, [3]string{"'2024-02-29 13:14:15.123456+02'", "'1969-12-31 23:59:59.999999+00'", "'infinity'"}, [3]any{micros("2024-02-29 11:14:15.123456Z"), arrow.Timestamp(-1), arrow.Timestamp(math.MaxInt64)}},
	{"time", arrow.FixedWidthTypes.Time64us, [3]string{"'00:00:00'", "'23:59:59.999999'", "'12:00:00.5'"}, [3]any{arrow.Time64(0), arrow.Time64(86399999999), arrow.Time64(43200500000)}},
	{"interval", arrow.BinaryTypes.String, [3]string{"'1 day 2 hours'", "'-1 mon'", "'0.000001 s'"}, [3]any{"1 day 02:00:00", "-1 mons", "00:00:00.000001"}},
	{"uuid", arrow.BinaryTypes.String, [3]string{"'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "'00000000-0000-0000-0000-000000000000'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'"}, [3]any{"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff"}},
	{"json", arrow.BinaryTypes.String, [3]string{`'{"a": [1, "é"]}'`, `'null'`, `'"x"'`}, [3]any{`{"a": [1, "é"]}`, "null", `"x"`}},
	{"jsonb", arrow.BinaryTypes.String, [3]string{`'{"b":1, "a":"ü"}'`, `'[]'`, `'1.50'`}, [3]any{`{"a": "ü", "b": 1}`, "[]", "1.50"}},
	{"mood", arrow.BinaryTypes.String, [3]string{"'sad'", "'happy'", "'ok'"}, [3]any{"sad", "happy", "ok"}},
	{"integer[]", arrow.BinaryTypes.String, [3]string{"'{1,2,NULL}'", "'{}'", "'{{1,2},{3,4}}'"}, [3]any{"{1,2,NULL}", "{}", "{{1,2},{3,4}}"}},
	{"text[]", arrow.BinaryTypes.String, [3]string{`'{"a b",c}'`, `'{"é"}'`, `'{""}'`}, [3]any{`{"a b",c}`, "{é}", `{""}`}},
	{"inet", arrow.BinaryTypes.String, [3]string{"'192.168.0.1/24'", "'::1'", "'10.0.0.1'"}, [3]any{"192.168.0.1/24", "::1", "10.0.0.1"}},
	{"money", arrow.BinaryTypes.String, [3]string{"12.34", "-1", "0"}, [3]any{"$12.34", "-$1.00", "$0.00"}},
	{"int4range", arrow.BinaryTypes.String, [3]string{"'[1,5)'", "'empty'", "'(,3]'"}, [3]any{"[1,5)", "empty", "(,4)"}},
	{"timetz", arrow.BinaryTypes.String, [3]string{"'12:00:00+02'", "'00:00:00.000001-05:30'", "'23:59:59+00'"}, [3]any{"12:00:00+02", "00:00:00.000001-05:30", "23:59:59+00"}},
	{"price", &arrow.Decimal128Type{Precision: 6, Scale: 2}, [3]string{"1.5", "9999.99", "0"}, [3]any{"1.50", "9999.99", "0.00"}},
	{"oid", arrow.BinaryTypes.String, [3]string{"0", "4294967295", "26"}, [3]any{"0", "4294967295", "26"}},
}

// TestTypeRoundTrip creates one table with a column of every type of the
// mapping, inserts edge values and a row of NULLs, and checks both the
// discovered Arrow types and the scanned values.
func TestTypeRoundTrip(t *testing.T) {
	cols := make([]string, len(typeCases))
	for i, tc := range typeCases {
		cols[i] = fmt.Sprintf("c%d %s", i, tc.pg)
	}
	setup := []string{
		"CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')",
		"CREATE DOMAIN price AS numeric(6,2) CHECK (VALUE >= 0)",
		"CREATE TABLE types (id int, " + strings.Join(cols, ", ") + ")",
	}
	for r := range 3 {
		vals := make([]string, len(typeCases))
		for i, tc := range typeCases {
			vals[i] = fmt.Sprintf("(%s)::%s", tc.lits[r], tc.pg)
		}
		setup = append(setup, fmt.Sprintf("INSERT INTO types VALUES (%d, %s)", r, strings.Join(vals, ", ")))
	}
	setup = append(setup, "INSERT INTO types (id) VALUES (3)")
	schema, _ := newSchema(t, setup...)
	c := newConnector(t, schema, map[string]any{"batch_rows": 2}) // several batches

	tables, err := c.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) != 1 || tables[0].Name != "types" {
		t.Fatalf("tables: %+v", tables)
	}
	fields := tables[0].Schema.Fields()
	rows := drain(t, scan(t, c, connectors.ScanRequest{Table: "types"}))
	if len(rows) != 4 {
		t.Fatalf("got %d rows, want 4", len(rows))
	}
	for i, tc := range typeCases {
		t.Run(tc.pg, func(t *testing.T) {
			f := fields[i+1]
			if !arrow.TypeEqual(f.Type, tc.want) {
				t.Errorf("arrow type %s, want %s", f.Type, tc.want)
			}
			if !f.Nullable {
				t.Errorf("column is not nullable")
			}
			for r := range 3 {
				got, want := rows[r][i+1], tc.vals[r]
				if fmt.Sprintf("%T %v", got, got) != fmt.Sprintf("%T %v", want, want) {
					t.Errorf("row %d (%s): got %T %v, want %T %v", r, tc.lits[r], got, got, want, want)
				}
			}
			if rows[3][i+1] != nil {
				t.Errorf("NULL row: got %v", rows[3][i+1])
			}
		})
	}
}

// TestNumericErrors: values a decimal128 column cannot carry fail the scan
// with a message naming the column, rather than becoming wrong numbers.
func TestNumericErrors(t *testing.T) {
	schema, _ := newSchema(t,
		"CREATE TABLE n (x numeric(5,2))",
		"INSERT INTO n VALUES (1), ('NaN')",
		"CREATE TABLE ts (x timestamp)",
		"INSERT INTO ts VALUES ('294276-12-31 23:59:59')")
	c := newConnector(t, schema, nil)
	for _, table := range []string{"n", "ts"} {
		s := scan(t, c, connectors.ScanRequest{Table: table})
		for s.Reader.Next() {
		}
		err := s.Reader.Err()
		s.Reader.Release()
		if err == nil || !strings.Contains(err.Error(), `column "x"`) {
			t.Errorf("%s: got %v, want an error naming column x", table, err)
		}
	}
}

func TestDecodeNumericUnit(t *testing.T) {
	// Binary numerics built by hand: 1.05 (weight 0: [1, 0500]), scale 2.
	raw := []byte{0, 2, 0, 0, 0, 0, 0, 2, 0, 1, 0x01, 0xF4}
	n, err := decodeNumeric(raw, 2)
	if err != nil || n.ToString(2) != "1.05" {
		t.Fatalf("got %v %v", n.ToString(2), err)
	}
	if _, err := decodeNumeric(raw, 1); err == nil {
		t.Fatal("1.05 at scale 1 should not decode")
	}
	if _, err := decodeNumeric(raw[:9], 2); err == nil {
		t.Fatal("truncated numeric should not decode")
	}
}
