package gateway

import (
	"sort"
	"strings"

	"github.com/tributary-sql/tributary/server"
)

// sysvars are the system variables clients read on connect, with the
// values a MySQL 8.0 server would report. SET changes a session's copy;
// nothing here changes how queries run yet, except autocommit's echo.
var sysvars = map[string]any{
	"auto_increment_increment":        int64(1),
	"autocommit":                      int64(1),
	"character_set_client":            "utf8mb4",
	"character_set_connection":        "utf8mb4",
	"character_set_database":          "utf8mb4",
	"character_set_results":           "utf8mb4",
	"character_set_server":            "utf8mb4",
	"character_set_system":            "utf8mb3",
	"collation_connection":            "utf8mb4_general_ci",
	"collation_database":              "utf8mb4_general_ci",
	"collation_server":                "utf8mb4_general_ci",
	"default_storage_engine":          "InnoDB",
	"div_precision_increment":         int64(4),
	"init_connect":                    "",
	"interactive_timeout":             int64(28800),
	"license":                         "Apache-2.0",
	"lower_case_table_names":          int64(1),
	"max_allowed_packet":              int64(67108864),
	"max_execution_time":              int64(0),
	"net_buffer_length":               int64(16384),
	"net_read_timeout":                int64(30),
	"net_write_timeout":               int64(60),
	"performance_schema":              int64(0),
	"query_cache_size":                int64(0),
	"query_cache_type":                "OFF",
	"sql_auto_is_null":                int64(0),
	"sql_mode":                        "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION",
	"sql_select_limit":                uint64(18446744073709551615),
	"sql_safe_updates":                int64(0),
	"system_time_zone":                "UTC",
	"time_zone":                       "SYSTEM",
	"transaction_isolation":           "REPEATABLE-READ",
	"tx_isolation":                    "REPEATABLE-READ",
	"transaction_read_only":           int64(0),
	"tx_read_only":                    int64(0),
	"version_comment":                 "Tributary SQL federation gateway",
	"version_compile_os":              "Linux",
	"version_compile_machine":         "x86_64",
	"wait_timeout":                    int64(28800),
	"have_ssl":                        "DISABLED",
	"have_openssl":                    "DISABLED",
	"require_secure_transport":        int64(0),
	"protocol_version":                int64(10),
	"hostname":                        "tributary",
	"port":                            int64(3307),
	"session_track_schema":            int64(1),
	"character_set_filesystem":        "binary",
	"explicit_defaults_for_timestamp": int64(1),
	"foreign_key_checks":              int64(1),
	"unique_checks":                   int64(1),
	"sql_notes":                       int64(1),
	"sql_warnings":                    int64(0),

	// MariaDB Connector/ODBC sets this on connect. The gateway sends no
	// session state changes; the value is what MySQL 8.0 defaults to.
	"session_track_system_variables": "time_zone,autocommit,character_set_client,character_set_results,character_set_connection",
	"session_track_state_change":     int64(0),
	"session_track_transaction_info": "OFF",
}

// variable returns a session's value of a system variable: its own if SET,
// else the default. Names are case-insensitive.
func (g *Gateway) variable(s *server.Session, name string) (any, bool) {
	name = strings.ToLower(name)
	if name == "version" {
		return g.version, true
	}
	if v, ok := s.Vars[name]; ok {
		return v, true
	}
	if v, ok := g.serverVars[name]; ok {
		return v, true
	}
	v, ok := sysvars[name]
	return v, ok
}

func sysvarNames() []string {
	names := make([]string, 0, len(sysvars)+1)
	for n := range sysvars {
		names = append(names, n)
	}
	names = append(names, "version")
	sort.Strings(names)
	return names
}
