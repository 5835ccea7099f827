// Package catalog maps the databases clients see to the tables of sources.
//
// Every source is a database of its own name (unless hidden); a virtual
// database gathers tables of several sources under one name, plus views
// written in SQL over them. Names are matched case-insensitively, as MySQL
// does with lower_case_table_names=1. Table lists are discovered from the
// connectors and cached for the configured TTL.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/sqlerr"
)

// Catalog is safe for concurrent use.
type Catalog struct {
	sources map[string]*Source   // by lower-case name
	dbs     map[string]*Database // by lower-case name
	names   []string             // database names as configured, sorted
}

// Source is one configured connector with its cached table list.
type Source struct {
	Name      string
	Connector connectors.Connector
	ttl       time.Duration

	mu         sync.Mutex
	tables     map[string]connectors.Table // by lower-case name
	fetched    time.Time                   // zero: discover before use
	refreshing bool                        // a background refresh runs
	missed     time.Time                   // last discovery a missing table caused

	discovering sync.Mutex // one discovery at a time
}

// Database is what a client sees as a database.
type Database struct {
	Name string
	// Source is set when the database is a source's own.
	Source *Source
	// Tables of a virtual database, by lower-case name.
	Tables map[string]Mapping
	// Views of a virtual database, by lower-case name.
	Views map[string]View
}

// Mapping points a virtual table at a source's table.
type Mapping struct {
	Name   string // as the virtual database names it
	Source *Source
	Table  string // the source's table name
}

// View is a named SELECT over the tables of its database.
type View struct {
	Name string
	SQL  string
}

// Table is a resolved table reference.
type Table struct {
	DB     string // the database it was found in, as configured
	Name   string // as the client sees it
	Source *Source
	Remote connectors.Table // the source's own name and schema
}

// Opener starts (lazily) the connector of one source.
type Opener func(name string, cfg SourceConfig) connectors.Connector

// New builds the catalog. It does not contact any source: connectors start
// on first use.
func New(cfg *Config, open Opener) *Catalog {
	ttl := 60 * time.Second
	if d, err := time.ParseDuration(cfg.SchemaCacheTTL); err == nil {
		ttl = d
	}
	c := &Catalog{sources: map[string]*Source{}, dbs: map[string]*Database{}}
	for _, name := range sortedKeys(cfg.Sources) {
		sc := cfg.Sources[name]
		s := &Source{Name: name, Connector: open(name, sc), ttl: ttl}
		c.sources[strings.ToLower(name)] = s
		if !sc.Hidden {
			c.dbs[strings.ToLower(name)] = &Database{Name: name, Source: s}
			c.names = append(c.names, name)
		}
	}
	for _, name := range sortedKeys(cfg.Databases) {
		dc := cfg.Databases[name]
		db := &Database{Name: name, Tables: map[string]Mapping{}, Views: map[string]View{}}
		for t, target := range dc.Tables {
			srcName, remote, _ := strings.Cut(target, ".")
			db.Tables[strings.ToLower(t)] = Mapping{Name: t, Source: c.sources[strings.ToLower(srcName)], Table: remote}
		}
		for v, q := range dc.Views {
			db.Views[strings.ToLower(v)] = View{Name: v, SQL: q}
		}
		c.dbs[strings.ToLower(name)] = db
		c.names = append(c.names, name)
	}
	sort.Strings(c.names)
	// information_schema is served by the catalog itself, in process.
	is := &Source{Name: InformationSchema, Connector: &infoSchema{cat: c}, ttl: 24 * time.Hour}
	c.dbs[InformationSchema] = &Database{Name: InformationSchema, Source: is}
	return c
}

// Close stops every connector.
func (c *Catalog) Close() error {
	var errs []error
	for _, s := range c.sources {
		errs = append(errs, s.Connector.Close())
	}
	return errors.Join(errs...)
}

// Databases lists the configured database names, sorted; the catalog's own
// information_schema is not among them.
func (c *Catalog) Databases() []string { return c.names }

// Database finds a database by name, ignoring case.
func (c *Catalog) Database(name string) (*Database, error) {
	db, ok := c.dbs[strings.ToLower(name)]
	if !ok {
		return nil, sqlerr.New(sqlerr.UnknownDatabase, "Unknown database '%s'", name)
	}
	return db, nil
}

// Sources lists the sources, sorted by name.
func (c *Catalog) Sources() []*Source {
	out := make([]*Source, 0, len(c.sources))
	for _, s := range c.sources {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Entry is one name in a database's listing.
type Entry struct {
	Name  string
	Table *Table // nil for a view
	View  *View  // nil for a table
}

// Entries lists a database's tables and views, sorted by name. Tables whose
// source cannot be reached are an error: a listing that silently drops
// tables misleads BI tools into thinking they were deleted.
func (c *Catalog) Entries(ctx context.Context, dbName string) ([]Entry, error) {
	db, err := c.Database(dbName)
	if err != nil {
		return nil, err
	}
	var out []Entry
	if db.Source != nil {
		tables, err := db.Source.tableMap(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range tables {
			out = append(out, Entry{Name: t.Name, Table: &Table{DB: db.Name, Name: t.Name, Source: db.Source, Remote: t}})
		}
	}
	for _, m := range db.Tables {
		t, err := m.resolve(ctx, db.Name)
		if err != nil {
			return nil, err
		}
		out = append(out, Entry{Name: m.Name, Table: t})
	}
	for _, v := range db.Views {
		out = append(out, Entry{Name: v.Name, View: &v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Lookup resolves db.name to a table or a view.
func (c *Catalog) Lookup(ctx context.Context, dbName, name string) (Entry, error) {
	db, err := c.Database(dbName)
	if err != nil {
		return Entry{}, err
	}
	key := strings.ToLower(name)
	if db.Source != nil {
		t, ok, err := db.Source.table(ctx, key)
		if err != nil {
			return Entry{}, err
		}
		if ok {
			return Entry{Name: t.Name, Table: &Table{DB: db.Name, Name: t.Name, Source: db.Source, Remote: t}}, nil
		}
	}
	if m, ok := db.Tables[key]; ok {
		t, err := m.resolve(ctx, db.Name)
		if err != nil {
			return Entry{}, err
		}
		return Entry{Name: m.Name, Table: t}, nil
	}
	if v, ok := db.Views[key]; ok {
		return Entry{Name: v.Name, View: &v}, nil
	}
	return Entry{}, sqlerr.New(sqlerr.UnknownTable, "Table '%s.%s' doesn't exist", db.Name, name)
}

func (m Mapping) resolve(ctx context.Context, db string) (*Table, error) {
	t, ok, err := m.Source.table(ctx, strings.ToLower(m.Table))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, sqlerr.New(sqlerr.UnknownTable, "Table '%s.%s' doesn't exist: it maps to %s.%s, which source %q does not have",
			db, m.Name, m.Source.Name, m.Table, m.Source.Name)
	}
	return &Table{DB: db, Name: m.Name, Source: m.Source, Remote: t}, nil
}

// Refresh forgets the cached table list so the next use discovers it again.
func (s *Source) Refresh() {
	s.mu.Lock()
	s.fetched = time.Time{}
	s.mu.Unlock()
}

// rediscoverAfter is how long after the last discovery a miss caused the
// next miss may cause one: a table created a moment ago is found without
// waiting for the TTL, and queries naming a table that does not exist
// cannot make the gateway hammer the source.
const rediscoverAfter = 2 * time.Second

// table finds one table by lower-case name, discovering the source's tables
// again on a miss if the cached list is not fresh.
func (s *Source) table(ctx context.Context, key string) (connectors.Table, bool, error) {
	tables, err := s.tableMap(ctx)
	if err != nil {
		return connectors.Table{}, false, err
	}
	if t, ok := tables[key]; ok {
		return t, true, nil
	}
	s.mu.Lock()
	stale := time.Since(s.missed) > rediscoverAfter
	if stale {
		s.fetched, s.missed = time.Time{}, time.Now()
	}
	s.mu.Unlock()
	if !stale {
		return connectors.Table{}, false, nil
	}
	if tables, err = s.tableMap(ctx); err != nil {
		return connectors.Table{}, false, err
	}
	t, ok := tables[key]
	return t, ok, nil
}

// tableMap returns the source's tables, discovering them when the cache is
// cold. A list older than the TTL is still served while a background
// refresh fetches the new one, so queries after the TTL do not wait for
// the source's catalog (a missing table still triggers a discovery the
// query waits for: see table).
func (s *Source) tableMap(ctx context.Context) (map[string]connectors.Table, error) {
	s.mu.Lock()
	if tables := s.tables; tables != nil && !s.fetched.IsZero() {
		if time.Since(s.fetched) >= s.ttl && !s.refreshing {
			s.refreshing = true
			go s.refresh()
		}
		s.mu.Unlock()
		return tables, nil
	}
	s.mu.Unlock()
	return s.discover(ctx, time.Time{})
}

// discover fetches the table list. Discoveries are serialised, so that
// concurrent queries wait for one round trip instead of making many: one
// that finds a list fetched after since uses it.
func (s *Source) discover(ctx context.Context, since time.Time) (map[string]connectors.Table, error) {
	s.discovering.Lock()
	defer s.discovering.Unlock()
	s.mu.Lock()
	if s.tables != nil && !s.fetched.IsZero() && s.fetched.After(since) && time.Since(s.fetched) < s.ttl {
		tables := s.tables
		s.mu.Unlock()
		return tables, nil
	}
	s.mu.Unlock()
	list, err := s.Connector.Tables(ctx)
	if err != nil {
		return nil, SourceError(s.Name, err)
	}
	m := make(map[string]connectors.Table, len(list))
	for _, t := range list {
		m[strings.ToLower(t.Name)] = t
	}
	s.mu.Lock()
	s.tables, s.fetched = m, time.Now()
	s.mu.Unlock()
	return m, nil
}

// refresh replaces an expired list in the background. If the source
// cannot answer, the old list stays: scans will say what is wrong.
func (s *Source) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s.discover(ctx, time.Now())
	s.mu.Lock()
	s.refreshing = false
	s.mu.Unlock()
}

// Warm discovers every source's tables (starting their connectors), so
// that the first queries after start-up do not wait for it. It returns
// the sources that failed; they are discovered again on first use.
func (c *Catalog) Warm(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, 0, len(c.sources))
	var mu sync.Mutex
	for _, s := range c.sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.tableMap(ctx); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Schema is a convenience for the table's Arrow schema.
func (t *Table) Schema() *arrow.Schema { return t.Remote.Schema }

// SourceError turns a connector's error into the error vocabulary, naming
// the source so that the client knows which system failed.
func SourceError(source string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlerr.Error
	if errors.As(err, &se) {
		return err
	}
	msg := err.Error()
	if !strings.Contains(msg, source) {
		msg = fmt.Sprintf("source %q: %s", source, msg)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return sqlerr.New(sqlerr.QueryInterrupted, "Query execution was interrupted")
	case errors.Is(err, connectors.ErrTableNotFound):
		return &sqlerr.Error{Kind: sqlerr.UnknownTable, Msg: msg, Err: err}
	case errors.Is(err, connectors.ErrColumnNotFound):
		return &sqlerr.Error{Kind: sqlerr.UnknownColumn, Msg: msg, Err: err}
	case errors.Is(err, connectors.ErrUnsupported):
		return &sqlerr.Error{Kind: sqlerr.Unsupported, Msg: msg, Err: err}
	}
	// Unavailable, bad options, or anything else the source says: the
	// source failed, not the query.
	return &sqlerr.Error{Kind: sqlerr.SourceUnavailable, Msg: "Unable to read from source: " + msg, Err: err}
}
