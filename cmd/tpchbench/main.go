// Command tpchbench measures Tributary on TPC-H against two baselines in
// the same run: a peer doing the same federation without Tributary
// (PostgreSQL with mysql_fdw and file_fdw over the same split) and DuckDB
// over local copies of the data. It generates the data, starts and loads
// PostgreSQL and MariaDB, builds and starts the gateway, runs the 22
// queries on the three in alternation, checks every answer against
// DuckDB's, and prints one markdown table (and writes it to
// --out/tpch-sf<SF>-<date>.md when --out is given).
//
//	go run -tags duckdb_arrow ./cmd/tpchbench --sf 1 --peer-runs 1 --out docs/benchmarks
//
// The data, the servers' data directories and the gateway binary are kept
// under --data, so a second run at the same scale factor skips generating
// and loading.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// options are the command line.
type options struct {
	sf          float64
	data        string
	runs        int
	peerRuns    int
	warmup      int
	queries     []int
	timeout     time.Duration
	peerTimeout time.Duration
	pgDSN       string
	myDSN       string
	out         string
	args        []string // as given, for the report
}

func parseFlags(args []string) (*options, error) {
	o := &options{args: args}
	fs := flag.NewFlagSet("tpchbench", flag.ContinueOnError)
	fs.Float64Var(&o.sf, "sf", 1, "TPC-H scale factor")
	fs.StringVar(&o.data, "data", filepath.Join(os.TempDir(), "tributary-tpch"),
		"directory for the data, the servers and the binary, one subdirectory per scale factor (reused when present)")
	fs.IntVar(&o.runs, "runs", 3, "measured runs of each query on Tributary and DuckDB (the median is reported)")
	fs.IntVar(&o.peerRuns, "peer-runs", 3, "measured runs of each query on the PostgreSQL+FDW peer (0: skip the peer)")
	fs.IntVar(&o.warmup, "warmup", 1, "unmeasured runs of each query on each system before the measured ones")
	queries := fs.String("queries", "1-22", "queries to run: numbers and ranges, e.g. 1,3,5-7")
	fs.DurationVar(&o.timeout, "timeout", 30*time.Minute, "time limit of one query on Tributary or DuckDB")
	fs.DurationVar(&o.peerTimeout, "peer-timeout", 300*time.Second, "the peer's statement_timeout; a query over it is reported as timeout")
	fs.StringVar(&o.pgDSN, "pg-dsn", "", "use this running PostgreSQL (a superuser's DSN) instead of starting one; database tpch is created in it")
	fs.StringVar(&o.myDSN, "mysql-dsn", "", "use this running MariaDB (go-sql-driver DSN of a user who may create databases, over TCP) instead of starting one")
	fs.StringVar(&o.out, "out", "", "directory to write the result to as tpch-sf<SF>-<date>.md (e.g. docs/benchmarks)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.sf <= 0 || o.runs < 1 || o.peerRuns < 0 || o.warmup < 0 {
		return nil, fmt.Errorf("--sf and --runs must be positive, --peer-runs and --warmup not negative")
	}
	if o.peerRuns > o.runs {
		o.peerRuns = o.runs // the peer runs alongside the others, never more often
	}
	var err error
	if o.queries, err = parseQueries(*queries); err != nil {
		return nil, err
	}
	return o, nil
}

// parseQueries reads "1,3,5-7" into [1 3 5 6 7].
func parseQueries(s string) ([]int, error) {
	var qs []int
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || a < 1 || b > 22 || a > b {
			return nil, fmt.Errorf("--queries: %q is not a query number or range within 1-22", part)
		}
		for n := a; n <= b; n++ {
			qs = append(qs, n)
		}
	}
	return qs, nil
}

func main() {
	o, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "tpchbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "tpchbench:", err)
		os.Exit(1)
	}
}

// logf reports progress on stderr; the result goes to stdout.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, o *options) error {
	env, err := setUp(ctx, o)
	if env != nil {
		defer env.close()
	}
	if err != nil {
		return err
	}
	results, err := measureAll(ctx, o, env)
	if err != nil {
		return err
	}
	rep := &report{opts: o, env: env, results: results, rss: peakRSS(env.gateway.PID())}
	text := rep.markdown()
	fmt.Print(text)
	if o.out == "" {
		return nil
	}
	path := filepath.Join(o.out, fmt.Sprintf("tpch-sf%s-%s.md", sfName(o.sf), time.Now().UTC().Format(time.DateOnly)))
	if err := os.WriteFile(path, []byte(rep.document(text)), 0o644); err != nil {
		return err
	}
	logf("wrote %s", path)
	return nil
}

// sfName spells a scale factor for file names: 1, 0.1, 0.01.
func sfName(sf float64) string { return strconv.FormatFloat(sf, 'f', -1, 64) }
