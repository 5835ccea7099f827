package main

import (
	"bufio"
	"database/sql"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report renders the results as markdown.
type report struct {
	opts    *options
	env     *env
	results []*result
	rss     []procRSS
}

// cell is a timing as the table shows it: the median in seconds, or why
// there is none.
func (t *timing) cell() string {
	switch {
	case t.timeout:
		return "timeout"
	case t.err != nil:
		return "error"
	}
	if m, ok := t.median(); ok {
		return fmt.Sprintf("%.3f", m)
	}
	return "–"
}

// ratio is a÷b of two medians.
func ratio(a, b *timing) (float64, bool) {
	x, ok1 := a.median()
	y, ok2 := b.median()
	if !ok1 || !ok2 || y == 0 {
		return 0, false
	}
	return x / y, true
}

func ratioCell(v float64, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

// atLeast is a timing's median, or for a timeout the limit it ran into: a
// lower bound, so that a geomean does not drop the queries that were slowest.
func atLeast(t *timing, limit time.Duration) (v float64, bound, ok bool) {
	if t.timeout {
		return limit.Seconds(), true, true
	}
	v, ok = t.median()
	return v, false, ok
}

// sources are the gateway's sources in the order of the table.
var sources = []struct{ name, title string }{
	{"sales", "sales (PostgreSQL)"}, {"crm", "crm (MariaDB)"}, {"lake", "lake (Parquet)"},
}

func transferCell(t transfer, ok bool) string {
	if !ok || t.rows == 0 {
		return "–"
	}
	return fmt.Sprintf("%s rows, %sB", human(t.rows), human(t.bytes))
}

// human spells 1234567 as "1.23 M" and 123 as "123 ".
func human(v float64) string {
	for _, s := range []struct {
		div    float64
		suffix string
	}{{1e9, "G"}, {1e6, "M"}, {1e3, "k"}} {
		if v >= s.div {
			return fmt.Sprintf("%.3g %s", v/s.div, s.suffix)
		}
	}
	return fmt.Sprintf("%.0f ", v)
}

// markdown is the table with its geomean line and the notes below it.
func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "TPC-H SF %s: median of %d runs (Tributary, DuckDB) and %d (peer) after %d warm-up, seconds\n\n",
		sfName(r.opts.sf), r.opts.runs, r.opts.peerRuns, r.opts.warmup)
	b.WriteString("| query | Tributary | peer (PG+FDW) | DuckDB | peer ÷ Tributary | Tributary ÷ DuckDB | rows |")
	for _, s := range sources {
		b.WriteString(" " + s.title + " |")
	}
	b.WriteString(" Tributary first run | answers |\n|---|--:|--:|--:|--:|--:|--:|")
	b.WriteString(strings.Repeat("--:|", len(sources)) + "--:|---|\n")
	var notes []string
	for _, res := range r.results {
		check := res.checkCell(&notes)
		fmt.Fprintf(&b, "| q%02d | %s | %s | %s | %s | %s | %d |", res.n, res.trib.cell(), res.peer.cell(), res.duck.cell(),
			r.peerRatioCell(res), r.duckRatioCell(res), res.rows)
		for _, s := range sources {
			t, ok := res.sources[s.name]
			b.WriteString(" " + transferCell(t, ok) + " |")
		}
		fmt.Fprintf(&b, " %.3f | %s |\n", res.first.Seconds(), check)
	}
	b.WriteString(r.geomeanRow())
	b.WriteString("\n")
	for _, line := range r.summary() {
		b.WriteString("- " + line + "\n")
	}
	if len(notes) > 0 {
		b.WriteString("\n")
		for i, n := range notes {
			fmt.Fprintf(&b, "%d. %s\n", i+1, n)
		}
	}
	return b.String()
}

// peerRatioCell is peer÷Tributary, at least timeout÷Tributary when the
// peer timed out.
func (r *report) peerRatioCell(res *result) string {
	p, bound, ok := atLeast(&res.peer, r.opts.peerTimeout)
	t, ok2 := res.trib.median()
	if !ok || !ok2 || t == 0 {
		return "–"
	}
	if bound {
		return fmt.Sprintf("≥ %.0f", p/t)
	}
	return fmt.Sprintf("%.2f", p/t)
}

// duckRatioCell is Tributary÷DuckDB, at least timeout÷DuckDB when
// Tributary timed out.
func (r *report) duckRatioCell(res *result) string {
	t, bound, ok := atLeast(&res.trib, r.opts.timeout)
	d, ok2 := res.duck.median()
	if !ok || !ok2 || d == 0 {
		return "–"
	}
	if bound {
		return fmt.Sprintf("≥ %.0f", t/d)
	}
	return fmt.Sprintf("%.2f", t/d)
}

// checkCell says whether Tributary's and the peer's answers matched
// DuckDB's, adding a numbered note for each that did not.
func (res *result) checkCell(notes *[]string) string {
	var parts []string
	for _, side := range []struct {
		name string
		t    *timing
	}{{"Tributary", &res.trib}, {"peer", &res.peer}} {
		problem := side.t.check
		if side.t.err != nil {
			problem = side.t.err.Error()
		}
		if problem == "" {
			continue
		}
		*notes = append(*notes, fmt.Sprintf("q%02d, %s: %s", res.n, side.name, oneLine(problem)))
		parts = append(parts, fmt.Sprintf("%s differs (%d)", side.name, len(*notes)))
	}
	if len(parts) == 0 {
		return "same"
	}
	return strings.Join(parts, ", ")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// geomeanRow is the geometric means of each time and ratio column over
// the queries that have a value in it. Timeouts count as the time limit,
// and the means they enter are marked ≥.
func (r *report) geomeanRow() string {
	type value struct {
		v         float64
		bound, ok bool
	}
	col := func(f func(*result) value) string {
		var sum float64
		n, bounded := 0, false
		for _, res := range r.results {
			if x := f(res); x.ok && x.v > 0 {
				sum += math.Log(x.v)
				n++
				bounded = bounded || x.bound
			}
		}
		if n == 0 {
			return "–"
		}
		s := fmt.Sprintf("%.3f", math.Exp(sum/float64(n)))
		if bounded {
			s = "≥ " + s
		}
		if n < len(r.results) {
			s += fmt.Sprintf(" (%d queries)", n)
		}
		return s
	}
	median := func(t *timing) value { v, ok := t.median(); return value{v, false, ok} }
	peer := func(x *result) value {
		v, bound, ok := atLeast(&x.peer, r.opts.peerTimeout)
		return value{v, bound, ok}
	}
	trib := func(x *result) value {
		v, bound, ok := atLeast(&x.trib, r.opts.timeout)
		return value{v, bound, ok}
	}
	cells := []string{"geomean",
		col(trib),
		col(peer),
		col(func(x *result) value { return median(&x.duck) }),
		col(func(x *result) value {
			p, t := peer(x), median(&x.trib) // a Tributary timeout leaves no ratio
			return value{p.v / t.v, p.bound, p.ok && t.ok}
		}),
		col(func(x *result) value {
			t, d := trib(x), median(&x.duck)
			return value{t.v / d.v, t.bound, t.ok && d.ok}
		}),
		""} // rows
	cells = append(cells, make([]string, len(sources))...)
	cells = append(cells, col(func(x *result) value { return value{x.first.Seconds(), false, x.first > 0} }), "")
	return "| " + strings.Join(cells, " | ") + " |\n"
}

// summary is the lines under the table: cold start, memory, failures.
func (r *report) summary() []string {
	var lines []string
	if len(r.results) > 0 {
		first := r.results[0]
		warm, _ := first.trib.median()
		lines = append(lines, fmt.Sprintf("Cold start: the first query after the gateway started (q%02d) took %.3f s; warm, %.3f s.",
			first.n, first.first.Seconds(), warm))
	}
	if len(r.rss) > 0 {
		var parts []string
		for _, p := range r.rss[1:] {
			parts = append(parts, fmt.Sprintf("%s %sB", p.name, human(float64(p.bytes))))
		}
		line := fmt.Sprintf("Peak RSS (VmHWM) of the gateway process: %sB", human(float64(r.rss[0].bytes)))
		if len(parts) > 0 {
			line += "; of its connector processes: " + strings.Join(parts, ", ")
		}
		lines = append(lines, line+".")
	}
	return append(lines, r.answersLine(), "Source columns: rows and Arrow bytes the gateway received from each source in one run of the query "+
		"(tributary_source_rows_total, tributary_source_bytes_total); the lake's Parquet files are read by DuckDB directly, not through its connector, so nothing is counted there.")
}

// answersLine says how Tributary's answers compared with DuckDB's.
func (r *report) answersLine() string {
	var failed, timedOut []string
	for _, res := range r.results {
		name := fmt.Sprintf("q%02d", res.n)
		switch {
		case res.trib.check != "" || res.trib.err != nil:
			failed = append(failed, name)
		case res.trib.timeout:
			timedOut = append(timedOut, name)
		}
	}
	answered := len(r.results) - len(failed) - len(timedOut)
	line := fmt.Sprintf("Every Tributary answer (%d of %d queries, every run) was the same as DuckDB's.", answered, len(r.results))
	if len(failed) > 0 {
		line = fmt.Sprintf("Tributary's answer was the same as DuckDB's in %d of %d queries; it differed or failed in %s (notes below).",
			answered, len(r.results), strings.Join(failed, ", "))
	}
	if len(timedOut) > 0 {
		line += fmt.Sprintf(" Over the time limit (%s), no answer: %s.", r.opts.timeout, strings.Join(timedOut, ", "))
	}
	return line
}

// procRSS is one process's peak resident set.
type procRSS struct {
	name  string
	bytes int64
}

// peakRSS reads VmHWM of the gateway and of its children (the connector
// processes, named by their source).
func peakRSS(pid int) []procRSS {
	hwm, ok := vmHWM(pid)
	if !ok {
		return nil
	}
	out := []procRSS{{"tributary", hwm}}
	for _, child := range children(pid) {
		if v, ok := vmHWM(child); ok {
			out = append(out, procRSS{processName(child), v})
		}
	}
	slices.SortFunc(out[1:], func(a, b procRSS) int { return strings.Compare(a.name, b.name) })
	return out
}

func vmHWM(pid int) (int64, bool) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", child))
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so cut at the last ')'.
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// processName is a connector's source (`tributary connector KIND SOURCE`)
// or the program's name.
func processName(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
	if len(args) >= 4 && args[1] == "connector" {
		return args[3] + " connector"
	}
	return filepath.Base(args[0])
}

// document is the result file: how it was measured, on what, and the table.
func (r *report) document(table string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# TPC-H SF %s, %s\n\n", sfName(r.opts.sf), time.Now().UTC().Format(time.DateOnly))
	fmt.Fprintf(&b, "Measured with `go run -tags duckdb_arrow ./cmd/tpchbench %s` (`scripts/bench-tpch.sh`).\n\n",
		strings.Join(r.opts.args, " "))
	b.WriteString("## Machine\n\n")
	for _, line := range r.machine() {
		b.WriteString("- " + line + "\n")
	}
	b.WriteString("\n## Set-up\n\n")
	fmt.Fprintf(&b, `- Data: tpch.Generate at SF %s (Parquet), the split of tpch.Config: lineitem and orders in PostgreSQL
  (source sales), customer, nation, region and supplier in MariaDB (crm), part and partsupp as Parquet files (lake).
- Tributary: the gateway binary built from this commit, queried over the MySQL protocol (go-sql-driver/mysql),
  the 22 queries of parser/testdata/tpch.
- Peer: the same PostgreSQL server federating the same split without Tributary: lineitem and orders are its own
  tables, the MariaDB tables are reached with mysql_fdw, part and partsupp with file_fdw (CSV copies of the same
  Parquet files); the queries of tpch/queries/pg; statement_timeout %s.
- DuckDB: the Parquet files loaded into tables of an in-process DuckDB (duckdb-go), the baseline each answer is
  checked against (decimals exactly, doubles to 1e-9 relative).
- Server settings: PostgreSQL %s; MariaDB %s.
- Each query runs in rounds of Tributary, peer, DuckDB; %d warm-up round(s), then %d measured (the peer in the
  first %d); medians are reported. A query that runs into its time limit (%s for Tributary and DuckDB) is
  not run again and reported as timeout; geomeans count it as the limit (a lower bound, marked ≥).

## Result

`, sfName(r.opts.sf), r.opts.peerTimeout, strings.Join(pgSettings, ", "), strings.Join(mariadbSettings, ", "),
		r.opts.warmup, r.opts.runs, r.opts.peerRuns, r.opts.timeout)
	b.WriteString(table)
	return b.String()
}

// machine describes the hardware and the software versions.
func (r *report) machine() []string {
	cpu := firstMatch("/proc/cpuinfo", "model name")
	mem := firstMatch("/proc/meminfo", "MemTotal")
	if kb, err := strconv.ParseFloat(strings.TrimSuffix(mem, " kB"), 64); err == nil {
		mem = fmt.Sprintf("%.1f GiB", kb/(1<<20))
	}
	osName := strings.Trim(firstMatchSep("/etc/os-release", "PRETTY_NAME", "="), `"`)
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	lines := []string{
		fmt.Sprintf("CPU: %d cores (%s)", runtime.NumCPU(), cpu),
		"RAM: " + mem,
		fmt.Sprintf("OS: %s, Linux %s", osName, strings.TrimSpace(string(kernel))),
		"Go: " + runtime.Version(),
	}
	for _, v := range []struct{ name, driver, dsn, query string }{
		{"PostgreSQL", "pgx", r.env.pgDSN, "SELECT version()"},
		{"mysql_fdw", "pgx", r.env.pgDSN, "SELECT extversion FROM pg_extension WHERE extname = 'mysql_fdw'"},
		{"MariaDB", "mysql", r.env.myDSN, "SELECT version()"},
	} {
		lines = append(lines, v.name+": "+queryString(v.driver, v.dsn, v.query))
	}
	var duck string
	if err := r.env.duck.QueryRow("SELECT library_version FROM pragma_version()").Scan(&duck); err != nil {
		duck = err.Error()
	}
	return append(lines, "DuckDB: "+duck+" (duckdb-go, the same library the gateway embeds)")
}

func queryString(driver, dsn, query string) string {
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return err.Error()
	}
	defer db.Close()
	var s string
	if err := db.QueryRow(query).Scan(&s); err != nil {
		return err.Error()
	}
	return s
}

func firstMatch(path, key string) string { return firstMatchSep(path, key, ":") }

// firstMatchSep returns the value of the first "key<sep>value" line.
func firstMatchSep(path, key, sep string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, sep); ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}
