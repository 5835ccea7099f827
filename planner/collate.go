package planner

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// caseInsensitive wraps the scan of an information_schema table so that
// its text columns compare, group and sort without regard to case, as
// MySQL's do (utf8mb3_general_ci). Clients rely on it: MariaDB
// Connector/J's getColumns computes NULLABLE as IF(IS_NULLABLE = 'yes',1,0),
// and tools match TABLE_SCHEMA and TABLE_NAME as the user typed them.
//
// Other tables keep DuckDB's byte comparison: their filters are pushed to
// sources that compare with their own collations, and the engine must give
// the same rows whether a filter was pushed or not. information_schema is
// served by the catalog, which applies no filter, so no such conflict
// arises. cols are the columns the scan's view exposes (nil: all).
func caseInsensitive(from string, schema *arrow.Schema, cols []string) string {
	if len(cols) == 0 {
		cols = fieldNames(schema)
	}
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = quote(c)
		if idx := schema.FieldIndices(c); len(idx) > 0 && schema.Field(idx[0]).Type.ID() == arrow.STRING {
			parts[i] += " COLLATE NOCASE AS " + quote(c)
		}
	}
	return "(SELECT " + strings.Join(parts, ", ") + " FROM " + from + ")"
}
