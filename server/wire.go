package server

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// writeBufferSize is how many bytes of packets accumulate before a write to
// the socket. go-mysql writes every packet with its own Write call; for a
// result of small rows that is one syscall per row. BenchmarkStreamRows
// (2 CPUs, noisy): unbuffered ~0.24M rows/s; 4 KiB 0.75–1.9M; 32 KiB
// 1.4–1.7M, the steadiest; 128 KiB 0.6–1.4M.
const writeBufferSize = 32 << 10

// wireConn is the net.Conn handed to go-mysql. It
//   - buffers writes, so a streamed result leaves in few large writes;
//   - flushes before every read: the protocol is request/response, so when
//     we wait for the client every response we owe it is complete;
//   - lets the handshake inspect and replace the last packet go-mysql wrote
//     (pending, replaceLast) before it is sent, and defers go-mysql's Close
//     while doing so (holdClose);
//   - serves first the bytes the disconnect watcher read ahead (stash);
//   - runs TLS under the buffer when the client asks for it
//     (startTLSIfAsked), so that everything above sees plaintext;
//   - adds capability flags to go-mysql's greeting (extraCaps).
//
// Read, Write, Flush, Close and the buffer are used only by the connection
// goroutine (the watcher touches stash only while that goroutine waits for
// it). forceClose may be called from any goroutine.
type wireConn struct {
	net.Conn // the client socket

	wbuf  []byte
	werr  error // sticky: after a failed write the connection is dead
	stash []byte

	holdClose      bool
	closeRequested bool

	// rec keeps the first bytes read during the handshake so that a failed
	// login can name the user (go-mysql drops its Conn on failure).
	rec       []byte
	recording bool

	// TLS: tlsConfig is set when the server offers TLS; tls is the
	// session once the client asked for it. Reads and flushed writes then
	// go through tls; the write buffer above it holds plaintext.
	tlsConfig *tls.Config
	tls       *tls.Conn
	sawFirst  bool   // the client's first packet has been looked at
	pending   []byte // bytes of that packet to hand to go-mysql first
	shiftSeq  bool   // renumber handshake packets around a swallowed SSLRequest
	inHdr     [4]byte
	inHdrN    int // bytes of inHdr filled
	inLeft    int // payload bytes left of the current incoming packet

	// extraCaps are capability flags added to the server greeting, the
	// first packet go-mysql writes: it has no setting for them (see
	// patchGreeting). Cleared once applied.
	extraCaps uint32
}

const maxRecord = 4096

func newWireConn(c net.Conn) *wireConn {
	return &wireConn{Conn: c, wbuf: make([]byte, 0, writeBufferSize)}
}

func (w *wireConn) Write(p []byte) (int, error) {
	if w.werr != nil {
		return 0, w.werr
	}
	if w.extraCaps != 0 {
		p = patchGreeting(bytes.Clone(p), w.extraCaps)
		w.extraCaps = 0
	}
	if w.shiftSeq && len(p) >= 4 {
		// go-mysql writes one packet per Write during the handshake.
		p = bytes.Clone(p)
		p[3]++
	}
	if len(w.wbuf)+len(p) > cap(w.wbuf) {
		if err := w.Flush(); err != nil {
			return 0, err
		}
		if len(p) >= cap(w.wbuf) {
			n, err := w.out().Write(p)
			if err != nil {
				w.werr = err
			}
			return n, err
		}
	}
	w.wbuf = append(w.wbuf, p...)
	return len(p), nil
}

// patchGreeting ORs caps into the capability flags of an initial handshake
// packet (protocol 10): header 4, protocol version 1, server version NUL,
// connection id 4, scramble part 1 8, filler 1, capabilities low 2,
// charset 1, status 2, capabilities high 2. Anything else is left alone.
func patchGreeting(p []byte, caps uint32) []byte {
	if len(p) < 6 || p[4] != 10 {
		return p
	}
	nul := bytes.IndexByte(p[5:], 0)
	if nul < 0 {
		return p
	}
	low := 5 + nul + 1 + 4 + 8 + 1
	if len(p) < low+7 {
		return p
	}
	p[low] |= byte(caps)
	p[low+1] |= byte(caps >> 8)
	p[low+5] |= byte(caps >> 16)
	p[low+6] |= byte(caps >> 24)
	return p
}

// Flush sends the buffered packets.
func (w *wireConn) Flush() error {
	if w.werr != nil {
		return w.werr
	}
	if len(w.wbuf) == 0 {
		return nil
	}
	_, err := w.out().Write(w.wbuf)
	w.wbuf = w.wbuf[:0]
	if err != nil {
		w.werr = err
	}
	return err
}

// out is where flushed bytes go: the TLS layer once it is on, else the
// socket.
func (w *wireConn) out() io.Writer {
	if w.tls != nil {
		return w.tls
	}
	return w.Conn
}

func (w *wireConn) Read(p []byte) (int, error) {
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if w.tlsConfig != nil && w.recording && !w.sawFirst {
		w.sawFirst = true
		if err := w.startTLSIfAsked(); err != nil {
			return 0, err
		}
	}
	var n int
	var err error
	switch {
	case len(w.pending) > 0:
		n = copy(p, w.pending)
		w.pending = w.pending[n:]
	case w.tls != nil:
		n, err = w.tls.Read(p)
		if w.shiftSeq {
			w.shiftIncoming(p[:n])
		}
	default:
		n, err = w.readRaw(p)
	}
	if w.recording && len(w.rec) < maxRecord {
		w.rec = append(w.rec, p[:min(n, maxRecord-len(w.rec))]...)
	}
	return n, err
}

// readRaw reads the socket, serving first what the watcher read ahead.
func (w *wireConn) readRaw(p []byte) (int, error) {
	if len(w.stash) > 0 {
		n := copy(p, w.stash)
		w.stash = w.stash[n:]
		return n, nil
	}
	return w.Conn.Read(p)
}

// socket is the client socket as the TLS layer sees it: reads serve the
// watcher's read-ahead first, writes go straight out (the plaintext is
// buffered above TLS).
type socket struct {
	net.Conn
	w *wireConn
}

func (s socket) Read(p []byte) (int, error) { return s.w.readRaw(p) }

// sslRequestLen is the payload length of an SSLRequest packet: a handshake
// response cut after the reserved bytes.
const sslRequestLen = 4 + 4 + 1 + 23

// startTLSIfAsked reads the client's first packet. An SSLRequest is
// answered by a TLS handshake here, below go-mysql, which then never sees
// it: go-mysql would switch to TLS itself, but above our buffer, where a
// failed login's answer could no longer be rewritten (see conn.failLogin).
// Because go-mysql does not see that packet, the sequence numbers of the
// rest of the handshake are shifted by one each way (shiftSeq). Any other
// first packet is handed to go-mysql unchanged.
func (w *wireConn) startTLSIfAsked() error {
	var hdr [4]byte
	raw := socket{Conn: w.Conn, w: w}
	if _, err := io.ReadFull(raw, hdr[:]); err != nil {
		return err
	}
	n := int(hdr[0]) | int(hdr[1])<<8 | int(hdr[2])<<16
	if n != sslRequestLen {
		w.pending = hdr[:]
		return nil
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(raw, payload); err != nil {
		return err
	}
	if binary.LittleEndian.Uint32(payload)&mysql.CLIENT_SSL == 0 {
		w.pending = append(hdr[:], payload...)
		return nil
	}
	t := tls.Server(raw, w.tlsConfig)
	if err := t.Handshake(); err != nil {
		return err
	}
	w.tls, w.shiftSeq = t, true
	return nil
}

// shiftIncoming lowers the sequence number of every packet header in b, a
// piece of the decrypted stream, by one (see startTLSIfAsked). Headers may
// span reads; inHdr and inLeft carry the framing across them.
func (w *wireConn) shiftIncoming(b []byte) {
	for i := 0; i < len(b); {
		if w.inLeft > 0 {
			skip := min(w.inLeft, len(b)-i)
			w.inLeft -= skip
			i += skip
			continue
		}
		w.inHdr[w.inHdrN] = b[i]
		w.inHdrN++
		if w.inHdrN == 4 {
			b[i]--
			w.inLeft = int(w.inHdr[0]) | int(w.inHdr[1])<<8 | int(w.inHdr[2])<<16
			w.inHdrN = 0
		}
		i++
	}
}

// tlsState reports the negotiated TLS version and cipher suite, as MySQL
// names them; empty for a plain connection.
func (w *wireConn) tlsState() (version, cipher string) {
	if w.tls == nil {
		return "", ""
	}
	st := w.tls.ConnectionState()
	version = strings.Replace(tls.VersionName(st.Version), "TLS 1.", "TLSv1.", 1)
	return version, tls.CipherSuiteName(st.CipherSuite)
}

// recordedUser returns the user name of the handshake response recorded in
// rec, or "" if it cannot be found. Layout (protocol 4.1): 4-byte packet
// header, capabilities 4, max packet 4, charset 1, reserved 23, user NUL.
func (w *wireConn) recordedUser() string {
	const userOff = 4 + 4 + 4 + 1 + 23
	if len(w.rec) <= userOff {
		return ""
	}
	u := w.rec[userOff:]
	for i, b := range u {
		if b == 0 {
			return string(u[:i])
		}
	}
	return ""
}

// Close flushes and closes the socket, unless the handshake holds it open
// to rewrite its last packet first (see finishHandshake).
func (w *wireConn) Close() error {
	if w.holdClose {
		w.closeRequested = true
		return nil
	}
	_ = w.Flush()
	return w.Conn.Close()
}

// forceClose closes the socket without flushing; safe from any goroutine.
// Blocked reads and writes of the connection goroutine fail at once.
func (w *wireConn) forceClose() { _ = w.Conn.Close() }

// lastPacket returns the offset of the last whole packet in the write buffer,
// or -1 if the buffer does not end with one.
func (w *wireConn) lastPacket() int {
	off, last := 0, -1
	for off+4 <= len(w.wbuf) {
		n := int(w.wbuf[off]) | int(w.wbuf[off+1])<<8 | int(w.wbuf[off+2])<<16
		last, off = off, off+4+n
	}
	if off != len(w.wbuf) {
		return -1
	}
	return last
}

// replaceLast replaces the payload of the last buffered, unsent packet,
// keeping its sequence number. It reports false if there is no such packet.
func (w *wireConn) replaceLast(payload []byte) bool {
	off := w.lastPacket()
	if off < 0 || len(payload) >= 1<<24-1 {
		return false
	}
	seq := w.wbuf[off+3]
	n := len(payload)
	w.wbuf = append(w.wbuf[:off], byte(n), byte(n>>8), byte(n>>16), seq)
	w.wbuf = append(w.wbuf, payload...)
	return true
}

// lastPayloadHeader returns the first payload byte of the last buffered
// packet (0x00 OK, 0xff ERR, …), or -1.
func (w *wireConn) lastPayloadHeader() int {
	off := w.lastPacket()
	if off < 0 || off+4 >= len(w.wbuf) {
		return -1
	}
	return int(w.wbuf[off+4])
}

// longAgo is a deadline in the past: setting it makes a blocked Read return.
var longAgo = time.Unix(1, 0)

// watchDisconnect notices a client that goes away while a command runs (the
// connection goroutine is not reading then) and calls cancel. It reads ahead
// at most one byte; a byte that arrives (a pipelined command) is stashed and
// served to the next Read, so the stream is unchanged. The returned stop must
// be called before the connection goroutine reads again.
func (w *wireConn) watchDisconnect(cancel func()) (stop func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { _ = recover() }() // a watcher must never take the process down
		var b [1]byte
		n, err := w.Conn.Read(b[:])
		if n > 0 {
			w.stash = append(w.stash, b[0])
		}
		if err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			cancel()
		}
	}()
	return func() {
		_ = w.Conn.SetReadDeadline(longAgo)
		<-done
		_ = w.Conn.SetReadDeadline(time.Time{})
	}
}
