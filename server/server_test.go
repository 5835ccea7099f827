package server

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
	driver "github.com/go-sql-driver/mysql"
)

func TestDriverTypes(t *testing.T) {
	srv := startServer(t, Config{}, newTestExecutor())
	db := openDB(t, srv, "alice", "s3cret", "", "")
	rows, err := db.Query("select types")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	wantTypes := []struct {
		db       string
		scan     any
		nullable bool
	}{
		{"VARCHAR", sql.NullString{}, true},
		{"TINYINT", int8(0), false},
		{"BIGINT", int64(0), false},
		{"TINYINT", int8(0), false},
		{"SMALLINT", int16(0), false},
		{"INT", int32(0), false},
		{"BIGINT", int64(0), false},
		{"UNSIGNED BIGINT", uint64(0), false},
		{"UNSIGNED TINYINT", uint8(0), false},
		{"UNSIGNED SMALLINT", uint16(0), false},
		{"UNSIGNED INT", uint32(0), false},
		{"UNSIGNED BIGINT", uint64(0), false},
		{"FLOAT", float32(0), false},
		{"DOUBLE", sql.NullFloat64{}, true},
		{"VARCHAR", "", false},
		{"BLOB", []byte(nil), true},
		{"DATE", sql.NullTime{}, true},
		{"DATETIME", sql.NullTime{}, true},
		{"TIMESTAMP", sql.NullTime{}, true},
		{"TIME", sql.NullString{}, true},
		{"DECIMAL", sql.NullString{}, true},
		{"DECIMAL", sql.NullString{}, true},
		{"TEXT", sql.NullString{}, true},
	}
	if len(cts) != len(wantTypes) {
		t.Fatalf("%d columns, want %d", len(cts), len(wantTypes))
	}
	for i, ct := range cts {
		w := wantTypes[i]
		if ct.Name() != typesCols[i].Name {
			t.Errorf("col %d name %q", i, ct.Name())
		}
		if ct.DatabaseTypeName() != w.db {
			t.Errorf("%s: DatabaseTypeName %q, want %q", ct.Name(), ct.DatabaseTypeName(), w.db)
		}
		if got, want := ct.ScanType(), reflect.TypeOf(w.scan); got != want {
			t.Errorf("%s: ScanType %v, want %v", ct.Name(), got, want)
		}
		if n, ok := ct.Nullable(); !ok || n != w.nullable {
			t.Errorf("%s: Nullable %v %v, want %v", ct.Name(), n, ok, w.nullable)
		}
	}
	if p, s, ok := cts[20].DecimalSize(); !ok || p != 10 || s != 2 {
		t.Errorf("decimal_: DecimalSize %d %d %v, want 10 2", p, s, ok)
	}
	if p, s, ok := cts[17].DecimalSize(); !ok || p != 3 || s != 3 {
		t.Errorf("datetime_: DecimalSize %d %d %v, want 3 3", p, s, ok)
	}

	if !rows.Next() {
		t.Fatal("no row", rows.Err())
	}
	got := make([]sql.NullString, len(cts))
	ptrs := make([]any, len(got))
	for i := range got {
		ptrs[i] = &got[i]
	}
	if err := rows.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"NULL", "1", "-1", "-8", "-16", "-32", "-64", "1", "8", "16", "32", "18446744073709551615",
		"1.5", "0.1", "héllo 'wörld'", "\x00\x01\x02\xff",
		"2024-02-29", "2024-02-29 13:14:15.123", "2024-02-29 13:14:15", "-25:02:03.004500",
		"1234.50", "123456789012345678901234567890", strings.Repeat("x", 300),
	}
	for i, g := range got {
		s := "NULL"
		if g.Valid {
			s = g.String
		}
		if s != want[i] {
			t.Errorf("%s = %q, want %q", cts[i].Name(), s, want[i])
		}
	}
	if rows.Next() {
		t.Error("more than one row")
	}
}

// TestDriverParseTime checks that DATE/DATETIME text reads back as time.Time.
func TestDriverParseTime(t *testing.T) {
	srv := startServer(t, Config{}, newTestExecutor())
	db := openDB(t, srv, "alice", "s3cret", "", "parseTime=true")
	vals := make([]any, len(typesCols))
	ptrs := make([]any, len(vals))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	if err := db.QueryRow("select types").Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	if got, want := vals[17].(time.Time), typesTime.Truncate(time.Millisecond); !got.Equal(want) {
		t.Errorf("datetime_ = %v, want %v", got, want)
	}
	if got := vals[16].(time.Time); got.Format(time.DateOnly) != "2024-02-29" {
		t.Errorf("date_ = %v", got)
	}
	if got := vals[11].(uint64); got != math.MaxUint64 {
		t.Errorf("uint64_ = %v", got)
	}
}

func TestLogin(t *testing.T) {
	for _, method := range []string{mysql.AUTH_CACHING_SHA2_PASSWORD, mysql.AUTH_NATIVE_PASSWORD} {
		t.Run(method, func(t *testing.T) {
			srv := startServer(t, Config{AuthMethod: method}, newTestExecutor())
			for _, tc := range []struct{ user, pass, params string }{
				{"alice", "s3cret", ""},
				{"alice", "s3cret", "allowNativePasswords=true"},
				{"anon", "", ""},
			} {
				if err := openDB(t, srv, tc.user, tc.pass, "", tc.params).Ping(); err != nil {
					t.Errorf("%s/%q %s: %v", tc.user, tc.pass, tc.params, err)
				}
			}
			for _, tc := range []struct{ user, pass string }{
				{"alice", "wrong"},
				{"alice", ""},
				{"mallory", "x"},
				{"anon", "x"},
			} {
				err := openDB(t, srv, tc.user, tc.pass, "", "").Ping()
				if err == nil {
					t.Errorf("%s/%q: logged in", tc.user, tc.pass)
					continue
				}
				me := mysqlErr(t, err)
				want := "Access denied for user '" + tc.user + "'@'127.0.0.1' (using password: YES)"
				if me.Number != 1045 || string(me.SQLState[:]) != "28000" || me.Message != want {
					t.Errorf("%s/%q: got %d %s %q, want 1045 28000 %q", tc.user, tc.pass, me.Number, me.SQLState, me.Message, want)
				}
			}
		})
	}
}

func TestInitialDB(t *testing.T) {
	srv := startServer(t, Config{}, newTestExecutor())
	var got string
	if err := openDB(t, srv, "alice", "s3cret", "shop", "").QueryRow("select db").Scan(&got); err != nil || got != "shop" {
		t.Errorf("select db = %q, %v; want shop", got, err)
	}
	err := openDB(t, srv, "alice", "s3cret", "nope", "").Ping()
	if me := mysqlErr(t, err); me.Number != 1049 || me.Message != "Unknown database 'nope'" {
		t.Errorf("unknown db: %v", err)
	}
	// The database is only checked after the password: no probing.
	err = openDB(t, srv, "alice", "bad", "nope", "").Ping()
	if me := mysqlErr(t, err); me.Number != 1045 {
		t.Errorf("bad password with unknown db: %v", err)
	}
}

func TestErrors(t *testing.T) {
	srv := startServer(t, Config{}, newTestExecutor())
	db := openDB(t, srv, "alice", "s3cret", "", "")
	db.SetMaxOpenConns(1) // every statement on the same connection

	_, err := db.Exec("error")
	if me := mysqlErr(t, err); me.Number != 1146 || string(me.SQLState[:]) != "42S02" || me.Message != "Table 'shop.nope' doesn't exist" {
		t.Errorf("error: %v", err)
	}

	rows, err := db.Query("mid")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if n != 10 {
		t.Errorf("mid: %d rows before the error, want 10", n)
	}
	if me := mysqlErr(t, rows.Err()); me.Number != 1429 || me.Message != "source crm went away" {
		t.Errorf("mid: %v", rows.Err())
	}
	rows.Close()

	_, err = db.Exec("panic")
	if me := mysqlErr(t, err); me.Number != 1105 {
		t.Errorf("panic: %v", err)
	}

	if _, err := db.Exec("set x = 1"); err != nil {
		t.Errorf("set: %v", err)
	}
	_, err = db.Exec("panic ?", 1) // a prepared statement
	if me := mysqlErr(t, err); me.Number != 1105 {
		t.Errorf("prepared panic: %v", err)
	}
	var s string
	if err := db.QueryRow("select db").Scan(&s); err != nil {
		t.Errorf("connection unusable after errors: %v", err)
	}
	if st := db.Stats(); st.OpenConnections != 1 {
		t.Errorf("%d connections opened, want 1 (errors must not cost the session)", st.OpenConnections)
	}
}

func TestUseAndFieldList(t *testing.T) {
	srv := startServer(t, Config{}, newTestExecutor())
	c := dialRaw(t, srv, "anon")
	if p, err := c.command(append([]byte{mysql.COM_INIT_DB}, "sales"...)); err != nil || p[0] != mysql.OK_HEADER {
		t.Fatalf("COM_INIT_DB: %q %v", p, err)
	}
	p, err := c.command(append([]byte{mysql.COM_INIT_DB}, "nope"...))
	if err != nil || p[0] != mysql.ERR_HEADER || p[1] != 0x19 || p[2] != 0x04 { // 1049
		t.Fatalf("COM_INIT_DB nope: %q %v", p, err)
	}
	p, err = c.command(append([]byte{mysql.COM_FIELD_LIST}, "t\x00"...))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for p[0] != mysql.EOF_HEADER {
		var f mysql.Field
		if err := f.Parse(p); err != nil {
			t.Fatal(err)
		}
		names = append(names, string(f.Name))
		if p, err = c.read(); err != nil {
			t.Fatal(err)
		}
	}
	if strings.Join(names, ",") != "id,x,s" {
		t.Errorf("field list: %v", names)
	}
	// No NUL after the table name: tolerated rather than a panic.
	if p, err := c.command([]byte{mysql.COM_FIELD_LIST, 'u'}); err != nil || p[0] != mysql.ERR_HEADER {
		t.Errorf("COM_FIELD_LIST u: %q %v", p, err)
	}
}

// TestMalformedPackets sends what no driver would on a logged-in connection.
func TestMalformedPackets(t *testing.T) {
	srv := startServer(t, Config{}, newTestExecutor())
	c := dialRaw(t, srv, "anon")

	p, err := c.command(nil)                                                    // zero-length packet: go-mysql's dispatch would panic
	if err != nil || p[0] != mysql.ERR_HEADER || p[1] != 0x2b || p[2] != 0x07 { // 1835
		t.Fatalf("empty packet: %q %v", p, err)
	}
	for _, cmd := range [][]byte{{0xee}, {mysql.COM_BINLOG_DUMP, 1}, {mysql.COM_STMT_EXECUTE, 1, 2}, {mysql.COM_PROCESS_KILL}} {
		p, err := c.command(cmd)
		if err != nil || p[0] != mysql.ERR_HEADER {
			t.Fatalf("command %x: %q %v", cmd, p, err)
		}
	}
	if p, err := c.command([]byte{mysql.COM_PING}); err != nil || p[0] != mysql.OK_HEADER {
		t.Fatalf("ping on the same connection after garbage: %q %v", p, err)
	}

	// A packet with a wrong sequence number or a truncated one: the
	// connection is closed cleanly.
	c.seq = 7
	_ = c.write([]byte{mysql.COM_PING})
	if _, err := c.read(); err == nil {
		t.Error("out-of-order packet: connection still answers")
	}

	// Garbage instead of a handshake response.
	raw := dialRawNoLogin(t, srv)
	_, _ = raw.Write([]byte{5, 0, 0, 1, 0xff, 0xff, 0xff, 0xff, 0xff})
	_, _ = raw.Read(make([]byte, 100))

	// A handshake response whose user name has no NUL: go-mysql slices with
	// IndexByte's -1 and panics; the server closes just that socket.
	raw = dialRawNoLogin(t, srv)
	resp := binary.LittleEndian.AppendUint32(nil, mysql.CLIENT_PROTOCOL_41|mysql.CLIENT_SECURE_CONNECTION)
	resp = append(append(resp, make([]byte, 4+1+23)...), "abc"...)
	_ = raw.write(resp)
	if p, err := raw.read(); err == nil {
		t.Errorf("user without NUL: got %q, want the connection closed", p)
	}

	if err := openDB(t, srv, "alice", "s3cret", "", "").Ping(); err != nil {
		t.Errorf("a new connection fails after garbage: %v", err)
	}
}

// dialRawNoLogin returns a socket that has read the initial handshake only.
func dialRawNoLogin(t *testing.T, srv *Server) *rawConn {
	nc, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
	c := &rawConn{Conn: nc}
	if _, err := c.read(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDisconnectCancels checks that a client going away mid-statement
// cancels the statement's context.
func TestDisconnectCancels(t *testing.T) {
	exec := newTestExecutor()
	srv := startServer(t, Config{}, exec)
	c := dialRaw(t, srv, "anon")
	c.seq = 0
	if err := c.write(append([]byte{mysql.COM_QUERY}, "sleep"...)); err != nil {
		t.Fatal(err)
	}
	<-exec.sleeping
	c.Close()
	waitFor(t, func() bool { exec.mu.Lock(); defer exec.mu.Unlock(); return exec.cancelled == 1 })
}

// TestKillQuery checks Server.Kill: KILL QUERY ends the statement with 1317
// and keeps the connection.
func TestKillQuery(t *testing.T) {
	exec := newTestExecutor()
	srv := startServer(t, Config{}, exec)
	db := openDB(t, srv, "alice", "s3cret", "", "")
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	errc := make(chan error, 1)
	go func() { _, err := conn.ExecContext(context.Background(), "sleep"); errc <- err }()
	<-exec.sleeping
	srv.mu.Lock()
	var id uint32
	for c := range srv.conns {
		id = c.id.Load()
	}
	srv.mu.Unlock()
	if !srv.Kill(id, true) {
		t.Fatal("Kill: no such connection")
	}
	if me := mysqlErr(t, <-errc); me.Number != 1317 {
		t.Errorf("killed query: %v", me)
	}
	if err := conn.PingContext(context.Background()); err != nil {
		t.Errorf("connection after KILL QUERY: %v", err)
	}
}

func TestShutdown(t *testing.T) {
	exec := newTestExecutor()
	srv, err := New(Config{Users: testUsers, Listen: "127.0.0.1:0"}, exec)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.ListenAndServe() }()
	waitFor(t, func() bool { return srv.Addr() != nil })
	idle := openDB(t, srv, "anon", "", "", "")
	if err := idle.Ping(); err != nil {
		t.Fatal(err)
	}
	busy := openDB(t, srv, "anon", "", "", "")
	errc := make(chan error, 1)
	go func() { _, err := busy.Exec("sleep"); errc <- err }()
	<-exec.sleeping

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown with a running statement: %v, want deadline exceeded", err)
	}
	if err := <-errc; err == nil {
		t.Error("statement survived a forced shutdown")
	}
	if err := <-served; err != nil {
		t.Errorf("Serve after Shutdown: %v", err)
	}
	waitFor(t, func() bool { srv.mu.Lock(); defer srv.mu.Unlock(); return len(srv.conns) == 0 })
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

func TestMaxConnections(t *testing.T) {
	srv := startServer(t, Config{MaxConnections: 1}, newTestExecutor())
	first := openDB(t, srv, "anon", "", "", "")
	if err := first.Ping(); err != nil {
		t.Fatal(err)
	}
	err := openDB(t, srv, "anon", "", "", "").Ping()
	var me *driver.MySQLError
	if !errors.As(err, &me) || me.Number != 1040 {
		t.Errorf("second connection: %v, want 1040", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A multi-statement query answers each statement in turn; an error ends
// the sequence after the results so far. Without multiStatements the
// executor sees the session flag off.
func TestMultiStatements(t *testing.T) {
	srv := startServer(t, Config{}, newTestExecutor())
	db := openDB(t, srv, "alice", "s3cret", "shop", "multiStatements=true")
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.QueryContext(context.Background(), "select rows 2; set x = 1; select db; select rows 1")
	if err != nil {
		t.Fatal(err)
	}
	var sets [][]string
	for {
		cols, _ := rows.Columns()
		var got []string
		for rows.Next() {
			vals := make([]sql.RawBytes, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			got = append(got, string(vals[0]))
		}
		sets = append(sets, got)
		if !rows.NextResultSet() {
			break
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if fmt.Sprint(sets) != "[[0 1] [shop] [0]]" {
		t.Fatalf("result sets %v", sets)
	}

	rows, err = conn.QueryContext(context.Background(), "select rows 1; error; select db")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if n != 1 || rows.NextResultSet() {
		t.Fatalf("rows %d before the error", n)
	}
	if me := mysqlErr(t, rows.Err()); me.Number != 1146 {
		t.Fatalf("error %v, want 1146", me)
	}
	rows.Close()
	// The session goes on.
	var d string
	if err := conn.QueryRowContext(context.Background(), "select db").Scan(&d); err != nil || d != "shop" {
		t.Fatalf("after the error: %q %v", d, err)
	}

	// Exec reads past every result, rows included.
	if _, err := conn.ExecContext(context.Background(), "set a; select rows 3; set b"); err != nil {
		t.Fatalf("Exec of a multi-statement query: %v", err)
	}
	if err := conn.QueryRowContext(context.Background(), "select db").Scan(&d); err != nil {
		t.Fatalf("after Exec: %v", err)
	}

	plain := openDB(t, srv, "alice", "s3cret", "", "")
	_, err = plain.Exec("set a = 1; set b = 2")
	if me := mysqlErr(t, err); me.Number != 1064 {
		t.Fatalf("without multiStatements: %v", me)
	}
}

// COM_SET_OPTION turns multi-statements on and off for a session.
func TestSetOptionMultiStatements(t *testing.T) {
	srv := startServer(t, Config{}, newTestExecutor())
	c := dialRaw(t, srv, "anon")
	query := append([]byte{mysql.COM_QUERY}, "set a; set b"...)
	if resp, err := c.command(query); err != nil || resp[0] != mysql.ERR_HEADER {
		t.Fatalf("multi-statement before COM_SET_OPTION: %q %v", resp, err)
	}
	if resp, err := c.command([]byte{mysql.COM_SET_OPTION, mysql.MYSQL_OPTION_MULTI_STATEMENTS_ON, 0}); err != nil || resp[0] != mysql.EOF_HEADER {
		t.Fatalf("COM_SET_OPTION: %q %v", resp, err)
	}
	resp, err := c.command(query)
	if err != nil || resp[0] != mysql.OK_HEADER {
		t.Fatalf("first result: %q %v", resp, err)
	}
	if status := binary.LittleEndian.Uint16(resp[3:]); status&mysql.SERVER_MORE_RESULTS_EXISTS == 0 {
		t.Fatalf("first OK without SERVER_MORE_RESULTS_EXISTS: %q", resp)
	}
	resp, err = c.read()
	if err != nil || resp[0] != mysql.OK_HEADER || binary.LittleEndian.Uint16(resp[3:])&mysql.SERVER_MORE_RESULTS_EXISTS != 0 {
		t.Fatalf("last result: %q %v", resp, err)
	}
	if resp, err := c.command([]byte{mysql.COM_SET_OPTION, 7, 0}); err != nil || resp[0] != mysql.ERR_HEADER {
		t.Fatalf("unknown option: %q %v", resp, err)
	}
}

// The greeting announces multi-statements and multi-results.
func TestGreetingCapabilities(t *testing.T) {
	srv := startServer(t, Config{}, newTestExecutor())
	nc, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	c := &rawConn{Conn: nc}
	g, err := c.read()
	if err != nil {
		t.Fatal(err)
	}
	nul := strings.IndexByte(string(g[1:]), 0)
	low := 1 + nul + 1 + 4 + 8 + 1
	caps := uint32(binary.LittleEndian.Uint16(g[low:])) | uint32(binary.LittleEndian.Uint16(g[low+5:]))<<16
	for _, f := range []uint32{mysql.CLIENT_MULTI_STATEMENTS, mysql.CLIENT_MULTI_RESULTS, mysql.CLIENT_PROTOCOL_41, mysql.CLIENT_PLUGIN_AUTH} {
		if caps&f == 0 {
			t.Errorf("greeting lacks capability %#x (has %#x)", f, caps)
		}
	}
}

// COM_STATISTICS (mysqladmin status, the CLI's status) answers MySQL's line.
func TestStatistics(t *testing.T) {
	srv := startServer(t, Config{}, newTestExecutor())
	c := dialRaw(t, srv, "anon")
	if _, err := c.command(append([]byte{mysql.COM_QUERY}, "set x"...)); err != nil {
		t.Fatal(err)
	}
	resp, err := c.command([]byte{mysql.COM_STATISTICS})
	if err != nil {
		t.Fatal(err)
	}
	if s := string(resp); !strings.HasPrefix(s, "Uptime: ") || !strings.Contains(s, "  Threads: 1  Questions: 1  ") {
		t.Fatalf("statistics %q", s)
	}
	if resp, err := c.command([]byte{mysql.COM_PING}); err != nil || resp[0] != mysql.OK_HEADER {
		t.Fatalf("ping after statistics: %q %v", resp, err)
	}
}
