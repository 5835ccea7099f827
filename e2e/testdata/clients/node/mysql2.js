// node mysql2 against Tributary: prepared statements with parameters
// (connection.execute, the binary protocol) and a text query
// (connection.query, client-side escaping), as Node back ends use them.
// Prints what mysql2 reports; e2e/clients_test.go compares it with
// mysql2.golden.
'use strict';
const mysql = require('mysql2/promise');

const QUERY = `SELECT s.shipment_id, o.order_id, o.total, c.name, o.order_date, s.shipped_at, s.weight_kg
FROM shipments s JOIN orders o ON o.order_id = s.order_id JOIN customers c ON c.customer_id = o.customer_id
WHERE s.order_id BETWEEN ? AND ? AND s.carrier <> ? ORDER BY s.shipment_id`;

// Parameters of the types clients bind: DATETIME, DATE, DECIMAL and NULL.
const TYPED = `SELECT s.shipment_id, o.total FROM shipments s JOIN orders o ON o.order_id = s.order_id
WHERE s.shipped_at >= ? AND o.order_date <= ? AND o.total > ? AND COALESCE(?, s.carrier) = s.carrier ORDER BY s.shipment_id`;

// mysql2's Types maps names to codes; invert it.
const typeNames = Object.fromEntries(Object.entries(mysql.Types).map(([name, code]) => [code, name]));

function show(value) {
  if (value === null) return 'null';
  if (value instanceof Date) return `Date(${value.toISOString()})`;
  return `${typeof value}(${value})`;
}

async function main() {
  const conn = await mysql.createConnection({
    host: process.env.TRIBUTARY_HOST,
    port: Number(process.env.TRIBUTARY_PORT),
    user: process.env.TRIBUTARY_USER,
    password: process.env.TRIBUTARY_PASSWORD,
    database: process.env.TRIBUTARY_DATABASE,
    timezone: 'Z', // DATETIME values are read as UTC
  });
  for (const [how, run] of [
    ['execute', () => conn.execute(QUERY, [10, 13, 'UPS'])],
    ['query', () => conn.query(QUERY, [10, 13, 'UPS'])],
  ]) {
    const [rows, fields] = await run();
    for (const f of fields) {
      console.log(how, 'field', f.name, typeNames[f.columnType], 'length', f.columnLength, 'decimals', f.decimals,
        'flags', f.flags);
    }
    for (const row of rows) {
      console.log(how, 'row', Object.values(row).map(show).join(' '));
    }
  }
  const [rows] = await conn.execute('SELECT carrier FROM shipments WHERE carrier = ?', ["O'Neil Freight"]);
  console.log('quoted parameter', rows[0].carrier);
  for (const [how, run] of [
    ['execute', (sql, args) => conn.execute(sql, args)],
    ['query', (sql, args) => conn.query(sql, args)],
  ]) {
    const [typed] = await run(TYPED, [new Date(Date.UTC(2024, 2, 2)), '2022-02-10', '500.00', null]);
    console.log(how, 'typed parameters', typed.map((r) => `${r.shipment_id}:${r.total}`).join(' '));
  }
  const [tables] = await conn.query('SHOW TABLES');
  console.log('tables', tables.map((r) => Object.values(r)[0]).join(' '));
  await conn.end();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
