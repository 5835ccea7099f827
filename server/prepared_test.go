package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/binary"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"

	"github.com/tributary-sql/tributary/sqlerr"
)

// Prepare counts the ? in q; "select types" knows its columns up front.
func (e *testExecutor) Prepare(_ context.Context, _ *Session, q string) (int, []Column, error) {
	lq := strings.ToLower(strings.TrimSpace(q))
	if lq == "error" {
		return 0, nil, sqlerr.New(sqlerr.Syntax, "You have an error in your SQL syntax")
	}
	if lq == "select types" {
		return 0, typesCols, nil
	}
	return strings.Count(q, "?"), nil, nil
}

// ExecutePrepared answers "echo ?, …" with one row holding the arguments,
// each in a column of the type the binary protocol has for its Go type,
// and records the arguments; anything else runs as Execute.
func (e *testExecutor) ExecutePrepared(ctx context.Context, s *Session, q string, args []any, w ResultWriter) error {
	e.mu.Lock()
	e.lastArgs = args
	e.mu.Unlock()
	if !strings.HasPrefix(strings.ToLower(q), "echo") {
		return e.Execute(ctx, s, strings.ReplaceAll(q, "?", ""), w)
	}
	if len(args) == 0 {
		return nil
	}
	cols := make([]Column, len(args))
	for i, a := range args {
		c := Column{Name: "c", Type: mysql.MYSQL_TYPE_VAR_STRING}
		switch a.(type) {
		case int64:
			c.Type = mysql.MYSQL_TYPE_LONGLONG
		case uint64:
			c.Type, c.Flags = mysql.MYSQL_TYPE_LONGLONG, mysql.UNSIGNED_FLAG
		case float32:
			c.Type, c.Decimals = mysql.MYSQL_TYPE_FLOAT, notFixedDec
		case float64:
			c.Type, c.Decimals = mysql.MYSQL_TYPE_DOUBLE, notFixedDec
		case []byte:
			c.Type = mysql.MYSQL_TYPE_BLOB
		case Decimal:
			c.Type, c.Decimals = mysql.MYSQL_TYPE_NEWDECIMAL, 2
		case Date:
			c.Type = mysql.MYSQL_TYPE_DATE
		case time.Time:
			c.Type, c.Decimals = mysql.MYSQL_TYPE_DATETIME, 6
		case time.Duration:
			c.Type, c.Decimals = mysql.MYSQL_TYPE_TIME, 6
		}
		cols[i] = c
	}
	if err := w.Columns(cols); err != nil {
		return err
	}
	return w.Row(args)
}

func (e *testExecutor) args() []any {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.lastArgs
}

// TestPreparedTypes reads every Go type a ResultWriter takes through the
// binary protocol (an explicit Prepare makes go-sql-driver use it) and
// expects what the text protocol gives.
func TestPreparedTypes(t *testing.T) {
	srv := startServer(t, Config{}, newTestExecutor())
	db := openDB(t, srv, "alice", "s3cret", "", "")
	st, err := db.Prepare("select types")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rows, err := st.Query()
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	wantDB := []string{"VARCHAR", "TINYINT", "BIGINT", "TINYINT", "SMALLINT", "INT", "BIGINT",
		"UNSIGNED BIGINT", "UNSIGNED TINYINT", "UNSIGNED SMALLINT", "UNSIGNED INT", "UNSIGNED BIGINT",
		"FLOAT", "DOUBLE", "VARCHAR", "BLOB", "DATE", "DATETIME", "TIMESTAMP", "TIME", "DECIMAL", "DECIMAL", "TEXT"}
	if len(cts) != len(wantDB) {
		t.Fatalf("%d columns, want %d", len(cts), len(wantDB))
	}
	for i, ct := range cts {
		if ct.DatabaseTypeName() != wantDB[i] {
			t.Errorf("%s: DatabaseTypeName %q, want %q", ct.Name(), ct.DatabaseTypeName(), wantDB[i])
		}
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

// TestPreparedParseTime: binary DATE/DATETIME/TIMESTAMP read as time.Time.
func TestPreparedParseTime(t *testing.T) {
	srv := startServer(t, Config{}, newTestExecutor())
	db := openDB(t, srv, "alice", "s3cret", "", "parseTime=true")
	st, err := db.Prepare("select types")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var d, dt, ts time.Time
	vals := make([]any, len(typesCols))
	for i := range vals {
		vals[i] = new(any)
	}
	vals[16], vals[17], vals[18] = &d, &dt, &ts
	if err := st.QueryRow().Scan(vals...); err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC); !d.Equal(want) {
		t.Errorf("date %v, want %v", d, want)
	}
	if want := typesTime.Truncate(time.Millisecond); !dt.Equal(want) {
		t.Errorf("datetime %v, want %v", dt, want)
	}
	if want := typesTime.Truncate(time.Second); !ts.Equal(want) {
		t.Errorf("timestamp %v, want %v", ts, want)
	}
}

// TestPreparedArgs sends arguments of every type go-sql-driver has (with
// args and without interpolateParams it prepares), checks what the
// Executor received and what comes back.
func TestPreparedArgs(t *testing.T) {
	e := newTestExecutor()
	srv := startServer(t, Config{}, e)
	db := openDB(t, srv, "alice", "s3cret", "", "")
	when := time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)
	cases := []struct {
		arg  any
		want any // what the Executor receives
		back any // scanned back into a value of this type
	}{
		{nil, nil, sql.NullString{}},
		{true, int64(1), int64(1)},
		{int8(-5), int64(-5), int64(-5)},
		{int64(math.MinInt64), int64(math.MinInt64), int64(math.MinInt64)},
		{uint64(math.MaxUint64), uint64(math.MaxUint64), uint64(math.MaxUint64)},
		{uint32(7), uint64(7), int64(7)},
		{1.25, 1.25, 1.25},
		{float32(0.5), 0.5, 0.5},
		{"", "", ""},
		{"it's \\ \"x\" \x00 ; DROP TABLE t; --", "it's \\ \"x\" \x00 ; DROP TABLE t; --", "it's \\ \"x\" \x00 ; DROP TABLE t; --"},
		{"héllo ✓", "héllo ✓", "héllo ✓"},
		{[]byte{0, 0xff, 'a'}, []byte{0, 0xff, 'a'}, []byte{0, 0xff, 'a'}},
		{when, "2024-02-29 13:14:15.123456", "2024-02-29 13:14:15.123456"},
	}
	for _, c := range cases {
		rows, err := db.Query("echo ?", c.arg)
		if err != nil {
			t.Fatalf("%#v: %v", c.arg, err)
		}
		if got := e.args(); len(got) != 1 || !reflect.DeepEqual(got[0], c.want) {
			t.Errorf("%#v: executor got %#v, want %#v", c.arg, got, c.want)
		}
		if !rows.Next() {
			t.Fatalf("%#v: no row: %v", c.arg, rows.Err())
		}
		back := reflect.New(reflect.TypeOf(c.back))
		if err := rows.Scan(back.Interface()); err != nil {
			t.Fatalf("%#v: %v", c.arg, err)
		}
		rows.Close()
		if !reflect.DeepEqual(back.Elem().Interface(), c.back) {
			t.Errorf("%#v: read back %#v, want %#v", c.arg, back.Elem().Interface(), c.back)
		}
	}

	// Many parameters with NULLs in between: the bitmap spans bytes.
	args := make([]any, 20)
	for i := range args {
		if i%3 != 0 {
			args[i] = int64(i)
		}
	}
	row := db.QueryRow("echo"+strings.Repeat(" ?", len(args)), args...)
	got := make([]sql.NullInt64, len(args))
	ptrs := make([]any, len(args))
	for i := range got {
		ptrs[i] = &got[i]
	}
	if err := row.Scan(ptrs...); err != nil {
		t.Fatal(err)
	}
	for i, g := range got {
		if g.Valid != (i%3 != 0) || (g.Valid && g.Int64 != int64(i)) {
			t.Errorf("arg %d read back %v", i, g)
		}
	}

	// A prepared statement run many times, the driver sending types each time.
	st, err := db.Prepare("echo ?, ?")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for i := range 5 {
		var a int64
		var b string
		if err := st.QueryRow(int64(i), "s").Scan(&a, &b); err != nil || a != int64(i) || b != "s" {
			t.Fatalf("run %d: %v %v %q", i, err, a, b)
		}
	}

	// Statements without rows, errors from the Executor, streaming.
	if _, err := db.Exec("set x = ?", 1); err != nil {
		t.Errorf("set: %v", err)
	}
	if _, err := db.Query("error ?", 1); err == nil || mysqlErr(t, err).Number != 1146 {
		t.Errorf("error: %v", err)
	}
	rows, err := db.Query("select rows 1000 ?", 1)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for rows.Next() {
		var id int64
		var x float64
		var s string
		if err := rows.Scan(&id, &x, &s); err != nil {
			t.Fatal(err)
		}
		if id != int64(n) || x != float64(n)*0.5 {
			t.Fatalf("row %d: %d %v", n, id, x)
		}
		n++
	}
	if rows.Err() != nil || n != 1000 {
		t.Errorf("%d rows, %v", n, rows.Err())
	}
	rows.Close()
	if _, err := db.Prepare("error"); err == nil || mysqlErr(t, err).Number != 1064 {
		t.Errorf("prepare error: %v", err)
	}
}

// TestPreparedLongData: go-sql-driver sends arguments longer than a fraction
// of maxAllowedPacket with COM_STMT_SEND_LONG_DATA.
func TestPreparedLongData(t *testing.T) {
	e := newTestExecutor()
	srv := startServer(t, Config{}, e)
	db := openDB(t, srv, "alice", "s3cret", "", "maxAllowedPacket=1048576")
	blob := make([]byte, 3<<20)
	_, _ = rand.Read(blob)
	blob[0] = 0xff // never valid UTF-8
	var back []byte
	if err := db.QueryRow("echo ?, ?", blob, int64(5)).Scan(&back, new(int64)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(back, blob) {
		t.Errorf("blob of %d bytes read back as %d bytes", len(blob), len(back))
	}
	text := strings.Repeat("long text ", 100_000)
	var s string
	if err := db.QueryRow("echo ?", text).Scan(&s); err != nil || s != text {
		t.Errorf("long text: %v, %d bytes", err, len(s))
	}
	if got := e.args(); len(got) != 1 || got[0] != text {
		t.Errorf("executor got %T", got[0])
	}
}

// stmtPacket is a COM_STMT_* command for statement id followed by rest.
func stmtPacket(cmd byte, id uint32, rest ...byte) []byte {
	return append(binary.LittleEndian.AppendUint32([]byte{cmd}, id), rest...)
}

// prepareRaw prepares q on c and returns the statement id, reading the
// parameter and column definitions.
func prepareRaw(t *testing.T, c *rawConn, q string) uint32 {
	t.Helper()
	p, err := c.command(append([]byte{mysql.COM_STMT_PREPARE}, q...))
	if err != nil || p[0] != mysql.OK_HEADER || len(p) < 12 {
		t.Fatalf("prepare %q: %q %v", q, p, err)
	}
	id := binary.LittleEndian.Uint32(p[1:])
	cols, params := binary.LittleEndian.Uint16(p[5:]), binary.LittleEndian.Uint16(p[7:])
	for _, n := range []uint16{params, cols} {
		if n == 0 {
			continue
		}
		for range n + 1 { // definitions and EOF
			if _, err := c.read(); err != nil {
				t.Fatal(err)
			}
		}
	}
	return id
}

// readResult reads a response to the end and returns its first packet.
func readResult(t *testing.T, c *rawConn, first []byte) []byte {
	t.Helper()
	if first[0] == mysql.OK_HEADER || first[0] == mysql.ERR_HEADER {
		return first
	}
	eofs := 0
	for eofs < 2 {
		p, err := c.read()
		if err != nil {
			t.Fatal(err)
		}
		if p[0] == mysql.EOF_HEADER && len(p) < 9 {
			eofs++
		}
		if p[0] == mysql.ERR_HEADER {
			break
		}
	}
	return first
}

func errCode(p []byte) int {
	if len(p) < 3 || p[0] != mysql.ERR_HEADER {
		return 0
	}
	return int(binary.LittleEndian.Uint16(p[1:]))
}

// TestPreparedMalformed sends what no driver would: every malformed
// COM_STMT_EXECUTE gets 1835, unknown and closed statements 1243, and the
// connection goes on.
func TestPreparedMalformed(t *testing.T) {
	srv := startServer(t, Config{}, newTestExecutor())
	c := dialRaw(t, srv, "anon")
	id := prepareRaw(t, c, "echo ?, ?")
	str := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	types := []byte{mysql.MYSQL_TYPE_LONGLONG, 0, mysql.MYSQL_TYPE_VAR_STRING, 0}
	good := append(append([]byte{0, 1, 0, 0, 0, 0, 1}, types...), append(binary.LittleEndian.AppendUint64(nil, 42), str("hi")...)...)
	cases := []struct {
		name string
		pkt  []byte
		code int
	}{
		{"no id", []byte{mysql.COM_STMT_EXECUTE, 1}, 1835},
		{"no flags", stmtPacket(mysql.COM_STMT_EXECUTE, id), 1835},
		{"no iteration count", stmtPacket(mysql.COM_STMT_EXECUTE, id, 0, 1), 1835},
		{"no bitmap", stmtPacket(mysql.COM_STMT_EXECUTE, id, 0, 1, 0, 0, 0), 1835},
		{"no bound flag", stmtPacket(mysql.COM_STMT_EXECUTE, id, 0, 1, 0, 0, 0, 0), 1835},
		{"bad bound flag", stmtPacket(mysql.COM_STMT_EXECUTE, id, 0, 1, 0, 0, 0, 0, 7), 1835},
		{"types truncated", stmtPacket(mysql.COM_STMT_EXECUTE, id, 0, 1, 0, 0, 0, 0, 1, 8, 0, 253), 1835},
		{"no types ever", stmtPacket(mysql.COM_STMT_EXECUTE, id, 0, 1, 0, 0, 0, 0, 0), 1210},
		{"value truncated", stmtPacket(mysql.COM_STMT_EXECUTE, id, append(append([]byte{0, 1, 0, 0, 0, 0, 1}, types...), 1, 2, 3)...), 1835},
		{"string truncated", stmtPacket(mysql.COM_STMT_EXECUTE, id, append(append(append([]byte{0, 1, 0, 0, 0, 0, 1}, types...), make([]byte, 8)...), 0xfe, 0xff, 0xff)...), 1835},
		{"huge length", stmtPacket(mysql.COM_STMT_EXECUTE, id, append(append(append([]byte{0, 1, 0, 0, 0, 0, 1}, types...), make([]byte, 8)...), 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)...), 1835},
		{"unknown type", stmtPacket(mysql.COM_STMT_EXECUTE, id, 0, 1, 0, 0, 0, 0, 1, 0x42, 0, 0x42, 0, 1), 1835},
		{"bad date length", stmtPacket(mysql.COM_STMT_EXECUTE, id, 0, 1, 0, 0, 0, 2, 1, mysql.MYSQL_TYPE_DATE, 0, 0, 0, 5, 1, 2, 3, 4, 5), 1835},
		{"unknown statement", stmtPacket(mysql.COM_STMT_EXECUTE, id+100, good...), 1243},
		{"reset unknown", stmtPacket(mysql.COM_STMT_RESET, id+100), 1243},
		{"reset short", []byte{mysql.COM_STMT_RESET, 1}, 1835},
		{"good", stmtPacket(mysql.COM_STMT_EXECUTE, id, good...), 0},
		// The types are remembered: values only.
		{"types remembered", stmtPacket(mysql.COM_STMT_EXECUTE, id, append([]byte{0, 1, 0, 0, 0, 0, 0}, append(binary.LittleEndian.AppendUint64(nil, 1), str("x")...)...)...), 0},
		{"reset", stmtPacket(mysql.COM_STMT_RESET, id), 0},
	}
	for _, tc := range cases {
		p, err := c.command(tc.pkt)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		p = readResult(t, c, p)
		if got := errCode(p); got != tc.code {
			t.Errorf("%s: error %d (%q), want %d", tc.name, got, p, tc.code)
		}
		if p, err := c.command([]byte{mysql.COM_PING}); err != nil || p[0] != mysql.OK_HEADER {
			t.Fatalf("after %s: ping %q %v", tc.name, p, err)
		}
	}
	if p, _ := c.command(stmtPacket(mysql.COM_STMT_EXECUTE, id+100, good...)); !bytes.Contains(p, []byte("Unknown prepared statement handler")) {
		t.Errorf("unknown statement message: %q", p)
	}

	// CLOSE has no response; the statement is gone afterwards.
	c.seq = 0
	if err := c.write(stmtPacket(mysql.COM_STMT_CLOSE, id)); err != nil {
		t.Fatal(err)
	}
	p, err := c.command(stmtPacket(mysql.COM_STMT_EXECUTE, id, good...))
	if err != nil || errCode(p) != 1243 {
		t.Errorf("execute after close: %q %v", p, err)
	}

	// Long data for a parameter that does not exist is reported by EXECUTE.
	id = prepareRaw(t, c, "echo ?")
	c.seq = 0
	if err := c.write(stmtPacket(mysql.COM_STMT_SEND_LONG_DATA, id, 5, 0, 'x')); err != nil {
		t.Fatal(err)
	}
	p, err = c.command(stmtPacket(mysql.COM_STMT_EXECUTE, id, 0, 1, 0, 0, 0, 0, 1, mysql.MYSQL_TYPE_BLOB, 0))
	if err != nil || errCode(p) != 1210 {
		t.Errorf("long data for parameter 5: %q %v", p, err)
	}
	// Long data, then an execute without that value in the packet.
	for _, chunk := range []string{"ab", "", "cd"} {
		c.seq = 0
		if err := c.write(stmtPacket(mysql.COM_STMT_SEND_LONG_DATA, id, append([]byte{0, 0}, chunk...)...)); err != nil {
			t.Fatal(err)
		}
	}
	p, err = c.command(stmtPacket(mysql.COM_STMT_EXECUTE, id, 0, 1, 0, 0, 0, 0, 1, mysql.MYSQL_TYPE_BLOB, 0))
	if err != nil || p[0] != 1 {
		t.Fatalf("execute with long data: %q %v", p, err)
	}
	var rowsSeen [][]byte
	for {
		q, err := c.read()
		if err != nil {
			t.Fatal(err)
		}
		if q[0] == mysql.EOF_HEADER && len(q) < 9 {
			if len(rowsSeen) > 0 {
				break
			}
			rowsSeen = append(rowsSeen, nil) // after the column definitions
			continue
		}
		if len(rowsSeen) > 0 {
			rowsSeen = append(rowsSeen, q)
		}
	}
	// Row: 0x00, bitmap (1 byte), "abcd" length-encoded.
	if len(rowsSeen) != 2 || !bytes.Equal(rowsSeen[1], []byte{0, 0, 4, 'a', 'b', 'c', 'd'}) {
		t.Errorf("long data row: %q", rowsSeen)
	}
}

// TestBind decodes parameters of every type the binary protocol has.
func TestBind(t *testing.T) {
	le16 := func(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
	le32 := func(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
	le64 := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	cat := func(bs ...[]byte) []byte { return bytes.Join(bs, nil) }
	cases := []struct {
		typ, flag byte
		val       []byte
		want      any
	}{
		{mysql.MYSQL_TYPE_TINY, 0, []byte{0xfe}, int64(-2)},
		{mysql.MYSQL_TYPE_TINY, 0x80, []byte{0xfe}, uint64(254)},
		{mysql.MYSQL_TYPE_SHORT, 0, le16(0xfffe), int64(-2)},
		{mysql.MYSQL_TYPE_SHORT, 0x80, le16(0xfffe), uint64(65534)},
		{mysql.MYSQL_TYPE_YEAR, 0x80, le16(2024), uint64(2024)},
		{mysql.MYSQL_TYPE_INT24, 0, le32(0xfffffffe), int64(-2)},
		{mysql.MYSQL_TYPE_LONG, 0x80, le32(0xfffffffe), uint64(0xfffffffe)},
		{mysql.MYSQL_TYPE_LONGLONG, 0, le64(math.MaxUint64), int64(-1)},
		{mysql.MYSQL_TYPE_LONGLONG, 0x80, le64(math.MaxUint64), uint64(math.MaxUint64)},
		{mysql.MYSQL_TYPE_FLOAT, 0, le32(math.Float32bits(1.5)), float32(1.5)},
		{mysql.MYSQL_TYPE_DOUBLE, 0, le64(math.Float64bits(-0.1)), -0.1},
		{mysql.MYSQL_TYPE_NEWDECIMAL, 0, []byte("\x05-1.50"), Decimal("-1.50")},
		{mysql.MYSQL_TYPE_DECIMAL, 0, []byte("\x011"), Decimal("1")},
		{mysql.MYSQL_TYPE_VAR_STRING, 0, []byte("\x03abc"), "abc"},
		{mysql.MYSQL_TYPE_STRING, 0, []byte("\x02\xff\x00"), []byte{0xff, 0}},
		{mysql.MYSQL_TYPE_VARCHAR, 0, []byte("\x00"), ""},
		{mysql.MYSQL_TYPE_JSON, 0, []byte("\x02{}"), "{}"},
		{mysql.MYSQL_TYPE_BLOB, 0, []byte("\x03abc"), []byte("abc")},
		{mysql.MYSQL_TYPE_LONG_BLOB, 0, cat([]byte{0xfc}, le16(300), bytes.Repeat([]byte{'z'}, 300)), bytes.Repeat([]byte{'z'}, 300)},
		{mysql.MYSQL_TYPE_NULL, 0, nil, nil},
		{mysql.MYSQL_TYPE_DATE, 0, cat([]byte{4}, le16(2024), []byte{2, 29}), Date{time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}},
		{mysql.MYSQL_TYPE_DATE, 0, []byte{0}, "0000-00-00"},
		{mysql.MYSQL_TYPE_DATETIME, 0, cat([]byte{7}, le16(2024), []byte{2, 29, 13, 14, 15}), time.Date(2024, 2, 29, 13, 14, 15, 0, time.UTC)},
		{mysql.MYSQL_TYPE_TIMESTAMP, 0, cat([]byte{11}, le16(2024), []byte{2, 29, 13, 14, 15}, le32(123456)), time.Date(2024, 2, 29, 13, 14, 15, 123456000, time.UTC)},
		{mysql.MYSQL_TYPE_DATETIME, 0, cat([]byte{4}, le16(2023), []byte{2, 30}), "2023-02-30 00:00:00"},
		{mysql.MYSQL_TYPE_DATETIME, 0, []byte{0}, "0000-00-00 00:00:00"},
		{mysql.MYSQL_TYPE_TIME, 0, []byte{0}, time.Duration(0)},
		{mysql.MYSQL_TYPE_TIME, 0, cat([]byte{8, 1}, le32(1), []byte{1, 2, 3}), -(25*time.Hour + 2*time.Minute + 3*time.Second)},
		{mysql.MYSQL_TYPE_TIME, 0, cat([]byte{12, 0}, le32(0), []byte{1, 2, 3}, le32(4500)), time.Hour + 2*time.Minute + 3*time.Second + 4500*time.Microsecond},
	}
	for _, c := range cases {
		// The value between two others checks that each takes its bytes.
		st := &stmt{params: 3}
		p := cat([]byte{0, 1, 0, 0, 0, 0, 1}, []byte{mysql.MYSQL_TYPE_TINY, 0, c.typ, c.flag, mysql.MYSQL_TYPE_TINY, 0}, []byte{7}, c.val, []byte{9})
		args, err := st.bind(p)
		if err != nil {
			t.Errorf("type %d %x: %v", c.typ, c.val, err)
			continue
		}
		if !reflect.DeepEqual(args, []any{int64(7), c.want, int64(9)}) {
			t.Errorf("type %d %x: %#v, want %#v", c.typ, c.val, args[1], c.want)
		}
		// NULL in the bitmap: no value bytes.
		p = cat([]byte{0, 1, 0, 0, 0, 2, 1}, []byte{mysql.MYSQL_TYPE_TINY, 0, c.typ, c.flag, mysql.MYSQL_TYPE_TINY, 0}, []byte{7, 9})
		if args, err := st.bind(p); err != nil || !reflect.DeepEqual(args, []any{int64(7), nil, int64(9)}) {
			t.Errorf("type %d NULL: %#v %v", c.typ, args, err)
		}
	}
}

// TestAppendBinaryValue checks the binary encodings, and that a value which
// does not fit its column is refused rather than truncated.
func TestAppendBinaryValue(t *testing.T) {
	col := func(typ byte, flags uint16, dec uint8) *Column {
		return &Column{Name: "c", Type: typ, Flags: flags, Decimals: dec}
	}
	when := time.Date(2024, 2, 29, 13, 14, 15, 123456789, time.UTC)
	cases := []struct {
		c    *Column
		v    any
		want []byte // nil: an error
	}{
		{col(mysql.MYSQL_TYPE_TINY, 0, 0), int64(-1), []byte{0xff}},
		{col(mysql.MYSQL_TYPE_TINY, 0, 0), true, []byte{1}},
		{col(mysql.MYSQL_TYPE_TINY, 0, 0), int64(128), nil},
		{col(mysql.MYSQL_TYPE_TINY, mysql.UNSIGNED_FLAG, 0), uint8(255), []byte{0xff}},
		{col(mysql.MYSQL_TYPE_TINY, mysql.UNSIGNED_FLAG, 0), int64(-1), nil},
		{col(mysql.MYSQL_TYPE_SHORT, 0, 0), int16(-2), []byte{0xfe, 0xff}},
		{col(mysql.MYSQL_TYPE_YEAR, mysql.UNSIGNED_FLAG, 0), when, []byte{0xe8, 0x07}},
		{col(mysql.MYSQL_TYPE_LONG, 0, 0), "-2", []byte{0xfe, 0xff, 0xff, 0xff}},
		{col(mysql.MYSQL_TYPE_LONG, mysql.UNSIGNED_FLAG, 0), uint32(math.MaxUint32), []byte{0xff, 0xff, 0xff, 0xff}},
		{col(mysql.MYSQL_TYPE_LONGLONG, 0, 0), uint64(math.MaxUint64), nil},
		{col(mysql.MYSQL_TYPE_LONGLONG, mysql.UNSIGNED_FLAG, 0), uint64(math.MaxUint64), bytes.Repeat([]byte{0xff}, 8)},
		{col(mysql.MYSQL_TYPE_LONGLONG, 0, 0), 3.0, []byte{3, 0, 0, 0, 0, 0, 0, 0}},
		{col(mysql.MYSQL_TYPE_LONGLONG, 0, 0), 3.5, nil},
		{col(mysql.MYSQL_TYPE_LONGLONG, 0, 0), "x", nil},
		{col(mysql.MYSQL_TYPE_FLOAT, 0, notFixedDec), 1.5, binary.LittleEndian.AppendUint32(nil, math.Float32bits(1.5))},
		{col(mysql.MYSQL_TYPE_DOUBLE, 0, notFixedDec), decimal("0.25"), binary.LittleEndian.AppendUint64(nil, math.Float64bits(0.25))},
		{col(mysql.MYSQL_TYPE_DOUBLE, 0, notFixedDec), int64(2), binary.LittleEndian.AppendUint64(nil, math.Float64bits(2))},
		{col(mysql.MYSQL_TYPE_DATE, 0, 0), when, []byte{4, 0xe8, 0x07, 2, 29}},
		{col(mysql.MYSQL_TYPE_DATETIME, 0, 0), when, []byte{7, 0xe8, 0x07, 2, 29, 13, 14, 15}},
		{col(mysql.MYSQL_TYPE_DATETIME, 0, 6), when, []byte{11, 0xe8, 0x07, 2, 29, 13, 14, 15, 0x40, 0xe2, 0x01, 0}},
		{col(mysql.MYSQL_TYPE_TIMESTAMP, 0, 3), when, []byte{11, 0xe8, 0x07, 2, 29, 13, 14, 15, 0x78, 0xe0, 0x01, 0}},
		{col(mysql.MYSQL_TYPE_DATETIME, 0, 6), time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC), []byte{4, 0xe8, 0x07, 1, 2}},
		{col(mysql.MYSQL_TYPE_DATETIME, 0, 6), "2024-01-02 03:04:05", []byte{7, 0xe8, 0x07, 1, 2, 3, 4, 5}},
		{col(mysql.MYSQL_TYPE_DATE, 0, 0), "yesterday", nil},
		{col(mysql.MYSQL_TYPE_TIME, 0, 0), time.Duration(0), []byte{0}},
		{col(mysql.MYSQL_TYPE_TIME, 0, 0), -(49*time.Hour + time.Second + time.Millisecond), []byte{8, 1, 2, 0, 0, 0, 1, 0, 1}},
		{col(mysql.MYSQL_TYPE_TIME, 0, 6), 5 * time.Microsecond, []byte{12, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0}},
		{col(mysql.MYSQL_TYPE_TIME, 0, 6), time.Date(1, 1, 1, 1, 2, 3, 0, time.UTC), []byte{8, 0, 0, 0, 0, 0, 1, 2, 3}},
		{col(mysql.MYSQL_TYPE_NEWDECIMAL, 0, 2), decimal("-1.50"), []byte("\x05-1.50")},
		{col(mysql.MYSQL_TYPE_VAR_STRING, 0, 0), "héllo", []byte("\x06héllo")},
		{col(mysql.MYSQL_TYPE_BLOB, 0, 0), []byte{0, 1}, []byte{2, 0, 1}},
		{col(mysql.MYSQL_TYPE_VAR_STRING, 0, 0), int64(-3), []byte("\x02-3")},
		{col(mysql.MYSQL_TYPE_NULL, 0, 0), int64(1), nil},
	}
	for _, c := range cases {
		got, err := appendBinaryValue(nil, c.c, c.v)
		if c.want == nil {
			if err == nil {
				t.Errorf("type %d %#v: no error, got %x", c.c.Type, c.v, got)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, c.want) {
			t.Errorf("type %d %#v: %x %v, want %x", c.c.Type, c.v, got, err, c.want)
		}
	}

	// A row: header, bitmap with offset 2 over 7 columns (two bytes).
	cols := make([]Column, 7)
	for i := range cols {
		cols[i] = Column{Type: mysql.MYSQL_TYPE_TINY}
	}
	row, err := appendBinaryRow(nil, cols, []any{nil, int64(1), nil, int64(2), int64(3), int64(4), nil})
	if err != nil || !bytes.Equal(row, []byte{0, 0b0001_0100, 0b0000_0001, 1, 2, 3, 4}) {
		t.Errorf("row %08b %v", row, err)
	}
}

// FuzzBind decodes arbitrary COM_STMT_EXECUTE bodies for statements of 0–3
// parameters: errors are fine, panics are not.
func FuzzBind(f *testing.F) {
	f.Add(byte(2), []byte{0, 1, 0, 0, 0, 0, 1, mysql.MYSQL_TYPE_LONGLONG, 0, mysql.MYSQL_TYPE_VAR_STRING, 0, 1, 2, 3, 4, 5, 6, 7, 8, 1, 'x'})
	f.Add(byte(1), []byte{0, 1, 0, 0, 0, 0, 1, mysql.MYSQL_TYPE_DATETIME, 0, 11, 0xe8, 0x07, 2, 29, 13, 14, 15, 1, 2, 3, 4})
	f.Add(byte(1), []byte{0, 1, 0, 0, 0, 0, 1, mysql.MYSQL_TYPE_TIME, 0, 12, 1, 2, 0, 0, 0, 13, 14, 15, 1, 2, 3, 0})
	f.Add(byte(3), []byte{0, 1, 0, 0, 0, 5, 0})
	f.Fuzz(func(t *testing.T, params byte, p []byte) {
		st := &stmt{params: int(params % 4)}
		if params&0x80 != 0 {
			st.long = map[int][]byte{0: []byte("long")}
		}
		args, err := st.bind(p)
		if err == nil && len(args) != st.params {
			t.Fatalf("%d args for %d parameters", len(args), st.params)
		}
		if err != nil {
			if my := toMySQLError(err); my.Code != 1835 && my.Code != 1210 {
				t.Fatalf("error %v", err)
			}
		}
	})
}

// FuzzStmtExecute sends arbitrary COM_STMT_EXECUTE bodies for a prepared
// statement of three parameters whose values are echoed back in the binary
// format: whatever the answer, the same connection must answer a ping.
func FuzzStmtExecute(f *testing.F) {
	f.Add([]byte{0, 1, 0, 0, 0, 0, 1, mysql.MYSQL_TYPE_LONGLONG, 0, mysql.MYSQL_TYPE_VAR_STRING, 0, mysql.MYSQL_TYPE_TIME, 0,
		1, 2, 3, 4, 5, 6, 7, 8, 1, 'x', 8, 1, 2, 0, 0, 0, 13, 14, 15})
	f.Add([]byte{0, 1, 0, 0, 0, 7, 1, 6, 0, 6, 0, 6, 0})
	f.Add([]byte{0, 1, 0, 0, 0, 0, 1, mysql.MYSQL_TYPE_DATE, 0, mysql.MYSQL_TYPE_NEWDECIMAL, 0, mysql.MYSQL_TYPE_DOUBLE, 0x80,
		4, 0xe8, 0x07, 2, 29, 3, '1', '.', '5', 0, 0, 0, 0, 0, 0, 0xf0, 0x7f})
	srv := startServer(f, Config{}, newTestExecutor())
	f.Fuzz(func(t *testing.T, body []byte) {
		c := dialRaw(t, srv, "anon")
		defer c.Close()
		id := prepareRaw(t, c, "echo ?, ?, ?")
		p, err := c.command(stmtPacket(mysql.COM_STMT_EXECUTE, id, body...))
		if err != nil {
			t.Fatalf("execute: %v", err)
		}
		if p[0] != mysql.OK_HEADER && p[0] != mysql.ERR_HEADER {
			readResult(t, c, p)
		}
		if p, err := c.command([]byte{mysql.COM_PING}); err != nil || p[0] != mysql.OK_HEADER {
			t.Fatalf("after %x: ping %q %v", body, p, err)
		}
	})
}
