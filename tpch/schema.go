// Package tpch generates the TPC-H data set, loads it into PostgreSQL and
// MariaDB, and writes the gateway configuration that federates it: the
// standard tables split across the systems of a typical company, so that
// the 22 TPC-H queries exercise Tributary's cross-source planning.
package tpch

import (
	"fmt"
	"strings"
)

// kind is a column's logical type; each target (Arrow/Parquet, PostgreSQL,
// MariaDB) spells it its own way.
type kind int

const (
	int32Col kind = iota // "Integer" columns that stay small (sizes, quantities of stock, line numbers)
	int64Col             // identifiers, which grow with the scale factor
	moneyCol             // "Decimal": DECIMAL(15,2)
	dateCol
	charCol    // "Fixed text, size N"
	varcharCol // "Variable text, size N"
)

type column struct {
	name string
	kind kind
	size int // of text columns
}

// table is one TPC-H table as the specification (clause 1.4) defines it.
type table struct {
	name string
	cols []column
	key  []string // primary key
}

func i32(n string) column          { return column{name: n, kind: int32Col} }
func i64(n string) column          { return column{name: n, kind: int64Col} }
func money(n string) column        { return column{name: n, kind: moneyCol} }
func date(n string) column         { return column{name: n, kind: dateCol} }
func char(n string, s int) column  { return column{name: n, kind: charCol, size: s} }
func vchar(n string, s int) column { return column{name: n, kind: varcharCol, size: s} }

// Tables lists the eight TPC-H tables in dependency order.
var Tables = []string{"region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem"}

var schemas = map[string]table{
	"region": {"region", []column{i64("r_regionkey"), char("r_name", 25), vchar("r_comment", 152)}, []string{"r_regionkey"}},
	"nation": {"nation", []column{i64("n_nationkey"), char("n_name", 25), i64("n_regionkey"), vchar("n_comment", 152)}, []string{"n_nationkey"}},
	"supplier": {"supplier", []column{i64("s_suppkey"), char("s_name", 25), vchar("s_address", 40), i64("s_nationkey"),
		char("s_phone", 15), money("s_acctbal"), vchar("s_comment", 101)}, []string{"s_suppkey"}},
	"customer": {"customer", []column{i64("c_custkey"), vchar("c_name", 25), vchar("c_address", 40), i64("c_nationkey"),
		char("c_phone", 15), money("c_acctbal"), char("c_mktsegment", 10), vchar("c_comment", 117)}, []string{"c_custkey"}},
	"part": {"part", []column{i64("p_partkey"), vchar("p_name", 55), char("p_mfgr", 25), char("p_brand", 10), vchar("p_type", 25),
		i32("p_size"), char("p_container", 10), money("p_retailprice"), vchar("p_comment", 23)}, []string{"p_partkey"}},
	"partsupp": {"partsupp", []column{i64("ps_partkey"), i64("ps_suppkey"), i32("ps_availqty"), money("ps_supplycost"),
		vchar("ps_comment", 199)}, []string{"ps_partkey", "ps_suppkey"}},
	"orders": {"orders", []column{i64("o_orderkey"), i64("o_custkey"), char("o_orderstatus", 1), money("o_totalprice"),
		date("o_orderdate"), char("o_orderpriority", 15), char("o_clerk", 15), i32("o_shippriority"), vchar("o_comment", 79)},
		[]string{"o_orderkey"}},
	"lineitem": {"lineitem", []column{i64("l_orderkey"), i64("l_partkey"), i64("l_suppkey"), i32("l_linenumber"),
		money("l_quantity"), money("l_extendedprice"), money("l_discount"), money("l_tax"), char("l_returnflag", 1),
		char("l_linestatus", 1), date("l_shipdate"), date("l_commitdate"), date("l_receiptdate"), char("l_shipinstruct", 25),
		char("l_shipmode", 10), vchar("l_comment", 44)}, []string{"l_orderkey", "l_linenumber"}},
}

func lookup(name string) (table, error) {
	t, ok := schemas[name]
	if !ok {
		return table{}, fmt.Errorf("tpch: unknown table %q", name)
	}
	return t, nil
}

// sqlType spells a column's type in SQL; PostgreSQL and MariaDB agree on
// every spelling used here.
func (c column) sqlType() string {
	switch c.kind {
	case int32Col:
		return "INTEGER"
	case int64Col:
		return "BIGINT"
	case moneyCol:
		return "DECIMAL(15,2)"
	case dateCol:
		return "DATE"
	case charCol:
		return fmt.Sprintf("CHAR(%d)", c.size)
	default:
		return fmt.Sprintf("VARCHAR(%d)", c.size)
	}
}

// createTable is the DDL of a table, with its primary key when withKey
// (PostgreSQL loads faster when the key is added after the data).
func (t table) createTable(withKey bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE %s (%s", t.name, t.columnDefs())
	if withKey {
		fmt.Fprintf(&b, ", PRIMARY KEY (%s)", strings.Join(t.key, ", "))
	}
	b.WriteString(")")
	return b.String()
}

// columnDefs lists the columns with their types, as CREATE TABLE and
// CREATE FOREIGN TABLE want them.
func (t table) columnDefs() string {
	defs := make([]string, len(t.cols))
	for i, c := range t.cols {
		defs[i] = fmt.Sprintf("%s %s NOT NULL", c.name, c.sqlType())
	}
	return strings.Join(defs, ", ")
}

func (t table) columnNames() []string {
	names := make([]string, len(t.cols))
	for i, c := range t.cols {
		names[i] = c.name
	}
	return names
}
