// Package server is Tributary's MySQL wire layer. It owns the listener, the
// connections and their sessions, authentication and the mapping of errors to
// MySQL error packets; statements themselves are run by an Executor.
//
// It sits on github.com/go-mysql-org/go-mysql/server for the handshake and
// the packet codec, but drives the command loop itself (see conn.go) so that
// results stream row by row and a malformed packet or a panic costs at most
// one connection, never the server.
package server

import (
	"context"
	"crypto/tls"
	"log/slog"
	"time"
)

// Session is one client connection's state. The server creates it after a
// successful login and owns it; the Executor reads and changes it during
// Execute, UseDB and FieldList. A connection runs one command at a time, so
// no locking is needed for its fields; an Executor must not keep a Session
// beyond the call it was given in.
type Session struct {
	ID         uint32         // connection id, unique within the process
	User       string         // authenticated user name
	DB         string         // current database, "" for none
	Vars       map[string]any // session system variables set by SET (lower-case names); never nil
	RemoteAddr string         // client address as host:port
	// MultiStatements is whether the client may send several
	// ;-separated statements in one COM_QUERY: it set
	// CLIENT_MULTI_STATEMENTS at login, or turned it on with COM_SET_OPTION.
	// Without it MySQL answers such a query with a syntax error.
	MultiStatements bool
	// TLSVersion and TLSCipher name the connection's TLS protocol and
	// cipher suite ("TLSv1.3", "TLS_AES_128_GCM_SHA256"); both are empty
	// for an unencrypted connection.
	TLSVersion, TLSCipher string
}

// Process is one connection as SHOW PROCESSLIST shows it.
type Process struct {
	ID      uint32
	User    string // "" while logging in
	Host    string // client address as host:port
	DB      string // current database, "" for none
	Command string // "Sleep", "Query", "Execute", … as MySQL names them; "Connect" while logging in
	Since   time.Time
	Info    string // the running statement's text, "" when idle
}

// Column describes one result column as MySQL sends it.
type Column struct {
	Name, OrgName, Table, OrgTable, Schema string

	Type     byte   // mysql.MYSQL_TYPE_*
	Length   uint32 // display length; 0 picks a default for the type
	Decimals uint8  // fractional digits (DECIMAL, DOUBLE, DATETIME, TIME); 31 = not fixed
	Flags    uint16 // mysql.NOT_NULL_FLAG, UNSIGNED_FLAG, BINARY_FLAG, …
	Charset  uint16 // 0 → utf8mb4_general_ci (45) for strings, binary (63) for numbers/dates/blobs
}

// ResultWriter streams one statement's result to the client. Rows are sent as
// they are written (buffered only up to a small write buffer), so memory stays
// flat for any result size. It is only valid during the Execute call that
// received it and must be used from that call's goroutine.
type ResultWriter interface {
	// Columns starts a result set; it may be called once per statement.
	Columns(cols []Column) error
	// Row sends one row; len(values) must equal the number of columns.
	// Values may be nil (NULL), bool, any Go int/uint width, float32/64,
	// string, []byte, time.Time (formatted per column type: DATE →
	// 2006-01-02, DATETIME/TIMESTAMP/TIME with Decimals fractional digits),
	// time.Duration (TIME) or fmt.Stringer (decimals etc.). The values are
	// encoded before Row returns, so the caller may reuse the slice.
	// An error means the client is gone or the row is invalid; stop producing.
	Row(values []any) error
}

// MultiResultWriter is a ResultWriter that can carry the results of several
// statements, for multi-statement COM_QUERY texts. The server's COM_QUERY
// writer is one; a ResultWriter that is not cannot run multi-statement
// queries (the Executor refuses them).
type MultiResultWriter interface {
	ResultWriter
	// NextResult ends the current statement's result — the end of its
	// rows, or an OK packet if it had no columns — telling the client that
	// another result follows (SERVER_MORE_RESULTS_EXISTS), and readies the
	// writer for the next statement. The last statement's result is ended
	// by the server when Execute returns; an error returned then arrives
	// after the results so far, as in MySQL.
	NextResult() error
}

// Executor runs statements for the server. It is called from many
// connection goroutines at once (one call at a time per Session), so it must
// be safe for concurrent use across sessions.
type Executor interface {
	// Execute runs one COM_QUERY text. For a statement with rows it calls
	// w.Columns then w.Row…; for one without rows it writes nothing and the
	// server answers OK. An error returned after Columns reaches the client as
	// an ERR packet in place of the end of the result. ctx is cancelled when
	// the client disconnects, the query or connection is killed, or a forced
	// Shutdown happens.
	Execute(ctx context.Context, s *Session, query string, w ResultWriter) error
	// UseDB switches s to db (COM_INIT_DB, and the database named in the
	// handshake); it sets s.DB on success.
	UseDB(ctx context.Context, s *Session, db string) error
	// FieldList answers COM_FIELD_LIST (deprecated, used by old clients for
	// completion).
	FieldList(ctx context.Context, s *Session, table, wildcard string) ([]Column, error)
	// Prepare answers COM_STMT_PREPARE: it checks query and reports how
	// many parameter markers (?) it has and, when known before execution,
	// its result columns (nil: the client learns them from each execution).
	Prepare(ctx context.Context, s *Session, query string) (params int, cols []Column, err error)
	// ExecutePrepared runs a prepared query with one value per parameter
	// marker, in text order, like Execute (rows are sent to the client in
	// the binary row format, but the Executor writes the same values). The
	// args are the client's values decoded from the binary protocol: nil,
	// int64, uint64, float32, float64, string, []byte, Decimal, Date,
	// time.Time (DATETIME/TIMESTAMP) or time.Duration (TIME). They are data:
	// an Executor must never splice them into SQL text unescaped.
	ExecutePrepared(ctx context.Context, s *Session, query string, args []any, w ResultWriter) error
}

// Decimal is a DECIMAL parameter value in the client's text form
// ("-12.50"); it has not been validated.
type Decimal string

func (d Decimal) String() string { return string(d) }

// Date is a DATE parameter value: the date of Time, whose clock is
// midnight UTC.
type Date struct{ time.Time }

// User is an account that may log in. Password "" means no password.
type User struct{ Name, Password string }

// Config configures a Server. The zero value of every optional field picks a
// sensible default.
type Config struct {
	Listen        string // host:port for ListenAndServe
	Users         []User
	ServerVersion string       // e.g. "8.0.36-tributary-0.1.0"; clients parse the leading x.y.z
	Logger        *slog.Logger // nil discards logs

	// AuthMethod is the auth plugin the server announces and switches clients
	// to: "caching_sha2_password" (default, as MySQL 8) or
	// "mysql_native_password".
	AuthMethod string
	// MaxConnections refuses further clients with error 1040; 0 = unlimited.
	MaxConnections int
	// HandshakeTimeout bounds the login phase so idle sockets cannot pin
	// goroutines; 0 = 10s.
	HandshakeTimeout time.Duration
	// TLS, when set, is offered to clients in the handshake (CLIENT_SSL);
	// it needs at least one certificate. nil: plain connections only.
	TLS *tls.Config
	// RequireSecureTransport refuses logins that did not switch to TLS
	// with error 3159, as MySQL's require_secure_transport. Needs TLS.
	RequireSecureTransport bool
}
