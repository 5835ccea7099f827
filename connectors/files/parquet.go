package files

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/tributary-sql/tributary/connectors"
)

// openParquet reads the footer of f. Closing the returned reader closes f.
func openParquet(f *os.File, mem memory.Allocator, batchRows int) (*pqarrow.FileReader, error) {
	rdr, err := file.NewParquetReader(f, file.WithReadProps(parquet.NewReaderProperties(mem)))
	if err != nil {
		return nil, fmt.Errorf("files: %s: %w", f.Name(), err)
	}
	// Parallel stays off: it would start a goroutine per column per batch,
	// and scans of several tables already run concurrently.
	fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: int64(batchRows)}, mem)
	if err != nil {
		return nil, fmt.Errorf("files: %s: %w", f.Name(), err)
	}
	return fr, nil
}

// parquetInfo reads the schema and row count from the footer.
func parquetInfo(f *os.File, mem memory.Allocator) (tableInfo, error) {
	fr, err := openParquet(f, mem, DefaultBatchRows)
	if err != nil {
		return tableInfo{}, err
	}
	schema, err := fr.Schema()
	if err != nil {
		return tableInfo{}, err
	}
	return tableInfo{schema: schema, rows: fr.ParquetReader().NumRows()}, nil
}

// scanParquet reads only the requested columns of the row groups that the
// filters and the limit leave.
func (c *Connector) scanParquet(ctx context.Context, f *os.File, req connectors.ScanRequest, batchRows int) (*Reader, error) {
	fr, err := openParquet(f, c.mem, batchRows)
	if err != nil {
		return nil, err
	}
	schema, err := fr.Schema()
	if err != nil {
		return nil, fmt.Errorf("files: %s: %w", f.Name(), err)
	}
	cols, err := resolveColumns(schema, req)
	if err != nil {
		return nil, err
	}
	groups := c.keptRowGroups(fr, schema, req)
	out := projectSchema(schema, cols)
	var src batchSource = emptySource{}
	if len(groups) > 0 {
		src, err = newParquetSource(ctx, fr, cols, groups, out)
		if err != nil {
			return nil, err
		}
	} else {
		f.Close() // nothing to read: hold no handle while the caller drains
	}
	r := newReader(ctx, req.Table, out, src, req.Limit)
	total := int64(fr.ParquetReader().NumRowGroups())
	r.rowGroups.Store(total)
	r.rowGroupsSkipped.Store(total - int64(len(groups)))
	return r, nil
}

// keptRowGroups lists the row groups that may hold wanted rows: those no
// filter's statistics rule out, and only as many as the limit needs.
func (c *Connector) keptRowGroups(fr *pqarrow.FileReader, schema *arrow.Schema, req connectors.ScanRequest) []int {
	type prunable struct {
		leaf   int
		dt     arrow.DataType
		domain domain
		filter connectors.Filter
	}
	var checks []prunable
	for _, flt := range req.Filters {
		idx, err := fieldIndex(schema, req.Table, flt.Column)
		if err != nil {
			continue // resolveColumns already rejected unknown columns
		}
		field := fr.Manifest.Fields[idx]
		dt := schema.Field(idx).Type
		if d := domainOf(dt); d != domainNone && field.IsLeaf() {
			checks = append(checks, prunable{leaf: field.ColIndex, dt: dt, domain: d, filter: flt})
		}
	}
	md := fr.ParquetReader().MetaData()
	var kept []int
	rows := int64(0)
groups:
	for g := 0; g < md.NumRowGroups(); g++ {
		if req.Limit > 0 && rows >= req.Limit {
			break
		}
		rg := md.RowGroup(g)
		for _, p := range checks {
			cc, err := rg.ColumnChunk(p.leaf)
			if err != nil {
				continue
			}
			if canSkip(readChunkStats(cc, rg.NumRows(), p.dt, p.domain), p.domain, p.filter) {
				continue groups
			}
		}
		kept = append(kept, g)
		rows += rg.NumRows()
	}
	return kept
}

// parquetSource streams record batches of the kept row groups, reordering
// columns from file order to the requested order.
type parquetSource struct {
	fr     *pqarrow.FileReader
	rr     pqarrow.RecordReader
	order  []int // position in rr's batches of each output column
	schema *arrow.Schema
}

func newParquetSource(ctx context.Context, fr *pqarrow.FileReader, cols, groups []int, out *arrow.Schema) (*parquetSource, error) {
	// pqarrow takes leaf column indices and returns each field once, in
	// the order of the leaves given; a nested field needs all its leaves.
	var leaves []int
	pos := map[int]int{} // field index -> position in rr's batches
	for _, idx := range cols {
		if _, ok := pos[idx]; ok {
			continue
		}
		pos[idx] = len(pos)
		leaves = appendLeaves(leaves, &fr.Manifest.Fields[idx])
	}
	rr, err := fr.GetRecordReader(ctx, leaves, groups)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	order := make([]int, len(cols))
	for i, idx := range cols {
		order[i] = pos[idx]
	}
	return &parquetSource{fr: fr, rr: rr, order: order, schema: out}, nil
}

func appendLeaves(dst []int, f *pqarrow.SchemaField) []int {
	if f.IsLeaf() {
		return append(dst, f.ColIndex)
	}
	for i := range f.Children {
		dst = appendLeaves(dst, &f.Children[i])
	}
	return dst
}

func (s *parquetSource) next() (arrow.RecordBatch, error) {
	if !s.rr.Next() {
		if err := s.rr.Err(); err != nil {
			return nil, fmt.Errorf("files: %w", err)
		}
		return nil, io.EOF
	}
	rec := s.rr.RecordBatch()
	cols := make([]arrow.Array, len(s.order))
	for i, j := range s.order {
		cols[i] = rec.Column(j)
	}
	// NewRecordBatch retains the columns: the batch outlives rr's next step.
	return array.NewRecordBatch(s.schema, cols, rec.NumRows()), nil
}

func (s *parquetSource) close() error {
	s.rr.Release()
	return s.fr.ParquetReader().Close()
}
