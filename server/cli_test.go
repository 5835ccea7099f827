package server

import (
	"net"
	"os/exec"
	"strings"
	"testing"
)

// runCLI runs the mysql command-line client (MariaDB's, /usr/bin/mysql)
// against srv in batch mode and returns its combined output.
func runCLI(t *testing.T, srv *Server, args ...string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("mysql")
	if err != nil {
		t.Fatal("the mysql client is required (Debian package mariadb-client; scripts/test.sh installs it)")
	}
	_, port, _ := net.SplitHostPort(srv.Addr().String())
	base := []string{"--no-defaults", "-h127.0.0.1", "-P" + port, "--skip-ssl", "--batch"}
	out, err := exec.Command(bin, append(base, args...)...).CombinedOutput()
	return string(out), err
}

func TestCLI(t *testing.T) {
	for _, method := range []string{"caching_sha2_password", "mysql_native_password"} {
		t.Run(method, func(t *testing.T) {
			srv := startServer(t, Config{AuthMethod: method}, newTestExecutor())
			out, err := runCLI(t, srv, "-ualice", "-ps3cret", "-Dshop", "-e", "select rows 3; select db")
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			want := "id\tx\ts\n0\t0\talpha\n1\t0.5\tbeta\n2\t1\tgamma\ndb\nshop\n"
			if out != want {
				t.Errorf("got\n%q\nwant\n%q", out, want)
			}

			out, err = runCLI(t, srv, "-uanon", "-N", "-e", "select types")
			if err != nil {
				t.Fatalf("%v: %s", err, out)
			}
			fields := strings.Split(strings.TrimSuffix(out, "\n"), "\t")
			if len(fields) != len(typesCols) || fields[0] != "NULL" || fields[11] != "18446744073709551615" ||
				fields[17] != "2024-02-29 13:14:15.123" || fields[19] != "-25:02:03.004500" {
				t.Errorf("select types: %q", out)
			}

			out, err = runCLI(t, srv, "-ualice", "-ps3cret", "-e", "error")
			if err == nil || !strings.Contains(out, "ERROR 1146 (42S02) at line 1: Table 'shop.nope' doesn't exist") {
				t.Errorf("error: %v %q", err, out)
			}
			out, err = runCLI(t, srv, "-ualice", "-pwrong", "-e", "select db")
			if err == nil || !strings.Contains(out, "ERROR 1045 (28000): Access denied for user 'alice'@'127.0.0.1' (using password: YES)") {
				t.Errorf("wrong password: %v %q", err, out)
			}
			out, err = runCLI(t, srv, "-ualice", "-ps3cret", "-Dnope", "-e", "select db")
			if err == nil || !strings.Contains(out, "ERROR 1049 (42000): Unknown database 'nope'") {
				t.Errorf("unknown database: %v %q", err, out)
			}
		})
	}
}
