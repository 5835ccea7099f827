package server

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"

	"github.com/tributary-sql/tributary/sqlerr"
)

const (
	charsetUTF8MB4 = 45 // utf8mb4_general_ci
	charsetBinary  = 63
	notFixedDec    = 31 // Decimals value meaning "not fixed" for FLOAT/DOUBLE
)

// packetWriter is the part of go-mysql's connection the result writer needs.
type packetWriter interface {
	WritePacket(data []byte) error
}

// resultWriter streams one COM_QUERY result: column count, column
// definitions and EOF on Columns, one text-protocol row packet per Row. The
// final EOF (or ERR) is written by the command loop. Not safe for concurrent
// use; one per statement.
//
// go-mysql v1.13 never announces CLIENT_DEPRECATE_EOF, so the negotiated
// protocol always has the EOF after the column definitions. (Conn.Capability
// holds the client's raw flags, not the negotiated ones: do not test it.)
type resultWriter struct {
	pw     packetWriter
	status uint16 // server status flags for the EOF
	cols   []Column
	fields []*mysql.Field // non-nil once Columns succeeded
	buf    []byte         // reused packet buffer; first 4 bytes are the header
	binary bool           // rows in the binary protocol (COM_STMT_EXECUTE)
}

func newResultWriter(pw packetWriter, status uint16, buf []byte) *resultWriter {
	return &resultWriter{pw: pw, status: status, buf: buf[:0]}
}

func (w *resultWriter) started() bool { return w.fields != nil }

var _ MultiResultWriter = (*resultWriter)(nil)

// NextResult ends the current result with SERVER_MORE_RESULTS_EXISTS set:
// the EOF after its rows, or an OK packet (no affected rows, no warnings)
// when it had no columns. Sequence numbers run on, as in MySQL.
func (w *resultWriter) NextResult() error {
	if w.binary {
		return sqlerr.New(sqlerr.Internal, "several results for a prepared statement")
	}
	status := w.status | mysql.SERVER_MORE_RESULTS_EXISTS
	if w.started() {
		w.buf = append(w.buf[:0], 0, 0, 0, 0, mysql.EOF_HEADER, 0, 0, byte(status), byte(status>>8))
	} else {
		w.buf = append(w.buf[:0], 0, 0, 0, 0, mysql.OK_HEADER, 0, 0, byte(status), byte(status>>8), 0, 0)
	}
	w.cols, w.fields = nil, nil
	return w.pw.WritePacket(w.buf)
}

func (w *resultWriter) Columns(cols []Column) error {
	if w.started() {
		return sqlerr.New(sqlerr.Internal, "result columns sent twice")
	}
	if len(cols) == 0 {
		return sqlerr.New(sqlerr.Internal, "result set without columns")
	}
	w.cols = cols
	w.fields = make([]*mysql.Field, len(cols))
	w.buf = mysql.AppendLengthEncodedInteger(append(w.buf[:0], 0, 0, 0, 0), uint64(len(cols)))
	if err := w.pw.WritePacket(w.buf); err != nil {
		return err
	}
	for i := range cols {
		w.fields[i] = columnField(&cols[i])
		w.buf = append(w.buf[:4], w.fields[i].Dump()...)
		if err := w.pw.WritePacket(w.buf); err != nil {
			return err
		}
	}
	w.buf = append(w.buf[:4], mysql.EOF_HEADER, 0, 0, byte(w.status), byte(w.status>>8))
	return w.pw.WritePacket(w.buf)
}

func (w *resultWriter) Row(values []any) error {
	if !w.started() {
		return sqlerr.New(sqlerr.Internal, "result row before columns")
	}
	if len(values) != len(w.cols) {
		return sqlerr.New(sqlerr.Internal, "result row has %d values for %d columns", len(values), len(w.cols))
	}
	if w.binary {
		b, err := appendBinaryRow(append(w.buf[:0], 0, 0, 0, 0), w.cols, values)
		if err != nil {
			return err
		}
		w.buf = b
		return w.pw.WritePacket(b)
	}
	b := append(w.buf[:0], 0, 0, 0, 0)
	for i, v := range values {
		var err error
		if b, err = appendTextValue(b, &w.cols[i], v); err != nil {
			return err
		}
	}
	w.buf = b
	return w.pw.WritePacket(b)
}

// columnField turns a Column into go-mysql's column definition, filling the
// defaults MySQL clients rely on: charset (string vs binary), BINARY_FLAG for
// binary columns and a display length.
func columnField(c *Column) *mysql.Field {
	f := &mysql.Field{
		Schema: []byte(c.Schema), Table: []byte(c.Table), OrgTable: []byte(c.OrgTable),
		Name: []byte(c.Name), OrgName: []byte(c.OrgName),
		Type: c.Type, Flag: c.Flags, Decimal: c.Decimals,
		ColumnLength: c.Length, Charset: c.Charset,
	}
	if f.Charset == 0 {
		f.Charset = charsetBinary
		if isStringType(c.Type) && c.Flags&mysql.BINARY_FLAG == 0 {
			f.Charset = charsetUTF8MB4
		}
	}
	if f.Charset == charsetBinary {
		f.Flag |= mysql.BINARY_FLAG
	}
	if f.ColumnLength == 0 {
		f.ColumnLength = defaultLength(c)
	}
	return f
}

func isStringType(t byte) bool {
	switch t {
	case mysql.MYSQL_TYPE_VARCHAR, mysql.MYSQL_TYPE_VAR_STRING, mysql.MYSQL_TYPE_STRING,
		mysql.MYSQL_TYPE_ENUM, mysql.MYSQL_TYPE_SET:
		return true
	}
	return false
}

// defaultLength is the display length MySQL reports for a type; clients use
// it to size buffers and table columns.
func defaultLength(c *Column) uint32 {
	frac := uint32(0)
	if c.Decimals > 0 && c.Decimals <= 6 {
		frac = uint32(c.Decimals) + 1
	}
	switch c.Type {
	case mysql.MYSQL_TYPE_TINY:
		return 4
	case mysql.MYSQL_TYPE_SHORT:
		return 6
	case mysql.MYSQL_TYPE_INT24:
		return 9
	case mysql.MYSQL_TYPE_LONG:
		return 11
	case mysql.MYSQL_TYPE_LONGLONG:
		return 20
	case mysql.MYSQL_TYPE_FLOAT:
		return 12
	case mysql.MYSQL_TYPE_DOUBLE:
		return 22
	case mysql.MYSQL_TYPE_NEWDECIMAL, mysql.MYSQL_TYPE_DECIMAL:
		return 67
	case mysql.MYSQL_TYPE_YEAR:
		return 4
	case mysql.MYSQL_TYPE_DATE:
		return 10
	case mysql.MYSQL_TYPE_TIME:
		return 10 + frac
	case mysql.MYSQL_TYPE_DATETIME, mysql.MYSQL_TYPE_TIMESTAMP:
		return 19 + frac
	case mysql.MYSQL_TYPE_BLOB, mysql.MYSQL_TYPE_MEDIUM_BLOB, mysql.MYSQL_TYPE_LONG_BLOB, mysql.MYSQL_TYPE_JSON:
		return 1<<32 - 1
	}
	return 65535 * 4 // strings of unknown length: TEXT in utf8mb4
}

// appendTextValue appends v as a text-protocol value: 0xfb for NULL, else a
// length-encoded string. It formats into b without allocating for all but
// fmt.Stringer and unusual named types.
func appendTextValue(b []byte, c *Column, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, 0xfb), nil
	case string:
		return append(mysql.AppendLengthEncodedInteger(b, uint64(len(v))), v...), nil
	case []byte:
		return append(mysql.AppendLengthEncodedInteger(b, uint64(len(v))), v...), nil
	case fmt.Stringer:
		if t, ok := v.(time.Time); ok {
			return appendShort(b, func(b []byte) []byte { return appendTime(b, c, t) }), nil
		}
		if d, ok := v.(time.Duration); ok {
			return appendShort(b, func(b []byte) []byte { return appendDuration(b, c.Decimals, d) }), nil
		}
		s := v.String()
		return append(mysql.AppendLengthEncodedInteger(b, uint64(len(s))), s...), nil
	}
	// Numbers are at most 1+24 bytes: a one-byte length prefix, patched after.
	start := len(b)
	b = append(b, 0)
	switch v := v.(type) {
	case bool:
		if v {
			b = append(b, '1')
		} else {
			b = append(b, '0')
		}
	case int:
		b = strconv.AppendInt(b, int64(v), 10)
	case int8:
		b = strconv.AppendInt(b, int64(v), 10)
	case int16:
		b = strconv.AppendInt(b, int64(v), 10)
	case int32:
		b = strconv.AppendInt(b, int64(v), 10)
	case int64:
		b = strconv.AppendInt(b, v, 10)
	case uint:
		b = strconv.AppendUint(b, uint64(v), 10)
	case uint8:
		b = strconv.AppendUint(b, uint64(v), 10)
	case uint16:
		b = strconv.AppendUint(b, uint64(v), 10)
	case uint32:
		b = strconv.AppendUint(b, uint64(v), 10)
	case uint64:
		b = strconv.AppendUint(b, v, 10)
	case float32:
		b = appendFloat(b, float64(v), 32, c.Decimals)
	case float64:
		b = appendFloat(b, v, 64, c.Decimals)
	default:
		return appendReflect(b[:start], c, v)
	}
	b[start] = byte(len(b) - start - 1)
	return b, nil
}

// appendReflect handles named types (type Foo string, json.Number, …) by
// their underlying kind; anything else is an executor bug reported as an error.
func appendReflect(b []byte, c *Column, v any) ([]byte, error) {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return appendTextValue(b, c, rv.String())
	case reflect.Bool:
		return appendTextValue(b, c, rv.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return appendTextValue(b, c, rv.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return appendTextValue(b, c, rv.Uint())
	case reflect.Float32, reflect.Float64:
		return appendTextValue(b, c, rv.Float())
	case reflect.Slice:
		if rv.Type().Elem().Kind() == reflect.Uint8 {
			return appendTextValue(b, c, rv.Bytes())
		}
	}
	return b, sqlerr.New(sqlerr.Internal, "column %q: unsupported value type %T", c.Name, v)
}

// appendShort appends a value produced by f that is almost always shorter
// than 251 bytes, with its length prefix, without formatting it twice.
func appendShort(b []byte, f func([]byte) []byte) []byte {
	start := len(b)
	b = f(append(b, 0))
	n := len(b) - start - 1
	if n < 251 {
		b[start] = byte(n)
		return b
	}
	val := append([]byte(nil), b[start+1:]...)
	return append(mysql.AppendLengthEncodedInteger(b[:start], uint64(n)), val...)
}

// appendFloat formats like MySQL: fixed decimals when the column has them
// (ROUND(x, 2), DECIMAL), else the shortest representation that reads back,
// in plain notation for ordinary magnitudes and 1e20-style beyond.
func appendFloat(b []byte, f float64, bits int, dec uint8) []byte {
	if dec < notFixedDec && !math.IsInf(f, 0) && !math.IsNaN(f) {
		return strconv.AppendFloat(b, f, 'f', int(dec), bits)
	}
	if abs := math.Abs(f); abs == 0 || (abs >= 1e-6 && abs < 1e15) {
		return strconv.AppendFloat(b, f, 'f', -1, bits)
	}
	start := len(b)
	b = strconv.AppendFloat(b, f, 'e', -1, bits) // 1.5e+20, 1e-07
	// MySQL writes 1.5e20 and 1e-7: drop the '+' and leading exponent zeros.
	e := start
	for e < len(b) && b[e] != 'e' {
		e++
	}
	if e == len(b) {
		return b // Inf, NaN
	}
	out := e + 1
	i := e + 1
	if b[i] == '-' {
		out++
		i++
	} else if b[i] == '+' {
		i++
	}
	for i < len(b)-1 && b[i] == '0' {
		i++
	}
	return append(b[:out], b[i:]...)
}

var (
	datetimeLayouts = [...]string{
		"2006-01-02 15:04:05", "2006-01-02 15:04:05.0", "2006-01-02 15:04:05.00", "2006-01-02 15:04:05.000",
		"2006-01-02 15:04:05.0000", "2006-01-02 15:04:05.00000", "2006-01-02 15:04:05.000000",
	}
	timeLayouts = [...]string{
		"15:04:05", "15:04:05.0", "15:04:05.00", "15:04:05.000", "15:04:05.0000", "15:04:05.00000", "15:04:05.000000",
	}
)

// appendTime formats t in its own location per the column type.
func appendTime(b []byte, c *Column, t time.Time) []byte {
	dec := int(c.Decimals)
	if dec > 6 {
		dec = 6
	}
	switch c.Type {
	case mysql.MYSQL_TYPE_DATE, mysql.MYSQL_TYPE_NEWDATE:
		return t.AppendFormat(b, "2006-01-02")
	case mysql.MYSQL_TYPE_TIME:
		return t.AppendFormat(b, timeLayouts[dec])
	case mysql.MYSQL_TYPE_YEAR:
		return strconv.AppendInt(b, int64(t.Year()), 10)
	case mysql.MYSQL_TYPE_DATETIME, mysql.MYSQL_TYPE_TIMESTAMP:
		return t.AppendFormat(b, datetimeLayouts[dec])
	}
	// Not a temporal column: full precision, trailing zeros trimmed.
	return t.AppendFormat(b, "2006-01-02 15:04:05.999999")
}

// appendDuration formats d as MySQL TIME: [-]HH:MM:SS[.ffffff], hours may
// exceed 24.
func appendDuration(b []byte, dec uint8, d time.Duration) []byte {
	u := uint64(d)
	if d < 0 {
		b = append(b, '-')
		u = uint64(-d) // MinInt64 wraps to itself, which as uint64 is its magnitude
	}
	h := u / uint64(time.Hour)
	m := u / uint64(time.Minute) % 60
	s := u / uint64(time.Second) % 60
	if h < 10 {
		b = append(b, '0')
	}
	b = strconv.AppendUint(b, h, 10)
	b = append(b, ':', byte('0'+m/10), byte('0'+m%10), ':', byte('0'+s/10), byte('0'+s%10))
	if dec > 6 {
		dec = 6
	}
	if dec > 0 {
		frac := u % uint64(time.Second) / uint64(time.Microsecond) // microseconds
		var digits [6]byte
		for i := 5; i >= 0; i-- {
			digits[i] = byte('0' + frac%10)
			frac /= 10
		}
		b = append(b, '.')
		b = append(b, digits[:dec]...)
	}
	return b
}
