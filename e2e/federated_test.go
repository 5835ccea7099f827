package e2e

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tributary-sql/tributary/internal/testdb"
)

// loadDemo copies the demo's customers into MariaDB (database crm) and its
// orders into PostgreSQL (database sales), reading them with DuckDB from the
// demo files, so that a virtual database can join three systems holding
// the same data as the files.
func loadDemo(t *testing.T) (pgDSN, myDSN string) {
	t.Helper()
	ctx := context.Background()
	files, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer files.Close()
	demo, _ := filepath.Abs(demoDir)

	pgAdmin, err := sql.Open("pgx", testdb.Postgres(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pgAdmin.Close()
	pgAdmin.ExecContext(ctx, "DROP DATABASE IF EXISTS sales")
	mustExec(t, pgAdmin, "CREATE DATABASE sales")
	pgDSN = strings.Replace(testdb.Postgres(t), "/postgres?", "/sales?", 1)
	pg, err := sql.Open("pgx", pgDSN)
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	mustExec(t, pg, `CREATE TABLE orders (order_id bigint PRIMARY KEY, customer_id bigint NOT NULL,
		order_date date NOT NULL, status text NOT NULL, total numeric(12,2) NOT NULL)`)
	copyRows(t, files, fmt.Sprintf("SELECT order_id, customer_id, order_date::VARCHAR, status, total::VARCHAR FROM read_parquet('%s/orders.parquet')", demo),
		pg, "INSERT INTO orders VALUES %s", func(i int) string {
			return fmt.Sprintf("($%d, $%d, $%d::date, $%d, $%d::numeric)", 5*i+1, 5*i+2, 5*i+3, 5*i+4, 5*i+5)
		})
	mustExec(t, pg, "ANALYZE orders")
	mustExec(t, pg, `CREATE TABLE order_items (order_id bigint NOT NULL, product_id bigint NOT NULL, quantity integer NOT NULL)`)
	copyRows(t, files, fmt.Sprintf("SELECT order_id, product_id, quantity FROM read_parquet('%s/order_items.parquet')", demo),
		pg, "INSERT INTO order_items VALUES %s", func(i int) string {
			return fmt.Sprintf("($%d, $%d, $%d)", 3*i+1, 3*i+2, 3*i+3)
		})
	mustExec(t, pg, "ANALYZE order_items")

	my, err := sql.Open("mysql", testdb.MariaDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer my.Close()
	mustExec(t, my, "DROP DATABASE IF EXISTS crm")
	mustExec(t, my, "CREATE DATABASE crm CHARACTER SET utf8mb4")
	mustExec(t, my, `CREATE TABLE crm.customers (customer_id bigint PRIMARY KEY, name varchar(100), email varchar(200),
		country varchar(100), city varchar(100), signup_date date)`)
	copyRows(t, files, fmt.Sprintf("SELECT customer_id, name, email, country, city, signup_date::VARCHAR FROM read_csv('%s/customers.csv')", demo),
		my, "INSERT INTO crm.customers VALUES %s", func(int) string { return "(?, ?, ?, ?, ?, ?)" })
	myDSN = testdb.MariaDB(t) + "crm"
	return pgDSN, myDSN
}

func mustExec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// copyRows inserts the rows of a query in batches of 500.
func copyRows(t *testing.T, from *sql.DB, query string, to *sql.DB, insert string, placeholders func(i int) string) {
	t.Helper()
	rows, err := from.Query(query)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var batch []any
	var ph []string
	flush := func() {
		if len(ph) == 0 {
			return
		}
		if _, err := to.Exec(fmt.Sprintf(insert, strings.Join(ph, ",")), batch...); err != nil {
			t.Fatal(err)
		}
		batch, ph = batch[:0], ph[:0]
	}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		ph = append(ph, placeholders(len(ph)))
		batch = append(batch, vals...)
		if len(ph) == 500 {
			flush()
		}
	}
	flush()
}

// A virtual database over PostgreSQL, MariaDB and Parquet/JSON files gives
// the answers DuckDB gives over the same data in local files.
func TestFederatedShop(t *testing.T) {
	pgDSN, myDSN := loadDemo(t)
	demo, _ := filepath.Abs(demoDir)
	g := start(t, fmt.Sprintf(`
users: [{name: root}]
sources:
  sales: {connector: postgres, options: {dsn: %q}}
  crm: {connector: mysql, options: {dsn: %q}}
  lake: {connector: files, options: {root: %q}}
databases:
  shop:
    tables:
      customers: crm.customers
      orders: sales.orders
      products: lake.products
      order_items: lake.order_items
`, pgDSN, myDSN, demo))
	db := g.open(t, "root", "", "shop")
	queries := []string{
		`SELECT c.country, COUNT(*) AS orders, SUM(o.total) AS revenue
			FROM customers c JOIN orders o ON o.customer_id = c.customer_id
			GROUP BY c.country ORDER BY revenue DESC, c.country LIMIT 5`,
		`SELECT order_id, customer_id, total FROM orders
			WHERE status = 'delivered' AND total > 100 AND order_id BETWEEN 100 AND 400 ORDER BY order_id`,
		`SELECT p.category, SUM(i.quantity * p.price) AS sold FROM order_items i JOIN products p ON p.product_id = i.product_id
			JOIN orders o ON o.order_id = i.order_id JOIN customers c ON c.customer_id = o.customer_id
			WHERE c.country = 'Spain' AND o.order_date >= '2024-01-01' GROUP BY p.category ORDER BY sold DESC, p.category`,
		`SELECT name, email FROM customers WHERE customer_id IN (1, 2, 3) OR name LIKE 'Zo%' ORDER BY customer_id LIMIT 10`,
		`SELECT COUNT(*), MIN(signup_date), MAX(signup_date) FROM customers WHERE city IS NOT NULL`,
	}
	for _, q := range queries {
		got := collect(t, db, q)
		want := duckdbDirect(t, strings.NewReplacer("order_items", fmt.Sprintf("read_parquet('%s/order_items.parquet')", demo),
			"products p", fmt.Sprintf("read_json('%s/products.jsonl') p", demo)).Replace(q))
		if len(got) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s\n got %v\nwant %v", q, got, want)
		}
	}
	if ct := columnTypes(t, db, "SELECT customer_id, name, signup_date FROM customers LIMIT 1"); fmt.Sprint(ct) != "[{customer_id BIGINT} {name VARCHAR} {signup_date DATE}]" {
		t.Errorf("MariaDB column types: %v", ct)
	}
	if ct := columnTypes(t, db, "SELECT order_id, total, order_date FROM orders LIMIT 1"); fmt.Sprint(ct) != "[{order_id BIGINT} {total DECIMAL} {order_date DATE}]" {
		t.Errorf("PostgreSQL column types: %v", ct)
	}
	// Across sources, each table is scanned with its own filters.
	plan := collect(t, db, "EXPLAIN SELECT o.order_id, c.name FROM orders o JOIN customers c ON c.customer_id = o.customer_id WHERE o.status = 'shipped' AND o.total > 100")
	if !strings.Contains(plan[0][2], "status") || !strings.Contains(plan[0][2], "source query:") {
		t.Errorf("EXPLAIN = %v", plan)
	}
	collect(t, db, "SELECT o.order_id, c.name FROM orders o JOIN customers c ON c.customer_id = o.customer_id WHERE o.status = 'shipped' AND o.total > 100")
	// The pushed filter reached PostgreSQL as a bound parameter.
	if log := testdb.QueryLog(t, "postgres"); !strings.Contains(log, `"status" = $1::text`) {
		t.Errorf("PostgreSQL did not receive the filter as a parameter")
	}
	// A query on PostgreSQL's tables alone goes to it whole, its string
	// constant as a parameter.
	plan = collect(t, db, "EXPLAIN SELECT status, COUNT(*) FROM orders WHERE status <> 'x''y' GROUP BY status")
	if len(plan) != 2 || plan[0][0] != "query" || plan[1][2] != `SELECT * FROM "tributary_query_0"` {
		t.Errorf("EXPLAIN = %v", plan)
	}
	collect(t, db, "SELECT status, COUNT(*) FROM orders WHERE status <> 'x''y' GROUP BY status")
	if log := testdb.QueryLog(t, "postgres"); !strings.Contains(log, `FROM "orders" AS "orders" WHERE "status" <> $1 GROUP BY "status"`) {
		t.Errorf("PostgreSQL did not receive the whole query")
	}
}

// Pushdown never changes answers: the same queries through a gateway that
// pushes columns, filters and limits to PostgreSQL, MariaDB and the files
// plugin, and through one that pushes nothing, give identical rows.
func TestPushdownDifferential(t *testing.T) {
	pgDSN, myDSN := loadDemo(t)
	demo, _ := filepath.Abs(demoDir)
	config := func(pushdown bool) string {
		return fmt.Sprintf(`
pushdown: %v
users: [{name: root}]
sources:
  sales: {connector: postgres, options: {dsn: %q}}
  crm: {connector: mysql, options: {dsn: %q}}
  lake: {connector: files, options: {root: %q, direct_read: false}}
databases:
  shop:
    tables: {customers: crm.customers, orders: sales.orders, products: lake.products, items: lake.order_items, line_items: sales.order_items}
`, pushdown, pgDSN, myDSN, demo)
	}
	on := start(t, config(true)).open(t, "root", "", "shop")
	off := start(t, config(false)).open(t, "root", "", "shop")
	var queries []string
	// Every operator on a column of each source, with constants of the
	// column's type and of other types (which must not be pushed).
	for _, table := range []struct{ name, num, text, date string }{
		{"orders", "total", "status", "order_date"},
		{"customers", "customer_id", "country", "signup_date"},
		{"products", "price", "category", ""},
		{"items", "quantity", "", ""},
	} {
		conds := []string{
			table.num + " = 3", table.num + " <> 3", table.num + " < 50", table.num + " <= 50.5", table.num + " > 7",
			table.num + " >= 7", table.num + " IN (1, 2, 3, 99.99)", table.num + " BETWEEN 10 AND 20",
			table.num + " IS NULL", table.num + " IS NOT NULL", table.num + " = '3'", "NOT (" + table.num + " > 5)",
			table.num + " > 5 OR " + table.num + " < 2",
		}
		if table.text != "" {
			conds = append(conds, table.text+" = 'Spain'", table.text+" = 'spain'", table.text+" <> 'delivered'",
				table.text+" < 'M'", table.text+" IN ('Home', 'Books', 'shipped')", table.text+" LIKE 'S%'",
				table.text+" LIKE '%e_'", table.text+" LIKE 'x\\\\%'", table.text+" = 'O''Brien'")
		}
		if table.date != "" {
			conds = append(conds, table.date+" >= '2024-01-01'", table.date+" = '2023-05-17'", table.date+" < DATE '2022-06-01'",
				table.date+" BETWEEN '2023-01-01' AND '2023-01-31'")
		}
		for _, c := range conds {
			queries = append(queries, fmt.Sprintf("SELECT * FROM %s WHERE %s ORDER BY 1, 2 LIMIT 50", table.name, c))
			queries = append(queries, fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s", table.name, c))
		}
		queries = append(queries, fmt.Sprintf("SELECT * FROM %s LIMIT 7", table.name), fmt.Sprintf("SELECT * FROM %s LIMIT 3, 4", table.name))
	}
	queries = append(queries,
		"SELECT c.name, o.total FROM customers c LEFT JOIN orders o ON o.customer_id = c.customer_id AND o.total > 900 WHERE o.order_id IS NULL AND c.customer_id < 50 ORDER BY 1, 2",
		"SELECT c.country, COUNT(*) FROM customers c JOIN orders o ON o.customer_id = c.customer_id WHERE o.status = 'returned' AND c.country IN ('Spain', 'France') GROUP BY 1 ORDER BY 1",
		// Whole-query pushdown to PostgreSQL: aggregates, top-N, text
		// ordering, MySQL's decimal division, subqueries.
		"SELECT status, COUNT(*), SUM(total), AVG(total), MIN(order_date), MAX(status), COUNT(DISTINCT customer_id) FROM orders GROUP BY status ORDER BY status",
		"SELECT order_id, total FROM orders ORDER BY total DESC, order_id LIMIT 5",
		"SELECT status, total / 3, total * 2 - 1 FROM orders WHERE status < 'p' AND order_date < DATE '2024-01-01' + INTERVAL 2 MONTH ORDER BY 1, 2 LIMIT 10",
		"SELECT o.status, COUNT(*) AS n FROM orders o WHERE o.total > (SELECT AVG(total) FROM orders) GROUP BY o.status HAVING COUNT(*) > 1 ORDER BY n DESC, 1",
		"SELECT c.name, (SELECT SUM(total) FROM orders o WHERE o.customer_id = c.customer_id) AS spent FROM customers c ORDER BY 1 LIMIT 10",
		"SELECT c.country, t.n FROM customers c JOIN (SELECT customer_id, COUNT(*) AS n FROM orders GROUP BY customer_id) AS t ON t.customer_id = c.customer_id ORDER BY 2 DESC, 1 LIMIT 5",
		"SELECT customer_id FROM orders WHERE status = 'returned' UNION SELECT customer_id FROM orders WHERE total > 990 ORDER BY 1",
		// Join pushdown: orders and line_items (both PostgreSQL) next to
		// MariaDB's customers and the files' products.
		"SELECT c.country, SUM(l.quantity) AS q FROM customers c, orders o, line_items l WHERE c.customer_id = o.customer_id AND o.order_id = l.order_id AND o.status = 'shipped' GROUP BY c.country ORDER BY q DESC, 1",
		"SELECT o.order_id, p.name, l.quantity FROM orders o JOIN line_items l ON l.order_id = o.order_id JOIN products p ON p.product_id = l.product_id WHERE o.total > 950 AND p.category IN ('Books', 'Home') ORDER BY 1, 2",
		"SELECT c.name, o.order_id FROM customers c, orders o, line_items l WHERE c.customer_id = o.customer_id AND l.order_id = o.order_id AND l.quantity >= 4 AND EXISTS (SELECT 1 FROM line_items x WHERE x.order_id = o.order_id AND x.product_id <> l.product_id) ORDER BY 2, 1 LIMIT 20",
		"SELECT c.name, o.order_id FROM customers c, orders o, line_items l WHERE c.customer_id = o.customer_id AND l.order_id = o.order_id AND NOT EXISTS (SELECT 1 FROM line_items x WHERE x.order_id = o.order_id AND x.product_id <> l.product_id) AND c.country = 'Spain' ORDER BY 2, 1",
		"SELECT o.status, COUNT(DISTINCT l.product_id) FROM orders o, line_items l, customers c WHERE o.order_id = l.order_id AND c.customer_id = o.customer_id AND (SELECT COUNT(*) FROM customers x WHERE x.country = c.country) > 10 GROUP BY o.status HAVING COUNT(*) > 2 ORDER BY 1",
		"SELECT DISTINCT c.country FROM orders o, line_items l, customers c WHERE o.order_id = l.order_id AND c.customer_id = o.customer_id AND l.quantity = (SELECT MAX(quantity) FROM line_items) ORDER BY 1",
		"SELECT c.name, o.total FROM customers c LEFT JOIN orders o ON o.customer_id = c.customer_id LEFT JOIN line_items l ON l.order_id = o.order_id WHERE c.customer_id < 30 ORDER BY 1, 2",
		"SELECT c.name, o.order_id, SUM(l.quantity) FROM customers c, orders o, line_items l WHERE c.customer_id = o.customer_id AND l.order_id = o.order_id AND o.order_id IN (SELECT order_id FROM line_items GROUP BY order_id HAVING SUM(quantity) > 12) GROUP BY 1, 2 ORDER BY 1, 2",
	)
	for _, q := range queries {
		a, b := collectExact(t, on, q), collectExact(t, off, q)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s\n pushdown on:  %v\n pushdown off: %v", q, a, b)
		}
	}
	t.Logf("%d queries agree with and without pushdown", len(queries))

	// orders and line_items meet in PostgreSQL.
	plan := collectExact(t, on, "EXPLAIN SELECT c.country, SUM(l.quantity) FROM customers c, orders o, line_items l WHERE c.customer_id = o.customer_id AND o.order_id = l.order_id GROUP BY c.country")
	if !strings.Contains(fmt.Sprint(plan), `CROSS JOIN "order_items" AS "l"`) {
		t.Errorf("orders and line_items not joined in PostgreSQL: %v", plan)
	}
	// A query on PostgreSQL's tables alone goes to it whole.
	plan = collectExact(t, on, "EXPLAIN SELECT status, SUM(total) FROM orders GROUP BY status ORDER BY status")
	if len(plan) != 2 || plan[0][0] != "query" || !strings.Contains(fmt.Sprint(plan[0][2]), `GROUP BY "status"`) {
		t.Errorf("not pushed whole: %v", plan)
	}
}
