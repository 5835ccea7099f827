package e2e

import (
	"database/sql"
	"fmt"
	"reflect"
	"testing"

	"github.com/tributary-sql/tributary/internal/testdb"
)

// The date functions BI tools build their time grains from give through
// the gateway what MariaDB gives itself, on every day of four years.
func TestDateFunctionsMatchMariaDB(t *testing.T) {
	my, err := sql.Open("mysql", testdb.MariaDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer my.Close()
	mustExec(t, my, "DROP DATABASE IF EXISTS datesdb")
	mustExec(t, my, "CREATE DATABASE datesdb")
	mustExec(t, my, "CREATE TABLE datesdb.days (d date NOT NULL)")
	mustExec(t, my, "INSERT INTO datesdb.days SELECT DATE '2019-12-20' + INTERVAL seq DAY FROM datesdb.seq_0_to_1480")
	g := start(t, fmt.Sprintf("users: [{name: root}]\nsources:\n  my: {connector: mysql, options: {dsn: %q}}\n", testdb.MariaDB(t)+"datesdb"))
	gw := g.open(t, "root", "", "my")
	for _, expr := range []string{
		"WEEK(d)", "WEEK(d, 0)", "WEEK(d, 3)", "YEARWEEK(d)", "YEARWEEK(d, 0)",
		"MAKEDATE(YEAR(d), DAYOFYEAR(d))", "MAKEDATE(YEAR(d) % 100, 1)",
		// Superset's quarter grain.
		"MAKEDATE(YEAR(d), 1) + INTERVAL QUARTER(d) QUARTER - INTERVAL 1 QUARTER",
		"DATE_FORMAT(TIMESTAMP(d), '%Y-%m-%d %H:%i:%s')",
		// Metabase's and Tableau's date arithmetic.
		"DATE_FORMAT(TIMESTAMPADD(MONTH, 1, d), '%Y-%m-%d %H:%i:%s')",
		"DATE_FORMAT(TIMESTAMPADD(HOUR, -30, d), '%Y-%m-%d %H:%i:%s')",
		"TIMESTAMPDIFF(WEEK, '2021-01-01', d)",
		// Metabase with a report time zone (MariaDB here has no named zones).
		"DATE_FORMAT(CONVERT_TZ(d, '+00:00', '+05:30'), '%Y-%m-%d %H:%i:%s')",
		"DATE_FORMAT(CONVERT_TZ(d, '-03:00', 'SYSTEM'), '%Y-%m-%d %H:%i:%s')",
	} {
		q := "SELECT d, " + expr + " FROM days ORDER BY d"
		got := collect(t, gw, q)
		want := collect(t, my, "SELECT d, "+expr+" FROM datesdb.days ORDER BY d")
		if len(got) != 1481 || !reflect.DeepEqual(got, want) {
			for i := range got {
				if i < len(want) && !reflect.DeepEqual(got[i], want[i]) {
					t.Errorf("%s: first difference at %v, MariaDB %v", expr, got[i], want[i])
					break
				}
			}
			t.Errorf("%s: %d rows through the gateway, %d from MariaDB", expr, len(got), len(want))
		}
	}
	// Named zones, daylight saving time included.
	if got := collect(t, gw, "SELECT CONVERT_TZ('2024-07-01 00:00:00', 'UTC', 'Europe/Paris'), "+
		"CONVERT_TZ('2024-01-01 00:00:00', 'Europe/Paris', 'UTC'), CONVERT_TZ('2024-07-01 12:00:00', 'America/New_York', '+00:00')"); fmt.Sprint(got) !=
		"[[2024-07-01 02:00:00 2023-12-31 23:00:00 2024-07-01 16:00:00]]" {
		t.Errorf("CONVERT_TZ with named zones: %v", got)
	}
	if ct := columnTypes(t, gw, "SELECT TIMESTAMP(d), MAKEDATE(2024, 60), WEEK(d), YEARWEEK(d) FROM days LIMIT 1"); fmt.Sprint(ct) !=
		"[{TIMESTAMP(d) DATETIME} {MAKEDATE(2024, 60) DATE} {WEEK(d) BIGINT} {YEARWEEK(d) BIGINT}]" {
		t.Errorf("column types: %v", ct)
	}
}
