package main

import (
	"fmt"
	"sort"

	"github.com/tributary-sql/tributary/connectors"
	"github.com/tributary-sql/tributary/connectors/files"
	"github.com/tributary-sql/tributary/connectors/mysql"
	"github.com/tributary-sql/tributary/connectors/postgres"
	"github.com/tributary-sql/tributary/plugins"
)

// builtins are the connectors this binary serves with `tributary connector
// NAME`. Each runs in a process of its own, through the same plugin
// protocol a third-party connector uses.
var builtins = map[string]func() connectors.Connector{
	"files":    func() connectors.Connector { return files.New() },
	"mysql":    func() connectors.Connector { return mysql.New() },
	"postgres": func() connectors.Connector { return postgres.New() },
}

func builtinNames() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// connector is the plugin side of a built-in connector; the gateway starts
// it, never a person.
func connector(args []string) error {
	// A second argument names the source; it is there for ps and for
	// operators, the connector does not need it.
	if len(args) < 1 || len(args) > 2 {
		return fmt.Errorf("usage: tributary connector NAME [SOURCE]")
	}
	mk, ok := builtins[args[0]]
	if !ok {
		return fmt.Errorf("unknown connector %q", args[0])
	}
	plugins.Serve(mk())
	return nil
}
