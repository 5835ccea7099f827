package planner

import (
	"context"

	"flag"
	"fmt"
	"github.com/apache/arrow-go/v18/arrow"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tributary-sql/tributary/catalog"
	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/connectors/files"
	"github.com/tributary-sql/tributary/parser"
	"github.com/tributary-sql/tributary/sqlerr"
)

var update = flag.Bool("update", false, "rewrite testdata/plans.txt")

// demoCatalog serves the demo data through the real files connector, in
// process: the planner needs schemas, not plugin processes.
func demoCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	dir, _ := filepath.Abs("../examples/demo")
	cfg := &catalog.Config{
		Sources: map[string]catalog.SourceConfig{
			"demo": {Connector: "files", Options: map[string]any{"root": dir}},
			"sql":  {Connector: "files", Options: map[string]any{"root": dir}},
		},
		Databases: map[string]catalog.DatabaseConfig{"shop": {
			Tables: map[string]string{"orders": "demo.orders", "people": "demo.customers"},
			Views: map[string]string{
				"big_orders": "SELECT * FROM orders WHERE total > 1000",
				"loop":       "SELECT * FROM loop",
			},
		}},
	}
	cat := catalog.New(cfg, func(name string, sc catalog.SourceConfig) connectors.Connector {
		c := files.New()
		if err := c.Configure(context.Background(), sc.Options); err != nil {
			t.Fatal(err)
		}
		if name == "sql" {
			return sqlSource{&bigOrders{c}}
		}
		return &bigOrders{c}
	})
	t.Cleanup(func() { cat.Close() })
	return cat
}

// sqlSource presents the demo as a source that runs PostgreSQL queries, so
// that whole-query pushdown shows; its queries are planned, never run.
type sqlSource struct{ *bigOrders }

func (sqlSource) Dialect() string { return connectors.DialectPostgres }
func (sqlSource) Query(context.Context, connectors.QueryRequest) (*connectors.Scan, error) {
	return nil, connectors.ErrUnsupported
}

// describeStub stands in for DuckDB's description of a result: one
// BIGINT column per select field of the planned SQL is enough for plans.
func describeStub(_ context.Context, sql string, _ []*Scan) (*arrow.Schema, error) {
	return arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil), nil
}

// keysStub stands in for DuckDB reading a small table's keys: the SQL it
// would run is checked by the e2e tests; here three keys are enough.
func keysStub(_ context.Context, sql string, scans []*Scan) ([]any, error) {
	if !strings.HasPrefix(sql, "SELECT DISTINCT") || len(scans) > 1 {
		return nil, fmt.Errorf("unexpected keys query %s", sql)
	}
	return []any{int64(1), int64(2), int64(3)}, nil
}

// bigOrders presents the demo's orders as a large splittable table, the way
// a PostgreSQL source reports its big tables, so that splitting shows.
type bigOrders struct{ *files.Connector }

func (b *bigOrders) Tables(ctx context.Context) ([]connectors.Table, error) {
	tables, err := b.Connector.Tables(ctx)
	for i := range tables {
		if tables[i].Name == "orders" {
			tables[i].RowCount, tables[i].Splittable = 1_000_000, true
		}
	}
	return tables, err
}

// render prints a plan, or an error, in the golden file's form.
func render(p *Plan, err error) string {
	if err != nil {
		return fmt.Sprintf("error %d: %s", kindCode(err), err)
	}
	var b strings.Builder
	for _, s := range p.Scans {
		if q := s.Query; q != nil {
			fmt.Fprintf(&b, "query %s: %s: %s args=%v\n", s.View, s.Table.Source.Name, q.SQL, q.Args)
			continue
		}
		if s.Direct != nil {
			fmt.Fprintf(&b, "read %s.%s: %s %s\n", s.Table.Source.Name, s.Table.Remote.Name, s.Direct.Format, filepath.Base(s.Direct.Path))
			continue
		}
		fmt.Fprintf(&b, "scan %s: %s.%s columns=[%s]", s.View, s.Table.Source.Name, s.Request.Table, strings.Join(s.Request.Columns, ","))
		for _, f := range s.Request.Filters {
			fmt.Fprintf(&b, " filter(%s)", f)
		}
		if s.Request.Limit > 0 {
			fmt.Fprintf(&b, " limit=%d", s.Request.Limit)
		}
		if s.Request.Splits > 1 {
			fmt.Fprintf(&b, " split=%d/%d", s.Request.Split, s.Request.Splits)
		}
		b.WriteString("\n")
	}
	for _, d := range p.Dynamic {
		fmt.Fprintf(&b, "dynamic %s.%s IN %d keys of %s\n", d.View, d.Column, d.Keys, d.From)
	}
	// The demo's absolute path depends on the checkout.
	demo, _ := filepath.Abs("../examples/demo")
	b.WriteString("sql: " + strings.ReplaceAll(p.SQL, demo, "$DEMO"))
	return b.String()
}

func kindCode(err error) uint16 {
	code, _ := sqlerr.KindOf(err).Code()
	return code
}

func TestPlans(t *testing.T) {
	cat := demoCatalog(t)
	p := &Planner{Catalog: cat}
	// "db+direct:" cases let DuckDB read Parquet files itself; "db+split:"
	// cases allow three scans per large table.
	pd := &Planner{Catalog: cat, DirectRead: func(*connectors.Location) bool { return true }}
	ps := &Planner{Catalog: cat, MaxSplits: 3}
	pw := &Planner{Catalog: cat, Describe: describeStub}
	pf := &Planner{Catalog: cat, Keys: keysStub}
	path := filepath.Join("testdata", "plans.txt")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cases := strings.Split(string(data), "\n----\n")
	var out []string
	for _, c := range cases {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		input, want, _ := strings.Cut(c, "\n=>")
		db, query, _ := strings.Cut(input, ": ")
		planner := p
		if d, ok := strings.CutSuffix(db, "+direct"); ok {
			db, planner = d, pd
		}
		if d, ok := strings.CutSuffix(db, "+split"); ok {
			db, planner = d, ps
		}
		if d, ok := strings.CutSuffix(db, "+whole"); ok {
			db, planner = d, pw
		}
		if d, ok := strings.CutSuffix(db, "+dynamic"); ok {
			db, planner = d, pf
		}
		stmts, err := parser.Parse(query)
		var got string
		if err != nil {
			got = render(nil, err)
		} else {
			got = render(planner.Plan(context.Background(), stmts[0], parser.Options{CurrentDB: db}))
		}
		if !*update && got != strings.TrimSpace(want) {
			t.Errorf("%s\n got:\n%s\nwant:\n%s", input, got, want)
		}
		out = append(out, input+"\n=>\n"+got)
	}
	if *update {
		if err := os.WriteFile(path, []byte(strings.Join(out, "\n----\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// A table the user may not read fails the plan before any source is
// asked anything: no keys are read for dynamic filters.
func TestAccessCheckedBeforeKeys(t *testing.T) {
	cat := demoCatalog(t)
	read := false
	p := &Planner{Catalog: cat, Keys: func(context.Context, string, []*Scan) ([]any, error) {
		read = true
		return nil, nil
	}}
	denied := sqlerr.New(sqlerr.DatabaseAccessDenied, "Access denied to database 'demo'")
	ctx := WithAccess(context.Background(), func(db string) error {
		if db == "demo" {
			return denied
		}
		return nil
	})
	stmts, err := parser.Parse("SELECT o.order_id FROM orders o JOIN customers c ON c.customer_id = o.customer_id WHERE c.city = 'Madrid'")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Plan(ctx, stmts[0], parser.Options{CurrentDB: "demo"}); err != denied {
		t.Fatalf("plan: %v, want the access error", err)
	}
	if read {
		t.Error("keys were read from a table the user may not read")
	}
}
