package e2e

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/tributary-sql/tributary/internal/testdb"
)

// typeCase is one column: its source type, a literal to insert, and what a
// MySQL client sees through Tributary: the column type name go-sql-driver
// reports and the value as text.
type typeCase struct {
	sourceType, literal, wireType, text string
}

// checkRoundTrip creates a table with one column per case in a source,
// inserts a row of the literals and a row of NULLs, and reads both back
// through the gateway.
func checkRoundTrip(t *testing.T, source *sql.DB, create, insert string, quote func(string) string, cases []typeCase, g *gateway, db string) {
	t.Helper()
	var cols, vals, nulls []string
	for i, c := range cases {
		cols = append(cols, fmt.Sprintf("%s %s", quote(fmt.Sprintf("c%02d", i)), c.sourceType))
		vals = append(vals, c.literal)
		nulls = append(nulls, "NULL")
	}
	mustExec(t, source, fmt.Sprintf(create, "id int, "+strings.Join(cols, ", ")))
	mustExec(t, source, fmt.Sprintf(insert, "1, "+strings.Join(vals, ", ")))
	mustExec(t, source, fmt.Sprintf(insert, "2, "+strings.Join(nulls, ", ")))
	gw := g.open(t, "root", "", db)
	ct := columnTypes(t, gw, "SELECT * FROM types ORDER BY id")
	rows := collectExact(t, gw, "SELECT * FROM types ORDER BY id")
	if len(rows) != 2 {
		t.Fatalf("rows: %v", rows)
	}
	for i, c := range cases {
		if ct[i+1].dbType != c.wireType {
			t.Errorf("%s: wire type %s, want %s", c.sourceType, ct[i+1].dbType, c.wireType)
		}
		if got := rows[0][i+1]; got != c.text {
			t.Errorf("%s: value %q, want %q", c.sourceType, got, c.text)
		}
		if got := rows[1][i+1]; got != "NULL" {
			t.Errorf("%s: NULL came back as %q", c.sourceType, got)
		}
	}
}

func TestTypesPostgres(t *testing.T) {
	dsn := testdb.Postgres(t)
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	admin.Exec("DROP DATABASE IF EXISTS typesdb")
	mustExec(t, admin, "CREATE DATABASE typesdb")
	dsn = strings.Replace(dsn, "/postgres?", "/typesdb?", 1)
	pg, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	mustExec(t, pg, "CREATE TYPE mood AS ENUM ('sad', 'happy')")
	g := start(t, fmt.Sprintf("users: [{name: root}]\nsources:\n  pg: {connector: postgres, options: {dsn: %q}}\n", dsn))
	checkRoundTrip(t, pg, "CREATE TABLE types (%s)", "INSERT INTO types VALUES (%s)",
		func(s string) string { return `"` + s + `"` }, []typeCase{
			{"smallint", "-32768", "SMALLINT", "-32768"},
			{"integer", "2147483647", "INT", "2147483647"},
			{"bigint", "-9223372036854775808", "BIGINT", "-9223372036854775808"},
			{"real", "1.5", "FLOAT", "1.5"},
			{"double precision", "2.25e-10", "DOUBLE", "2.25e-10"},
			{"numeric(12,2)", "-1234567890.12", "DECIMAL", "-1234567890.12"},
			{"numeric(38,10)", "12345678901234567890.0123456789", "DECIMAL", "12345678901234567890.0123456789"},
			{"numeric", "3.14159265358979323846264338327950288419716939937510", "DOUBLE", "3.141592653589793"},
			{"numeric(50,10)", "-2.5", "VARCHAR", "-2.5000000000"},
			{"boolean", "true", "TINYINT", "1"},
			{"text", "'Grüße, 世界 🌍'", "VARCHAR", "Grüße, 世界 🌍"},
			{"varchar(10)", "'it''s'", "VARCHAR", "it's"},
			{"char(4)", "'ab'", "VARCHAR", "ab"},
			{"bytea", `'\x00ff10'`, "BLOB", "\x00\xff\x10"},
			{"date", "'2024-02-29'", "DATE", "2024-02-29"},
			{"timestamp", "'2024-02-29 13:45:56.123456'", "DATETIME", "2024-02-29 13:45:56.123456"},
			{"timestamptz", "'2024-02-29 13:45:56+02'", "DATETIME", "2024-02-29 11:45:56"},
			{"time", "'23:59:58.5'", "TIME", "23:59:58.500000"},
			{"interval", "'1 year 2 days 03:04:05'", "VARCHAR", "1 year 2 days 03:04:05"},
			{"uuid", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "VARCHAR", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"},
			{"jsonb", `'{"a": [1, 2]}'`, "VARCHAR", `{"a": [1, 2]}`},
			{"mood", "'happy'", "VARCHAR", "happy"},
			{"integer[]", "'{1,2,3}'", "VARCHAR", "{1,2,3}"},
		}, g, "pg")
}

func TestTypesMariaDB(t *testing.T) {
	my, err := sql.Open("mysql", testdb.MariaDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer my.Close()
	mustExec(t, my, "DROP DATABASE IF EXISTS typesdb")
	mustExec(t, my, "CREATE DATABASE typesdb CHARACTER SET utf8mb4")
	g := start(t, fmt.Sprintf("users: [{name: root}]\nsources:\n  my: {connector: mysql, options: {dsn: %q}}\n", testdb.MariaDB(t)+"typesdb"))
	checkRoundTrip(t, my, "CREATE TABLE typesdb.types (%s)", "INSERT INTO typesdb.types VALUES (%s)",
		func(s string) string { return "`" + s + "`" }, []typeCase{
			{"tinyint", "-128", "TINYINT", "-128"},
			{"tinyint unsigned", "255", "UNSIGNED TINYINT", "255"},
			{"smallint", "-32768", "SMALLINT", "-32768"},
			{"mediumint", "8388607", "INT", "8388607"},
			{"int unsigned", "4294967295", "UNSIGNED INT", "4294967295"},
			{"bigint", "-9223372036854775808", "BIGINT", "-9223372036854775808"},
			{"bigint unsigned", "18446744073709551615", "UNSIGNED BIGINT", "18446744073709551615"},
			{"decimal(12,2)", "-1234567890.12", "DECIMAL", "-1234567890.12"},
			{"float", "1.5", "FLOAT", "1.5"},
			{"double", "2.25e-10", "DOUBLE", "2.25e-10"},
			{"bit(8)", "b'101'", "UNSIGNED BIGINT", "5"},
			{"year", "2024", "SMALLINT", "2024"},
			{"varchar(50)", "'Grüße, 世界 🌍'", "VARCHAR", "Grüße, 世界 🌍"},
			{"text", `'back\\slash ''q'''`, "VARCHAR", `back\slash 'q'`},
			{"varbinary(8)", "x'00ff10'", "BLOB", "\x00\xff\x10"},
			{"date", "'2024-02-29'", "DATE", "2024-02-29"},
			{"datetime(6)", "'2024-02-29 13:45:56.123456'", "DATETIME", "2024-02-29 13:45:56.123456"},
			{"timestamp NULL", "'2024-02-29 13:45:56'", "DATETIME", "2024-02-29 13:45:56"},
			{"time(6)", "'23:59:58.5'", "TIME", "23:59:58.500000"},
			{"enum('a','b')", "'b'", "VARCHAR", "b"},
			{"json", `'{"a": [1, 2]}'`, "VARCHAR", `{"a": [1, 2]}`},
		}, g, "my")
}
