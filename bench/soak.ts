/**
 * Soak (`deno task soak`): the real server under mixed traffic on loopback for a few minutes
 * (sessions created, uploads, questions, charts, histories, deletions by several clients at
 * once), sampling the server's resident memory. Prints requests, errors, latency percentiles
 * and the memory trend (least-squares slope of RSS over the second half of the run).
 *
 * Options: `--seconds=180`, `--clients=8`.
 * @module
 */
import { linearRegression } from "simple-statistics";
import { NO_RATE_LIMITS, startServer, tempKvPath } from "../tests/helpers/server.ts";
import { percentile, processMemoryMb } from "./measure.ts";

// "--rows=1,2" is a value, a bare "--skip-load" is true.
const args = Object.fromEntries(Deno.args.map((a) => {
  const [k, v = "true"] = a.replace(/^--/, "").split("=");
  return [k, v];
}));
const seconds = Number(args.seconds ?? 180);
const clients = Number(args.clients ?? 8);

const kv = tempKvPath();
const server = await startServer({ FINOPS_KV_PATH: kv.path, ...NO_RATE_LIMITS });
const pid = server.child.pid;
const csv = await Deno.readFile(new URL("../tests/fixtures/focus_sample.csv", import.meta.url));
const QUESTIONS = [
  "total cost",
  "top 5 services last month",
  "cost per month",
  "what about Amazon S3?",
  "forecast next month",
  "any anomalies?",
  "cost by region as a pie",
  "what is a savings plan?",
];

const rssMb = () => processMemoryMb(pid)!.rss;

const latencies: number[] = [];
const errors: string[] = [];
let requests = 0;
const deadline = Date.now() + seconds * 1000;

async function call(path: string, init?: RequestInit): Promise<Response> {
  const t = performance.now();
  const r = await fetch(server.url + path, init);
  latencies.push(performance.now() - t);
  requests++;
  if (r.status >= 400) errors.push(`${init?.method ?? "GET"} ${path.replace(/[0-9a-f-]{36}/, "{id}")} → ${r.status}`);
  return r;
}
const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

async function client(n: number): Promise<void> {
  let round = 0;
  while (Date.now() < deadline) {
    const own = round % 3 === 0;
    const id = (await (await call("/session/create", json({ use_sample: !own }))).json()).session_id;
    if (own) {
      const fd = new FormData();
      fd.append("file", new File([csv], `c${n}.csv`, { type: "text/csv" }));
      await (await call(`/session/${id}/upload-csv`, { method: "POST", body: fd })).arrayBuffer();
    }
    for (let i = 0; i < 6 && Date.now() < deadline; i++) {
      const a =
        await (await call(`/session/${id}/query`, json({ query: QUESTIONS[(n + round + i) % QUESTIONS.length] })))
          .json();
      if (a.chart_url) await (await call(a.chart_url)).arrayBuffer();
    }
    await (await call(`/session/${id}/history`)).arrayBuffer();
    // Two rounds in three delete their session; the rest expire later like abandoned chats.
    if (round % 3 !== 2) await (await call(`/session/${id}`, { method: "DELETE" })).arrayBuffer();
    round++;
  }
}

const samples: [number, number][] = [];
const t0 = Date.now();
const sampler = setInterval(() => samples.push([(Date.now() - t0) / 1000, rssMb()]), 5000);
samples.push([0, rssMb()]);
await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
clearInterval(sampler);
samples.push([(Date.now() - t0) / 1000, rssMb()]);
await server.stop("SIGTERM");
kv.cleanup();

const p = (q: number) => Math.round(percentile(latencies, q * 100));
const half = samples.slice(Math.floor(samples.length / 2));
const slope = linearRegression(half).m * 60;
console.log(`soak: ${seconds} s, ${clients} clients, ${requests} requests, ${errors.length} errors`);
console.log(`latency p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, p99 ${p(0.99)} ms`);
console.log(
  `server RSS: start ${samples[0][1].toFixed(0)} MB, peak ${Math.max(...samples.map((s) => s[1])).toFixed(0)} MB, ` +
    `end ${samples.at(-1)![1].toFixed(0)} MB; trend over the second half ${slope.toFixed(1)} MB/min`,
);
console.log(`RSS samples (s: MB): ${samples.map(([t, m]) => `${Math.round(t)}: ${Math.round(m)}`).join(", ")}`);
if (errors.length) console.log("errors:", [...new Set(errors)].slice(0, 10).join("; "));
