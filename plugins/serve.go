package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/tributary-sql/tributary/connectors"
	connectorv1 "github.com/tributary-sql/tributary/plugins/proto/connector/v1"
)

const (
	// chunkSize bounds the Arrow bytes of one ScanResponse. Large enough
	// that per-message gRPC overhead vanishes, small enough to stay far from
	// gRPC's 4 MiB default message limit and to keep memory per scan flat.
	chunkSize = 1 << 20
	// maxMessageSize lets unary messages (ListTables of a source with many
	// wide tables, a filter with a long IN list) exceed gRPC's 4 MiB default.
	maxMessageSize = 256 << 20
)

// Serve runs c as a plugin; it is what a plugin executable's main calls, and
// it returns only when the host tells the plugin to stop (then c is
// closed). Run by hand rather than by a host, it prints an explanation and
// exits with status 1.
//
// c must be safe for concurrent use: the host scans several tables at once.
// If c implements connectors.Configurer, it receives the source's options
// before any other call; JSON numbers arrive as int64 when integral, else
// float64. A panic in c fails the call that triggered it with an Internal
// error; the process keeps serving. slog's default logger is set to write
// to the host, which logs each record at its level.
func Serve(c connectors.Connector) {
	// go-plugin parses hclog-style JSON lines on the plugin's stderr; with
	// these keys a plugin's slog records reach the host's log with their
	// level and attributes. Stderr is captured now, before go-plugin
	// redirects os.Stderr.
	slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) > 0 {
				return a
			}
			switch a.Key {
			case slog.TimeKey:
				return slog.Attr{} // the host stamps its own time
			case slog.MessageKey:
				a.Key = "@message"
			case slog.LevelKey:
				a.Key, a.Value = "@level", slog.StringValue(strings.ToLower(a.Value.String()))
			}
			return a
		},
	})))
	defer func() {
		if err := c.Close(); err != nil {
			slog.Error("closing connector", "error", err)
		}
	}()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: Handshake,
		Plugins:         plugin.PluginSet{pluginName: &grpcPlugin{impl: &server{c: c}}},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, grpc.MaxRecvMsgSize(maxMessageSize))...)
		},
	})
}

// server implements the protocol over a Connector. gRPC runs each call on
// its own goroutine; every handler recovers its own panics.
type server struct {
	connectorv1.UnimplementedConnectorServer
	c connectors.Connector
}

// recoverCall turns a panic in the connector into an Internal error for
// the call, with the stack in the diagnostic's detail, so one bad request
// does not take down the process and every other scan with it.
func recoverCall(err *error) {
	if r := recover(); r != nil {
		*err = panicStatus(r)
	}
}

func panicStatus(r any) error {
	stack := string(debug.Stack())
	slog.Error("connector panic", "panic", fmt.Sprint(r), "stack", stack)
	return diagnosticStatus(codes.Internal, &connectorv1.Diagnostic{
		Kind:    connectorv1.Kind_KIND_INTERNAL,
		Summary: fmt.Sprintf("connector panic: %v", r),
		Detail:  stack,
	})
}

func (s *server) GetInfo(context.Context, *connectorv1.GetInfoRequest) (resp *connectorv1.GetInfoResponse, err error) {
	defer recoverCall(&err)
	name, version := fmt.Sprintf("%T", s.c), ""
	if d, ok := s.c.(Describer); ok {
		name, version = d.Describe()
	}
	dialect := ""
	if q, ok := s.c.(connectors.Querier); ok {
		dialect = q.Dialect()
	}
	return &connectorv1.GetInfoResponse{
		ProtocolVersion: ProtocolVersion,
		Name:            name,
		Version:         version,
		// The SDK itself projects and limits, and reports filters as not
		// exact unless the connector says otherwise: all three always hold.
		Capabilities: &connectorv1.Capabilities{Projection: true, Filters: true, Limit: true, QueryDialect: dialect},
	}, nil
}

// ExplainScan forwards to a connector that implements
// connectors.ScanExplainer; others answer Unimplemented.
func (s *server) ExplainScan(ctx context.Context, req *connectorv1.ScanRequest) (resp *connectorv1.ExplainScanResponse, err error) {
	defer recoverCall(&err)
	ex, ok := s.c.(connectors.ScanExplainer)
	if !ok {
		return nil, toStatus(fmt.Errorf("explain: %w", connectors.ErrUnsupported))
	}
	filters, err := filtersFromProto(req.GetFilters())
	if err != nil {
		return nil, toStatus(err)
	}
	text, err := ex.ExplainScan(ctx, connectors.ScanRequest{Table: req.GetTable(), Columns: req.GetColumns(), Filters: filters,
		Limit: req.GetLimit(), Split: int(req.GetSplit()), Splits: int(req.GetSplits())})
	if err != nil {
		return nil, toStatus(err)
	}
	return &connectorv1.ExplainScanResponse{Text: text}, nil
}

func (s *server) Configure(ctx context.Context, req *connectorv1.ConfigureRequest) (resp *connectorv1.ConfigureResponse, err error) {
	defer recoverCall(&err)
	opts, err := decodeOptions(req.GetOptionsJson())
	if err != nil {
		return nil, toStatus(err)
	}
	cfg, ok := s.c.(connectors.Configurer)
	if !ok {
		if len(opts) > 0 {
			return nil, toStatus(fmt.Errorf("connector %T takes no options: %w", s.c, connectors.ErrInvalidOptions))
		}
		return &connectorv1.ConfigureResponse{}, nil
	}
	if err := cfg.Configure(ctx, opts); err != nil {
		return nil, toStatus(err)
	}
	return &connectorv1.ConfigureResponse{}, nil
}

// decodeOptions decodes the options object. Integral numbers become int64
// (a port must not turn into 5432.0), others float64.
func decodeOptions(b []byte) (map[string]any, error) {
	opts := map[string]any{}
	if len(bytes.TrimSpace(b)) == 0 {
		return opts, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&opts); err != nil {
		return nil, fmt.Errorf("options are not a JSON object: %v: %w", err, connectors.ErrInvalidOptions)
	}
	for k, v := range opts {
		opts[k] = numbersToGo(v)
	}
	return opts, nil
}

func numbersToGo(v any) any {
	switch v := v.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i
		}
		f, _ := v.Float64()
		return f
	case map[string]any:
		for k, e := range v {
			v[k] = numbersToGo(e)
		}
	case []any:
		for i, e := range v {
			v[i] = numbersToGo(e)
		}
	}
	return v
}

func (s *server) ListTables(ctx context.Context, _ *connectorv1.ListTablesRequest) (resp *connectorv1.ListTablesResponse, err error) {
	defer recoverCall(&err)
	tables, err := s.c.Tables(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	resp = &connectorv1.ListTablesResponse{Tables: make([]*connectorv1.Table, 0, len(tables))}
	for _, t := range tables {
		if t.Schema == nil {
			return nil, toStatus(fmt.Errorf("table %q has no schema", t.Name))
		}
		b, err := encodeSchema(t.Schema)
		if err != nil {
			return nil, toStatus(fmt.Errorf("table %q: %w", t.Name, err))
		}
		pt := &connectorv1.Table{Name: t.Name, ArrowSchema: b, RowCount: t.RowCount, Splittable: t.Splittable}
		if t.Location != nil {
			pt.Location = &connectorv1.Location{Format: t.Location.Format, Path: t.Location.Path}
		}
		resp.Tables = append(resp.Tables, pt)
	}
	return resp, nil
}

// Scan streams one table. A producer goroutine pulls batches from the
// connector while this one encodes and sends, so a batch is read while the
// previous one is on the wire; batches are encoded as they come and never
// accumulate beyond one chunk. Cancelling the stream (the host released the
// reader, or its query was killed) cancels the connector's context. A
// connector reader that ignores its context keeps this handler until its
// Next returns.
func (s *server) Scan(req *connectorv1.ScanRequest, stream connectorv1.Connector_ScanServer) (err error) {
	defer recoverCall(&err)
	ctx, cancel := context.WithCancel(stream.Context())
	defer cancel()

	scan, filters, err := s.open(ctx, req)
	if err != nil {
		return toStatus(err)
	}
	if scan == nil || scan.Reader == nil {
		return toStatus(errors.New("connector returned no reader"))
	}
	rdr := scan.Reader
	shape, err := newShaper(rdr.Schema(), req.GetColumns(), req.GetLimit())
	if err != nil {
		rdr.Release()
		return toStatus(err)
	}
	schema, err := encodeSchema(shape.schema)
	if err != nil {
		rdr.Release()
		return toStatus(err)
	}
	exact := make([]bool, len(filters)) // nil or short Exact: not exact
	copy(exact, scan.Exact)

	batches := make(chan arrow.RecordBatch, 1)
	var readErr error // set before batches is closed
	go func() {
		defer close(batches)
		defer func() {
			if r := recover(); r != nil {
				readErr = panicStatus(r)
			}
		}()
		for rdr.Next() {
			rec := rdr.RecordBatch()
			rec.Retain()
			select {
			case batches <- rec:
			case <-ctx.Done():
				rec.Release()
				return
			}
		}
		readErr = rdr.Err()
	}()
	// Stop the producer and wait for it before releasing the reader it
	// uses; the connector's reader is not safe for concurrent use.
	defer func() {
		cancel()
		for rec := range batches {
			rec.Release()
		}
		rdr.Release()
	}()

	out := &chunkSender{stream: stream, first: &connectorv1.ScanResponse{Exact: exact, ArrowSchema: schema}}
	w := ipc.NewWriter(out, ipc.WithSchema(shape.schema))
	defer w.Close() // after a failure, releases the writer's dictionaries

	limitReached := false
	for !limitReached {
		var rec arrow.RecordBatch
		var ok bool
		select {
		case rec, ok = <-batches:
		default:
			// Nothing ready: send what is buffered now, so a slow source's
			// rows (and the first message, with the schema) are not held
			// back waiting for a full chunk. Under load this never fires
			// and chunks stay full.
			if err := out.flush(); err != nil {
				return err
			}
			select {
			case rec, ok = <-batches:
			case <-ctx.Done():
				return toStatus(ctx.Err())
			}
		}
		if !ok {
			if readErr != nil {
				return toStatus(readErr)
			}
			if err := ctx.Err(); err != nil {
				return toStatus(err)
			}
			break
		}
		var shaped arrow.RecordBatch
		shaped, limitReached = shape.apply(rec)
		rec.Release()
		if shaped != nil {
			err := w.Write(shaped)
			shaped.Release()
			if err != nil {
				return sendError(ctx, err)
			}
		}
	}
	if err := w.Close(); err != nil {
		return sendError(ctx, err)
	}
	if err := out.flush(); err != nil {
		return sendError(ctx, err)
	}
	return nil
}

// open starts the connector's scan, or its query when req carries one.
func (s *server) open(ctx context.Context, req *connectorv1.ScanRequest) (*connectors.Scan, []connectors.Filter, error) {
	if q := req.GetQuery(); q != nil {
		qr, ok := s.c.(connectors.Querier)
		if !ok || qr.Dialect() == "" {
			return nil, nil, fmt.Errorf("this connector does not run queries: %w", connectors.ErrUnsupported)
		}
		args, err := valuesFromProto(q.GetArgs())
		if err != nil {
			return nil, nil, err
		}
		schema, err := decodeSchema(q.GetArrowSchema())
		if err != nil {
			return nil, nil, err
		}
		scan, err := qr.Query(ctx, connectors.QueryRequest{SQL: q.GetSql(), Args: args, Schema: schema})
		return scan, nil, err
	}
	filters, err := filtersFromProto(req.GetFilters())
	if err != nil {
		return nil, nil, err
	}
	scan, err := s.c.Scan(ctx, connectors.ScanRequest{
		Table:   req.GetTable(),
		Columns: req.GetColumns(),
		Filters: filters,
		Limit:   req.GetLimit(),
		Split:   int(req.GetSplit()),
		Splits:  int(req.GetSplits()),
	})
	return scan, filters, err
}

// sendError reports a failure to write to the stream; when the host went
// away, the cancellation is the cause worth reporting.
func sendError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return toStatus(ctx.Err())
	}
	return toStatus(err)
}

// chunkSender is the io.Writer under the IPC writer: it cuts the stream
// into ScanResponse messages of at most chunkSize bytes. The first message
// also carries the scan's header (schema, exact flags). Not safe for
// concurrent use.
type chunkSender struct {
	stream connectorv1.Connector_ScanServer
	buf    []byte
	first  *connectorv1.ScanResponse // nil once sent
}

func (c *chunkSender) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if c.buf == nil {
			c.buf = make([]byte, 0, chunkSize)
		}
		k := min(chunkSize-len(c.buf), len(p))
		c.buf = append(c.buf, p[:k]...)
		p = p[k:]
		if len(c.buf) == chunkSize {
			if err := c.flush(); err != nil {
				return 0, err
			}
		}
	}
	return n, nil
}

// flush sends the buffered bytes, if any (or the header, if not yet sent).
// gRPC serializes the message before Send returns, so the buffer is reused.
func (c *chunkSender) flush() error {
	if len(c.buf) == 0 && c.first == nil {
		return nil
	}
	msg := c.first
	if msg == nil {
		msg = &connectorv1.ScanResponse{}
	}
	c.first = nil
	msg.ArrowIpc = c.buf
	err := c.stream.Send(msg)
	c.buf = c.buf[:0]
	return err
}
