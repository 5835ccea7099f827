package e2e

import (
	"fmt"
	"strings"
	"testing"
)

// A third-party plugin, named by path in the config, serves a source like
// the built-in connectors do.
func TestThirdPartyPlugin(t *testing.T) {
	const rows = 100_000
	g := start(t, fmt.Sprintf(`
users: [{name: root}]
sources:
  gen:
    plugin: %q
    options: {rows: %d}
  broken:
    plugin: %q
    options: {bogus: 1}
`, numbersPlugin, rows, numbersPlugin))
	db := g.open(t, "root", "", "gen")
	got := collect(t, db, "SELECT COUNT(*), SUM(n), COUNT(label), MAX(square) FROM numbers")
	want := []string{fmt.Sprint(rows), fmt.Sprint(rows * (rows - 1) / 2), fmt.Sprint(rows - rows/10), fmt.Sprint((rows - 1) * (rows - 1))}
	if strings.Join(got[0], " ") != strings.Join(want, " ") {
		t.Fatalf("got %v, want %v", got[0], want)
	}
	// The limit reaches the plugin when nothing stands between.
	plan := collect(t, db, "EXPLAIN SELECT n FROM numbers LIMIT 3, 5")
	if !strings.Contains(plan[0][2], "limit=8") || !strings.Contains(plan[0][2], "columns=[n]") {
		t.Fatalf("EXPLAIN = %v", plan)
	}
	if got := collect(t, db, "SELECT n FROM numbers LIMIT 3, 5"); fmt.Sprint(got) != "[[3] [4] [5] [6] [7]]" {
		t.Fatalf("LIMIT 3,5 = %v", got)
	}
	// A source whose options are wrong: a clear error naming it, and the
	// other source is unaffected.
	_, err := db.Exec("SELECT * FROM broken.numbers")
	mysqlErr(t, err, 1429, "HY000")
	if !strings.Contains(err.Error(), "broken") || !strings.Contains(err.Error(), "bogus") {
		t.Fatalf("error %q does not name the source and the option", err)
	}
	if got := collect(t, db, "SELECT COUNT(*) FROM numbers WHERE n < 10"); got[0][0] != "10" {
		t.Fatalf("count = %v", got)
	}
}
