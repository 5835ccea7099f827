package files

import (
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// sampleRows is how many data rows of a CSV or JSON-lines file are read to
// infer column types. A value after the sample that does not fit the
// inferred type makes the scan fail with an error naming the line, rather
// than silently becoming NULL: a wrong answer is worse than no answer.
const sampleRows = 10000

// kind is one of the column types the text formats can infer.
type kind uint8

const (
	kindString kind = iota
	kindInt
	kindFloat
	kindBool
	kindDate
	kindTimestamp
)

// timestampType is the type of inferred timestamps: microseconds, no time
// zone (the text carries none; values are read as UTC wall-clock time).
var timestampType = &arrow.TimestampType{Unit: arrow.Microsecond}

func (k kind) dataType() arrow.DataType {
	switch k {
	case kindInt:
		return arrow.PrimitiveTypes.Int64
	case kindFloat:
		return arrow.PrimitiveTypes.Float64
	case kindBool:
		return arrow.FixedWidthTypes.Boolean
	case kindDate:
		return arrow.FixedWidthTypes.Date32
	case kindTimestamp:
		return timestampType
	}
	return arrow.BinaryTypes.String
}

// textGuess narrows the type of one text column as values are observed.
// Every candidate starts possible; a value that does not parse rules its
// candidate out. The zero value is ready to use.
type textGuess struct {
	seen                                             bool
	notInt, notFloat, notBool, notDate, notTimestamp bool
}

// observe records one non-empty cell.
func (g *textGuess) observe(s string) {
	g.seen = true
	if !g.notInt {
		_, ok := parseInt(s)
		g.notInt = !ok
	}
	if !g.notFloat {
		_, ok := parseFloat(s)
		g.notFloat = !ok
	}
	if !g.notBool {
		_, ok := parseBool(s)
		g.notBool = !ok
	}
	g.observeTemporal(s)
}

// observeTemporal only tests the date and timestamp candidates: JSON
// strings may hold dates (JSON has no date type) but never numbers.
func (g *textGuess) observeTemporal(s string) {
	g.seen = true
	if !g.notDate {
		_, ok := parseDate(s)
		g.notDate = !ok
	}
	if !g.notTimestamp {
		_, ok := parseTimestamp(s)
		g.notTimestamp = !ok
	}
}

// kind returns the narrowest candidate left; a column never seen with a
// value is a string column, the type that accepts anything later.
func (g *textGuess) kind() kind {
	switch {
	case !g.seen:
		return kindString
	case !g.notInt:
		return kindInt
	case !g.notFloat:
		return kindFloat
	case !g.notBool:
		return kindBool
	case !g.notDate:
		return kindDate
	case !g.notTimestamp:
		return kindTimestamp
	}
	return kindString
}

// parseInt accepts an optional sign and decimal digits that fit int64. A
// multi-digit value with a leading zero ("007", a zip or account code) is
// not an integer: reading it as one would lose the zeros.
func parseInt(s string) (int64, bool) {
	digits := s
	if len(digits) > 0 && (digits[0] == '-' || digits[0] == '+') {
		digits = digits[1:]
	}
	if len(digits) == 0 || (len(digits) > 1 && digits[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	return v, err == nil
}

// parseFloat accepts plain decimal notation with an optional exponent.
// strconv.ParseFloat alone would also take "NaN", "inf" and hex floats,
// which would turn a column of words like "Nan" into numbers.
func parseFloat(s string) (float64, bool) {
	if !isDecimalText(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// isDecimalText reports whether s is [+-]digits[.digits][e[+-]digits] (one
// side of the point may be empty, not both), without a leading zero before
// further integer digits.
func isDecimalText(s string) bool {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intDigits := i - intStart
	if intDigits > 1 && s[intStart] == '0' {
		return false
	}
	fracDigits := 0
	if i < len(s) && s[i] == '.' {
		i++
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		fracDigits = i - start
	}
	if intDigits+fracDigits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			i++
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return false
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseBool accepts true and false in any letter case. 0 and 1 stay
// integers: a flag column written as 0/1 is read as int64.
func parseBool(s string) (bool, bool) {
	switch len(s) {
	case 4:
		if equalFoldASCII(s, "true") {
			return true, true
		}
	case 5:
		if equalFoldASCII(s, "false") {
			return false, true
		}
	}
	return false, false
}

func equalFoldASCII(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// parseDate accepts exactly YYYY-MM-DD and returns days since 1970-01-01.
func parseDate(s string) (arrow.Date32, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y, ok1 := atoiFixed(s[0:4])
	m, ok2 := atoiFixed(s[5:7])
	d, ok3 := atoiFixed(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > 31 {
		return 0, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d { // time.Date normalizes 2023-02-30 to March
		return 0, false
	}
	return arrow.Date32(t.Unix() / 86400), true
}

// parseTimestamp accepts YYYY-MM-DD HH:MM:SS[.f{1,6}] (a 'T' may replace
// the space) and returns microseconds since the epoch, read as UTC.
func parseTimestamp(s string) (arrow.Timestamp, bool) {
	if len(s) < 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	days, ok := parseDate(s[:10])
	if !ok {
		return 0, false
	}
	hh, ok1 := atoiFixed(s[11:13])
	mm, ok2 := atoiFixed(s[14:16])
	ss, ok3 := atoiFixed(s[17:19])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return 0, false
	}
	micros := 0
	if rest := s[19:]; rest != "" {
		frac := rest[1:]
		if rest[0] != '.' || len(frac) == 0 || len(frac) > 6 {
			return 0, false
		}
		v, ok := atoiFixed(frac)
		if !ok {
			return 0, false
		}
		for n := len(frac); n < 6; n++ {
			v *= 10
		}
		micros = v
	}
	secs := int64(days)*86400 + int64(hh)*3600 + int64(mm)*60 + int64(ss)
	return arrow.Timestamp(secs*1_000_000 + int64(micros)), true
}

// atoiFixed parses a short run of ASCII digits (no sign).
func atoiFixed(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}
