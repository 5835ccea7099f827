package e2e

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// KILL QUERY interrupts a running statement of one's own connection, which
// stays usable; other users' connections and unknown ids are refused.
func TestKillQuery(t *testing.T) {
	demo, _ := filepath.Abs(demoDir)
	g := start(t, `
users: [{name: alice, password: a}, {name: bob, password: b}]
sources:
  demo: {connector: files, options: {root: "`+demo+`"}}
`)
	ctx := ctxTimeout(t, 60*time.Second)
	alice := g.open(t, "alice", "a", "demo")
	victim, err := alice.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Close()
	var id int64
	if err := victim.QueryRowContext(ctx, "SELECT CONNECTION_ID()").Scan(&id); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	started := time.Now()
	go func() {
		var n int64
		// 20,000 × 20,000 × 2,000 rows: hours, unless killed.
		done <- victim.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM orders a, orders b, customers c WHERE a.total + b.total > c.customer_id").Scan(&n)
	}()
	time.Sleep(500 * time.Millisecond)

	bob := g.open(t, "bob", "b", "demo")
	_, err = bob.ExecContext(ctx, "KILL QUERY "+itoa(id))
	mysqlErr(t, err, 1095, "HY000")
	_, err = alice.ExecContext(ctx, "KILL QUERY 4000000000")
	mysqlErr(t, err, 1094, "HY000")
	// KILL QUERY on a connection between statements does nothing, as in
	// MySQL; on a slow machine the statement may not have arrived yet, so
	// kill until it ends.
	deadline := time.After(20 * time.Second)
	for killed := false; !killed; {
		if _, err := alice.ExecContext(ctx, "KILL QUERY "+itoa(id)); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-done:
			mysqlErr(t, err, 1317, "70100")
			t.Logf("killed after %v", time.Since(started).Round(time.Millisecond))
			killed = true
		case <-time.After(500 * time.Millisecond):
		case <-deadline:
			t.Fatal("KILL QUERY did not stop the statement")
		}
	}
	var one int
	if err := victim.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
		t.Fatalf("connection unusable after KILL QUERY: %v", err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
