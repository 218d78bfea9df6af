/**
 * Charts through the API: drawn from chat questions, served as PNG to their session, deleted
 * with it.
 */
import assert from "node:assert/strict";
import { pngSize } from "../../analytics/charts/render.ts";
import { askOk, engineTest, kvKeys, newSession, testApp } from "../helpers/app.ts";

const running = await testApp();
const { app } = running;
const t = (name: string, fn: () => Promise<void>) => Deno.test({ name, ...engineTest, fn });

interface Reply {
  response: string;
  intent: string;
  subagent: string;
  chart_url: string | null;
  chart_spec: { usermeta?: { type?: string }; title?: { text?: string } } | null;
}
const session = () => newSession(app);
const ask = (id: string, query: string) => askOk<Reply>(app, id, query);
async function png(url: string): Promise<Response> {
  return await app.request(url);
}

t("a trend gets a line chart, served as PNG with cache headers and an ETag", async () => {
  const id = await session();
  const b = await ask(id, "cost per month");
  assert.match(b.chart_url!, /^\/charts\/[A-Za-z0-9_-]{22}\.png$/);
  assert.equal(b.chart_spec!.usermeta!.type, "line");
  assert.match(JSON.stringify(b.chart_spec), /"Effective \(amortized\) cost per month"/);
  const r = await png(b.chart_url!);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "image/png");
  assert.match(r.headers.get("cache-control")!, /private, max-age=\d+, immutable/);
  const etag = r.headers.get("etag")!;
  const bytes = new Uint8Array(await r.arrayBuffer());
  const size = pngSize(bytes)!;
  assert.ok(size.width >= 1200 && size.height >= 600, JSON.stringify(size));
  const again = await app.request(b.chart_url!, { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);
  await again.body?.cancel();
});

t(
  "chart requests: 'show me a chart of that', 'as a pie', 'horizontal bars', and a number that needs none",
  async () => {
    const id = await session();
    const top = await ask(id, "top 5 services");
    assert.equal(top.chart_spec!.usermeta!.type, "hbar", "a ranking gets horizontal bars without being asked");
    assert.equal(top.subagent, "data_fetcher");
    const chart = await ask(id, "show me a chart of that");
    assert.equal(chart.intent, "visualize");
    assert.ok(chart.chart_spec!.usermeta!.type === "hbar" || chart.chart_spec!.usermeta!.type === "bar");
    const pie = await ask(id, "as a pie");
    assert.equal(pie.chart_spec!.usermeta!.type, "donut");
    assert.equal((await png(pie.chart_url!)).status, 200);
    const bars = await ask(id, "horizontal bars");
    assert.equal(bars.chart_spec!.usermeta!.type, "hbar");
    const total = await ask(id, "chart the total cost");
    assert.equal(total.chart_url, null);
    assert.match(total.response, /A single number needs no chart/);
    const trend = await ask(id, "cost per month by service as a pie");
    assert.equal(trend.chart_spec!.usermeta!.type, "stacked_bar");
    assert.match(trend.response, /can't be drawn as a donut chart; it is drawn as stacked bars instead/);
    const heat = await ask(id, "chart cost by service and region");
    assert.equal(heat.chart_spec!.usermeta!.type, "heatmap");
  },
);

t("analyses come with their charts: forecast bands, anomaly marks, drivers, moving average, correlations", async () => {
  const id = await session();
  const expect: [string, string][] = [
    ["forecast next quarter", "forecast"],
    ["any anomalies?", "anomalies"],
    ["why did EC2 spike on the 14th?", "anomalies"],
    ["why did costs go up in May?", "hbar"],
    ["7-day moving average", "line"],
    ["correlation between services", "heatmap"],
  ];
  for (const [q, type] of expect) {
    const b = await ask(id, q);
    assert.equal(b.chart_spec?.usermeta?.type, type, q);
    const r = await png(b.chart_url!);
    assert.equal(r.status, 200, q);
    assert.ok(pngSize(new Uint8Array(await r.arrayBuffer())), q);
  }
});

t("unknown, malformed and other sessions' chart ids are 404 JSON; charts go with their session", async () => {
  for (
    const url of ["/charts/AAAAAAAAAAAAAAAAAAAAAA.png", "/charts/..%2F..%2Fetc.png", "/charts/x.png", "/charts/abc"]
  ) {
    const r = await app.request(url);
    assert.equal(r.status, 404, url);
    assert.equal((await r.json()).error.code, "not_found");
  }
  const id = await session();
  const b = await ask(id, "cost per month");
  const chartId = b.chart_url!.slice(8, -4);
  assert.ok((await kvKeys(running.deps.kv)).some((k) => k.includes(chartId)));
  // The spec it was drawn from is kept beside the PNG, for a reloaded page to draw it again.
  const spec = await app.request(`/charts/${chartId}.json`);
  assert.equal(spec.status, 200);
  assert.deepEqual(await spec.json(), b.chart_spec);
  // The PNG is drawn on its first request, then kept.
  const pngKeys = async () =>
    (await kvKeys(running.deps.kv)).filter((k) => k.includes("chart_png") && k.includes(chartId));
  assert.equal((await pngKeys()).length, 0, "not drawn before it is asked for");
  const pngBytes = new Uint8Array(await (await png(b.chart_url!)).arrayBuffer());
  assert.ok((await pngKeys()).length > 0, "kept once drawn");
  const served = new Uint8Array(await (await png(b.chart_url!)).arrayBuffer());
  assert.deepEqual(served, pngBytes, "the kept PNG is served");
  assert.deepEqual([...pngBytes.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  // A whole PNG: it ends with its IEND chunk.
  assert.deepEqual([...pngBytes.subarray(-8)], [0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);
  const cleared = await app.request(`/session/${id}/history`, { method: "DELETE" });
  assert.equal(cleared.status, 200);
  await cleared.body?.cancel();
  assert.equal((await png(b.chart_url!)).status, 404, "cleared with the history");
  const specGone = await app.request(`/charts/${chartId}.json`);
  assert.equal(specGone.status, 404);
  await specGone.body?.cancel();
  const again = await ask(id, "cost per month");
  const del = await app.request(`/session/${id}`, { method: "DELETE" });
  assert.equal(del.status, 200);
  await del.body?.cancel();
  const gone = await png(again.chart_url!);
  assert.equal(gone.status, 404);
  await gone.body?.cancel();
  assert.ok(
    !(await kvKeys(running.deps.kv)).some((k) => k.includes(again.chart_url!.slice(8, -4))),
    "no chart keys left",
  );
});

t("the chart route is in the OpenAPI document, and the query response documents chart_spec", async () => {
  const doc = await (await app.request("/openapi.json")).json();
  assert.ok(doc.paths["/charts/{file}"]?.get);
  assert.ok(doc.components.schemas.QueryResponse.properties.chart_spec);
});

Deno.test({ name: "close", ...engineTest, fn: () => running.close() });
