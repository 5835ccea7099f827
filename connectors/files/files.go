// Package files is the built-in connector that serves the Parquet, CSV and
// JSON-lines files of one directory as tables.
//
// Every *.parquet, *.csv, *.json, *.jsonl and *.ndjson file directly in the
// configured root is a table named by its base name without extension, in
// lower case. Parquet schemas come from the file's metadata; CSV (with a
// header row) and JSON lines (one object per line) have their column types
// inferred from the first rows. Scans stream record batches and never hold a
// whole file in memory. Parquet scans skip row groups whose statistics prove
// that no row matches the filters; no filter is ever applied exactly, so the
// planner re-applies them all.
package files

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/tributary-sql/tributary/connectors"
)

// DefaultBatchRows is the number of rows per batch when batch_rows is unset.
const DefaultBatchRows = 65536

// maxBatchRows bounds batch_rows so that a typo cannot make every scan
// allocate gigabytes for one batch.
const maxBatchRows = 1 << 24

// Connector serves the files of one directory. It is safe for concurrent
// use once configured: Configure must happen before, not during, the other
// calls (the host calls it once at start). Each scan opens its own file
// handle; schemas are cached per file and re-read when a file's size or
// modification time changes.
type Connector struct {
	cfg atomic.Pointer[config]
	mem memory.Allocator // tests swap in a checked allocator

	mu    sync.Mutex
	cache map[string]cachedTable // by file path
}

var (
	_ connectors.Connector  = (*Connector)(nil)
	_ connectors.Configurer = (*Connector)(nil)
)

type config struct {
	root      string
	batchRows int
	// directRead lets the engine read Parquet files itself (reported as
	// the table's Location): measured 8.6-13.7x faster on a 10M-row scan than
	// streaming through the plugin, and DuckDB's reader prunes and
	// parallelises on its own.
	directRead bool
}

// New returns an unconfigured connector; it touches nothing until used.
func New() *Connector {
	return &Connector{mem: memory.DefaultAllocator, cache: map[string]cachedTable{}}
}

// Configure takes the source's options: root (required, an existing
// directory), batch_rows (optional, rows per batch, default
// DefaultBatchRows) and direct_read (optional, default true: Parquet tables
// carry their Location so the engine may read them itself). Unknown keys are errors. Errors wrap
// connectors.ErrInvalidOptions.
func (c *Connector) Configure(_ context.Context, options map[string]any) error {
	cfg, err := decodeOptions(options)
	if err != nil {
		return err
	}
	c.cfg.Store(cfg)
	c.mu.Lock()
	clear(c.cache) // a new root invalidates everything
	c.mu.Unlock()
	return nil
}

func decodeOptions(options map[string]any) (*config, error) {
	cfg := &config{batchRows: DefaultBatchRows, directRead: true}
	keys := make([]string, 0, len(options))
	for k := range options {
		keys = append(keys, k)
	}
	sort.Strings(keys) // report the same key first on every run
	for _, k := range keys {
		v := options[k]
		switch k {
		case "root":
			s, ok := v.(string)
			if !ok {
				return nil, optionError("root", "must be a string (a directory path), got %T", v)
			}
			cfg.root = s
		case "batch_rows":
			n, err := connectors.IntOption(v)
			if err != nil {
				return nil, optionError("batch_rows", "%v", err)
			}
			if n < 1 || n > maxBatchRows {
				return nil, optionError("batch_rows", "must be between 1 and %d, got %d", maxBatchRows, n)
			}
			cfg.batchRows = int(n)
		case "direct_read":
			b, ok := v.(bool)
			if !ok {
				return nil, optionError("direct_read", "must be true or false, got %T", v)
			}
			cfg.directRead = b
		default:
			return nil, optionError(k, "unknown option (known: root, batch_rows, direct_read)")
		}
	}
	if cfg.root == "" {
		return nil, optionError("root", "is required: the directory whose files become tables")
	}
	st, err := os.Stat(cfg.root)
	if err != nil {
		return nil, optionError("root", "%v", err)
	}
	if !st.IsDir() {
		return nil, optionError("root", "%s is not a directory", cfg.root)
	}
	return cfg, nil
}

func optionError(key, format string, args ...any) error {
	return fmt.Errorf("files: option %q: %s: %w", key, fmt.Sprintf(format, args...), connectors.ErrInvalidOptions)
}

func (c *Connector) config() (*config, error) {
	cfg := c.cfg.Load()
	if cfg == nil {
		return nil, fmt.Errorf("files: not configured (option \"root\" is required): %w", connectors.ErrInvalidOptions)
	}
	return cfg, nil
}

// Tables lists one table per data file in root, sorted by name. It fails
// when two files map to one table name, or when a file cannot be read:
// hiding a broken file would make its table silently vanish.
func (c *Connector) Tables(ctx context.Context) ([]connectors.Table, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	byName, err := listFiles(cfg.root)
	if err != nil {
		return nil, err
	}
	names := make([]string, 0, len(byName))
	for name, fs := range byName {
		if len(fs) > 1 {
			return nil, collisionError(name, fs)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]connectors.Table, 0, len(names))
	for _, name := range names {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		info, err := c.tableInfo(byName[name][0])
		if err != nil {
			return nil, err
		}
		t := connectors.Table{Name: name, Schema: info.schema, RowCount: info.rows}
		if f := byName[name][0]; cfg.directRead && f.format == formatParquet {
			if abs, err := filepath.Abs(f.path); err == nil {
				t.Location = &connectors.Location{Format: "parquet", Path: abs}
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// Close drops the schema cache. Scans already running keep their own file
// handles and finish normally.
func (c *Connector) Close() error {
	c.mu.Lock()
	clear(c.cache)
	c.mu.Unlock()
	return nil
}

// format is a supported file format.
type format uint8

const (
	formatParquet format = iota + 1
	formatCSV
	formatJSON
)

func formatOf(ext string) format {
	switch strings.ToLower(ext) {
	case ".parquet":
		return formatParquet
	case ".csv":
		return formatCSV
	case ".json", ".jsonl", ".ndjson":
		return formatJSON
	}
	return 0
}

// dataFile is one candidate table file as found in the directory.
type dataFile struct {
	path   string
	format format
	key    fileKey
}

// fileKey identifies one version of a file for the schema cache.
type fileKey struct {
	size    int64
	modTime int64 // UnixNano
}

func keyOf(st os.FileInfo) fileKey {
	return fileKey{size: st.Size(), modTime: st.ModTime().UnixNano()}
}

// listFiles maps table names to the data files directly in root. Hidden
// files and non-regular files are skipped; symbolic links are followed.
func listFiles(root string) (map[string][]dataFile, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("files: list %s: %w", root, connectors.ErrUnavailable)
	}
	byName := map[string][]dataFile{}
	for _, e := range entries {
		name := e.Name()
		ext := filepath.Ext(name)
		f := formatOf(ext)
		if f == 0 || strings.HasPrefix(name, ".") || e.IsDir() {
			continue
		}
		path := filepath.Join(root, name)
		st, err := os.Stat(path)
		if err != nil || !st.Mode().IsRegular() {
			continue // vanished since ReadDir, or a dangling link
		}
		table := strings.ToLower(strings.TrimSuffix(name, ext))
		byName[table] = append(byName[table], dataFile{path: path, format: f, key: keyOf(st)})
	}
	return byName, nil
}

func collisionError(table string, fs []dataFile) error {
	paths := make([]string, len(fs))
	for i, f := range fs {
		paths[i] = filepath.Base(f.path)
	}
	sort.Strings(paths)
	return fmt.Errorf("files: table %q is defined by several files (%s); rename all but one", table, strings.Join(paths, ", "))
}

// findTable resolves a table name (any letter case) to its file.
func findTable(root, table string) (dataFile, error) {
	byName, err := listFiles(root)
	if err != nil {
		return dataFile{}, err
	}
	fs := byName[strings.ToLower(table)]
	switch len(fs) {
	case 0:
		return dataFile{}, fmt.Errorf("files: table %q in %s: %w", table, root, connectors.ErrTableNotFound)
	case 1:
		return fs[0], nil
	}
	return dataFile{}, collisionError(strings.ToLower(table), fs)
}

// tableInfo is what Tables reports for one file.
type tableInfo struct {
	schema *arrow.Schema
	rows   int64 // -1 when unknown
}

type cachedTable struct {
	key  fileKey
	info tableInfo
}

// tableInfo returns the file's schema, from the cache when the file has
// not changed. Two callers missing at once both read the file; the cache
// keeps the last, which is equally valid.
func (c *Connector) tableInfo(f dataFile) (tableInfo, error) {
	if info, ok := c.cached(f.path, f.key); ok {
		return info, nil
	}
	file, err := os.Open(f.path)
	if err != nil {
		return tableInfo{}, fmt.Errorf("files: %w", err)
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return tableInfo{}, fmt.Errorf("files: %w", err)
	}
	return c.infoOf(file, f.format, keyOf(st))
}

// infoOf returns the schema of an open file whose version is key, reading
// it on a cache miss. The file's read position is unspecified afterwards.
func (c *Connector) infoOf(file *os.File, f format, key fileKey) (tableInfo, error) {
	if info, ok := c.cached(file.Name(), key); ok {
		return info, nil
	}
	var (
		info tableInfo
		err  error
	)
	switch f {
	case formatParquet:
		info, err = parquetInfo(file, c.mem)
	case formatCSV:
		info, err = csvInfo(file)
	case formatJSON:
		info, err = jsonInfo(file)
	}
	if err != nil {
		return tableInfo{}, fmt.Errorf("files: %s: %w", filepath.Base(file.Name()), err)
	}
	c.mu.Lock()
	c.cache[file.Name()] = cachedTable{key: key, info: info}
	c.mu.Unlock()
	return info, nil
}

func (c *Connector) cached(path string, key fileKey) (tableInfo, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ct, ok := c.cache[path]
	if !ok || ct.key != key {
		return tableInfo{}, false
	}
	return ct.info, true
}

// Scan streams one table. See the package comment for what is pushed down;
// Exact is all false. The Reader it returns is a *Reader (for Stats).
func (c *Connector) Scan(ctx context.Context, req connectors.ScanRequest) (*connectors.Scan, error) {
	cfg, err := c.config()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	df, err := findTable(cfg.root, req.Table)
	if err != nil {
		return nil, err
	}
	file, err := os.Open(df.path)
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	r, err := c.scanFile(ctx, file, df.format, req, cfg.batchRows)
	if err != nil {
		file.Close()
		return nil, err
	}
	var exact []bool
	if len(req.Filters) > 0 {
		exact = make([]bool, len(req.Filters))
	}
	return &connectors.Scan{Reader: r, Exact: exact}, nil
}

// scanFile builds the reader over an open file; on success the reader owns
// the file, on error the caller closes it.
func (c *Connector) scanFile(ctx context.Context, file *os.File, f format, req connectors.ScanRequest, batchRows int) (*Reader, error) {
	if req.Limit > 0 && req.Limit < int64(batchRows) {
		batchRows = int(req.Limit) // don't decode 64k rows to return 10
	}
	if f == formatParquet {
		return c.scanParquet(ctx, file, req, batchRows)
	}
	st, err := file.Stat()
	if err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	info, err := c.infoOf(file, f, keyOf(st))
	if err != nil {
		return nil, err
	}
	cols, err := resolveColumns(info.schema, req)
	if err != nil {
		return nil, err
	}
	if _, err := file.Seek(0, 0); err != nil {
		return nil, fmt.Errorf("files: %w", err)
	}
	out := projectSchema(info.schema, cols)
	var src batchSource
	if f == formatCSV {
		src, err = newCSVSource(file, info.schema, cols, out, batchRows, c.mem)
	} else {
		src, err = newJSONSource(file, cols, out, batchRows, c.mem)
	}
	if err != nil {
		return nil, err
	}
	return newReader(ctx, req.Table, out, src, req.Limit), nil
}

// resolveColumns maps the requested columns (all when none) to field
// indices of schema, and checks that every filtered column exists.
func resolveColumns(schema *arrow.Schema, req connectors.ScanRequest) ([]int, error) {
	if len(req.Columns) == 0 {
		cols := make([]int, schema.NumFields())
		for i := range cols {
			cols[i] = i
		}
		return cols, nil
	}
	cols := make([]int, len(req.Columns))
	for i, name := range req.Columns {
		idx, err := fieldIndex(schema, req.Table, name)
		if err != nil {
			return nil, err
		}
		cols[i] = idx
	}
	for _, f := range req.Filters {
		if _, err := fieldIndex(schema, req.Table, f.Column); err != nil {
			return nil, err
		}
	}
	return cols, nil
}

// fieldIndex finds a column by exact name, else by a case-insensitive
// match when that is unambiguous (clients speak MySQL, whose column names
// are case-insensitive).
func fieldIndex(schema *arrow.Schema, table, name string) (int, error) {
	if idx := schema.FieldIndices(name); len(idx) > 0 {
		return idx[0], nil
	}
	found := -1
	for i, f := range schema.Fields() {
		if strings.EqualFold(f.Name, name) {
			if found >= 0 {
				return 0, fmt.Errorf("files: column %q of %s is ambiguous: %w", name, table, connectors.ErrColumnNotFound)
			}
			found = i
		}
	}
	if found < 0 {
		return 0, fmt.Errorf("files: column %q of %s: %w", name, table, connectors.ErrColumnNotFound)
	}
	return found, nil
}

func projectSchema(schema *arrow.Schema, cols []int) *arrow.Schema {
	fields := make([]arrow.Field, len(cols))
	for i, idx := range cols {
		fields[i] = schema.Field(idx)
	}
	return arrow.NewSchema(fields, nil)
}
