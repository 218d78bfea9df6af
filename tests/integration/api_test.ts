import assert from "node:assert/strict";
import { INGEST_VERSION } from "../../analytics/dataset.ts";
import { tableNames } from "../../analytics/engine.ts";
import { cents, readCsvObjects, sumColumn } from "../helpers/csv.ts";
import { engineTest, fixture, jsonReq, kvKeys, testApp, uploadReq } from "../helpers/app.ts";
import { gzip } from "../../memory/blobs.ts";

const running = await testApp({ maxUploadMb: 1 });
const { app, deps } = running;

async function call(path: string, init?: RequestInit) {
  const res = await app.request(path, init);
  const body = res.headers.get("content-type")?.includes("json") ? await res.json() : await res.text();
  return { status: res.status, body, res };
}
async function newSession(useSample = true): Promise<string> {
  const r = await call("/session/create", jsonReq("POST", { use_sample: useSample }));
  assert.equal(r.status, 200);
  return r.body.session_id;
}
async function ask(id: string, query: string) {
  const r = await call(`/session/${id}/query`, jsonReq("POST", { query }));
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body;
}

const focusRows = readCsvObjects(fixture("focus_sample.csv"));
const t = (name: string, fn: () => Promise<void>) => Deno.test({ name, ...engineTest, fn });

t("create session: preloaded with the sample; listed; health counts it", async () => {
  const r = await call("/session/create", { method: "POST" });
  assert.equal(r.status, 200);
  assert.match(r.body.session_id, /^[0-9a-f-]{36}$/);
  assert.equal(r.body.message, "Session created");
  assert.equal(r.body.dataset, "sample_billing.csv");
  const list = await call("/sessions");
  assert.ok(
    list.body.some((s: { session_id: string; has_csv: boolean }) => s.session_id === r.body.session_id && s.has_csv),
  );
  const h = await call("/health");
  assert.equal(h.status, 200);
  assert.equal(h.body.status, "healthy");
  assert.equal(h.body.database, "connected");
  assert.ok(h.body.active_sessions >= 1);
});

t("upload the FOCUS sample: detected, profiled, and totals exact to the cent", async () => {
  const id = await newSession(false);
  const up = await call(
    `/session/${id}/upload-csv`,
    uploadReq(Deno.readFileSync(fixture("focus_sample.csv")), "focus_sample.csv"),
  );
  assert.equal(up.status, 200, JSON.stringify(up.body));
  const d = up.body.dataset;
  assert.equal(d.schema, "focus-1.0");
  assert.equal(d.rows, 1000);
  assert.equal(d.currency, "USD");
  assert.deepEqual(d.date_range, { start: "2024-09-01", end: "2024-09-30" });
  assert.deepEqual(d.cost_bases, ["billed", "effective", "list"]);
  assert.ok(d.columns.find((c: { name: string; role: string }) => c.name === "BilledCost" && c.role === "BilledCost"));
  assert.equal(d.quality.rows, 1000);

  const total = await ask(id, "total billed cost");
  const expected = cents(sumColumn(focusRows, "BilledCost"));
  assert.equal(cents(total.result.rows[0][0]), expected);
  assert.ok(total.response.includes(`$${expected.toFixed(2)}`), total.response);
  assert.match(total.response, /Billed cost/);
  assert.match(total.response, /USD/);
  assert.match(total.sql, /SUM\("BilledCost"\)/);
  assert.equal(total.intent, "finops_query");
  assert.equal(total.subagent, "data_fetcher");
  assert.equal(total.planner, "builtin");
  assert.equal(total.basis, "billed");

  const eff = await ask(id, "total cost");
  assert.equal(eff.basis, "effective");
  assert.equal(cents(eff.result.rows[0][0]), cents(sumColumn(focusRows, "EffectiveCost")));

  const bySvc = await ask(id, "top 3 services by billed cost");
  const sums = new Map<string, number>();
  for (const r of focusRows) sums.set(r.ServiceName, (sums.get(r.ServiceName) ?? 0) + Number(r.BilledCost));
  const top3 = [...sums.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
  assert.deepEqual(
    bySvc.result.rows.map((r: [string, number]) => [r[0], cents(r[1])]),
    top3.map(([k, v]) => [k, cents(v)]),
  );

  const ec2 = await ask(id, "EC2 billed cost");
  assert.equal(
    cents(ec2.result.rows[0][0]),
    cents(sumColumn(focusRows, "BilledCost", (r) => r.ServiceName === "Amazon Elastic Compute Cloud")),
  );
  const ds = await call(`/session/${id}/dataset`);
  assert.equal(ds.status, 200);
  assert.equal(ds.body.schema, "focus-1.0");
  assert.equal(ds.body.quality.nullCounts.RegionName, focusRows.filter((r) => r.RegionName === "NULL").length);
});

t("conversation: history has two messages per turn, in order, with metadata; turn numbers grow", async () => {
  const id = await newSession();
  const a = await ask(id, "top 5 services last month");
  const b = await ask(id, "what about S3?");
  const c = await ask(id, "hello");
  assert.deepEqual([a.turn_number, b.turn_number, c.turn_number], [1, 2, 3]);
  const h = await call(`/session/${id}/history`);
  assert.equal(h.status, 200);
  assert.equal(h.body.total_messages, 6);
  assert.deepEqual(h.body.history.map((m: { role: string }) => m.role), [
    "user",
    "assistant",
    "user",
    "assistant",
    "user",
    "assistant",
  ]);
  assert.equal(h.body.history[0].content, "top 5 services last month");
  assert.equal(h.body.history[1].metadata.intent, "finops_query");
  assert.equal(h.body.history[1].metadata.sql, a.sql);
  assert.ok(Date.parse(h.body.history[0].timestamp) > 0);
  assert.match(b.sql, /'Amazon Simple Storage Service'/);
  assert.equal(c.intent, "small_talk");
});

t("honesty: unknown services and non-questions get plain answers, never numbers", async () => {
  const id = await newSession();
  const r = await ask(id, "how much did we spend on BigQuery?");
  assert.match(r.response, /There is no 'bigquery' in this data/);
  assert.equal(r.sql, null);
  const w = await ask(id, "what's the weather like?");
  assert.equal(w.intent, "out_of_scope");
  assert.match(w.response, /can't answer that/);
  assert.doesNotMatch(w.response, /\$\d/);
});

t("errors: malformed JSON, missing and wrong fields → 400 naming the field", async () => {
  const id = await newSession();
  const bad = await call(`/session/${id}/query`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{nope",
  });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.error.code, "validation_error");
  assert.match(bad.body.error.message, /JSON/i);
  const missing = await call(`/session/${id}/query`, jsonReq("POST", {}));
  assert.equal(missing.status, 400);
  assert.match(missing.body.error.message, /query/);
  const wrong = await call(`/session/${id}/query`, jsonReq("POST", { query: 42 }));
  assert.equal(wrong.status, 400);
  assert.match(wrong.body.error.message, /query/);
  const empty = await call(`/session/${id}/query`, jsonReq("POST", { query: "   " }));
  assert.equal(empty.status, 400);
  const extra = await call(`/session/${id}/query`, jsonReq("POST", { query: "x", admin: true }));
  assert.equal(extra.status, 400);
  const long = await call(`/session/${id}/query`, jsonReq("POST", { query: "x".repeat(5000) }));
  assert.equal(long.status, 400);
  assert.match(long.body.error.message, /too long/);
});

t("errors: unknown session → 404 on every session route", async () => {
  const ghost = crypto.randomUUID();
  for (
    const [path, init] of [
      [`/session/${ghost}/query`, jsonReq("POST", { query: "total" })],
      [`/session/${ghost}/history`, undefined],
      [`/session/${ghost}/dataset`, undefined],
      [`/session/${ghost}`, { method: "DELETE" }],
      [`/session/${ghost}/upload-csv`, uploadReq("date,cost\n2024-01-01,1\n")],
    ] as [string, RequestInit | undefined][]
  ) {
    const r = await call(path, init);
    assert.equal(r.status, 404, path);
    assert.equal(r.body.error.code, "not_found");
  }
  const route = await call("/nope");
  assert.equal(route.status, 404);
  assert.equal(route.body.error.code, "not_found");
});

t("uploads: bad files get their status and change nothing in KV", async () => {
  const id = await newSession();
  const gzipped = await gzip(new TextEncoder().encode("date,cost\n" + "2024-01-01,1\n".repeat(500)));
  const before = await kvKeys(deps.kv);
  const cases: [RequestInit, number, RegExp][] = [
    [uploadReq(new Uint8Array(2 * 1024 * 1024).fill(65)), 413, /larger than 1 MB/],
    [uploadReq(new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]), "x.png", "image/png"), 415, /CSV/],
    [uploadReq(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), "data.csv"), 415, /binary/],
    [uploadReq(""), 422, /empty/],
    [uploadReq("date,cost\n"), 422, /no data rows/],
    [uploadReq("name,email\nann,a@x\n"), 422, /No billing data recognised/],
    [{ method: "POST", headers: { "content-type": "application/json" }, body: "{}" }, 415, /multipart/],
    [{ method: "POST", body: new FormData() }, 400, /'file'/],
    // Gzip files: one that inflates past the limit stops there, a damaged one is refused.
    [uploadReq(await gzip(new Uint8Array(2 * 1024 * 1024).fill(65)), "cur.csv.gz", "application/gzip"), 413, /larger/],
    [uploadReq(gzipped.subarray(0, gzipped.byteLength - 12), "cur.csv.gz", "application/gzip"), 422, /damaged/],
  ];
  for (const [init, status, msg] of cases) {
    const r = await call(`/session/${id}/upload-csv`, init);
    assert.equal(r.status, status, `${status} ${JSON.stringify(r.body)}`);
    assert.match(r.body.error.message, msg);
    assert.doesNotMatch(JSON.stringify(r.body), /at .*\.ts:\d+/, "no stack traces");
  }
  // Streamed without Content-Length: refused while streaming.
  const big = new ReadableStream<Uint8Array>({
    start(c) {
      for (let i = 0; i < 40; i++) c.enqueue(new Uint8Array(64 * 1024).fill(66));
      c.close();
    },
  });
  const streamed = await call(`/session/${id}/upload-csv`, {
    method: "POST",
    headers: { "content-type": "text/csv" },
    body: big,
    // @ts-ignore: Deno needs duplex for streamed request bodies
    duplex: "half",
  });
  assert.equal(streamed.status, 413);
  assert.deepEqual(await kvKeys(deps.kv), before);
  const h = await call(`/session/${id}/history`);
  assert.equal(h.body.total_messages, 0);
});

t("upload as raw text/csv, a generic CSV; replacing a dataset deletes the old one", async () => {
  const id = await newSession(false);
  const csv = "day,service,region,total_cost\n2025-01-01,api,eu,10.5\n2025-01-02,api,us,4.25\n2025-01-02,db,eu,1\n";
  const r1 = await call(`/session/${id}/upload-csv?name=mine.csv`, {
    method: "POST",
    headers: { "content-type": "text/csv" },
    body: csv,
  });
  assert.equal(r1.status, 200, JSON.stringify(r1.body));
  assert.equal(r1.body.dataset.schema, "generic");
  assert.equal(r1.body.dataset.name, "mine.csv");
  const total = await ask(id, "total cost");
  assert.equal(total.result.rows[0][0], 15.75);
  assert.match(total.response, /Currency: not stated in the data/);
  const byService = await ask(id, "cost by service");
  assert.deepEqual(byService.result.rows, [["api", 14.75], ["db", 1]]);
  const firstId = r1.body.dataset.id;
  const r2 = await call(`/session/${id}/upload-csv`, uploadReq(csv.replace("10.5", "20.5"), "../../etc/passwd"));
  assert.equal(r2.status, 200);
  assert.equal(r2.body.dataset.name, "passwd");
  assert.deepEqual((await kvKeys(deps.kv)).filter((k) => k.includes(firstId)), []);
  assert.equal((await ask(id, "total cost")).result.rows[0][0], 25.75);
});

t("delete: removes history and uploaded data, keeps the shared sample", async () => {
  const id = await newSession();
  await ask(id, "total cost");
  const up = await call(`/session/${id}/upload-csv`, uploadReq("date,cost\n2024-01-01,1\n2024-01-02,2\n"));
  const dsId = up.body.dataset.id;
  const del = await call(`/session/${id}`, { method: "DELETE" });
  assert.equal(del.status, 200);
  assert.equal(del.body.message, "Session deleted");
  assert.equal((await call(`/session/${id}/history`)).status, 404);
  const left = await kvKeys(deps.kv);
  assert.deepEqual(left.filter((k) => k.includes(id) || k.includes(dsId)), []);
  assert.ok(left.some((k) => k.includes(deps.sampleDatasetId!)));
  const other = await newSession();
  assert.equal((await ask(other, "total cost")).intent, "finops_query");
});

t("memory, export and clearing history: memory survives, clearing keeps the data", async () => {
  const id = await newSession();
  await ask(id, "EC2 cost by region last month");
  await ask(id, "what about S3?");
  const mem = await call(`/session/${id}/memory`);
  assert.equal(mem.status, 200);
  assert.equal(mem.body.turns, 2);
  assert.equal(mem.body.total_messages, 4);
  assert.deepEqual(mem.body.remembered.filters, [{
    column: "ServiceName",
    op: "in",
    values: ["Amazon Simple Storage Service"],
  }]);
  assert.deepEqual(mem.body.remembered.group_by, ["RegionName"]);
  assert.equal(mem.body.remembered.time_range.start, "2025-06-01");
  const md = await app.request(`/session/${id}/export?format=md`);
  assert.equal(md.status, 200);
  assert.match(md.headers.get("content-type")!, /text\/markdown/);
  assert.match(md.headers.get("content-disposition")!, /attachment; filename="finops-conversation-/);
  const text = await md.text();
  assert.match(text, /what about S3\?/);
  assert.match(text, /```sql\nSELECT "RegionName"/);
  const js = await call(`/session/${id}/export?format=json`);
  assert.equal(js.status, 200);
  assert.equal(js.body.total_messages, 4);
  assert.equal(js.body.dataset.name, "sample_billing.csv");
  assert.equal((await call(`/session/${id}/export?format=pdf`)).status, 400);
  const chart = await ask(id, "show me a chart of that");
  assert.match(chart.sql, /Amazon Simple Storage Service/);
  const cleared = await call(`/session/${id}/history`, { method: "DELETE" });
  assert.equal(cleared.status, 200);
  const h = await call(`/session/${id}/history`);
  assert.equal(h.body.total_messages, 0);
  assert.equal((await call(`/session/${id}/memory`)).body.remembered, null);
  const fresh = await ask(id, "what about S3?");
  assert.equal(fresh.turn_number, 1);
  assert.match(fresh.sql, /Amazon Simple Storage Service/, "the data is still there");
  assert.doesNotMatch(fresh.sql, /RegionName/, "the remembered breakdown is gone");
});

t("a dataset stored by an older ingest is profiled again when opened", async () => {
  const id = await newSession(false);
  const csv = 'date,cost,tags\n2025-01-01,3,"{""team"":""a""}"\n2025-01-02,4,\n';
  const up = await call(`/session/${id}/upload-csv`, uploadReq(csv));
  const dsId = up.body.dataset.id;
  const key = ["dataset", dsId];
  const old = (await deps.kv.get<{ setupSql: string[] }>(key)).value!;
  // As version 2 stored it: the canonical table built from a raw *table*, then dropped (which
  // the current engine, reading the file through a raw view, cannot run).
  const raw = `"${tableNames(dsId).raw}"`;
  await deps.kv.set(key, { ...old, version: 2, tags: undefined, setupSql: [old.setupSql[1], `DROP TABLE ${raw}`] });
  await deps.engine.unload(dsId);
  const r = await ask(id, "cost by team tag");
  assert.deepEqual(r.result.rows, [[null, 4], ["a", 3]]);
  const now = (await deps.kv.get<{ version: number; tags: unknown[] }>(key)).value!;
  assert.equal(now.version, INGEST_VERSION);
  assert.equal(now.tags.length, 1);
});

t("OpenAPI 3.1 document and the docs page with its own assets", async () => {
  const doc = await call("/openapi.json");
  assert.equal(doc.status, 200);
  assert.equal(doc.body.openapi, "3.1.0");
  for (
    const p of [
      "/session/create",
      "/session/{id}/upload-csv",
      "/session/{id}/query",
      "/session/{id}/history",
      "/sessions",
      "/session/{id}",
      "/health",
    ]
  ) {
    assert.ok(doc.body.paths[p], p);
  }
  assert.ok(doc.body.components.schemas.QueryResponse.properties.sql);
  const page = await call("/docs");
  assert.equal(page.status, 200);
  assert.match(page.body, /swagger-ui-bundle\.js/);
  assert.doesNotMatch(page.body, /https?:\/\//);
  const js = await app.request("/docs/assets/swagger-ui-bundle.js");
  assert.equal(js.status, 200);
  assert.match(js.headers.get("content-type")!, /javascript/);
  await js.body?.cancel();
  assert.equal((await call("/docs/assets/..%2F..%2Fpackage.json")).status, 404);
  assert.equal((await call("/static/..%2Fdeno.json")).status, 404);
  const home = await app.request("/");
  assert.equal(home.status, 200);
  assert.match(home.headers.get("content-security-policy")!, /frame-ancestors 'none'/);
  assert.equal(home.headers.get("x-content-type-options"), "nosniff");
  await home.body?.cancel();
});

t("metrics: Prometheus text with requests by route, question latency by intent, errors by code", async () => {
  const id = await newSession();
  await call(`/session/${id}/query`, jsonReq("POST", { query: "total cost" }));
  await call(`/session/${crypto.randomUUID()}/history`);
  await app.request("/x", { method: "BREW" });
  const r = await app.request("/metrics");
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type")!, /text\/plain; version=0\.0\.4/);
  const text = await r.text();
  assert.match(text, /http_requests_total\{route="\/session\/:id\/query",method="POST",status="200"\} \d+/);
  assert.match(text, /http_request_duration_seconds_bucket\{route="\/session\/:id\/query",le="\+Inf"\} \d+/);
  assert.match(text, /query_duration_seconds_count\{intent="finops_query",planner="builtin"\} \d+/);
  assert.match(text, /errors_total\{code="not_found"\} \d+/);
  assert.match(text, /method="OTHER"/, "unknown methods do not create new series");
  assert.doesNotMatch(text, /BREW/);
  assert.match(text, /sessions_active \d+/);
  assert.match(text, /engine_datasets_loaded [1-9]/);
  assert.match(text, /process_resident_memory_bytes \d+/);
  assert.match(text, /llm_enabled 0/);
  // Every sample line parses: name{labels} value.
  for (const line of text.trim().split("\n").filter((l) => !l.startsWith("#"))) {
    assert.match(line, /^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$/, line);
  }
});

t("concurrency: 60 questions at once on one session all succeed, each turn's pair adjacent in history", async () => {
  const id = await newSession();
  const qs = Array.from({ length: 60 }, (_, i) => (i % 2 ? "total cost" : "top 3 services"));
  const replies = await Promise.all(qs.map((q) => call(`/session/${id}/query`, jsonReq("POST", { query: q }))));
  assert.deepEqual(replies.map((r) => r.status), qs.map(() => 200));
  assert.deepEqual(replies.map((r) => r.body.turn_number).sort((a, b) => a - b), qs.map((_, i) => i + 1));
  const h = await call(`/session/${id}/history?limit=200`);
  assert.equal(h.body.total_messages, 120);
  const msgs = h.body.history as { role: string; content: string }[];
  for (let i = 0; i < msgs.length; i += 2) {
    assert.equal(msgs[i].role, "user");
    assert.equal(msgs[i + 1].role, "assistant");
  }
});

t("uploads: a .csv.gz export is inflated and loaded like the CSV itself", async () => {
  const id = await newSession(false);
  const packed = await gzip(Deno.readFileSync(fixture("focus_sample.csv")));
  const up = await call(`/session/${id}/upload-csv`, uploadReq(packed, "focus_sample.csv.gz", "application/gzip"));
  assert.equal(up.status, 200, JSON.stringify(up.body));
  assert.equal(up.body.dataset.rows, 1000);
  assert.equal(up.body.dataset.name, "focus_sample.csv");
  const total = await ask(id, "Show total billed cost");
  assert.equal(cents(total.result.rows[0][0]), cents(sumColumn(focusRows, "BilledCost")));
});

Deno.test({
  name: "close the test app",
  ...engineTest,
  async fn() {
    await running.close();
    (await import("../helpers/app.ts")).sharedEngine().then((e) => e.close());
  },
});
