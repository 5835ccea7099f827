package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	gms "github.com/go-mysql-org/go-mysql/server"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// ErrServerClosed is returned by Serve after Shutdown has been called.
var ErrServerClosed = errors.New("server: closed")

const (
	defaultServerVersion    = "8.0.36-tributary"
	defaultHandshakeTimeout = 10 * time.Second
)

// Server accepts MySQL clients and runs their commands through an Executor.
// Its methods are safe for concurrent use.
type Server struct {
	cfg   Config
	exec  Executor
	log   *slog.Logger
	wire  *gms.Server           // go-mysql's handshake settings, shared by all connections
	creds *gms.InMemoryProvider // must be this type: go-mysql only does caching_sha2 fast auth for it

	started   time.Time     // for COM_STATISTICS
	questions atomic.Uint64 // COM_QUERY and COM_STMT_EXECUTE commands, for COM_STATISTICS

	mu       sync.Mutex
	ln       net.Listener
	ready    chan struct{} // closed once ln is set
	conns    map[*conn]struct{}
	closing  bool
	shutdown chan struct{} // closed by Shutdown
}

// New validates cfg and returns a Server that is not yet listening. It has no
// side effects.
func New(cfg Config, exec Executor) (*Server, error) {
	if exec == nil {
		return nil, errors.New("server: nil Executor")
	}
	if cfg.ServerVersion == "" {
		cfg.ServerVersion = defaultServerVersion
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = defaultHandshakeTimeout
	}
	switch cfg.AuthMethod {
	case "":
		cfg.AuthMethod = mysql.AUTH_CACHING_SHA2_PASSWORD
	case mysql.AUTH_CACHING_SHA2_PASSWORD, mysql.AUTH_NATIVE_PASSWORD:
	default:
		return nil, fmt.Errorf("server: unsupported auth method %q (want %s or %s)",
			cfg.AuthMethod, mysql.AUTH_CACHING_SHA2_PASSWORD, mysql.AUTH_NATIVE_PASSWORD)
	}
	if cfg.MaxConnections < 0 {
		return nil, fmt.Errorf("server: negative MaxConnections %d", cfg.MaxConnections)
	}
	if cfg.TLS != nil && len(cfg.TLS.Certificates) == 0 && cfg.TLS.GetCertificate == nil {
		return nil, errors.New("server: TLS config without a certificate")
	}
	if cfg.RequireSecureTransport && cfg.TLS == nil {
		return nil, errors.New("server: RequireSecureTransport needs a TLS config")
	}
	creds := gms.NewInMemoryProvider()
	seen := make(map[string]bool, len(cfg.Users))
	for _, u := range cfg.Users {
		if u.Name == "" {
			return nil, errors.New("server: user with empty name")
		}
		if seen[u.Name] {
			return nil, fmt.Errorf("server: duplicate user %q", u.Name)
		}
		seen[u.Name] = true
		creds.AddUser(u.Name, u.Password)
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	// No TLS config and no RSA key for go-mysql: TLS is done below it, by
	// the wireConn (see startTLSIfAsked), which also announces CLIENT_SSL.
	// With an InMemoryProvider go-mysql always takes the caching_sha2 fast
	// path (it holds the passwords, a cache would add nothing), so no
	// full authentication (RSA key exchange or cleartext over TLS) is ever
	// asked of a client.
	wire := gms.NewServer(cfg.ServerVersion, charsetUTF8MB4, cfg.AuthMethod, nil, nil)
	return &Server{
		cfg: cfg, exec: exec, log: log, wire: wire, creds: creds, started: time.Now(),
		ready: make(chan struct{}), conns: make(map[*conn]struct{}), shutdown: make(chan struct{}),
	}, nil
}

// ListenAndServe listens on cfg.Listen and serves; see Serve.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve accepts connections on ln until Shutdown, then returns nil. It may be
// called once per Server. ln is closed when Serve returns.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	switch {
	case s.closing:
		s.mu.Unlock()
		_ = ln.Close()
		return ErrServerClosed
	case s.ln != nil:
		s.mu.Unlock()
		return errors.New("server: Serve called twice")
	}
	s.ln = ln
	close(s.ready)
	s.mu.Unlock()
	defer ln.Close()

	s.log.Info("listening", "addr", ln.Addr().String())
	var backoff time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			select {
			case <-s.shutdown:
				return nil
			default:
			}
			if errors.Is(err, net.ErrClosed) {
				return err
			}
			// EMFILE and friends: back off and retry, as net/http does,
			// rather than stop serving everyone.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.log.Warn("accept failed; retrying", "err", err, "in", backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		s.startConn(nc)
	}
}

// Addr returns the listening address, or nil before Serve was called.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Shutdown stops accepting, closes connections that are idle or logging in,
// and waits for running commands to finish (their connections close after
// answering). When ctx ends first, it cancels and closes the remaining
// connections and returns ctx's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		s.closing = true
		close(s.shutdown)
		if s.ln != nil {
			_ = s.ln.Close()
		}
	}
	for c := range s.conns {
		c.closeIfIdle()
	}
	s.mu.Unlock()

	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			s.mu.Lock()
			for c := range s.conns {
				c.kill()
			}
			s.mu.Unlock()
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Kill implements KILL [QUERY] id for the Executor: with query it cancels the
// statement running on connection id (its ctx), otherwise it also closes the
// connection. It reports whether the connection exists.
func (s *Server) Kill(id uint32, query bool) bool {
	var c *conn
	s.mu.Lock()
	for k := range s.conns {
		if k.id.Load() == id {
			c = k
			break
		}
	}
	s.mu.Unlock()
	if c == nil {
		return false
	}
	if query {
		c.cancelQuery()
	} else {
		c.kill()
	}
	return true
}

// Owner returns the user logged in on connection id, for the Executor's
// KILL permission check. ok is false when no such connection is logged in.
func (s *Server) Owner(id uint32) (user string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.id.Load() == id {
			c.mu.Lock()
			user, ok = c.sess.User, c.mc != nil
			c.mu.Unlock()
			return user, ok
		}
	}
	return "", false
}

// Processes lists the logged-in connections by id, for SHOW PROCESSLIST.
// The database of a connection running a command is the one it had when
// the command began.
func (s *Server) Processes() []Process {
	s.mu.Lock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	out := make([]Process, 0, len(conns))
	for _, c := range conns {
		if p, ok := c.process(); ok {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Process) int { return cmp.Compare(a.ID, b.ID) })
	return out
}

// statistics is the COM_STATISTICS text (mysqladmin status, the mysql
// CLI's status command), in MySQL's format.
func (s *Server) statistics() string {
	s.mu.Lock()
	threads := len(s.conns)
	s.mu.Unlock()
	up := time.Since(s.started)
	q := s.questions.Load()
	return fmt.Sprintf("Uptime: %d  Threads: %d  Questions: %d  Slow queries: 0  Opens: 0  Flush tables: 0  Open tables: 0  Queries per second avg: %.3f",
		int64(up/time.Second), threads, q, float64(q)/max(up.Seconds(), 1))
}

// startConn registers a connection and serves it on its own goroutine.
func (s *Server) startConn(nc net.Conn) {
	c := newConn(s, nc)
	s.mu.Lock()
	over := s.cfg.MaxConnections > 0 && len(s.conns) >= s.cfg.MaxConnections
	closing := s.closing
	if !over && !closing {
		s.conns[c] = struct{}{}
	}
	s.mu.Unlock()
	switch {
	case closing:
		_ = nc.Close()
	case over:
		go refuse(nc, s.log)
	default:
		go c.serve()
	}
}

func (s *Server) removeConn(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

func (s *Server) isClosing() bool {
	select {
	case <-s.shutdown:
		return true
	default:
		return false
	}
}

// refuse answers a client over MaxConnections with error 1040 in place of the
// handshake, as MySQL does.
func refuse(nc net.Conn, log *slog.Logger) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("panic refusing connection", "panic", r)
		}
	}()
	defer nc.Close()
	e := toMySQLError(mysql.NewDefaultError(mysql.ER_CON_COUNT_ERROR))
	_ = nc.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = nc.Write(framePacket(0, errPayload(e)))
	log.Warn("connection refused: too many connections", "remote", nc.RemoteAddr().String())
}

// errPayload is the payload of an ERR packet (protocol 4.1).
func errPayload(e *mysql.MyError) []byte {
	p := make([]byte, 0, 9+len(e.Message))
	p = append(p, mysql.ERR_HEADER, byte(e.Code), byte(e.Code>>8), '#')
	p = append(p, e.State...)
	return append(p, e.Message...)
}

func framePacket(seq byte, payload []byte) []byte {
	n := len(payload)
	return append([]byte{byte(n), byte(n >> 8), byte(n >> 16), seq}, payload...)
}
