package parser

import (
	"fmt"
	"strings"
)

// macros define the MySQL functions that are not one-liners in DuckDB.
// Each guards the cases where DuckDB would differ from MySQL (errors where
// MySQL returns NULL, different treatment of zero or negative arguments).
var macros = []string{
	// Any date, timestamp or date/time string as a TIMESTAMP; NULL when
	// invalid (MySQL returns NULL with a warning).
	`CREATE OR REPLACE MACRO mysql_ts(x) AS TRY_CAST(x AS TIMESTAMP)`,
	// a DIV b: truncates toward zero, NULL on a zero divisor. Computed in
	// DOUBLE, so exact up to 2^53.
	`CREATE OR REPLACE MACRO mysql_intdiv(a, b) AS CAST(trunc(a / NULLIF(b, 0)) AS BIGINT)`,
	// SUBSTRING: position 0 and negative lengths give '' in MySQL.
	`CREATE OR REPLACE MACRO mysql_substring(s, p, n) AS CASE WHEN s IS NULL OR p IS NULL OR n IS NULL THEN NULL WHEN p = 0 OR n <= 0 OR abs(p) > length(s) THEN '' ELSE substring(s, p, n) END`,
	// LEFT/RIGHT: a negative length gives '' in MySQL, not "all but".
	`CREATE OR REPLACE MACRO mysql_left(s, n) AS CASE WHEN s IS NULL OR n IS NULL THEN NULL WHEN n <= 0 THEN '' ELSE left(s, n) END`,
	`CREATE OR REPLACE MACRO mysql_right(s, n) AS CASE WHEN s IS NULL OR n IS NULL THEN NULL WHEN n <= 0 THEN '' ELSE right(s, n) END`,
	// LOCATE(sub, s, pos): 1-based position at or after pos, 0 if absent.
	`CREATE OR REPLACE MACRO mysql_locate(sub, s, pos) AS CASE WHEN sub IS NULL OR s IS NULL OR pos IS NULL THEN NULL WHEN pos < 1 OR pos > length(s) + 1 THEN 0 WHEN strpos(substring(s, pos), sub) = 0 THEN 0 ELSE strpos(substring(s, pos), sub) + pos - 1 END`,
	// SUBSTRING_INDEX(s, delim, n): before the n-th delimiter (n > 0) or
	// after the n-th from the end (n < 0).
	`CREATE OR REPLACE MACRO mysql_substring_index(s, d, n) AS CASE WHEN s IS NULL OR d IS NULL OR n IS NULL THEN NULL WHEN n = 0 OR d = '' THEN '' WHEN n > 0 THEN array_to_string(list_slice(string_split(s, d), 1, n), d) ELSE array_to_string(list_slice(string_split(s, d), n, -1), d) END`,
	// Logarithms and square roots: NULL outside the domain (DuckDB raises
	// an error or returns -inf). greatest() keeps a constant argument from
	// being folded into an error before CASE picks the branch.
	`CREATE OR REPLACE MACRO mysql_sqrt(x) AS CASE WHEN x >= 0 THEN sqrt(greatest(x, 0)) END`,
	`CREATE OR REPLACE MACRO mysql_ln(x) AS CASE WHEN x > 0 THEN ln(greatest(x, 1e-308)) END`,
	`CREATE OR REPLACE MACRO mysql_log10(x) AS CASE WHEN x > 0 THEN log10(greatest(x, 1e-308)) END`,
	`CREATE OR REPLACE MACRO mysql_log2(x) AS CASE WHEN x > 0 THEN log2(greatest(x, 1e-308)) END`,
	// MAKEDATE(year, dayofyear): NULL for a day below 1; two-digit years
	// as MySQL reads them (0-69: 2000s, 70-99: 1900s).
	`CREATE OR REPLACE MACRO mysql_makedate(y, d) AS CASE WHEN d >= 1 AND y >= 0 AND y <= 9999 THEN make_date(CAST(CASE WHEN y < 70 THEN y + 2000 WHEN y < 100 THEN y + 1900 ELSE y END AS BIGINT), 1, 1) + CAST(d - 1 AS INTEGER) END`,
	// WEEK(ts, 0), MySQL's default mode: weeks start on Sunday, week 1 is
	// the one with the year's first Sunday, the days before it are week 0.
	`CREATE OR REPLACE MACRO mysql_week0(ts) AS CAST(floor((dayofyear(ts) - 1 + (dayofweek(date_trunc('year', ts)) + 6) % 7 + 1) / 7) AS BIGINT)`,
	// YEARWEEK(ts, 0): the year and week of the week's Sunday, so the days
	// of week 0 belong to the previous year's last week.
	`CREATE OR REPLACE MACRO mysql_yearweek0(ts) AS year(CAST(ts AS DATE) - CAST(dayofweek(ts) AS INTEGER)) * 100 + mysql_week0(CAST(ts AS DATE) - CAST(dayofweek(ts) AS INTEGER))`,
	`CREATE OR REPLACE MACRO mysql_log(b, x) AS CASE WHEN x > 0 AND b > 0 AND b <> 1 THEN ln(greatest(x, 1e-308)) / ln(CASE WHEN b > 0 AND b <> 1 THEN b ELSE 2 END) END`,
}

// DuckDBMacros returns the CREATE MACRO statements the engine runs once at
// start-up, defining MySQL functions that are not one-liners in DuckDB
// (all named mysql_*). The statements are idempotent (CREATE OR REPLACE).
func DuckDBMacros() []string {
	return append([]string(nil), macros...)
}

// dateSpecs maps MySQL DATE_FORMAT specifiers to strftime ones. An empty
// value marks a specifier with no strftime equivalent.
var dateSpecs = map[byte]string{
	'a': "%a", 'b': "%b", 'c': "%-m", 'D': "", 'd': "%d", 'e': "%-d", 'f': "%f",
	'H': "%H", 'h': "%I", 'I': "%I", 'i': "%M", 'j': "%j", 'k': "%-H", 'l': "%-I",
	'M': "%B", 'm': "%m", 'p': "%p", 'r': "%I:%M:%S %p", 'S': "%S", 's': "%S",
	'T': "%H:%M:%S", 'U': "%U", 'u': "%W", 'V': "", 'v': "%V", 'W': "%A", 'w': "%w",
	'X': "", 'x': "%G", 'Y': "%Y", 'y': "%y", '%': "%%",
}

// clockSpecs are the specifiers of a time of day; the others are of a date.
const clockSpecs = "fHhIiklprSsT"

// convertDateFormat rewrites a MySQL format for strftime, or, with parse,
// for strptime (which reads unpadded numbers with the padded specifiers).
// MySQL prints an unknown specifier's letter as is.
func convertDateFormat(f string, parse bool) (string, error) {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		c := f[i]
		if c != '%' || i == len(f)-1 {
			if c == '%' {
				b.WriteString("%%")
			} else {
				b.WriteByte(c)
			}
			continue
		}
		i++
		spec, known := dateSpecs[f[i]]
		switch {
		case !known:
			if f[i] == '%' {
				b.WriteString("%%")
			} else {
				b.WriteByte(f[i])
			}
		case spec == "":
			return "", fmt.Errorf("the date format specifier %%%c", f[i])
		default:
			if parse {
				spec = strings.ReplaceAll(spec, "%-", "%")
			}
			b.WriteString(spec)
		}
	}
	return b.String(), nil
}

// formatParts tells whether a MySQL format reads a date and a time of day.
func formatParts(f string) (date, clock bool) {
	for i := 0; i+1 < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		if _, known := dateSpecs[f[i]]; !known || f[i] == '%' {
			continue
		}
		if strings.IndexByte(clockSpecs, f[i]) >= 0 {
			clock = true
		} else {
			date = true
		}
	}
	return date, clock
}
