package plugins

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"

	"github.com/tributary-sql/tributary/connectors"
)

// encodeSchema serializes a schema as an IPC stream holding only the schema
// message, the encoding Arrow Flight uses, so any Arrow implementation can
// read it.
func encodeSchema(s *arrow.Schema) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s))
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("encoding arrow schema: %w", err)
	}
	return buf.Bytes(), nil
}

func decodeSchema(b []byte) (*arrow.Schema, error) {
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decoding arrow schema: %w", err)
	}
	defer r.Release()
	return r.Schema(), nil
}

// shaper applies a projection and a row limit to a stream of batches. The
// SDK uses it so a connector may ignore Columns and Limit; the host uses it
// again so a plugin without those capabilities (or with a bug) still yields
// exactly what was asked. When the input already has the right columns and
// fewer rows than the limit it costs a Retain per batch. Not safe for
// concurrent use.
type shaper struct {
	schema    *arrow.Schema // output schema
	indices   []int         // input column of each output column; nil: all
	remaining int64         // rows still allowed; negative: no limit
}

// newShaper plans the projection of in onto columns (empty: all). A missing
// column is an ErrColumnNotFound error.
func newShaper(in *arrow.Schema, columns []string, limit int64) (*shaper, error) {
	s := &shaper{schema: in, remaining: -1}
	if limit > 0 {
		s.remaining = limit
	}
	if len(columns) == 0 || sameNames(in, columns) {
		return s, nil
	}
	fields := make([]arrow.Field, len(columns))
	s.indices = make([]int, len(columns))
	for i, name := range columns {
		idx := in.FieldIndices(name)
		if len(idx) == 0 {
			return nil, fmt.Errorf("column %q: %w", name, connectors.ErrColumnNotFound)
		}
		s.indices[i] = idx[0]
		fields[i] = in.Field(idx[0])
	}
	md := in.Metadata()
	s.schema = arrow.NewSchema(fields, &md)
	return s, nil
}

func sameNames(s *arrow.Schema, columns []string) bool {
	if s.NumFields() != len(columns) {
		return false
	}
	for i, c := range columns {
		if s.Field(i).Name != c {
			return false
		}
	}
	return true
}

// apply returns the shaped batch, which the caller must release (rec is not
// consumed), and whether the limit is now reached, so the caller stops
// reading. It returns nil when nothing remains to emit.
func (s *shaper) apply(rec arrow.RecordBatch) (out arrow.RecordBatch, done bool) {
	if s.remaining == 0 {
		return nil, true
	}
	if s.indices == nil {
		out = rec
		out.Retain()
	} else {
		cols := make([]arrow.Array, len(s.indices))
		for i, idx := range s.indices {
			cols[i] = rec.Column(idx)
		}
		out = array.NewRecordBatch(s.schema, cols, rec.NumRows())
	}
	if s.remaining > 0 {
		if n := out.NumRows(); n >= s.remaining {
			if n > s.remaining {
				sliced := out.NewSlice(0, s.remaining)
				out.Release()
				out = sliced
			}
			s.remaining = 0
			return out, true
		}
		s.remaining -= out.NumRows()
	}
	return out, false
}
