package server

import (
	"context"
	"database/sql"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	driver "github.com/go-sql-driver/mysql"

	"github.com/tributary-sql/tributary/sqlerr"
)

// testExecutor answers a few canned statements with typed rows:
//
//	select big          1,000,000 rows of (BIGINT, DOUBLE, VARCHAR)
//	select rows N       N such rows
//	select types        one row of every Go type the ResultWriter takes
//	select db           the session's current database
//	error               an UnknownTable error
//	mid                 10 rows, then an error
//	panic               panics
//	sleep               blocks until ctx is cancelled, then reports it
//	set …               no rows (OK)
type testExecutor struct {
	mu        sync.Mutex
	cancelled int   // sleep statements that saw ctx cancelled
	lastArgs  []any // arguments of the last ExecutePrepared
	sleeping  chan struct{}
}

func newTestExecutor() *testExecutor {
	return &testExecutor{sleeping: make(chan struct{}, 16)}
}

var rowCols = []Column{
	{Name: "id", Type: mysql.MYSQL_TYPE_LONGLONG, Flags: mysql.NOT_NULL_FLAG},
	{Name: "x", Type: mysql.MYSQL_TYPE_DOUBLE, Decimals: notFixedDec, Flags: mysql.NOT_NULL_FLAG},
	{Name: "s", Type: mysql.MYSQL_TYPE_VAR_STRING},
}

type decimal string

func (d decimal) String() string { return string(d) }

var typesTime = time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC)

// typesCols and typesRow pair one value of each supported Go type with a
// column; the expected text is in TestDriverTypes.
var typesCols = []Column{
	{Name: "null_", Type: mysql.MYSQL_TYPE_VAR_STRING},
	{Name: "bool_", Type: mysql.MYSQL_TYPE_TINY, Flags: mysql.NOT_NULL_FLAG},
	{Name: "int_", Type: mysql.MYSQL_TYPE_LONGLONG, Flags: mysql.NOT_NULL_FLAG},
	{Name: "int8_", Type: mysql.MYSQL_TYPE_TINY, Flags: mysql.NOT_NULL_FLAG},
	{Name: "int16_", Type: mysql.MYSQL_TYPE_SHORT, Flags: mysql.NOT_NULL_FLAG},
	{Name: "int32_", Type: mysql.MYSQL_TYPE_LONG, Flags: mysql.NOT_NULL_FLAG},
	{Name: "int64_", Type: mysql.MYSQL_TYPE_LONGLONG, Flags: mysql.NOT_NULL_FLAG},
	{Name: "uint_", Type: mysql.MYSQL_TYPE_LONGLONG, Flags: mysql.NOT_NULL_FLAG | mysql.UNSIGNED_FLAG},
	{Name: "uint8_", Type: mysql.MYSQL_TYPE_TINY, Flags: mysql.NOT_NULL_FLAG | mysql.UNSIGNED_FLAG},
	{Name: "uint16_", Type: mysql.MYSQL_TYPE_SHORT, Flags: mysql.NOT_NULL_FLAG | mysql.UNSIGNED_FLAG},
	{Name: "uint32_", Type: mysql.MYSQL_TYPE_LONG, Flags: mysql.NOT_NULL_FLAG | mysql.UNSIGNED_FLAG},
	{Name: "uint64_", Type: mysql.MYSQL_TYPE_LONGLONG, Flags: mysql.NOT_NULL_FLAG | mysql.UNSIGNED_FLAG},
	{Name: "float32_", Type: mysql.MYSQL_TYPE_FLOAT, Decimals: notFixedDec, Flags: mysql.NOT_NULL_FLAG},
	{Name: "float64_", Type: mysql.MYSQL_TYPE_DOUBLE, Decimals: notFixedDec},
	{Name: "string_", Type: mysql.MYSQL_TYPE_VAR_STRING, Flags: mysql.NOT_NULL_FLAG},
	{Name: "bytes_", Type: mysql.MYSQL_TYPE_BLOB},
	{Name: "date_", Type: mysql.MYSQL_TYPE_DATE},
	{Name: "datetime_", Type: mysql.MYSQL_TYPE_DATETIME, Decimals: 3},
	{Name: "timestamp_", Type: mysql.MYSQL_TYPE_TIMESTAMP},
	{Name: "time_", Type: mysql.MYSQL_TYPE_TIME, Decimals: 6},
	{Name: "decimal_", Type: mysql.MYSQL_TYPE_NEWDECIMAL, Length: 12, Decimals: 2},
	{Name: "bigint_", Type: mysql.MYSQL_TYPE_NEWDECIMAL, Length: 40},
	{Name: "long_", Type: mysql.MYSQL_TYPE_BLOB, Charset: charsetUTF8MB4},
}

func typesRow() []any {
	n, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	return []any{
		nil, true, int(-1), int8(-8), int16(-16), int32(-32), int64(-64),
		uint(1), uint8(8), uint16(16), uint32(32), uint64(18446744073709551615),
		float32(1.5), 0.1, "héllo 'wörld'", []byte{0, 1, 2, 0xff},
		typesTime, typesTime, typesTime,
		-(25*time.Hour + 2*time.Minute + 3*time.Second + 4500*time.Microsecond),
		decimal("1234.50"), n, strings.Repeat("x", 300),
	}
}

// Execute runs ;-separated statements (a plain split: test statements
// hold no quotes) as a multi-statement query when the session allows it.
func (e *testExecutor) Execute(ctx context.Context, s *Session, q string, w ResultWriter) error {
	parts := strings.Split(strings.TrimSuffix(strings.TrimSpace(q), ";"), ";")
	if len(parts) > 1 && !s.MultiStatements {
		return sqlerr.New(sqlerr.Syntax, "You have an error in your SQL syntax near '%s'", strings.TrimSpace(parts[1]))
	}
	for i, p := range parts {
		if err := e.execOne(ctx, s, p, w); err != nil {
			return err
		}
		if i < len(parts)-1 {
			if err := w.(MultiResultWriter).NextResult(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (e *testExecutor) execOne(ctx context.Context, s *Session, q string, w ResultWriter) error {
	q = strings.ToLower(strings.TrimSpace(q))
	switch {
	case q == "select big":
		return writeRows(w, 1_000_000)
	case strings.HasPrefix(q, "select rows "):
		n, err := strconv.Atoi(strings.TrimPrefix(q, "select rows "))
		if err != nil {
			return sqlerr.New(sqlerr.Syntax, "bad count: %v", err)
		}
		return writeRows(w, n)
	case q == "select types":
		if err := w.Columns(typesCols); err != nil {
			return err
		}
		return w.Row(typesRow())
	case q == "select tls":
		if err := w.Columns([]Column{{Name: "version", Type: mysql.MYSQL_TYPE_VAR_STRING}, {Name: "cipher", Type: mysql.MYSQL_TYPE_VAR_STRING}}); err != nil {
			return err
		}
		return w.Row([]any{s.TLSVersion, s.TLSCipher})
	case q == "select db":
		if err := w.Columns([]Column{{Name: "db", Type: mysql.MYSQL_TYPE_VAR_STRING}}); err != nil {
			return err
		}
		return w.Row([]any{s.DB})
	case q == "select @@version_comment limit 1": // the mysql CLI asks on connect
		if err := w.Columns([]Column{{Name: "@@version_comment", Type: mysql.MYSQL_TYPE_VAR_STRING}}); err != nil {
			return err
		}
		return w.Row([]any{"Tributary"})
	case q == "error":
		return sqlerr.New(sqlerr.UnknownTable, "Table 'shop.nope' doesn't exist")
	case q == "mid":
		if err := w.Columns(rowCols); err != nil {
			return err
		}
		for i := range 10 {
			if err := w.Row([]any{int64(i), float64(i), "row"}); err != nil {
				return err
			}
		}
		return sqlerr.New(sqlerr.SourceUnavailable, "source crm went away")
	case q == "panic":
		panic("executor bug")
	case q == "sleep":
		e.sleeping <- struct{}{}
		<-ctx.Done()
		e.mu.Lock()
		e.cancelled++
		e.mu.Unlock()
		return ctx.Err()
	case strings.HasPrefix(q, "set "):
		s.Vars["x"] = q
		return nil
	}
	return sqlerr.New(sqlerr.Syntax, "You have an error in your SQL syntax near '%s'", q)
}

// writeRows writes n rows of (int64, float64, short string), reusing one
// values slice and string buffer so the executor itself allocates little.
func writeRows(w ResultWriter, n int) error {
	if err := w.Columns(rowCols); err != nil {
		return err
	}
	vals := make([]any, 3)
	strs := [...]string{"alpha", "beta", "gamma", "delta"}
	for i := range n {
		vals[0], vals[1], vals[2] = int64(i), float64(i)*0.5, strs[i&3]
		if err := w.Row(vals); err != nil {
			return err
		}
	}
	return nil
}

func (e *testExecutor) UseDB(_ context.Context, s *Session, db string) error {
	if db != "shop" && db != "sales" {
		return sqlerr.New(sqlerr.UnknownDatabase, "Unknown database '%s'", db)
	}
	s.DB = db
	return nil
}

func (e *testExecutor) FieldList(_ context.Context, _ *Session, table, _ string) ([]Column, error) {
	if table != "t" {
		return nil, sqlerr.New(sqlerr.UnknownTable, "Table '%s' doesn't exist", table)
	}
	return rowCols, nil
}

var testUsers = []User{
	{Name: "alice", Password: "s3cret"},
	{Name: "anon"}, // no password
}

// startServer serves exec on a random local port until the test ends.
func startServer(tb testing.TB, cfg Config, exec Executor) *Server {
	tb.Helper()
	if cfg.Users == nil {
		cfg.Users = testUsers
	}
	srv, err := New(cfg, exec)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			tb.Errorf("Serve: %v", err)
		}
	})
	for srv.Addr() == nil {
		time.Sleep(time.Millisecond)
	}
	return srv
}

// openDB opens a go-sql-driver pool against srv.
func openDB(tb testing.TB, srv *Server, user, pass, db, params string) *sql.DB {
	tb.Helper()
	dsn := fmt.Sprintf("%s:%s@tcp(%s)/%s?%s", user, pass, srv.Addr(), db, params)
	pool, err := sql.Open("mysql", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { pool.Close() })
	return pool
}

func mysqlErr(tb testing.TB, err error) *driver.MySQLError {
	tb.Helper()
	me, ok := err.(*driver.MySQLError)
	if !ok {
		tb.Fatalf("error %v (%T) is not a *mysql.MySQLError", err, err)
	}
	return me
}

// rawConn is a minimal hand-written MySQL client: it logs in as a user
// without password and then exchanges raw packets, so tests can send what no
// driver would.
type rawConn struct {
	net.Conn
	seq byte
}

func dialRaw(tb testing.TB, srv *Server, user string) *rawConn {
	tb.Helper()
	nc, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	c := &rawConn{Conn: nc}
	if _, err := c.read(); err != nil { // initial handshake
		tb.Fatal(err)
	}
	caps := mysql.CLIENT_PROTOCOL_41 | mysql.CLIENT_SECURE_CONNECTION | mysql.CLIENT_PLUGIN_AUTH | mysql.CLIENT_LONG_PASSWORD
	p := binary.LittleEndian.AppendUint32(nil, caps)
	p = binary.LittleEndian.AppendUint32(p, 1<<24)
	p = append(p, charsetUTF8MB4)
	p = append(p, make([]byte, 23)...)
	p = append(append(p, user...), 0)
	p = append(p, 0) // empty auth response
	p = append(append(p, mysql.AUTH_CACHING_SHA2_PASSWORD...), 0)
	if err := c.write(p); err != nil {
		tb.Fatal(err)
	}
	resp, err := c.read()
	if err != nil {
		tb.Fatal(err)
	}
	if resp[0] != mysql.OK_HEADER {
		tb.Fatalf("login: got %q", resp)
	}
	return c
}

func (c *rawConn) write(payload []byte) error {
	_, err := c.Conn.Write(framePacket(c.seq, payload))
	c.seq++
	return err
}

func (c *rawConn) read() ([]byte, error) {
	var h [4]byte
	if _, err := io.ReadFull(c.Conn, h[:]); err != nil {
		return nil, err
	}
	n := int(h[0]) | int(h[1])<<8 | int(h[2])<<16
	c.seq = h[3] + 1
	p := make([]byte, n)
	_, err := io.ReadFull(c.Conn, p)
	return p, err
}

// command sends one command packet and returns the first response packet.
func (c *rawConn) command(payload []byte) ([]byte, error) {
	c.seq = 0
	if err := c.write(payload); err != nil {
		return nil, err
	}
	return c.read()
}
