package plugins_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/plugins"
)

// TestMain turns the test binary into the plugin when go-plugin launches it
// (it sets the handshake cookie in the child's environment), the pattern of
// go-plugin's own helper-process tests.
func TestMain(m *testing.M) {
	if os.Getenv(plugins.Handshake.MagicCookieKey) == plugins.Handshake.MagicCookieValue {
		plugins.Serve(&testConnector{rows: 1000, batch: 100})
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testConnector generates rows. Options: rows, batch (rows per batch),
// sleep_ms (between batches). Its tables:
//
//	types       every Arrow type the gateway needs, with nulls
//	bench       id int64, value float64, name utf8
//	echo        one row per filter value it received, as text
//	goroutines  one row: runtime.NumGoroutine() of the plugin process
//	panic_scan  Scan panics;  panic_next: the reader panics after one batch
//	unsupported Scan fails with ErrUnsupported
//
// It ignores Columns and Limit on purpose: the SDK must apply them.
type testConnector struct {
	rows, batch int64
	sleep       time.Duration
	closed      atomic.Bool
}

var _ connectors.Configurer = (*testConnector)(nil)

func (c *testConnector) Describe() (string, string) { return "test", "0.1.0" }

func (c *testConnector) Configure(_ context.Context, opts map[string]any) error {
	for k, v := range opts {
		n, ok := v.(int64)
		if !ok {
			return fmt.Errorf("option %q: want an integer, got %T: %w", k, v, connectors.ErrInvalidOptions)
		}
		switch k {
		case "rows":
			c.rows = n
		case "batch":
			c.batch = n
		case "sleep_ms":
			c.sleep = time.Duration(n) * time.Millisecond
		default:
			return fmt.Errorf("unknown option %q: %w", k, connectors.ErrInvalidOptions)
		}
	}
	return nil
}

var (
	typesSchema = arrow.NewSchema([]arrow.Field{
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
		{Name: "i16", Type: arrow.PrimitiveTypes.Int16, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: false},
		{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
		{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
		{Name: "u32", Type: arrow.PrimitiveTypes.Uint32, Nullable: true},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond}, Nullable: true},
		{Name: "tstz", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 12, Scale: 2}, Nullable: true},
	}, nil)
	benchSchema = arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "value", Type: arrow.PrimitiveTypes.Float64},
		{Name: "name", Type: arrow.BinaryTypes.String},
	}, nil)
	echoSchema = arrow.NewSchema([]arrow.Field{
		{Name: "filter", Type: arrow.PrimitiveTypes.Int64},
		{Name: "column", Type: arrow.BinaryTypes.String},
		{Name: "op", Type: arrow.BinaryTypes.String},
		{Name: "value", Type: arrow.BinaryTypes.String}, // "%T %v"
	}, nil)
	countSchema = arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)
)

func (c *testConnector) Tables(context.Context) ([]connectors.Table, error) {
	return []connectors.Table{
		{Name: "types", Schema: typesSchema, RowCount: c.rows},
		{Name: "bench", Schema: benchSchema, RowCount: c.rows, Location: &connectors.Location{Format: "parquet", Path: "/data/bench.parquet"}},
		{Name: "echo", Schema: echoSchema, RowCount: -1},
		{Name: "goroutines", Schema: countSchema, RowCount: 1},
		{Name: "panic_scan", Schema: countSchema, RowCount: -1},
		{Name: "panic_next", Schema: countSchema, RowCount: -1},
		{Name: "unsupported", Schema: countSchema, RowCount: -1},
	}, nil
}

func (c *testConnector) Scan(ctx context.Context, req connectors.ScanRequest) (*connectors.Scan, error) {
	if c.closed.Load() {
		return nil, errors.New("closed")
	}
	for _, col := range req.Columns {
		if col == "nope" {
			return nil, fmt.Errorf("column %q: %w", col, connectors.ErrColumnNotFound)
		}
	}
	gen := &genReader{ctx: ctx, sleep: c.sleep, rows: c.rows, batch: c.batch}
	switch req.Table {
	case "types":
		gen.schema, gen.build = typesSchema, buildTypes
	case "bench":
		gen.schema, gen.build = benchSchema, buildBench
	case "echo":
		gen.schema, gen.rows = echoSchema, 1
		gen.build = func(mem memory.Allocator, _, _ int64) arrow.RecordBatch { return buildEcho(mem, req.Filters) }
		exact := make([]bool, len(req.Filters))
		for i := range exact {
			exact[i] = i%2 == 0
		}
		return &connectors.Scan{Reader: gen.init(), Exact: exact}, nil
	case "goroutines":
		gen.schema, gen.rows = countSchema, 1
		gen.build = func(mem memory.Allocator, _, _ int64) arrow.RecordBatch {
			return countBatch(mem, int64(runtime.NumGoroutine()))
		}
	case "panic_scan":
		panic("boom in Scan")
	case "panic_next":
		gen.schema, gen.rows, gen.batch = countSchema, 10, 1
		gen.build = func(mem memory.Allocator, start, _ int64) arrow.RecordBatch {
			if start > 0 {
				panic("boom in Next")
			}
			return countBatch(mem, start)
		}
	case "unsupported":
		return nil, fmt.Errorf("scanning %q: %w", req.Table, connectors.ErrUnsupported)
	default:
		return nil, fmt.Errorf("table %q: %w", req.Table, connectors.ErrTableNotFound)
	}
	return &connectors.Scan{Reader: gen.init()}, nil
}

func (c *testConnector) Close() error { c.closed.Store(true); return nil }

// genReader is a RecordReader over generated batches of rows [start, end).
type genReader struct {
	ctx    context.Context
	sleep  time.Duration
	rows   int64
	batch  int64
	schema *arrow.Schema
	build  func(mem memory.Allocator, start, end int64) arrow.RecordBatch

	refs atomic.Int64
	next int64
	cur  arrow.RecordBatch
	err  error
}

func (g *genReader) init() *genReader {
	g.refs.Store(1)
	if g.batch <= 0 {
		g.batch = 1024
	}
	return g
}

func (g *genReader) Retain() { g.refs.Add(1) }
func (g *genReader) Release() {
	if g.refs.Add(-1) == 0 && g.cur != nil {
		g.cur.Release()
		g.cur = nil
	}
}
func (g *genReader) Schema() *arrow.Schema          { return g.schema }
func (g *genReader) RecordBatch() arrow.RecordBatch { return g.cur }
func (g *genReader) Record() arrow.RecordBatch      { return g.cur }
func (g *genReader) Err() error                     { return g.err }

func (g *genReader) Next() bool {
	if g.cur != nil {
		g.cur.Release()
		g.cur = nil
	}
	if g.next >= g.rows || g.err != nil {
		return false
	}
	if g.sleep > 0 && g.next > 0 {
		select {
		case <-time.After(g.sleep):
		case <-g.ctx.Done():
		}
	}
	if err := g.ctx.Err(); err != nil {
		g.err = err
		return false
	}
	end := min(g.next+g.batch, g.rows)
	g.cur = g.build(memory.DefaultAllocator, g.next, end)
	g.next = end
	return true
}

// buildTypes makes rows [start, end); row i is null in every nullable
// column when i%7 == 3.
func buildTypes(mem memory.Allocator, start, end int64) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, typesSchema)
	defer b.Release()
	for i := start; i < end; i++ {
		if i%7 == 3 {
			for f := range b.Fields() {
				if f == 3 {
					b.Field(f).(*array.Int64Builder).Append(i)
				} else {
					b.Field(f).AppendNull()
				}
			}
			continue
		}
		b.Field(0).(*array.Int8Builder).Append(int8(i))
		b.Field(1).(*array.Int16Builder).Append(int16(-i))
		b.Field(2).(*array.Int32Builder).Append(int32(i * 1000))
		b.Field(3).(*array.Int64Builder).Append(i)
		b.Field(4).(*array.Uint8Builder).Append(uint8(i))
		b.Field(5).(*array.Uint16Builder).Append(uint16(i))
		b.Field(6).(*array.Uint32Builder).Append(uint32(i) * 7)
		b.Field(7).(*array.Uint64Builder).Append(uint64(i) << 40)
		b.Field(8).(*array.Float32Builder).Append(float32(i) / 4)
		b.Field(9).(*array.Float64Builder).Append(float64(i) / 3)
		b.Field(10).(*array.BooleanBuilder).Append(i%2 == 0)
		b.Field(11).(*array.StringBuilder).Append(fmt.Sprintf("row %d ✓", i))
		b.Field(12).(*array.BinaryBuilder).Append([]byte{byte(i), 0, 0xff})
		b.Field(13).(*array.Date32Builder).Append(arrow.Date32(19000 + i))
		b.Field(14).(*array.TimestampBuilder).Append(arrow.Timestamp(1_700_000_000_000_000 + i))
		b.Field(15).(*array.TimestampBuilder).Append(arrow.Timestamp(-i * 1_000_000))
		b.Field(16).(*array.Decimal128Builder).Append(decimal128.FromI64(i*100 + 99))
	}
	return b.NewRecordBatch()
}

func buildBench(mem memory.Allocator, start, end int64) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, benchSchema)
	defer b.Release()
	n := int(end - start)
	ids := b.Field(0).(*array.Int64Builder)
	vals := b.Field(1).(*array.Float64Builder)
	names := b.Field(2).(*array.StringBuilder)
	ids.Reserve(n)
	vals.Reserve(n)
	names.Reserve(n)
	names.ReserveData(n * 10)
	var buf []byte
	for i := start; i < end; i++ {
		ids.UnsafeAppend(i)
		vals.UnsafeAppend(float64(i) * 0.5)
		buf = strconv.AppendInt(append(buf[:0], "name-"...), i%100000, 10)
		names.BinaryBuilder.Append(buf)
	}
	return b.NewRecordBatch()
}

func buildEcho(mem memory.Allocator, filters []connectors.Filter) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, echoSchema)
	defer b.Release()
	for i, f := range filters {
		vals := f.Values
		if len(vals) == 0 {
			vals = []any{"<none>"}
		}
		for _, v := range vals {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.StringBuilder).Append(f.Column)
			b.Field(2).(*array.StringBuilder).Append(string(f.Op))
			b.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("%T %v", v, v))
		}
	}
	return b.NewRecordBatch()
}

func countBatch(mem memory.Allocator, n int64) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, countSchema)
	defer b.Release()
	b.Field(0).(*array.Int64Builder).Append(n)
	return b.NewRecordBatch()
}

// ExplainScan describes a scan of the "echo" table only; the others are
// unsupported, as from a connector that cannot explain.
func (c *testConnector) ExplainScan(_ context.Context, req connectors.ScanRequest) (string, error) {
	if req.Table != "echo" {
		return "", fmt.Errorf("explain %s: %w", req.Table, connectors.ErrUnsupported)
	}
	return fmt.Sprintf("SELECT %v FROM %s WHERE %v LIMIT %d", req.Columns, req.Table, req.Filters, req.Limit), nil
}
