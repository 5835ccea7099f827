package files

import (
	"math/big"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tributary-sql/tributary/connectors"
)

// TestRowGroupPruning checks on a file of 100 row groups that filters skip
// the groups their statistics rule out, and differentially that pruning
// never changes the answer: filtering the pruned scan gives exactly the
// rows of filtering a full scan.
func TestRowGroupPruning(t *testing.T) {
	dir := t.TempDir()
	prunable10k(t, memory.NewGoAllocator(), filepath.Join(dir, "sales.parquet"))
	c := newTestConnector(t, dir, map[string]any{"batch_rows": 1000})
	cols := []string{"id", "name", "day", "ts", "price", "score", "note"}
	full := drain(t, scan(t, c, connectors.ScanRequest{Table: "sales", Columns: cols}))
	if len(full) != 10000 {
		t.Fatalf("full scan: %d rows", len(full))
	}
	f := func(col string, op connectors.Op, vals ...any) connectors.Filter {
		return connectors.Filter{Column: col, Op: op, Values: vals}
	}
	const t0 = 1_700_000_000_000_000
	tests := []struct {
		name    string
		filters []connectors.Filter
		groups  int64 // row groups read
	}{
		{"int eq", []connectors.Filter{f("id", connectors.OpEq, int64(5050))}, 1},
		{"int in", []connectors.Filter{f("id", connectors.OpIn, int64(5), int64(9999), nil)}, 2},
		{"int lt", []connectors.Filter{f("id", connectors.OpLt, int64(250))}, 3},
		{"int le", []connectors.Filter{f("id", connectors.OpLe, int64(200))}, 3},
		{"int gt", []connectors.Filter{f("id", connectors.OpGt, int64(9899))}, 1},
		{"int ge", []connectors.Filter{f("id", connectors.OpGe, int64(9899))}, 2},
		{"int range", []connectors.Filter{f("id", connectors.OpGe, int64(1000)), f("id", connectors.OpLt, int64(1200))}, 2},
		{"int ne", []connectors.Filter{f("id", connectors.OpNe, int64(5))}, 100},
		{"int vs float", []connectors.Filter{f("id", connectors.OpEq, 50.5)}, 1},
		{"int vs decimal", []connectors.Filter{f("id", connectors.OpEq, connectors.Decimal("150.00"))}, 1},
		{"int vs uint", []connectors.Filter{f("id", connectors.OpGt, uint64(9950))}, 1},
		{"int vs string keeps all", []connectors.Filter{f("id", connectors.OpEq, "abc")}, 100},
		{"string eq", []connectors.Filter{f("name", connectors.OpEq, "name00042")}, 1},
		{"string ge", []connectors.Filter{f("name", connectors.OpGe, "name09900")}, 1},
		{"date eq", []connectors.Filter{f("day", connectors.OpEq, connectors.Date(19005))}, 1},
		{"date vs timestamp keeps all", []connectors.Filter{f("day", connectors.OpEq, connectors.Timestamp(0))}, 100},
		{"timestamp ge", []connectors.Filter{f("ts", connectors.OpGe, connectors.Timestamp(t0+9950_000_000))}, 1},
		{"timestamp vs date", []connectors.Filter{f("ts", connectors.OpLt, connectors.Date(0))}, 0},
		{"decimal eq", []connectors.Filter{f("price", connectors.OpEq, connectors.Decimal("12.25"))}, 1},
		{"decimal gt", []connectors.Filter{f("price", connectors.OpGt, connectors.Decimal("2474.75"))}, 1},
		{"decimal vs int", []connectors.Filter{f("price", connectors.OpEq, int64(10))}, 1},
		{"float gt", []connectors.Filter{f("score", connectors.OpGt, 4000.0)}, 20},
		{"is null", []connectors.Filter{f("score", connectors.OpIsNull)}, 1},
		{"is not null", []connectors.Filter{f("score", connectors.OpIsNotNull)}, 99},
		{"all-null groups", []connectors.Filter{f("note", connectors.OpEq, "hello")}, 1},
		{"note is not null", []connectors.Filter{f("note", connectors.OpIsNotNull)}, 1},
		{"like keeps all", []connectors.Filter{f("name", connectors.OpLike, "name0001%")}, 100},
		{"no match", []connectors.Filter{f("id", connectors.OpGt, int64(1_000_000))}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := scan(t, c, connectors.ScanRequest{Table: "sales", Columns: []string{"id", "name", "day", "ts", "price", "score", "note"}, Filters: tt.filters})
			if want := make([]bool, len(tt.filters)); !reflect.DeepEqual(s.Exact, want) {
				t.Fatalf("Exact = %v, want %v", s.Exact, want)
			}
			r := s.Reader.(*Reader)
			got := filterRows(drain(t, s), tt.filters)
			st := r.Stats()
			if read := st.RowGroups - st.RowGroupsSkipped; read != tt.groups || st.RowsRead != tt.groups*100 {
				t.Errorf("read %d groups, %d rows; want %d groups", read, st.RowsRead, tt.groups)
			}
			if want := filterRows(full, tt.filters); !reflect.DeepEqual(got, want) {
				t.Errorf("pruned scan found %d rows, full scan %d", len(got), len(want))
			}
		})
	}
}

func TestLimitSkipsRowGroups(t *testing.T) {
	dir := t.TempDir()
	prunable10k(t, memory.NewGoAllocator(), filepath.Join(dir, "sales.parquet"))
	c := newTestConnector(t, dir, nil)
	s := scan(t, c, connectors.ScanRequest{Table: "sales", Columns: []string{"name", "id"}, Limit: 250})
	r := s.Reader.(*Reader)
	rows := drain(t, s)
	if len(rows) != 250 || rows[249]["id"] != int64(249) || rows[0]["name"] != "name00000" {
		t.Fatalf("%d rows, last %v", len(rows), rows[len(rows)-1])
	}
	if st := r.Stats(); st.RowGroupsSkipped != 97 || st.RowsRead != 250 {
		t.Fatalf("stats %+v", st)
	}
}

// filterRows is the reference evaluator: SQL semantics for the value
// kinds of prunable10k. An incomparable value keeps the row, so that a
// scan pruning on it would be caught.
func filterRows(rows []row, filters []connectors.Filter) []row {
	var out []row
next:
	for _, r := range rows {
		for _, f := range filters {
			if !matches(r[f.Column], f) {
				continue next
			}
		}
		out = append(out, r)
	}
	return out
}

func matches(v any, f connectors.Filter) bool {
	switch f.Op {
	case connectors.OpIsNull:
		return v == nil
	case connectors.OpIsNotNull:
		return v != nil
	case connectors.OpLike:
		return true
	}
	if v == nil {
		return false
	}
	if f.Op == connectors.OpIn {
		for _, x := range f.Values {
			if x != nil && matches(v, connectors.Filter{Op: connectors.OpEq, Values: []any{x}}) {
				return true
			}
		}
		return false
	}
	c, ok := compareRef(v, f.Values[0])
	if !ok {
		return true
	}
	switch f.Op {
	case connectors.OpEq:
		return c == 0
	case connectors.OpNe:
		return c != 0
	case connectors.OpLt:
		return c < 0
	case connectors.OpLe:
		return c <= 0
	case connectors.OpGt:
		return c > 0
	case connectors.OpGe:
		return c >= 0
	}
	return true
}

func compareRef(v, x any) (int, bool) {
	num := func(a any) (*big.Rat, bool) {
		switch a := a.(type) {
		case int64:
			return new(big.Rat).SetInt64(a), true
		case uint64:
			return new(big.Rat).SetUint64(a), true
		case float64:
			return new(big.Rat).SetFloat64(a), true
		case *big.Rat:
			return a, true
		case connectors.Decimal:
			return new(big.Rat).SetString(string(a))
		}
		return nil, false
	}
	switch v := v.(type) {
	case string:
		if x, ok := x.(string); ok {
			return strings.Compare(v, x), true
		}
	case arrow.Date32:
		if x, ok := x.(connectors.Date); ok {
			return cmpInt(int64(v), int64(x)), true
		}
	case arrow.Timestamp:
		switch x := x.(type) {
		case connectors.Timestamp:
			return cmpInt(int64(v), int64(x)), true
		case connectors.Date:
			return cmpInt(int64(v), int64(x)*86_400_000_000), true
		}
	default:
		a, ok1 := num(v)
		b, ok2 := num(x)
		if ok1 && ok2 {
			return a.Cmp(b), true
		}
	}
	return 0, false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
