package engine

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// lazyReader opens its scan on the first Next, with the schema known in
// advance (DuckDB asks for it when the view is registered). The opened
// reader must have exactly that schema: DuckDB reads the batches' memory by
// the declared types, so a mismatch is an error, never a misread.
type lazyReader struct {
	ctx    context.Context
	schema *arrow.Schema
	open   func(context.Context) (array.RecordReader, error)

	rd   array.RecordReader
	err  error
	refs atomic.Int64
}

func newLazyReader(ctx context.Context, schema *arrow.Schema, open func(context.Context) (array.RecordReader, error)) *lazyReader {
	l := &lazyReader{ctx: ctx, schema: schema, open: open}
	l.refs.Store(1)
	return l
}

func (l *lazyReader) Schema() *arrow.Schema { return l.schema }

func (l *lazyReader) Next() bool {
	if l.err != nil {
		return false
	}
	if l.rd == nil {
		rd, err := l.open(l.ctx)
		if err != nil {
			l.err = err
			return false
		}
		if err := sameTypes(l.schema, rd.Schema()); err != nil {
			rd.Release()
			l.err = err
			return false
		}
		l.rd = rd
	}
	return l.rd.Next()
}

func (l *lazyReader) RecordBatch() arrow.RecordBatch {
	if l.rd == nil {
		return nil
	}
	return l.rd.RecordBatch()
}

//lint:ignore SA1019 Record is part of the RecordReader interface.
func (l *lazyReader) Record() arrow.RecordBatch { return l.RecordBatch() }

func (l *lazyReader) Err() error {
	if l.err != nil {
		return l.err
	}
	if l.rd != nil {
		return l.rd.Err()
	}
	return nil
}

func (l *lazyReader) Retain() { l.refs.Add(1) }

// Release drops a reference; the last one releases the scan, if opened.
func (l *lazyReader) Release() {
	if l.refs.Add(-1) == 0 && l.rd != nil {
		l.rd.Release()
	}
}

func sameTypes(want, got *arrow.Schema) error {
	if want.NumFields() != got.NumFields() {
		return fmt.Errorf("engine: scan returned %d columns, %d expected", got.NumFields(), want.NumFields())
	}
	for i, f := range want.Fields() {
		if !arrow.TypeEqual(f.Type, got.Field(i).Type) {
			return fmt.Errorf("engine: scan column %s is %s, %s expected", f.Name, got.Field(i).Type, f.Type)
		}
	}
	return nil
}

var _ array.RecordReader = (*lazyReader)(nil)
