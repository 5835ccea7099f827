package server

import (
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/go-mysql-org/go-mysql/mysql"
)

// TestStreamingFlatMemory reads 1,000,000 rows slowly and samples the heap
// meanwhile: rows must flow through, not pile up on the server.
func TestStreamingFlatMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 1M rows")
	}
	srv := startServer(t, Config{}, newTestExecutor())
	db := openDB(t, srv, "anon", "", "", "")
	if err := db.Ping(); err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)

	var (
		peak uint64
		wg   sync.WaitGroup
	)
	stop := make(chan struct{})
	wg.Go(func() {
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	})

	rows, err := db.Query("select big")
	if err != nil {
		t.Fatal(err)
	}
	var n, sum int64
	for rows.Next() {
		var id int64
		var x float64
		var s string
		if err := rows.Scan(&id, &x, &s); err != nil {
			t.Fatal(err)
		}
		n++
		sum += id
		if n%20000 == 0 {
			time.Sleep(5 * time.Millisecond) // a slow client: the server must wait, not buffer
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	if n != 1_000_000 || sum != 1_000_000*999_999/2 {
		t.Fatalf("got %d rows, sum %d", n, sum)
	}
	growth := int64(peak) - int64(before.HeapAlloc)
	t.Logf("heap before %.1f MiB, peak during 1M-row stream %.1f MiB (growth %.1f MiB, client and server together)",
		mib(before.HeapAlloc), mib(peak), float64(growth)/(1<<20))
	// Buffering the result would hold ~1M rows × (3 values + row slice),
	// well over 100 MiB; streaming needs the write buffer and GC slack.
	if growth > 32<<20 {
		t.Errorf("heap grew by %.1f MiB while streaming; rows are being buffered", float64(growth)/(1<<20))
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// BenchmarkStreamRows streams 1M rows of (BIGINT, DOUBLE, VARCHAR) to
// go-sql-driver and reports rows/s (client decoding included: one process).
func BenchmarkStreamRows(b *testing.B) {
	srv := startServer(b, Config{}, newTestExecutor())
	db := openDB(b, srv, "anon", "", "", "")
	if err := db.Ping(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var total int64
	for b.Loop() {
		rows, err := db.Query("select big")
		if err != nil {
			b.Fatal(err)
		}
		var id int64
		var x float64
		var s []byte
		for rows.Next() {
			if err := rows.Scan(&id, &x, &s); err != nil {
				b.Fatal(err)
			}
			total++
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(total)/b.Elapsed().Seconds(), "rows/s")
}

// FuzzCommandPacket sends arbitrary bytes as a command packet on a logged-in
// connection; whatever the answer, the server must still serve a new
// connection's ping.
func FuzzCommandPacket(f *testing.F) {
	for _, seed := range [][]byte{
		nil, {0}, {mysql.COM_QUERY}, append([]byte{mysql.COM_QUERY}, "select types"...),
		{mysql.COM_FIELD_LIST}, {mysql.COM_FIELD_LIST, 't'}, {mysql.COM_INIT_DB},
		{mysql.COM_STMT_PREPARE, 's'}, {mysql.COM_STMT_EXECUTE, 1, 0, 0, 0}, {mysql.COM_STMT_CLOSE, 1, 0, 0, 0},
		{mysql.COM_STMT_PREPARE, 'e', 'c', 'h', 'o', ' ', '?'}, {mysql.COM_STMT_SEND_LONG_DATA, 1, 0, 0, 0, 0, 0, 'x'},
		{mysql.COM_STMT_RESET, 1, 0, 0, 0}, {mysql.COM_STMT_FETCH, 1, 0, 0, 0, 1, 0, 0, 0},
		{mysql.COM_BINLOG_DUMP_GTID, 0xff}, {mysql.COM_REGISTER_SLAVE}, {mysql.COM_SET_OPTION, 0, 0},
		{mysql.COM_QUIT}, {0xff, 0xff, 0xff}, append([]byte{mysql.COM_QUERY}, "panic"...),
	} {
		f.Add(seed)
	}
	srv := startServer(f, Config{}, newTestExecutor())
	f.Fuzz(func(t *testing.T, cmd []byte) {
		c := dialRaw(t, srv, "anon")
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.command(cmd); err == nil {
			// Read whatever follows briefly (rows, EOF), then hang up.
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
			for {
				if _, err := c.read(); err != nil {
					break
				}
			}
		}
		c.Close()
		alive := dialRaw(t, srv, "anon")
		if p, err := alive.command([]byte{mysql.COM_PING}); err != nil || p[0] != mysql.OK_HEADER {
			t.Fatalf("after %q the server no longer answers a ping: %q %v", cmd, p, err)
		}
		alive.Close()
	})
}
