"""PyMySQL against Tributary: what a Python script or notebook does.

Prints what PyMySQL reports (type codes from cursor.description, values as
Python objects); e2e/clients_test.go compares it with pymysql.golden.
"""
import datetime
import decimal
import os

import pymysql
from pymysql.constants import FIELD_TYPE

TYPE_NAMES = {v: k for k, v in vars(FIELD_TYPE).items() if isinstance(v, int)}

# The shipments query of e2e/clients_test.go; PyMySQL interpolates %s
# client-side, escaping the values.
QUERY = """SELECT s.shipment_id, o.order_id, o.total, c.name, o.order_date, s.shipped_at, s.weight_kg
FROM shipments s JOIN orders o ON o.order_id = s.order_id JOIN customers c ON c.customer_id = o.customer_id
WHERE s.order_id BETWEEN %s AND %s AND s.carrier <> %s ORDER BY s.shipment_id"""

# Parameters of the types clients bind: DATETIME, DATE, DECIMAL and NULL.
TYPED = """SELECT s.shipment_id, o.total FROM shipments s JOIN orders o ON o.order_id = s.order_id
WHERE s.shipped_at >= %s AND o.order_date <= %s AND o.total > %s AND COALESCE(%s, s.carrier) = s.carrier ORDER BY s.shipment_id"""

conn = pymysql.connect(
    host=os.environ["TRIBUTARY_HOST"],
    port=int(os.environ["TRIBUTARY_PORT"]),
    user=os.environ["TRIBUTARY_USER"],
    password=os.environ["TRIBUTARY_PASSWORD"],
    database=os.environ["TRIBUTARY_DATABASE"],
)
with conn.cursor() as cur:
    print("server version", conn.get_server_info())
    cur.execute("SHOW DATABASES")
    print("databases", [r[0] for r in cur.fetchall()])
    cur.execute("SHOW TABLES")
    print("tables", [r[0] for r in cur.fetchall()])
    cur.execute("SELECT DATABASE()")
    print("current database", cur.fetchone()[0])

    cur.execute(QUERY, (10, 13, "UPS"))
    for name, type_code, display_size, internal_size, precision, scale, null_ok in cur.description:
        print("column", name, TYPE_NAMES[type_code], "size", internal_size, "precision", precision, "scale", scale)
    for row in cur.fetchall():
        print("row", repr(row))

    cur.execute("SELECT carrier, COUNT(*) FROM shipments WHERE carrier = %s GROUP BY carrier", ("O'Neil Freight",))
    print("quoted parameter", cur.fetchall())

    cur.execute(TYPED, (datetime.datetime(2024, 3, 2), datetime.date(2022, 2, 10), decimal.Decimal("500.00"), None))
    print("typed parameters", cur.fetchall())
conn.close()
