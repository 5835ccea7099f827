package plugins

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/tributary-sql/tributary/connectors"
	connectorv1 "github.com/tributary-sql/tributary/plugins/proto/connector/v1"
)

// Launch says how to run one source's plugin.
type Launch struct {
	// Source is the source's name, used in every error and log record.
	Source string
	// Command is the argv of the plugin executable.
	Command []string
	// Options are sent to the plugin (as JSON) once per process start.
	Options map[string]any
	// Logger receives go-plugin's records and the plugin's own log, stdout
	// and stderr. Nil means slog.Default().
	Logger *slog.Logger
}

// Source is the host side of one plugin: a connectors.Connector whose calls
// go to a plugin process.
//
// The process starts on first use, not in NewSource. Each start checks the
// protocol version and sends Configure with Launch.Options. When the
// process has died, the calls in flight fail with errors wrapping
// connectors.ErrUnavailable ("source "x": plugin process exited: …") and the
// next call starts a fresh process. Every error names the source.
//
// A Source is safe for concurrent use; concurrent callers share one process,
// and when many notice its death at once it is restarted once.
type Source struct {
	launch Launch
	log    *slog.Logger

	mu     sync.Mutex // guards proc and closed; held while (re)starting
	proc   *process
	closed bool
}

var _ connectors.Connector = (*Source)(nil)

// process is one run of the plugin executable.
type process struct {
	client *plugin.Client
	rpc    connectorv1.ConnectorClient
	info   Info
	pid    int
	// broken is set when a call saw the connection fail before go-plugin
	// noticed the exit, so the next call restarts instead of failing again.
	broken atomic.Bool
}

func (p *process) usable() bool { return !p.broken.Load() && !p.client.Exited() }

// NewSource returns a Source for l. It has no side effects: nothing runs
// until the first call.
func NewSource(l Launch) *Source {
	lg := l.Logger
	if lg == nil {
		lg = slog.Default()
	}
	return &Source{launch: l, log: lg.With("source", l.Source)}
}

// errClosed is returned after Close.
var errClosed = fmt.Errorf("closed: %w", connectors.ErrUnavailable)

// get returns the running process, starting one if there is none or the
// last one died. Holding mu while starting is what makes a restart happen
// once: callers arriving meanwhile wait and then find the new process.
func (s *Source) get(ctx context.Context) (*process, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, s.errorf("%w", errClosed)
	}
	if p := s.proc; p != nil {
		if p.usable() {
			return p, nil
		}
		s.log.Warn("plugin process died; restarting", "pid", p.pid)
		p.client.Kill()
		s.proc = nil
	}
	p, err := s.start(ctx)
	if err != nil {
		return nil, err
	}
	s.proc = p
	return p, nil
}

func (s *Source) errorf(format string, args ...any) error {
	return fmt.Errorf("source %q: "+format, append([]any{s.launch.Source}, args...)...)
}

func (s *Source) start(ctx context.Context) (*process, error) {
	argv := s.launch.Command
	if len(argv) == 0 {
		return nil, s.errorf("no plugin command: %w", connectors.ErrInvalidOptions)
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  Handshake,
		Plugins:          plugin.PluginSet{pluginName: &grpcPlugin{}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           newHCLogger(s.log),
		SyncStdout:       &lineLogger{l: s.log, level: slog.LevelInfo, attrs: []any{"stream", "stdout"}},
		SyncStderr:       &lineLogger{l: s.log, level: slog.LevelWarn, attrs: []any{"stream", "stderr"}},
		GRPCDialOptions: []grpc.DialOption{
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageSize), grpc.MaxCallSendMsgSize(maxMessageSize)),
			grpc.WithInitialWindowSize(16 << 20), grpc.WithInitialConnWindowSize(16 << 20),
		},
	})
	fail := func(err error) (*process, error) {
		client.Kill()
		return nil, err
	}
	cp, err := client.Client()
	if err != nil {
		return fail(s.errorf("starting plugin %s: %v: %w", argv[0], err, connectors.ErrUnavailable))
	}
	raw, err := cp.Dispense(pluginName)
	if err != nil {
		return fail(s.errorf("starting plugin %s: %v: %w", argv[0], err, connectors.ErrUnavailable))
	}
	p := &process{client: client, rpc: raw.(connectorv1.ConnectorClient)}
	p.pid, _ = strconv.Atoi(client.ID())

	info, err := p.rpc.GetInfo(ctx, &connectorv1.GetInfoRequest{})
	if err != nil {
		return fail(s.callError(ctx, p, err))
	}
	if info.GetProtocolVersion() != ProtocolVersion {
		return fail(s.errorf("plugin %s speaks protocol version %d, this host speaks %d: %w",
			argv[0], info.GetProtocolVersion(), ProtocolVersion, connectors.ErrUnavailable))
	}
	caps := info.GetCapabilities()
	p.info = Info{
		ProtocolVersion: int(info.GetProtocolVersion()),
		Name:            info.GetName(),
		Version:         info.GetVersion(),
		Capabilities: Capabilities{Projection: caps.GetProjection(), Filters: caps.GetFilters(), Limit: caps.GetLimit(),
			QueryDialect: caps.GetQueryDialect()},
	}
	opts, err := json.Marshal(s.launch.Options)
	if err != nil {
		return fail(s.errorf("encoding options: %v: %w", err, connectors.ErrInvalidOptions))
	}
	if _, err := p.rpc.Configure(ctx, &connectorv1.ConfigureRequest{OptionsJson: opts}); err != nil {
		return fail(s.callError(ctx, p, err))
	}
	s.log.Info("plugin started", "pid", p.pid, "connector", p.info.Name, "version", p.info.Version)
	return p, nil
}

// callError turns the error of an RPC on p into the error a caller sees.
// Errors the plugin reported carry a Diagnostic and map to their sentinel;
// anything else while the caller's ctx is alive is a broken process or
// connection, which marks p for restart.
func (s *Source) callError(ctx context.Context, p *process, err error) error {
	if ctx.Err() != nil {
		return s.errorf("%w", ctx.Err())
	}
	st, diag := diagnosticOf(err)
	if diag != nil {
		if diag.Kind == connectorv1.Kind_KIND_INTERNAL && diag.Detail != "" {
			s.log.Error("plugin internal error", "error", diag.Summary, "detail", diag.Detail)
		}
		return fromStatus(s.launch.Source, err)
	}
	transport := st == nil || st.Code() == codes.Unavailable || st.Code() == codes.Canceled
	if !transport && !p.client.Exited() {
		return fromStatus(s.launch.Source, err)
	}
	msg := err.Error()
	if st != nil {
		msg = st.Message()
	}
	p.broken.Store(true)
	// The connection usually breaks a moment before go-plugin reaps the
	// process; wait briefly so the error says which happened.
	for deadline := time.Now().Add(500 * time.Millisecond); !p.client.Exited() && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if p.client.Exited() {
		s.log.Error("plugin process exited", "pid", p.pid, "error", msg)
		return s.errorf("plugin process exited: %w (pid %d: %s)", connectors.ErrUnavailable, p.pid, msg)
	}
	s.log.Error("plugin connection lost", "pid", p.pid, "error", msg)
	return s.errorf("plugin connection lost: %w (pid %d: %s)", connectors.ErrUnavailable, p.pid, msg)
}

// Info starts the plugin if needed and returns what it reported about
// itself.
func (s *Source) Info(ctx context.Context) (Info, error) {
	p, err := s.get(ctx)
	if err != nil {
		return Info{}, err
	}
	return p.info, nil
}

// PID returns the process id of the running plugin, or 0 when none runs.
// For operations and tests.
func (s *Source) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil || s.proc.client.Exited() {
		return 0
	}
	return s.proc.pid
}

// Tables lists the source's tables.
func (s *Source) Tables(ctx context.Context) ([]connectors.Table, error) {
	p, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := p.rpc.ListTables(ctx, &connectorv1.ListTablesRequest{})
	if err != nil {
		return nil, s.callError(ctx, p, err)
	}
	tables := make([]connectors.Table, 0, len(resp.GetTables()))
	for _, t := range resp.GetTables() {
		schema, err := decodeSchema(t.GetArrowSchema())
		if err != nil {
			return nil, s.errorf("table %q: %w", t.GetName(), err)
		}
		table := connectors.Table{Name: t.GetName(), Schema: schema, RowCount: t.GetRowCount(), Splittable: t.GetSplittable()}
		if loc := t.GetLocation(); loc != nil {
			table.Location = &connectors.Location{Format: loc.GetFormat(), Path: loc.GetPath()}
		}
		tables = append(tables, table)
	}
	return tables, nil
}

// ExplainScan asks the plugin what it would run for req. A plugin whose
// connector cannot say answers an error wrapping connectors.ErrUnsupported.
func (s *Source) ExplainScan(ctx context.Context, req connectors.ScanRequest) (string, error) {
	p, err := s.get(ctx)
	if err != nil {
		return "", err
	}
	filters, err := filtersToProto(req.Filters)
	if err != nil {
		return "", s.errorf("table %q: %w", req.Table, err)
	}
	resp, err := p.rpc.ExplainScan(ctx, &connectorv1.ScanRequest{Table: req.Table, Columns: req.Columns, Filters: filters, Limit: req.Limit,
		Split: int32(req.Split), Splits: int32(req.Splits)})
	if err != nil {
		return "", s.callError(ctx, p, err)
	}
	return resp.GetText(), nil
}

var _ connectors.ScanExplainer = (*Source)(nil)

// Scan starts a scan in the plugin. It returns once the plugin has accepted
// the request (so an unknown table or column is an error here, not in the
// reader) and the schema is known. The reader decodes batches as chunks
// arrive; its Err wraps connectors.ErrUnavailable if the process dies
// mid-scan. Releasing the reader, or cancelling ctx, cancels the scan in the
// plugin. Projection and limit are re-applied here, so the result is exactly
// what req asks even from a plugin lacking those capabilities; filters go to
// a plugin only if it has the filters capability (else Exact is nil).
func (s *Source) Scan(ctx context.Context, req connectors.ScanRequest) (*connectors.Scan, error) {
	p, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	caps := p.info.Capabilities
	preq := &connectorv1.ScanRequest{Table: req.Table, Split: int32(req.Split), Splits: int32(req.Splits)}
	if caps.Projection {
		preq.Columns = req.Columns
	}
	if caps.Limit && req.Limit > 0 {
		preq.Limit = req.Limit
	}
	if caps.Filters {
		if preq.Filters, err = filtersToProto(req.Filters); err != nil {
			return nil, s.errorf("table %q: %w", req.Table, err)
		}
	}

	r, first, err := s.stream(ctx, p, preq, fmt.Sprintf("table %q", req.Table), req.Columns, req.Limit)
	if err != nil {
		return nil, err
	}
	var exact []bool
	if caps.Filters && len(req.Filters) > 0 {
		exact = make([]bool, len(req.Filters))
		copy(exact, first.GetExact())
	}
	return &connectors.Scan{Reader: r, Exact: exact}, nil
}

// stream sends preq and returns the reader of its response stream (and
// the stream's first message, which holds the schema and Exact), shaped
// to columns and limit; what names the scan in errors.
func (s *Source) stream(ctx context.Context, p *process, preq *connectorv1.ScanRequest, what string, columns []string, limit int64) (*streamReader, *connectorv1.ScanResponse, error) {
	sctx, cancel := context.WithCancel(ctx)
	stream, err := p.rpc.Scan(sctx, preq)
	if err != nil {
		cancel()
		return nil, nil, s.callError(ctx, p, err)
	}
	first, err := stream.Recv()
	if err != nil {
		cancel()
		if errors.Is(err, io.EOF) {
			return nil, nil, s.errorf("%s: plugin ended the scan without a header", what)
		}
		return nil, nil, s.callError(ctx, p, err)
	}
	schema, err := decodeSchema(first.GetArrowSchema())
	if err != nil {
		cancel()
		return nil, nil, s.errorf("%s: %w", what, err)
	}
	shape, err := newShaper(schema, columns, limit)
	if err != nil {
		cancel()
		return nil, nil, s.errorf("%s: plugin returned the wrong columns: %w", what, err)
	}
	chunks := &chunkReader{ctx: ctx, source: s, proc: p, stream: stream, pending: first.GetArrowIpc()}
	ipcr, err := ipc.NewReader(chunks, ipc.WithDelayReadSchema(true))
	if err != nil {
		cancel()
		return nil, nil, s.errorf("%s: %w", what, err)
	}
	r := &streamReader{source: s, table: preq.GetTable(), cancel: cancel, chunks: chunks, ipc: ipcr, shape: shape, wantSchema: schema}
	r.refs.Store(1)
	return r, first, nil
}

// Dialect is the query dialect of the running plugin ("" when it runs no
// queries, or has not started: the planner then scans, which starts it).
func (s *Source) Dialect() string {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil || !p.usable() {
		return ""
	}
	return p.info.Capabilities.QueryDialect
}

// Query runs a whole query in the plugin. The reader has exactly
// req.Schema; a plugin that answers with other types fails the query.
func (s *Source) Query(ctx context.Context, req connectors.QueryRequest) (*connectors.Scan, error) {
	p, err := s.get(ctx)
	if err != nil {
		return nil, err
	}
	if p.info.Capabilities.QueryDialect == "" {
		return nil, s.errorf("the plugin runs no queries: %w", connectors.ErrUnsupported)
	}
	args, err := valuesToProto(req.Args)
	if err != nil {
		return nil, s.errorf("%w", err)
	}
	schema, err := encodeSchema(req.Schema)
	if err != nil {
		return nil, s.errorf("query schema: %w", err)
	}
	preq := &connectorv1.ScanRequest{Query: &connectorv1.Query{Sql: req.SQL, Args: args, ArrowSchema: schema}}
	r, _, err := s.stream(ctx, p, preq, "query", nil, 0)
	if err != nil {
		return nil, err
	}
	if !r.wantSchema.Equal(req.Schema) {
		r.Release()
		return nil, s.errorf("query: plugin returned %s, want %s", r.wantSchema, req.Schema)
	}
	return &connectors.Scan{Reader: r}, nil
}

var _ connectors.Querier = (*Source)(nil)

// Close kills the plugin process (after asking it to exit cleanly) and
// makes every later call fail. Scans in flight fail. It is safe to call
// more than once.
func (s *Source) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	if s.proc != nil {
		s.proc.client.Kill()
		s.proc = nil
	}
	return nil
}

// chunkReader presents the ScanResponse stream as the byte stream the IPC
// reader decodes. Not safe for concurrent use.
type chunkReader struct {
	ctx     context.Context // the caller's, to tell its cancellation from a crash
	source  *Source
	proc    *process
	stream  connectorv1.Connector_ScanClient
	pending []byte
	err     error // translated stream error, sticky
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.pending) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		msg, err := c.stream.Recv()
		if err == io.EOF {
			return 0, io.EOF
		}
		if err != nil {
			c.err = c.source.callError(c.ctx, c.proc, err)
			return 0, c.err
		}
		c.pending = msg.GetArrowIpc()
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// streamReader is the array.RecordReader of a plugin scan. Like any
// RecordReader it is not safe for concurrent use, except that Retain and
// Release may be called from any goroutine. The batch returned by
// RecordBatch is valid until the next call to Next or the last Release.
type streamReader struct {
	refs       atomic.Int64
	source     *Source
	table      string
	cancel     context.CancelFunc
	chunks     *chunkReader
	ipc        *ipc.Reader
	shape      *shaper
	wantSchema *arrow.Schema
	checked    bool // the stream's schema was compared with wantSchema
	cur        arrow.RecordBatch
	done       bool
	err        error
}

var _ array.RecordReader = (*streamReader)(nil)

func (r *streamReader) Retain() { r.refs.Add(1) }

// Release cancels the scan in the plugin once the last reference is gone.
func (r *streamReader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	r.cancel()
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	r.ipc.Release()
}

func (r *streamReader) Schema() *arrow.Schema { return r.shape.schema }

func (r *streamReader) Next() bool {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	for !r.done {
		if !r.ipc.Next() {
			r.finish(nil)
			break
		}
		rec := r.ipc.RecordBatch()
		if !r.checked {
			r.checked = true
			if !rec.Schema().Equal(r.wantSchema) {
				r.finish(r.source.errorf("table %q: plugin sent batches of schema %s, announced %s", r.table, rec.Schema(), r.wantSchema))
				break
			}
		}
		out, limitReached := r.shape.apply(rec)
		if limitReached {
			// Enough rows: stop the plugin now rather than drain it.
			r.finish(nil)
		}
		if out != nil {
			r.cur = out
			return true
		}
	}
	return false
}

// finish ends the scan; err (or the stream's error) becomes Err.
func (r *streamReader) finish(err error) {
	r.done = true
	r.cancel()
	switch {
	case err != nil:
		r.err = err
	case r.chunks.err != nil:
		r.err = r.chunks.err
	case r.ipc.Err() != nil && r.chunks.ctx.Err() == nil:
		r.err = r.source.errorf("table %q: decoding arrow stream: %w", r.table, r.ipc.Err())
	}
}

func (r *streamReader) RecordBatch() arrow.RecordBatch { return r.cur }

// Record is RecordBatch, for the deprecated half of array.RecordReader.
func (r *streamReader) Record() arrow.RecordBatch { return r.cur }

func (r *streamReader) Err() error { return r.err }
