/**
 * Benchmarks (`deno task bench`): engine cold start, upload-to-queryable time for generated
 * FOCUS CSVs, and end-to-end latency of built-in planner questions through HTTP
 * (`app.request`), insight questions, and forecast quality on held-out months (synthetic series
 * and the bundled sample), and chart rendering per type. Prints a Markdown table.
 *
 * Options: `--rows=100000` (comma-separated sizes), `--runs=30` (questions per size).
 * @module
 */
import { startApp } from "../bootstrap.ts";
import { loadConfig } from "../config.ts";
import { Engine } from "../analytics/engine.ts";
import { createLogger } from "../log.ts";
import { focusCsv } from "./gen.ts";
import { renderChart } from "../analytics/charts/render.ts";
import { buildSpec, type ChartInput, type ChartType } from "../analytics/charts/spec.ts";
import { forecastDaily } from "../analytics/forecast.ts";
import { densify } from "../analytics/series.ts";
import { readCsvObjects } from "../tests/helpers/csv.ts";
import { syntheticSeries } from "../tests/helpers/synthetic.ts";

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

let lastSession = "";
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
  lastSession = s.session_id;
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

// Insight questions end to end on the last dataset above (the last size).
const INSIGHTS = ["forecast next quarter", "any anomalies?", "why did costs go up in May?", "7-day moving average"];
{
  const n = sizes[sizes.length - 1];
  for (const q of INSIGHTS) {
    const lat: number[] = [];
    for (let i = 0; i < 5; i++) {
      const tq = performance.now();
      const r = await app.request(`/session/${lastSession}/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: q }),
      });
      if (r.status !== 200) throw new Error(`insight failed: ${await r.text()}`);
      await r.json();
      lat.push(performance.now() - tq);
    }
    rows.push([`"${q}", ${n.toLocaleString("en-US")} rows (5 runs)`, `p50 ${f(pct(lat, 50))} ms`]);
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
    times.push(`${type} ${f(pct(lat, 50))}`);
  }
  rows.push(["chart render, warm, p50 of 5 (ms)", times.join(", ")]);
}

console.log("| measure | value |\n|---|---|");
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
console.log(
  `\nMachine: ${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, DuckDB ${engine.startup.version}`,
);
await running.close();
engine.close();
