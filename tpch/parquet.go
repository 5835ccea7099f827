package tpch

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// cents is a DECIMAL(15,2) value as its unscaled integer; day is a DATE as
// days since 1970-01-01 (Arrow's date32). The generator works in these so
// that money is exact and dates are plain arithmetic.
type (
	cents int64
	day   int32
)

func (c cents) String() string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

var moneyType = &arrow.Decimal128Type{Precision: 15, Scale: 2}

func (c column) arrowType() arrow.DataType {
	switch c.kind {
	case int32Col:
		return arrow.PrimitiveTypes.Int32
	case int64Col:
		return arrow.PrimitiveTypes.Int64
	case moneyCol:
		return moneyType
	case dateCol:
		return arrow.FixedWidthTypes.Date32
	default:
		return arrow.BinaryTypes.String
	}
}

func (t table) arrowSchema() *arrow.Schema {
	fields := make([]arrow.Field, len(t.cols))
	for i, c := range t.cols {
		fields[i] = arrow.Field{Name: c.name, Type: c.arrowType()}
	}
	return arrow.NewSchema(fields, nil)
}

// rowGroup is the rows per Parquet row group: small enough that DuckDB's
// zone maps prune date ranges at SF 0.01, large enough to compress well.
const rowGroup = 64 * 1024

// parquetWriter appends generated rows to <dir>/<table>.parquet, flushing a
// row group whenever one is full so memory stays bounded at any scale.
type parquetWriter struct {
	t    table
	f    *os.File
	b    *array.RecordBuilder
	w    *pqarrow.FileWriter
	rows int
}

func newParquetWriter(dir string, t table) (*parquetWriter, error) {
	f, err := os.Create(filepath.Join(dir, t.name+".parquet"))
	if err != nil {
		return nil, err
	}
	schema := t.arrowSchema()
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(rowGroup),
		parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDictionaryDefault(true))
	w, err := pqarrow.NewFileWriter(schema, f, props, pqarrow.DefaultWriterProps())
	if err != nil {
		f.Close()
		return nil, err
	}
	return &parquetWriter{t: t, f: f, b: array.NewRecordBuilder(memory.DefaultAllocator, schema), w: w}, nil
}

// add appends one row; its values have the Go types of the columns' kinds
// (int32, int64, cents, day, string).
func (p *parquetWriter) add(row ...any) error {
	for i, v := range row {
		switch b := p.b.Field(i).(type) {
		case *array.Int32Builder:
			b.Append(v.(int32))
		case *array.Int64Builder:
			b.Append(v.(int64))
		case *array.Decimal128Builder:
			b.Append(decimal128.FromI64(int64(v.(cents))))
		case *array.Date32Builder:
			b.Append(arrow.Date32(v.(day)))
		case *array.StringBuilder:
			b.Append(v.(string))
		}
	}
	if p.rows++; p.rows == rowGroup {
		return p.flush()
	}
	return nil
}

func (p *parquetWriter) flush() error {
	if p.rows == 0 {
		return nil
	}
	rec := p.b.NewRecordBatch()
	defer rec.Release()
	p.rows = 0
	return p.w.Write(rec)
}

func (p *parquetWriter) close() error {
	defer p.b.Release()
	if err := p.flush(); err != nil {
		p.w.Close()
		return fmt.Errorf("%s: %w", p.t.name, err)
	}
	return p.w.Close() // closes the file too
}

// readParquet reads a generated table back, one record batch at a time.
func readParquet(ctx context.Context, dir, name string, fn func(arrow.RecordBatch) error) error {
	f, err := file.OpenParquetFile(filepath.Join(dir, name+".parquet"), false)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := pqarrow.NewFileReader(f, pqarrow.ArrowReadProperties{BatchSize: 8192}, memory.DefaultAllocator)
	if err != nil {
		return err
	}
	rr, err := r.GetRecordReader(ctx, nil, nil)
	if err != nil {
		return err
	}
	defer rr.Release()
	for rr.Next() {
		if err := fn(rr.RecordBatch()); err != nil {
			return err
		}
	}
	return rr.Err()
}
