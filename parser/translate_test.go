package parser

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pingcap/tidb/pkg/parser/ast"

	"github.com/tributary-sql/tributary/sqlerr"
)

var update = flag.Bool("update", false, "rewrite testdata/translate.txt with the current output")

const goldenFile = "testdata/translate.txt"

// goldenOptions are the options the golden cases are translated with; the
// engine test creates views of these names.
func goldenOptions() Options {
	return Options{
		Table: func(t *ast.TableName) (string, error) {
			if t.Name.L == "missing" {
				return "", sqlerr.New(sqlerr.UnknownTable, "Table '%s.%s' doesn't exist", t.Schema.O, t.Name.O)
			}
			return quoteIdent("v_" + t.Name.L), nil
		},
		Variable: func(name, scope string) (any, bool) {
			switch strings.ToLower(name) {
			case "version_comment":
				return "Tributary", true
			case "autocommit":
				return true, true
			case "max_allowed_packet":
				return 67108864, true
			case "sql_select_limit":
				return nil, true
			case "time_zone":
				if scope == "global" {
					return "SYSTEM", true
				}
				return "+00:00", true
			}
			return nil, false
		},
		CurrentDB:    "shop",
		User:         "analyst@%",
		Version:      "8.0.36-tributary",
		ConnectionID: 42,
	}
}

type goldenCase struct{ input, want string }

func readGolden(t testing.TB) []goldenCase {
	data, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	var cases []goldenCase
	for _, block := range strings.Split(string(data), "\n----\n") {
		in, want, ok := strings.Cut(block, "\n=>\n")
		if !ok {
			in, want, ok = strings.Cut(block, "\n=>")
		}
		if strings.TrimSpace(in) == "" {
			continue
		}
		if !ok {
			t.Fatalf("case without =>: %q", block)
		}
		cases = append(cases, goldenCase{strings.TrimSpace(in), strings.TrimSpace(want)})
	}
	return cases
}

func writeGolden(t *testing.T, cases []goldenCase) {
	var b strings.Builder
	for i, c := range cases {
		if i > 0 {
			b.WriteString("----\n")
		}
		fmt.Fprintf(&b, "%s\n=>\n%s\n", c.input, c.want)
	}
	if err := os.WriteFile(goldenFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// translateCase runs Parse and Translate on every statement of input and
// renders the outcome as the golden file shows it.
func translateCase(input string) string {
	stmts, err := Parse(input)
	if err != nil {
		return errorLine(err)
	}
	var out []string
	for _, s := range stmts {
		sql, err := Translate(s, goldenOptions())
		if err != nil {
			return errorLine(err)
		}
		out = append(out, sql)
	}
	return strings.Join(out, "\n")
}

var kindNames = map[sqlerr.Kind]string{
	sqlerr.Internal: "Internal", sqlerr.Syntax: "Syntax", sqlerr.Unsupported: "Unsupported",
	sqlerr.UnknownFunction: "UnknownFunction", sqlerr.UnknownSystemVariable: "UnknownSystemVariable",
	sqlerr.UnknownTable: "UnknownTable",
}

func errorLine(err error) string {
	var e *sqlerr.Error
	if !errors.As(err, &e) {
		return "error: untyped " + err.Error()
	}
	return "error: " + kindNames[e.Kind] + " " + e.Msg
}

func TestTranslateGolden(t *testing.T) {
	cases := readGolden(t)
	if len(cases) < 120 {
		t.Errorf("only %d golden cases", len(cases))
	}
	for i := range cases {
		got := translateCase(cases[i].input)
		if *update {
			cases[i].want = got
			continue
		}
		if got != cases[i].want {
			t.Errorf("case %d:\n%s\ngot:\n%s\nwant:\n%s", i, cases[i].input, got, cases[i].want)
		}
	}
	if *update {
		writeGolden(t, cases)
	}
}

// The TPC-H files are golden cases too; this keeps them in step.
func TestTPCHFilesInGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/tpch/q*.sql")
	if len(files) != 22 {
		t.Fatalf("want 22 TPC-H queries, have %d", len(files))
	}
	inputs := map[string]bool{}
	for _, c := range readGolden(t) {
		inputs[c.input] = true
	}
	for _, f := range files {
		q, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !inputs[strings.TrimSpace(string(q))] {
			t.Errorf("%s is not a golden case", f)
		}
		if out := translateCase(string(q)); strings.HasPrefix(out, "error:") {
			t.Errorf("%s: %s", f, out)
		}
	}
}

// The hostile set: DuckDB-only functions and statements that touch the
// file system or extensions never get through.
func TestHostileRejected(t *testing.T) {
	for _, q := range []string{
		"SELECT * FROM read_csv('/etc/passwd')",
		"SELECT getenv('HOME')",
		"SELECT read_text('/etc/passwd')",
		"SELECT * FROM glob('/*')",
		"SELECT main.getenv('HOME')",
		"SELECT count(*) FROM t WHERE a = read_blob('/etc/shadow')",
		"COPY t TO '/tmp/x'",
		"ATTACH 'x'",
		"INSTALL httpfs",
		"LOAD httpfs",
		"PRAGMA database_list",
		"SET memory_limit='1GB'",
		"SELECT 1; COPY t TO '/tmp/x'",
		"SELECT * FROM t INTO OUTFILE '/tmp/x'",
		"LOAD DATA INFILE '/etc/passwd' INTO TABLE t",
	} {
		if out := translateCase(q); !strings.HasPrefix(out, "error:") {
			t.Errorf("%s was accepted: %s", q, out)
		}
	}
}

func TestTranslateExpr(t *testing.T) {
	stmts, err := Parse("SELECT 1 FROM t WHERE a.b > 7 / 2 AND c LIKE 'x%'")
	if err != nil {
		t.Fatal(err)
	}
	where := stmts[0].(*ast.SelectStmt).Where
	got, err := TranslateExpr(where, Options{})
	want := `"a"."b" > CAST(7 / NULLIF(2, 0) AS DECIMAL(38, 4)) AND "c" LIKE 'x%' ESCAPE '\'`
	if err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

func TestColumnScale(t *testing.T) {
	stmts, _ := Parse("SELECT price / qty, name / 2 FROM t")
	opts := goldenOptions()
	opts.ColumnScale = func(c *ast.ColumnName) (int, bool) {
		switch c.Name.L {
		case "price":
			return 2, true
		case "qty":
			return 0, true
		}
		return 0, false
	}
	got, err := Translate(stmts[0], opts)
	want := `SELECT CAST("price" / NULLIF("qty", 0) AS DECIMAL(38, 6)) AS "price / qty", ("name" / NULLIF(2, 0)) AS "name / 2" FROM "v_t" AS "t"`
	if err != nil || got != want {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
}

func TestMacrosAreIdempotent(t *testing.T) {
	for _, m := range DuckDBMacros() {
		if !strings.HasPrefix(m, "CREATE OR REPLACE MACRO mysql_") {
			t.Errorf("macro not named mysql_* or not idempotent: %s", m)
		}
	}
}

func FuzzTranslate(f *testing.F) {
	for _, c := range readGolden(f) {
		f.Add(c.input)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		stmts, err := Parse(sql)
		if err != nil {
			if sqlerr.KindOf(err) != sqlerr.Syntax {
				t.Fatalf("parse error of kind %v: %v", sqlerr.KindOf(err), err)
			}
			return
		}
		for _, s := range stmts {
			out1, err1 := Translate(s, goldenOptions())
			out2, err2 := Translate(s, goldenOptions())
			if out1 != out2 || (err1 == nil) != (err2 == nil) {
				t.Fatalf("non-deterministic translation of %q", sql)
			}
			if err1 != nil && sqlerr.KindOf(err1) == sqlerr.Internal {
				t.Fatalf("internal error for %q: %v", sql, err1)
			}
			// The PostgreSQL printer refuses what it cannot print, and a
			// value never becomes SQL text: every string is a parameter,
			// so no string literal appears outside quoted identifiers.
			var args []any
			if out, err := Translate(s, pgOptions(&args)); err == nil && hasStringLiteral(out) {
				t.Fatalf("a string literal in the PostgreSQL text of %q: %s", sql, out)
			}
		}
	})
}

// hasStringLiteral reports a single quote outside double-quoted names.
func hasStringLiteral(sql string) bool {
	quoted := false
	for _, c := range sql {
		switch {
		case c == '"':
			quoted = !quoted // "" inside a name toggles twice
		case c == '\'' && !quoted:
			return true
		}
	}
	return false
}
