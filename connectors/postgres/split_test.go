package postgres

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/tributary-sql/tributary/connectors"
)

// Splits of a table are disjoint and hold every row once, however many
// there are, also with filters, and for rows added after the statistics.
func TestSplits(t *testing.T) {
	schema, pool := newSchema(t,
		"CREATE TABLE big (id int8 PRIMARY KEY, pad text)",
		"INSERT INTO big SELECT g, repeat('x', 200) FROM generate_series(1, 20000) g",
		"ANALYZE big",
		// Rows beyond relpages: they must land in the last split.
		"INSERT INTO big SELECT g, 'late' FROM generate_series(20001, 21000) g",
		"CREATE VIEW v AS SELECT * FROM big")
	_ = pool
	c := newConnector(t, schema, nil)
	tables, err := c.Tables(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		if want := tb.Name == "big"; tb.Splittable != want {
			t.Errorf("%s: Splittable = %v, want %v", tb.Name, tb.Splittable, want)
		}
	}
	for _, splits := range []int{2, 3, 7} {
		for _, filter := range [][]connectors.Filter{nil, {{Column: "id", Op: connectors.OpGt, Values: []any{int64(15000)}}}} {
			var all []int
			for i := 0; i < splits; i++ {
				rows := drain(t, scan(t, c, connectors.ScanRequest{Table: "big", Columns: []string{"id"}, Filters: filter, Split: i, Splits: splits}))
				if len(rows) == 0 && filter == nil {
					t.Errorf("splits=%d: split %d is empty", splits, i)
				}
				for _, r := range rows {
					all = append(all, int(r[0].(int64)))
				}
			}
			sort.Ints(all)
			lo := 1
			if filter != nil {
				lo = 15001
			}
			if len(all) != 21000-lo+1 || all[0] != lo || all[len(all)-1] != 21000 {
				t.Fatalf("splits=%d filter=%v: %d rows from %v to %v", splits, filter, len(all), all[0], all[len(all)-1])
			}
			for i := 1; i < len(all); i++ {
				if all[i] == all[i-1] {
					t.Fatalf("splits=%d: row %d read twice", splits, all[i])
				}
			}
		}
	}
	// A view cannot be split: the request reads it whole.
	rows := drain(t, scan(t, c, connectors.ScanRequest{Table: "v", Columns: []string{"id"}, Split: 1, Splits: 2}))
	if len(rows) != 21000 {
		t.Fatalf("view with a split request: %d rows", len(rows))
	}
	found := false
	for _, s := range statements(t) {
		if strings.Contains(s, `ctid >= '(`) && strings.Contains(s, `::tid`) {
			found = true
		}
	}
	if !found {
		t.Error("no ctid range in the statements PostgreSQL received")
	}
}
