// Native DuckDB on the same CSV and statements as the app's DuckDB-WASM engine (bench only).
// Usage: node duckdb.mjs <spec.json>  → prints one JSON line.
// spec: { csv, loadSql (with $FILE and $TABLE), queries: [sql with $TABLE], runs, threads, compress }
import { readFileSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";

const spec = JSON.parse(readFileSync(process.argv[2], "utf8"));
const instance = await DuckDBInstance.create(":memory:", { threads: String(spec.threads) });
const conn = await instance.connect();
const version = (await conn.runAndReadAll("SELECT version() AS v")).getRowObjects()[0].v;
const sub = (s) => s.replaceAll("$FILE", spec.csv.replaceAll("'", "''")).replaceAll("$TABLE", "t");
if (spec.compress) {
  // The storage the app's engine uses: compressed in-memory tables.
  await conn.run("ATTACH ':memory:' AS store (COMPRESS)");
  await conn.run("USE store");
}
let t = performance.now();
await conn.run(sub(spec.loadSql));
const loadMs = performance.now() - t;
const queries = [];
for (const q of spec.queries) {
  const lat = [];
  for (let i = 0; i < spec.runs; i++) {
    t = performance.now();
    await conn.runAndReadAll(sub(q));
    lat.push(performance.now() - t);
  }
  lat.sort((a, b) => a - b);
  queries.push(lat[Math.floor(lat.length / 2)]);
}
console.log(
  JSON.stringify({ version, threads: spec.threads, loadMs, queries, rssMb: process.memoryUsage().rss / 1e6 }),
);
conn.closeSync();
