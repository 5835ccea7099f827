// Package e2e starts the real tributary binary, with its real plugin
// processes, and talks to it with real MySQL clients.
package e2e

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/tributary-sql/tributary/internal/testdb"
)

// binary is the tributary executable built once for all tests; numbersPlugin
// is the example third-party plugin.
var binary, numbersPlugin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "tributary-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "tributary")
	numbersPlugin = filepath.Join(dir, "numbers-plugin")
	for out, pkg := range map[string]string{binary: "../cmd/tributary", numbersPlugin: "../examples/plugins/numbers"} {
		build := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", out, pkg)
		build.Stdout, build.Stderr = os.Stdout, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "e2e: building", pkg, err)
			os.Exit(1)
		}
	}
	code := testdb.Main(m) // stops the database servers tests started
	os.RemoveAll(dir)
	os.Exit(code)
}

// gateway is one running tributary process.
type gateway struct {
	addr string
	cmd  *exec.Cmd
	log  *strings.Builder
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

// start runs `tributary serve`, with the config if it is not empty, and
// waits until it accepts connections.
func start(t testing.TB, config string) *gateway {
	t.Helper()
	addr := freePort(t)
	args := []string{"serve", "--listen", addr}
	if config != "" {
		path := filepath.Join(t.TempDir(), "tributary.yaml")
		if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, "--config", path)
	}
	cmd := exec.Command(binary, args...)
	g := &gateway{addr: addr, cmd: cmd, log: &strings.Builder{}}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			g.log.WriteString(sc.Text() + "\n")
		}
	}()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("gateway log:\n%s", g.log.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return g
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("gateway did not start:\n%s", g.log.String())
	return nil
}

func (g *gateway) dsn(user, password, db string) string {
	c := mysql.NewConfig()
	c.User, c.Passwd, c.Net, c.Addr, c.DBName = user, password, "tcp", g.addr, db
	c.ParseTime = true
	return c.FormatDSN()
}

func (g *gateway) open(t testing.TB, user, password, db string) *sql.DB {
	t.Helper()
	db0, err := sql.Open("mysql", g.dsn(user, password, db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db0.Close() })
	return db0
}

// pluginPID finds the plugin process serving a source: built-in connectors
// carry the source's name on their command line.
func (g *gateway) pluginPID(t testing.TB, source string) int {
	t.Helper()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
		if len(args) >= 4 && args[0] == binary && args[1] == "connector" && args[3] == source {
			if ppid(pid) == g.cmd.Process.Pid {
				return pid
			}
		}
	}
	t.Fatalf("no plugin process for source %q", source)
	return 0
}

func ppid(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The command name in parentheses may hold spaces: read after it.
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	n, _ := strconv.Atoi(fields[1])
	return n
}

// peakRSS is the gateway process's high-water resident memory, in MiB.
func (g *gateway) peakRSS(t testing.TB) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", g.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return float64(kb) / 1024
		}
	}
	return 0
}

// mysqlErr asserts err is a MySQL error with that number and SQLSTATE.
func mysqlErr(t testing.TB, err error, number uint16, state string) {
	t.Helper()
	me, ok := err.(*mysql.MySQLError)
	if !ok {
		t.Fatalf("error %v (%T) is not a MySQL error", err, err)
	}
	if me.Number != number || string(me.SQLState[:]) != state {
		t.Fatalf("error %d (%s) %q, want %d (%s)", me.Number, me.SQLState, me.Message, number, state)
	}
}

func ctxTimeout(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
