package tpch

import (
	"embed"
	"fmt"
	"strings"
)

// The 22 queries in PostgreSQL's dialect, for the benchmark's peer
// (PostgreSQL federating the same split through foreign data wrappers).
// They are the MySQL-dialect texts of parser/testdata/tpch with only what
// PostgreSQL spells differently changed: no backticks (Q3), date
// arithmetic with + INTERVAL instead of DATE_ADD (Q10).
//
//go:embed queries/pg/*.sql
var pgQueries embed.FS

// PostgresQuery returns query n (1…22) in PostgreSQL's dialect.
func PostgresQuery(n int) (string, error) {
	b, err := pgQueries.ReadFile(fmt.Sprintf("queries/pg/q%02d.sql", n))
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
