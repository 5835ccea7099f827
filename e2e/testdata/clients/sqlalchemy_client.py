"""SQLAlchemy's inspector and pandas.read_sql against Tributary: what
Superset does to list schemas, tables and columns and to run a chart's query.

Prints what they report; e2e/clients_test.go compares it with
sqlalchemy.golden.
"""
import datetime
import decimal
import os

import pandas as pd
import sqlalchemy
from sqlalchemy import create_engine, inspect, text

url = sqlalchemy.engine.URL.create(
    "mysql+pymysql",
    username=os.environ["TRIBUTARY_USER"],
    password=os.environ["TRIBUTARY_PASSWORD"],
    host=os.environ["TRIBUTARY_HOST"],
    port=int(os.environ["TRIBUTARY_PORT"]),
    database=os.environ["TRIBUTARY_DATABASE"],
)
engine = create_engine(url)
schema = os.environ["TRIBUTARY_DATABASE"]

insp = inspect(engine)
print("schemas", insp.get_schema_names())
print("tables", insp.get_table_names(schema=schema))
print("views", insp.get_view_names(schema=schema))
print("default schema", insp.default_schema_name)
for table in ["customers", "orders", "products", "shipments"]:
    for col in insp.get_columns(table, schema=schema):
        print("column", table, col["name"], repr(col["type"]), "nullable" if col["nullable"] else "not null")
    print("pk", table, insp.get_pk_constraint(table, schema=schema))
    print("foreign keys", table, insp.get_foreign_keys(table, schema=schema))
    print("indexes", table, insp.get_indexes(table, schema=schema))
    print("unique constraints", table, insp.get_unique_constraints(table, schema=schema))
    print("comment", table, insp.get_table_comment(table, schema=schema))
print("has table", insp.has_table("orders", schema=schema), insp.has_table("nope", schema=schema))
for col in insp.get_columns("big_orders", schema=schema):
    print("column", "big_orders", col["name"], repr(col["type"]), "nullable" if col["nullable"] else "not null")
print("view definition", insp.get_view_definition("big_orders", schema=schema))

# A chart's query: a join across the three systems, with bound parameters.
query = text("""SELECT c.country, o.order_date, COUNT(*) AS orders, SUM(o.total) AS revenue,
       AVG(p.price) AS avg_price, MAX(s.shipped_at) AS last_shipped
FROM orders o JOIN customers c ON c.customer_id = o.customer_id
JOIN order_items i ON i.order_id = o.order_id JOIN products p ON p.product_id = i.product_id
LEFT JOIN shipments s ON s.order_id = o.order_id
WHERE o.order_id BETWEEN :lo AND :hi
GROUP BY c.country, o.order_date ORDER BY o.order_date, c.country""")
with engine.connect() as conn:
    df = pd.read_sql(query, conn, params={"lo": 10, "hi": 14})
for name, dtype in df.dtypes.items():
    print("dtype", name, dtype)
for row in df.itertuples(index=False):
    print("row", repr(tuple(row)))

typed = text("""SELECT s.shipment_id, o.total FROM shipments s JOIN orders o ON o.order_id = s.order_id
WHERE s.shipped_at >= :at AND o.order_date <= :on AND o.total > :total AND COALESCE(:carrier, s.carrier) = s.carrier
ORDER BY s.shipment_id""")
with engine.connect() as conn:
    rows = conn.execute(typed, {"at": datetime.datetime(2024, 3, 2), "on": datetime.date(2022, 2, 10),
                                "total": decimal.Decimal("500.00"), "carrier": None}).fetchall()
print("typed parameters", [tuple(r) for r in rows])

# A whole table, as Superset's table preview and pandas.read_sql_table
# read it: reflected, then selected.
products = pd.read_sql_table("products", engine, schema=schema)
for name, dtype in products.dtypes.items():
    print("products dtype", name, dtype)
print("products", len(products), "rows; first", repr(tuple(products.iloc[0])))
