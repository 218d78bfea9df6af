/**
 * Benchmarks (`deno task bench`): engine cold start, upload-to-queryable time for generated
 * FOCUS CSVs, and end-to-end latency of built-in planner questions through HTTP
 * (`app.request`). Prints a Markdown table.
 *
 * Options: `--rows=100000` (comma-separated sizes), `--runs=30` (questions per size).
 * @module
 */
import { startApp } from "../bootstrap.ts";
import { loadConfig } from "../config.ts";
import { Engine } from "../analytics/engine.ts";
import { createLogger } from "../log.ts";
import { focusCsv } from "./gen.ts";

const args = Object.fromEntries(Deno.args.map((a) => a.replace(/^--/, "").split("=")));
const sizes = String(args.rows ?? "100000").split(",").map(Number);
const runs = Number(args.runs ?? 30);

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const f = (n: number) => n.toFixed(1);

const rows: string[][] = [];
const t0 = performance.now();
const engine = await Engine.start();
rows.push(["engine cold start (DuckDB-WASM in a worker)", `${f(performance.now() - t0)} ms`]);

const config = { ...loadConfig(() => undefined), kvPath: ":memory:", maxUploadMb: 500, logLevel: "error" as const };
const t1 = performance.now();
const running = await startApp(config, { engine, log: createLogger("error", () => {}) });
rows.push(["app start incl. sample load (7,253 rows)", `${f(performance.now() - t1)} ms`]);
const { app } = running;

const QUESTIONS = [
  "total cost",
  "top 5 services last month",
  "cost by region",
  "cost per month",
  "EC2 cost by account in March",
  "compare april and may by service",
  "share of cost by service",
];

for (const n of sizes) {
  const csv = new TextEncoder().encode(focusCsv(n));
  const s = await (await app.request("/session/create", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ use_sample: false }),
  })).json();
  const fd = new FormData();
  fd.append("file", new File([csv], `bench-${n}.csv`, { type: "text/csv" }));
  const tu = performance.now();
  const up = await app.request(`/session/${s.session_id}/upload-csv`, { method: "POST", body: fd });
  if (up.status !== 200) throw new Error(`upload failed: ${await up.text()}`);
  await up.json();
  rows.push([
    `upload → queryable, ${n.toLocaleString("en-US")} rows (${f(csv.byteLength / 1e6)} MB)`,
    `${f(performance.now() - tu)} ms`,
  ]);
  const lat: number[] = [];
  for (let i = 0; i < runs; i++) {
    const q = QUESTIONS[i % QUESTIONS.length];
    const tq = performance.now();
    const r = await app.request(`/session/${s.session_id}/query`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: q }),
    });
    if (r.status !== 200) throw new Error(`query failed: ${await r.text()}`);
    await r.json();
    lat.push(performance.now() - tq);
  }
  rows.push([
    `question end to end, ${n.toLocaleString("en-US")} rows (${runs} runs)`,
    `p50 ${f(pct(lat, 50))} ms, p95 ${f(pct(lat, 95))} ms`,
  ]);
}

console.log("| measure | value |\n|---|---|");
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
console.log(
  `\nMachine: ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, DuckDB ${engine.startup.version}`,
);
await running.close();
engine.close();
