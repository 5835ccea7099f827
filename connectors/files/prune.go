package files

import (
	"math"
	"math/big"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/metadata"

	"github.com/tributary-sql/tributary/connectors"
)

// Row-group pruning: a row group is skipped when the min/max and null-count
// statistics of one filtered column prove that no row can satisfy that
// filter (filters are ANDed, so one such filter suffices). Whenever a
// statistic is missing, untrusted (metadata.StatsSet rejects known-buggy
// writers) or not comparable with the filter value, the group is read:
// pruning only ever removes rows that cannot match.
//
// Strings compare byte-wise, the order Parquet uses for UTF-8 statistics
// and DuckDB's default collation. Floating-point statistics exclude NaN, so
// NaN values (which MySQL cannot store) do not keep a group alive.

// domain is what the values of a column are compared as.
type domain uint8

const (
	domainNone      domain = iota // not prunable
	domainNumber                  // exact rationals: ints, floats, decimals
	domainDate                    // days since the epoch
	domainTimestamp               // microseconds since the epoch
	domainString                  // bytes
)

// bound is one comparable value of a domain.
type bound struct {
	num *big.Rat // domainNumber
	i   int64    // domainDate, domainTimestamp
	s   string   // domainString
}

func compareBounds(d domain, a, b bound) int {
	switch d {
	case domainNumber:
		return a.num.Cmp(b.num)
	case domainString:
		switch {
		case a.s < b.s:
			return -1
		case a.s > b.s:
			return 1
		}
		return 0
	}
	switch {
	case a.i < b.i:
		return -1
	case a.i > b.i:
		return 1
	}
	return 0
}

// domainOf says how a column of this Arrow type is pruned.
func domainOf(dt arrow.DataType) domain {
	switch dt.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.FLOAT32, arrow.FLOAT64, arrow.DECIMAL128, arrow.DECIMAL256:
		return domainNumber
	case arrow.DATE32:
		return domainDate
	case arrow.TIMESTAMP:
		return domainTimestamp
	case arrow.STRING, arrow.LARGE_STRING:
		return domainString
	}
	// Unsigned integers are left out on purpose: their statistics are
	// stored as signed physical values with an unsigned sort order.
	return domainNone
}

// filterBound converts a typed filter value to the column's domain; false
// when the value has no exact counterpart (the group is then kept).
func filterBound(d domain, v any) (bound, bool) {
	switch d {
	case domainNumber:
		r, ok := ratOf(v)
		return bound{num: r}, ok
	case domainDate:
		if x, ok := v.(connectors.Date); ok {
			return bound{i: int64(x)}, true
		}
	case domainTimestamp:
		switch x := v.(type) {
		case connectors.Timestamp:
			return bound{i: int64(x)}, true
		case connectors.Date: // a date compares as its midnight
			return bound{i: int64(x) * 86_400_000_000}, true
		}
	case domainString:
		switch x := v.(type) {
		case string:
			return bound{s: x}, true
		case []byte:
			return bound{s: string(x)}, true
		}
	}
	return bound{}, false
}

func ratOf(v any) (*big.Rat, bool) {
	switch x := v.(type) {
	case int64:
		return new(big.Rat).SetInt64(x), true
	case int:
		return new(big.Rat).SetInt64(int64(x)), true
	case uint64:
		return new(big.Rat).SetUint64(x), true
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, false
		}
		return new(big.Rat).SetFloat64(x), true
	case connectors.Decimal:
		return new(big.Rat).SetString(string(x))
	}
	return nil, false
}

// chunkStats are the statistics of one column in one row group.
type chunkStats struct {
	rows         int64
	nullCount    int64
	hasNullCount bool
	hasMinMax    bool
	min, max     bound
}

// readChunkStats decodes the statistics of a column chunk for a column of
// type dt in domain d. Anything it cannot read is left unset.
func readChunkStats(cc *metadata.ColumnChunkMetaData, rows int64, dt arrow.DataType, d domain) chunkStats {
	cs := chunkStats{rows: rows}
	st, err := cc.Statistics()
	if err != nil || st == nil {
		return cs
	}
	if st.HasNullCount() {
		cs.nullCount, cs.hasNullCount = st.NullCount(), true
	}
	if st.HasMinMax() {
		cs.min, cs.max, cs.hasMinMax = minMax(st, dt, d)
	}
	return cs
}

// minMax converts physical statistics to bounds of the column's domain.
func minMax(st metadata.TypedStatistics, dt arrow.DataType, d domain) (lo, hi bound, ok bool) {
	switch s := st.(type) {
	case *metadata.Int32Statistics:
		return intBounds(int64(s.Min()), int64(s.Max()), dt, d)
	case *metadata.Int64Statistics:
		return intBounds(s.Min(), s.Max(), dt, d)
	case *metadata.Float32Statistics:
		return floatBounds(float64(s.Min()), float64(s.Max()), d)
	case *metadata.Float64Statistics:
		return floatBounds(s.Min(), s.Max(), d)
	case *metadata.ByteArrayStatistics:
		return bytesBounds(s.Min(), s.Max(), dt, d)
	case *metadata.FixedLenByteArrayStatistics:
		return bytesBounds(s.Min(), s.Max(), dt, d)
	}
	return bound{}, bound{}, false
}

func intBounds(lo, hi int64, dt arrow.DataType, d domain) (bound, bound, bool) {
	switch d {
	case domainNumber:
		scale := int32(0)
		if dec, ok := dt.(arrow.DecimalType); ok {
			scale = dec.GetScale() // a decimal stored as a scaled integer
		}
		return bound{num: scaled(big.NewInt(lo), scale)}, bound{num: scaled(big.NewInt(hi), scale)}, true
	case domainDate:
		return bound{i: lo}, bound{i: hi}, true
	case domainTimestamp:
		return timestampBounds(lo, hi, dt.(*arrow.TimestampType).Unit)
	}
	return bound{}, bound{}, false
}

// timestampBounds converts to microseconds, rounding outwards so the range
// only ever widens.
func timestampBounds(lo, hi int64, unit arrow.TimeUnit) (bound, bound, bool) {
	switch unit {
	case arrow.Second, arrow.Millisecond:
		mul := int64(1_000_000)
		if unit == arrow.Millisecond {
			mul = 1_000
		}
		if lo < math.MinInt64/mul || hi > math.MaxInt64/mul {
			return bound{}, bound{}, false
		}
		return bound{i: lo * mul}, bound{i: hi * mul}, true
	case arrow.Nanosecond:
		return bound{i: floorDiv(lo, 1000)}, bound{i: -floorDiv(-hi, 1000)}, true
	}
	return bound{i: lo}, bound{i: hi}, true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

func floatBounds(lo, hi float64, d domain) (bound, bound, bool) {
	if d != domainNumber || math.IsNaN(lo) || math.IsNaN(hi) || math.IsInf(lo, 0) || math.IsInf(hi, 0) {
		return bound{}, bound{}, false
	}
	return bound{num: new(big.Rat).SetFloat64(lo)}, bound{num: new(big.Rat).SetFloat64(hi)}, true
}

func bytesBounds(lo, hi []byte, dt arrow.DataType, d domain) (bound, bound, bool) {
	switch d {
	case domainString:
		return bound{s: string(lo)}, bound{s: string(hi)}, true
	case domainNumber:
		dec, ok := dt.(arrow.DecimalType)
		if !ok || len(lo) == 0 || len(hi) == 0 {
			return bound{}, bound{}, false
		}
		return bound{num: scaled(bigEndianSigned(lo), dec.GetScale())},
			bound{num: scaled(bigEndianSigned(hi), dec.GetScale())}, true
	}
	return bound{}, bound{}, false
}

// bigEndianSigned decodes Parquet's decimal bytes: big-endian two's
// complement.
func bigEndianSigned(b []byte) *big.Int {
	v := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		v.Sub(v, new(big.Int).Lsh(big.NewInt(1), uint(len(b))*8))
	}
	return v
}

func scaled(unscaled *big.Int, scale int32) *big.Rat {
	r := new(big.Rat).SetInt(unscaled)
	if scale > 0 {
		r.Quo(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)))
	}
	return r
}

// canSkip reports whether cs proves that no row satisfies `column op values`.
func canSkip(cs chunkStats, d domain, f connectors.Filter) bool {
	allNull := cs.hasNullCount && cs.nullCount == cs.rows
	switch f.Op {
	case connectors.OpIsNull:
		return cs.hasNullCount && cs.nullCount == 0
	case connectors.OpIsNotNull:
		return allNull
	case connectors.OpEq, connectors.OpNe, connectors.OpLt, connectors.OpLe,
		connectors.OpGt, connectors.OpGe, connectors.OpIn:
	default:
		return false // LIKE and anything newer: keep the group
	}
	if allNull {
		return cs.rows > 0 // a comparison with NULL is never true
	}
	if !cs.hasMinMax || len(f.Values) == 0 {
		return false
	}
	if f.Op == connectors.OpIn {
		for _, v := range f.Values {
			if v == nil {
				continue // NULL in an IN list matches nothing
			}
			if !outside(cs, d, connectors.OpEq, v) {
				return false
			}
		}
		return true
	}
	return outside(cs, d, f.Op, f.Values[0])
}

// outside reports whether `x op v` is false for every x in [min, max].
func outside(cs chunkStats, d domain, op connectors.Op, v any) bool {
	b, ok := filterBound(d, v)
	if !ok {
		return false
	}
	lo := compareBounds(d, cs.min, b) // sign of min - v
	hi := compareBounds(d, cs.max, b) // sign of max - v
	switch op {
	case connectors.OpEq:
		return lo > 0 || hi < 0
	case connectors.OpNe:
		return lo == 0 && hi == 0
	case connectors.OpLt:
		return lo >= 0
	case connectors.OpLe:
		return lo > 0
	case connectors.OpGt:
		return hi <= 0
	case connectors.OpGe:
		return hi < 0
	}
	return false
}
