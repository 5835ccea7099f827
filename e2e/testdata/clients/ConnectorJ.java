// MariaDB Connector/J against Tributary: the DatabaseMetaData calls with
// which DBeaver and Metabase browse a database, then a PreparedStatement,
// prepared by the driver and by the server.
// Prints what the driver reports; e2e/clients_test.go compares it with
// connectorj.golden.
import java.sql.*;
import java.util.*;

public class ConnectorJ {
    static final String QUERY = "SELECT s.shipment_id, o.order_id, o.total, c.name, o.order_date, s.shipped_at, s.weight_kg\n"
            + "FROM shipments s JOIN orders o ON o.order_id = s.order_id JOIN customers c ON c.customer_id = o.customer_id\n"
            + "WHERE s.order_id BETWEEN ? AND ? AND s.carrier <> ? ORDER BY s.shipment_id";

    // Parameters of the types clients bind: DATETIME, DATE, DECIMAL and NULL.
    static final String TYPED = "SELECT s.shipment_id, o.total FROM shipments s JOIN orders o ON o.order_id = s.order_id\n"
            + "WHERE s.shipped_at >= ? AND o.order_date <= ? AND o.total > ? AND COALESCE(?, s.carrier) = s.carrier ORDER BY s.shipment_id";

    public static void main(String[] args) throws Exception {
        String db = System.getenv("TRIBUTARY_DATABASE");
        String url = "jdbc:mariadb://" + System.getenv("TRIBUTARY_HOST") + ":" + System.getenv("TRIBUTARY_PORT") + "/" + db;
        try (Connection conn = connect(url, false)) {
            DatabaseMetaData md = conn.getMetaData();
            System.out.println("product " + md.getDatabaseProductName() + " " + md.getDatabaseProductVersion());
            System.out.println("catalog " + conn.getCatalog());
            print("catalogs", md.getCatalogs(), "TABLE_CAT");
            print("tables", md.getTables(db, null, "%", null), "TABLE_CAT", "TABLE_NAME", "TABLE_TYPE", "REMARKS");
            print("columns", md.getColumns(db, null, "%", "%"), "TABLE_NAME", "COLUMN_NAME", "TYPE_NAME", "DATA_TYPE",
                    "COLUMN_SIZE", "DECIMAL_DIGITS", "NULLABLE", "IS_NULLABLE", "ORDINAL_POSITION");
            print("primary keys", md.getPrimaryKeys(db, null, "shipments"), "TABLE_NAME", "COLUMN_NAME", "KEY_SEQ");
            print("index info", md.getIndexInfo(db, null, "shipments", false, false), "TABLE_NAME", "INDEX_NAME", "COLUMN_NAME");
            print("imported keys", md.getImportedKeys(db, null, "orders"), "FKTABLE_NAME", "FKCOLUMN_NAME");
            // What else a tool asks while it builds its tree: only that it answers.
            count("table types", md.getTableTypes());
            count("schemas", md.getSchemas());
            count("type info", md.getTypeInfo());
            count("exported keys", md.getExportedKeys(db, null, "orders"));
            count("procedures", md.getProcedures(db, null, "%"));
            count("functions", md.getFunctions(db, null, "%"));
            count("best row identifier", md.getBestRowIdentifier(db, null, "shipments", DatabaseMetaData.bestRowSession, true));
            count("column privileges", md.getColumnPrivileges(db, null, "shipments", "%"));
            count("table privileges", md.getTablePrivileges(db, null, "%"));
        }
        // The driver's default sends the statement as text with the
        // parameters escaped in; useServerPrepStmts prepares it on the
        // server (COM_STMT_PREPARE/EXECUTE, binary rows).
        for (boolean serverPrepared : new boolean[] {false, true}) {
            String how = serverPrepared ? "server-prepared" : "client-prepared";
            try (Connection conn = connect(url, serverPrepared)) {
                query(conn, how);
            }
        }
    }

    static Connection connect(String url, boolean serverPrepared) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", System.getenv("TRIBUTARY_USER"));
        props.setProperty("password", System.getenv("TRIBUTARY_PASSWORD"));
        props.setProperty("useServerPrepStmts", String.valueOf(serverPrepared));
        return DriverManager.getConnection(url, props);
    }

    static void query(Connection conn, String how) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(QUERY)) {
            ps.setInt(1, 10);
            ps.setLong(2, 13);
            ps.setString(3, "UPS");
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData rm = rs.getMetaData();
                for (int i = 1; i <= rm.getColumnCount(); i++) {
                    System.out.println(how + " column " + rm.getColumnLabel(i) + " " + rm.getColumnTypeName(i)
                            + " type=" + rm.getColumnType(i) + " class=" + rm.getColumnClassName(i)
                            + " precision=" + rm.getPrecision(i) + " scale=" + rm.getScale(i)
                            + " nullable=" + rm.isNullable(i));
                }
                while (rs.next()) {
                    StringBuilder row = new StringBuilder(how + " row");
                    for (int i = 1; i <= rm.getColumnCount(); i++) {
                        Object v = rs.getObject(i);
                        row.append(" ").append(v == null ? "null" : v.getClass().getSimpleName() + "(" + v + ")");
                    }
                    System.out.println(row);
                }
            }
        }
        try (PreparedStatement ps = conn.prepareStatement(TYPED)) {
            ps.setTimestamp(1, Timestamp.valueOf("2024-03-02 00:00:00"));
            ps.setDate(2, java.sql.Date.valueOf("2022-02-10"));
            ps.setBigDecimal(3, new java.math.BigDecimal("500.00"));
            ps.setNull(4, Types.VARCHAR);
            try (ResultSet rs = ps.executeQuery()) {
                StringBuilder line = new StringBuilder(how + " typed parameters");
                while (rs.next()) {
                    line.append(" ").append(rs.getInt(1)).append(":").append(rs.getBigDecimal(2));
                }
                System.out.println(line);
            }
        }
        try (PreparedStatement ps = conn.prepareStatement("SELECT carrier FROM shipments WHERE carrier = ?")) {
            ps.setString(1, "O'Neil Freight");
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    System.out.println(how + " quoted parameter " + rs.getString(1));
                }
            }
        }
    }

    static void count(String what, ResultSet rs) throws SQLException {
        try (rs) {
            int n = 0;
            while (rs.next()) {
                n++;
            }
            System.out.println(what + ": " + n + " rows");
        }
    }

    static void print(String what, ResultSet rs, String... cols) throws SQLException {
        try (rs) {
            int n = 0;
            while (rs.next()) {
                StringBuilder line = new StringBuilder(what);
                for (String c : cols) {
                    line.append(" ").append(c).append("=").append(rs.getString(c));
                }
                System.out.println(line);
                n++;
            }
            System.out.println(what + ": " + n + " rows");
        }
    }
}
