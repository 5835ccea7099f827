package server

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/go-mysql-org/go-mysql/mysql"

	"github.com/tributary-sql/tributary/sqlerr"
)

func TestToMySQLError(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		code  uint16
		state string
		msg   string
	}{
		{"syntax", sqlerr.New(sqlerr.Syntax, "bad %s", "sql"), 1064, "42000", "bad sql"},
		{"wrapped", fmt.Errorf("planning: %w", sqlerr.New(sqlerr.UnknownTable, "Table 'a.b' doesn't exist")), 1146, "42S02", "planning: Table 'a.b' doesn't exist"},
		{"unsupported", sqlerr.New(sqlerr.Unsupported, "no"), 1235, "42000", "no"},
		{"unknown db", sqlerr.New(sqlerr.UnknownDatabase, "Unknown database 'x'"), 1049, "42000", "Unknown database 'x'"},
		{"access denied", sqlerr.New(sqlerr.AccessDenied, "Access denied"), 1045, "28000", "Access denied"},
		{"malformed", sqlerr.New(sqlerr.MalformedPacket, "m"), 1835, "HY000", "m"},
		{"unknown command", sqlerr.New(sqlerr.UnknownCommand, "c"), 1047, "08S01", "c"},
		{"plain error", errors.New("boom"), 1105, "HY000", "boom"},
		{"canceled", fmt.Errorf("scan: %w", context.Canceled), 1317, "70100", "Query execution was interrupted"},
		{"deadline", context.DeadlineExceeded, 3024, "HY000", "Query execution was interrupted, maximum statement execution time exceeded"},
		{"kind wins over ctx", sqlerr.New(sqlerr.SourceUnavailable, "src: %w", context.Canceled), 1429, "HY000", "src: context canceled"},
		{"wire error passes", mysql.NewError(mysql.ER_CON_COUNT_ERROR, "Too many connections"), 1040, "08004", "Too many connections"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := toMySQLError(tt.err)
			if got.Code != tt.code || got.State != tt.state || got.Message != tt.msg {
				t.Errorf("toMySQLError(%v) = %d %s %q, want %d %s %q", tt.err, got.Code, got.State, got.Message, tt.code, tt.state, tt.msg)
			}
		})
	}
}

// TestEveryKindMapped checks that each sqlerr kind but Internal has a code of
// its own, so a new kind cannot silently fall back to 1105.
func TestEveryKindMapped(t *testing.T) {
	seen := map[uint16]sqlerr.Kind{}
	for k := sqlerr.Internal; ; k++ {
		code, state := k.Code()
		if code == 1105 {
			if k != sqlerr.Internal {
				break // past the last kind
			}
		}
		if prev, dup := seen[code]; dup {
			t.Errorf("kinds %d and %d share code %d", prev, k, code)
		}
		seen[code] = k
		if len(state) != 5 {
			t.Errorf("kind %d: SQLSTATE %q", k, state)
		}
		if got := toMySQLError(sqlerr.New(k, "m")); got.Code != code {
			t.Errorf("kind %d: code %d, want %d", k, got.Code, code)
		}
	}
	if len(seen) < 2 {
		t.Fatal("no kinds found")
	}
}
