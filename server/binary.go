package server

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"

	"github.com/tributary-sql/tributary/sqlerr"
)

// appendBinaryRow appends one row of a Binary Protocol Resultset (the answer
// to COM_STMT_EXECUTE): 0x00, the NULL bitmap with an offset of 2 bits, then
// each non-NULL value encoded per its column's type.
func appendBinaryRow(b []byte, cols []Column, values []any) ([]byte, error) {
	b = append(b, 0)
	bitmap := len(b)
	for range (len(cols) + 7 + 2) / 8 {
		b = append(b, 0)
	}
	for i, v := range values {
		if v == nil {
			b[bitmap+(i+2)/8] |= 1 << ((i + 2) % 8)
			continue
		}
		var err error
		if b, err = appendBinaryValue(b, &cols[i], v); err != nil {
			return b, err
		}
	}
	return b, nil
}

// appendBinaryValue appends v in the binary encoding of column c's type:
// integers little-endian in the type's width, FLOAT/DOUBLE as IEEE 754,
// dates and times as MySQL's length-prefixed structs, everything else
// (DECIMAL, strings, blobs, JSON, BIT …) length-encoded as in the text
// protocol. A value that does not fit its column is an error, never a
// silently truncated (and so misread) value.
func appendBinaryValue(b []byte, c *Column, v any) ([]byte, error) {
	switch c.Type {
	case mysql.MYSQL_TYPE_TINY:
		n, err := integerBits(c, v, 8)
		return append(b, byte(n)), err
	case mysql.MYSQL_TYPE_SHORT, mysql.MYSQL_TYPE_YEAR:
		n, err := integerBits(c, v, 16)
		return binary.LittleEndian.AppendUint16(b, uint16(n)), err
	case mysql.MYSQL_TYPE_INT24, mysql.MYSQL_TYPE_LONG:
		n, err := integerBits(c, v, 32)
		return binary.LittleEndian.AppendUint32(b, uint32(n)), err
	case mysql.MYSQL_TYPE_LONGLONG:
		n, err := integerBits(c, v, 64)
		return binary.LittleEndian.AppendUint64(b, n), err
	case mysql.MYSQL_TYPE_FLOAT:
		f, err := floatOf(c, v)
		return binary.LittleEndian.AppendUint32(b, math.Float32bits(float32(f))), err
	case mysql.MYSQL_TYPE_DOUBLE:
		f, err := floatOf(c, v)
		return binary.LittleEndian.AppendUint64(b, math.Float64bits(f)), err
	case mysql.MYSQL_TYPE_DATE, mysql.MYSQL_TYPE_NEWDATE, mysql.MYSQL_TYPE_DATETIME, mysql.MYSQL_TYPE_TIMESTAMP:
		t, err := timeOf(c, v)
		if err != nil {
			return b, err
		}
		return appendBinaryTime(b, c, t), nil
	case mysql.MYSQL_TYPE_TIME:
		d, err := durationOf(c, v)
		if err != nil {
			return b, err
		}
		return appendBinaryDuration(b, c.Decimals, d), nil
	case mysql.MYSQL_TYPE_NULL:
		// Clients read nothing for a NULL-typed column but the bitmap.
		return b, badValue(c, v, "a NULL column")
	}
	return appendTextValue(b, c, v)
}

func badValue(c *Column, v any, what string) error {
	return sqlerr.New(sqlerr.Internal, "column %q: value %v (%T) does not fit %s", c.Name, v, v, what)
}

// integerBits returns v as the two's complement bits of an integer of the
// given width, checking the range of the column's signedness.
func integerBits(c *Column, v any, bits uint) (uint64, error) {
	n, u, isUnsigned, ok := integerOf(v)
	if !ok {
		return 0, badValue(c, v, "an integer column")
	}
	unsignedCol := c.Flags&mysql.UNSIGNED_FLAG != 0
	maxU := uint64(math.MaxUint64) >> (64 - bits)
	maxS := int64(maxU >> 1)
	switch {
	case unsignedCol && isUnsigned && u <= maxU:
		return u, nil
	case unsignedCol && !isUnsigned && n >= 0 && uint64(n) <= maxU:
		return uint64(n), nil
	case !unsignedCol && isUnsigned && u <= uint64(maxS):
		return u, nil
	case !unsignedCol && !isUnsigned && n >= -maxS-1 && n <= maxS:
		return uint64(n), nil
	}
	sign := "signed"
	if unsignedCol {
		sign = "unsigned"
	}
	return 0, badValue(c, v, fmt.Sprintf("a %s %d-bit column", sign, bits))
}

// integerOf converts v to an integer: n when it is signed, u when
// isUnsigned. Integral floats, numeric text and a YEAR's time.Time count.
func integerOf(v any) (n int64, u uint64, isUnsigned, ok bool) {
	switch v := v.(type) {
	case bool:
		if v {
			return 1, 0, false, true
		}
		return 0, 0, false, true
	case int:
		return int64(v), 0, false, true
	case int8:
		return int64(v), 0, false, true
	case int16:
		return int64(v), 0, false, true
	case int32:
		return int64(v), 0, false, true
	case int64:
		return v, 0, false, true
	case uint:
		return 0, uint64(v), true, true
	case uint8:
		return 0, uint64(v), true, true
	case uint16:
		return 0, uint64(v), true, true
	case uint32:
		return 0, uint64(v), true, true
	case uint64:
		return 0, v, true, true
	case float32:
		return integerOf(float64(v))
	case float64:
		if v == math.Trunc(v) && v >= -(1<<63) && v < 1<<63 {
			return int64(v), 0, false, true
		}
		if v == math.Trunc(v) && v >= 0 && v < 1<<64 {
			return 0, uint64(v), true, true
		}
		return 0, 0, false, false
	case time.Time:
		return int64(v.Year()), 0, false, true
	case string:
		return integerText(v)
	case []byte:
		return integerText(string(v))
	case fmt.Stringer:
		return integerText(v.String())
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), 0, false, true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return 0, rv.Uint(), true, true
	case reflect.Bool:
		return integerOf(rv.Bool())
	case reflect.String:
		return integerText(rv.String())
	case reflect.Float32, reflect.Float64:
		return integerOf(rv.Float())
	}
	return 0, 0, false, false
}

func integerText(s string) (int64, uint64, bool, bool) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, 0, false, true
	}
	if u, err := strconv.ParseUint(s, 10, 64); err == nil {
		return 0, u, true, true
	}
	return 0, 0, false, false
}

func floatOf(c *Column, v any) (float64, error) {
	switch v := v.(type) {
	case float64:
		return v, nil
	case float32:
		return float64(v), nil
	case string:
		return floatText(c, v)
	case []byte:
		return floatText(c, string(v))
	case fmt.Stringer:
		return floatText(c, v.String())
	}
	if n, u, isUnsigned, ok := integerOf(v); ok {
		if isUnsigned {
			return float64(u), nil
		}
		return float64(n), nil
	}
	rv := reflect.ValueOf(v)
	if k := rv.Kind(); k == reflect.Float32 || k == reflect.Float64 {
		return rv.Float(), nil
	}
	return 0, badValue(c, v, "a floating-point column")
}

func floatText(c *Column, s string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil {
		return 0, badValue(c, s, "a floating-point column")
	}
	return f, nil
}

func timeOf(c *Column, v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v, nil
	case Date:
		return v.Time, nil
	case string, []byte:
		var s string
		if b, ok := v.([]byte); ok {
			s = string(b)
		} else {
			s = v.(string)
		}
		for _, layout := range [...]string{"2006-01-02 15:04:05.999999999", "2006-01-02T15:04:05.999999999", "2006-01-02"} {
			if t, err := time.Parse(layout, s); err == nil {
				return t, nil
			}
		}
	}
	return time.Time{}, badValue(c, v, "a date/time column")
}

// durationOf takes a TIME value: a time.Duration, or a time.Time whose
// clock is the time of day.
func durationOf(c *Column, v any) (time.Duration, error) {
	switch v := v.(type) {
	case time.Duration:
		return v, nil
	case time.Time:
		h, m, s := v.Clock()
		return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
			time.Duration(s)*time.Second + time.Duration(v.Nanosecond()), nil
	}
	return 0, badValue(c, v, "a TIME column")
}

var pow10 = [...]int{1, 10, 100, 1000, 10000, 100000, 1000000}

// truncMicros truncates microseconds to dec fractional digits, as the text
// protocol's formatting does.
func truncMicros(us int, dec uint8) int {
	if dec >= 6 {
		return us
	}
	p := pow10[6-dec]
	return us / p * p
}

// appendBinaryTime appends a DATE/DATETIME/TIMESTAMP struct: a length byte
// (4: date, 7: with time, 11: with microseconds), year (2 bytes), month,
// day, hour, minute, second, microseconds (4 bytes), in t's own location.
func appendBinaryTime(b []byte, c *Column, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	us := truncMicros(t.Nanosecond()/1000, c.Decimals)
	if c.Type == mysql.MYSQL_TYPE_DATE || c.Type == mysql.MYSQL_TYPE_NEWDATE {
		h, mi, s, us = 0, 0, 0, 0
	}
	n := byte(4)
	switch {
	case us != 0:
		n = 11
	case h != 0 || mi != 0 || s != 0:
		n = 7
	}
	b = append(b, n)
	b = binary.LittleEndian.AppendUint16(b, uint16(y))
	b = append(b, byte(mo), byte(d))
	if n >= 7 {
		b = append(b, byte(h), byte(mi), byte(s))
	}
	if n == 11 {
		b = binary.LittleEndian.AppendUint32(b, uint32(us))
	}
	return b
}

// appendBinaryDuration appends a TIME struct: a length byte (0: zero, 8,
// 12: with microseconds), is_negative, days (4 bytes), hours, minutes,
// seconds, microseconds (4 bytes).
func appendBinaryDuration(b []byte, dec uint8, d time.Duration) []byte {
	neg := byte(0)
	u := uint64(d)
	if d < 0 {
		neg, u = 1, uint64(-d) // MinInt64 wraps to itself, which as uint64 is its magnitude
	}
	us := truncMicros(int(u/uint64(time.Microsecond)%1e6), dec)
	secs := u / uint64(time.Second)
	if secs == 0 && us == 0 {
		return append(b, 0)
	}
	n := byte(8)
	if us != 0 {
		n = 12
	}
	b = append(b, n, neg)
	b = binary.LittleEndian.AppendUint32(b, uint32(secs/86400))
	b = append(b, byte(secs/3600%24), byte(secs/60%60), byte(secs%60))
	if n == 12 {
		b = binary.LittleEndian.AppendUint32(b, uint32(us))
	}
	return b
}
