/**
 * What the chat page needs from the server: the page and its scripts (no CDN), the chart
 * libraries from node_modules, and the streamed answer.
 */
import assert from "node:assert/strict";
import { engineTest, jsonReq, newSession, testApp } from "../helpers/app.ts";

const running = await testApp();
const { app } = running;

/** Parses a Server-Sent Events body into its events. */
function events(text: string): { event: string; data: unknown }[] {
  return text.split("\n\n").filter((c) => c.trim()).map((chunk) => ({
    event: chunk.match(/^event: (.*)$/m)?.[1] ?? "message",
    data: JSON.parse(chunk.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n")),
  }));
}

Deno.test({
  name: "chat page: the page, its modules and the chart libraries are served by the app, under a strict CSP",
  ...engineTest,
  async fn() {
    const page = await app.request("/");
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.doesNotMatch(html, /https?:\/\//, "no CDN");
    assert.match(page.headers.get("content-security-policy") ?? "", /script-src 'self';/);
    for (const src of html.matchAll(/(?:src|href)="(\/[^"]+)"/g)) {
      const r = await app.request(src[1]);
      assert.equal(r.status, 200, src[1]);
      await r.arrayBuffer();
    }
    const interp = await (await app.request("/vendor/vega-interpreter.js")).text();
    assert.match(interp, /from "\/static\/vega-util-shim\.js"/);
    assert.doesNotMatch(interp, /from ['"]vega-util['"]/);
    for (
      const bad of ["/vendor/package.json", "/vendor/..%2Fdeno.json", "/vendor/constructor", "/static/..%2Fmain.ts"]
    ) {
      assert.equal((await app.request(bad)).status, 404, bad);
    }
  },
});

Deno.test({
  name: "stream: steps then the same answer as the plain endpoint, stored in the history",
  ...engineTest,
  async fn() {
    const id = await newSession(app);
    const r = await app.request(`/session/${id}/query/stream`, jsonReq("POST", { query: "cost per month" }));
    assert.equal(r.status, 200);
    assert.match(r.headers.get("content-type") ?? "", /text\/event-stream/);
    const ev = events(await r.text());
    const steps = ev.filter((e) => e.event === "step").map((e) => (e.data as { step: string }).step);
    assert.deepEqual(steps, ["understood", "sql", "rows", "chart"]);
    const answer = ev.at(-1)!;
    assert.equal(answer.event, "answer");
    const body = answer.data as Record<string, unknown>;
    assert.equal(body.turn_number, 1);
    assert.ok(body.chart_url && body.sql);
    const plain = await (await app.request(`/session/${id}/query`, jsonReq("POST", { query: "cost per month" })))
      .json();
    assert.deepEqual((body.result as { rows: unknown }).rows, plain.result.rows);
    const hist = await (await app.request(`/session/${id}/history`)).json();
    assert.equal(hist.total_messages, 4);
  },
});

Deno.test({
  name: "stream: bad requests are JSON errors before the stream; analyses report their step",
  ...engineTest,
  async fn() {
    const missing = await app.request(`/session/${crypto.randomUUID()}/query/stream`, jsonReq("POST", { query: "x" }));
    assert.equal(missing.status, 404);
    assert.equal((await missing.json()).error.code, "not_found");
    const id = await newSession(app);
    const empty = await app.request(`/session/${id}/query/stream`, jsonReq("POST", { query: "" }));
    assert.equal(empty.status, 400);
    await empty.body?.cancel();
    const r = await app.request(`/session/${id}/query/stream`, jsonReq("POST", { query: "forecast next month" }));
    const ev = events(await r.text());
    assert.ok(ev.some((e) => e.event === "step" && (e.data as { analysis?: string }).analysis === "forecast"));
    assert.equal(ev.at(-1)!.event, "answer");
  },
});

Deno.test({ name: "chat page: cleanup", ...engineTest, fn: () => running.close() });
