package main

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/tributary-sql/tributary/tpch"
)

func now() time.Time                { return time.Now() }
func since(start time.Time) float64 { return time.Since(start).Seconds() }

// timing is one system's measurements of one query.
type timing struct {
	runs    []time.Duration // measured runs
	err     error           // the run that failed, if one did
	timeout bool            // the time limit struck (--timeout, the peer's statement_timeout)
	check   string          // the first difference from DuckDB's answer, "" when the same
}

// median of the measured runs, or false when there are none.
func (t *timing) median() (float64, bool) {
	if len(t.runs) == 0 || t.err != nil {
		return 0, false
	}
	s := slices.Clone(t.runs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return m.Seconds(), true
}

// failed reports whether the runs stopped early (error, timeout).
func (t *timing) failed() bool { return t.err != nil || t.timeout }

// transfer is what one source sent for one run of a query.
type transfer struct{ rows, bytes float64 }

// result is one query's line of the report.
type result struct {
	n       int
	rows    int           // in DuckDB's answer
	first   time.Duration // Tributary's first run (the first warm-up)
	trib    timing
	peer    timing
	duck    timing
	sources map[string]transfer // by source, for one measured Tributary run
}

// measureAll measures the queries one after the other.
func measureAll(ctx context.Context, o *options, e *env) ([]*result, error) {
	var results []*result
	for _, n := range o.queries {
		r, err := measure(ctx, o, e, n)
		if err != nil {
			return nil, fmt.Errorf("q%02d: %w", n, err)
		}
		logf("q%02d  %s", n, r.summary())
		results = append(results, r)
	}
	return results, nil
}

// queryTexts reads query n for the gateway (MySQL dialect), the peer
// (PostgreSQL) and DuckDB.
func queryTexts(root string, n int) (mysql, pg, duck string, err error) {
	b, err := os.ReadFile(filepath.Join(root, "parser", "testdata", "tpch", fmt.Sprintf("q%02d.sql", n)))
	if err != nil {
		return "", "", "", err
	}
	mysql = strings.TrimSpace(string(b))
	pg, err = tpch.PostgresQuery(n)
	return mysql, pg, tpch.DuckDBText(mysql), err
}

// measure runs one query in rounds, Tributary, then the peer, then DuckDB
// in each, so that all three see the machine in the same state: the
// warm-up rounds, then the measured ones (the peer in the first
// --peer-runs only). Every answer is checked against DuckDB's first.
func measure(ctx context.Context, o *options, e *env, n int) (*result, error) {
	myText, pgText, duckText, err := queryTexts(e.root, n)
	if err != nil {
		return nil, err
	}
	ordered := strings.Contains(strings.ToUpper(myText), "ORDER BY")
	want, _, err := timed(ctx, e.duck, duckText, o.timeout)
	if err != nil {
		return nil, fmt.Errorf("DuckDB: %w", err)
	}
	if tpch.Vacuous(want) {
		return nil, errors.New("DuckDB's answer is empty: the data set does not exercise this query")
	}
	r := &result{n: n, rows: len(want)}
	for round := 0; round < o.warmup+o.runs; round++ {
		measured := round >= o.warmup
		count := measured && r.sources == nil // the first measured run
		var before map[string]transfer
		if count {
			if before, err = scrape(e.admin); err != nil {
				return nil, err
			}
		}
		d := runOnce(ctx, e.gw, &r.trib, myText, o.timeout, want, ordered, measured)
		if round == 0 {
			r.first = d
		}
		if count {
			after, err := scrape(e.admin)
			if err != nil {
				return nil, err
			}
			r.sources = delta(before, after)
		}
		if o.peerRuns > 0 && (!measured || round-o.warmup < o.peerRuns) {
			runOnce(ctx, e.peer, &r.peer, pgText, o.peerTimeout+time.Minute, want, ordered, measured)
		}
		runOnce(ctx, e.duck, &r.duck, duckText, o.timeout, want, ordered, measured)
	}
	return r, nil
}

// runOnce runs the query once on one system unless an earlier run
// failed, checks the answer, and records the time if measured.
func runOnce(ctx context.Context, db *sql.DB, t *timing, text string, limit time.Duration,
	want []tpch.Row, ordered, measured bool) time.Duration {
	if t.failed() {
		return 0
	}
	got, d, err := timed(ctx, db, text, limit)
	switch {
	case isStatementTimeout(err) || errors.Is(err, context.DeadlineExceeded):
		t.timeout = true
	case err != nil:
		t.err = err
	default:
		if problem := tpch.Diff(got, want, ordered); problem != "" && t.check == "" {
			t.check = problem
		}
		if measured {
			t.runs = append(t.runs, d)
		}
	}
	return d
}

// timed runs a query, reading every row, and says how long it took.
func timed(ctx context.Context, db *sql.DB, text string, limit time.Duration) ([]tpch.Row, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	start := time.Now()
	rows, err := tpch.Collect(ctx, db, text)
	return rows, time.Since(start), err
}

// isStatementTimeout reports PostgreSQL's "canceling statement due to
// statement timeout" (SQLSTATE 57014 is also a user's cancel, which the
// benchmark never sends).
func isStatementTimeout(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && pg.Code == "57014"
}

// delta is what each source sent between two scrapes.
func delta(before, after map[string]transfer) map[string]transfer {
	out := map[string]transfer{}
	for src, a := range after {
		b := before[src]
		out[src] = transfer{rows: a.rows - b.rows, bytes: a.bytes - b.bytes}
	}
	return out
}

// scrape reads the per-source row and byte counters from the gateway's
// Prometheus endpoint.
func scrape(admin string) (map[string]transfer, error) {
	resp, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]transfer{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		for _, m := range []struct {
			prefix string
			set    func(*transfer, float64)
		}{
			{`tributary_source_rows_total{source="`, func(t *transfer, v float64) { t.rows = v }},
			{`tributary_source_bytes_total{source="`, func(t *transfer, v float64) { t.bytes = v }},
		} {
			rest, ok := strings.CutPrefix(line, m.prefix)
			if !ok {
				continue
			}
			src, value, ok := strings.Cut(rest, `"} `)
			v, err := strconv.ParseFloat(value, 64)
			if !ok || err != nil {
				return nil, fmt.Errorf("unexpected metrics line %q", line)
			}
			t := out[src]
			m.set(&t, v)
			out[src] = t
		}
	}
	return out, sc.Err()
}

// summary is the progress line of a query.
func (r *result) summary() string {
	line := fmt.Sprintf("tributary %s  peer %s  duckdb %s  %d rows", r.trib.cell(), r.peer.cell(), r.duck.cell(), r.rows)
	for _, t := range []struct {
		name string
		t    *timing
	}{{"tributary", &r.trib}, {"peer", &r.peer}, {"duckdb", &r.duck}} {
		if t.t.err != nil {
			line += fmt.Sprintf("\n    %s: %v", t.name, t.t.err)
		}
		if t.t.check != "" {
			line += fmt.Sprintf("\n    %s's answer differs: %s", t.name, oneLine(t.t.check))
		}
	}
	return line
}
