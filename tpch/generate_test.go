package tpch

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// The generator is deterministic and gives the specification's row counts.
func TestGenerate(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	for _, dir := range []string{a, b} {
		if err := Generate(0.001, dir); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]int64{"region": 5, "nation": 25, "supplier": 10, "customer": 150, "part": 200,
		"partsupp": 800, "orders": 1500}
	for _, name := range Tables {
		x, _ := os.ReadFile(filepath.Join(a, name+".parquet"))
		y, _ := os.ReadFile(filepath.Join(b, name+".parquet"))
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", name)
		}
		n := countRows(t, a, name)
		if w, ok := want[name]; ok && n != w {
			t.Errorf("%s: %d rows, want %d", name, n, w)
		}
		if name == "lineitem" && (n < 1500 || n > 7*1500) {
			t.Errorf("lineitem: %d rows for 1500 orders", n)
		}
	}
}

func countRows(t *testing.T, dir, name string) int64 {
	var n int64
	err := readParquet(context.Background(), dir, name, func(rec arrow.RecordBatch) error {
		n += rec.NumRows()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
