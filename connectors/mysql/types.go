package mysql

import (
	"database/sql"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// kind is how one column is read and filtered; see the table on Connector.
type kind int

const (
	kInt8 kind = iota
	kInt16
	kInt32
	kInt64
	kUint8
	kUint16
	kUint32
	kUint64
	kYear
	kBit
	kDecimal
	kDecimalText // DECIMAL wider than decimal128
	kFloat32
	kFloat64
	kText
	kJSON
	kBinary
	kGeometry
	kDate
	kDatetime
	kTimestamp
	kTime
	kOther // unknown types: the server's text form
)

// column is one column of a table as information_schema describes it.
type column struct {
	name  string
	kind  kind
	field arrow.Field
}

// colInfo is one row of information_schema.COLUMNS.
type colInfo struct {
	name, dataType, columnType string
	precision, scale           sql.NullInt64
	nullable                   bool
}

// newColumn maps a column to its kind and Arrow field.
func newColumn(ci colInfo) column {
	k, typ := mapType(ci)
	nullable := ci.nullable
	switch k {
	case kDate, kDatetime, kTimestamp, kTime:
		// Zero dates and out-of-range times become NULL even in NOT NULL
		// columns.
		nullable = true
	}
	return column{name: ci.name, kind: k, field: arrow.Field{Name: ci.name, Type: typ, Nullable: nullable}}
}

func mapType(ci colInfo) (kind, arrow.DataType) {
	unsigned := strings.Contains(strings.ToLower(ci.columnType), "unsigned")
	switch strings.ToLower(ci.dataType) {
	case "tinyint":
		return pick(unsigned, kUint8, kInt8)
	case "smallint":
		return pick(unsigned, kUint16, kInt16)
	case "mediumint", "int", "integer":
		return pick(unsigned, kUint32, kInt32)
	case "bigint":
		return pick(unsigned, kUint64, kInt64)
	case "year":
		return kYear, arrow.PrimitiveTypes.Int16
	case "bit":
		return kBit, arrow.PrimitiveTypes.Uint64
	case "decimal", "numeric":
		p, s := int32(ci.precision.Int64), int32(ci.scale.Int64)
		if p < 1 || p > 38 {
			return kDecimalText, arrow.BinaryTypes.String
		}
		return kDecimal, &arrow.Decimal128Type{Precision: p, Scale: s}
	case "float":
		return kFloat32, arrow.PrimitiveTypes.Float32
	case "double", "real", "double precision":
		return kFloat64, arrow.PrimitiveTypes.Float64
	case "char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set":
		return kText, arrow.BinaryTypes.String
	case "json":
		return kJSON, arrow.BinaryTypes.String
	case "binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob":
		return kBinary, arrow.BinaryTypes.Binary
	case "geometry", "point", "linestring", "polygon", "multipoint", "multilinestring",
		"multipolygon", "geometrycollection", "geomcollection":
		return kGeometry, arrow.BinaryTypes.Binary
	case "date":
		return kDate, arrow.FixedWidthTypes.Date32
	case "datetime":
		return kDatetime, &arrow.TimestampType{Unit: arrow.Microsecond}
	case "timestamp":
		return kTimestamp, &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	case "time":
		return kTime, arrow.FixedWidthTypes.Time64us
	}
	return kOther, arrow.BinaryTypes.String
}

var intTypes = map[kind]arrow.DataType{
	kInt8: arrow.PrimitiveTypes.Int8, kInt16: arrow.PrimitiveTypes.Int16,
	kInt32: arrow.PrimitiveTypes.Int32, kInt64: arrow.PrimitiveTypes.Int64,
	kUint8: arrow.PrimitiveTypes.Uint8, kUint16: arrow.PrimitiveTypes.Uint16,
	kUint32: arrow.PrimitiveTypes.Uint32, kUint64: arrow.PrimitiveTypes.Uint64,
}

func pick(unsigned bool, u, s kind) (kind, arrow.DataType) {
	if unsigned {
		return u, intTypes[u]
	}
	return s, intTypes[s]
}

// selectExpr is the column's expression in a SELECT list.
func (c column) selectExpr() string {
	q := quoteIdent(c.name)
	if c.kind == kGeometry {
		// MySQL stores a 4-byte SRID before the WKB; ST_AsBinary gives
		// plain WKB, which DuckDB and every GIS library read.
		return "ST_AsBinary(" + q + ") AS " + q
	}
	return q
}

// quoteIdent quotes a MySQL identifier: backticks, doubled inside.
func quoteIdent(s string) string {
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

// decoder moves one column's values from the driver into an Arrow builder.
// Numbers arrive as Go values (binary protocol) through val; strings,
// dates and decimals as text through raw, a buffer the driver reuses, so
// that no value is copied twice.
type decoder struct {
	raw    sql.RawBytes
	val    any
	dest   any // &raw or &val, what Rows.Scan fills
	append func(d *decoder) error
}

// newDecoder returns the decoder of a column whose values go to b (a
// builder of the column's Arrow type).
func newDecoder(c column, b array.Builder) *decoder {
	d := &decoder{}
	d.dest = &d.raw
	switch c.kind {
	case kInt8, kInt16, kInt32, kInt64, kYear:
		d.dest = &d.val
		d.append = intAppender(b)
	case kUint8, kUint16, kUint32, kUint64:
		d.dest = &d.val
		d.append = uintAppender(b)
	case kFloat32:
		d.dest = &d.val
		fb := b.(*array.Float32Builder)
		d.append = func(d *decoder) error {
			v, ok := d.val.(float32)
			return appendOrNull(fb, d.val, ok, func() { fb.Append(v) })
		}
	case kFloat64:
		d.dest = &d.val
		fb := b.(*array.Float64Builder)
		d.append = func(d *decoder) error {
			v, ok := d.val.(float64)
			return appendOrNull(fb, d.val, ok, func() { fb.Append(v) })
		}
	case kBit:
		d.append = bitAppender(b.(*array.Uint64Builder))
	case kDecimal:
		d.append = decimalAppender(b.(*array.Decimal128Builder), c.field.Type.(*arrow.Decimal128Type).Scale)
	case kBinary, kGeometry:
		bb := b.(*array.BinaryBuilder)
		d.append = func(d *decoder) error {
			if d.raw == nil {
				bb.AppendNull()
			} else {
				bb.Append(d.raw)
			}
			return nil
		}
	case kDate:
		d.append = temporalAppender(b, parseDate)
	case kDatetime, kTimestamp:
		d.append = temporalAppender(b, parseDateTime)
	case kTime:
		d.append = temporalAppender(b, parseTimeOfDay)
	default: // text, JSON, wide decimals, unknown types
		sb := b.(*array.StringBuilder)
		d.append = func(d *decoder) error {
			if d.raw == nil {
				sb.AppendNull()
			} else {
				sb.BinaryBuilder.Append(d.raw) // no string conversion
			}
			return nil
		}
	}
	return d
}

func appendOrNull(b array.Builder, v any, ok bool, add func()) error {
	switch {
	case ok:
		add()
	case v == nil:
		b.AppendNull()
	default:
		return fmt.Errorf("unexpected value of type %T", v)
	}
	return nil
}

func intAppender(b array.Builder) func(*decoder) error {
	var add func(int64)
	switch ib := b.(type) {
	case *array.Int8Builder:
		add = func(v int64) { ib.Append(int8(v)) }
	case *array.Int16Builder:
		add = func(v int64) { ib.Append(int16(v)) }
	case *array.Int32Builder:
		add = func(v int64) { ib.Append(int32(v)) }
	case *array.Int64Builder:
		add = ib.Append
	}
	return func(d *decoder) error {
		v, ok := d.val.(int64)
		return appendOrNull(b, d.val, ok, func() { add(v) })
	}
}

func uintAppender(b array.Builder) func(*decoder) error {
	var add func(uint64)
	switch ub := b.(type) {
	case *array.Uint8Builder:
		add = func(v uint64) { ub.Append(uint8(v)) }
	case *array.Uint16Builder:
		add = func(v uint64) { ub.Append(uint16(v)) }
	case *array.Uint32Builder:
		add = func(v uint64) { ub.Append(uint32(v)) }
	case *array.Uint64Builder:
		add = ub.Append
	}
	return func(d *decoder) error {
		switch v := d.val.(type) {
		case int64: // the driver masks unsigned values into int64 ...
			add(uint64(v))
		case []byte: // ... except BIGINT UNSIGNED above MaxInt64, sent as text
			u, err := strconv.ParseUint(string(v), 10, 64)
			if err != nil {
				return err
			}
			add(u)
		case nil:
			b.AppendNull()
		default:
			return fmt.Errorf("unexpected value of type %T", v)
		}
		return nil
	}
}

// bitAppender reads BIT(n), which the server sends as ceil(n/8) bytes,
// big-endian.
func bitAppender(b *array.Uint64Builder) func(*decoder) error {
	return func(d *decoder) error {
		if d.raw == nil {
			b.AppendNull()
			return nil
		}
		if len(d.raw) > 8 {
			return fmt.Errorf("BIT value of %d bytes", len(d.raw))
		}
		var v uint64
		for _, c := range d.raw {
			v = v<<8 | uint64(c)
		}
		b.Append(v)
		return nil
	}
}

func decimalAppender(b *array.Decimal128Builder, scale int32) func(*decoder) error {
	return func(d *decoder) error {
		if d.raw == nil {
			b.AppendNull()
			return nil
		}
		n, err := parseDecimal(d.raw, scale)
		if err != nil {
			return err
		}
		b.Append(n)
		return nil
	}
}

// temporalAppender appends parsed dates, timestamps or times. The server
// formats these values itself, so text the parser rejects is a value
// Arrow cannot hold (zero or partial date, invalid date stored under
// ALLOW_INVALID_DATES, TIME outside one day): it becomes NULL.
func temporalAppender(b array.Builder, parse func([]byte) (int64, bool)) func(*decoder) error {
	var add func(int64)
	switch tb := b.(type) {
	case *array.Date32Builder:
		add = func(v int64) { tb.Append(arrow.Date32(v)) }
	case *array.TimestampBuilder:
		add = func(v int64) { tb.Append(arrow.Timestamp(v)) }
	case *array.Time64Builder:
		add = func(v int64) { tb.Append(arrow.Time64(v)) }
	}
	return func(d *decoder) error {
		if v, ok := parse(d.raw); ok {
			add(v)
		} else {
			b.AppendNull()
		}
		return nil
	}
}

// parseDecimal reads the server's text form of a DECIMAL(p, scale):
// optional sign, digits, and exactly scale fraction digits (padded by
// the server, but tolerated otherwise).
func parseDecimal(b []byte, scale int32) (decimal128.Num, error) {
	var digits [80]byte
	n, frac, seenDot, neg := 0, int32(0), false, false
	for i, c := range b {
		switch {
		case c == '-' && i == 0:
			neg = true
		case c == '.' && !seenDot:
			seenDot = true
		case c >= '0' && c <= '9' && n < len(digits):
			digits[n] = c
			n++
			if seenDot {
				frac++
			}
		default:
			return decimal128.Num{}, fmt.Errorf("bad DECIMAL %q", b)
		}
	}
	for ; frac < scale && n < len(digits); frac++ {
		digits[n] = '0'
		n++
	}
	if frac != scale {
		return decimal128.Num{}, fmt.Errorf("DECIMAL %q has more than %d fraction digits", b, scale)
	}
	if n <= 18 {
		v, err := strconv.ParseInt(string(digits[:n]), 10, 64)
		if err != nil {
			return decimal128.Num{}, err
		}
		if neg {
			v = -v
		}
		return decimal128.FromI64(v), nil
	}
	var bi big.Int
	if _, ok := bi.SetString(string(digits[:n]), 10); !ok {
		return decimal128.Num{}, fmt.Errorf("bad DECIMAL %q", b)
	}
	if neg {
		bi.Neg(&bi)
	}
	return decimal128.FromBigInt(&bi), nil
}

// digitsAt reads n decimal digits at b[i:].
func digitsAt(b []byte, i, n int) (int64, bool) {
	if i+n > len(b) {
		return 0, false
	}
	var v int64
	for _, c := range b[i : i+n] {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	return v, true
}

// parseDate reads "YYYY-MM-DD" as days since 1970-01-01; zero and partial
// dates are rejected.
func parseDate(b []byte) (int64, bool) {
	if len(b) < 10 || b[4] != '-' || b[7] != '-' {
		return 0, false
	}
	y, ok1 := digitsAt(b, 0, 4)
	m, ok2 := digitsAt(b, 5, 2)
	d, ok3 := digitsAt(b, 8, 2)
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

// parseDateTime reads "YYYY-MM-DD HH:MM:SS[.ffffff]" as microseconds since
// the epoch (the text is UTC for TIMESTAMP columns, wall clock for DATETIME).
func parseDateTime(b []byte) (int64, bool) {
	days, ok := parseDate(b)
	if !ok || len(b) < 19 || b[10] != ' ' {
		return 0, false
	}
	secs, ok := clock(b[11:], 2)
	if !ok || secs < 0 || secs >= 86400*1e6 {
		return 0, false
	}
	return days*86400*1e6 + secs, true
}

// parseTimeOfDay reads a TIME "[-]HHH:MM:SS[.ffffff]" as microseconds since
// midnight; values outside one day are rejected (Arrow's time64 is a time
// of day).
func parseTimeOfDay(b []byte) (int64, bool) {
	if len(b) == 0 || b[0] == '-' {
		return 0, false
	}
	colon := strings.IndexByte(string(b), ':')
	if colon < 1 {
		return 0, false
	}
	us, ok := clock(b, colon)
	if !ok || us >= 86400*1e6 {
		return 0, false
	}
	return us, true
}

// clock reads "H..:MM:SS[.f{1,6}]" with hw hour digits as microseconds.
func clock(b []byte, hw int) (int64, bool) {
	if len(b) < hw+6 || b[hw] != ':' || b[hw+3] != ':' {
		return 0, false
	}
	h, ok1 := digitsAt(b, 0, hw)
	mi, ok2 := digitsAt(b, hw+1, 2)
	s, ok3 := digitsAt(b, hw+4, 2)
	if !ok1 || !ok2 || !ok3 || mi > 59 || s > 59 {
		return 0, false
	}
	us := ((h*60+mi)*60 + s) * 1e6
	rest := b[hw+6:]
	if len(rest) == 0 {
		return us, true
	}
	if rest[0] != '.' || len(rest) > 7 {
		return 0, false
	}
	f, ok := digitsAt(rest, 1, len(rest)-1)
	if !ok {
		return 0, false
	}
	for i := len(rest) - 1; i < 6; i++ {
		f *= 10
	}
	return us + f, true
}

// daysFromCivil is the proleptic Gregorian day number relative to
// 1970-01-01 (Howard Hinnant's algorithm), valid for years 0..9999.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := y
	if era < 0 {
		era -= 399
	}
	era /= 400
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func daysIn(y, m int64) int64 {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
