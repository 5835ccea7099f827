package files

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// maxJSONLine bounds one JSON line, so that a file that is not JSON lines
// (one huge document) fails clearly instead of exhausting memory.
const maxJSONLine = 64 << 20

// lineScanner yields the non-blank lines of a JSON-lines file with their
// 1-based line numbers.
type lineScanner struct {
	sc   *bufio.Scanner
	line int
}

func newLineScanner(r io.Reader) *lineScanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), maxJSONLine)
	return &lineScanner{sc: sc}
}

// next returns the next non-blank line, valid until the following call,
// or io.EOF.
func (l *lineScanner) next() ([]byte, error) {
	for l.sc.Scan() {
		l.line++
		if b := bytes.TrimSpace(l.sc.Bytes()); len(b) > 0 {
			return b, nil
		}
	}
	if err := l.sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", l.line+1, err)
	}
	return nil, io.EOF
}

// jsonGuess narrows the type of one JSON key as values are observed.
type jsonGuess struct {
	strings, numbers, bools, nested bool
	fractional                      bool      // a number had a point or exponent, or overflowed int64
	text                            textGuess // date/timestamp candidates of string values
}

func (g *jsonGuess) observe(raw json.RawMessage) error {
	switch raw[0] {
	case 'n':
		return nil
	case 't', 'f':
		g.bools = true
	case '{', '[':
		g.nested = true
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return err
		}
		g.strings = true
		g.text.observeTemporal(s)
	default:
		g.numbers = true
		if _, ok := parseInt(string(raw)); !ok {
			g.fractional = true
		}
	}
	return nil
}

// kind: one JSON type throughout gives its kind; a mix (or nested values)
// is a string column holding each value's JSON text.
func (g *jsonGuess) kind() kind {
	n := 0
	for _, b := range []bool{g.strings, g.numbers, g.bools, g.nested} {
		if b {
			n++
		}
	}
	switch {
	case n != 1 || g.nested:
		return kindString
	case g.numbers && g.fractional:
		return kindFloat
	case g.numbers:
		return kindInt
	case g.bools:
		return kindBool
	}
	switch { // strings: only the temporal candidates were tested
	case !g.text.notDate:
		return kindDate
	case !g.text.notTimestamp:
		return kindTimestamp
	}
	return kindString
}

// jsonInfo infers the schema from the keys of the first sampleRows
// objects, in first-seen order.
func jsonInfo(file *os.File) (tableInfo, error) {
	ls := newLineScanner(file)
	var (
		names   []string
		index   = map[string]int{}
		guesses []jsonGuess
	)
	rows := int64(0)
	for ; rows < sampleRows; rows++ {
		line, err := ls.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return tableInfo{}, err
		}
		err = eachMember(line, func(key string, raw json.RawMessage) error {
			i, ok := index[key]
			if !ok {
				i = len(names)
				index[key] = i
				names = append(names, key)
				guesses = append(guesses, jsonGuess{})
			}
			return guesses[i].observe(raw)
		})
		if err != nil {
			return tableInfo{}, fmt.Errorf("line %d: %w", ls.line, err)
		}
	}
	if len(names) == 0 {
		return tableInfo{}, errors.New("no JSON object with a key in the file: nothing to make columns of")
	}
	fields := make([]arrow.Field, len(names))
	for i, name := range names {
		fields[i] = arrow.Field{Name: name, Type: guesses[i].kind().dataType(), Nullable: true}
	}
	info := tableInfo{schema: arrow.NewSchema(fields, nil), rows: -1}
	if rows < sampleRows {
		info.rows = rows
	}
	return info, nil
}

// eachMember calls fn for each key of the JSON object in line, in order.
func eachMember(line []byte, fn func(key string, raw json.RawMessage) error) error {
	dec := json.NewDecoder(bytes.NewReader(line))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("not a JSON object (JSON lines hold one object per line)")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		if err := fn(tok.(string), raw); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("text after the JSON object")
	}
	return nil
}

// jsonSource decodes the requested keys of a JSON-lines file, one batch
// of batchRows objects at a time.
type jsonSource struct {
	file      *os.File
	ls        *lineScanner
	names     []string
	bld       *array.RecordBuilder
	appenders []jsonAppender
	batchRows int
	obj       map[string]json.RawMessage
}

func newJSONSource(file *os.File, cols []int, out *arrow.Schema, batchRows int, mem memory.Allocator) (*jsonSource, error) {
	s := &jsonSource{file: file, ls: newLineScanner(file), bld: array.NewRecordBuilder(mem, out), batchRows: batchRows}
	for i := range cols {
		s.names = append(s.names, out.Field(i).Name)
		s.appenders = append(s.appenders, newJSONAppender(s.bld.Field(i)))
	}
	return s, nil
}

func (s *jsonSource) next() (arrow.RecordBatch, error) {
	n := 0
	for ; n < s.batchRows; n++ {
		line, err := s.ls.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("files: %s: %w", s.file.Name(), err)
		}
		clear(s.obj) // keys absent from this line must read as NULL
		if err := json.Unmarshal(line, &s.obj); err != nil {
			return nil, fmt.Errorf("files: %s line %d: %w", s.file.Name(), s.ls.line, err)
		}
		for j, name := range s.names {
			if err := s.appenders[j](s.obj[name]); err != nil {
				return nil, fmt.Errorf("files: %s line %d key %q: %w", s.file.Name(), s.ls.line, name, err)
			}
		}
	}
	if n == 0 {
		return nil, io.EOF
	}
	return s.bld.NewRecordBatch(), nil
}

func (s *jsonSource) close() error {
	s.bld.Release()
	return s.file.Close()
}

// jsonAppender appends one JSON value; nil (key absent) and null are NULL.
type jsonAppender func(raw json.RawMessage) error

func newJSONAppender(b array.Builder) jsonAppender {
	switch b := b.(type) {
	case *array.Int64Builder:
		return jsonNumber(b, parseInt)
	case *array.Float64Builder:
		return jsonNumber(b, parseFloat)
	case *array.BooleanBuilder:
		return jsonNumber(b, func(s string) (bool, bool) {
			if s == "true" || s == "false" {
				return s == "true", true
			}
			return false, false
		})
	case *array.Date32Builder:
		return jsonString(b, parseDate)
	case *array.TimestampBuilder:
		return jsonString(b, parseTimestamp)
	case *array.StringBuilder:
		return func(raw json.RawMessage) error {
			if isNull(raw) {
				b.AppendNull()
				return nil
			}
			s, err := jsonText(raw)
			if err != nil {
				return err
			}
			b.Append(s)
			return nil
		}
	}
	panic(fmt.Sprintf("files: no JSON decoder for %s", b.Type())) // jsonGuess never infers it
}

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || raw[0] == 'n' }

// jsonNumber decodes a bare (unquoted) JSON token: a number or a boolean.
func jsonNumber[T any](b appender[T], parse func(string) (T, bool)) jsonAppender {
	return func(raw json.RawMessage) error {
		if isNull(raw) {
			b.AppendNull()
			return nil
		}
		v, ok := parse(string(raw))
		if !ok {
			return mismatch(string(raw), b.Type())
		}
		b.Append(v)
		return nil
	}
}

// jsonString decodes a JSON string holding a date or timestamp.
func jsonString[T any](b appender[T], parse func(string) (T, bool)) jsonAppender {
	return func(raw json.RawMessage) error {
		if isNull(raw) {
			b.AppendNull()
			return nil
		}
		var s string
		if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			return mismatch(string(raw), b.Type())
		}
		v, ok := parse(s)
		if !ok {
			return mismatch(s, b.Type())
		}
		b.Append(v)
		return nil
	}
}

// jsonText is the text a string column holds for a value: a string's
// content, or the compact JSON text of anything else.
func jsonText(raw json.RawMessage) (string, error) {
	switch raw[0] {
	case '"':
		if bytes.IndexByte(raw, '\\') < 0 {
			return string(raw[1 : len(raw)-1]), nil // no escapes: skip the decoder
		}
		var s string
		err := json.Unmarshal(raw, &s)
		return s, err
	case '{', '[':
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	return string(raw), nil
}
