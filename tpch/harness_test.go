package tpch

import (
	"bufio"
	"database/sql"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// The helpers below are the few of e2e/harness_test.go this test needs:
// build the real binary once, start it with a config, connect to it.

// binary is the tributary executable built by TestMain.
var binary string

func buildBinary(dir string) error {
	binary = filepath.Join(dir, "tributary")
	build := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", binary, "../cmd/tributary")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	return build.Run()
}

// gateway is one running tributary process.
type gateway struct {
	addr string
	cmd  *exec.Cmd
	mu   sync.Mutex
	log  strings.Builder
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// start runs `tributary serve --config` and waits until it accepts
// connections; the process is stopped when the test ends.
func start(t testing.TB, config string) *gateway {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tributary.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	g := &gateway{addr: freePort(t)}
	g.cmd = exec.Command(binary, "serve", "--listen", g.addr, "--config", path)
	stderr, err := g.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go g.collectLog(stderr)
	t.Cleanup(func() { g.stop(t) })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", g.addr); err == nil {
			c.Close()
			return g
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gateway did not start:\n%s", g.logText())
	return nil
}

func (g *gateway) collectLog(r interface{ Read([]byte) (int, error) }) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		g.mu.Lock()
		g.log.WriteString(sc.Text() + "\n")
		g.mu.Unlock()
	}
}

func (g *gateway) logText() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.log.String()
}

func (g *gateway) stop(t testing.TB) {
	g.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() { g.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(15 * time.Second):
		g.cmd.Process.Kill()
		<-done
	}
	if t.Failed() {
		t.Logf("gateway log:\n%s", g.logText())
	}
}

func (g *gateway) open(t testing.TB, db string) *sql.DB {
	t.Helper()
	c := mysql.NewConfig()
	c.User, c.Net, c.Addr, c.DBName = "root", "tcp", g.addr, db
	c.ParseTime = true
	conn, err := sql.Open("mysql", c.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}
