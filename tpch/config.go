package tpch

import (
	"fmt"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// placement is where each table lives in the federated split: facts in the
// operational PostgreSQL, reference data in the CRM's MariaDB, the product
// catalogue as Parquet files in the data lake.
var placement = map[string]string{
	"lineitem": "sales", "orders": "sales",
	"customer": "crm", "nation": "crm", "region": "crm", "supplier": "crm",
	"part": "lake", "partsupp": "lake",
}

// PostgresTables, MySQLTables and ParquetTables are the tables each system
// of the split holds.
var (
	PostgresTables = []string{"lineitem", "orders"}
	MySQLTables    = []string{"customer", "nation", "region", "supplier"}
	ParquetTables  = []string{"part", "partsupp"}
)

// Config is the gateway configuration (YAML) of the split: sources sales
// (PostgreSQL at pgDSN, schema public), crm (MariaDB at myDSN, go-sql-driver
// form naming its database) and lake (the files under parquetDir), and the
// virtual database tpch mapping the eight tables, readable by user root
// without a password (loopback only).
func Config(pgDSN, myDSN, parquetDir string) string {
	var b strings.Builder
	b.WriteString("users: [{name: root}]\nsources:\n")
	fmt.Fprintf(&b, "  sales: {connector: postgres, options: {dsn: %q, schema: public}}\n", pgDSN)
	fmt.Fprintf(&b, "  crm: {connector: mysql, options: {dsn: %q%s}}\n", myDSN, databaseOption(myDSN))
	fmt.Fprintf(&b, "  lake: {connector: files, options: {root: %q}}\n", parquetDir)
	b.WriteString("databases:\n  tpch:\n    tables:\n")
	for _, t := range Tables {
		fmt.Fprintf(&b, "      %s: %s.%s\n", t, placement[t], t)
	}
	return b.String()
}

// databaseOption names the DSN's database explicitly, so the config says
// which database the crm source reads even to a reader who skips the DSN.
func databaseOption(dsn string) string {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil || cfg.DBName == "" {
		return ""
	}
	return fmt.Sprintf(", database: %q", cfg.DBName)
}
