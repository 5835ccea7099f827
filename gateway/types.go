package gateway

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
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
	t := c.DuckType
	unsigned := strings.HasPrefix(t, "U") && t != "UUID" && t != "UNION"
	if unsigned {
		col.Flags |= mysql.UNSIGNED_FLAG
		t = t[1:]
	}
	switch {
	case t == "BOOLEAN":
		col.Type, col.Length = mysql.MYSQL_TYPE_TINY, 1
	case t == "TINYINT":
		col.Type, col.Length = mysql.MYSQL_TYPE_TINY, 4
	case t == "SMALLINT":
		col.Type, col.Length = mysql.MYSQL_TYPE_SHORT, 6
	case t == "INTEGER":
		col.Type, col.Length = mysql.MYSQL_TYPE_LONG, 11
	case t == "BIGINT":
		col.Type, col.Length = mysql.MYSQL_TYPE_LONGLONG, 20
	case t == "HUGEINT":
		col.Type, col.Length = mysql.MYSQL_TYPE_NEWDECIMAL, 40
	case t == "FLOAT":
		col.Type, col.Length, col.Decimals = mysql.MYSQL_TYPE_FLOAT, 12, 31
	case t == "DOUBLE":
		col.Type, col.Length, col.Decimals = mysql.MYSQL_TYPE_DOUBLE, 22, 31
	case strings.HasPrefix(t, "DECIMAL"):
		col.Type = mysql.MYSQL_TYPE_NEWDECIMAL
		col.Length = uint32(c.Precision) + 2
		col.Decimals = uint8(c.Scale)
	case t == "DATE":
		col.Type, col.Length = mysql.MYSQL_TYPE_DATE, 10
	case t == "TIME":
		col.Type, col.Length, col.Decimals = mysql.MYSQL_TYPE_TIME, 17, 6
	case strings.HasPrefix(t, "TIMESTAMP"):
		col.Type, col.Length, col.Decimals = mysql.MYSQL_TYPE_DATETIME, 26, 6
		if t == "TIMESTAMP_S" {
			col.Length, col.Decimals = 19, 0
		}
	case t == "BLOB" || t == "BIT":
		col.Type, col.Length = mysql.MYSQL_TYPE_BLOB, 65535
	case t == "\"NULL\"" || t == "NULL":
		col.Type, col.Flags = mysql.MYSQL_TYPE_NULL, mysql.BINARY_FLAG
	default:
		// VARCHAR, UUID, INTERVAL, JSON, lists, structs, maps and enums
		// all reach the client as text.
		col.Type, col.Length = mysql.MYSQL_TYPE_VAR_STRING, 262140
		col.Charset, col.Flags = charsetUTF8MB4, 0
	}
	return col
}

// clientValue turns what duckdb-go scans into what the server writes:
// booleans become 0/1 as in MySQL, exotic values become their text.
func clientValue(v any) any {
	switch t := v.(type) {
	case nil, int8, int16, int32, int64, uint8, uint16, uint32, uint64,
		float32, float64, string, []byte, time.Time:
		return v
	case bool:
		if t {
			return int64(1)
		}
		return int64(0)
	case *big.Int:
		return t.String()
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

// mysqlTypeName is the column type SHOW COLUMNS and DESCRIBE print for an
// Arrow type.
func mysqlTypeName(t arrow.DataType) string {
	switch t := t.(type) {
	case *arrow.BooleanType:
		return "tinyint(1)"
	case *arrow.Int8Type:
		return "tinyint"
	case *arrow.Int16Type:
		return "smallint"
	case *arrow.Int32Type:
		return "int"
	case *arrow.Int64Type:
		return "bigint"
	case *arrow.Uint8Type:
		return "tinyint unsigned"
	case *arrow.Uint16Type:
		return "smallint unsigned"
	case *arrow.Uint32Type:
		return "int unsigned"
	case *arrow.Uint64Type:
		return "bigint unsigned"
	case *arrow.Float16Type, *arrow.Float32Type:
		return "float"
	case *arrow.Float64Type:
		return "double"
	case arrow.DecimalType:
		return fmt.Sprintf("decimal(%d,%d)", t.GetPrecision(), t.GetScale())
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return "text"
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.FixedSizeBinaryType, *arrow.BinaryViewType:
		return "blob"
	case *arrow.Date32Type, *arrow.Date64Type:
		return "date"
	case *arrow.Time32Type, *arrow.Time64Type:
		return "time"
	case *arrow.TimestampType:
		if t.Unit == arrow.Second {
			return "datetime"
		}
		return "datetime(6)"
	}
	return "text"
}

// textColumns describes the all-text results of SHOW statements.
func textColumns(names ...string) []server.Column {
	cols := make([]server.Column, len(names))
	for i, n := range names {
		cols[i] = server.Column{Name: n, OrgName: n, Type: mysql.MYSQL_TYPE_VAR_STRING, Length: 256, Charset: charsetUTF8MB4}
	}
	return cols
}
