package files

import (
	"context"
	"math/big"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/tributary-sql/tributary/connectors"
)

// newTestConnector configures a connector on dir whose allocations are
// checked: every test ends with all Arrow memory released.
func newTestConnector(t testing.TB, dir string, extra map[string]any) *Connector {
	t.Helper()
	c := New()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	c.mem = mem
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	opts := map[string]any{"root": dir}
	for k, v := range extra {
		opts[k] = v
	}
	if err := c.Configure(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	return c
}

func writeFile(t testing.TB, dir, name, text string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeParquet writes rec with at most groupRows rows per row group.
func writeParquet(t testing.TB, path string, rec arrow.RecordBatch, groupRows int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	props := parquet.NewWriterProperties(
		parquet.WithMaxRowGroupLength(groupRows),
		parquet.WithCompression(compress.Codecs.Snappy),
	)
	w, err := pqarrow.NewFileWriter(rec.Schema(), f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil { // closes f too
		t.Fatal(err)
	}
}

// row is one result row by column name. Values are Go values: int64,
// float64, bool, string, arrow.Date32, arrow.Timestamp, *big.Rat for
// decimals, nil for NULL.
type row map[string]any

// drain reads a whole scan and releases it.
func drain(t testing.TB, s *connectors.Scan) []row {
	t.Helper()
	defer s.Reader.Release()
	var rows []row
	for s.Reader.Next() {
		rec := s.Reader.RecordBatch()
		for i := 0; i < int(rec.NumRows()); i++ {
			r := row{}
			for j, col := range rec.Columns() {
				r[rec.ColumnName(j)] = value(col, i)
			}
			rows = append(rows, r)
		}
	}
	if err := s.Reader.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

func value(col arrow.Array, i int) any {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.Int64:
		return a.Value(i)
	case *array.Int32:
		return int64(a.Value(i))
	case *array.Float64:
		return a.Value(i)
	case *array.Boolean:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i)
	case *array.Timestamp:
		return a.Value(i)
	case *array.Decimal128:
		dt := a.DataType().(*arrow.Decimal128Type)
		return new(big.Rat).SetFrac(a.Value(i).BigInt(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dt.Scale)), nil))
	}
	return col.ValueStr(i)
}

func scan(t testing.TB, c *Connector, req connectors.ScanRequest) *connectors.Scan {
	t.Helper()
	s, err := c.Scan(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// prunable10k is a 10,000-row file in 100 row groups of 100 rows, every
// column sorted so that each group covers a narrow range:
//
//	id     int64           i
//	name   utf8            name%05d
//	day    date32          19000 + i/100 (one day per group)
//	ts     timestamp[us]   1.7e15 + i seconds
//	price  decimal(12,2)   i * 0.25
//	score  float64         i / 2, NULL throughout group 7
//	note   utf8            NULL except "hello" in group 3
func prunable10k(t testing.TB, mem memory.Allocator, path string) {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String},
		{Name: "day", Type: arrow.FixedWidthTypes.Date32},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
		{Name: "price", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	for i := 0; i < 10000; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		b.Field(1).(*array.StringBuilder).Append(fmtName(i))
		b.Field(2).(*array.Date32Builder).Append(arrow.Date32(19000 + i/100))
		b.Field(3).(*array.TimestampBuilder).Append(arrow.Timestamp(1_700_000_000_000_000 + int64(i)*1_000_000))
		b.Field(4).(*array.Decimal128Builder).Append(decimal128.FromI64(int64(i) * 25))
		if i/100 == 7 {
			b.Field(5).AppendNull()
		} else {
			b.Field(5).(*array.Float64Builder).Append(float64(i) / 2)
		}
		if i/100 == 3 {
			b.Field(6).(*array.StringBuilder).Append("hello")
		} else {
			b.Field(6).AppendNull()
		}
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	writeParquet(t, path, rec, 100)
}

func fmtName(i int) string {
	const digits = "0123456789"
	out := []byte("name00000")
	for p := len(out) - 1; i > 0; p-- {
		out[p] = digits[i%10]
		i /= 10
	}
	return string(out)
}
