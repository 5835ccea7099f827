"""MariaDB Connector/ODBC through unixODBC against Tributary: the catalog
calls (SQLTables, SQLColumns, SQLPrimaryKeys, SQLStatistics) with which
Tableau and Power BI browse a database, then a query with bound
parameters. pyodbc makes exactly these ODBC calls.

Prints what the driver reports; e2e/clients_test.go compares it with
odbc.golden.
"""
import datetime
import decimal
import os

import pyodbc

# The driver as Debian's odbc-mariadb registers it in /etc/odbcinst.ini.
DRIVER = "MariaDB Unicode"

QUERY = """SELECT s.shipment_id, o.order_id, o.total, c.name, o.order_date, s.shipped_at, s.weight_kg
FROM shipments s JOIN orders o ON o.order_id = s.order_id JOIN customers c ON c.customer_id = o.customer_id
WHERE s.order_id BETWEEN ? AND ? AND s.carrier <> ? ORDER BY s.shipment_id"""

# Parameters of the types clients bind: DATETIME, DATE, DECIMAL and NULL.
TYPED = """SELECT s.shipment_id, o.total FROM shipments s JOIN orders o ON o.order_id = s.order_id
WHERE s.shipped_at >= ? AND o.order_date <= ? AND o.total > ? AND COALESCE(?, s.carrier) = s.carrier ORDER BY s.shipment_id"""

if DRIVER not in pyodbc.drivers():
    raise SystemExit(f"ODBC driver {DRIVER!r} not registered (have {pyodbc.drivers()}): install odbc-mariadb")

db = os.environ["TRIBUTARY_DATABASE"]
conn = pyodbc.connect(
    f"DRIVER={{{DRIVER}}};SERVER={os.environ['TRIBUTARY_HOST']};PORT={os.environ['TRIBUTARY_PORT']};"
    f"DATABASE={db};UID={os.environ['TRIBUTARY_USER']};PWD={{{os.environ['TRIBUTARY_PASSWORD']}}}"
)
print("dbms", conn.getinfo(pyodbc.SQL_DBMS_NAME), conn.getinfo(pyodbc.SQL_DBMS_VER))
cur = conn.cursor()

for t in cur.tables(catalog=db, tableType="TABLE,VIEW").fetchall():
    print("table", t.table_cat, t.table_name, t.table_type)
for c in cur.columns(table="shipments", catalog=db).fetchall():
    print("column", c.table_name, c.column_name, c.type_name, "data_type", c.data_type, "size", c.column_size,
          "digits", c.decimal_digits, "nullable", c.nullable)
for c in cur.columns(table="orders", catalog=db).fetchall():
    print("column", c.table_name, c.column_name, c.type_name, "data_type", c.data_type, "size", c.column_size,
          "digits", c.decimal_digits, "nullable", c.nullable)
for c in cur.columns(table="big_orders", catalog=db).fetchall():
    print("column", c.table_name, c.column_name, c.type_name, "data_type", c.data_type, "size", c.column_size,
          "digits", c.decimal_digits, "nullable", c.nullable)
print("primary keys", [tuple(r) for r in cur.primaryKeys(table="shipments", catalog=db).fetchall()])
print("statistics", [(r.index_name, r.column_name) for r in cur.statistics(table="shipments", catalog=db).fetchall()])
print("foreign keys", [tuple(r) for r in cur.foreignKeys(table="orders", catalog=db).fetchall()])
print("special columns", [tuple(r) for r in cur.rowIdColumns(table="shipments", catalog=db).fetchall()])
print("type info rows", len(cur.getTypeInfo().fetchall()))
print("procedures", [tuple(r) for r in cur.procedures(catalog=db).fetchall()])

cur.execute(QUERY, 10, 13, "UPS")
for name, type_code, display_size, internal_size, precision, scale, null_ok in cur.description:
    print("result column", name, type_code.__name__, "size", internal_size, "precision", precision, "scale", scale)
for row in cur.fetchall():
    print("row", repr(tuple(row)))

cur.execute("SELECT carrier FROM shipments WHERE carrier = ?", "O'Neil Freight")
print("quoted parameter", cur.fetchone()[0])

cur.execute(TYPED, datetime.datetime(2024, 3, 2), datetime.date(2022, 2, 10), decimal.Decimal("500.00"), None)
print("typed parameters", [tuple(r) for r in cur.fetchall()])
conn.close()
