package demo

import (
	"context"
	"math/big"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/connectors/files"
)

// TestDemoData extracts the embedded files and reads them through the
// files connector: schemas, row counts and referential integrity.
func TestDemoData(t *testing.T) {
	dir := t.TempDir()
	if err := Extract(dir); err != nil {
		t.Fatal(err)
	}
	if err := Extract(dir); err != nil { // idempotent over existing files
		t.Fatal(err)
	}
	c := files.New()
	if err := c.Configure(context.Background(), map[string]any{"root": dir}); err != nil {
		t.Fatal(err)
	}
	tables, err := c.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	schemas := map[string]string{
		"customers":   "schema:\n  fields: 6\n    - customer_id: type=int64, nullable\n    - name: type=utf8, nullable\n    - email: type=utf8, nullable\n    - country: type=utf8, nullable\n    - city: type=utf8, nullable\n    - signup_date: type=date32, nullable",
		"products":    "schema:\n  fields: 4\n    - product_id: type=int64, nullable\n    - name: type=utf8, nullable\n    - category: type=utf8, nullable\n    - price: type=float64, nullable",
		"orders":      "schema:\n  fields: 5\n    - order_id: type=int64\n    - customer_id: type=int64\n    - order_date: type=date32\n    - status: type=utf8\n    - total: type=decimal(12, 2)",
		"order_items": "schema:\n  fields: 3\n    - order_id: type=int64\n    - product_id: type=int64\n    - quantity: type=int32",
	}
	if len(tables) != len(schemas) {
		t.Fatalf("tables: %v", tables)
	}
	for _, tb := range tables {
		if got := stripMeta(tb.Schema); got != schemas[tb.Name] {
			t.Errorf("%s schema:\n%s\nwant\n%s", tb.Name, got, schemas[tb.Name])
		}
	}

	customers := ints(t, c, "customers", "customer_id")
	products := ints(t, c, "products", "product_id")
	orders := ints(t, c, "orders", "customer_id")
	orderIDs := ints(t, c, "orders", "order_id")
	items := ints(t, c, "order_items", "order_id")
	for name, n := range map[string]int{"customers": len(customers), "products": len(products), "orders": len(orders)} {
		want := map[string]int{"customers": 2000, "products": 200, "orders": 20000}[name]
		if n != want {
			t.Errorf("%s: %d rows, want %d", name, n, want)
		}
	}
	if len(items) < 20000 {
		t.Errorf("order_items: %d rows", len(items))
	}
	assertSubset(t, "orders.customer_id", orders, customers)
	assertSubset(t, "order_items.order_id", items, orderIDs)
	assertSubset(t, "order_items.product_id", ints(t, c, "order_items", "product_id"), products)

	// A total is a money amount: positive, and exact to the cent.
	s, err := c.Scan(context.Background(), connectors.ScanRequest{Table: "orders", Columns: []string{"total"}, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Reader.Release()
	for s.Reader.Next() {
		col := s.Reader.RecordBatch().Column(0).(*array.Decimal128)
		for i := 0; i < col.Len(); i++ {
			if v := col.Value(i).BigInt(); v.Cmp(big.NewInt(0)) <= 0 {
				t.Errorf("total %s", col.ValueStr(i))
			}
		}
	}
}

// stripMeta renders a schema without Parquet field metadata.
func stripMeta(s *arrow.Schema) string {
	fields := s.Fields()
	for i := range fields {
		fields[i].Metadata = arrow.Metadata{}
	}
	return arrow.NewSchema(fields, nil).String()
}

func ints(t *testing.T, c *files.Connector, table, column string) []int64 {
	t.Helper()
	s, err := c.Scan(context.Background(), connectors.ScanRequest{Table: table, Columns: []string{column}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Reader.Release()
	var out []int64
	for s.Reader.Next() {
		switch col := s.Reader.RecordBatch().Column(0).(type) {
		case *array.Int64:
			out = append(out, col.Int64Values()...)
		case *array.Int32:
			for _, v := range col.Int32Values() {
				out = append(out, int64(v))
			}
		default:
			t.Fatalf("%s.%s is %s", table, column, col.DataType())
		}
	}
	if err := s.Reader.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func assertSubset(t *testing.T, what string, vals, keys []int64) {
	t.Helper()
	set := make(map[int64]bool, len(keys))
	for _, k := range keys {
		set[k] = true
	}
	for _, v := range vals {
		if !set[v] {
			t.Fatalf("%s: %d has no match", what, v)
		}
	}
}
