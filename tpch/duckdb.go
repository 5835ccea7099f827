package tpch

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"strings"

	_ "github.com/duckdb/duckdb-go/v2" // the baseline's driver
)

// OpenDuckDB loads the eight tables Generate wrote in dir into an
// in-memory DuckDB: the baseline, the same data local, no gateway.
func OpenDuckDB(dir string) (*sql.DB, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // one in-memory database, one connection
	for _, name := range Tables {
		q := fmt.Sprintf("CREATE TABLE %s AS SELECT * FROM read_parquet('%s')", name, filepath.Join(dir, name+".parquet"))
		if _, err := db.Exec(q); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	return db, nil
}

// DuckDBText adapts a query's MySQL text for the DuckDB baseline, as
// little as possible: DuckDB quotes identifiers with double quotes, not
// backticks (Q3).
func DuckDBText(q string) string { return strings.ReplaceAll(q, "`", `"`) }
