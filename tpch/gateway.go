package tpch

import (
	"bufio"
	"database/sql"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The gateway as the federated test and the benchmark run it: the real
// binary, built with the duckdb_arrow tag, as a process of its own.

// BuildGateway builds ./cmd/tributary of the module in moduleDir into out.
func BuildGateway(moduleDir, out string) error {
	build := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", out, "./cmd/tributary")
	build.Dir = moduleDir
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building tributary: %w", err)
	}
	return nil
}

// FreeAddr returns a loopback address with a port nobody listens on now.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Gateway is one running tributary process.
type Gateway struct {
	// Addr is the MySQL protocol address.
	Addr string
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  strings.Builder
}

// StartGateway runs `binary serve --config configPath` listening on a free
// port and waits until it accepts connections.
func StartGateway(binary, configPath string) (*Gateway, error) {
	addr, err := FreeAddr()
	if err != nil {
		return nil, err
	}
	g := &Gateway{Addr: addr}
	g.cmd = exec.Command(binary, "serve", "--listen", addr, "--config", configPath)
	stderr, err := g.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := g.cmd.Start(); err != nil {
		return nil, err
	}
	go g.collectLog(stderr)
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return g, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	g.Stop()
	return nil, fmt.Errorf("gateway did not start:\n%s", g.Log())
}

func (g *Gateway) collectLog(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		g.mu.Lock()
		g.log.WriteString(sc.Text() + "\n")
		g.mu.Unlock()
	}
}

// Log is what the gateway has written to stderr so far.
func (g *Gateway) Log() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.log.String()
}

// PID is the gateway's process id.
func (g *Gateway) PID() int { return g.cmd.Process.Pid }

// Stop interrupts the gateway and waits for it, killing it after 15 s.
func (g *Gateway) Stop() {
	g.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { g.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		g.cmd.Process.Kill()
		<-done
	}
}

// Open connects to database db as root over the MySQL protocol.
func (g *Gateway) Open(db string) (*sql.DB, error) {
	c := mysql.NewConfig()
	c.User, c.Net, c.Addr, c.DBName = "root", "tcp", g.Addr, db
	c.ParseTime = true
	return sql.Open("mysql", c.FormatDSN())
}
