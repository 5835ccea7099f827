package mysql

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tributary-sql/tributary/connectors"
)

// TestTypeRoundTrip creates a column of every type of the mapping table,
// inserts edge values and a row of NULLs, and checks Arrow types and values.
func TestTypeRoundTrip(t *testing.T) {
	cases := []struct {
		col, def, arrowType string
		lo, hi              string // SQL literals inserted
		wantLo, wantHi      any
	}{
		{"ti", "TINYINT", "int8", "-128", "127", int64(-128), int64(127)},
		{"tb", "TINYINT(1)", "int8", "0", "-2", int64(0), int64(-2)},
		{"bo", "BOOL", "int8", "FALSE", "TRUE", int64(0), int64(1)},
		{"tu", "TINYINT UNSIGNED", "uint8", "0", "255", uint64(0), uint64(255)},
		{"si", "SMALLINT", "int16", "-32768", "32767", int64(-32768), int64(32767)},
		{"su", "SMALLINT UNSIGNED", "uint16", "0", "65535", uint64(0), uint64(65535)},
		{"mi", "MEDIUMINT", "int32", "-8388608", "8388607", int64(-8388608), int64(8388607)},
		{"mu", "MEDIUMINT UNSIGNED", "uint32", "0", "16777215", uint64(0), uint64(16777215)},
		{"i", "INT", "int32", "-2147483648", "2147483647", int64(-2147483648), int64(2147483647)},
		{"iu", "INT UNSIGNED", "uint32", "0", "4294967295", uint64(0), uint64(4294967295)},
		{"bi", "BIGINT", "int64", "-9223372036854775808", "9223372036854775807", int64(-9223372036854775808), int64(9223372036854775807)},
		{"bu", "BIGINT UNSIGNED", "uint64", "9223372036854775807", "18446744073709551615", uint64(9223372036854775807), uint64(18446744073709551615)},
		{"de", "DECIMAL(10,2)", "decimal(10, 2)", "-12345678.90", "0.05", "-12345678.90", "0.05"},
		{"d38", "DECIMAL(38,10)", "decimal(38, 10)", "-9999999999999999999999999999.9999999999", "1234567890123456789012345678.0000000001",
			"-9999999999999999999999999999.9999999999", "1234567890123456789012345678.0000000001"},
		{"d65", "DECIMAL(65,5)", "utf8", "-1", "123456789012345678901234567890123456789012345678901234567890.12345",
			"-1.00000", "123456789012345678901234567890123456789012345678901234567890.12345"},
		{"fl", "FLOAT", "float32", "-1.5", "3.25", float64(-1.5), float64(3.25)},
		{"du", "DOUBLE", "float64", "-1.7976931348623157e308", "2.2250738585072014e-308", -1.7976931348623157e308, 2.2250738585072014e-308},
		{"bt", "BIT(10)", "uint64", "b'0'", "b'1111111111'", uint64(0), uint64(1023)},
		{"b64", "BIT(64)", "uint64", "b'1'", "0xFFFFFFFFFFFFFFFF", uint64(1), uint64(18446744073709551615)},
		{"yr", "YEAR", "int16", "1901", "2155", int64(1901), int64(2155)},
		{"ch", "CHAR(5)", "utf8", "''", "'héllo'", "", "héllo"},
		{"vc", "VARCHAR(50)", "utf8", "'ascii'", "'日本語 🚀 ünïcødé'", "ascii", "日本語 🚀 ünïcødé"},
		{"tx", "TEXT", "utf8", "'multi\\nline'", "'\\' \" \\\\ %'", "multi\nline", "' \" \\ %"},
		{"lt", "LONGTEXT", "utf8", "'x'", "REPEAT('é', 70000)", "x", strings.Repeat("é", 70000)},
		{"en", "ENUM('a','b')", "utf8", "'a'", "'b'", "a", "b"},
		{"st", "SET('x','y','z')", "utf8", "''", "'z,x'", "", "x,z"},
		{"js", "JSON", "utf8", `'{"a": 1}'`, `'[1, "ü"]'`, `{"a": 1}`, `[1, "ü"]`},
		{"bn", "BINARY(3)", "binary", "0x000102", "'a'", "0x000102", "0x610000"},
		{"vb", "VARBINARY(10)", "binary", "''", "0xFF00", "0x", "0xff00"},
		{"bl", "BLOB", "binary", "0x00", "'blob'", "0x00", "0x626c6f62"},
		{"da", "DATE", "date32", "'1000-01-01'", "'9999-12-31'", "1000-01-01", "9999-12-31"},
		{"dt6", "DATETIME(6)", "timestamp[us]", "'1000-01-01 00:00:00'", "'9999-12-31 23:59:59.999999'", "1000-01-01 00:00:00", "9999-12-31 23:59:59.999999"},
		{"dt0", "DATETIME", "timestamp[us]", "'1969-12-31 23:59:59'", "'2024-02-29 12:34:56'", "1969-12-31 23:59:59", "2024-02-29 12:34:56"},
		{"ts", "TIMESTAMP(6) NULL", "timestamp[us, tz=UTC]", "'1970-01-01 00:00:01'", "'2038-01-19 03:14:07.999999'", "1970-01-01 00:00:01", "2038-01-19 03:14:07.999999"},
		{"tm", "TIME(6)", "time64[us]", "'00:00:00'", "'23:59:59.999999'", "00:00:00", "23:59:59.999999"},
		{"tm3", "TIME(3)", "time64[us]", "'12:00:00.5'", "'00:00:01.001'", "12:00:00.5", "00:00:01.001"},
		{"ge", "GEOMETRY", "binary", "ST_GeomFromText('POINT(1 2)')", "ST_GeomFromText('LINESTRING(0 0,1 1)')",
			"0x0101000000000000000000f03f0000000000000040",
			"0x01020000000200000000000000000000000000000000000000000000000000f03f000000000000f03f"},
	}
	db := admin(t)
	defs := make([]string, len(cases))
	cols := make([]string, len(cases))
	lo := make([]string, len(cases))
	hi := make([]string, len(cases))
	nulls := make([]string, len(cases))
	for i, tc := range cases {
		defs[i] = "`" + tc.col + "` " + tc.def
		cols[i], lo[i], hi[i], nulls[i] = tc.col, tc.lo, tc.hi, "NULL"
	}
	mustExec(t, db, "DROP TABLE IF EXISTS alltypes")
	mustExec(t, db, "CREATE TABLE alltypes (id INT PRIMARY KEY, "+strings.Join(defs, ", ")+")")
	for i, vals := range [][]string{lo, hi, nulls} {
		mustExec(t, db, "INSERT INTO alltypes VALUES ("+string(rune('1'+i))+", "+strings.Join(vals, ", ")+")")
	}

	c := newTestConnector(t, nil)
	rows, s := scanAll(t, c, connectors.ScanRequest{Table: "alltypes", Columns: cols})
	if len(rows) != 3 {
		t.Fatalf("got %d rows, want 3", len(rows))
	}
	for i, tc := range cases {
		t.Run(tc.col, func(t *testing.T) {
			f := s.Reader.Schema().Field(i)
			if f.Name != tc.col || f.Type.String() != tc.arrowType || !f.Nullable {
				t.Errorf("field %s %s nullable=%v, want %s %s nullable", f.Name, f.Type, f.Nullable, tc.col, tc.arrowType)
			}
			for r, want := range []any{tc.wantLo, tc.wantHi, nil} {
				if got := rows[r][i]; !reflect.DeepEqual(got, want) {
					t.Errorf("row %d: got %#v, want %#v", r+1, truncate(got), truncate(want))
				}
			}
		})
	}
}

func truncate(v any) any {
	if s, ok := v.(string); ok && len(s) > 60 {
		return s[:60] + "…"
	}
	return v
}

// TestZeroDatesAndTimes: values MySQL allows that Arrow cannot hold become
// NULL, and such columns are nullable even when declared NOT NULL.
func TestZeroDatesAndTimes(t *testing.T) {
	db := admin(t)
	mustExec(t, db, "DROP TABLE IF EXISTS zerodates")
	mustExec(t, db, "CREATE TABLE zerodates (id INT, d DATE NOT NULL, dt DATETIME NOT NULL, ts TIMESTAMP NOT NULL, tm TIME NOT NULL)")
	mustExec(t, db, "SET SESSION sql_mode = ''")
	defer mustExec(t, db, "SET SESSION sql_mode = DEFAULT")
	mustExec(t, db, `INSERT INTO zerodates VALUES
		(1, '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '-01:00:00'),
		(2, '2024-00-10', '2024-05-00 10:00:00', '2024-01-01 00:00:00', '25:00:00'),
		(3, '2024-01-31', '2024-01-31 10:00:00', '2024-01-31 10:00:00', '838:59:59')`)
	c := newTestConnector(t, nil)
	rows, s := scanAll(t, c, connectors.ScanRequest{Table: "zerodates"})
	want := [][]any{
		{int64(1), nil, nil, nil, nil},
		{int64(2), nil, nil, "2024-01-01 00:00:00", nil},
		{int64(3), "2024-01-31", "2024-01-31 10:00:00", "2024-01-31 10:00:00", nil},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("got %v, want %v", rows, want)
	}
	for _, f := range s.Reader.Schema().Fields()[1:] {
		if !f.Nullable {
			t.Errorf("%s is not nullable", f.Name)
		}
	}
}

func TestParsers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1970-01-01", 0, true},
		{"2000-03-01", 11017, true},
		{"0000-00-00", 0, false},
		{"2023-02-29", 0, false},
		{"2024-02-29", 19782, true},
		{"0001-01-01", -719162, true},
	} {
		got, ok := parseDate([]byte(tc.in))
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseDate(%s) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	if _, ok := parseTimeOfDay([]byte("24:00:00")); ok {
		t.Error("24:00:00 accepted as a time of day")
	}
	if v, ok := parseTimeOfDay([]byte("01:02:03.4")); !ok || v != 3723400000 {
		t.Errorf("01:02:03.4 = %d, %v", v, ok)
	}
	if _, err := parseDecimal([]byte("1.234"), 2); err == nil {
		t.Error("more fraction digits than the scale accepted")
	}
}
