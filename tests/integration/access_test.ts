/**
 * Access modes and rate limits: API keys own their sessions (another client's id is 404
 * everywhere), public mode gives each browser its own owner cookie, limits answer 429 with
 * Retry-After and count per client and per address, CORS is off unless configured.
 */
import assert from "node:assert/strict";
import { checkRateLimits } from "../../memory/rate_limit.ts";
import { RateLimitError } from "../../errors.ts";
import { engineTest, jsonReq, testApp, untilMinuteHasRoom, uploadReq } from "../helpers/app.ts";

const KEY_A = "key-a-0123456789";
const KEY_B = "key-b-9876543210";
const keyed = await testApp({ apiKeys: [KEY_A, KEY_B] });
const bearer = (key: string, init: RequestInit = {}): RequestInit => ({
  ...init,
  headers: { ...(init.headers as Record<string, string> ?? {}), authorization: `Bearer ${key}` },
});

Deno.test({
  name: "keys: requests without a valid key get 401; the page, docs and health stay open",
  ...engineTest,
  async fn() {
    for (const [init, why] of [[{}, /Missing API key/], [bearer("wrong"), /Invalid API key/]] as const) {
      const r = await keyed.app.request("/session/create", { method: "POST", ...init });
      assert.equal(r.status, 401);
      assert.match(r.headers.get("www-authenticate") ?? "", /^Bearer/);
      const body = await r.json();
      assert.equal(body.error.code, "unauthorized");
      assert.match(body.error.message, why);
    }
    assert.equal((await keyed.app.request("/sessions")).status, 401);
    for (const open of ["/", "/health", "/openapi.json", "/static/app.js", "/docs"]) {
      const r = await keyed.app.request(open);
      assert.equal(r.status, 200, open);
      await r.arrayBuffer();
    }
    const doc = await (await keyed.app.request("/openapi.json")).json();
    assert.ok(doc.paths["/session/{id}/query"].post.responses["401"]);
  },
});

Deno.test({
  name: "keys: each key owns its sessions; another client's session id is 404 on every endpoint",
  ...engineTest,
  async fn() {
    const a = await (await keyed.app.request("/session/create", bearer(KEY_A, { method: "POST" }))).json();
    const ask = await keyed.app.request(
      `/session/${a.session_id}/query`,
      bearer(KEY_A, jsonReq("POST", { query: "cost per month" })),
    );
    const answer = await ask.json();
    assert.equal(ask.status, 200);
    assert.ok(answer.chart_url);
    const b = await (await keyed.app.request("/session/create", bearer(KEY_B, { method: "POST" }))).json();

    const id = a.session_id;
    const foreign: [string, RequestInit][] = [
      [`/session/${id}`, { method: "GET" }],
      [`/session/${id}/history`, { method: "GET" }],
      [`/session/${id}/memory`, { method: "GET" }],
      [`/session/${id}/dataset`, { method: "GET" }],
      [`/session/${id}/export?format=json`, { method: "GET" }],
      [`/session/${id}/query`, jsonReq("POST", { query: "total cost" })],
      [`/session/${id}/query/stream`, jsonReq("POST", { query: "total cost" })],
      [`/session/${id}/upload-csv`, uploadReq("a,b\n1,2\n")],
      [`/session/${id}/history`, { method: "DELETE" }],
      [`/session/${id}`, { method: "DELETE" }],
      [answer.chart_url, { method: "GET" }],
    ];
    for (const [path, init] of foreign) {
      const r = await keyed.app.request(path, bearer(KEY_B, init));
      assert.equal(r.status, 404, `${init.method} ${path}`);
      await r.body?.cancel();
    }
    // Still intact for its owner.
    const hist = await (await keyed.app.request(`/session/${id}/history`, bearer(KEY_A))).json();
    assert.equal(hist.total_messages, 2);
    assert.equal((await keyed.app.request(answer.chart_url, bearer(KEY_A))).status, 200);
    // Each lists only its own.
    const listA = await (await keyed.app.request("/sessions", bearer(KEY_A))).json();
    const listB = await (await keyed.app.request("/sessions", bearer(KEY_B))).json();
    assert.ok(listA.some((s: { session_id: string }) => s.session_id === id));
    assert.ok(!listB.some((s: { session_id: string }) => s.session_id === id));
    assert.ok(listB.some((s: { session_id: string }) => s.session_id === b.session_id));
    assert.match(id, /^[0-9a-f-]{36}$/);
  },
});

Deno.test({
  name: "public: each browser gets its own HttpOnly, SameSite=Strict owner cookie and sees only its sessions",
  ...engineTest,
  async fn() {
    const pub = await testApp({ publicMode: true });
    try {
      const first = await pub.app.request("/session/create", { method: "POST" });
      const cookie = first.headers.get("set-cookie") ?? "";
      assert.match(cookie, /^finops_owner=[0-9a-f]{32};/);
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
      assert.doesNotMatch(cookie, /Secure/, "plain HTTP on loopback");
      const id = (await first.json()).session_id;
      const jar = { headers: { cookie: cookie.split(";")[0] } };
      const again = await pub.app.request("/sessions", jar);
      assert.equal(again.headers.get("set-cookie"), null, "a valid cookie is kept");
      assert.deepEqual((await again.json()).map((s: { session_id: string }) => s.session_id), [id]);
      // Another browser (no cookie, or a forged one) sees nothing of it.
      const other = await pub.app.request(`/session/${id}/history`);
      assert.equal(other.status, 404);
      assert.equal(
        (await pub.app.request(`/session/${id}/history`, { headers: { cookie: "finops_owner=../x" } })).status,
        404,
      );
      const tls = await pub.app.request("https://finops.example/health");
      assert.match(tls.headers.get("set-cookie") ?? "", /Secure/);
      await tls.body?.cancel();
    } finally {
      await pub.close();
    }
  },
});

Deno.test({
  name: "rate limits: the next question over the limit gets 429 with Retry-After; other clients are unaffected",
  ...engineTest,
  async fn() {
    // Limits count per clock minute: start well inside one, so every request of the test falls in it.
    await untilMinuteHasRoom(10_000);
    const limited = await testApp({ apiKeys: [KEY_A, KEY_B], rateQueriesPerMin: 3, rateSessionsPerMin: 2 });
    try {
      const id = (await (await limited.app.request("/session/create", bearer(KEY_A, { method: "POST" }))).json())
        .session_id;
      const q = (key: string, sid = id) =>
        limited.app.request(`/session/${sid}/query`, bearer(key, jsonReq("POST", { query: "total cost" })));
      for (let i = 0; i < 3; i++) assert.equal((await q(KEY_A)).status, 200);
      const refused = await q(KEY_A);
      assert.equal(refused.status, 429);
      const retry = Number(refused.headers.get("retry-after"));
      assert.ok(retry >= 1 && retry <= 60, `Retry-After ${retry}`);
      assert.match((await refused.json()).error.message, /at most 3 a minute/);
      const hist = await (await limited.app.request(`/session/${id}/history`, bearer(KEY_A))).json();
      assert.equal(hist.total_messages, 6, "a refused question is not stored");
      // Another client has its own budget.
      const other = (await (await limited.app.request("/session/create", bearer(KEY_B, { method: "POST" }))).json())
        .session_id;
      assert.equal((await q(KEY_B, other)).status, 200);
      // Session creation has its own limit.
      assert.equal((await limited.app.request("/session/create", bearer(KEY_A, { method: "POST" }))).status, 200);
      assert.equal((await limited.app.request("/session/create", bearer(KEY_A, { method: "POST" }))).status, 429);
    } finally {
      await limited.close();
    }
  },
});

Deno.test("rate limits: counted per window in KV, for every key given, across concurrent hits", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const t0 = Date.UTC(2026, 0, 1, 12, 0, 10);
    const limits = [{ key: "c", max: 5, what: "things" }, { key: "ip", max: 7, what: "things from here" }];
    const results = await Promise.allSettled(Array.from({ length: 8 }, () => checkRateLimits(kv, limits, 60_000, t0)));
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 5, "exactly the limit passes under races");
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    assert.ok(refused.reason instanceof RateLimitError);
    assert.equal(refused.reason.headers["Retry-After"], "50");
    // The IP limit bites on its own when several clients share it.
    await assert.rejects(
      checkRateLimits(kv, [{ key: "ip", max: 7, what: "things from here" }], 60_000, t0),
      /from here/,
    );
    // A new window starts afresh.
    await checkRateLimits(kv, limits, 60_000, t0 + 60_000);
  } finally {
    kv.close();
  }
});

Deno.test({
  name: "cors: off by default, and only the configured origins when on",
  ...engineTest,
  async fn() {
    const off = await keyed.app.request("/health", { headers: { origin: "https://evil.example" } });
    assert.equal(off.headers.get("access-control-allow-origin"), null);
    await off.body?.cancel();
    const on = await testApp({ corsOrigins: ["https://finops.example"] });
    try {
      const pre = await on.app.request("/session/create", {
        method: "OPTIONS",
        headers: { origin: "https://finops.example", "access-control-request-method": "POST" },
      });
      assert.equal(pre.headers.get("access-control-allow-origin"), "https://finops.example");
      const evil = await on.app.request("/health", { headers: { origin: "https://evil.example" } });
      assert.notEqual(evil.headers.get("access-control-allow-origin"), "https://evil.example");
      await evil.body?.cancel();
    } finally {
      await on.close();
    }
  },
});

Deno.test({ name: "access: cleanup", ...engineTest, fn: () => keyed.close() });
