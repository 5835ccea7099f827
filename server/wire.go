package server

import (
	"bytes"
	"errors"
	"net"
	"os"
	"time"
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
//   - serves first the bytes the disconnect watcher read ahead (stash).
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
	if len(w.wbuf)+len(p) > cap(w.wbuf) {
		if err := w.Flush(); err != nil {
			return 0, err
		}
		if len(p) >= cap(w.wbuf) {
			n, err := w.Conn.Write(p)
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
	_, err := w.Conn.Write(w.wbuf)
	w.wbuf = w.wbuf[:0]
	if err != nil {
		w.werr = err
	}
	return err
}

func (w *wireConn) Read(p []byte) (int, error) {
	if err := w.Flush(); err != nil {
		return 0, err
	}
	if len(w.stash) > 0 {
		n := copy(p, w.stash)
		w.stash = w.stash[n:]
		return n, nil
	}
	n, err := w.Conn.Read(p)
	if w.recording && len(w.rec) < maxRecord {
		w.rec = append(w.rec, p[:min(n, maxRecord-len(w.rec))]...)
	}
	return n, err
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
