package tpch

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	_ "github.com/go-sql-driver/mysql" // LoadMySQL's driver
)

// tablesOrAll returns the named tables, or all of them when none is named.
func tablesOrAll(names []string) ([]table, error) {
	if len(names) == 0 {
		names = Tables
	}
	ts := make([]table, len(names))
	for i, n := range names {
		t, err := lookup(n)
		if err != nil {
			return nil, err
		}
		ts[i] = t
	}
	return ts, nil
}

// LoadPostgres (re)creates the named tables (all eight when none is named)
// in the database of dsn and copies the Parquet files Generate wrote in dir
// into them with COPY, then adds the primary keys and runs ANALYZE.
func LoadPostgres(ctx context.Context, dsn, dir string, tables ...string) error {
	ts, err := tablesOrAll(tables)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	for _, t := range ts {
		if err := loadPostgresTable(ctx, conn, dir, t); err != nil {
			return fmt.Errorf("tpch: loading %s into PostgreSQL: %w", t.name, err)
		}
	}
	return nil
}

func loadPostgresTable(ctx context.Context, conn *pgx.Conn, dir string, t table) error {
	if _, err := conn.Exec(ctx, "DROP TABLE IF EXISTS "+t.name); err != nil {
		return err
	}
	// The key is added after the data: one index build beats maintaining
	// the index row by row during COPY.
	if _, err := conn.Exec(ctx, t.createTable(false)); err != nil {
		return err
	}
	err := readParquet(ctx, dir, t.name, func(rec arrow.RecordBatch) error {
		_, err := conn.CopyFrom(ctx, pgx.Identifier{t.name}, t.columnNames(), &recordRows{rec: rec, conv: pgValue, row: -1})
		return err
	})
	if err != nil {
		return err
	}
	for _, q := range []string{
		fmt.Sprintf("ALTER TABLE %s ADD PRIMARY KEY (%s)", t.name, strings.Join(t.key, ", ")),
		"ANALYZE " + t.name,
	} {
		if _, err := conn.Exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// recordRows adapts a record batch to pgx.CopyFromSource.
type recordRows struct {
	rec  arrow.RecordBatch
	conv func(arrow.Array, int) any
	row  int
	vals []any
}

func (r *recordRows) Next() bool { r.row++; return r.row < int(r.rec.NumRows()) }
func (r *recordRows) Err() error { return nil }

func (r *recordRows) Values() ([]any, error) {
	r.vals = rowValues(r.rec, r.row, r.conv, r.vals[:0])
	return r.vals, nil
}

func rowValues(rec arrow.RecordBatch, row int, conv func(arrow.Array, int) any, dst []any) []any {
	for _, col := range rec.Columns() {
		dst = append(dst, conv(col, row))
	}
	return dst
}

// pgValue converts a cell to what pgx's binary COPY encodes for the
// column's type: money exactly as a Numeric, dates as time.Time.
func pgValue(a arrow.Array, i int) any {
	switch a := a.(type) {
	case *array.Decimal128:
		v := a.Value(i)
		return pgtype.Numeric{Int: v.BigInt(), Exp: -2, Valid: true}
	case *array.Date32:
		return a.Value(i).ToTime()
	default:
		return goValue(a, i)
	}
}

// myValue converts a cell to a go-sql-driver parameter: money and dates as
// their text, which MariaDB converts exactly.
func myValue(a arrow.Array, i int) any {
	switch a := a.(type) {
	case *array.Decimal128:
		return cents(a.Value(i).LowBits()).String()
	case *array.Date32:
		return a.Value(i).ToTime().Format(time.DateOnly)
	default:
		return goValue(a, i)
	}
}

func goValue(a arrow.Array, i int) any {
	switch a := a.(type) {
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.String:
		return a.Value(i)
	}
	panic(fmt.Sprintf("tpch: unexpected column type %s", a.DataType()))
}

// myBatchRows is the rows per INSERT: a few thousand placeholders keep each
// statement well under max_allowed_packet and the 65,535-placeholder limit.
const myBatchRows = 1000

// LoadMySQL (re)creates the named tables (all eight when none is named) in
// the database of dsn (go-sql-driver form) and fills them with multi-row
// INSERTs, then runs ANALYZE TABLE.
func LoadMySQL(ctx context.Context, dsn, dir string, tables ...string) error {
	ts, err := tablesOrAll(tables)
	if err != nil {
		return err
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	for _, t := range ts {
		if err := loadMySQLTable(ctx, db, dir, t); err != nil {
			return fmt.Errorf("tpch: loading %s into MySQL: %w", t.name, err)
		}
	}
	return nil
}

func loadMySQLTable(ctx context.Context, db *sql.DB, dir string, t table) error {
	for _, q := range []string{"DROP TABLE IF EXISTS " + t.name, t.createTable(true) + " ENGINE=InnoDB"} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	ins := &batchInsert{db: db, prefix: fmt.Sprintf("INSERT INTO %s (%s) VALUES ", t.name, strings.Join(t.columnNames(), ", ")),
		tuple: "(" + strings.Repeat("?, ", len(t.cols)-1) + "?)"}
	err := readParquet(ctx, dir, t.name, func(rec arrow.RecordBatch) error {
		for row := 0; row < int(rec.NumRows()); row++ {
			if err := ins.add(ctx, rowValues(rec, row, myValue, nil)); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = ins.flush(ctx)
	}
	if err != nil {
		return err
	}
	// ANALYZE TABLE returns a result set, which Exec would leave unread.
	rows, err := db.QueryContext(ctx, "ANALYZE TABLE "+t.name)
	if err != nil {
		return err
	}
	return rows.Close()
}

// batchInsert gathers rows into multi-row INSERTs with placeholders.
type batchInsert struct {
	db            *sql.DB
	prefix, tuple string
	args          []any
	rows          int
}

func (b *batchInsert) add(ctx context.Context, row []any) error {
	b.args = append(b.args, row...)
	if b.rows++; b.rows == myBatchRows {
		return b.flush(ctx)
	}
	return nil
}

func (b *batchInsert) flush(ctx context.Context) error {
	if b.rows == 0 {
		return nil
	}
	q := b.prefix + strings.Repeat(b.tuple+", ", b.rows-1) + b.tuple
	_, err := b.db.ExecContext(ctx, q, b.args...)
	b.args, b.rows = b.args[:0], 0
	return err
}
