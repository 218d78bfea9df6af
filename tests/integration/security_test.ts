/**
 * The findings of the security review (issue 21), each a test that failed before its fix:
 * rate limits under concurrency, JSON body limits before parsing, the Host allow-list, metrics
 * behind a key, GROQ_LOG out of the start task, the SQL guard's side channels and query budgets.
 * @module
 */
import assert from "node:assert/strict";
import { checkRateLimits } from "../../memory/rate_limit.ts";
import { ENV_VARS } from "../../config.ts";
import { Engine, tableNames } from "../../analytics/engine.ts";
import { guardSql } from "../../agents/llm/sql_guard.ts";
import { QueryBudgetError, SecurityError } from "../../errors.ts";
import {
  engineTest,
  jsonReq,
  loadTable,
  newSession,
  plainTableSql,
  sharedEngine,
  testApp,
  untilMinuteHasRoom,
} from "../helpers/app.ts";

const KEY = "k-security-test-0123456789";
const bearer = (init: RequestInit = {}, key = KEY): RequestInit => ({
  ...init,
  headers: { ...(init.headers ?? {}), authorization: `Bearer ${key}` },
});

Deno.test("rate limits: 300 concurrent hits on a limit of 200 admit exactly 200", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const now = Date.UTC(2026, 0, 1, 12, 0, 5);
    const limits = [{ key: "client:a", max: 200, what: "questions" }, { key: "ip:x", max: 1000, what: "x" }];
    const results = await Promise.allSettled(
      Array.from({ length: 300 }, () => checkRateLimits(kv, limits, 60_000, now)),
    );
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 200);
    const counter = await kv.get<Deno.KvU64>(["ratelimit", "client:a", Math.floor(now / 60_000)]);
    assert.equal(Number(counter.value?.value), 300, "every hit counted, refused ones too");
  } finally {
    kv.close();
  }
});

Deno.test({
  name: "rate limits: 120 concurrent questions with one key and a limit of 60 get exactly 60 answers",
  ...engineTest,
  async fn() {
    await untilMinuteHasRoom(10_000);
    const app = await testApp({ apiKeys: [KEY], rateQueriesPerMin: 60 });
    try {
      const created = await app.app.request("/session/create", bearer({ method: "POST" }));
      const id = (await created.json()).session_id;
      const statuses = await Promise.all(
        Array.from({ length: 120 }, async () => {
          const r = await app.app.request(`/session/${id}/query`, bearer(jsonReq("POST", { query: "total cost" })));
          await r.body?.cancel();
          return r.status;
        }),
      );
      assert.equal(statuses.filter((s) => s === 200).length, 60);
      assert.equal(statuses.filter((s) => s === 429).length, 60);
    } finally {
      await app.close();
    }
  },
});

Deno.test({
  name: "body limit: a 1 MB JSON body is refused with 413 before the session lookup and the rate limit",
  ...engineTest,
  async fn() {
    const app = await testApp({ rateQueriesPerMin: 1 });
    try {
      const big = JSON.stringify({ query: "x".repeat(1024 * 1024) });
      const unknown = await app.app.request(`/session/${crypto.randomUUID()}/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: big,
      });
      assert.equal(unknown.status, 413, "before the 404 of an unknown session");
      assert.equal((await unknown.json()).error.code, "payload_too_large");
      // A body that does not say its length is cut as it streams.
      const stream = new ReadableStream({
        start(c) {
          for (let i = 0; i < 20; i++) c.enqueue(new TextEncoder().encode("x".repeat(16 * 1024)));
          c.close();
        },
      });
      const streamed = await app.app.request("/session/create", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: stream,
      });
      assert.equal(streamed.status, 413);
      await streamed.body?.cancel();
      // Ordinary questions still pass, and the 413s did not use up the limit of one question.
      const id = await newSession(app.app);
      const ok = await app.app.request(`/session/${id}/query`, jsonReq("POST", { query: "total cost" }));
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    } finally {
      await app.close();
    }
  },
});

Deno.test({
  name: "host header: local mode serves loopback names and HOST only; ALLOWED_HOSTS widens it",
  ...engineTest,
  async fn() {
    const local = await testApp();
    try {
      for (const host of ["localhost:8000", "127.0.0.1", "[::1]:8000"]) {
        const r = await local.app.request("/sessions", { headers: { host } });
        assert.equal(r.status, 200, host);
        await r.body?.cancel();
      }
      for (const host of ["evil.example", "attacker.example:8000", "192.168.1.10"]) {
        const r = await local.app.request("/sessions", { headers: { host } });
        assert.equal(r.status, 421, host);
        assert.equal((await r.json()).error.code, "misdirected_request");
      }
    } finally {
      await local.close();
    }
    const listed = await testApp({ allowedHosts: ["finops.example.com"], apiKeys: [KEY] });
    try {
      const ok = await listed.app.request("/health", { headers: { host: "finops.example.com" } });
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
      const bad = await listed.app.request("/health", { headers: { host: "other.example.com" } });
      assert.equal(bad.status, 421);
      await bad.body?.cancel();
    } finally {
      await listed.close();
    }
  },
});

Deno.test({
  name: "metrics: behind an API key in keys mode, behind METRICS_TOKEN when set",
  ...engineTest,
  async fn() {
    const keyed = await testApp({ apiKeys: [KEY] });
    try {
      const anon = await keyed.app.request("/metrics");
      assert.equal(anon.status, 401);
      await anon.body?.cancel();
      const withKey = await keyed.app.request("/metrics", bearer());
      assert.equal(withKey.status, 200);
      assert.match(await withKey.text(), /http_requests_total/);
    } finally {
      await keyed.close();
    }
    const token = await testApp({ metricsToken: "scrape-me" });
    try {
      const none = await token.app.request("/metrics");
      assert.equal(none.status, 401);
      await none.body?.cancel();
      const good = await token.app.request("/metrics", bearer({}, "scrape-me"));
      assert.equal(good.status, 200);
      await good.body?.cancel();
    } finally {
      await token.close();
    }
  },
});

Deno.test("GROQ_LOG is not readable by the start task (at debug it logs questions and data)", async () => {
  assert.ok(!(ENV_VARS as readonly string[]).includes("GROQ_LOG"));
  const tasks = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url))).tasks;
  for (const name of ["start", "dev", "compile"]) assert.ok(!tasks[name].includes("GROQ_LOG"), name);
});

const CSV = "ServiceName,BilledCost,ChargePeriodStart\nEC2,10.5,2025-01-01\nS3,2.25,2025-01-02\n";

Deno.test({
  name:
    "sql guard: another dataset's table, the catalog, DESCRIBE/SHOW, recursive CTEs and huge generators are refused",
  ...engineTest,
  async fn() {
    const engine = await sharedEngine();
    const mine = crypto.randomUUID().replaceAll("-", "");
    const other = crypto.randomUUID().replaceAll("-", "");
    await loadTable(engine, mine, CSV);
    await loadTable(engine, other, CSV);
    const theirs = tableNames(other).view;
    try {
      const refused = [
        `DESCRIBE ${theirs}`,
        `SELECT * FROM (DESCRIBE "${theirs}")`,
        `SHOW "${theirs}"`,
        `SUMMARIZE billing`,
        `SELECT * FROM "${theirs}" WHERE false`,
        `SELECT * FROM ${theirs} LIMIT 0`,
        `SELECT 1 FROM "${theirs}" WHERE "BilledCost" > 5`,
        `SELECT * FROM store.main."${theirs}"`,
        `SELECT table_name FROM information_schema.tables`,
        `SELECT * FROM duckdb_tables()`,
        `SELECT database_name FROM duckdb_databases`,
        `SELECT sum(x) FROM range(60000000000) t(x) WHERE x % 7 = 3`,
        `SELECT * FROM generate_series(1, (SELECT COUNT(*) FROM billing) * 1000000000)`,
        `WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r`,
        `SELECT length(repeat('x', 1000000000))`,
        `SELECT * FROM read_csv('/upload/raw_${other}.csv')`,
        `PRAGMA table_info('${theirs}')`,
        `SELECT current_setting('memory_limit')`,
      ];
      for (const sql of refused) {
        await assert.rejects(guardSql(engine, mine, sql), SecurityError, sql);
      }
      // Words inside strings, quoted aliases and comments are data, not statements.
      const allowed = [
        `SELECT ServiceName, SUM(BilledCost) AS "show" FROM billing GROUP BY 1`,
        `SELECT 'DESCRIBE ${theirs}' AS note, COUNT(*) FROM billing -- SHOW tables`,
        `SELECT x FROM range(10) t(x)`,
        `WITH s AS (SELECT ServiceName FROM billing) SELECT * FROM s`,
      ];
      for (const sql of allowed) {
        const wrapped = await guardSql(engine, mine, sql);
        await engine.query(mine, wrapped);
      }
    } finally {
      await engine.unload(mine);
      await engine.unload(other);
    }
  },
});

Deno.test({
  name: "query budget: a slow query is stopped with a 422-class error and the worker keeps serving everyone",
  ...engineTest,
  async fn() {
    const engine = await Engine.start({ workers: 1, queryTimeoutMs: 1500 });
    try {
      const a = crypto.randomUUID().replaceAll("-", "");
      const b = crypto.randomUUID().replaceAll("-", "");
      await loadTable(engine, a, CSV);
      await loadTable(engine, b, CSV);
      const started = Date.now();
      const slow = engine.query(a, `SELECT sum(x) FROM range(60000000000) t(x) WHERE x % 7 = 3`);
      // Another tenant's question waits at most for the budget, then is answered.
      const other = engine.query(b, `SELECT SUM(BilledCost) AS s FROM "${tableNames(b).view}"`);
      const err = await slow.then(() => null, (e) => e);
      assert.ok(err instanceof QueryBudgetError, String(err));
      assert.equal(err.status, 422);
      assert.match(err.message, /stopped after 2 s|stopped after 1 s|limit per query/);
      assert.equal((await other).rows[0][0], 12.75);
      assert.ok(Date.now() - started < 8000, `took ${Date.now() - started} ms`);
      assert.equal(engine.health.restarts, 0, "cancelled inside the worker, no restart needed");
    } finally {
      engine.close();
    }
  },
});

Deno.test({
  name:
    "query budget: a worker that does not answer is replaced, its datasets reload from their loaders, /health says so",
  ...engineTest,
  async fn() {
    const engine = await Engine.start({ workers: 1, queryTimeoutMs: 1000 });
    try {
      const id = crypto.randomUUID().replaceAll("-", "");
      const ds = { id, setupSql: plainTableSql(id) };
      let fetches = 0;
      const fetch = () => {
        fetches++;
        return Promise.resolve(new TextEncoder().encode(CSV));
      };
      await engine.ensure(ds, fetch);
      // One unit of DuckDB work that takes far longer than the budget: only a replacement stops it.
      const stuck = engine.query(id, `SELECT length(repeat('x', 2000000000)) AS n`);
      await new Promise((r) => setTimeout(r, 1500));
      assert.equal(engine.health.stuck, 1, "reported stuck past the budget");
      await assert.rejects(stuck, QueryBudgetError);
      assert.equal(engine.health.restarts, 1);
      const rs = await engine.query(id, `SELECT SUM(BilledCost) AS s FROM "${tableNames(id).view}"`);
      assert.equal(rs.rows[0][0], 12.75);
      assert.equal(fetches, 2, "the dataset came back from its loader");
      assert.equal(engine.health.stuck, 0);
    } finally {
      engine.close();
    }
  },
});

Deno.test({
  name: "health: reports workers, restarts, stuck and restarting workers",
  ...engineTest,
  async fn() {
    const app = await testApp();
    try {
      const body = await (await app.app.request("/health")).json();
      for (const k of ["workers", "restarts", "stuck", "restarting"]) assert.equal(typeof body.engine[k], "number", k);
    } finally {
      await app.close();
    }
  },
});

Deno.test({
  name: "query budget: a query that grew the worker's heap past the threshold gets its worker replaced (memory back)",
  ...engineTest,
  async fn() {
    const engine = await Engine.start({ workers: 1, recycleGrowthBytes: 8 * 1048576 });
    try {
      const id = crypto.randomUUID().replaceAll("-", "");
      await engine.ensure({ id, setupSql: plainTableSql(id) }, () => Promise.resolve(new TextEncoder().encode(CSV)));
      await engine.query(id, `SELECT 1 AS warm`);
      // A large intermediate result: the WebAssembly heap grows (and would never shrink).
      await engine.query(id, `SELECT max(length(repeat('ab', 50000000))) AS n`);
      assert.equal(engine.health.restarts, 1);
      const rs = await engine.query(id, `SELECT SUM(BilledCost) AS s FROM "${tableNames(id).view}"`);
      assert.equal(rs.rows[0][0], 12.75, "the dataset is back on the new worker");
    } finally {
      engine.close();
    }
  },
});

Deno.test({
  name: "session create: a JSON content type with an empty body is the defaults, not 'Malformed JSON'",
  ...engineTest,
  async fn() {
    const app = await testApp();
    try {
      const r = await app.app.request("/session/create", {
        method: "POST",
        headers: { "content-type": "application/json" },
      });
      assert.equal(r.status, 200);
      assert.equal((await r.json()).dataset, "sample_billing.csv");
      const bad = await app.app.request("/session/create", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{not json",
      });
      assert.equal(bad.status, 400);
      await bad.body?.cancel();
    } finally {
      await app.close();
    }
  },
});
