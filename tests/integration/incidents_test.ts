/**
 * Anomaly detection a FinOps team would leave on (issue 22): incidents instead of days, launches
 * and steps once, trends as trends, recurring charges, tax and purchases never anomalies, too
 * little history said plainly, dismissals remembered. Scored against labelled data whose truth
 * is known (tests/helpers/labelled_billing.ts).
 * @module
 */
import assert from "node:assert/strict";
import { findIncidents } from "../../analytics/incidents.ts";
import { segment } from "../../analytics/changepoints.ts";
import { labelledCsv, labelledSeries, scoreIncidents, seriesKey } from "../helpers/labelled_billing.ts";
import { askOk, engineTest, fixture, jsonReq, testApp, uploadReq } from "../helpers/app.ts";

for (const seed of [7, 11, 23]) {
  Deno.test(`incidents: precision ≥ 0.8 and recall ≥ 0.9 for every event type on labelled data (seed ${seed})`, () => {
    const { dates, series, total, labels } = labelledSeries(seed);
    const mean = total.reduce((a, b) => a + b) / total.length;
    const out = findIncidents(dates, total, series, { minImpact: mean * 0.01 });
    for (const s of scoreIncidents(out.incidents, out.trends, labels)) {
      assert.ok(s.precision >= 0.8, `${s.type}: precision ${s.precision} (${s.correct}/${s.reported})`);
      assert.ok(s.recall >= 0.9, `${s.type}: recall ${s.recall} (${s.found}/${s.labels})`);
    }
    // A handful of incidents a year, not a list nobody reads twice.
    assert.ok(out.incidents.length <= 14, `${out.incidents.length} incidents`);
    const fees = [seriesKey("AWS Support"), seriesKey("Datadog")];
    assert.deepEqual(out.incidents.filter((i) => fees.includes(i.series)), [], "recurring fees are never anomalies");
  });
}

Deno.test("change points: a step, a launch and a trend are named once; a lone spike is not a segment", () => {
  const flat = (n: number, v: number) => Array.from({ length: n }, (_, i) => v + (i % 3) * 0.5);
  assert.deepEqual(segment([...flat(40, 100), ...flat(40, 140)]).changes.map((c) => [c.kind, c.index]), [["step", 40]]);
  assert.deepEqual(segment([...flat(30, 0).map(() => 0), ...flat(30, 50)]).changes.map((c) => c.kind), ["launch"]);
  const spike = flat(60, 100);
  spike[30] = 900;
  assert.deepEqual(segment(spike).changes, []);
  const growing = Array.from({ length: 120 }, (_, t) => 100 + t + (t % 2));
  const seg = segment(growing);
  assert.ok(seg.trend && seg.trend.perDay > 0.9);
  assert.deepEqual(seg.changes, []);
});

const app = (await testApp()).app;

async function uploaded(csv: string | Uint8Array, name = "labelled.csv"): Promise<string> {
  const r = await app.request("/session/create", jsonReq("POST", { use_sample: false }));
  const id = (await r.json()).session_id;
  assert.equal((await app.request(`/session/${id}/upload-csv`, uploadReq(csv, name))).status, 200);
  return id;
}

type Body = { response: string; result: { columns: { name: string }[]; rows: unknown[][] } | null };

Deno.test({
  name:
    "incidents through the API: 2025 of an 18-month export gives a handful of named incidents; tax and purchases are not anomalies",
  ...engineTest,
  async fn() {
    const id = await uploaded(labelledCsv(7));
    const b = await askOk<Body>(app, id, "Were there any anomalies in daily cost in 2025?");
    const cols = b.result!.columns.map((c) => c.name);
    const rows = b.result!.rows.map((r) => Object.fromEntries(cols.map((c, i) => [c, r[i]])));
    assert.ok(rows.length >= 4 && rows.length <= 10, `${rows.length} incidents: ${JSON.stringify(rows)}`);
    assert.ok(rows.some((r) => r.kind === "launch" && String(r.series).includes("Amazon Bedrock")), "the launch, once");
    assert.equal(rows.filter((r) => String(r.series).includes("Bedrock")).length, 1);
    assert.ok(
      rows.some((r) => r.kind === "spike" && String(r.series).includes("BigQuery") && r.start === "2025-03-14"),
    );
    assert.ok(rows.some((r) => r.kind === "step" && String(r.series).includes("Virtual Machines")));
    assert.ok(!rows.some((r) => String(r.start).endsWith("-01") && r.kind === "spike"), "tax on the 1st is no spike");
    assert.match(b.response, /started on 2025-02-1\d at ≈ \$[\d,.]+ a day/);
    assert.match(b.response, /Trend, not anomalies/);
    // Findings first, the method after.
    assert.ok(b.response.indexOf("incident") < b.response.indexOf("_How:"));
    const y2024 = await askOk<Body>(app, id, "any anomalies in 2024?");
    assert.match(y2024.response, /Purchases \(not anomalies\):.*\$12,000\.00 on 2024-12-02/);
  },
});

Deno.test({
  name: "incidents: with too little history the answer says what it has and does not scan",
  ...engineTest,
  async fn() {
    const id = await uploaded(await Deno.readFile(fixture("focus_sample.csv")), "focus.csv");
    const b = await askOk<Body>(app, id, "any anomalies?");
    assert.match(b.response, /I have 30 days of .* needs at least 42 days/);
    assert.match(b.response, /won't call anything an anomaly/);
    assert.equal(b.result, null);
  },
});

Deno.test({
  name: "incidents: dismissed by chat or by REST, never reported again in the session",
  ...engineTest,
  async fn() {
    const id = await uploaded(labelledCsv(7));
    const first = await askOk<Body>(app, id, "any anomalies in 2025?");
    const ids = first.result!.rows.map((r) => String(r[0]));
    // A bare acknowledgement is not a dismissal.
    for (const q of ["ok", "fine", "ok thanks"]) {
      const ack = await askOk<Body>(app, id, q);
      assert.doesNotMatch(ack.response, /is expected\. It will not be reported/, q);
    }
    const ok = await askOk<Body>(app, id, "that one is expected");
    assert.match(ok.response, new RegExp(`incident ${ids[0]} is expected`));
    const r = await app.request(`/session/${id}/anomalies/${ids[1]}/dismiss`, { method: "POST" });
    assert.equal(r.status, 200);
    await r.body?.cancel();
    const bad = await app.request(`/session/${id}/anomalies/not-an-id/dismiss`, { method: "POST" });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
    const again = await askOk<Body>(app, id, "any anomalies in 2025?");
    const now = again.result!.rows.map((row) => String(row[0]));
    assert.ok(!now.includes(ids[0]) && !now.includes(ids[1]), JSON.stringify(now));
    assert.equal(now.length, ids.length - 2);
    assert.match(again.response, /2 incidents you marked as expected are not listed/);
  },
});
