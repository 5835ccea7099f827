package catalog

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// ColumnType is how MySQL describes a column's type, for SHOW COLUMNS,
// DESCRIBE and information_schema.COLUMNS. Fields that do not apply are
// nil, as NULL in MySQL.
type ColumnType struct {
	DataType          string // "bigint", "decimal", "text", …
	ColumnType        string // "bigint", "decimal(12,2)", "int unsigned", …
	CharMaxLength     any
	CharOctetLength   any
	NumericPrecision  any
	NumericScale      any
	DatetimePrecision any
	Charset           any
	Collation         any
}

// DescribeType maps an Arrow type to the MySQL type a client is shown.
func DescribeType(t arrow.DataType) ColumnType {
	num := func(name string, precision int64, unsigned bool) ColumnType {
		ct := ColumnType{DataType: name, ColumnType: name, NumericPrecision: precision, NumericScale: int64(0)}
		if unsigned {
			ct.ColumnType += " unsigned"
		}
		return ct
	}
	text := func(name string, length int64) ColumnType {
		return ColumnType{DataType: name, ColumnType: name, CharMaxLength: length, CharOctetLength: length * 4,
			Charset: "utf8mb4", Collation: "utf8mb4_general_ci"}
	}
	switch t := t.(type) {
	case *arrow.BooleanType:
		ct := num("tinyint", 3, false)
		ct.ColumnType = "tinyint(1)"
		return ct
	case *arrow.Int8Type:
		return num("tinyint", 3, false)
	case *arrow.Int16Type:
		return num("smallint", 5, false)
	case *arrow.Int32Type:
		return num("int", 10, false)
	case *arrow.Int64Type:
		return num("bigint", 19, false)
	case *arrow.Uint8Type:
		return num("tinyint", 3, true)
	case *arrow.Uint16Type:
		return num("smallint", 5, true)
	case *arrow.Uint32Type:
		return num("int", 10, true)
	case *arrow.Uint64Type:
		return num("bigint", 20, true)
	case *arrow.Float16Type, *arrow.Float32Type:
		return ColumnType{DataType: "float", ColumnType: "float", NumericPrecision: int64(12)}
	case *arrow.Float64Type:
		return ColumnType{DataType: "double", ColumnType: "double", NumericPrecision: int64(22)}
	case arrow.DecimalType:
		return ColumnType{DataType: "decimal", ColumnType: fmt.Sprintf("decimal(%d,%d)", t.GetPrecision(), t.GetScale()),
			NumericPrecision: int64(t.GetPrecision()), NumericScale: int64(t.GetScale())}
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType, *arrow.BinaryViewType:
		return ColumnType{DataType: "blob", ColumnType: "blob", CharMaxLength: int64(65535), CharOctetLength: int64(65535)}
	case *arrow.Date32Type, *arrow.Date64Type:
		return ColumnType{DataType: "date", ColumnType: "date"}
	case *arrow.Time32Type, *arrow.Time64Type:
		return ColumnType{DataType: "time", ColumnType: "time(6)", DatetimePrecision: int64(6)}
	case *arrow.TimestampType:
		if t.Unit == arrow.Second {
			return ColumnType{DataType: "datetime", ColumnType: "datetime", DatetimePrecision: int64(0)}
		}
		return ColumnType{DataType: "datetime", ColumnType: "datetime(6)", DatetimePrecision: int64(6)}
	}
	// Strings, and everything shown as text (JSON of nested values, …).
	return text("text", 65535)
}
