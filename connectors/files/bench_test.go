package files

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/tributary-sql/tributary/connectors"
)

const benchRows = 2_000_000

// BenchmarkScanParquet scans a generated 2-million-row file (id int64,
// qty int32, amount float64, city string; 16 row groups) and reports
// rows/s, plus the ratio to a bare pqarrow read of the same file measured
// in the same run (x_baseline: 1.0 means no overhead).
func BenchmarkScanParquet(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "big.parquet")
	writeBenchFile(b, path)
	c := New()
	must(b, c.Configure(context.Background(), map[string]any{"root": dir}))
	baseline := baselineRowsPerSec(b, path)
	b.Logf("baseline (pqarrow alone): %.0f rows/s", baseline)

	cases := []struct {
		name string
		req  connectors.ScanRequest
	}{
		{"all_columns", connectors.ScanRequest{Table: "big"}},
		{"two_columns", connectors.ScanRequest{Table: "big", Columns: []string{"city", "amount"}}},
		{"pruned_1_of_16_groups", connectors.ScanRequest{Table: "big", Filters: []connectors.Filter{
			{Column: "id", Op: connectors.OpLt, Values: []any{int64(100_000)}}}}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			var rows int64
			for b.Loop() {
				s, err := c.Scan(context.Background(), tc.req)
				must(b, err)
				for s.Reader.Next() {
					rows += s.Reader.RecordBatch().NumRows()
				}
				must(b, s.Reader.Err())
				s.Reader.Release()
			}
			perSec := float64(rows) / b.Elapsed().Seconds()
			b.ReportMetric(perSec, "rows/s")
			if tc.name == "all_columns" {
				b.ReportMetric(perSec/baseline, "x_baseline")
			}
		})
	}
}

func writeBenchFile(b *testing.B, path string) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "qty", Type: arrow.PrimitiveTypes.Int32},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "city", Type: arrow.BinaryTypes.String},
	}, nil)
	bld := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer bld.Release()
	cities := make([]string, 500)
	for i := range cities {
		cities[i] = "city-" + strconv.Itoa(i)
	}
	for i := 0; i < benchRows; i++ {
		bld.Field(0).(*array.Int64Builder).Append(int64(i))
		bld.Field(1).(*array.Int32Builder).Append(int32(i % 17))
		bld.Field(2).(*array.Float64Builder).Append(float64(i%10007) * 0.37)
		bld.Field(3).(*array.StringBuilder).Append(cities[(i*7919)%len(cities)])
	}
	rec := bld.NewRecordBatch()
	defer rec.Release()
	writeParquet(b, path, rec, benchRows/16)
}

// baselineRowsPerSec reads the whole file with pqarrow directly, with the
// same batch size, three times, and returns the best rate.
func baselineRowsPerSec(b *testing.B, path string) float64 {
	best := 0.0
	for range 3 {
		start := time.Now()
		rdr, err := file.OpenParquetFile(path, false)
		must(b, err)
		fr, err := pqarrow.NewFileReader(rdr, pqarrow.ArrowReadProperties{BatchSize: DefaultBatchRows}, memory.DefaultAllocator)
		must(b, err)
		rr, err := fr.GetRecordReader(context.Background(), nil, nil)
		must(b, err)
		var rows int64
		for rr.Next() {
			rows += rr.RecordBatch().NumRows()
		}
		must(b, rr.Err())
		rr.Release()
		must(b, rdr.Close())
		best = max(best, float64(rows)/time.Since(start).Seconds())
	}
	return best
}
