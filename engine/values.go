package engine

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	bindings "github.com/duckdb/duckdb-go-bindings"
)

// Decimal is an exact decimal in text form, as the MySQL text protocol
// sends it.
type Decimal string

func (d Decimal) String() string { return string(d) }

// value reads row i of an Arrow column as the Go value the server writes:
// nil, bool, integers, floats, string, []byte, Decimal, time.Time (dates
// and timestamps, UTC), time.Duration (times), and JSON text for nested
// values. Strings and byte slices alias the batch.
func value(col arrow.Array, i int) any {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return a.Value(i)
	case *array.Int16:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return a.Value(i)
	case *array.Uint16:
		return a.Value(i)
	case *array.Uint32:
		return a.Value(i)
	case *array.Uint64:
		return a.Value(i)
	case *array.Float32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.LargeString:
		return a.Value(i)
	case *array.StringView:
		return a.Value(i)
	case *array.Binary:
		return a.Value(i)
	case *array.LargeBinary:
		return a.Value(i)
	case *array.BinaryView:
		return a.Value(i)
	case *array.FixedSizeBinary:
		return a.Value(i)
	case *array.Decimal128:
		return Decimal(a.Value(i).ToString(a.DataType().(*arrow.Decimal128Type).Scale))
	case *array.Decimal256:
		return Decimal(a.Value(i).ToString(a.DataType().(*arrow.Decimal256Type).Scale))
	case *array.Date32:
		return a.Value(i).ToTime().UTC()
	case *array.Date64:
		return a.Value(i).ToTime().UTC()
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		return a.Value(i).ToTime(unit).UTC()
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return time.Duration(int64(a.Value(i)) * int64(unit.Multiplier()))
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		return time.Duration(int64(a.Value(i)) * int64(unit.Multiplier()))
	case *array.MonthDayNanoInterval:
		v := a.Value(i)
		return fmt.Sprintf("%d months %d days %s", v.Months, v.Days, time.Duration(v.Nanoseconds))
	case *array.Dictionary:
		return value(a.Dictionary(), a.GetValueIndex(i))
	case *array.Null:
		return nil
	}
	// Lists, structs and maps reach MySQL clients as JSON text.
	b, err := json.Marshal(col.GetOneForMarshal(i))
	if err != nil {
		return col.ValueStr(i)
	}
	return string(b)
}

// typeName names DuckDB's type ids that Arrow does not tell apart.
func typeName(t bindings.Type) string {
	switch t {
	case bindings.TypeBoolean:
		return "BOOLEAN"
	case bindings.TypeHugeInt:
		return "HUGEINT"
	case bindings.TypeUUID:
		return "UUID"
	case bindings.TypeInterval:
		return "INTERVAL"
	case bindings.TypeTimestampTZ:
		return "TIMESTAMP WITH TIME ZONE"
	case bindings.TypeEnum:
		return "ENUM"
	case bindings.TypeSQLNull:
		return "NULL"
	}
	return ""
}
