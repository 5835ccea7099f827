package server

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/go-mysql-org/go-mysql/mysql"

	"github.com/tributary-sql/tributary/sqlerr"
)

// Prepared statements (COM_STMT_*). The server keeps, per connection, the
// text and parameter count of each statement and the parameter types the
// client last bound (clients send them once, then only values); the
// Executor prepares and runs the text with decoded values. Every length
// and count in a packet is checked before it is used: a malformed packet
// gets error 1835 and the connection goes on.

const (
	// maxStmts bounds the statements one connection may hold open (MySQL's
	// default max_prepared_stmt_count, there server-wide).
	maxStmts = 16382
	// maxLongData bounds what COM_STMT_SEND_LONG_DATA may accumulate on
	// one connection, over all its statements: the max_allowed_packet the
	// gateway reports (64 MiB).
	maxLongData = 64 << 20
	// paramUnsigned is the flag byte after a parameter type.
	paramUnsigned = 0x80
)

// stmt is one prepared statement of a connection.
type stmt struct {
	id      uint32
	query   string
	params  int
	types   []byte         // 2 bytes per parameter once bound; nil before
	long    map[int][]byte // data from COM_STMT_SEND_LONG_DATA by parameter
	longLen int            // total bytes in long
	longErr error          // reported by the next execute
}

func (st *stmt) resetLongData() {
	st.long, st.longLen, st.longErr = nil, 0, nil
}

func malformed(format string, args ...any) error {
	return sqlerr.New(sqlerr.MalformedPacket, "Malformed communication packet: "+format, args...)
}

func unknownStmt(id uint32, cmd string) *mysql.MyError {
	return mysql.NewError(mysql.ER_UNKNOWN_STMT_HANDLER,
		fmt.Sprintf("Unknown prepared statement handler (%d) given to %s", id, cmd))
}

// stmtByID finds the statement whose id starts a COM_STMT_* packet; when
// there is none it returns the reply to send instead.
func (c *conn) stmtByID(arg []byte, cmd string) (*stmt, any) {
	if len(arg) < 4 {
		return nil, toMySQLError(malformed("%s without a statement id", cmd))
	}
	id := binary.LittleEndian.Uint32(arg)
	st, ok := c.stmts[id]
	if !ok {
		return nil, unknownStmt(id, cmd)
	}
	return st, nil
}

// prepare answers COM_STMT_PREPARE: the PREPARE_OK packet, then one
// definition per parameter and per known result column, each list ended by
// an EOF.
func (c *conn) prepare(query string) any {
	if len(c.stmts) >= maxStmts {
		return mysql.NewError(mysql.ER_MAX_PREPARED_STMT_COUNT_REACHED,
			fmt.Sprintf("Can't create more than max_prepared_stmt_count statements (current value: %d)", maxStmts))
	}
	var (
		params int
		cols   []Column
	)
	ctx, done := c.beginStatement()
	err := c.call(func() (err error) {
		params, cols, err = c.srv.exec.Prepare(ctx, &c.sess, query)
		return err
	})
	done()
	if err != nil {
		c.logStatementError(query, err)
		return toMySQLError(err)
	}
	if params < 0 || params > math.MaxUint16 {
		return mysql.NewError(mysql.ER_PS_MANY_PARAM, "Prepared statement contains too many placeholders")
	}
	if len(cols) > math.MaxUint16 {
		cols = nil // the client learns them at execution
	}
	c.lastStmtID++
	for c.lastStmtID == 0 || c.stmts[c.lastStmtID] != nil {
		c.lastStmtID++
	}
	st := &stmt{id: c.lastStmtID, query: query, params: params}
	if c.stmts == nil {
		c.stmts = map[uint32]*stmt{}
	}
	c.stmts[st.id] = st

	b := append(c.rowBuf[:0], 0, 0, 0, 0, mysql.OK_HEADER)
	b = binary.LittleEndian.AppendUint32(b, st.id)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(cols)))
	b = binary.LittleEndian.AppendUint16(b, uint16(params))
	b = append(b, 0, 0, 0) // filler, warning count
	if err := c.mc.WritePacket(b); err != nil {
		return quit{}
	}
	if params > 0 {
		param := (&mysql.Field{Name: []byte("?"), Type: mysql.MYSQL_TYPE_VAR_STRING, Charset: charsetBinary, Flag: mysql.BINARY_FLAG}).Dump()
		for range params {
			if err := c.mc.WritePacket(append(b[:4], param...)); err != nil {
				return quit{}
			}
		}
		if c.writeEOF() != (noReply{}) {
			return quit{}
		}
	}
	if len(cols) > 0 {
		for i := range cols {
			if err := c.mc.WritePacket(append(b[:4], columnField(&cols[i]).Dump()...)); err != nil {
				return quit{}
			}
		}
		if c.writeEOF() != (noReply{}) {
			return quit{}
		}
	}
	return noReply{}
}

// execute answers COM_STMT_EXECUTE, streaming rows in the binary format.
func (c *conn) execute(arg []byte) any {
	st, reply := c.stmtByID(arg, "mysqld_stmt_execute")
	if st == nil {
		return reply
	}
	args, err := st.bind(arg[4:])
	st.resetLongData() // long data is used by one execution, even a failed one
	if err != nil {
		return toMySQLError(err)
	}
	ctx, done := c.beginStatement()
	w := newResultWriter(c.mc, serverStatus, c.rowBuf)
	w.binary = true
	err = c.call(func() error { return c.srv.exec.ExecutePrepared(ctx, &c.sess, st.query, args, w) })
	done()
	if cap(w.buf) <= maxKeptRowBuf {
		c.rowBuf = w.buf
	}
	if err != nil {
		c.logStatementError(st.query, err)
		return toMySQLError(err)
	}
	if !w.started() {
		return nil
	}
	return &mysql.Result{Resultset: &mysql.Resultset{
		Fields: w.fields, Streaming: mysql.StreamingSelect, StreamingDone: true,
	}}
}

// sendLongData handles COM_STMT_SEND_LONG_DATA: statement id (4),
// parameter (2), data. It has no response, so a problem is remembered and
// reported by the next COM_STMT_EXECUTE, as MySQL does.
func (c *conn) sendLongData(arg []byte) {
	if len(arg) < 6 {
		return
	}
	st := c.stmts[binary.LittleEndian.Uint32(arg)]
	if st == nil || st.longErr != nil {
		return
	}
	p := int(binary.LittleEndian.Uint16(arg[4:]))
	data := arg[6:]
	switch {
	case p >= st.params:
		st.longErr = mysql.NewError(mysql.ER_WRONG_ARGUMENTS, "Incorrect arguments to mysqld_stmt_send_long_data")
	case c.longData()+len(data) > maxLongData:
		st.longErr = mysql.NewError(mysql.ER_NET_PACKET_TOO_LARGE,
			"Parameter of prepared statement which is set through mysql_send_long_data() is longer than 'max_allowed_packet' bytes")
	}
	if st.longErr != nil {
		st.long, st.longLen = nil, 0
		return
	}
	if st.long == nil {
		st.long = map[int][]byte{}
	}
	// Copy: the packet buffer is reused by the next read.
	st.long[p] = append(st.long[p], data...)
	if st.long[p] == nil {
		st.long[p] = []byte{}
	}
	st.longLen += len(data)
}

// longData is what COM_STMT_SEND_LONG_DATA holds on the connection.
func (c *conn) longData() int {
	n := 0
	for _, st := range c.stmts {
		n += st.longLen
	}
	return n
}

// bind decodes the rest of a COM_STMT_EXECUTE after the statement id:
// flags (1), iteration count (4), and for a statement with parameters the
// NULL bitmap, the new-params-bound flag, the types (2 bytes each, when
// bound) and the values of the parameters that are neither NULL nor sent
// as long data.
func (st *stmt) bind(p []byte) ([]any, error) {
	if st.longErr != nil {
		return nil, st.longErr
	}
	if len(p) < 5 {
		return nil, malformed("COM_STMT_EXECUTE too short")
	}
	// Cursor flags are not honoured: the rows follow at once and the status
	// never says SERVER_STATUS_CURSOR_EXISTS, which clients accept (MySQL
	// does the same for statements it opens no cursor for).
	p = p[5:]
	if st.params == 0 {
		return nil, nil
	}
	nullLen := (st.params + 7) / 8
	if len(p) < nullLen+1 {
		return nil, malformed("COM_STMT_EXECUTE without parameters")
	}
	nulls, bound := p[:nullLen], p[nullLen]
	p = p[nullLen+1:]
	switch bound {
	case 1:
		if len(p) < 2*st.params {
			return nil, malformed("COM_STMT_EXECUTE with %d parameter types for %d parameters", len(p)/2, st.params)
		}
		st.types = append(st.types[:0], p[:2*st.params]...)
		p = p[2*st.params:]
	case 0:
		if st.types == nil {
			return nil, mysql.NewError(mysql.ER_WRONG_ARGUMENTS, "Incorrect arguments to mysqld_stmt_execute")
		}
	default:
		return nil, malformed("COM_STMT_EXECUTE new-params-bound flag %d", bound)
	}
	args := make([]any, st.params)
	for i := range args {
		typ, unsigned := st.types[2*i], st.types[2*i+1]&paramUnsigned != 0
		if nulls[i/8]&(1<<(i%8)) != 0 || typ == mysql.MYSQL_TYPE_NULL {
			continue
		}
		if data, ok := st.long[i]; ok {
			args[i] = stringParam(typ, data)
			continue
		}
		var (
			v   any
			n   int
			err error
		)
		if v, n, err = decodeParam(p, typ, unsigned); err != nil {
			return nil, err
		}
		args[i] = v
		p = p[n:]
	}
	return args, nil
}

// decodeParam decodes one binary-protocol value of type typ from the start
// of p, returning it and the bytes it took.
func decodeParam(p []byte, typ byte, unsigned bool) (any, int, error) {
	need := func(n int) error {
		if len(p) < n {
			return malformed("parameter of type %d truncated", typ)
		}
		return nil
	}
	switch typ {
	case mysql.MYSQL_TYPE_TINY:
		if err := need(1); err != nil {
			return nil, 0, err
		}
		if unsigned {
			return uint64(p[0]), 1, nil
		}
		return int64(int8(p[0])), 1, nil
	case mysql.MYSQL_TYPE_SHORT, mysql.MYSQL_TYPE_YEAR:
		if err := need(2); err != nil {
			return nil, 0, err
		}
		u := binary.LittleEndian.Uint16(p)
		if unsigned {
			return uint64(u), 2, nil
		}
		return int64(int16(u)), 2, nil
	case mysql.MYSQL_TYPE_INT24, mysql.MYSQL_TYPE_LONG:
		if err := need(4); err != nil {
			return nil, 0, err
		}
		u := binary.LittleEndian.Uint32(p)
		if unsigned {
			return uint64(u), 4, nil
		}
		return int64(int32(u)), 4, nil
	case mysql.MYSQL_TYPE_LONGLONG:
		if err := need(8); err != nil {
			return nil, 0, err
		}
		u := binary.LittleEndian.Uint64(p)
		if unsigned {
			return u, 8, nil
		}
		return int64(u), 8, nil
	case mysql.MYSQL_TYPE_FLOAT:
		if err := need(4); err != nil {
			return nil, 0, err
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(p)), 4, nil
	case mysql.MYSQL_TYPE_DOUBLE:
		if err := need(8); err != nil {
			return nil, 0, err
		}
		return math.Float64frombits(binary.LittleEndian.Uint64(p)), 8, nil
	case mysql.MYSQL_TYPE_DATE, mysql.MYSQL_TYPE_NEWDATE, mysql.MYSQL_TYPE_DATETIME, mysql.MYSQL_TYPE_TIMESTAMP:
		return decodeDateTime(p, typ)
	case mysql.MYSQL_TYPE_TIME:
		return decodeTime(p)
	case mysql.MYSQL_TYPE_DECIMAL, mysql.MYSQL_TYPE_NEWDECIMAL,
		mysql.MYSQL_TYPE_VARCHAR, mysql.MYSQL_TYPE_VAR_STRING, mysql.MYSQL_TYPE_STRING,
		mysql.MYSQL_TYPE_ENUM, mysql.MYSQL_TYPE_SET, mysql.MYSQL_TYPE_JSON,
		mysql.MYSQL_TYPE_TINY_BLOB, mysql.MYSQL_TYPE_MEDIUM_BLOB, mysql.MYSQL_TYPE_LONG_BLOB,
		mysql.MYSQL_TYPE_BLOB, mysql.MYSQL_TYPE_BIT, mysql.MYSQL_TYPE_GEOMETRY:
		data, n, err := lengthEncoded(p)
		if err != nil {
			return nil, 0, err
		}
		if typ == mysql.MYSQL_TYPE_DECIMAL || typ == mysql.MYSQL_TYPE_NEWDECIMAL {
			return Decimal(data), n, nil
		}
		return stringParam(typ, data), n, nil
	}
	return nil, 0, malformed("unknown parameter type %d", typ)
}

// stringParam is a string-typed value as a Go string when it is text
// (valid UTF-8), else, and for blob types, as []byte. The bytes are copied
// out of the packet buffer.
func stringParam(typ byte, data []byte) any {
	switch typ {
	case mysql.MYSQL_TYPE_TINY_BLOB, mysql.MYSQL_TYPE_MEDIUM_BLOB, mysql.MYSQL_TYPE_LONG_BLOB,
		mysql.MYSQL_TYPE_BLOB, mysql.MYSQL_TYPE_BIT, mysql.MYSQL_TYPE_GEOMETRY:
		return append([]byte{}, data...)
	}
	if utf8.Valid(data) {
		return string(data)
	}
	return append([]byte{}, data...)
}

// lengthEncoded reads a length-encoded string, checking every length.
func lengthEncoded(p []byte) ([]byte, int, error) {
	if len(p) == 0 {
		return nil, 0, malformed("string parameter truncated")
	}
	var n uint64
	hdr := 1
	switch p[0] {
	case 0xfb:
		return nil, 0, malformed("NULL as a string parameter length")
	case 0xfc:
		hdr = 3
	case 0xfd:
		hdr = 4
	case 0xfe:
		hdr = 9
	case 0xff:
		return nil, 0, malformed("invalid string parameter length")
	default:
		n = uint64(p[0])
	}
	if len(p) < hdr {
		return nil, 0, malformed("string parameter length truncated")
	}
	switch hdr {
	case 3:
		n = uint64(binary.LittleEndian.Uint16(p[1:]))
	case 4:
		n = uint64(p[1]) | uint64(p[2])<<8 | uint64(p[3])<<16
	case 9:
		n = binary.LittleEndian.Uint64(p[1:])
	}
	if n > uint64(len(p)-hdr) {
		return nil, 0, malformed("string parameter truncated")
	}
	return p[hdr : hdr+int(n)], hdr + int(n), nil
}

// decodeDateTime reads a DATE/DATETIME/TIMESTAMP struct (length 0, 4, 7
// or 11). A valid date becomes time.Time in UTC (Date for DATE); a zero or
// otherwise impossible one its text, as MySQL would print it.
func decodeDateTime(p []byte, typ byte) (any, int, error) {
	if len(p) == 0 {
		return nil, 0, malformed("date parameter truncated")
	}
	n := int(p[0])
	if n != 0 && n != 4 && n != 7 && n != 11 {
		return nil, 0, malformed("date parameter of length %d", n)
	}
	if len(p) < 1+n {
		return nil, 0, malformed("date parameter truncated")
	}
	var y, mo, d, h, mi, s, us int
	if n >= 4 {
		y, mo, d = int(binary.LittleEndian.Uint16(p[1:])), int(p[3]), int(p[4])
	}
	if n >= 7 {
		h, mi, s = int(p[5]), int(p[6]), int(p[7])
	}
	if n == 11 {
		us = int(binary.LittleEndian.Uint32(p[8:]))
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, us*1000, time.UTC)
	valid := y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && t.Day() == d && h < 24 && mi < 60 && s < 60 && us < 1e6
	isDate := typ == mysql.MYSQL_TYPE_DATE || typ == mysql.MYSQL_TYPE_NEWDATE
	switch {
	case !valid && isDate:
		return fmt.Sprintf("%04d-%02d-%02d", y, mo, d), 1 + n, nil
	case !valid:
		return fmt.Sprintf("%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, s), 1 + n, nil
	case isDate:
		return Date{time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)}, 1 + n, nil
	}
	return t, 1 + n, nil
}

// decodeTime reads a TIME struct (length 0, 8 or 12) as a time.Duration.
func decodeTime(p []byte) (any, int, error) {
	if len(p) == 0 {
		return nil, 0, malformed("time parameter truncated")
	}
	n := int(p[0])
	if n != 0 && n != 8 && n != 12 {
		return nil, 0, malformed("time parameter of length %d", n)
	}
	if len(p) < 1+n {
		return nil, 0, malformed("time parameter truncated")
	}
	if n == 0 {
		return time.Duration(0), 1, nil
	}
	neg, days := p[1], binary.LittleEndian.Uint32(p[2:])
	h, mi, s := p[6], p[7], p[8]
	var us uint32
	if n == 12 {
		us = binary.LittleEndian.Uint32(p[9:])
	}
	if days > 34 || h > 23 || mi > 59 || s > 59 || us > 999999 || neg > 1 {
		// MySQL's TIME range is ±838:59:59.
		return nil, 0, malformed("time parameter out of range")
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(h)*time.Hour + time.Duration(mi)*time.Minute +
		time.Duration(s)*time.Second + time.Duration(us)*time.Microsecond
	if neg == 1 {
		d = -d
	}
	return d, 1 + n, nil
}
