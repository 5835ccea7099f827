package files

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The CSV reader is encoding/csv plus our own cell parsers rather than
// arrow/csv: inference and decoding must accept exactly the same text (a
// column inferred as date must decode as date), and only the requested
// columns are parsed.

func newCSVReader(r io.Reader) *csv.Reader {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.ReuseRecord = true
	return cr
}

// csvHeader reads the header row and returns unique, non-empty column
// names: an empty name becomes column<N>, a repeated one gets a _<N>
// suffix, so that every column can be addressed.
func csvHeader(cr *csv.Reader) ([]string, error) {
	rec, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty CSV file: a header row is required")
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	names := make([]string, len(rec))
	seen := map[string]bool{}
	for i, name := range rec {
		if i == 0 {
			name = strings.TrimPrefix(name, "\ufeff") // byte-order mark
		}
		name = strings.TrimSpace(name)
		if name == "" {
			name = "column" + strconv.Itoa(i+1)
		}
		base := name
		for n := 2; seen[strings.ToLower(name)]; n++ {
			name = base + "_" + strconv.Itoa(n)
		}
		seen[strings.ToLower(name)] = true
		names[i] = name
	}
	return names, nil
}

// csvInfo infers the schema from the header and the first sampleRows rows.
// When the sample reaches the end of the file the row count is exact.
func csvInfo(file *os.File) (tableInfo, error) {
	cr := newCSVReader(file)
	names, err := csvHeader(cr)
	if err != nil {
		return tableInfo{}, err
	}
	guesses := make([]textGuess, len(names))
	rows := int64(0)
	for ; rows < sampleRows; rows++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return tableInfo{schema: textSchema(names, guesses), rows: rows}, nil
		}
		if err != nil {
			return tableInfo{}, err
		}
		for i, cell := range rec {
			if cell != "" {
				guesses[i].observe(cell)
			}
		}
	}
	return tableInfo{schema: textSchema(names, guesses), rows: -1}, nil
}

func textSchema(names []string, guesses []textGuess) *arrow.Schema {
	fields := make([]arrow.Field, len(names))
	for i, name := range names {
		fields[i] = arrow.Field{Name: name, Type: guesses[i].kind().dataType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// csvSource decodes the requested columns of a CSV file, one batch of
// batchRows rows at a time.
type csvSource struct {
	file      *os.File
	cr        *csv.Reader
	cols      []int // file column of each output column
	names     []string
	bld       *array.RecordBuilder
	appenders []textAppender
	batchRows int
}

func newCSVSource(file *os.File, schema *arrow.Schema, cols []int, out *arrow.Schema, batchRows int, mem memory.Allocator) (*csvSource, error) {
	cr := newCSVReader(file)
	header, err := csvHeader(cr)
	if err != nil {
		return nil, err
	}
	if len(header) != schema.NumFields() {
		return nil, fmt.Errorf("files: %s changed while being opened", file.Name())
	}
	cr.FieldsPerRecord = len(header) // a ragged row is an error with its line
	s := &csvSource{file: file, cr: cr, cols: cols, bld: array.NewRecordBuilder(mem, out), batchRows: batchRows}
	for i := range cols {
		s.names = append(s.names, out.Field(i).Name)
		s.appenders = append(s.appenders, newTextAppender(s.bld.Field(i)))
	}
	return s, nil
}

func (s *csvSource) next() (arrow.RecordBatch, error) {
	n := 0
	for ; n < s.batchRows; n++ {
		rec, err := s.cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("files: %s: %w", s.file.Name(), err)
		}
		for j, col := range s.cols {
			if err := s.appenders[j](rec[col]); err != nil {
				line, _ := s.cr.FieldPos(col)
				return nil, fmt.Errorf("files: %s line %d column %q: %w", s.file.Name(), line, s.names[j], err)
			}
		}
	}
	if n == 0 {
		return nil, io.EOF
	}
	return s.bld.NewRecordBatch(), nil
}

func (s *csvSource) close() error {
	s.bld.Release()
	return s.file.Close()
}

// textAppender appends one cell to a builder; an empty cell is NULL.
type textAppender func(cell string) error

// newTextAppender returns the appender for a builder of one of the kinds
// textGuess infers.
func newTextAppender(b array.Builder) textAppender {
	switch b := b.(type) {
	case *array.Int64Builder:
		return textCell(b, parseInt)
	case *array.Float64Builder:
		return textCell(b, parseFloat)
	case *array.BooleanBuilder:
		return textCell(b, parseBool)
	case *array.Date32Builder:
		return textCell(b, parseDate)
	case *array.TimestampBuilder:
		return textCell(b, parseTimestamp)
	case *array.StringBuilder:
		return func(cell string) error {
			if cell == "" {
				b.AppendNull()
			} else {
				b.Append(cell)
			}
			return nil
		}
	}
	panic(fmt.Sprintf("files: no text decoder for %s", b.Type())) // textGuess never infers it
}

// appender is the part of a typed builder textCell needs.
type appender[T any] interface {
	Append(T)
	AppendNull()
	Type() arrow.DataType
}

func textCell[T any](b appender[T], parse func(string) (T, bool)) textAppender {
	return func(cell string) error {
		if cell == "" {
			b.AppendNull()
			return nil
		}
		v, ok := parse(cell)
		if !ok {
			return mismatch(cell, b.Type())
		}
		b.Append(v)
		return nil
	}
}

func mismatch(text string, dt arrow.DataType) error {
	if len(text) > 40 {
		text = text[:40] + "…"
	}
	return fmt.Errorf("%q is not a valid %s (the type was inferred from the first %d rows)", text, dt, sampleRows)
}
