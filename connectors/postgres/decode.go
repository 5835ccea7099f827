package postgres

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// appender appends one value as PostgreSQL sent it (nil: NULL) to the
// builder it was made for. The raw bytes are pgx's row buffer, valid only
// during the call: appenders copy what they keep.
type appender func(raw []byte) error

// Offsets between PostgreSQL's epoch (2000-01-01) and Unix's.
const (
	pgEpochDays   = 10957
	pgEpochMicros = pgEpochDays * 86400 * 1_000_000
)

// newAppender returns the appender for an Arrow type chosen by mapType;
// each is specialised so that decoding a value allocates nothing.
func newAppender(typ arrow.DataType, b array.Builder) appender {
	switch typ.ID() {
	case arrow.INT16:
		bb := b.(*array.Int16Builder)
		return fixed(b, 2, func(raw []byte) { bb.Append(int16(binary.BigEndian.Uint16(raw))) })
	case arrow.INT32:
		bb := b.(*array.Int32Builder)
		return fixed(b, 4, func(raw []byte) { bb.Append(int32(binary.BigEndian.Uint32(raw))) })
	case arrow.INT64:
		bb := b.(*array.Int64Builder)
		return fixed(b, 8, func(raw []byte) { bb.Append(int64(binary.BigEndian.Uint64(raw))) })
	case arrow.FLOAT32:
		bb := b.(*array.Float32Builder)
		return fixed(b, 4, func(raw []byte) { bb.Append(math.Float32frombits(binary.BigEndian.Uint32(raw))) })
	case arrow.FLOAT64:
		bb := b.(*array.Float64Builder)
		return fixed(b, 8, func(raw []byte) { bb.Append(math.Float64frombits(binary.BigEndian.Uint64(raw))) })
	case arrow.BOOL:
		bb := b.(*array.BooleanBuilder)
		return fixed(b, 1, func(raw []byte) { bb.Append(raw[0] != 0) })
	case arrow.DATE32:
		bb := b.(*array.Date32Builder)
		return fixed(b, 4, func(raw []byte) { bb.Append(arrow.Date32(pgDate(int32(binary.BigEndian.Uint32(raw))))) })
	case arrow.TIME64:
		bb := b.(*array.Time64Builder)
		return fixed(b, 8, func(raw []byte) { bb.Append(arrow.Time64(binary.BigEndian.Uint64(raw))) })
	case arrow.TIMESTAMP:
		return timestampAppender(b.(*array.TimestampBuilder))
	case arrow.DECIMAL128:
		return decimalAppender(b.(*array.Decimal128Builder), typ.(*arrow.Decimal128Type).Scale)
	case arrow.STRING:
		// Text and binary formats of text types are both the UTF-8 bytes
		// (client_encoding is UTF8 under pgx).
		bb := b.(*array.StringBuilder).BinaryBuilder
		return func(raw []byte) error {
			if raw == nil {
				bb.AppendNull()
			} else {
				bb.Append(raw)
			}
			return nil
		}
	case arrow.BINARY:
		bb := b.(*array.BinaryBuilder)
		return func(raw []byte) error {
			if raw == nil {
				bb.AppendNull()
			} else {
				bb.Append(raw)
			}
			return nil
		}
	}
	panic(fmt.Sprintf("postgres: no decoder for Arrow type %s", typ)) // mapType and this switch disagree
}

// fixed wraps the decoder of a fixed-width binary value with the NULL and
// length checks.
func fixed(b array.Builder, size int, appendValue func([]byte)) appender {
	return func(raw []byte) error {
		if raw == nil {
			b.AppendNull()
			return nil
		}
		if len(raw) != size {
			return fmt.Errorf("binary value of %d bytes, want %d", len(raw), size)
		}
		appendValue(raw)
		return nil
	}
}

// pgDate converts days since 2000-01-01 to days since 1970-01-01; ±infinity
// become DuckDB's date infinity (±math.MaxInt32). No finite PostgreSQL date
// overflows.
func pgDate(d int32) int32 {
	switch d {
	case math.MaxInt32:
		return math.MaxInt32
	case math.MinInt32:
		return -math.MaxInt32
	}
	return d + pgEpochDays
}

var errTimestampRange = errors.New("timestamp is beyond Arrow's microsecond range (after year 294246)")

func timestampAppender(bb *array.TimestampBuilder) appender {
	return func(raw []byte) error {
		if raw == nil {
			bb.AppendNull()
			return nil
		}
		if len(raw) != 8 {
			return fmt.Errorf("binary value of %d bytes, want 8", len(raw))
		}
		v := int64(binary.BigEndian.Uint64(raw))
		switch {
		case v == math.MaxInt64:
			// DuckDB reads math.MaxInt64 as infinity, -MaxInt64 as -infinity.
		case v == math.MinInt64:
			v = -math.MaxInt64
		case v > math.MaxInt64-pgEpochMicros:
			return errTimestampRange
		default:
			v += pgEpochMicros
		}
		bb.Append(arrow.Timestamp(v))
		return nil
	}
}

func decimalAppender(bb *array.Decimal128Builder, scale int32) appender {
	return func(raw []byte) error {
		if raw == nil {
			bb.AppendNull()
			return nil
		}
		n, err := decodeNumeric(raw, scale)
		if err != nil {
			return err
		}
		bb.Append(n)
		return nil
	}
}

// Sign words of PostgreSQL's binary numeric.
const (
	numericPos  = 0x0000
	numericNeg  = 0x4000
	numericNaN  = 0xC000
	numericPInf = 0xD000
	numericNInf = 0xF000
)

// decodeNumeric turns PostgreSQL's binary numeric (base-10000 digit groups
// with a weight) into the unscaled integer of a decimal with the given
// scale. The groups are folded in Horner's scheme, so no intermediate value
// exceeds the final one: every value of a numeric(p≤38, s) column fits.
func decodeNumeric(raw []byte, scale int32) (decimal128.Num, error) {
	if len(raw) < 8 {
		return decimal128.Num{}, fmt.Errorf("numeric of %d bytes", len(raw))
	}
	ndigits := int(int16(binary.BigEndian.Uint16(raw)))
	weight := int(int16(binary.BigEndian.Uint16(raw[2:])))
	sign := binary.BigEndian.Uint16(raw[4:])
	switch sign {
	case numericPos, numericNeg:
	case numericNaN:
		return decimal128.Num{}, errors.New("numeric NaN has no decimal128 value")
	case numericPInf, numericNInf:
		return decimal128.Num{}, errors.New("numeric infinity has no decimal128 value")
	default:
		return decimal128.Num{}, fmt.Errorf("numeric with sign word %#x", sign)
	}
	if ndigits < 0 || len(raw) != 8+2*ndigits {
		return decimal128.Num{}, fmt.Errorf("numeric of %d bytes with %d digit groups", len(raw), ndigits)
	}
	var (
		num     decimal128.Num
		unitExp = -1 // power of ten of num's last digit in the scaled integer; -1: nothing yet
	)
	for i := range ndigits {
		d := int64(binary.BigEndian.Uint16(raw[8+2*i:]))
		exp := 4*(weight-i) + int(scale) // power of ten of this group's units
		if exp < 0 {
			cut := -exp // decimal digits of this group below the scale
			if cut >= 4 {
				cut = 4
			}
			p := int64(math.Pow10(cut))
			if d%p != 0 {
				return decimal128.Num{}, fmt.Errorf("numeric has more than %d fractional digits", scale)
			}
			d /= p
			exp = 0
		}
		if unitExp >= 0 {
			num = num.IncreaseScaleBy(int32(unitExp - exp))
		}
		num = num.Add(decimal128.FromI64(d))
		unitExp = exp
	}
	if unitExp > 0 {
		if unitExp > 38 {
			return decimal128.Num{}, errors.New("numeric too large for decimal128")
		}
		num = num.IncreaseScaleBy(int32(unitExp))
	}
	if sign == numericNeg {
		num = num.Negate()
	}
	return num, nil
}
