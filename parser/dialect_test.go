package parser

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"
)

// pgOptions translate for a PostgreSQL source whose table t has columns
// n (number), s (text), d (date) and b (binary).
func pgOptions(args *[]any) Options {
	kinds := map[string]Kind{"n": KindNumber, "s": KindString, "d": KindTemporal, "b": KindBytes}
	return Options{
		Dialect: Postgres,
		Param: func(v any) string {
			*args = append(*args, v)
			return fmt.Sprintf("$%d", len(*args))
		},
		Table:      func(tn *ast.TableName) (string, error) { return quoteIdent(tn.Name.O), nil },
		ColumnKind: func(c *ast.ColumnName) Kind { return kinds[c.Name.L] },
		ColumnScale: func(c *ast.ColumnName) (int, bool) {
			return 2, c.Name.L == "n"
		},
	}
}

func TestPostgresDialect(t *testing.T) {
	cases := []struct {
		in, want string
		args     []any
	}{
		{`SELECT s, COUNT(*), SUM(n), AVG(n) FROM t WHERE s = 'it''s' AND d >= DATE '2024-01-01' GROUP BY s ORDER BY s`,
			`SELECT "s" AS "s", count(*) AS "COUNT(*)", sum("n") AS "SUM(n)", avg("n") AS "AVG(n)" FROM "t" AS "t" WHERE "s" = $1 AND "d" >= CAST($2 AS DATE) GROUP BY "s" ORDER BY ("s" COLLATE "C") ASC NULLS FIRST`,
			[]any{"it's", "2024-01-01"}},
		{`SELECT n / 3 AS q, MAX(s) m FROM t WHERE s < 'b\\' OR n BETWEEN 1 AND 2 GROUP BY q ORDER BY q DESC, 2 LIMIT 5`,
			"", nil}, // ORDER BY 2 is the text MAX(s): refused
		{`SELECT n / 3 AS q FROM t WHERE s LIKE 'a%' AND d < DATE '2024-01-01' + INTERVAL 1 QUARTER ORDER BY q DESC LIMIT 5`,
			`SELECT CAST(CAST("n" AS DOUBLE PRECISION) / NULLIF(3, 0) AS DECIMAL(38, 6)) AS "q" FROM "t" AS "t" WHERE "s" LIKE $1 ESCAPE $2 AND "d" < CAST((CAST($3 AS DATE) + CAST($4 AS INTERVAL)) AS DATE) ORDER BY "q" DESC NULLS LAST LIMIT 5`,
			[]any{"a%", `\`, "2024-01-01", "3 months"}},
		{`SELECT n FROM t WHERE n IN (SELECT n FROM t WHERE b = x'00') AND n * 1.5e0 > 2`,
			"", nil}, // a binary literal
		{`SELECT n FROM t WHERE n * 1.5e0 > 2 AND EXISTS (SELECT 1 FROM t AS u WHERE u.n = t.n)`,
			`SELECT "n" AS "n" FROM "t" AS "t" WHERE "n" * CAST(1.5e+00 AS DOUBLE PRECISION) > 2 AND EXISTS (SELECT 1 AS "1" FROM "t" AS "u" WHERE "u"."n" = "t"."n")`,
			nil},
	}
	refused := []string{
		`SELECT other FROM t`,                            // a column outside the query's tables
		`SELECT s AS x FROM t GROUP BY s HAVING x > 'a'`, // an alias in HAVING
		`SELECT CAST(n AS CHAR) FROM t`,                  // casts
		`SELECT s FROM t WHERE s REGEXP 'a'`,
		`SELECT ROW_NUMBER() OVER () FROM t`,
		`SELECT CONCAT(s, 'x') FROM t`, // not in the function list
		`SELECT GROUP_CONCAT(s) FROM t`,
		`SELECT n FROM t WHERE n DIV 2 = 1`,
		`SELECT s FROM t WHERE s = 'a\0b'`, // NUL: PostgreSQL text cannot hold it
		`SELECT s FROM t ORDER BY UPPER(s) || 'x'`,
		`SELECT d FROM t WHERE d LIKE '2024%'`, // LIKE on a date
		`SELECT n FROM t WHERE d < NOW() - INTERVAL n DAY`,
		`SELECT n FROM t UNION SELECT n FROM t ORDER BY 1`,
		`SELECT n FROM t WHERE n OR s`,
	}
	for _, tc := range cases {
		var args []any
		got, err := translatePG(tc.in, &args)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s\n printed %s, want a refusal", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want || !reflect.DeepEqual(args, tc.args) {
			t.Errorf("%s\n got %s %v (%v)\nwant %s %v", tc.in, got, args, err, tc.want, tc.args)
		}
	}
	for _, in := range refused {
		var args []any
		if got, err := translatePG(in, &args); err == nil {
			t.Errorf("%s\n printed %s, want a refusal", in, got)
		} else if !strings.Contains(err.Error(), "support") && !strings.Contains(err.Error(), "exist") {
			t.Errorf("%s: unexpected error %v", in, err)
		}
	}
}

func translatePG(sql string, args *[]any) (string, error) {
	stmts, err := Parse(sql)
	if err != nil {
		return "", err
	}
	return Translate(stmts[0], pgOptions(args))
}
