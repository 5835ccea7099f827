// Package parser parses MySQL-dialect SQL with TiDB's parser and translates
// queries into DuckDB SQL that keeps MySQL's semantics (NULL ordering,
// integer division, LIMIT a,b, MySQL functions, column naming).
//
// The translator is a printer over the AST, not TiDB's Restore: Restore
// prints MySQL, and DuckDB disagrees with MySQL on many details. Functions
// reach DuckDB only through an explicit whitelist (funcs.go); everything
// else is refused, which keeps DuckDB-only functions such as read_csv or
// getenv out of reach of clients.
package parser

import (
	"fmt"
	"regexp"
	"strings"
	"sync"

	tidb "github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"

	// The test driver is TiDB's standalone implementation of literal values;
	// without it the parser cannot build a ValueExpr.
	_ "github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/tributary-sql/tributary/sqlerr"
)

// A TiDB parser is not safe for concurrent use but is expensive to build,
// so sessions share a pool.
var parsers = sync.Pool{New: func() any { return tidb.New() }}

// Parse parses one COM_QUERY text (possibly several ;-separated statements).
// An empty or comment-only text yields no statements and no error. Parse
// errors are sqlerr.Syntax with MySQL's message text.
func Parse(sql string) (stmts []ast.StmtNode, err error) {
	p := parsers.Get().(*tidb.Parser)
	// TiDB's standalone literal driver panics on some inputs (decimals of
	// more than 81 digits); such text is refused as a syntax error, and the
	// parser, whose state is then unknown, is not reused.
	defer func() {
		if r := recover(); r != nil {
			stmts, err = nil, sqlerr.New(sqlerr.Syntax, "%s near '%.80s' at line 1", syntaxPrefix, sql)
		}
	}()
	stmts, _, err = p.ParseSQL(sql)
	parsers.Put(p)
	if err != nil {
		return nil, sqlerr.New(sqlerr.Syntax, "%s", syntaxMessage(err))
	}
	return stmts, nil
}

const syntaxPrefix = "You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version for the right syntax to use"

// tidbSyntax matches TiDB's `line 1 column 5 near "SELEC 1" `.
var tidbSyntax = regexp.MustCompile(`(?s)^line (\d+) column \d+ near "(.*)"\s*$`)

// syntaxMessage rewrites TiDB's syntax error as MySQL words it:
// "... to use near 'SELEC 1' at line 1".
func syntaxMessage(err error) string {
	msg := err.Error()
	if m := tidbSyntax.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s near '%s' at line %s", syntaxPrefix, m[2], m[1])
	}
	return syntaxPrefix + " " + strings.TrimSpace(msg)
}
