package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	gms "github.com/go-mysql-org/go-mysql/server"

	"github.com/tributary-sql/tributary/sqlerr"
)

type connState int

const (
	stateLogin connState = iota // handshake in progress
	stateIdle                   // waiting for the next command
	stateBusy                   // running a command
)

// serverStatus is what every OK/EOF reports: a read-only gateway is always
// in autocommit mode.
const serverStatus = mysql.SERVER_STATUS_AUTOCOMMIT

// maxKeptRowBuf bounds the row buffer a connection keeps between statements,
// so one huge row does not pin memory on an idle connection.
const maxKeptRowBuf = 1 << 20

// conn is one client connection. Everything but mu-guarded fields, id and
// the kill/close methods belongs to the connection goroutine (serve).
//
// Why we drive the command loop instead of go-mysql's Conn.HandleCommand:
// its dispatch indexes data[0] of an empty packet and slices with the result
// of IndexByte for COM_FIELD_LIST, both panicking on malformed input, and it
// answers COM_QUERY with a whole buffered result. We read packets with
// go-mysql's codec, dispatch ourselves (validating before indexing) and
// answer with its exported WriteValue, so malformed packets get an ERR and
// the session survives; a recover around each command remains as a backstop
// for bugs, closing only that connection.
type conn struct {
	srv    *Server
	wc     *wireConn
	mc     *gms.Conn // nil until logged in
	id     atomic.Uint32
	sess   Session
	ctx    context.Context // cancelled when the connection ends or is killed
	cancel context.CancelFunc
	log    *slog.Logger
	rowBuf []byte

	pendingDB string // database named in the handshake, used once logged in

	stmts      map[uint32]*stmt // prepared statements by id
	lastStmtID uint32

	mu          sync.Mutex
	state       connState
	queryCancel context.CancelFunc // cancels the running statement, nil if none
	proc        Process            // what SHOW PROCESSLIST shows; ID and Host set once logged in
}

func newConn(s *Server, nc net.Conn) *conn {
	ctx, cancel := context.WithCancel(context.Background())
	wc := newWireConn(nc)
	// go-mysql announces neither: the command loop here implements them.
	wc.extraCaps = mysql.CLIENT_MULTI_STATEMENTS | mysql.CLIENT_MULTI_RESULTS
	if s.cfg.TLS != nil {
		wc.tlsConfig = s.cfg.TLS
		wc.extraCaps |= mysql.CLIENT_SSL
	}
	return &conn{
		srv: s, wc: wc, ctx: ctx, cancel: cancel,
		log: s.log.With("remote", nc.RemoteAddr().String()),
	}
}

// serve runs the connection to its end. Its recover is the last line of
// defence: whatever panics, only this connection is lost.
func (c *conn) serve() {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic in connection; closing it", "panic", r, "stack", string(debug.Stack()))
		}
		c.wc.holdClose = false
		_ = c.wc.Close()
		c.cancel()
		c.srv.removeConn(c)
		c.log.Debug("connection closed")
	}()
	if !c.login() {
		return
	}
	c.log.Debug("connection opened", "user", c.sess.User, "db", c.sess.DB)
	for c.nextCommand() {
	}
}

// login runs go-mysql's handshake and auth, then fixes up the last packet it
// wrote before it leaves the write buffer: a failed login gets MySQL's exact
// 1045 text, a successful one with a database in the handshake gets the
// Executor's answer to UseDB (an ERR in place of the OK if it fails). go-mysql
// would call UseDB before checking the password, which lets anyone probe
// database names; we only record the name then.
func (c *conn) login() bool {
	_ = c.wc.SetDeadline(time.Now().Add(c.srv.cfg.HandshakeTimeout))
	c.wc.holdClose, c.wc.recording = true, true
	mc, err := c.handshake()
	c.wc.holdClose, c.wc.recording, c.wc.shiftSeq = false, false, false
	if err != nil {
		c.failLogin(err)
		return false
	}
	tlsVersion, tlsCipher := c.wc.tlsState()
	if c.srv.cfg.RequireSecureTransport && tlsVersion == "" {
		// Checked after the password, as MySQL does: the ERR replaces the OK.
		e := sqlerr.New(sqlerr.SecureTransportRequired, "Connections using insecure transport are prohibited while --require_secure_transport=ON.")
		c.wc.replaceLast(errPayload(toMySQLError(e)))
		_ = c.wc.Flush()
		c.log.Warn("login refused: TLS required", "user", mc.GetUser())
		return false
	}
	mc.SetStatus(serverStatus)
	// Under mu: Server.Owner reads the user from other goroutines.
	c.mu.Lock()
	c.mc = mc
	c.proc = Process{ID: mc.ConnectionID(), User: mc.GetUser(), Host: c.wc.RemoteAddr().String(), Command: "Sleep", Since: time.Now()}
	c.sess = Session{
		ID: mc.ConnectionID(), User: mc.GetUser(), Vars: map[string]any{},
		RemoteAddr:      c.wc.RemoteAddr().String(),
		MultiStatements: mc.Capability()&mysql.CLIENT_MULTI_STATEMENTS != 0,
		TLSVersion:      tlsVersion, TLSCipher: tlsCipher,
	}
	c.mu.Unlock()
	c.id.Store(mc.ConnectionID())
	c.log = c.log.With("conn", c.sess.ID)
	if c.pendingDB != "" {
		if err := c.call(func() error { return c.srv.exec.UseDB(c.ctx, &c.sess, c.pendingDB) }); err != nil {
			c.log.Debug("initial database refused", "db", c.pendingDB, "err", err)
			c.wc.replaceLast(errPayload(toMySQLError(err)))
			return false
		}
	}
	if c.wc.Flush() != nil {
		return false
	}
	_ = c.wc.SetDeadline(time.Time{})
	return c.setState(stateIdle)
}

// handshake calls go-mysql, turning its panics on malformed handshake
// packets (it slices with unchecked IndexByte results) into errors.
func (c *conn) handshake() (mc *gms.Conn, err error) {
	defer func() {
		if r := recover(); r != nil {
			mc, err = nil, fmt.Errorf("malformed handshake: %v", r)
		}
	}()
	return c.srv.wire.NewCustomizedConn(c.wc, c.srv.creds, loginHandler{c})
}

func (c *conn) failLogin(err error) {
	var my *mysql.MyError
	denied := errors.As(err, &my) &&
		(my.Code == mysql.ER_ACCESS_DENIED_ERROR || my.Code == mysql.ER_NO_SUCH_USER)
	if !denied {
		c.log.Debug("handshake failed", "err", err)
		return
	}
	// Unknown user (go-mysql: 1449) and wrong password read the same, as in
	// MySQL, and name the host without the port.
	user := c.wc.recordedUser()
	host, _, _ := net.SplitHostPort(c.wc.RemoteAddr().String())
	e := sqlerr.New(sqlerr.AccessDenied, "Access denied for user '%s'@'%s' (using password: YES)", user, host)
	if c.wc.lastPayloadHeader() == int(mysql.ERR_HEADER) {
		c.wc.replaceLast(errPayload(toMySQLError(e)))
	}
	c.log.Warn("login failed", "user", user)
}

// setState records the connection's phase for Shutdown. Entering idle fails
// once the server is shutting down, so the connection ends between commands.
func (c *conn) setState(st connState) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.state = st
	return st != stateIdle || !c.srv.isClosing()
}

// closeIfIdle closes the connection unless it is running a command; called
// by Shutdown after it has marked the server closing.
func (c *conn) closeIfIdle() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state != stateBusy {
		c.wc.forceClose()
	}
}

// kill cancels everything the connection runs and closes it; any goroutine.
func (c *conn) kill() {
	c.cancel()
	c.wc.forceClose()
}

// cancelQuery cancels the running statement, if any; any goroutine.
func (c *conn) cancelQuery() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.queryCancel != nil {
		c.queryCancel()
	}
}

// nextCommand reads and answers one command; false ends the connection.
func (c *conn) nextCommand() bool {
	data, err := c.mc.ReadPacket()
	if err != nil {
		c.log.Debug("read failed", "err", err)
		return false
	}
	c.setState(stateBusy)
	c.setProcess(data)
	keep := c.runCommand(data)
	c.setProcess(nil)
	return keep && c.setState(stateIdle)
}

// setProcess records the command starting (data) or, for nil, the
// connection going idle, for SHOW PROCESSLIST on other goroutines.
func (c *conn) setProcess(data []byte) {
	cmd, info := "Sleep", ""
	if len(data) > 0 {
		switch data[0] {
		case mysql.COM_QUERY:
			cmd, info = "Query", string(data[1:])
		case mysql.COM_STMT_EXECUTE:
			cmd = "Execute"
		case mysql.COM_STMT_PREPARE:
			cmd, info = "Prepare", string(data[1:])
		case mysql.COM_INIT_DB:
			cmd = "Init DB"
		case mysql.COM_FIELD_LIST:
			cmd = "Field List"
		case mysql.COM_PING:
			cmd = "Ping"
		default:
			cmd = "Query"
		}
	}
	c.mu.Lock()
	c.proc.Command, c.proc.Info, c.proc.Since, c.proc.DB = cmd, info, time.Now(), c.sess.DB
	c.mu.Unlock()
}

// process is the connection's row of SHOW PROCESSLIST; ok is false before
// login.
func (c *conn) process() (p Process, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.proc, c.mc != nil
}

// runCommand answers one command packet. A panic here is a bug in the wire
// layer (Executor panics are caught in call): the protocol state is unknown,
// so the connection is closed, and only it.
func (c *conn) runCommand(data []byte) (keep bool) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic in command; closing connection", "panic", r, "stack", string(debug.Stack()))
			keep = false
		}
	}()
	reply := c.dispatch(data)
	if _, ok := reply.(quit); ok {
		return false
	}
	if _, ok := reply.(noReply); !ok {
		if err := c.mc.WriteValue(reply); err != nil {
			c.log.Debug("write failed", "err", err)
			return false
		}
	}
	c.mc.ResetSequence()
	return c.wc.Flush() == nil
}

type (
	noReply struct{} // the command has no response (COM_STMT_CLOSE) or wrote it itself
	quit    struct{} // COM_QUIT
)

// dispatch runs one command and returns what go-mysql's WriteValue should
// send: nil (OK), *mysql.MyError, *mysql.Result, []*mysql.Field, or noReply/quit.
func (c *conn) dispatch(data []byte) any {
	if len(data) == 0 {
		return toMySQLError(sqlerr.New(sqlerr.MalformedPacket, "Got a packet bigger than 'max_allowed_packet' bytes or malformed: empty command"))
	}
	cmd, arg := data[0], data[1:]
	switch cmd {
	case mysql.COM_QUIT:
		return quit{}
	case mysql.COM_PING:
		return nil
	case mysql.COM_STATISTICS:
		// The answer is the bare text, without an OK or ERR header.
		if err := c.mc.WritePacket(append([]byte{0, 0, 0, 0}, c.srv.statistics()...)); err != nil {
			return quit{}
		}
		return noReply{}
	case mysql.COM_QUERY:
		c.srv.questions.Add(1)
		return c.query(string(arg))
	case mysql.COM_INIT_DB:
		return c.reply(c.call(func() error { return c.srv.exec.UseDB(c.ctx, &c.sess, string(arg)) }))
	case mysql.COM_FIELD_LIST:
		return c.fieldList(arg)
	case mysql.COM_RESET_CONNECTION:
		c.sess.Vars = map[string]any{}
		c.stmts = nil
		return nil
	case mysql.COM_SET_OPTION:
		if len(arg) != 2 || arg[1] != 0 || arg[0] > mysql.MYSQL_OPTION_MULTI_STATEMENTS_OFF {
			return toMySQLError(sqlerr.New(sqlerr.UnknownCommand, "Unknown command"))
		}
		c.sess.MultiStatements = arg[0] == mysql.MYSQL_OPTION_MULTI_STATEMENTS_ON
		return c.writeEOF()
	case mysql.COM_STMT_PREPARE:
		return c.prepare(string(arg))
	case mysql.COM_STMT_EXECUTE:
		c.srv.questions.Add(1)
		return c.execute(arg)
	case mysql.COM_STMT_SEND_LONG_DATA:
		c.sendLongData(arg)
		return noReply{} // the protocol has no response
	case mysql.COM_STMT_CLOSE:
		if len(arg) >= 4 {
			delete(c.stmts, binary.LittleEndian.Uint32(arg))
		}
		return noReply{} // the protocol has no response
	case mysql.COM_STMT_RESET:
		st, reply := c.stmtByID(arg, "mysqld_stmt_reset")
		if st == nil {
			return reply
		}
		st.resetLongData()
		return nil
	case mysql.COM_STMT_FETCH:
		// Cursors are never opened (see stmt.bind), so there is nothing to fetch.
		return toMySQLError(sqlerr.New(sqlerr.Unsupported, "cursors (COM_STMT_FETCH) are not supported"))
	}
	return toMySQLError(sqlerr.New(sqlerr.UnknownCommand, "Unknown command %d", cmd))
}

func (c *conn) reply(err error) any {
	if err != nil {
		return toMySQLError(err)
	}
	return nil
}

// query runs COM_QUERY, streaming rows through a resultWriter as the
// Executor produces them; go-mysql then only writes the final EOF (the
// Resultset is StreamingSelect+StreamingDone) or our ERR.
func (c *conn) query(q string) any {
	ctx, done := c.beginStatement()
	w := newResultWriter(c.mc, serverStatus, c.rowBuf)
	err := c.call(func() error { return c.srv.exec.Execute(ctx, &c.sess, q, w) })
	done()
	if cap(w.buf) <= maxKeptRowBuf {
		c.rowBuf = w.buf
	}
	if err != nil {
		c.logStatementError(q, err)
		// After Columns this ERR ends the result set early, which clients
		// read as an error of the statement: valid protocol.
		return toMySQLError(err)
	}
	if !w.started() {
		return nil
	}
	return &mysql.Result{Resultset: &mysql.Resultset{
		Fields: w.fields, Streaming: mysql.StreamingSelect, StreamingDone: true,
	}}
}

func (c *conn) fieldList(arg []byte) any {
	table, wildcard := arg, []byte(nil)
	if i := bytes.IndexByte(arg, 0); i >= 0 {
		table, wildcard = arg[:i], arg[i+1:]
	}
	var cols []Column
	err := c.call(func() (err error) {
		cols, err = c.srv.exec.FieldList(c.ctx, &c.sess, string(table), string(wildcard))
		return err
	})
	if err != nil {
		return toMySQLError(err)
	}
	fields := make([]*mysql.Field, len(cols))
	for i := range cols {
		fields[i] = columnField(&cols[i])
	}
	return fields
}

func (c *conn) writeEOF() any {
	if err := c.mc.WritePacket([]byte{0, 0, 0, 0, mysql.EOF_HEADER, 0, 0, byte(serverStatus), byte(serverStatus >> 8)}); err != nil {
		return quit{}
	}
	return noReply{}
}

// beginStatement gives a statement its own context, cancelled by KILL QUERY
// (cancelQuery), by the client going away (watchDisconnect) or with the
// connection. done must be called when the statement ends.
func (c *conn) beginStatement() (ctx context.Context, done func()) {
	ctx, cancel := context.WithCancel(c.ctx)
	c.mu.Lock()
	c.queryCancel = cancel
	c.mu.Unlock()
	stop := c.wc.watchDisconnect(cancel)
	return ctx, func() {
		stop()
		c.mu.Lock()
		c.queryCancel = nil
		c.mu.Unlock()
		cancel()
	}
}

// call runs an Executor method, turning a panic into an internal error for
// that statement: the Executor's state is its own, the connection's protocol
// state is intact, so the session goes on.
func (c *conn) call(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			c.log.Error("panic in executor", "panic", r, "stack", string(debug.Stack()))
			err = sqlerr.New(sqlerr.Internal, "internal error: %v", r)
		}
	}()
	return f()
}

func (c *conn) logStatementError(q string, err error) {
	const maxLogged = 256
	if len(q) > maxLogged {
		q = q[:maxLogged] + "…"
	}
	level := slog.LevelDebug // the client's mistake, reported to it
	if sqlerr.KindOf(err) == sqlerr.Internal {
		level = slog.LevelWarn
	}
	c.log.Log(c.ctx, level, "statement failed", "query", q, "err", err)
}

// loginHandler is the go-mysql Handler during the handshake, where go-mysql
// only calls UseDB. Commands never reach it: the conn dispatches them.
type loginHandler struct{ c *conn }

var _ gms.Handler = loginHandler{}

func (h loginHandler) UseDB(db string) error { h.c.pendingDB = db; return nil }

var errNotDispatched = errors.New("server: command reached go-mysql's dispatcher")

func (loginHandler) HandleQuery(string) (*mysql.Result, error) { return nil, errNotDispatched }
func (loginHandler) HandleFieldList(string, string) ([]*mysql.Field, error) {
	return nil, errNotDispatched
}
func (loginHandler) HandleStmtPrepare(string) (int, int, any, error) {
	return 0, 0, nil, errNotDispatched
}
func (loginHandler) HandleStmtExecute(any, string, []any) (*mysql.Result, error) {
	return nil, errNotDispatched
}
func (loginHandler) HandleStmtClose(any) error             { return errNotDispatched }
func (loginHandler) HandleOtherCommand(byte, []byte) error { return errNotDispatched }
