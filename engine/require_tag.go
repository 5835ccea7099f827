//go:build !duckdb_arrow

package engine

// DuckDB's Arrow interface, which the engine needs, is compiled only with the
// duckdb_arrow build tag. Without it this line fails to compile with a name
// that says what to do.
var _ = build_with_tags_duckdb_arrow__see_README
