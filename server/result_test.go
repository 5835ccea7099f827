package server

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
)

func TestAppendTextValue(t *testing.T) {
	type named string
	dt := func(d uint8) *Column { return &Column{Type: mysql.MYSQL_TYPE_DATETIME, Decimals: d} }
	dbl := &Column{Type: mysql.MYSQL_TYPE_DOUBLE, Decimals: notFixedDec}
	tm := time.Date(2001, 2, 3, 4, 5, 6, 789000000, time.UTC)
	tests := []struct {
		col  *Column
		v    any
		want string // "NULL" for the NULL marker
	}{
		{dbl, nil, "NULL"},
		{dbl, true, "1"},
		{dbl, false, "0"},
		{dbl, int8(-128), "-128"},
		{dbl, uint64(math.MaxUint64), "18446744073709551615"},
		{dbl, int64(math.MinInt64), "-9223372036854775808"},
		{dbl, 0.1, "0.1"},
		{dbl, 1e6, "1000000"},
		{dbl, 1e20, "1e20"},
		{dbl, 1.5e-7, "1.5e-7"},
		{dbl, -2.5e300, "-2.5e300"},
		{dbl, 0.0, "0"},
		{dbl, math.Inf(1), "+Inf"},
		{dbl, float32(0.1), "0.1"},
		{&Column{Type: mysql.MYSQL_TYPE_DOUBLE, Decimals: 2}, 2.0 / 3, "0.67"},
		{dbl, "", ""},
		{dbl, []byte("a\x00b"), "a\x00b"},
		{dbl, named("n"), "n"},
		{&Column{Type: mysql.MYSQL_TYPE_DATE}, tm, "2001-02-03"},
		{dt(0), tm, "2001-02-03 04:05:06"},
		{dt(3), tm, "2001-02-03 04:05:06.789"},
		{dt(6), tm, "2001-02-03 04:05:06.789000"},
		{&Column{Type: mysql.MYSQL_TYPE_TIME, Decimals: 0}, tm, "04:05:06"},
		{&Column{Type: mysql.MYSQL_TYPE_YEAR}, tm, "2001"},
		{&Column{Type: mysql.MYSQL_TYPE_VAR_STRING}, tm, "2001-02-03 04:05:06.789"},
		{&Column{Type: mysql.MYSQL_TYPE_TIME}, 838*time.Hour + 59*time.Minute + 59*time.Second, "838:59:59"},
		{&Column{Type: mysql.MYSQL_TYPE_TIME, Decimals: 3}, -(time.Minute + 1500*time.Microsecond), "-00:01:00.001"},
		{&Column{Type: mysql.MYSQL_TYPE_TIME, Decimals: 6}, 5 * time.Microsecond, "00:00:00.000005"},
		{dbl, time.Duration(math.MinInt64), "-2562047:47:16.854775"},
	}
	for _, tt := range tests {
		b, err := appendTextValue([]byte("x"), tt.col, tt.v)
		if err != nil {
			t.Errorf("%T %v: %v", tt.v, tt.v, err)
			continue
		}
		got := decodeText(t, b[1:])
		if got != tt.want {
			t.Errorf("%T %v: got %q, want %q", tt.v, tt.v, got, tt.want)
		}
	}
	if _, err := appendTextValue(nil, dbl, struct{}{}); err == nil {
		t.Error("struct{}: want error")
	}
}

// TestAppendLongValue covers the length prefixes of 251+ and 65536+ bytes,
// including a value whose length is only known after formatting.
func TestAppendLongValue(t *testing.T) {
	for _, n := range []int{250, 251, 65535, 65536, 1 << 24} {
		s := strings.Repeat("y", n)
		for _, v := range []any{s, []byte(s), decimal(s)} {
			b, err := appendTextValue(nil, &Column{}, v)
			if err != nil {
				t.Fatal(err)
			}
			if got := decodeText(t, b); got != s {
				t.Errorf("%T of %d bytes: got %d bytes", v, n, len(got))
			}
		}
	}
	long := appendShort(nil, func(b []byte) []byte { return append(b, strings.Repeat("z", 300)...) })
	if got := decodeText(t, long); got != strings.Repeat("z", 300) {
		t.Errorf("appendShort 300: got %q", got)
	}
}

func decodeText(t *testing.T, b []byte) string {
	t.Helper()
	if len(b) == 1 && b[0] == 0xfb {
		return "NULL"
	}
	v, isNull, n, err := mysql.LengthEncodedString(b)
	if err != nil || isNull || n != len(b) {
		t.Fatalf("bad encoding %q: n=%d null=%v err=%v", b, n, isNull, err)
	}
	return string(v)
}

func BenchmarkAppendRow(b *testing.B) {
	vals := []any{int64(123456789), 0.5 * 123456789, "gamma"}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = buf[:0]
		for i := range vals {
			buf, _ = appendTextValue(buf, &rowCols[i], vals[i])
		}
	}
}
