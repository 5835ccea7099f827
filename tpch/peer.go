package tpch

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
)

// The benchmark's peer is what a team would build without Tributary:
// PostgreSQL federating the same split with foreign data wrappers. The
// facts (lineitem, orders) are the PostgreSQL server's own tables, the
// MariaDB tables are reached through mysql_fdw and the lake's through
// file_fdw. file_fdw reads CSV only, so part and partsupp are also written
// as CSV from the same Parquet files.

// PeerSchema is the PostgreSQL schema of the peer's foreign tables; a
// peer session runs with search_path PeerSchema, public.
const PeerSchema = "peer"

// Foreign servers the peer defines.
const (
	peerMariaDBServer = "tpch_mariadb"
	peerFilesServer   = "tpch_files"
)

// csvPath is where WriteCSV puts a table.
func csvPath(dir, name string) string { return filepath.Join(dir, name+".csv") }

// WriteCSV writes each of the named tables from its Parquet file in
// parquetDir to csvDir/NAME.csv (a header line, '|' between fields, quoted
// where needed), the form file_fdw reads. DuckDB writes what it read.
func WriteCSV(parquetDir, csvDir string, tables ...string) error {
	if err := os.MkdirAll(csvDir, 0o755); err != nil {
		return err
	}
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, name := range tables {
		q := fmt.Sprintf("COPY (SELECT * FROM read_parquet(%s)) TO %s (HEADER, DELIMITER '|')",
			quoteLiteral(filepath.Join(parquetDir, name+".parquet")), quoteLiteral(csvPath(csvDir, name)))
		if _, err := db.Exec(q); err != nil {
			return fmt.Errorf("tpch: writing %s as CSV: %w", name, err)
		}
	}
	return nil
}

// quoteLiteral quotes s as an SQL string literal (standard conforming
// strings, which PostgreSQL and DuckDB both use).
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// SetupPeer (re)creates the peer in the PostgreSQL database of pgDSN (a
// superuser's, holding the PostgresTables): extensions mysql_fdw and
// file_fdw, a foreign server for the MariaDB database of myDSN
// (go-sql-driver form, TCP) and one for the files, and schema PeerSchema
// with a foreign table for each of MySQLTables and ParquetTables (whose
// CSV copies WriteCSV wrote in csvDir, an absolute path the server can
// read). The foreign tables are analyzed so
// that PostgreSQL's planner knows their sizes.
func SetupPeer(ctx context.Context, pgDSN, myDSN, csvDir string) error {
	my, err := mysql.ParseDSN(myDSN)
	if err != nil {
		return err
	}
	host, port, ok := strings.Cut(my.Addr, ":")
	if my.Net != "tcp" || !ok {
		return fmt.Errorf("tpch: the peer reaches MariaDB over TCP, not %s(%s)", my.Net, my.Addr)
	}
	conn, err := pgx.Connect(ctx, pgDSN)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	stmts := []string{
		"CREATE EXTENSION IF NOT EXISTS mysql_fdw",
		"CREATE EXTENSION IF NOT EXISTS file_fdw",
		"DROP SCHEMA IF EXISTS " + PeerSchema + " CASCADE",
		"DROP SERVER IF EXISTS " + peerMariaDBServer + " CASCADE",
		"DROP SERVER IF EXISTS " + peerFilesServer + " CASCADE",
		fmt.Sprintf("CREATE SERVER %s FOREIGN DATA WRAPPER mysql_fdw OPTIONS (host %s, port %s)",
			peerMariaDBServer, quoteLiteral(host), quoteLiteral(port)),
		fmt.Sprintf("CREATE USER MAPPING FOR CURRENT_USER SERVER %s OPTIONS (username %s, password %s)",
			peerMariaDBServer, quoteLiteral(my.User), quoteLiteral(my.Passwd)),
		"CREATE SERVER " + peerFilesServer + " FOREIGN DATA WRAPPER file_fdw",
		"CREATE SCHEMA " + PeerSchema,
	}
	for _, name := range MySQLTables {
		stmts = append(stmts, foreignTable(name, peerMariaDBServer,
			fmt.Sprintf("dbname %s, table_name %s", quoteLiteral(my.DBName), quoteLiteral(name))))
	}
	for _, name := range ParquetTables {
		stmts = append(stmts, foreignTable(name, peerFilesServer,
			fmt.Sprintf("filename %s, format 'csv', header 'true', delimiter '|'", quoteLiteral(csvPath(csvDir, name)))))
	}
	for _, name := range append(append([]string{}, MySQLTables...), ParquetTables...) {
		stmts = append(stmts, "ANALYZE "+PeerSchema+"."+name)
	}
	for _, q := range stmts {
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("tpch: setting up the peer: %s: %w", q, err)
		}
	}
	return nil
}

// foreignTable is the DDL of the peer's foreign table for a TPC-H table.
func foreignTable(name, server, options string) string {
	t, _ := lookup(name)
	return fmt.Sprintf("CREATE FOREIGN TABLE %s.%s (%s) SERVER %s OPTIONS (%s)", PeerSchema, name, t.columnDefs(), server, options)
}
