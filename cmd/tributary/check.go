package main

import (
	"errors"
	"fmt"

	"github.com/tributary-sql/tributary/catalog"
	"github.com/tributary-sql/tributary/parser"
)

// check validates a config file and prints every error with its path.
func check(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: tributary check FILE")
	}
	cfg, err := catalog.LoadConfig(args[0])
	if err != nil {
		return err
	}
	if errs := validate(cfg); len(errs) > 0 {
		return fmt.Errorf("%s: %d error(s):\n%w", args[0], len(errs), errors.Join(errs...))
	}
	fmt.Printf("%s: ok (%d sources, %d virtual databases, %d users)\n", args[0], len(cfg.Sources), len(cfg.Databases), len(cfg.Users))
	return nil
}

// validate adds to the catalog's checks those that need the SQL parser:
// every view must parse.
func validate(cfg *catalog.Config) []error {
	errs := cfg.Validate(builtinNames())
	for db, dc := range cfg.Databases {
		for name, sql := range dc.Views {
			if _, err := parser.Parse(sql); err != nil {
				errs = append(errs, fmt.Errorf("databases.%s.views.%s: %v", db, name, err))
			}
		}
	}
	return errs
}
