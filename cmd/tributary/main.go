// Command tributary is the SQL federation gateway: MySQL clients connect to
// it, and it answers from the sources its config names.
//
//	tributary serve [--config FILE] [--listen ADDR]   run the gateway (the demo catalog without a config)
//	tributary check FILE                             validate a config, reporting every error
//	tributary version                                print the version
//	tributary connector NAME                         (internal) serve a built-in connector as a plugin
package main

import (
	"fmt"
	"os"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "check":
		err = check(os.Args[2:])
	case "version", "--version", "-v":
		fmt.Println("tributary", version)
	case "connector":
		err = connector(os.Args[2:])
	case "help", "-h", "--help":
		usage()
	default:
		fmt.Fprintf(os.Stderr, "tributary: unknown command %q\n", os.Args[1])
		usage()
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tributary:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprint(os.Stderr, `usage:
  tributary serve [--config FILE] [--listen ADDR]   run the gateway (demo catalog when no config is given)
  tributary check FILE                             validate a config file and report every error
  tributary version                                print the version
`)
}
