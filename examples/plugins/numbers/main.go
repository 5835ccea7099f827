// Command numbers is a complete third-party connector plugin: one table,
// `numbers`, of n, its square and a label, as many rows as the `rows`
// option says. Build it and name the executable in a source's `plugin:`.
//
// The SDK (plugins.Serve) owns the gRPC protocol, Arrow IPC encoding,
// limits and cancellation; a connector only lists its tables and produces
// Arrow batches.
package main

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/plugins"
)

var schema = arrow.NewSchema([]arrow.Field{
	{Name: "n", Type: arrow.PrimitiveTypes.Int64},
	{Name: "square", Type: arrow.PrimitiveTypes.Int64},
	{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

type numbers struct{ rows int64 }

func (c *numbers) Configure(_ context.Context, options map[string]any) error {
	c.rows = 1000
	for k, v := range options {
		if k != "rows" {
			return fmt.Errorf("%w: unknown option %q", connectors.ErrInvalidOptions, k)
		}
		switch n := v.(type) {
		case float64:
			c.rows = int64(n)
		case int64:
			c.rows = n
		case int:
			c.rows = int64(n)
		case uint64:
			c.rows = int64(n)
		default:
			return fmt.Errorf("%w: rows must be a number", connectors.ErrInvalidOptions)
		}
	}
	return nil
}

func (c *numbers) Tables(context.Context) ([]connectors.Table, error) {
	return []connectors.Table{{Name: "numbers", Schema: schema, RowCount: c.rows}}, nil
}

func (c *numbers) Scan(ctx context.Context, req connectors.ScanRequest) (*connectors.Scan, error) {
	if req.Table != "numbers" {
		return nil, fmt.Errorf("%w: %s", connectors.ErrTableNotFound, req.Table)
	}
	cols := req.Columns
	if len(cols) == 0 {
		cols = []string{"n", "square", "label"}
	}
	fields := make([]arrow.Field, len(cols))
	for i, name := range cols {
		idx := schema.FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("%w: %s", connectors.ErrColumnNotFound, name)
		}
		fields[i] = schema.Field(idx[0])
	}
	total := c.rows
	if req.Limit > 0 && req.Limit < total {
		total = req.Limit
	}
	g := &generator{ctx: ctx, schema: arrow.NewSchema(fields, nil), total: total}
	g.refs.Store(1)
	return &connectors.Scan{Reader: g}, nil
}

func (c *numbers) Close() error { return nil }

// generator produces the rows batch by batch, so a scan of any size holds
// one batch in memory.
type generator struct {
	ctx    context.Context
	schema *arrow.Schema
	next   int64
	total  int64
	cur    arrow.RecordBatch
	err    error
	refs   atomic.Int64 // starts at 1: the caller's reference
}

func (g *generator) Next() bool {
	g.release()
	if g.next >= g.total || g.err != nil {
		return false
	}
	if g.err = g.ctx.Err(); g.err != nil {
		return false
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, g.schema)
	defer b.Release()
	end := min(g.next+8192, g.total)
	for n := g.next; n < end; n++ {
		for i, f := range g.schema.Fields() {
			switch f.Name {
			case "n":
				b.Field(i).(*array.Int64Builder).Append(n)
			case "square":
				b.Field(i).(*array.Int64Builder).Append(n * n)
			case "label":
				if n%10 == 0 {
					b.Field(i).(*array.StringBuilder).AppendNull()
				} else {
					b.Field(i).(*array.StringBuilder).Append(fmt.Sprintf("n%d", n))
				}
			}
		}
	}
	g.next = end
	g.cur = b.NewRecordBatch()
	return true
}

func (g *generator) release() {
	if g.cur != nil {
		g.cur.Release()
		g.cur = nil
	}
}

func (g *generator) Schema() *arrow.Schema          { return g.schema }
func (g *generator) RecordBatch() arrow.RecordBatch { return g.cur }
func (g *generator) Record() arrow.RecordBatch      { return g.cur }
func (g *generator) Err() error                     { return g.err }
func (g *generator) Retain()                        {}
func (g *generator) Release()                       { g.release() }

func main() { plugins.Serve(&numbers{}) }
