package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestParseQueries(t *testing.T) {
	for in, want := range map[string]string{"1-22": fmt.Sprint(seq(1, 22)), "1,3,5-7": "[1 3 5 6 7]", "22": "[22]"} {
		got, err := parseQueries(in)
		if err != nil || fmt.Sprint(got) != want {
			t.Errorf("%q: %v, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "23", "5-3", "x", "1,,2"} {
		if _, err := parseQueries(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func seq(a, b int) []int {
	var s []int
	for i := a; i <= b; i++ {
		s = append(s, i)
	}
	return s
}

func TestMedian(t *testing.T) {
	s := time.Second
	for _, c := range []struct {
		runs []time.Duration
		want float64
	}{{[]time.Duration{3 * s, 1 * s, 2 * s}, 2}, {[]time.Duration{4 * s, 1 * s}, 2.5}} {
		tm := timing{runs: c.runs}
		if got, ok := tm.median(); !ok || got != c.want {
			t.Errorf("median(%v) = %v, %v", c.runs, got, ok)
		}
	}
	if _, ok := (&timing{}).median(); ok {
		t.Error("median of no runs")
	}
	if got := (&timing{timeout: true}).cell(); got != "timeout" {
		t.Errorf("cell of a timeout = %q", got)
	}
}

// scrape reads the per-source counters of the gateway's /metrics.
func TestScrape(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Join([]string{
			"# HELP tributary_source_rows_total Rows received",
			`tributary_source_rows_total{source="sales"} 1500`,
			`tributary_source_bytes_total{source="sales"} 1.2e+06`,
			`tributary_source_scans_total{source="crm"} 3`,
			`tributary_source_rows_total{source="crm"} 25`,
		}, "\n"))
	}))
	defer srv.Close()
	got, err := scrape(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	if got["sales"] != (transfer{1500, 1.2e6}) || got["crm"] != (transfer{rows: 25}) || len(got) != 2 {
		t.Errorf("scrape = %v", got)
	}
	d := delta(map[string]transfer{"sales": {1000, 1e6}}, got)
	if d["sales"] != (transfer{500, 0.2e6}) || d["crm"] != (transfer{rows: 25}) {
		t.Errorf("delta = %v", d)
	}
}

// The table counts the peer's timeouts as the timeout, a lower bound.
func TestMarkdownTimeout(t *testing.T) {
	s := time.Second
	r := &report{opts: &options{sf: 1, runs: 1, peerRuns: 1, peerTimeout: 300 * s}, results: []*result{
		{n: 1, rows: 4, first: 2 * s, trib: timing{runs: []time.Duration{s}}, peer: timing{runs: []time.Duration{4 * s}},
			duck: timing{runs: []time.Duration{s / 10}}, sources: map[string]transfer{"sales": {6e6, 5e8}}},
		{n: 2, rows: 100, first: s, trib: timing{runs: []time.Duration{3 * s}}, peer: timing{timeout: true},
			duck: timing{runs: []time.Duration{s / 10}}},
	}}
	md := r.markdown()
	for _, want := range []string{
		"| q01 | 1.000 | 4.000 | 0.100 | 4.00 | 10.00 | 4 | 6 M rows, 500 MB |",
		"| q02 | 3.000 | timeout | 0.100 | ≥ 100 | 30.00 | 100 |",
		"| geomean | 1.732 | ≥ 34.641 | 0.100 | ≥ 20.000 | 17.321 |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("table lacks %q:\n%s", want, md)
		}
	}
}

// A Tributary timeout is no answer, and said so.
func TestAnswersLine(t *testing.T) {
	r := &report{opts: &options{timeout: 2 * time.Minute}, results: []*result{
		{n: 1, trib: timing{runs: []time.Duration{time.Second}}},
		{n: 5, trib: timing{timeout: true}},
	}}
	want := "Every Tributary answer (1 of 2 queries, every run) was the same as DuckDB's. Over the time limit (2m0s), no answer: q05."
	if got := r.answersLine(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
