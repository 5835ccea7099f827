package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// writeBigParquet writes rows of (id, value, label) in row groups of 64K.
func writeBigParquet(t testing.TB, path string, rows int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "value", Type: arrow.PrimitiveTypes.Float64},
		{Name: "label", Type: arrow.BinaryTypes.String},
	}, nil)
	w, err := pqarrow.NewFileWriter(schema, f, parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(65536)), pqarrow.DefaultWriterProps())
	if err != nil {
		t.Fatal(err)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	const batch = 65536
	for done := 0; done < rows; done += batch {
		n := min(batch, rows-done)
		for i := 0; i < n; i++ {
			id := int64(done + i)
			b.Field(0).(*array.Int64Builder).Append(id)
			b.Field(1).(*array.Float64Builder).Append(float64(id%1000) / 10)
			b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("label-%d", id%97))
		}
		rec := b.NewRecordBatch()
		if err := w.WriteBuffered(rec); err != nil {
			t.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

func twoSourceConfig(t testing.TB, bigRows int) string {
	dir := t.TempDir()
	writeBigParquet(t, filepath.Join(dir, "events.parquet"), bigRows)
	demo, _ := filepath.Abs(demoDir)
	return fmt.Sprintf(`
users:
  - name: analyst
    password: ${env:E2E_ANALYST_PASSWORD}
sources:
  demo:
    connector: files
    options: {root: %q}
  big:
    connector: files
    options: {root: %q, direct_read: false}  # stream Parquet through the plugin
databases:
  shop:
    tables:
      customers: demo.customers
      orders: demo.orders
      events: big.events
    views:
      big_orders: SELECT * FROM orders WHERE total > 500
`, demo, dir)
}

// A plugin process killed in the middle of a scan: that query fails with an
// error naming the source, other sources keep answering, and the next query
// on the killed source runs on a new process.
func TestPluginCrashMidScan(t *testing.T) {
	t.Setenv("E2E_ANALYST_PASSWORD", "s3cret")
	g := start(t, twoSourceConfig(t, 2_000_000))
	db := g.open(t, "analyst", "s3cret", "shop")
	other := g.open(t, "analyst", "s3cret", "demo")
	db.SetMaxOpenConns(4)

	rows, err := db.Query("SELECT id, value, label FROM big.events")
	if err != nil {
		t.Fatal(err)
	}
	// Read a little, so the scan is known to be under way, then kill.
	for i := 0; i < 10 && rows.Next(); i++ {
	}
	pid := g.pluginPID(t, "big")
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	n := 10
	for rows.Next() {
		n++
	}
	err = rows.Err()
	rows.Close()
	if err == nil {
		t.Fatalf("scan of 2,000,000 rows ended without error after %d rows although its plugin was killed", n)
	}
	if !strings.Contains(err.Error(), "big") {
		t.Fatalf("error %q does not name the source", err)
	}
	t.Logf("after kill: %d rows, then %v", n, err)

	// Another session, another source: unaffected.
	if got := collect(t, other, "SELECT COUNT(*) FROM customers"); got[0][0] == "0" {
		t.Fatal("demo source broken by the other source's crash")
	}
	// The killed source comes back on the next query.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var count int64
		err := db.QueryRow("SELECT COUNT(*) FROM events WHERE id < 1000").Scan(&count)
		if err == nil {
			if count != 1000 {
				t.Fatalf("count = %d", count)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("source did not recover: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if newPID := g.pluginPID(t, "big"); newPID == pid {
		t.Fatal("same plugin pid after kill")
	}
}

// Virtual databases gather tables of several sources, views included, and
// users see only the databases granted to them.
func TestVirtualDatabase(t *testing.T) {
	t.Setenv("E2E_ANALYST_PASSWORD", "s3cret")
	g := start(t, twoSourceConfig(t, 10_000))
	db := g.open(t, "analyst", "s3cret", "shop")
	got := collect(t, db, "SHOW FULL TABLES")
	want := "big_orders VIEW,customers BASE TABLE,events BASE TABLE,orders BASE TABLE"
	var names []string
	for _, r := range got {
		names = append(names, r[0]+" "+r[1])
	}
	if strings.Join(names, ",") != want {
		t.Fatalf("SHOW FULL TABLES = %v", names)
	}
	viaView := collect(t, db, "SELECT COUNT(*), MIN(total) FROM big_orders")
	direct := duckdbDirect(t, "SELECT COUNT(*), MIN(total) FROM orders WHERE total > 500")
	if fmt.Sprint(viaView) != fmt.Sprint(direct) {
		t.Fatalf("view: %v, direct: %v", viaView, direct)
	}
	// A view describes itself by its query's result columns.
	desc := collect(t, db, "DESCRIBE big_orders")
	if len(desc) != 5 || desc[0][0] != "order_id" || desc[0][1] != "bigint" || desc[4][0] != "total" || desc[4][1] != "decimal(12,2)" {
		t.Fatalf("DESCRIBE big_orders = %v", desc)
	}
	create := collect(t, db, "SHOW CREATE TABLE big_orders")
	if !strings.Contains(create[0][1], "CREATE VIEW `big_orders` AS SELECT * FROM orders WHERE total > 500") {
		t.Fatalf("SHOW CREATE TABLE big_orders = %v", create)
	}
	// A join across two sources inside one virtual database.
	cross := collect(t, db, "SELECT COUNT(*) FROM orders o JOIN events e ON e.id = o.order_id")
	if cross[0][0] == "0" {
		t.Fatal("cross-source join found nothing")
	}
	// EXPLAIN shows what went to each source.
	plan := collect(t, db, "EXPLAIN SELECT label FROM events WHERE id < 10 AND label LIKE 'label-1%'")
	if len(plan) != 2 || !strings.Contains(plan[0][2], `filters=[id < 10 AND label LIKE "label-1%"]`) || !strings.Contains(plan[0][2], "columns=[id, label]") {
		t.Fatalf("EXPLAIN = %v", plan)
	}
}
