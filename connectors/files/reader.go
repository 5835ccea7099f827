package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// batchSource produces the record batches of one scan, already projected
// to the requested columns. next returns io.EOF when exhausted; close frees
// every resource (file handle, builders) and may be called at any time,
// also before exhaustion. A source is used by one goroutine at a time.
type batchSource interface {
	next() (arrow.RecordBatch, error)
	close() error
}

// ScanStats counts the work one scan did. Row-group counts are zero for
// formats without row groups (CSV, JSON lines).
type ScanStats struct {
	// RowGroups is the number of row groups in the file.
	RowGroups int64
	// RowGroupsSkipped were pruned by filter statistics or not needed
	// because the limit was reached in earlier groups: never read.
	RowGroupsSkipped int64
	// RowsRead is the number of rows decoded from the file, before the
	// limit trimmed the last batch.
	RowsRead int64
}

// Reader is the array.RecordReader of every files scan. It applies the
// limit, checks the scan's context between batches and closes the file as
// soon as the scan is exhausted, failed, cancelled or released.
//
// Like any RecordReader it is used by one goroutine at a time; Stats alone
// may be called concurrently (e.g. by a metrics collector). Releasing it
// early, mid-stream, is safe and frees everything: the package starts no
// goroutines.
type Reader struct {
	refs   atomic.Int64
	ctx    context.Context
	table  string
	schema *arrow.Schema
	src    batchSource // nil once closed
	cur    arrow.RecordBatch
	err    error
	left   int64 // rows still wanted; negative means no limit

	rowGroups, rowGroupsSkipped, rowsRead atomic.Int64
}

var _ array.RecordReader = (*Reader)(nil)

func newReader(ctx context.Context, table string, schema *arrow.Schema, src batchSource, limit int64) *Reader {
	r := &Reader{ctx: ctx, table: table, schema: schema, src: src, left: -1}
	if limit > 0 {
		r.left = limit
	}
	r.refs.Add(1)
	return r
}

// Stats returns what the scan has done so far.
func (r *Reader) Stats() ScanStats {
	return ScanStats{
		RowGroups:        r.rowGroups.Load(),
		RowGroupsSkipped: r.rowGroupsSkipped.Load(),
		RowsRead:         r.rowsRead.Load(),
	}
}

// Schema has exactly the requested columns, in the requested order.
func (r *Reader) Schema() *arrow.Schema { return r.schema }

// RecordBatch is the current batch, valid until the next call to Next or
// Release; Retain it to keep it longer.
func (r *Reader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is the current batch.
//
// Deprecated: use RecordBatch (kept to satisfy array.RecordReader).
func (r *Reader) Record() arrow.RecordBatch { return r.cur }

// Err is the error that ended the scan, nil at normal exhaustion. A
// cancelled scan reports an error wrapping the context's error.
func (r *Reader) Err() error { return r.err }

// Retain adds a reference.
func (r *Reader) Retain() { r.refs.Add(1) }

// Release drops a reference; the last one closes the file.
func (r *Reader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	r.releaseCurrent()
	r.closeSource()
}

// Next advances to the next batch; false at the end or on error.
func (r *Reader) Next() bool {
	r.releaseCurrent()
	if r.src == nil || r.err != nil {
		return false
	}
	if err := r.ctx.Err(); err != nil {
		r.fail(fmt.Errorf("files: scan of %s: %w", r.table, err))
		return false
	}
	rec, err := r.src.next()
	if err != nil {
		if !errors.Is(err, io.EOF) {
			r.fail(err)
		}
		r.closeSource()
		return false
	}
	r.rowsRead.Add(rec.NumRows())
	if r.left >= 0 {
		rec = trim(rec, r.left)
		r.left -= rec.NumRows()
		if r.left == 0 {
			// The limit is reached: free the file now rather than when
			// the caller gets round to Release.
			r.closeSource()
		}
	}
	r.cur = rec
	return true
}

func (r *Reader) fail(err error) {
	r.err = err
	r.closeSource()
}

func (r *Reader) releaseCurrent() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

func (r *Reader) closeSource() {
	if r.src == nil {
		return
	}
	if err := r.src.close(); err != nil && r.err == nil {
		r.err = err
	}
	r.src = nil
}

// trim returns rec cut to at most n rows, taking over rec's reference.
func trim(rec arrow.RecordBatch, n int64) arrow.RecordBatch {
	if rec.NumRows() <= n {
		return rec
	}
	out := rec.NewSlice(0, n)
	rec.Release()
	return out
}

// emptySource is the source of a scan that can be answered without reading
// (every row group pruned).
type emptySource struct{}

func (emptySource) next() (arrow.RecordBatch, error) { return nil, io.EOF }
func (emptySource) close() error                     { return nil }
