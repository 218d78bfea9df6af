/**
 * Benchmarks (`deno task bench`), one run, one Markdown table:
 * 1. DuckDB-WASM (our engine worker) against native DuckDB (`@duckdb/node-api` under Node,
 *    bench-only, installed into bench/native/) on the same generated FOCUS CSVs and the same
 *    statements: load time and GROUP BY latency, with the ratio WASM/native.
 * 2. The real server (the start task's permissions, its own KV) on 127.0.0.1 per size:
 *    upload → queryable, resident and peak memory (/proc), planner questions end to end p50/p95
 *    without and with a chart, forecast and anomaly scans.
 * 3. Load (autocannon under Node): questions per second at 1, 10 and 50 clients with latency
 *    percentiles, and /health latency while a large upload is ingested.
 * 4. In-process: engine cold start, forecast quality on held-out data, chart rendering per type.
 *
 * Options: `--rows=100000,1000000,5000000` (sizes), `--runs=30` (questions per size), `--duration=10`
 * (seconds per load level), `--skip-native`, `--skip-load`.
 * @module
 */
import { ingestCsv } from "../analytics/ingest.ts";
import { parquetWriteBuffer } from "hyparquet-writer";
import { parquetToCsv } from "../analytics/parquet.ts";
import { findIncidents } from "../analytics/incidents.ts";
import { labelledSeries, scoreIncidents } from "../tests/helpers/labelled_billing.ts";
import { Engine, tableNames } from "../analytics/engine.ts";
import { readCsvSql } from "../analytics/csv_sql.ts";
import { NO_RATE_LIMITS, startServer, tempKvPath } from "../tests/helpers/server.ts";
import { jsonReq, plainTableSql } from "../tests/helpers/app.ts";
import { percentile, processMemoryMb } from "./measure.ts";
import { writeFocusCsv } from "./gen.ts";
import { renderChart } from "../analytics/charts/render.ts";
import { buildSpec, type ChartInput, type ChartType } from "../analytics/charts/spec.ts";
import { forecastDaily } from "../analytics/forecast.ts";
import { densify } from "../analytics/series.ts";
import { readCsvObjects } from "../tests/helpers/csv.ts";
import { syntheticSeries } from "../tests/helpers/synthetic.ts";

// "--rows=1,2" is a value, a bare "--skip-load" is true.
const args = Object.fromEntries(Deno.args.map((a) => {
  const [k, v = "true"] = a.replace(/^--/, "").split("=");
  return [k, v];
}));
const sizes = String(args.rows ?? "100000,1000000,5000000").split(",").map(Number);
const runs = Number(args.runs ?? 30);
const duration = Number(args.duration ?? 10);

const f = (n: number) => n.toFixed(1);

const rows: string[][] = [];
const t0 = performance.now();
const engine = await Engine.start({ workers: 1, memoryMb: 8000 });
rows.push(["engine cold start (DuckDB-WASM in a worker)", `${f(performance.now() - t0)} ms`]);

const QUESTIONS = [
  "total cost",
  "top 5 services last month",
  "cost by region",
  "cost per month",
  "EC2 cost by account in March",
  "compare april and may by service",
  "share of cost by service",
];
const INSIGHTS = ["forecast next quarter", "any anomalies?", "why did costs go up in May?"];

const NATIVE = new URL("./native/", import.meta.url).pathname;
const fmtRows = (n: number) => n.toLocaleString("en-US");

/** Installs the bench-only Node tools once; false (with the reason printed) if impossible. */
async function nodeTools(): Promise<boolean> {
  try {
    await Deno.stat(`${NATIVE}node_modules/@duckdb/node-api`);
    await Deno.stat(`${NATIVE}node_modules/autocannon`);
    return true;
  } catch { /* install below */ }
  const out = await new Deno.Command("npm", {
    args: ["install", "--no-audit", "--no-fund", "--no-package-lock", "--prefix", NATIVE],
    stdout: "piped",
    stderr: "piped",
  }).output().catch((e) => ({ success: false, stderr: new TextEncoder().encode(String(e)) }));
  if (!out.success) {
    console.error(`bench: Node tools unavailable: ${new TextDecoder().decode(out.stderr).slice(0, 300)}`);
  }
  return out.success;
}
const haveNode = await nodeTools();

// 1. DuckDB-WASM against native DuckDB: the same file, load statement and queries.
const COMPARE = [
  `SELECT "ServiceName", SUM("BilledCost") AS c FROM $TABLE GROUP BY 1 ORDER BY 2 DESC LIMIT 5`,
  `SELECT "RegionId", "SubAccountName", SUM("EffectiveCost") AS c FROM $TABLE GROUP BY 1, 2`,
  `SELECT substr("ChargePeriodStart", 1, 7) AS m, SUM("BilledCost") AS c FROM $TABLE GROUP BY 1 ORDER BY 1`,
];
const csvFiles = new Map<number, string>();
/** Native DuckDB's load of each file in this run (all cores), for the upload ratios. */
const nativeLoadMs = new Map<number, number>();
for (const n of sizes) {
  const path = await Deno.makeTempFile({ suffix: `-${n}.csv` });
  await writeFocusCsv(path, n);
  csvFiles.set(n, path);
}
if (haveNode && !args["skip-native"]) {
  for (const n of sizes) {
    const bytes = await Deno.readFile(csvFiles.get(n)!);
    const mb = f(bytes.byteLength / 1e6);
    const id = crypto.randomUUID();
    const { view } = tableNames(id);
    const tl = performance.now();
    // The same read as ingest (a raw view over the file), materialised as is.
    await engine.attach(id, bytes);
    await engine.setup(id, plainTableSql(id));
    await engine.detach(id);
    const wasmLoad = performance.now() - tl;
    const wasmQ: number[] = [];
    for (const sql of COMPARE) {
      const lat: number[] = [];
      for (let i = 0; i < 10; i++) {
        const tq = performance.now();
        await engine.query(id, sql.replaceAll("$TABLE", `"${view}"`));
        lat.push(performance.now() - tq);
      }
      wasmQ.push(percentile(lat, 50));
    }
    await engine.unload(id);
    const native = [];
    // Native as a user would run it (plain in-memory tables, all cores and one), and with the
    // compressed in-memory storage our engine uses.
    const variants = [
      { threads: navigator.hardwareConcurrency, compress: false },
      { threads: 1, compress: false },
      { threads: navigator.hardwareConcurrency, compress: true },
    ];
    for (const { threads, compress } of variants) {
      const spec = await Deno.makeTempFile({ suffix: ".json" });
      await Deno.writeTextFile(
        spec,
        JSON.stringify({
          csv: csvFiles.get(n),
          loadSql: `CREATE TABLE $TABLE AS SELECT * FROM ${readCsvSql("$FILE")}`,
          queries: COMPARE,
          runs: 10,
          threads,
          compress,
        }),
      );
      const out = await new Deno.Command("node", { args: [`${NATIVE}duckdb.mjs`, spec], stdout: "piped" }).output();
      await Deno.remove(spec);
      native.push(JSON.parse(new TextDecoder().decode(out.stdout)));
    }
    const [nat, nat1, natC] = native;
    nativeLoadMs.set(n, nat.loadMs);
    rows.push([
      `load ${fmtRows(n)} rows (${mb} MB): WASM ${engine.startup.version} (compressed tables) vs native ${nat.version}`,
      `WASM ${f(wasmLoad)} ms; native ${f(nat.loadMs)} ms (${nat.threads} threads), ${f(nat1.loadMs)} ms (1 thread), ` +
      `${f(natC.loadMs)} ms (compressed); ratio ${(wasmLoad / nat.loadMs).toFixed(1)}× ` +
      `(${(wasmLoad / nat1.loadMs).toFixed(1)}× single-threaded, ${(wasmLoad / natC.loadMs).toFixed(1)}× compressed)`,
    ]);
    rows.push([
      `GROUP BY p50 of 10, ${fmtRows(n)} rows: service top 5 / region×account / month`,
      `WASM ${wasmQ.map(f).join(" / ")} ms; native ${nat.queries.map(f).join(" / ")} ms; ratio ${
        wasmQ.map((w, i) => (w / nat.queries[i]).toFixed(1) + "×").join(" / ")
      }`,
    ]);
  }
}

// 2. The real server, per size.
const kvFile = tempKvPath();
const server = await startServer({ FINOPS_KV_PATH: kvFile.path, MAX_UPLOAD_MB: "1000", ...NO_RATE_LIMITS });
const pid = server.child.pid;
const memText = () => {
  const m = processMemoryMb(pid);
  return m ? `RSS ${f(m.rss)} MB, peak ${f(m.peak)} MB` : "n/a (no /proc)";
};
rows.push(["server idle after start (sample loaded)", memText()]);
async function ask(session: string, query: string) {
  const tq = performance.now();
  const r = await fetch(`${server.url}/session/${session}/query`, jsonReq("POST", { query }));
  const body = await r.json();
  if (r.status !== 200) throw new Error(`query failed: ${JSON.stringify(body)}`);
  return { ms: performance.now() - tq, chart: Boolean(body.chart_url) };
}
/**
 * Uploads a file as a CSV body (as `curl --data-binary @file` sends it) from memory: a client
 * streaming it from disk on the same two cores slowed the server's reads (15 s instead of 9.7 s
 * for 1M rows). Its ms.
 */
async function uploadTo(url: string, session: string, path: string) {
  const body = new Blob([await Deno.readFile(path)]);
  const tu = performance.now();
  const r = await fetch(`${url}/session/${session}/upload-csv?name=bench.csv`, {
    method: "POST",
    headers: { "content-type": "text/csv" },
    body,
  });
  if (r.status !== 200) throw new Error(`upload failed: ${await r.text()}`);
  await r.body?.cancel();
  return performance.now() - tu;
}
const upload = (session: string, path: string) => uploadTo(server.url, session, path);
const sessionsBySize = new Map<number, string>();
for (const n of sizes) {
  const s =
    (await (await fetch(`${server.url}/session/create`, jsonReq("POST", { use_sample: false }))).json()).session_id;
  sessionsBySize.set(n, s);
  const size = (await Deno.stat(csvFiles.get(n)!)).size;
  const ms = await upload(s, csvFiles.get(n)!);
  rows.push([`upload → queryable via HTTP, ${fmtRows(n)} rows (${f(size / 1e6)} MB)`, `${f(ms)} ms; ${memText()}`]);
  const plain: number[] = [];
  const charted: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await ask(s, QUESTIONS[i % QUESTIONS.length]);
    (r.chart ? charted : plain).push(r.ms);
  }
  rows.push([
    `planner questions end to end, ${fmtRows(n)} rows (${runs} runs)`,
    `without chart p50 ${f(percentile(plain, 50))} / p95 ${f(percentile(plain, 95))} ms (${plain.length}); ` +
    `with chart p50 ${f(percentile(charted, 50))} / p95 ${
      f(percentile(charted, 95))
    } ms (${charted.length}); ${memText()}`,
  ]);
  for (const q of INSIGHTS) {
    const lat: number[] = [];
    for (let i = 0; i < 5; i++) lat.push((await ask(s, q)).ms);
    rows.push([`"${q}", ${fmtRows(n)} rows (5 runs)`, `p50 ${f(percentile(lat, 50))} ms`]);
  }
}

// 3. Load: autocannon against the server.
async function autocannon(extra: string[], url: string, seconds: number) {
  const out = await new Deno.Command("node", {
    args: [`${NATIVE}node_modules/autocannon/autocannon.js`, "--json", "-d", String(seconds), ...extra, url],
    stdout: "piped",
    stderr: "null",
  }).output();
  return JSON.parse(new TextDecoder().decode(out.stdout));
}
if (haveNode && !args["skip-load"]) {
  const n = sizes[0];
  const s = sessionsBySize.get(n)!;
  for (const c of [1, 10, 50]) {
    const r = await autocannon(
      [
        "-c",
        String(c),
        "-m",
        "POST",
        "-H",
        "content-type=application/json",
        "-b",
        JSON.stringify({ query: "top 5 services last month" }),
      ],
      `${server.url}/session/${s}/query`,
      duration,
    );
    rows.push([
      `load: "top 5 services last month", ${fmtRows(n)} rows, ${c} client${c > 1 ? "s" : ""}, ${duration} s`,
      `${
        f(r.requests.average)
      } req/s; p50 ${r.latency.p50} / p90 ${r.latency.p90} / p97.5 ${r.latency.p97_5} / p99 ${r.latency.p99} ms; ` +
      `${r.errors} errors, ${r.non2xx} non-2xx`,
    ]);
  }
  // /health while a 1M-row file (else the largest) is ingested, in a fresh session so that the
  // upload really loads.
  const big = sizes.includes(1_000_000) ? 1_000_000 : sizes[sizes.length - 1];
  const s2 =
    (await (await fetch(`${server.url}/session/create`, jsonReq("POST", { use_sample: false }))).json()).session_id;
  const health = autocannon(["-c", "1"], `${server.url}/health`, Math.max(5, Math.ceil(duration)));
  await new Promise((r) => setTimeout(r, 500));
  const ms = await upload(s2, csvFiles.get(big)!);
  const h = await health;
  rows.push([
    `load: /health during a ${fmtRows(big)}-row upload (${f(ms)} ms of it inside the window)`,
    `${
      f(h.requests.average)
    } req/s; p50 ${h.latency.p50} / p97.5 ${h.latency.p97_5} / p99 ${h.latency.p99} / max ${h.latency.max} ms; ` +
    `${h.errors} errors`,
  ]);
}
await server.stop();
kvFile.cleanup();

// 2b. Memory per upload with one DuckDB worker: Deno Deploy's defaults (a 512 MB isolate) and a
// self-hosted server's. A fresh server per size; the peak (VmHWM) is reset once the server idles.
const MEMORY_CONFIGS: [string, Record<string, string>][] = [
  // config.ts's defaults when DENO_DEPLOYMENT_ID is set (the KV stays a file here).
  ["Deploy defaults (ENGINE_WORKERS=1, ENGINE_MEMORY_MB=100, ENGINE_QUERY_MEMORY_MB=256)", {
    ENGINE_WORKERS: "1",
    ENGINE_MEMORY_MB: "100",
    ENGINE_QUERY_MEMORY_MB: "256",
  }],
  ["self-hosted, ENGINE_WORKERS=1", { ENGINE_WORKERS: "1" }],
];
for (const [label, env] of MEMORY_CONFIGS) {
  for (const n of sizes.filter((size) => size >= 1_000_000)) {
    rows.push([`memory, ${label}, ${fmtRows(n)} rows`, await memoryRun(env, n)]);
  }
}
for (const p of csvFiles.values()) await Deno.remove(p);

/** One fresh server: idle RSS, then peak and after-upload RSS, upload time and questions after it. */
async function memoryRun(env: Record<string, string>, n: number): Promise<string> {
  const kv = tempKvPath();
  const fresh = await startServer({ FINOPS_KV_PATH: kv.path, MAX_UPLOAD_MB: "1000", ...NO_RATE_LIMITS, ...env });
  try {
    await new Promise((r) => setTimeout(r, 3000));
    const pid = fresh.child.pid;
    const idle = processMemoryMb(pid);
    // Writing 5 to clear_refs resets VmHWM (Linux), so the peak below is the upload's own.
    await Deno.writeTextFile(`/proc/${pid}/clear_refs`, "5").catch(() => {});
    const s = (await (await fetch(`${fresh.url}/session/create`, jsonReq("POST", { use_sample: false }))).json())
      .session_id;
    let ms: number;
    try {
      ms = await uploadTo(fresh.url, s, csvFiles.get(n)!);
    } catch (e) {
      const m = processMemoryMb(pid);
      return `upload failed (${String(e).slice(0, 160)}); idle RSS ${f(idle?.rss ?? NaN)} MB, peak ${
        f(m?.peak ?? NaN)
      } MB`;
    }
    const after = processMemoryMb(pid);
    const lat: number[] = [];
    for (let i = 0; i < 14; i++) {
      const tq = performance.now();
      const r = await fetch(`${fresh.url}/session/${s}/query`, jsonReq("POST", { query: QUESTIONS[i % 4] }));
      await r.body?.cancel();
      lat.push(performance.now() - tq);
    }
    const native = nativeLoadMs.get(n);
    const ratio = native ? ` (${(ms / native).toFixed(1)}× native's ${f(native)} ms load)` : "";
    return `idle RSS ${f(idle?.rss ?? NaN)} MB; upload → queryable ${f(ms)} ms${ratio}; peak RSS during the upload ` +
      `${f(after?.peak ?? NaN)} MB, RSS after ${f(after?.rss ?? NaN)} MB; planner questions after it p50 ${
        f(percentile(lat, 50))
      } / p95 ${f(percentile(lat, 95))} ms (14 runs of: ${
        QUESTIONS.slice(0, 4).join(", ")
      }; charts kept as specs, PNGs drawn on request)`;
  } finally {
    await fresh.stop();
    kv.cleanup();
  }
}

// Forecast quality on held-out months: synthetic series (known trend and weekly pattern) and
// the bundled sample (June 2025 held out).
{
  const held = 30;
  let apeMonth = 0;
  let apeDay = 0;
  let days = 0;
  let in80 = 0;
  let in95 = 0;
  let totalIn80 = 0;
  const series = syntheticSeries({ seed: 7, count: 40, days: 210, anomalies: 0 });
  for (const sr of series) {
    const hist = sr.points.slice(0, -held);
    const test = sr.points.slice(-held);
    const r = forecastDaily(hist, held);
    if ("error" in r) continue;
    const actual = test.reduce((a, p) => a + p.value, 0);
    apeMonth += Math.abs(actual - r.total.forecast) / actual;
    if (actual >= r.total.lo80 && actual <= r.total.hi80) totalIn80++;
    test.forEach((p, i) => {
      const fp = r.points[i];
      apeDay += Math.abs(p.value - fp.forecast) / p.value;
      days++;
      if (p.value >= fp.lo80 && p.value <= fp.hi80) in80++;
      if (p.value >= fp.lo95 && p.value <= fp.hi95) in95++;
    });
  }
  rows.push([
    `forecast, synthetic: ${series.length} series, 30 held-out days each`,
    `monthly-total MAPE ${f((apeMonth / series.length) * 100)}%, daily MAPE ${f((apeDay / days) * 100)}%, ` +
    `daily 80%/95% coverage ${f((in80 / days) * 100)}%/${f((in95 / days) * 100)}%, ` +
    `month total inside its 80% interval ${totalIn80}/${series.length}`,
  ]);

  const csv = readCsvObjects(new URL("../data/sample_billing.csv", import.meta.url));
  const byDay = new Map<string, number>();
  for (const r of csv) {
    const d = r.ChargePeriodStart.slice(0, 10);
    byDay.set(d, (byDay.get(d) ?? 0) + (r.EffectiveCost === "" ? 0 : Number(r.EffectiveCost)));
  }
  const daily = densify([...byDay].map(([date, value]) => ({ date, value })));
  const hist = daily.filter((p) => p.date < "2025-06-01");
  const june = daily.filter((p) => p.date >= "2025-06-01");
  const r = forecastDaily(hist, june.length);
  if (!("error" in r)) {
    const actual = june.reduce((a, p) => a + p.value, 0);
    rows.push([
      "forecast, bundled sample: June 2025 held out (effective cost)",
      `actual ${f(actual)}, forecast ${f(r.total.forecast)} (80% ${f(r.total.lo80)}–${f(r.total.hi80)}), error ${
        f((Math.abs(actual - r.total.forecast) / actual) * 100)
      }%, model ${r.model}, backtest MAPE ${f(r.mape * 100)}%`,
    ]);
  }
}

// Chart rendering (Vega → SVG → resvg PNG), warm, per type, on result-sized inputs.
{
  const days = Array.from({ length: 181 }, (_, i) => new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10));
  const svcs = Array.from({ length: 12 }, (_, i) => `Service number ${i}`);
  const inputs: [ChartType, ChartInput][] = [
    ["line", {
      rows: days.map((d, i) => ({ d, v: 1000 + i })),
      time: "d",
      grain: "day",
      measure: "v",
      title: "t",
      money: true,
      currency: "USD",
    }],
    ["stacked_bar", {
      rows: days.filter((d) => d.endsWith("-01")).flatMap((d) => svcs.map((s, i) => ({ d, s, v: 100 * (i + 1) }))),
      time: "d",
      grain: "month",
      category: "s",
      measure: "v",
      title: "t",
      money: true,
      currency: "USD",
    }],
    ["hbar", {
      rows: svcs.map((s, i) => ({ s, v: 1000 * (i + 1) })),
      category: "s",
      measure: "v",
      title: "t",
      money: true,
      currency: "USD",
    }],
    ["donut", {
      rows: svcs.slice(0, 6).map((s, i) => ({ s, v: i + 1 })),
      category: "s",
      measure: "v",
      title: "t",
      money: true,
      currency: "USD",
    }],
    ["heatmap", {
      rows: svcs.flatMap((s, i) => ["a", "b", "c", "d", "e", "f"].map((r) => ({ s, r, v: i }))),
      category: "s",
      series: "r",
      measure: "v",
      title: "t",
      money: true,
      currency: "USD",
    }],
    ["forecast", {
      rows: days.map((d, i) => ({
        d,
        a: i < 90 ? 100 : null,
        f: i >= 90 ? 100 : null,
        l8: 90,
        h8: 110,
        l9: 80,
        h9: 120,
      })),
      time: "d",
      grain: "day",
      measure: "a",
      title: "t",
      money: true,
      currency: "USD",
      bands: { lo80: "l8", hi80: "h8", lo95: "l9", hi95: "h9", forecast: "f" },
    }],
  ];
  await renderChart(buildSpec("line", inputs[0][1]));
  const times: string[] = [];
  for (const [type, input] of inputs) {
    const lat: number[] = [];
    for (let i = 0; i < 5; i++) {
      const tc = performance.now();
      await renderChart(buildSpec(type, input));
      lat.push(performance.now() - tc);
    }
    times.push(`${type} ${f(percentile(lat, 50))}`);
  }
  rows.push(["chart render, warm, p50 of 5 (ms)", times.join(", ")]);
}

// Anomaly incidents on labelled data (tests/helpers/labelled_billing.ts): precision and recall per
// event type over several seeds, and how long a scan of 18 months × 9 series takes.
{
  const totals = new Map<string, { reported: number; correct: number; labels: number; found: number }>();
  const times: number[] = [];
  for (const seed of [7, 11, 23, 31, 47]) {
    const { dates, series, total, labels } = labelledSeries(seed);
    const mean = total.reduce((a, b) => a + b) / total.length;
    const t0 = performance.now();
    const out = findIncidents(dates, total, series, { minImpact: mean * 0.01 });
    times.push(performance.now() - t0);
    for (const sc of scoreIncidents(out.incidents, out.trends, labels)) {
      const acc = totals.get(sc.type) ?? { reported: 0, correct: 0, labels: 0, found: 0 };
      acc.reported += sc.reported;
      acc.correct += sc.correct;
      acc.labels += sc.labels;
      acc.found += sc.found;
      totals.set(sc.type, acc);
    }
  }
  rows.push([
    "anomaly incidents, labelled data (5 seeds × 18 months): precision / recall per type",
    [...totals].map(([type, t]) =>
      `${type} ${(t.reported ? t.correct / t.reported : 1).toFixed(2)} / ${
        (t.labels ? t.found / t.labels : 1).toFixed(2)
      }`
    ).join(", ") + `; scan p50 ${f(percentile(times, 50))} ms`,
  ]);
}

// Parquet: the same 100k FOCUS rows as Parquet (snappy) and as CSV; Parquet is read into the CSV
// text the pipeline loads, so its cost is that conversion on top of the CSV load measured above.
{
  const n = 100_000;
  const at = (i: number) => new Date(Date.UTC(2025, 0, 1) + (i % 180) * 86_400_000);
  const columnData = [
    { name: "ChargePeriodStart", data: Array.from({ length: n }, (_, i) => at(i)), type: "TIMESTAMP" as const },
    { name: "BilledCost", data: Array.from({ length: n }, (_, i) => (i % 997) / 7), type: "DOUBLE" as const },
    { name: "EffectiveCost", data: Array.from({ length: n }, (_, i) => (i % 991) / 7), type: "DOUBLE" as const },
    { name: "ServiceName", data: Array.from({ length: n }, (_, i) => `Service ${i % 40}`), type: "STRING" as const },
    { name: "RegionId", data: Array.from({ length: n }, (_, i) => `region-${i % 12}`), type: "STRING" as const },
    {
      name: "SubAccountId",
      data: Array.from({ length: n }, (_, i) => String(100000 + (i % 300))),
      type: "STRING" as const,
    },
  ];
  const parquet = new Uint8Array(parquetWriteBuffer({ columnData }));
  const times: number[] = [];
  let csvBytes = 0;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    csvBytes = (await parquetToCsv(parquet)).byteLength;
    times.push(performance.now() - t0);
  }
  rows.push([
    "Parquet 100k rows (snappy) read into CSV text, p50 of 3",
    `${f(percentile(times, 50))} ms; ${f(parquet.byteLength / 1048576)} MB Parquet → ${f(csvBytes / 1048576)} MB CSV ` +
    "(then loaded as the CSV rows above)",
  ]);
  // The whole load in the engine, Parquet against the same rows as CSV.
  const csv = await parquetToCsv(parquet);
  const load = async (make: () => Promise<Uint8Array>) => {
    const id = crypto.randomUUID();
    const t0 = performance.now();
    await ingestCsv(engine, id, "bench", await make());
    const ms = performance.now() - t0;
    await engine.unload(id);
    return ms;
  };
  const csvMs = await load(() => Promise.resolve(csv.slice()));
  const pqMs = await load(() => parquetToCsv(parquet));
  rows.push([
    "load 100k rows into a queryable dataset (engine): Parquet / CSV",
    `${f(pqMs)} / ${f(csvMs)} ms (${f(pqMs / csvMs)}×)`,
  ]);
}

console.log("| measure | value |\n|---|---|");
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
console.log(
  `\nMachine: ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, DuckDB ${engine.startup.version}`,
);
engine.close();
