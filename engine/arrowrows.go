package engine

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ArrowRows presents a record reader with the Rows methods: the answer of
// a query a source ran whole, which DuckDB would only have copied. Its
// columns are described as DuckDB describes the same Arrow types.
type ArrowRows struct {
	ctx  context.Context
	rd   array.RecordReader
	cols []Column
	rec  arrow.RecordBatch
	row  int
	vals []any
	done bool
}

// NewArrowRows takes over rd (Close releases it).
func NewArrowRows(ctx context.Context, rd array.RecordReader) *ArrowRows {
	schema := rd.Schema()
	cols := make([]Column, schema.NumFields())
	for i, f := range schema.Fields() {
		cols[i] = Column{Name: f.Name, Type: f.Type, DuckType: duckTypeOf(f.Type)}
	}
	return &ArrowRows{ctx: ctx, rd: rd, cols: cols, vals: make([]any, len(cols))}
}

// duckTypeOf names the DuckDB types the Arrow types of query results stand
// for where Column.DuckType makes a distinction.
func duckTypeOf(t arrow.DataType) string {
	switch t := t.(type) {
	case *arrow.BooleanType:
		return "BOOLEAN"
	case *arrow.TimestampType:
		if t.TimeZone != "" {
			return "TIMESTAMP WITH TIME ZONE"
		}
	}
	return ""
}

// Columns describes the result.
func (r *ArrowRows) Columns() []Column { return r.cols }

// Next advances to the next row.
func (r *ArrowRows) Next() bool {
	for r.rec == nil || r.row+1 >= int(r.rec.NumRows()) {
		if r.done || r.ctx.Err() != nil || !r.rd.Next() {
			r.done, r.rec = true, nil
			return false
		}
		r.rec, r.row = r.rd.RecordBatch(), -1
	}
	r.row++
	for i, col := range r.rec.Columns() {
		r.vals[i] = value(col, r.row)
	}
	return true
}

// Values returns the current row, valid until the next call to Next.
func (r *ArrowRows) Values() []any { return r.vals }

// Err reports the error that ended iteration, if any.
func (r *ArrowRows) Err() error {
	if err := r.rd.Err(); err != nil {
		return err
	}
	if r.ctx.Err() != nil {
		return interrupted(r.ctx)
	}
	return nil
}

// Close releases the reader. Safe to call twice.
func (r *ArrowRows) Close() error {
	if r.rd != nil {
		r.rd.Release()
		r.rd = nil
	}
	return nil
}
