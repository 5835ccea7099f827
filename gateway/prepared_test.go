package gateway

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"

	"github.com/tributary-sql/tributary/server"
	"github.com/tributary-sql/tributary/sqlerr"
)

func runPrepared(t *testing.T, g *Gateway, s *server.Session, query string, args ...any) (*capture, error) {
	t.Helper()
	n, _, err := g.Prepare(context.Background(), s, query)
	if err != nil {
		return nil, err
	}
	if n != len(args) {
		t.Fatalf("%s: %d parameters, want %d", query, n, len(args))
	}
	w := &capture{}
	return w, g.ExecutePrepared(context.Background(), s, query, args, w)
}

func TestPrepared(t *testing.T) {
	g := newGateway(t)
	s := newSession()
	cases := []struct {
		query string
		args  []any
		want  string // fmt of the rows
	}{
		{"SELECT ?+1", []any{int64(41)}, "[[42]]"},
		{"SELECT ? + 1", []any{uint64(41)}, "[[42]]"},
		{"SELECT ?", []any{uint64(18446744073709551615)}, "[[18446744073709551615]]"},
		{"SELECT ?", []any{nil}, "[[<nil>]]"},
		{"SELECT ? IS NULL, ? IS NULL", []any{nil, int64(0)}, "[[1 0]]"},
		{"SELECT ? * 2", []any{1.25}, "[[2.5]]"},
		{"SELECT ?", []any{float32(1.1)}, "[[1.1]]"},
		{"SELECT ? + 1", []any{server.Decimal("1.25")}, "[[2.25]]"},
		{"SELECT ?, LENGTH(?)", []any{"it's", `a\b`}, `[[it's 3]]`},
		{"SELECT ?", []any{[]byte("text")}, "[[text]]"},
		{"SELECT ?", []any{[]byte{0, 1, 0xff}}, "[[[0 1 255]]]"},
		{"SELECT ?, LENGTH(?)", []any{"a\x00b", []byte("\x00")}, "[[a\x00b 1]]"},
		{"SELECT ?", []any{"\xff'"}, "[[[255 39]]]"},
		{"SELECT ?", []any{server.Date{Time: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}}, "[[2024-02-29 00:00:00 +0000 UTC]]"},
		{"SELECT ?", []any{time.Date(2024, 2, 29, 13, 14, 15, 500000000, time.UTC)}, "[[2024-02-29 13:14:15.5 +0000 UTC]]"},
		{"SELECT DATE_ADD(?, INTERVAL 1 DAY)", []any{server.Date{Time: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}}, "[[2024-03-01 00:00:00 +0000 UTC]]"},
		{"SELECT ?", []any{90*time.Minute + 5*time.Second}, "[[1h30m5s]]"},
		{"SELECT ?", []any{-(30 * time.Hour)}, "[[-30:00:00]]"},
		{"SELECT ?", []any{true}, "[[1]]"},
		// Markers in text order, whatever the tree's visiting order.
		{"SELECT ?, name FROM demo.customers WHERE customer_id = ? ORDER BY name LIMIT ?", []any{"x", int64(2), int64(5)}, "[[x Sofia Jansen]]"},
		{"SELECT name FROM demo.customers WHERE customer_id IN (?, ?) ORDER BY customer_id LIMIT ?", []any{int64(2), int64(1), int64(1)}, "[[Noah Kim]]"},
		{"SELECT name FROM demo.customers WHERE signup_date = ? ORDER BY customer_id LIMIT 1", []any{server.Date{Time: time.Date(2022, 5, 30, 0, 0, 0, 0, time.UTC)}}, "[[Sofia Jansen]]"},
		{"SELECT name FROM demo.customers WHERE name LIKE ? ORDER BY customer_id LIMIT 1", []any{"Noah%"}, "[[Noah Kim]]"},
		{"SELECT COUNT(*) FROM demo.customers WHERE customer_id BETWEEN ? AND ?", []any{int64(1), int64(2)}, "[[2]]"},
		{"SELECT '?', ?", []any{"q"}, "[[? q]]"},
	}
	w, err := runPrepared(t, g, s, "SELECT ?, ? AS b, ?+1, (?)", "secret", "x", int64(1), int64(2))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range w.cols {
		names = append(names, c.Name)
	}
	if fmt.Sprint(names) != "[? b ?+1 (?)]" {
		t.Errorf("column names %q", names)
	}
	for _, c := range cases {
		w, err := runPrepared(t, g, s, c.query, c.args...)
		if err != nil {
			t.Errorf("%s %v: %v", c.query, c.args, err)
			continue
		}
		if got := fmt.Sprint(w.rows); got != c.want {
			t.Errorf("%s %v: %s, want %s", c.query, c.args, got, c.want)
		}
	}
}

// TestPreparedInjection: string arguments are values, whatever they hold.
func TestPreparedInjection(t *testing.T) {
	g := newGateway(t)
	s := newSession()
	corpus := []string{
		`' OR '1'='1`, `'; SELECT * FROM demo.customers; --`, `\'`, `\`, `\\'`, `''`, `'`, `"`, `"; --`,
		"\n", "\r\n'", `%`, `_`, `?`, `??`, `$1`, `$$ x $$`, `'::BLOB`, `E'\x41'`, `/* '`, `*/'`, "-- '",
		"\u2019 OR 1=1", `\x27 OR 1=1`, `') OR ('1'='1`, `1' UNION SELECT getenv('HOME') --`,
		`read_csv('/etc/passwd')`, "'\x00' OR 1=1", "Noah Kim' --",
		"😀'", `\0`, `\Z`, `%'`, "\x00", "a\x00' OR 1=1 --",
	}
	for _, str := range corpus {
		w, err := runPrepared(t, g, s, "SELECT ?, COUNT(*) FROM demo.customers WHERE name = ?", str, str)
		if err != nil {
			t.Errorf("%q: %v", str, err)
			continue
		}
		if len(w.rows) != 1 || len(w.rows[0]) != 2 {
			t.Fatalf("%q: %v", str, w.rows)
		}
		var got string
		switch v := w.rows[0][0].(type) {
		case string:
			got = v
		case []byte:
			got = string(v)
		default:
			t.Errorf("%q: value %T", str, v)
		}
		if got != str {
			t.Errorf("%q came back as %q", str, got)
		}
		if n := fmt.Sprint(w.rows[0][1]); n != "0" {
			t.Errorf("%q matched %s customers", str, n)
		}
	}
	// Bytes that are not UTF-8 are a BLOB, which DuckDB refuses to compare
	// with text: an error, never a match.
	if w, err := runPrepared(t, g, s, "SELECT COUNT(*) FROM demo.customers WHERE name = ?", "\xff' OR '1'='1"); err == nil {
		t.Errorf("invalid UTF-8 compared: %v", w.rows)
	}
	// A real name matches: the comparison is on the value.
	want, err := run(t, g, s, "SELECT COUNT(*) FROM demo.customers WHERE name = 'Noah Kim'")
	if err != nil {
		t.Fatal(err)
	}
	w, err := runPrepared(t, g, s, "SELECT COUNT(*) FROM demo.customers WHERE name = ?", "Noah Kim")
	if err != nil || fmt.Sprint(w.rows) != fmt.Sprint(want.rows) || fmt.Sprint(w.rows) == "[[0]]" {
		t.Errorf("Noah Kim: %v %v, want %v", w.rows, err, want.rows)
	}
}

func TestPreparedErrors(t *testing.T) {
	g := newGateway(t)
	s := newSession()
	ctx := context.Background()
	if _, _, err := g.Prepare(ctx, s, "SELEC ?"); sqlerr.KindOf(err) != sqlerr.Syntax {
		t.Errorf("syntax: %v", err)
	}
	if _, _, err := g.Prepare(ctx, s, "SELECT 1; SELECT ?"); sqlerr.KindOf(err) != sqlerr.Unsupported {
		t.Errorf("two statements: %v", err)
	}
	if _, _, err := g.Prepare(ctx, s, ""); sqlerr.KindOf(err) != sqlerr.Syntax {
		t.Errorf("empty: %v", err)
	}
	if n, _, err := g.Prepare(ctx, s, "SELECT ? + ? FROM demo.customers WHERE name = '?'"); n != 2 || err != nil {
		t.Errorf("count: %d %v", n, err)
	}
	if err := g.ExecutePrepared(ctx, s, "SELECT ?", nil, &capture{}); err == nil {
		t.Error("missing argument accepted")
	}
	if err := g.ExecutePrepared(ctx, s, "SELECT ?", []any{server.Decimal("1; DROP")}, &capture{}); sqlerr.KindOf(err) != sqlerr.Syntax {
		t.Errorf("bad decimal: %v", err)
	}
	if err := g.ExecutePrepared(ctx, s, "SELECT ?", []any{struct{}{}}, &capture{}); err == nil {
		t.Error("argument of unknown type accepted")
	}
	// Session statements take parameters too.
	if _, err := runPrepared(t, g, s, "SET autocommit = ?", int64(0)); err != nil {
		t.Fatal(err)
	}
	if w, err := run(t, g, s, "SELECT @@autocommit"); err != nil || fmt.Sprint(w.rows) != "[[0]]" {
		t.Errorf("after SET autocommit = ?: %v %v", w, err)
	}
	if w, err := runPrepared(t, g, s, "SHOW DATABASES LIKE ?", "de%"); err != nil || fmt.Sprint(w.rows) != "[[demo]]" {
		t.Errorf("SHOW DATABASES LIKE ?: %v %v", w, err)
	}
}

// TestPreparedWire runs prepared statements end to end: go-sql-driver
// (arguments without interpolateParams mean COM_STMT_PREPARE/EXECUTE), the
// server's binary protocol, the gateway and DuckDB.
func TestPreparedWire(t *testing.T) {
	g := newGateway(t)
	srv, err := server.New(server.Config{Users: []server.User{{Name: "root"}}}, g)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	for srv.Addr() == nil {
		time.Sleep(time.Millisecond)
	}
	db, err := sql.Open("mysql", fmt.Sprintf("root:@tcp(%s)/demo?parseTime=true", srv.Addr()))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	var (
		n    int64
		u    uint64
		f    float64
		dec  string
		s    string
		b    []byte
		null sql.NullString
		d    time.Time
		ts   time.Time
		tm   string
	)
	when := time.Date(2024, 2, 29, 13, 14, 15, 250000000, time.UTC)
	q := "SELECT ?+1, CAST(? AS UNSIGNED), ? * 2, CAST(? AS DECIMAL(6,2)), ?, ?, ?, " +
		"CAST(? AS DATE), CAST(? AS DATETIME(6)), CAST('12:34:56' AS TIME), CAST(? AS UNSIGNED) + 0"
	rows, err := db.Query(q, 41, uint64(1<<63), 1.25, "12.345", `it's \ "q"`, []byte{0, 0xfe, 'x'}, nil, "2024-02-29", when, uint16(65535))
	if err != nil {
		t.Fatal(err)
	}
	cts, err := rows.ColumnTypes()
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ct := range cts {
		types = append(types, ct.DatabaseTypeName())
	}
	t.Logf("column types %v", types)
	if !rows.Next() {
		t.Fatal("no row", rows.Err())
	}
	var u16big uint64
	if err := rows.Scan(&n, &u, &f, &dec, &s, &b, &null, &d, &ts, &tm, &u16big); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if n != 42 || u != 1<<63 || f != 2.5 || dec != "12.35" && dec != "12.34" || s != `it's \ "q"` ||
		string(b) != "\x00\xfex" || null.Valid || !d.Equal(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)) ||
		!ts.Equal(when) || tm != "12:34:56.000000" || u16big != 65535 {
		t.Errorf("got %v %v %v %v %q %q %v %v %v %q %v", n, u, f, dec, s, b, null, d, ts, tm, u16big)
	}

	// A filter pushed to the source, a LIMIT, the statement reused.
	st, err := db.Prepare("SELECT name FROM customers WHERE customer_id = ? LIMIT ?")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for id, want := range map[int]string{1: "Noah Kim", 2: "Sofia Jansen"} {
		var name string
		if err := st.QueryRow(id, 1).Scan(&name); err != nil || name != want {
			t.Errorf("customer %d: %q %v", id, name, err)
		}
	}
	// Errors are the statement's, and the connection goes on.
	if _, err := db.Query("SELECT * FROM nope WHERE x = ?", 1); err == nil {
		t.Error("unknown table: no error")
	}
	if err := db.QueryRow("SELECT COUNT(*) FROM customers WHERE name = ?", "' OR '1'='1").Scan(&n); err != nil || n != 0 {
		t.Errorf("injection: %d %v", n, err)
	}
}
