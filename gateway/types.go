package gateway

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/go-mysql-org/go-mysql/mysql"

	"github.com/tributary-sql/tributary/engine"
	"github.com/tributary-sql/tributary/server"
)

// Charsets of result columns: text is utf8mb4, everything else binary.
const (
	charsetUTF8MB4 = 45 // utf8mb4_general_ci
	charsetBinary  = 63
)

// resultColumn describes a DuckDB result column as MySQL would: the type a
// MySQL server gives the same value, so that drivers pick the right Go,
// Java or Python type.
func resultColumn(c engine.Column) server.Column {
	col := server.Column{Name: c.Name, OrgName: c.Name, Charset: charsetBinary, Flags: mysql.BINARY_FLAG}
	set := func(typ byte, length uint32, decimals uint8) {
		col.Type, col.Length, col.Decimals = typ, length, decimals
	}
	switch t := c.Type.(type) {
	case *arrow.BooleanType:
		set(mysql.MYSQL_TYPE_TINY, 1, 0)
	case *arrow.Int8Type:
		set(mysql.MYSQL_TYPE_TINY, 4, 0)
	case *arrow.Int16Type:
		set(mysql.MYSQL_TYPE_SHORT, 6, 0)
	case *arrow.Int32Type:
		set(mysql.MYSQL_TYPE_LONG, 11, 0)
	case *arrow.Int64Type:
		set(mysql.MYSQL_TYPE_LONGLONG, 20, 0)
	case *arrow.Uint8Type:
		set(mysql.MYSQL_TYPE_TINY, 3, 0)
	case *arrow.Uint16Type:
		set(mysql.MYSQL_TYPE_SHORT, 5, 0)
	case *arrow.Uint32Type:
		set(mysql.MYSQL_TYPE_LONG, 10, 0)
	case *arrow.Uint64Type:
		set(mysql.MYSQL_TYPE_LONGLONG, 20, 0)
	case *arrow.Float16Type, *arrow.Float32Type:
		set(mysql.MYSQL_TYPE_FLOAT, 12, 31)
	case *arrow.Float64Type:
		set(mysql.MYSQL_TYPE_DOUBLE, 22, 31)
	case arrow.DecimalType:
		set(mysql.MYSQL_TYPE_NEWDECIMAL, uint32(t.GetPrecision())+2, uint8(t.GetScale()))
	case *arrow.Date32Type, *arrow.Date64Type:
		set(mysql.MYSQL_TYPE_DATE, 10, 0)
	case *arrow.Time32Type, *arrow.Time64Type:
		set(mysql.MYSQL_TYPE_TIME, 17, 6)
	case *arrow.TimestampType:
		if t.Unit == arrow.Second {
			set(mysql.MYSQL_TYPE_DATETIME, 19, 0)
		} else {
			set(mysql.MYSQL_TYPE_DATETIME, 26, 6)
		}
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType, *arrow.FixedSizeBinaryType:
		set(mysql.MYSQL_TYPE_BLOB, 65535, 0)
	case *arrow.NullType:
		set(mysql.MYSQL_TYPE_NULL, 0, 0)
	default:
		// Text, UUID, INTERVAL, JSON, lists, structs, maps and enums all
		// reach the client as text.
		set(mysql.MYSQL_TYPE_VAR_STRING, 262140, 0)
		col.Charset, col.Flags = charsetUTF8MB4, 0
	}
	switch c.Type.ID() {
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		col.Flags |= mysql.UNSIGNED_FLAG
	}
	if c.DuckType == "UUID" || c.DuckType == "INTERVAL" || c.DuckType == "ENUM" {
		set(mysql.MYSQL_TYPE_VAR_STRING, 262140, 0)
		col.Charset, col.Flags = charsetUTF8MB4, 0
	}
	return col
}

// clientValue turns what duckdb-go scans into what the server writes:
// booleans become 0/1 as in MySQL, exotic values become their text.
func clientValue(v any) any {
	switch t := v.(type) {
	case nil, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
		float32, float64, string, []byte, time.Time, time.Duration:
		return v
	case bool:
		if t {
			return int64(1)
		}
		return int64(0)
	case fmt.Stringer:
		return t.String()
	case []any, map[string]any:
		b, err := json.Marshal(t)
		if err != nil {
			return fmt.Sprint(t)
		}
		return string(b)
	}
	return fmt.Sprint(v)
}

// textColumns describes the all-text results of SHOW statements.
func textColumns(names ...string) []server.Column {
	cols := make([]server.Column, len(names))
	for i, n := range names {
		cols[i] = server.Column{Name: n, OrgName: n, Type: mysql.MYSQL_TYPE_VAR_STRING, Length: 256, Charset: charsetUTF8MB4}
	}
	return cols
}
