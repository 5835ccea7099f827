package postgres

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tributary-sql/tributary/connectors"
)

func TestQuery(t *testing.T) {
	schema, _ := newSchema(t,
		`CREATE TABLE items (id int PRIMARY KEY, name text, price numeric(15,2), qty int8, day date, flag char(4))`,
		`INSERT INTO items VALUES (1, 'a''b', 1.50, 10, '2024-01-02', 'x'), (2, 'c\d', 2.25, 20, '2024-03-04', 'yy'),
		 (3, NULL, NULL, NULL, NULL, NULL)`)
	c := newConnector(t, schema, nil)
	dec := func(p, s int32) arrow.DataType { return &arrow.Decimal128Type{Precision: p, Scale: s} }
	f := func(name string, typ arrow.DataType) arrow.Field {
		return arrow.Field{Name: name, Type: typ, Nullable: true}
	}
	cases := []struct {
		name   string
		sql    string
		args   []any
		fields []arrow.Field
		want   [][]any
	}{
		{"aggregate to the engine's types", `SELECT count(*), sum(price), avg(price), sum(qty) FROM items`, nil,
			[]arrow.Field{f("n", arrow.PrimitiveTypes.Int64), f("s", dec(38, 2)), f("a", arrow.PrimitiveTypes.Float64), f("q", dec(38, 0))},
			[][]any{{int64(3), "3.75", 1.875, "30"}}},
		{"string parameters stay values", `SELECT id, name FROM items WHERE name = $1 OR name = $2 ORDER BY id`, []any{"a'b", `c\d`},
			[]arrow.Field{f("id", arrow.PrimitiveTypes.Int32), f("name", arrow.BinaryTypes.String)},
			[][]any{{int32(1), "a'b"}, {int32(2), `c\d`}}},
		{"an untyped parameter takes its context's type", `SELECT id, day FROM items WHERE day >= $1 ORDER BY id`, []any{"2024-02-01"},
			[]arrow.Field{f("id", arrow.PrimitiveTypes.Int64), f("day", arrow.FixedWidthTypes.Date32)},
			[][]any{{int64(2), arrow.Date32(19786)}}},
		{"char(n) arrives without padding; duplicate names", `SELECT flag, flag FROM items WHERE id = 2`, nil,
			[]arrow.Field{f("flag", arrow.BinaryTypes.String), f("flag", arrow.BinaryTypes.String)},
			[][]any{{"yy", "yy"}}},
		{"nulls", `SELECT name, price, day FROM items WHERE id = 3`, nil,
			[]arrow.Field{f("name", arrow.BinaryTypes.String), f("price", dec(15, 2)), f("day", arrow.FixedWidthTypes.Date32)},
			[][]any{{nil, nil, nil}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sc, err := c.Query(context.Background(), connectors.QueryRequest{SQL: tc.sql, Args: tc.args, Schema: arrow.NewSchema(tc.fields, nil)})
			if err != nil {
				t.Fatal(err)
			}
			if got := sc.Reader.Schema().Field(0).Name; got != tc.fields[0].Name {
				t.Errorf("first field %q, want %q", got, tc.fields[0].Name)
			}
			if got := drain(t, sc); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestQueryErrors(t *testing.T) {
	schema, _ := newSchema(t, `CREATE TABLE items (id int)`)
	c := newConnector(t, schema, nil)
	one := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Int64}}, nil)
	_, err := c.Query(context.Background(), connectors.QueryRequest{SQL: "SELECT id FROM missing", Schema: one})
	if err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("unknown table: %v", err)
	}
	odd := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Uint8}}, nil)
	if _, err := c.Query(context.Background(), connectors.QueryRequest{SQL: "SELECT id FROM items", Schema: odd}); !errors.Is(err, connectors.ErrUnsupported) {
		t.Errorf("unsigned result type: %v, want ErrUnsupported", err)
	}
}
