package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/tributary-sql/tributary/connectors"
)

// Type mapping, PostgreSQL → Arrow. Domains map as their base type.
//
//	PostgreSQL                        Arrow                  wire    notes
//	smallint                          int16                  binary
//	integer                           int32                  binary
//	bigint                            int64                  binary
//	real                              float32                binary
//	double precision                  float64                binary  NaN, ±Infinity kept
//	numeric(p,s), 1 ≤ p ≤ 38, 0≤s≤p   decimal128(p,s)        binary  NaN is a scan error
//	numeric (no typmod)               float64                binary  read as float8 (like DuckDB's
//	                                                                  postgres scanner): a number, not exact
//	numeric(p,s) with p > 38, or
//	  negative or excess scale        utf8                   text    exact decimal text ("NaN", "Infinity" too)
//	boolean                           bool                   binary
//	text, varchar(n), name            utf8                   binary
//	char(n)                           utf8                   binary  trailing blanks removed (cast to text), as MySQL
//	                                                                  stores it (its comparisons ignore the
//	                                                                  padding, so only IS [NOT] NULL is pushed)
//	bytea                             binary                 binary
//	date                              date32                 binary  ±infinity → DuckDB's infinity
//	                                                                  (±math.MaxInt32 days)
//	timestamp                         timestamp[us]          binary  wall-clock time, no zone; ±infinity →
//	                                                                  ±math.MaxInt64 µs (DuckDB's infinity)
//	timestamptz                       timestamp[us, UTC]     binary  instants, in UTC whatever the session
//	                                                                  TimeZone; infinity as for timestamp
//	time                              time64[us]             binary
//	interval                          utf8                   text    PostgreSQL's output ("1 day 02:00:00",
//	                                                                  IntervalStyle postgres)
//	uuid                              utf8                   text    canonical lower-case form
//	json, jsonb                       utf8                   text    JSON text (jsonb normalised by the server)
//	enums                             utf8                   text    the label
//	anything else: arrays, timetz,
//	  inet, cidr, money, ranges, bit,
//	  xml, geometric, tsvector, oid… utf8                   text    PostgreSQL's text output ('{1,2}' …)
//
// Timestamps beyond Arrow's range (after year 294246) are scan errors.
// "text output" columns are read in PostgreSQL's text format (the SELECT
// stays plain column references), so their value is exactly what psql
// shows; only IS [NOT] NULL filters are pushed on them, since their
// PostgreSQL comparisons (uuid, enum order, case-insensitive citext…) are
// not DuckDB's comparisons of the text.

// kind is how one column is read and filtered.
type kind uint8

const (
	kindText         kind = iota // anything in PostgreSQL's text output
	kindInt16                    // smallint
	kindInt32                    // integer
	kindInt64                    // bigint
	kindFloat32                  // real
	kindFloat64                  // double precision
	kindDecimal                  // numeric(p,s) with p ≤ 38
	kindBool                     // boolean
	kindString                   // text, varchar, name: binary format is the UTF-8 bytes
	kindBpchar                   // char(n): read as text, without the padding
	kindBytea                    // bytea
	kindDate                     // date
	kindTimestamp                // timestamp without time zone
	kindTimestamptz              // timestamp with time zone
	kindTime                     // time without time zone
	kindNumericFloat             // numeric without a usable typmod, read as float8
)

// column is one column of a relation as discovered.
type column struct {
	name    string
	kind    kind
	typ     arrow.DataType
	notNull bool
	// deterministic is false under a nondeterministic collation (e.g.
	// case-insensitive ICU), where PostgreSQL's string equality is not
	// byte equality.
	deterministic bool
}

// relation is one table, view or materialized view.
type relation struct {
	name    string
	rows    int64 // -1 when unknown
	pages   int64 // pg_class.relpages: an estimate, maybe stale or 0
	heap    bool  // a plain table or materialized view: rows have a ctid
	columns []column
	byName  map[string]int
}

// binary reports whether the column is read in PostgreSQL's binary format.
func (k kind) binary() bool { return k != kindText }

var tsNoTZ = &arrow.TimestampType{Unit: arrow.Microsecond}
var tsUTC = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

// mapType maps a (base) type OID and its typmod to a kind and Arrow type.
func mapType(oid uint32, typmod int32) (kind, arrow.DataType) {
	switch oid {
	case pgtype.Int2OID:
		return kindInt16, arrow.PrimitiveTypes.Int16
	case pgtype.Int4OID:
		return kindInt32, arrow.PrimitiveTypes.Int32
	case pgtype.Int8OID:
		return kindInt64, arrow.PrimitiveTypes.Int64
	case pgtype.Float4OID:
		return kindFloat32, arrow.PrimitiveTypes.Float32
	case pgtype.Float8OID:
		return kindFloat64, arrow.PrimitiveTypes.Float64
	case pgtype.NumericOID:
		if p, s, ok := numericTypmod(typmod); ok {
			return kindDecimal, &arrow.Decimal128Type{Precision: p, Scale: s}
		}
		// numeric without precision (common: the result type of numeric
		// arithmetic) has no fixed scale to give a decimal; like DuckDB's
		// own PostgreSQL scanner, read it as a double so that it stays a
		// number for SUM, AVG and comparisons. Other unrepresentable
		// typmods stay exact text.
		if typmod < 0 {
			return kindNumericFloat, arrow.PrimitiveTypes.Float64
		}
	case pgtype.BoolOID:
		return kindBool, arrow.FixedWidthTypes.Boolean
	case pgtype.TextOID, pgtype.VarcharOID, pgtype.NameOID:
		return kindString, arrow.BinaryTypes.String
	case pgtype.BPCharOID:
		return kindBpchar, arrow.BinaryTypes.String
	case pgtype.ByteaOID:
		return kindBytea, arrow.BinaryTypes.Binary
	case pgtype.DateOID:
		return kindDate, arrow.FixedWidthTypes.Date32
	case pgtype.TimestampOID:
		return kindTimestamp, tsNoTZ
	case pgtype.TimestamptzOID:
		return kindTimestamptz, tsUTC
	case pgtype.TimeOID:
		return kindTime, arrow.FixedWidthTypes.Time64us
	}
	return kindText, arrow.BinaryTypes.String
}

// numericTypmod decodes numeric(p,s) from its typmod. PostgreSQL 15+
// allows a negative scale or one above the precision; Arrow and DuckDB
// decimals do not, so those stay text.
func numericTypmod(typmod int32) (p, s int32, ok bool) {
	if typmod < 4 {
		return 0, 0, false // no typmod: any precision
	}
	m := typmod - 4
	p = (m >> 16) & 0xffff
	s = ((m & 0x7ff) ^ 1024) - 1024 // 11-bit signed, as PostgreSQL stores it
	return p, s, p >= 1 && p <= 38 && s >= 0 && s <= p
}

// catalogSQL lists the columns of the relations of a schema, in ordinal
// order. Domains are resolved one level to their base type and typmod;
// a domain's NOT NULL makes the column not null too.
const catalogSQL = `SELECT c.relname, c.reltuples::float8, c.relpages::int8, c.relkind::text, a.attname,
  a.attnotnull OR (t.typtype = 'd' AND t.typnotnull),
  CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE a.atttypid END,
  CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END,
  COALESCE(co.collisdeterministic, true)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation
WHERE n.nspname = $1 AND c.relkind IN ('r', 'v', 'm', 'p', 'f')`

const catalogOrder = ` ORDER BY c.relname COLLATE "C", a.attnum`

// Tables lists the tables, views, materialized views, partitioned and
// foreign tables of the schema, sorted by name, read from pg_catalog on
// every call. A relation without columns is not listed.
func (c *Connector) Tables(ctx context.Context) ([]connectors.Table, error) {
	cfg, pool, err := c.connect()
	if err != nil {
		return nil, err
	}
	rels, err := queryRelations(ctx, cfg, pool, catalogSQL+catalogOrder, cfg.schema)
	if err != nil {
		return nil, err
	}
	out := make([]connectors.Table, len(rels))
	for i, r := range rels {
		out[i] = connectors.Table{Name: r.name, Schema: r.schema(), RowCount: r.rows, Splittable: r.heap}
	}
	return out, nil
}

// findRelation resolves a table name: the exact name, else a unique
// case-insensitive match (clients speak MySQL, whose names are often
// case-insensitive).
func findRelation(ctx context.Context, cfg *config, pool querier, name string) (*relation, error) {
	q := catalogSQL + ` AND (c.relname = $2 OR lower(c.relname) = lower($2))` + catalogOrder
	rels, err := queryRelations(ctx, cfg, pool, q, cfg.schema, name)
	if err != nil {
		return nil, err
	}
	var folded []*relation
	for _, r := range rels {
		if r.name == name {
			return r, nil
		}
		if strings.EqualFold(r.name, name) {
			folded = append(folded, r)
		}
	}
	switch len(folded) {
	case 0:
		return nil, fmt.Errorf("postgres: table %q in schema %q: %w", name, cfg.schema, connectors.ErrTableNotFound)
	case 1:
		return folded[0], nil
	}
	return nil, fmt.Errorf("postgres: table name %q is ambiguous in schema %q (several tables differ only in case): %w",
		name, cfg.schema, connectors.ErrTableNotFound)
}

// querier is what discovery needs of a pool.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func queryRelations(ctx context.Context, cfg *config, pool querier, sql string, args ...any) ([]*relation, error) {
	rows, err := queryRetry(ctx, pool, sql, args...)
	if err != nil {
		return nil, cfg.classify(ctx, "read catalog", err)
	}
	defer rows.Close()
	var (
		rels []*relation
		cur  *relation
	)
	for rows.Next() {
		var (
			relName, attName, relKind string
			reltuples                 float64
			relPages                  int64
			notNull, determ           bool
			typOID                    uint32
			typmod                    int32
		)
		if err := rows.Scan(&relName, &reltuples, &relPages, &relKind, &attName, &notNull, &typOID, &typmod, &determ); err != nil {
			return nil, cfg.classify(ctx, "read catalog", err)
		}
		if cur == nil || cur.name != relName {
			cur = &relation{name: relName, rows: rowEstimate(reltuples), pages: relPages,
				heap: relKind == "r" || relKind == "m", byName: map[string]int{}}
			rels = append(rels, cur)
		}
		k, typ := mapType(typOID, typmod)
		cur.byName[attName] = len(cur.columns)
		cur.columns = append(cur.columns, column{name: attName, kind: k, typ: typ, notNull: notNull, deterministic: determ})
	}
	if err := rows.Err(); err != nil {
		return nil, cfg.classify(ctx, "read catalog", err)
	}
	return rels, nil
}

// rowEstimate turns pg_class.reltuples into a row count: -1 (PostgreSQL
// 14+) means never vacuumed or analyzed, i.e. unknown.
func rowEstimate(reltuples float64) int64 {
	if reltuples < 0 {
		return -1
	}
	return int64(reltuples + 0.5)
}

func (r *relation) schema() *arrow.Schema {
	fields := make([]arrow.Field, len(r.columns))
	for i, col := range r.columns {
		fields[i] = col.field()
	}
	return arrow.NewSchema(fields, nil)
}

func (col column) field() arrow.Field {
	return arrow.Field{Name: col.name, Type: col.typ, Nullable: !col.notNull}
}

// lookup finds a column by exact name, else by a unique case-insensitive
// match.
func (r *relation) lookup(name string) (int, error) {
	if i, ok := r.byName[name]; ok {
		return i, nil
	}
	found := -1
	for i, col := range r.columns {
		if strings.EqualFold(col.name, name) {
			if found >= 0 {
				return 0, fmt.Errorf("postgres: column %q of %s is ambiguous: %w", name, r.name, connectors.ErrColumnNotFound)
			}
			found = i
		}
	}
	if found < 0 {
		return 0, fmt.Errorf("postgres: column %q of %s: %w", name, r.name, connectors.ErrColumnNotFound)
	}
	return found, nil
}
