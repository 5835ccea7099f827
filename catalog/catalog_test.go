package catalog

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/connectors/files"
	"github.com/tributary-sql/tributary/sqlerr"
)

func newCatalog(t *testing.T, dir string) *Catalog {
	t.Helper()
	cfg := &Config{
		SchemaCacheTTL: "1h",
		Sources: map[string]SourceConfig{
			"Lake":   {Connector: "files", Options: map[string]any{"root": dir}},
			"hidden": {Connector: "files", Options: map[string]any{"root": dir}, Hidden: true},
		},
		Databases: map[string]DatabaseConfig{"shop": {
			Tables: map[string]string{"People": "hidden.people", "ghost": "Lake.nothing"},
			Views:  map[string]string{"adults": "SELECT * FROM people WHERE age >= 18"},
		}},
	}
	cat := New(cfg, func(name string, sc SourceConfig) connectors.Connector {
		c := files.New()
		if err := c.Configure(context.Background(), sc.Options); err != nil {
			t.Fatal(err)
		}
		return c
	})
	t.Cleanup(func() { cat.Close() })
	return cat
}

func TestCatalog(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "people.csv"), []byte("name,age\nann,30\nbob,12\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cat := newCatalog(t, dir)
	ctx := context.Background()
	if got := cat.Databases(); len(got) != 2 || got[0] != "Lake" || got[1] != "shop" {
		t.Fatalf("Databases = %v (hidden sources must not be listed)", got)
	}
	// Names match regardless of case, as lower_case_table_names=1.
	e, err := cat.Lookup(ctx, "lake", "PEOPLE")
	if err != nil || e.Table == nil || e.Table.Source.Name != "Lake" || e.Table.Schema().NumFields() != 2 {
		t.Fatalf("Lookup lake.PEOPLE = %+v, %v", e, err)
	}
	e, err = cat.Lookup(ctx, "SHOP", "people")
	if err != nil || e.Table.Remote.Name != "people" || e.Table.Source.Name != "hidden" || e.Name != "People" {
		t.Fatalf("Lookup shop.people = %+v, %v", e, err)
	}
	if e, err = cat.Lookup(ctx, "shop", "Adults"); err != nil || e.View == nil {
		t.Fatalf("view lookup = %+v, %v", e, err)
	}
	cases := []struct {
		db, table string
		kind      sqlerr.Kind
	}{
		{"nodb", "x", sqlerr.UnknownDatabase},
		{"lake", "x", sqlerr.UnknownTable},
		{"shop", "ghost", sqlerr.UnknownTable},
		{"hidden", "people", sqlerr.UnknownDatabase},
	}
	for _, c := range cases {
		if _, err := cat.Lookup(ctx, c.db, c.table); sqlerr.KindOf(err) != c.kind {
			t.Errorf("Lookup %s.%s: %v, want kind %d", c.db, c.table, err, c.kind)
		}
	}
	// A table mapped to something missing makes the listing fail loudly.
	if _, err := cat.Entries(ctx, "shop"); sqlerr.KindOf(err) != sqlerr.UnknownTable {
		t.Fatalf("Entries(shop) = %v", err)
	}
	// The table list is cached until refreshed.
	if err := os.WriteFile(filepath.Join(dir, "pets.csv"), []byte("name\nrex\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Lookup(ctx, "lake", "pets"); sqlerr.KindOf(err) != sqlerr.UnknownTable {
		t.Fatalf("new file visible before refresh: %v", err)
	}
	for _, s := range cat.Sources() {
		s.Refresh()
	}
	if _, err := cat.Lookup(ctx, "lake", "pets"); err != nil {
		t.Fatalf("after refresh: %v", err)
	}
	// A miss longer than rediscoverAfter after the last one looks again by
	// itself.
	if err := os.WriteFile(filepath.Join(dir, "plants.csv"), []byte("name\nfern\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, s := range cat.Sources() {
		s.mu.Lock()
		s.missed = s.missed.Add(-2 * rediscoverAfter)
		s.mu.Unlock()
	}
	if _, err := cat.Lookup(ctx, "lake", "plants"); err != nil {
		t.Fatalf("a new table was not discovered on a miss: %v", err)
	}
}

func TestSourceError(t *testing.T) {
	cases := []struct {
		err  error
		kind sqlerr.Kind
	}{
		{connectors.ErrTableNotFound, sqlerr.UnknownTable},
		{connectors.ErrColumnNotFound, sqlerr.UnknownColumn},
		{connectors.ErrUnavailable, sqlerr.SourceUnavailable},
		{connectors.ErrInvalidOptions, sqlerr.SourceUnavailable},
		{context.Canceled, sqlerr.QueryInterrupted},
	}
	for _, c := range cases {
		err := SourceError("crm", c.err)
		if sqlerr.KindOf(err) != c.kind {
			t.Errorf("%v → kind %d, want %d", c.err, sqlerr.KindOf(err), c.kind)
		}
		if c.kind != sqlerr.QueryInterrupted && !contains(err.Error(), `"crm"`) {
			t.Errorf("%v: message %q does not name the source", c.err, err)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// countingSource counts discoveries and can be made slow.
type countingSource struct {
	connectors.Connector
	mu    sync.Mutex
	calls int
	delay time.Duration
	names []string
}

func (c *countingSource) Tables(context.Context) ([]connectors.Table, error) {
	c.mu.Lock()
	c.calls++
	delay, names := c.delay, c.names
	c.mu.Unlock()
	time.Sleep(delay)
	var out []connectors.Table
	for _, n := range names {
		out = append(out, connectors.Table{Name: n})
	}
	return out, nil
}

func (c *countingSource) count() int { c.mu.Lock(); defer c.mu.Unlock(); return c.calls }

// After the TTL, lookups are answered from the old list at once while a
// background discovery replaces it; a table not in the list still makes
// the lookup wait for a discovery.
func TestSchemaCacheRefreshesInBackground(t *testing.T) {
	src := &countingSource{names: []string{"a"}}
	cat := New(&Config{SchemaCacheTTL: "50ms", Sources: map[string]SourceConfig{"s": {Connector: "x"}}},
		func(string, SourceConfig) connectors.Connector { return src })
	ctx := context.Background()
	if err := cat.Warm(ctx); err != nil || src.count() != 1 {
		t.Fatalf("Warm: %v, %d discoveries", err, src.count())
	}
	time.Sleep(60 * time.Millisecond)
	src.mu.Lock()
	src.delay, src.names = 300*time.Millisecond, []string{"a", "b"}
	src.mu.Unlock()
	start := time.Now()
	if _, err := cat.Lookup(ctx, "s", "a"); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited > 200*time.Millisecond {
		t.Errorf("an expired list made the lookup wait %v", waited)
	}
	// b appears once the background discovery is done.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := cat.Lookup(ctx, "s", "b")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("new table never found: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if n := src.count(); n < 2 || n > 3 {
		t.Errorf("%d discoveries", n)
	}
}
